/*
 * gen.h — the policy generation a request is judged with: the context
 * (policy, exceptions, rules) and the verdict cache built on it. A
 * request takes the current one (wh_gen_get) for as long as it decides;
 * the main thread replaces it when the policy, exceptions or rules files
 * change on disk (wh_gen_reload, a broken edit keeps the last good one),
 * and frees a replaced one once no request holds it and its scans ended.
 * Contexts are made and freed on the main thread only (libyara's set-up
 * is not thread-safe).
 */
#ifndef WH_GEN_H
#define WH_GEN_H

#include "webhook.h"

typedef struct wh_gen {
    pc_ctx *ctx;
    wh_verdicts *verdicts;
    unsigned refs; /* requests holding it; under wh_server.gen_mu */
    struct wh_gen *next;
} wh_gen;

/* The first generation (main thread, before the server starts). */
int wh_gen_init(wh_server *s, const pc_options *po, char *err, size_t errlen);
wh_gen *wh_gen_get(wh_server *s);
void wh_gen_put(wh_server *s, wh_gen *g);
/* Main thread, every few seconds: reload when the files changed, free
 * replaced generations no one holds. */
void wh_gen_reload(wh_server *s, const pc_options *po);
/* Shutdown: stop every generation's scans (up to wait_ms); 0 when all
 * ended (then everything is freed), -1 when some still run. */
int wh_gen_shutdown(wh_server *s, uint64_t wait_ms);

#endif
