/*
 * carve.c — see carve.h.
 */
#include <string.h>
#include "yara/carve.h"
#include "yara/unwrap.h"

static unsigned u16(const unsigned char *p, int be)
{
    return be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static unsigned long u32(const unsigned char *p, int be)
{
    return be ? (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 |
                    p[3]
              : (unsigned long)p[3] << 24 | (unsigned long)p[2] << 16 | (unsigned long)p[1] << 8 |
                    p[0];
}

/* p: 64 bytes or more from "\x7fELF" */
static int loadable(const unsigned char *p)
{
    int cls = p[4], data = p[5];
    if ((cls != 1 && cls != 2) || (data != 1 && data != 2) || p[6] != 1)
        return 0;
    int be = data == 2;
    unsigned type = u16(p + 16, be);
    if ((type != 2 && type != 3) || u32(p + 20, be) != 1)
        return 0;
    if (cls == 2)
        return u16(p + 52, be) == 64 && u16(p + 54, be) == 56;
    return u16(p + 40, be) == 52 && u16(p + 42, be) == 32;
}

static const unsigned char magic[4] = {0x7f, 'E', 'L', 'F'};

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
        if (loadable(q))
            return (size_t)(q - p);
        from = (size_t)(q - p) + 1;
    }
    return n;
}

/* ELF's magic, then those of the compressed streams looked for inside
 * other bytes: those whose start says enough (the weak ones, lzma-alone's
 * and compress's, and lz4's legacy frames, would start on chance bytes). */
static const char *const magics[] = {"\x7f"
                                     "ELF",
                                     "\x1f\x8b\x08",
                                     "\xfd"
                                     "7zXZ\0",
                                     "\x28\xb5\x2f\xfd",
                                     "BZh",
                                     "\x04\x22\x4d\x18",
                                     "LZIP"};
static const size_t magic_len[] = {4, 3, 6, 4, 3, 4, 4};

/* 1 when a stream a decoder reads starts at p: as unwrap.c sniffs it, and
 * for gzip with no reserved flag set (gzip and zlib refuse one). */
int pc_carve_stream(const unsigned char *p, size_t n)
{
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

/* The next place at or after from where magic k starts what it counts
 * for (a loadable program; a stream its decoder starts on), or n. */
static size_t next_of(const unsigned char *p, size_t n, size_t k, size_t from)
{
    if (k == 0)
        return pc_carve_elf(p, n, from);
    size_t len = magic_len[k];
    while (from < n && n - from >= len) {
        const unsigned char *q = memmem(p + from, n - from, magics[k], len);
        if (!q)
            break;
        size_t o = (size_t)(q - p);
        if (pc_carve_stream(q, n - o))
            return o;
        from = o + 1;
    }
    return n;
}

void pc_carve_begin(pc_carve_it *it, const unsigned char *p, size_t n)
{
    it->p = p;
    it->n = n;
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
        /* each magic's next place, searched again only once passed: no
         * byte is searched twice for one magic */
        if (it->next[k] == PC_CARVE_UNSEEN || (it->next[k] < from && it->next[k] < it->n))
            it->next[k] = next_of(it->p, it->n, k, from);
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
    pc_carve_begin(&it, p, n);
    return pc_carve_at(&it, from, stream);
}

size_t pc_carve_magics(const char *const **m, const size_t **len)
{
    *m = magics;
    *len = magic_len;
    return sizeof magic_len / sizeof *magic_len;
}
