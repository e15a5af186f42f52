/*
 * rediskey_proc.c — what runs inside the "pc-rediskey" key process: the
 * --redis-key secret, read by keyfile.c, and WH_REDISKEY_OP_MAC
 * (rediskey.h). The secret never leaves this process.
 */
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include "rediskey.h"

#define SECRET_MIN 32
#define SECRET_MAX 64
#define FILE_MAX 4096

typedef struct keystate {
    char path[PATH_MAX];
    unsigned char secret[SECRET_MAX];
    size_t len;
} keystate;

/* HMAC-SHA256(secret, p): 0 or -1. */
static int hmac(const keystate *k, const unsigned char *p, size_t n, unsigned char out[32])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    size_t got = 0;
    int ok = ctx && EVP_MAC_init(ctx, k->secret, k->len, params) && EVP_MAC_update(ctx, p, n) &&
             EVP_MAC_final(ctx, out, &got, 32) && got == 32;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok ? 0 : -1;
}

static int key_handle(void *st, const pc_ps_req *rq, unsigned char *data, size_t *dlen, char *msg,
                      size_t msglen)
{
    keystate *k = st;
    *dlen = 0;
    if (rq->op != WH_REDISKEY_OP_MAC)
        return PC_PS_ST_UNKNOWN_OP;
    if (rq->len != 32) {
        snprintf(msg, msglen, "a MAC is taken over a 32-byte digest, not %u bytes",
                 (unsigned)rq->len);
        return PC_PS_ST_BAD_ARGS;
    }
    if (hmac(k, rq->body, rq->len, data) < 0) {
        snprintf(msg, msglen, "HMAC-SHA256 failed");
        return PC_PS_ST_FAILED;
    }
    *dlen = 32;
    return PC_PS_ST_OK;
}

/* Before the sandbox: the secret must load, and OpenSSL sets up what it
 * sets up on first use (its providers) now. */
static int key_init(void *st, unsigned char *data, size_t *dlen, char *msg, size_t msglen)
{
    keystate *k = st;
    char *text;
    size_t n;
    *dlen = 0;
    if (pc_keyfile_read(k->path, "Redis key", 0, FILE_MAX, &text, &n, msg, msglen) < 0)
        return -1;
    size_t m = n;
    while (m && (text[m - 1] == '\n' || text[m - 1] == '\r'))
        m--;
    if (m < SECRET_MIN || m > SECRET_MAX) {
        snprintf(msg, msglen, "%.300s: expected %d to %d bytes of secret, got %zu", k->path,
                 SECRET_MIN, SECRET_MAX, m);
        pc_keyfile_free(text, n);
        return -1;
    }
    memcpy(k->secret, text, m);
    k->len = m;
    pc_keyfile_free(text, n);
    unsigned char warm[32];
    if (hmac(k, (const unsigned char *)"warm-up", 7, warm) < 0) {
        snprintf(msg, msglen, "HMAC-SHA256 is not available");
        return -1;
    }
    return 0;
}

static const pc_keyproc_ops rediskey_ops = {"pc-rediskey", key_init, key_handle};

int wh_rediskey_proc_start(const char *file, pc_keyproc **out, char *err, size_t errlen)
{
    keystate st;
    pc_ps_answer hello;
    memset(&st, 0, sizeof st);
    if (pc_keyfile_path(st.path, sizeof st.path, file, err, errlen) < 0)
        return -1;
    return pc_keyproc_start(&rediskey_ops, &st, sizeof st, out, &hello, err, errlen);
}
