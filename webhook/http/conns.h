/*
 * conns.h — the webhook's own record of every open connection, and the
 * header deadline: a connection that has not delivered a whole request
 * head (TLS handshake, request line and every header) within
 * --header-timeout of its start, or of the answer to its previous request
 * (keep-alive), is closed, however steadily it drips bytes.
 *
 * libmicrohttpd's MHD_OPTION_CONNECTION_TIMEOUT is an inactivity timeout:
 * one byte every few seconds resets it, so a client dripping its headers
 * holds a connection slot for as long as it likes, and
 * --max-connections of them lock everyone out, no certificate needed. How
 * the deadline is enforced, and why it is safe, is in conns.c.
 */
#ifndef WH_CONNS_H
#define WH_CONNS_H

#include <microhttpd.h>
#include <stdint.h>
#include "metrics.h"

typedef struct wh_conns wh_conns;
typedef struct wh_tls wh_tls;

/* Start the watchdog, and the waiter of stalled TLS handshakes
 * (handshake.h). tls is what each connection's certificate callback
 * gets (wh_conn_tls). -1 with a message when no thread could be made. */
int wh_conns_new(uint64_t header_timeout_ms, wh_tls *tls, wh_metrics *m, wh_conns **out, char *err,
                 size_t errlen);
/* Resume every connection whose TLS handshake waits off its event loop
 * (handshake.h), and park none from now on: before MHD_stop_daemon. */
void wh_conns_stop(wh_conns *cs);
/* Stop the watchdog; after MHD_stop_daemon (no connection is left). */
void wh_conns_free(wh_conns *cs);

/* For MHD_OPTION_NOTIFY_CONNECTION (cls: the wh_conns): a connection is
 * registered when it starts (its deadline running) and forgotten when it
 * closes. */
void wh_conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                     enum MHD_ConnectionNotificationCode code);

/* The TLS material for c's handshake; NULL when c is not registered (out
 * of memory at its start: the handshake then fails). */
wh_tls *wh_conn_tls(struct MHD_Connection *c);

/* The access handler's first call for a request (the head is in): stops
 * the deadline. -1 when the deadline passed first, or c is not
 * registered: close the connection. */
int wh_conn_head_done(struct MHD_Connection *c);

/* A request is over (its answer sent, or it failed): the deadline starts
 * again for the next request on this connection. */
void wh_conn_request_done(struct MHD_Connection *c);

#endif
