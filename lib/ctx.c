/*
 * ctx.c — building the scan context from options: load the policy file
 * (profile, run, policy: ctx.h), parse
 * the platform, compile the YARA rules once (libyara is initialised here
 * and finalised in pc_ctx_free, one pair per ctx), keep copies of the
 * transport options, and hold the registry connections and tokens every
 * scan of the ctx reuses (freed with it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yara.h>
#include "ctx.h"
#include "registry/connpool.h"
#include "registry/fetch.h"
#include "registry/tokencache.h"
#include "source/imageref.h"
#include "source/source.h"
#include "pcx/sha256.h"
#include "pcx.h"

void pc_options_init(pc_options *o)
{
    memset(o, 0, sizeof *o);
    o->tls_verify = 1;
}

static int copy_opt(const char *in, char **out)
{
    *out = NULL;
    return in && !(*out = strdup(in)) ? -1 : 0;
}

/* Compile the rules every scan of this ctx shares. */
static int load_rules(pc_ctx *c, const char *cache_dir, pc_err *e)
{
    const char *path = c->rules ? c->rules : PC_DATADIR "/rules";
    if (yr_initialize() != ERROR_SUCCESS)
        return pc_err_set(e, "cannot initialise libyara");
    c->yara_inited = 1;
    if (pc_rules_compile_cached(path, cache_dir, c->profile->yara.prefilter, &c->yara, e) < 0)
        return pc_err_prefix(e, "YARA rules");
    return 0;
}

/* Facts depend on the layer, the rules and the profile's yara knobs that
 * choose which files are scanned and how far: all of that, hashed, keys
 * the cache. The policy is not part of it: it is applied after the facts. */
static void set_facts_key(pc_ctx *c)
{
    char key[256];
    const pc_yara_profile *y = &c->profile->yara;
    snprintf(key, sizeof key, "rules=%s;all=%d;max=%llu", pc_ctx_rules_digest(c) ?: "-",
             y->scan_all_files, (unsigned long long)y->max_file_bytes);
    pc_sha256_digest(key, strlen(key), c->facts_key);
}

/* The cache directory also keeps the compiled rules (yara_cache.h). */
static int open_cache(pc_ctx *c, const pc_options *o, pc_err *e)
{
    if (!o->cache_dir)
        return 0;
    return pc_cache_open(&c->cache, o->cache_dir, o->cache_max_bytes, e);
}

/* The registry process serves this context only the repositories of
 * o->bind_images (the registry references among them; none: no
 * registry), with this context's TLS verification, cert dir and
 * authfile, and makes no other context: told before any image is read. */
static int bind_repos(pc_ctx *c, const pc_options *o, pc_err *e)
{
    for (size_t i = 0; i < o->nbind_images; i++) {
        const pc_source_ops *ops;
        const char *spec;
        pc_imageref ref;
        pc_err ignored;
        /* (a reference that does not parse fails its own scan) */
        if (pc_source_lookup(o->bind_images[i], &ops, &spec, &ignored) < 0 ||
            ops != &pc_source_docker || pc_imageref_parse(spec, &ref, &ignored) < 0)
            continue;
        if (pc_fetch_ctx_allow(c->fetch, c->fetch_ctx, ref.domain, ref.path, e) < 0)
            return pc_err_prefix(e, "the registry process");
    }
    return pc_fetch_ctx_seal(c->fetch, c->fetch_ctx, c->cert_dir, c->authfile, c->tls_verify, e) < 0
               ? pc_err_prefix(e, "the registry process")
               : 0;
}

int pc_ctx_new(const pc_options *o, pc_ctx **out, char *err, size_t errlen)
{
    pc_err e = {{0}};
    pc_ctx *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *plat = o->platform ? o->platform : "linux/amd64";
    c->platform_explicit = o->platform != NULL;
    c->tls_verify = o->tls_verify;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->jobs = o->jobs ? o->jobs : cores > 0 ? (unsigned)cores : 2;
    if (c->jobs > 64)
        c->jobs = 64;
    c->progress = o->progress;
    if (pc_platform_parse(plat, &c->platform) < 0) {
        pc_err_set(&e, "--platform \"%s\": expected OS/ARCH[/VARIANT]", plat);
        goto fail;
    }
    if (pc_policy_file_load(o->policy ? o->policy : "restricted",
                            o->policies_dir ? o->policies_dir : PC_DATADIR "/rules/policies",
                            &c->policy_file, &e) < 0)
        goto fail;
    if (o->exceptions && pc_policy_file_add_exceptions(c->policy_file, o->exceptions, &e) < 0)
        goto fail;
    c->profile = &c->policy_file->profile;
    if (o->no_prefilter)
        c->policy_file->profile.yara.prefilter = 0;
    c->run = &c->policy_file->run;
    c->policy = &c->policy_file->policy;
    if (copy_opt(o->authfile, &c->authfile) < 0 || copy_opt(o->cert_dir, &c->cert_dir) < 0 ||
        copy_opt(o->cache_dir, &c->cache_dir) < 0 || copy_opt(o->rules, &c->rules) < 0 ||
        (!o->fetch && (copy_opt(o->creds, &c->creds) < 0 ||
                       copy_opt(o->registry_token, &c->registry_token) < 0))) {
        pc_err_set(&e, "out of memory");
        goto fail;
    }
    /* with a registry process, the secrets go to it and are not kept */
    if (o->fetch && pc_fetch_ctx_new(o->fetch, o->creds, o->registry_token, &c->fetch_ctx, &e) < 0)
        goto fail;
    c->fetch = o->fetch;
    if (o->fetch && o->bind_images && bind_repos(c, o, &e) < 0)
        goto fail;
    if (open_cache(c, o, &e) < 0 ||
        (!o->no_rules && load_rules(c, c->cache.dir ? o->cache_dir : NULL, &e) < 0))
        goto fail;
    if (!o->fetch && (!(c->pool = pc_connpool_new()) || !(c->tokens = pc_tokencache_new()))) {
        pc_err_set(&e, "out of memory (or no random bytes for the token cache)");
        goto fail;
    }
    set_facts_key(c);
    *out = c;
    return 0;
fail:
    snprintf(err, errlen, "%s", e.msg);
    pc_ctx_free(c);
    return -1;
}

void pc_ctx_set_facts_store(pc_ctx *c, const pc_facts_store *store)
{
    memset(&c->store, 0, sizeof c->store);
    if (store && store->get && store->put && store->lock && store->unlock)
        c->store = *store;
}

void pc_ctx_free(pc_ctx *c)
{
    if (!c)
        return;
    pc_policy_file_free(c->policy_file);
    free(c->authfile);
    if (c->creds)
        explicit_bzero(c->creds, strlen(c->creds));
    if (c->registry_token)
        explicit_bzero(c->registry_token, strlen(c->registry_token));
    free(c->creds);
    free(c->registry_token);
    free(c->cert_dir);
    free(c->cache_dir);
    free(c->rules);
    pc_rules_free(c->yara);
    pc_cache_close(&c->cache);
    pc_tokencache_free(c->tokens);
    pc_connpool_free(c->pool);
    if (c->fetch)
        pc_fetch_ctx_free(c->fetch, c->fetch_ctx);
    if (c->yara_inited)
        yr_finalize();
    free(c);
}

const char *pc_ctx_policy_name(const pc_ctx *c)
{
    return c->policy->name;
}

const char *pc_ctx_policy_digest(const pc_ctx *c)
{
    return c->policy->digest;
}

const char *pc_ctx_rules_digest(const pc_ctx *c)
{
    return c->yara ? pc_rules_digest(c->yara) : NULL;
}

int pc_ctx_namespace_exempt(const pc_ctx *c, const char *ns)
{
    return pc_policy_exempt_namespace(c->policy, ns);
}

const char *pc_ctx_image_exempt(const pc_ctx *c, const char *ref)
{
    return pc_policy_exempt_image(c->policy, ref, NULL, 0);
}

const char *pc_ctx_start(const pc_ctx *c)
{
    return pc_start_name(c->run->sandbox.start);
}

void pc_ctx_source_cfg(const pc_ctx *c, uint64_t deadline_ms, int progress, pc_source_cfg *out)
{
    *out = (pc_source_cfg){.platform = &c->platform,
                           .platform_explicit = c->platform_explicit,
                           .limits = &c->profile->limits,
                           .authfile = c->authfile,
                           .creds = c->creds,
                           .registry_token = c->registry_token,
                           .creds_host = (char *)c->creds_host, /* bound on first use */
                           .creds_host_len = sizeof c->creds_host,
                           .cert_dir = c->cert_dir,
                           .tls_verify = c->tls_verify,
                           .progress = progress,
                           .deadline_ms = deadline_ms,
                           .pool = c->pool,
                           .tokens = c->tokens,
                           .fetch = c->fetch,
                           .fetch_ctx = c->fetch_ctx};
}
