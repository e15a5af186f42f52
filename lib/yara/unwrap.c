/*
 * unwrap.c — see unwrap.h. One decoder per codec behind one read
 * function, each fed from one input buffer filled from the source: "the
 * source ended" while a decoder wants more means the stream is
 * truncated. Concatenated streams
 * (gzip members, xz streams, zstd frames, bzip2 streams) are read as one,
 * as gzip -d, xz -d, zstd -d and bzip2 -d read them; bytes after the last
 * stream that are not another end the output.
 */
#include <bzlib.h>
#include <limits.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader */
#include <zstd.h>
#include <zstd_errors.h>
#include "pcx.h"
#include "yara/lzw.h"
#include "yara/unwrap.h"

struct pc_unwrap {
    pc_wrap_codec codec;
    pc_pullbuf in; /* the compressed bytes */
    int done;      /* the last stream ended: read returns 0 */
    int failed;
    z_stream z;
    lzma_stream x;
    ZSTD_DStream *zs;
    pc_lzw *lzw;
    bz_stream b;
    LZ4F_dctx *lz4;
    unsigned char *lgin, *lgout; /* PC_WRAP_LZ4LEGACY: a block, and what it decodes to */
    size_t lglen, lgpos;
    int live; /* z or b holds a stream (inflateEnd / BZ2_bzDecompressEnd owed) */
    int over; /* stopped at the memory bound */
    size_t memlimit;
};

static const unsigned char xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
static const unsigned char zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
static const unsigned char lz4_magic[4] = {0x04, 0x22, 0x4d, 0x18};
static const unsigned char lz4_legacy[4] = {0x02, 0x21, 0x4c, 0x18};

/* lzip's member header: "LZIP", the version (0, or 1 since lzip 1.4), the
 * coded dictionary size (a power of two from 4 KiB to 512 MiB, the high
 * three bits a fraction of it to subtract: lzip's manual) */
static int is_lzip(const unsigned char *p, size_t n)
{
    return n >= 6 && memcmp(p, "LZIP", 4) == 0 && p[4] <= 1 && (p[5] & 0x1f) >= 12 &&
           (p[5] & 0x1f) <= 29;
}
/* lz4's legacy format: blocks of at most 8 MiB decoded, each after its
 * compressed size (4 bytes, little-endian) */
#define LZ4_LEGACY_BLOCK (8u << 20)
#define LZ4_LEGACY_IN LZ4_COMPRESSBOUND(LZ4_LEGACY_BLOCK)

/* An lz4 frame, or a skippable frame (0x184D2A50 to 0x184D2A5F), which
 * lz4 -d passes over. */
static int is_lz4(const unsigned char *p, size_t n)
{
    return n >= 4 && (memcmp(p, lz4_magic, 4) == 0 ||
                      ((p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18));
}
static const unsigned char bz_block[6] = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
static const unsigned char bz_end[6] = {0x17, 0x72, 0x45, 0x38, 0x50, 0x90};

static int is_gzip(const unsigned char *p, size_t n)
{
    return n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;
}

static int is_bzip2(const unsigned char *p, size_t n)
{
    return n >= 10 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9' &&
           (memcmp(p + 4, bz_block, 6) == 0 || memcmp(p + 4, bz_end, 6) == 0);
}

/* lzma-utils' header: properties byte (lc=3 lp=0 pb=2, what every encoder
 * writes by default), a dictionary size of 2^n or 2^n + 2^(n-1), and an
 * uncompressed size that is unknown (all ones) or below 2^48. */
static int is_lzma(const unsigned char *p, size_t n)
{
    if (n < 13 || p[0] != 0x5d)
        return 0;
    uint32_t d = pc_le32(p + 1);
    if (d < 4096)
        return 0;
    uint32_t low = d & (d - 1);
    if (low && (low & (low - 1) || (low << 1) != (d & ~low)))
        return 0;
    int unknown = 1;
    for (int i = 5; i < 13; i++)
        unknown &= p[i] == 0xff;
    return unknown || (p[11] == 0 && p[12] == 0);
}

pc_wrap_codec pc_unwrap_sniff(const unsigned char *p, size_t n)
{
    if (is_gzip(p, n))
        return PC_WRAP_GZIP;
    if (n >= 6 && memcmp(p, xz_magic, 6) == 0)
        return PC_WRAP_XZ;
    if (n >= 4 && memcmp(p, zstd_magic, 4) == 0)
        return PC_WRAP_ZSTD;
    if (is_bzip2(p, n))
        return PC_WRAP_BZIP2;
    if (n >= 4 && memcmp(p, lz4_magic, 4) == 0)
        return PC_WRAP_LZ4;
    if (n >= 4 && memcmp(p, lz4_legacy, 4) == 0)
        return PC_WRAP_LZ4LEGACY;
    if (is_lzip(p, n))
        return PC_WRAP_LZIP;
    if (is_lzma(p, n))
        return PC_WRAP_LZMA;
    if (n >= 3 && p[0] == 0x1f && p[1] == 0x9d && !(p[2] & 0x60) && (p[2] & 0x1f) >= 9 &&
        (p[2] & 0x1f) <= 16)
        return PC_WRAP_COMPRESS;
    return PC_WRAP_NONE;
}

const char *pc_unwrap_name(pc_wrap_codec c)
{
    static const char *const names[] = {"data",  "gzip", "xz",       "lzma",    "zstd",
                                        "bzip2", "lzma", "compress", "deflate", "lz4",
                                        "lz4",   "lzip", "zlib"};
    return (unsigned)c < sizeof names / sizeof *names ? names[c] : "data";
}

int pc_unwrap_zlib_std(const unsigned char *p, size_t n)
{
    return n >= 3 && p[0] == 0x78 && (p[1] == 0x01 || p[1] == 0x5e || p[1] == 0x9c || p[1] == 0xda);
}

int pc_unwrap_zlib(const unsigned char *p, size_t n)
{
    return n >= 3 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 && (p[1] & 0x20) == 0 &&
           ((unsigned)p[0] << 8 | p[1]) % 31 == 0;
}

static unsigned clamp_uint(size_t n)
{
    return n > UINT_MAX ? UINT_MAX : (unsigned)n;
}

/* APPNOTE 5.8.8: version (2 bytes), the properties' size (2, LE: 5), the
 * LZMA properties (lc/lp/pb, then the dictionary size), then raw LZMA1
 * data. A raw decoder has no memory limit of its own: the dictionary the
 * properties ask for is checked here. */
static int start_ziplzma(pc_unwrap *u)
{
    if (pc_pullbuf_have(&u->in, 9) < 9)
        return -1;
    const unsigned char *h = u->in.buf + u->in.pos;
    uint32_t dict = pc_le32(h + 5);
    if (h[2] != 5 || h[3] != 0)
        return -1;
    if (dict > u->memlimit / 2) { /* decoded as unzip and 7-Zip would: not here */
        u->over = u->failed = 1;
        return 0;
    }
    lzma_filter f[2] = {{.id = LZMA_FILTER_LZMA1, .options = NULL},
                        {.id = LZMA_VLI_UNKNOWN, .options = NULL}};
    if (lzma_properties_decode(&f[0], NULL, h + 4, 5) != LZMA_OK)
        return -1;
    lzma_ret rc = lzma_raw_decoder(&u->x, f);
    free(f[0].options); /* (the decoder copied them) */
    u->in.pos += 9;
    return rc == LZMA_OK ? 0 : -1;
}

/* The largest zstd window within memlimit: zstd's own default at the
 * full limit. */
static int zstd_wlog(size_t memlimit)
{
    if (memlimit >= PC_UNWRAP_MEMLIMIT)
        return PC_UNWRAP_ZSTD_WLOG;
    int w = 10; /* ZSTD_WINDOWLOG_ABSOLUTEMIN */
    while (w < PC_UNWRAP_ZSTD_WLOG && ((size_t)1 << (w + 1)) <= memlimit)
        w++;
    return w;
}

static int start(pc_unwrap *u)
{
    switch (u->codec) {
    case PC_WRAP_GZIP:
    case PC_WRAP_DEFLATE:
    case PC_WRAP_ZLIB:
        if (inflateInit2(&u->z, u->codec == PC_WRAP_GZIP      ? 16 + MAX_WBITS
                                : u->codec == PC_WRAP_DEFLATE ? -MAX_WBITS
                                                              : MAX_WBITS) != Z_OK)
            return -1;
        u->live = 1;
        return 0;
    case PC_WRAP_XZ:
        return lzma_stream_decoder(&u->x, u->memlimit, LZMA_CONCATENATED) == LZMA_OK ? 0 : -1;
    case PC_WRAP_LZMA:
        return lzma_alone_decoder(&u->x, u->memlimit) == LZMA_OK ? 0 : -1;
    case PC_WRAP_LZIP:
        /* members one after the other, as lzip -d reads them; bytes after
         * the last that are no member end the output (liblzma leaves them) */
        return lzma_lzip_decoder(&u->x, u->memlimit, LZMA_CONCATENATED) == LZMA_OK ? 0 : -1;
    case PC_WRAP_ZIPLZMA:
        return start_ziplzma(u);
    case PC_WRAP_COMPRESS:
        return (u->lzw = pc_lzw_new(&u->in)) ? 0 : -1;
    case PC_WRAP_ZSTD:
        u->zs = ZSTD_createDStream();
        if (!u->zs || ZSTD_isError(ZSTD_DCtx_setParameter(u->zs, ZSTD_d_windowLogMax,
                                                          zstd_wlog(u->memlimit))))
            return -1;
        return 0;
    case PC_WRAP_BZIP2:
        if (BZ2_bzDecompressInit(&u->b, 0, 0) != BZ_OK)
            return -1;
        u->live = 1;
        return 0;
    case PC_WRAP_LZ4:
        return LZ4F_isError(LZ4F_createDecompressionContext(&u->lz4, LZ4F_VERSION)) ? -1 : 0;
    case PC_WRAP_LZ4LEGACY:
        if (u->memlimit < LZ4_LEGACY_BLOCK + LZ4_LEGACY_IN)
            return 0; /* a bound, if a block follows (read_lz4legacy) */
        u->lgin = malloc(LZ4_LEGACY_IN);
        u->lgout = malloc(LZ4_LEGACY_BLOCK);
        return u->lgin && u->lgout ? 0 : -1;
    default:
        return -1;
    }
}

pc_unwrap *pc_unwrap_new(pc_wrap_codec c, const unsigned char *pre, size_t prelen, pc_pull_fn fn,
                         void *ud)
{
    return pc_unwrap_new_within(c, pre, prelen, fn, ud, PC_UNWRAP_MEMLIMIT);
}

int pc_unwrap_over(const pc_unwrap *u)
{
    return u && u->over;
}

size_t pc_unwrap_memusage(const pc_unwrap *u)
{
    if (!u)
        return 0;
    size_t n = sizeof *u;
    if (u->codec == PC_WRAP_XZ || u->codec == PC_WRAP_LZMA || u->codec == PC_WRAP_ZIPLZMA ||
        u->codec == PC_WRAP_LZIP)
        n += (size_t)lzma_memusage(&u->x);
    if (u->zs)
        n += ZSTD_sizeof_DStream(u->zs);
    if (u->codec == PC_WRAP_BZIP2)
        n += 4u << 20; /* bzip2 -9's blocks: about 3.7 MB */
    if (u->lz4)
        n += 8u << 20; /* a frame's blocks: at most 4 MiB, held twice */
    if (u->lgin)
        n += LZ4_LEGACY_BLOCK + LZ4_LEGACY_IN;
    return n;
}

pc_unwrap *pc_unwrap_new_within(pc_wrap_codec c, const unsigned char *pre, size_t prelen,
                                pc_pull_fn fn, void *ud, size_t memlimit)
{
    if (prelen > PC_PULLBUF_SIZE)
        return NULL;
    pc_unwrap *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->codec = c;
    u->memlimit = memlimit < PC_UNWRAP_MEMLIMIT ? memlimit : PC_UNWRAP_MEMLIMIT;
    pc_pullbuf_init(&u->in, pre, prelen, fn, ud);
    u->x = (lzma_stream)LZMA_STREAM_INIT;
    if (start(u) < 0) {
        pc_unwrap_free(u);
        return NULL;
    }
    return u;
}

void pc_unwrap_free(pc_unwrap *u)
{
    if (!u)
        return;
    if (u->live &&
        (u->codec == PC_WRAP_GZIP || u->codec == PC_WRAP_DEFLATE || u->codec == PC_WRAP_ZLIB))
        inflateEnd(&u->z);
    if (u->live && u->codec == PC_WRAP_BZIP2)
        BZ2_bzDecompressEnd(&u->b);
    lzma_end(&u->x);
    ZSTD_freeDStream(u->zs);
    LZ4F_freeDecompressionContext(u->lz4); /* (NULL: nothing) */
    free(u->lgin);
    free(u->lgout);
    pc_lzw_free(u->lzw);
    free(u);
}

/* One gzip member ended: another follows, or the output ends. */
static void gzip_next(pc_unwrap *u)
{
    size_t n = pc_pullbuf_have(&u->in, 3);
    if (is_gzip(u->in.buf + u->in.pos, n) && inflateReset(&u->z) == Z_OK)
        return;
    u->done = 1;
}

static ssize_t read_gzip(pc_unwrap *u, unsigned char *buf, size_t n)
{
    u->z.next_out = buf;
    u->z.avail_out = clamp_uint(n);
    while (u->z.avail_out && !u->done) {
        pc_pullbuf_have(&u->in, 1);
        size_t before = u->in.pos;
        u->z.next_in = u->in.buf + u->in.pos;
        u->z.avail_in = clamp_uint(u->in.len - u->in.pos);
        unsigned in0 = u->z.avail_in, out0 = u->z.avail_out;
        int rc = inflate(&u->z, Z_NO_FLUSH);
        u->in.pos = before + (in0 - u->z.avail_in);
        if (rc == Z_STREAM_END && u->codec != PC_WRAP_GZIP)
            u->done = 1; /* (raw deflate, zlib: one stream) */
        else if (rc == Z_STREAM_END)
            gzip_next(u);
        else if ((rc != Z_OK && rc != Z_BUF_ERROR) ||
                 (u->z.avail_out == out0 && u->in.pos == before))
            u->failed = 1; /* corrupt, or no progress: the input is truncated */
        if (u->failed)
            break;
    }
    return (ssize_t)(n - u->z.avail_out);
}

/* A header over the memory bound is a bound met when data follows it; a
 * header and no more (test suites' fixtures hold such: Go's zstd package
 * has thousands) decodes to nothing with any bound: damage. So is a zstd
 * window over zstd's own default bound (2^PC_UNWRAP_ZSTD_WLOG): zstd -d,
 * libzstd's default and Python's zstandard refuse it as damaged (the
 * fuzzing corpora of zstd decoders hold thousands). 1 for a bound, 0 for
 * damage. A zstd frame header is measured (the decoder may
 * or may not have consumed it); of an xz stream, PC_UNWRAP_HEADER_ONLY
 * bytes of what remains are taken as headers. */
static int holds_data(pc_unwrap *u)
{
    size_t avail = pc_pullbuf_have(&u->in, 64);
    const unsigned char *p = u->in.buf + u->in.pos;
    if (u->codec == PC_WRAP_ZSTD) {
        ZSTD_frameHeader fh;
        size_t hr = ZSTD_getFrameHeader(&fh, p, avail);
        int head = hr == 0;
        if (ZSTD_isError(hr) && ZSTD_getErrorCode(hr) == ZSTD_error_frameParameter_windowTooLarge)
            return 0; /* over libzstd's own maximum */
        if (head && fh.windowSize > (1ull << PC_UNWRAP_ZSTD_WLOG))
            return 0; /* what zstd -d and Python's zstandard refuse unless told otherwise */
        return avail - (head ? fh.headerSize : 0) > 3; /* more than an empty last block */
    }
    return avail > PC_UNWRAP_HEADER_ONLY;
}

static ssize_t read_lzma(pc_unwrap *u, unsigned char *buf, size_t n)
{
    u->x.next_out = buf;
    u->x.avail_out = n;
    while (u->x.avail_out && !u->done) {
        pc_pullbuf_have(&u->in, 1);
        u->x.next_in = u->in.buf + u->in.pos;
        u->x.avail_in = u->in.len - u->in.pos;
        size_t in0 = u->x.avail_in, out0 = u->x.avail_out;
        lzma_ret rc = lzma_code(&u->x, u->in.eof || u->in.err ? LZMA_FINISH : LZMA_RUN);
        u->in.pos += in0 - u->x.avail_in;
        if (rc == LZMA_STREAM_END)
            u->done = 1;
        else if (rc == LZMA_MEMLIMIT_ERROR)
            u->failed = 1, u->over = holds_data(u);
        else if (rc != LZMA_OK || (u->x.avail_out == out0 && u->x.avail_in == in0))
            u->failed = 1; /* corrupt, over PC_UNWRAP_MEMLIMIT, or truncated */
        if (u->failed)
            break;
    }
    return (ssize_t)(n - u->x.avail_out);
}

static ssize_t read_zstd(pc_unwrap *u, unsigned char *buf, size_t n)
{
    ZSTD_outBuffer out = {buf, n, 0};
    while (out.pos < out.size && !u->done) {
        pc_pullbuf_have(&u->in, 1);
        ZSTD_inBuffer in = {u->in.buf, u->in.len, u->in.pos};
        size_t out0 = out.pos, in0 = in.pos;
        size_t rc = ZSTD_decompressStream(u->zs, &out, &in);
        u->in.pos = in.pos;
        if (ZSTD_isError(rc) && ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
            u->failed = 1, u->over = holds_data(u);
        else if (ZSTD_isError(rc) || (rc && out.pos == out0 && in.pos == in0))
            u->failed = 1; /* corrupt, or truncated */
        else if (rc == 0 && pc_pullbuf_have(&u->in, 4) < 4)
            u->done = 1; /* a frame ended with the input */
        else if (rc == 0 && memcmp(u->in.buf + u->in.pos, zstd_magic, 4) != 0 &&
                 (u->in.buf[u->in.pos] & 0xf0) != 0x50)
            u->done = 1; /* no frame follows (nor a skippable one): the rest is trailing */
        if (u->failed)
            break;
    }
    return (ssize_t)out.pos;
}

static ssize_t read_bzip2(pc_unwrap *u, unsigned char *buf, size_t n)
{
    u->b.next_out = (char *)buf;
    u->b.avail_out = clamp_uint(n);
    while (u->b.avail_out && !u->done) {
        pc_pullbuf_have(&u->in, 1);
        u->b.next_in = (char *)(u->in.buf + u->in.pos);
        u->b.avail_in = clamp_uint(u->in.len - u->in.pos);
        unsigned in0 = u->b.avail_in, out0 = u->b.avail_out;
        int rc = BZ2_bzDecompress(&u->b);
        u->in.pos += in0 - u->b.avail_in;
        if (rc == BZ_STREAM_END) {
            BZ2_bzDecompressEnd(&u->b);
            u->live = 0;
            if (!is_bzip2(u->in.buf + u->in.pos, pc_pullbuf_have(&u->in, 10)) ||
                BZ2_bzDecompressInit(&u->b, 0, 0) != BZ_OK) {
                u->done = 1;
                break;
            }
            u->live = 1;
        } else if (rc != BZ_OK || (u->b.avail_out == out0 && u->b.avail_in == in0)) {
            u->failed = 1; /* corrupt or truncated */
            break;
        }
    }
    return (ssize_t)(n - u->b.avail_out);
}

/* lz4 -d: frames one after the other (skippable ones passed over); what
 * follows the last one is trailing. A frame's blocks are at most 4 MiB. */
static ssize_t read_lz4(pc_unwrap *u, unsigned char *buf, size_t n)
{
    size_t done = 0;
    while (done < n && !u->done) {
        size_t have = pc_pullbuf_have(&u->in, 1);
        size_t in = have, out = n - done;
        size_t rc = LZ4F_decompress(u->lz4, buf + done, &out, u->in.buf + u->in.pos, &in, NULL);
        u->in.pos += in;
        done += out;
        if (LZ4F_isError(rc) || (in == 0 && out == 0 && rc != 0)) {
            u->failed = 1; /* corrupt, or truncated */
            break;
        }
        if (rc == 0 && !is_lz4(u->in.buf + u->in.pos, pc_pullbuf_have(&u->in, 4)))
            u->done = 1; /* a frame ended, and no other follows */
    }
    return (ssize_t)done;
}

/* lz4 -d on the legacy format: the magic, then blocks, each its size and
 * then its bytes; a size that is the magic again starts another stream,
 * one larger than a block can be compressed to ends it (what follows is
 * trailing, as lz4 -d takes it for the next frame's magic), as do a size
 * of 0 and the end of the input. */
static ssize_t read_lz4legacy(pc_unwrap *u, unsigned char *buf, size_t n)
{
    size_t done = 0;
    while (done < n && !u->done && !u->failed) {
        if (u->lgpos < u->lglen) {
            size_t k = u->lglen - u->lgpos < n - done ? u->lglen - u->lgpos : n - done;
            memcpy(buf + done, u->lgout + u->lgpos, k);
            u->lgpos += k;
            done += k;
            continue;
        }
        size_t have = pc_pullbuf_have(&u->in, 4);
        if (have == 0 && !u->in.err) {
            u->done = 1;
            break;
        }
        if (have < 4) {
            u->failed = 1; /* truncated */
            break;
        }
        uint32_t bs = pc_le32(u->in.buf + u->in.pos);
        if (memcmp(u->in.buf + u->in.pos, lz4_legacy, 4) == 0) {
            u->in.pos += 4; /* another legacy stream */
            continue;
        }
        if (bs == 0 || bs > LZ4_LEGACY_IN) {
            u->done = 1; /* an empty block (lz4 -d ends there too), or not a block: trailing */
            break;
        }
        if (!u->lgin) {
            u->failed = u->over = 1; /* the decoder's memory is over the bound */
            break;
        }
        u->in.pos += 4;
        int r = pc_pullbuf_read(&u->in, u->lgin, bs) == bs
                    ? LZ4_decompress_safe((const char *)u->lgin, (char *)u->lgout, (int)bs,
                                          (int)LZ4_LEGACY_BLOCK)
                    : -1;
        if (r < 0) {
            u->failed = 1; /* corrupt, or truncated */
            break;
        }
        u->lglen = (size_t)r;
        u->lgpos = 0;
    }
    return (ssize_t)done;
}

ssize_t pc_unwrap_read(pc_unwrap *u, void *buf, size_t n)
{
    ssize_t r;
    if (u->failed)
        return -1; /* what came before the damage was returned */
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;
    switch (u->codec) {
    case PC_WRAP_GZIP:
    case PC_WRAP_DEFLATE:
    case PC_WRAP_ZLIB:
        r = read_gzip(u, buf, n);
        break;
    case PC_WRAP_XZ:
    case PC_WRAP_LZMA:
    case PC_WRAP_ZIPLZMA:
    case PC_WRAP_LZIP:
        r = read_lzma(u, buf, n);
        break;
    case PC_WRAP_ZSTD:
        r = read_zstd(u, buf, n);
        break;
    case PC_WRAP_BZIP2:
        r = read_bzip2(u, buf, n);
        break;
    case PC_WRAP_LZ4:
        r = read_lz4(u, buf, n);
        break;
    case PC_WRAP_LZ4LEGACY:
        r = read_lz4legacy(u, buf, n); /* (its magic is read as "another stream") */
        break;
    case PC_WRAP_COMPRESS:
        r = pc_lzw_read(u->lzw, buf, n);
        u->failed |= r < 0;
        r = r < 0 ? 0 : r;
        break;
    default:
        u->failed = 1;
        r = 0;
    }
    return r == 0 && u->failed ? -1 : r;
}

ssize_t pc_unwrap_rest(pc_unwrap *u, void *buf, size_t n)
{
    return pc_pullbuf_rest(&u->in, buf, n);
}
