/*
 * verdicts.c — see verdicts.h.
 *
 * One mutex guards three maps and a queue:
 *   verdicts  "DIGEST|POLICY-DIGEST|RULES-DIGEST|RUN-KEY" → wh_verdict
 *             (the map holds a reference); only complete scans go in, so
 *             a registry that was down is asked again next time; the run
 *             key (pc_runctx_key) binds a verdict to the run it judged: a
 *             verdict for one securityContext is not one for another;
 *   tags      reference → digest, expiring after tag_ttl_ms;
 *   inflight  "REFERENCE|RUN-KEY" → job, for scans queued or running; a
 *             job leaves it the moment it is done, so later lookups find
 *             the cache.
 * A job is shared by the requests waiting for it, the inflight map and
 * the worker; its count is only touched under the mutex. Workers run the
 * job without the lock: resolve the reference (no layer read), and if the
 * digest's verdict is cached take that, else pc_scan. Waiters sleep on one
 * condition variable (monotonic clock) that is broadcast whenever a job
 * ends, and give up at their deadline.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "strmap.h"
#include "verdicts.h"
#include "pcx.h"

struct wh_verdict {
    _Atomic unsigned refs;
    pc_result *res;
};

typedef struct job {
    char *ref;
    char *key;     /* its inflight key, "REF|RUN-KEY" */
    pc_runctx run; /* a copy: the request that asked may be gone */
    char runkey[72];
    unsigned refs; /* under wh_verdicts.mu */
    int done;
    wh_verdict *v;   /* when done: the job's reference; NULL when dropped at stop */
    char digest[72]; /* when done: what ref resolved to (and was scanned), or "" */
    struct job *next;
} job;

struct wh_verdicts {
    const pc_ctx *ctx;
    wh_verdicts_cfg cfg;
    wh_metrics *m;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    wh_strmap verdicts, tags, inflight;
    job *qhead, *qtail;
    unsigned qlen;
    pthread_t *threads;
    unsigned nthreads;
    int stopping;
};

const pc_result *wh_verdict_result(const wh_verdict *v)
{
    return v ? v->res : NULL;
}

static wh_verdict *verdict_ref(wh_verdict *v)
{
    if (v)
        atomic_fetch_add(&v->refs, 1);
    return v;
}

static void verdict_unref(void *p)
{
    wh_verdict *v = p;
    if (v && atomic_fetch_sub(&v->refs, 1) == 1) {
        pc_result_free(v->res);
        free(v);
    }
}

static wh_verdict *verdict_new(pc_result *res)
{
    wh_verdict *v = res ? malloc(sizeof *v) : NULL;
    if (!v) {
        pc_result_free(res);
        return NULL;
    }
    atomic_init(&v->refs, 1);
    v->res = res;
    return v;
}

/* "sha256:<64 hex>" after '@' when the reference is pinned. */
static int pinned_digest(const char *ref, char out[72])
{
    const char *at = strrchr(ref, '@');
    if (!at || strncmp(at + 1, "sha256:", 7) != 0 || strlen(at + 8) != 64 ||
        strspn(at + 8, "0123456789abcdef") != 64)
        return 0;
    memcpy(out, at + 1, 72);
    return 1;
}

static void cache_key(const wh_verdicts *vc, const char *digest, const char *runkey, char *out,
                      size_t n)
{
    const char *rd = pc_ctx_rules_digest(vc->ctx);
    snprintf(out, n, "%s|%s|%s|%s", digest, pc_ctx_policy_digest(vc->ctx), rd ? rd : "-", runkey);
}

#define KEY_MAX 384

/* Under the lock: the cached verdict for digest and run (a new
 * reference), or NULL. */
static wh_verdict *cached_locked(wh_verdicts *vc, const char *digest, const char *runkey)
{
    char key[KEY_MAX];
    cache_key(vc, digest, runkey, key, sizeof key);
    return verdict_ref(wh_strmap_get(&vc->verdicts, key, 0));
}

static void cache_put_locked(wh_verdicts *vc, const char *digest, const char *runkey, wh_verdict *v)
{
    char key[KEY_MAX];
    if (!digest || !*digest)
        return;
    cache_key(vc, digest, runkey, key, sizeof key);
    if (wh_strmap_put(&vc->verdicts, key, verdict_ref(v), 0) < 0)
        verdict_unref(v);
}

static void tag_put_locked(wh_verdicts *vc, const char *ref, const char *digest)
{
    char *d = digest ? strdup(digest) : NULL;
    if (d && wh_strmap_put(&vc->tags, ref, d, pc_now_ms() + vc->cfg.tag_ttl_ms) < 0)
        free(d);
}

/* Publish a finished scan: complete ones are cached under the digest the
 * reference resolved to and the platform manifest's digest. */
static void publish(wh_verdicts *vc, const char *ref, const char *runkey, wh_verdict *v, int pinned)
{
    const pc_result *r = v->res;
    pthread_mutex_lock(&vc->mu);
    if (!r->scan_failed) {
        cache_put_locked(vc, r->digest, runkey, v);
        if (r->manifest_digest && (!r->digest || strcmp(r->manifest_digest, r->digest) != 0))
            cache_put_locked(vc, r->manifest_digest, runkey, v);
        if (!pinned && r->digest)
            tag_put_locked(vc, ref, r->digest);
    }
    pthread_mutex_unlock(&vc->mu);
}

static void count_scan(wh_verdicts *vc, const pc_result *r, uint64_t ms)
{
    wh_metrics_scan_done(vc->m, ms);
    unsigned cached = r->stats.cached_layers;
    atomic_fetch_add(&vc->m->facts_hits, cached);
    atomic_fetch_add(&vc->m->facts_misses, r->stats.layers > cached ? r->stats.layers - cached : 0);
    if (r->would_deny)
        atomic_fetch_add(&vc->m->scans_would_deny, 1);
    if (r->scan_failed) {
        atomic_fetch_add(&vc->m->scans_error, 1);
        wh_metrics_error(vc->m, WH_ERR_SCAN);
    } else if (r->denied) {
        atomic_fetch_add(&vc->m->scans_deny, 1);
    } else {
        atomic_fetch_add(&vc->m->scans_allow, 1);
    }
}

/* The digest a finished scan stands for: the one it resolved and scanned
 * (the tag may have moved since pc_resolve), else the one resolved. */
static void scanned_digest(const pc_result *r, const char *resolved, char out[72])
{
    const char *d =
        r && !r->scan_failed && r->digest && strlen(r->digest) < 72 ? r->digest : resolved;
    snprintf(out, 72, "%s", d);
}

/* Resolve, reuse a cached verdict for the digest, else scan. digest_out
 * gets what the reference resolved to ("" when it did not). */
static wh_verdict *run_job(wh_verdicts *vc, const job *j, char digest_out[72])
{
    const char *ref = j->ref;
    char digest[72], err[1024];
    int pinned = pinned_digest(ref, digest);
    digest_out[0] = 0;
    if (!pinned && pc_resolve(vc->ctx, ref, digest, err, sizeof err) < 0) {
        wh_verdict *v = verdict_new(pc_result_failed(vc->ctx, ref, err));
        if (v)
            count_scan(vc, v->res, 0);
        return v;
    }
    digest[71] = 0;
    pthread_mutex_lock(&vc->mu);
    if (!pinned)
        tag_put_locked(vc, ref, digest);
    wh_verdict *v = cached_locked(vc, digest, j->runkey);
    pthread_mutex_unlock(&vc->mu);
    atomic_fetch_add(v ? &vc->m->cache_hits : &vc->m->cache_misses, 1);
    if (v) {
        memcpy(digest_out, digest, 72);
        return v; /* the tag had expired, the digest had not moved */
    }
    atomic_fetch_add(&vc->m->scans_started, 1);
    uint64_t t0 = pc_now_ms();
    pc_result *r = pc_scan_run(vc->ctx, ref, &j->run);
    v = verdict_new(r ? r : pc_result_failed(vc->ctx, ref, "out of memory"));
    if (!v)
        return NULL;
    count_scan(vc, v->res, pc_now_ms() - t0);
    publish(vc, ref, j->runkey, v, pinned);
    scanned_digest(v->res, digest, digest_out);
    return v;
}

static void job_unref_locked(job *j)
{
    if (--j->refs == 0) {
        verdict_unref(j->v);
        free(j->ref);
        free(j->key);
        pc_runctx_free(&j->run);
        free(j);
    }
}

/* Under the lock: the job is over (v may be NULL); wake its waiters. */
static void job_finish_locked(wh_verdicts *vc, job *j, wh_verdict *v)
{
    j->v = v;
    j->done = 1;
    if (wh_strmap_get(&vc->inflight, j->key, 0) == j) {
        wh_strmap_take(&vc->inflight, j->key);
        j->refs--; /* the map's reference; never the last, the caller holds one */
    }
    pthread_cond_broadcast(&vc->done);
}

static void *worker_main(void *arg)
{
    wh_verdicts *vc = arg;
    pthread_mutex_lock(&vc->mu);
    for (;;) {
        while (!vc->stopping && !vc->qhead)
            pthread_cond_wait(&vc->work, &vc->mu);
        if (vc->stopping)
            break;
        job *j = vc->qhead;
        vc->qhead = j->next;
        if (!vc->qhead)
            vc->qtail = NULL;
        vc->qlen--;
        atomic_fetch_sub(&vc->m->scans_queued, 1);
        atomic_fetch_add(&vc->m->scans_in_flight, 1);
        pthread_mutex_unlock(&vc->mu);
        char digest[72];
        wh_verdict *v = run_job(vc, j, digest);
        pthread_mutex_lock(&vc->mu);
        memcpy(j->digest, digest, sizeof j->digest);
        atomic_fetch_sub(&vc->m->scans_in_flight, 1);
        job_finish_locked(vc, j, v);
        job_unref_locked(j); /* the queue's reference, carried by this worker */
    }
    pthread_mutex_unlock(&vc->mu);
    return NULL;
}

/* Under the lock: a new job for ref run as run (NULL: as its config
 * says), in the map under key and in the queue, with one reference for
 * the caller. NULL when busy or out of memory. */
static job *enqueue_locked(wh_verdicts *vc, const char *ref, const pc_runctx *run,
                           const char *runkey, const char *key)
{
    if (vc->stopping || vc->qlen >= vc->cfg.max_queue)
        return NULL;
    job *j = calloc(1, sizeof *j);
    if (j)
        pc_runctx_init(&j->run);
    if (!j || !(j->ref = strdup(ref)) || !(j->key = strdup(key)) ||
        (run && pc_runctx_copy(&j->run, run) < 0) || wh_strmap_put(&vc->inflight, key, j, 0) < 0) {
        if (j) {
            free(j->ref);
            free(j->key);
            pc_runctx_free(&j->run);
        }
        free(j);
        return NULL;
    }
    memcpy(j->runkey, runkey, sizeof j->runkey);
    j->refs = 3; /* map, queue/worker, caller */
    if (vc->qtail)
        vc->qtail->next = j;
    else
        vc->qhead = j;
    vc->qtail = j;
    vc->qlen++;
    atomic_fetch_add(&vc->m->scans_queued, 1);
    pthread_cond_signal(&vc->work);
    return j;
}

/* Under the lock: answer from the caches, or attach to a job. */
static void start_one_locked(wh_verdicts *vc, const char *ref, const pc_runctx *run, wh_lookup *out)
{
    char digest[72], runkey[72], key[KEY_MAX];
    if (pc_runctx_key(run, runkey) < 0 ||
        snprintf(key, sizeof key, "%s|%s", ref, runkey) >= (int)sizeof key) {
        out->state = WH_LK_BUSY; /* out of memory, or a reference past any limit: deny */
        return;
    }
    int have = pinned_digest(ref, digest);
    if (!have) {
        const char *d = wh_strmap_get(&vc->tags, ref, pc_now_ms());
        atomic_fetch_add(d ? &vc->m->tag_hits : &vc->m->tag_misses, 1);
        if (d && strlen(d) < sizeof digest) {
            memcpy(digest, d, strlen(d) + 1);
            have = 1;
        }
    }
    if (have && (out->v = cached_locked(vc, digest, runkey))) {
        out->state = WH_LK_DONE;
        out->cached = 1;
        memcpy(out->digest, digest, sizeof out->digest);
        atomic_fetch_add(&vc->m->cache_hits, 1);
        return;
    }
    job *j = wh_strmap_get(&vc->inflight, key, 0);
    if (j) {
        j->refs++;
        out->joined = 1;
        atomic_fetch_add(&vc->m->scan_joins, 1);
    } else if (!(j = enqueue_locked(vc, ref, run, runkey, key))) {
        out->state = WH_LK_BUSY;
        atomic_fetch_add(&vc->m->queue_full, 1);
        return;
    }
    out->job = j;
    out->state = WH_LK_PENDING;
}

/* Under the lock: the cached verdict for ref run as run (a new
 * reference, with its digest; the tag cache counted when consulted), or
 * NULL with nothing counted. */
static wh_verdict *cached_only_locked(wh_verdicts *vc, const char *ref, const pc_runctx *run,
                                      char digest[72], int *tag_hit)
{
    char runkey[72];
    *tag_hit = 0;
    if (pc_runctx_key(run, runkey) < 0)
        return NULL;
    if (!pinned_digest(ref, digest)) {
        const char *d = wh_strmap_get(&vc->tags, ref, pc_now_ms());
        if (!d || strlen(d) >= 72)
            return NULL;
        memcpy(digest, d, strlen(d) + 1);
        *tag_hit = 1;
    }
    return cached_locked(vc, digest, runkey);
}

int wh_verdicts_lookup_cached(wh_verdicts *vc, const char *const *refs,
                              const pc_runctx *const *runs, size_t n, wh_lookup *out)
{
    size_t i, tag_hits = 0;
    pthread_mutex_lock(&vc->mu);
    for (i = 0; i < n; i++) {
        int tag_hit;
        memset(&out[i], 0, sizeof out[i]);
        out[i].v = cached_only_locked(vc, refs[i], runs ? runs[i] : NULL, out[i].digest, &tag_hit);
        if (!out[i].v)
            break;
        out[i].state = WH_LK_DONE;
        out[i].cached = 1;
        tag_hits += (size_t)tag_hit;
    }
    pthread_mutex_unlock(&vc->mu);
    if (i < n) { /* one is not cached: as if nothing had been looked up */
        for (size_t k = 0; k <= i && k < n; k++)
            wh_lookup_release(&out[k]);
        memset(out, 0, n * sizeof *out);
        return 1;
    }
    atomic_fetch_add(&vc->m->cache_hits, n);
    atomic_fetch_add(&vc->m->tag_hits, tag_hits);
    return 0;
}

static void deadline_ts(uint64_t ms, struct timespec *ts)
{
    ts->tv_sec = (time_t)(ms / 1000);
    ts->tv_nsec = (long)(ms % 1000) * 1000000L;
}

void wh_verdicts_lookup(wh_verdicts *vc, const char *const *refs, const pc_runctx *const *runs,
                        size_t n, uint64_t deadline_ms, wh_lookup *out)
{
    struct timespec ts;
    deadline_ts(deadline_ms, &ts);
    pthread_mutex_lock(&vc->mu);
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        start_one_locked(vc, refs[i], runs ? runs[i] : NULL, &out[i]);
    }
    for (size_t i = 0; i < n; i++) {
        job *j = out[i].job;
        if (!j)
            continue;
        while (!j->done && pc_now_ms() < deadline_ms)
            if (pthread_cond_timedwait(&vc->done, &vc->mu, &ts) == ETIMEDOUT)
                break;
        if (j->done && j->v) {
            out[i].state = WH_LK_DONE;
            out[i].v = verdict_ref(j->v);
            memcpy(out[i].digest, j->digest, sizeof out[i].digest);
        } else {
            out[i].state = j->done ? WH_LK_BUSY : WH_LK_PENDING;
            atomic_fetch_add(j->done ? &vc->m->queue_full : &vc->m->deadline_exceeded, 1);
        }
        out[i].job = NULL;
        job_unref_locked(j);
    }
    pthread_mutex_unlock(&vc->mu);
}

void wh_lookup_release(wh_lookup *l)
{
    verdict_unref(l->v);
    l->v = NULL;
}

static void str_free(void *p)
{
    free(p);
}

static int init_sync(wh_verdicts *vc)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return -1;
    int rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (rc == 0 && (rc = pthread_cond_init(&vc->done, &ca)) == 0 &&
        (rc = pthread_cond_init(&vc->work, NULL)) != 0)
        pthread_cond_destroy(&vc->done);
    pthread_condattr_destroy(&ca);
    if (rc == 0 && pthread_mutex_init(&vc->mu, NULL) != 0) {
        pthread_cond_destroy(&vc->done);
        pthread_cond_destroy(&vc->work);
        rc = -1;
    }
    return rc == 0 ? 0 : -1;
}

static int init_maps(wh_verdicts *vc)
{
    size_t inflight = (size_t)vc->cfg.max_queue + vc->cfg.workers + 1;
    if (wh_strmap_init(&vc->verdicts, vc->cfg.cache_entries, verdict_unref) < 0 ||
        wh_strmap_init(&vc->tags, vc->cfg.cache_entries, str_free) < 0 ||
        wh_strmap_init(&vc->inflight, inflight, NULL) < 0)
        return -1;
    return 0;
}

int wh_verdicts_new(const pc_ctx *ctx, const wh_verdicts_cfg *cfg, wh_metrics *m, wh_verdicts **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    if (cfg->workers == 0 || cfg->workers > 256 || cfg->max_queue == 0 || cfg->max_queue > 65536 ||
        cfg->cache_entries == 0 || cfg->cache_entries > 1000000) {
        snprintf(err, errlen, "scan workers 1-256, queue 1-65536, cache entries 1-1000000");
        return -1;
    }
    wh_verdicts *vc = calloc(1, sizeof *vc);
    if (!vc || init_sync(vc) < 0) {
        free(vc);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    vc->ctx = ctx;
    vc->cfg = *cfg;
    vc->m = m;
    vc->threads = calloc(cfg->workers, sizeof *vc->threads);
    if (!vc->threads || init_maps(vc) < 0) {
        wh_verdicts_free(vc);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (; vc->nthreads < cfg->workers; vc->nthreads++)
        if (pthread_create(&vc->threads[vc->nthreads], NULL, worker_main, vc) != 0) {
            snprintf(err, errlen, "cannot start scan worker %u", vc->nthreads);
            if (wh_verdicts_stop(vc, 10000) == 0) /* idle workers end at once */
                wh_verdicts_free(vc);
            return -1;
        }
    *out = vc;
    return 0;
}

int wh_verdicts_stop(wh_verdicts *vc, uint64_t wait_ms)
{
    pthread_mutex_lock(&vc->mu);
    vc->stopping = 1;
    while (vc->qhead) { /* queued scans never start; their waiters hear "busy" */
        job *j = vc->qhead;
        vc->qhead = j->next;
        vc->qlen--;
        atomic_fetch_sub(&vc->m->scans_queued, 1);
        job_finish_locked(vc, j, NULL);
        job_unref_locked(j);
    }
    vc->qtail = NULL;
    pthread_cond_broadcast(&vc->work);
    pthread_mutex_unlock(&vc->mu);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(wait_ms / 1000);
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    int rc = 0;
    while (vc->nthreads > 0) {
        if (pthread_timedjoin_np(vc->threads[vc->nthreads - 1], NULL, &ts) != 0) {
            rc = -1;
            break;
        }
        vc->nthreads--;
    }
    return rc;
}

void wh_verdicts_free(wh_verdicts *vc)
{
    if (!vc)
        return;
    wh_strmap_free(&vc->verdicts);
    wh_strmap_free(&vc->tags);
    wh_strmap_free(&vc->inflight);
    free(vc->threads);
    pthread_mutex_destroy(&vc->mu);
    pthread_cond_destroy(&vc->work);
    pthread_cond_destroy(&vc->done);
    free(vc);
}
