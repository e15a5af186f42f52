/*
 * metrics.c — see metrics.h. The name tables below are the label values;
 * the render walks them in order so the output is stable between scrapes.
 * The scan duration histogram keeps per-bucket counts and renders them
 * cumulatively, as the format requires.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "procstat.h"
#include "portcullis.h"
#include "pcx.h"

static const char *const ep_names[WH_EP_COUNT] = {
    "validate", "imagereview", "healthz",      "readyz",   "metrics",
    "mutate",   "verdict_key", "tes_validate", "tes_gate", "other"};
static const char *const verdict_names[WH_V_COUNT] = {"allow", "deny", "error", "none"};
static const char *const err_names[WH_ERR_COUNT] = {"bad_request",
                                                    "client_cert",
                                                    "not_found",
                                                    "method_not_allowed",
                                                    "slow_client",
                                                    "too_large",
                                                    "unsupported_media_type",
                                                    "internal",
                                                    "scan_error",
                                                    "tls_reload",
                                                    "sign_key_reload",
                                                    "upstream",
                                                    "sign",
                                                    "key_process",
                                                    "policy_reload",
                                                    "redis"};
/* upper bounds in milliseconds; the +Inf bucket is the count */
static const uint64_t dur_le_ms[WH_DUR_BUCKETS] = {50,    100,   250,   500,    1000,   2500,  5000,
                                                   10000, 30000, 60000, 120000, 300000, 600000};

/* admission latency, upper bounds in microseconds */
static const uint64_t adm_le_us[WH_ADM_BUCKETS] = {5000,     10000,    25000,   50000,   100000,
                                                   250000,   500000,   1000000, 2500000, 5000000,
                                                   10000000, 15000000, 30000000};
/* the admission endpoints, in their histogram's order */
static const wh_endpoint adm_eps[WH_ADM_EPS] = {WH_EP_VALIDATE, WH_EP_MUTATE, WH_EP_IMAGEREVIEW,
                                                WH_EP_TES_VALIDATE};

void wh_metrics_init(wh_metrics *m)
{
    memset(m, 0, sizeof *m);
    atomic_store(&m->redis_up, -1);
    pthread_mutex_init(&m->denials.mu, NULL); /* a default mutex: init cannot fail */
}

void wh_metrics_admission(wh_metrics *m, wh_endpoint ep, wh_verdict_label v, uint64_t us)
{
    int e = 0;
    while (e < WH_ADM_EPS && adm_eps[e] != ep)
        e++;
    if (e == WH_ADM_EPS || (unsigned)v >= WH_V_COUNT)
        return;
    for (int i = 0; i < WH_ADM_BUCKETS; i++)
        if (us <= adm_le_us[i]) {
            atomic_fetch_add(&m->adm_bucket[e][v][i], 1);
            break;
        }
    atomic_fetch_add(&m->adm_sum_us[e][v], us);
    atomic_fetch_add(&m->adm_count[e][v], 1); /* last: a scrape never sees buckets > count */
}

/* A DNS label (RFC 1123: what a namespace name is), or "invalid". */
static const char *ns_label(const char *ns)
{
    size_t n = ns ? strlen(ns) : 0;
    if (n == 0)
        return "";
    if (n > 63 || strspn(ns, "abcdefghijklmnopqrstuvwxyz0123456789-") != n || ns[0] == '-' ||
        ns[n - 1] == '-')
        return "invalid";
    return ns;
}

static const char *check_label(const char *check)
{
    size_t n = check ? strlen(check) : 0;
    const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
    return n == 0 || n >= WH_LABEL_MAX || strspn(check, ok) != n ? "other" : check;
}

/* The slot of name in tab (added when there is room), or max: "other". */
static unsigned slot(char tab[][WH_LABEL_MAX], unsigned *used, unsigned max, const char *name)
{
    for (unsigned i = 0; i < *used; i++)
        if (strcmp(tab[i], name) == 0)
            return i;
    if (*used == max || strcmp(name, "other") == 0)
        return max;
    snprintf(tab[*used], WH_LABEL_MAX, "%s", name); /* shorter than WH_LABEL_MAX: checked */
    return (*used)++;
}

void wh_metrics_denial(wh_metrics *m, const char *check, const char *ns)
{
    wh_denials *d = &m->denials;
    const char *nl = ns_label(ns), *cl = check_label(check);
    pthread_mutex_lock(&d->mu);
    unsigned i = slot(d->ns, &d->nns, WH_DENIAL_NS, nl);
    unsigned j = slot(d->checks, &d->nchecks, WH_DENIAL_CHECKS, cl);
    d->count[i][j]++;
    pthread_mutex_unlock(&d->mu);
}

void wh_metrics_request(wh_metrics *m, wh_endpoint ep, wh_verdict_label v)
{
    if ((unsigned)ep < WH_EP_COUNT && (unsigned)v < WH_V_COUNT)
        atomic_fetch_add(&m->requests[ep][v], 1);
}

void wh_metrics_error(wh_metrics *m, wh_error_kind k)
{
    if ((unsigned)k < WH_ERR_COUNT)
        atomic_fetch_add(&m->errors[k], 1);
}

void wh_metrics_scan_done(wh_metrics *m, uint64_t ms)
{
    for (int i = 0; i < WH_DUR_BUCKETS; i++)
        if (ms <= dur_le_ms[i]) {
            atomic_fetch_add(&m->dur_bucket[i], 1);
            break;
        }
    atomic_fetch_add(&m->dur_count, 1);
    atomic_fetch_add(&m->dur_sum_ms, ms);
}

static void counter(pc_buf *b, const char *name, const char *help, uint64_t v)
{
    pc_buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name, name,
                  v);
}

static void gauge(pc_buf *b, const char *name, const char *help, int64_t v)
{
    pc_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %" PRId64 "\n", name, help, name, name, v);
}

static void render_requests(pc_buf *b, wh_metrics *m)
{
    pc_buf_puts(b, "# HELP portcullis_requests_total HTTP requests by endpoint and verdict.\n"
                   "# TYPE portcullis_requests_total counter\n");
    for (int e = 0; e < WH_EP_COUNT; e++)
        for (int v = 0; v < WH_V_COUNT; v++)
            pc_buf_printf(b,
                          "portcullis_requests_total{endpoint=\"%s\",verdict=\"%s\"} %" PRIu64 "\n",
                          ep_names[e], verdict_names[v], atomic_load(&m->requests[e][v]));
    pc_buf_puts(b, "# HELP portcullis_errors_total Errors by kind.\n"
                   "# TYPE portcullis_errors_total counter\n");
    for (int k = 0; k < WH_ERR_COUNT; k++)
        pc_buf_printf(b, "portcullis_errors_total{kind=\"%s\"} %" PRIu64 "\n", err_names[k],
                      atomic_load(&m->errors[k]));
}

static void render_scans(pc_buf *b, wh_metrics *m)
{
    pc_buf_puts(b, "# HELP portcullis_scans_total Finished scans by result.\n"
                   "# TYPE portcullis_scans_total counter\n");
    pc_buf_printf(b, "portcullis_scans_total{result=\"allow\"} %" PRIu64 "\n",
                  atomic_load(&m->scans_allow));
    pc_buf_printf(b, "portcullis_scans_total{result=\"deny\"} %" PRIu64 "\n",
                  atomic_load(&m->scans_deny));
    pc_buf_printf(b, "portcullis_scans_total{result=\"error\"} %" PRIu64 "\n",
                  atomic_load(&m->scans_error));
    pc_buf_puts(b, "# HELP portcullis_scans_would_deny_total Finished scans that the policy's "
                   "warn or audit mode let through where enforce mode would deny.\n"
                   "# TYPE portcullis_scans_would_deny_total counter\n");
    pc_buf_printf(b, "portcullis_scans_would_deny_total %" PRIu64 "\n",
                  atomic_load(&m->scans_would_deny));
    pc_buf_puts(b,
                "# HELP portcullis_scan_duration_seconds Time from a scan's start to its verdict.\n"
                "# TYPE portcullis_scan_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int i = 0; i < WH_DUR_BUCKETS; i++) {
        cum += atomic_load(&m->dur_bucket[i]);
        pc_buf_printf(b, "portcullis_scan_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
                      (double)dur_le_ms[i] / 1000.0, cum);
    }
    uint64_t count = atomic_load(&m->dur_count);
    pc_buf_printf(b, "portcullis_scan_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", count);
    pc_buf_printf(b, "portcullis_scan_duration_seconds_sum %.3f\n",
                  (double)atomic_load(&m->dur_sum_ms) / 1000.0);
    pc_buf_printf(b, "portcullis_scan_duration_seconds_count %" PRIu64 "\n", count);
}

static void render_admission(pc_buf *b, wh_metrics *m)
{
    static const char *const names[WH_ADM_EPS] = {"validate", "mutate", "imagereview",
                                                  "tes_validate"};
    pc_buf_puts(b, "# HELP portcullis_admission_duration_seconds Time from a request's head to "
                   "its answer on the admission endpoints, by endpoint and verdict.\n"
                   "# TYPE portcullis_admission_duration_seconds histogram\n");
    for (int e = 0; e < WH_ADM_EPS; e++)
        for (int v = 0; v < WH_V_COUNT; v++) {
            /* the count first: an observation landing during the scrape
             * then shows in no bucket rather than in more buckets than
             * the count (buckets are bumped before the count) */
            uint64_t count = atomic_load(&m->adm_count[e][v]), cum = 0;
            uint64_t sum = atomic_load(&m->adm_sum_us[e][v]);
            const char *lbl = names[e], *vl = verdict_names[v];
            for (int i = 0; i < WH_ADM_BUCKETS; i++) {
                cum += atomic_load(&m->adm_bucket[e][v][i]);
                if (cum > count)
                    cum = count;
                pc_buf_printf(b,
                              "portcullis_admission_duration_seconds_bucket{endpoint=\"%s\","
                              "verdict=\"%s\",le=\"%g\"} %" PRIu64 "\n",
                              lbl, vl, (double)adm_le_us[i] / 1e6, cum);
            }
            pc_buf_printf(b,
                          "portcullis_admission_duration_seconds_bucket{endpoint=\"%s\","
                          "verdict=\"%s\",le=\"+Inf\"} %" PRIu64 "\n"
                          "portcullis_admission_duration_seconds_sum{endpoint=\"%s\","
                          "verdict=\"%s\"} %.6f\n"
                          "portcullis_admission_duration_seconds_count{endpoint=\"%s\","
                          "verdict=\"%s\"} %" PRIu64 "\n",
                          lbl, vl, count, lbl, vl, (double)sum / 1e6, lbl, vl, count);
        }
}

static void render_denials(pc_buf *b, wh_metrics *m)
{
    wh_denials *d = &m->denials;
    pc_buf_printf(b,
                  "# HELP portcullis_denials_total Denied admission requests by a check that "
                  "denied them and namespace (the first %d namespaces by name, later ones as "
                  "\"other\"; \"\" for cluster-scoped requests).\n"
                  "# TYPE portcullis_denials_total counter\n",
                  WH_DENIAL_NS);
    pthread_mutex_lock(&d->mu);
    for (unsigned i = 0; i <= d->nns && i <= WH_DENIAL_NS; i++)
        for (unsigned j = 0; j <= d->nchecks && j <= WH_DENIAL_CHECKS; j++) {
            int ns_other = i == d->nns, ck_other = j == d->nchecks;
            uint64_t c = d->count[ns_other ? WH_DENIAL_NS : i][ck_other ? WH_DENIAL_CHECKS : j];
            if (!c)
                continue; /* label sets appear with their first denial */
            pc_buf_printf(b,
                          "portcullis_denials_total{check=\"%s\",namespace=\"%s\"} %" PRIu64 "\n",
                          ck_other ? "other" : d->checks[j], ns_other ? "other" : d->ns[i], c);
        }
    pthread_mutex_unlock(&d->mu);
}

static void render_caches(pc_buf *b, wh_metrics *m)
{
    const struct {
        const char *cache, *result;
        _Atomic uint64_t *v;
    } rows[] = {{"verdict", "hit", &m->cache_hits},
                {"verdict", "miss", &m->cache_misses},
                {"tag", "hit", &m->tag_hits},
                {"tag", "miss", &m->tag_misses},
                {"facts", "hit", &m->facts_hits},
                {"facts", "miss", &m->facts_misses},
                /* shown with --redis-url only */
                {"facts_redis", "hit", &m->redis_facts_hits},
                {"facts_redis", "miss", &m->redis_facts_misses},
                {"verdict_redis", "hit", &m->redis_verdict_hits},
                {"verdict_redis", "miss", &m->redis_verdict_misses},
                {"tag_redis", "hit", &m->redis_tag_hits},
                {"tag_redis", "miss", &m->redis_tag_misses}};
    size_t n = sizeof rows / sizeof rows[0];
    if (atomic_load(&m->redis_up) < 0)
        n -= 6;
    pc_buf_puts(b, "# HELP portcullis_cache_lookups_total Cache lookups by cache (verdict: "
                   "digest, policy and rules to verdict; tag: tag to digest; facts: a scanned "
                   "layer's facts on disk; facts_redis, verdict_redis, tag_redis: the same "
                   "shared between replicas on Redis) and result.\n"
                   "# TYPE portcullis_cache_lookups_total counter\n");
    for (size_t i = 0; i < n; i++)
        pc_buf_printf(b, "portcullis_cache_lookups_total{cache=\"%s\",result=\"%s\"} %" PRIu64 "\n",
                      rows[i].cache, rows[i].result, atomic_load(rows[i].v));
}

/* Digests are "sha256:" and hex from our own context; anything else is
 * not shown rather than escaped. */
static const char *digest_label(const char *d)
{
    return d && strlen(d) < 80 && strspn(d, "sha256:0123456789abcdef") == strlen(d) ? d : "";
}

static void render_info(pc_buf *b, const wh_metrics_info *info)
{
    pc_buf_printf(
        b,
        "# HELP portcullis_build_info The webhook's version and the digests of the "
        "policy and rules it judges with; always 1.\n"
        "# TYPE portcullis_build_info gauge\n"
        "portcullis_build_info{version=\"%s\",policy_digest=\"%s\",rules_digest=\"%s\"} 1\n",
        PC_VERSION, digest_label(info ? info->policy_digest : NULL),
        digest_label(info ? info->rules_digest : NULL));
    if (info && info->cert_not_after)
        pc_buf_printf(b,
                      "# HELP portcullis_tls_certificate_not_after_seconds When the serving "
                      "certificate expires (notAfter, Unix seconds).\n"
                      "# TYPE portcullis_tls_certificate_not_after_seconds gauge\n"
                      "portcullis_tls_certificate_not_after_seconds %" PRId64 "\n",
                      info->cert_not_after);
    wh_procstat p;
    if (wh_procstat_read(&p) < 0)
        return; /* no /proc: no process metrics */
    pc_buf_printf(b,
                  "# HELP process_cpu_seconds_total User and system CPU time spent in seconds.\n"
                  "# TYPE process_cpu_seconds_total counter\n"
                  "process_cpu_seconds_total %.2f\n"
                  "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                  "# TYPE process_resident_memory_bytes gauge\n"
                  "process_resident_memory_bytes %" PRIu64 "\n"
                  "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                  "# TYPE process_virtual_memory_bytes gauge\n"
                  "process_virtual_memory_bytes %" PRIu64 "\n"
                  "# HELP process_open_fds Number of open file descriptors.\n"
                  "# TYPE process_open_fds gauge\n"
                  "process_open_fds %" PRIu64 "\n",
                  p.cpu_seconds, p.rss_bytes, p.vsize_bytes, p.open_fds);
    if (p.max_fds)
        pc_buf_printf(b,
                      "# HELP process_max_fds Maximum number of open file descriptors.\n"
                      "# TYPE process_max_fds gauge\n"
                      "process_max_fds %" PRIu64 "\n",
                      p.max_fds);
    if (p.start_time > 0)
        pc_buf_printf(b,
                      "# HELP process_start_time_seconds Start time of the process since unix "
                      "epoch in seconds.\n"
                      "# TYPE process_start_time_seconds gauge\n"
                      "process_start_time_seconds %.2f\n",
                      p.start_time);
}

char *wh_metrics_render(wh_metrics *m, const wh_metrics_info *info, size_t *len)
{
    pc_buf b = {0};
    render_requests(&b, m);
    render_admission(&b, m);
    render_denials(&b, m);
    render_caches(&b, m);
    render_scans(&b, m);
    counter(&b, "portcullis_scans_started_total", "Scans started (one per image digest in flight).",
            atomic_load(&m->scans_started));
    counter(&b, "portcullis_requests_deferred_total",
            "Requests whose handler would have waited (a verdict not cached, a TES relay): "
            "their connection was suspended and the handler run on a request worker.",
            atomic_load(&m->requests_deferred));
    gauge(&b, "portcullis_requests_waiting",
          "Requests on a request worker now (their connections suspended).",
          atomic_load(&m->requests_waiting));
    counter(&b, "portcullis_scan_joins_total",
            "Image lookups that joined a scan already in flight instead of starting one.",
            atomic_load(&m->scan_joins));
    counter(&b, "portcullis_cache_hits_total",
            "Verdicts reused from the cache (by digest, policy and rules digest).",
            atomic_load(&m->cache_hits));
    counter(&b, "portcullis_cache_misses_total", "Digests not in the verdict cache (scanned).",
            atomic_load(&m->cache_misses));
    counter(&b, "portcullis_tag_cache_hits_total", "Tag to digest resolutions served from cache.",
            atomic_load(&m->tag_hits));
    counter(&b, "portcullis_tag_cache_misses_total", "Tag to digest resolutions not in cache.",
            atomic_load(&m->tag_misses));
    counter(&b, "portcullis_deadline_exceeded_total",
            "Images answered \"scan in progress, retry\" because the deadline came first.",
            atomic_load(&m->deadline_exceeded));
    counter(&b, "portcullis_scan_queue_full_total",
            "Images refused because the scan queue was full.", atomic_load(&m->queue_full));
    counter(&b, "portcullis_tls_reloads_total", "Serving certificate reloads from disk.",
            atomic_load(&m->tls_reloads));
    counter(&b, "portcullis_sign_key_reloads_total", "Signing key reloads from disk.",
            atomic_load(&m->sign_key_reloads));
    counter(&b, "portcullis_policy_reloads_total",
            "Policy, exceptions and rules reloads from disk.", atomic_load(&m->policy_reloads));
    if (atomic_load(&m->redis_up) >= 0) {
        gauge(&b, "portcullis_redis_up",
              "1 when the shared cache on Redis answers, 0 while it is down (each replica then "
              "falls back to its own caches).",
              atomic_load(&m->redis_up));
        pc_buf_printf(
            &b,
            "# HELP portcullis_redis_facts_lookups_total Layer facts looked up in Redis.\n"
            "# TYPE portcullis_redis_facts_lookups_total counter\n"
            "portcullis_redis_facts_lookups_total{result=\"hit\"} %" PRIu64 "\n"
            "portcullis_redis_facts_lookups_total{result=\"miss\"} %" PRIu64 "\n",
            atomic_load(&m->redis_facts_hits), atomic_load(&m->redis_facts_misses));
    }
    gauge(&b, "portcullis_scans_in_flight", "Scans running now.", atomic_load(&m->scans_in_flight));
    gauge(&b, "portcullis_scans_queued", "Scans waiting for a worker.",
          atomic_load(&m->scans_queued));
    render_info(&b, info);
    if (len)
        *len = b.len;
    return pc_buf_take(&b);
}
