/*
 * jdoc.c — portcullis_jdoc.h: a recursive-descent parser into an arena.
 *
 * The grammar and its limits are jansson 2.14's (load.c, utf.c), read as
 * documentation: the depth counts every value (a scalar inside 2047
 * arrays is the deepest allowed); numbers are -?(0|[1-9][0-9]*)(.[0-9]+)?
 * ([eE][+-]?[0-9]+)?, an integer when it has neither fraction nor
 * exponent (out of the range of long long: refused), a real otherwise
 * (strtod; ±HUGE_VAL: refused, underflow kept); bytes below 0x20 are
 * refused in strings; a high surrogate escape must be followed by a low
 * one. Where jansson reads a raw NUL byte after a number or a literal as
 * nothing (its stream cannot put a NUL back), this parser refuses it: a
 * raw NUL is not JSON.
 *
 * The text is copied once into the arena and each string is decoded where
 * it stands in the copy (an escape is never shorter than what it stands
 * for), ended by a NUL over its closing quote: one pass over it and no
 * allocation of its own. Errors are located in the text as given.
 *
 * Children of an open array or object wait on a stack (on the C stack
 * while they fit) and are copied into the arena when it closes; members
 * are then sorted by key, which also finds duplicates. A value is parsed
 * into its slot on that stack (by index: the stack may move).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pcx.h"
#include "pcx/arena.h"
#include "pcx/swar.h"
#include "portcullis_jdoc.h"

#define STACK_LOCAL 64
#define SORT_SMALL 16
#define NUM_LOCAL 64
#define FIRST_BLOCK_MIN 4096
#define FIRST_BLOCK_MAX 32768

struct pc_jdoc {
    pc_arena ar;
    pc_jval root;
};

typedef struct parser {
    unsigned char *p, *end, *start; /* the document's copy, decoded in place */
    const unsigned char *orig;      /* the text as given: where an error is */
    unsigned flags;
    size_t depth;
    pc_arena ar;
    pc_jmem *stk; /* pending children of the open containers */
    size_t sn, scap;
    const char *why; /* the error, NULL until one */
    const unsigned char *at;
    pc_jmem local[STACK_LOCAL]; /* last: not cleared */
} parser;

static int fail(parser *ps, const unsigned char *at, const char *why)
{
    if (!ps->why) {
        ps->why = why;
        ps->at = at;
    }
    return -1;
}

static void skip_ws_run(parser *ps)
{
    unsigned char *p = ps->p;
    /* a pretty-printed document's indentation, 8 spaces at a time */
    while (ps->end - p >= 8 && pc_swar_load8(p) == PC_SWAR_ONES * ' ')
        p += 8;
    while (p < ps->end && *p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    ps->p = p;
}

/* Whitespace skipped; a compact document (the apiserver's) has none, and
 * the next byte says so at once. */
static inline void skip_ws(parser *ps)
{
    if (ps->p < ps->end && *ps->p <= ' ')
        skip_ws_run(ps);
}

/* The next slot on the stack of pending children (*slot: its index; the
 * stack may move, a slot does not). */
static inline int reserve(parser *ps, size_t *slot)
{
    if (ps->sn == ps->scap) {
        size_t cap = ps->scap * 2;
        pc_jmem *n = ps->stk == ps->local ? pc_calloc(cap, sizeof *n)
                                          : pc_reallocarray(ps->stk, cap, sizeof *n);
        if (!n)
            return fail(ps, ps->p, "out of memory");
        if (ps->stk == ps->local)
            memcpy(n, ps->local, sizeof ps->local);
        ps->stk = n;
        ps->scap = cap;
    }
    *slot = ps->sn++;
    return 0;
}

/* jansson's utf8_check_first: the length of a sequence from its first byte, 0 when invalid. */
static int utf8_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0; /* a continuation byte, or an overlong 2-byte form */
    if (c <= 0xDF)
        return 2;
    if (c <= 0xEF)
        return 3;
    if (c <= 0xF4)
        return 4;
    return 0;
}

/* A whole sequence of n bytes at s (n from utf8_len, s[0..n) in bounds). */
static int utf8_ok(const unsigned char *s, int n)
{
    unsigned long v = s[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (int i = 1; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return !((n == 3 && v < 0x800) || (n == 4 && v < 0x10000));
}

static char *utf8_put(char *t, unsigned long v)
{
    if (v < 0x80) {
        *t++ = (char)v;
    } else if (v < 0x800) {
        *t++ = (char)(0xC0 | (v >> 6));
        *t++ = (char)(0x80 | (v & 0x3F));
    } else if (v < 0x10000) {
        *t++ = (char)(0xE0 | (v >> 12));
        *t++ = (char)(0x80 | ((v >> 6) & 0x3F));
        *t++ = (char)(0x80 | (v & 0x3F));
    } else {
        *t++ = (char)(0xF0 | (v >> 18));
        *t++ = (char)(0x80 | ((v >> 12) & 0x3F));
        *t++ = (char)(0x80 | ((v >> 6) & 0x3F));
        *t++ = (char)(0x80 | (v & 0x3F));
    }
    return t;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned long *out)
{
    unsigned long v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned long)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned long)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* The escape at p (a backslash; the text ends at q) decoded to t,
 * which is never past p: an escape is never shorter than what it stands
 * for. Returns the bytes read, or -1; *nul is set when it is U+0000. */
static int unescape(parser *ps, unsigned char *p, const unsigned char *q, unsigned char **t,
                    int *nul)
{
    unsigned long v, v2;
    unsigned char c;
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
        c = p[1];
        break;
    case 'b':
        c = '\b';
        break;
    case 'f':
        c = '\f';
        break;
    case 'n':
        c = '\n';
        break;
    case 'r':
        c = '\r';
        break;
    case 't':
        c = '\t';
        break;
    case 'u':
        if (hex4(p + 2, q, &v) < 0)
            return fail(ps, p, "invalid escape");
        if (v >= 0xDC00 && v <= 0xDFFF)
            return fail(ps, p, "invalid Unicode (a lone low surrogate)");
        if (v >= 0xD800 && v <= 0xDBFF) {
            if (q - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, q, &v2) < 0 ||
                v2 < 0xDC00 || v2 > 0xDFFF)
                return fail(ps, p, "invalid Unicode (a high surrogate without its pair)");
            *t = (unsigned char *)utf8_put((char *)*t,
                                           ((v - 0xD800) << 10) + (v2 - 0xDC00) + 0x10000);
            return 12;
        }
        *nul |= v == 0;
        *t = (unsigned char *)utf8_put((char *)*t, v);
        return 6;
    default:
        return fail(ps, p, "invalid escape");
    }
    *(*t)++ = c;
    return 2;
}

/* A string at ps->p (the opening quote), decoded where it stands in the
 * document's copy (an escape is never shorter than what it stands for)
 * and ended by a NUL over its closing quote or before it: one pass, no
 * allocation. Errors come in the order jansson's lexer finds them. *nul
 * is set when it holds U+0000 (only an escape can put one there). */
static int parse_string(parser *ps, const char **out, size_t *outlen, int *nul)
{
    unsigned char *s = ++ps->p, *p = s, *end = ps->end;
    unsigned char *t = NULL; /* where decoded bytes go once an escape shifted them */
    *nul = 0;
    for (;;) {
        unsigned char c;
        if (!t) {
            while (end - p >= 8 && pc_swar_json_plain8(p))
                p += 8;
            while (p < end && (c = *p) >= 0x20 && c < 0x80 && c != '"' && c != '\\')
                p++;
        } else {
            while (end - p >= 8 && pc_swar_json_plain8(p)) {
                uint64_t x = pc_swar_load8(p); /* read before written: t may be within 8 of p */
                memcpy(t, &x, 8);
                t += 8;
                p += 8;
            }
            while (p < end && (c = *p) >= 0x20 && c < 0x80 && c != '"' && c != '\\')
                *t++ = *p++;
        }
        if (p >= end)
            return fail(ps, end, "premature end of input");
        c = *p;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(ps, p, c == '\n' ? "unexpected newline" : "control character");
        if (c == '\\') {
            if (end - p < 2)
                return fail(ps, end, "premature end of input");
            if (!t)
                t = p;
            int k = unescape(ps, p, end, &t, nul);
            if (k < 0)
                return -1;
            p += k;
            continue;
        }
        int n = utf8_len(c);
        if (!n || end - p < n || !utf8_ok(p, n))
            return fail(ps, p, "invalid UTF-8");
        if (t) {
            memmove(t, p, (size_t)n);
            t += n;
        }
        p += n;
    }
    if (!t)
        t = p;
    *t = 0;
    *out = (const char *)s;
    *outlen = (size_t)(t - s);
    ps->p = p + 1;
    return 0;
}

static int digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int parse_number(parser *ps, pc_jval *v)
{
    const unsigned char *s = ps->p, *p = s, *e = ps->end;
    int neg = 0, real = 0;
    if (p < e && *p == '-') {
        neg = 1;
        p++;
    }
    if (p >= e || !digit(*p))
        return fail(ps, s, "invalid token");
    if (*p == '0') {
        p++;
        if (p < e && digit(*p))
            return fail(ps, s, "invalid token (a leading zero)");
    } else {
        while (p < e && digit(*p))
            p++;
    }
    if (p < e && *p == '.') {
        real = 1;
        if (++p >= e || !digit(*p))
            return fail(ps, s, "invalid token");
        while (p < e && digit(*p))
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        real = 1;
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (p >= e || !digit(*p))
            return fail(ps, s, "invalid token");
        while (p < e && digit(*p))
            p++;
    }
    ps->p += p - s;
    if (!real) {
        /* strtoll's range: up to 2^63 - 1, down to -2^63 */
        unsigned long long acc = 0, lim = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
        for (const unsigned char *d = s + neg; d < p; d++) {
            unsigned dv = (unsigned)(*d - '0');
            if (acc > (lim - dv) / 10)
                return fail(ps, s, neg ? "too big negative integer" : "too big integer");
            acc = acc * 10 + dv;
        }
        v->type = PC_JINT;
        v->u.i =
            neg ? (acc == 9223372036854775808ULL ? (-9223372036854775807LL - 1) : -(long long)acc)
                : (long long)acc;
        return 0;
    }
    size_t n = (size_t)(p - s);
    char local[NUM_LOCAL], *txt = n < sizeof local ? local : pc_arena_alloc(&ps->ar, n + 1);
    if (!txt)
        return fail(ps, s, "out of memory");
    memcpy(txt, s, n);
    txt[n] = 0;
    errno = 0;
    double d = strtod(txt, NULL);
    if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
        return fail(ps, s, "real number overflow");
    v->type = PC_JREAL;
    v->u.d = d;
    return 0;
}

static int key_cmp(const pc_jmem *a, const pc_jmem *b)
{
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, n);
    return c ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

static int key_qcmp(const void *a, const void *b)
{
    return key_cmp(a, b);
}

static void sort_members(pc_jmem *m, size_t n)
{
    if (n > SORT_SMALL) {
        qsort(m, n, sizeof *m, key_qcmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        pc_jmem x = m[i];
        size_t j = i;
        for (; j > 0 && key_cmp(&m[j - 1], &x) > 0; j--)
            m[j] = m[j - 1];
        m[j] = x;
    }
}

static int parse_value(parser *ps, size_t slot);

/* The children pushed since base, as an array or (sorted) members: the
 * value of the slot's. */
static int close_container(parser *ps, size_t base, int obj, size_t slot)
{
    size_t n = ps->sn - base;
    const void *kids = NULL;
    if (n > SIZE_MAX / sizeof(pc_jmem))
        return fail(ps, ps->p, "out of memory");
    if (n && obj) {
        pc_jmem *m = pc_arena_alloc(&ps->ar, n * sizeof *m);
        if (!m)
            return fail(ps, ps->p, "out of memory");
        memcpy(m, ps->stk + base, n * sizeof *m);
        sort_members(m, n);
        for (size_t i = 1; i < n; i++)
            if (m[i - 1].klen == m[i].klen && memcmp(m[i - 1].key, m[i].key, m[i].klen) == 0)
                return fail(ps, ps->p, "duplicate object key");
        kids = m;
    } else if (n) {
        pc_jval *a = pc_arena_alloc(&ps->ar, n * sizeof *a);
        if (!a)
            return fail(ps, ps->p, "out of memory");
        for (size_t i = 0; i < n; i++)
            a[i] = ps->stk[base + i].v;
        kids = a;
    }
    pc_jval *v = &ps->stk[slot].v;
    v->type = obj ? PC_JOBJ : PC_JARR;
    v->n = n;
    if (obj)
        v->u.m = kids;
    else
        v->u.a = kids;
    ps->sn = base;
    return 0;
}

/* Skip whitespace, then take c if it is next. */
static int eat(parser *ps, unsigned char c)
{
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return 1;
    }
    return 0;
}

/* A member's key and its colon. */
static int parse_key(parser *ps, const char **key, size_t *klen)
{
    skip_ws(ps);
    const unsigned char *at = ps->p;
    if (ps->p >= ps->end || *ps->p != '"')
        return fail(ps, ps->p, "string or '}' expected");
    int nul;
    if (parse_string(ps, key, klen, &nul) < 0)
        return -1;
    if (nul)
        return fail(ps, at, "NUL byte in object key not supported");
    if (!eat(ps, ':'))
        return fail(ps, ps->p, "':' expected");
    return 0;
}

/* An array or (obj) an object, ps->p at its opening bracket: the value
 * of the slot's. */
static int parse_container(parser *ps, int obj, size_t slot)
{
    unsigned char close = obj ? '}' : ']';
    size_t base = ps->sn;
    ps->p++;
    if (eat(ps, close))
        return close_container(ps, base, obj, slot);
    do {
        const char *key = NULL;
        size_t klen = 0, kid;
        if ((obj && parse_key(ps, &key, &klen) < 0) || reserve(ps, &kid) < 0)
            return -1;
        ps->stk[kid].key = key;
        ps->stk[kid].klen = klen;
        if (parse_value(ps, kid) < 0)
            return -1;
    } while (eat(ps, ','));
    if (eat(ps, close))
        return close_container(ps, base, obj, slot);
    return fail(ps, ps->p, obj ? "'}' expected" : "']' expected");
}

static int literal(parser *ps, pc_jval *v)
{
    const unsigned char *s = ps->p, *p = s;
    while (p < ps->end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        p++;
    size_t n = (size_t)(p - s);
    if (n == 4 && memcmp(s, "true", 4) == 0)
        v->type = PC_JTRUE;
    else if (n == 5 && memcmp(s, "false", 5) == 0)
        v->type = PC_JFALSE;
    else if (n == 4 && memcmp(s, "null", 4) == 0)
        v->type = PC_JNULL;
    else
        return fail(ps, s, "invalid token");
    ps->p += p - s;
    return 0;
}

/* A value: the slot's (a scalar is written through v, which stays put
 * while it is read; a container writes the slot when it closes). */
static int parse_value(parser *ps, size_t slot)
{
    if (++ps->depth > PC_JDOC_MAX_DEPTH)
        return fail(ps, ps->p, "maximum parsing depth reached");
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, ps->p, "unexpected end of input");
    unsigned char c = *ps->p;
    pc_jval *v = &ps->stk[slot].v;
    int rc;
    v->n = 0;
    if (c == '{') {
        rc = parse_container(ps, 1, slot);
    } else if (c == '[') {
        rc = parse_container(ps, 0, slot);
    } else if (c == '"') {
        const unsigned char *at = ps->p;
        int nul;
        rc = parse_string(ps, &v->u.s, &v->n, &nul);
        v->type = PC_JSTR;
        if (rc == 0 && !(ps->flags & PC_JDOC_ALLOW_NUL) && nul)
            rc = fail(ps, at, "\\u0000 is not allowed");
    } else if (c == '-' || digit(c)) {
        rc = parse_number(ps, v);
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        rc = literal(ps, v);
    } else {
        rc = fail(ps, ps->p,
                  c == ']' || c == '}' || c == ',' || c == ':' ? "unexpected token"
                                                               : "invalid token");
    }
    ps->depth--;
    return rc;
}

static void where(const parser *ps, char *err, size_t errlen)
{
    int line = 1, col = 0;
    /* counted in the text as given: the copy's strings are decoded */
    const unsigned char *at = ps->orig + (ps->at - ps->start),
                        *end = ps->orig + (ps->end - ps->start);
    for (const unsigned char *p = ps->orig; p < at && p < end; p++) {
        if (*p == '\n') {
            line++;
            col = 0;
        } else if ((*p & 0xC0) != 0x80) {
            col++;
        }
    }
    snprintf(err, errlen, "%s (line %d, column %d)", ps->why, line, col + 1);
}

pc_jdoc *pc_jdoc_parse(const char *buf, size_t len, unsigned flags, char *err, size_t errlen)
{
    parser ps;
    memset(&ps, 0, offsetof(parser, local));
    ps.flags = flags;
    ps.stk = ps.local;
    ps.scap = STACK_LOCAL;
    /* the copy and the values of a review take about 2.2 bytes of arena per
     * byte of text: one block, below glibc's 64 KiB free that consolidates
     * the heap, for most */
    ps.ar.block = len < (FIRST_BLOCK_MAX - 1024) / 3 ? len * 3 + 1024 : FIRST_BLOCK_MAX;
    if (ps.ar.block < FIRST_BLOCK_MIN)
        ps.ar.block = FIRST_BLOCK_MIN;
    ps.orig = (const unsigned char *)(buf ? buf : "");
    if (!buf)
        len = 0;
    ps.p = ps.start = len < SIZE_MAX ? pc_arena_alloc(&ps.ar, len + 1) : NULL;
    if (!ps.p) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory (line 1, column 1)");
        return NULL;
    }
    if (len)
        memcpy(ps.p, buf, len);
    ps.p[len] = 0;
    ps.end = ps.p + len;
    pc_jval root = {PC_JNULL, 0, {0}};
    size_t top = 0;
    skip_ws(&ps);
    if (ps.p >= ps.end || (*ps.p != '{' && *ps.p != '['))
        fail(&ps, ps.p, "'[' or '{' expected");
    else if (reserve(&ps, &top) == 0 && parse_value(&ps, top) == 0) {
        root = ps.stk[top].v;
        skip_ws(&ps);
        if (ps.p != ps.end)
            fail(&ps, ps.p, "end of file expected");
    }
    if (ps.stk != ps.local)
        free(ps.stk);
    pc_jdoc *d = ps.why ? NULL : pc_arena_alloc(&ps.ar, sizeof *d);
    if (!d) {
        if (!ps.why)
            fail(&ps, ps.p, "out of memory");
        if (err && errlen)
            where(&ps, err, errlen);
        pc_arena_free(&ps.ar);
        return NULL;
    }
    d->root = root;
    d->ar = ps.ar;
    return d;
}

const pc_jval *pc_jdoc_root(const pc_jdoc *d)
{
    return d ? &d->root : NULL;
}

void pc_jdoc_free(pc_jdoc *d)
{
    if (d) {
        pc_arena ar = d->ar;
        pc_arena_free(&ar);
    }
}

const pc_jval *pc_jgetn(const pc_jval *o, const char *key, size_t klen)
{
    if (!o || o->type != PC_JOBJ || !key)
        return NULL;
    pc_jmem k = {key, klen, {PC_JNULL, 0, {0}}};
    size_t lo = 0, hi = o->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(&o->u.m[mid], &k);
        if (c == 0)
            return &o->u.m[mid].v;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const pc_jval *pc_jget(const pc_jval *o, const char *key)
{
    return key ? pc_jgetn(o, key, strlen(key)) : NULL;
}

const pc_jval *pc_jopt(const pc_jval *o, const char *key)
{
    const pc_jval *v = pc_jget(o, key);
    return pc_jis_none(v) ? NULL : v;
}

const pc_jval *pc_jat(const pc_jval *a, size_t i)
{
    return a && a->type == PC_JARR && i < a->n ? &a->u.a[i] : NULL;
}

const char *pc_jstr(const pc_jval *v)
{
    return v && v->type == PC_JSTR ? v->u.s : NULL;
}

int pc_jequal(const pc_jval *a, const pc_jval *b)
{
    if (!a || !b || a->type != b->type)
        return 0;
    switch (a->type) {
    case PC_JINT:
        return a->u.i == b->u.i;
    case PC_JREAL:
        return a->u.d == b->u.d;
    case PC_JSTR:
        return a->n == b->n && memcmp(a->u.s, b->u.s, a->n) == 0;
    case PC_JARR:
        if (a->n != b->n)
            return 0;
        for (size_t i = 0; i < a->n; i++)
            if (!pc_jequal(&a->u.a[i], &b->u.a[i]))
                return 0;
        return 1;
    case PC_JOBJ:
        if (a->n != b->n)
            return 0;
        for (size_t i = 0; i < a->n; i++) /* both sorted by key */
            if (key_cmp(&a->u.m[i], &b->u.m[i]) != 0 || !pc_jequal(&a->u.m[i].v, &b->u.m[i].v))
                return 0;
        return 1;
    default:
        return 1;
    }
}
