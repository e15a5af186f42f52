/*
 * registry.c — the OCI distribution API for one repository:
 *   GET /v2/REPO/manifests/REF   (Accept: OCI index/manifest, Docker list/schema2)
 *   GET /v2/REPO/blobs/DIGEST    (redirects to blob storage followed)
 *
 * Each request carries the kept Authorization for the repository's pull
 * scope (the context's token, from an earlier scan too); a 401 hands the
 * challenge to regauth (which drops a refused token) and the request is
 * retried exactly once, with what the challenge got. With --tls-verify=false a registry whose port
 * does not speak TLS is retried once over plain http:// and remembered that way. Error bodies
 * ({"errors": [{"code", "message"}]}) are read with a small cap and turned into messages; registry
 * text is shown sanitised and cut.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "registry/http.h"
#include "registry/regauth.h"
#include "registry/registry.h"
#include "pcx/sha256.h"
#include "pcx.h"

#define ERR_BODY_MAX 65536

static const char ACCEPT[] = "application/vnd.oci.image.index.v1+json, "
                             "application/vnd.oci.image.manifest.v1+json, "
                             "application/vnd.docker.distribution.manifest.list.v2+json, "
                             "application/vnd.docker.distribution.manifest.v2+json";

struct pc_registry {
    pc_http *http;
    pc_regauth *auth;
    char host[300];     /* as the user wrote it, for messages */
    char api_host[300]; /* where requests go */
    char repo[256];
    char scope[300];
    int tls_verify;
    _Atomic int plain_http;
};

int pc_registry_new(const pc_registry_cfg *cfg, pc_registry **out, pc_err *e)
{
    *out = NULL;
    pc_registry *r = calloc(1, sizeof *r);
    if (!r)
        return pc_err_set(e, "out of memory");
    snprintf(r->host, sizeof r->host, "%s", cfg->domain);
    /* docker.io is a name; its API lives here */
    snprintf(r->api_host, sizeof r->api_host, "%s",
             strcmp(cfg->domain, "docker.io") == 0 ? "registry-1.docker.io" : cfg->domain);
    snprintf(r->repo, sizeof r->repo, "%s", cfg->repo);
    snprintf(r->scope, sizeof r->scope, "repository:%s:pull", cfg->repo);
    r->tls_verify = cfg->tls_verify;
    pc_http_cfg hc = {.host = cfg->domain,
                      .cert_dir = cfg->cert_dir,
                      .tls_verify = cfg->tls_verify,
                      .deadline_ms = cfg->deadline_ms,
                      .pool = cfg->pool};
    if (pc_http_new(&hc, &r->http, e) < 0 ||
        pc_regauth_new(r->http, r->host, r->api_host, cfg->tokens, cfg->creds, &r->auth, e) < 0) {
        pc_registry_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void pc_registry_free(pc_registry *r)
{
    if (!r)
        return;
    pc_regauth_free(r->auth);
    pc_http_free(r->http);
    free(r);
}

/* One attempt at url with auth (or none); 1 = got a 401 (r kept). */
static int attempt(pc_registry *r, const char *url, const char *accept, const char *auth,
                   pc_http_resp **resp, pc_err *e)
{
    pc_http_req rq = {.url = url, .what = "registry", .accept = accept, .auth = auth, .follow = 1};
    int rc = pc_http_open(r->http, &rq, resp, e);
    if (rc < 0)
        return rc;
    return pc_http_status(*resp) == 401;
}

static void wipe(char **s)
{
    if (*s) {
        explicit_bzero(*s, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

static char *url_for(const pc_registry *r, const char *kind, const char *ref)
{
    return pc_asprintf("%s://%s/v2/%s/%s/%s", atomic_load(&r->plain_http) ? "http" : "https",
                       r->api_host, r->repo, kind, ref);
}

/* GET /v2/REPO/KIND/REF, authenticating as needed; any status but 401. */
static int request(pc_registry *r, const char *kind, const char *ref, const char *accept,
                   pc_http_resp **out, pc_err *e)
{
    int fell_back = 0, tries = 0;
    char *auth = pc_regauth_header(r->auth, r->scope), *next = NULL;
    *out = NULL;
    for (;;) {
        char *url = url_for(r, kind, ref);
        if (!url) {
            wipe(&auth);
            return pc_err_set(e, "out of memory");
        }
        pc_http_resp *resp = NULL;
        int rc = attempt(r, url, accept, auth, &resp, e);
        free(url);
        if (rc == PC_HTTP_TLS_FAILED && !r->tls_verify && !fell_back) {
            fell_back = 1; /* --tls-verify=false: the registry may speak plain HTTP */
            atomic_store(&r->plain_http, 1);
            continue;
        }
        if (rc <= 0) {
            wipe(&auth);
            *out = resp;
            return rc < 0 ? -1 : 0;
        }
        /* 401: answer the challenge (a refused token is dropped) and retry
         * once with what it got; a second 401 is final */
        rc = ++tries < 2 ? pc_regauth_challenge(r->auth, resp, r->scope, auth, &next, e)
                         : pc_regauth_unauthorized(r->auth, NULL, e);
        pc_http_close(resp);
        wipe(&auth);
        if (rc < 0)
            return -1;
        auth = next;
        next = NULL;
    }
}

/* The first {"errors": [{"code", "message"}]} entry of an error body. */
static void error_code(pc_http_resp *resp, char *code, size_t cn, char *msg, size_t mn)
{
    char *body = NULL;
    size_t len;
    pc_err ignore;
    code[0] = msg[0] = 0;
    if (pc_http_slurp(resp, ERR_BODY_MAX, &body, &len, &ignore) < 0)
        return;
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *first = json_array_get(json_object_get(root, "errors"), 0);
    json_t *c = json_object_get(first, "code"), *m = json_object_get(first, "message");
    if (json_is_string(c))
        pc_safe_str(json_string_value(c), code, cn);
    if (json_is_string(m))
        pc_safe_str(json_string_value(m), msg, mn);
    json_decref(root);
    free(body);
}

/* A non-200 answer as a message; always -1. */
static int status_err(pc_registry *r, pc_http_resp *resp, const char *kind, const char *ref,
                      pc_err *e)
{
    char code[64], msg[200], shown[200];
    long st = pc_http_status(resp);
    error_code(resp, code, sizeof code, msg, sizeof msg);
    pc_safe_str(ref, shown, sizeof shown);
    if (st == 404 && !strcmp(code, "NAME_UNKNOWN"))
        return pc_err_set(e, "name unknown: repository %s/%s not found", r->host, r->repo);
    if (st == 404 && !strcmp(kind, "manifests"))
        return pc_err_set(e, "manifest unknown: %s not found in %s/%s", shown, r->host, r->repo);
    if (st == 404)
        return pc_err_set(e, "blob unknown: %s not found in %s/%s", shown, r->host, r->repo);
    if (st == 403)
        return pc_err_set(e, "denied: %s refused access to %s%s%s", r->host, r->repo,
                          msg[0] ? ": " : "", msg);
    return pc_err_set(e, "registry %s: %s %s: HTTP %ld%s%s%s%s", r->host,
                      strcmp(kind, "manifests") ? "blob" : "manifest", shown, st,
                      code[0] ? " " : "", code, msg[0] ? ": " : "", msg);
}

/* "application/x; charset=..." → "application/x" (sanitised). */
static void media_type_of(pc_http_resp *resp, char *mt, size_t n)
{
    const char *ct = pc_http_header(resp, "Content-Type", 0);
    char tmp[256];
    pc_safe_str(ct ? ct : "", tmp, sizeof tmp);
    tmp[strcspn(tmp, "; \t")] = 0;
    snprintf(mt, n, "%s", tmp);
}

static int is_schema1(const char *mt)
{
    return !strcmp(mt, "application/vnd.docker.distribution.manifest.v1+json") ||
           !strcmp(mt, "application/vnd.docker.distribution.manifest.v1+prettyjws");
}

static int get_small(pc_registry *r, const char *kind, const char *ref, const char *accept,
                     size_t max, char **buf, size_t *len, pc_http_resp **keep, pc_err *e)
{
    pc_http_resp *resp;
    char shown[200];
    *buf = NULL;
    if (request(r, kind, ref, accept, &resp, e) < 0)
        return -1;
    int rc = 0;
    pc_safe_str(ref, shown, sizeof shown);
    if (pc_http_status(resp) != 200)
        rc = status_err(r, resp, kind, ref, e);
    else if (pc_http_slurp(resp, max, buf, len, e) < 0)
        rc = pc_err_prefix(e, "%s %s/%s %s", strcmp(kind, "blobs") ? "manifest" : "blob", r->host,
                           r->repo, shown);
    if (rc == 0 && keep)
        *keep = resp;
    else
        pc_http_close(resp);
    return rc;
}

int pc_registry_manifest(pc_registry *r, const char *ref, size_t max, char **buf, size_t *len,
                         char digest[72], char *mt, size_t mtn, pc_err *e)
{
    pc_http_resp *resp = NULL;
    char shown[200];
    pc_safe_str(ref, shown, sizeof shown);
    if (get_small(r, "manifests", ref, ACCEPT, max, buf, len, &resp, e) < 0)
        return -1;
    media_type_of(resp, mt, mtn);
    char said[80];
    pc_safe_str(pc_http_header(resp, "Docker-Content-Digest", 0), said, sizeof said);
    pc_http_close(resp);
    int rc = 0;
    pc_sha256_digest(*buf, *len, digest);
    if (is_schema1(mt))
        rc = pc_err_set(e,
                        "manifest %s/%s:%s is a Docker schema1 manifest, which is not "
                        "supported (push the image again with a current client)",
                        r->host, r->repo, shown);
    else if (strncmp(ref, "sha256:", 7) == 0 && strcmp(ref, digest) != 0)
        rc = pc_err_set(e, "manifest %s digest mismatch: the registry sent %s", shown, digest);
    else if (strncmp(said, "sha256:", 7) == 0 && strcmp(said, digest) != 0)
        rc = pc_err_set(
            e, "manifest %s: digest mismatch: the registry names it %s, its bytes hash to %s",
            shown, said, digest);
    if (rc < 0) {
        free(*buf);
        *buf = NULL;
    }
    return rc;
}

int pc_registry_blob(pc_registry *r, const char *digest, size_t max, char **buf, size_t *len,
                     pc_err *e)
{
    return get_small(r, "blobs", digest, NULL, max, buf, len, NULL, e);
}

typedef struct blob_stream {
    pc_stream s;
    pc_http_resp *resp;
} blob_stream;

static ssize_t blob_read(pc_stream *s, void *buf, size_t n, pc_err *e)
{
    return pc_http_read(((blob_stream *)s)->resp, buf, n, e);
}

static void blob_close(pc_stream *s)
{
    blob_stream *b = (blob_stream *)s;
    pc_http_close(b->resp);
    free(b);
}

int pc_registry_blob_open(pc_registry *r, const char *digest, int64_t size, pc_stream **out,
                          pc_err *e)
{
    pc_http_resp *resp;
    *out = NULL;
    if (request(r, "blobs", digest, NULL, &resp, e) < 0)
        return -1;
    if (pc_http_status(resp) != 200) {
        status_err(r, resp, "blobs", digest, e);
        pc_http_close(resp);
        return -1;
    }
    int64_t cl = pc_http_length(resp);
    if (size >= 0 && cl >= 0 && cl != size) {
        pc_http_close(resp);
        return pc_err_set(e, "blob %s: the registry announces %lld bytes, the manifest says %lld",
                          digest, (long long)cl, (long long)size);
    }
    blob_stream *b = calloc(1, sizeof *b);
    if (!b) {
        pc_http_close(resp);
        return pc_err_set(e, "out of memory");
    }
    b->s.read = blob_read;
    b->s.close = blob_close;
    b->resp = resp;
    *out = &b->s;
    return 0;
}
