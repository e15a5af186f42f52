/*
 * server.c — the HTTPS front: libmicrohttpd (GnuTLS) set up for a webhook
 * and one request's life through it.
 *
 * Threads: --threads event loops (libmicrohttpd's epoll mode with a
 * thread pool: each thread owns the connections it accepted, TLS and
 * HTTP for all of them, never blocking). A handler runs on its event
 * loop with may_wait 0: a cached verdict is answered there and then. One
 * that would wait (a verdict not cached: a scan to run or to join; the
 * TES gate's relay) says so (wh_reply.defer) without answering or
 * counting anything; the connection is then suspended
 * (MHD_suspend_connection: its socket leaves the event loop, its
 * timeouts stop) and the handler runs again on a request worker
 * (offload.c) with may_wait 1, waiting at most until the request's
 * deadline; the worker keeps the answer in the request and resumes the
 * connection, whose event loop then calls on_request again and sends it.
 * The worker touches neither the request nor the connection after the
 * resume, and every suspended connection is resumed before the daemon
 * stops (wh_offload_drain). A client gone meanwhile is seen on resume:
 * the answer fails to send and the request completes as usual. The
 * policy generation is taken and put back within each run of a handler
 * (gen.h), never held across the suspension: the run on the worker
 * judges with the generation current then. Scans run on their own
 * bounded pool (verdicts.c). Keep-alive is libmicrohttpd's default; a
 * keep-alive answer goes out as one TLS record (onerecord.h).
 *
 * Slow clients cannot hold the slots: (1) one client address holds at
 * most --max-conns-per-ip of them (MHD_OPTION_PER_IP_CONNECTION_LIMIT;
 * more are closed at accept); (2) the TLS handshake, request line and
 * headers must be in within --header-timeout of the connection's start
 * (or of the previous answer) however steadily they drip (conns.c: an
 * absolute deadline, enforced by a watchdog); (3) a body not received
 * within --client-timeout of the headers is answered 408 (or the refusal
 * decided from the head, for a body read only to be thrown away) when its
 * next bytes arrive, and the connection closed; (4) between bytes,
 * libmicrohttpd's inactivity timeout (--client-timeout) closes a silent
 * connection, which bounds (3) at twice --client-timeout.
 *
 * A request is judged before its body is read: unknown path 404, wrong
 * method 405, no valid client certificate 401 (with --client-ca; probes
 * excepted), Content-Type not application/json 415, Content-Length above
 * the limit 413; a chunked body that outgrows the limit is 413 too. The
 * refusal goes out at once when the client waits for it (Expect:
 * 100-continue) or the body is too large to swallow (over twice the
 * limit: the connection is closed); otherwise the body is read and thrown
 * away first, because most clients read an answer only after sending.
 *
 * The request target is also kept exactly as sent (libmicrohttpd's URI
 * log callback sees it before it is split and decoded): the TES gate
 * relays it unchanged.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "conns.h"
#include "log.h"
#include "offload.h"
#include "onerecord.h"
#include "routes.h"
#include "tls.h"
#include "../webhook.h"
#include "pcx.h"

typedef struct conn_req {
    const wh_route *route;
    const char *allow; /* for a 405: the method the path takes */
    pc_buf body;
    uint64_t received; /* body bytes seen, kept or not */
    uint64_t start_ms;
    uint64_t start_us; /* the same moment, finer: the latency histogram's */
    char *raw_uri;     /* the request target as sent, or NULL */
    int admitted;      /* the headers were judged (admit) */
    unsigned reject;   /* status decided before the body was read */
    wh_error_kind reject_kind;
    char reject_msg[256];
    /* a deferred handler (suspended connection): what the worker needs,
     * and its answer once answered is set (then the connection resumes) */
    wh_server *s;
    struct MHD_Connection *conn;
    const char *url, *method; /* libmicrohttpd's, valid until the request completes */
    int deferred, answered;
    wh_reply answer;
    int held; /* its answer held to go out as one TLS record (onerecord.h) */
} conn_req;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Count one answered request: by endpoint and verdict, and its latency. */
static void observe(wh_server *s, const conn_req *q, wh_endpoint ep, wh_verdict_label v)
{
    wh_metrics_request(&s->metrics, ep, v);
    wh_metrics_admission(&s->metrics, ep, v, now_us() - q->start_us);
}

static void reject(conn_req *q, unsigned status, wh_error_kind k, const char *msg)
{
    q->reject = status;
    q->reject_kind = k;
    snprintf(q->reject_msg, sizeof q->reject_msg, "%s", msg);
}

static int is_json_type(const char *ct)
{
    size_t n = strlen("application/json");
    if (!ct || strncasecmp(ct, "application/json", n) != 0)
        return 0;
    return ct[n] == 0 || ct[n] == ';' || ct[n] == ' ';
}

/* The Content-Length header: UINT64_MAX when malformed or huge,
 * UINT64_MAX - 1 when absent (chunked or no body). */
static uint64_t content_length(struct MHD_Connection *c)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return UINT64_MAX - 1;
    if (!*cl || strspn(cl, "0123456789") != strlen(cl) || strlen(cl) > 18)
        return UINT64_MAX;
    return strtoull(cl, NULL, 10);
}

/* Everything that can be judged from the request line and headers. */
static void admit(wh_server *s, struct MHD_Connection *c, const char *url, const char *method,
                  conn_req *q)
{
    char msg[256];
    q->route = wh_route_find(method, url, &q->allow);
    if (!q->route && q->allow) {
        snprintf(msg, sizeof msg, "method %.16s not allowed on %.128s (use %s)", method, url,
                 q->allow);
        reject(q, 405, WH_ERR_METHOD, msg);
        return;
    }
    if (!q->route) {
        snprintf(msg, sizeof msg, "no such path: %.128s", url);
        pc_one_line(msg);
        reject(q, 404, WH_ERR_NOT_FOUND, msg);
        return;
    }
    if (s->client_ca_pem && !q->route->open && wh_tls_client_verified(c) < 0) {
        reject(q, 401, WH_ERR_CLIENT_CERT,
               "a client certificate signed by --client-ca is required");
        return;
    }
    if (!q->route->json_body)
        return;
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!is_json_type(ct)) {
        snprintf(msg, sizeof msg, "Content-Type must be application/json, not \"%.64s\"",
                 ct ? ct : "");
        pc_one_line(msg);
        reject(q, 415, WH_ERR_MEDIA_TYPE, msg);
        return;
    }
    uint64_t n = content_length(c);
    if (n != UINT64_MAX - 1 && n > s->cfg.max_body) {
        snprintf(msg, sizeof msg, "request body larger than %llu bytes",
                 (unsigned long long)s->cfg.max_body);
        reject(q, 413, WH_ERR_TOO_LARGE, msg);
    }
}

/* Bytes of a refused body read and thrown away before giving up on the
 * connection: clients that send no Expect: 100-continue (Go's, Python's)
 * only read the answer once their body is out. */
static uint64_t discard_max(const wh_server *s)
{
    return 2 * s->cfg.max_body + 65536;
}

/* Answer a refused request at once (the client will not send the body,
 * or the body is too large to swallow) or after its body (see above). */
static int answer_early(const wh_server *s, struct MHD_Connection *c)
{
    const char *ex = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    if (ex && strcasecmp(ex, "100-continue") == 0)
        return 1;
    uint64_t n = content_length(c);
    return n != UINT64_MAX - 1 && n > discard_max(s);
}

/* Queue r as q's answer. A small keep-alive answer (the cached
 * verdicts' path) goes out as one TLS record: held until on_completed. */
static enum MHD_Result send_reply(struct MHD_Connection *c, conn_req *q, const wh_reply *r,
                                  const char *allow, int close_conn)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(r->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    if (close_conn)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (!close_conn && !q->held)
        q->held = wh_onerecord_hold(c, r->len);
    enum MHD_Result rc = MHD_queue_response(c, r->status, resp);
    MHD_destroy_response(resp);
    if (rc != MHD_YES && q->held) {
        q->held = 0;
        (void)wh_onerecord_release(c); /* nothing queued: nothing to hold */
    }
    return rc;
}

static enum MHD_Result send_reject(wh_server *s, struct MHD_Connection *c, conn_req *q)
{
    wh_reply r = {0};
    wh_reply_error(&r, q->reject, "%s", q->reject_msg);
    wh_metrics_error(&s->metrics, q->reject_kind);
    observe(s, q, q->route ? q->route->ep : WH_EP_OTHER, WH_V_ERROR);
    return send_reply(c, q, &r, q->reject == 405 ? q->allow : NULL, 1);
}

/* The answer to a request whose body is late: 408, or the refusal
 * decided from its head (401, 404, 415, ...) when its body was being read
 * only to be thrown away. Written while the body is still arriving:
 * libmicrohttpd only queues an answer before the body or after all of it,
 * so it goes straight to the TLS session (wh_tls_send_last), and the
 * caller closes the connection. */
static void send_late(wh_server *s, struct MHD_Connection *c, conn_req *q)
{
    wh_reply r = {0};
    pc_buf b = {0};
    const char *reason = MHD_get_reason_phrase_for(q->reject);
    wh_reply_error(&r, q->reject, "%s", q->reject_msg);
    wh_metrics_error(&s->metrics, q->reject_kind);
    observe(s, q, q->route ? q->route->ep : WH_EP_OTHER, WH_V_ERROR);
    if (r.body)
        pc_buf_printf(&b,
                      "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nCache-Control: no-store\r\n"
                      "Connection: close\r\nContent-Length: %zu\r\n",
                      q->reject, reason && *reason ? reason : "Error", r.content_type, r.len);
    if (r.body && q->reject == 405 && q->allow)
        pc_buf_printf(&b, "Allow: %s\r\n", q->allow);
    pc_buf_add(&b, "\r\n", 2);
    pc_buf_add(&b, r.body ? r.body : "", r.len);
    if (r.body && !b.oom)
        wh_tls_send_last(c, b.p, b.len);
    pc_buf_free(&b);
    free(r.body);
}

/* A chunk of body: kept when under the limit, counted and dropped when
 * over. Past --client-timeout since the head, kept or not, the request
 * is answered and the connection closed: a client dripping bytes gets no
 * more of our time (a refused body too: it is not a way to stay). */
static enum MHD_Result take_body(wh_server *s, struct MHD_Connection *c, conn_req *q,
                                 const char *data, size_t n)
{
    q->received += n;
    if (pc_now_ms() - q->start_ms > s->cfg.client_timeout_ms) {
        if (!q->reject)
            reject(q, 408, WH_ERR_SLOW_CLIENT, "request body not received in time");
        send_late(s, c, q);
        return MHD_NO;
    }
    if (!q->reject && q->received > s->cfg.max_body) {
        char msg[128];
        snprintf(msg, sizeof msg, "request body larger than %llu bytes",
                 (unsigned long long)s->cfg.max_body);
        reject(q, 413, WH_ERR_TOO_LARGE, msg);
        pc_buf_free(&q->body);
    }
    if (q->reject)
        return q->received > discard_max(s) ? MHD_NO : MHD_YES;
    pc_buf_add(&q->body, data, n);
    if (q->body.oom)
        reject(q, 503, WH_ERR_INTERNAL, "out of memory");
    return MHD_YES;
}

/* Run the request's handler; may_wait 0 on an event loop. r->defer when
 * it would have waited (then it answered nothing). */
static void run_handler(wh_server *s, struct MHD_Connection *c, const char *url, const char *method,
                        conn_req *q, int may_wait, wh_reply *r)
{
    wh_http_req rq = {.conn = c,
                      .method = method,
                      .path = url,
                      .body = q->body.p ? q->body.p : "",
                      .len = q->body.len,
                      .start_ms = q->start_ms,
                      .raw_uri = q->raw_uri,
                      .may_wait = may_wait};
    memset(r, 0, sizeof *r);
    r->verdict = WH_V_NONE;
    q->route->fn(s, &rq, r);
    if (r->defer && may_wait) { /* a handler that never answers: fail closed */
        free(r->body);
        memset(r, 0, sizeof *r);
    }
    if (r->defer) {
        free(r->body);
        r->body = NULL;
        return;
    }
    if (!r->body) {
        wh_reply_error(r, 500, "internal error");
        wh_metrics_error(&s->metrics, WH_ERR_INTERNAL);
    }
}

/* On a request worker: the handler, allowed to wait; then the answer is
 * kept and the connection resumed (its event loop sends it). */
static void deferred_main(void *arg)
{
    conn_req *q = arg;
    wh_server *s = q->s;
    struct MHD_Connection *c = q->conn;
    run_handler(s, c, q->url, q->method, q, 1, &q->answer);
    q->answered = 1;
    atomic_fetch_sub(&s->metrics.requests_waiting, 1);
    MHD_resume_connection(c); /* q and c belong to the event loop from here */
    wh_offload_done(s->offload);
}

/* The handler would wait: suspend the connection and run it again on a
 * request worker. */
static enum MHD_Result defer(wh_server *s, struct MHD_Connection *c, const char *url,
                             const char *method, conn_req *q)
{
    q->s = s;
    q->conn = c;
    q->url = url;
    q->method = method;
    q->deferred = 1;
    MHD_suspend_connection(c); /* before the worker exists: it resumes */
    atomic_fetch_add(&s->metrics.requests_deferred, 1);
    atomic_fetch_add(&s->metrics.requests_waiting, 1);
    if (wh_offload_run(s->offload, deferred_main, q) == 0)
        return MHD_YES;
    atomic_fetch_sub(&s->metrics.requests_waiting, 1);
    /* shutting down, or no thread: refused now (fail closed) */
    wh_reply_error(&q->answer, 503,
                   "the webhook cannot take this request now (shutting down or "
                   "out of threads), retry");
    wh_metrics_error(&s->metrics, WH_ERR_INTERNAL);
    q->answered = 1;
    MHD_resume_connection(c);
    return MHD_YES;
}

static enum MHD_Result dispatch(wh_server *s, struct MHD_Connection *c, const char *url,
                                const char *method, conn_req *q)
{
    wh_reply r, *rp = &r; /* (content_type may point into the reply: never copied) */
    if (q->deferred) {    /* resumed: the worker's answer */
        if (!q->answered)
            return MHD_NO; /* cannot happen: resumed only once answered */
        rp = &q->answer;
    } else {
        run_handler(s, c, url, method, q, 0, &r);
        if (r.defer)
            return defer(s, c, url, method, q);
    }
    observe(s, q, q->route->ep, rp->verdict);
    enum MHD_Result rc = send_reply(c, q, rp, NULL, 0);
    rp->body = NULL; /* send_reply took it */
    return rc;
}

/* Called with the request line's target before libmicrohttpd decodes it;
 * the conn_req made here is the request's from now on. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    conn_req *q = calloc(1, sizeof *q);
    if (q)
        q->raw_uri = strdup(uri); /* NULL when out of memory: the TES gate then refuses */
    return q;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    wh_server *s = cls;
    conn_req *q = *con_cls;
    if (!q || !q->admitted) {
        if (!q && !(q = calloc(1, sizeof *q)))
            return MHD_NO;
        q->admitted = 1;
        q->start_ms = pc_now_ms();
        q->start_us = now_us();
        *con_cls = q;
        if (wh_conn_head_done(c) < 0)
            return MHD_NO; /* past --header-timeout: closed unanswered */
        admit(s, c, url, method, q);
        return q->reject && answer_early(s, c) ? send_reject(s, c, q) : MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return take_body(s, c, q, upload_data, n);
    }
    if (q->reject)
        return send_reject(s, c, q);
    return dispatch(s, c, url, method, q);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn_req *q = *con_cls;
    if (q && q->held)
        (void)wh_onerecord_release(c); /* before libmicrohttpd closes or reuses c */
    wh_conn_request_done(c);           /* the next request's head is awaited from now */
    if (q) {
        free(q->answer.body); /* a worker's answer never sent */
        pc_buf_free(&q->body);
        free(q->raw_uri);
        free(q);
        *con_cls = NULL;
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = 0;
    wh_logf("warn", "http: %s", msg);
}

int wh_parse_listen(const char *spec, struct sockaddr_storage *ss, int *v6)
{
    char host[128];
    const char *colon = strrchr(spec, ':');
    uint64_t port;
    if (!colon || (size_t)(colon - spec) >= sizeof host ||
        pc_parse_uint(colon + 1, 65535, &port) < 0)
        return -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = 0;
    memset(ss, 0, sizeof *ss);
    *v6 = host[0] == '[';
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        size_t n = strlen(host);
        if (n < 3 || host[n - 1] != ']')
            return -1;
        host[n - 1] = 0;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 ? 0 : -1;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

/* The default --threads: the CPUs this process may run on now. */
static unsigned wh_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

/* Each connection's libmicrohttpd memory pool: the request line and
 * headers, its read buffer, the answer's headers. libmicrohttpd 0.9.75
 * zeroes the whole pool before each request of a keep-alive connection
 * (MHD_pool_reset), so its size is paid on every answer: 32 KiB
 * (libmicrohttpd's own default; a head that does not fit is answered
 * 431) instead of 128 KiB took about 6% of the CPU of a cached answer.
 * Bodies do not live there (take_body keeps them, up to --max-body). */
#define WH_CONN_POOL (32 * 1024)

int wh_server_start(wh_server *s, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int v6;
    if (wh_parse_listen(s->cfg.listen, &ss, &v6) < 0) {
        snprintf(err, errlen, "--listen \"%s\": expected ADDR:PORT or [V6ADDR]:PORT",
                 s->cfg.listen);
        return -1;
    }
    unsigned flags = MHD_USE_TLS | MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    /* each thread of the pool takes max_conns / threads: never fewer than one */
    s->threads = s->cfg.threads ? s->cfg.threads : wh_online_cpus();
    if (s->threads > s->cfg.max_conns)
        s->threads = s->cfg.max_conns;
    unsigned timeout_s = (unsigned)((s->cfg.client_timeout_ms + 999) / 1000);
    struct MHD_OptionItem trust[] = {
        {s->client_ca_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, s->client_ca_pem},
        {MHD_OPTION_END, 0, NULL}};
    if (wh_offload_new(s->cfg.max_conns, &s->offload) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (wh_conns_new(s->cfg.header_timeout_ms, s->tls, &s->metrics, &s->conns, err, errlen) < 0) {
        wh_offload_free(s->offload);
        s->offload = NULL;
        return -1;
    }
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_HTTPS_CERT_CALLBACK,
        wh_tls_cert_callback, MHD_OPTION_NOTIFY_CONNECTION, wh_conns_notify, s->conns,
        MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
        MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        s->cfg.max_conns_per_ip, MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WH_CONN_POOL, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_THREAD_POOL_SIZE,
        s->threads, MHD_OPTION_ARRAY, trust, MHD_OPTION_END);
    if (!s->mhd) {
        snprintf(err, errlen, "cannot listen on %s (address in use, or TLS set-up failed)",
                 s->cfg.listen);
        wh_conns_free(s->conns);
        s->conns = NULL;
        wh_offload_free(s->offload);
        s->offload = NULL;
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : 0;
    return 0;
}

void wh_server_stop(wh_server *s)
{
    /* every suspended connection resumed first: libmicrohttpd may not stop
     * with one (each worker is bounded by its request's deadline) */
    if (s->offload)
        wh_offload_drain(s->offload);
    wh_conns_stop(s->conns); /* and every stalled handshake's */
    if (s->mhd)
        MHD_stop_daemon(s->mhd); /* closes every connection */
    s->mhd = NULL;
    wh_conns_free(s->conns);
    s->conns = NULL;
    wh_offload_free(s->offload);
    s->offload = NULL;
}
