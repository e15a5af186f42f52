/*
 * redisd_proc.c — what runs inside pc-redis (redisd.h): the connections
 * to Redis, their AUTH and SELECT, and one relay thread per connection
 * handed to the webhook. The password never leaves this process.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "pcx.h"
#include "redisd.h"

typedef struct relay {
    wh_redisconn *c;
    int fd; /* our end of the webhook's socket */
} relay;

/* One packet: type, id, text, and a descriptor when fd >= 0. */
static int say(int sock, char type, uint32_t id, const char *text, int fd)
{
    char pkt[600];
    size_t tl = text ? strnlen(text, sizeof pkt - 5) : 0;
    pkt[0] = type;
    pkt[1] = (char)(id >> 24);
    pkt[2] = (char)(id >> 16);
    pkt[3] = (char)(id >> 8);
    pkt[4] = (char)id;
    if (tl)
        memcpy(pkt + 5, text, tl);
    return pc_send_packet(sock, pkt, 5 + tl, fd);
}

/* The reply to AUTH or SELECT: 0, or -1 with the error named by its code
 * alone (Redis may quote the command's arguments after it). */
static int accepted(int rc, redisReply *rep, const char *what, char *err, size_t n)
{
    if (rc < 0)
        return -1;
    if (rep->type == REDIS_REPLY_ERROR) {
        size_t code = rep->str ? strcspn(rep->str, " \r\n") : 0;
        snprintf(err, n, "%s: an error reply (%.*s)", what, (int)(code > 32 ? 32 : code),
                 code ? rep->str : "?");
        freeReplyObject(rep);
        return -1;
    }
    freeReplyObject(rep);
    return 0;
}

/* One command, and its reply judged by accepted(). */
static int run(wh_redisconn *c, const char *what, char *err, size_t n, const char *fmt, ...)
{
    redisReply *rep = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = wh_redisconn_vcommand(c, &rep, err, n, fmt, ap);
    va_end(ap);
    return accepted(rc, rep, what, err, n);
}

/* A connection, authenticated and on its database. */
static int open_authed(const wh_redisd_cfg *cfg, wh_redisconn **out, char *err, size_t n)
{
    wh_redisconn *c = NULL;
    int rc = wh_redisconn_open(&cfg->conn, &c, err, n);
    if (rc == 0 && cfg->pass && cfg->user)
        rc = run(c, "AUTH", err, n, "AUTH %s %s", cfg->user, cfg->pass);
    else if (rc == 0 && cfg->pass)
        rc = run(c, "AUTH", err, n, "AUTH %s", cfg->pass);
    if (rc == 0 && cfg->db)
        rc = run(c, "SELECT", err, n, "SELECT %d", cfg->db);
    if (rc < 0) {
        wh_redisconn_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

/* Bytes both ways until either side ends; then both are closed. */
static void *relay_main(void *arg)
{
    relay *rl = arg;
    char buf[16384], err[256];
    for (;;) {
        struct pollfd p[2] = {{.fd = rl->fd, .events = POLLIN},
                              {.fd = wh_redisconn_fd(rl->c), .events = POLLIN}};
        int pending = wh_redisconn_pending(rl->c);
        if (poll(p, 2, pending ? 0 : -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pending || p[1].revents) {
            long got = wh_redisconn_recv(rl->c, buf, sizeof buf, err, sizeof err);
            if (got < 0 || (got > 0 && pc_write_full(rl->fd, buf, (size_t)got) < 0))
                break;
        }
        if (p[0].revents) {
            ssize_t n = recv(rl->fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0 || wh_redisconn_send(rl->c, buf, (size_t)n, err, sizeof err) < 0)
                break;
        }
    }
    close(rl->fd);
    wh_redisconn_free(rl->c);
    free(rl);
    return NULL;
}

/* A connection and its relay: the webhook's end of the socket, or -1. */
static int hand_out(const wh_redisd_cfg *cfg, char *err, size_t n)
{
    wh_redisconn *c;
    int sv[2];
    if (open_authed(cfg, &c, err, n) < 0)
        return -1;
    relay *rl = malloc(sizeof *rl);
    pthread_t t;
    pthread_attr_t a;
    if (!rl || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, n, "%s", rl ? "socketpair failed" : "out of memory");
        free(rl);
        wh_redisconn_free(c);
        return -1;
    }
    rl->c = c;
    rl->fd = sv[1];
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &a, relay_main, rl);
    pthread_attr_destroy(&a);
    if (rc != 0) {
        snprintf(err, n, "cannot start a relay: %s", strerror(rc));
        close(sv[0]);
        close(sv[1]);
        wh_redisconn_free(c);
        free(rl);
        return -1;
    }
    return sv[0];
}

_Noreturn void wh_redisd_main(int sock, const wh_redisd_cfg *cfg)
{
    char err[512];
    /* the TLS files load (or the webhook does not start) */
    if (wh_redisconn_check(&cfg->conn, err, sizeof err) < 0) {
        say(sock, 'E', 0, err, -1);
        _exit(1);
    }
    if (say(sock, 'O', 0, NULL, -1) < 0)
        _exit(1);
    for (;;) {
        unsigned char pkt[16];
        ssize_t n = recv(sock, pkt, sizeof pkt, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(n == 0 ? 0 : 1); /* the webhook closed it, or is gone */
        if (n != 5 || pkt[0] != 'C')
            continue; /* not a request of ours */
        uint32_t id =
            (uint32_t)pkt[1] << 24 | (uint32_t)pkt[2] << 16 | (uint32_t)pkt[3] << 8 | pkt[4];
        err[0] = 0;
        int fd = hand_out(cfg, err, sizeof err);
        if (fd < 0) {
            say(sock, 'E', id, err[0] ? err : "failed", -1);
            continue;
        }
        say(sock, 'O', id, NULL, fd);
        close(fd);
    }
}
