/*
 * test_tarread.c — the tar reader reads as Go's archive/tar does: header-
 * only types (links, symlinks, devices, directories, FIFOs) have no body
 * whatever their size says, a bad checksum and sparse files (GNU 'S',
 * PAX GNU.sparse.*) are refused, a GNU long name wins over a PAX path, a
 * second PAX header replaces the first, a global header is an entry,
 * base-256 numbers, the end-of-archive rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tarkit.h"
#include "tarread.h"
#include "testlib.h"

typedef struct buf {
    unsigned char d[1 << 16];
    size_t len, pos;
} buf;

static ssize_t rd(void *ud, void *out, size_t n, pc_err *e)
{
    buf *b = ud;
    (void)e;
    size_t k = b->len - b->pos < n ? b->len - b->pos : n;
    if (k > 7)
        k = 7; /* small reads exercise the reassembly */
    memcpy(out, b->d + b->pos, k);
    b->pos += k;
    return (ssize_t)k;
}

/* Append one header block; gnu: GNU magic instead of USTAR. */
static void hdr(buf *b, const char *name, char type, unsigned mode, unsigned long size,
                const char *link, int gnu)
{
    unsigned char *h = b->d + b->len;
    ustar_header(h, name, type, mode, size, link);
    if (gnu) {
        memcpy(h + 257, "ustar  ", 8);
        ustar_checksum(h);
    }
    b->len += 512;
}

static void body(buf *b, const void *d, size_t n)
{
    memcpy(b->d + b->len, d, n);
    b->len += (n + 511) / 512 * 512;
}

/* kv: "key=value" records separated by ';' */
static void pax(buf *b, char type, const char *kv)
{
    char recs[2048], one[512];
    size_t n = 0;
    const char *p = kv;
    while (*p) {
        size_t l = strcspn(p, ";");
        size_t len = l + 4; /* "NN " + kv + "\n" with two digits */
        if (len >= 100)
            len++;
        snprintf(one, sizeof one, "%zu %.*s\n", len, (int)l, p);
        memcpy(recs + n, one, strlen(one));
        n += strlen(one);
        p += l;
        if (*p == ';')
            p++;
    }
    hdr(b, "PaxHeader", type, 0644, n, NULL, 0);
    body(b, recs, n);
}

static void gnu_long(buf *b, char type, const char *name)
{
    hdr(b, "././@LongLink", type, 0644, strlen(name) + 1, NULL, 1);
    body(b, name, strlen(name) + 1);
}

static void end(buf *b)
{
    memset(b->d + b->len, 0, 1024);
    b->len += 1024;
}

static int next(pc_tar *t, pc_tar_hdr *h, pc_err *e)
{
    int k = pc_tar_next(t, h, e);
    if (k < 0)
        fprintf(stderr, "tar: %s\n", e->msg);
    return k;
}

static void test_hardlink_body(void)
{
    static buf b;
    pc_err e = {{0}};
    pc_tar_hdr h;
    memset(&b, 0, sizeof b);
    pax(&b, 'x', "path=plain");
    /* a hardlink claiming a 1024-byte body: Go reads no body, so those
     * bytes are the next headers */
    hdr(&b, "x", '1', 0644, 1024, "target", 0);
    hdr(&b, "hidden", '0', 04755, 0, NULL, 0);
    hdr(&b, "hidden2", '0', 0644, 0, NULL, 0);
    end(&b);
    pc_tar *t = pc_tar_new(rd, &b);
    CHECK(next(t, &h, &e) == 1 && strcmp(h.name, "plain") == 0 && h.typeflag == '1');
    CHECK(next(t, &h, &e) == 1 && strcmp(h.name, "hidden") == 0 && h.mode == 04755);
    CHECK(next(t, &h, &e) == 1 && strcmp(h.name, "hidden2") == 0);
    CHECK(next(t, &h, &e) == 0);
    pc_tar_free(t);
}

/* Symlinks, devices, directories and FIFOs have no body either: a size
 * field of 512 on each is ignored and what follows is the next header. */
static void test_no_body_types(void)
{
    static buf b;
    pc_err e = {{0}};
    pc_tar_hdr h;
    static const char types[] = {'2', '3', '4', '5', '6'};
    memset(&b, 0, sizeof b);
    for (size_t i = 0; i < sizeof types; i++) {
        char name[16];
        snprintf(name, sizeof name, "e%c", types[i]);
        hdr(&b, name, types[i], 0755, 512, types[i] == '2' ? "target" : NULL, 0);
        snprintf(name, sizeof name, "hidden%c", types[i]);
        hdr(&b, name, '0', 04755, 0, NULL, 0);
    }
    end(&b);
    pc_tar *t = pc_tar_new(rd, &b);
    for (size_t i = 0; i < sizeof types; i++) {
        char name[16];
        snprintf(name, sizeof name, "e%c", types[i]);
        CHECK(next(t, &h, &e) == 1 && strcmp(h.name, name) == 0 && h.typeflag == types[i]);
        snprintf(name, sizeof name, "hidden%c", types[i]);
        CHECK(next(t, &h, &e) == 1 && strcmp(h.name, name) == 0 && h.mode == 04755);
    }
    CHECK(next(t, &h, &e) == 0);
    pc_tar_free(t);
}

static void test_names(void)
{
    static buf b;
    pc_err e = {{0}};
    pc_tar_hdr h;
    memset(&b, 0, sizeof b);
    pax(&b, 'x', "path=pax-name");
    gnu_long(&b, 'L', "gnu-name");
    hdr(&b, "short", '0', 0644, 0, NULL, 0);
    gnu_long(&b, 'L', "gnu-second");
    pax(&b, 'x', "path=pax-name");
    hdr(&b, "short", '0', 0644, 0, NULL, 0);
    /* a second PAX header replaces the first */
    pax(&b, 'x', "uid=77");
    pax(&b, 'x', "path=replaced");
    hdr(&b, "short", '0', 0644, 0, NULL, 0);
    /* a global header is an entry of its own, not applied to the next */
    pax(&b, 'g', "path=glob/al");
    hdr(&b, "after", '\0', 0644, 0, NULL, 0);
    hdr(&b, "dir/", '\0', 0755, 0, NULL, 0);
    end(&b);
    pc_tar *t = pc_tar_new(rd, &b);
    CHECK(next(t, &h, &e) == 1);
    CHECK_STR(h.name, "gnu-name");
    CHECK(next(t, &h, &e) == 1);
    CHECK_STR(h.name, "gnu-second");
    CHECK(next(t, &h, &e) == 1);
    CHECK_STR(h.name, "replaced");
    CHECK(h.uid == 0);
    CHECK(next(t, &h, &e) == 1 && h.typeflag == 'g');
    CHECK_STR(h.name, "glob/al");
    CHECK(next(t, &h, &e) == 1 && h.typeflag == '0');
    CHECK_STR(h.name, "after");
    CHECK(next(t, &h, &e) == 1 && h.typeflag == '5');
    CHECK(next(t, &h, &e) == 0);
    pc_tar_free(t);
}

static void test_numbers_and_end(void)
{
    static buf b;
    pc_err e = {{0}};
    pc_tar_hdr h;
    memset(&b, 0, sizeof b);
    hdr(&b, "f", '0', 0644, 3, NULL, 0);
    /* base-256 uid 2^32 in the uid field, checksum redone */
    unsigned char *p = b.d + b.len - 512;
    memset(p + 108, 0, 8);
    p[108] = 0x80;
    p[111] = 1;
    ustar_checksum(p);
    body(&b, "abc", 3);
    pc_tar *t = pc_tar_new(rd, &b);
    char data[8] = {0};
    CHECK(next(t, &h, &e) == 1 && h.uid == 4294967296LL);
    CHECK(pc_tar_read(t, data, sizeof data, &e) == 3 && memcmp(data, "abc", 3) == 0);
    /* EOF on a block boundary without end blocks: the archive ends */
    CHECK(next(t, &h, &e) == 0);
    pc_tar_free(t);

    memset(&b, 0, sizeof b);
    hdr(&b, "f", '0', 0644, 0, NULL, 0);
    memset(b.d + b.len, 0, 512);
    b.len += 512;
    hdr(&b, "g", '0', 0644, 0, NULL, 0);
    t = pc_tar_new(rd, &b);
    CHECK(next(t, &h, &e) == 1);
    CHECK(next(t, &h, &e) == -1);
    CHECK_CONTAINS(e.msg, "zero block followed by a header");
    pc_tar_free(t);

    memset(&b, 0, sizeof b);
    hdr(&b, "f", '0', 0644, 0, NULL, 0);
    b.d[0] ^= 1; /* checksum no longer matches */
    t = pc_tar_new(rd, &b);
    CHECK(next(t, &h, &e) == -1);
    CHECK_CONTAINS(e.msg, "invalid header block");
    pc_tar_free(t);

    memset(&b, 0, sizeof b);
    hdr(&b, "f", '0', 0644, 600, NULL, 0);
    b.len += 100; /* a body cut short */
    t = pc_tar_new(rd, &b);
    CHECK(next(t, &h, &e) == 1);
    CHECK(next(t, &h, &e) == -1);
    CHECK_CONTAINS(e.msg, "unexpected end");
    pc_tar_free(t);

    memset(&b, 0, sizeof b);
    pax(&b, 'x', "GNU.sparse.major=1");
    hdr(&b, "s", '0', 0644, 0, NULL, 0);
    t = pc_tar_new(rd, &b);
    CHECK(next(t, &h, &e) == -1);
    CHECK_CONTAINS(e.msg, "sparse");
    pc_tar_free(t);

    memset(&b, 0, sizeof b);
    hdr(&b, "s", 'S', 0644, 0, NULL, 1); /* GNU sparse */
    end(&b);
    t = pc_tar_new(rd, &b);
    CHECK(next(t, &h, &e) == -1);
    CHECK_CONTAINS(e.msg, "\"s\": GNU sparse files are not supported");
    pc_tar_free(t);

    int64_t v;
    CHECK(pc_go_parse_int("+12", 3, &v) == 0 && v == 12);
    CHECK(pc_go_parse_int("-9223372036854775808", 20, &v) == 0 && v == INT64_MIN);
    CHECK(pc_go_parse_int("9223372036854775808", 19, &v) == -1);
    CHECK(pc_go_parse_int("", 0, &v) == -1);
    CHECK(pc_go_parse_int("1_0", 3, &v) == -1);
}

int main(void)
{
    test_hardlink_body();
    test_no_body_types();
    test_names();
    test_numbers_and_end();
    TEST_MAIN_END();
}
