/*
 * decompress.c — raw layer bytes → (size check, SHA-256) → inflate → tar.
 *
 * One input buffer and the codec state are all the memory a layer needs,
 * whatever its size. Gzip streams may hold several members (as gzip(1)
 * writes when files are concatenated); anything after the last member that
 * is not another gzip member is an error, as in the container runtimes.
 *
 * Gzip goes through ISA-L's igzip when the build found it (several times
 * faster than zlib on x86_64), else through zlib; PORTCULLIS_INFLATE=zlib
 * forces zlib, which is how the tests prove both give the same facts.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#ifdef PC_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include "decompress.h"
#include "sha256.h"

#define PC_IN_BUF 65536

struct pc_unpack {
    pc_stream *raw;
    pc_compression comp;
    int64_t expect;
    uint64_t max_out, raw_bytes, out_bytes;
    pc_sha256 *raw_hash, *out_hash;
    unsigned char in[PC_IN_BUF];
    size_t in_pos, in_len;
    int raw_eof, frame_done, done;
    z_stream z;
    int z_init;
    ZSTD_DStream *zs;
#ifdef PC_HAVE_ISAL
    struct inflate_state *isal; /* NULL: zlib does the gzip */
#endif
    int zs_mid; /* inside a zstd frame */
};

pc_unpack *pc_unpack_new(pc_stream *raw, pc_compression comp, int64_t expect_size, uint64_t max_out,
                         int hash_out)
{
    pc_unpack *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->raw = raw;
    u->comp = comp;
    u->expect = expect_size;
    u->max_out = max_out;
    u->raw_hash = pc_sha256_new();
    u->out_hash = hash_out ? pc_sha256_new() : NULL;
    if (!u->raw_hash || (hash_out && !u->out_hash))
        goto fail;
    if (comp == PC_COMP_GZIP) {
#ifdef PC_HAVE_ISAL
        const char *force = getenv("PORTCULLIS_INFLATE");
        if (!force || strcmp(force, "zlib") != 0) {
            if (!(u->isal = malloc(sizeof *u->isal)))
                goto fail;
            isal_inflate_init(u->isal);
            u->isal->crc_flag = ISAL_GZIP;
            return u;
        }
#endif
        if (inflateInit2(&u->z, 15 + 16) != Z_OK)
            goto fail;
        u->z_init = 1;
    } else if (comp == PC_COMP_ZSTD) {
        u->zs = ZSTD_createDStream();
        if (!u->zs || ZSTD_isError(ZSTD_initDStream(u->zs)))
            goto fail;
        /* a frame may not ask for a window above 128 MiB: bounded memory */
        ZSTD_DCtx_setParameter(u->zs, ZSTD_d_windowLogMax, 27);
    }
    return u;
fail:
    u->raw = NULL;
    pc_unpack_free(u);
    return NULL;
}

/* Refill the input buffer from the raw stream; hash and count. */
static int fill(pc_unpack *u, pc_err *e)
{
    if (u->in_pos < u->in_len || u->raw_eof)
        return 0;
    ssize_t r = u->raw->read(u->raw, u->in, sizeof u->in, e);
    if (r < 0)
        return -1;
    u->in_pos = 0;
    u->in_len = (size_t)r;
    if (r == 0) {
        u->raw_eof = 1;
        return 0;
    }
    u->raw_bytes += (uint64_t)r;
    if (u->expect >= 0 && u->raw_bytes > (uint64_t)u->expect)
        return pc_err_set(e, "blob is larger than the %lld bytes its descriptor declares",
                          (long long)u->expect);
    pc_sha256_update(u->raw_hash, u->in, (size_t)r);
    return 0;
}

static int account(pc_unpack *u, const void *buf, size_t n, pc_err *e)
{
    u->out_bytes += n;
    if (u->out_bytes > u->max_out)
        return pc_err_set(e,
                          "uncompressed size exceeds the limit of %llu bytes "
                          "(limits.max_layer_bytes; decompression bomb?)",
                          (unsigned long long)u->max_out);
    if (u->out_hash)
        pc_sha256_update(u->out_hash, buf, n);
    return 0;
}

static ssize_t read_plain(pc_unpack *u, unsigned char *buf, size_t n, pc_err *e)
{
    if (fill(u, e) < 0)
        return -1;
    size_t k = u->in_len - u->in_pos;
    if (k > n)
        k = n;
    memcpy(buf, u->in + u->in_pos, k);
    u->in_pos += k;
    return (ssize_t)k;
}

/* After a gzip member ends: another member (the inflater is reset for
 * it), or the end of the blob; anything else is garbage. */
static int gzip_next_member(pc_unpack *u, pc_err *e)
{
    if (fill(u, e) < 0)
        return -1;
    if (u->in_pos == u->in_len) {
        u->frame_done = 1;
        return 0;
    }
    if (u->in[u->in_pos] != 0x1f)
        return pc_err_set(e, "gzip: trailing garbage after the compressed stream");
#ifdef PC_HAVE_ISAL
    if (u->isal) {
        isal_inflate_reset(u->isal);
        u->isal->crc_flag = ISAL_GZIP;
        return 0;
    }
#endif
    inflateReset(&u->z);
    return 0;
}

static ssize_t read_gzip(pc_unpack *u, unsigned char *buf, size_t n, pc_err *e)
{
    while (!u->frame_done) {
        if (fill(u, e) < 0)
            return -1;
        if (u->in_pos == u->in_len && u->raw_eof)
            return pc_err_set(e, "gzip: unexpected end of data (truncated layer)");
        u->z.next_in = u->in + u->in_pos;
        u->z.avail_in = (uInt)(u->in_len - u->in_pos);
        u->z.next_out = buf;
        u->z.avail_out = (uInt)(n > (1u << 30) ? (1u << 30) : n);
        uInt before = u->z.avail_out;
        int zr = inflate(&u->z, Z_NO_FLUSH);
        u->in_pos = u->in_len - u->z.avail_in;
        size_t got = before - u->z.avail_out;
        if (zr == Z_STREAM_END) {
            if (gzip_next_member(u, e) < 0)
                return -1;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            return pc_err_set(e, "gzip: %s", u->z.msg ? u->z.msg : "corrupt data");
        }
        if (got)
            return (ssize_t)got;
    }
    return 0;
}

#ifdef PC_HAVE_ISAL
static ssize_t read_isal(pc_unpack *u, unsigned char *buf, size_t n, pc_err *e)
{
    struct inflate_state *st = u->isal;
    while (!u->frame_done) {
        if (fill(u, e) < 0)
            return -1;
        if (u->in_pos == u->in_len && u->raw_eof)
            return pc_err_set(e, "gzip: unexpected end of data (truncated layer)");
        st->next_in = u->in + u->in_pos;
        st->avail_in = (uint32_t)(u->in_len - u->in_pos);
        st->next_out = buf;
        st->avail_out = (uint32_t)(n > (1u << 30) ? (1u << 30) : n);
        uint32_t before = st->avail_out;
        int r = isal_inflate(st);
        u->in_pos = u->in_len - st->avail_in;
        size_t got = before - st->avail_out;
        if (r < 0)
            return pc_err_set(e, "gzip: corrupt data (%s)",
                              r == ISAL_INCORRECT_CHECKSUM ? "checksum mismatch"
                              : r == ISAL_INVALID_WRAPPER  ? "bad gzip header"
                                                           : "invalid deflate stream");
        if (st->block_state == ISAL_BLOCK_FINISH && gzip_next_member(u, e) < 0)
            return -1;
        if (got)
            return (ssize_t)got;
    }
    return 0;
}
#endif

static ssize_t read_zstd(pc_unpack *u, unsigned char *buf, size_t n, pc_err *e)
{
    while (!u->frame_done) {
        if (fill(u, e) < 0)
            return -1;
        if (u->in_pos == u->in_len && u->raw_eof) {
            if (u->zs_mid)
                return pc_err_set(e, "zstd: unexpected end of data (truncated layer)");
            u->frame_done = 1;
            break;
        }
        ZSTD_inBuffer in = {u->in, u->in_len, u->in_pos};
        ZSTD_outBuffer out = {buf, n, 0};
        size_t zr = ZSTD_decompressStream(u->zs, &out, &in);
        u->in_pos = in.pos;
        if (ZSTD_isError(zr))
            return pc_err_set(e, "zstd: %s", ZSTD_getErrorName(zr));
        u->zs_mid = zr != 0;
        if (out.pos)
            return (ssize_t)out.pos;
    }
    return 0;
}

ssize_t pc_unpack_read(pc_unpack *u, void *buf, size_t n, pc_err *e)
{
    ssize_t r;
    if (u->done || n == 0)
        return 0;
    switch (u->comp) {
    case PC_COMP_GZIP:
#ifdef PC_HAVE_ISAL
        if (u->isal) {
            r = read_isal(u, buf, n, e);
            break;
        }
#endif
        r = read_gzip(u, buf, n, e);
        break;
    case PC_COMP_ZSTD:
        r = read_zstd(u, buf, n, e);
        break;
    default:
        r = read_plain(u, buf, n, e);
        break;
    }
    if (r > 0 && account(u, buf, (size_t)r, e) < 0)
        return -1;
    if (r == 0)
        u->done = 1;
    return r;
}

int pc_unpack_finish(pc_unpack *u, char raw_digest[72], char out_digest[72], pc_err *e)
{
    unsigned char sink[16384];
    ssize_t r;
    while ((r = pc_unpack_read(u, sink, sizeof sink, e)) > 0)
        ;
    if (r < 0)
        return -1;
    /* plain streams end with the raw stream; compressed ones may not */
    while (!u->raw_eof) {
        u->in_pos = u->in_len;
        if (fill(u, e) < 0)
            return -1;
        if (u->in_len > u->in_pos && u->comp != PC_COMP_NONE)
            return pc_err_set(e, "trailing data after the compressed stream");
    }
    if (u->expect >= 0 && u->raw_bytes != (uint64_t)u->expect)
        return pc_err_set(e, "blob has %llu bytes, its descriptor declares %lld",
                          (unsigned long long)u->raw_bytes, (long long)u->expect);
    pc_sha256_final(u->raw_hash, raw_digest);
    if (u->out_hash && out_digest)
        pc_sha256_final(u->out_hash, out_digest);
    return 0;
}

uint64_t pc_unpack_out_bytes(const pc_unpack *u)
{
    return u->out_bytes;
}

void pc_unpack_free(pc_unpack *u)
{
    if (!u)
        return;
    if (u->raw)
        u->raw->close(u->raw);
    if (u->z_init)
        inflateEnd(&u->z);
    ZSTD_freeDStream(u->zs);
#ifdef PC_HAVE_ISAL
    free(u->isal);
#endif
    pc_sha256_free(u->raw_hash);
    pc_sha256_free(u->out_hash);
    free(u);
}
