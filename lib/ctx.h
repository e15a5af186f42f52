/*
 * ctx.h — the shared, read-only scan context behind the public pc_ctx.
 *
 * The policy file's three parts go to three stages and no further: the
 * profile upstream (sources, layer walk, YARA, the facts key), the run to
 * the checks, the policy to the verdict (verdict/) only.
 */
#ifndef PC_CTX_H
#define PC_CTX_H

#include "image/image.h"
#include "policy/policy.h"
#include "portcullis.h"
#include "cache/cache.h"
#include "yara/yara_rules.h"
#include "source/source.h"

#ifndef PC_DATADIR
#define PC_DATADIR "/usr/local/share/portcullis"
#endif

struct pc_ctx {
    pc_policy_file *policy_file; /* owns the three parts below */
    const pc_profile *profile;   /* limits, YARA knobs: what every scan runs with */
    const pc_run *run;           /* the sandbox the image will run in */
    const pc_policy *policy;     /* actions, allow lists, exemptions: applied last */
    pc_platform platform;
    int platform_explicit;
    char *authfile, *cert_dir, *cache_dir, *rules;
    char *creds, *registry_token; /* secrets: wiped when freed */
    char creds_host[260];         /* the registry they went to first; "" before */
    int tls_verify;
    unsigned jobs;
    int progress;
    pc_rules *yara;       /* compiled from `rules` (or PC_DATADIR/rules), shared read-only */
    int yara_inited;      /* yr_initialize succeeded: pc_ctx_free owes a yr_finalize */
    pc_cache cache;       /* layer facts cache; cache.dir NULL when disabled */
    char facts_key[72];   /* what facts depend on besides the layer: rules + profile */
    pc_facts_store store; /* shared facts (pc_ctx_set_facts_store); store.get NULL: none */
    /* registry connections and Bearer tokens kept across the scans of this
     * ctx (locked inside; curl is set up on first use) */
    struct pc_connpool *pool;
    struct pc_tokencache *tokens;
    /* or the registry process's context that holds them (and the secrets:
     * then creds and registry_token are NULL here) */
    pc_fetch *fetch;
    uint32_t fetch_ctx;
};

/* How a scan or a resolve opens its source under this context: the
 * platform, limits, credentials (with the registry they are bound to),
 * TLS, connection pool and token cache; deadline_ms and progress are the
 * caller's. One place, so that no entry point forgets a field. */
void pc_ctx_source_cfg(const pc_ctx *c, uint64_t deadline_ms, int progress, pc_source_cfg *out);

#endif
