/*
 * certdir.h — the TLS trust for one registry, read from a directory in the
 * containers certs.d layout: every *.crt is a CA certificate (trusted in
 * addition to the system's), and a NAME.cert with its NAME.key is a client
 * certificate. skopeo's --cert-dir names such a directory directly; without
 * it, /etc/containers/certs.d/HOST[:PORT] and /etc/docker/certs.d/HOST[:PORT]
 * are used when they exist.
 */
#ifndef PC_CERTDIR_H
#define PC_CERTDIR_H

#include <stddef.h>
#include "pcx.h"

typedef struct pc_tls_trust {
    char *ca_blob; /* PEM: the directory's *.crt, after the system CAs unless ca_path is
                      set; NULL: libcurl's default */
    size_t ca_len;
    char *ca_path; /* with ca_blob: the system's CA directory (CURLOPT_CAPATH), or NULL */
    char *client_cert, *client_key; /* paths, or NULL */
} pc_tls_trust;

/* cert_dir NULL: the default directories for host ("host[:port]"). A
 * cert_dir that cannot be read, or a .cert without its .key (or the other
 * way round), is an error naming the file. */
int pc_certdir_load(const char *cert_dir, const char *host, pc_tls_trust *t, pc_err *e);
void pc_tls_trust_free(pc_tls_trust *t);

#endif
