/*
 * uufind.c — see uufind.h. A body is found by its "begin" line (memmem
 * over text: one look per byte at the most), then read line by line.
 * Characters are decoded as uudecode decodes them, (c - ' ') & 63,
 * whatever they are: an encoder that writes other printable characters
 * than uuencode's still decodes to the same bytes. A line shorter than its
 * count says gives the bytes its characters hold, so a body never decodes
 * to more than three bytes for four of its own.
 */
#include <string.h>
#include "yara/b64find.h"
#include "yara/uufind.h"

#define DEC(c) ((unsigned)((c) - ' ') & 63u)
#define UU_LINE_MAX 45 /* bytes on a line of uuencode's */

void pc_uu_begin_text(pc_uu_it *it, const unsigned char *p, size_t n)
{
    it->p = p;
    it->n = n;
    it->at = 0;
}

void pc_uu_begin(pc_uu_it *it, const unsigned char *p, size_t n)
{
    pc_uu_begin_text(it, p, n);
    if (!pc_b64_text(p, n))
        it->at = n;
}

/* The length of the line at p (n bytes left), its line break not counted;
 * *next: where the line after it starts. */
static size_t line_at(const unsigned char *p, size_t n, size_t *next)
{
    const unsigned char *nl = memchr(p, '\n', n);
    size_t len = nl ? (size_t)(nl - p) : n;
    *next = nl ? len + 1 : n;
    if (len > 0 && p[len - 1] == '\r')
        len--;
    return len;
}

/* A line as uuencode writes it: a count up to UU_LINE_MAX, the characters
 * for it from ' ' to '`', at most two more (a checksum, a blank). */
static int strict_line(const unsigned char *l, size_t len)
{
    if (len == 0)
        return 0;
    unsigned n = DEC(l[0]);
    size_t need = (n + 2) / 3 * 4;
    if (n == 0 || n > UU_LINE_MAX || len - 1 < need || len - 1 - need > 2)
        return 0;
    for (size_t i = 0; i <= need; i++)
        if (l[i] < ' ' || l[i] > '`')
            return 0;
    return 1;
}

static int is_end(const unsigned char *l, size_t len)
{
    return len >= 3 && memcmp(l, "end", 3) == 0 && (len == 3 || l[3] == ' ' || l[3] == '\t');
}

/* "begin MODE NAME" at line start (the line at p, len bytes): 1 or 0. */
static int begin_line(const unsigned char *l, size_t len)
{
    if (len < 9 || memcmp(l, "begin ", 6) != 0)
        return 0;
    size_t i = 6, d = 0;
    while (i < len && l[i] >= '0' && l[i] <= '7' && d < 6)
        i++, d++;
    return d > 0 && i + 1 < len && l[i] == ' ' && l[i + 1] != ' ';
}

/* Walk the body at p (n bytes): its length up to its last line's end; the
 * bytes it decodes to in *total; with out, decoded into it. */
static size_t body(const unsigned char *p, size_t n, size_t prefix, unsigned char *out,
                   size_t *total)
{
    size_t at = 0, end = 0, o = 0;
    while (at < n) {
        size_t next, len = line_at(p + at, n - at, &next);
        const unsigned char *l = p + at + prefix;
        if (len <= prefix || is_end(l, len - prefix))
            break;
        len -= prefix;
        unsigned cnt = DEC(l[0]);
        if (cnt == 0)
            break;
        for (size_t i = 1; cnt > 0 && i < len; i += 4) {
            unsigned v[4];
            size_t have = len - i < 4 ? len - i : 4; /* a short line: the bits it holds */
            for (size_t k = 0; k < 4; k++)
                v[k] = k < have ? DEC(l[i + k]) : 0;
            unsigned char b[3] = {(unsigned char)(v[0] << 2 | v[1] >> 4),
                                  (unsigned char)(v[1] << 4 | v[2] >> 2),
                                  (unsigned char)(v[2] << 6 | v[3])};
            for (size_t k = 0; k < have * 6 / 8 && cnt > 0; k++, cnt--) {
                if (out)
                    out[o] = b[k];
                o++;
            }
        }
        at += next;
        end = at;
    }
    *total = o;
    return end;
}

const unsigned char *pc_uu_next(pc_uu_it *it, size_t *len, size_t *prefix)
{
    const unsigned char *p = it->p;
    size_t n = it->n;
    while (it->at < n) {
        const unsigned char *b = memmem(p + it->at, n - it->at, "begin ", 6);
        if (!b) {
            it->at = n;
            break;
        }
        size_t at = (size_t)(b - p), next;
        it->at = at + 6;
        if (at > 0 && p[at - 1] != '\n' && !(at == 1 || (at > 1 && p[at - 2] == '\n')))
            continue; /* not at a line's start, nor after a one-character prefix */
        size_t hl = line_at(b, n - at, &next);
        if (!begin_line(b, hl))
            continue;
        const unsigned char *s = b + next;
        size_t rest = n - at - next, first, fl = line_at(s, rest, &first);
        size_t pre = !strict_line(s, fl) && fl > 1 && strict_line(s + 1, fl - 1) ? 1 : 0;
        size_t total, blen = body(s, rest, pre, NULL, &total);
        it->at = at + next + blen;
        if (total >= PC_B64_MIN) {
            *len = blen;
            *prefix = pre;
            return s;
        }
    }
    return NULL;
}

int pc_uu_wants(const unsigned char *p, size_t n)
{
    pc_uu_it it;
    size_t len, prefix;
    pc_uu_begin(&it, p, n);
    return pc_uu_next(&it, &len, &prefix) != NULL;
}

size_t pc_uu_decode(const unsigned char *b, size_t len, size_t prefix, unsigned char *out)
{
    size_t total;
    body(b, len, prefix, out, &total);
    return total;
}
