/*
 * redisd.c — see redisd.h: starting pc-redis, asking it for connections,
 * and noticing its end.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "pcx.h"
#include "portcullis.h"
#include "redisd.h"

#define CHILD_FD 3
#define HELLO_MS 30000 /* the TLS files' check: the system store may be large */

struct wh_redisd {
    int fd;
    pid_t pid;
    pthread_mutex_t mu; /* requests, reaped, why */
    uint32_t next;
    int reaped;
    char why[160];
};

/* Under mu: reap it if it ended (once, how into d->why). 1 once ended. */
static int reap_now(wh_redisd *d)
{
    return pc_child_reap(d->pid, &d->reaped, d->why, sizeof d->why);
}

/* One packet from pc-redis within wait_ms: its type, id and text (NUL
 * ended) and a descriptor (or -1). 0, or -1 with why. */
static int hear(wh_redisd *d, uint64_t wait_ms, char *type, uint32_t *id, char *text, size_t tl,
                int *fd, char *err, size_t n)
{
    uint64_t deadline = pc_now_ms() + wait_ms;
    char pkt[600];
    *fd = -1;
    for (;;) {
        uint64_t now = pc_now_ms();
        if (now >= deadline) {
            snprintf(err, n, "%s did not answer within %llu ms", WH_REDISD_NAME,
                     (unsigned long long)wait_ms);
            return -1;
        }
        struct pollfd p = {.fd = d->fd, .events = POLLIN};
        int rc = poll(&p, 1, (int)(deadline - now > 60000 ? 60000 : deadline - now));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            continue;
        struct iovec iov = {pkt, sizeof pkt};
        union {
            struct cmsghdr h;
            char b[CMSG_SPACE(sizeof(int))];
        } u;
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
        ssize_t got = recvmsg(d->fd, &m, MSG_CMSG_CLOEXEC);
        if (got < 0 && errno == EINTR)
            continue;
        for (struct cmsghdr *c = got > 0 ? CMSG_FIRSTHDR(&m) : NULL; c; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                c->cmsg_len == CMSG_LEN(sizeof(int)) && *fd < 0)
                memcpy(fd, CMSG_DATA(c), sizeof *fd);
        if (got < 5 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
            if (*fd >= 0)
                close(*fd);
            *fd = -1;
            if (got <= 0 && reap_now(d))
                snprintf(err, n, "the Redis connection process %s (pid %d) %s", WH_REDISD_NAME,
                         (int)d->pid, d->why);
            else
                snprintf(err, n, "the Redis connection process %s (pid %d) %s", WH_REDISD_NAME,
                         (int)d->pid, got <= 0 ? "is gone" : "answered out of protocol");
            return -1;
        }
        const unsigned char *b = (const unsigned char *)pkt;
        *type = pkt[0];
        *id = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
        size_t k = (size_t)got - 5 < tl - 1 ? (size_t)got - 5 : tl - 1;
        memcpy(text, pkt + 5, k);
        text[k] = 0;
        return 0;
    }
}

int wh_redisd_start(const wh_redisd_cfg *cfg, wh_redisd **out, char *err, size_t errlen)
{
    int sv[2];
    *out = NULL;
    wh_redisd *d = calloc(1, sizeof *d);
    if (!d || pthread_mutex_init(&d->mu, NULL) != 0) {
        free(d);
        snprintf(err, errlen, "%s: out of memory", WH_REDISD_NAME);
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "%s: socketpair: %s", WH_REDISD_NAME, strerror(errno));
        pthread_mutex_destroy(&d->mu);
        free(d);
        return -1;
    }
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        if (pc_child_setup(sv[1], CHILD_FD, parent, WH_REDISD_NAME) < 0)
            _exit(1);
        wh_redisd_main(CHILD_FD, cfg);
    }
    close(sv[1]);
    if (pid < 0) {
        snprintf(err, errlen, "%s: fork: %s", WH_REDISD_NAME, strerror(errno));
        close(sv[0]);
        pthread_mutex_destroy(&d->mu);
        free(d);
        return -1;
    }
    d->fd = sv[0];
    d->pid = pid;
    char type = 0, text[512];
    uint32_t id = 0;
    int fd = -1;
    if (hear(d, HELLO_MS, &type, &id, text, sizeof text, &fd, err, errlen) < 0 || type != 'O') {
        if (fd >= 0)
            close(fd);
        if (type == 'E')
            snprintf(err, errlen, "%s", text); /* names the flag and file */
        wh_redisd_stop(d);
        return -1;
    }
    *out = d;
    return 0;
}

int wh_redisd_connect(wh_redisd *d, uint64_t wait_ms, int *fd, char *err, size_t errlen)
{
    unsigned char pkt[5];
    *fd = -1;
    pthread_mutex_lock(&d->mu);
    uint32_t want = ++d->next;
    pkt[0] = 'C';
    pkt[1] = (unsigned char)(want >> 24);
    pkt[2] = (unsigned char)(want >> 16);
    pkt[3] = (unsigned char)(want >> 8);
    pkt[4] = (unsigned char)want;
    int rc = -1;
    if (pc_send_packet(d->fd, pkt, sizeof pkt, -1) < 0) {
        if (reap_now(d))
            snprintf(err, errlen, "the Redis connection process %s (pid %d) %s", WH_REDISD_NAME,
                     (int)d->pid, d->why);
        else
            snprintf(err, errlen, "%s: cannot send a request: %s", WH_REDISD_NAME, strerror(errno));
    } else {
        /* answers to requests that timed out before are passed over */
        char type, text[512];
        uint32_t id;
        int got;
        while ((rc = hear(d, wait_ms, &type, &id, text, sizeof text, &got, err, errlen)) == 0 &&
               id != want)
            if (got >= 0)
                close(got);
        if (rc == 0 && type == 'O' && got >= 0) {
            *fd = got;
        } else if (rc == 0) {
            if (got >= 0)
                close(got);
            snprintf(err, errlen, "%s", type == 'E' && text[0] ? text : "refused");
            rc = -1;
        }
    }
    pthread_mutex_unlock(&d->mu);
    return rc;
}

int wh_redisd_alive(wh_redisd *d, char *why, size_t whylen)
{
    pthread_mutex_lock(&d->mu);
    int ended = reap_now(d);
    if (ended && why)
        snprintf(why, whylen, "the Redis connection process %s (pid %d) %s", WH_REDISD_NAME,
                 (int)d->pid, d->why);
    pthread_mutex_unlock(&d->mu);
    return !ended;
}

long wh_redisd_pid(const wh_redisd *d)
{
    return d ? (long)d->pid : -1;
}

void wh_redisd_stop(wh_redisd *d)
{
    if (!d)
        return;
    close(d->fd); /* it reads EOF and exits */
    pthread_mutex_lock(&d->mu);
    pc_child_wait(d->pid, &d->reaped, d->why, sizeof d->why, 2000);
    pthread_mutex_unlock(&d->mu);
    pthread_mutex_destroy(&d->mu);
    free(d);
}
