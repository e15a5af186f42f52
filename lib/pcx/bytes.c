/*
 * bytes.c — fixed-width integers read from a byte string in a given byte
 * order: the headers of archives, compressed streams and capability
 * attributes the scanner reads.
 */
#include "pcx.h"

uint16_t pc_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t pc_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t pc_le64(const unsigned char *p)
{
    return (uint64_t)pc_le32(p) | (uint64_t)pc_le32(p + 4) << 32;
}

uint32_t pc_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

uint64_t pc_uint_at(const unsigned char *p, size_t size, int be)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size && i < 8; i++)
        v |= (uint64_t)p[be ? size - 1 - i : i] << (8 * i);
    return v;
}
