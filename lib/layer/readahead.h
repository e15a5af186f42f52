/*
 * readahead.h — overlap the stages inside one layer: a thread of its own
 * pulls the raw bytes, hashes and inflates them (pc_unpack_read) into a
 * few fixed buffers while the caller's thread walks the tar and matches
 * the files, so one big layer keeps two cores busy. The bytes, their
 * order, the errors and the limits are exactly those of calling
 * pc_unpack_read directly; only the thread that does the work differs.
 *
 * Memory is bounded: PC_READAHEAD_BUFS buffers of PC_READAHEAD_BUF bytes,
 * whatever the layer's size.
 */
#ifndef PC_READAHEAD_H
#define PC_READAHEAD_H

#include <sys/types.h>
#include "pcx.h"
#include "layer/decompress.h"

#define PC_READAHEAD_BUFS 4
#define PC_READAHEAD_BUF (256u << 10)
/* Layers whose blob is smaller than this are read on the caller's
 * thread: a thread costs more than it saves there. */
#define PC_READAHEAD_MIN (4u << 20)

typedef struct pc_readahead pc_readahead;

/* Start reading u on a new thread (after pc_unpack_start). NULL when the
 * thread or its buffers could not be had: the caller then reads u itself,
 * which gives the same bytes. u is used by that thread only until
 * pc_readahead_free returns. */
pc_readahead *pc_readahead_new(pc_unpack *u);
/* As pc_unpack_read: bytes, 0 at the end, -1 with the message in e. */
ssize_t pc_readahead_read(pc_readahead *ra, void *buf, size_t n, pc_err *e);
/* Stop the thread (it finishes the read it is in: every source read has a
 * deadline), wait for it and free; u is the caller's again. NULL is fine. */
void pc_readahead_free(pc_readahead *ra);

#endif
