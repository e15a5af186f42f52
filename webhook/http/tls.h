/*
 * tls.h — the serving certificate, re-read when its files change.
 *
 * libmicrohttpd asks for the certificate in every TLS handshake through
 * GnuTLS's retrieve callback; the callback finds this struct through the
 * connection's socket context (conns.h: set when the connection starts),
 * so no global is needed. Optional client-certificate checking (mTLS)
 * lives here too, and the one write that bypasses libmicrohttpd.
 */
#ifndef WH_TLS_H
#define WH_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include "metrics.h"

typedef struct wh_tls wh_tls;

/* Fork the TLS key process (which reads key_file: this process never
 * does), then load cert (PEM chain) now; refuse a key that does not
 * belong to the certificate. Call it before anything untrusted is read
 * and before any thread exists. */
int wh_tls_new(const char *cert_file, const char *key_file, wh_metrics *m, wh_tls **out, char *err,
               size_t errlen);
void wh_tls_free(wh_tls *t);

/* For MHD_OPTION_HTTPS_CERT_CALLBACK: the current certificate, reloaded
 * first when the files changed (checked at most once a second). */
int wh_tls_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                         const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                         gnutls_pcert_st **pcert, unsigned int *pcert_length,
                         gnutls_privkey_t *pkey);

/* The serving certificate's notAfter (Unix seconds; 0 when unreadable),
 * after looking for new files as a handshake does. */
int64_t wh_tls_not_after(wh_tls *t);

/* 1 while the TLS key process runs; 0 once it is gone (why: how). */
int wh_tls_alive(wh_tls *t, char *why, size_t whylen);
long wh_tls_key_pid(const wh_tls *t);

/* c's GnuTLS session (NULL when it has none). Inline: handshake.c and
 * onerecord.c use it without a call into tls.o, which calls conns.o
 * (a circle of object files otherwise: check-layout). */
static inline gnutls_session_t wh_tls_session(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return ci ? (gnutls_session_t)ci->tls_session : NULL;
}

/* 0 when the connection presented a certificate that verifies against the
 * --client-ca bundle MHD was given; -1 otherwise. */
int wh_tls_client_verified(struct MHD_Connection *c);

/* Write len bytes to c's TLS session directly, from c's event loop, as the
 * last thing said on it (the caller then closes the connection): for an
 * answer libmicrohttpd cannot queue, which is any answer while a request
 * body is being received (MHD_queue_response accepts one only before the
 * body or after all of it). 0 when all was written; -1 otherwise (the
 * socket's buffer full: a client that does not read is not waited for). */
int wh_tls_send_last(struct MHD_Connection *c, const char *buf, size_t len);

#endif
