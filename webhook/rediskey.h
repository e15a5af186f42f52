/*
 * rediskey.h — the --redis-key secret, held by a key process of its own
 * ("pc-rediskey", rediskey_proc.c; docs/privsep.md): the process that
 * parses images and reviews never has it in memory.
 *
 * A value's MAC (redis.c) is HMAC-SHA256 under the secret over the
 * SHA-256 of what it authenticates: the digest is taken here, the key
 * process sees 32 bytes and answers 32. A scanning process an image took
 * over can still ask for MACs while it runs, but cannot carry the secret
 * away: once it is restarted, the secret need not change. Start it before
 * anything untrusted is read and before any thread.
 */
#ifndef WH_REDISKEY_H
#define WH_REDISKEY_H

#include <stddef.h>
#include "portcullis_keyproc.h"

#define WH_REDISKEY_OP_MAC 1 /* body: 32 bytes; reply: HMAC-SHA256(secret, body) */

typedef struct wh_rediskey wh_rediskey;

/* Start the key process on the secret in file (32 to 64 bytes, trailing
 * newlines dropped). -1 with a message naming the file and what is wrong
 * (never a byte of it) in err. */
int wh_rediskey_new(const char *file, wh_rediskey **out, char *err, size_t errlen);
void wh_rediskey_free(wh_rediskey *k);

/* HMAC-SHA256(secret, digest) into out: 0, or -1 when the key process is
 * gone or refused (err says why). Thread-safe. */
int wh_rediskey_mac(wh_rediskey *k, const unsigned char digest[32], unsigned char out[32],
                    char *err, size_t errlen);

/* 1 while the key process runs; 0 once it is gone (why: how it ended). */
int wh_rediskey_alive(wh_rediskey *k, char *why, size_t whylen);
long wh_rediskey_pid(const wh_rediskey *k);

/* rediskey_proc.c: fork the key process (the client end in *out). */
int wh_rediskey_proc_start(const char *file, pc_keyproc **out, char *err, size_t errlen);

#endif
