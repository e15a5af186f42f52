/*
 * offload.h — request workers: the threads that run a request handler
 * which may wait (for a scan, for the TES upstream) while its connection
 * is suspended, so that no event-loop thread ever waits (server.c).
 *
 * One detached thread per waiting request, at most max of them at once
 * (--max-connections: a connection has at most one request in a handler,
 * so the limit is never what refuses one); a thread ends with its
 * request. Stopping refuses new work and waits for the running handlers,
 * each bounded by its request's deadline.
 */
#ifndef WH_OFFLOAD_H
#define WH_OFFLOAD_H

typedef struct wh_offload wh_offload;

/* -1 when out of memory. */
int wh_offload_new(unsigned max, wh_offload **out);
/* Run fn(arg) on a new thread; fn must call wh_offload_done(o) as the
 * last thing it does. -1 (fn not run) when stopping, at the limit, or no
 * thread could be made. */
int wh_offload_run(wh_offload *o, void (*fn)(void *arg), void *arg);
void wh_offload_done(wh_offload *o);
/* Refuse new work and wait until every running fn has called done. */
void wh_offload_drain(wh_offload *o);
/* After wh_offload_drain. */
void wh_offload_free(wh_offload *o);

#endif
