/*
 * redisd.h — the Redis connection process "pc-redis" (docs/privsep.md):
 * it holds the Redis password (--redis-url's, or --redis-password-file's)
 * and reads the TLS files (--redis-ca, --redis-cert, --redis-cert-key),
 * so the process that parses reviews and images holds neither.
 *
 * For each connection the webhook asks for, pc-redis connects (TCP, or
 * TLS with the server's certificate checked), sends AUTH and SELECT, and
 * hands back one end of a socketpair; it then relays the bytes between
 * that socket and Redis as they are, until either side closes. The
 * webhook speaks the Redis protocol over the socket as over TCP
 * (redisconn.c), with all its bounds.
 *
 * The wire (SOCK_SEQPACKET): pc-redis first says hello ('O', or 'E' and
 * why: the TLS files do not load); a request is 'C' | u32 id; its answer
 * 'O' | u32 id with the socket (SCM_RIGHTS), or 'E' | u32 id | why.
 * Start it before anything untrusted is read and before any thread.
 */
#ifndef WH_REDISD_H
#define WH_REDISD_H

#include <stddef.h>
#include <stdint.h>
#include "redisconn.h"

#define WH_REDISD_NAME "pc-redis"

typedef struct wh_redisd_cfg {
    wh_redisconn_cfg conn; /* where, TLS and its files, the timeout, max_reply (unused) */
    const char *user;      /* AUTH user, or NULL */
    const char *pass;      /* AUTH password, or NULL: no AUTH */
    int db;                /* SELECT when not 0 */
} wh_redisd_cfg;

typedef struct wh_redisd wh_redisd;

/* Fork pc-redis with cfg (its strings are copied by the fork: the caller
 * may wipe them once this returns). -1 with a message (the TLS files'
 * check, naming the flag and file; never the password) in err. */
int wh_redisd_start(const wh_redisd_cfg *cfg, wh_redisd **out, char *err, size_t errlen);
/* A new connection, authenticated and on its database: *fd is the
 * socket pc-redis relays. Waits at most wait_ms. 0, or -1 with why (the
 * connection, TLS, AUTH refused by its error code only, or pc-redis
 * gone). Thread-safe. */
int wh_redisd_connect(wh_redisd *d, uint64_t wait_ms, int *fd, char *err, size_t errlen);
/* 1 while pc-redis runs; 0 once it is gone (why: how it ended). */
int wh_redisd_alive(wh_redisd *d, char *why, size_t whylen);
long wh_redisd_pid(const wh_redisd *d);
/* Close its socket (it exits, and its relays end), reap it, free d. */
void wh_redisd_stop(wh_redisd *d);

/* redisd_proc.c: what runs in pc-redis, on socket sock. */
_Noreturn void wh_redisd_main(int sock, const wh_redisd_cfg *cfg);

#endif
