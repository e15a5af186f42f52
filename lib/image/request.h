/*
 * request.h — what an image reference is resolved with: the platform
 * wanted, the limits, and the connection settings of the registry
 * transport. Every transport opens with it and the manifest resolver
 * (manifest.h) reads its platform and limits, so it lives here, upstream
 * of both.
 */
#ifndef PC_REQUEST_H
#define PC_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include "image/image.h"
#include "profile/scanlimits.h"

typedef struct pc_source_cfg {
    const pc_platform *platform; /* requested platform */
    int platform_explicit;
    const pc_limits *limits;
    const char *authfile, *cert_dir;
    /* --creds USER:PASSWORD or --registry-token: used instead of the
     * authfile, for one registry: the first that is asked is written to
     * creds_host (creds_host_len bytes); another one is refused */
    const char *creds, *registry_token;
    char *creds_host;
    size_t creds_host_len;
    int tls_verify;
    int progress;         /* 0 auto (stderr is a TTY), 1 always, 2 never */
    uint64_t deadline_ms; /* pc_now_ms() after which every request fails; 0: none */
    /* the context's kept registry connections and Bearer tokens
     * (registry/connpool.h, registry/tokencache.h); NULL: per scan */
    struct pc_connpool *pool;
    struct pc_tokencache *tokens;
    /* the registry process that makes the registry requests (then the
     * five fields above are unused: it holds the secrets, connections and
     * tokens of its context fetch_ctx); NULL: this process makes them */
    struct pc_fetch *fetch;
    uint32_t fetch_ctx;
} pc_source_cfg;

/* The limits a resolution works within: cfg's, else the defaults in *storage. */
const pc_limits *pc_source_limits(const pc_source_cfg *cfg, pc_limits *storage);
/* A byte limit as a size_t (clamped below SIZE_MAX, so +1 cannot wrap). */
size_t pc_limit_size(uint64_t v);

#endif
