/*
 * unwrap.h — the compressed files an image carries: a gzip, xz, lzma,
 * lzip, zstd, bzip2, lz4 or compress (.Z) stream, pulled from its source and decoded as a pull
 * stream so the content scan can read what is inside (nested.h). Nothing here decides
 * how a runtime reads a layer (that is decompress.h): these are files of
 * the final filesystem, which a program of the image may decode when it
 * runs. (lz4: the frame format, what lz4 -d writes and reads, and the
 * legacy format of lz4 -l, which lz4 -d reads too.)
 *
 * Memory is bounded whatever the stream's headers claim: xz, lzma
 * and lzip decode within a memory limit (PC_UNWRAP_MEMLIMIT unless the caller
 * gives a smaller one), zstd frames whose window is over the limit's
 * (2^PC_UNWRAP_ZSTD_WLOG, zstd's own default, at the full limit) are
 * refused, gzip and bzip2 need little. A stream that exceeds a bound, is
 * corrupt or ends early stops with -1; pc_unwrap_over tells a bound from
 * damage (the program of the image that decodes it has no such bound, so
 * a caller must not take the bytes before it as all there is). Bytes
 * after the last complete stream end it (0), and pc_unwrap_rest gives
 * them.
 */
#ifndef PC_UNWRAP_H
#define PC_UNWRAP_H

#include <stddef.h>
#include <sys/types.h>
#include "yara/pullbuf.h" /* pc_pull_fn */

#define PC_UNWRAP_MEMLIMIT (80u << 20) /* xz -9 needs 65 MiB to decode */
#define PC_UNWRAP_ZSTD_WLOG 27         /* 128 MiB window: what zstd -d reads without --memory */
#define PC_UNWRAP_HEADER_ONLY 32 /* what remains of an xz stream over the bound that is no data */

typedef enum {
    PC_WRAP_NONE = 0,
    PC_WRAP_GZIP,
    PC_WRAP_XZ,
    PC_WRAP_LZMA, /* the "alone" format of lzma-utils (.lzma) */
    PC_WRAP_ZSTD,
    PC_WRAP_BZIP2,
    PC_WRAP_ZIPLZMA,   /* a zip member's method 14: a small header, then raw LZMA (never sniffed) */
    PC_WRAP_COMPRESS,  /* .Z (lzw.h) */
    PC_WRAP_DEFLATE,   /* raw deflate: a zip member's method 8 (never sniffed) */
    PC_WRAP_LZ4,       /* the lz4 frame format (lz4 -d) */
    PC_WRAP_LZ4LEGACY, /* lz4's legacy format (lz4 -l; lz4 -d reads it) */
    PC_WRAP_LZIP,      /* lzip's members (lzip -d, bsdtar, tar --lzip) */
    PC_WRAP_ZLIB       /* RFC 1950 (Python's zlib.compress, PHP's gzcompress, pigz -z):
                          never sniffed, its 2-byte header says too little (pc_unwrap_zlib) */
} pc_wrap_codec;

/* The codec whose magic the bytes start with, or NONE. */
pc_wrap_codec pc_unwrap_sniff(const unsigned char *p, size_t n);
/* 1 when the bytes start as a zlib stream does (deflate, a window of
 * 32 KiB or less, the header's check, no preset dictionary): asked only
 * of bytes a script decodes from text (nested.c), where zlib is the usual
 * wrapper (exec(zlib.decompress(b64decode(...)))). */
int pc_unwrap_zlib(const unsigned char *p, size_t n);
/* 1 when they start with one of the four headers zlib itself writes
 * (78 01, 78 5e, 78 9c, 78 da): a file that starts so is tried as zlib
 * too (pigz -z, a .zlib file a script inflates), its bytes read as they
 * are all the same. */
int pc_unwrap_zlib_std(const unsigned char *p, size_t n);
/* "gzip", "xz", ... for messages. */
const char *pc_unwrap_name(pc_wrap_codec c);

typedef struct pc_unwrap pc_unwrap;

/* A decoder of what pre[0..prelen) (copied; at most PC_PULLBUF_SIZE
 * bytes already pulled) then fn gives; NULL when out of memory or codec
 * is NONE. */
pc_unwrap *pc_unwrap_new(pc_wrap_codec c, const unsigned char *pre, size_t prelen, pc_pull_fn fn,
                         void *ud);
/* The same within memlimit bytes (at most PC_UNWRAP_MEMLIMIT; zstd: a
 * window of 2^PC_UNWRAP_ZSTD_WLOG at PC_UNWRAP_MEMLIMIT, else the largest
 * power of two within memlimit). */
pc_unwrap *pc_unwrap_new_within(pc_wrap_codec c, const unsigned char *pre, size_t prelen,
                                pc_pull_fn fn, void *ud, size_t memlimit);
/* 1 when the decoder stopped at its memory bound, not at damage. */
int pc_unwrap_over(const pc_unwrap *u);
/* The memory the decoder holds (its input buffer, and an xz or zstd
 * decoder's dictionary or window once its header is read). */
size_t pc_unwrap_memusage(const pc_unwrap *u);
/* Up to n decoded bytes: the count, 0 at the end, -1 when the stream is
 * corrupt, truncated or over a bound. */
ssize_t pc_unwrap_read(pc_unwrap *u, void *buf, size_t n);
/* After the end (read gave 0 or -1): the source's bytes the decoder did
 * not take, then the rest of the source: count, 0 at its end, -1 on error. */
ssize_t pc_unwrap_rest(pc_unwrap *u, void *buf, size_t n);
void pc_unwrap_free(pc_unwrap *u);

#endif
