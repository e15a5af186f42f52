/*
 * ctx.c — building the scan context from options: load the policy, parse
 * the platform, keep copies of the transport options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctx.h"
#include "util.h"

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
    c->jobs = o->jobs ? o->jobs : 2;
    if (c->jobs > 64)
        c->jobs = 64;
    c->progress = o->progress;
    if (pc_platform_parse(plat, &c->platform) < 0) {
        pc_err_set(&e, "--platform \"%s\": expected OS/ARCH[/VARIANT]", plat);
        goto fail;
    }
    if (pc_policy_load(o->policy ? o->policy : "restricted",
                       o->policies_dir ? o->policies_dir : PC_DATADIR "/rules/policies", &c->policy,
                       &e) < 0)
        goto fail;
    if (copy_opt(o->authfile, &c->authfile) < 0 || copy_opt(o->cert_dir, &c->cert_dir) < 0 ||
        copy_opt(o->cache_dir, &c->cache_dir) < 0 || copy_opt(o->rules, &c->rules) < 0) {
        pc_err_set(&e, "out of memory");
        goto fail;
    }
    *out = c;
    return 0;
fail:
    snprintf(err, errlen, "%s", e.msg);
    pc_ctx_free(c);
    return -1;
}

void pc_ctx_free(pc_ctx *c)
{
    if (!c)
        return;
    pc_policy_free(c->policy);
    free(c->authfile);
    free(c->cert_dir);
    free(c->cache_dir);
    free(c->rules);
    free(c);
}

const char *pc_ctx_policy_name(const pc_ctx *c)
{
    return c->policy->name;
}
