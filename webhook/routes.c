/*
 * routes.c — the route table (the one place an endpoint is registered:
 * /tes/validate, the TES gate and /mutate add a line here) and the three
 * small handlers that need no module of their own: /healthz (the process
 * answers), /readyz (policy loaded, scan workers up, not shutting down)
 * and /metrics.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "routes.h"

static void route_healthz(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    wh_reply_text(out, 200, "text/plain; charset=utf-8", strdup("ok\n"));
    out->verdict = WH_V_NONE;
}

static void route_readyz(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    int ready = atomic_load(&s->ready) && s->ctx && s->verdicts;
    const char *rd = s->ctx ? pc_ctx_rules_digest(s->ctx) : NULL;
    json_t *doc =
        json_pack("{s:b, s:o, s:o, s:o}", "ready", ready, "policy",
                  pc_json_string(s->ctx ? pc_ctx_policy_name(s->ctx) : NULL), "policy_digest",
                  pc_json_string(s->ctx ? pc_ctx_policy_digest(s->ctx) : NULL), "rules_digest",
                  pc_json_string(rd));
    wh_reply_json(out, ready ? 200 : 503, doc);
    out->verdict = WH_V_NONE;
}

static void route_metrics(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    wh_reply_text(out, 200, "text/plain; version=0.0.4; charset=utf-8",
                  wh_metrics_render(&s->metrics, NULL));
    out->verdict = WH_V_NONE;
}

static const wh_route routes[] = {
    {"POST", "/validate", 1, 0, WH_EP_VALIDATE, wh_route_validate},
    {"POST", "/imagereview", 1, 0, WH_EP_IMAGEREVIEW, wh_route_imagereview},
    {"GET", "/healthz", 0, 1, WH_EP_HEALTHZ, route_healthz},
    {"GET", "/readyz", 0, 1, WH_EP_READYZ, route_readyz},
    {"GET", "/metrics", 0, 0, WH_EP_METRICS, route_metrics},
};

const wh_route *wh_route_find(const char *method, const char *path, const char **allow)
{
    *allow = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(routes[i].path, path) != 0)
            continue;
        if (strcmp(routes[i].method, method) == 0)
            return &routes[i];
        *allow = routes[i].method;
    }
    return NULL;
}
