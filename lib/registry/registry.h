/*
 * registry.h — a client for one repository on an OCI distribution
 * registry: manifests by tag or digest, small blobs into memory, large
 * blobs as streams. Auth (regauth), TLS and retries (http) are handled
 * underneath; errors come out as messages a user can act on
 * ("manifest unknown: TAG not found in REPO", "unauthorized: ...").
 */
#ifndef PC_REGISTRY_H
#define PC_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include "registry/authfile.h"
#include "pcx.h"
#include "source/stream.h"

typedef struct pc_registry_cfg {
    const char *domain;   /* as in the reference: "docker.io", "127.0.0.1:5000" */
    const char *repo;     /* "library/nginx" */
    const char *cert_dir; /* NULL: /etc/containers/certs.d/HOST, /etc/docker/certs.d/HOST */
    int tls_verify;
    uint64_t deadline_ms;
    pc_creds *creds; /* moved into the client; NULL or empty: anonymous */
    /* the context's kept connections and tokens (connpool.h, tokencache.h);
     * NULL: the client's own, for this client alone */
    struct pc_connpool *pool;
    struct pc_tokencache *tokens;
} pc_registry_cfg;

typedef struct pc_registry pc_registry;

int pc_registry_new(const pc_registry_cfg *cfg, pc_registry **out, pc_err *e);
void pc_registry_free(pc_registry *r);

/* GET a manifest (or index) by tag or digest, at most max bytes. digest
 * gets the sha256 of the bytes received (which must equal ref when ref is
 * a digest); mt the Content-Type's media type ("" when absent). */
int pc_registry_manifest(pc_registry *r, const char *ref, size_t max, char **buf, size_t *len,
                         char digest[72], char *mt, size_t mtn, pc_err *e);

/* GET a small blob (a config) into memory; the caller verifies it. */
int pc_registry_blob(pc_registry *r, const char *digest, size_t max, char **buf, size_t *len,
                     pc_err *e);

/* Open a blob as a stream. size >= 0: a Content-Length that differs is
 * refused before any byte is read. Safe to call from several threads. */
int pc_registry_blob_open(pc_registry *r, const char *digest, int64_t size, pc_stream **out,
                          pc_err *e);

#endif
