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
 * with the credentials directly. Tokens are cached per scope until shortly
 * before they expire, under a mutex, so the layer threads reuse one token;
 * fetching happens outside the lock (two threads may fetch at once; the
 * later token simply replaces the earlier).
 *
 * WWW-Authenticate is parsed by a small tokenizer (RFC 7235 challenges:
 * scheme, then name=token or name="quoted string" parameters) into fixed
 * buffers; anything longer than a buffer spoils only that challenge.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "registry/regauth.h"
#include "pcx.h"

#define TOKEN_RESP_MAX (1u << 20)
#define NTOKENS 8
#define TOKEN_TTL_DEFAULT 60
#define TOKEN_TTL_MAX 86400

typedef struct cached_token {
    char *scope, *header;
    uint64_t expires_ms;
} cached_token;

struct pc_regauth {
    pc_http *http;
    char host[300];
    pc_creds creds;
    int have_creds, basic; /* basic: the registry asked for Basic */
    pthread_mutex_t mu;
    cached_token toks[NTOKENS];
    size_t next_slot;
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

int pc_regauth_new(pc_http *http, const char *host, pc_creds *creds, pc_regauth **out, pc_err *e)
{
    pc_regauth *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a)
        return pc_err_set(e, "out of memory");
    a->http = http;
    snprintf(a->host, sizeof a->host, "%s", host);
    if (creds && creds->secret) {
        a->creds = *creds;
        a->have_creds = 1;
        memset(creds, 0, sizeof *creds);
    }
    pthread_mutex_init(&a->mu, NULL);
    *out = a;
    return 0;
}

static void token_clear(cached_token *t)
{
    free(t->scope);
    if (t->header) {
        explicit_bzero(t->header, strlen(t->header));
        free(t->header);
    }
    memset(t, 0, sizeof *t);
}

void pc_regauth_free(pc_regauth *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < NTOKENS; i++)
        token_clear(&a->toks[i]);
    pc_creds_free(&a->creds);
    pthread_mutex_destroy(&a->mu);
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
    char *h = NULL;
    uint64_t now = pc_now_ms();
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < NTOKENS && !h; i++) {
        cached_token *t = &a->toks[i];
        if (t->scope && strcmp(t->scope, scope) == 0 && t->expires_ms > now)
            h = pc_strdup(t->header);
    }
    int basic = a->basic && a->have_creds;
    pthread_mutex_unlock(&a->mu);
    if (!h && a->have_creds && a->creds.bearer) /* --registry-token: sent as is, always */
        h = pc_asprintf("Bearer %s", a->creds.secret);
    else if (!h && basic && !a->creds.identity_token)
        h = basic_header(&a->creds);
    return h;
}

static void token_store(pc_regauth *a, const char *scope, char *header, uint64_t ttl_s)
{
    pthread_mutex_lock(&a->mu);
    size_t slot = NTOKENS;
    for (size_t i = 0; i < NTOKENS && slot == NTOKENS; i++)
        if (a->toks[i].scope && strcmp(a->toks[i].scope, scope) == 0)
            slot = i;
    if (slot == NTOKENS)
        slot = a->next_slot++ % NTOKENS;
    token_clear(&a->toks[slot]);
    a->toks[slot].scope = pc_strdup(scope);
    a->toks[slot].header = header;
    /* renew a little early: a token must not expire between check and use */
    a->toks[slot].expires_ms = pc_now_ms() + ttl_s * 900;
    if (!a->toks[slot].scope)
        token_clear(&a->toks[slot]);
    pthread_mutex_unlock(&a->mu);
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
    *ttl = TOKEN_TTL_DEFAULT;
    if (rc == 0 && json_is_integer(exp) && json_integer_value(exp) > TOKEN_TTL_DEFAULT)
        *ttl = json_integer_value(exp) > TOKEN_TTL_MAX ? TOKEN_TTL_MAX
                                                       : (uint64_t)json_integer_value(exp);
    if (rc == 0 && !(*header = pc_asprintf("Bearer %s", json_string_value(t))))
        rc = pc_err_set(e, "out of memory");
    json_decref(root);
    return rc;
}

/* Ask the token server for scope want; cache the answer under key (the
 * scope the caller will look it up by). */
static int fetch_token(pc_regauth *a, const pc_challenge *c, const char *want, const char *key,
                       pc_err *e)
{
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
    if (rc == 0)
        token_store(a, key, header, ttl);
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

int pc_regauth_challenge(pc_regauth *a, const pc_http_resp *r, const char *scope, pc_err *e)
{
    pc_challenge ch[8];
    size_t n = 0;
    const char *v;
    if (a->have_creds && a->creds.bearer)
        return pc_regauth_unauthorized(a, "the registry token was refused", e);
    for (size_t i = 0; n < 8 && (v = pc_http_header(r, "WWW-Authenticate", i)); i++)
        n += pc_www_authenticate_parse(v, ch + n, 8 - n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ch[i].scheme, "bearer") != 0 || !ch[i].realm[0])
            continue;
        if (!realm_ok(a, ch[i].realm))
            return pc_err_set(e, "registry %s: token realm is not an https:// URL", a->host);
        /* the registry names the scope it wants; ours is the fallback */
        return fetch_token(a, &ch[i], ch[i].scope[0] ? ch[i].scope : scope, scope, e);
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ch[i].scheme, "basic") != 0)
            continue;
        if (!a->have_creds || a->creds.identity_token)
            return pc_regauth_unauthorized(a, NULL, e);
        pthread_mutex_lock(&a->mu);
        a->basic = 1;
        pthread_mutex_unlock(&a->mu);
        return 0; /* the caller retries once; a second 401 is its "unauthorized" */
    }
    return pc_regauth_unauthorized(a, "no usable WWW-Authenticate challenge", e);
}
