/*
 * test_elfhead.c — what execve makes of a file's head (lib/layer/elfhead.c):
 * ELF, a #! line read as binfmt_script reads it (Linux >= 5.1), or ENOEXEC.
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
    CHECK(pc_elf_head_need(b, 4096) == 0); /* all in the first page */

    elf64(b, sizeof b, 64, 9000, "/lib/ld-far.so");
    CHECK(pc_elf_head_need(b, 4096) == 9000 + 15);
    memset(&e, 0, sizeof e);
    pc_head_parse(b, 4096, &e, &a);
    CHECK(e.head == PC_HEAD_ELF && e.interp == NULL); /* what 4 KiB alone shows */
    memset(&e, 0, sizeof e);
    pc_head_parse(b, 9015, &e, &a);
    CHECK(e.head == PC_HEAD_ELF);
    CHECK_STR(e.interp, "/lib/ld-far.so");
    CHECK(pc_elf_head_need(b, 9015) == 0);

    elf64(b, sizeof b, 5000, 6000, "/lib/ld-x.so");
    CHECK(pc_elf_head_need(b, 4096) == 5000 + 56); /* first the table */
    CHECK(pc_elf_head_need(b, 5056) == 6000 + 13); /* then the path */
    memset(&e, 0, sizeof e);
    pc_head_parse(b, 6013, &e, &a);
    CHECK_STR(e.interp, "/lib/ld-x.so");

    /* nonsense sizes never ask for more */
    elf64(b, sizeof b, 64, 9000, "/lib/ld-far.so");
    b[64 + 32 + 7] = 0x80; /* p_filesz 2^63 + 15 */
    CHECK(pc_elf_head_need(b, 4096) == 0);
    CHECK(pc_elf_head_need((const unsigned char *)"#!/bin/sh\n", 10) == 0);
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
    TEST_MAIN_END();
}
