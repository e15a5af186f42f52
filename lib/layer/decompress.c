/*
 * decompress.c — raw layer bytes → (size check, SHA-256) → sniff → inflate
 * → (SHA-256: the diff id) → tar.
 *
 * One input buffer and the codec state are all the memory a layer needs,
 * whatever its size. The codec is chosen by the blob's first bytes, as
 * containerd's compression.DecompressStream chooses it (gzip 1f 8b 08,
 * zstd 28 b5 2f fd or a skippable frame 5? 2a 4d 18, else raw), except
 * for RAW layers, which containerd never decompresses; bytes that Docker
 * would decode otherwise are refused (see decompress.h). Gzip streams may
 * hold several members (as gzip(1) writes when files are concatenated);
 * anything after the last member that is not another gzip member is an
 * error, as in the container runtimes.
 *
 * Gzip goes through ISA-L's igzip when the build found it (several times
 * faster than zlib on x86_64), else through zlib; PORTCULLIS_INFLATE=zlib
 * forces zlib, which is how the tests prove both give the same facts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#ifdef PC_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include "layer/decompress.h"
#include "pcx/sha256.h"

#define PC_IN_BUF 65536
#define PC_SNIFF_BYTES 10 /* what DecompressStream peeks at */

typedef enum { MAG_NONE, MAG_GZIP, MAG_ZSTD, MAG_ZSTD_SKIP, MAG_BZIP2, MAG_XZ } pc_magic;

struct pc_unpack {
    pc_stream *raw;
    pc_decode_class cls;
    const char *media_type;
    pc_compression comp; /* chosen by the first bytes */
    int started;         /* 1 codec chosen, -1 refused or failed */
    int64_t expect;
    uint64_t max_out, raw_bytes, out_bytes;
    pc_sha256 *raw_hash, *out_hash;
    int out_by_caller; /* the reader hashes the output (pc_unpack_hash_out) */
    unsigned char in[PC_IN_BUF];
    size_t in_pos, in_len;
    int raw_eof, frame_done, done;
    int raw_final; /* raw_hash finalised */
    z_stream z;
    int z_init;
    ZSTD_DStream *zs;
#ifdef PC_HAVE_ISAL
    struct inflate_state *isal; /* NULL: zlib does the gzip */
#endif
    int zs_mid; /* inside a zstd frame */
};

pc_unpack *pc_unpack_new(pc_stream *raw, pc_decode_class cls, const char *media_type,
                         int64_t expect_size, uint64_t max_out)
{
    pc_unpack *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->raw = raw;
    u->cls = cls;
    u->media_type = media_type;
    u->expect = expect_size;
    u->max_out = max_out;
    u->raw_hash = pc_sha256_new();
    u->out_hash = pc_sha256_new();
    if (!u->raw_hash || !u->out_hash) {
        u->raw = NULL;
        pc_unpack_free(u);
        return NULL;
    }
    return u;
}

static int init_codec(pc_unpack *u, pc_err *e)
{
    if (u->comp == PC_COMP_GZIP) {
#ifdef PC_HAVE_ISAL
        const char *force = getenv("PORTCULLIS_INFLATE");
        if (!force || strcmp(force, "zlib") != 0) {
            if (!(u->isal = malloc(sizeof *u->isal)))
                return pc_err_set(e, "out of memory");
            isal_inflate_init(u->isal);
            u->isal->crc_flag = ISAL_GZIP;
            return 0;
        }
#endif
        if (inflateInit2(&u->z, 15 + 16) != Z_OK)
            return pc_err_set(e, "out of memory");
        u->z_init = 1;
    } else if (u->comp == PC_COMP_ZSTD) {
        u->zs = ZSTD_createDStream();
        if (!u->zs || ZSTD_isError(ZSTD_initDStream(u->zs)))
            return pc_err_set(e, "out of memory");
        /* a frame may not ask for a window above 128 MiB: bounded memory */
        ZSTD_DCtx_setParameter(u->zs, ZSTD_d_windowLogMax, 27);
    }
    return 0;
}

/* Count and hash n raw bytes that just arrived. */
static int took_raw(pc_unpack *u, const unsigned char *p, size_t n, pc_err *e)
{
    u->raw_bytes += (uint64_t)n;
    if (u->expect >= 0 && u->raw_bytes > (uint64_t)u->expect)
        return pc_err_set(e, "blob is larger than the %lld bytes its descriptor declares",
                          (long long)u->expect);
    pc_sha256_update(u->raw_hash, p, n);
    return 0;
}

/* Make at least `need` unread bytes available, unless the blob ends first. */
static int fill_at_least(pc_unpack *u, size_t need, pc_err *e)
{
    while (u->in_len - u->in_pos < need && !u->raw_eof) {
        if (u->in_pos) {
            memmove(u->in, u->in + u->in_pos, u->in_len - u->in_pos);
            u->in_len -= u->in_pos;
            u->in_pos = 0;
        }
        ssize_t r = u->raw->read(u->raw, u->in + u->in_len, sizeof u->in - u->in_len, e);
        if (r < 0)
            return -1;
        if (r == 0) {
            u->raw_eof = 1;
            break;
        }
        if (took_raw(u, u->in + u->in_len, (size_t)r, e) < 0)
            return -1;
        u->in_len += (size_t)r;
    }
    return 0;
}

/* containerd's DetectCompression (gzip, zstd incl. skippable frames, the
 * latter only when 8 bytes are there) plus what Docker's daemon also
 * detects (bzip2, xz). */
static pc_magic detect(const unsigned char *b, size_t n)
{
    static const unsigned char xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
    if (n >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 0x08)
        return MAG_GZIP;
    if (n >= 4 && memcmp(b, "\x28\xb5\x2f\xfd", 4) == 0)
        return MAG_ZSTD;
    if (n >= 8 && (pc_le32(b) & 0xfffffff0u) == 0x184d2a50u)
        return MAG_ZSTD_SKIP;
    if (n >= 3 && memcmp(b, "BZh", 3) == 0)
        return MAG_BZIP2;
    if (n >= 6 && memcmp(b, xz_magic, 6) == 0)
        return MAG_XZ;
    return MAG_NONE;
}

static const char *magic_name(pc_magic m)
{
    switch (m) {
    case MAG_GZIP:
        return "gzip-compressed";
    case MAG_ZSTD:
        return "zstd-compressed";
    case MAG_ZSTD_SKIP:
        return "zstd data (a skippable frame)";
    case MAG_BZIP2:
        return "bzip2-compressed";
    case MAG_XZ:
        return "xz-compressed";
    default:
        return "uncompressed";
    }
}

static int refuse(pc_unpack *u, pc_magic m, pc_err *e)
{
    static const size_t len[] = {0, 3, 4, 4, 3, 6};
    char shown[100], magic[32] = "";
    const char *mt = u->media_type ? u->media_type : "(none)";
    size_t i = 0;
    for (; mt[i] && i + 1 < sizeof shown; i++)
        shown[i] = (unsigned char)mt[i] < 0x20 || mt[i] == 0x7f ? '?' : mt[i];
    shown[i] = 0;
    for (i = 0; i < len[m]; i++)
        snprintf(magic + 3 * i, sizeof magic - 3 * i, "%02x ", u->in[u->in_pos + i]);
    if (i)
        magic[3 * i - 1] = 0;
    if (m == MAG_BZIP2 || m == MAG_XZ)
        return pc_err_set(e,
                          "declared media type %s, but the blob is %s (starts %s): Docker "
                          "decompresses it, containerd does not; runtimes disagree on this "
                          "layer, refused",
                          shown, magic_name(m), magic);
    return pc_err_set(e,
                      "declared media type %s (an uncompressed tar), but the blob is %s (starts "
                      "%s): containerd reads it as a tar, Docker decompresses it; runtimes "
                      "disagree on this layer, refused",
                      shown, magic_name(m), magic);
}

int pc_unpack_start(pc_unpack *u, pc_err *e)
{
    if (u->started)
        return u->started > 0 ? 0 : pc_err_set(e, "layer stream: read after a failure");
    u->started = -1;
    if (fill_at_least(u, PC_SNIFF_BYTES, e) < 0)
        return -1;
    pc_magic m = detect(u->in + u->in_pos, u->in_len - u->in_pos);
    if (m == MAG_BZIP2 || m == MAG_XZ || (u->cls == PC_DECODE_RAW && m != MAG_NONE))
        return refuse(u, m, e);
    u->comp = m == MAG_GZIP ? PC_COMP_GZIP : m == MAG_NONE ? PC_COMP_NONE : PC_COMP_ZSTD;
    if (init_codec(u, e) < 0)
        return -1;
    u->started = 1;
    return 0;
}

pc_compression pc_unpack_codec(const pc_unpack *u)
{
    return u->comp;
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
    return took_raw(u, u->in, (size_t)r, e);
}

static int account(pc_unpack *u, const void *buf, size_t n, pc_err *e)
{
    u->out_bytes += n;
    if (u->out_bytes > u->max_out)
        return pc_err_set(e,
                          "uncompressed size exceeds the limit of %llu bytes "
                          "(limits.max_layer_bytes; decompression bomb?)",
                          (unsigned long long)u->max_out);
    if (!u->out_by_caller)
        pc_sha256_update(u->out_hash, buf, n);
    return 0;
}

void pc_unpack_out_hash_by_caller(pc_unpack *u, int on)
{
    u->out_by_caller = on;
}

void pc_unpack_hash_out(pc_unpack *u, const void *buf, size_t n)
{
    pc_sha256_update(u->out_hash, buf, n);
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
    if (u->started <= 0 && pc_unpack_start(u, e) < 0)
        return -1;
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
    /* containerd drains the decompressed stream after the tar reader
     * stops (apply.go: "Read any trailing data") and hashes all of it */
    while ((r = pc_unpack_read(u, sink, sizeof sink, e)) > 0)
        ;
    if (r < 0)
        return -1;
    /* every codec reads to the end of the blob; bytes it left are garbage */
    while (!u->raw_eof) {
        if (u->in_pos < u->in_len)
            return pc_err_set(e, "trailing data after the compressed stream");
        if (fill(u, e) < 0)
            return -1;
    }
    if (u->expect >= 0 && u->raw_bytes != (uint64_t)u->expect)
        return pc_err_set(e, "blob has %llu bytes, its descriptor declares %lld",
                          (unsigned long long)u->raw_bytes, (long long)u->expect);
    u->raw_final = 1;
    pc_sha256_final(u->raw_hash, raw_digest);
    pc_sha256_final(u->out_hash, out_digest);
    return 0;
}

int pc_unpack_raw_digest(pc_unpack *u, char raw_digest[72], pc_err *e)
{
    if (u->raw_final)
        return pc_err_set(e, "the blob's digest was already taken");
    u->in_pos = u->in_len;
    while (!u->raw_eof) {
        if (fill(u, e) < 0)
            return -1;
        u->in_pos = u->in_len;
    }
    if (u->expect >= 0 && u->raw_bytes != (uint64_t)u->expect)
        return pc_err_set(e, "the blob's size is not the declared one");
    u->raw_final = 1;
    pc_sha256_final(u->raw_hash, raw_digest);
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
