/*
 * reply.c — building HTTP reply bodies: JSON documents, and errors in the
 * shape Kubernetes clients print (a v1 Status with code and message), so
 * an admin reading an apiserver log sees the webhook's own words.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "portcullis_json.h"
#include "../webhook.h"
#include "pcx.h"

void wh_reply_text(wh_reply *r, unsigned status, const char *content_type, char *body)
{
    free(r->body);
    r->status = status;
    r->content_type = content_type;
    r->body = body;
    r->len = body ? strlen(body) : 0;
    if (!body) {
        r->status = 500;
        r->content_type = "text/plain";
    }
}

void wh_reply_json(wh_reply *r, unsigned status, json_t *doc)
{
    char *s = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    wh_reply_text(r, status, "application/json", s);
}

static const char *status_reason(unsigned code)
{
    switch (code) {
    case 400:
        return "BadRequest";
    case 401:
        return "Unauthorized";
    case 404:
        return "NotFound";
    case 405:
        return "MethodNotAllowed";
    case 408:
        return "Timeout";
    case 413:
        return "RequestEntityTooLarge";
    case 415:
        return "UnsupportedMediaType";
    case 403:
        return "Forbidden";
    case 502:
        return "BadGateway";
    case 503:
        return "ServiceUnavailable";
    case 504:
        return "GatewayTimeout";
    default:
        return "InternalError";
    }
}

void wh_reply_error(wh_reply *r, unsigned status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pc_one_line(msg);
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
                            "status", "Failure", "message", pc_json_string(msg), "reason",
                            status_reason(status), "code", (int)status);
    wh_reply_json(r, status, doc);
    r->verdict = WH_V_ERROR;
}
