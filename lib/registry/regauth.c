/*
 * regauth.c — the registry auth dance (docker's token authentication):
 *
 *   GET /v2/... → 401, WWW-Authenticate: Bearer realm="R",service="S",scope="X"
 *   GET R?service=S&scope=X (Basic credentials when we have some)
 *     → {"token": "...", "expires_in": 300}
 *   GET /v2/... with "Authorization: Bearer <token>"
 *
 * An identity token (OAuth2 refresh token from `docker login`) is sent as
 * a POST grant_type=refresh_token instead. A Basic challenge is answered
 * with the credentials directly. Tokens go to the context's token cache
 * (tokencache.h), keyed by host, realm, service, scope and credential id,
 * until shortly before they expire, so the layer threads of a scan and the
 * scans after it reuse one token; the host's last challenge is kept there
 * too, so a token (or Basic credentials) is sent before being asked for.
 * Fetching happens outside any lock (two threads may fetch at once; the
 * later token simply replaces the earlier). A token the registry refuses
 * is dropped and a new one fetched, once.
 *
 * WWW-Authenticate is parsed by a small tokenizer (RFC 7235 challenges:
 * scheme, then name=token or name="quoted string" parameters) into fixed
 * buffers; anything longer than a buffer spoils only that challenge.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "registry/regauth.h"
#include "pcx.h"

#define TOKEN_RESP_MAX (1u << 20)
#define TOKEN_TTL_DEFAULT 60 /* the token spec's default when expires_in is absent */
#define TOKEN_TTL_MAX 86400
#define TOKEN_MARGIN_MAX_MS 10000 /* renewed this early at most (10% of a short life) */

struct pc_regauth {
    pc_http *http;
    char host[300];     /* as the user wrote it, for messages */
    char api_host[300]; /* where requests go: what tokens are kept for */
    pc_creds creds;
    int have_creds;
    char cred_id[72];
    pc_tokencache *tokens, *own_tokens;
};

/* --- WWW-Authenticate --- */

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Read a token or quoted string into out (bounded); NULL on malformed. */
static const char *read_value(const char *p, char *out, size_t n, int *too_long)
{
    size_t k = 0;
    if (*p != '"') {
        while (*p && *p != ',' && *p != ' ' && *p != '\t') {
            if (k + 1 < n)
                out[k++] = *p;
            else
                *too_long = 1;
            p++;
        }
        out[k] = 0;
        return p;
    }
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1])
            p++;
        if (k + 1 < n)
            out[k++] = *p;
        else
            *too_long = 1;
    }
    out[k] = 0;
    return *p == '"' ? p + 1 : NULL;
}

static char *param_slot(pc_challenge *c, const char *name, size_t nl, size_t *cap)
{
    if (nl == 5 && strncasecmp(name, "realm", 5) == 0)
        return *cap = sizeof c->realm, c->realm;
    if (nl == 7 && strncasecmp(name, "service", 7) == 0)
        return *cap = sizeof c->service, c->service;
    if (nl == 5 && strncasecmp(name, "scope", 5) == 0)
        return *cap = sizeof c->scope, c->scope;
    return NULL;
}

/* Parameters of one challenge; returns where the next challenge starts. */
static const char *read_params(const char *p, pc_challenge *c)
{
    char junk[1024];
    int bad = 0;
    for (;;) {
        p = skip_ws(p);
        const char *name = p;
        while (is_tchar(*p))
            p++;
        size_t nl = (size_t)(p - name);
        const char *eq = skip_ws(p);
        if (nl == 0 || *eq != '=') {
            p = name; /* the next scheme (or junk): let the caller look */
            break;
        }
        size_t cap = sizeof junk;
        char *slot = param_slot(c, name, nl, &cap);
        p = read_value(skip_ws(eq + 1), slot ? slot : junk, cap, &bad);
        if (!p) {
            c->scheme[0] = 0; /* unterminated quoted string */
            return NULL;
        }
        p = skip_ws(p);
        if (*p != ',')
            break;
        p++;
    }
    if (bad)
        c->scheme[0] = 0;
    return p;
}

size_t pc_www_authenticate_parse(const char *hdr, pc_challenge *out, size_t n)
{
    size_t got = 0;
    const char *p = hdr;
    while (p && *p && got < n) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *s = p;
        while (is_tchar(*p))
            p++;
        size_t sl = (size_t)(p - s);
        if (sl == 0)
            break;
        pc_challenge *c = &out[got++];
        memset(c, 0, sizeof *c);
        if (sl < sizeof c->scheme)
            for (size_t i = 0; i < sl; i++)
                c->scheme[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        p = read_params(p, c);
    }
    return got;
}

/* --- the object --- */

int pc_regauth_new(pc_http *http, const char *host, const char *api_host, pc_tokencache *tokens,
                   pc_creds *creds, pc_regauth **out, pc_err *e)
{
    pc_regauth *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a)
        return pc_err_set(e, "out of memory");
    a->http = http;
    snprintf(a->host, sizeof a->host, "%s", host);
    snprintf(a->api_host, sizeof a->api_host, "%s", api_host);
    if (creds && creds->secret) {
        a->creds = *creds;
        a->have_creds = 1;
        memset(creds, 0, sizeof *creds);
    }
    a->tokens = tokens;
    if (!a->tokens)
        a->tokens = a->own_tokens = pc_tokencache_new();
    const char *kind = a->creds.bearer ? "bearer" : a->creds.identity_token ? "identity" : "basic";
    if (!a->tokens ||
        pc_tokencache_cred_id(a->tokens, kind, a->creds.username,
                              a->have_creds ? a->creds.secret : NULL, a->cred_id) < 0) {
        pc_regauth_free(a);
        return pc_err_set(e, "out of memory");
    }
    *out = a;
    return 0;
}

void pc_regauth_free(pc_regauth *a)
{
    if (!a)
        return;
    pc_tokencache_free(a->own_tokens);
    pc_creds_free(&a->creds);
    explicit_bzero(a->cred_id, sizeof a->cred_id);
    free(a);
}

int pc_regauth_has_creds(const pc_regauth *a)
{
    return a->have_creds;
}

/* "Basic base64(user:secret)", malloc'd. */
static char *basic_header(const pc_creds *c)
{
    char *pair = pc_asprintf("%s:%s", c->username, c->secret), *b64, *h;
    if (!pair)
        return NULL;
    b64 = pc_base64_encode(pair, strlen(pair));
    explicit_bzero(pair, strlen(pair));
    free(pair);
    if (!b64)
        return NULL;
    h = pc_asprintf("Basic %s", b64);
    explicit_bzero(b64, strlen(b64));
    free(b64);
    return h;
}

char *pc_regauth_header(pc_regauth *a, const char *scope)
{
    pc_auth_hint hint;
    if (a->have_creds && a->creds.bearer) /* --registry-token: sent as is, always */
        return pc_asprintf("Bearer %s", a->creds.secret);
    if (pc_tokencache_hint(a->tokens, a->api_host, &hint) < 0)
        return NULL; /* this host has not challenged us yet */
    if (hint.basic)
        return a->have_creds && !a->creds.identity_token ? basic_header(&a->creds) : NULL;
    return pc_tokencache_get(a->tokens, a->api_host, hint.realm, hint.service, scope, a->cred_id);
}

/* When a token fetched at start_ms with ttl_s seconds to live stops being
 * sent: renewed a little early (a tenth of its life, at most 10 s), so it
 * cannot expire between the check and its use. */
static uint64_t token_end(uint64_t start_ms, uint64_t ttl_s)
{
    uint64_t life = ttl_s * 1000, margin = life / 10;
    return start_ms + life - (margin > TOKEN_MARGIN_MAX_MS ? TOKEN_MARGIN_MAX_MS : margin);
}

int pc_regauth_unauthorized(const pc_regauth *a, const char *why, pc_err *e)
{
    return pc_err_set(e, "unauthorized: check credentials for %s%s%s%s", a->host,
                      a->have_creds ? "" : " (no credentials found; see --authfile)",
                      why ? ": " : "", why ? why : "");
}

/* The token request URL (GET) or form (POST for an identity token). */
static int token_request(const pc_regauth *a, const pc_challenge *c, const char *scope, char **url,
                         char **form)
{
    char *svc = pc_http_escape(c->service), *sc = pc_http_escape(scope);
    char *user = a->have_creds ? pc_http_escape(a->creds.username) : pc_strdup("");
    *url = *form = NULL;
    if (svc && sc && user) {
        const char *sep = strchr(c->realm, '?') ? "&" : "?";
        if (a->have_creds && a->creds.identity_token) {
            char *rt = pc_http_escape(a->creds.secret);
            *url = pc_strdup(c->realm);
            *form = rt ? pc_asprintf("grant_type=refresh_token&client_id=portcullis&service=%s"
                                     "&scope=%s&refresh_token=%s",
                                     svc, sc, rt)
                       : NULL;
            if (rt)
                explicit_bzero(rt, strlen(rt));
            free(rt);
        } else {
            *url = pc_asprintf("%s%sservice=%s&scope=%s%s%s", c->realm, sep, svc, sc,
                               *user ? "&account=" : "", user);
        }
    }
    free(svc);
    free(sc);
    free(user);
    if (*url && (*form || !(a->have_creds && a->creds.identity_token)))
        return 0;
    free(*url);
    free(*form);
    return -1;
}

static int token_printable(const char *t)
{
    if (!*t || strlen(t) > 16384)
        return 0;
    for (; *t; t++)
        if (*t < 0x21 || *t > 0x7e)
            return 0;
    return 1;
}

/* {"token" | "access_token": "...", "expires_in": N} → "Bearer ..." */
static int token_parse(const pc_regauth *a, const char *body, size_t len, char **header,
                       uint64_t *ttl, pc_err *e)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *t = json_object_get(root, "token"), *exp = json_object_get(root, "expires_in");
    if (!json_is_string(t) || !*json_string_value(t))
        t = json_object_get(root, "access_token");
    int rc = 0;
    if (!json_is_string(t) || !token_printable(json_string_value(t)))
        rc = pc_err_set(e, "token server for %s: answer has no usable token", a->host);
    /* expires_in as given (a token server that says 5 s means it), the
     * spec's 60 s when absent or not a positive number */
    *ttl = TOKEN_TTL_DEFAULT;
    if (rc == 0 && json_is_integer(exp) && json_integer_value(exp) > 0)
        *ttl = json_integer_value(exp) > TOKEN_TTL_MAX ? TOKEN_TTL_MAX
                                                       : (uint64_t)json_integer_value(exp);
    if (rc == 0 && !(*header = pc_asprintf("Bearer %s", json_string_value(t))))
        rc = pc_err_set(e, "out of memory");
    json_decref(root);
    return rc;
}

/* Ask the token server for scope want; keep the answer under key (the
 * scope the caller will look it up by) and give a copy in *out. */
static int fetch_token(pc_regauth *a, const pc_challenge *c, const char *want, const char *key,
                       char **out, pc_err *e)
{
    uint64_t start = pc_now_ms();
    char *url, *form, *body = NULL, *header = NULL, *basic = NULL;
    size_t len;
    uint64_t ttl;
    pc_http_resp *r = NULL;
    if (token_request(a, c, want, &url, &form) < 0)
        return pc_err_set(e, "out of memory");
    if (a->have_creds && !a->creds.identity_token && !(basic = basic_header(&a->creds))) {
        free(url);
        free(form);
        return pc_err_set(e, "out of memory");
    }
    pc_http_req rq = {.url = url, .what = "token server", .auth = basic, .form = form};
    int rc = pc_http_open(a->http, &rq, &r, e);
    long st = rc == 0 ? pc_http_status(r) : 0;
    if (rc == 0 && (st == 401 || st == 403))
        rc = pc_regauth_unauthorized(a, "the token server refused them", e);
    else if (rc == 0 && st != 200)
        rc = pc_err_set(e, "token server %s: HTTP %ld", pc_http_peer(r), st);
    if (rc == 0)
        rc = pc_http_slurp(r, TOKEN_RESP_MAX, &body, &len, e);
    if (rc == 0)
        rc = token_parse(a, body, len, &header, &ttl, e);
    if (rc == 0 && !(*out = pc_strdup(header))) {
        rc = pc_err_set(e, "out of memory");
        explicit_bzero(header, strlen(header));
        free(header);
    } else if (rc == 0) {
        pc_tokencache_put(a->tokens, a->api_host, c->realm, c->service, key, a->cred_id, header,
                          token_end(start, ttl));
    }
    pc_http_close(r);
    if (body)
        explicit_bzero(body, len);
    if (form)
        explicit_bzero(form, strlen(form));
    if (basic)
        explicit_bzero(basic, strlen(basic));
    free(body);
    free(form);
    free(basic);
    free(url);
    return rc < 0 ? -1 : 0;
}

static int realm_ok(const pc_regauth *a, const char *realm)
{
    if (strncmp(realm, "https://", 8) == 0)
        return 1;
    return !pc_http_tls_verify(a->http) && strncmp(realm, "http://", 7) == 0;
}

int pc_regauth_challenge(pc_regauth *a, const pc_http_resp *r, const char *scope, const char *sent,
                         char **retry, pc_err *e)
{
    pc_challenge ch[8];
    size_t n = 0;
    const char *v;
    *retry = NULL;
    if (a->have_creds && a->creds.bearer)
        return pc_regauth_unauthorized(a, "the registry token was refused", e);
    if (sent && strncmp(sent, "Bearer ", 7) == 0)
        pc_tokencache_drop(a->tokens, sent); /* refused (revoked, or expired early) */
    for (size_t i = 0; n < 8 && (v = pc_http_header(r, "WWW-Authenticate", i)); i++)
        n += pc_www_authenticate_parse(v, ch + n, 8 - n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ch[i].scheme, "bearer") != 0 || !ch[i].realm[0])
            continue;
        if (!realm_ok(a, ch[i].realm))
            return pc_err_set(e, "registry %s: token realm is not an https:// URL", a->host);
        pc_auth_hint hint = {.basic = 0};
        snprintf(hint.realm, sizeof hint.realm, "%s", ch[i].realm);
        snprintf(hint.service, sizeof hint.service, "%s", ch[i].service);
        pc_tokencache_set_hint(a->tokens, a->api_host, &hint);
        /* the registry names the scope it wants; ours is the fallback */
        return fetch_token(a, &ch[i], ch[i].scope[0] ? ch[i].scope : scope, scope, retry, e);
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ch[i].scheme, "basic") != 0)
            continue;
        if (!a->have_creds || a->creds.identity_token)
            return pc_regauth_unauthorized(a, NULL, e);
        pc_auth_hint hint = {.basic = 1};
        pc_tokencache_set_hint(a->tokens, a->api_host, &hint);
        /* the caller retries once; a second 401 is its "unauthorized" */
        return (*retry = basic_header(&a->creds)) ? 0 : pc_err_set(e, "out of memory");
    }
    return pc_regauth_unauthorized(a, "no usable WWW-Authenticate challenge", e);
}
