/*
 * siphash.c — pc_siphash (pcx.h). Written from the paper's description: four
 * 64-bit words of state from the key and the ASCII of
 * "somepseudorandomlygeneratedbytes", each 8-byte word of the message (little-endian)
 * taken in by c SipRounds, the last word holding the message length in
 * its top byte, then 0xff into v2 and d SipRounds.
 */
#include <string.h>
#include "pcx.h"

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static inline __attribute__((always_inline)) void rounds(uint64_t v[4], int n)
{
    while (n-- > 0) {
        v[0] += v[1];
        v[1] = rotl(v[1], 13) ^ v[0];
        v[0] = rotl(v[0], 32);
        v[2] += v[3];
        v[3] = rotl(v[3], 16) ^ v[2];
        v[0] += v[3];
        v[3] = rotl(v[3], 21) ^ v[0];
        v[2] += v[1];
        v[1] = rotl(v[1], 17) ^ v[2];
        v[2] = rotl(v[2], 32);
    }
}

/* n (at most 8) bytes at p as a little-endian word */
static uint64_t le64(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    if (n == 8) {
        memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        return w;
    }
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

/* Inlined into pc_siphash once for each usual pair of round counts, so
 * their loops unroll. */
static inline __attribute__((always_inline)) uint64_t sip(const void *p, size_t n,
                                                          const uint64_t k[2], int c, int d)
{
    const unsigned char *m = p;
    uint64_t v[4] = {k[0] ^ 0x736f6d6570736575ull, k[1] ^ 0x646f72616e646f6dull,
                     k[0] ^ 0x6c7967656e657261ull, k[1] ^ 0x7465646279746573ull};
    size_t left = n;
    for (; left >= 8; m += 8, left -= 8) {
        uint64_t w = le64(m, 8);
        v[3] ^= w;
        rounds(v, c);
        v[0] ^= w;
    }
    uint64_t last = le64(m, left) | ((uint64_t)(n & 0xff) << 56);
    v[3] ^= last;
    rounds(v, c);
    v[0] ^= last;
    v[2] ^= 0xff;
    rounds(v, d);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t pc_siphash(const void *p, size_t n, const uint64_t k[2], int c, int d)
{
    if (c == 1 && d == 3)
        return sip(p, n, k, 1, 3);
    if (c == 2 && d == 4)
        return sip(p, n, k, 2, 4);
    return sip(p, n, k, c, d);
}
