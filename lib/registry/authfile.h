/*
 * authfile.h — registry credentials from a docker config.json: the
 * "auths" map ("auth" = base64 "user:password", or "username" and
 * "password", or an "identitytoken"), and "credHelpers" / "credsStore",
 * which name a docker-credential-NAME program spoken to with the
 * docker-credential-helpers protocol. Secrets are held only in pc_creds
 * and wiped when it is freed; no message ever contains one.
 */
#ifndef PC_AUTHFILE_H
#define PC_AUTHFILE_H

#include <stddef.h>
#include "pcx.h"

typedef struct pc_creds {
    char *username;
    char *secret;       /* password, or an OAuth2 refresh token when identity_token */
    int identity_token; /* username "<token>" from a helper, or auths.identitytoken */
    int bearer;         /* secret is a registry token sent as "Bearer" (--registry-token) */
} pc_creds;

/* Credentials for registry host (as in a reference: "docker.io",
 * "127.0.0.1:5000"). authfile NULL: $REGISTRY_AUTH_FILE, then
 * ~/.docker/config.json (a missing default file means no credentials; a
 * missing explicit one is an error). 0 found, 1 none, -1 error. */
int pc_authfile_lookup(const char *authfile, const char *host, pc_creds *c, pc_err *e);

/* The same over a config.json already in memory; shown names it in
 * messages. Exposed for tests. */
int pc_authfile_lookup_json(const char *json, size_t len, const char *shown, const char *host,
                            pc_creds *c, pc_err *e);

/* Ask docker-credential-NAME (found on PATH) for server's credentials.
 * 0 found, 1 the helper has none, -1 error. */
int pc_credhelper_get(const char *name, const char *server, pc_creds *c, pc_err *e);

void pc_creds_free(pc_creds *c);

#endif
