/*
 * connpool.c — the context's kept-alive transfer handles (connpool.h).
 *
 * libcurl's connection cache is not safe to share between threads (its
 * documentation says so for CURL_LOCK_DATA_CONNECT), so connections are
 * never shared, only handed on: an entry belongs to one transfer at a
 * time. Taking prefers the most recently given entry of the same origin;
 * one of another origin is left for its own host. The easy handle was
 * reset when it was given back, so what a request sends (its
 * Authorization header above all) is set anew every time.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "registry/connpool.h"
#include "pcx.h"

#define POOL_MAX 16
/* libcurl does not reuse a connection idle longer than CURLOPT_MAXAGE_CONN
 * (118 s by default): an entry idle this long only holds sockets */
#define IDLE_MAX_MS 115000
#define ORIGIN_MAX 300

typedef struct entry {
    CURL *easy;
    CURLM *multi;
    char origin[ORIGIN_MAX];
    uint64_t since; /* pc_now_ms() when given back */
} entry;

struct pc_connpool {
    pthread_mutex_t mu;
    entry idle[POOL_MAX]; /* [0, nidle), oldest first */
    size_t nidle;
    int curl_inited; /* curl_global_init succeeded: free owes a cleanup */
    int share_tried; /* the share was made (or could not be) */
    CURLSH *share;
    pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
};

static void entry_close(entry *x)
{
    curl_easy_cleanup(x->easy);
    curl_multi_cleanup(x->multi);
}

/* Remove entry i (keeping the order); the caller holds mu. */
static void drop_at(pc_connpool *p, size_t i)
{
    memmove(&p->idle[i], &p->idle[i + 1], (p->nidle - i - 1) * sizeof p->idle[0]);
    p->nidle--;
}

/* Close the entries idle too long; they are the oldest, at the front.
 * The caller holds mu (closing a connection sends nothing that blocks). */
static void expire(pc_connpool *p, uint64_t now)
{
    while (p->nidle && now - p->idle[0].since > IDLE_MAX_MS) {
        entry x = p->idle[0];
        drop_at(p, 0);
        entry_close(&x);
    }
}

int pc_connpool_take(pc_connpool *p, const char *origin, CURL **easy, CURLM **multi)
{
    int got = 0;
    pthread_mutex_lock(&p->mu);
    expire(p, pc_now_ms());
    for (size_t i = p->nidle; i-- > 0;)
        if (strcmp(p->idle[i].origin, origin) == 0) {
            *easy = p->idle[i].easy;
            *multi = p->idle[i].multi;
            drop_at(p, i);
            got = 1;
            break;
        }
    pthread_mutex_unlock(&p->mu);
    return got;
}

int pc_connpool_give(pc_connpool *p, const char *origin, CURL *easy, CURLM *multi)
{
    entry old = {0};
    if (strlen(origin) >= ORIGIN_MAX || !pc_connpool_share(p))
        return 0; /* (the share holds the curl_global_init the handles need) */
    curl_easy_reset(easy);
    pthread_mutex_lock(&p->mu);
    uint64_t now = pc_now_ms();
    expire(p, now);
    if (p->nidle == POOL_MAX) { /* the least recently used goes */
        old = p->idle[0];
        drop_at(p, 0);
    }
    entry *x = &p->idle[p->nidle++];
    x->easy = easy;
    x->multi = multi;
    x->since = now;
    snprintf(x->origin, sizeof x->origin, "%s", origin);
    pthread_mutex_unlock(&p->mu);
    if (old.easy)
        entry_close(&old);
    return 1;
}

static void share_lock(CURL *c, curl_lock_data d, curl_lock_access a, void *ud)
{
    (void)c, (void)a;
    pc_connpool *p = ud;
    pthread_mutex_lock(&p->share_mu[(unsigned)d < CURL_LOCK_DATA_LAST ? d : 0]);
}

static void share_unlock(CURL *c, curl_lock_data d, void *ud)
{
    (void)c;
    pc_connpool *p = ud;
    pthread_mutex_unlock(&p->share_mu[(unsigned)d < CURL_LOCK_DATA_LAST ? d : 0]);
}

CURLSH *pc_connpool_share(pc_connpool *p)
{
    pthread_mutex_lock(&p->mu);
    if (!p->share_tried) {
        p->share_tried = 1;
        p->curl_inited = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
        if (p->curl_inited && (p->share = curl_share_init()) &&
            (curl_share_setopt(p->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
             curl_share_setopt(p->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
             curl_share_setopt(p->share, CURLSHOPT_USERDATA, p) != CURLSHE_OK ||
             curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) !=
                 CURLSHE_OK ||
             curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK)) {
            curl_share_cleanup(p->share);
            p->share = NULL;
        }
    }
    CURLSH *s = p->share;
    pthread_mutex_unlock(&p->mu);
    return s;
}

pc_connpool *pc_connpool_new(void)
{
    pc_connpool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&p->share_mu[i], NULL);
    return p;
}

void pc_connpool_free(pc_connpool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nidle; i++)
        entry_close(&p->idle[i]);
    if (p->share)
        curl_share_cleanup(p->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&p->share_mu[i]);
    pthread_mutex_destroy(&p->mu);
    if (p->curl_inited)
        curl_global_cleanup();
    free(p);
}
