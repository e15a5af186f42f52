/*
 * unwrap.h — the compressed files an image carries: a gzip, xz, lzma,
 * zstd, bzip2 or compress (.Z) stream, pulled from its source and decoded as a pull
 * stream so the content scan can read what is inside (nested.h). Nothing here decides
 * how a runtime reads a layer (that is decompress.h): these are files of
 * the final filesystem, which a program of the image may decode when it
 * runs.
 *
 * Memory is bounded whatever the stream's headers claim: xz and lzma
 * decode within PC_UNWRAP_MEMLIMIT, zstd frames whose window is larger
 * than 2^PC_UNWRAP_ZSTD_WLOG are refused, gzip and bzip2 need little. A
 * stream that exceeds a bound, is corrupt or ends early stops with -1;
 * bytes after the last complete stream end it (0), and pc_unwrap_rest
 * gives them.
 */
#ifndef PC_UNWRAP_H
#define PC_UNWRAP_H

#include <stddef.h>
#include <sys/types.h>
#include "yara/pullbuf.h" /* pc_pull_fn */

#define PC_UNWRAP_MEMLIMIT (80u << 20) /* xz -9 needs 65 MiB to decode */
#define PC_UNWRAP_ZSTD_WLOG 26         /* 64 MiB window: zstd's default limit is 2^27 */

typedef enum {
    PC_WRAP_NONE = 0,
    PC_WRAP_GZIP,
    PC_WRAP_XZ,
    PC_WRAP_LZMA, /* the "alone" format of lzma-utils (.lzma) */
    PC_WRAP_ZSTD,
    PC_WRAP_BZIP2,
    PC_WRAP_ZIPLZMA,  /* a zip member's method 14: a small header, then raw LZMA (never sniffed) */
    PC_WRAP_COMPRESS, /* .Z (lzw.h) */
} pc_wrap_codec;

/* The codec whose magic the bytes start with, or NONE. */
pc_wrap_codec pc_unwrap_sniff(const unsigned char *p, size_t n);
/* "gzip", "xz", ... for messages. */
const char *pc_unwrap_name(pc_wrap_codec c);

typedef struct pc_unwrap pc_unwrap;

/* A decoder of what pre[0..prelen) (copied; at most PC_PULLBUF_SIZE
 * bytes already pulled) then fn gives; NULL when out of memory or codec
 * is NONE. */
pc_unwrap *pc_unwrap_new(pc_wrap_codec c, const unsigned char *pre, size_t prelen, pc_pull_fn fn,
                         void *ud);
/* Up to n decoded bytes: the count, 0 at the end, -1 when the stream is
 * corrupt, truncated or over a bound. */
ssize_t pc_unwrap_read(pc_unwrap *u, void *buf, size_t n);
/* After the end (read gave 0 or -1): the source's bytes the decoder did
 * not take, then the rest of the source: count, 0 at its end, -1 on error. */
ssize_t pc_unwrap_rest(pc_unwrap *u, void *buf, size_t n);
void pc_unwrap_free(pc_unwrap *u);

#endif
