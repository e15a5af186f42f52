/*
 * ctx.h — the shared, read-only scan context behind the public pc_ctx.
 */
#ifndef PC_CTX_H
#define PC_CTX_H

#include "image/image.h"
#include "policy/policy.h"
#include "portcullis.h"
#include "cache/cache.h"
#include "yara/yara_rules.h"

#ifndef PC_DATADIR
#define PC_DATADIR "/usr/local/share/portcullis"
#endif

struct pc_ctx {
    pc_policy *policy;
    pc_platform platform;
    int platform_explicit;
    char *authfile, *cert_dir, *cache_dir, *rules;
    int tls_verify;
    unsigned jobs;
    int progress;
    pc_rules *yara;     /* compiled from `rules` (or PC_DATADIR/rules), shared read-only */
    int yara_inited;    /* yr_initialize succeeded: pc_ctx_free owes a yr_finalize */
    pc_cache cache;     /* layer facts cache; cache.dir NULL when disabled */
    char facts_key[72]; /* what facts depend on besides the layer: rules + yara knobs */
};

#endif
