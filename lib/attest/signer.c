/*
 * signer.c — pc_signer, the scanning side's handle on the verdict signing
 * key process (see signer.h and docs/privsep.md). It holds a socket and
 * the public key's id, never the private key: every signature, the public
 * key and reloads are asked of the "pc-signer" process. When that process
 * is gone every call fails, so nothing is ever presented as signed that
 * was not.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pcx/sha256.h"
#include "attest/signer.h"
#include "pcx.h"

struct pc_signer {
    pc_keyproc *kp;
};

int pc_signer_load(const char *path, pc_signer **out, char *err, size_t errlen)
{
    unsigned char pub[PC_ED25519_PUB];
    pc_signer *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (pc_signer_keyproc_start(path, &s->kp, pub, err, errlen) < 0) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void pc_signer_free(pc_signer *s)
{
    if (!s)
        return;
    pc_keyproc_stop(s->kp);
    free(s);
}

int pc_signer_alive(pc_signer *s, char *why, size_t whylen)
{
    return pc_keyproc_alive(s->kp, why, whylen);
}

long pc_signer_pid(const pc_signer *s)
{
    return (long)pc_keyproc_pid(s->kp);
}

/* One op whose reply must be OK with exactly want data bytes. */
static int call(pc_signer *s, uint8_t op, const void *body, size_t len, size_t want,
                pc_ps_answer *a, char *err, size_t errlen)
{
    if (pc_keyproc_ask(s->kp, op, body, len, a, "the signing key process refused", err, errlen) < 0)
        return -1;
    if (a->dlen != want) {
        snprintf(err, errlen, "the signing key process answered %zu bytes, not %zu", a->dlen, want);
        return -1;
    }
    return 0;
}

static char *pub_pem(const unsigned char raw[PC_ED25519_PUB])
{
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, PC_ED25519_PUB);
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out = NULL;
    if (k && b && PEM_write_bio_PUBKEY(b, k)) {
        long n = BIO_get_mem_data(b, &data);
        if (n > 0)
            out = pc_strndup(data, (size_t)n);
    }
    BIO_free(b);
    EVP_PKEY_free(k);
    return out;
}

char *pc_signer_public_pem(pc_signer *s)
{
    pc_ps_answer a;
    char err[PC_PS_MSG_MAX + 1];
    if (call(s, PC_SIGNER_OP_PUBKEY, NULL, 0, PC_ED25519_PUB, &a, err, sizeof err) < 0)
        return NULL;
    return pub_pem(a.data);
}

int pc_signer_reload(pc_signer *s, char *err, size_t errlen)
{
    pc_ps_answer a;
    return call(s, PC_SIGNER_OP_RELOAD, NULL, 0, PC_ED25519_PUB, &a, err, errlen);
}

int pc_signer_sign_payload(pc_signer *s, const unsigned char *payload, size_t len,
                           unsigned char sig[PC_ED25519_SIG], char keyid[72], char *err,
                           size_t errlen)
{
    pc_ps_answer a;
    if (len == 0 || len > PC_PS_REQ_MAX) {
        snprintf(err, errlen, "verdict payload of %zu bytes: not signed (1 to %d)", len,
                 PC_PS_REQ_MAX);
        return -1;
    }
    if (call(s, PC_SIGNER_OP_SIGN, payload, len, PC_ED25519_PUB + PC_ED25519_SIG, &a, err, errlen) <
        0)
        return -1;
    memcpy(sig, a.data + PC_ED25519_PUB, PC_ED25519_SIG);
    pc_sha256_digest(a.data, PC_ED25519_PUB, keyid);
    return 0;
}
