/*
 * redis_verdicts.c — see redis_verdicts.h. Redis keys, each name a
 * SHA-256 so no reference or key can reach past its namespace:
 *   portcullis:v1:verdict:<sha256(SCOPE|KEY)>  a verdict (verdict_codec.h),
 *        KEY as the in-process cache's ("DIGEST|POLICY|RULES|RUN-KEY"),
 *        SCOPE this build's version and platform; expiring with the
 *        in-process cache's TTL (--cache-ttl);
 *   portcullis:v1:tag:<sha256(REFERENCE)>  the digest a tag resolved to,
 *        expiring after --tag-ttl from when it was resolved;
 *   portcullis:v1:lock:<sha256(SCOPE|NAME)>  a replica resolving a tag
 *        or scanning a digest (SET NX PX, released by its holder only).
 * The values carry redis.c's HMAC over their key's name.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "redis_verdicts.h"
#include "verdict_codec.h"

typedef struct vstore {
    wh_redis *r;
    char scope[128];
} vstore;

/* prefix + hex SHA-256 of a "|" b; 0 or -1. */
static int name_of(const char *prefix, const char *a, const char *b, char out[160])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, a, strlen(a)) &&
             EVP_DigestUpdate(c, "|", 1) && EVP_DigestUpdate(c, b, strlen(b)) &&
             EVP_DigestFinal_ex(c, md, &len) && len == 32;
    EVP_MD_CTX_free(c);
    if (!ok)
        return -1;
    int n = snprintf(out, 160, "%s", prefix);
    for (int i = 0; i < 32; i++)
        snprintf(out + n + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static int tag_get(void *ud, const char *ref, char digest[72], uint64_t *ttl_ms)
{
    vstore *s = ud;
    char name[160];
    size_t n = 0;
    unsigned char *p = NULL;
    int hit = 0;
    if (name_of("portcullis:v1:tag:", "tag", ref, name) == 0 &&
        (p = wh_redis_get(s->r, name, 4096, &n, ttl_ms)))
        hit = wh_tag_decode(p, n, digest) == 0;
    free(p);
    return hit;
}

static void tag_put(void *ud, const char *ref, const char *digest, uint64_t ttl_ms)
{
    vstore *s = ud;
    char name[160];
    unsigned char *p = NULL;
    size_t n = 0;
    if (name_of("portcullis:v1:tag:", "tag", ref, name) == 0 && wh_tag_encode(digest, &p, &n) == 0)
        wh_redis_put(s->r, name, p, n, ttl_ms);
    free(p);
}

static pc_result *verdict_get(void *ud, const char *key, uint64_t *ttl_ms)
{
    vstore *s = ud;
    char name[160];
    size_t n = 0;
    unsigned char *p = NULL;
    pc_result *r = NULL;
    if (name_of("portcullis:v1:verdict:", s->scope, key, name) == 0 &&
        (p = wh_redis_get(s->r, name, WH_CODEC_MAX, &n, ttl_ms)))
        r = wh_verdict_decode(p, n);
    free(p);
    return r;
}

static void verdict_put(void *ud, const char *key, const pc_result *r, uint64_t ttl_ms)
{
    vstore *s = ud;
    char name[160];
    unsigned char *p = NULL;
    size_t n = 0;
    if (name_of("portcullis:v1:verdict:", s->scope, key, name) == 0 &&
        wh_verdict_encode(r, &p, &n) == 0)
        wh_redis_put(s->r, name, p, n, ttl_ms);
    free(p);
}

static int lock(void *ud, const char *what, uint64_t ttl_ms)
{
    vstore *s = ud;
    char name[160];
    if (name_of("portcullis:v1:lock:", s->scope, what, name) < 0)
        return 1; /* go ahead here */
    return wh_redis_lock(s->r, name, ttl_ms);
}

static void unlock(void *ud, const char *what)
{
    vstore *s = ud;
    char name[160];
    if (name_of("portcullis:v1:lock:", s->scope, what, name) == 0)
        wh_redis_unlock(s->r, name);
}

int wh_redis_vstore(wh_redis *r, uint64_t wait_ms, const char *platform, wh_vstore *out)
{
    memset(out, 0, sizeof *out);
    if (!wh_redis_keyed(r))
        return -1; /* never believe an unauthenticated verdict */
    vstore *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->r = r;
    snprintf(s->scope, sizeof s->scope, "portcullis %s+%s|%.80s", PC_VERSION, pc_reader_id(),
             platform ? platform : "linux/amd64");
    out->ud = s;
    out->tag_get = tag_get;
    out->tag_put = tag_put;
    out->get = verdict_get;
    out->put = verdict_put;
    out->lock = lock;
    out->unlock = unlock;
    out->wait_ms = wait_ms;
    return 0;
}

void wh_redis_vstore_free(wh_vstore *s)
{
    free(s->ud);
    memset(s, 0, sizeof *s);
}
