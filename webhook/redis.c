/*
 * redis.c — see redis.h. One connection guarded by a mutex: facts are read
 * once per layer and scans are few, so a pool would buy nothing. Keys:
 * "portcullis:facts:<entry key>" (the facts cache's entry bytes, expiring
 * after FACTS_TTL so Redis never fills with layers nobody runs) and
 * "portcullis:lock:<entry key>" (a random token, expiring with the scan
 * timeout; released only by its holder). The verdicts and tag
 * resolutions (redis_verdicts.c) use wh_redis_get/put/lock with their own
 * names. Every command goes through command().
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http/log.h"
#include "redis.h"
#include "redisconn.h"
#include "redisd.h"
#include "rediskey.h"
#include "pcx.h"

#define FACTS_TTL_MS UINT64_C(604800000) /* a week */
#define MAX_VALUE ((size_t)1 << 30)      /* as the facts cache's largest file */
#define DOWN_MS 1000                     /* after a failure, no command for this long */
#define MAX_REPLY (MAX_VALUE + 65536)    /* a value with its MAC, and the protocol around it */

struct wh_redis {
    pthread_mutex_t mu;
    wh_redisconn *c; /* NULL: not connected */
    wh_redisconn_cfg cc;
    char *host, *user, *pass, *ca, *cert, *certkey;
    int port, db, tls;
    uint64_t timeout_ms, down_until;
    _Atomic int up;
    char token[33]; /* this process's lock value */
    /* --redis-key, in its key process: values are "PCR2" + MAC + entry;
     * NULL: the entries as they are */
    wh_rediskey *key;
    _Atomic int key_gone_logged;
    wh_redisd *d; /* pc-redis: the password, the TLS files, the connections */
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
    r->tls = strncmp(url, "rediss://", 9) == 0;
    if (!r->tls && strncmp(url, "redis://", 8) != 0)
        return set_err(err, n, "--redis-url: expected redis[s]://[USER:PASSWORD@]HOST:PORT[/DB]");
    const char *p = url + (r->tls ? 9 : 8), *at = strrchr(p, '@');
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
        return set_err(err, n, "--redis-url: expected HOST:PORT after redis:// or rediss://");
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
    snprintf(r->where, sizeof r->where, "%s%.200s:%d/%d", r->tls ? "rediss://" : "", r->host,
             r->port, r->db);
    r->cc = (wh_redisconn_cfg){.host = r->host,
                               .port = r->port,
                               .tls = r->tls,
                               .timeout_ms = r->timeout_ms,
                               .max_reply = MAX_REPLY};
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
    wh_redisconn_free(r->c);
    wh_redisd_stop(r->d);
    free(r->host);
    free(r->user);
    free(r->ca);
    free(r->cert);
    free(r->certkey);
    if (r->pass)
        OPENSSL_cleanse(r->pass, strlen(r->pass));
    wh_rediskey_free(r->key);
    free(r->pass);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* Drop the connection, mark Redis down; why (never a credential) is
 * logged when it was up. */
static void went_down(wh_redis *r, const char *why)
{
    wh_redisconn_free(r->c);
    r->c = NULL;
    r->down_until = pc_now_ms() + DOWN_MS;
    if (atomic_exchange(&r->up, 0)) {
        wh_logf("warn", "Redis %s down: %s; each replica uses its own caches until it is back",
                r->where, why);
        if (r->m)
            wh_metrics_error(r->m, WH_ERR_REDIS);
    }
    if (r->m)
        atomic_store(&r->m->redis_up, 0);
}

/* A reply that is not an error, or NULL (and Redis marked down). An error
 * reply is named by its code alone: Redis may quote a command's arguments
 * after it, and AUTH's are the credentials. */
static redisReply *ok_reply(wh_redis *r, int rc, redisReply *rep, const char *err)
{
    char why[80];
    if (rc < 0) {
        went_down(r, err);
        return NULL;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        size_t code = rep->str ? strcspn(rep->str, " \r\n") : 0;
        snprintf(why, sizeof why, "an error reply (%.*s)", (int)(code > 32 ? 32 : code),
                 code ? rep->str : "?");
        freeReplyObject(rep);
        went_down(r, why);
        return NULL;
    }
    return rep;
}

/* Connected when not (a connection from pc-redis, authenticated and on
 * its database); 0 or -1 (down). */
static int connected(wh_redis *r)
{
    if (r->c)
        return 0;
    if (pc_now_ms() < r->down_until)
        return -1;
    char err[512];
    int fd = -1;
    wh_redisconn_cfg plain = r->cc;
    plain.tls = 0; /* pc-redis speaks TLS to Redis; to us, plain bytes */
    if (!r->d) {
        went_down(r, "the Redis connection process was not started");
        return -1;
    }
    /* pc-redis connects, handshakes, sends AUTH and SELECT: each within the timeout */
    if (wh_redisd_connect(r->d, 3 * r->timeout_ms + 500, &fd, err, sizeof err) < 0 ||
        wh_redisconn_adopt(fd, &plain, &r->c, err, sizeof err) < 0) {
        went_down(r, err);
        return -1;
    }
    atomic_store(&r->up, 1);
    if (r->m)
        atomic_store(&r->m->redis_up, 1);
    return 0;
}

#define MAC_MAGIC "PCR2"
#define MAC_HDR (4 + 32)

/* HMAC-SHA256, under the secret the key process holds, over the SHA-256 of
 * the Redis key (with its NUL) and the entry: a value cannot be moved to
 * another key either. 0 or -1 (the key process gone: logged once). */
static int mac_of(wh_redis *r, const char *key, const unsigned char *p, size_t n,
                  unsigned char out[32])
{
    unsigned char d[32];
    unsigned int dl = 0;
    char err[256];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(c, key, strlen(key) + 1) && EVP_DigestUpdate(c, p, n) &&
             EVP_DigestFinal_ex(c, d, &dl) && dl == 32;
    EVP_MD_CTX_free(c);
    if (!ok)
        return -1;
    if (wh_rediskey_mac(r->key, d, out, err, sizeof err) < 0) {
        if (atomic_exchange(&r->key_gone_logged, 1) == 0) {
            wh_logf("error",
                    "--redis-key: %s; nothing is read from or written to Redis with a "
                    "MAC any more until the webhook is restarted",
                    err);
            wh_metrics_error(r->m, WH_ERR_KEY_PROCESS);
        }
        return -1;
    }
    return 0;
}

/* The entry inside a value: with a key, only when the HMAC holds. */
static unsigned char *unwrap(wh_redis *r, const char *key, const char *v, size_t n, size_t *len)
{
    const unsigned char *p = (const unsigned char *)v;
    unsigned char want[32];
    if (r->key) {
        if (n <= MAC_HDR || memcmp(p, MAC_MAGIC, 4) != 0 ||
            mac_of(r, key, p + MAC_HDR, n - MAC_HDR, want) < 0 ||
            CRYPTO_memcmp(want, p + 4, 32) != 0)
            return NULL;
        p += MAC_HDR;
        n -= MAC_HDR;
    }
    unsigned char *out = malloc(n);
    if (out) {
        memcpy(out, p, n);
        *len = n;
    }
    return out;
}

/* Every command to Redis goes through here, so a transport (TLS) is
 * swapped in one place: under the mutex, connect when needed, send, and
 * return a reply that is not an error, or NULL (Redis is then down). */
static redisReply *command(wh_redis *r, const char *fmt, ...)
{
    va_list ap;
    redisReply *rep = NULL;
    pthread_mutex_lock(&r->mu);
    if (connected(r) == 0) {
        char err[512];
        va_start(ap, fmt);
        int rc = wh_redisconn_vcommand(r->c, &rep, err, sizeof err, fmt, ap);
        va_end(ap);
        rep = ok_reply(r, rc, rep, err);
    }
    pthread_mutex_unlock(&r->mu);
    return rep;
}

/* The entry at name (MAC'd over mackey), at most max bytes; with ttl, also
 * how long it has to live (one script, so both are of the same value). */
static unsigned char *get_value(wh_redis *r, const char *name, const char *mackey, size_t max,
                                size_t *len, uint64_t *ttl)
{
    static const char script[] = "return {redis.call('get', KEYS[1]), redis.call('pttl', KEYS[1])}";
    unsigned char *out = NULL;
    redisReply *rep = ttl ? command(r, "EVAL %s 1 %s", script, name) : command(r, "GET %s", name);
    redisReply *v = rep;
    if (rep && ttl) {
        v = rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
                    rep->element[1]->type == REDIS_REPLY_INTEGER && rep->element[1]->integer > 0
                ? rep->element[0]
                : NULL;
        if (v)
            *ttl = (uint64_t)rep->element[1]->integer;
    }
    if (v && v->type == REDIS_REPLY_STRING && v->len > 0 && v->len <= max)
        out = unwrap(r, mackey, v->str, v->len, len);
    if (rep)
        freeReplyObject(rep);
    return out;
}

/* Store p at name for ttl_ms ("PCR2" + the MAC over mackey and p first,
 * with --redis-key). */
static void put_value(wh_redis *r, const char *name, const char *mackey, const unsigned char *p,
                      size_t len, uint64_t ttl_ms)
{
    unsigned char *v = NULL;
    if (r->key) {
        if (len > MAX_VALUE - MAC_HDR || !(v = malloc(MAC_HDR + len)))
            return;
        memcpy(v, MAC_MAGIC, 4);
        memcpy(v + MAC_HDR, p, len);
        if (mac_of(r, mackey, p, len, v + 4) < 0) {
            free(v);
            return;
        }
        p = v;
        len += MAC_HDR;
    }
    redisReply *rep =
        command(r, "SET %s %b PX %llu", name, p, len, (unsigned long long)(ttl_ms ? ttl_ms : 1));
    if (rep)
        freeReplyObject(rep);
    free(v);
}

/* 1 when this process took the lock name (or Redis is down: go ahead
 * here), 0 when another holds it. */
static int lock_name(wh_redis *r, const char *name, uint64_t ttl_ms)
{
    int mine = 1;
    redisReply *rep = command(r, "SET %s %s NX PX %llu", name, r->token,
                              (unsigned long long)(ttl_ms ? ttl_ms : 1));
    if (rep) {
        mine = rep->type == REDIS_REPLY_STATUS; /* "OK"; nil: another holds it */
        freeReplyObject(rep);
    }
    return mine;
}

/* Released only by its holder (the token is this process's). */
static void unlock_name(wh_redis *r, const char *name)
{
    static const char script[] = "if redis.call('get', KEYS[1]) == ARGV[1] then "
                                 "return redis.call('del', KEYS[1]) else return 0 end";
    redisReply *rep = command(r, "EVAL %s 1 %s %s", script, name, r->token);
    if (rep)
        freeReplyObject(rep);
}

#define NAME_MAX_LEN 256

static unsigned char *facts_get(void *ud, const char *key, size_t *len)
{
    wh_redis *r = ud;
    char name[NAME_MAX_LEN];
    unsigned char *out = NULL;
    if (snprintf(name, sizeof name, "portcullis:facts:%s", key) < (int)sizeof name)
        out = get_value(r, name, key, MAX_VALUE, len, NULL);
    if (r->m)
        atomic_fetch_add(out ? &r->m->redis_facts_hits : &r->m->redis_facts_misses, 1);
    return out;
}

static void facts_put(void *ud, const char *key, const unsigned char *p, size_t len)
{
    char name[NAME_MAX_LEN];
    if (snprintf(name, sizeof name, "portcullis:facts:%s", key) < (int)sizeof name)
        put_value(ud, name, key, p, len, FACTS_TTL_MS);
}

static int facts_lock(void *ud, const char *key, uint64_t ttl_ms)
{
    char name[NAME_MAX_LEN];
    if (snprintf(name, sizeof name, "portcullis:lock:%s", key) >= (int)sizeof name)
        return 1; /* (never: keys are digests) walk it here */
    return lock_name(ud, name, ttl_ms);
}

static void facts_unlock(void *ud, const char *key)
{
    char name[NAME_MAX_LEN];
    if (snprintf(name, sizeof name, "portcullis:lock:%s", key) < (int)sizeof name)
        unlock_name(ud, name);
}

int wh_redis_keyed(const wh_redis *r)
{
    return r->key != NULL;
}

unsigned char *wh_redis_get(wh_redis *r, const char *name, size_t max, size_t *len,
                            uint64_t *ttl_ms)
{
    return get_value(r, name, name, max < MAX_VALUE ? max : MAX_VALUE, len, ttl_ms);
}

void wh_redis_put(wh_redis *r, const char *name, const unsigned char *p, size_t len,
                  uint64_t ttl_ms)
{
    put_value(r, name, name, p, len, ttl_ms);
}

int wh_redis_lock(wh_redis *r, const char *name, uint64_t ttl_ms)
{
    return lock_name(r, name, ttl_ms);
}

void wh_redis_unlock(wh_redis *r, const char *name)
{
    unlock_name(r, name);
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

void wh_redis_set_key(wh_redis *r, wh_rediskey *k)
{
    wh_rediskey_free(r->key);
    r->key = k;
}

int wh_redis_helpers_alive(wh_redis *r, char *why, size_t whylen)
{
    if (r->d && !wh_redisd_alive(r->d, why, whylen))
        return 0;
    if (!r->key || wh_rediskey_alive(r->key, why, whylen))
        return 1;
    char how[128];
    snprintf(how, sizeof how, "%s", why);
    snprintf(why, whylen, "the Redis key process pc-rediskey %s", how);
    return 0;
}

long wh_redis_conn_pid(const wh_redis *r)
{
    return r->d ? wh_redisd_pid(r->d) : -1;
}

long wh_redis_key_pid(const wh_redis *r)
{
    return r->key ? wh_rediskey_pid(r->key) : -1;
}

int wh_redis_set_password_file(wh_redis *r, const char *file, char *err, size_t errlen)
{
    char *text = NULL;
    size_t n = 0;
    pc_err e;
    if (r->pass && r->pass[0])
        return set_err(err, errlen,
                       "--redis-password-file: the --redis-url has a password already");
    if (pc_read_file(file, 4096, &text, &n, &e) < 0) {
        snprintf(err, errlen, "--redis-password-file: %s", e.msg);
        return -1;
    }
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    if (n == 0 || memchr(text, '\0', n)) {
        OPENSSL_cleanse(text, n);
        free(text);
        snprintf(err, errlen, "--redis-password-file %s: expected one line of password", file);
        return -1;
    }
    free(r->pass); /* USER:@HOST: the user's password is in the file */
    r->pass = text;
    return 0;
}

int wh_redis_up(const wh_redis *r)
{
    return atomic_load(&((wh_redis *)r)->up);
}

const char *wh_redis_where(const wh_redis *r)
{
    return r->where;
}

int wh_redis_set_tls(wh_redis *r, const char *ca, const char *cert, const char *certkey, char *err,
                     size_t errlen)
{
    if (!r->tls && (ca || cert || certkey))
        return set_err(err, errlen,
                       "--redis-ca, --redis-cert and --redis-cert-key need a rediss:// "
                       "--redis-url (TLS)");
    if (!cert != !certkey)
        return set_err(err, errlen, "--redis-cert and --redis-cert-key go together");
    if ((ca && !(r->ca = pc_strdup(ca))) || (cert && !(r->cert = pc_strdup(cert))) ||
        (certkey && !(r->certkey = pc_strdup(certkey))))
        return set_err(err, errlen, "--redis-url: out of memory");
    r->cc.ca_file = r->ca;
    r->cc.cert_file = r->cert;
    r->cc.key_file = r->certkey;
    return 0; /* (pc-redis loads them: wh_redis_start) */
}

int wh_redis_start(wh_redis *r, char *err, size_t errlen)
{
    wh_redisd_cfg cfg = {.conn = r->cc, .user = r->user, .pass = r->pass, .db = r->db};
    int rc = wh_redisd_start(&cfg, &r->d, err, errlen);
    if (r->pass)
        OPENSSL_cleanse(r->pass, strlen(r->pass));
    free(r->pass);
    r->pass = NULL;
    return rc;
}

/* A formatted command (len < 0: hiredis could not format it) for
 * wh_redis_command*: connect if needed, run, ok_reply; cmd is freed. */
static redisReply *locked_command(wh_redis *r, char *cmd, int len)
{
    char err[512];
    redisReply *rep = NULL;
    if (len < 0 || !cmd) {
        free(cmd);
        return NULL;
    }
    pthread_mutex_lock(&r->mu);
    if (connected(r) == 0) {
        int rc = wh_redisconn_run(r->c, cmd, (size_t)len, &rep, err, sizeof err);
        rep = ok_reply(r, rc, rep, err);
    }
    pthread_mutex_unlock(&r->mu);
    redisFreeCommand(cmd);
    return rep;
}

redisReply *wh_redis_command(wh_redis *r, const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    return locked_command(r, cmd, len);
}

redisReply *wh_redis_command_argv(wh_redis *r, int argc, const char **argv, const size_t *argvlen)
{
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    return locked_command(r, cmd, len);
}
