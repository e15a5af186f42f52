/*
 * fetch.c — starting the registry process and asking it for registry
 * documents and blobs (fetch.h, fetchwire.h, docs/privsep.md).
 *
 * Each request makes a socketpair, sends one end with the request packet
 * and reads the answer's frames from the other: no lock is held while an
 * answer is awaited, so any number of threads ask at once. The child is
 * set up as a key process is (privsep_proc.c): only its socket and stderr
 * open, killed when the scanning process dies, not dumpable, no new
 * privileges; unlike a key process it keeps the network, reads files and
 * runs credential helpers, so it has no seccomp filter.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pcx/sha256.h"
#include "registry/fetch.h"
#include "registry/fetchwire.h"

#define CHILD_FD 3

struct pc_fetch {
    int fd; /* the control socket (SOCK_SEQPACKET) */
    pid_t pid;
    pthread_mutex_t mu; /* reaped, why */
    _Atomic uint32_t next;
    int reaped;
    char why[160];
};

struct pc_fetch_reg {
    pc_fetch *f;
    uint32_t id;
};

/* --- the child */

static _Noreturn void child(int sock, pid_t parent)
{
    /* (the socket close-on-exec again: a credential helper never inherits
     * it; nor do helpers gain privileges) */
    if (pc_child_setup(sock, CHILD_FD, parent, PC_FETCH_NAME) < 0 ||
        fcntl(CHILD_FD, F_SETFD, FD_CLOEXEC) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        _exit(1);
    /* the scanning process's list of calls it never makes, but for what
     * registry requests and credential helpers need (sockets, running
     * programs, keyrings): parsing registry answers, it holds the secrets
     * (docs/privsep.md) */
    if (pc_privsep_confine(PC_CONFINE_NETWORK | PC_CONFINE_EXEC) < 0 && errno != ENOSYS)
        _exit(1);
    pc_fetchd_main(CHILD_FD);
}

/* --- the parent */

int pc_fetch_start(pc_fetch **out, char *err, size_t errlen)
{
    int sv[2];
    *out = NULL;
    pc_fetch *f = calloc(1, sizeof *f);
    if (!f || pthread_mutex_init(&f->mu, NULL) != 0) {
        free(f);
        snprintf(err, errlen, "the registry process: out of memory");
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "the registry process: socketpair: %s", strerror(errno));
        pthread_mutex_destroy(&f->mu);
        free(f);
        return -1;
    }
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        child(sv[1], parent);
    }
    close(sv[1]);
    if (pid < 0) {
        snprintf(err, errlen, "the registry process: fork: %s", strerror(errno));
        close(sv[0]);
        pthread_mutex_destroy(&f->mu);
        free(f);
        return -1;
    }
    f->fd = sv[0];
    f->pid = pid;
    atomic_init(&f->next, 1);
    *out = f;
    return 0;
}

long pc_fetch_pid(const pc_fetch *f)
{
    return f ? (long)f->pid : -1;
}

/* Under mu: reap it if it ended, once, and say how into f->why. 1 when
 * it has ended (now or before). */
static int reap_now(pc_fetch *f)
{
    return pc_child_reap(f->pid, &f->reaped, f->why, sizeof f->why);
}

void pc_fetch_stop(pc_fetch *f)
{
    if (!f)
        return;
    close(f->fd); /* it reads EOF and exits */
    pthread_mutex_lock(&f->mu);
    /* polled every millisecond, so a scan's end waits for it no longer
     * than that (2 s at most, then it is killed) */
    pc_child_wait(f->pid, &f->reaped, f->why, sizeof f->why, 2000);
    pthread_mutex_unlock(&f->mu);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* Why the registry process does not answer, into e. */
static int gone(pc_fetch *f, pc_err *e)
{
    pthread_mutex_lock(&f->mu);
    /* its sockets close as it exits, a moment before it can be reaped */
    for (unsigned waited = 0; !reap_now(f) && waited < 500; waited += 10)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    pc_err_set(e, "the registry process %s (pid %d) %s", PC_FETCH_NAME, (int)f->pid,
               f->why[0] ? f->why : "stopped answering");
    pthread_mutex_unlock(&f->mu);
    return -1;
}

int pc_fetch_alive(pc_fetch *f, char *why, size_t whylen)
{
    pthread_mutex_lock(&f->mu);
    int ended = reap_now(f);
    if (ended && why)
        snprintf(why, whylen, "the registry process %s (pid %d) %s", PC_FETCH_NAME, (int)f->pid,
                 f->why);
    pthread_mutex_unlock(&f->mu);
    return !ended;
}

/* Send rq; *sock (when not NULL) is the answer's socket. */
static int request(pc_fetch *f, const pc_fw_req *rq, int *sock, pc_err *e)
{
    unsigned char *pkt = malloc(PC_FW_PKT_MAX);
    int sv[2] = {-1, -1};
    if (!pkt)
        return pc_err_set(e, "out of memory");
    size_t n = pc_fw_encode(rq, pkt);
    if (!n) {
        free(pkt);
        return pc_err_set(e, "a registry request too long for the registry process");
    }
    if (sock && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        explicit_bzero(pkt, n);
        free(pkt);
        return pc_err_set(e, "the registry process: socketpair: %s", strerror(errno));
    }
    int sent = pc_send_packet(f->fd, pkt, n, sock ? sv[1] : -1);
    explicit_bzero(pkt, n); /* (a CTX_NEW carries a secret) */
    free(pkt);
    if (sock)
        close(sv[1]);
    if (sent < 0) {
        if (sock)
            close(sv[0]);
        return gone(f, e);
    }
    if (sock)
        *sock = sv[0];
    return 0;
}

static int proto(pc_fetch *f, const char *what, pc_err *e)
{
    return pc_err_set(e, "the registry process %s (pid %d) answered out of protocol: %s",
                      PC_FETCH_NAME, (int)f->pid, what);
}

/* The next frame's header; an ERR frame's message into e (-1). */
static int next_frame(pc_fetch *f, int sock, uint8_t *type, uint32_t *len, pc_err *e)
{
    unsigned char h[PC_FF_HDR];
    if (pc_read_full(sock, h, sizeof h) < 0)
        return gone(f, e);
    const char *bad = pc_ff_parse(h, type, len);
    if (bad)
        return proto(f, bad, e);
    if (*type != PC_FF_ERR)
        return 0;
    char msg[PC_FF_MSG_MAX + 1];
    if (pc_read_full(sock, msg, *len) < 0)
        return gone(f, e);
    msg[*len] = 0;
    for (char *c = msg; *c; c++) /* a message stays one line */
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
    return pc_err_set(e, "%s", msg);
}

/* A whole answer: META (into mt, when asked for), DATA (at most max
 * bytes, into a NUL-terminated buffer when buf), END. */
static int collect(pc_fetch *f, int sock, size_t max, char *mt, size_t mtn, char **buf, size_t *len,
                   pc_err *e)
{
    char *b = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    for (;;) {
        uint8_t t;
        uint32_t l;
        if (next_frame(f, sock, &t, &l, e) < 0)
            break;
        if (t == PC_FF_END) {
            rc = 0;
            break;
        }
        if (t == PC_FF_META && mt) {
            char m[256]; /* (pc_ff_parse: at most 255) */
            if (pc_read_full(sock, m, l) < 0) {
                gone(f, e);
                break;
            }
            m[l] = 0;
            snprintf(mt, mtn, "%s", m);
            continue;
        }
        if (t != PC_FF_DATA || !buf) {
            proto(f, "an unexpected frame", e);
            break;
        }
        if (l > max || n > max - l) {
            pc_err_set(e, "more than %zu bytes exceeds the limit of %zu", max, max);
            break;
        }
        if (n + l + 1 > cap) {
            size_t want = cap ? cap : 64 << 10;
            while (want < n + l + 1)
                want *= 2;
            char *nb = realloc(b, want);
            if (!nb) {
                pc_err_set(e, "out of memory");
                break;
            }
            b = nb;
            cap = want;
        }
        if (pc_read_full(sock, b + n, l) < 0) {
            gone(f, e);
            break;
        }
        n += l;
    }
    close(sock);
    if (rc < 0 || !buf) {
        free(b);
        return rc;
    }
    if (!b && !(b = malloc(1)))
        return pc_err_set(e, "out of memory");
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
}

int pc_fetch_ctx_new(pc_fetch *f, const char *creds, const char *token, uint32_t *id, pc_err *e)
{
    int sock;
    pc_fw_req rq = {.op = PC_FW_CTX_NEW,
                    .id = atomic_fetch_add(&f->next, 1),
                    .flags = creds   ? PC_FW_CREDS_BASIC
                             : token ? PC_FW_CREDS_TOKEN
                                     : PC_FW_CREDS_NONE,
                    .s = {creds ? creds : token}};
    if (request(f, &rq, &sock, e) < 0 || collect(f, sock, 0, NULL, 0, NULL, NULL, e) < 0)
        return -1;
    *id = rq.id;
    return 0;
}

int pc_fetch_ctx_allow(pc_fetch *f, uint32_t id, const char *domain, const char *repo, pc_err *e)
{
    int sock;
    pc_fw_req rq = {.op = PC_FW_CTX_ALLOW, .id = id, .s = {domain, repo}};
    if (request(f, &rq, &sock, e) < 0 || collect(f, sock, 0, NULL, 0, NULL, NULL, e) < 0)
        return -1;
    return 0;
}

int pc_fetch_ctx_seal(pc_fetch *f, uint32_t id, const char *cert_dir, const char *authfile,
                      int tls_verify, pc_err *e)
{
    int sock;
    pc_fw_req rq = {.op = PC_FW_CTX_ALLOW,
                    .id = id,
                    .flags = tls_verify != 0,
                    .s = {NULL, NULL, cert_dir, authfile}};
    if (request(f, &rq, &sock, e) < 0 || collect(f, sock, 0, NULL, 0, NULL, NULL, e) < 0)
        return -1;
    return 0;
}

void pc_fetch_ctx_free(pc_fetch *f, uint32_t id)
{
    pc_err e;
    pc_fw_req rq = {.op = PC_FW_CTX_FREE, .id = id};
    if (f)
        request(f, &rq, NULL, &e);
}

int pc_fetch_reg_new(pc_fetch *f, uint32_t ctx, const char *domain, const char *repo,
                     const char *cert_dir, const char *authfile, int tls_verify,
                     uint64_t deadline_ms, pc_fetch_reg **out, pc_err *e)
{
    int sock;
    *out = NULL;
    pc_fetch_reg *r = calloc(1, sizeof *r);
    if (!r)
        return pc_err_set(e, "out of memory");
    r->f = f;
    r->id = atomic_fetch_add(&f->next, 1);
    pc_fw_req rq = {.op = PC_FW_OPEN,
                    .id = r->id,
                    .ctx = ctx,
                    .flags = tls_verify != 0,
                    .num = deadline_ms,
                    .s = {domain, repo, cert_dir, authfile}};
    if (request(f, &rq, &sock, e) < 0 || collect(f, sock, 0, NULL, 0, NULL, NULL, e) < 0) {
        free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void pc_fetch_reg_free(pc_fetch_reg *r)
{
    pc_err e;
    if (!r)
        return;
    pc_fw_req rq = {.op = PC_FW_CLOSE, .id = r->id};
    request(r->f, &rq, NULL, &e);
    free(r);
}

int pc_fetch_reg_manifest(pc_fetch_reg *r, const char *ref, size_t max, char **buf, size_t *len,
                          char digest[72], char *mt, size_t mtn, pc_err *e)
{
    int sock;
    pc_fw_req rq = {.op = PC_FW_MANIFEST, .id = r->id, .num = max, .s = {ref}};
    if (mtn)
        mt[0] = 0;
    if (request(r->f, &rq, &sock, e) < 0 || collect(r->f, sock, max, mt, mtn, buf, len, e) < 0)
        return -1;
    pc_sha256_digest(*buf, *len, digest); /* of the bytes this process has */
    return 0;
}

int pc_fetch_reg_blob(pc_fetch_reg *r, const char *digest, size_t max, char **buf, size_t *len,
                      pc_err *e)
{
    int sock;
    pc_fw_req rq = {.op = PC_FW_BLOB, .id = r->id, .num = max, .s = {digest}};
    if (request(r->f, &rq, &sock, e) < 0)
        return -1;
    return collect(r->f, sock, max, NULL, 0, buf, len, e);
}

/* A blob streamed from the registry process: DATA frames, then END. */
typedef struct fstream {
    pc_stream s;
    pc_fetch *f;
    int sock;
    uint32_t left; /* of the current DATA frame */
    int ended;     /* END read: 0 from now on */
} fstream;

static ssize_t fs_read(pc_stream *s, void *buf, size_t n, pc_err *e)
{
    fstream *fs = (fstream *)s;
    while (!fs->ended && fs->left == 0) {
        uint8_t t;
        uint32_t l;
        if (next_frame(fs->f, fs->sock, &t, &l, e) < 0)
            return -1;
        if (t == PC_FF_END)
            fs->ended = 1;
        else if (t == PC_FF_DATA)
            fs->left = l;
        else
            return proto(fs->f, "an unexpected frame in a blob", e);
    }
    if (fs->ended || n == 0)
        return 0;
    size_t want = n < fs->left ? n : fs->left;
    ssize_t r;
    while ((r = recv(fs->sock, buf, want, 0)) < 0 && errno == EINTR)
        ;
    if (r <= 0)
        return gone(fs->f, e);
    fs->left -= (uint32_t)r;
    return r;
}

static void fs_close(pc_stream *s)
{
    fstream *fs = (fstream *)s;
    close(fs->sock);
    free(fs);
}

int pc_fetch_reg_blob_open(pc_fetch_reg *r, const char *digest, int64_t size, pc_stream **out,
                           pc_err *e)
{
    int sock;
    uint8_t t;
    uint32_t l;
    *out = NULL;
    pc_fw_req rq = {.op = PC_FW_BLOB_OPEN, .id = r->id, .num = (uint64_t)size, .s = {digest}};
    if (request(r->f, &rq, &sock, e) < 0)
        return -1;
    if (next_frame(r->f, sock, &t, &l, e) < 0 ||
        (t != PC_FF_OPENED && proto(r->f, "no OPENED frame", e) < 0)) {
        close(sock);
        return -1;
    }
    fstream *fs = calloc(1, sizeof *fs);
    if (!fs) {
        close(sock);
        return pc_err_set(e, "out of memory");
    }
    fs->s.read = fs_read;
    fs->s.close = fs_close;
    fs->f = r->f;
    fs->sock = sock;
    *out = &fs->s;
    return 0;
}
