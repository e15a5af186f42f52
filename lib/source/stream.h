/*
 * stream.h — a pull stream of bytes: how a source hands a blob to the layer
 * walk without ever holding it whole. read() returns bytes read, 0 at end,
 * -1 on error (message in err).
 */
#ifndef PC_STREAM_H
#define PC_STREAM_H

#include <stddef.h>
#include <sys/types.h>
#include "pcx.h"

typedef struct pc_stream pc_stream;
struct pc_stream {
    ssize_t (*read)(pc_stream *s, void *buf, size_t n, pc_err *e);
    void (*close)(pc_stream *s);
};

/* A stream over an open file descriptor (closed with the stream); reads at
 * most `limit` bytes starting at the current offset (limit 0: to EOF). */
pc_stream *pc_stream_fd(int fd, unsigned long long limit);

/* Read a whole stream of at most max bytes into a NUL-terminated buffer. */
int pc_stream_slurp(pc_stream *s, size_t max, char **out, size_t *len, pc_err *e);

#endif
