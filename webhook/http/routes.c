/*
 * routes.c — the route table (the one place an endpoint is registered:
 * /tes/validate, the TES gate and /mutate add a line here) and the four
 * small handlers that need no module of their own: /healthz (the process
 * answers and its key processes run), /readyz (policy loaded, scan
 * workers and key processes up, not shutting down),
 * /metrics and /verdict-key (the public half of --sign-key, or 404). A
 * path ending in '*' takes every path it prefixes, and method "*" every
 * method (the TES gate relays all of /ga4gh/tes/v1/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../redis.h"
#include "../gen.h"
#include "portcullis_json.h"
#include "log.h"
#include "routes.h"
#include "../sign.h"
#include "tls.h"
#include "../tes/tes.h"
#include "../tes/tesproxy.h"

/* 1 while the key processes and the registry process run
 * (docs/privsep.md); a dead one never comes back, so the webhook is not
 * healthy any more: restarting it (the kubelet does, on /healthz) is the
 * way to a fresh one. */
static int keys_alive(wh_server *s, char *why, size_t n)
{
    if (s->tls && !wh_tls_alive(s->tls, why, n))
        return 0;
    if (s->fetch && !pc_fetch_alive(s->fetch, why, n)) {
        if (atomic_exchange(&s->fetch_gone_logged, 1) == 0) {
            wh_logf("error",
                    "%s; no registry image can be read any more until the webhook "
                    "is restarted",
                    why);
            wh_metrics_error(&s->metrics, WH_ERR_KEY_PROCESS);
        }
        return 0;
    }
    if (s->signer && !wh_signer_alive(s->signer)) {
        snprintf(why, n, "the signing key process is gone");
        return 0;
    }
    if (s->redis && !wh_redis_helpers_alive(s->redis, why, n))
        return 0;
    return 1;
}

static void route_healthz(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    char why[256];
    if (keys_alive(s, why, sizeof why))
        wh_reply_text(out, 200, "text/plain; charset=utf-8", strdup("ok\n"));
    else
        wh_reply_error(out, 503, "unhealthy: %s", why);
    out->verdict = WH_V_NONE;
}

static void route_readyz(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    char why[256];
    wh_gen *g = wh_gen_get(s);
    int ready = atomic_load(&s->ready) && g && keys_alive(s, why, sizeof why);
    const pc_ctx *c = g ? g->ctx : NULL;
    const char *rd = c ? pc_ctx_rules_digest(c) : NULL;
    json_t *doc = json_pack("{s:b, s:o, s:o, s:o}", "ready", ready, "policy",
                            pc_json_string(c ? pc_ctx_policy_name(c) : NULL), "policy_digest",
                            pc_json_string(c ? pc_ctx_policy_digest(c) : NULL), "rules_digest",
                            pc_json_string(rd));
    /* Redis down is not unready: each replica falls back to its own caches */
    if (doc && s->redis)
        json_object_set_new(doc, "redis", json_string(wh_redis_up(s->redis) ? "up" : "down"));
    wh_gen_put(s, g);
    wh_reply_json(out, ready ? 200 : 503, doc);
    out->verdict = WH_V_NONE;
}

char *wh_metrics_text(wh_server *s)
{
    wh_gen *g = wh_gen_get(s);
    wh_metrics_info info = {
        .policy_digest = g ? pc_ctx_policy_digest(g->ctx) : NULL,
        .rules_digest = g ? pc_ctx_rules_digest(g->ctx) : NULL,
        .cert_not_after = s->tls ? wh_tls_not_after(s->tls) : 0,
    };
    char *text = wh_metrics_render(&s->metrics, &info, NULL);
    wh_gen_put(s, g);
    return text;
}

static void route_metrics(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    wh_reply_text(out, 200, "text/plain; version=0.0.4; charset=utf-8", wh_metrics_text(s));
    out->verdict = WH_V_NONE;
}

/* The public key that verifies signed verdicts; open like the probes
 * (it is public, and verdict consumers hold no apiserver certificate). */
static void route_verdict_key(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    if (!s->signer) {
        wh_reply_error(out, 404,
                       "no signing key: this webhook was started without --sign-key, so its "
                       "verdicts are not signed");
        wh_metrics_error(&s->metrics, WH_ERR_NOT_FOUND);
        out->verdict = WH_V_NONE;
        return;
    }
    char *pem = wh_signer_public_pem(s->signer);
    if (pem)
        wh_reply_text(out, 200, "application/x-pem-file", pem);
    else
        wh_reply_error(out, 503, "the signing key process is gone: no verdict can be signed");
    out->verdict = WH_V_NONE;
}

static const wh_route routes[] = {
    {"POST", "/validate", 1, 0, WH_EP_VALIDATE, wh_route_validate},
    {"POST", "/imagereview", 1, 0, WH_EP_IMAGEREVIEW, wh_route_imagereview},
    {"GET", "/healthz", 0, 1, WH_EP_HEALTHZ, route_healthz},
    {"GET", "/readyz", 0, 1, WH_EP_READYZ, route_readyz},
    {"GET", "/metrics", 0, 0, WH_EP_METRICS, route_metrics},
    {"POST", "/mutate", 1, 0, WH_EP_MUTATE, wh_route_mutate},
    {"GET", "/verdict-key", 0, 1, WH_EP_VERDICT_KEY, route_verdict_key},
    {"POST", "/tes/validate", 1, 0, WH_EP_TES_VALIDATE, wh_route_tes_validate},
    {"*", WH_TES_PREFIX "/*", 0, 0, WH_EP_TES_GATE, wh_route_tes_gate},
};

static int path_matches(const char *pattern, const char *path)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return strncmp(pattern, path, n - 1) == 0;
    return strcmp(pattern, path) == 0;
}

const wh_route *wh_route_find(const char *method, const char *path, const char **allow)
{
    *allow = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!path_matches(routes[i].path, path))
            continue;
        if (strcmp(routes[i].method, "*") == 0 || strcmp(routes[i].method, method) == 0)
            return &routes[i];
        *allow = routes[i].method;
    }
    return NULL;
}
