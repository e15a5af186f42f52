/* upx.c — unpack a program packed by UPX (upx.h). */
#include "yara/upx.h"

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "layer/elfhead.h"

#define UPX_HDR_MAX (4u << 20) /* the first block: an ELF header and its program headers */
#define UPX_SEARCH 4096u       /* the pack header, when not right after the program headers */
#define UPX_LOADS 256          /* PT_LOAD segments of the packed program, at most */

static uint64_t rd(const unsigned char *p, int len, int be)
{
    return pc_uint_at(p, (size_t)len, be);
}

/* ---- NRV2B, NRV2D, NRV2E: LZ77 with a bit stream of 8, 16 or 32-bit
 * words, read from their top bit down ---- */

typedef struct bits {
    const unsigned char *s;
    size_t n, i;
    uint32_t bb;
    int bc, width; /* bits left in bb; the word's width */
    int err;       /* read past the end */
} bits;

static unsigned getbit(bits *b)
{
    if (b->bc == 0) {
        size_t w = (size_t)b->width / 8;
        if (b->n - b->i < w) {
            b->err = 1;
            return 1; /* (ends the loops that wait for a 1) */
        }
        b->bb = (uint32_t)rd(b->s + b->i, (int)w, 0);
        b->i += w;
        b->bc = b->width;
    }
    return (b->bb >> --b->bc) & 1;
}

static int getbyte(bits *b, uint32_t *v)
{
    if (b->i >= b->n)
        return b->err = 1, -1;
    *v = b->s[b->i++];
    return 0;
}

/* m_len grown bit by bit: a length longer than the output is damage */
static int gamma_len(bits *b, uint32_t *len, size_t dlen)
{
    do {
        *len = *len * 2 + getbit(b);
        if (b->err || *len > dlen)
            return -1;
    } while (!getbit(b));
    return b->err ? -1 : 0;
}

/* Decode src into exactly dlen bytes of dst; variant 'b', 'd' or 'e'.
 * 0, or -1 when the stream is damaged, ends early or gives another size. */
static int nrv(int variant, int width, const unsigned char *src, size_t slen, unsigned char *dst,
               size_t dlen)
{
    bits b = {.s = src, .n = slen, .width = width};
    size_t olen = 0;
    uint32_t last_off = 1;
    for (;;) {
        while (getbit(&b)) {
            uint32_t c;
            if (b.err || olen >= dlen || getbyte(&b, &c) < 0)
                return -1;
            dst[olen++] = (unsigned char)c;
        }
        if (b.err)
            return -1;
        uint32_t off = 1, len = 0, c;
        if (variant == 'b') {
            do {
                off = off * 2 + getbit(&b);
                if (b.err || off > 0x1000002u)
                    return -1;
            } while (!getbit(&b));
        } else {
            for (;;) {
                off = off * 2 + getbit(&b);
                if (b.err || off > 0x1000002u)
                    return -1;
                if (getbit(&b))
                    break;
                off = (off - 1) * 2 + getbit(&b);
                if (b.err || off > 0x1000002u)
                    return -1;
            }
        }
        if (b.err)
            return -1;
        if (off == 2) {
            off = last_off;
            if (variant != 'b')
                len = getbit(&b);
        } else {
            if (getbyte(&b, &c) < 0)
                return -1;
            off = (off - 3) * 256 + c;
            if (off == 0xffffffffu)
                break; /* the end */
            if (variant != 'b') {
                len = (off ^ 0xffffffffu) & 1;
                off >>= 1;
            }
            last_off = ++off;
        }
        if (variant == 'e') {
            if (len) {
                len = 1 + getbit(&b);
            } else if (getbit(&b)) {
                len = 3 + getbit(&b);
            } else {
                len = 1;
                if (gamma_len(&b, &len, dlen) < 0)
                    return -1;
                len += 3;
            }
        } else {
            if (variant == 'b')
                len = getbit(&b);
            len = len * 2 + getbit(&b);
            if (len == 0) {
                len = 1;
                if (gamma_len(&b, &len, dlen) < 0)
                    return -1;
                len += 2;
            }
        }
        if (b.err)
            return -1;
        len += off > (variant == 'b' ? 0xd00u : 0x500u);
        /* len + 1 bytes from off back */
        if (off > olen || len >= dlen - olen)
            return -1;
        for (uint32_t k = 0; k <= len; k++, olen++)
            dst[olen] = dst[olen - off];
    }
    return olen == dlen ? 0 : -1;
}

/* UPX's LZMA block: two bytes of its own (lc + lp and pb; lp and lc),
 * then raw LZMA1 data with no end marker. */
static int unlzma(const unsigned char *src, size_t slen, unsigned char *dst, size_t dlen)
{
    if (slen < 3)
        return -1;
    lzma_options_lzma o;
    memset(&o, 0, sizeof o);
    o.pb = src[0] & 7;
    o.lp = src[1] >> 4;
    o.lc = src[1] & 15;
    if ((unsigned)(src[0] >> 3) != o.lp + o.lc || o.pb > 4 || o.lp > 4 || o.lc > 8)
        return -1;
    o.dict_size = dlen < LZMA_DICT_SIZE_MIN ? LZMA_DICT_SIZE_MIN : (uint32_t)dlen;
    lzma_filter f[2] = {{.id = LZMA_FILTER_LZMA1, .options = &o},
                        {.id = LZMA_VLI_UNKNOWN, .options = NULL}};
    lzma_stream x = LZMA_STREAM_INIT;
    if (lzma_raw_decoder(&x, f) != LZMA_OK)
        return -1;
    x.next_in = src + 2;
    x.avail_in = slen - 2;
    x.next_out = dst;
    x.avail_out = dlen;
    lzma_ret r = LZMA_OK;
    while (r == LZMA_OK && x.avail_out > 0 && x.avail_in > 0)
        r = lzma_code(&x, LZMA_RUN);
    if (r == LZMA_OK && x.avail_out > 0) /* (input used up: what it holds back) */
        r = lzma_code(&x, LZMA_FINISH);
    size_t got = (size_t)x.total_out;
    lzma_end(&x);
    return (r == LZMA_OK || r == LZMA_STREAM_END) && got == dlen ? 0 : -1;
}

static int undeflate(const unsigned char *src, size_t slen, unsigned char *dst, size_t dlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return -1;
    int r = Z_OK;
    size_t got = 0;
    while (r == Z_OK && got < dlen) {
        size_t ci = slen - (size_t)z.total_in, co = dlen - got;
        z.next_in = (unsigned char *)(uintptr_t)(src + z.total_in);
        z.avail_in = ci > 1u << 30 ? 1u << 30 : (unsigned)ci;
        z.next_out = dst + got;
        z.avail_out = co > 1u << 30 ? 1u << 30 : (unsigned)co;
        r = inflate(&z, Z_NO_FLUSH);
        got = (size_t)z.total_out;
        if (r == Z_BUF_ERROR && z.avail_in == 0)
            break;
    }
    inflateEnd(&z);
    return got == dlen && (r == Z_OK || r == Z_STREAM_END) ? 0 : -1;
}

/* b_info's methods, by UPX's numbers: NRV2B, NRV2D and NRV2E each with a
 * 32-, 8- and 16-bit bit buffer (2-10), LZMA (14), deflate (15). */
#define M_LZMA 14
typedef struct upx_method {
    const char *name; /* NULL: a number not read */
    char nrv;         /* 'b', 'd', 'e'; 0: not NRV */
    unsigned char width;
} upx_method;

static const upx_method methods[] = {
    [2] = {"NRV2B", 'b', 32},  [3] = {"NRV2B", 'b', 8},  [4] = {"NRV2B", 'b', 16},
    [5] = {"NRV2D", 'd', 32},  [6] = {"NRV2D", 'd', 8},  [7] = {"NRV2D", 'd', 16},
    [8] = {"NRV2E", 'e', 32},  [9] = {"NRV2E", 'e', 8},  [10] = {"NRV2E", 'e', 16},
    [M_LZMA] = {"LZMA", 0, 0}, [15] = {"deflate", 0, 0},
};

static const char *method_name(int m)
{
    return m >= 0 && (size_t)m < sizeof methods / sizeof *methods ? methods[m].name : NULL;
}

/* One block: packed (or stored) bytes into exactly dlen of dst. */
static int unpack_block(int id, const unsigned char *src, size_t slen, unsigned char *dst,
                        size_t dlen)
{
    if (slen == dlen) { /* stored: packing gained nothing */
        memcpy(dst, src, dlen);
        return 0;
    }
    if (slen > dlen)
        return -1;
    if (!method_name(id))
        return -1;
    const upx_method *m = &methods[id];
    if (m->nrv)
        return nrv(m->nrv, m->width, src, slen, dst, dlen);
    return id == M_LZMA ? unlzma(src, slen, dst, dlen) : undeflate(src, slen, dst, dlen);
}

/* ---- filters: x86 call and jump targets made absolute before packing ---- */

/* 0x46 (E8 and E9) and 0x49 (also 0F 80-8F): each such opcode's 32-bit
 * operand was turned into the target's offset from the block's start,
 * big-endian, its top byte cto (a marker no chance bytes share).
 * Undone here: an operand marked so is made relative again. */
static void unfilter_x86(unsigned char *p, size_t n, unsigned cto, int jcc)
{
    if (n < 5)
        return;
    for (size_t i = 0; i + 5 <= n; i++) {
        int op = p[i] == 0xe8 || p[i] == 0xe9 ||
                 (jcc && i > 0 && p[i - 1] == 0x0f && (p[i] & 0xf0) == 0x80);
        if (!op || p[i + 1] != cto)
            continue;
        uint32_t abs = ((uint32_t)p[i + 2] << 16) | ((uint32_t)p[i + 3] << 8) | p[i + 4];
        uint32_t rel = abs - (uint32_t)(i + 1);
        p[i + 1] = (unsigned char)rel;
        p[i + 2] = (unsigned char)(rel >> 8);
        p[i + 3] = (unsigned char)(rel >> 16);
        p[i + 4] = (unsigned char)(rel >> 24);
        i += 4;
    }
}

static void unfilter(int ftid, unsigned cto, unsigned char *p, size_t n)
{
    if (ftid == 0x46 || ftid == 0x49)
        unfilter_x86(p, n, cto, ftid == 0x49);
}

/* ---- the packed file ---- */

typedef struct blk {
    uint32_t su, sc;
    int method, ftid;
    unsigned cto;
    const unsigned char *data;
} blk;

/* The b_info at p[at..n), in the file's byte order: 1 with *b, 0 at the
 * end (a size unpacked of 0), -1 when it does not fit the file. */
static int next_block(const unsigned char *p, size_t n, size_t at, int be, blk *b)
{
    if (at > n || n - at < 12)
        return -1;
    b->su = (uint32_t)rd(p + at, 4, be);
    b->sc = (uint32_t)rd(p + at + 4, 4, be);
    b->method = p[at + 8];
    b->ftid = p[at + 9];
    b->cto = p[at + 10];
    if (b->su == 0)
        return 0;
    if (b->sc == 0 || b->sc > b->su || n - at - 12 < b->sc)
        return -1;
    b->data = p + at + 12;
    return 1;
}

typedef struct seg {
    uint64_t off, len; /* a PT_LOAD's file bytes still to come from blocks */
} seg;

/* The program's ELF header (hdr[0..hl)): its PT_LOAD segments' file
 * ranges, in order, less the first hl bytes (given by the first block),
 * and the end of the last; -1 when the header is not an ELF one whose
 * program headers lie in it. */
static int loads(const unsigned char *h, size_t hl, seg *v, size_t *nv, uint64_t *end)
{
    int be = 0, c64 = 0;
    if (hl < 52 || memcmp(h,
                          "\x7f"
                          "ELF",
                          4) != 0)
        return -1;
    if (!pc_elf_exec_reading(h, hl, &be, &c64)) {
        if ((h[4] != 1 && h[4] != 2) || (h[5] != 1 && h[5] != 2))
            return -1;
        c64 = h[4] == 2;
        be = h[5] == 2;
    }
    if (c64 && hl < 64)
        return -1;
    uint64_t phoff = c64 ? rd(h + 32, 8, be) : rd(h + 28, 4, be);
    uint64_t ent = rd(h + (c64 ? 54 : 42), 2, be), num = rd(h + (c64 ? 56 : 44), 2, be);
    if (ent < (c64 ? 56u : 32u) || phoff > hl || num * ent > hl - phoff)
        return -1;
    *nv = 0;
    *end = hl;
    for (uint64_t i = 0; i < num; i++) {
        const unsigned char *ph = h + phoff + i * ent;
        if (rd(ph, 4, be) != 1) /* PT_LOAD */
            continue;
        uint64_t off = c64 ? rd(ph + 8, 8, be) : rd(ph + 4, 4, be);
        uint64_t fsz = c64 ? rd(ph + 32, 8, be) : rd(ph + 16, 4, be);
        if (fsz == 0)
            continue;
        if (off > UINT64_MAX - fsz || *nv >= UPX_LOADS)
            return -1;
        uint64_t e = off + fsz;
        if (e <= hl)
            continue; /* (all in the headers' block) */
        if (off < hl)
            off = hl;
        v[(*nv)++] = (seg){off, e - off};
        if (e > *end)
            *end = e;
    }
    return 0;
}

/* 1 when the first block after the pack header at p[at..) unpacks to an
 * ELF header with its program headers. */
static int first_block_elf(const unsigned char *p, size_t n, size_t at, int be)
{
    blk b;
    if (next_block(p, n, at + 24, be, &b) != 1 || b.su > UPX_HDR_MAX || !method_name(b.method))
        return 0;
    unsigned char *hdr = malloc(b.su);
    seg *v = malloc(UPX_LOADS * sizeof *v);
    size_t nv = 0;
    uint64_t end = 0;
    int ok = hdr && v && unpack_block(b.method, b.data, b.sc, hdr, b.su) == 0 &&
             loads(hdr, b.su, v, &nv, &end) == 0;
    free(hdr);
    free(v);
    return ok;
}

/* Where the pack header is, 0 when nowhere: right after the program
 * headers, where UPX writes it, when it has the magic or its first block
 * unpacks to an ELF header; else (another layout) where the magic is in
 * the first UPX_SEARCH bytes with such a first block after it. */
static size_t pack_header(const unsigned char *p, size_t n, int *be)
{
    int c64 = 0;
    if (n < 52 ||
        memcmp(p,
               "\x7f"
               "ELF",
               4) != 0 ||
        !pc_elf_exec_reading(p, n, be, &c64) || (c64 && n < 64))
        return 0;
    uint64_t phoff = c64 ? rd(p + 32, 8, *be) : rd(p + 28, 4, *be);
    uint64_t ent = rd(p + (c64 ? 54 : 42), 2, *be), num = rd(p + (c64 ? 56 : 44), 2, *be);
    if (phoff < n && num * ent < n - phoff) {
        size_t at = (size_t)(phoff + num * ent);
        if (n - at >= 36 && (memcmp(p + at + 4, "UPX!", 4) == 0 || first_block_elf(p, n, at, *be)))
            return at;
    }
    size_t lim = n < UPX_SEARCH ? n : UPX_SEARCH;
    for (const unsigned char *m = p + 4; (m = memmem(m, (size_t)(p + lim - m), "UPX!", 4)); m++)
        if (n - (size_t)(m - 4 - p) >= 36 && first_block_elf(p, n, (size_t)(m - 4 - p), *be))
            return (size_t)(m - 4 - p);
    return 0;
}

int pc_upx_sniff(const unsigned char *p, size_t n)
{
    int be = 0;
    return pack_header(p, n, &be) != 0;
}

int pc_upx_unpack(const unsigned char *p, size_t n, uint64_t max, unsigned char **out,
                  size_t *outlen, pc_err *e)
{
    int be = 0;
    *out = NULL;
    *outlen = 0;
    if (n < 4 || memcmp(p,
                        "\x7f"
                        "ELF",
                        4) != 0)
        return 0;
    size_t at = pack_header(p, n, &be);
    if (at == 0)
        return 0;
    size_t pos = at + 24; /* (l_info, p_info) */
    blk b;
    /* the first block: the program's headers */
    if (next_block(p, n, pos, be, &b) != 1 || b.su > UPX_HDR_MAX || !method_name(b.method))
        return pc_err_set(e, "a program packed by UPX (its pack header after the program "
                             "headers) whose first block is damaged or packed with a method "
                             "portcullis does not read");
    unsigned char *hdr = malloc(b.su);
    seg *v = malloc(UPX_LOADS * sizeof *v);
    size_t nv = 0, hl = b.su;
    uint64_t end = 0;
    if (!hdr || !v) {
        free(hdr);
        free(v);
        return pc_err_set(e, "out of memory unpacking a program packed by UPX");
    }
    if (unpack_block(b.method, b.data, b.sc, hdr, b.su) < 0 || loads(hdr, hl, v, &nv, &end) < 0) {
        free(hdr);
        free(v);
        return pc_err_set(e,
                          "a program packed by UPX whose first block does not unpack to an "
                          "ELF header (%s, %u bytes)",
                          method_name(b.method), (unsigned)b.su);
    }
    char why[160] = "";
    unsigned char *o = NULL;
    if (end > max || end > SIZE_MAX) {
        snprintf(why, sizeof why, "unpacks to %llu bytes, more than portcullis reads (%llu)",
                 (unsigned long long)end, (unsigned long long)max);
        goto fail;
    }
    if (!(o = calloc(1, (size_t)end))) {
        snprintf(why, sizeof why, "out of memory");
        goto fail;
    }
    memcpy(o, hdr, hl);
    pos += 12 + b.sc;
    size_t k = 0;        /* the segment being filled */
    uint64_t filled = 0; /* of its bytes */
    int r;
    size_t olen = (size_t)end;
    while ((r = next_block(p, n, pos, be, &b)) == 1) {
        if (k == nv) {
            /* blocks after the segments (what UPX writes of the file's
             * other bytes, or a loader of someone else's own may unpack):
             * read after them, as far as they unpack */
            unsigned char *x = NULL;
            if (!method_name(b.method) || b.su > max - olen || !(x = realloc(o, olen + b.su)))
                break;
            o = x;
            if (unpack_block(b.method, b.data, b.sc, o + olen, b.su) < 0)
                break;
            unfilter(b.ftid, b.cto, o + olen, b.su);
            olen += b.su;
            pos += 12 + b.sc;
            continue;
        }
        if (!method_name(b.method)) {
            snprintf(why, sizeof why,
                     "a block packed with method %d, which portcullis does "
                     "not read",
                     b.method);
            goto fail;
        }
        if (b.su > v[k].len - filled) {
            snprintf(why, sizeof why,
                     "a block of %u bytes larger than what is left of its "
                     "segment",
                     (unsigned)b.su);
            goto fail;
        }
        unsigned char *d = o + v[k].off + filled;
        if (unpack_block(b.method, b.data, b.sc, d, b.su) < 0) {
            snprintf(why, sizeof why, "a %s block at byte %zu is damaged", method_name(b.method),
                     pos);
            goto fail;
        }
        unfilter(b.ftid, b.cto, d, b.su);
        filled += b.su;
        if (filled == v[k].len)
            k++, filled = 0;
        pos += 12 + b.sc;
    }
    if (k < nv) {
        snprintf(why, sizeof why, "%s before the end of its program's segments",
                 r < 0 ? "its blocks are damaged or cut short" : "its blocks end");
        goto fail;
    }
    free(hdr);
    free(v);
    *out = o;
    *outlen = olen;
    return 1;
fail:
    free(o);
    free(hdr);
    free(v);
    return pc_err_set(e, "a program packed by UPX that portcullis cannot unpack: %s", why);
}
