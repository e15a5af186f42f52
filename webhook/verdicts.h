/*
 * verdicts.h — verdicts for image references: cached, shared, and never
 * waited for past a deadline.
 *
 * A lookup first tries the caches (reference → digest for tags, with a
 * short TTL because tags move; digest → verdict, keyed by digest, policy
 * digest and rules digest). Otherwise it joins the scan already in flight
 * for that reference, or queues one for the bounded pool of scan workers,
 * and waits for it until the caller's deadline. With a shared store
 * (wh_vstore), the worker asks it before the registry, and waits for
 * another replica already resolving or scanning the same image. A scan that outlives the
 * deadline goes on in the background and lands in the cache, so the
 * apiserver's retry is answered at once.
 */
#ifndef WH_VERDICTS_H
#define WH_VERDICTS_H

#include <stddef.h>
#include <stdint.h>
#include "http/metrics.h"
#include "portcullis.h"

typedef struct wh_verdict wh_verdict; /* a finished scan; immutable, reference counted */
typedef struct wh_verdicts wh_verdicts;

const pc_result *wh_verdict_result(const wh_verdict *v);

typedef enum {
    WH_LK_DONE,    /* v holds the verdict */
    WH_LK_PENDING, /* the deadline came first; the scan goes on */
    WH_LK_BUSY,    /* the scan queue was full; nothing was started */
} wh_lookup_state;

typedef struct wh_lookup {
    wh_lookup_state state;
    wh_verdict *v; /* DONE: a reference, dropped by wh_lookup_release */
    int cached;    /* answered from the verdict cache without waiting */
    int joined;    /* shared a scan another request had started */
    void *job;     /* internal: the scan waited for */
    /* DONE: the digest this reference resolved to and whose verdict v is
     * (a fresh scan: the digest it scanned), or "" when it did not resolve.
     * What /mutate pins the reference to. */
    char digest[72];
} wh_lookup;

typedef struct wh_verdicts_cfg {
    unsigned workers;     /* scans at once */
    unsigned max_queue;   /* scans waiting for a worker, at most */
    size_t cache_entries; /* verdicts (and tag resolutions) kept */
    uint64_t tag_ttl_ms;  /* how long a tag → digest answer is trusted */
    uint64_t ttl_ms;      /* how long a verdict is kept (here and shared); 0: 24h */
} wh_verdicts_cfg;

/* A cache the replicas share (redis_verdicts.c: Redis, only with
 * --redis-key), behind the in-process caches: tag resolutions and
 * verdicts, keyed as the in-process caches are, and locks with an expiry
 * so one replica resolves a tag or scans a digest while the others wait
 * for its answer. Every call is best effort: a store that is down or
 * holds nonsense misses, and lock answers 1 (go ahead here). */
typedef struct wh_vstore {
    void *ud;
    /* 1 with the digest ref resolved to and how long that is good for */
    int (*tag_get)(void *ud, const char *ref, char digest[72], uint64_t *ttl_ms);
    void (*tag_put)(void *ud, const char *ref, const char *digest, uint64_t ttl_ms);
    /* the verdict kept under key ("DIGEST|POLICY|RULES|RUN-KEY"), decoded
     * (the caller checks it is the one asked for), and its time left */
    pc_result *(*get)(void *ud, const char *key, uint64_t *ttl_ms);
    void (*put)(void *ud, const char *key, const pc_result *r, uint64_t ttl_ms);
    int (*lock)(void *ud, const char *name, uint64_t ttl_ms);
    void (*unlock)(void *ud, const char *name);
    uint64_t wait_ms; /* how long to wait for another replica's answer */
} wh_vstore;

int wh_verdicts_new(const pc_ctx *ctx, const wh_verdicts_cfg *cfg, wh_metrics *m, wh_verdicts **out,
                    char *err, size_t errlen);
/* Share verdicts and tag resolutions through store (copied) from now
 * on; call it before the first lookup. */
void wh_verdicts_set_store(wh_verdicts *vc, const wh_vstore *store);
/* Look up n references at once (their scans run in parallel) and wait for
 * them until deadline_ms (pc_now_ms clock). out[i] answers refs[i] run as
 * runs[i] (runs NULL, or runs[i] NULL: as the image's config says; the
 * run context is copied, and its subject is not part of the cache key, so
 * leave it NULL: a cached verdict may answer another workload). runkeys[i],
 * when runkeys is not NULL, is pc_runctx_key(runs[i]) computed by the
 * caller (it is not computed again); NULL: computed here. */
void wh_verdicts_lookup(wh_verdicts *vc, const char *const *refs, const pc_runctx *const *runs,
                        const char *const *runkeys, size_t n, uint64_t deadline_ms, wh_lookup *out);
/* The same lookup from the caches alone, never waiting and starting
 * nothing: 0 when every reference has a cached verdict (out as
 * wh_verdicts_lookup fills it, counted as cache hits); 1 when one has
 * not (out is empty and nothing was counted: call wh_verdicts_lookup
 * where waiting is allowed). For the HTTP event loop, which must not
 * block. */
int wh_verdicts_lookup_cached(wh_verdicts *vc, const char *const *refs,
                              const pc_runctx *const *runs, const char *const *runkeys, size_t n,
                              wh_lookup *out);
void wh_lookup_release(wh_lookup *l);
/* Stop taking work, drop queued scans and wait up to wait_ms for running
 * ones. 0 when every worker has ended (then wh_verdicts_free is safe), -1
 * when some scan still runs (then the process should just exit). */
int wh_verdicts_stop(wh_verdicts *vc, uint64_t wait_ms);
void wh_verdicts_free(wh_verdicts *vc);

#endif
