/*
 * attest.c — building and signing verdict statements. The payload is
 * compact JSON with a fixed key order; the signature covers DSSE's
 * pre-authentication encoding of (payloadType, payload), so neither can
 * be swapped without breaking it. Keys: Ed25519 through OpenSSL's EVP.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include "attest.h"
#include "sha256.h"
#include "util.h"

struct pc_signer {
    EVP_PKEY *key;
    char keyid[72];
};

static void rfc3339(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *fired_checks(const pc_result *r)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->nfindings; i++) {
        const pc_finding *f = &r->findings[i];
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen =
                strcmp(r->findings[j].check, f->check) == 0 && r->findings[j].action == f->action;
        if (!seen)
            json_array_append_new(
                a, json_pack("{s:s, s:s}", "check", f->check, "action", pc_action_name(f->action)));
    }
    return a;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

char *pc_verdict_payload(const pc_result *r, time_t issued, uint64_t ttl)
{
    char iat[32], exp[32];
    rfc3339(issued, iat);
    rfc3339(issued + (time_t)ttl, exp);
    json_t *o =
        json_pack("{s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s}", "_type",
                  "https://portcullis.io/verdict/v1", "image", str_or_null(r->image), "digest",
                  str_or_null(r->digest), "manifest_digest", str_or_null(r->manifest_digest),
                  "platform", str_or_null(r->platform), "verdict", r->denied ? "deny" : "allow",
                  "checks", fired_checks(r), "policy", str_or_null(r->policy), "policy_digest",
                  str_or_null(r->policy_digest), "rules_digest", str_or_null(r->rules_digest),
                  "scanner_version", PC_VERSION, "issued_at", iat, "expires_at", exp);
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

int pc_dsse_pae(const char *type, const unsigned char *body, size_t len, unsigned char **out,
                size_t *outlen)
{
    char head[256];
    int n = snprintf(head, sizeof head, "DSSEv1 %zu %s %zu ", strlen(type), type, len);
    if (n < 0 || (size_t)n >= sizeof head || len > SIZE_MAX - (size_t)n)
        return -1;
    unsigned char *p = malloc((size_t)n + len + 1);
    if (!p)
        return -1;
    memcpy(p, head, (size_t)n);
    memcpy(p + n, body, len);
    *out = p;
    *outlen = (size_t)n + len;
    return 0;
}

static int key_file_private(const char *path, pc_err *e)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return pc_err_set(e, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return pc_err_set(e, "%s: not a regular file", path);
    if (st.st_mode & 077)
        return pc_err_set(e,
                          "%s: signing key is accessible by other users (mode %04o); "
                          "chmod 600 it",
                          path, (unsigned)(st.st_mode & 07777));
    return 0;
}

int pc_signer_load(const char *path, pc_signer **out, char *err, size_t errlen)
{
    pc_err e = {{0}};
    FILE *f = NULL;
    pc_signer *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s || key_file_private(path, &e) < 0)
        goto fail;
    if (!(f = fopen(path, "r"))) {
        pc_err_set(&e, "%s: %s", path, strerror(errno));
        goto fail;
    }
    s->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!s->key || EVP_PKEY_get_id(s->key) != EVP_PKEY_ED25519) {
        pc_err_set(&e, "%s: not an Ed25519 private key in PEM form", path);
        goto fail;
    }
    unsigned char raw[32];
    size_t rl = sizeof raw;
    EVP_PKEY_get_raw_public_key(s->key, raw, &rl);
    pc_sha256_digest(raw, rl, s->keyid);
    *out = s;
    return 0;
fail:
    snprintf(err, errlen, "%s", s ? e.msg : "out of memory");
    pc_signer_free(s);
    return -1;
}

void pc_signer_free(pc_signer *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->key);
    free(s);
}

char *pc_signer_public_pem(const pc_signer *s)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out = NULL;
    if (b && PEM_write_bio_PUBKEY(b, s->key)) {
        long n = BIO_get_mem_data(b, &data);
        if (n > 0)
            out = pc_strndup(data, (size_t)n);
    }
    BIO_free(b);
    return out;
}

static char *b64(const unsigned char *p, size_t n)
{
    if (n > (SIZE_MAX / 4) * 3 - 3)
        return NULL;
    char *o = malloc(4 * ((n + 2) / 3) + 1);
    if (o)
        EVP_EncodeBlock((unsigned char *)o, p, (int)n);
    return o;
}

static int ed25519_sign(EVP_PKEY *key, const unsigned char *m, size_t n, unsigned char sig[64])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t sl = 64;
    int ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestSign(md, sig, &sl, m, n) == 1 && sl == 64;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

int pc_result_sign(pc_result *r, const pc_signer *s, uint64_t ttl, char *err, size_t errlen)
{
    unsigned char *pae = NULL, sig[64];
    size_t pl;
    char *payload = pc_verdict_payload(r, time(NULL), ttl), *p64 = NULL, *s64 = NULL;
    int rc = -1;
    if (payload &&
        pc_dsse_pae(PC_VERDICT_PAYLOAD_TYPE, (unsigned char *)payload, strlen(payload), &pae,
                    &pl) == 0 &&
        ed25519_sign(s->key, pae, pl, sig) == 0 &&
        (p64 = b64((unsigned char *)payload, strlen(payload))) && (s64 = b64(sig, 64))) {
        json_t *env =
            json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "payloadType", PC_VERDICT_PAYLOAD_TYPE,
                      "payload", p64, "signatures", "keyid", s->keyid, "sig", s64);
        free(r->attestation);
        r->attestation = env ? json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(env);
        rc = r->attestation ? 0 : -1;
    }
    if (rc < 0)
        snprintf(err, errlen, "signing the verdict failed");
    free(payload);
    free(pae);
    free(p64);
    free(s64);
    return rc;
}
