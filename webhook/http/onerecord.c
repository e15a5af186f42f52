/*
 * onerecord.c — see onerecord.h.
 */
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "onerecord.h"
#include "tls.h"

int wh_onerecord_hold(struct MHD_Connection *c, size_t body_len)
{
    if (body_len > WH_ONERECORD_MAX)
        return 0;
    gnutls_session_t s = wh_tls_session(c);
    if (!s)
        return 0;
    gnutls_record_cork(s);
    return 1;
}

int wh_onerecord_release(struct MHD_Connection *c)
{
    gnutls_session_t s = wh_tls_session(c);
    const union MHD_ConnectionInfo *fi =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!s || !fi)
        return -1; /* cannot happen: held only on a TLS connection */
    int fd = fi->connect_fd, one = 1;
    int r;
    do
        r = gnutls_record_uncork(s, 0); /* never waits: the socket is non-blocking */
    while (r == GNUTLS_E_INTERRUPTED);
    if (r < 0 || gnutls_record_check_corked(s) > 0) {
        /* GNUTLS_E_AGAIN: the client's socket buffer is full; a partial
         * answer must not be followed by the next one on this session */
        shutdown(fd, SHUT_RDWR);
        return -1;
    }
    /* the socket stays corked (libmicrohttpd's TCP_CORK): TCP_NODELAY
     * set again sends what it holds now (Linux pushes on every set) */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}
