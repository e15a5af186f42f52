/*
 * strmap.h — a bounded string-keyed map with LRU eviction and optional
 * expiry, the one data structure behind the webhook's caches (verdicts by
 * digest, tag → digest, scans in flight by reference).
 *
 * Not thread-safe: the owner holds its own lock around every call.
 */
#ifndef WH_STRMAP_H
#define WH_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct wh_strmap_ent wh_strmap_ent;

typedef struct wh_strmap {
    wh_strmap_ent **buckets;
    size_t nbuckets; /* power of two */
    size_t count, cap;
    wh_strmap_ent *head, *tail;  /* most / least recently used */
    uint64_t key[2];             /* the hash's secret key, random per map */
    void (*free_val)(void *val); /* called when an entry is dropped; may be NULL */
} wh_strmap;

/* cap: most entries kept (>= 1); the least recently used goes first. */
int wh_strmap_init(wh_strmap *m, size_t cap, void (*free_val)(void *));
void wh_strmap_free(wh_strmap *m);

/* The value for key, or NULL; an entry whose expiry (ms, 0: never) is at
 * or before now is dropped instead. A hit becomes the most recent. */
void *wh_strmap_get(wh_strmap *m, const char *key, uint64_t now);
/* Insert or replace (the old value is freed). 0, or -1 when out of
 * memory: then val was not taken and the caller still owns it. */
int wh_strmap_put(wh_strmap *m, const char *key, void *val, uint64_t expires);
/* Remove key without freeing its value; returns the value or NULL. */
void *wh_strmap_take(wh_strmap *m, const char *key);

#endif
