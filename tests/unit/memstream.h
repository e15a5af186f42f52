/*
 * memstream.h — a pc_stream over bytes in memory, for the tests and fuzz
 * targets that hand a blob to the layer walk. Each read returns at most
 * `chunk` bytes (0: no limit), so small reads exercise the refill paths.
 * The stream lives in the caller's mem_stream; closing it frees nothing.
 */
#ifndef PC_TEST_MEMSTREAM_H
#define PC_TEST_MEMSTREAM_H

#include <string.h>
#include <sys/types.h>
#include "stream.h"

typedef struct mem_stream {
    pc_stream s;
    const unsigned char *p;
    size_t left, chunk;
} mem_stream;

static inline ssize_t mem_stream_read(pc_stream *s, void *buf, size_t n, pc_err *e)
{
    mem_stream *m = (mem_stream *)s;
    (void)e;
    if (n > m->left)
        n = m->left;
    if (m->chunk && n > m->chunk)
        n = m->chunk;
    memcpy(buf, m->p, n);
    m->p += n;
    m->left -= n;
    return (ssize_t)n;
}

static inline void mem_stream_close(pc_stream *s)
{
    (void)s;
}

/* The stream of [p, p + n) in m, read at most chunk bytes at a time. */
static inline pc_stream *mem_stream_init(mem_stream *m, const void *p, size_t n, size_t chunk)
{
    m->s.read = mem_stream_read;
    m->s.close = mem_stream_close;
    m->p = p;
    m->left = n;
    m->chunk = chunk;
    return &m->s;
}

#endif
