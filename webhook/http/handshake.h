/*
 * handshake.h — a TLS handshake that waits for the client's bytes waits
 * off the event loop.
 *
 * libmicrohttpd 0.9.75 in epoll mode marks a connection read-ready on an
 * EPOLLIN edge and clears the mark only when a read of a TLS *record*
 * finds nothing. During the handshake GnuTLS reads the socket itself, so
 * the mark stays and the event loop calls gnutls_handshake again at once,
 * for ever: recv() EAGAIN, epoll_wait(0), recv() EAGAIN... A client that
 * sends part of a ClientHello and stops holds its event loop's CPU at
 * 100% until the header deadline cuts it (measured: four such
 * connections kept both CPUs busy). Here a handshake read that finds
 * nothing suspends the connection (MHD_suspend_connection takes it out of
 * its loop) and a thread of its own waits for its socket, resuming it
 * when bytes, a hang-up, or the header deadline's shutdown arrive. How,
 * and why it is safe with libmicrohttpd, is in handshake.c.
 */
#ifndef WH_HANDSHAKE_H
#define WH_HANDSHAKE_H

#include <microhttpd.h>

typedef struct wh_park wh_park;
typedef struct wh_park_conn wh_park_conn;

/* Start the thread that waits for parked handshakes. -1 (and a message)
 * when it cannot. */
int wh_park_new(wh_park **out, char *err, size_t errlen);
/* Resume every parked connection and park none again; the thread stops.
 * Before MHD_stop_daemon, which may not find a connection suspended. */
void wh_park_stop(wh_park *p);
/* After MHD_stop_daemon (wh_park_stop first, if it was not called). */
void wh_park_free(wh_park *p);

/* On c's event loop when it starts (MHD_CONNECTION_NOTIFY_STARTED; fd
 * its socket): its TLS session reads through the park from now on. NULL
 * when out of memory or c has no TLS session (then nothing changes). */
wh_park_conn *wh_park_attach(wh_park *p, struct MHD_Connection *c, int fd);
/* When c closes (MHD_CONNECTION_NOTIFY_CLOSED, before its socket is
 * closed). */
void wh_park_detach(wh_park_conn *x);

#endif
