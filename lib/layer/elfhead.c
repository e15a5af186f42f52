/*
 * elfhead.c — what execve makes of an executable's head: ELF
 * identification and program headers from a bounded head buffer, a #!
 * line read as binfmt_script reads it, or neither (ENOEXEC). Every offset
 * read from the file is checked against the buffer before use; a
 * PT_INTERP beyond the head is not reported, but pc_elf_head_need says
 * how much more to read to see it.
 */
#include <stdint.h>
#include <string.h>
#include "layer/elfhead.h"

static uint64_t rd(const unsigned char *p, size_t size, int be)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++)
        v |= (uint64_t)p[be ? size - 1 - i : i] << (8 * i);
    return v;
}

/* The ELF header fields binfmt_elf reads to find the program headers. */
typedef struct elf_hdr {
    int cls, be;
    uint64_t phoff, phentsize, phnum;
} elf_hdr;

/* h from the n >= 16 bytes at p; 0 when they are not a whole ELF header of
 * class 1 or 2, or its program header table has an impossible shape. */
static int elf_hdr_read(const unsigned char *p, size_t n, elf_hdr *h)
{
    h->cls = p[4];
    h->be = p[5] == 2;
    if ((h->cls != 1 && h->cls != 2) || n < (h->cls == 2 ? 64u : 52u))
        return 0;
    h->phoff = h->cls == 2 ? rd(p + 32, 8, h->be) : rd(p + 28, 4, h->be);
    h->phentsize = rd(p + (h->cls == 2 ? 54 : 42), 2, h->be);
    h->phnum = rd(p + (h->cls == 2 ? 56 : 44), 2, h->be);
    return 1;
}

static int elf_phdrs_sane(const elf_hdr *h)
{
    return h->phentsize >= (h->cls == 2 ? 56u : 32u) && h->phnum <= 4096;
}

/* 1 when the program header at ph is PT_INTERP: its file offset and size. */
static int elf_interp(const elf_hdr *h, const unsigned char *ph, uint64_t *o, uint64_t *sz)
{
    if (rd(ph, 4, h->be) != 3) /* PT_INTERP */
        return 0;
    *o = h->cls == 2 ? rd(ph + 8, 8, h->be) : rd(ph + 4, 4, h->be);
    *sz = h->cls == 2 ? rd(ph + 32, 8, h->be) : rd(ph + 16, 4, h->be);
    return 1;
}

static void parse_elf(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena)
{
    elf_hdr h;
    ent->head = PC_HEAD_NOEXEC; /* binfmt_elf refuses what it cannot read */
    if (!elf_hdr_read(p, n, &h))
        return;
    ent->head = PC_HEAD_ELF;
    ent->elf_class = (uint8_t)h.cls;
    ent->elf_machine = (uint16_t)rd(p + 18, 2, h.be);
    if (!elf_phdrs_sane(&h) || h.phoff >= n)
        return;
    for (uint64_t i = 0; i < h.phnum; i++) {
        uint64_t off = h.phoff + i * h.phentsize, o, sz;
        if (off > n || n - off < h.phentsize)
            return;
        if (!elf_interp(&h, p + off, &o, &sz))
            continue;
        if (o >= n || sz == 0 || sz > n - o || sz > 4096)
            return;
        size_t len = strnlen((const char *)p + o, (size_t)sz);
        ent->interp = pc_arena_strndup(arena, (const char *)p + o, len);
        return;
    }
}

size_t pc_elf_head_need(const unsigned char *p, size_t n)
{
    elf_hdr h;
    if (n < 16 ||
        memcmp(p,
               "\x7f"
               "ELF",
               4) != 0 ||
        !elf_hdr_read(p, n, &h) || !elf_phdrs_sane(&h) || h.phoff > UINT64_MAX / 2)
        return 0;
    uint64_t table_end = h.phoff + h.phnum * h.phentsize; /* at most 2^63 + 2^28: no overflow */
    if (table_end > n)
        return table_end > SIZE_MAX ? SIZE_MAX : (size_t)table_end;
    for (uint64_t i = 0; i < h.phnum; i++) {
        uint64_t o, sz;
        if (!elf_interp(&h, p + h.phoff + i * h.phentsize, &o, &sz))
            continue;
        if (sz == 0 || sz > 4096 || o > UINT64_MAX - sz || o + sz <= n)
            return 0;
        return o + sz > SIZE_MAX ? SIZE_MAX : (size_t)(o + sz);
    }
    return 0;
}

/* binfmt_script's reading (fs/binfmt_script.c since Linux 5.1) of the
 * first BINPRM_BUF_SIZE bytes: the line ends at the first '\n' in them,
 * else at the buffer's end, and then only when a space, tab or NUL shows
 * that the interpreter's path was not cut. Trailing spaces and tabs are
 * trimmed; the interpreter is what follows "#!" and any spaces or tabs, up
 * to the next space, tab or NUL. Nothing else ends it: a '\r' of a CRLF
 * file is part of the interpreter's name, which then does not exist. */
enum { BINPRM_BUF_SIZE = 256 };

static int spacetab(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static int terminator(unsigned char c)
{
    return c == ' ' || c == '\t' || c == 0;
}

static void parse_script(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena)
{
    unsigned char buf[BINPRM_BUF_SIZE] = {0}; /* what the kernel reads: zeros past the end */
    memcpy(buf, p, n < sizeof buf ? n : sizeof buf);
    size_t end = 2, last = sizeof buf - 1; /* the kernel's buf_end */
    while (end < sizeof buf && buf[end] != '\n')
        end++;
    if (end == sizeof buf) { /* no newline in the buffer */
        size_t i = 2;
        while (i < last && spacetab(buf[i]))
            i++;
        while (i < last && !terminator(buf[i]))
            i++;
        if (i >= last) { /* all blanks, or the interpreter's path is cut */
            ent->head = PC_HEAD_BADSHEBANG;
            return;
        }
        end = last;
    }
    while (end > 2 && spacetab(buf[end - 1]))
        end--;
    size_t name = 2;
    while (name < end && spacetab(buf[name]))
        name++;
    if (name >= end || buf[name] == 0) {
        ent->head = PC_HEAD_BADSHEBANG;
        return;
    }
    /* interp keeps the line up to its end or a NUL (the check splits off
     * the argument at the first space or tab, as the kernel does) */
    size_t stop = name;
    while (stop < end && buf[stop] != 0)
        stop++;
    ent->head = PC_HEAD_SCRIPT;
    ent->interp = pc_arena_strndup(arena, (const char *)buf + name, stop - name);
}

void pc_head_parse(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena)
{
    if (n >= 4 && memcmp(p,
                         "\x7f"
                         "ELF",
                         4) == 0) {
        if (n >= 16)
            parse_elf(p, n, ent, arena);
        else
            ent->head = PC_HEAD_NOEXEC;
    } else if (n >= 2 && p[0] == '#' && p[1] == '!')
        parse_script(p, n, ent, arena);
    else if (n >= 5 && memcmp(p, "\xef\xbb\xbf#!", 5) == 0)
        ent->head = PC_HEAD_BOM;
    else
        ent->head = PC_HEAD_NOEXEC;
}

static const struct {
    unsigned machine;
    const char *name, *arch;
} machines[] = {
    {3, "i386", "386"},          {8, "mips", "mips"},
    {20, "ppc", "ppc"},          {21, "ppc64", "ppc64le"},
    {22, "s390x", "s390x"},      {40, "arm", "arm"},
    {62, "x86_64", "amd64"},     {183, "aarch64", "arm64"},
    {243, "riscv64", "riscv64"}, {258, "loongarch64", "loong64"},
};

const char *pc_elf_machine_name(unsigned machine)
{
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
        if (machines[i].machine == machine)
            return machines[i].name;
    return NULL;
}

unsigned pc_elf_machine_for_arch(const char *arch)
{
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
        if (strcmp(machines[i].arch, arch) == 0)
            return machines[i].machine;
    if (strcmp(arch, "ppc64") == 0 || strcmp(arch, "mips64") == 0 || strcmp(arch, "mips64le") == 0)
        return strcmp(arch, "ppc64") == 0 ? 21 : 8;
    return 0;
}
