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

void wh_metrics_init(wh_metrics *m)
{
    memset(m, 0, sizeof *m);
    atomic_store(&m->redis_up, -1);
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

char *wh_metrics_render(wh_metrics *m, size_t *len)
{
    pc_buf b = {0};
    render_requests(&b, m);
    render_scans(&b, m);
    counter(&b, "portcullis_scans_started_total", "Scans started (one per image digest in flight).",
            atomic_load(&m->scans_started));
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
    if (len)
        *len = b.len;
    return pc_buf_take(&b);
}
