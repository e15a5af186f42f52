/*
 * fetchd.c — the registry process's side (fetch.h, fetchwire.h).
 *
 * The main thread reads request packets; CTX_NEW, CTX_FREE and CLOSE are
 * done there, every other request in a thread of its own that answers on
 * the request's socket and closes it. Contexts and registry clients are
 * counted: a CLOSE while a layer still streams frees the client when the
 * stream ends. The requests come from the scanning process, which may
 * have been taken over by what it parsed: each is decoded strictly, and
 * it can only ask for what it could ask a registry for anyway (the
 * credentials a host gets are chosen here, never named by the request).
 * A reader gone midway is EPIPE (SIGPIPE is ignored: pc_child_setup).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "registry/connpool.h"
#include "registry/credpick.h"
#include "registry/fetch.h"
#include "registry/fetchwire.h"
#include "registry/registry.h"
#include "registry/tokencache.h"

#define MAX_RUNNING 512 /* requests answered at once */

typedef struct fctx {
    uint32_t id;
    unsigned refs; /* the table's, and one per client made under it */
    pc_connpool *pool;
    pc_tokencache *tokens;
    char *creds, *token; /* secrets: wiped when freed */
    char bound[260];     /* the host they went to first */
    /* CTX_ALLOW: "domain/repo" of the only repositories it opens (none:
     * any); sealed by a CTX_ALLOW naming none (and at its first OPEN), so
     * a scanning process an image took over cannot widen it */
    char **allow;
    size_t nallow;
    int listed; /* a CTX_ALLOW came: only the list (maybe empty) is opened */
    int sealed; /* the list is complete: the settings below are pinned */
    int opened;
    /* what every OPEN of a sealed context must name: the scanning process
     * cannot point it at another authfile or cert dir, or turn TLS
     * verification off, once it may have read an image */
    char *pin_cert_dir, *pin_authfile; /* NULL: none */
    int pin_tls;
    struct fctx *next;
} fctx;

typedef struct freg {
    uint32_t id;
    unsigned refs; /* the table's, and one per request using it */
    fctx *ctx;
    pc_registry *reg;
    struct freg *next;
} freg;

typedef struct fstate {
    pthread_mutex_t mu; /* the tables, the counts and every fctx.bound */
    fctx *ctxs;
    freg *regs;
    unsigned running;
    /* a context was sealed: it was the only one, and no other is made,
     * so the binding cannot be left by making a new context */
    int bound;
} fstate;

typedef struct job {
    fstate *st;
    int fd;
    pc_fw_in in;
} job;

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/* under mu */
static void ctx_unref(fctx *c)
{
    if (--c->refs)
        return;
    pc_tokencache_free(c->tokens);
    pc_connpool_free(c->pool);
    wipe_free(c->creds);
    wipe_free(c->token);
    for (size_t i = 0; i < c->nallow; i++)
        free(c->allow[i]);
    free(c->allow);
    free(c->pin_cert_dir);
    free(c->pin_authfile);
    free(c);
}

static void reg_unref(fstate *st, freg *r)
{
    pthread_mutex_lock(&st->mu);
    int last = --r->refs == 0;
    pthread_mutex_unlock(&st->mu);
    if (!last)
        return;
    pc_registry_free(r->reg); /* no lock: may close connections */
    pthread_mutex_lock(&st->mu);
    ctx_unref(r->ctx);
    pthread_mutex_unlock(&st->mu);
    free(r);
}

static freg *reg_get(fstate *st, uint32_t id)
{
    pthread_mutex_lock(&st->mu);
    freg *r = st->regs;
    while (r && r->id != id)
        r = r->next;
    if (r)
        r->refs++;
    pthread_mutex_unlock(&st->mu);
    return r;
}

/* --- answering */

static int frame(int fd, uint8_t type, const void *p, size_t n)
{
    unsigned char h[PC_FF_HDR];
    pc_ff_hdr(h, type, (uint32_t)n);
    return pc_write_full(fd, h, sizeof h) < 0 || pc_write_full(fd, p, n) < 0 ? -1 : 0;
}

static void answer_err(int fd, const char *msg)
{
    char m[PC_FF_MSG_MAX + 1];
    snprintf(m, sizeof m, "%s", msg && *msg ? msg : "failed");
    frame(fd, PC_FF_ERR, m, strlen(m));
}

static int data(int fd, const char *p, size_t n)
{
    for (size_t at = 0; at < n;) {
        size_t k = n - at < PC_FF_DATA_MAX ? n - at : PC_FF_DATA_MAX;
        if (frame(fd, PC_FF_DATA, p + at, k) < 0)
            return -1;
        at += k;
    }
    return 0;
}

/* --- requests */

/* Under st->mu: the context id, or NULL. */
static fctx *ctx_find(fstate *st, uint32_t id)
{
    fctx *c = st->ctxs;
    while (c && c->id != id)
        c = c->next;
    return c;
}

static int ctx_new(fstate *st, const pc_fw_in *in, pc_err *e)
{
    fctx *c = calloc(1, sizeof *c);
    if (!c)
        return pc_err_set(e, "out of memory");
    c->id = in->id;
    c->refs = 1;
    int bad = !(c->pool = pc_connpool_new()) || !(c->tokens = pc_tokencache_new());
    if (!bad && in->flags == PC_FW_CREDS_BASIC)
        bad = !(c->creds = strdup(in->s[0]));
    else if (!bad && in->flags == PC_FW_CREDS_TOKEN)
        bad = !(c->token = strdup(in->s[0]));
    else if (!bad && in->flags != PC_FW_CREDS_NONE) {
        ctx_unref(c);
        return pc_err_set(e, "unknown kind of credentials %u", in->flags);
    }
    if (bad) {
        ctx_unref(c);
        return pc_err_set(e, "out of memory (or no random bytes for the token cache)");
    }
    pthread_mutex_lock(&st->mu);
    int bound = st->bound;
    fctx *o = bound ? NULL : ctx_find(st, c->id);
    if (!o && !bound) {
        c->next = st->ctxs;
        st->ctxs = c;
    }
    pthread_mutex_unlock(&st->mu);
    if (o || bound) {
        ctx_unref(c);
        return bound ? pc_err_set(e, "the registry process is bound to the images its run was "
                                     "started with: it makes no other context")
                     : pc_err_set(e, "context %u exists", (unsigned)in->id);
    }
    return 0;
}

/* A copy of an optional string (given: s), or -1 when out of memory. */
static int copy_given(int given, const char *s, char **out)
{
    *out = NULL;
    return given && !(*out = strdup(s)) ? -1 : 0;
}

/* CTX_ALLOW: one more repository the context may open; or, naming none,
 * the seal: the list is complete, the OPEN settings (TLS verification,
 * cert dir, authfile) are pinned, and the process makes no other
 * context. Before the context's first OPEN only. */
static int ctx_allow(fstate *st, const pc_fw_in *in, pc_err *e)
{
    int seal = !in->given[0] && !in->given[1];
    if (!seal && (!in->given[0] || !in->given[1] || !*in->s[0] || !*in->s[1]))
        return pc_err_set(e, "a repository to allow needs a domain and a path");
    char *name = seal ? NULL : pc_asprintf("%s/%s", in->s[0], in->s[1]);
    char *cert_dir = NULL, *authfile = NULL;
    if ((!seal && !name) || (seal && (copy_given(in->given[2], in->s[2], &cert_dir) < 0 ||
                                      copy_given(in->given[3], in->s[3], &authfile) < 0))) {
        free(cert_dir);
        return pc_err_set(e, "out of memory");
    }
    int rc = 0;
    pthread_mutex_lock(&st->mu);
    fctx *c = ctx_find(st, in->id);
    char **a = NULL;
    if (!c)
        rc = pc_err_set(e, "no context %u", (unsigned)in->id);
    else if (c->opened || c->sealed)
        rc = pc_err_set(e, "context %u %s: its list is sealed", (unsigned)in->id,
                        c->sealed ? "was sealed" : "already opened a repository");
    else if (seal && (st->ctxs != c || c->next))
        rc = pc_err_set(e,
                        "context %u is not the registry process's only one: it cannot be "
                        "sealed to a list",
                        (unsigned)in->id);
    else if (!seal && c->nallow >= PC_FW_ALLOW_MAX)
        rc = pc_err_set(e, "more than %d repositories for one context", PC_FW_ALLOW_MAX);
    else if (!seal && !(a = realloc(c->allow, (c->nallow + 1) * sizeof *a)))
        rc = pc_err_set(e, "out of memory");
    if (rc == 0) {
        c->listed = 1;
        if (seal) {
            c->sealed = 1;
            c->pin_tls = in->flags != 0;
            c->pin_cert_dir = cert_dir;
            c->pin_authfile = authfile;
            cert_dir = authfile = NULL;
            st->bound = 1;
        } else {
            c->allow = a;
            c->allow[c->nallow++] = name;
            name = NULL;
        }
    }
    pthread_mutex_unlock(&st->mu);
    free(name);
    free(cert_dir);
    free(authfile);
    return rc;
}

/* Whether an OPEN names what was pinned (NULL: nothing). */
static int same_pin(const char *pin, int given, const char *s)
{
    return pin ? given && strcmp(pin, s) == 0 : !given;
}

/* Under st->mu: why c may not open the OPEN's repository with its
 * settings (NULL: it may). The context is sealed from now on. */
static const char *ctx_refuses(fctx *c, const pc_fw_in *in)
{
    c->opened = 1;
    if (!c->listed)
        return NULL;
    if (!c->sealed)
        return "is refused: the context's list of repositories was never sealed";
    if (c->pin_tls != (in->flags != 0) || !same_pin(c->pin_cert_dir, in->given[2], in->s[2]) ||
        !same_pin(c->pin_authfile, in->given[3], in->s[3]))
        return "is refused: the request names other registry settings (TLS verification, cert "
               "dir or authfile) than its context was sealed with";
    size_t dl = strlen(in->s[0]);
    for (size_t i = 0; i < c->nallow; i++)
        if (strncmp(c->allow[i], in->s[0], dl) == 0 && c->allow[i][dl] == '/' &&
            strcmp(c->allow[i] + dl + 1, in->s[1]) == 0)
            return NULL;
    return "is not one of the images this scan was started with";
}

static void ctx_free(fstate *st, uint32_t id)
{
    pthread_mutex_lock(&st->mu);
    for (fctx **pp = &st->ctxs; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id) {
            fctx *c = *pp;
            *pp = c->next;
            ctx_unref(c);
            break;
        }
    pthread_mutex_unlock(&st->mu);
}

static void reg_close(fstate *st, uint32_t id)
{
    freg *r = NULL;
    pthread_mutex_lock(&st->mu);
    for (freg **pp = &st->regs; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id) {
            r = *pp;
            *pp = r->next;
            break;
        }
    pthread_mutex_unlock(&st->mu);
    if (r)
        reg_unref(st, r);
}

static int reg_open(fstate *st, const pc_fw_in *in, pc_err *e)
{
    pthread_mutex_lock(&st->mu);
    fctx *c = ctx_find(st, in->ctx);
    const char *why = c ? ctx_refuses(c, in) : NULL;
    if (c && !why)
        c->refs++;
    pthread_mutex_unlock(&st->mu);
    if (!c)
        return pc_err_set(e, "no context %u", (unsigned)in->ctx);
    if (why)
        return pc_err_set(e, "%.255s/%.255s %s: the registry process does not open it", in->s[0],
                          in->s[1], why);
    /* the binding is read and set under the lock; the authfile (and a
     * credential helper) is read outside it */
    pc_creds creds;
    int rc;
    if (c->creds || c->token) {
        pthread_mutex_lock(&st->mu);
        rc =
            pc_creds_pick(c->creds, c->token, c->bound, sizeof c->bound, NULL, in->s[0], &creds, e);
        pthread_mutex_unlock(&st->mu);
    } else {
        rc =
            pc_creds_pick(NULL, NULL, NULL, 0, in->given[3] ? in->s[3] : NULL, in->s[0], &creds, e);
    }
    freg *r = rc >= 0 ? calloc(1, sizeof *r) : NULL;
    if (rc >= 0 && !r)
        rc = pc_err_set(e, "out of memory");
    if (rc >= 0) {
        pc_registry_cfg cfg = {.domain = in->s[0],
                               .repo = in->s[1],
                               .cert_dir = in->given[2] ? in->s[2] : NULL,
                               .tls_verify = in->flags != 0,
                               .deadline_ms = in->num,
                               .creds = rc == 0 ? &creds : NULL,
                               .pool = c->pool,
                               .tokens = c->tokens};
        rc = pc_registry_new(&cfg, &r->reg, e);
    }
    pc_creds_free(&creds);
    pthread_mutex_lock(&st->mu);
    freg *o = st->regs;
    while (rc >= 0 && o && o->id != in->id)
        o = o->next;
    if (rc >= 0 && !o) {
        r->id = in->id;
        r->refs = 1;
        r->ctx = c;
        r->next = st->regs;
        st->regs = r;
        c = NULL; /* its reference is the client's now */
    } else if (rc >= 0) {
        rc = pc_err_set(e, "client %u exists", (unsigned)in->id);
    }
    if (c)
        ctx_unref(c);
    pthread_mutex_unlock(&st->mu);
    if (rc < 0 && r) {
        pc_registry_free(r->reg);
        free(r);
    }
    return rc < 0 ? -1 : 0;
}

static size_t max_of(uint64_t n)
{
    return n > SIZE_MAX ? SIZE_MAX : (size_t)n;
}

/* MANIFEST, BLOB, BLOB_OPEN on a client: the answer, on fd */
static void reg_request(fstate *st, const pc_fw_in *in, int fd)
{
    pc_err e = {{0}};
    freg *r = reg_get(st, in->id);
    if (!r) {
        answer_err(fd, "no such registry client");
        return;
    }
    char *buf = NULL, digest[72], mt[256] = "";
    size_t len = 0;
    if (in->op == PC_FW_BLOB_OPEN) {
        pc_stream *s = NULL;
        if (pc_registry_blob_open(r->reg, in->s[0], (int64_t)in->num, &s, &e) < 0)
            answer_err(fd, e.msg);
        else if (frame(fd, PC_FF_OPENED, NULL, 0) == 0) {
            char *b = malloc(PC_FF_DATA_MAX);
            ssize_t got = b ? 1 : -1;
            if (!b)
                pc_err_set(&e, "out of memory");
            while (got > 0) {
                got = s->read(s, b, PC_FF_DATA_MAX, &e);
                if (got > 0 && frame(fd, PC_FF_DATA, b, (size_t)got) < 0)
                    break; /* the reader went away */
            }
            if (got == 0)
                frame(fd, PC_FF_END, NULL, 0);
            else if (got < 0)
                answer_err(fd, e.msg);
            free(b);
        }
        if (s)
            s->close(s); /* (a reader gone midway: the transfer ends here) */
    } else {
        int rc = in->op == PC_FW_MANIFEST
                     ? pc_registry_manifest(r->reg, in->s[0], max_of(in->num), &buf, &len, digest,
                                            mt, sizeof mt, &e)
                     : pc_registry_blob(r->reg, in->s[0], max_of(in->num), &buf, &len, &e);
        if (rc < 0)
            answer_err(fd, e.msg);
        else if ((in->op != PC_FW_MANIFEST || frame(fd, PC_FF_META, mt, strlen(mt)) == 0) &&
                 data(fd, buf, len) == 0)
            frame(fd, PC_FF_END, NULL, 0);
        free(buf);
    }
    reg_unref(st, r);
}

static void *run_job(void *arg)
{
    job *j = arg;
    pc_err e = {{0}};
    if (j->in.op == PC_FW_OPEN) {
        if (reg_open(j->st, &j->in, &e) < 0)
            answer_err(j->fd, e.msg);
        else
            frame(j->fd, PC_FF_END, NULL, 0);
    } else {
        reg_request(j->st, &j->in, j->fd);
    }
    close(j->fd);
    fstate *st = j->st;
    explicit_bzero(j, sizeof *j); /* (an OPEN names no secret, but wipe alike) */
    free(j);
    pthread_mutex_lock(&st->mu);
    st->running--;
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

/* One packet: its descriptor (or -1) is the answer's way. */
static void dispatch(fstate *st, const unsigned char *pkt, size_t n, int fd)
{
    job *j = malloc(sizeof *j);
    const char *bad = j ? pc_fw_decode(pkt, n, &j->in) : "out of memory";
    int wants_fd = !bad && j->in.op != PC_FW_CTX_FREE && j->in.op != PC_FW_CLOSE;
    if (bad || (wants_fd && fd < 0)) {
        if (fd >= 0)
            answer_err(fd, bad ? bad : "no answer socket");
    } else if (j->in.op == PC_FW_CTX_FREE) {
        ctx_free(st, j->in.id);
    } else if (j->in.op == PC_FW_CLOSE) {
        reg_close(st, j->in.id);
    } else if (j->in.op == PC_FW_CTX_NEW || j->in.op == PC_FW_CTX_ALLOW) {
        pc_err e = {{0}};
        if ((j->in.op == PC_FW_CTX_NEW ? ctx_new : ctx_allow)(st, &j->in, &e) < 0)
            answer_err(fd, e.msg);
        else
            frame(fd, PC_FF_END, NULL, 0);
    } else {
        pthread_mutex_lock(&st->mu);
        int busy = st->running >= MAX_RUNNING;
        if (!busy)
            st->running++;
        pthread_mutex_unlock(&st->mu);
        pthread_t t;
        pthread_attr_t a;
        j->st = st;
        j->fd = fd;
        if (busy) {
            answer_err(fd, "the registry process is answering too many requests at once");
        } else if (pthread_attr_init(&a) == 0) {
            pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
            int rc = pthread_create(&t, &a, run_job, j);
            pthread_attr_destroy(&a);
            if (rc == 0)
                return; /* the thread owns j and fd */
            answer_err(fd, "the registry process cannot start a thread");
        } else {
            answer_err(fd, "the registry process cannot start a thread");
        }
        if (!busy) {
            pthread_mutex_lock(&st->mu);
            st->running--;
            pthread_mutex_unlock(&st->mu);
        }
    }
    if (fd >= 0)
        close(fd);
    if (j)
        explicit_bzero(j, sizeof *j); /* (a CTX_NEW's secret) */
    free(j);
}

_Noreturn void pc_fetchd_main(int sock)
{
    fstate st = {.ctxs = NULL};
    unsigned char *pkt = malloc(PC_FW_PKT_MAX + 1);
    if (!pkt || pthread_mutex_init(&st.mu, NULL) != 0)
        _exit(1);
    for (;;) {
        union {
            struct cmsghdr h;
            char b[CMSG_SPACE(4 * sizeof(int))];
        } cm;
        struct iovec iov = {pkt, PC_FW_PKT_MAX + 1};
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof cm.b};
        ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
        if (n == 0)
            _exit(0); /* the scanning process closed the socket, or ended */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        int fd = -1, extra = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < k; i++) {
                int got;
                memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
                if (fd < 0 && !extra)
                    fd = got;
                else {
                    close(got);
                    extra = 1;
                }
            }
        }
        if (extra || (m.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
            if (fd >= 0) {
                answer_err(fd, extra ? "more than one descriptor" : "packet too long");
                close(fd);
            }
        } else {
            dispatch(&st, pkt, (size_t)n, fd);
        }
        explicit_bzero(pkt, (size_t)n < PC_FW_PKT_MAX ? (size_t)n : PC_FW_PKT_MAX);
    }
}
