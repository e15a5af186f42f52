/*
 * pullbuf.c — see pullbuf.h.
 */
#include <string.h>
#include "yara/pullbuf.h"

void pc_pullbuf_init(pc_pullbuf *b, const unsigned char *pre, size_t prelen, pc_pull_fn fn,
                     void *ud)
{
    b->fn = fn;
    b->ud = ud;
    b->pos = 0;
    b->base = 0;
    b->len = prelen <= PC_PULLBUF_SIZE ? prelen : PC_PULLBUF_SIZE;
    b->eof = b->err = 0;
    if (b->len)
        memcpy(b->buf, pre, b->len);
}

size_t pc_pullbuf_have(pc_pullbuf *b, size_t n)
{
    if (n > PC_PULLBUF_SIZE)
        n = PC_PULLBUF_SIZE;
    if (b->len - b->pos < n) {
        memmove(b->buf, b->buf + b->pos, b->len - b->pos);
        b->base += b->pos;
        b->len -= b->pos;
        b->pos = 0;
        while (b->len < n && !b->eof && !b->err) {
            ssize_t r = b->fn(b->ud, b->buf + b->len, PC_PULLBUF_SIZE - b->len);
            b->eof |= r == 0;
            b->err |= r < 0;
            b->len += r > 0 ? (size_t)r : 0;
        }
    }
    return b->len - b->pos;
}

size_t pc_pullbuf_read(pc_pullbuf *b, void *dst, size_t n)
{
    size_t got = 0;
    while (got < n && pc_pullbuf_have(b, 1)) {
        size_t k = b->len - b->pos < n - got ? b->len - b->pos : n - got;
        memcpy((char *)dst + got, b->buf + b->pos, k);
        b->pos += k;
        got += k;
    }
    return got;
}

int pc_pullbuf_skip(pc_pullbuf *b, uint64_t n)
{
    while (n && pc_pullbuf_have(b, 1)) {
        size_t k = (uint64_t)(b->len - b->pos) < n ? b->len - b->pos : (size_t)n;
        b->pos += k;
        n -= k;
    }
    return n == 0 ? 0 : -1;
}

ssize_t pc_pullbuf_rest(pc_pullbuf *b, void *dst, size_t n)
{
    size_t got = pc_pullbuf_read(b, dst, n);
    return got == 0 && b->err ? -1 : (ssize_t)got;
}
