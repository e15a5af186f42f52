/*
 * verdict_codec.h — a verdict (pc_result) and a tag resolution as bytes
 * and back, for the caches the replicas share on Redis (redis_verdicts.c).
 *
 * A value is self-describing: a four-byte magic naming what it holds
 * ("PCVD" a verdict, "PCTG" a tag's digest), a format version, the
 * payload's length, the payload and a SHA-256 over all of it. The decoder
 * treats its input as hostile: a value that is foreign, of another
 * version, truncated, padded, damaged or holding anything out of range is
 * refused whole (NULL, -1), never partly used. Integrity only: whether a
 * value may be believed at all is --redis-key's MAC (redis.c).
 */
#ifndef WH_VERDICT_CODEC_H
#define WH_VERDICT_CODEC_H

#include <stddef.h>
#include "portcullis.h"

#define WH_CODEC_VERSION 1
#define WH_CODEC_MAX ((size_t)16 << 20) /* the largest value either way */

/* r's bytes (malloc'd) in *out; 0, or -1 when out of memory or too big. */
int wh_verdict_encode(const pc_result *r, unsigned char **out, size_t *len);
/* A new result (pc_result_free), or NULL when p is not a whole, intact
 * verdict value. */
pc_result *wh_verdict_decode(const unsigned char *p, size_t n);

/* A tag's digest ("sha256:" and 64 lowercase hex digits) as bytes. */
int wh_tag_encode(const char *digest, unsigned char **out, size_t *len);
/* 0 with the digest in out, or -1. */
int wh_tag_decode(const unsigned char *p, size_t n, char out[72]);

#endif
