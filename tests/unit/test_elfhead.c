/*
 * test_elfhead.c — what execve makes of a file's head (lib/layer/elfhead.c):
 * ELF, a #! line read as binfmt_script reads it (Linux >= 5.1), or ENOEXEC;
 * and a dynamically linked ELF's DT_NEEDED, DT_RPATH and DT_RUNPATH, from
 * real programs of this machine and crafted files (32/64-bit, both byte
 * orders, far away, malformed and hostile).
 * The runc proofs of the same cases are in tests/integration/sandbox.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "layer/elfhead.h"
#include "testlib.h"

typedef struct head_case {
    const char *what;
    const char *bytes; /* NULL: built by the test */
    size_t len;        /* 0: strlen(bytes) */
    pc_headkind want;
    const char *interp; /* for PC_HEAD_SCRIPT: the line after "#!" */
} head_case;

static void run_case(const head_case *c, const unsigned char *p, size_t n)
{
    pc_arena a = {0};
    pc_entry e;
    memset(&e, 0, sizeof e);
    pc_head_parse(p, n, &e, &a);
    if (e.head != c->want)
        fprintf(stderr, "  case: %s (head %d, want %d)\n", c->what, (int)e.head, (int)c->want);
    CHECK(e.head == c->want);
    if (c->want == PC_HEAD_SCRIPT)
        CHECK_STR(e.interp, c->interp);
    else if (c->want != PC_HEAD_ELF)
        CHECK(e.interp == NULL);
    pc_arena_free(&a);
}

static const head_case CASES[] = {
    {"plain #!", "#!/bin/sh\necho\n", 0, PC_HEAD_SCRIPT, "/bin/sh"},
    {"spaces after #!", "#!  \t/bin/sh -e\n", 0, PC_HEAD_SCRIPT, "/bin/sh -e"},
    {"trailing blanks trimmed", "#!/bin/sh \t \n", 0, PC_HEAD_SCRIPT, "/bin/sh"},
    {"CRLF: the \\r is part of the name", "#!/bin/sh\r\necho\r\n", 0, PC_HEAD_SCRIPT, "/bin/sh\r"},
    {"CRLF with an argument", "#!/usr/bin/env python3\r\n", 0, PC_HEAD_SCRIPT,
     "/usr/bin/env python3\r"},
    {"no newline, short file", "#!/bin/sh", 0, PC_HEAD_SCRIPT, "/bin/sh"},
    {"NUL ends the line", "#!/bin/sh\0junk\n", 14, PC_HEAD_SCRIPT, "/bin/sh"},
    {"empty #! line", "#!\n", 0, PC_HEAD_BADSHEBANG, NULL},
    {"blank #! line", "#!   \t\n", 0, PC_HEAD_BADSHEBANG, NULL},
    {"no #!", "echo hi\n", 0, PC_HEAD_NOEXEC, NULL},
    {"one byte", "#", 0, PC_HEAD_NOEXEC, NULL},
    {"space before #!", " #!/bin/sh\n", 0, PC_HEAD_NOEXEC, NULL},
    {"BOM before #!", "\xef\xbb\xbf#!/bin/sh\n", 0, PC_HEAD_BOM, NULL},
    {"BOM, no #!",
     "\xef\xbb\xbf"
     "echo\n",
     0, PC_HEAD_NOEXEC, NULL},
    {"ELF magic, too short",
     "\x7f"
     "ELF\x02\x01",
     6, PC_HEAD_NOEXEC, NULL},
    {"ELF magic, bad class",
     "\x7f"
     "ELF\x07\x01\x01\0\0\0\0\0\0\0\0\0",
     16, PC_HEAD_NOEXEC, NULL},
};

/* A #! line longer than BINPRM_BUF_SIZE (256): fine while a space, tab or
 * NUL in the first 255 bytes shows where the interpreter's path ends;
 * ENOEXEC when the path itself runs past them. */
static void test_long_lines(void)
{
    unsigned char buf[600];
    head_case cut = {"interpreter path cut at 255 bytes", NULL, 0, PC_HEAD_BADSHEBANG, NULL};
    memset(buf, 'a', sizeof buf);
    memcpy(buf, "#!/", 3);
    buf[sizeof buf - 1] = '\n';
    run_case(&cut, buf, sizeof buf);

    head_case args = {"long arguments are cut, the interpreter is kept", NULL, 0, PC_HEAD_SCRIPT,
                      NULL};
    memset(buf, 'x', sizeof buf);
    memcpy(buf, "#!/bin/sh ", 10);
    buf[sizeof buf - 1] = '\n';
    char want[256];
    memcpy(want, buf + 2, 253); /* bytes 2..254: the kernel's line ends at buf_end */
    want[253] = 0;
    args.interp = want;
    run_case(&args, buf, sizeof buf);

    head_case edge = {"path ends on byte 254", NULL, 0, PC_HEAD_SCRIPT, NULL};
    memset(buf, 'b', sizeof buf);
    memcpy(buf, "#!/", 3);
    buf[254] = ' ';
    buf[sizeof buf - 1] = '\n';
    memcpy(want, buf + 2, 252);
    want[252] = 0;
    edge.interp = want;
    run_case(&edge, buf, sizeof buf);
}

/* A little-endian ELF64 header with one program header (at phoff) of
 * type PT_INTERP pointing at `interp`, written at ioff. */
static void elf64(unsigned char *b, size_t cap, uint64_t phoff, uint64_t ioff, const char *interp)
{
    size_t il = strlen(interp) + 1;
    memset(b, 0, cap);
    memcpy(b,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    b[16] = 2;  /* ET_EXEC */
    b[18] = 62; /* x86_64 */
    for (int i = 0; i < 8; i++)
        b[32 + i] = (unsigned char)(phoff >> (8 * i));
    b[54] = 56; /* phentsize */
    b[56] = 1;  /* phnum */
    unsigned char *ph = b + phoff;
    ph[0] = 3; /* PT_INTERP */
    for (int i = 0; i < 8; i++) {
        ph[8 + i] = (unsigned char)(ioff >> (8 * i));
        ph[32 + i] = (unsigned char)((uint64_t)il >> (8 * i));
    }
    memcpy(b + ioff, interp, il);
}

/* PT_INTERP (or the program header table) past the first page: the head
 * says how much more to read, and with it the loader is seen. */
static void test_far_interp(void)
{
    static unsigned char b[16384];
    pc_arena a = {0};
    pc_entry e;

    elf64(b, sizeof b, 64, 64 + 56, "/lib64/ld-linux-x86-64.so.2");
    CHECK(pc_elf_head_need(b, 4096, 1u << 20) == 0); /* all in the first page */

    elf64(b, sizeof b, 64, 9000, "/lib/ld-far.so");
    CHECK(pc_elf_head_need(b, 4096, 1u << 20) == 9000 + 15);
    memset(&e, 0, sizeof e);
    pc_head_parse(b, 4096, &e, &a);
    CHECK(e.head == PC_HEAD_ELF && e.interp == NULL); /* what 4 KiB alone shows */
    memset(&e, 0, sizeof e);
    pc_head_parse(b, 9015, &e, &a);
    CHECK(e.head == PC_HEAD_ELF);
    CHECK_STR(e.interp, "/lib/ld-far.so");
    CHECK(pc_elf_head_need(b, 9015, 1u << 20) == 0);

    elf64(b, sizeof b, 5000, 6000, "/lib/ld-x.so");
    CHECK(pc_elf_head_need(b, 4096, 1u << 20) == 5000 + 56); /* first the table */
    CHECK(pc_elf_head_need(b, 5056, 1u << 20) == 6000 + 13); /* then the path */
    memset(&e, 0, sizeof e);
    pc_head_parse(b, 6013, &e, &a);
    CHECK_STR(e.interp, "/lib/ld-x.so");

    /* nonsense sizes never ask for more */
    elf64(b, sizeof b, 64, 9000, "/lib/ld-far.so");
    b[64 + 32 + 7] = 0x80; /* p_filesz 2^63 + 15 */
    CHECK(pc_elf_head_need(b, 4096, 1u << 20) == 0);
    CHECK(pc_elf_head_need((const unsigned char *)"#!/bin/sh\n", 10, 1u << 20) == 0);
    pc_arena_free(&a);
}

/* ---- the dynamic section (DT_NEEDED, DT_RPATH, DT_RUNPATH) ---- */

/* A whole file's head, read as layer.c reads it from the stream: 4 KiB,
 * then what pc_elf_head_need asks for, up to limit. */
static size_t rounds(const unsigned char *p, size_t size, size_t limit, int *nrounds)
{
    size_t got = size < 4096 ? size : 4096;
    if (limit > size)
        limit = size;
    *nrounds = 0;
    for (int r = 0; r < 3; r++) {
        size_t need = pc_elf_head_need(p, got, limit);
        if (need == 0)
            break;
        CHECK(need > got && need <= limit);
        got = need;
        ++*nrounds;
    }
    CHECK(pc_elf_head_need(p, got, limit) == 0); /* three rounds always suffice */
    return got;
}

static int has_name(const pc_entry *e, const char *name)
{
    for (size_t i = 0; i < e->nneeded; i++)
        if (strcmp(e->needed[i], name) == 0)
            return 1;
    return 0;
}

/* The first 1 MiB of a program of this machine (a static buffer), its
 * size; 0 when it is not here. */
static size_t read_program(const char *path, unsigned char **out)
{
    static unsigned char buf[1u << 20];
    FILE *fp = fopen(path, "rb");
    *out = buf;
    if (!fp) {
        fprintf(stderr, "  (skipped: %s not here)\n", path);
        return 0;
    }
    size_t size = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    return size;
}

/* Real programs of this machine: their DT_NEEDED as readelf shows them. */
static void test_real(const char *path, const char *want)
{
    unsigned char *buf;
    size_t size = read_program(path, &buf);
    if (size == 0)
        return;
    int nr;
    size_t got = rounds(buf, size, 1u << 20, &nr);
    pc_arena a = {0};
    pc_entry e;
    memset(&e, 0, sizeof e);
    CHECK(pc_head_parse(buf, got, &e, &a) == 0);
    CHECK(e.head == PC_HEAD_ELF && e.interp != NULL);
    if (e.dyn != 1 || !has_name(&e, want))
        fprintf(stderr, "  %s: dyn %d, %u needed, after %zu bytes\n", path, e.dyn,
                (unsigned)e.nneeded, got);
    CHECK(e.dyn == 1 && has_name(&e, want) && has_name(&e, "libc.so.6"));
    /* the first 4 KiB alone do not show it: unknown, not "needs nothing" */
    memset(&e, 0, sizeof e);
    CHECK(pc_head_parse(buf, 4096, &e, &a) == 0 && e.dyn == 0 && e.nneeded == 0);
    pc_arena_free(&a);
}

/* A crafted ELF: class 1 or 2, either byte order, with PT_INTERP, one
 * PT_LOAD mapping the whole file at vaddr BASE, a PT_DYNAMIC and a string
 * table, placed where the test says. */
#define BASE 0x400000u
typedef struct craft {
    int cls, be;
    size_t size;                /* file size (the buffer's) */
    uint64_t dynoff, stroff;    /* where the entries and the strings are */
    uint64_t dyn_vaddr, dyn_sz; /* PT_DYNAMIC; 0: BASE + dynoff, the entries' size */
    uint64_t strtab, strsz;     /* DT_STRTAB, DT_STRSZ; 0: BASE + stroff, the strings' size */
    int no_null, two_dyn, no_interp, no_strsz;
    size_t nnames;               /* DT_NEEDED entries */
    const char *const *names;    /* their strings (names[i]) */
    const char *runpath, *rpath; /* or NULL */
} craft;

static void put(unsigned char *p, size_t width, uint64_t v, int be)
{
    for (size_t i = 0; i < width; i++)
        p[be ? width - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

static void phdr(const craft *c, unsigned char *ph, uint64_t type, uint64_t off, uint64_t va,
                 uint64_t sz)
{
    int w = c->cls == 2 ? 8 : 4;
    put(ph, 4, type, c->be);
    put(ph + (c->cls == 2 ? 8 : 4), (size_t)w, off, c->be);
    put(ph + (c->cls == 2 ? 16 : 8), (size_t)w, va, c->be);
    put(ph + (c->cls == 2 ? 32 : 16), (size_t)w, sz, c->be); /* p_filesz */
    put(ph + (c->cls == 2 ? 40 : 20), (size_t)w, sz, c->be); /* p_memsz */
}

static void build(unsigned char *b, const craft *c)
{
    int w = c->cls == 2 ? 8 : 4;
    size_t ehsz = c->cls == 2 ? 64 : 52, phsz = c->cls == 2 ? 56 : 32, esz = 2 * (size_t)w;
    memset(b, 0, c->size);
    memcpy(b,
           "\x7f"
           "ELF",
           4);
    b[4] = (unsigned char)c->cls;
    b[5] = c->be ? 2 : 1;
    b[6] = 1;
    put(b + 16, 2, 3, c->be); /* ET_DYN */
    put(b + 18, 2, 62, c->be);
    put(b + (c->cls == 2 ? 32 : 28), (size_t)w, ehsz, c->be); /* e_phoff */
    put(b + (c->cls == 2 ? 54 : 42), 2, phsz, c->be);
    put(b + (c->cls == 2 ? 56 : 44), 2, 4, c->be); /* phnum */
    unsigned char *ph = b + ehsz;
    const char *ld = "/lib/ld.so";
    size_t ioff = ehsz + 4 * phsz;
    memcpy(b + ioff, ld, strlen(ld) + 1);
    phdr(c, ph, c->no_interp ? 4 /* PT_NOTE */ : 3, ioff, BASE + ioff, strlen(ld) + 1);
    phdr(c, ph + phsz, 1, 0, BASE, c->size);
    /* the strings, then the entries */
    size_t at = (size_t)c->stroff, k = 0;
    uint64_t offs[300], roff = 0, rpoff = 0;
    b[at++] = 0;
    for (size_t i = 0; i < c->nnames; i++) {
        offs[i] = at - c->stroff;
        memcpy(b + at, c->names[i], strlen(c->names[i]) + 1);
        at += strlen(c->names[i]) + 1;
    }
    if (c->runpath) {
        roff = at - c->stroff;
        memcpy(b + at, c->runpath, strlen(c->runpath) + 1);
        at += strlen(c->runpath) + 1;
    }
    if (c->rpath) {
        rpoff = at - c->stroff;
        memcpy(b + at, c->rpath, strlen(c->rpath) + 1);
        at += strlen(c->rpath) + 1;
    }
    uint64_t strsz = c->strsz ? c->strsz : at - c->stroff;
    unsigned char *d = b + c->dynoff;
#define DYN(tag, val)                                                                              \
    (put(d + k * esz, (size_t)w, tag, c->be), put(d + k * esz + w, (size_t)w, val, c->be), k++)
    for (size_t i = 0; i < c->nnames; i++)
        DYN(1, offs[i]);
    DYN(5, c->strtab ? c->strtab : BASE + c->stroff);
    if (!c->no_strsz)
        DYN(10, strsz);
    if (c->runpath)
        DYN(29, roff);
    if (c->rpath)
        DYN(15, rpoff);
    if (!c->no_null)
        DYN(0, 0);
#undef DYN
    uint64_t dsz = c->dyn_sz ? c->dyn_sz : k * esz;
    uint64_t dva = c->dyn_vaddr ? c->dyn_vaddr : BASE + c->dynoff;
    phdr(c, ph + 2 * phsz, 2, c->dynoff, dva, dsz);
    if (c->two_dyn)
        phdr(c, ph + 3 * phsz, 2, c->dynoff, dva, dsz);
    else
        phdr(c, ph + 3 * phsz, 6 /* PT_PHDR */, ehsz, BASE + ehsz, 4 * phsz);
}

/* Build c, read it in rounds, parse: the entry. */
static pc_entry parse_craft(const craft *c, pc_arena *a, int *nrounds)
{
    static unsigned char b[1u << 18];
    pc_entry e;
    memset(&e, 0, sizeof e);
    build(b, c);
    size_t got = rounds(b, c->size, 1u << 20, nrounds);
    CHECK(pc_head_parse(b, got, &e, a) == 0);
    CHECK(e.head == PC_HEAD_ELF);
    return e;
}

static const char *const NAMES[] = {"libfoo.so.1", "libc.so.6", "", "libbar.so"};

static void test_craft_good(void)
{
    pc_arena a = {0};
    int nr;
    for (int cls = 1; cls <= 2; cls++)
        for (int be = 0; be <= 1; be++) {
            craft c = {.cls = cls,
                       .be = be,
                       .size = 8192,
                       .dynoff = 2048,
                       .stroff = 1024,
                       .nnames = 4,
                       .names = NAMES,
                       .runpath = "$ORIGIN/../lib:/opt/lib",
                       .rpath = "/r"};
            pc_entry e = parse_craft(&c, &a, &nr);
            CHECK(e.dyn == 1 && e.nneeded == 3 && nr == 0); /* the empty name is no file */
            if (e.dyn == 1 && e.nneeded == 3) {
                CHECK_STR(e.needed[0], "libfoo.so.1");
                CHECK_STR(e.needed[1], "libc.so.6");
                CHECK_STR(e.needed[2], "libbar.so");
            }
            CHECK_STR(e.runpath, "$ORIGIN/../lib:/opt/lib");
            CHECK_STR(e.rpath, "/r");
            CHECK_STR(e.interp, "/lib/ld.so");
        }
    /* far away: the entries at 100000, the strings after them at 200000:
     * two more rounds (5 entries of 16 bytes; strings "\0libfoo.so.1\0libc.so.6\0") */
    craft far = {
        .cls = 2, .size = 210000, .dynoff = 100000, .stroff = 200000, .nnames = 2, .names = NAMES};
    pc_entry e = parse_craft(&far, &a, &nr);
    CHECK(e.dyn == 1 && e.nneeded == 2 && nr == 2);
    static unsigned char b[1u << 18];
    build(b, &far);
    CHECK(pc_elf_head_need(b, 4096, 1u << 20) == 100000 + 5 * 16);
    CHECK(pc_elf_head_need(b, 100080, 1u << 20) == 200000 + 23);
    CHECK(pc_elf_head_need(b, 4096, 150000) == 100080);
    CHECK(pc_elf_head_need(b, 100080, 150000) == 0);  /* past the limit: not asked for */
    CHECK(pc_elf_head_need(b, 4096, 50000) == 50000); /* the first segment, for the names */
    CHECK(pc_elf_head_need(b, 50000, 50000) == 0);
    memset(&e, 0, sizeof e);
    CHECK(pc_head_parse(b, 100080, &e, &a) == 0 && e.dyn == 0); /* entries, no strings yet */
    memset(&e, 0, sizeof e);
    CHECK(pc_head_parse(b, 200022, &e, &a) == 0 && e.dyn == 0); /* the last NUL missing */
    /* the entries past the head's limit, the names in the first segment:
     * the head asks for that segment, the entries are caught further on */
    craft far2 = {
        .cls = 2, .size = 210000, .dynoff = 200000, .stroff = 1024, .nnames = 2, .names = NAMES};
    build(b, &far2);
    uint64_t off = 0;
    size_t len = 0;
    CHECK(pc_elf_head_need(b, 4096, 100000) == 100000);
    CHECK(pc_elf_head_need(b, 100000, 100000) == 0);
    CHECK(pc_elf_dyn_far(b, 100000, 210000, &off, &len) == 1 && off == 200000 && len == 80);
    CHECK(pc_elf_dyn_far(b, 100000, 200040, &off, &len) == 0); /* the file ends first */
    CHECK(pc_elf_dyn_far(b, 4096, 210000, &off, &len) == 1);
    memset(&e, 0, sizeof e);
    CHECK(pc_head_parse(b, 100000, &e, &a) == 0 && e.dyn == 0);
    CHECK(pc_elf_dyn_parse_far(b, 100000, b + 199999, 199999, 40, &e, &a) == 0 && e.dyn == 0);
    CHECK(pc_elf_dyn_parse_far(b, 100000, b + 200000, 200000, 80, &e, &a) == 0 && e.dyn == 1 &&
          e.nneeded == 2);
    if (e.nneeded == 2)
        CHECK_STR(e.needed[1], "libc.so.6");
    memset(&e, 0, sizeof e);
    pc_head_parse(b, 1000, &e, &a); /* the names not in the head: unknown */
    CHECK(pc_elf_dyn_parse_far(b, 1000, b + 200000, 200000, 80, &e, &a) == 0 && e.dyn == 0);
    /* a static program with no DT_NEEDED: known, and needs nothing */
    craft none = {.cls = 2, .size = 8192, .dynoff = 2048, .stroff = 1024};
    e = parse_craft(&none, &a, &nr);
    CHECK(e.dyn == 1 && e.nneeded == 0 && e.needed == NULL);
    pc_arena_free(&a);
}

/* What ld.so could not read, or would read differently: unknown (dyn 0),
 * never a list that could name a library as missing. */
static void test_craft_hostile(void)
{
    pc_arena a = {0};
    int nr;
    static const char *many[300];
    static char big[5][4001];
    for (size_t i = 0; i < 300; i++)
        many[i] = "libx.so";
    const char *bigs[5];
    for (size_t i = 0; i < 5; i++) {
        memset(big[i], 'a' + (int)i, 4000);
        big[i][4000] = 0;
        bigs[i] = big[i];
    }
    const struct {
        const char *what;
        craft c;
    } cases[] = {
        {"PT_DYNAMIC at an address no PT_LOAD maps",
         {.cls = 2,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .dyn_vaddr = 0x10000000}},
        {"PT_DYNAMIC larger than the file",
         {.cls = 2,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .dyn_sz = 1ull << 62}},
        {"DT_STRTAB beyond the file",
         {.cls = 2,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .strtab = BASE + 9000}},
        {"DT_STRSZ beyond the file",
         {.cls = 2,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .strsz = 1ull << 40}},
        {"DT_NEEDED beyond DT_STRSZ",
         {.cls = 2,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .strsz = 5}},
        {"no NUL within DT_STRSZ",
         {.cls = 2,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .strsz = 1 + 12 + 5}},
        {"no DT_STRSZ",
         {.cls = 2,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .no_strsz = 1}},
        {"no DT_NULL before the end of PT_DYNAMIC",
         {.cls = 2,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .no_null = 1}},
        {"two PT_DYNAMIC",
         {.cls = 1,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .two_dyn = 1}},
        {"more than PC_DT_NEEDED_MAX DT_NEEDED",
         {.cls = 2, .size = 16384, .dynoff = 4096, .stroff = 1024, .nnames = 300, .names = many}},
        {"more than PC_DT_STR_MAX bytes of names",
         {.cls = 2,
          .be = 1,
          .size = 32768,
          .dynoff = 24576,
          .stroff = 1024,
          .nnames = 5,
          .names = bigs}},
        {"no PT_INTERP: not dynamically linked, not read",
         {.cls = 2,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .no_interp = 1}},
        {"32-bit, PT_DYNAMIC size not a whole entry",
         {.cls = 1,
          .size = 8192,
          .dynoff = 2048,
          .stroff = 1024,
          .nnames = 2,
          .names = NAMES,
          .dyn_sz = 7}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pc_entry e = parse_craft(&cases[i].c, &a, &nr);
        if (e.dyn != 0)
            fprintf(stderr, "  case: %s (dyn %d)\n", cases[i].what, e.dyn);
        CHECK(e.dyn == 0 && e.nneeded == 0);
    }
    /* 256 DT_NEEDED, each at most 4096 bytes in all 16 KiB: kept */
    craft max = {
        .cls = 2, .size = 16384, .dynoff = 4096, .stroff = 1024, .nnames = 256, .names = many};
    pc_entry e = parse_craft(&max, &a, &nr);
    CHECK(e.dyn == 1 && e.nneeded == 256);
    pc_arena_free(&a);
}

/* Random damage to a good file never crashes, loops or overreads (ASan),
 * and never yields more than the bounds allow. */
static void test_craft_mutate(void)
{
    static unsigned char b[8192], m[8192];
    craft c = {.cls = 2,
               .size = sizeof b,
               .dynoff = 2048,
               .stroff = 1024,
               .nnames = 4,
               .names = NAMES,
               .runpath = "/opt",
               .rpath = "/r"};
    unsigned seed = 12345;
    int bad = 0, known = 0;
    build(b, &c);
    for (int round = 0; round < 20000; round++) {
        memcpy(m, b, sizeof b);
        int flips = 1 + round % 8;
        for (int k = 0; k < flips; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % (round % 2 ? 400 : sizeof m); /* often the headers */
            if (round % 3 == 0 && at < 400)
                at = 2048 + at % 128; /* or the entries */
            seed = seed * 1103515245u + 12345u;
            m[at] = (unsigned char)(seed >> 16);
        }
        size_t need = pc_elf_head_need(m, sizeof m, sizeof m);
        pc_arena a = {0};
        pc_entry e;
        memset(&e, 0, sizeof e);
        int rc = pc_head_parse(m, sizeof m, &e, &a);
        size_t total = 0;
        for (size_t i = 0; i < e.nneeded; i++)
            total += strlen(e.needed[i]) + 1;
        if (need != 0 || rc != 0 || e.nneeded > PC_DT_NEEDED_MAX || total > PC_DT_STR_MAX ||
            (!e.dyn && e.nneeded))
            bad++;
        known += e.dyn;
        pc_arena_free(&a);
    }
    CHECK(bad == 0);
    CHECK(known > 1000 && known < 20000); /* some damage is harmless, some is not */
}

/* A real program whose class, byte order and version bytes, e_version and
 * e_ehsize say 32 bits, big endian, 0 (the kernel reads none of them and
 * runs it: tests/integration/encoded.sh runs such a netcat) is read as it
 * runs: 64-bit x86-64, its loader and its DT_NEEDED. */
static void test_lying_ident(const char *path, const char *want)
{
    unsigned char *buf;
    size_t size = read_program(path, &buf);
    if (size == 0)
        return;
    CHECK(size > 64 && buf[4] == 2 && buf[5] == 1);
    buf[4] = 1, buf[5] = 2, buf[6] = 0;
    memset(buf + 20, 0, 4);
    memset(buf + 52, 0, 2);
    pc_arena a = {0};
    pc_entry e;
    memset(&e, 0, sizeof e);
    CHECK(pc_head_parse(buf, size, &e, &a) == 0);
    CHECK(e.head == PC_HEAD_ELF && e.elf_class == 2 && e.elf_machine == 62);
    CHECK(e.interp != NULL && e.dyn == 1 && has_name(&e, want));
    pc_arena_free(&a);
}

/* What binfmt_elf refuses, with the magic all the same (a relocatable
 * object, a program header size not its class's, no program header):
 * ENOEXEC, told apart from a file that is no ELF; its loader and
 * DT_NEEDED still read (toolsig.c reads them) where its headers allow. */
static void test_refused(const char *path)
{
    unsigned char *buf;
    size_t size = read_program(path, &buf);
    if (size == 0)
        return;
    static unsigned char b[1u << 20];
    pc_arena a = {0};
    for (int k = 0; k < 3; k++) {
        memcpy(b, buf, size);
        if (k == 0)
            b[16] = 1; /* ET_REL */
        else if (k == 1)
            b[54] = 57; /* e_phentsize */
        else
            b[56] = 0, b[57] = 0; /* e_phnum */
        pc_entry e;
        memset(&e, 0, sizeof e);
        CHECK(pc_head_parse(b, size, &e, &a) == 0);
        CHECK(e.head == PC_HEAD_BADELF && e.elf_machine == 62);
        CHECK(k != 0 || (e.interp != NULL && e.dyn == 1));
    }
    pc_arena_free(&a);
}

int main(void)
{
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const head_case *c = &CASES[i];
        run_case(c, (const unsigned char *)c->bytes, c->len ? c->len : strlen(c->bytes));
    }
    test_long_lines();
    test_far_interp();
    test_real("/bin/ls", "libselinux.so.1");
    test_real("/usr/bin/env", "libc.so.6");
    test_lying_ident("/bin/ls", "libselinux.so.1");
    test_refused("/bin/ls");
    test_craft_good();
    test_craft_hostile();
    test_craft_mutate();
    TEST_MAIN_END();
}
