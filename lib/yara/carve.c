/*
 * carve.c — see carve.h.
 */
#include <stdint.h>
#include <string.h>
#include <zlib.h>
#include "pcx.h"
#include "layer/elfhead.h"
#include "yara/carve.h"
#include "yara/members.h"
#include "yara/unwrap.h"

static unsigned u16(const unsigned char *p, int be)
{
    return (unsigned)pc_uint_at(p, 2, be);
}

static unsigned long u32(const unsigned char *p, int be)
{
    return (unsigned long)pc_uint_at(p, 4, be);
}

static const unsigned char magic[4] = {0x7f, 'E', 'L', 'F'};

static uint64_t u64(const unsigned char *p, int be)
{
    return pc_uint_at(p, 8, be);
}

/* e_machine of the processors a program is run on: those the kernel
 * loads for (each architecture's elf_check_arch) and those qemu-user
 * runs through binfmt_misc. A GPU's or BPF's code object (CUDA's cubins,
 * 190; AMDGPU, 224; BPF, 247), which libraries hold by the hundred, is
 * not one. */
static const unsigned cpu_machines[] = {2,  3,  4,  8,  10, 15,  18,  20,  21,  22,  40,  42,    43,
                                        50, 62, 76, 92, 94, 113, 164, 183, 189, 243, 258, 0x9026};

int pc_elf_cpu(const unsigned char *p, size_t n)
{
    int be, c64;
    if (n < 64 || memcmp(p, magic, 4) != 0 || !pc_elf_exec_reading(p, 64, &be, &c64))
        return 0;
    unsigned m = u16(p + 18, be);
    for (size_t i = 0; i < sizeof cpu_machines / sizeof *cpu_machines; i++)
        if (m == cpu_machines[i])
            return 1;
    return 0;
}

int pc_elf_extent(const unsigned char *p, size_t n, uint64_t *end)
{
    int be, c64;
    if (n < 64 || memcmp(p, magic, 4) != 0 || !pc_elf_exec_reading(p, 64, &be, &c64))
        return -1;
    uint64_t phoff = c64 ? u64(p + 32, be) : u32(p + 28, be);
    uint64_t shoff = c64 ? u64(p + 40, be) : u32(p + 32, be);
    unsigned phent = c64 ? 56 : 32, phnum = u16(p + (c64 ? 56 : 44), be);
    unsigned shent = u16(p + (c64 ? 58 : 46), be), shnum = u16(p + (c64 ? 60 : 48), be);
    /* the kernel reads at most 64 KiB of program headers, and at least one */
    if (phnum == 0 || (uint64_t)phnum * phent > 65536)
        return -1;
    uint64_t tab = pc_add_sat(phoff, (uint64_t)phnum * phent), e = tab > 64 ? tab : 64;
    if (tab > n) {
        *end = tab;
        return 0;
    }
    if (shoff) { /* (no count: section 0 holds it; its header at least) */
        uint64_t x = pc_add_sat(shoff, (uint64_t)shent * (shnum ? shnum : 1));
        e = x > e ? x : e;
    }
    for (unsigned i = 0; i < phnum; i++) {
        const unsigned char *h = p + phoff + (uint64_t)i * phent;
        uint64_t x = c64 ? pc_add_sat(u64(h + 8, be), u64(h + 32, be))
                         : pc_add_sat(u32(h + 4, be), u32(h + 16, be));
        e = x > e ? x : e;
    }
    *end = e;
    return 1;
}

int pc_elf_head(const unsigned char *p, size_t n)
{
    return n >= 4 && memcmp(p, magic, 4) == 0;
}

size_t pc_carve_elf(const unsigned char *p, size_t n, size_t from)
{
    if (from < 1)
        from = 1;
    while (from < n && n - from >= 64) {
        const unsigned char *q = memmem(p + from, n - from, magic, 4);
        if (!q || (size_t)(p + n - q) < 64)
            break;
        int be, c64;
        if (pc_elf_exec_reading(q, 64, &be, &c64))
            return (size_t)(q - p);
        from = (size_t)(q - p) + 1;
    }
    return n;
}

/* ELF's magic, then those of the compressed streams looked for inside
 * other bytes: those whose start says enough (the weak ones, lzma-alone's
 * and compress's, and lz4's legacy frames, would start on chance bytes),
 * and the four headers zlib writes (its default window, each level),
 * which say so little that a zlib stream counts only by what it decodes
 * to (pc_carve_zlib). */
static const char *const magics[] = {"\x7f"
                                     "ELF",
                                     "\x1f\x8b\x08",
                                     "\xfd"
                                     "7zXZ\0",
                                     "\x28\xb5\x2f\xfd",
                                     "BZh",
                                     "\x04\x22\x4d\x18",
                                     "LZIP",
                                     "\x78\x9c",
                                     "\x78\xda",
                                     "\x78\x01",
                                     "\x78\x5e"};
static const size_t magic_len[] = {4, 3, 6, 4, 3, 4, 4, 2, 2, 2, 2};

/* What a zlib stream found inside other bytes must decode to, first: a
 * program, a script, a compressed stream or an archive (what a dropper
 * inflates, writes out and starts or unpacks). */
#define ZLIB_PEEK PC_MEMBERS_SNIFF

int pc_carve_payload(const unsigned char *p, size_t n)
{
    return (n >= 4 && memcmp(p, magic, 4) == 0) || (n >= 2 && p[0] == '#' && p[1] == '!') ||
           pc_unwrap_sniff(p, n) != PC_WRAP_NONE || pc_members_sniff(p, n) != PC_ARC_NONE;
}

int pc_carve_zlib(const unsigned char *p, size_t n)
{
    unsigned char out[ZLIB_PEEK];
    z_stream z;
    if (!pc_unwrap_zlib_std(p, n))
        return 0;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return 1; /* (out of memory: not known, so looked at as a stream) */
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = n > 1u << 20 ? 1u << 20 : (uInt)n;
    z.next_out = out;
    z.avail_out = sizeof out;
    int rc = Z_OK;
    while (rc == Z_OK && z.avail_out > 0 && z.avail_in > 0)
        rc = inflate(&z, Z_SYNC_FLUSH);
    size_t got = sizeof out - z.avail_out;
    int left = z.avail_in == 0 && rc == Z_OK; /* (the bytes at hand ended first) */
    inflateEnd(&z);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return 0; /* (not zlib: damage at once) */
    if (rc == Z_BUF_ERROR && z.avail_in > 0)
        return 0;
    /* a short start is judged on what it gave: a whole file's end, or
     * (read in blocks) the rest of a block, which may go on */
    return pc_carve_payload(out, got) || (left && got < sizeof out && n < (1u << 20));
}
/* 1 when a stream a decoder reads starts at p: as unwrap.c sniffs it, and
 * for gzip with no reserved flag set (gzip and zlib refuse one). */
int pc_carve_stream(const unsigned char *p, size_t n)
{
    if (pc_unwrap_zlib_std(p, n))
        return pc_carve_zlib(p, n);
    switch (pc_unwrap_sniff(p, n)) {
    case PC_WRAP_GZIP:
        return n > 3 && (p[3] & 0xe0) == 0;
    case PC_WRAP_XZ:
    case PC_WRAP_ZSTD:
    case PC_WRAP_BZIP2:
    case PC_WRAP_LZ4:
    case PC_WRAP_LZIP:
        return 1;
    default:
        return 0;
    }
}

#define NMAGIC (sizeof magic_len / sizeof *magic_len)

static int zlib_second(unsigned char c)
{
    return c == 0x01 || c == 0x5e || c == 0x9c || c == 0xda;
}

size_t pc_carve_find(const unsigned char *p, size_t n, size_t from, size_t k)
{
    if (k >= NMAGIC || k > PC_CARVE_ZLIB)
        return n;
    if (k == PC_CARVE_ZLIB) { /* (a byte's search is fast; most 0x78s end there) */
        while (from < n && n - from >= 2) {
            const unsigned char *q = memchr(p + from, 0x78, n - from - 1);
            if (!q)
                break;
            if (zlib_second(q[1]))
                return (size_t)(q - p);
            from = (size_t)(q - p) + 1;
        }
        return n;
    }
    const unsigned char *q = from < n && n - from >= magic_len[k]
                                 ? memmem(p + from, n - from, magics[k], magic_len[k])
                                 : NULL;
    return q ? (size_t)(q - p) : n;
}

/* The next place at or after from where magic k starts what it counts
 * for (a loadable program; a stream its decoder starts on), or n. */
static size_t next_of(const unsigned char *p, size_t n, size_t k, size_t from)
{
    if (k == 0)
        return pc_carve_elf(p, n, from);
    for (size_t o; (o = pc_carve_find(p, n, from, k)) < n; from = o + 1)
        if (pc_carve_stream(p + o, n - o))
            return o;
    return n;
}

void pc_carve_begin(pc_carve_it *it, const unsigned char *p, size_t n, size_t strong)
{
    it->p = p;
    it->n = n;
    it->strong = strong;
    for (size_t k = 0; k < PC_CARVE_MAGICS; k++)
        it->next[k] = PC_CARVE_UNSEEN;
}

size_t pc_carve_at(pc_carve_it *it, size_t from, int *stream)
{
    size_t best = it->n;
    int kind = 0;
    if (from < 1)
        from = 1;
    for (size_t k = 0; k < NMAGIC && k < PC_CARVE_MAGICS; k++) {
        size_t f = k < PC_CARVE_ZLIB && from < it->strong ? it->strong : from;
        /* each magic's next place, searched again only once passed: no
         * byte is searched twice for one magic */
        if (it->next[k] == PC_CARVE_UNSEEN || (it->next[k] < f && it->next[k] < it->n))
            it->next[k] = next_of(it->p, it->n, k, f);
        if (it->next[k] < best) {
            best = it->next[k];
            kind = k != 0;
        }
    }
    *stream = kind;
    return best;
}

size_t pc_carve_next(const unsigned char *p, size_t n, size_t from, int *stream)
{
    pc_carve_it it;
    pc_carve_begin(&it, p, n, from);
    return pc_carve_at(&it, 1, stream);
}

size_t pc_carve_magics(const char *const **m, const size_t **len)
{
    *m = magics;
    *len = magic_len;
    return sizeof magic_len / sizeof *magic_len;
}
