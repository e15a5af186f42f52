/*
 * redis.c — see redis.h. One connection guarded by a mutex: facts are read
 * once per layer and scans are few, so a pool would buy nothing. Keys:
 * "portcullis:facts:<entry key>" (the facts cache's entry bytes, expiring
 * after FACTS_TTL so Redis never fills with layers nobody runs) and
 * "portcullis:lock:<entry key>" (a random token, expiring with the scan
 * timeout; released only by its holder).
 */
#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "redis.h"
#include "pcx.h"

#define FACTS_TTL_MS UINT64_C(604800000) /* a week */
#define MAX_VALUE ((size_t)1 << 30)      /* as the facts cache's largest file */
#define DOWN_MS 1000                     /* after a failure, no command for this long */

struct wh_redis {
    pthread_mutex_t mu;
    redisContext *c; /* NULL: not connected */
    char *host, *user, *pass;
    int port, db;
    uint64_t timeout_ms, down_until;
    _Atomic int up;
    char token[33]; /* this process's lock value */
    char where[300];
    wh_metrics *m;
};

static int set_err(char *err, size_t n, const char *msg)
{
    snprintf(err, n, "%s", msg);
    return -1;
}

/* user:password@host:port/db, decoded into r; messages never quote the
 * credentials. */
static int parse_url(wh_redis *r, const char *url, char *err, size_t n)
{
    if (strncmp(url, "rediss://", 9) == 0)
        return set_err(err, n,
                       "--redis-url: rediss:// (TLS) is not supported by this build "
                       "(Debian bookworm's hiredis 0.14 has no TLS); put Redis behind a "
                       "TLS sidecar (stunnel, spiped) on localhost and use redis://");
    if (strncmp(url, "redis://", 8) != 0)
        return set_err(err, n, "--redis-url: expected redis://[USER:PASSWORD@]HOST:PORT[/DB]");
    const char *p = url + 8, *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon) {
            r->user = colon > p ? pc_strndup(p, (size_t)(colon - p)) : NULL;
            r->pass = pc_strndup(colon + 1, (size_t)(at - colon - 1));
        } else {
            r->pass = pc_strndup(p, (size_t)(at - p)); /* redis://PASSWORD@ */
        }
        if (!r->pass || (colon && colon > p && !r->user))
            return set_err(err, n, "--redis-url: out of memory");
        p = at + 1;
    }
    const char *colon = strrchr(p, ':'), *slash = strchr(p, '/');
    if (!colon || (slash && slash < colon) || colon == p)
        return set_err(err, n, "--redis-url: expected HOST:PORT after redis://");
    if (!(r->host = pc_strndup(p, (size_t)(colon - p))))
        return set_err(err, n, "--redis-url: out of memory");
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || port < 1 || port > 65535 || (*end && *end != '/'))
        return set_err(err, n, "--redis-url: the port must be 1 to 65535");
    if (*end == '/' && end[1]) {
        char *dend;
        long db = strtol(end + 1, &dend, 10);
        if (*dend || db < 0 || db > 1000000)
            return set_err(err, n, "--redis-url: the database must be a number after '/'");
        r->db = (int)db;
    }
    r->port = (int)port;
    snprintf(r->where, sizeof r->where, "%.200s:%d/%d", r->host, r->port, r->db);
    return 0;
}

int wh_redis_new(const char *url, uint64_t timeout_ms, wh_metrics *m, wh_redis **out, char *err,
                 size_t errlen)
{
    unsigned char raw[16];
    wh_redis *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return set_err(err, errlen, "--redis-url: out of memory");
    pthread_mutex_init(&r->mu, NULL);
    r->timeout_ms = timeout_ms ? timeout_ms : 500;
    r->m = m;
    atomic_store(&r->up, 1);
    if (parse_url(r, url, err, errlen) < 0 || RAND_bytes(raw, sizeof raw) != 1) {
        if (!err[0])
            set_err(err, errlen, "--redis-url: no random bytes for the lock token");
        wh_redis_free(r);
        return -1;
    }
    for (int i = 0; i < 16; i++)
        snprintf(r->token + 2 * i, 3, "%02x", raw[i]);
    *out = r;
    return 0;
}

void wh_redis_free(wh_redis *r)
{
    if (!r)
        return;
    if (r->c)
        redisFree(r->c);
    free(r->host);
    free(r->user);
    if (r->pass)
        OPENSSL_cleanse(r->pass, strlen(r->pass));
    free(r->pass);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static void went_down(wh_redis *r)
{
    if (r->c)
        redisFree(r->c);
    r->c = NULL;
    r->down_until = pc_now_ms() + DOWN_MS;
    if (atomic_exchange(&r->up, 0) && r->m)
        wh_metrics_error(r->m, WH_ERR_REDIS);
    if (r->m)
        atomic_store(&r->m->redis_up, 0);
}

/* A reply that is not an error, or NULL (and Redis marked down). */
static redisReply *ok_reply(wh_redis *r, void *reply)
{
    redisReply *rep = reply;
    if (!rep || r->c->err || rep->type == REDIS_REPLY_ERROR) {
        if (rep)
            freeReplyObject(rep);
        went_down(r);
        return NULL;
    }
    return rep;
}

/* Connect (and authenticate, select) when not connected; 0 or -1 (down). */
static int connected(wh_redis *r)
{
    if (r->c)
        return 0;
    if (pc_now_ms() < r->down_until)
        return -1;
    struct timeval tv = {(time_t)(r->timeout_ms / 1000), (long)(r->timeout_ms % 1000) * 1000};
    r->c = redisConnectWithTimeout(r->host, r->port, tv);
    if (!r->c || r->c->err || redisSetTimeout(r->c, tv) != REDIS_OK) {
        went_down(r);
        return -1;
    }
    redisReply *rep = NULL;
    if (r->pass && r->user)
        rep = ok_reply(r, redisCommand(r->c, "AUTH %s %s", r->user, r->pass));
    else if (r->pass)
        rep = ok_reply(r, redisCommand(r->c, "AUTH %s", r->pass));
    if (r->pass && !rep)
        return -1;
    if (rep)
        freeReplyObject(rep);
    if (r->db) {
        if (!(rep = ok_reply(r, redisCommand(r->c, "SELECT %d", r->db))))
            return -1;
        freeReplyObject(rep);
    }
    atomic_store(&r->up, 1);
    if (r->m)
        atomic_store(&r->m->redis_up, 1);
    return 0;
}

static unsigned char *facts_get(void *ud, const char *key, size_t *len)
{
    wh_redis *r = ud;
    unsigned char *out = NULL;
    pthread_mutex_lock(&r->mu);
    redisReply *rep = NULL;
    if (connected(r) == 0 &&
        (rep = ok_reply(r, redisCommand(r->c, "GET portcullis:facts:%s", key)))) {
        if (rep->type == REDIS_REPLY_STRING && rep->len > 0 && rep->len <= MAX_VALUE &&
            (out = malloc(rep->len))) {
            memcpy(out, rep->str, rep->len);
            *len = rep->len;
        }
        freeReplyObject(rep);
    }
    pthread_mutex_unlock(&r->mu);
    if (r->m)
        atomic_fetch_add(out ? &r->m->redis_facts_hits : &r->m->redis_facts_misses, 1);
    return out;
}

static void facts_put(void *ud, const char *key, const unsigned char *p, size_t len)
{
    wh_redis *r = ud;
    pthread_mutex_lock(&r->mu);
    redisReply *rep = NULL;
    if (connected(r) == 0 &&
        (rep = ok_reply(r, redisCommand(r->c, "SET portcullis:facts:%s %b PX %llu", key, p, len,
                                        (unsigned long long)FACTS_TTL_MS))))
        freeReplyObject(rep);
    pthread_mutex_unlock(&r->mu);
}

static int facts_lock(void *ud, const char *key, uint64_t ttl_ms)
{
    wh_redis *r = ud;
    int mine = 1; /* Redis down: walk it here */
    pthread_mutex_lock(&r->mu);
    redisReply *rep = NULL;
    if (connected(r) == 0 &&
        (rep = ok_reply(r, redisCommand(r->c, "SET portcullis:lock:%s %s NX PX %llu", key, r->token,
                                        (unsigned long long)(ttl_ms ? ttl_ms : 1))))) {
        mine = rep->type == REDIS_REPLY_STATUS; /* "OK"; nil: another holds it */
        freeReplyObject(rep);
    }
    pthread_mutex_unlock(&r->mu);
    return mine;
}

static void facts_unlock(void *ud, const char *key)
{
    wh_redis *r = ud;
    static const char script[] = "if redis.call('get', KEYS[1]) == ARGV[1] then "
                                 "return redis.call('del', KEYS[1]) else return 0 end";
    pthread_mutex_lock(&r->mu);
    redisReply *rep = NULL;
    if (connected(r) == 0 &&
        (rep = ok_reply(
             r, redisCommand(r->c, "EVAL %s 1 portcullis:lock:%s %s", script, key, r->token))))
        freeReplyObject(rep);
    pthread_mutex_unlock(&r->mu);
}

void wh_redis_facts_store(wh_redis *r, uint64_t wait_ms, pc_facts_store *out)
{
    memset(out, 0, sizeof *out);
    out->ud = r;
    out->get = facts_get;
    out->put = facts_put;
    out->lock = facts_lock;
    out->unlock = facts_unlock;
    out->wait_ms = wait_ms;
}

int wh_redis_up(const wh_redis *r)
{
    return atomic_load(&((wh_redis *)r)->up);
}

const char *wh_redis_where(const wh_redis *r)
{
    return r->where;
}
