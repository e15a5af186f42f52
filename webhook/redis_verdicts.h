/*
 * redis_verdicts.h — the verdicts and tag resolutions the replicas share
 * on Redis (a wh_vstore, verdicts.h), next to the layer facts (redis.h).
 *
 * Only with --redis-key: a verdict read from Redis decides admission and
 * a tag's digest decides which image is judged, so a value is believed
 * only when its HMAC holds (whoever can write Redis without the secret
 * could otherwise forge an allow). Without the key only layer facts are
 * shared. A value that is foreign, damaged or unauthenticated is a miss,
 * and the image is resolved or scanned here.
 */
#ifndef WH_REDIS_VERDICTS_H
#define WH_REDIS_VERDICTS_H

#include <stdint.h>
#include "redis.h"
#include "verdicts.h"

/* A store over r, which must hold a key (wh_redis_set_key); the verdict
 * keys are scoped by platform (--platform, NULL: linux/amd64) and this
 * build's version, which also decide a verdict. wait_ms: how long a
 * replica waits for another's answer. 0, or -1 (no key, out of memory).
 * Free with wh_redis_vstore_free. */
int wh_redis_vstore(wh_redis *r, uint64_t wait_ms, const char *platform, wh_vstore *out);
void wh_redis_vstore_free(wh_vstore *s);

#endif
