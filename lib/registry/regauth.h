/*
 * regauth.h — authenticating to one registry: answering its 401
 * challenges with Basic credentials or a Bearer token from its token
 * server (docker's token auth: realm, service, scope). Tokens are kept in
 * a token cache (tokencache.h) that outlives one scan. Shared by the
 * threads that fetch layers.
 */
#ifndef PC_REGAUTH_H
#define PC_REGAUTH_H

#include <stddef.h>
#include "registry/authfile.h"
#include "pcx.h"
#include "registry/http.h"
#include "registry/tokencache.h"

typedef struct pc_challenge {
    char scheme[16]; /* lower-cased: "bearer", "basic", ... */
    char realm[1024], service[256], scope[1024];
} pc_challenge;

/* Parse a WWW-Authenticate value (one or more challenges) into out;
 * returns how many were stored (at most n). Over-long or malformed
 * parameters make that challenge's scheme "" (unusable). */
size_t pc_www_authenticate_parse(const char *hdr, pc_challenge *out, size_t n);

typedef struct pc_regauth pc_regauth;

/* host names the registry in messages; api_host is where requests go, and
 * what tokens are kept for. tokens: the context's cache, or NULL for one
 * of this object's own. creds (may be NULL: anonymous) is moved into the
 * new object. */
int pc_regauth_new(pc_http *http, const char *host, const char *api_host, pc_tokencache *tokens,
                   pc_creds *creds, pc_regauth **out, pc_err *e);
void pc_regauth_free(pc_regauth *a);
int pc_regauth_has_creds(const pc_regauth *a);

/* The Authorization value to send for scope, malloc'd: --registry-token,
 * the kept token for the host's last challenge, or Basic credentials when
 * the host asked for them; NULL when none is known (or the token expired). */
char *pc_regauth_header(pc_regauth *a, const char *scope);

/* "unauthorized: check credentials for HOST[ (no credentials found ...)][: why]"; -1. */
int pc_regauth_unauthorized(const pc_regauth *a, const char *why, pc_err *e);

/* A request for scope, sent with Authorization sent (or NULL), got 401
 * (r): a token it carried is dropped; the challenges are read and what
 * they ask for obtained. 0: retry the request with *retry (malloc'd);
 * -1: an "unauthorized: ..." message. */
int pc_regauth_challenge(pc_regauth *a, const pc_http_resp *r, const char *scope, const char *sent,
                         char **retry, pc_err *e);

#endif
