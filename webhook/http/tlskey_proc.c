/*
 * tlskey_proc.c — what runs inside the "pc-tlskey" key process: the
 * serving certificate's private key, read by keyfile.c (the PEM text wiped
 * once GnuTLS parsed it), one generation per certificate reload, and the
 * ops of tlskey.h. The bytes to sign or decrypt are handed to GnuTLS as
 * they are; nothing here interprets them.
 *
 * The certificate file is read here as well (WH_TLSKEY_OP_CERT), with the
 * same open/fstat/read/close the sealed process may still make, so the
 * webhook's own process never opens the directory that holds the key.
 * Its bytes are handed over as they are, in chunks of one snapshot: a
 * chain larger than one reply comes from one read of the file.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "portcullis_keyproc.h"
#include "tlskey.h"

#define KEY_FILE_MAX (1024 * 1024)

typedef struct slot {
    uint32_t gen; /* 0: free */
    gnutls_privkey_t key;
} slot;

typedef struct keystate {
    char path[PATH_MAX];
    char cert_path[PATH_MAX];
    char *cert; /* the snapshot of the certificate file (NULL: none) */
    size_t cert_len;
    uint32_t next_gen;
    slot slots[WH_TLSKEY_GENS];
} keystate;

static int load(const char *path, gnutls_privkey_t *out, char *msg, size_t msglen)
{
    char *pem;
    size_t n;
    *out = NULL;
    if (pc_keyfile_read(path, "TLS key", 0, KEY_FILE_MAX, &pem, &n, msg, msglen) < 0)
        return -1;
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)n};
    int rc = gnutls_privkey_init(out);
    if (rc == 0)
        rc = gnutls_privkey_import_x509_raw(*out, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
    pc_keyfile_free(pem, n);
    if (rc < 0) {
        snprintf(msg, msglen, "private key: %s", gnutls_strerror(rc));
        if (*out)
            gnutls_privkey_deinit(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* 1 when key's public half, DER-encoded, is spki. */
static int matches(gnutls_privkey_t key, const unsigned char *spki, size_t len)
{
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t der = {0};
    int same = 0;
    if (gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0 &&
        gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) == 0)
        same = der.size == len && memcmp(der.data, spki, len) == 0;
    gnutls_free(der.data);
    if (pub)
        gnutls_pubkey_deinit(pub);
    return same;
}

static slot *find(keystate *k, uint32_t gen)
{
    for (int i = 0; gen && i < WH_TLSKEY_GENS; i++)
        if (k->slots[i].gen == gen)
            return &k->slots[i];
    return NULL;
}

static int op_load(keystate *k, const pc_ps_req *rq, unsigned char *data, size_t *dlen, char *msg,
                   size_t msglen)
{
    gnutls_privkey_t key;
    unsigned bits = 0;
    slot *free_slot = NULL;
    for (int i = 0; i < WH_TLSKEY_GENS && !free_slot; i++)
        if (!k->slots[i].gen)
            free_slot = &k->slots[i];
    if (rq->len == 0 || rq->len > WH_TLSKEY_SPKI_MAX)
        return PC_PS_ST_BAD_ARGS;
    if (!free_slot) {
        snprintf(msg, msglen, "%d keys in service already", WH_TLSKEY_GENS);
        return PC_PS_ST_FAILED;
    }
    if (load(k->path, &key, msg, msglen) < 0)
        return PC_PS_ST_FAILED;
    if (!matches(key, rq->body, rq->len)) {
        gnutls_privkey_deinit(key);
        snprintf(msg, msglen, "the private key does not belong to the certificate");
        return PC_PS_ST_FAILED;
    }
    int pk = gnutls_privkey_get_pk_algorithm(key, &bits);
    free_slot->gen = k->next_gen++;
    if (k->next_gen == 0)
        k->next_gen = 1;
    free_slot->key = key;
    pc_ps_put32(data, free_slot->gen);
    pc_ps_put32(data + 4, (uint32_t)(pk < 0 ? 0 : pk));
    pc_ps_put32(data + 8, bits);
    *dlen = 12;
    return PC_PS_ST_OK;
}

static int op_sign(keystate *k, const pc_ps_req *rq, unsigned char *data, size_t *dlen, char *msg,
                   size_t msglen)
{
    size_t max = rq->op == WH_TLSKEY_OP_SIGN_HASH ? WH_TLSKEY_HASH_MAX : WH_TLSKEY_DATA_MAX;
    if (rq->len <= 12 || rq->len - 12 > max || pc_ps_get32(rq->body + 8) != 0)
        return PC_PS_ST_BAD_ARGS;
    slot *s = find(k, pc_ps_get32(rq->body));
    gnutls_sign_algorithm_t algo = (gnutls_sign_algorithm_t)pc_ps_get32(rq->body + 4);
    gnutls_datum_t in = {(unsigned char *)rq->body + 12, rq->len - 12}, sig = {0};
    if (!s) {
        snprintf(msg, msglen, "no key of that generation");
        return PC_PS_ST_BAD_ARGS;
    }
    int rc;
    if (rq->op == WH_TLSKEY_OP_SIGN_DATA)
        rc = gnutls_privkey_sign_data2(s->key, algo, 0, &in, &sig);
    else if (algo == GNUTLS_SIGN_RSA_RAW) /* a DigestInfo, as TLS 1.2 signs with RSA */
        rc = gnutls_privkey_sign_hash(s->key, 0, GNUTLS_PRIVKEY_SIGN_FLAG_TLS1_RSA, &in, &sig);
    else
        rc = gnutls_privkey_sign_hash2(s->key, algo, 0, &in, &sig);
    if (rc == 0 && sig.size > PC_PS_DATA_MAX)
        rc = GNUTLS_E_SHORT_MEMORY_BUFFER;
    if (rc < 0) {
        snprintf(msg, msglen, "sign: %s", gnutls_strerror(rc));
        gnutls_free(sig.data);
        return PC_PS_ST_FAILED;
    }
    memcpy(data, sig.data, sig.size);
    *dlen = sig.size;
    gnutls_free(sig.data);
    return PC_PS_ST_OK;
}

static int op_decrypt(keystate *k, const pc_ps_req *rq, unsigned char *data, size_t *dlen,
                      char *msg, size_t msglen)
{
    if (rq->len <= 4 || rq->len - 4 > WH_TLSKEY_CT_MAX)
        return PC_PS_ST_BAD_ARGS;
    slot *s = find(k, pc_ps_get32(rq->body));
    gnutls_datum_t ct = {(unsigned char *)rq->body + 4, rq->len - 4};
    if (!s)
        return PC_PS_ST_BAD_ARGS;
    /* constant time in GnuTLS; the caller replaces a failure with random
     * bytes as TLS requires */
    if (gnutls_privkey_decrypt_data2(s->key, 0, &ct, data, WH_TLSKEY_PREMASTER) < 0) {
        snprintf(msg, msglen, "decrypt failed");
        return PC_PS_ST_FAILED;
    }
    *dlen = WH_TLSKEY_PREMASTER;
    return PC_PS_ST_OK;
}

/* Offset 0: the certificate file read anew, the snapshot replaced (or
 * dropped, when it does not read); any offset: u32 total | a chunk of the
 * snapshot from there. */
static int op_cert(keystate *k, const pc_ps_req *rq, unsigned char *data, size_t *dlen, char *msg,
                   size_t msglen)
{
    if (rq->len != 4)
        return PC_PS_ST_BAD_ARGS;
    uint32_t off = pc_ps_get32(rq->body);
    if (off == 0) {
        char *pem = NULL, *fit;
        size_t n = 0;
        free(k->cert); /* a failed read leaves no snapshot to serve */
        k->cert = NULL;
        k->cert_len = 0;
        if (pc_keyfile_read(k->cert_path, "TLS certificate", 0, WH_TLSKEY_CERT_MAX, &pem, &n, msg,
                            msglen) < 0)
            return PC_PS_ST_FAILED;
        /* (pc_keyfile_read's buffer has room for the limit: keep what the
         * file needs; a failed shrink keeps it as it is) */
        if ((fit = realloc(pem, n + 1)))
            pem = fit;
        k->cert = pem;
        k->cert_len = n;
    } else if (!k->cert) {
        snprintf(msg, msglen, "no certificate read (offset 0 first)");
        return PC_PS_ST_BAD_ARGS;
    } else if (off >= k->cert_len) {
        snprintf(msg, msglen, "offset %lu at or past the certificate's %zu bytes",
                 (unsigned long)off, k->cert_len);
        return PC_PS_ST_BAD_ARGS;
    }
    size_t n = k->cert_len - off; /* off <= cert_len: 0, or below it */
    if (n > WH_TLSKEY_CERT_CHUNK)
        n = WH_TLSKEY_CERT_CHUNK;
    pc_ps_put32(data, (uint32_t)k->cert_len); /* <= WH_TLSKEY_CERT_MAX */
    if (n)
        memcpy(data + 4, k->cert + off, n);
    *dlen = 4 + n;
    return PC_PS_ST_OK;
}

static int key_handle(void *st, const pc_ps_req *rq, unsigned char *data, size_t *dlen, char *msg,
                      size_t msglen)
{
    keystate *k = st;
    slot *s;
    switch (rq->op) {
    case WH_TLSKEY_OP_LOAD:
        return op_load(k, rq, data, dlen, msg, msglen);
    case WH_TLSKEY_OP_SIGN_HASH:
    case WH_TLSKEY_OP_SIGN_DATA:
        return op_sign(k, rq, data, dlen, msg, msglen);
    case WH_TLSKEY_OP_DECRYPT:
        return op_decrypt(k, rq, data, dlen, msg, msglen);
    case WH_TLSKEY_OP_CERT:
        return op_cert(k, rq, data, dlen, msg, msglen);
    case WH_TLSKEY_OP_DROP:
        if (rq->len != 4 || !(s = find(k, pc_ps_get32(rq->body))))
            return PC_PS_ST_BAD_ARGS;
        gnutls_privkey_deinit(s->key); /* GnuTLS wipes the key's numbers it frees */
        s->key = NULL;
        s->gen = 0;
        return PC_PS_ST_OK;
    default:
        return PC_PS_ST_UNKNOWN_OP;
    }
}

/* Before the sandbox: the key must load, and GnuTLS sets up what it sets
 * up on first use (its random generator, after the fork) now. */
static int key_init(void *st, unsigned char *data, size_t *dlen, char *msg, size_t msglen)
{
    keystate *k = st;
    gnutls_privkey_t key;
    if (load(k->path, &key, msg, msglen) < 0)
        return -1;
    gnutls_datum_t in = {(unsigned char *)"warm-up", 7}, sig = {0}, der = {0};
    gnutls_pubkey_t pub = NULL;
    int pk = gnutls_privkey_get_pk_algorithm(key, NULL);
    gnutls_sign_algorithm_t algo = pk == GNUTLS_PK_RSA             ? GNUTLS_SIGN_RSA_SHA256
                                   : pk == GNUTLS_PK_ECDSA         ? GNUTLS_SIGN_ECDSA_SHA256
                                   : pk == GNUTLS_PK_EDDSA_ED25519 ? GNUTLS_SIGN_EDDSA_ED25519
                                                                   : GNUTLS_SIGN_UNKNOWN;
    if (algo != GNUTLS_SIGN_UNKNOWN && gnutls_privkey_sign_data2(key, algo, 0, &in, &sig) == 0)
        gnutls_free(sig.data);
    if (gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0 &&
        gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) == 0)
        gnutls_free(der.data);
    if (pub)
        gnutls_pubkey_deinit(pub);
    gnutls_privkey_deinit(key); /* generations are made by WH_TLSKEY_OP_LOAD */
    *dlen = 0;
    return 0;
}

static const pc_keyproc_ops tlskey_ops = {"pc-tlskey", key_init, key_handle};

int wh_tlskey_proc_start(const char *cert_file, const char *key_file, pc_keyproc **out, char *err,
                         size_t errlen)
{
    keystate st;
    pc_ps_answer hello;
    memset(&st, 0, sizeof st);
    *out = NULL;
    if (pc_keyfile_path(st.cert_path, sizeof st.cert_path, cert_file, err, errlen) < 0 ||
        pc_keyfile_path(st.path, sizeof st.path, key_file, err, errlen) < 0)
        return -1;
    st.next_gen = 1;
    return pc_keyproc_start(&tlskey_ops, &st, sizeof st, out, &hello, err, errlen);
}
