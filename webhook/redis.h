/*
 * redis.h — the webhook's shared layer facts on Redis (--redis-url): the
 * replicas of one deployment keep the facts cache's entries there, so a
 * layer one replica has read is never fetched by another, and take a lock
 * with an expiry per layer, so a burst of admissions for a new image reads
 * each layer once across replicas (pc_facts_store, portcullis.h).
 *
 * Best effort by design: Redis down, slow or answering nonsense is a miss
 * (every value is checked as a cache file is), so each replica falls back
 * to its own caches and scans; nothing fails open. A failed command marks
 * Redis down for a second (portcullis_redis_up 0, errors_total{kind=
 * "redis"}, /readyz "redis": "down"), then the next command reconnects.
 * The password is never logged or echoed.
 *
 * rediss:// is TLS (redisconn.h: GnuTLS, the server's certificate checked
 * against --redis-ca or the system's CAs and for the URL's host, an
 * optional client certificate); redis:// is plain TCP. Both go through
 * redisconn.c, which bounds every read, write and reply.
 */
#ifndef WH_REDIS_H
#define WH_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>
#include "http/metrics.h"
#include "portcullis.h"

typedef struct wh_redis wh_redis;

/* Parse url (redis[s]://[USER:PASSWORD@]HOST:PORT[/DB]) and prepare a
 * client; no connection is made yet. 0, or -1 with a message in err
 * (never holding the password). timeout_ms bounds connect, the TLS
 * handshake and every command. With rediss://, wh_redis_set_tls must
 * follow; then wh_redis_start. */
int wh_redis_new(const char *url, uint64_t timeout_ms, wh_metrics *m, wh_redis **out, char *err,
                 size_t errlen);
void wh_redis_free(wh_redis *r);
/* The pc_facts_store over r (wait_ms: how long a replica waits for
 * another's facts of a layer). */
void wh_redis_facts_store(wh_redis *r, uint64_t wait_ms, pc_facts_store *out);
/* Authenticate every value with a MAC under the --redis-key secret that
 * k's key process holds (rediskey.h; r owns k from now on): a value
 * without the right MAC, written by anyone who can reach Redis but lacks
 * the secret, is a miss. The replicas of a deployment share it (a
 * Secret). */
typedef struct wh_rediskey wh_rediskey;
void wh_redis_set_key(wh_redis *r, wh_rediskey *k);
/* 1 while pc-redis runs and, with --redis-key, pc-rediskey; 0 once one
 * of them is gone (why names it: no connection is made, or nothing MAC'd
 * is read or written, any more). */
int wh_redis_helpers_alive(wh_redis *r, char *why, size_t whylen);
/* pc-rediskey's pid, or -1 without --redis-key; pc-redis's, or -1 before
 * wh_redis_start. */
long wh_redis_key_pid(const wh_redis *r);
long wh_redis_conn_pid(const wh_redis *r);
/* Once the URL, TLS files and password are set: fork pc-redis
 * (redisd.h), which loads the TLS files (an error naming the flag and
 * file when they do not load) and makes every connection; the password
 * is wiped here. Before anything untrusted is read and before threads. */
int wh_redis_start(wh_redis *r, char *err, size_t errlen);
/* The password from file (one line; a trailing newline is dropped), for
 * a URL without one (redis://HOST:PORT, or redis://USER:@HOST:PORT for a
 * user's): a Kubernetes Secret's file keeps it out of the
 * command line. 0, or -1 with a message naming the file (never the
 * password). */
int wh_redis_set_password_file(wh_redis *r, const char *file, char *err, size_t errlen);
/* TLS files for rediss:// (--redis-ca: the CAs trusted for Redis' certificate,
 * NULL: the system's; --redis-cert and --redis-cert-key: a client
 * certificate, both or neither). pc-redis loads them once at
 * wh_redis_start, so a rediss:// that can never connect is an error at
 * start, and again on every connection, so renewed files are used; this
 * process never reads them. With redis://, any of them is an error. 0,
 * or -1 with a message naming the flags. */
int wh_redis_set_tls(wh_redis *r, const char *ca, const char *cert, const char *certkey, char *err,
                     size_t errlen);
/* One command for other users of the shared Redis, as hiredis formats it
 * (%s, %b, %d, %llu; or argc arguments): it connects when needed and holds
 * r's lock while it runs. The reply (free it with freeReplyObject), or
 * NULL when Redis is down, the command fails or its reply is an error
 * (Redis is then marked down for a second, as for the facts' commands).
 * Keys belong under "portcullis:" with a prefix of their own. */
redisReply *wh_redis_command(wh_redis *r, const char *fmt, ...);
redisReply *wh_redis_command_argv(wh_redis *r, int argc, const char **argv, const size_t *argvlen);
/* The other caches the replicas share (redis_verdicts.c) use these; name
 * is the whole Redis key, and the MAC (--redis-key) is taken over it, so
 * a value cannot be moved to another key. */
/* 1 with --redis-key (values are authenticated). */
int wh_redis_keyed(const wh_redis *r);
/* The value at name (its MAC checked with --redis-key), at most max
 * bytes, malloc'd; *ttl_ms (when not NULL): how long it has to live. NULL
 * on a miss, a bad MAC, or Redis down. */
unsigned char *wh_redis_get(wh_redis *r, const char *name, size_t max, size_t *len,
                            uint64_t *ttl_ms);
/* Store p at name, expiring after ttl_ms (best effort). */
void wh_redis_put(wh_redis *r, const char *name, const unsigned char *p, size_t len,
                  uint64_t ttl_ms);
/* SET name NX PX ttl_ms with this process's token: 1 when taken, or when
 * Redis is down (go ahead here); 0 when another process holds it. */
int wh_redis_lock(wh_redis *r, const char *name, uint64_t ttl_ms);
/* Release name if this process holds it. */
void wh_redis_unlock(wh_redis *r, const char *name);
/* 1 when the last command reached Redis (or none was sent yet), 0 when
 * it is down; for /readyz. */
int wh_redis_up(const wh_redis *r);
/* "host:port/db" ("rediss://host:port/db" with TLS) without credentials,
 * for logs and /readyz. */
const char *wh_redis_where(const wh_redis *r);

#endif
