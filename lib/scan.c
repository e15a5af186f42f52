/*
 * scan.c — one image, start to verdict, in the one direction docs/architecture.md
 * draws: source → manifest + config → layer streams → layer facts → fs
 * view → checks → findings → verdict (the policy, applied last: verdict/).
 * The stages before the verdict see the scan profile (limits, YARA knobs)
 * and the run (the sandbox), never the policy.
 *
 * Anything that stops the pipeline becomes a single scan-error finding:
 * findings from a half-read image are never reported as if they were the
 * whole truth.
 */
#include <pthread.h>
#include <time.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "check/check.h"
#include "cache/spill.h"
#include "ctx.h"
#include "layer/layer.h"
#include "fs/passwd.h"
#include "source/source.h"
#include "pcx.h"
#include "runctx.h"
#include "verdict/verdict.h"
#include "view.h"
#include "yara/yara_scan.h"

typedef struct scan_state {
    const pc_ctx *ctx;
    const pc_source_ops *ops;
    void *src;
    pc_image img;
    pc_imgconfig cfg;
    pc_fsview fs;
    pc_layer_facts *facts;
    /* A layer walked from its blob waits for the view in the spill, not in
     * memory, when there are other layers to read (spilled[i] set before
     * done[i]). */
    pc_spill spill;
    pc_spill_ref *spill_refs;
    unsigned char *spilled;
    const char **layer_digests;
    _Atomic int *done; /* per layer: its facts are complete and verified */
    _Atomic uint64_t files, bytes;
    _Atomic size_t next;
    _Atomic unsigned cached;
    _Atomic unsigned walks; /* layers read from their blobs (not from a cache) */
    _Atomic int stop;
    /* a worker that completes a layer (or stops) signals the applier */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t exited; /* workers that have returned (under mu) */
    uint64_t deadline;
    pc_yara_pool *ypool;         /* the workers' one big YARA buffer */
    pc_layer_facts refetched[2]; /* layers read again for /etc/passwd and /etc/group bytes */
} scan_state;

static void fill_ids(pc_result *r, const pc_image *img)
{
    char plat[128];
    r->digest = img->digest[0] ? pc_strdup(img->digest) : NULL;
    r->manifest_digest = img->manifest_digest[0] ? pc_strdup(img->manifest_digest) : NULL;
    r->config_digest = img->config_digest[0] ? pc_strdup(img->config_digest) : NULL;
    pc_platform_format(&img->platform, plat, sizeof plat);
    r->platform = pc_strdup(plat);
}

static int open_source(scan_state *s, const char *ref, pc_result *r, pc_err *e)
{
    const char *spec;
    const pc_ctx *c = s->ctx;
    pc_source_cfg scfg;
    pc_ctx_source_cfg(c, s->deadline, c->progress, &scfg);
    if (pc_source_lookup(ref, &s->ops, &spec, e) < 0)
        return -1;
    if (s->ops->open(spec, &scfg, &s->src, e) < 0) {
        s->src = NULL;
        return -1;
    }
    if (s->ops->resolve(s->src, &s->img, e) < 0)
        return -1;
    fill_ids(r, &s->img);
    return pc_imgconfig_parse(s->img.config, s->img.config_len, &s->cfg, e);
}

/* One worker walks whole layers, taking the next index until none is
 * left or another worker failed. Content visitors (YARA) are per worker. */
typedef struct worker {
    scan_state *s;
    pthread_t tid;
    pc_err err;
    int failed;
} worker;

/* Cached facts still count against the image's limits. */
static int count_cached(scan_state *s, const pc_layer_facts *f, pc_err *e)
{
    const pc_limits *l = &s->ctx->profile->limits;
    if (atomic_fetch_add(&s->files, f->nentries) + f->nentries > l->max_files)
        return pc_err_set(e, "image has more than %llu entries (limits.max_files)",
                          (unsigned long long)l->max_files);
    if (atomic_fetch_add(&s->bytes, f->bytes) + f->bytes > l->max_image_bytes)
        return pc_err_set(e,
                          "image uncompressed size exceeds the limit of %llu bytes "
                          "(limits.max_image_bytes)",
                          (unsigned long long)l->max_image_bytes);
    return 0;
}

/* The layer's uncompressed digest, read now or when it was cached, must
 * be the config's rootfs.diff_ids[i]: containerd's unpacker refuses a
 * layer otherwise ("wrong diff id calculated on extraction"). */
static int check_diff_id(const pc_layer_desc *ld, size_t i, const pc_layer_facts *f, pc_err *e)
{
    if (!ld->diff_id)
        return pc_err_set(e, "layer %s: the config names no rootfs.diff_ids[%zu]", ld->d.digest, i);
    if (strcmp(f->diff_id, ld->diff_id) != 0)
        return pc_err_set(e,
                          "layer %s: uncompressed digest %s does not match the config's "
                          "rootfs.diff_ids[%zu] %s",
                          ld->d.digest, f->diff_id[0] ? f->diff_id : "(none)", i, ld->diff_id);
    return 0;
}

/* The shared store's entry for the layer, checked as a cache file is;
 * kept in the local cache too. 1 hit, 0 miss. */
static int store_get(scan_state *s, const char *key, const pc_layer_desc *ld, pc_decode_class cls,
                     pc_layer_facts *f)
{
    const pc_facts_store *fs = &s->ctx->store;
    size_t n = 0;
    unsigned char *p = fs->get(fs->ud, key, &n);
    int hit = p && pc_cache_entry_decode(p, n, ld->d.digest, cls, s->ctx->facts_key, f);
    free(p);
    if (hit && s->ctx->cache.dir) {
        pc_err ignored;
        pc_cache_put(&s->ctx->cache, cls, s->ctx->facts_key, f, &ignored); /* optional */
    }
    return hit;
}

/* Another process holds the layer's lock: wait for its entry, at most
 * store.wait_ms; 1 when it came. 0: walk it here (*locked when the lock
 * came free: the holder failed or its lock expired). */
static int store_wait(scan_state *s, const char *key, uint64_t ttl, const pc_layer_desc *ld,
                      pc_decode_class cls, pc_layer_facts *f, int *locked)
{
    const pc_facts_store *fs = &s->ctx->store;
    uint64_t until = pc_now_ms() + fs->wait_ms;
    while (pc_now_ms() < until) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (store_get(s, key, ld, cls, f))
            return 1;
        if ((*locked = fs->lock(fs->ud, key, ttl)))
            return store_get(s, key, ld, cls, f); /* put just before its unlock? */
    }
    return 0;
}

static int from_cache(scan_state *s, size_t i, pc_err *e)
{
    atomic_fetch_add(&s->cached, 1);
    if (check_diff_id(&s->img.layers[i], i, &s->facts[i], e) < 0)
        return -1;
    return count_cached(s, &s->facts[i], e);
}

static int walk_one(scan_state *s, size_t i, pc_walk_cfg *w, pc_err *e)
{
    const pc_layer_desc *ld = &s->img.layers[i];
    const pc_cache *cache = s->ctx->cache.dir ? &s->ctx->cache : NULL;
    const pc_facts_store *fs = s->ctx->store.get ? &s->ctx->store : NULL;
    pc_decode_class cls = pc_layer_decode_class(ld->d.media_type);
    pc_stream *st = NULL;
    pc_err ignored;
    char key[65];
    int locked = 0;
    if (cache && pc_cache_get(cache, ld->d.digest, cls, s->ctx->facts_key, &s->facts[i]))
        return from_cache(s, i, e);
    if (fs) {
        pc_cache_key(ld->d.digest, cls, s->ctx->facts_key, key);
        if (store_get(s, key, ld, cls, &s->facts[i]))
            return from_cache(s, i, e);
        /* one process walks a layer, the others wait for its facts */
        uint64_t ttl = s->ctx->profile->limits.timeout_seconds
                           ? s->ctx->profile->limits.timeout_seconds * UINT64_C(1000)
                           : UINT64_C(600000);
        locked = fs->lock(fs->ud, key, ttl);
        /* the holder may have put the entry and unlocked between the miss
         * above and this lock: look again before walking it a second time */
        if (locked && store_get(s, key, ld, cls, &s->facts[i])) {
            fs->unlock(fs->ud, key);
            return from_cache(s, i, e);
        }
        if (!locked && store_wait(s, key, ttl, ld, cls, &s->facts[i], &locked)) {
            if (locked)
                fs->unlock(fs->ud, key);
            return from_cache(s, i, e);
        }
    }
    int rc = -1;
    atomic_fetch_add(&s->walks, 1);
    if (s->ops->open_layer(s->src, ld, &st, e) < 0) {
        pc_err_prefix(e, "layer %s", ld->d.digest);
        goto out;
    }
    if (pc_layer_walk(st, ld, w, &s->facts[i], e) < 0)
        goto out;
    pc_layer_facts_trim(&s->facts[i]); /* held until the view is built: no slack */
    /* the facts are true of the blob whatever this config says: cache them */
    if (cache)
        pc_cache_put(cache, cls, s->ctx->facts_key, &s->facts[i], &ignored); /* optional */
    if (fs) {
        unsigned char *p = NULL;
        size_t n = 0;
        if (pc_cache_entry_encode(cls, s->ctx->facts_key, &s->facts[i], &p, &n) == 0)
            fs->put(fs->ud, key, p, n); /* optional */
        free(p);
    }
    rc = check_diff_id(ld, i, &s->facts[i], e);
    if (rc == 0 && s->spill.fd >= 0 &&
        pc_spill_put(&s->spill, &s->facts[i], &s->spill_refs[i]) == 0) {
        pc_layer_facts_free(&s->facts[i]);
        s->spilled[i] = 1;
    }
out:
    if (locked)
        fs->unlock(fs->ud, key);
    return rc;
}

/* The worker's own YARA scanner over the shared rules: 1 made, 0 the ctx
 * has no rules, -1 failed (k->err says why; the worker's walks fail). */
static int worker_visitor(worker *k, pc_yara_scan **ys, pc_file_visitor *v)
{
    const pc_ctx *c = k->s->ctx;
    *ys = NULL;
    if (!c->yara)
        return 0;
    if (pc_yara_scan_new(c->yara, &c->profile->yara, k->s->ypool, ys, &k->err) < 0)
        return -1;
    pc_yara_scan_archive_bounds(*ys, c->profile->limits.max_layer_bytes,
                                c->profile->limits.max_files);
    pc_yara_scan_visitor(*ys, v);
    return 1;
}

/* Tell the thread applying layers that one is complete (or, exiting,
 * that this worker will complete no more). */
static void wake_applier(scan_state *s, int exiting)
{
    pthread_mutex_lock(&s->mu);
    if (exiting)
        s->exited++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void *worker_main(void *arg)
{
    worker *k = arg;
    scan_state *s = k->s;
    pc_walk_cfg w = {.limits = &s->ctx->profile->limits,
                     .files_total = &s->files,
                     .bytes_total = &s->bytes,
                     .stop = &s->stop,
                     .deadline_ms = s->deadline};
    pc_yara_scan *ys;
    pc_file_visitor v;
    int vis = worker_visitor(k, &ys, &v);
    if (vis > 0)
        w.visitor = &v;
    for (;;) {
        size_t i = atomic_fetch_add(&s->next, 1);
        if (i >= s->img.nlayers || atomic_load(&s->stop))
            break;
        if (vis < 0 || walk_one(s, i, &w, &k->err) < 0) {
            k->failed = 1;
            /* the first failure is the one reported; later ones are echoes */
            if (atomic_exchange(&s->stop, 1))
                k->failed = 2;
            break;
        }
        atomic_store(&s->done[i], 1);
        wake_applier(s, 0);
    }
    pc_yara_scan_free(ys);
    wake_applier(s, 1);
    return NULL;
}

/* The walk keeps the bytes of files named passwd and group. When the
 * final /etc/passwd or /etc/group is another file (a symlink to it, a
 * hardlink), read its layer again for that file's bytes: the runtime
 * resolves USER with them. */
static int refetch_idfile(scan_state *s, const char *path, pc_layer_facts *out, pc_err *e)
{
    const pc_node *n = pc_fsview_lookup(&s->fs, path, 1);
    if (!n || n->type != PC_E_REG || !n->e || n->e->data || n->e->size > (1u << 20))
        return 0;
    const pc_layer_desc *ld = &s->img.layers[n->layer];
    pc_walk_cfg w = {.limits = &s->ctx->profile->limits,
                     .files_total = &s->files,
                     .bytes_total = &s->bytes,
                     .stop = &s->stop,
                     .deadline_ms = s->deadline,
                     .keep_seq = n->e->seq + 1};
    pc_stream *st = NULL;
    _Atomic uint64_t files = 0, bytes = 0;
    w.files_total = &files; /* counted once already */
    w.bytes_total = &bytes;
    if (s->ops->open_layer(s->src, ld, &st, e) < 0)
        return pc_err_prefix(e, "layer %s", ld->d.digest);
    if (pc_layer_walk(st, ld, &w, out, e) < 0)
        return -1;
    if (n->e->seq >= out->nentries || !out->entries[n->e->seq].data)
        return pc_err_set(e, "layer %s: %s: its bytes could not be read again", ld->d.digest, path);
    pc_entry *m = (pc_entry *)n->e; /* the view's own entry: only its bytes are added */
    m->data = out->entries[n->e->seq].data;
    m->data_len = out->entries[n->e->seq].data_len;
    return 0;
}

/* Layer i's facts for the view: back from the spill when they were set
 * aside (read as written, or the scan fails). */
static int facts_back(scan_state *s, size_t i, pc_err *e)
{
    if (!s->spilled || !s->spilled[i])
        return 0;
    s->spilled[i] = 0;
    if (pc_spill_get(&s->spill, &s->spill_refs[i], &s->facts[i], e) < 0)
        return -1;
    return check_diff_id(&s->img.layers[i], i, &s->facts[i], e);
}

/* Where a cold scan sets walked layers aside: the cache's directory,
 * else TMPDIR or /tmp (pc_tmpfile). Only with other layers to read (a
 * single layer's facts go to the view at once); none to be had, they
 * stay in memory. */
static void spill_open(scan_state *s)
{
    s->spill_refs = pc_calloc(s->img.nlayers, sizeof *s->spill_refs);
    s->spilled = pc_calloc(s->img.nlayers, sizeof *s->spilled);
    if (s->spill_refs && s->spilled)
        pc_spill_open(&s->spill, s->ctx->cache.dir);
}

static int walk_layers(scan_state *s, pc_err *e)
{
    size_t n = s->img.nlayers, nw = s->ctx->jobs < n ? s->ctx->jobs : n;
    s->facts = pc_calloc(n, sizeof *s->facts);
    s->done = pc_calloc(n, sizeof *s->done);
    s->layer_digests = pc_calloc(n, sizeof *s->layer_digests);
    worker *ws = pc_calloc(nw ? nw : 1, sizeof *ws);
    if (s->ctx->yara)
        s->ypool = pc_yara_pool_new(nw);
    if (!s->facts || !s->done || !s->layer_digests || !ws || (s->ctx->yara && !s->ypool) ||
        pc_fsview_init(&s->fs) < 0) {
        free(ws);
        return pc_err_set(e, "out of memory");
    }
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(ws);
        return pc_err_set(e, "cannot make a mutex");
    }
    if (pthread_cond_init(&s->cv, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        free(ws);
        return pc_err_set(e, "cannot make a condition variable");
    }
    for (size_t i = 0; i < n; i++)
        s->layer_digests[i] = s->img.layers[i].d.digest;
    if (n > 1)
        spill_open(s);
    /* With two jobs or more every worker is a thread and this one applies
     * the layers in order as they come from the cache, overlapping the fs
     * view with the reading of the others; once a layer is read from its
     * blob, it waits for the walk to end (the view's memory would add to
     * the walk's: peak RSS stays what it was). With one job (or no thread
     * to be had) this thread walks them all, then applies them. */
    size_t started = 0;
    for (; nw > 1 && started < nw; started++) {
        ws[started].s = s;
        if (pthread_create(&ws[started].tid, NULL, worker_main, &ws[started]) != 0)
            break;
    }
    if (nw && started == 0) {
        ws[0].s = s;
        worker_main(&ws[0]);
    }
    int rc = 0;
    size_t i = 0;
    pc_err ae = {0};
    for (; i < n; i++) {
        pthread_mutex_lock(&s->mu);
        while (!atomic_load(&s->stop) && s->exited < started && !atomic_load(&s->done[i]) &&
               atomic_load(&s->walks) == 0)
            pthread_cond_wait(&s->cv, &s->mu);
        pthread_mutex_unlock(&s->mu);
        if (atomic_load(&s->stop) || !atomic_load(&s->done[i]) || atomic_load(&s->walks) > 0)
            break; /* the rest after the walk */
        if (facts_back(s, i, &ae) < 0 ||
            pc_fsview_apply(&s->fs, &s->facts[i], (uint32_t)i, &ae) < 0) {
            atomic_store(&s->stop, 1); /* the workers' failures after this are echoes */
            rc = -1;
            break;
        }
    }
    for (size_t k = 0; k < started; k++)
        pthread_join(ws[k].tid, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    pc_yara_pool_free(s->ypool); /* every worker's scanner is gone */
    s->ypool = NULL;
    for (size_t k = 0; k < (nw ? nw : 1); k++)
        if (ws[k].failed == 1) {
            *e = ws[k].err; /* a worker's failure is the one reported */
            rc = -2;
            break;
        }
    free(ws);
    if (rc == -1)
        *e = ae;
    for (; i < n && rc == 0; i++) {
        if (!atomic_load(&s->done[i]) || atomic_load(&s->stop))
            return pc_err_set(e, "layer %s was not read", s->layer_digests[i]);
        rc = facts_back(s, i, e);
        if (rc == 0)
            rc = pc_fsview_apply(&s->fs, &s->facts[i], (uint32_t)i, e);
    }
    pc_spill_close(&s->spill); /* every layer is back */
    rc = rc < 0 ? -1 : 0;
    for (int k = 0; k < 2 && rc == 0; k++)
        rc = refetch_idfile(s, k ? "/etc/group" : "/etc/passwd", &s->refetched[k], e);
    return rc;
}

/* Name the Dockerfile step of each finding's layer, from the config's
 * history, when it lines up with the layers (informative: a step that
 * cannot be named, out of memory included, is left out). */
static void name_steps(const scan_state *s, pc_result *r)
{
    if (!s->cfg.steps || s->cfg.nsteps != s->img.nlayers)
        return;
    for (size_t i = 0; i < r->nfindings; i++) {
        pc_finding *f = &r->findings[i];
        for (size_t k = 0; f->layer && !f->step && k < s->img.nlayers; k++)
            if (s->cfg.steps[k] && strcmp(f->layer, s->layer_digests[k]) == 0) {
                char *st = pc_strdup(s->cfg.steps[k]);
                if (st) {
                    pc_one_line(st);
                    pc_cut_utf8(st, 300);
                }
                f->step = st;
            }
    }
}

/* The checks over the final fs and the config (check/checks.c resolves
 * the users once and runs every row). */
static void run_checks(scan_state *s, const pc_runctx *rc, pc_result *r)
{
    pc_effective x; /* the run as it will be started (runctx.c) */
    if (pc_effective_build(&x, &s->cfg, &s->ctx->run->sandbox, rc) < 0) {
        pc_effective_free(&x);
        pc_finding_lost(r); /* fail closed: the checks could not run */
        return;
    }
    pc_check_input in = {.cfg = &x.cfg,
                         .fs = &s->fs,
                         .sandbox = &x.sandbox,
                         .run = &x.run,
                         .img = &s->img,
                         .layers = s->layer_digests,
                         .tools = s->ctx->yara ? pc_rules_toolpkgs(s->ctx->yara) : NULL,
                         .rules = s->ctx->yara,
                         .yara_timeout = s->ctx->profile->yara.timeout_seconds};
    pc_checks_run(pc_checks, &in, r);
    pc_effective_free(&x);
}

static void scan_state_free(scan_state *s)
{
    pc_yara_pool_free(s->ypool); /* set when the walk stopped before it began */
    pc_spill_close(&s->spill);
    free(s->spill_refs);
    free(s->spilled);
    pc_layer_facts_free(&s->refetched[0]);
    pc_layer_facts_free(&s->refetched[1]);
    if (s->facts) {
        pc_fsview_free(&s->fs);
        for (size_t i = 0; i < s->img.nlayers; i++)
            pc_layer_facts_free(&s->facts[i]);
    }
    free(s->facts);
    free(s->done);
    free(s->layer_digests);
    pc_imgconfig_free(&s->cfg);
    pc_image_free(&s->img);
    if (s->src)
        s->ops->close(s->src);
}

static void drop_findings(pc_result *r)
{
    for (size_t i = 0; i < r->nfindings; i++)
        pc_finding_clear(&r->findings[i]);
    r->nfindings = 0;
}

/* What USER resolves to, read from the final filesystem. */
static void view_user(scan_state *s, long long *uid, long long *gid, const char **uerr, char *ebuf,
                      size_t elen)
{
    const pc_node *pw = pc_fsview_lookup(&s->fs, "/etc/passwd", 1);
    const pc_node *gr = pc_fsview_lookup(&s->fs, "/etc/group", 1);
    const char *p = pw && pw->e ? pw->e->data : NULL, *g = gr && gr->e ? gr->e->data : NULL;
    uint32_t u = 0, gg = 0;
    if (pc_user_resolve(s->cfg.user ? s->cfg.user : "", p, p ? pw->e->data_len : 0, pw && !p, g,
                        g ? gr->e->data_len : 0, gr && !g, &u, &gg, ebuf, elen) < 0) {
        *uerr = ebuf;
        return;
    }
    *uid = u;
    *gid = gg;
}

/* The inspect view: the final filesystem, the config, and the user. */
static int make_view(scan_state *s, char **view, pc_err *e)
{
    long long uid = 0, gid = 0;
    const char *uerr = NULL;
    char ebuf[256];
    view_user(s, &uid, &gid, &uerr, ebuf, sizeof ebuf);
    return pc_view_json(&s->fs, &s->cfg, uid, gid, uerr, view, e);
}

static pc_result *scan_run(const pc_ctx *ctx, const char *ref, const pc_runctx *run, char **view)
{
    pc_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    uint64_t t0 = pc_now_ms();
    scan_state s = {.ctx = ctx, .spill = {.fd = -1}};
    pc_err e = {{0}};
    const pc_limits *l = &ctx->profile->limits;
    s.deadline = l->timeout_seconds ? t0 + l->timeout_seconds * 1000 : 0;
    r->image = pc_strdup(ref);
    r->policy = pc_strdup(ctx->policy->name);
    r->policy_digest = pc_strdup(ctx->policy->digest);
    r->rules_digest = ctx->yara ? pc_strdup(pc_rules_digest(ctx->yara)) : NULL;
    if (run && run->subject)
        r->subject = pc_strdup(run->subject);
    if (pc_runctx_key(run, r->run_key) < 0)
        pc_finding_lost(r); /* a verdict that cannot say which run it judged denies */
    int rc = open_source(&s, ref, r, &e);
    if (rc == 0)
        rc = walk_layers(&s, &e);
    if (rc == 0) {
        run_checks(&s, run, r);
        name_steps(&s, r);
    }
    if (rc == 0 && view)
        rc = make_view(&s, view, &e);
    r->stats.layers = (unsigned)s.img.nlayers;
    r->stats.cached_layers = atomic_load(&s.cached);
    r->stats.files = s.files;
    r->stats.bytes = s.bytes;
    scan_state_free(&s);
    if (rc < 0) {
        drop_findings(r);
        r->scan_failed = 1;
        pc_finding_add(r, PC_CHK_SCAN_ERROR, NULL, NULL, NULL, "%s", e.msg);
    }
    if (r->findings_lost)
        pc_finding_add(r, PC_CHK_SCAN_ERROR, NULL, NULL, NULL,
                       "out of memory: a finding could not be recorded, so the image is denied");
    pc_verdict_apply(ctx->policy, r);
    r->stats.duration_ms = pc_now_ms() - t0;
    return r;
}

pc_result *pc_scan(const pc_ctx *ctx, const char *ref)
{
    return scan_run(ctx, ref, NULL, NULL);
}

pc_result *pc_scan_run(const pc_ctx *ctx, const char *ref, const pc_runctx *rc)
{
    return scan_run(ctx, ref, rc, NULL);
}

pc_result *pc_scan_view(const pc_ctx *ctx, const char *ref, char **view)
{
    *view = NULL;
    return scan_run(ctx, ref, NULL, view);
}

void pc_result_free(pc_result *r)
{
    if (!r)
        return;
    drop_findings(r);
    free(r->findings);
    free(r->image);
    free(r->digest);
    free(r->manifest_digest);
    free(r->config_digest);
    free(r->platform);
    free(r->policy);
    free(r->policy_digest);
    free(r->rules_digest);
    free(r->exempt);
    free(r->attestation);
    free(r->sandbox.program);
    free(r->sandbox.user);
    for (size_t i = 0; i < r->sandbox.nneeds_caps; i++)
        free(r->sandbox.needs_caps[i]);
    free(r->sandbox.needs_caps);
    free(r->sandbox.privileged_ports);
    for (size_t i = 0; i < r->sandbox.nargv; i++)
        free(r->sandbox.argv[i]);
    free(r->sandbox.argv);
    free(r->sandbox.groups);
    for (size_t i = 0; i < r->sandbox.ncapabilities; i++)
        free(r->sandbox.capabilities[i]);
    free(r->sandbox.capabilities);
    free(r->subject);
    free(r);
}
