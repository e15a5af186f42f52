/*
 * connpool.h — kept-alive registry connections for the lifetime of a
 * context (pc_ctx owns one): every scan of a CLI run, and every request a
 * webhook generation answers, takes its transfer handles from here.
 *
 * An entry is an easy handle in its own multi handle, whose connection
 * cache holds the connections that transfer left open, tagged with the
 * origin (scheme://host:port) it last talked to. A request takes an entry
 * of its own origin (or makes new handles), uses it alone, and gives it
 * back when the transfer completed; libcurl then reuses a connection only
 * for the same scheme, host, port and TLS settings. At most POOL_MAX
 * entries are kept (the least recently used goes), and an entry idle for
 * longer than libcurl would reuse its connections is closed. TLS sessions
 * and DNS answers are shared (locked). Safe for any number of threads;
 * curl is set up on first use.
 */
#ifndef PC_CONNPOOL_H
#define PC_CONNPOOL_H

#include <curl/curl.h>

typedef struct pc_connpool pc_connpool;

/* NULL when out of memory. */
pc_connpool *pc_connpool_new(void);
/* Every kept connection is closed; no transfer may still be running. */
void pc_connpool_free(pc_connpool *p);

/* Handles whose last origin is origin: 1 taken, 0 none kept (make new). */
int pc_connpool_take(pc_connpool *p, const char *origin, CURL **easy, CURLM **multi);
/* Keep the handles of a completed transfer (the easy handle is reset
 * first, so none of its headers stays): 1 kept, 0 the caller frees them. */
int pc_connpool_give(pc_connpool *p, const char *origin, CURL *easy, CURLM *multi);
/* The shared TLS session and DNS cache, or NULL (none could be made). */
CURLSH *pc_connpool_share(pc_connpool *p);

#endif
