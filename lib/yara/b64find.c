/*
 * b64find.c — see b64find.h. Runs are found with a skip search: a run of
 * at least W bytes covers every W-th byte, so a byte that cannot be in a
 * run lets the search jump W bytes; ordinary text (a space every few
 * bytes) costs about one look per W bytes.
 */
#include <string.h>
#include "yara/b64find.h"

#define W (PC_B64_MIN / 3 * 4) /* letters for PC_B64_MIN bytes */

static int letter(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

static int in_run(unsigned char c)
{
    return letter(c) || c == '\n' || c == '\r';
}

static int value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : 63;
}

void pc_b64_begin(pc_b64_it *it, const unsigned char *p, size_t n)
{
    it->p = p;
    it->n = n;
    it->at = 0;
}

const unsigned char *pc_b64_next(pc_b64_it *it, size_t *runlen)
{
    const unsigned char *p = it->p;
    size_t n = it->n, i = it->at;
    while (n >= W && i <= n - W) {
        size_t j = i + W - 1;
        if (!in_run(p[j])) {
            i = j + 1;
            continue;
        }
        size_t k = j;
        while (k > i && in_run(p[k - 1]))
            k--;
        if (k > i) {
            i = k; /* [k, j] is in a run: try the window from k */
            continue;
        }
        /* [i, j] is in a run; its start is i (i == at, or p[i - 1] is not) */
        while (i > it->at && in_run(p[i - 1]))
            i--;
        size_t e = j + 1;
        while (e < n && in_run(p[e]))
            e++;
        it->at = e;
        size_t s = i, letters = 0;
        while (s < e && !letter(p[s]))
            s++; /* (line breaks before it) */
        while (e > s && !letter(p[e - 1]))
            e--;
        for (size_t x = s; x < e; x++)
            letters += letter(p[x]);
        if (letters >= W) {
            *runlen = e - s;
            return p + s;
        }
        i = it->at;
    }
    it->at = n;
    return NULL;
}

int pc_b64_wants(const unsigned char *p, size_t n)
{
    if ((n >= 4 && p[0] == 0x7f && p[1] == 'E' && p[2] == 'L' && p[3] == 'F') ||
        memchr(p, 0, n < PC_B64_HEAD ? n : PC_B64_HEAD))
        return 0;
    pc_b64_it it;
    size_t len = 0;
    pc_b64_begin(&it, p, n);
    return pc_b64_next(&it, &len) != NULL;
}

size_t pc_b64_decode(const unsigned char *run, size_t runlen, unsigned char *out)
{
    size_t o = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < runlen; i++) {
        if (!letter(run[i]))
            continue; /* a line break */
        acc = (acc << 6) | (unsigned)value(run[i]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return o;
}
