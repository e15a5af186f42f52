/*
 * credpick.c — the credentials a registry host gets (credpick.h).
 */
#include <stdio.h>
#include <string.h>
#include "registry/credpick.h"

static int flag_creds(const char *creds, const char *token, char *bound, size_t boundlen,
                      const char *host, pc_creds *c, pc_err *e)
{
    if (bound && bound[0] && strcmp(bound, host) != 0)
        return pc_err_set(e,
                          "--%s apply to one registry: they went to %.200s, and %.200s is "
                          "another (use --authfile for several registries)",
                          creds ? "creds" : "registry-token", bound, host);
    if (bound && !bound[0])
        snprintf(bound, boundlen, "%s", host);
    if (token) {
        c->username = pc_strdup("");
        c->secret = pc_strdup(token);
        c->bearer = 1;
    } else {
        const char *colon = strchr(creds, ':');
        c->username = colon ? pc_strndup(creds, (size_t)(colon - creds)) : NULL;
        c->secret = colon ? pc_strdup(colon + 1) : NULL;
    }
    if (!c->username || !c->secret) {
        pc_creds_free(c);
        return pc_err_set(e, "out of memory");
    }
    return 0;
}

int pc_creds_pick(const char *creds, const char *token, char *bound, size_t boundlen,
                  const char *authfile, const char *host, pc_creds *c, pc_err *e)
{
    memset(c, 0, sizeof *c);
    if (creds || token)
        return flag_creds(creds, token, bound, boundlen, host, c, e);
    return pc_authfile_lookup(authfile, host, c, e);
}
