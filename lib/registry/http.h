/*
 * http.h — the HTTP(S) client registries are spoken to with (libcurl).
 *
 * A pc_http holds what every request to one registry shares: the TLS
 * trust (system CAs plus the *.crt files of a certs.d directory), the
 * client certificate, whether verification and plain HTTP are allowed,
 * and the hard deadline. It is read-only once built, so threads share it.
 * Its connections come from, and go back to, a pool (connpool.h) that
 * outlives it: the context's, so the scans of one run reuse them.
 *
 * A request opens a pc_http_resp: status and headers are known when
 * pc_http_open returns, the body is pulled with pc_http_read through a
 * bounded buffer (the transfer pauses while the buffer is full), so a body
 * of any size costs the same memory. Connection errors, 429 and 5xx are
 * retried with backoff (Retry-After honoured) before the caller sees them;
 * redirects are followed when asked, and the Authorization header is
 * dropped for good once a redirect leaves the original scheme/host/port.
 */
#ifndef PC_HTTP_H
#define PC_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "pcx.h"

typedef struct pc_http_cfg {
    const char *host;         /* "host[:port]": names the peer, finds default certs.d dirs */
    const char *cert_dir;     /* certs.d-style directory, or NULL */
    int tls_verify;           /* 0: no certificate checks, and plain http:// allowed */
    uint64_t deadline_ms;     /* pc_now_ms() after which every request fails; 0: none */
    struct pc_connpool *pool; /* the context's kept connections; NULL: this client's own */
} pc_http_cfg;

typedef struct pc_http pc_http;

int pc_http_new(const pc_http_cfg *cfg, pc_http **out, pc_err *e);
void pc_http_free(pc_http *h);
int pc_http_tls_verify(const pc_http *h);

typedef struct pc_http_req {
    const char *url;
    const char *what;   /* names the peer in messages: "registry", "token server" */
    const char *accept; /* Accept header value, or NULL */
    const char *auth;   /* Authorization header value, or NULL; never logged */
    const char *form;   /* POST this urlencoded body; NULL: GET */
    int follow;         /* follow redirects (at most 5) */
} pc_http_req;

/* pc_http_open's failures: TLS_FAILED is a handshake that failed, which a
 * caller with tls_verify off may retry over plain http://. */
enum { PC_HTTP_FAILED = -1, PC_HTTP_TLS_FAILED = -2 };

typedef struct pc_http_resp pc_http_resp;

int pc_http_open(pc_http *h, const pc_http_req *rq, pc_http_resp **out, pc_err *e);
long pc_http_status(const pc_http_resp *r);
/* The idx-th header called name (case-insensitive), value trimmed; NULL if none. */
const char *pc_http_header(const pc_http_resp *r, const char *name, size_t idx);
/* Content-Length, or -1 when the response did not say. */
int64_t pc_http_length(const pc_http_resp *r);
/* "host:port" the response came from (after redirects). */
const char *pc_http_peer(const pc_http_resp *r);
/* Body bytes: >0 read, 0 at the end, -1 error. */
ssize_t pc_http_read(pc_http_resp *r, void *buf, size_t n, pc_err *e);
/* The whole body, at most max bytes, NUL-terminated. */
int pc_http_slurp(pc_http_resp *r, size_t max, char **out, size_t *len, pc_err *e);
void pc_http_close(pc_http_resp *r);

/* Percent-encode s for a URL query value (unreserved characters kept). */
char *pc_http_escape(const char *s);

#endif
