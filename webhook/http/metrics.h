/*
 * metrics.h — the webhook's counters, rendered for GET /metrics in the
 * Prometheus text format (version 0.0.4).
 *
 * Everything is a lock-free atomic inside one struct owned by the server:
 * request threads and scan workers bump counters without a lock, and a
 * scrape reads each value once (a scrape may see one counter a request
 * ahead of another; Prometheus expects nothing stronger).
 */
#ifndef WH_METRICS_H
#define WH_METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Endpoints as they appear in the "endpoint" label. Add a new endpoint
 * here and in metrics.c's name table. */
typedef enum {
    WH_EP_VALIDATE,
    WH_EP_IMAGEREVIEW,
    WH_EP_HEALTHZ,
    WH_EP_READYZ,
    WH_EP_METRICS,
    WH_EP_MUTATE,
    WH_EP_VERDICT_KEY,
    WH_EP_TES_VALIDATE,
    WH_EP_TES_GATE,
    WH_EP_OTHER,
    WH_EP_COUNT
} wh_endpoint;

/* "verdict" label: the decision, or why there was none. */
typedef enum { WH_V_ALLOW, WH_V_DENY, WH_V_ERROR, WH_V_NONE, WH_V_COUNT } wh_verdict_label;

/* "kind" label of portcullis_errors_total. */
typedef enum {
    WH_ERR_BAD_REQUEST,     /* 400 */
    WH_ERR_CLIENT_CERT,     /* 401: --client-ca and no valid client certificate */
    WH_ERR_NOT_FOUND,       /* 404 */
    WH_ERR_METHOD,          /* 405 */
    WH_ERR_SLOW_CLIENT,     /* 408 */
    WH_ERR_TOO_LARGE,       /* 413 */
    WH_ERR_MEDIA_TYPE,      /* 415 */
    WH_ERR_INTERNAL,        /* 500/503 */
    WH_ERR_SCAN,            /* a scan ended in scan-error */
    WH_ERR_TLS_RELOAD,      /* new certificate files could not be loaded */
    WH_ERR_SIGN_KEY_RELOAD, /* a changed --sign-key file could not be loaded */
    WH_ERR_UPSTREAM,        /* the TES upstream failed, timed out or answered too much */
    WH_ERR_SIGN,            /* a verdict that needed a signature could not be signed */
    WH_ERR_KEY_PROCESS,     /* a key process (signing key, TLS key) ended: counted once each */
    WH_ERR_POLICY_RELOAD,   /* changed policy, exceptions or rules files could not be loaded */
    WH_ERR_REDIS,           /* Redis (--redis-url) went down: counted once per outage */
    WH_ERR_COUNT
} wh_error_kind;

#define WH_DUR_BUCKETS 13
#define WH_ADM_BUCKETS 13 /* portcullis_admission_duration_seconds */
/* The admission endpoints the latency histogram covers (its "endpoint"
 * label): validate, mutate, imagereview, tes_validate. */
#define WH_ADM_EPS 4

/* portcullis_denials_total{check,namespace}: a dense table, no allocation.
 * The first WH_DENIAL_NS distinct namespaces get their own label; later
 * ones count under "other" (a client that makes up namespace names cannot
 * grow the scrape), the same for check names past WH_DENIAL_CHECKS. */
#define WH_DENIAL_NS 200
#define WH_DENIAL_CHECKS 48
#define WH_LABEL_MAX 64

typedef struct wh_denials {
    pthread_mutex_t mu;
    char ns[WH_DENIAL_NS][WH_LABEL_MAX];
    unsigned nns;
    char checks[WH_DENIAL_CHECKS][WH_LABEL_MAX];
    unsigned nchecks;
    /* [namespace or WH_DENIAL_NS: other][check or WH_DENIAL_CHECKS: other] */
    uint64_t count[WH_DENIAL_NS + 1][WH_DENIAL_CHECKS + 1];
} wh_denials;

/* What a scrape shows beside the counters (routes.c fills it). */
typedef struct wh_metrics_info {
    const char *policy_digest, *rules_digest; /* NULL: "" */
    int64_t cert_not_after;                   /* Unix seconds; 0: unknown (not shown) */
} wh_metrics_info;

typedef struct wh_metrics {
    _Atomic uint64_t requests[WH_EP_COUNT][WH_V_COUNT];
    _Atomic uint64_t errors[WH_ERR_COUNT];
    _Atomic uint64_t cache_hits, cache_misses; /* verdict cache: reused / had to scan */
    _Atomic uint64_t tag_hits, tag_misses;     /* tag → digest cache */
    _Atomic uint64_t scans_started, scans_allow, scans_deny, scans_error;
    _Atomic uint64_t scans_would_deny;  /* allowed or denied, but enforce mode would deny more */
    _Atomic uint64_t scan_joins;        /* lookups that joined a scan in flight */
    _Atomic uint64_t deadline_exceeded; /* answered "scan in progress, retry" */
    _Atomic uint64_t queue_full;        /* answered "scanner busy" */
    _Atomic uint64_t requests_deferred; /* handlers run on a request worker (would have waited) */
    _Atomic int64_t requests_waiting;   /* of those, running now (their connections suspended) */
    _Atomic int64_t scans_in_flight, scans_queued;
    _Atomic uint64_t dur_bucket[WH_DUR_BUCKETS]; /* cumulative on render, not here */
    _Atomic uint64_t dur_count, dur_sum_ms;
    _Atomic uint64_t tls_reloads;
    _Atomic uint64_t sign_key_reloads;
    _Atomic uint64_t policy_reloads;
    _Atomic int redis_up; /* -1: no --redis-url; 1 up; 0 down (falling back to local caches) */
    _Atomic uint64_t redis_facts_hits, redis_facts_misses; /* layer facts found in Redis or not */
    _Atomic uint64_t redis_verdict_hits, redis_verdict_misses; /* verdicts shared on Redis */
    _Atomic uint64_t redis_tag_hits, redis_tag_misses;         /* tag resolutions shared on Redis */
    _Atomic uint64_t facts_hits, facts_misses; /* layer facts cache, per layer of a scan */
    _Atomic uint64_t adm_bucket[WH_ADM_EPS][WH_V_COUNT][WH_ADM_BUCKETS]; /* not cumulative */
    _Atomic uint64_t adm_count[WH_ADM_EPS][WH_V_COUNT], adm_sum_us[WH_ADM_EPS][WH_V_COUNT];
    wh_denials denials;
} wh_metrics;

void wh_metrics_init(wh_metrics *m);
void wh_metrics_request(wh_metrics *m, wh_endpoint ep, wh_verdict_label v);
void wh_metrics_error(wh_metrics *m, wh_error_kind k);
void wh_metrics_scan_done(wh_metrics *m, uint64_t duration_ms);
/* One answered request on ep that took us microseconds (from its head to
 * its answer); observed only for the admission endpoints. */
void wh_metrics_admission(wh_metrics *m, wh_endpoint ep, wh_verdict_label v, uint64_t us);
/* One denied request in namespace ns (NULL or "": cluster-scoped) where
 * check was a reason. Label values are cleaned: a namespace that is not
 * a DNS label counts as "invalid", a check name with other characters
 * than [A-Za-z0-9_.-] as "other". */
void wh_metrics_denial(wh_metrics *m, const char *check, const char *ns);
/* The exposition text (malloc'd, NUL-terminated), or NULL when out of
 * memory. info may be NULL. */
char *wh_metrics_render(wh_metrics *m, const wh_metrics_info *info, size_t *len);

#endif
