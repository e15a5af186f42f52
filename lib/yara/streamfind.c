/*
 * streamfind.c — see streamfind.h. Each push runs the codec's decoder over
 * the bytes given, into a scratch buffer that is thrown away, until they
 * are used up or the stream ends; the count of bytes it took is what the
 * library says is left of them.
 */
#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include "yara/streamfind.h"
#include "yara/unwrap.h"

#define SF_OUT (64u << 10)

struct pc_sfind {
    pc_wrap_codec codec; /* PC_WRAP_NONE: no stream */
    z_stream z;
    lzma_stream x;
    ZSTD_DStream *zs;
    bz_stream b;
    LZ4F_dctx *lz4;
    int live; /* z, x or b holds a decoder */
    uint64_t out;
    unsigned char buf[SF_OUT];
};

pc_sfind *pc_sfind_new(void)
{
    pc_sfind *f = calloc(1, sizeof *f);
    if (f)
        f->codec = PC_WRAP_NONE;
    return f;
}

void pc_sfind_stop(pc_sfind *f)
{
    if (!f || f->codec == PC_WRAP_NONE)
        return;
    if (f->live && (f->codec == PC_WRAP_GZIP || f->codec == PC_WRAP_ZLIB))
        inflateEnd(&f->z);
    if (f->live && (f->codec == PC_WRAP_XZ || f->codec == PC_WRAP_LZIP))
        lzma_end(&f->x);
    if (f->live && f->codec == PC_WRAP_BZIP2)
        BZ2_bzDecompressEnd(&f->b);
    ZSTD_freeDStream(f->zs);
    f->zs = NULL;
    LZ4F_freeDecompressionContext(f->lz4); /* (NULL: nothing) */
    f->lz4 = NULL;
    f->live = 0;
    f->codec = PC_WRAP_NONE;
}

void pc_sfind_free(pc_sfind *f)
{
    pc_sfind_stop(f);
    free(f);
}

int pc_sfind_start(pc_sfind *f, const unsigned char *p, size_t n)
{
    pc_sfind_stop(f);
    f->out = 0;
    pc_wrap_codec c = pc_unwrap_zlib_std(p, n) ? PC_WRAP_ZLIB : pc_unwrap_sniff(p, n);
    int rc = 0;
    switch (c) {
    case PC_WRAP_GZIP:
    case PC_WRAP_ZLIB:
        memset(&f->z, 0, sizeof f->z);
        rc = inflateInit2(&f->z, c == PC_WRAP_GZIP ? 15 + 16 : 15) == Z_OK ? 1 : -1;
        break;
    case PC_WRAP_XZ:
    case PC_WRAP_LZIP:
        f->x = (lzma_stream)LZMA_STREAM_INIT;
        rc = (c == PC_WRAP_XZ ? lzma_stream_decoder(&f->x, PC_UNWRAP_MEMLIMIT, 0)
                              : lzma_lzip_decoder(&f->x, PC_UNWRAP_MEMLIMIT, 0)) == LZMA_OK
                 ? 1
                 : -1;
        break;
    case PC_WRAP_ZSTD:
        f->zs = ZSTD_createDStream();
        rc = f->zs && !ZSTD_isError(ZSTD_initDStream(f->zs)) &&
                     !ZSTD_isError(
                         ZSTD_DCtx_setParameter(f->zs, ZSTD_d_windowLogMax, PC_UNWRAP_ZSTD_WLOG))
                 ? 1
                 : -1;
        break;
    case PC_WRAP_BZIP2:
        memset(&f->b, 0, sizeof f->b);
        rc = BZ2_bzDecompressInit(&f->b, 0, 0) == BZ_OK ? 1 : -1;
        break;
    case PC_WRAP_LZ4:
        rc = LZ4F_isError(LZ4F_createDecompressionContext(&f->lz4, LZ4F_VERSION)) ? -1 : 1;
        break;
    default:
        return 0;
    }
    f->codec = c;
    f->live = rc == 1 && (c == PC_WRAP_GZIP || c == PC_WRAP_ZLIB || c == PC_WRAP_XZ ||
                          c == PC_WRAP_LZIP || c == PC_WRAP_BZIP2);
    if (rc < 0)
        pc_sfind_stop(f);
    return rc;
}

static size_t push_zlib(pc_sfind *f, const unsigned char *p, size_t n, int *ended)
{
    f->z.next_in = (Bytef *)(uintptr_t)p;
    f->z.avail_in = (uInt)n;
    while (f->z.avail_in > 0) {
        f->z.next_out = f->buf;
        f->z.avail_out = SF_OUT;
        int rc = inflate(&f->z, Z_NO_FLUSH);
        f->out += SF_OUT - f->z.avail_out;
        if (rc != Z_OK) { /* the end, damage (Z_BUF_ERROR cannot be: out had room) */
            *ended = 1;
            break;
        }
    }
    return n - f->z.avail_in;
}

static size_t push_lzma(pc_sfind *f, const unsigned char *p, size_t n, int *ended)
{
    f->x.next_in = p;
    f->x.avail_in = n;
    while (f->x.avail_in > 0) {
        f->x.next_out = f->buf;
        f->x.avail_out = SF_OUT;
        lzma_ret rc = lzma_code(&f->x, LZMA_RUN);
        f->out += SF_OUT - f->x.avail_out;
        if (rc != LZMA_OK) { /* the end, damage, the memory limit */
            *ended = 1;
            break;
        }
    }
    return n - f->x.avail_in;
}

static size_t push_zstd(pc_sfind *f, const unsigned char *p, size_t n, int *ended)
{
    ZSTD_inBuffer in = {p, n, 0};
    while (in.pos < in.size) {
        ZSTD_outBuffer out = {f->buf, SF_OUT, 0};
        size_t rc = ZSTD_decompressStream(f->zs, &out, &in);
        f->out += out.pos;
        if (ZSTD_isError(rc) || rc == 0) { /* damage, the window bound; or the frame's end */
            *ended = 1;
            break;
        }
    }
    return in.pos;
}

static size_t push_bzip2(pc_sfind *f, const unsigned char *p, size_t n, int *ended)
{
    f->b.next_in = (char *)(uintptr_t)p;
    f->b.avail_in = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
    size_t given = f->b.avail_in;
    while (f->b.avail_in > 0) {
        f->b.next_out = (char *)f->buf;
        f->b.avail_out = SF_OUT;
        int rc = BZ2_bzDecompress(&f->b);
        f->out += SF_OUT - f->b.avail_out;
        if (rc != BZ_OK) {
            *ended = 1;
            break;
        }
    }
    return given - f->b.avail_in;
}

static size_t push_lz4(pc_sfind *f, const unsigned char *p, size_t n, int *ended)
{
    size_t done = 0;
    while (done < n) {
        size_t out = SF_OUT, in = n - done;
        size_t rc = LZ4F_decompress(f->lz4, f->buf, &out, p + done, &in, NULL);
        done += in;
        f->out += out;
        if (LZ4F_isError(rc) || rc == 0 || (in == 0 && out == 0)) {
            *ended = 1;
            break;
        }
    }
    return done;
}

size_t pc_sfind_push(pc_sfind *f, const unsigned char *p, size_t n, int *ended)
{
    *ended = 0;
    if (n == 0)
        return 0;
    switch (f->codec) {
    case PC_WRAP_GZIP:
    case PC_WRAP_ZLIB:
        return push_zlib(f, p, n > UINT32_MAX ? UINT32_MAX : n, ended);
    case PC_WRAP_XZ:
    case PC_WRAP_LZIP:
        return push_lzma(f, p, n, ended);
    case PC_WRAP_ZSTD:
        return push_zstd(f, p, n, ended);
    case PC_WRAP_BZIP2:
        return push_bzip2(f, p, n, ended);
    case PC_WRAP_LZ4:
        return push_lz4(f, p, n, ended);
    default:
        *ended = 1;
        return 0;
    }
}

uint64_t pc_sfind_out(const pc_sfind *f)
{
    return f->out;
}
