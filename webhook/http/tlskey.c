/*
 * tlskey.c — see tlskey.h: the client end of the TLS key process, and the
 * GnuTLS external private keys whose operations it forwards there.
 *
 * An external key is one generation of the key process: its userdata
 * names the generation and the public key's algorithm and size (GnuTLS
 * asks for them while it negotiates), and its deinit tells the key
 * process to forget the generation. When the key process is gone every
 * operation fails, so no handshake completes: TLS fails closed.
 *
 * The certificate comes from the key process too (wh_tlskey_cert): one
 * snapshot fetched in chunks under a lock of its own, so two fetches never
 * interleave, and every length in the replies checked before a byte is
 * copied.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tlskey.h"

struct wh_tlskey {
    pc_keyproc *kp;
    pthread_mutex_t cert_mu; /* one certificate fetch (its chunks) at a time */
};

typedef struct extkey {
    wh_tlskey *k;
    uint32_t gen;
    int pk;
    unsigned bits;
} extkey;

int wh_tlskey_start(const char *cert_file, const char *key_file, wh_tlskey **out, char *err,
                    size_t errlen)
{
    wh_tlskey *k = calloc(1, sizeof *k);
    *out = NULL;
    if (!k || pthread_mutex_init(&k->cert_mu, NULL) != 0) {
        free(k);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (wh_tlskey_proc_start(cert_file, key_file, &k->kp, err, errlen) < 0) {
        pthread_mutex_destroy(&k->cert_mu);
        free(k);
        return -1;
    }
    *out = k;
    return 0;
}

void wh_tlskey_stop(wh_tlskey *k)
{
    if (!k)
        return;
    pc_keyproc_stop(k->kp);
    pthread_mutex_destroy(&k->cert_mu);
    free(k);
}

int wh_tlskey_alive(wh_tlskey *k, char *why, size_t whylen)
{
    return pc_keyproc_alive(k->kp, why, whylen);
}

long wh_tlskey_pid(const wh_tlskey *k)
{
    return (long)pc_keyproc_pid(k->kp);
}

/* One op; 0 when it answered OK. */
static int call(wh_tlskey *k, uint8_t op, const void *body, size_t len, pc_ps_answer *a, char *err,
                size_t errlen)
{
    return pc_keyproc_ask(k->kp, op, body, len, a, "the TLS key process refused", err, errlen);
}

/* gen | algo | flags | bytes, and the answer as a gnutls_malloc'd datum. */
static int forward(extkey *x, uint8_t op, uint32_t algo, const gnutls_datum_t *in,
                   gnutls_datum_t *out)
{
    size_t max = op == WH_TLSKEY_OP_SIGN_HASH   ? WH_TLSKEY_HASH_MAX
                 : op == WH_TLSKEY_OP_SIGN_DATA ? WH_TLSKEY_DATA_MAX
                                                : WH_TLSKEY_CT_MAX;
    size_t head = op == WH_TLSKEY_OP_DECRYPT ? 4 : 12;
    unsigned char body[12 + WH_TLSKEY_DATA_MAX];
    pc_ps_answer a;
    char err[PC_PS_MSG_MAX + 1];
    out->data = NULL;
    out->size = 0;
    if (!in || in->size == 0 || in->size > max)
        return GNUTLS_E_INVALID_REQUEST;
    pc_ps_put32(body, x->gen);
    if (head == 12) {
        pc_ps_put32(body + 4, algo);
        pc_ps_put32(body + 8, 0);
    }
    memcpy(body + head, in->data, in->size);
    if (call(x->k, op, body, head + in->size, &a, err, sizeof err) < 0 || a.dlen == 0)
        return op == WH_TLSKEY_OP_DECRYPT ? GNUTLS_E_DECRYPTION_FAILED : GNUTLS_E_PK_SIGN_FAILED;
    if (!(out->data = gnutls_malloc(a.dlen)))
        return GNUTLS_E_MEMORY_ERROR;
    memcpy(out->data, a.data, a.dlen);
    out->size = (unsigned)a.dlen;
    return 0;
}

static int ext_sign_hash(gnutls_privkey_t key, gnutls_sign_algorithm_t algo, void *ud,
                         unsigned flags, const gnutls_datum_t *hash, gnutls_datum_t *sig)
{
    return forward(ud, WH_TLSKEY_OP_SIGN_HASH, (uint32_t)algo, hash, sig);
}

static int ext_sign_data(gnutls_privkey_t key, gnutls_sign_algorithm_t algo, void *ud,
                         unsigned flags, const gnutls_datum_t *data, gnutls_datum_t *sig)
{
    return forward(ud, WH_TLSKEY_OP_SIGN_DATA, (uint32_t)algo, data, sig);
}

static int ext_decrypt(gnutls_privkey_t key, void *ud, const gnutls_datum_t *ct,
                       gnutls_datum_t *plain)
{
    return forward(ud, WH_TLSKEY_OP_DECRYPT, 0, ct, plain);
}

static int ext_info(gnutls_privkey_t key, unsigned flags, void *ud)
{
    const extkey *x = ud;
    if (flags & GNUTLS_PRIVKEY_INFO_HAVE_SIGN_ALGO)
        return gnutls_sign_supports_pk_algorithm(GNUTLS_FLAGS_TO_SIGN_ALGO(flags),
                                                 (gnutls_pk_algorithm_t)x->pk)
                   ? 1
                   : 0;
    if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO)
        return x->pk;
    if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO_BITS)
        return (int)x->bits;
    return -1;
}

static void ext_deinit(gnutls_privkey_t key, void *ud)
{
    extkey *x = ud;
    unsigned char body[4];
    pc_ps_answer a;
    char err[PC_PS_MSG_MAX + 1];
    pc_ps_put32(body, x->gen);
    call(x->k, WH_TLSKEY_OP_DROP, body, sizeof body, &a, err, sizeof err);
    free(x);
}

int wh_tlskey_load(wh_tlskey *k, gnutls_pubkey_t cert_pub, gnutls_privkey_t *out, char *err,
                   size_t errlen)
{
    gnutls_datum_t spki = {0};
    pc_ps_answer a;
    extkey *x = NULL;
    *out = NULL;
    int rc = gnutls_pubkey_export2(cert_pub, GNUTLS_X509_FMT_DER, &spki);
    if (rc < 0 || spki.size == 0 || spki.size > WH_TLSKEY_SPKI_MAX) {
        snprintf(err, errlen, "certificate: public key: %s",
                 rc < 0 ? gnutls_strerror(rc) : "unusable size");
        gnutls_free(spki.data);
        return -1;
    }
    rc = call(k, WH_TLSKEY_OP_LOAD, spki.data, spki.size, &a, err, errlen);
    gnutls_free(spki.data);
    if (rc < 0)
        return -1;
    if (a.dlen != 12 || !(x = calloc(1, sizeof *x))) {
        snprintf(err, errlen, a.dlen != 12 ? "TLS key process: malformed answer" : "out of memory");
        return -1; /* the generation stays until the key process ends; harmless */
    }
    x->k = k;
    x->gen = pc_ps_get32(a.data);
    x->pk = (int)pc_ps_get32(a.data + 4);
    x->bits = pc_ps_get32(a.data + 8);
    if ((rc = gnutls_privkey_init(out)) < 0 ||
        (rc = gnutls_privkey_import_ext4(*out, x, ext_sign_data, ext_sign_hash,
                                         x->pk == GNUTLS_PK_RSA ? ext_decrypt : NULL, ext_deinit,
                                         ext_info, 0)) < 0) {
        snprintf(err, errlen, "private key: %s", gnutls_strerror(rc));
        if (*out)
            gnutls_privkey_deinit(*out);
        *out = NULL;
        ext_deinit(NULL, x);
        return -1;
    }
    return 0;
}

/* Under cert_mu. */
static int fetch_cert(wh_tlskey *k, char **pem, size_t *len, char *err, size_t errlen)
{
    unsigned char body[4];
    pc_ps_answer a;
    char *buf = NULL;
    size_t total = 0, got = 0;
    do {
        pc_ps_put32(body, (uint32_t)got); /* got <= total <= WH_TLSKEY_CERT_MAX */
        if (call(k, WH_TLSKEY_OP_CERT, body, sizeof body, &a, err, errlen) < 0)
            goto fail;
        if (a.dlen < 4 || a.dlen > PC_PS_DATA_MAX) {
            snprintf(err, errlen, "TLS key process: malformed certificate reply");
            goto fail;
        }
        uint32_t t = pc_ps_get32(a.data);
        size_t chunk = a.dlen - 4;
        if (!buf) { /* the answer to offset 0 */
            if (t > WH_TLSKEY_CERT_MAX) {
                snprintf(err, errlen, "TLS key process: certificate of %lu bytes, above %d",
                         (unsigned long)t, WH_TLSKEY_CERT_MAX);
                goto fail;
            }
            total = t;
            if (!(buf = malloc(total + 1))) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
        } else if (t != total) {
            snprintf(err, errlen, "TLS key process: certificate length changed during a fetch");
            goto fail;
        }
        /* every chunk moves on (the loop ends) and stays within total */
        if (chunk > total - got || (chunk == 0 && got < total)) {
            snprintf(err, errlen, "TLS key process: certificate chunk of %zu bytes at %zu of %zu",
                     chunk, got, total);
            goto fail;
        }
        memcpy(buf + got, a.data + 4, chunk);
        got += chunk;
    } while (got < total);
    buf[total] = 0;
    *pem = buf;
    *len = total;
    return 0;
fail:
    free(buf);
    return -1;
}

int wh_tlskey_cert(wh_tlskey *k, char **pem, size_t *len, char *err, size_t errlen)
{
    *pem = NULL;
    *len = 0;
    pthread_mutex_lock(&k->cert_mu);
    int rc = fetch_cert(k, pem, len, err, errlen);
    pthread_mutex_unlock(&k->cert_mu);
    return rc;
}
