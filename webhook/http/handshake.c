/*
 * handshake.c — see handshake.h. The libmicrohttpd 0.9.75 behaviour this
 * relies on, and why each step is safe:
 *
 * Reads. At NOTIFY_STARTED (on the connection's event loop, after its
 * GnuTLS session exists and before its first byte is read) the session's
 * pull function becomes hs_pull, with this connection's record as the
 * receive pointer; the send pointer (the socket, as libmicrohttpd set
 * it) and GnuTLS's own send are unchanged. hs_pull is recv(2) on the
 * socket, and a pull-timeout function that never waits is set with it
 * (the session is GNUTLS_NONBLOCK: GnuTLS does not wait in it).
 *
 * Parking. When a read during the handshake finds nothing (EAGAIN),
 * hs_pull suspends the connection (MHD_suspend_connection: out of its
 * loop's ready list, epoll set and timeout lists) and arms its socket in
 * this module's epoll set (level-triggered, one shot: data that came
 * meanwhile fires at once). That happens on the connection's event
 * loop, inside libmicrohttpd's call_handlers, as a suspension from an
 * access handler does; libmicrohttpd then sees the handshake's EAGAIN,
 * and every step after it (MHD_connection_handle_idle, the ready-list
 * walk) skips a suspended connection. The thread here resumes the
 * connection (MHD_resume_connection, safe from any thread) when its
 * socket is readable or hung up; the loop puts it back in its ready list
 * and the handshake goes on. The header deadline (conns.c) still bounds
 * it: its shutdown(2) makes the socket readable, the connection is
 * resumed and fails its handshake. A suspended connection keeps its slot
 * and its per-address count, as libmicrohttpd counts them.
 *
 * After the handshake. Reads are parked only until the client's Finished
 * message is in (a handshake hook marks it): it is the last handshake
 * message a server reads, in TLS 1.2 and 1.3, full or resumed. Later
 * reads are records, whose EAGAIN libmicrohttpd handles itself, and its
 * inactivity and body timeouts must keep running for them.
 *
 * Lifetime. An armed connection is always a parked one, and a parked
 * connection cannot close (libmicrohttpd does nothing with it until it is
 * resumed), so the thread never sees an event for a freed record; one
 * shot means one event per parking. wh_park_stop joins the thread
 * before it resumes the parked connections itself, so nothing here
 * touches a record after that. Lock order: the park's lock, then
 * libmicrohttpd's (inside suspend and resume).
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "handshake.h"
#include "tls.h"

struct wh_park_conn {
    wh_park *p;
    struct MHD_Connection *c;
    gnutls_session_t s;
    int fd;
    int reads_done;            /* the client's Finished is in: no more handshake reads */
    int armed;                 /* fd is in the park's epoll set */
    int parked;                /* suspended here; under p->mu */
    wh_park_conn *prev, *next; /* the parked ones, under p->mu */
};

struct wh_park {
    pthread_mutex_t mu;
    pthread_t thread;
    int running; /* the thread exists */
    int stopping;
    int ep, wake;       /* epoll set; eventfd that stops the thread */
    wh_park_conn *head; /* parked */
};

static void unlink_parked(wh_park *p, wh_park_conn *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        p->head = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
    x->parked = 0;
}

/* Suspend x and wait for its socket (x's event loop, in its read). */
static void park(wh_park_conn *x)
{
    wh_park *p = x->p;
    pthread_mutex_lock(&p->mu);
    if (!p->stopping && !x->parked) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, .data.ptr = x};
        MHD_suspend_connection(x->c);
        x->parked = 1;
        x->next = p->head;
        if (p->head)
            p->head->prev = x;
        p->head = x;
        if (epoll_ctl(p->ep, x->armed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, x->fd, &ev) == 0) {
            x->armed = 1;
        } else { /* cannot wait for it: back to the loop (as before, polled) */
            unlink_parked(p, x);
            MHD_resume_connection(x->c);
        }
    }
    pthread_mutex_unlock(&p->mu);
}

static ssize_t hs_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
    wh_park_conn *x = ptr;
    ssize_t n = recv(x->fd, buf, len, 0);
    if (n < 0) {
        int e = errno;
        if ((e == EAGAIN || e == EWOULDBLOCK) && !x->reads_done)
            park(x);
        gnutls_transport_set_errno(x->s, e);
        errno = e;
    }
    return n;
}

/* GnuTLS waits in this only for a blocking session; never wait here. */
static int hs_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
    wh_park_conn *x = ptr;
    struct pollfd pf = {.fd = x->fd, .events = POLLIN};
    (void)ms;
    return poll(&pf, 1, 0);
}

static int hs_hook(gnutls_session_t s, unsigned int htype, unsigned when, unsigned int incoming,
                   const gnutls_datum_t *msg)
{
    (void)msg;
    if (htype == GNUTLS_HANDSHAKE_FINISHED && when == GNUTLS_HOOK_POST && incoming) {
        gnutls_transport_ptr_t r = NULL, w = NULL;
        gnutls_transport_get_ptr2(s, &r, &w);
        if (r)
            ((wh_park_conn *)r)->reads_done = 1;
    }
    return 0;
}

static void *park_main(void *arg)
{
    wh_park *p = arg;
    struct epoll_event ev[64];
    for (;;) {
        int n = epoll_wait(p->ep, ev, 64, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break; /* cannot happen: parked connections are resumed at stop */
        pthread_mutex_lock(&p->mu);
        int stop = p->stopping;
        for (int i = 0; i < n && !stop; i++) {
            wh_park_conn *x = ev[i].data.ptr;
            if (x && x->parked) {
                unlink_parked(p, x);
                MHD_resume_connection(x->c);
            }
        }
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
    }
    return NULL;
}

int wh_park_new(wh_park **out, char *err, size_t errlen)
{
    wh_park *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p || pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        snprintf(err, errlen, "cannot start the TLS handshake waiter: out of memory");
        return -1;
    }
    p->ep = epoll_create1(EPOLL_CLOEXEC);
    p->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    int e = p->ep < 0 || p->wake < 0 || epoll_ctl(p->ep, EPOLL_CTL_ADD, p->wake, &ev) != 0
                ? errno
                : pthread_create(&p->thread, NULL, park_main, p);
    if (e != 0) {
        snprintf(err, errlen, "cannot start the TLS handshake waiter: %s", strerror(e));
        p->running = 0;
        wh_park_free(p);
        return -1;
    }
    p->running = 1;
    *out = p;
    return 0;
}

void wh_park_stop(wh_park *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    int was = p->stopping;
    p->stopping = 1;
    pthread_mutex_unlock(&p->mu);
    if (was)
        return;
    if (p->running) {
        uint64_t one = 1;
        if (write(p->wake, &one, sizeof one) < 0) {
            /* an eventfd takes a write unless its counter is full: cannot happen */
        }
        pthread_join(p->thread, NULL);
        p->running = 0;
    }
    pthread_mutex_lock(&p->mu);
    while (p->head) {
        wh_park_conn *x = p->head;
        unlink_parked(p, x);
        MHD_resume_connection(x->c);
    }
    pthread_mutex_unlock(&p->mu);
}

void wh_park_free(wh_park *p)
{
    if (!p)
        return;
    wh_park_stop(p);
    if (p->ep >= 0)
        close(p->ep);
    if (p->wake >= 0)
        close(p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

wh_park_conn *wh_park_attach(wh_park *p, struct MHD_Connection *c, int fd)
{
    gnutls_session_t s = p ? wh_tls_session(c) : NULL;
    wh_park_conn *x = s ? calloc(1, sizeof *x) : NULL;
    if (!x)
        return NULL; /* reads stay GnuTLS's own (polled while they wait) */
    x->p = p;
    x->c = c;
    x->s = s;
    x->fd = fd;
    gnutls_transport_ptr_t r = NULL, w = NULL;
    gnutls_transport_get_ptr2(s, &r, &w);
    gnutls_transport_set_ptr2(s, x, w); /* the send side stays libmicrohttpd's socket */
    gnutls_transport_set_pull_function(s, hs_pull);
    gnutls_transport_set_pull_timeout_function(s, hs_pull_timeout);
    gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_FINISHED, GNUTLS_HOOK_POST, hs_hook);
    return x;
}

void wh_park_detach(wh_park_conn *x)
{
    if (!x)
        return;
    wh_park *p = x->p;
    pthread_mutex_lock(&p->mu);
    if (x->parked) /* cannot happen: a parked connection does not close */
        unlink_parked(p, x);
    if (x->armed)
        (void)epoll_ctl(p->ep, EPOLL_CTL_DEL, x->fd, NULL);
    pthread_mutex_unlock(&p->mu);
    free(x);
}
