/*
 * swar.h — eight bytes at a time in a 64-bit word ("SIMD within a
 * register"), for the JSON reader (jdoc.c) and writer (jsonstr.c): both
 * skip runs of string bytes that need nothing done. Loads are memcpy's,
 * so any alignment is fine; callers never read past their bytes.
 */
#ifndef PC_SWAR_H
#define PC_SWAR_H

#include <stdint.h>
#include <string.h>

#define PC_SWAR_ONES 0x0101010101010101ull
#define PC_SWAR_HIGHS 0x8080808080808080ull

static inline uint64_t pc_swar_load8(const void *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* Whether a byte of x is zero (exact as a yes or no, for any x). */
static inline uint64_t pc_swar_zero_byte(uint64_t x)
{
    return (x - PC_SWAR_ONES) & ~x & PC_SWAR_HIGHS;
}

/* Whether all 8 bytes at p are plain inside a JSON string: none is '"',
 * a backslash, a control character (NUL included) or a byte of 0x80 and
 * up (a UTF-8 sequence, checked byte by byte). */
static inline int pc_swar_json_plain8(const void *p)
{
    uint64_t x = pc_swar_load8(p);
    uint64_t bad = x & PC_SWAR_HIGHS;                      /* 0x80 and up */
    bad |= (x - PC_SWAR_ONES * 0x20) & ~x & PC_SWAR_HIGHS; /* below 0x20 */
    bad |= pc_swar_zero_byte(x ^ (PC_SWAR_ONES * '"'));    /* a quote */
    bad |= pc_swar_zero_byte(x ^ (PC_SWAR_ONES * '\\'));   /* a backslash */
    return bad == 0;
}

#endif
