/*
 * stream.c — the file-descriptor stream (optionally bounded to a byte
 * range, for a member inside an uncompressed archive) and slurping a small
 * stream into memory with a cap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "source/stream.h"
#include "pcx.h"

typedef struct {
    pc_stream s;
    int fd;
    unsigned long long left; /* bytes still allowed; ULLONG_MAX when unbounded */
} fd_stream;

static ssize_t fd_read(pc_stream *s, void *buf, size_t n, pc_err *e)
{
    fd_stream *f = (fd_stream *)s;
    if (f->left == 0)
        return 0;
    if (n > f->left)
        n = (size_t)f->left;
    for (;;) {
        ssize_t r = read(f->fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return pc_err_set(e, "read: %s", strerror(errno));
        f->left -= (unsigned long long)r;
        return r;
    }
}

static void fd_close(pc_stream *s)
{
    fd_stream *f = (fd_stream *)s;
    close(f->fd);
    free(f);
}

pc_stream *pc_stream_fd(int fd, unsigned long long limit)
{
    fd_stream *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->s.read = fd_read;
    f->s.close = fd_close;
    f->fd = fd;
    f->left = limit ? limit : ~0ULL;
    return &f->s;
}

int pc_stream_slurp(pc_stream *s, size_t max, char **out, size_t *len, pc_err *e)
{
    pc_buf b = {0};
    char chunk[16384];
    for (;;) {
        ssize_t r = s->read(s, chunk, sizeof chunk, e);
        if (r < 0) {
            pc_buf_free(&b);
            return -1;
        }
        if (r == 0)
            break;
        if (b.len + (size_t)r > max) {
            pc_buf_free(&b);
            return pc_err_set(e, "blob exceeds the limit of %zu bytes", max);
        }
        pc_buf_add(&b, chunk, (size_t)r);
        if (b.oom) {
            pc_buf_free(&b);
            return pc_err_set(e, "out of memory");
        }
    }
    if (!b.p)
        pc_buf_add(&b, "", 0);
    if (b.oom)
        return pc_err_set(e, "out of memory");
    *out = b.p;
    if (len)
        *len = b.len;
    return 0;
}
