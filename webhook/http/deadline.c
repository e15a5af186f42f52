/*
 * deadline.c — wh_request_deadline (webhook.h): when a request's answer is
 * due, from the apiserver's ?timeout= and the server's margin. Its own
 * file so that route handlers (k8s/, tes/) need nothing of server.c.
 */
#include <microhttpd.h>
#include "../webhook.h"
#include "pcx.h"

uint64_t wh_request_deadline(const wh_server *s, const wh_http_req *rq)
{
    uint64_t t = s->cfg.default_timeout_ms;
    const char *q =
        rq->conn ? MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "timeout") : NULL;
    if (q && pc_parse_duration(q, 3600000, &t) < 0)
        t = s->cfg.default_timeout_ms;
    if (t < 1000)
        t = 1000;
    if (t > 30000) /* the apiserver never waits longer for a webhook */
        t = 30000;
    uint64_t wait = t > s->cfg.margin_ms ? t - s->cfg.margin_ms : 0;
    if (wait < t / 2)
        wait = t / 2;
    return rq->start_ms + wait;
}
