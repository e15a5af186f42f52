/*
 * test_upx.c — programs packed by UPX (lib/yara/upx.c), built here as UPX
 * lays them out: a loader's ELF header and program headers, the pack
 * header, then blocks (stored, NRV2B written by a small encoder here with
 * literals and matches, LZMA written by liblzma, one with the x86 call
 * filter) that unpack to a program with two PT_LOAD segments. Checked:
 * the program rebuilt at its offsets; the magic changed (still read, as
 * the loader never reads it); a first block that is no ELF header (no
 * program without the magic, an error with it); every truncation and
 * every one-byte change read without a crash or output past its bound;
 * the bound itself; ordinary programs left alone; and the member
 * "(unpacked by UPX)" an archive walk (nested.h) gives the scanner, or
 * the scan-error it fails with. Real UPX output is checked by
 * tests/integration/upx.sh.
 */
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pcx.h"
#include "testlib.h"
#include "yara/nested.h"
#include "yara/upx.h"

/* ---- an NRV2B (32-bit bit buffer) writer: literals and matches ---- */

typedef struct nw {
    unsigned char *o;
    size_t n;
    size_t slot; /* where the bit word being filled goes */
    uint32_t word;
    int used; /* bits of it used; 32: a new slot on the next bit */
} nw;

static void putbit(nw *w, unsigned bit)
{
    if (w->used == 32) {
        w->slot = w->n;
        w->n += 4;
        w->word = 0;
        w->used = 0;
    }
    w->word |= (uint32_t)(bit & 1) << (31 - w->used++);
    for (int i = 0; i < 4; i++)
        w->o[w->slot + (size_t)i] = (unsigned char)(w->word >> (8 * i));
}

static void putbyte(nw *w, unsigned char c)
{
    w->o[w->n++] = c;
}

/* v >= 2: its bits after the top one, each followed by 1 on the last */
static void gamma(nw *w, uint32_t v)
{
    int top = 31;
    while (!(v >> top))
        top--;
    for (int b = top - 1; b >= 0; b--) {
        putbit(w, (v >> b) & 1);
        putbit(w, b == 0);
    }
}

static void lit(nw *w, unsigned char c)
{
    putbit(w, 1);
    putbyte(w, c);
}

/* copy count bytes from dist back (dist <= 0xd00, count >= 2) */
static void match(nw *w, uint32_t dist, uint32_t count)
{
    putbit(w, 0);
    uint32_t d = dist - 1;
    gamma(w, (d >> 8) + 3);
    putbyte(w, (unsigned char)(d & 0xff));
    uint32_t len = count - 1;
    if (len <= 3) {
        putbit(w, len >> 1);
        putbit(w, len & 1);
    } else {
        putbit(w, 0);
        putbit(w, 0);
        gamma(w, len - 2);
    }
}

static void end(nw *w)
{
    putbit(w, 0);
    gamma(w, 0x1000002u);
    putbyte(w, 0xff);
}

/* src as NRV2B: literals, a run of a byte repeated as one match */
static size_t nrv2b(const unsigned char *src, size_t n, unsigned char *out)
{
    nw w = {.o = out, .used = 32};
    size_t i = 0;
    while (i < n) {
        size_t run = 1;
        while (i + run < n && src[i + run] == src[i] && run < 200)
            run++;
        lit(&w, src[i]);
        if (run >= 3) {
            match(&w, 1, (uint32_t)(run - 1));
            i += run;
        } else {
            i++;
        }
    }
    end(&w);
    return w.n;
}

static size_t lzma1(const unsigned char *src, size_t n, unsigned char *out, size_t cap)
{
    lzma_options_lzma o;
    lzma_lzma_preset(&o, 6);
    o.lc = 3;
    o.lp = 0;
    o.pb = 2;
    lzma_filter f[2] = {{.id = LZMA_FILTER_LZMA1, .options = &o}, {.id = LZMA_VLI_UNKNOWN}};
    size_t pos = 2;
    out[0] = (3 + 0) << 3 | 2;
    out[1] = 0 << 4 | 3;
    if (lzma_raw_buffer_encode(f, NULL, src, n, out, &pos, cap) != LZMA_OK)
        return 0;
    return pos;
}

/* ---- a packed program ---- */

static void le(unsigned char *p, uint64_t v, int len)
{
    for (int i = 0; i < len; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* an ELF64 header (x86-64, EXEC) with phnum program headers after it */
static void ehdr(unsigned char *h, unsigned phnum)
{
    memset(h, 0, 64);
    memcpy(h,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    le(h + 16, 2, 2);
    le(h + 18, 62, 2);
    le(h + 20, 1, 4);
    le(h + 32, 64, 8);
    le(h + 52, 64, 2);
    le(h + 54, 56, 2);
    le(h + 56, phnum, 2);
}

static void phdr(unsigned char *p, uint32_t type, uint64_t off, uint64_t filesz)
{
    memset(p, 0, 56);
    le(p, type, 4);
    le(p + 8, off, 8);
    le(p + 16, off, 8);
    le(p + 32, filesz, 8);
    le(p + 40, filesz, 8);
}

#define ORIG 0x1200u /* the program's size: LOAD [0, 0x300) and [0x1000, 0x1200) */
#define HL 176u      /* its ELF header and two program headers */

/* The program packed (the original in orig, ORIG bytes); *len its size.
 * method2: the second segment's block (LZMA, or NRV2B); filter: it is
 * filtered (0x49, cto 0x12: see test_filter). */
static unsigned char *packed(unsigned char *orig, int lzma, size_t *len)
{
    memset(orig, 0, ORIG);
    ehdr(orig, 2);
    phdr(orig + 64, 1, 0, 0x300);
    phdr(orig + 120, 1, 0x1000, 0x200);
    for (size_t i = HL; i < 0x300; i++)
        orig[i] = (unsigned char)('a' + i / 16 % 26); /* (runs: matches) */
    memset(orig + 0x200, 'Z', 64);                    /* (a run: a match) */
    memcpy(orig + 0x280, "NETCAT-PAYLOAD in the first segment", 35);
    memcpy(orig + 0x1000, "the second segment says NETCAT-TWO", 34);
    unsigned char *p = calloc(1, 1 << 16);
    size_t n = 0;
    ehdr(p, 2);
    phdr(p + 64, 1, 0, 0x4000);
    phdr(p + 120, 1, 0, 0);
    n = HL;
    le(p + n, 0x11223344, 4); /* l_info */
    memcpy(p + n + 4, "UPX!", 4);
    le(p + n + 8, 0x900, 2);
    p[n + 10] = 13;
    p[n + 11] = 22;
    n += 12;
    le(p + n + 4, ORIG, 4); /* p_info */
    le(p + n + 8, ORIG, 4);
    n += 12;
    /* the headers, stored */
    le(p + n, HL, 4);
    le(p + n + 4, HL, 4);
    p[n + 8] = 2;
    memcpy(p + n + 12, orig, HL);
    n += 12 + HL;
    /* the first segment's rest, NRV2B */
    size_t c = nrv2b(orig + HL, 0x300 - HL, p + n + 12);
    le(p + n, 0x300 - HL, 4);
    le(p + n + 4, c, 4);
    p[n + 8] = 2;
    n += 12 + c;
    /* the second segment */
    c = lzma ? lzma1(orig + 0x1000, 0x200, p + n + 12, 8192)
             : nrv2b(orig + 0x1000, 0x200, p + n + 12);
    le(p + n, 0x200, 4);
    le(p + n + 4, c, 4);
    p[n + 8] = lzma ? 14 : 2;
    n += 12 + c;
    le(p + n, 0, 4); /* the end */
    memcpy(p + n + 4, "UPX!", 4);
    n += 12;
    *len = n;
    return p;
}

static void test_unpack(void)
{
    unsigned char orig[ORIG];
    for (int lz = 0; lz < 2; lz++) {
        size_t n;
        unsigned char *p = packed(orig, lz, &n), *o = NULL;
        size_t ol = 0;
        pc_err e = {{0}};
        CHECK(pc_upx_sniff(p, n) == 1);
        CHECK(pc_upx_unpack(p, n, 1 << 20, &o, &ol, &e) == 1);
        CHECK(ol == ORIG && o && memcmp(o, orig, ORIG) == 0);
        free(o);
        /* the magic is the packer's user's to change: the loader never reads it */
        memcpy(p + HL + 4, "ABCD", 4);
        CHECK(pc_upx_sniff(p, n) == 1);
        CHECK(pc_upx_unpack(p, n, 1 << 20, &o, &ol, &e) == 1);
        CHECK(ol == ORIG && o && memcmp(o, orig, ORIG) == 0);
        free(o);
        /* the bound */
        CHECK(pc_upx_unpack(p, n, ORIG - 1, &o, &ol, &e) == -1);
        CHECK(o == NULL);
        CHECK_CONTAINS(e.msg, "more than portcullis reads");
        /* a first block that is no ELF header: no packed program without
         * the magic; one with it that cannot be read */
        p[HL + 24 + 12] = 'X';
        CHECK(pc_upx_sniff(p, n) == 0);
        CHECK(pc_upx_unpack(p, n, 1 << 20, &o, &ol, &e) == 0);
        memcpy(p + HL + 4, "UPX!", 4);
        CHECK(pc_upx_sniff(p, n) == 1);
        e.msg[0] = 0;
        CHECK(pc_upx_unpack(p, n, 1 << 20, &o, &ol, &e) == -1);
        CHECK_CONTAINS(e.msg, "does not unpack to an ELF header");
        p[HL + 24 + 12] = 0x7f;
        /* a damaged block of the segments */
        p[n - 40] ^= 0xff;
        e.msg[0] = 0;
        int r = pc_upx_unpack(p, n, 1 << 20, &o, &ol, &e);
        CHECK(r == -1 || (r == 1 && ol == ORIG)); /* (a changed byte may still decode) */
        free(o);
        free(p);
    }
}

/* blocks after the segments: read after the program as far as they
 * unpack; what does not unpack there is no error */
static void test_extra(void)
{
    unsigned char orig[ORIG], *o = NULL;
    size_t n, ol = 0;
    unsigned char *p = packed(orig, 0, &n);
    unsigned char *q = malloc(n + 64);
    memcpy(q, p, n - 12); /* (the end block moved after the extra one) */
    size_t m = n - 12;
    le(q + m, 20, 4); /* a stored block: 20 bytes */
    le(q + m + 4, 20, 4);
    q[m + 8] = 2;
    q[m + 9] = q[m + 10] = q[m + 11] = 0;
    memcpy(q + m + 12, "EXTRA-BLOCK-PAYLOAD!", 20);
    m += 32;
    le(q + m, 0, 4);
    memcpy(q + m + 4, "UPX!", 4);
    memset(q + m + 8, 0, 4);
    m += 12;
    pc_err e = {{0}};
    CHECK(pc_upx_unpack(q, m, 1 << 20, &o, &ol, &e) == 1);
    CHECK(ol == ORIG + 20 && o && memcmp(o, orig, ORIG) == 0 &&
          memcmp(o + ORIG, "EXTRA-BLOCK-PAYLOAD!", 20) == 0);
    free(o);
    /* the same block with a method not read: the program alone */
    q[n - 12 + 8] = 99;
    q[n - 12 + 4] = 19; /* (packed smaller than it is: not stored) */
    CHECK(pc_upx_unpack(q, m, 1 << 20, &o, &ol, &e) == 1);
    CHECK(ol == ORIG && o && memcmp(o, orig, ORIG) == 0);
    free(o);
    /* past the bound: the program alone */
    q[n - 12 + 8] = 2;
    q[n - 12 + 4] = 20;
    CHECK(pc_upx_unpack(q, m, ORIG + 10, &o, &ol, &e) == 1);
    CHECK(ol == ORIG);
    free(o);
    free(q);
    free(p);
}

/* every cut and every changed byte: no crash, no output past the bound */
static void test_hostile(void)
{
    unsigned char orig[ORIG];
    size_t n;
    unsigned char *p = packed(orig, 0, &n), *o = NULL;
    size_t ol;
    int ok = 1, cut_failed = 1;
    for (size_t k = 0; k < n; k++) {
        pc_err e = {{0}};
        unsigned char *c = malloc(k ? k : 1);
        memcpy(c, p, k);
        int r = pc_upx_unpack(c, k, 1 << 20, &o, &ol, &e);
        if (r == 1 && (ol != ORIG || memcmp(o, orig, ORIG) != 0))
            ok = 0;
        /* cut inside the blocks of the segments, magic intact: never read */
        if (k > HL + 24 + 12 + HL && k < n - 12 && r != -1)
            cut_failed = 0;
        free(o);
        free(c);
    }
    CHECK(ok);
    CHECK(cut_failed);
    int bounded = 1;
    for (size_t k = 0; k < n; k++)
        for (int x = 0; x < 2; x++) {
            pc_err e = {{0}};
            p[k] ^= x ? 0x80 : 0x01;
            int r = pc_upx_unpack(p, n, 1 << 16, &o, &ol, &e);
            if (r == 1 && (ol > 1 << 16 || !o))
                bounded = 0;
            if (r == -1 && e.msg[0] == 0)
                bounded = 0;
            free(o);
            p[k] ^= x ? 0x80 : 0x01;
        }
    CHECK(bounded);
    free(p);
}

/* 0x49: E8, E9 and 0F 8x operands marked with cto hold the target's
 * offset from the block's start, big-endian; unmarked ones are left */
static void test_filter(void)
{
    unsigned char orig[ORIG];
    size_t n;
    unsigned char *p = packed(orig, 0, &n);
    /* rebuild the second segment's block, filtered */
    unsigned char seg[0x200], *o = NULL;
    memcpy(seg, orig + 0x1000, 0x200);
    memcpy(seg + 0x40, "\xe8\x12\x00\x01\x00", 5);     /* call, marked: abs 0x100 */
    memcpy(seg + 0x50, "\x0f\x85\x12\x00\x00\x80", 6); /* jne, marked: abs 0x80 */
    memcpy(seg + 0x60, "\xe9\x44\x00\x00\x00", 5);     /* jmp, not marked */
    size_t at = HL + 24 + 12 + HL;                     /* the first segment's block */
    at += 12 + (size_t)(p[at + 4] | p[at + 5] << 8);
    unsigned char c[4096];
    size_t cl = nrv2b(seg, 0x200, c);
    le(p + at + 4, cl, 4);
    p[at + 9] = 0x49;
    p[at + 10] = 0x12;
    memcpy(p + at + 12, c, cl);
    le(p + at + 12 + cl, 0, 4);
    size_t ol;
    pc_err e = {{0}};
    CHECK(pc_upx_unpack(p, at + 12 + cl + 12, 1 << 20, &o, &ol, &e) == 1);
    if (o && ol == ORIG) {
        CHECK(memcmp(o + 0x1040, "\xe8\xbf\x00\x00\x00", 5) == 0);     /* 0x100 - 0x41 */
        CHECK(memcmp(o + 0x1050, "\x0f\x85\x2e\x00\x00\x00", 6) == 0); /* 0x80 - 0x52 */
        CHECK(memcmp(o + 0x1060, "\xe9\x44\x00\x00\x00", 5) == 0);
    }
    free(o);
    /* 0x46: no conditional jumps */
    p[at + 9] = 0x46;
    CHECK(pc_upx_unpack(p, at + 12 + cl + 12, 1 << 20, &o, &ol, &e) == 1);
    if (o && ol == ORIG) {
        CHECK(memcmp(o + 0x1040, "\xe8\xbf\x00\x00\x00", 5) == 0);
        CHECK(memcmp(o + 0x1050, "\x0f\x85\x12\x00\x00\x80", 6) == 0);
    }
    free(o);
    free(p);
}

/* programs UPX did not pack */
static void test_others(void)
{
    unsigned char b[1024], *o = NULL;
    size_t ol;
    pc_err e = {{0}};
    memset(b, 0, sizeof b);
    ehdr(b, 2);
    phdr(b + 64, 3, HL, 28);
    phdr(b + 120, 1, 0, sizeof b);
    memcpy(b + HL, "/lib64/ld-linux-x86-64.so.2", 28);
    CHECK(pc_upx_sniff(b, sizeof b) == 0);
    CHECK(pc_upx_unpack(b, sizeof b, 1 << 20, &o, &ol, &e) == 0);
    /* the magic's bytes where no pack header is: a string in a program */
    memcpy(b + 600, "xxxxUPX!\x0d\x16 and more", 18);
    CHECK(pc_upx_sniff(b, sizeof b) == 0);
    CHECK(pc_upx_unpack(b, sizeof b, 1 << 20, &o, &ol, &e) == 0);
    CHECK(pc_upx_sniff((const unsigned char *)"UPX!", 4) == 0);
    CHECK(pc_upx_sniff((const unsigned char *)"\x7f"
                                              "ELF",
                       4) == 0);
    CHECK(o == NULL);
}

/* ---- nested.h: the member it gives the scanner ---- */

typedef struct seen {
    char names[8][PC_NEST_CHAIN];
    unsigned char *data[8];
    size_t sizes[8], n;
} seen;

static int on_mem(void *ud, const char *member, const unsigned char *p, size_t n, size_t *inner_at,
                  pc_err *e)
{
    seen *s = ud;
    (void)inner_at;
    (void)e;
    if (s->n < 8) {
        snprintf(s->names[s->n], sizeof s->names[s->n], "%s", member);
        s->data[s->n] = malloc(n ? n : 1);
        memcpy(s->data[s->n], p, n);
        s->sizes[s->n++] = n;
    }
    return 0;
}

static int on_stream(void *ud, const char *member, const unsigned char *first, size_t firstlen,
                     pc_pull_fn pull, void *pud, int64_t size, pc_err *e)
{
    (void)ud, (void)member, (void)first, (void)firstlen, (void)pull, (void)pud, (void)size;
    return pc_err_set(e, "not streamed here");
}

static int walk(const unsigned char *p, size_t n, uint64_t budget, seen *s, pc_err *e)
{
    pc_nest *nest = pc_nest_new();
    pc_nest_ops ops = {.scan_mem = on_mem,
                       .scan_stream = on_stream,
                       .ud = s,
                       .whole_max = 1 << 20,
                       .budget = budget};
    int rc = pc_nest_inspect(nest, &ops, p, n, e);
    pc_nest_free(nest);
    return rc;
}

static void test_nested(void)
{
    unsigned char orig[ORIG];
    size_t n;
    unsigned char *p = packed(orig, 1, &n);
    seen s = {0};
    pc_err e = {{0}};
    CHECK(walk(p, n, 0, &s, &e) == 0);
    CHECK(s.n >= 1); /* (and the stored header block, a program inside other bytes: carve.h) */
    CHECK_STR(s.names[0], "(unpacked by UPX)");
    CHECK(s.sizes[0] == ORIG && s.data[0] && memcmp(s.data[0], orig, ORIG) == 0);
    for (size_t i = 0; i < s.n; i++)
        free(s.data[i]);
    /* the unpacked bytes count against the decoded bytes' budget */
    memset(&s, 0, sizeof s);
    CHECK(walk(p, n, ORIG - 1, &s, &e) == -1);
    CHECK_CONTAINS(e.msg, "a program packed by UPX that portcullis cannot unpack");
    CHECK(s.n == 0);
    /* damaged, with the magic: the file fails, nothing passes */
    memset(&s, 0, sizeof s);
    p[HL + 24 + 12] = 'X';
    CHECK(walk(p, n, 0, &s, &e) == -1);
    CHECK_CONTAINS(e.msg, "packed by UPX");
    CHECK(s.n == 0);
    free(p);
}

int main(void)
{
    test_unpack();
    test_extra();
    test_hostile();
    test_filter();
    test_others();
    test_nested();
    TEST_MAIN_END();
}
