/*
 * tls.h — the serving certificate, re-read when its files change.
 *
 * libmicrohttpd asks for the certificate in every TLS handshake through
 * GnuTLS's retrieve callback; the callback finds this struct through the
 * connection's socket context (set when the connection starts), so no
 * global is needed. Optional client-certificate checking (mTLS) lives
 * here too.
 */
#ifndef WH_TLS_H
#define WH_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include "metrics.h"

typedef struct wh_tls wh_tls;

/* Load cert (PEM chain) and key (PEM) now; refuse a key that does not
 * belong to the certificate. */
int wh_tls_new(const char *cert_file, const char *key_file, wh_metrics *m, wh_tls **out, char *err,
               size_t errlen);
void wh_tls_free(wh_tls *t);

/* For MHD_OPTION_NOTIFY_CONNECTION (cls: the wh_tls): makes the
 * connection's socket context point at it. */
void wh_tls_notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode code);
/* For MHD_OPTION_HTTPS_CERT_CALLBACK: the current certificate, reloaded
 * first when the files changed (checked at most once a second). */
int wh_tls_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                         const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                         gnutls_pcert_st **pcert, unsigned int *pcert_length,
                         gnutls_privkey_t *pkey);

/* 0 when the connection presented a certificate that verifies against the
 * --client-ca bundle MHD was given; -1 otherwise. */
int wh_tls_client_verified(struct MHD_Connection *c);

#endif
