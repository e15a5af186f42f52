/*
 * b64find.c — see b64find.h. Stretches are found with a skip search: a
 * stretch of at least SEG bytes covers every SEG-th byte, so a byte that
 * cannot be in one lets the search jump SEG bytes; ordinary text (a space
 * every few bytes) costs about one look per SEG bytes. A run is a stretch
 * and the stretches joined to it as strings a language joins ("AAA"
 * "BBB", "AAA" + b"BBB", over lines), however short each is, and the
 * lines after it that are indented letters.
 */
#include <string.h>
#include "yara/b64find.h"
#include "yara/carve.h"

#define W (PC_B64_MIN / 3 * 4) /* letters for PC_B64_MIN bytes */
#define SEG 32                 /* a stretch the search starts from */

/* Each byte's classes, one bit each (a table: the search looks at every
 * byte of every ELF and text file held whole). */
enum {
    C_LETTER = 1,  /* base64's: A-Z a-z 0-9 + / */
    C_RUN = 2,     /* in a stretch: letters, line breaks, a backslash (a shell
                    * line continuation inside a quoted string, a Python one
                    * between strings) */
    C_BLANK = 4,   /* space, tab */
    C_BRK = 8,     /* \n, \r */
    C_QUOTE = 16,  /* " ' */
    C_JOINER = 32, /* between two string literals a language joins: blanks,
                    * line breaks, a backslash, '+' */
    C_PREFIX = 64  /* a string prefix: b B r R u U */
};
static const unsigned char cls[256] = {
    0, 0, 0, 0, 0,  0, 0,  0,  0,  36, 42, 0, 0, 42, 0,  0, 0, 0,  0, 0, 0,  0, 0, 0, 0, 0,
    0, 0, 0, 0, 0,  0, 36, 0,  16, 0,  0,  0, 0, 16, 0,  0, 0, 35, 0, 0, 0,  3, 3, 3, 3, 3,
    3, 3, 3, 3, 3,  3, 0,  0,  0,  0,  0,  0, 0, 3,  67, 3, 3, 3,  3, 3, 3,  3, 3, 3, 3, 3,
    3, 3, 3, 3, 67, 3, 3,  67, 3,  3,  3,  3, 3, 0,  34, 0, 0, 0,  0, 3, 67, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3,  3, 3,  3,  3,  3,  67, 3, 3, 67, 3,  3, 3, 3,  3, 0, 0,  0, 0, 0, 0, 0,
    0, 0, 0, 0, 0,  0, 0,  0,  0,  0,  0,  0, 0, 0,  0,  0, 0, 0,  0, 0, 0,  0, 0, 0, 0, 0,
    0, 0, 0, 0, 0,  0, 0,  0,  0,  0,  0,  0, 0, 0,  0,  0, 0, 0,  0, 0, 0,  0, 0, 0, 0, 0,
    0, 0, 0, 0, 0,  0, 0,  0,  0,  0,  0,  0, 0, 0,  0,  0, 0, 0,  0, 0, 0,  0, 0, 0, 0, 0,
    0, 0, 0, 0, 0,  0, 0,  0,  0,  0,  0,  0, 0, 0,  0,  0, 0, 0,  0, 0, 0,  0, 0, 0, 0, 0,
    0, 0, 0, 0, 0,  0, 0,  0,  0,  0,  0,  0, 0, 0,  0,  0, 0, 0,  0, 0, 0,  0,
};

static int letter(unsigned char c)
{
    return cls[c] & C_LETTER;
}

static int in_run(unsigned char c)
{
    return cls[c] & C_RUN;
}

static int quote(unsigned char c)
{
    return cls[c] & C_QUOTE;
}

static int blank(unsigned char c)
{
    return cls[c] & C_BLANK;
}

static int brk(unsigned char c)
{
    return cls[c] & C_BRK;
}

/* The end of the stretch whose bytes continue at e: over what is in a
 * run, and over a line's indentation when letters follow it. */
static size_t run_fwd(const unsigned char *p, size_t n, size_t e)
{
    for (;;) {
        while (e < n && in_run(p[e]))
            e++;
        size_t k = e;
        while (k < n && blank(p[k]))
            k++;
        if (e == 0 || !brk(p[e - 1]) || k == e || k >= n || !letter(p[k]))
            return e;
        e = k;
    }
}

/* The same backwards: where the stretch that goes on at i starts (lo at
 * the least). */
static size_t run_back(const unsigned char *p, size_t lo, size_t i)
{
    for (;;) {
        while (i > lo && in_run(p[i - 1]))
            i--;
        size_t k = i;
        while (k > lo && blank(p[k - 1]))
            k--;
        if (k == i || k <= lo || !brk(p[k - 1]) || !letter(p[i]))
            return i;
        i = k;
    }
}

static int joiner(unsigned char c)
{
    return cls[c] & C_JOINER;
}

static int prefix(unsigned char c)
{
    return cls[c] & C_PREFIX;
}

/* A join from the closing quote at e ("...AAA" + b"BBB..."): where the
 * next stretch's letters start, or 0. */
static size_t join_fwd(const unsigned char *p, size_t n, size_t e)
{
    if (e >= n || !quote(p[e]))
        return 0;
    size_t i = e + 1;
    while (i < n && joiner(p[i]))
        i++;
    size_t k = i;
    while (k < n && k < i + 2 && prefix(p[k]))
        k++;
    if (k < n && quote(p[k]))
        i = k;
    if (i >= n || !quote(p[i]) || i + 1 >= n || !letter(p[i + 1]))
        return 0;
    return i + 1;
}

/* The same backwards, from the letters starting at s: where the previous
 * stretch ends (its closing quote's place), or 0. */
static size_t join_back(const unsigned char *p, size_t lo, size_t s)
{
    if (s <= lo + 1 || !quote(p[s - 1]))
        return 0;
    size_t i = s - 1, k = i;
    while (k > lo && k + 2 > i && prefix(p[k - 1]))
        k--;
    if (k < i && k > lo && (joiner(p[k - 1]) || quote(p[k - 1])))
        i = k;
    while (i > lo && joiner(p[i - 1]))
        i--;
    if (i <= lo + 1 || !quote(p[i - 1]) || !letter(p[i - 2]))
        return 0;
    return i - 1;
}

/* Letters of a run, a join's bytes (from a quote to the next) not among
 * them: fn(ud, letter) for each; their count. */
static size_t each_letter(const unsigned char *run, size_t len, void (*fn)(void *, unsigned char),
                          void *ud)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++) {
        if (quote(run[i])) {
            while (++i < len && !quote(run[i]))
                ;
            continue;
        }
        if (letter(run[i])) {
            count++;
            if (fn)
                fn(ud, run[i]);
        }
    }
    return count;
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

int pc_b64_text(const unsigned char *p, size_t n)
{
    return !pc_elf_head(p, n) && !memchr(p, 0, n < PC_B64_HEAD ? n : PC_B64_HEAD);
}

void pc_b64_begin_text(pc_b64_it *it, const unsigned char *p, size_t n)
{
    it->p = p;
    it->n = n;
    it->at = 0;
    it->alt = it->altlen = 0;
}

void pc_b64_begin(pc_b64_it *it, const unsigned char *p, size_t n)
{
    pc_b64_begin_text(it, p, n);
    if (!pc_b64_text(p, n) && !pc_elf_head(p, n))
        it->at = n; /* no text and no program: nothing to find */
}

/* A run [s, e) whose first line starts after other bytes of its line (not
 * at a line's start or indentation, not in a string literal) and goes on
 * over more lines: the second reading, from its second line's first
 * letter (b64find.h), if it still holds enough letters. */
static void second_reading(pc_b64_it *it, size_t s, size_t e)
{
    const unsigned char *p = it->p;
    size_t b = s;
    while (b > 0 && blank(p[b - 1]))
        b--;
    if (b == 0 || brk(p[b - 1]) || quote(p[s - 1]))
        return;
    const unsigned char *nl = memchr(p + s, '\n', e - s), *cr = memchr(p + s, '\r', e - s);
    if (!nl || (cr && cr < nl))
        nl = cr;
    if (!nl)
        return;
    size_t a = (size_t)(nl - p);
    while (a < e && !letter(p[a]) && !quote(p[a]))
        a++;
    if (a < e && letter(p[a]) && each_letter(p + a, e - a, NULL, NULL) >= W) {
        it->alt = a;
        it->altlen = e - a;
    }
}

const unsigned char *pc_b64_next(pc_b64_it *it, size_t *runlen)
{
    const unsigned char *p = it->p;
    size_t n = it->n, i = it->at;
    if (it->altlen) {
        *runlen = it->altlen;
        it->altlen = 0;
        return p + it->alt;
    }
    while (n >= SEG && i <= n - SEG) {
        size_t j = i + SEG - 1;
        if (!in_run(p[j])) {
            i = j + 1;
            continue;
        }
        size_t k = j;
        while (k > i && in_run(p[k - 1]))
            k--;
        if (k > i) {
            i = k; /* [k, j] is in a stretch: try the window from k */
            continue;
        }
        /* [i, j] is in a stretch; its start: back to it->at at most, and
         * over joined strings before it */
        i = run_back(p, it->at, i);
        for (size_t b; (b = join_back(p, it->at, i)) != 0;)
            i = run_back(p, it->at, b);
        size_t e = j + 1;
        for (;;) {
            e = run_fwd(p, n, e);
            size_t f = join_fwd(p, n, e);
            if (!f)
                break;
            e = f;
        }
        it->at = e;
        size_t s = i;
        while (s < e && !letter(p[s]))
            s++; /* (line breaks and indentation before it) */
        while (e > s && !letter(p[e - 1]))
            e--;
        if (each_letter(p + s, e - s, NULL, NULL) >= W) {
            *runlen = e - s;
            second_reading(it, s, e);
            return p + s;
        }
        i = it->at;
    }
    it->at = n;
    return NULL;
}

int pc_b64_wants(const unsigned char *p, size_t n)
{
    pc_b64_it it;
    size_t len = 0;
    pc_b64_begin(&it, p, n);
    return pc_b64_next(&it, &len) != NULL;
}

typedef struct dec {
    unsigned char *out;
    size_t o;
    unsigned acc, bits;
} dec;

static void put(void *ud, unsigned char c)
{
    dec *d = ud;
    d->acc = (d->acc << 6) | (unsigned)value(c);
    d->bits += 6;
    if (d->bits >= 8) {
        d->bits -= 8;
        d->out[d->o++] = (unsigned char)(d->acc >> d->bits);
        d->acc &= (1u << d->bits) - 1;
    }
}

size_t pc_b64_decode(const unsigned char *run, size_t runlen, unsigned char *out)
{
    dec d = {out, 0, 0, 0};
    each_letter(run, runlen, put, &d);
    return d.o;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

typedef struct kindof {
    size_t n;    /* letters seen */
    int hex;     /* all hex digits so far */
    int escaped; /* all "x" and two hex digits so far */
} kindof;

static void classify(void *ud, unsigned char c)
{
    kindof *k = ud;
    k->hex &= hexval(c) >= 0;
    k->escaped &= k->n % 3 == 0 ? c == 'x' : hexval(c) >= 0;
    k->n++;
}

pc_enc_kind pc_enc_of(const unsigned char *run, size_t *runlen)
{
    kindof k = {0, 1, 1};
    each_letter(run, *runlen, classify, &k);
    if (k.escaped && k.n % 3 == 0)
        return PC_ENC_ESCAPED;
    if (k.hex && k.n % 2 == 0)
        return PC_ENC_HEX;
    /* hex lines, then a short last line that is not hex: a heredoc's
     * end word (<<EOF ... EOF), left out */
    size_t last = *runlen;
    while (last > 0 && run[last - 1] != '\n')
        last--;
    if (last > 0) {
        kindof h = {0, 1, 1}, t = {0, 1, 1};
        each_letter(run, last, classify, &h);
        each_letter(run + last, *runlen - last, classify, &t);
        if (h.hex && h.n % 2 == 0 && t.n <= 16) {
            *runlen = last;
            return PC_ENC_HEX;
        }
    }
    return PC_ENC_BASE64;
}

const char *pc_enc_name(pc_enc_kind k)
{
    return k == PC_ENC_HEX ? "hex" : k == PC_ENC_ESCAPED ? "escaped" : "base64";
}

typedef struct hexdec {
    unsigned char *out;
    size_t o, n;
    int hi, escaped;
} hexdec;

static void put_hex(void *ud, unsigned char c)
{
    hexdec *d = ud;
    size_t at = d->n++;
    if (d->escaped && at % 3 == 0)
        return; /* the 'x' */
    int v = hexval(c);
    if ((d->escaped ? at % 3 == 1 : at % 2 == 0)) {
        d->hi = v;
        return;
    }
    d->out[d->o++] = (unsigned char)(d->hi << 4 | v);
}

size_t pc_enc_decode(pc_enc_kind k, const unsigned char *run, size_t runlen, unsigned char *out)
{
    if (k == PC_ENC_BASE64)
        return pc_b64_decode(run, runlen, out);
    hexdec d = {out, 0, 0, 0, k == PC_ENC_ESCAPED};
    each_letter(run, runlen, put_hex, &d);
    return d.o;
}

size_t pc_enc_skip(const unsigned char *run, size_t runlen, size_t skip, pc_enc_kind k)
{
    size_t i = 0;
    for (; i < runlen && skip > 0; i++) {
        unsigned char c = run[i];
        int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (k == PC_ENC_HEX ? hex : letter(c))
            skip--;
    }
    return i;
}

size_t pc_enc_shifts(pc_enc_kind k)
{
    return k == PC_ENC_BASE64 ? 4 : k == PC_ENC_HEX ? 2 : 1;
}

int pc_enc_worth(const unsigned char *d, size_t n)
{
    int stream;
    if (pc_carve_payload(d, n) || pc_carve_zlib(d, n) || pc_carve_next(d, n, 1, &stream) < n)
        return 1;
    size_t text = 0;
    for (size_t i = 0; i < n; i++)
        text += (d[i] >= 0x20 && d[i] < 0x7f) || d[i] == '\n' || d[i] == '\t' || d[i] == '\r';
    return n >= 16 && text >= n - n / 10; /* (nine bytes in ten) */
}
