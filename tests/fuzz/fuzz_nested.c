/*
 * fuzz_nested.c — libFuzzer target: a file of an image opened as a
 * compressed file or an archive (lib/yara/nested.c over unwrap.c and
 * members.c: gzip, xz, lzma, zstd, bzip2, lz4, .Z; tar, zip (and its
 * central directory, zipdir.c), ar, cpio, .rpm). The input is
 * the file, in an exact-size buffer, read with a small whole-member limit
 * and budget so members go both ways (whole and streamed), once from
 * memory and once as a stream in pieces (a file too large to read whole,
 * whose bytes after the archive are a member too). Checked: a
 * member held whole is within the limit, names are bounded and free of
 * control bytes, streamed members pull no more than the budget allows,
 * the walk sees at most the member limit (a level at a time), and it
 * fails only for a bound met, saying which (nothing in the scanner's
 * callbacks fails).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "yara/nested.h"

#define WHOLE 4096
#define BUDGET (1u << 20)
#define MEMBERS 64u

typedef struct count {
    size_t members;
    uint64_t streamed;
} count;

static void check_name(const char *m)
{
    size_t n = strlen(m);
    FZ_CHECK(n < PC_NEST_CHAIN, "member name of %zu bytes", n); /* "": the streamed file itself */
    for (size_t i = 0; i < n; i++)
        FZ_CHECK((unsigned char)m[i] >= 0x20 && m[i] != 0x7f, "control byte in \"%.40s\"", m);
}

static int on_mem(void *ud, const char *member, const unsigned char *p, size_t n, size_t *inner_at,
                  pc_err *e)
{
    count *c = ud;
    (void)e;
    *inner_at = 1; /* (not known: the walk looks for what is inside) */
    FZ_CHECK(n > 0 && n <= WHOLE, "whole member of %zu bytes", n);
    check_name(member);
    volatile unsigned char sink = p[0] ^ p[n - 1]; /* the bytes are readable */
    (void)sink;
    c->members++;
    return 0;
}

static int on_stream(void *ud, const char *member, const unsigned char *first, size_t firstlen,
                     pc_pull_fn pull, void *pud, int64_t size, pc_err *e)
{
    count *c = ud;
    unsigned char buf[1024];
    ssize_t r;
    (void)first;
    (void)e;
    FZ_CHECK(firstlen == WHOLE, "first block of %zu bytes", firstlen);
    FZ_CHECK(size < 0 || size > WHOLE, "streamed member of size %lld", (long long)size);
    check_name(member);
    while ((r = pull(pud, buf, sizeof buf)) > 0) {
        FZ_CHECK((size_t)r <= sizeof buf, "pull gave %zd", r);
        c->streamed += (uint64_t)r;
    }
    c->members++;
    return 0;
}

typedef struct piece {
    const unsigned char *p;
    size_t len, pos;
} piece;

static ssize_t piece_pull(void *ud, void *buf, size_t n)
{
    piece *s = ud;
    size_t k = s->len - s->pos;
    k = k < n ? k : n;
    k = k < 333 ? k : 333;
    memcpy(buf, s->p + s->pos, k);
    s->pos += k;
    return (ssize_t)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *p = fz_memdup(data, size);
    if (!p)
        return 0;
    pc_nest *n = pc_nest_new();
    count c = {0, 0};
    pc_nest_ops ops = {.scan_mem = on_mem,
                       .scan_stream = on_stream,
                       .ud = &c,
                       .whole_max = WHOLE,
                       .budget = BUDGET,
                       .max_members = MEMBERS};
    pc_err e = {{0}};
    if (n) {
        /* 0, or -1 for a bound met, said in e (never a failure without why) */
        int rc = pc_nest_inspect(n, &ops, p, size, &e);
        FZ_CHECK(rc == 0 || (rc == -1 && e.msg[0]), "rc %d: %s", rc, e.msg);
        /* the member limit counts archive members; a compressed stream that
         * is no archive is one more at each level */
        FZ_CHECK(c.members <= PC_NEST_DEPTH * ((size_t)MEMBERS + 1), "%zu members", c.members);
        FZ_CHECK(c.streamed <= PC_NEST_DEPTH * ((uint64_t)BUDGET + size), "%llu bytes streamed",
                 (unsigned long long)c.streamed);
        count d = {0, 0};
        ops.ud = &d;
        piece pc = {p, size, 0};
        e.msg[0] = 0;
        rc = pc_nest_inspect_stream(n, &ops, NULL, 0, piece_pull, &pc, (int64_t)size, &e);
        FZ_CHECK(rc == 0 || (rc == -1 && e.msg[0]), "rc %d: %s", rc, e.msg);
        FZ_CHECK(d.members <= PC_NEST_DEPTH * ((size_t)MEMBERS + 1) + 2, "%zu members", d.members);
        pc_nest_trim(n, 0);
        pc_nest_free(n);
    }
    free(p);
    return 0;
}
