/*
 * webhook.h — the server's state and the shape of one HTTP exchange.
 *
 * wh_server is built once in main and handed to every request handler;
 * it is the only place mutable state lives (metrics are atomics, the
 * verdict service and the TLS material have their own locks). A route
 * handler sees a wh_http_req (method, path, whole body, start time) and
 * fills a wh_reply; the HTTP layer (server.c) does everything else.
 */
#ifndef WH_WEBHOOK_H
#define WH_WEBHOOK_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "http/metrics.h"
#include "portcullis.h"
#include "verdicts.h"

struct MHD_Daemon;
struct MHD_Connection;
typedef struct wh_tls wh_tls;
typedef struct wh_tesproxy wh_tesproxy;
typedef struct wh_signer wh_signer;
typedef struct wh_conns wh_conns;
typedef struct wh_redis wh_redis;
typedef struct wh_offload wh_offload;

typedef struct wh_config {
    const char *listen; /* "ADDR:PORT", "[V6ADDR]:PORT"; port 0 picks a free one */
    const char *tls_cert, *tls_key;
    const char *client_ca;       /* PEM bundle; NULL: no client certificates asked for */
    uint64_t max_body;           /* request body bytes (413 above) */
    unsigned max_conns;          /* connections at once */
    unsigned threads;            /* event-loop threads (--threads; 0: one per online CPU) */
    unsigned max_conns_per_ip;   /* of those, from one client address (0: no limit) */
    uint64_t header_timeout_ms;  /* TLS handshake + request line + headers, absolute */
    uint64_t client_timeout_ms;  /* idle connection, and whole body upload */
    uint64_t default_timeout_ms; /* the apiserver's budget when ?timeout= is absent */
    uint64_t margin_ms;          /* answer this long before the budget runs out */
    wh_verdicts_cfg scan;
    int pin_digests;            /* unpinned-image warn → deny on the Kubernetes paths */
    const char *sign_key;       /* Ed25519 PEM signing verdicts; NULL: verdicts unsigned */
    uint64_t verdict_ttl_s;     /* how long a signed verdict is valid */
    const char *tes_upstream;   /* --tes-upstream URL; NULL: no TES gate */
    const char *tes_start;      /* --tes-start kubernetes|shell|docker; NULL: the policy's */
    const char *metrics_listen; /* --metrics-listen ADDR:PORT (plain HTTP); NULL: none */
    const char *redis_url;      /* --redis-url: layer facts shared on Redis; NULL: none */
    uint64_t redis_wait_ms;     /* how long to wait for another replica's facts of a layer */
    const char *redis_key;      /* --redis-key FILE: HMAC secret for the values; NULL: none */
    const char *redis_ca;       /* --redis-ca FILE (rediss://); NULL: the system's CAs */
    const char *redis_cert;     /* --redis-cert FILE, a client certificate (rediss://) */
    const char *redis_cert_key; /* --redis-cert-key FILE, its key */
    const char *redis_pw_file;  /* --redis-password-file FILE; NULL: the URL's password */
} wh_config;

struct wh_gen;

typedef struct wh_server {
    wh_config cfg;
    wh_metrics metrics;
    pthread_mutex_t gen_mu;  /* guards gen, retired and their refs (gen.h) */
    struct wh_gen *gen;      /* the policy generation requests are judged with */
    struct wh_gen *retired;  /* replaced generations not freed yet */
    char *gen_sig, *gen_bad; /* the files' stat signatures: loaded, and last refused */
    wh_tls *tls;
    wh_signer *signer; /* NULL without --sign-key */
    pc_fetch *fetch;   /* the registry process (docs/privsep.md) */
    _Atomic int fetch_gone_logged;
    wh_tesproxy *tes_gate;      /* NULL without --tes-upstream (/ga4gh/tes/v1/ is then 404) */
    wh_redis *redis;            /* NULL without --redis-url */
    pc_facts_store facts_store; /* over redis, set on every generation's context */
    wh_vstore vstore;           /* verdicts on redis (with --redis-key), on every generation's */
    char *client_ca_pem;
    struct MHD_Daemon *mhd;
    wh_conns *conns;                /* every connection, and the header deadline's watchdog */
    wh_offload *offload;            /* request workers: handlers that may wait for a scan */
    unsigned threads;               /* event-loop threads serving (after --threads' default) */
    uint16_t port;                  /* bound port */
    struct MHD_Daemon *metrics_mhd; /* --metrics-listen's plain-HTTP server, or NULL */
    uint16_t metrics_port;          /* its bound port */
    int landlock_abi; /* the filesystem confinement's Landlock ABI; 0: the kernel has none */
    int landlock_net; /* TCP confined too (ABI 4 and later) */
    _Atomic int ready;
} wh_server;

typedef struct wh_http_req {
    struct MHD_Connection *conn;
    const char *method, *path;
    const char *body; /* NUL-terminated copy; len bytes (may hold NULs) */
    size_t len;
    uint64_t start_ms;
    const char *raw_uri; /* path and query exactly as sent (NULL when out of memory) */
    /* 0 on an event-loop thread: the handler must not wait (for a scan,
     * an upstream); when it would have to, it sets wh_reply.defer and
     * answers nothing, and is called again on a request worker with 1 */
    int may_wait;
} wh_http_req;

typedef struct wh_reply {
    unsigned status;
    const char *content_type;
    char *body; /* malloc'd */
    size_t len;
    wh_verdict_label verdict; /* for portcullis_requests_total */
    char ctype[128];          /* room for a content_type that is not a literal (relayed) */
    int defer;                /* set by a handler that cannot answer without waiting (may_wait 0) */
} wh_reply;

/* server.c */
int wh_server_start(wh_server *s, char *err, size_t errlen);
void wh_server_stop(wh_server *s);
struct sockaddr_storage;
/* "ADDR:PORT" or "[V6ADDR]:PORT" into a socket address; -1 when malformed. */
int wh_parse_listen(const char *spec, struct sockaddr_storage *ss, int *v6);

/* metricsd.c: GET /metrics in plain HTTP on --metrics-listen (nothing
 * else is served there); started after the HTTPS server. */
int wh_metrics_server_start(wh_server *s, char *err, size_t errlen);
void wh_metrics_server_stop(wh_server *s);
/* routes.c: the exposition text of s's metrics (malloc'd), or NULL. */
char *wh_metrics_text(wh_server *s);
/* When to have answered: now + the request's ?timeout= (or the default,
 * at most 30s) minus the margin, never less than half the timeout. */
uint64_t wh_request_deadline(const wh_server *s, const wh_http_req *rq);

/* reply.c */
/* Serialise doc (consumed) as the reply body. */
void wh_reply_json(wh_reply *r, unsigned status, json_t *doc);
/* A Kubernetes-style Status object {"kind":"Status",...,"code","message"}. */
void wh_reply_error(wh_reply *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Take ownership of body (a NUL-terminated string). */
void wh_reply_text(wh_reply *r, unsigned status, const char *content_type, char *body);

/* routes.c: the handlers behind each path. */
void wh_route_validate(wh_server *s, const wh_http_req *rq, wh_reply *out);
void wh_route_imagereview(wh_server *s, const wh_http_req *rq, wh_reply *out);
/* mutate.c: POST /mutate (pins images to digests, adds signed verdicts). */
void wh_route_mutate(wh_server *s, const wh_http_req *rq, wh_reply *out);

#endif
