/*
 * conns.c — see conns.h. How the header deadline works, with the
 * libmicrohttpd (0.9.75, epoll event loops in a thread pool, server.c)
 * behaviour it relies on:
 *
 * Start. MHD_OPTION_NOTIFY_CONNECTION's STARTED call runs in the event
 * loop that accepted the connection, before its first TLS byte is read,
 * so the clock starts before the TLS handshake. The entry records the socket (from
 * MHD_CONNECTION_INFO_CONNECTION_FD) and the peer address.
 *
 * Stop. libmicrohttpd calls the access handler for a request only once
 * its request line and all its headers are in; its first call stops the
 * clock (wh_conn_head_done). Body, handler and answer are bounded
 * elsewhere (server.c: the 408 body deadline and the idle timeout; the
 * request's own deadline). NOTIFY_COMPLETED, when an answer is done,
 * starts the clock again for the next request of a keep-alive connection
 * (wh_conn_request_done), so an idle keep-alive connection is closed
 * after --header-timeout too; clients reconnect.
 *
 * Cut. A watchdog thread wakes at the earliest deadline and, for every
 * connection past it, calls shutdown(fd, SHUT_RDWR). It never close()s
 * the descriptor and never touches libmicrohttpd's structures: the
 * connection's event loop, polling that socket (epoll), sees end-of-file
 * at once, and libmicrohttpd closes the connection its own way, freeing
 * the slot (and the per-address count). A connection suspended while its
 * handler waits on a request worker is inside a request (state 0), so the
 * watchdog never cuts it; its request's own deadline bounds it.
 *
 * Races. The state word (waiting-since time, 0 inside a request, KILLED)
 * is atomic: the watchdog claims an expired connection with a
 * compare-and-swap from the exact time it read, and the access handler
 * takes the word with an exchange, so exactly one of them wins a head that
 * completes at the deadline; a claimed connection is closed by its own
 * event loop too (wh_conn_head_done says -1). The descriptor cannot be reused
 * under the watchdog: libmicrohttpd sends NOTIFY_CLOSED before it closes
 * the socket (MHD_cleanup_connections, and the failed-start path of
 * internal_add_connection), the entry leaves the list in that callback
 * under the list's lock, and the watchdog holds that lock while it calls
 * shutdown().
 */
#include "conns.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "handshake.h"
#include "log.h"
#include "pcx.h"

#define KILLED UINT64_MAX

typedef struct wh_conn wh_conn;
struct wh_conn {
    wh_conns *owner;
    int fd;
    _Atomic uint64_t waiting; /* ms since which a request head is awaited; 0: in a request */
    char addr[INET6_ADDRSTRLEN];
    wh_park_conn *park; /* its handshake's reads (handshake.h), or NULL */
    wh_conn *prev, *next;
};

struct wh_conns {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    pthread_t thread;
    int stop;
    uint64_t timeout_ms;
    wh_tls *tls;
    wh_metrics *m;
    wh_park *park; /* stalled TLS handshakes wait there, off the event loops */
    wh_conn *head; /* under mu */
};

static void peer(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(out, n, "?");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

static void log_cut(const wh_conn *k)
{
    wh_metrics_error(k->owner->m, WH_ERR_SLOW_CLIENT);
    wh_logf("warn",
            "http: connection from %s closed: no complete request head within %llu ms "
            "(--header-timeout)",
            k->addr, (unsigned long long)k->owner->timeout_ms);
}

/* Close what is past its deadline; the next deadline to wake for. Under mu. */
static uint64_t sweep(wh_conns *cs, uint64_t now)
{
    uint64_t next = now + cs->timeout_ms; /* a connection registered later expires later */
    for (wh_conn *k = cs->head; k; k = k->next) {
        uint64_t w = atomic_load(&k->waiting);
        if (w == 0 || w == KILLED)
            continue;
        if (w > now || now - w < cs->timeout_ms) { /* (w > now: set after now was read) */
            if (w + cs->timeout_ms < next)
                next = w + cs->timeout_ms;
            continue;
        }
        if (!atomic_compare_exchange_strong(&k->waiting, &w, KILLED))
            continue; /* its head arrived just now */
        shutdown(k->fd, SHUT_RDWR);
        log_cut(k);
    }
    return next;
}

static void *watchdog(void *arg)
{
    wh_conns *cs = arg;
    pthread_mutex_lock(&cs->mu);
    while (!cs->stop) {
        uint64_t next = sweep(cs, pc_now_ms());
        struct timespec ts = {(time_t)(next / 1000), (long)(next % 1000) * 1000000L};
        pthread_cond_timedwait(&cs->cv, &cs->mu, &ts); /* pc_now_ms is CLOCK_MONOTONIC too */
    }
    pthread_mutex_unlock(&cs->mu);
    return NULL;
}

int wh_conns_new(uint64_t header_timeout_ms, wh_tls *tls, wh_metrics *m, wh_conns **out, char *err,
                 size_t errlen)
{
    pthread_condattr_t ca;
    wh_conns *cs = calloc(1, sizeof *cs);
    int mu = 0, cv = 0, th = 0;
    *out = NULL;
    snprintf(err, errlen, "cannot start the connection watchdog (out of memory or threads)");
    if (cs) {
        cs->timeout_ms = header_timeout_ms;
        cs->tls = tls;
        cs->m = m;
        mu = pthread_mutex_init(&cs->mu, NULL) == 0;
    }
    if (mu && pthread_condattr_init(&ca) == 0) {
        cv = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&cs->cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (cv && wh_park_new(&cs->park, err, errlen) == 0) /* (says why when not) */
        th = pthread_create(&cs->thread, NULL, watchdog, cs) == 0;
    if (th) {
        *out = cs;
        return 0;
    }
    if (cs)
        wh_park_free(cs->park);
    if (cv)
        pthread_cond_destroy(&cs->cv);
    if (mu)
        pthread_mutex_destroy(&cs->mu);
    free(cs);
    return -1;
}

void wh_conns_stop(wh_conns *cs)
{
    if (cs)
        wh_park_stop(cs->park);
}

void wh_conns_free(wh_conns *cs)
{
    if (!cs)
        return;
    wh_park_free(cs->park);
    pthread_mutex_lock(&cs->mu);
    cs->stop = 1;
    pthread_cond_signal(&cs->cv);
    pthread_mutex_unlock(&cs->mu);
    pthread_join(cs->thread, NULL);
    while (cs->head) { /* none when libmicrohttpd stopped cleanly */
        wh_conn *k = cs->head;
        cs->head = k->next;
        free(k);
    }
    pthread_cond_destroy(&cs->cv);
    pthread_mutex_destroy(&cs->mu);
    free(cs);
}

void wh_conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                     enum MHD_ConnectionNotificationCode code)
{
    wh_conns *cs = cls;
    wh_conn *k = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        k = ci ? calloc(1, sizeof *k) : NULL;
        *socket_context = k; /* NULL: the handshake is refused (wh_conn_tls) */
        if (!k)
            return;
        k->owner = cs;
        k->fd = ci->connect_fd;
        atomic_store(&k->waiting, pc_now_ms());
        peer(c, k->addr, sizeof k->addr);
        k->park = wh_park_attach(cs->park, c, k->fd);
        pthread_mutex_lock(&cs->mu);
        k->next = cs->head;
        if (cs->head)
            cs->head->prev = k;
        cs->head = k;
        pthread_mutex_unlock(&cs->mu);
        return;
    }
    if (code != MHD_CONNECTION_NOTIFY_CLOSED || !k)
        return;
    pthread_mutex_lock(&cs->mu);
    if (k->prev)
        k->prev->next = k->next;
    else
        cs->head = k->next;
    if (k->next)
        k->next->prev = k->prev;
    pthread_mutex_unlock(&cs->mu);
    wh_park_detach(k->park);
    free(k);
    *socket_context = NULL;
}

static wh_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        c ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    return ci ? ci->socket_context : NULL;
}

wh_tls *wh_conn_tls(struct MHD_Connection *c)
{
    wh_conn *k = conn_of(c);
    return k ? k->owner->tls : NULL;
}

int wh_conn_head_done(struct MHD_Connection *c)
{
    wh_conn *k = conn_of(c);
    if (!k)
        return -1;
    uint64_t w = atomic_exchange(&k->waiting, 0);
    if (w == KILLED) {
        atomic_store(&k->waiting, KILLED);
        return -1;
    }
    /* the watchdog may not have looked yet: the deadline holds all the same */
    uint64_t now = pc_now_ms();
    if (w && now > w && now - w >= k->owner->timeout_ms) {
        atomic_store(&k->waiting, KILLED);
        log_cut(k);
        return -1;
    }
    return 0;
}

void wh_conn_request_done(struct MHD_Connection *c)
{
    wh_conn *k = conn_of(c);
    if (!k)
        return;
    uint64_t w = atomic_load(&k->waiting);
    while (w != KILLED && !atomic_compare_exchange_weak(&k->waiting, &w, pc_now_ms()))
        ;
}
