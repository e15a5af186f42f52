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
    wh_vstore store; /* store.get NULL: nothing shared */
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
    const char *part[] = {digest, pc_ctx_policy_digest(vc->ctx), rd ? rd : "-", runkey};
    size_t len[4], total = 0;
    for (size_t i = 0; i < 4; i++)
        total += (len[i] = strlen(part[i])) + 1;
    if (total > n) { /* never with digests and a run key: truncated as before */
        snprintf(out, n, "%s|%s|%s|%s", part[0], part[1], part[2], part[3]);
        return;
    }
    /* "%s|%s|%s|%s" without snprintf's formatting, on every answer */
    for (size_t i = 0, at = 0; i < 4; at += len[i] + 1, i++) {
        memcpy(out + at, part[i], len[i]);
        out[at + len[i]] = i < 3 ? '|' : 0;
    }
}

#define KEY_MAX 384

/* Under the lock: the cached verdict for digest and run (a new
 * reference), or NULL. */
static wh_verdict *cached_locked(wh_verdicts *vc, const char *digest, const char *runkey)
{
    char key[KEY_MAX];
    cache_key(vc, digest, runkey, key, sizeof key);
    return verdict_ref(wh_strmap_get(&vc->verdicts, key, pc_now_ms()));
}

/* Under the lock: keep v for ttl_ms (at most the configured time). */
static void cache_put_locked(wh_verdicts *vc, const char *digest, const char *runkey, wh_verdict *v,
                             uint64_t ttl_ms)
{
    char key[KEY_MAX];
    if (!digest || !*digest)
        return;
    cache_key(vc, digest, runkey, key, sizeof key);
    if (ttl_ms > vc->cfg.ttl_ms)
        ttl_ms = vc->cfg.ttl_ms;
    if (wh_strmap_put(&vc->verdicts, key, verdict_ref(v), pc_now_ms() + ttl_ms) < 0)
        verdict_unref(v);
}

static void tag_put_locked(wh_verdicts *vc, const char *ref, const char *digest, uint64_t ttl_ms)
{
    char *d = digest ? strdup(digest) : NULL;
    if (ttl_ms > vc->cfg.tag_ttl_ms)
        ttl_ms = vc->cfg.tag_ttl_ms;
    if (d && wh_strmap_put(&vc->tags, ref, d, pc_now_ms() + ttl_ms) < 0)
        free(d);
}

/* Publish a finished scan: complete ones are cached under the digest the
 * reference resolved to and the platform manifest's digest. */
static void publish(wh_verdicts *vc, const char *ref, const char *runkey, wh_verdict *v, int pinned)
{
    const pc_result *r = v->res;
    int other = r->manifest_digest && (!r->digest || strcmp(r->manifest_digest, r->digest) != 0);
    if (r->scan_failed)
        return; /* asked again next time, here and on every replica */
    /* an exception that waived a finding ends: the verdict is not kept
     * past that second, here or on Redis */
    uint64_t ttl = vc->cfg.ttl_ms;
    if (r->waived_until) {
        long long left = r->waived_until - (long long)time(NULL);
        if (left <= 0)
            return; /* it ended during the scan: judged anew next time */
        if ((uint64_t)left < ttl / 1000)
            ttl = (uint64_t)left * 1000;
    }
    pthread_mutex_lock(&vc->mu);
    cache_put_locked(vc, r->digest, runkey, v, ttl);
    if (other)
        cache_put_locked(vc, r->manifest_digest, runkey, v, ttl);
    if (!pinned && r->digest)
        tag_put_locked(vc, ref, r->digest, vc->cfg.tag_ttl_ms);
    pthread_mutex_unlock(&vc->mu);
    if (!vc->store.get)
        return;
    char key[KEY_MAX];
    if (r->digest) {
        cache_key(vc, r->digest, runkey, key, sizeof key);
        vc->store.put(vc->store.ud, key, r, ttl);
    }
    if (other) {
        cache_key(vc, r->manifest_digest, runkey, key, sizeof key);
        vc->store.put(vc->store.ud, key, r, ttl);
    }
    if (!pinned && r->digest)
        vc->store.tag_put(vc->store.ud, ref, r->digest, vc->cfg.tag_ttl_ms);
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

/* --- the shared store (wh_vstore): other replicas' answers */

/* A verdict from the store, only when it is the one asked for: a
 * complete scan of this digest, under this policy, these rules and this
 * run. Kept in process too, for the time it has left there. */
static wh_verdict *shared_verdict(wh_verdicts *vc, const char *digest, const char *runkey,
                                  int count)
{
    char key[KEY_MAX];
    uint64_t ttl = 0;
    const char *rd = pc_ctx_rules_digest(vc->ctx);
    cache_key(vc, digest, runkey, key, sizeof key);
    pc_result *r = vc->store.get(vc->store.ud, key, &ttl);
    if (r &&
        (r->scan_failed || strcmp(r->run_key, runkey) != 0 ||
         strcmp(r->policy_digest, pc_ctx_policy_digest(vc->ctx)) != 0 ||
         (rd ? !r->rules_digest || strcmp(r->rules_digest, rd) != 0 : r->rules_digest != NULL) ||
         (strcmp(r->digest, digest) != 0 &&
          (!r->manifest_digest || strcmp(r->manifest_digest, digest) != 0)))) {
        pc_result_free(r);
        r = NULL;
    }
    if (count || r) /* a waiter's polls count once */
        atomic_fetch_add(r ? &vc->m->redis_verdict_hits : &vc->m->redis_verdict_misses, 1);
    wh_verdict *v = r ? verdict_new(r) : NULL;
    if (v) {
        pthread_mutex_lock(&vc->mu);
        cache_put_locked(vc, digest, runkey, v, ttl);
        pthread_mutex_unlock(&vc->mu);
    }
    return v;
}

/* The digest another replica resolved ref to, kept in process too. */
static int shared_tag(wh_verdicts *vc, const char *ref, char digest[72], int count)
{
    uint64_t ttl = 0;
    int hit = vc->store.tag_get(vc->store.ud, ref, digest, &ttl) == 1;
    if (count || hit)
        atomic_fetch_add(hit ? &vc->m->redis_tag_hits : &vc->m->redis_tag_misses, 1);
    if (hit) {
        pthread_mutex_lock(&vc->mu);
        tag_put_locked(vc, ref, digest, ttl);
        pthread_mutex_unlock(&vc->mu);
    }
    return hit;
}

/* What a waiter polls for: ref's digest (tag), or the verdict of digest
 * and runkey (v). */
typedef struct want {
    const char *ref, *digest, *runkey;
    char *tag;     /* [72]: the tag's digest when found */
    wh_verdict *v; /* the verdict when found */
    int probes;
} want;

static int probe(wh_verdicts *vc, want *w)
{
    int first = w->probes++ == 0;
    if (w->tag)
        return shared_tag(vc, w->ref, w->tag, first);
    return (w->v = shared_verdict(vc, w->digest, w->runkey, first)) != NULL;
}

static uint64_t lock_ttl(const wh_verdicts *vc)
{
    return vc->store.wait_ms > 1000 ? vc->store.wait_ms : 1000;
}

/* Another replica holds the lock name: poll for its answer with a growing
 * pause; when the lock comes free take it (*locked) and look once more
 * (the holder answers before it lets go). 1 when the answer came; 0: go
 * ahead here (with the lock, or after store.wait_ms without it: a holder
 * that died leaves a lock that expires). */
static int wait_other(wh_verdicts *vc, const char *name, want *w, int *locked)
{
    uint64_t until = pc_now_ms() + vc->store.wait_ms;
    long pause_ms = 10;
    while (pc_now_ms() < until) {
        struct timespec ts = {0, pause_ms * 1000000L};
        nanosleep(&ts, NULL);
        if (pause_ms < 250)
            pause_ms *= 2;
        if (probe(vc, w))
            return 1;
        if ((*locked = vc->store.lock(vc->store.ud, name, lock_ttl(vc))))
            return probe(vc, w);
    }
    return 0;
}

/* Ask the store, else take its lock for name or wait for the holder's
 * answer. 1: w has the answer; 0: work it out here (*locked: release name
 * afterwards). */
static int from_store(wh_verdicts *vc, const char *name, want *w, int *locked)
{
    *locked = 0;
    if (probe(vc, w))
        return 1;
    if ((*locked = vc->store.lock(vc->store.ud, name, lock_ttl(vc))))
        return probe(vc, w);
    return wait_other(vc, name, w, locked);
}

/* The lock names: "tag|REF" while a replica resolves REF, "verdict|KEY"
 * while one scans for the verdict cache's KEY. NULL when too long. */
static const char *lock_name(const wh_verdicts *vc, const char *ref, const char *digest,
                             const char *runkey, char *out, size_t n)
{
    char key[KEY_MAX];
    if (!digest)
        return snprintf(out, n, "tag|%s", ref) < (int)n ? out : NULL;
    cache_key(vc, digest, runkey, key, sizeof key);
    return snprintf(out, n, "verdict|%s", key) < (int)n ? out : NULL;
}

static void unlock_if(wh_verdicts *vc, const char *name, int *locked)
{
    if (*locked && name)
        vc->store.unlock(vc->store.ud, name);
    *locked = 0;
}

/* --- a job */

/* The digest ref names, without the registry when a cache knows it: the
 * tag cache, the store, or another replica resolving it now. 1 known; 0
 * resolve it (*locked: the tag's lock is held, name). */
static int known_digest(wh_verdicts *vc, const char *ref, char digest[72], const char *name,
                        int *locked)
{
    *locked = 0;
    pthread_mutex_lock(&vc->mu);
    const char *d = wh_strmap_get(&vc->tags, ref, pc_now_ms());
    int have = d && strlen(d) < 72;
    if (have)
        memcpy(digest, d, strlen(d) + 1);
    pthread_mutex_unlock(&vc->mu);
    if (have || !vc->store.get || !name)
        return have;
    want w = {.ref = ref, .tag = digest};
    return from_store(vc, name, &w, locked);
}

static wh_verdict *failed(wh_verdicts *vc, const char *ref, const char *err)
{
    wh_verdict *v = verdict_new(pc_result_failed(vc->ctx, ref, err));
    if (v)
        count_scan(vc, v->res, 0);
    return v;
}

/* Resolve, reuse a cached verdict for the digest, else scan. digest_out
 * gets what the reference resolved to ("" when it did not). With a
 * store, one replica resolves a tag and one scans a digest while the
 * others wait for their answers. */
static wh_verdict *run_job(wh_verdicts *vc, const job *j, char digest_out[72])
{
    const char *ref = j->ref;
    char digest[72], err[1024], tname[KEY_MAX + 8], vname[KEY_MAX + 16];
    const char *tn = NULL, *vn = NULL;
    int pinned = pinned_digest(ref, digest), tlocked = 0, vlocked = 0;
    digest_out[0] = 0;
    if (!pinned) {
        tn = lock_name(vc, ref, NULL, NULL, tname, sizeof tname);
        if (!known_digest(vc, ref, digest, tn, &tlocked)) {
            if (pc_resolve(vc->ctx, ref, digest, err, sizeof err) < 0) {
                unlock_if(vc, tn, &tlocked);
                return failed(vc, ref, err);
            }
            digest[71] = 0;
            pthread_mutex_lock(&vc->mu);
            tag_put_locked(vc, ref, digest, vc->cfg.tag_ttl_ms);
            pthread_mutex_unlock(&vc->mu);
            if (vc->store.get)
                vc->store.tag_put(vc->store.ud, ref, digest, vc->cfg.tag_ttl_ms);
        }
    }
    pthread_mutex_lock(&vc->mu);
    wh_verdict *v = cached_locked(vc, digest, j->runkey);
    pthread_mutex_unlock(&vc->mu);
    if (!v && vc->store.get && (vn = lock_name(vc, ref, digest, j->runkey, vname, sizeof vname))) {
        want w = {.digest = digest, .runkey = j->runkey};
        if (from_store(vc, vn, &w, &vlocked))
            v = w.v;
    }
    unlock_if(vc, tn, &tlocked); /* after the verdict's lock: waiters see one holder throughout */
    atomic_fetch_add(v ? &vc->m->cache_hits : &vc->m->cache_misses, 1);
    if (v) {
        memcpy(digest_out, digest, 72);
        return v; /* the tag had expired, the digest had not moved; or another replica's */
    }
    atomic_fetch_add(&vc->m->scans_started, 1);
    uint64_t t0 = pc_now_ms();
    pc_result *r = pc_scan_run(vc->ctx, ref, &j->run);
    v = verdict_new(r ? r : pc_result_failed(vc->ctx, ref, "out of memory"));
    if (v) {
        count_scan(vc, v->res, pc_now_ms() - t0);
        publish(vc, ref, j->runkey, v, pinned);
        scanned_digest(v->res, digest, digest_out);
    }
    unlock_if(vc, vn, &vlocked); /* after publishing: a waiter finds the verdict */
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
/* The run key of run: given_key (the caller's pc_runctx_key of run)
 * copied, or computed when NULL. */
static int run_key(const pc_runctx *run, const char *given_key, char runkey[72])
{
    if (!given_key)
        return pc_runctx_key(run, runkey);
    size_t n = strlen(given_key);
    if (n >= 72)
        return -1;
    memcpy(runkey, given_key, n + 1);
    return 0;
}

static void start_one_locked(wh_verdicts *vc, const char *ref, const pc_runctx *run,
                             const char *given_key, wh_lookup *out)
{
    char digest[72], runkey[72], key[KEY_MAX];
    if (run_key(run, given_key, runkey) < 0 ||
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
                                      const char *given_key, char digest[72], int *tag_hit)
{
    char runkey[72];
    *tag_hit = 0;
    if (run_key(run, given_key, runkey) < 0)
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
                              const pc_runctx *const *runs, const char *const *runkeys, size_t n,
                              wh_lookup *out)
{
    size_t i, tag_hits = 0;
    pthread_mutex_lock(&vc->mu);
    for (i = 0; i < n; i++) {
        int tag_hit;
        memset(&out[i], 0, sizeof out[i]);
        out[i].v = cached_only_locked(vc, refs[i], runs ? runs[i] : NULL,
                                      runkeys ? runkeys[i] : NULL, out[i].digest, &tag_hit);
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
                        const char *const *runkeys, size_t n, uint64_t deadline_ms, wh_lookup *out)
{
    struct timespec ts;
    deadline_ts(deadline_ms, &ts);
    pthread_mutex_lock(&vc->mu);
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        start_one_locked(vc, refs[i], runs ? runs[i] : NULL, runkeys ? runkeys[i] : NULL, &out[i]);
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
    if (!vc->cfg.ttl_ms)
        vc->cfg.ttl_ms = UINT64_C(86400000);
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

void wh_verdicts_set_store(wh_verdicts *vc, const wh_vstore *store)
{
    memset(&vc->store, 0, sizeof vc->store);
    if (store && store->tag_get && store->tag_put && store->get && store->put && store->lock &&
        store->unlock)
        vc->store = *store;
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
