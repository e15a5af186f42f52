/*
 * test_wh_metrics.c — the webhook's metrics without a server: the
 * denial table's bounds (the 201st namespace and later count as
 * "other", never a new label; names that are not DNS labels count as
 * "invalid"; check names outside [A-Za-z0-9_.-] as "other"), the
 * admission latency histogram (each observation in its bucket, rendered
 * cumulatively, +Inf equal to _count, endpoints outside the admission
 * ones not observed), build_info with the digests given (and no label
 * value that is not a digest), the certificate gauge only when known,
 * and the process metrics read from /proc/self.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "portcullis.h"
#include "testlib.h"

#define D1 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The value of the sample line that starts with prefix (the whole name
 * and labels), or -1. */
static double sample(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return -1;
}

static size_t count_lines(const char *text, const char *prefix)
{
    size_t k = 0, n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        k += strncmp(p, prefix, n) == 0;
    return k;
}

static void test_denials(void)
{
    static wh_metrics m; /* large: not on the stack */
    char ns[32];
    wh_metrics_init(&m);
    wh_metrics_denial(&m, "unpinned-image", NULL); /* cluster-scoped: its own slot */
    for (int i = 0; i < 249; i++) {
        snprintf(ns, sizeof ns, "team-%d", i);
        wh_metrics_denial(&m, "root-user", ns);
    }
    wh_metrics_denial(&m, "root-user", "team-0");
    wh_metrics_denial(&m, "setuid-file", "team-1");
    wh_metrics_denial(&m, "root-user", "Bad_Namespace");
    wh_metrics_denial(&m, "bad\"check\n", "team-2");
    char *t = wh_metrics_render(&m, NULL, NULL);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(sample(t, "portcullis_denials_total{check=\"root-user\",namespace=\"team-0\"}") == 2);
    CHECK(sample(t, "portcullis_denials_total{check=\"setuid-file\",namespace=\"team-1\"}") == 1);
    CHECK(sample(t, "portcullis_denials_total{check=\"root-user\",namespace=\"team-198\"}") == 1);
    /* the 201st distinct namespace on ("" took one slot): "other" */
    CHECK(sample(t, "portcullis_denials_total{check=\"root-user\",namespace=\"team-199\"}") < 0);
    CHECK(sample(t, "portcullis_denials_total{check=\"root-user\",namespace=\"other\"}") == 51);
    CHECK(sample(t, "portcullis_denials_total{check=\"root-user\",namespace=\"invalid\"}") < 0);
    CHECK(sample(t, "portcullis_denials_total{check=\"other\",namespace=\"team-2\"}") == 1);
    CHECK(sample(t, "portcullis_denials_total{check=\"unpinned-image\",namespace=\"\"}") == 1);
    CHECK(count_lines(t, "portcullis_denials_total{") <= 200 + 5);
    CHECK(strstr(t, "Bad_Namespace") == NULL);
    CHECK(strstr(t, "bad\"check") == NULL);
    free(t);
}

static void test_histogram(void)
{
    static wh_metrics m;
    wh_metrics_init(&m);
    wh_metrics_admission(&m, WH_EP_VALIDATE, WH_V_DENY, 3000);     /* 0.003 s: le 0.005 */
    wh_metrics_admission(&m, WH_EP_VALIDATE, WH_V_DENY, 70000);    /* le 0.1 */
    wh_metrics_admission(&m, WH_EP_VALIDATE, WH_V_DENY, 60000000); /* past 30 s: +Inf only */
    wh_metrics_admission(&m, WH_EP_HEALTHZ, WH_V_NONE, 1000);      /* not an admission endpoint */
    wh_metrics_admission(&m, WH_EP_MUTATE, WH_V_ALLOW, 5000);      /* on the bound: le 0.005 */
    char *t = wh_metrics_render(&m, NULL, NULL);
    CHECK(t != NULL);
    if (!t)
        return;
#define B(ep, v, le)                                                                               \
    sample(t, "portcullis_admission_duration_seconds_bucket{endpoint=\"" ep "\",verdict=\"" v      \
              "\",le=\"" le "\"}")
    CHECK(B("validate", "deny", "0.005") == 1);
    CHECK(B("validate", "deny", "0.05") == 1);
    CHECK(B("validate", "deny", "0.1") == 2);
    CHECK(B("validate", "deny", "30") == 2);
    CHECK(B("validate", "deny", "+Inf") == 3);
    CHECK(sample(t, "portcullis_admission_duration_seconds_count{endpoint=\"validate\",verdict="
                    "\"deny\"}") == 3);
    CHECK(sample(t, "portcullis_admission_duration_seconds_sum{endpoint=\"validate\",verdict="
                    "\"deny\"}") > 60.0);
    CHECK(B("mutate", "allow", "0.005") == 1);
    CHECK(B("validate", "allow", "+Inf") == 0);
    CHECK(strstr(t, "endpoint=\"healthz\",verdict=\"none\",le=") == NULL);
#undef B
    free(t);
}

static void test_info(void)
{
    static wh_metrics m;
    wh_metrics_init(&m);
    wh_metrics_info info = {
        .policy_digest = D1, .rules_digest = "not\"a digest", .cert_not_after = 0};
    char *t = wh_metrics_render(&m, &info, NULL);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(sample(t, "portcullis_build_info{version=\"" PC_VERSION "\",policy_digest=\"" D1
                    "\",rules_digest=\"\"}") == 1);
    CHECK(strstr(t, "portcullis_tls_certificate_not_after_seconds") == NULL);
    CHECK(sample(t, "process_resident_memory_bytes") > 0);
    CHECK(sample(t, "process_open_fds") >= 3);
    CHECK(sample(t, "process_start_time_seconds") > 1e9);
    CHECK(sample(t, "portcullis_cache_lookups_total{cache=\"facts\",result=\"miss\"}") == 0);
    free(t);
    info.cert_not_after = 1800000000;
    atomic_fetch_add(&m.cache_hits, 2);
    wh_metrics_denial(&m, "root-user", "Bad_Namespace"); /* room left: its own "invalid" */
    t = wh_metrics_render(&m, &info, NULL);
    CHECK(t && sample(t, "portcullis_tls_certificate_not_after_seconds") == 1800000000.0);
    CHECK(t && sample(t, "portcullis_cache_lookups_total{cache=\"verdict\",result=\"hit\"}") == 2);
    CHECK(t && sample(t, "portcullis_cache_hits_total") == 2);
    CHECK(t &&
          sample(t, "portcullis_denials_total{check=\"root-user\",namespace=\"invalid\"}") == 1);
    free(t);
}

int main(void)
{
    test_denials();
    test_histogram();
    test_info();
    TEST_MAIN_END();
}
