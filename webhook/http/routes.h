/*
 * routes.h — which handler answers which method and path.
 */
#ifndef WH_ROUTES_H
#define WH_ROUTES_H

#include "../webhook.h"

typedef void (*wh_route_fn)(wh_server *s, const wh_http_req *rq, wh_reply *out);

typedef struct wh_route {
    const char *method, *path;
    int json_body;  /* a POST whose body must be application/json */
    int open;       /* answered without a client certificate even with --client-ca (probes) */
    wh_endpoint ep; /* metrics label */
    wh_route_fn fn;
} wh_route;

/* The route for method and path (query string already removed), or NULL;
 * *allow is the method the path does take (for a 405), or NULL (404). */
const wh_route *wh_route_find(const char *method, const char *path, const char **allow);

#endif
