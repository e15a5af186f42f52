/*
 * strmap.c — see strmap.h.
 *
 * Chained hash table (SipHash-1-3 under a per-map random key, so keys
 * chosen by a client cannot be aimed at one bucket without knowing it)
 * plus a doubly linked list in use order. The table never grows: it is
 * sized once for cap entries, and cap bounds both memory and the longest
 * chain, so a flood of distinct keys costs evictions, never unbounded
 * work.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "pcx.h"
#include "strmap.h"

struct wh_strmap_ent {
    wh_strmap_ent *chain;       /* next in bucket */
    wh_strmap_ent *prev, *next; /* use order */
    uint64_t hash, expires;
    void *val;
    char key[]; /* NUL-terminated */
};

static uint64_t hash_key(const wh_strmap *m, const char *k)
{
    return pc_siphash(k, strlen(k), m->key, 1, 3);
}

int wh_strmap_init(wh_strmap *m, size_t cap, void (*free_val)(void *))
{
    memset(m, 0, sizeof *m);
    if (cap == 0 || cap > ((size_t)1 << 24))
        return -1;
    size_t nb = 16;
    while (nb < cap)
        nb *= 2;
    m->buckets = calloc(nb, sizeof *m->buckets);
    if (!m->buckets)
        return -1;
    m->nbuckets = nb;
    m->cap = cap;
    m->free_val = free_val;
    if (getrandom(m->key, sizeof m->key, GRND_NONBLOCK) != (ssize_t)sizeof m->key) {
        m->key[0] = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)m;
        m->key[1] = (uint64_t)clock() * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&m->key;
    }
    return 0;
}

static void list_unlink(wh_strmap *m, wh_strmap_ent *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        m->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        m->tail = e->prev;
    e->prev = e->next = NULL;
}

static void list_push_front(wh_strmap *m, wh_strmap_ent *e)
{
    e->prev = NULL;
    e->next = m->head;
    if (m->head)
        m->head->prev = e;
    m->head = e;
    if (!m->tail)
        m->tail = e;
}

/* Unlink e from its bucket and the list; the caller frees it. */
static void detach(wh_strmap *m, wh_strmap_ent *e)
{
    wh_strmap_ent **pp = &m->buckets[e->hash & (m->nbuckets - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->chain;
    if (*pp)
        *pp = e->chain;
    list_unlink(m, e);
    m->count--;
}

static void drop(wh_strmap *m, wh_strmap_ent *e)
{
    detach(m, e);
    if (m->free_val)
        m->free_val(e->val);
    free(e);
}

static wh_strmap_ent *find(const wh_strmap *m, const char *key, uint64_t h)
{
    wh_strmap_ent *e = m->buckets[h & (m->nbuckets - 1)];
    while (e && (e->hash != h || strcmp(e->key, key) != 0))
        e = e->chain;
    return e;
}

void *wh_strmap_get(wh_strmap *m, const char *key, uint64_t now)
{
    if (!m->buckets)
        return NULL;
    wh_strmap_ent *e = find(m, key, hash_key(m, key));
    if (!e)
        return NULL;
    if (e->expires && e->expires <= now) {
        drop(m, e);
        return NULL;
    }
    list_unlink(m, e);
    list_push_front(m, e);
    return e->val;
}

int wh_strmap_put(wh_strmap *m, const char *key, void *val, uint64_t expires)
{
    if (!m->buckets)
        return -1;
    uint64_t h = hash_key(m, key);
    wh_strmap_ent *old = find(m, key, h);
    if (old && old->val == val) { /* same value again: refresh only */
        old->expires = expires;
        list_unlink(m, old);
        list_push_front(m, old);
        return 0;
    }
    if (old)
        drop(m, old);
    size_t klen = strlen(key);
    wh_strmap_ent *e = klen < SIZE_MAX - sizeof *e - 1 ? malloc(sizeof *e + klen + 1) : NULL;
    if (!e)
        return -1;
    memcpy(e->key, key, klen + 1);
    e->hash = h;
    e->expires = expires;
    e->val = val;
    if (m->count >= m->cap && m->tail)
        drop(m, m->tail);
    wh_strmap_ent **b = &m->buckets[h & (m->nbuckets - 1)];
    e->chain = *b;
    *b = e;
    list_push_front(m, e);
    m->count++;
    return 0;
}

void *wh_strmap_take(wh_strmap *m, const char *key)
{
    if (!m->buckets)
        return NULL;
    wh_strmap_ent *e = find(m, key, hash_key(m, key));
    if (!e)
        return NULL;
    void *v = e->val;
    detach(m, e);
    free(e);
    return v;
}

void wh_strmap_free(wh_strmap *m)
{
    while (m->head)
        drop(m, m->head);
    free(m->buckets);
    memset(m, 0, sizeof *m);
}
