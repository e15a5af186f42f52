/*
 * onerecord.h — an answer on a keep-alive TLS connection sent as one TLS
 * record and one send(2) instead of two.
 *
 * libmicrohttpd 0.9 writes an answer's head and body with two
 * gnutls_record_send calls over TLS (it can gather them with writev only
 * on plain TCP), so each answer costs two records to seal and two
 * system calls, and the client two records to open. Holding the session
 * (gnutls_record_cork) from the moment the answer is queued until
 * libmicrohttpd reports it complete makes GnuTLS seal head and body
 * together. libmicrohttpd, seeing every byte accepted, pushes the socket
 * as usual (it keeps TCP_CORK set and pushes with TCP_NODELAY on Linux)
 * before the bytes reach it, so the release pushes them itself.
 *
 * Only a small answer is held (WH_ONERECORD_MAX: an AdmissionReview
 * answer is a few hundred bytes to a few KB): the release cannot wait for
 * the socket (the event loop must not block), so what it sends must fit
 * in an idle connection's socket buffer at once, which after the
 * handshake holds tens of KB. A larger answer takes libmicrohttpd's
 * usual path, which waits for the socket.
 *
 * Both calls run on the connection's event loop (the access handler and
 * the completion callback), which owns the session. The completion
 * callback runs before libmicrohttpd shuts a connection down (TLS
 * close_notify, then the socket), so a connection closed after its
 * answer still gets all of it first.
 */
#ifndef WH_ONERECORD_H
#define WH_ONERECORD_H

#include <stddef.h>
#include <microhttpd.h>

#define WH_ONERECORD_MAX 8192 /* bytes of body, at most, of an answer held */

/* Start holding what is written on c's TLS session for an answer whose
 * body is body_len bytes: 1 when held (the caller must call
 * wh_onerecord_release once the answer is complete or the request ends
 * otherwise), 0 when not (no TLS session, or a body over
 * WH_ONERECORD_MAX). */
int wh_onerecord_hold(struct MHD_Connection *c, size_t body_len);

/* Seal and send what was held, then push it to the network. A socket
 * whose buffer is full (a client that does not read its answers) cannot
 * take it: the connection is shut down rather than waited for (its
 * answer is incomplete; libmicrohttpd closes it). 0 when sent; -1 when
 * the connection was shut down. */
int wh_onerecord_release(struct MHD_Connection *c);

#endif
