/*
 * verdicts.h — verdicts for image references: cached, shared, and never
 * waited for past a deadline.
 *
 * A lookup first tries the caches (reference → digest for tags, with a
 * short TTL because tags move; digest → verdict, keyed by digest, policy
 * digest and rules digest). Otherwise it joins the scan already in flight
 * for that reference, or queues one for the bounded pool of scan workers,
 * and waits for it until the caller's deadline. A scan that outlives the
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
} wh_verdicts_cfg;

int wh_verdicts_new(const pc_ctx *ctx, const wh_verdicts_cfg *cfg, wh_metrics *m, wh_verdicts **out,
                    char *err, size_t errlen);
/* Look up n references at once (their scans run in parallel) and wait for
 * them until deadline_ms (pc_now_ms clock). out[i] answers refs[i] run as
 * runs[i] (runs NULL, or runs[i] NULL: as the image's config says; the
 * run context is copied, and its subject is not part of the cache key, so
 * leave it NULL: a cached verdict may answer another workload). */
void wh_verdicts_lookup(wh_verdicts *vc, const char *const *refs, const pc_runctx *const *runs,
                        size_t n, uint64_t deadline_ms, wh_lookup *out);
/* The same lookup from the caches alone, never waiting and starting
 * nothing: 0 when every reference has a cached verdict (out as
 * wh_verdicts_lookup fills it, counted as cache hits); 1 when one has
 * not (out is empty and nothing was counted: call wh_verdicts_lookup
 * where waiting is allowed). For the HTTP event loop, which must not
 * block. */
int wh_verdicts_lookup_cached(wh_verdicts *vc, const char *const *refs,
                              const pc_runctx *const *runs, size_t n, wh_lookup *out);
void wh_lookup_release(wh_lookup *l);
/* Stop taking work, drop queued scans and wait up to wait_ms for running
 * ones. 0 when every worker has ended (then wh_verdicts_free is safe), -1
 * when some scan still runs (then the process should just exit). */
int wh_verdicts_stop(wh_verdicts *vc, uint64_t wait_ms);
void wh_verdicts_free(wh_verdicts *vc);

#endif
