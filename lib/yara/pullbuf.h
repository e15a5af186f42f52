/*
 * pullbuf.h — an input buffer over a pull stream, for the readers of
 * archives and compressed files an image carries (members.c, unwrap.c):
 * bytes already pulled (a sniffed head) come first, then the stream; a
 * reader may look ahead (have), consume, pass over, and after its end hand
 * over what it did not take (rest), so the next reader starts where it
 * stopped.
 */
#ifndef PC_PULLBUF_H
#define PC_PULLBUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Pull up to n bytes: the count, 0 at the end, -1 on error. */
typedef ssize_t (*pc_pull_fn)(void *ud, void *buf, size_t n);

#define PC_PULLBUF_SIZE (64u << 10)

typedef struct pc_pullbuf {
    pc_pull_fn fn;
    void *ud;
    unsigned char buf[PC_PULLBUF_SIZE];
    size_t pos, len; /* consumed; held */
    uint64_t base;   /* the stream offset of buf[0] (the offset of buf + pos: base + pos) */
    int eof, err;    /* the stream ended, or failed */
} pc_pullbuf;

/* pre[0..prelen) (copied; prelen <= PC_PULLBUF_SIZE) first, then fn. */
void pc_pullbuf_init(pc_pullbuf *b, const unsigned char *pre, size_t prelen, pc_pull_fn fn,
                     void *ud);
/* At least n (<= PC_PULLBUF_SIZE) unconsumed bytes at buf + pos unless
 * the stream ends first: how many there are. */
size_t pc_pullbuf_have(pc_pullbuf *b, size_t n);
/* Up to n bytes: fewer only at the end or an error. */
size_t pc_pullbuf_read(pc_pullbuf *b, void *dst, size_t n);
/* Pass over n bytes: 0, or -1 when the stream ends or fails first. */
int pc_pullbuf_skip(pc_pullbuf *b, uint64_t n);
/* What is held, then the stream: count, 0 at its end, -1 on error. */
ssize_t pc_pullbuf_rest(pc_pullbuf *b, void *dst, size_t n);

#endif
