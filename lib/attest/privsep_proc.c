/*
 * privsep_proc.c — starting, calling and stopping key processes (see
 * privsep.h and docs/privsep.md).
 *
 * The child: stdin and stdout become /dev/null, its socket becomes fd 3,
 * every other descriptor is closed; it dies with its parent
 * (PR_SET_PDEATHSIG), cannot be ptraced or dumped by its own uid
 * (PR_SET_DUMPABLE 0), loads its key, seals itself with seccomp, says
 * hello and then answers requests until the socket closes. It never
 * returns into the caller's code and ends with _exit, so nothing the
 * parent registered (atexit, stdio buffers) runs in it.
 *
 * The parent: one request at a time under a lock, each reply matched by
 * id and awaited at most CALL_TIMEOUT_MS. Anything out of protocol (EOF,
 * a wrong id, an undecodable reply, a timeout, a packet nobody asked
 * for) ends the key process for good: it is killed, reaped, and every
 * later call fails. There is no restart: a new key process would be a
 * fork of a process that has read untrusted input.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "portcullis.h"
#include "attest/privsep.h"
#include "pcx.h"

#define CALL_TIMEOUT_MS 10000
#define CHILD_FD 3
#define PKT_REQ_MAX (PC_PS_HDR + PC_PS_REQ_MAX)
#define PKT_REP_MAX (PC_PS_HDR + PC_PS_DATA_MAX + PC_PS_MSG_MAX)

struct pc_keyproc {
    int fd;
    pid_t pid;
    char name[16];
    pthread_mutex_t mu;
    uint32_t next_id;
    int dead;      /* under mu */
    char why[200]; /* how it ended, once dead */
};

/* --- the child */

static void child_send(uint8_t status, uint32_t id, const unsigned char *data, size_t dlen,
                       const char *msg)
{
    unsigned char out[PKT_REP_MAX];
    size_t ml = msg ? strnlen(msg, PC_PS_MSG_MAX) : 0;
    size_t n = pc_ps_rep_encode(out, sizeof out, status, id, data, dlen, msg, ml);
    if (n == 0 || send(CHILD_FD, out, n, MSG_NOSIGNAL) != (ssize_t)n)
        _exit(1);
}

static _Noreturn void child_loop(const pc_keyproc_ops *ops, void *st, unsigned char *in)
{
    unsigned char data[PC_PS_DATA_MAX];
    char msg[PC_PS_MSG_MAX + 1];
    for (;;) {
        ssize_t n = recv(CHILD_FD, in, PKT_REQ_MAX, MSG_TRUNC);
        if (n == 0)
            _exit(0); /* the parent closed the socket, or died */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        pc_ps_req rq;
        int rc = (size_t)n > PKT_REQ_MAX ? PC_PS_ETOOBIG : pc_ps_req_decode(in, (size_t)n, &rq);
        if (rc != PC_PS_OK) {
            child_send(PC_PS_ST_BAD_PACKET, n >= 12 ? pc_ps_get32(in + 8) : 0, NULL, 0,
                       pc_ps_strerror(rc));
            continue;
        }
        size_t dlen = 0;
        msg[0] = 0;
        int status = ops->handle(st, &rq, data, &dlen, msg, sizeof msg);
        msg[PC_PS_MSG_MAX] = 0;
        if (dlen > sizeof data) /* a handler bug: say so, send nothing of it */
            child_send(PC_PS_ST_FAILED, rq.id, NULL, 0, "reply too large");
        else
            child_send((uint8_t)status, rq.id, data, dlen, msg);
        explicit_bzero(in, (size_t)n < PKT_REQ_MAX ? (size_t)n : PKT_REQ_MAX);
    }
}

static _Noreturn void child_main(int sock, pid_t parent, const pc_keyproc_ops *ops, const void *st0,
                                 size_t st_size)
{
    unsigned char data[PC_PS_DATA_MAX];
    char msg[PC_PS_MSG_MAX + 1] = "";
    size_t dlen = 0;
    void *st = malloc(st_size ? st_size : 1);
    unsigned char *in = malloc(PKT_REQ_MAX);
    if (pc_child_setup(sock, CHILD_FD, parent, ops->name) < 0 || !st || !in)
        _exit(1);
    memcpy(st, st0, st_size);
    if (ops->init(st, data, &dlen, msg, sizeof msg) < 0) {
        msg[PC_PS_MSG_MAX] = 0;
        child_send(PC_PS_ST_FAILED, 0, NULL, 0, msg[0] ? msg : "the key did not load");
        _exit(1);
    }
    if (pc_seccomp_keyproc(CHILD_FD) < 0) {
        snprintf(msg, sizeof msg, "%s: cannot install its seccomp filter: %s", ops->name,
                 strerror(errno));
        child_send(PC_PS_ST_FAILED, 0, NULL, 0, msg);
        _exit(1);
    }
    child_send(PC_PS_ST_OK, 0, data, dlen, NULL);
    explicit_bzero(data, sizeof data);
    child_loop(ops, st, in);
}

/* --- the parent */

static void describe_status(pc_keyproc *kp, int st)
{
    if (WIFEXITED(st))
        snprintf(kp->why, sizeof kp->why, "key process %s (pid %d) exited with status %d", kp->name,
                 (int)kp->pid, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(kp->why, sizeof kp->why, "key process %s (pid %d) was killed by signal %d (%s)%s",
                 kp->name, (int)kp->pid, WTERMSIG(st), strsignal(WTERMSIG(st)),
                 WTERMSIG(st) == SIGSYS ? ": a system call its sandbox does not allow" : "");
}

/* Wait up to ms for the child to end; then kill it. */
static void reap(pc_keyproc *kp, unsigned ms, int kill_first)
{
    int st = 0;
    pid_t r = 0;
    if (kill_first)
        kill(kp->pid, SIGKILL);
    for (unsigned waited = 0; (r = waitpid(kp->pid, &st, WNOHANG)) == 0 && waited < ms;
         waited += 10)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    if (r == 0) {
        kill(kp->pid, SIGKILL);
        r = waitpid(kp->pid, &st, 0);
    }
    if (r == kp->pid)
        describe_status(kp, st);
}

/* Under mu. what: why the parent gave up on it (kept when the exit
 * status says nothing more). */
static void mark_dead(pc_keyproc *kp, const char *what, int kill_first)
{
    if (kp->dead)
        return;
    kp->dead = 1;
    snprintf(kp->why, sizeof kp->why, "key process %s (pid %d): %s", kp->name, (int)kp->pid, what);
    close(kp->fd);
    kp->fd = -1;
    char mine[sizeof kp->why];
    memcpy(mine, kp->why, sizeof mine);
    reap(kp, 2000, kill_first);
    if (kill_first) /* its status is our SIGKILL: our reason is the news */
        memcpy(kp->why, mine, sizeof mine);
}

static int fail(pc_keyproc *kp, const char *what, int kill_first, char *err, size_t errlen)
{
    mark_dead(kp, what, kill_first);
    snprintf(err, errlen, "%s", kp->why);
    return -1;
}

/* Under mu: the reply to id, within the timeout. */
static int await_reply(pc_keyproc *kp, uint32_t id, pc_ps_answer *a, char *err, size_t errlen)
{
    unsigned char pkt[PKT_REP_MAX + 1];
    uint64_t until = pc_now_ms() + CALL_TIMEOUT_MS;
    for (;;) {
        uint64_t now = pc_now_ms();
        if (now >= until)
            return fail(kp, "no answer within 10 s", 1, err, errlen);
        struct pollfd p = {kp->fd, POLLIN, 0};
        int pr = poll(&p, 1, (int)(until - now));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue; /* the deadline check above ends it */
        ssize_t n = recv(kp->fd, pkt, sizeof pkt, MSG_TRUNC | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return fail(kp, "gone", 0, err, errlen);
        pc_ps_rep r;
        int rc = (size_t)n > PKT_REP_MAX ? PC_PS_ETOOBIG : pc_ps_rep_decode(pkt, (size_t)n, &r);
        if (rc != PC_PS_OK || r.id != id) {
            char what[100];
            snprintf(what, sizeof what, "answered out of protocol (%s)",
                     rc != PC_PS_OK ? pc_ps_strerror(rc) : "wrong request id");
            return fail(kp, what, 1, err, errlen);
        }
        a->status = r.status;
        a->dlen = r.dlen;
        memcpy(a->data, r.data, r.dlen);
        memcpy(a->msg, r.msg, r.mlen);
        a->msg[r.mlen] = 0;
        for (char *c = a->msg; *c; c++) /* a log line stays one line */
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = ' ';
        return 0;
    }
}

int pc_keyproc_start(const pc_keyproc_ops *ops, const void *st, size_t st_size, pc_keyproc **out,
                     pc_ps_answer *hello, char *err, size_t errlen)
{
    int sv[2];
    *out = NULL;
    pc_keyproc *kp = calloc(1, sizeof *kp);
    if (!kp || pthread_mutex_init(&kp->mu, NULL) != 0) {
        free(kp);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(kp->name, sizeof kp->name, "%s", ops->name);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "key process %s: socketpair: %s", kp->name, strerror(errno));
        pthread_mutex_destroy(&kp->mu);
        free(kp);
        return -1;
    }
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        close(sv[0]);
        child_main(sv[1], parent, ops, st, st_size);
    }
    close(sv[1]);
    if (pid < 0) {
        snprintf(err, errlen, "key process %s: fork: %s", kp->name, strerror(errno));
        close(sv[0]);
        pthread_mutex_destroy(&kp->mu);
        free(kp);
        return -1;
    }
    kp->fd = sv[0];
    kp->pid = pid;
    kp->next_id = 1;
    pthread_mutex_lock(&kp->mu);
    int rc = await_reply(kp, 0, hello, err, errlen);
    if (rc == 0 && hello->status != PC_PS_ST_OK) {
        snprintf(err, errlen, "%s", hello->msg[0] ? hello->msg : "the key process did not start");
        mark_dead(kp, "its key did not load", 0);
        rc = -1;
    }
    pthread_mutex_unlock(&kp->mu);
    if (rc < 0) {
        pc_keyproc_stop(kp);
        return -1;
    }
    *out = kp;
    return 0;
}

/* Under mu: send n bytes of pkt and await the reply to id. */
static int exchange(pc_keyproc *kp, const unsigned char *pkt, size_t n, uint32_t id,
                    pc_ps_answer *a, char *err, size_t errlen)
{
    if (kp->dead) {
        snprintf(err, errlen, "%s", kp->why);
        return -1;
    }
    if (send(kp->fd, pkt, n, MSG_NOSIGNAL) != (ssize_t)n)
        return fail(kp, errno == EPIPE || errno == ECONNRESET ? "gone" : strerror(errno), 0, err,
                    errlen);
    return await_reply(kp, id, a, err, errlen);
}

int pc_keyproc_call(pc_keyproc *kp, uint8_t op, const void *body, size_t len, pc_ps_answer *a,
                    char *err, size_t errlen)
{
    unsigned char *pkt = malloc(PKT_REQ_MAX);
    int rc = -1;
    if (!pkt) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_lock(&kp->mu);
    uint32_t id = kp->next_id++;
    if (kp->next_id == 0)
        kp->next_id = 1; /* 0 is the hello's */
    size_t n = pc_ps_req_encode(pkt, PKT_REQ_MAX, op, id, body, len);
    if (n == 0)
        snprintf(err, errlen, "request too large for the key process (%zu bytes)", len);
    else
        rc = exchange(kp, pkt, n, id, a, err, errlen);
    pthread_mutex_unlock(&kp->mu);
    free(pkt);
    return rc;
}

int pc_keyproc_ask(pc_keyproc *kp, uint8_t op, const void *body, size_t len, pc_ps_answer *a,
                   const char *refused, char *err, size_t errlen)
{
    if (pc_keyproc_call(kp, op, body, len, a, err, errlen) < 0)
        return -1;
    if (a->status != PC_PS_ST_OK) {
        snprintf(err, errlen, "%s", a->msg[0] ? a->msg : refused);
        return -1;
    }
    return 0;
}

int pc_keyproc_call_raw(pc_keyproc *kp, const void *pkt, size_t n, uint32_t id, pc_ps_answer *a,
                        char *err, size_t errlen)
{
    pthread_mutex_lock(&kp->mu);
    int rc = exchange(kp, pkt, n, id, a, err, errlen);
    pthread_mutex_unlock(&kp->mu);
    return rc;
}

int pc_keyproc_alive(pc_keyproc *kp, char *why, size_t whylen)
{
    pthread_mutex_lock(&kp->mu);
    if (!kp->dead) {
        struct pollfd p = {kp->fd, POLLIN | POLLRDHUP, 0};
        if (poll(&p, 1, 0) > 0 && p.revents) /* hung up, or a packet nobody asked for */
            mark_dead(kp,
                      p.revents & (POLLHUP | POLLRDHUP | POLLERR) ? "gone" : "spoke out of turn",
                      !(p.revents & (POLLHUP | POLLRDHUP | POLLERR)));
    }
    int alive = !kp->dead;
    if (!alive && why)
        snprintf(why, whylen, "%s", kp->why);
    pthread_mutex_unlock(&kp->mu);
    return alive;
}

pid_t pc_keyproc_pid(const pc_keyproc *kp)
{
    return kp->pid;
}

void pc_keyproc_stop(pc_keyproc *kp)
{
    if (!kp)
        return;
    pthread_mutex_lock(&kp->mu);
    if (!kp->dead) {
        kp->dead = 1;
        close(kp->fd); /* the key process reads EOF and exits */
        reap(kp, 2000, 0);
    }
    pthread_mutex_unlock(&kp->mu);
    pthread_mutex_destroy(&kp->mu);
    free(kp);
}

int pc_privsep_drop(void)
{
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

int pc_privsep_undumpable(void)
{
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
