/*
 * signer_key.c — what runs inside the "pc-signer" key process: the
 * Ed25519 verdict key, loaded from its PEM file (owner-only, read by
 * keyfile.c, the PEM text wiped once parsed), and the three ops of
 * signer.h. Nothing here reads anything but the key file and the
 * length-checked packets privsep_proc.c hands over.
 */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attest/attest.h"
#include "portcullis_keyproc.h"
#include "attest/signer.h"

#define KEY_FILE_MAX (64 * 1024)

typedef struct keystate {
    char path[PATH_MAX];
    EVP_PKEY *key; /* in the key process only */
    unsigned char pub[PC_ED25519_PUB];
} keystate;

static int no_password(char *buf, int size, int rwflag, void *u)
{
    return -1; /* an encrypted key is refused, never prompted for */
}

static int load(const char *path, EVP_PKEY **out, unsigned char pub[PC_ED25519_PUB], char *msg,
                size_t msglen)
{
    char *pem;
    size_t n;
    if (pc_keyfile_read(path, "signing key", 1, KEY_FILE_MAX, &pem, &n, msg, msglen) < 0)
        return -1;
    BIO *b = BIO_new_mem_buf(pem, (int)n);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, no_password, NULL) : NULL;
    BIO_free(b);
    pc_keyfile_free(pem, n);
    ERR_clear_error();
    size_t pl = PC_ED25519_PUB;
    if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519 ||
        EVP_PKEY_get_raw_public_key(k, pub, &pl) != 1 || pl != PC_ED25519_PUB) {
        EVP_PKEY_free(k);
        snprintf(msg, msglen, "%s: not an Ed25519 private key in PEM form", path);
        return -1;
    }
    *out = k;
    return 0;
}

static int sign(EVP_PKEY *key, const unsigned char *m, size_t n, unsigned char sig[PC_ED25519_SIG])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t sl = PC_ED25519_SIG;
    int ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestSign(md, sig, &sl, m, n) == 1 && sl == PC_ED25519_SIG;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

/* The DSSE encoding of (the in-toto type, body), signed. */
static int sign_payload(EVP_PKEY *key, const unsigned char *body, size_t len,
                        unsigned char sig[PC_ED25519_SIG])
{
    unsigned char *pae;
    size_t pl;
    if (pc_dsse_pae(PC_INTOTO_PAYLOAD_TYPE, body, len, &pae, &pl) < 0)
        return -1;
    int rc = sign(key, pae, pl, sig);
    free(pae);
    return rc;
}

static int key_init(void *st, unsigned char *data, size_t *dlen, char *msg, size_t msglen)
{
    keystate *k = st;
    unsigned char sig[PC_ED25519_SIG];
    if (load(k->path, &k->key, k->pub, msg, msglen) < 0)
        return -1;
    /* once before the sandbox: OpenSSL sets itself up on first use, and
     * jansson seeds its hash on its first object (reading /dev/urandom,
     * which the sandbox forbids) */
    static const char warm[] =
        "{\"_type\":\"" PC_INTOTO_STATEMENT_TYPE "\",\"subject\":[{\"name\":\"x\",\"digest\":{}}],"
        "\"predicateType\":\"" PC_VERDICT_PREDICATE_TYPE "\",\"predicate\":{}}";
    if (pc_intoto_verdict_parse((const unsigned char *)warm, sizeof warm - 1, NULL, msg, msglen) <
            0 ||
        sign_payload(k->key, (const unsigned char *)warm, sizeof warm - 1, sig) < 0) {
        snprintf(msg, msglen, "%s: the key does not sign", k->path);
        return -1;
    }
    memcpy(data, k->pub, PC_ED25519_PUB);
    *dlen = PC_ED25519_PUB;
    return 0;
}

static int key_handle(void *st, const pc_ps_req *rq, unsigned char *data, size_t *dlen, char *msg,
                      size_t msglen)
{
    keystate *k = st;
    EVP_PKEY *nk;
    unsigned char pub[PC_ED25519_PUB];
    switch (rq->op) {
    case PC_SIGNER_OP_SIGN:
        if (rq->len == 0)
            return PC_PS_ST_BAD_ARGS;
        /* only a verdict statement: the key vouches for nothing else */
        if (pc_intoto_verdict_parse(rq->body, rq->len, NULL, msg, msglen) < 0)
            return PC_PS_ST_FAILED;
        if (sign_payload(k->key, rq->body, rq->len, data + PC_ED25519_PUB) < 0) {
            snprintf(msg, msglen, "Ed25519 signing failed");
            return PC_PS_ST_FAILED;
        }
        memcpy(data, k->pub, PC_ED25519_PUB);
        *dlen = PC_ED25519_PUB + PC_ED25519_SIG;
        return PC_PS_ST_OK;
    case PC_SIGNER_OP_PUBKEY:
        if (rq->len != 0)
            return PC_PS_ST_BAD_ARGS;
        memcpy(data, k->pub, PC_ED25519_PUB);
        *dlen = PC_ED25519_PUB;
        return PC_PS_ST_OK;
    case PC_SIGNER_OP_RELOAD:
        if (rq->len != 0)
            return PC_PS_ST_BAD_ARGS;
        if (load(k->path, &nk, pub, msg, msglen) < 0)
            return PC_PS_ST_FAILED; /* the key in service stays */
        EVP_PKEY_free(k->key);      /* OpenSSL wipes an Ed25519 private key it frees */
        k->key = nk;
        memcpy(k->pub, pub, PC_ED25519_PUB);
        memcpy(data, pub, PC_ED25519_PUB);
        *dlen = PC_ED25519_PUB;
        return PC_PS_ST_OK;
    default:
        return PC_PS_ST_UNKNOWN_OP;
    }
}

static const pc_keyproc_ops signer_ops = {"pc-signer", key_init, key_handle};

int pc_signer_keyproc_start(const char *path, pc_keyproc **out, unsigned char pub[PC_ED25519_PUB],
                            char *err, size_t errlen)
{
    keystate st;
    pc_ps_answer hello;
    memset(&st, 0, sizeof st);
    if (pc_keyfile_path(st.path, sizeof st.path, path, err, errlen) < 0)
        return -1;
    if (pc_keyproc_start(&signer_ops, &st, sizeof st, out, &hello, err, errlen) < 0)
        return -1;
    if (hello.dlen != PC_ED25519_PUB) {
        snprintf(err, errlen, "key process pc-signer: malformed hello");
        pc_keyproc_stop(*out);
        *out = NULL;
        return -1;
    }
    memcpy(pub, hello.data, PC_ED25519_PUB);
    return 0;
}
