/*
 * carve.c — see carve.h.
 */
#include <string.h>
#include "yara/carve.h"

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
    if (pc_elf_head(p, n))
        return n;
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

int pc_carve_wants(const unsigned char *p, size_t n)
{
    return pc_carve_elf(p, n, 1) < n;
}
