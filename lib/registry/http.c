/*
 * http.c — requests to registries over libcurl, one easy handle in its own
 * multi handle per request, so a response can be read a piece at a time
 * from whichever thread owns it.
 *
 * Body bytes land in a fixed buffer (BODY_BUF). When the write callback
 * gets a chunk that does not fit it returns CURL_WRITEFUNC_PAUSE; libcurl
 * then stops reading the socket and keeps that one chunk (at most
 * CURL_MAX_WRITE_SIZE) until pc_http_read has drained the buffer and
 * unpauses. HTTP/1.1 is forced: with HTTP/2 a paused stream can still
 * have a large flow-control window of data buffered for it.
 *
 * Headers are kept (bounded in size and count) as "name\0value\0" pairs,
 * reset at every status line, and "headers done" is the blank line of a
 * final (>= 200) response. Redirects are followed here, not by libcurl,
 * so the Authorization header can be dropped for good once a hop leaves
 * the original origin. libcurl's verbose output is never enabled: it
 * would print the Authorization header.
 */
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "registry/certdir.h"
#include "registry/connpool.h"
#include "registry/http.h"
#include "portcullis.h"
#include "pcx.h"

#define BODY_BUF (4 * CURL_MAX_WRITE_SIZE)
#define HDR_MAX 65536
#define HDR_COUNT_MAX 256
#define MAX_ATTEMPTS 4
#define MAX_REDIRECTS 5
#define CONNECT_TIMEOUT_MS 30000L
#define LOW_SPEED_TIME_S 30L
#define RETRY_AFTER_MAX_MS 60000

/* Connection reuse: a finished transfer's handles go back to the
 * context's pool (connpool.h), tagged with the origin they talked to, and
 * the next request to that origin takes them, so the requests of a scan,
 * and of the scans after it, ride one kept-alive TLS connection. What a
 * request sends is set anew each time (the pool resets the handle), so
 * nothing of one request (its Authorization header above all) reaches
 * another. */
struct pc_http {
    int tls_verify;
    uint64_t deadline_ms;
    pc_tls_trust trust;
    pc_connpool *pool; /* the context's, or own_pool */
    pc_connpool *own_pool;
};

struct pc_http_resp {
    const pc_http *h;
    CURL *easy;
    CURLM *multi;
    struct curl_slist *reqh;
    char errbuf[CURL_ERROR_SIZE];
    char peer[300], what[32], origin[300];
    char *hdr; /* "name\0value\0" * nhdr */
    size_t hdr_len, nhdr;
    long status;
    int headers_done, done, paused, in_multi;
    CURLcode result;
    unsigned char *buf;
    size_t start, len;
};

int pc_http_tls_verify(const pc_http *h)
{
    return h->tls_verify;
}

/* --- response plumbing --- */

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
    pc_http_resp *r = ud;
    size_t n = sz * nm, k = n;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        r->hdr_len = r->nhdr = 0; /* a new response (1xx, or a proxy's) */
        return n;
    }
    while (k && (p[k - 1] == '\r' || p[k - 1] == '\n'))
        k--;
    if (k == 0) {
        long st = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &st);
        if (st >= 200) {
            r->status = st;
            r->headers_done = 1;
        }
        return n;
    }
    const char *colon = memchr(p, ':', k);
    if (!colon || memchr(p, 0, k))
        return n; /* not a header, or one with a NUL that would split the pair */
    size_t nl = (size_t)(colon - p), vs = nl + 1;
    while (vs < k && (p[vs] == ' ' || p[vs] == '\t'))
        vs++;
    while (k > vs && (p[k - 1] == ' ' || p[k - 1] == '\t'))
        k--;
    size_t need = nl + 1 + (k - vs) + 1;
    if (need > HDR_MAX - r->hdr_len || r->nhdr >= HDR_COUNT_MAX)
        return 0; /* abort: hostile or broken peer */
    memcpy(r->hdr + r->hdr_len, p, nl);
    r->hdr[r->hdr_len + nl] = 0;
    memcpy(r->hdr + r->hdr_len + nl + 1, p + vs, k - vs);
    r->hdr[r->hdr_len + need - 1] = 0;
    r->hdr_len += need;
    r->nhdr++;
    return n;
}

static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
    pc_http_resp *r = ud;
    size_t n = sz * nm;
    if (n > BODY_BUF)
        return 0; /* libcurl never hands over more than CURL_MAX_WRITE_SIZE */
    if (r->len == 0)
        r->start = 0;
    if (n > BODY_BUF - r->start - r->len && r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->len);
        r->start = 0;
    }
    if (n > BODY_BUF - r->len) {
        r->paused = 1;
        return CURL_WRITEFUNC_PAUSE;
    }
    memcpy(r->buf + r->start + r->len, p, n);
    r->len += n;
    return n;
}

const char *pc_http_header(const pc_http_resp *r, const char *name, size_t idx)
{
    const char *p = r->hdr;
    for (size_t i = 0; i < r->nhdr; i++) {
        const char *v = p + strlen(p) + 1;
        if (strcasecmp(p, name) == 0 && idx-- == 0)
            return v;
        p = v + strlen(v) + 1;
    }
    return NULL;
}

long pc_http_status(const pc_http_resp *r)
{
    return r->status;
}

const char *pc_http_peer(const pc_http_resp *r)
{
    return r->peer;
}

int64_t pc_http_length(const pc_http_resp *r)
{
    curl_off_t cl = -1;
    if (curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) != CURLE_OK)
        return -1;
    return cl < 0 ? -1 : (int64_t)cl;
}

#define DRAIN_MAX 65536    /* an unread body this small is read to keep its connection */
#define DRAIN_TIME_MS 1000 /* for at most this long */

/* A response closed before its end (a 401, a redirect, an error answer
 * whose body arrives after its headers) would take its connection with
 * it: read what is left when the peer said it is small, briefly. */
static void drain(pc_http_resp *r)
{
    int64_t cl = pc_http_length(r);
    if (r->done || !r->headers_done || !r->h->pool || cl < 0 || cl > DRAIN_MAX)
        return;
    uint64_t until = pc_now_ms() + DRAIN_TIME_MS;
    char scratch[4096];
    pc_err ignore;
    while (!r->done && pc_now_ms() < until) {
        if (r->len) {
            r->len = 0; /* nobody wants these bytes */
            continue;
        }
        if (pc_http_read(r, scratch, sizeof scratch, &ignore) <= 0)
            break;
    }
}

void pc_http_close(pc_http_resp *r)
{
    if (!r)
        return;
    if (r->easy && r->multi && r->in_multi)
        drain(r);
    if (r->in_multi)
        curl_multi_remove_handle(r->multi, r->easy);
    /* only a transfer that completed (its body read to the end) leaves a
     * connection worth keeping */
    if (r->easy && r->multi && r->h->pool && r->done && r->result == CURLE_OK &&
        pc_connpool_give(r->h->pool, r->origin, r->easy, r->multi))
        r->easy = NULL, r->multi = NULL;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    if (r->multi)
        curl_multi_cleanup(r->multi);
    for (struct curl_slist *s = r->reqh; s; s = s->next)
        explicit_bzero(s->data, strlen(s->data)); /* may hold Authorization */
    curl_slist_free_all(r->reqh);
    free(r->hdr);
    free(r->buf);
    free(r);
}

/* "host[:port]" of url, for messages. */
static void peer_of(const char *url, char *out, size_t n)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    snprintf(out, n, "?");
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        char tmp[300];
        snprintf(tmp, sizeof tmp, "%s%s%s", host, port ? ":" : "", port ? port : "");
        pc_safe_str(tmp, out, n);
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

/* One step of the transfer: run libcurl, note completion, and when what
 * the caller waits for (headers, or body bytes) is not there yet, sleep
 * until the socket or a libcurl timer has something. */
static int drive(pc_http_resp *r, int want_body, pc_err *e)
{
    int running = 0, left;
    CURLMcode mc = curl_multi_perform(r->multi, &running);
    if (mc != CURLM_OK)
        return pc_err_set(e, "libcurl: %s", curl_multi_strerror(mc));
    CURLMsg *m;
    while ((m = curl_multi_info_read(r->multi, &left)))
        if (m->msg == CURLMSG_DONE) {
            r->done = 1;
            r->result = m->data.result;
        }
    if (r->done || r->paused || (want_body ? r->len > 0 : r->headers_done))
        return 0;
    mc = curl_multi_poll(r->multi, NULL, 0, 1000, NULL);
    return mc == CURLM_OK ? 0 : pc_err_set(e, "libcurl: %s", curl_multi_strerror(mc));
}

static int deadline_passed(const pc_http *h)
{
    return h->deadline_ms && pc_now_ms() >= h->deadline_ms;
}

static int unknown_authority(const char *d)
{
    return strstr(d, "unable to get local issuer") || strstr(d, "self-signed") ||
           strstr(d, "self signed") || strstr(d, "unable to verify the first") ||
           strstr(d, "unable to get issuer");
}

/* The peer ended TLS with an alert about our (missing) certificate. */
static int tls_alert(const char *d)
{
    return strstr(d, "alert") && strstr(d, "certificate");
}

/* A failed transfer as a message a user can act on. */
static int curl_fail(const pc_http_resp *r, CURLcode cc, const char *what, pc_err *e)
{
    char d[300];
    pc_safe_str(r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc), d, sizeof d);
    if (deadline_passed(r->h))
        return pc_err_set(e, "%s %s: the scan deadline passed (limits.timeout_seconds)", what,
                          r->peer);
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
        return pc_err_set(e, "%s %s unreachable (%s)", what, r->peer, curl_easy_strerror(cc));
    case CURLE_PEER_FAILED_VERIFICATION:
        if (unknown_authority(d))
            return pc_err_set(e,
                              "TLS: certificate signed by unknown authority (use --cert-dir): "
                              "%s %s",
                              what, r->peer);
        return pc_err_set(e, "TLS: %s %s: certificate not accepted: %s", what, r->peer, d);
    case CURLE_SSL_CONNECT_ERROR:
        pc_err_set(e, "TLS: handshake with %s %s failed: %s", what, r->peer, d);
        return PC_HTTP_TLS_FAILED;
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return pc_err_set(e, "TLS: certificate files for %s %s unusable: %s", what, r->peer, d);
    case CURLE_UNSUPPORTED_PROTOCOL:
        return pc_err_set(e, "%s %s: plain http:// refused (only with --tls-verify=false)", what,
                          r->peer);
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        if (tls_alert(d))
            return pc_err_set(e,
                              "TLS: %s %s refused our client certificate (or that none was "
                              "sent): a certs.d directory with client.cert and client.key "
                              "(--cert-dir) is needed: %s",
                              what, r->peer, d);
        return pc_err_set(e, "%s %s: %s", what, r->peer, d);
    case CURLE_WRITE_ERROR:
        return pc_err_set(e, "%s %s: response headers too large or malformed", what, r->peer);
    default:
        return pc_err_set(e, "%s %s: %s", what, r->peer, d);
    }
}

/* Worth another try: the network, not the peer's TLS policy, failed. */
static int retryable(CURLcode cc, const char *errbuf)
{
    if (tls_alert(errbuf))
        return 0;
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
           cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
           cc == CURLE_PARTIAL_FILE;
}

static int set_headers(pc_http_resp *r, const pc_http_req *rq, int send_auth)
{
    struct curl_slist *l;
    char *line;
    if (rq->accept) {
        if (!(line = pc_asprintf("Accept: %s", rq->accept)))
            return -1;
        l = curl_slist_append(r->reqh, line);
        free(line);
        if (!l)
            return -1;
        r->reqh = l;
    }
    if (send_auth && rq->auth) {
        if (!(line = pc_asprintf("Authorization: %s", rq->auth)))
            return -1;
        l = curl_slist_append(r->reqh, line);
        explicit_bzero(line, strlen(line));
        free(line);
        if (!l)
            return -1;
        r->reqh = l;
    }
    return 0;
}

static void set_tls(CURL *c, const pc_http *h)
{
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->tls_verify ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->tls_verify ? 2L : 0L);
    const pc_tls_trust *t = &h->trust;
    if (t->ca_blob) {
        struct curl_blob b = {.data = t->ca_blob, .len = t->ca_len, .flags = CURL_BLOB_NOCOPY};
        curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &b);
        if (t->ca_path) /* the system's roots, looked up as a chain needs them */
            curl_easy_setopt(c, CURLOPT_CAPATH, t->ca_path);
    }
    if (t->client_cert) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, t->client_cert);
        curl_easy_setopt(c, CURLOPT_SSLKEY, t->client_key);
    }
}

static int setup(pc_http_resp *r, const pc_http_req *rq, const char *url, int send_auth)
{
    CURL *c = r->easy;
    const pc_http *h = r->h;
    if (set_headers(r, rq, send_auth) < 0)
        return -1;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, h->tls_verify ? "https" : "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME_S);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "portcullis/" PC_VERSION);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->reqh);
    CURLSH *share = h->pool ? pc_connpool_share(h->pool) : NULL;
    if (share)
        curl_easy_setopt(c, CURLOPT_SHARE, share);
    if (h->deadline_ms) {
        uint64_t now = pc_now_ms(), left = h->deadline_ms > now ? h->deadline_ms - now : 1;
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(left > LONG_MAX ? LONG_MAX : left));
    }
    if (rq->form) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(rq->form));
        curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, rq->form);
    }
    set_tls(c, h);
    return 0;
}

static int origin_of(const char *url, char *out, size_t n);

static pc_http_resp *resp_new(const pc_http *h, const char *url)
{
    pc_http_resp *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->h = h;
    if (origin_of(url, r->origin, sizeof r->origin) < 0)
        r->origin[0] = 0;
    if (!h->pool || !r->origin[0] || !pc_connpool_take(h->pool, r->origin, &r->easy, &r->multi)) {
        r->easy = curl_easy_init();
        r->multi = curl_multi_init();
    }
    r->hdr = malloc(HDR_MAX);
    r->buf = malloc(BODY_BUF);
    if (!r->easy || !r->multi || !r->hdr || !r->buf) {
        pc_http_close(r);
        return NULL;
    }
    peer_of(url, r->peer, sizeof r->peer);
    return r;
}

/* One attempt: start the transfer and run it until the headers are in. */
static int open_once(const pc_http *h, const pc_http_req *rq, const char *url, int send_auth,
                     pc_http_resp **out, int *again, pc_err *e)
{
    *out = NULL;
    *again = 0;
    pc_http_resp *r = resp_new(h, url);
    if (!r || setup(r, rq, url, send_auth) < 0) {
        pc_http_close(r);
        return pc_err_set(e, "out of memory");
    }
    if (curl_multi_add_handle(r->multi, r->easy) != CURLM_OK) {
        pc_http_close(r);
        return pc_err_set(e, "libcurl: cannot start a transfer");
    }
    r->in_multi = 1;
    snprintf(r->what, sizeof r->what, "%s", rq->what);
    while (!r->headers_done && !r->done)
        if (drive(r, 0, e) < 0) {
            pc_http_close(r);
            return -1;
        }
    if (!r->headers_done) {
        CURLcode cc = r->result == CURLE_OK ? CURLE_GOT_NOTHING : r->result;
        *again = retryable(cc, r->errbuf);
        int rc = curl_fail(r, cc, rq->what, e);
        pc_http_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* The wait a 429/503 asks for: Retry-After seconds or an HTTP date. */
static uint64_t retry_after(const pc_http_resp *r, uint64_t dflt)
{
    const char *v = pc_http_header(r, "Retry-After", 0);
    if (!v || !*v)
        return dflt;
    uint64_t ms;
    if (strspn(v, "0123456789") == strlen(v)) {
        ms = strlen(v) > 5 ? RETRY_AFTER_MAX_MS : strtoull(v, NULL, 10) * 1000;
    } else {
        time_t t = curl_getdate(v, NULL), now = time(NULL);
        if (t < 0)
            return dflt;
        ms = t > now ? (uint64_t)(t - now) * 1000 : 0;
    }
    return ms > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : ms;
}

static int time_for(const pc_http *h, uint64_t delay)
{
    return !h->deadline_ms || pc_now_ms() + delay < h->deadline_ms;
}

static int retry_status(long st)
{
    return st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
}

static int open_retrying(const pc_http *h, const pc_http_req *rq, const char *url, int send_auth,
                         pc_http_resp **out, pc_err *e)
{
    for (int attempt = 0;; attempt++) {
        int again;
        pc_http_resp *r;
        uint64_t delay = 250u << attempt;
        int last = attempt + 1 >= MAX_ATTEMPTS;
        int rc = open_once(h, rq, url, send_auth, &r, &again, e);
        if (rc == 0) {
            if (!retry_status(r->status) || last)
                return *out = r, 0;
            delay = retry_after(r, delay);
            if (!time_for(h, delay))
                return *out = r, 0;
            pc_http_close(r);
        } else if (!again || last || !time_for(h, delay)) {
            return rc;
        }
        sleep_ms(delay);
    }
}

/* scheme://host:port of url, lower-cased; -1 when it does not parse. */
static int origin_of(const char *url, char *out, size_t n)
{
    CURLU *u = curl_url();
    char *s = NULL, *host = NULL, *port = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        snprintf(out, n, "%s://%s:%s", s, host, port);
        for (char *p = out; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        rc = 0;
    }
    curl_free(s);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

/* Resolve a Location header against the URL it came from. */
static char *resolve_location(const char *base, const char *loc)
{
    CURLU *u = curl_url();
    char *abs = NULL, *copy = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, loc, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &abs, 0) == CURLUE_OK)
        copy = pc_strdup(abs);
    curl_free(abs);
    curl_url_cleanup(u);
    return copy;
}

static int is_redirect(long st)
{
    return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* The next hop of a redirect, or NULL with a message. */
static char *next_hop(const pc_http *h, pc_http_resp *r, const char *url, const char *what,
                      pc_err *e)
{
    const char *loc = pc_http_header(r, "Location", 0);
    char *next = loc ? resolve_location(url, loc) : NULL;
    if (!next) {
        pc_err_set(e, "%s %s: redirect without a usable Location", what, r->peer);
        return NULL;
    }
    if (strncmp(next, "https://", 8) != 0 && (h->tls_verify || strncmp(next, "http://", 7))) {
        free(next);
        pc_err_set(e, "%s %s: redirect to a non-https URL refused", what, r->peer);
        return NULL;
    }
    return next;
}

int pc_http_open(pc_http *h, const pc_http_req *rq, pc_http_resp **out, pc_err *e)
{
    char origin[400], o2[400];
    char *url = pc_strdup(rq->url);
    int send_auth = 1;
    *out = NULL;
    if (!url)
        return pc_err_set(e, "out of memory");
    if (origin_of(url, origin, sizeof origin) < 0) {
        free(url);
        return pc_err_set(e, "%s: malformed URL", rq->what);
    }
    for (int hops = 0;; hops++) {
        pc_http_resp *r = NULL;
        int rc = open_retrying(h, rq, url, send_auth, &r, e);
        if (rc < 0 || !rq->follow || !is_redirect(r->status)) {
            free(url);
            *out = rc < 0 ? NULL : r;
            return rc;
        }
        char *next = hops < MAX_REDIRECTS ? next_hop(h, r, url, rq->what, e) : NULL;
        if (hops >= MAX_REDIRECTS)
            pc_err_set(e, "%s %s: more than %d redirects", rq->what, r->peer, MAX_REDIRECTS);
        pc_http_close(r);
        free(url);
        if (!next)
            return -1;
        url = next;
        /* a hop to another origin never gets our credentials, nor do later hops */
        if (origin_of(url, o2, sizeof o2) < 0 || strcmp(o2, origin) != 0)
            send_auth = 0;
    }
}

ssize_t pc_http_read(pc_http_resp *r, void *buf, size_t n, pc_err *e)
{
    while (r->len == 0) {
        if (r->done && !r->paused) {
            if (r->result == CURLE_OK)
                return 0;
            curl_fail(r, r->result, r->what, e);
            return pc_err_prefix(e, "reading the response");
        }
        if (r->paused) {
            r->paused = 0;
            curl_easy_pause(r->easy, CURLPAUSE_CONT);
            continue;
        }
        if (drive(r, 1, e) < 0)
            return -1;
    }
    size_t k = r->len < n ? r->len : n;
    memcpy(buf, r->buf + r->start, k);
    r->start += k;
    r->len -= k;
    return (ssize_t)k;
}

int pc_http_slurp(pc_http_resp *r, size_t max, char **out, size_t *len, pc_err *e)
{
    int64_t cl = pc_http_length(r);
    *out = NULL;
    if (cl >= 0 && (uint64_t)cl > (uint64_t)max)
        return pc_err_set(e, "response of %lld bytes exceeds the limit of %zu", (long long)cl, max);
    pc_buf b = {0};
    char chunk[16384];
    for (;;) {
        ssize_t k = pc_http_read(r, chunk, sizeof chunk, e);
        if (k < 0 || (k > 0 && (size_t)k > max - b.len)) {
            pc_buf_free(&b);
            return k < 0 ? -1 : pc_err_set(e, "response exceeds the limit of %zu bytes", max);
        }
        if (k == 0)
            break;
        pc_buf_add(&b, chunk, (size_t)k);
    }
    pc_buf_add(&b, "", 0);
    if (b.oom) {
        pc_buf_free(&b);
        return pc_err_set(e, "out of memory");
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

char *pc_http_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    if (n > (SIZE_MAX - 1) / 3)
        return NULL;
    char *o = malloc(n * 3 + 1), *w = o;
    if (!o)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            *w++ = (char)*p;
        } else {
            *w++ = '%';
            *w++ = hex[*p >> 4];
            *w++ = hex[*p & 15];
        }
    }
    *w = 0;
    return o;
}

int pc_http_new(const pc_http_cfg *cfg, pc_http **out, pc_err *e)
{
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return pc_err_set(e, "libcurl initialisation failed");
    pc_http *h = calloc(1, sizeof *h);
    if (!h) {
        curl_global_cleanup();
        return pc_err_set(e, "out of memory");
    }
    h->tls_verify = cfg->tls_verify;
    h->deadline_ms = cfg->deadline_ms;
    if (pc_certdir_load(cfg->cert_dir, cfg->host, &h->trust, e) < 0) {
        pc_http_free(h);
        return -1;
    }
    h->pool = cfg->pool;
    if (!h->pool)
        h->pool = h->own_pool = pc_connpool_new(); /* NULL: no reuse */
    *out = h;
    return 0;
}

void pc_http_free(pc_http *h)
{
    if (!h)
        return;
    pc_connpool_free(h->own_pool);
    pc_tls_trust_free(&h->trust);
    free(h);
    curl_global_cleanup();
}
