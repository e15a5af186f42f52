/*
 * tesproxy.h — the gate in front of a TES server (--tes-upstream URL).
 *
 * portcullis-webhook serves /ga4gh/tes/v1/... and relays each request to
 * the upstream TES server over libcurl. A request that could create a
 * task is judged first (tes.h): denied → 403 with the /tes/validate
 * answer, never forwarded; allowed → forwarded byte for byte. Everything
 * else passes through unchanged.
 */
#ifndef WH_TESPROXY_H
#define WH_TESPROXY_H

#include <stddef.h>
#include "../webhook.h"

#define WH_TES_PREFIX "/ga4gh/tes/v1"

typedef struct wh_tesproxy wh_tesproxy;

/* Check the upstream URL (http or https, no credentials, query or
 * fragment) and set libcurl up; call before any thread starts. */
int wh_tesproxy_new(const char *url, wh_tesproxy **out, char *err, size_t errlen);
void wh_tesproxy_free(wh_tesproxy *p);
/* The upstream as logged: scheme://host[:port][/path]. */
const char *wh_tesproxy_upstream(const wh_tesproxy *p);
/* The TCP ports the relay connects to: the upstream's (its scheme's
 * default when the URL names none) and those of the proxy variables
 * libcurl reads (http_proxy, HTTPS_PROXY, ALL_PROXY, ...): at most max,
 * how many. */
size_t wh_tesproxy_ports(const wh_tesproxy *p, unsigned *ports, size_t max);

/* Whether a request target (path and query exactly as sent) may be
 * relayed: NULL when it may, else why not. Decoded or not, with '\' as
 * '/', dot segments resolved and ";params" dropped, it must stay under
 * WH_TES_PREFIX. */
const char *wh_tes_target_refused(const char *target);
/* 1 when a TES server could take this request as "create a task": POST,
 * PUT or PATCH whose path, read as any server might read it (decoded or
 * not, case-folded, dot segments, "//", ";params", a trailing '/'), is
 * WH_TES_PREFIX "/tasks". */
int wh_tes_target_creates(const char *method, const char *target);

/* /ga4gh/tes/v1/... (any method). 404 without --tes-upstream. */
void wh_route_tes_gate(wh_server *s, const wh_http_req *rq, wh_reply *out);

#endif
