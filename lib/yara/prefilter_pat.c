/*
 * prefilter_pat.c — YARA strings as vectorscan expressions
 * (prefilter_pat.h).
 *
 * Every byte is written as \xHH, so no character of the source can mean
 * something else to vectorscan's PCRE syntax than it meant to YARA.
 * YARA's regular expression syntax is read token by token and rewritten;
 * an escape or construct whose meaning could differ between the two
 * (unknown letter escapes, "(?", a repeat that is not {n}, {n,}, {n,m}
 * or YARA's {,m}) is refused, and the rule then keeps the prefilter off.
 */
#include <ctype.h>
#include <hs.h>
#include <stdlib.h>
#include <string.h>
#include "yara/prefilter_pat.h"

static void put_byte(pc_buf *b, unsigned c)
{
    pc_buf_printf(b, "\\x%02x", c & 0xff);
}

static int text_expr(const ys_string *s, int wide, pf_expr *out)
{
    pc_buf b = {0};
    for (size_t i = 0; i < s->len; i++) {
        put_byte(&b, s->val[i]);
        if (wide)
            put_byte(&b, 0);
    }
    out->flags = HS_FLAG_SINGLEMATCH | (s->mods & YS_M_NOCASE ? HS_FLAG_CASELESS : 0);
    return (out->re = pc_buf_take(&b)) ? 0 : -1;
}

static int hexdig(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A jump "[n]", "[n-m]", "[n-]", "[-]" at *p (after "["). */
static int hex_jump(const char **p, pc_buf *b)
{
    const char *s = *p;
    long lo = 0, hi = -1;
    int has_lo = 0, has_hi = 0, dash = 0;
    while (*s == ' ')
        s++;
    for (; isdigit((unsigned char)*s) && lo < 1000000; s++, has_lo = 1)
        lo = lo * 10 + (*s - '0');
    while (*s == ' ')
        s++;
    if (*s == '-') {
        dash = 1;
        s++;
        while (*s == ' ')
            s++;
        for (hi = 0; isdigit((unsigned char)*s) && hi < 1000000; s++, has_hi = 1)
            hi = hi * 10 + (*s - '0');
    }
    while (*s == ' ')
        s++;
    if (*s != ']' || (!has_lo && !dash) || lo >= 1000000 || hi >= 1000000)
        return -1;
    *p = s + 1;
    if (!dash)
        pc_buf_printf(b, ".{%ld}", lo);
    else if (has_hi && hi >= lo)
        pc_buf_printf(b, ".{%ld,%ld}", lo, hi);
    else if (!has_hi)
        pc_buf_printf(b, ".{%ld,}", lo);
    else
        return -1;
    return 0;
}

/* One byte "HH", "H?", "?H" or "??" at p. */
static int hex_byte(const char *p, pc_buf *b)
{
    int hi = hexdig(p[0]), lo = hexdig(p[1]);
    if ((hi < 0 && p[0] != '?') || (lo < 0 && p[1] != '?'))
        return -1;
    if (hi >= 0 && lo >= 0) {
        put_byte(b, (unsigned)(hi * 16 + lo));
    } else if (hi < 0 && lo < 0) {
        pc_buf_puts(b, ".");
    } else if (hi >= 0) {
        pc_buf_printf(b, "[\\x%02x-\\x%02x]", hi * 16, hi * 16 + 15);
    } else {
        pc_buf_puts(b, "[");
        for (int k = 0; k < 16; k++)
            put_byte(b, (unsigned)(k * 16 + lo));
        pc_buf_puts(b, "]");
    }
    return 0;
}

static int hex_expr(const ys_string *s, pf_expr *out)
{
    pc_buf b = {0};
    const char *p = (const char *)s->val;
    int depth = 0, rc = 0;
    while (rc == 0 && *p) {
        if (*p == ' ') {
            p++;
        } else if (*p == '[') {
            p++;
            rc = hex_jump(&p, &b);
        } else if (*p == '(' || *p == '|' || *p == ')') {
            depth += (*p == '(') - (*p == ')');
            pc_buf_puts(&b, *p == '(' ? "(?:" : *p == '|' ? "|" : ")");
            p++;
            rc = depth < 0 ? -1 : 0;
        } else if (p[1] && hex_byte(p, &b) == 0) {
            p += 2;
        } else {
            rc = -1; /* "~" (YARA 4.3) or a stray character */
        }
    }
    char *re = pc_buf_take(&b);
    if (rc < 0 || depth != 0 || !re || !*re) {
        free(re);
        return -1;
    }
    out->re = re;
    out->flags = HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL;
    return 0;
}

/* An escape at p (after the backslash); *n is set to its length. In a
 * class, only escapes that stand for characters or sets are allowed. */
static int re_escape(const char *p, int in_class, pc_buf *b, size_t *n)
{
    static const char ctrl[] = "n\nt\tr\rf\fa\a";
    *n = 1;
    if (*p == 'x') {
        if (hexdig(p[1]) < 0 || hexdig(p[2]) < 0)
            return -1;
        put_byte(b, (unsigned)(hexdig(p[1]) * 16 + hexdig(p[2])));
        *n = 3;
        return 0;
    }
    for (const char *c = ctrl; *c; c += 2)
        if (*p == *c) {
            put_byte(b, (unsigned char)c[1]);
            return 0;
        }
    if (strchr("wWsSdD", *p) || (!in_class && strchr("bB", *p))) {
        pc_buf_printf(b, "\\%c", *p);
        return 0;
    }
    if (!*p || isalnum((unsigned char)*p))
        return -1;
    put_byte(b, (unsigned char)*p);
    return 0;
}

/* One member of a class at p: a character (its value) or, for \w \s \d
 * and their negations, -2 (written to b at once). -1: not understood. */
static int class_atom(const char **p, pc_buf *b)
{
    const char *s = *p;
    if (*s != '\\') {
        *p = s + 1;
        return (unsigned char)*s;
    }
    s++;
    if (*s == 'x' && hexdig(s[1]) >= 0 && hexdig(s[2]) >= 0) {
        *p = s + 3;
        return hexdig(s[1]) * 16 + hexdig(s[2]);
    }
    static const char ctrl[] = "n\nt\tr\rf\fa\a";
    for (const char *c = ctrl; *c; c += 2)
        if (*s == *c) {
            *p = s + 1;
            return (unsigned char)c[1];
        }
    *p = s + 1;
    if (*s && strchr("wWsSdD", *s)) {
        pc_buf_printf(b, "\\%c", *s);
        return -2;
    }
    return !*s || isalnum((unsigned char)*s) ? -1 : (unsigned char)*s;
}

/* A class at p (after "["); *n is set to what was read. */
static int re_class(const char *p, pc_buf *b, size_t *n)
{
    const char *s = p;
    pc_buf_puts(b, "[");
    if (*s == '^')
        pc_buf_puts(b, "^"), s++;
    for (int first = 1; *s && (*s != ']' || first); first = 0) {
        int lo = class_atom(&s, b);
        if (lo == -1)
            return -1;
        if (lo == -2) {
            if (s[0] == '-' && s[1] && s[1] != ']')
                return -1; /* a range from a set */
            continue;
        }
        put_byte(b, (unsigned)lo);
        if (s[0] == '-' && s[1] && s[1] != ']') {
            s++;
            int hi = class_atom(&s, b);
            if (hi < 0 || hi < lo)
                return -1;
            pc_buf_puts(b, "-");
            put_byte(b, (unsigned)hi);
        }
    }
    if (*s != ']')
        return -1;
    pc_buf_puts(b, "]");
    *n = (size_t)(s + 1 - p);
    return 0;
}

/* A repeat at p (after "{"): {n}, {n,}, {n,m}, {,m}. An upper bound
 * above PF_REPEAT_MAX is dropped: {n,m} becomes {n,}, which accepts every
 * string the bounded form does and more (the prefilter may say "scan" too
 * often, never too seldom: YARA decides), and costs vectorscan a fraction
 * of the compile time ([^\n]{0,80} in a caseless expression took 100 ms
 * of the shipped rules' 170). */
#define PF_REPEAT_MAX 16
static int re_repeat(const char *p, pc_buf *b, size_t *n)
{
    const char *s = p;
    long lo = 0, hi = -1;
    int has_lo = 0, comma = 0;
    for (; isdigit((unsigned char)*s) && lo < 100000; s++, has_lo = 1)
        lo = lo * 10 + (*s - '0');
    if (*s == ',') {
        comma = 1;
        s++;
        if (isdigit((unsigned char)*s))
            for (hi = 0; isdigit((unsigned char)*s) && hi < 100000; s++)
                hi = hi * 10 + (*s - '0');
    }
    if (*s != '}' || lo >= 100000 || hi >= 100000 || (!has_lo && hi < 0) || (hi >= 0 && hi < lo))
        return -1;
    if (!comma)
        pc_buf_printf(b, "{%ld}", lo);
    else if (hi < 0 || hi > PF_REPEAT_MAX)
        pc_buf_printf(b, "{%ld,}", lo);
    else
        pc_buf_printf(b, "{%ld,%ld}", lo, hi);
    *n = (size_t)(s + 1 - p);
    return 0;
}

static int regex_expr(const ys_string *s, pf_expr *out)
{
    pc_buf b = {0};
    const char *p = (const char *)s->val;
    int rc = 0;
    while (rc == 0 && *p) {
        size_t n = 0;
        char c = *p++;
        if (c == '\\')
            rc = re_escape(p, 0, &b, &n);
        else if (c == '[')
            rc = re_class(p, &b, &n);
        else if (c == '{')
            rc = re_repeat(p, &b, &n);
        else if (c == '(' && *p == '?')
            rc = -1;
        else if (strchr("()|.^$*+?", c))
            pc_buf_add(&b, &c, 1);
        else
            put_byte(&b, (unsigned char)c);
        p += n;
    }
    char *re = pc_buf_take(&b);
    if (rc < 0 || !re) {
        free(re);
        return -1;
    }
    out->re = re;
    out->flags = HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY |
                 (s->mods & (YS_M_RE_I | YS_M_NOCASE) ? HS_FLAG_CASELESS : 0) |
                 (s->mods & YS_M_RE_S ? HS_FLAG_DOTALL : 0);
    return 0;
}

int pc_pf_string_exprs(const ys_string *s, pf_expr out[2], size_t *nout, const char **why)
{
    *nout = 0;
    *why = "out of memory";
    if (s->mods & (YS_M_XOR | YS_M_BASE64 | YS_M_BASE64WIDE)) {
        *why = "xor and base64 strings are not prefiltered";
        return -1;
    }
    if (s->kind == YS_HEX) {
        if (hex_expr(s, &out[0]) < 0) {
            *why = "hex string not understood";
            return -1;
        }
        *nout = 1;
        return 0;
    }
    if (s->kind == YS_REGEXP) {
        if (s->mods & YS_M_WIDE) {
            *why = "wide regular expressions are not prefiltered";
            return -1;
        }
        if (regex_expr(s, &out[0]) < 0) {
            *why = "regular expression not understood";
            return -1;
        }
        *nout = 1;
        return 0;
    }
    if (s->len == 0) {
        *why = "empty text string";
        return -1;
    }
    int wide = (s->mods & YS_M_WIDE) != 0, ascii = !wide || (s->mods & YS_M_ASCII);
    if (ascii && text_expr(s, 0, &out[(*nout)++]) < 0)
        goto oom;
    if (wide && text_expr(s, 1, &out[(*nout)++]) < 0)
        goto oom;
    return 0;
oom:
    for (size_t i = 0; i + 1 < *nout; i++)
        free(out[i].re);
    *nout = 0;
    return -1;
}
