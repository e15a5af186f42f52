/*
 * spec.c — what every transport does first: split the part of the
 * reference after its prefix ("PATH[:NAME]") and keep its own copy of the
 * configuration it was opened with.
 */
#include <stdlib.h>
#include <string.h>
#include "source/spec.h"
#include "pcx.h"

void pc_cfg_copy_init(pc_cfg_copy *c, const pc_source_cfg *cfg)
{
    memset(c, 0, sizeof *c);
    if (cfg)
        c->cfg = *cfg;
    if (cfg && cfg->limits)
        c->limits = *cfg->limits;
    else
        pc_limits_default(&c->limits);
    if (cfg && cfg->platform) {
        c->platform = *cfg->platform;
    } else {
        memcpy(c->platform.os, "linux", 6);
        memcpy(c->platform.arch, "amd64", 6);
    }
    c->cfg.platform = &c->platform;
    c->cfg.limits = &c->limits;
    c->cfg.authfile = c->cfg.cert_dir = NULL; /* local sources need none of these */
    c->cfg.creds = c->cfg.registry_token = NULL;
    c->cfg.creds_host = NULL;
}

int pc_spec_split(const char *spec, const char *transport, char **path, char **sel, pc_err *e)
{
    *path = *sel = NULL;
    const char *colon = spec ? strchr(spec, ':') : NULL;
    size_t n = colon ? (size_t)(colon - spec) : (spec ? strlen(spec) : 0);
    if (n == 0)
        return pc_err_set(e, "%s: missing path (expected %s:PATH[:TAG])", transport, transport);
    if (colon && !colon[1])
        return pc_err_set(e, "%s:%s: empty name after ':'", transport, spec);
    *path = pc_strndup(spec, n);
    if (colon)
        *sel = pc_strdup(colon + 1);
    if (!*path || (colon && !*sel)) {
        free(*path);
        free(*sel);
        *path = *sel = NULL;
        return pc_err_set(e, "out of memory");
    }
    return 0;
}
