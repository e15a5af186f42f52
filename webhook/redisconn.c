/*
 * redisconn.c — see redisconn.h. A connection is a non-blocking socket,
 * optionally a GnuTLS session over it, and a hiredis reader. Each
 * operation carries a deadline (pc_now_ms clock) and waits with poll()
 * for what the socket (or TLS, which may need to write to read) wants
 * next, so no read or write can outlast it however slowly the server
 * sends.
 *
 * Why GnuTLS and not OpenSSL: the webhook already serves HTTPS with
 * GnuTLS (http/tls.c, through libmicrohttpd), so one TLS stack and one
 * set of protocol defaults serve both sides, and GnuTLS checks the chain
 * and the host name (DNS names, and IP address SANs for an address
 * literal) inside the handshake (gnutls_session_set_verify_cert). The
 * webhook links OpenSSL's libcrypto only (HMAC, random), not libssl.
 *
 * Bounds on what a server can make us hold: the bytes of one reply
 * (max_reply, counted as they arrive, so the reader's buffer never grows
 * past it), the elements of an array (WH_REDISCONN_MAX_ELEMENTS, checked
 * before hiredis allocates them) and the nesting (hiredis: 7 levels).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "redisconn.h"
#include "pcx.h"

#define CHUNK 16384

struct wh_redisconn {
    wh_redisconn_cfg cfg;
    int fd;
    gnutls_certificate_credentials_t creds; /* TLS only */
    gnutls_session_t tls;                   /* NULL: plain TCP */
    redisReader *reader;
    redisReplyObjectFunctions fn; /* hiredis's, with a bounded createArray */
    redisReplyObjectFunctions base;
};

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- TLS credentials */

static int load_creds(const wh_redisconn_cfg *cfg, gnutls_certificate_credentials_t *out, char *err,
                      size_t n)
{
    gnutls_certificate_credentials_t cr;
    *out = NULL;
    if (gnutls_certificate_allocate_credentials(&cr) < 0)
        return fail(err, n, "rediss://: out of memory");
    int rc = cfg->ca_file
                 ? gnutls_certificate_set_x509_trust_file(cr, cfg->ca_file, GNUTLS_X509_FMT_PEM)
                 : gnutls_certificate_set_x509_system_trust(cr);
    if (rc <= 0) {
        gnutls_certificate_free_credentials(cr);
        if (cfg->ca_file)
            return fail(err, n, "--redis-ca %s: no CA certificate could be read from it (%s)",
                        cfg->ca_file, rc < 0 ? gnutls_strerror(rc) : "none in the file");
        return fail(err, n,
                    "rediss:// without --redis-ca: the system CA store is empty or cannot be "
                    "read (%s); give the CA that signed Redis' certificate with --redis-ca",
                    rc < 0 ? gnutls_strerror(rc) : "no certificate");
    }
    if (cfg->cert_file && (rc = gnutls_certificate_set_x509_key_file(
                               cr, cfg->cert_file, cfg->key_file, GNUTLS_X509_FMT_PEM)) < 0) {
        gnutls_certificate_free_credentials(cr);
        snprintf(err, n, "--redis-cert %s / --redis-cert-key %s: %s", cfg->cert_file, cfg->key_file,
                 gnutls_strerror(rc));
        return -1;
    }
    *out = cr;
    return 0;
}

int wh_redisconn_check(const wh_redisconn_cfg *cfg, char *err, size_t errlen)
{
    gnutls_certificate_credentials_t cr;
    if (!cfg->tls)
        return 0;
    if (load_creds(cfg, &cr, err, errlen) < 0)
        return -1;
    gnutls_certificate_free_credentials(cr);
    return 0;
}

/* ---- waiting with a deadline */

/* Wait until fd is ready for events or the deadline passes. 0 or -1. */
static int wait_fd(int fd, short events, uint64_t deadline, char *err, size_t n)
{
    for (;;) {
        uint64_t now = pc_now_ms();
        if (now >= deadline)
            return fail(err, n, "timed out");
        struct pollfd p = {.fd = fd, .events = events};
        uint64_t left = deadline - now;
        int rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (rc > 0)
            return 0; /* ready, or an error the next call reports */
        if (rc < 0 && errno != EINTR)
            return fail(err, n, "poll: %s", strerror(errno));
    }
}

/* What a TLS call that returned GNUTLS_E_AGAIN waits for. */
static short tls_wants(gnutls_session_t s)
{
    return gnutls_record_get_direction(s) ? POLLOUT : POLLIN;
}

/* ---- connecting */

static int connect_one(const struct addrinfo *ai, uint64_t deadline, char *err, size_t n)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return fail(err, n, "socket: %s", strerror(errno));
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        int e = errno;
        socklen_t el = sizeof e;
        if (e == EINPROGRESS) {
            if (wait_fd(fd, POLLOUT, deadline, err, n) < 0)
                e = ETIMEDOUT;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
                e = errno;
        }
        if (e) {
            close(fd);
            return fail(err, n, "connect: %s", strerror(e));
        }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* A TCP connection to host:port, the first address that answers. */
static int tcp_connect(const wh_redisconn_cfg *cfg, uint64_t deadline, char *err, size_t n)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%d", cfg->port);
    int rc = getaddrinfo(cfg->host, port, &hints, &res);
    if (rc != 0)
        return fail(err, n, "cannot resolve %.200s: %s", cfg->host, gai_strerror(rc));
    int fd = -1;
    for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
        fd = connect_one(ai, deadline, err, n);
    freeaddrinfo(res);
    return fd;
}

/* The handshake, the server's certificate checked against the CAs and
 * for host. */
static int tls_start(wh_redisconn *c, uint64_t deadline, char *err, size_t n)
{
    unsigned char addr[16];
    int literal =
        inet_pton(AF_INET, c->cfg.host, addr) == 1 || inet_pton(AF_INET6, c->cfg.host, addr) == 1;
    if (gnutls_init(&c->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0) {
        c->tls = NULL;
        return fail(err, n, "TLS: out of memory");
    }
    int rc;
    if ((rc = gnutls_set_default_priority(c->tls)) < 0 ||
        (rc = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->creds)) < 0 ||
        (!literal && (rc = gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, c->cfg.host,
                                                  strlen(c->cfg.host))) < 0))
        return fail(err, n, "TLS: %s", gnutls_strerror(rc));
    /* the chain against the CAs, and the name (an address literal: IP SANs) */
    gnutls_session_set_verify_cert(c->tls, c->cfg.host, 0);
    gnutls_transport_set_int(c->tls, c->fd);
    while ((rc = gnutls_handshake(c->tls)) < 0) {
        if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
            gnutls_datum_t why = {NULL, 0};
            unsigned st = gnutls_session_get_verify_cert_status(c->tls);
            gnutls_certificate_verification_status_print(st, GNUTLS_CRT_X509, &why, 0);
            snprintf(err, n, "TLS: Redis' certificate is refused for %.200s: %s", c->cfg.host,
                     why.data ? (const char *)why.data : "not verified");
            gnutls_free(why.data);
            return -1;
        }
        if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED)
            return fail(err, n, "TLS handshake: %s", gnutls_strerror(rc));
        if (wait_fd(c->fd, tls_wants(c->tls), deadline, err, n) < 0)
            return fail(err, n, "TLS handshake: timed out");
    }
    return 0;
}

/* hiredis's array constructor, refusing more elements than a reply of
 * ours ever has before it allocates them (NULL: the reader fails). */
static void *bounded_array(const redisReadTask *t, int elements)
{
    const wh_redisconn *c = t->privdata;
    if (elements < 0 || elements > WH_REDISCONN_MAX_ELEMENTS)
        return NULL;
    return c->base.createArray(t, elements);
}

/* A connection with its reader, not connected yet (NULL: out of memory). */
static wh_redisconn *conn_new(const wh_redisconn_cfg *cfg)
{
    wh_redisconn *c = calloc(1, sizeof *c);
    if (!c || !(c->reader = redisReaderCreate())) {
        free(c);
        return NULL;
    }
    c->cfg = *cfg;
    c->fd = -1;
    c->base = *c->reader->fn;
    c->fn = c->base;
    c->fn.createArray = bounded_array;
    c->reader->fn = &c->fn;
    c->reader->privdata = c;
    return c;
}

int wh_redisconn_adopt(int fd, const wh_redisconn_cfg *cfg, wh_redisconn **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    wh_redisconn *c = cfg->tls ? NULL : conn_new(cfg);
    int fl = fcntl(fd, F_GETFL);
    if (!c || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        close(fd);
        wh_redisconn_free(c);
        return fail(err, errlen, cfg->tls ? "a relayed connection is plain" : "out of memory");
    }
    c->fd = fd;
    *out = c;
    return 0;
}

int wh_redisconn_open(const wh_redisconn_cfg *cfg, wh_redisconn **out, char *err, size_t errlen)
{
    wh_redisconn *c = conn_new(cfg);
    *out = NULL;
    if (!c)
        return fail(err, errlen, "out of memory");
    /* the TLS files first: reading them (the system store: a few hundred
     * certificates) is no part of the time Redis has to answer */
    if ((cfg->tls && load_creds(cfg, &c->creds, err, errlen) < 0) ||
        (c->fd = tcp_connect(cfg, pc_now_ms() + cfg->timeout_ms, err, errlen)) < 0 ||
        (cfg->tls && tls_start(c, pc_now_ms() + cfg->timeout_ms, err, errlen) < 0)) {
        wh_redisconn_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void wh_redisconn_free(wh_redisconn *c)
{
    if (!c)
        return;
    if (c->tls)
        gnutls_deinit(c->tls); /* no close_notify: the peer may be what failed */
    if (c->creds)
        gnutls_certificate_free_credentials(c->creds);
    if (c->fd >= 0)
        close(c->fd);
    if (c->reader)
        redisReaderFree(c->reader);
    free(c);
}

/* ---- a command */

static int send_all(wh_redisconn *c, const char *p, size_t len, uint64_t deadline, char *err,
                    size_t n)
{
    while (len) {
        ssize_t w;
        short want = POLLOUT;
        if (c->tls) {
            w = gnutls_record_send(c->tls, p, len);
            if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED) {
                want = tls_wants(c->tls);
                w = -1;
            } else if (w < 0) {
                return fail(err, n, "TLS write: %s", gnutls_strerror((int)w));
            }
        } else {
            w = send(c->fd, p, len, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return fail(err, n, "write: %s", strerror(errno));
        }
        if (w > 0) {
            p += w;
            len -= (size_t)w;
        } else if (wait_fd(c->fd, want, deadline, err, n) < 0) {
            return fail(err, n, "write: timed out");
        }
    }
    return 0;
}

/* Some bytes into buf: >0, or -1 (error, end of stream or deadline). */
static ssize_t recv_some(wh_redisconn *c, char *buf, size_t cap, uint64_t deadline, char *err,
                         size_t n)
{
    for (;;) {
        ssize_t r;
        short want = POLLIN;
        if (c->tls) {
            r = gnutls_record_recv(c->tls, buf, cap);
            if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
                want = tls_wants(c->tls);
            } else if (r < 0) {
                return fail(err, n, "TLS read: %s", gnutls_strerror((int)r));
            }
        } else {
            r = recv(c->fd, buf, cap, 0);
            if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return fail(err, n, "read: %s", strerror(errno));
        }
        if (r == 0)
            return fail(err, n, "Redis closed the connection");
        if (r > 0)
            return r;
        if (wait_fd(c->fd, want, deadline, err, n) < 0)
            return fail(err, n, "read: timed out");
    }
}

/* One whole reply, at most max_reply bytes, nothing after it. */
static int read_reply(wh_redisconn *c, redisReply **reply, uint64_t deadline, char *err, size_t n)
{
    char buf[CHUNK];
    size_t total = 0;
    void *rep = NULL;
    for (;;) {
        if (redisReaderGetReply(c->reader, &rep) != REDIS_OK)
            return fail(err, n, "bad reply: %.100s",
                        c->reader->err == REDIS_ERR_OOM
                            ? "more elements than any reply of ours, or out of memory"
                            : c->reader->errstr);
        if (rep)
            break;
        ssize_t got = recv_some(c, buf, sizeof buf, deadline, err, n);
        if (got < 0)
            return -1;
        if ((size_t)got > c->cfg.max_reply - total)
            return fail(err, n, "a reply larger than the largest value kept");
        total += (size_t)got;
        if (redisReaderFeed(c->reader, buf, (size_t)got) != REDIS_OK)
            return fail(err, n, "out of memory");
    }
    /* one command, one reply: more bytes would answer nothing we asked */
    if (c->reader->len > c->reader->pos || (c->tls && gnutls_record_check_pending(c->tls))) {
        freeReplyObject(rep);
        return fail(err, n, "bytes after the reply");
    }
    *reply = rep;
    return 0;
}

int wh_redisconn_run(wh_redisconn *c, const char *cmd, size_t len, redisReply **reply, char *err,
                     size_t errlen)
{
    uint64_t deadline = pc_now_ms() + c->cfg.timeout_ms;
    *reply = NULL;
    if (send_all(c, cmd, len, deadline, err, errlen) < 0)
        return -1;
    return read_reply(c, reply, deadline, err, errlen);
}

/* A formatted command (len < 0: hiredis could not format it), run and
 * freed. */
static int run_formatted(wh_redisconn *c, char *cmd, int len, redisReply **reply, char *err,
                         size_t errlen)
{
    *reply = NULL;
    if (len < 0 || !cmd) {
        free(cmd);
        return fail(err, errlen, "cannot format the command");
    }
    int rc = wh_redisconn_run(c, cmd, (size_t)len, reply, err, errlen);
    redisFreeCommand(cmd);
    return rc;
}

int wh_redisconn_argv(wh_redisconn *c, int argc, const char **argv, const size_t *argvlen,
                      redisReply **reply, char *err, size_t errlen)
{
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    return run_formatted(c, cmd, len, reply, err, errlen);
}

int wh_redisconn_vcommand(wh_redisconn *c, redisReply **reply, char *err, size_t errlen,
                          const char *fmt, va_list ap)
{
    char *cmd = NULL;
    int len = redisvFormatCommand(&cmd, fmt, ap);
    return run_formatted(c, cmd, len, reply, err, errlen);
}

/* ---- a relay's bytes */

int wh_redisconn_fd(const wh_redisconn *c)
{
    return c->fd;
}

int wh_redisconn_pending(const wh_redisconn *c)
{
    return c->tls && gnutls_record_check_pending(c->tls) > 0;
}

long wh_redisconn_recv(wh_redisconn *c, char *buf, size_t cap, char *err, size_t errlen)
{
    ssize_t r;
    if (c->tls) {
        r = gnutls_record_recv(c->tls, buf, cap);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
            return 0;
        if (r < 0)
            return fail(err, errlen, "TLS read: %s", gnutls_strerror((int)r));
    } else {
        r = recv(c->fd, buf, cap, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return 0;
        if (r < 0)
            return fail(err, errlen, "read: %s", strerror(errno));
    }
    if (r == 0)
        return fail(err, errlen, "Redis closed the connection");
    return (long)r;
}

int wh_redisconn_send(wh_redisconn *c, const char *p, size_t len, char *err, size_t errlen)
{
    return send_all(c, p, len, pc_now_ms() + c->cfg.timeout_ms, err, errlen);
}
