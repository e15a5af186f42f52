/*
 * lzw.c — see lzw.h. The table is the classic one (a prefix code and a
 * suffix byte per entry, every prefix smaller than its entry, so a string
 * is unwound on a stack in at most 2^16 steps); bit positions count from
 * the first code, and "a group" starts where the current code width began,
 * as in gzip's unlzw.c, whose reading this follows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "yara/lzw.h"

#define LZW_MAX (1u << 16)
#define CLEAR 256

struct pc_lzw {
    pc_pullbuf *in;
    uint64_t byte0;  /* the stream byte (from the first code) at in's position */
    uint64_t bitpos; /* the next code's first bit */
    uint64_t group;  /* where the current code width began */
    unsigned maxbits, n_bits;
    int block; /* CLEAR codes reset the table */
    uint32_t maxcode, maxmaxcode, free_ent;
    int32_t oldcode;
    uint8_t finchar;
    int done, bad;
    size_t sp; /* stack[sp..LZW_MAX + 1) is output not yet returned */
    uint16_t prefix[LZW_MAX];
    uint8_t suffix[LZW_MAX];
    uint8_t stack[LZW_MAX + 1];
};

pc_lzw *pc_lzw_new(pc_pullbuf *in)
{
    if (pc_pullbuf_have(in, 3) < 3)
        return NULL;
    const unsigned char *h = in->buf + in->pos;
    unsigned maxbits = h[2] & 0x1f;
    if (h[0] != 0x1f || h[1] != 0x9d || (h[2] & 0x60) || maxbits < 9 || maxbits > 16)
        return NULL;
    pc_lzw *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->in = in;
    z->maxbits = maxbits;
    z->block = (h[2] & 0x80) != 0;
    in->pos += 3;
    z->n_bits = 9;
    z->maxcode = (1u << 9) - 1;
    z->maxmaxcode = 1u << maxbits;
    z->free_ent = z->block ? CLEAR + 1 : CLEAR;
    z->oldcode = -1;
    z->sp = LZW_MAX + 1;
    for (unsigned i = 0; i < 256; i++)
        z->suffix[i] = (uint8_t)i;
    return z;
}

void pc_lzw_free(pc_lzw *z)
{
    free(z);
}

/* Skip to the end of the current group of 8 codes (the padding the
 * encoder wrote before a width change or after a CLEAR). */
static void align(pc_lzw *z)
{
    uint64_t g = (uint64_t)z->n_bits * 8, used = z->bitpos - z->group;
    z->bitpos = z->group + (used + g - 1) / g * g;
    z->group = z->bitpos;
}

/* The next code, or -1 at the end (fewer than n_bits bits left). */
static int32_t next_code(pc_lzw *z)
{
    uint64_t b = z->bitpos >> 3;
    size_t skip = (size_t)(b - z->byte0); /* (at most a group's padding: 16 bytes) */
    size_t avail = pc_pullbuf_have(z->in, skip + 3);
    if (avail < skip)
        return -1;
    z->in->pos += skip;
    z->byte0 = b;
    avail -= skip;
    unsigned off = (unsigned)(z->bitpos & 7);
    if (avail * 8 < (uint64_t)off + z->n_bits)
        return -1;
    const unsigned char *p = z->in->buf + z->in->pos;
    uint32_t v =
        p[0] | (avail > 1 ? (uint32_t)p[1] << 8 : 0) | (avail > 2 ? (uint32_t)p[2] << 16 : 0);
    z->bitpos += z->n_bits;
    return (int32_t)((v >> off) & ((1u << z->n_bits) - 1));
}

static int push(pc_lzw *z, uint8_t c)
{
    if (z->sp == 0)
        return -1;
    z->stack[--z->sp] = c;
    return 0;
}

/* Decode one code onto the stack: 0, 1 at the end, -1 on a bad code. */
static int step(pc_lzw *z)
{
    while (z->free_ent > z->maxcode) { /* the width grows: padding, then wider codes */
        align(z);
        z->n_bits++;
        z->maxcode = z->n_bits >= z->maxbits ? z->maxmaxcode : (1u << z->n_bits) - 1;
    }
    int32_t code = next_code(z);
    if (code < 0)
        return 1;
    if (z->oldcode == -1) {
        if (code >= CLEAR)
            return -1;
        z->oldcode = code;
        z->finchar = (uint8_t)code;
        return push(z, (uint8_t)code);
    }
    if (code == CLEAR && z->block) {
        align(z);
        z->free_ent = CLEAR;
        z->n_bits = 9;
        z->maxcode = (1u << 9) - 1;
        return 0;
    }
    int32_t incode = code;
    if ((uint32_t)code >= z->free_ent) { /* KwKwK: the string being defined */
        if ((uint32_t)code > z->free_ent || push(z, z->finchar) < 0)
            return -1;
        code = z->oldcode;
    }
    while (code >= CLEAR) { /* (each prefix is below its entry: the stack bounds it anyway) */
        if (push(z, z->suffix[code]) < 0)
            return -1;
        code = z->prefix[code];
    }
    z->finchar = z->suffix[code];
    if (push(z, z->finchar) < 0)
        return -1;
    if (z->free_ent < z->maxmaxcode) {
        z->prefix[z->free_ent] = (uint16_t)z->oldcode;
        z->suffix[z->free_ent] = z->finchar;
        z->free_ent++;
    }
    z->oldcode = incode;
    return 0;
}

ssize_t pc_lzw_read(pc_lzw *z, unsigned char *out, size_t n)
{
    size_t got = 0;
    while (got < n) {
        if (z->sp <= LZW_MAX) {
            size_t k = LZW_MAX + 1 - z->sp;
            k = k < n - got ? k : n - got;
            memcpy(out + got, z->stack + z->sp, k);
            z->sp += k;
            got += k;
            continue;
        }
        if (z->done || z->bad)
            break;
        int r = step(z);
        z->done |= r > 0;
        z->bad |= r < 0;
    }
    return got == 0 && z->bad ? -1 : (ssize_t)got;
}
