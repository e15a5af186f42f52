/*
 * elfhead.c — parse ELF identification and program headers from a bounded
 * head buffer. Every offset read from the file is checked against the
 * buffer before use; a PT_INTERP beyond the head is simply not reported.
 */
#include <string.h>
#include "layer/elfhead.h"

static uint64_t rd(const unsigned char *p, size_t size, int be)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++)
        v |= (uint64_t)p[be ? size - 1 - i : i] << (8 * i);
    return v;
}

static void parse_elf(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena)
{
    int cls = p[4], be = p[5] == 2;
    if ((cls != 1 && cls != 2) || n < (cls == 2 ? 64u : 52u))
        return;
    ent->head = PC_HEAD_ELF;
    ent->elf_class = (uint8_t)cls;
    ent->elf_machine = (uint16_t)rd(p + 18, 2, be);
    uint64_t phoff = cls == 2 ? rd(p + 32, 8, be) : rd(p + 28, 4, be);
    uint64_t phentsize = rd(p + (cls == 2 ? 54 : 42), 2, be);
    uint64_t phnum = rd(p + (cls == 2 ? 56 : 44), 2, be);
    if (phentsize < (cls == 2 ? 56u : 32u) || phnum > 4096 || phoff >= n)
        return;
    for (uint64_t i = 0; i < phnum; i++) {
        uint64_t off = phoff + i * phentsize;
        if (off > n || n - off < phentsize)
            return;
        const unsigned char *ph = p + off;
        if (rd(ph, 4, be) != 3) /* PT_INTERP */
            continue;
        uint64_t o = cls == 2 ? rd(ph + 8, 8, be) : rd(ph + 4, 4, be);
        uint64_t sz = cls == 2 ? rd(ph + 32, 8, be) : rd(ph + 16, 4, be);
        if (o >= n || sz == 0 || sz > n - o || sz > 4096)
            return;
        size_t len = strnlen((const char *)p + o, (size_t)sz);
        ent->interp = pc_arena_strndup(arena, (const char *)p + o, len);
        return;
    }
}

static void parse_script(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena)
{
    size_t i = 2, end;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    for (end = i; end < n && end - i < 255 && p[end] != '\n' && p[end] != 0; end++)
        ;
    while (end > i && (p[end - 1] == ' ' || p[end - 1] == '\t' || p[end - 1] == '\r'))
        end--;
    ent->head = PC_HEAD_SCRIPT;
    ent->interp = pc_arena_strndup(arena, (const char *)p + i, end - i);
}

void pc_head_parse(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena)
{
    if (n >= 16 && memcmp(p,
                          "\x7f"
                          "ELF",
                          4) == 0)
        parse_elf(p, n, ent, arena);
    else if (n >= 2 && p[0] == '#' && p[1] == '!')
        parse_script(p, n, ent, arena);
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
