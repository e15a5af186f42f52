/*
 * metricsd.c — the metrics port (--metrics-listen): GET /metrics in plain
 * HTTP, as Prometheus scrapes most exporters, so a scrape needs neither
 * the serving CA nor (with --client-ca) a client certificate, and never
 * shares a connection slot with the apiserver. Nothing else is served
 * here: any other path is 404, any other method 405, a request body is
 * never read. One polling thread (a render takes microseconds), few
 * connections, short timeouts; the HTTPS port keeps its /metrics too.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "../webhook.h"

#define METRICS_CONNS 16
#define METRICS_TIMEOUT_S 10

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *ctype,
                              char *body, const char *allow)
{
    if (!body)
        return MHD_NO;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    wh_server *s = cls;
    if (!*con_cls) { /* the head: answer once it is complete, never read a body */
        *con_cls = s;
        return MHD_YES;
    }
    if (*upload_data_size)
        return MHD_NO; /* a body nobody asked for: close */
    if (strcmp(url, "/metrics") != 0) {
        wh_metrics_request(&s->metrics, WH_EP_OTHER, WH_V_ERROR);
        return answer(c, 404, "text/plain; charset=utf-8",
                      strdup("not found: this port serves GET /metrics only\n"), NULL);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        wh_metrics_request(&s->metrics, WH_EP_METRICS, WH_V_ERROR);
        return answer(c, 405, "text/plain; charset=utf-8", strdup("method not allowed\n"), "GET");
    }
    wh_metrics_request(&s->metrics, WH_EP_METRICS, WH_V_NONE);
    char *text = wh_metrics_text(s);
    if (!text)
        return answer(c, 503, "text/plain; charset=utf-8", strdup("out of memory\n"), NULL);
    return answer(c, 200, "text/plain; version=0.0.4; charset=utf-8", text, NULL);
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = 0;
    wh_logf("warn", "metrics http: %s", msg);
}

int wh_metrics_server_start(wh_server *s, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int v6;
    if (!s->cfg.metrics_listen)
        return 0;
    if (wh_parse_listen(s->cfg.metrics_listen, &ss, &v6) < 0) {
        snprintf(err, errlen, "--metrics-listen \"%s\": expected ADDR:PORT or [V6ADDR]:PORT",
                 s->cfg.metrics_listen);
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
                     (v6 ? MHD_USE_IPv6 : 0);
    s->metrics_mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)METRICS_CONNS, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(METRICS_CONNS / 2),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024), MHD_OPTION_END);
    if (!s->metrics_mhd) {
        snprintf(err, errlen, "--metrics-listen: cannot listen on %s (address in use?)",
                 s->cfg.metrics_listen);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->metrics_mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->metrics_port = di ? di->port : 0;
    return 0;
}

void wh_metrics_server_stop(wh_server *s)
{
    if (s->metrics_mhd)
        MHD_stop_daemon(s->metrics_mhd);
    s->metrics_mhd = NULL;
}
