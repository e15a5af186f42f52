/*
 * tesproxy.c — see tesproxy.h: the TES gate, one libcurl easy handle per
 * relayed request (the handler runs on its connection's own thread).
 *
 * What is relayed. The request target exactly as the client sent it
 * (server.c keeps the raw URI: libmicrohttpd hands handlers a decoded
 * path without the query), appended to the upstream URL and sent with
 * CURLOPT_PATH_AS_IS so libcurl does not tidy it; the method; the body
 * bytes as received; and only these headers: Authorization, Content-Type,
 * Accept, User-Agent (hop-by-hop and everything else stays here; libcurl's
 * own defaults for Content-Type, Accept and Expect are suppressed). Back
 * come the upstream's status, Content-Type and body, at most
 * TES_RESPONSE_MAX bytes, within TES_TIMEOUT_MS. Redirects are relayed,
 * not followed.
 *
 * Why the path checks. The gate must judge every request the upstream
 * would take as "create a task", however its path is spelled: servers
 * decode %XX, fold case, drop ";params" (Java), take '\' as '/' (.NET),
 * resolve dot segments and ignore a trailing '/'. So a target is read both
 * raw and decoded, canonicalised both ways, and judged when either reading
 * is the tasks collection; judging too much is harmless (a body that is
 * not a task is a 400). A target whose reading leaves the TES prefix, or
 * that holds bytes a request target cannot (controls, non-ASCII, '#', a
 * NUL or malformed escape), is refused instead of relayed.
 *
 * The Authorization header is relayed, never logged: the log line of a
 * relayed request holds method, path (without query), status and time.
 *
 * With --sign-key, an allowed task goes upstream with one more header,
 * Portcullis-Verdicts: the executors' signed verdicts ("attestation" of
 * the judged answer, in executor order) as one line of JSON, for the TES
 * server to keep where the task cannot write. A client cannot send it
 * through the gate (only the headers above are relayed).
 */
#include <curl/curl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "../http/log.h"
#include "tes.h"
#include "tesproxy.h"
#include "pcx.h"

#define TES_RESPONSE_MAX (16u << 20) /* bytes of an upstream answer */
#define TES_CONNECT_TIMEOUT_MS 5000L
#define TES_TIMEOUT_MS 30000L
#define TES_URL_MAX 2048
#define TES_VERDICTS_HEADER_MAX (64u << 10) /* bytes of the Portcullis-Verdicts header */

struct wh_tesproxy {
    char *base; /* scheme://host[:port][/path], no trailing '/' */
};

static const char *const pass_headers[] = {"Authorization", "Content-Type", "Accept", "User-Agent"};
static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

/* ---- the upstream URL ---- */

static int url_refused(CURLU *u, char *err, size_t errlen)
{
    char *scheme = NULL, *v = NULL;
    const char *why = NULL;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0))
        why = "expected an http:// or https:// URL";
    else if (curl_url_get(u, CURLUPART_USER, &v, 0) == CURLUE_OK ||
             curl_url_get(u, CURLUPART_PASSWORD, &v, 0) == CURLUE_OK)
        why = "credentials do not belong in the URL (clients send their own Authorization)";
    else if (curl_url_get(u, CURLUPART_QUERY, &v, 0) == CURLUE_OK ||
             curl_url_get(u, CURLUPART_FRAGMENT, &v, 0) == CURLUE_OK)
        why = "expected no query or fragment (request paths are appended to it)";
    curl_free(scheme);
    curl_free(v);
    if (why) /* the URL is not repeated: it may hold a password */
        snprintf(err, errlen, "--tes-upstream: %s", why);
    return why ? -1 : 0;
}

int wh_tesproxy_new(const char *url, wh_tesproxy **out, char *err, size_t errlen)
{
    *out = NULL;
    if (strlen(url) > TES_URL_MAX)
        return snprintf(err, errlen, "--tes-upstream: longer than %d bytes", TES_URL_MAX), -1;
    CURLU *u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        snprintf(err, errlen, "--tes-upstream: not a URL");
        return -1;
    }
    char *norm = NULL;
    if (url_refused(u, err, errlen) < 0) {
        curl_url_cleanup(u);
        return -1;
    }
    if (curl_url_get(u, CURLUPART_URL, &norm, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        snprintf(err, errlen, "--tes-upstream: out of memory");
        return -1;
    }
    curl_url_cleanup(u);
    wh_tesproxy *p = calloc(1, sizeof *p);
    if (!p || !(p->base = strdup(norm)) || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        curl_free(norm);
        if (p)
            free(p->base);
        free(p);
        snprintf(err, errlen, "--tes-upstream: out of memory or libcurl unusable");
        return -1;
    }
    curl_free(norm);
    for (size_t n = strlen(p->base); n && p->base[n - 1] == '/'; n--)
        p->base[n - 1] = 0;
    *out = p;
    return 0;
}

void wh_tesproxy_free(wh_tesproxy *p)
{
    if (!p)
        return;
    free(p->base);
    free(p);
    curl_global_cleanup();
}

/* The port url names, or its scheme's (defscheme when it has none, as
 * libcurl reads a proxy variable): 0 when it cannot be read. */
static unsigned url_port(const char *url, int guess)
{
    CURLU *u = curl_url();
    char *port = NULL;
    unsigned v = 0;
    if (u && curl_url_set(u, CURLUPART_URL, url, guess ? CURLU_GUESS_SCHEME : 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK && port)
        v = (unsigned)strtoul(port, NULL, 10);
    curl_free(port);
    curl_url_cleanup(u);
    return v <= 65535 ? v : 0;
}

size_t wh_tesproxy_ports(const wh_tesproxy *p, unsigned *ports, size_t max)
{
    static const char *const vars[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                       "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
    size_t n = 0;
    unsigned v = p ? url_port(p->base, 0) : 0;
    if (v && n < max)
        ports[n++] = v;
    for (size_t i = 0; p && i < sizeof vars / sizeof vars[0]; i++) {
        const char *e = getenv(vars[i]);
        /* (a proxy without a port: libcurl's default, 1080) */
        if (e && *e && n < max)
            ports[n++] = (v = url_port(e, 1)) ? v : 1080;
    }
    return n;
}

const char *wh_tesproxy_upstream(const wh_tesproxy *p)
{
    return p->base;
}

/* ---- reading a request target ---- */

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The path of target (up to '?'), %XX decoded once when decode; out has
 * room for strlen(target) + 1. -1 on a malformed escape or a decoded
 * control byte (NUL included). */
static int path_of(const char *target, int decode, char *out)
{
    size_t w = 0;
    for (const char *p = target; *p && *p != '?'; p++) {
        unsigned char c = (unsigned char)*p;
        if (decode && c == '%') {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
            if (lo < 0)
                return -1;
            c = (unsigned char)(hi * 16 + lo);
            p += 2;
        }
        if (c < 0x20 || c == 0x7f)
            return -1;
        out[w++] = (char)c;
    }
    out[w] = 0;
    return 0;
}

/* path read as a lenient server reads it: '\' as '/', empty and "."
 * segments dropped, ".." pops one, ";params" cut, ASCII lower case. out
 * has room for strlen(path) + 2. -1 when ".." climbs above the root. */
static int canonical(const char *path, char *out)
{
    size_t w = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/' || *p == '\\')
            p++;
        const char *seg = p;
        while (*p && *p != '/' && *p != '\\')
            p++;
        size_t len = (size_t)(p - seg);
        const char *semi = memchr(seg, ';', len);
        len = semi ? (size_t)(semi - seg) : len;
        if (len == 0 || (len == 1 && seg[0] == '.'))
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            if (w == 0)
                return -1;
            while (out[w - 1] != '/')
                w--;
            w--;
            continue;
        }
        out[w++] = '/';
        for (size_t i = 0; i < len; i++)
            out[w++] = (char)(seg[i] >= 'A' && seg[i] <= 'Z' ? seg[i] + 32 : seg[i]);
    }
    if (w == 0)
        out[w++] = '/';
    out[w] = 0;
    return 0;
}

/* The two canonical readings of target's path (raw, decoded) into a and
 * b, each of strlen(target) + 2 bytes. */
static const char *readings(const char *target, char *a, char *b)
{
    const char *why = NULL;
    char *tmp = malloc(strlen(target) + 1);
    if (!tmp)
        return "out of memory";
    if (path_of(target, 0, tmp) < 0)
        why = "a control byte in the request target";
    else if (canonical(tmp, a) < 0)
        why = "\"..\" climbs above the root";
    else if (path_of(target, 1, tmp) < 0)
        why = "a malformed or NUL %-escape in the request path";
    else if (canonical(tmp, b) < 0)
        why = "\"..\" climbs above the root";
    free(tmp);
    return why;
}

static int inside(const char *canon)
{
    size_t n = strlen(WH_TES_PREFIX);
    return strncmp(canon, WH_TES_PREFIX, n) == 0 && (canon[n] == 0 || canon[n] == '/');
}

const char *wh_tes_target_refused(const char *target)
{
    for (const unsigned char *p = (const unsigned char *)target; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '#')
            return "bytes a request target cannot hold (space, control, non-ASCII or '#')";
    if (target[0] != '/')
        return "not a path";
    size_t n = strlen(target) + 2;
    char *a = malloc(n), *b = malloc(n);
    const char *why = !a || !b ? "out of memory" : readings(target, a, b);
    if (!why && (!inside(a) || !inside(b)))
        why = "the path leaves " WH_TES_PREFIX "/";
    free(a);
    free(b);
    return why;
}

int wh_tes_target_creates(const char *method, const char *target)
{
    if (strcasecmp(method, "POST") != 0 && strcasecmp(method, "PUT") != 0 &&
        strcasecmp(method, "PATCH") != 0)
        return 0;
    size_t n = strlen(target) + 2;
    char *a = malloc(n), *b = malloc(n);
    int yes = 1; /* when in doubt (out of memory, unreadable), judge */
    if (a && b && !readings(target, a, b))
        yes = strcmp(a, WH_TES_PREFIX "/tasks") == 0 || strcmp(b, WH_TES_PREFIX "/tasks") == 0;
    free(a);
    free(b);
    return yes;
}

/* ---- relaying ---- */

typedef struct relay {
    pc_buf body;
    int too_big;
} relay;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    relay *r = ud;
    if (size != 1 && n && size > SIZE_MAX / n)
        return 0;
    size_t len = size * n;
    if (len > TES_RESPONSE_MAX - r->body.len) {
        r->too_big = 1;
        return 0;
    }
    pc_buf_add(&r->body, data, len);
    return r->body.oom ? 0 : len;
}

/* The allowed request headers as given, libcurl's defaults suppressed.
 * -1 when out of memory, -2 when a value could split a header line. */
static int request_headers(struct MHD_Connection *c, struct curl_slist **out)
{
    struct curl_slist *h = curl_slist_append(NULL, "Expect:"), *t;
    for (size_t i = 0; h && i < sizeof pass_headers / sizeof pass_headers[0]; i++) {
        const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, pass_headers[i]);
        pc_buf line = {0};
        if (v && strpbrk(v, "\r\n")) {
            curl_slist_free_all(h);
            return -2;
        }
        pc_buf_printf(&line, v && *v ? "%s: %s" : "%s:", pass_headers[i], v ? v : "");
        t = line.oom ? NULL : curl_slist_append(h, line.p);
        pc_buf_free(&line);
        if (!t) {
            curl_slist_free_all(h);
            return -1;
        }
        h = t;
    }
    *out = h;
    return h ? 0 : -1;
}

static void set_method(CURL *c, const wh_http_req *rq)
{
    if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        return;
    }
    if (strcmp(rq->method, "GET") == 0 && rq->len == 0)
        return;
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
    if (rq->len || strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
    }
}

static void set_options(CURL *c, const char *url, struct curl_slist *h, relay *r, char *errbuf)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, TES_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, TES_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)TES_RESPONSE_MAX);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
}

/* The upstream's answer into out: status, Content-Type (printable ASCII,
 * else application/octet-stream), body bytes. */
static void relay_answer(wh_reply *out, long code, const char *ct, relay *r)
{
    size_t n = ct ? strlen(ct) : 0;
    int ok = n > 0 && n < sizeof out->ctype;
    for (size_t i = 0; ok && i < n; i++)
        ok = ct[i] >= 0x20 && ct[i] < 0x7f;
    size_t len = r->body.len;
    char *body = pc_buf_take(&r->body);
    if (!body) {
        wh_reply_error(out, 503, "out of memory");
        return;
    }
    free(out->body);
    snprintf(out->ctype, sizeof out->ctype, "%s", ok ? ct : "application/octet-stream");
    out->status = (unsigned)code;
    out->content_type = out->ctype;
    out->body = body;
    out->len = len;
}

static void upstream_failed(wh_server *s, wh_reply *out, CURLcode rc, const relay *r,
                            const char *errbuf)
{
    const char *base = wh_tesproxy_upstream(s->tes_gate);
    wh_metrics_error(&s->metrics, WH_ERR_UPSTREAM);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        wh_reply_error(out, 504, "TES upstream %s did not answer within %lds", base,
                       TES_TIMEOUT_MS / 1000);
    else if (r->too_big || rc == CURLE_FILESIZE_EXCEEDED)
        wh_reply_error(out, 502, "TES upstream %s answered with more than %u bytes", base,
                       TES_RESPONSE_MAX);
    else if (rc == CURLE_OK)
        wh_reply_error(out, 502, "TES upstream %s answered with no usable HTTP status", base);
    else
        wh_reply_error(out, 502, "TES upstream %s unreachable or failed: %s", base,
                       *errbuf ? errbuf : curl_easy_strerror(rc));
}

static void log_relay(const wh_http_req *rq, unsigned status, uint64_t ms)
{
    char path[257];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(rq->raw_uri, "?"), rq->raw_uri);
    pc_cut_utf8(path, 256);
    wh_log("info", "tes relay",
           json_pack("{s:s, s:s, s:s, s:i, s:I}", "endpoint", "tes-gate", "method", rq->method,
                     "path", path, "status", (int)status, "duration_ms", (json_int_t)ms));
}

/* "Portcullis-Verdicts: [...]" from the judged answer of an allowed task
 * (malloc'd), or NULL: no key, too large (logged), out of memory. */
static char *verdicts_header(const wh_server *s, const wh_reply *judged)
{
    if (!s->signer || !judged->body)
        return NULL;
    json_t *doc = json_loadb(judged->body, judged->len, 0, NULL), *a = json_array(), *e;
    size_t i;
    int bad = !doc || !a;
    json_array_foreach(json_object_get(doc, "executors"), i, e)
    {
        json_t *att = json_object_get(e, "attestation");
        bad |= json_array_append(a, att ? att : json_null());
    }
    char *v = bad ? NULL : json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    json_decref(a);
    pc_buf line = {0};
    if (v && strlen(v) <= TES_VERDICTS_HEADER_MAX)
        pc_buf_printf(&line, "Portcullis-Verdicts: %s", v);
    else if (v)
        wh_logf("warn",
                "tes-gate: signed verdicts (%zu bytes) too large for a header; task "
                "forwarded without Portcullis-Verdicts",
                strlen(v));
    free(v);
    return pc_buf_take(&line);
}

static void forward(wh_server *s, const wh_http_req *rq, wh_reply *out, const char *extra)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    relay r = {{0}, 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    pc_buf url = {0};
    uint64_t t0 = pc_now_ms();
    pc_buf_printf(&url, "%s%s", wh_tesproxy_upstream(s->tes_gate), rq->raw_uri);
    int hr = !c || url.oom ? -1 : request_headers(rq->conn, &h);
    if (hr == 0 && extra) { /* on failure the list stays whole, freed below */
        struct curl_slist *t = curl_slist_append(h, extra);
        hr = t ? 0 : -1;
        h = t ? t : h;
    }
    if (hr < 0) {
        wh_reply_error(out, hr == -2 ? 400 : 503, "%s",
                       hr == -2 ? "a request header cannot be relayed" : "out of memory");
    } else {
        set_options(c, url.p, h, &r, errbuf);
        set_method(c, rq);
        CURLcode rc = curl_easy_perform(c);
        long code = 0;
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        if (rc == CURLE_OK && code >= 200 && code <= 599)
            relay_answer(out, code, ct, &r);
        else
            upstream_failed(s, out, rc, &r, errbuf);
    }
    log_relay(rq, out->status, pc_now_ms() - t0);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    pc_buf_free(&url);
    pc_buf_free(&r.body);
}

static int method_known(const char *m)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(m, methods[i]) == 0)
            return 1;
    return 0;
}

void wh_route_tes_gate(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    const char *why;
    int allowed = 0;
    if (!s->tes_gate) {
        wh_metrics_error(&s->metrics, WH_ERR_NOT_FOUND);
        wh_reply_error(out, 404, "no such path: %.128s (the TES gate needs --tes-upstream URL)",
                       rq->path);
        return;
    }
    if (!rq->raw_uri) {
        wh_reply_error(out, 503, "out of memory");
        return;
    }
    if ((why = wh_tes_target_refused(rq->raw_uri)) != NULL) {
        wh_metrics_error(&s->metrics, WH_ERR_BAD_REQUEST);
        wh_reply_error(out, 400, "request target refused: %s", why);
        return;
    }
    if (!method_known(rq->method)) {
        wh_metrics_error(&s->metrics, WH_ERR_METHOD);
        wh_reply_error(out, 405, "method %.16s is not relayed to a TES server", rq->method);
        return;
    }
    if (!rq->may_wait) { /* the relay waits for the upstream: on a request worker */
        out->defer = 1;
        return;
    }
    char *verdicts = NULL;
    if (wh_tes_target_creates(rq->method, rq->raw_uri)) {
        if (wh_tes_judge(s, rq, "tes-gate", out, &allowed) < 0)
            return; /* malformed or failed: never forwarded */
        if (!allowed) {
            out->status = 403; /* the /tes/validate answer, as a refusal */
            return;
        }
        verdicts = verdicts_header(s, out);
    }
    forward(s, rq, out, verdicts);
    free(verdicts);
}
