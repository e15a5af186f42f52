/*
 * test_jdoc.c — the read-only JSON document (lib/pcx/jdoc.c) against
 * jansson 2.14's json_loadb(JSON_REJECT_DUPLICATES), the reader it
 * replaces: for every input both must accept or both refuse (an input
 * holding a raw NUL byte is only refused by pc_jdoc, see jdoc.c), and an
 * accepted document must read as jansson's (json_equal after conversion,
 * every key found by pc_jget/pc_jgetn and no other, pc_jat's bounds,
 * pc_jstr, pc_jequal as json_equal). Inputs: a hand-written case for
 * each rule (top level, whitespace, literals, numbers, strings and
 * escapes, UTF-8, structure, duplicate keys, the depth limit), every
 * *.json under fixtures/ and tests/ (read from the repository root, where
 * tests/run.sh starts unit binaries), then seeded random documents and
 * random byte edits of those files. A batch of random inputs is one
 * CHECK; its first disagreements are printed.
 */
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jdoc_json.h"
#include "portcullis_jdoc.h"
#include "testlib.h"

#define GEN_ROUNDS 20000
#define MUT_ROUNDS 20000
#define SHOW_MAX 5

/* ---- helpers: a growing buffer, printing an input ---- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_putn(sbuf *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_putc(sbuf *b, int c)
{
    char ch = (char)c;
    sb_putn(b, &ch, 1);
}

static void sb_rep(sbuf *b, const char *s, size_t times)
{
    for (size_t i = 0; i < times; i++)
        sb_puts(b, s);
}

static void show(const char *what, const char *buf, size_t len, unsigned flags)
{
    size_t max = 600;
    fprintf(stderr, "  %s (flags %u, %zu bytes): \"", what, flags, len);
    for (size_t i = 0; i < len && i < max; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '"' || c == '\\')
            fprintf(stderr, "\\%c", c);
        else if (c >= 0x20 && c < 0x7F)
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02X", c);
    }
    fprintf(stderr, "\"%s\n", len > max ? "..." : "");
}

/* ---- the comparison ---- */

static int jflags(unsigned flags)
{
    return JSON_REJECT_DUPLICATES | (flags & PC_JDOC_ALLOW_NUL ? JSON_ALLOW_NUL : 0);
}

static int refusal_ok(const char *err)
{
    return err[0] && strstr(err, "(line ") != NULL;
}

static int key_order(const pc_jmem *a, const pc_jmem *b)
{
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, n);
    return c ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

/* jansson's value j read through the pc_jdoc API at v: NULL when they
 * are the same, else what differs. */
static const char *walk(json_t *j, const pc_jval *v)
{
    if (!v)
        return "missing value";
    if (json_typeof(j) != JSON_OBJECT && (pc_jget(v, "a") || pc_jgetn(v, "", 0)))
        return "pc_jget found a key in a non-object";
    if (json_typeof(j) != JSON_ARRAY && pc_jat(v, 0))
        return "pc_jat found an element in a non-array";
    if (json_typeof(j) != JSON_STRING && pc_jstr(v))
        return "pc_jstr of a non-string";
    switch (json_typeof(j)) {
    case JSON_NULL:
        return v->type == PC_JNULL && pc_jis_none(v) ? NULL : "null";
    case JSON_TRUE:
        return v->type == PC_JTRUE && pc_jis_bool(v) ? NULL : "true";
    case JSON_FALSE:
        return v->type == PC_JFALSE && pc_jis_bool(v) ? NULL : "false";
    case JSON_INTEGER:
        return v->type == PC_JINT && v->u.i == json_integer_value(j) ? NULL : "integer";
    case JSON_REAL: {
        double d = json_real_value(j);
        return v->type == PC_JREAL && memcmp(&d, &v->u.d, sizeof d) == 0 ? NULL : "real";
    }
    case JSON_STRING:
        if (v->type != PC_JSTR || v->n != json_string_length(j) ||
            memcmp(v->u.s, json_string_value(j), v->n) != 0)
            return "string";
        return pc_jstr(v) == v->u.s && v->u.s[v->n] == 0 ? NULL : "pc_jstr";
    case JSON_ARRAY:
        if (v->type != PC_JARR || v->n != json_array_size(j))
            return "array size";
        for (size_t i = 0; i < v->n; i++) {
            const char *why = pc_jat(v, i) != &v->u.a[i] ? "pc_jat in bounds"
                                                         : walk(json_array_get(j, i), pc_jat(v, i));
            if (why)
                return why;
        }
        return pc_jat(v, v->n) || pc_jat(v, SIZE_MAX) ? "pc_jat past the end" : NULL;
    case JSON_OBJECT: {
        const char *key;
        size_t klen;
        json_t *jv;
        if (v->type != PC_JOBJ || v->n != json_object_size(j))
            return "object size";
        for (size_t i = 0; i < v->n; i++) {
            if (strlen(v->u.m[i].key) != v->u.m[i].klen)
                return "member key length";
            if (i && key_order(&v->u.m[i - 1], &v->u.m[i]) >= 0)
                return "members not sorted by key";
        }
        json_object_keylen_foreach(j, key, klen, jv)
        {
            const pc_jval *m = pc_jgetn(v, key, klen);
            if (!m)
                return "pc_jgetn misses a key";
            if (pc_jget(v, key) != m)
                return "pc_jget differs from pc_jgetn";
            const char *why = walk(jv, m);
            if (why)
                return why;
            char probe[256];
            if (klen + 1 < sizeof probe) { /* the key with a byte more or less */
                memcpy(probe, key, klen);
                for (int c = 0; c < 256; c += 37) {
                    probe[klen] = (char)c;
                    probe[klen + 1] = 0;
                    if (!json_object_getn(j, probe, klen + 1) && pc_jgetn(v, probe, klen + 1))
                        return "pc_jgetn finds a longer key jansson lacks";
                }
                if (klen && !json_object_getn(j, key, klen - 1) && pc_jgetn(v, key, klen - 1))
                    return "pc_jgetn finds a shorter key jansson lacks";
            }
        }
        if (!json_object_get(j, "\x01missing") && pc_jget(v, "\x01missing"))
            return "pc_jget finds a key jansson lacks";
        return NULL;
    }
    }
    return "type";
}

/* A text accepted by both parsers, kept for pc_jequal. */
typedef struct parsed {
    pc_jdoc *d;
    json_t *j;
} parsed;

static void parsed_free(parsed *p)
{
    pc_jdoc_free(p->d);
    json_decref(p->j);
    p->d = NULL;
    p->j = NULL;
}

/* buf parsed by both: NULL when they agree (and everything read through
 * the API matches), else why not. *acc: whether pc_jdoc accepted; twice:
 * parse it again and check the two are pc_jequal; keep: where an input
 * both accept goes (else keep is emptied). */
static const char *differ_keep(const char *buf, size_t len, unsigned flags, int *acc, int twice,
                               parsed *keep)
{
    char err[256] = "";
    json_error_t jerr;
    pc_jdoc *d = pc_jdoc_parse(buf, len, flags, err, sizeof err);
    const char *why = NULL;
    if (keep)
        keep->d = NULL, keep->j = NULL;
    if (acc)
        *acc = d != NULL;
    if (memchr(buf, 0, len)) { /* the one deliberate difference: refused */
        why = d ? "pc_jdoc accepts a raw NUL" : refusal_ok(err) ? NULL : "bad error string";
        pc_jdoc_free(d);
        return why;
    }
    json_t *j = json_loadb(buf, len, jflags(flags), &jerr);
    if (!d && !j) {
        why = refusal_ok(err) ? NULL : "bad error string";
    } else if (!d) {
        why = "pc_jdoc refuses what jansson accepts";
    } else if (!j) {
        why = "pc_jdoc accepts what jansson refuses";
    } else {
        const pc_jval *root = pc_jdoc_root(d);
        json_t *c = to_json(root);
        if (!c || !json_equal(j, c))
            why = "values differ (json_equal)";
        else
            why = walk(j, root);
        json_decref(c);
        if (!why && twice) {
            pc_jdoc *d2 = pc_jdoc_parse(buf, len, flags, NULL, 0);
            if (!d2 || !pc_jequal(root, pc_jdoc_root(d2)) || !pc_jequal(root, root))
                why = "not pc_jequal to itself parsed again";
            pc_jdoc_free(d2);
        }
        if (!why && keep) {
            keep->d = d;
            keep->j = j;
            return NULL;
        }
    }
    json_decref(j);
    pc_jdoc_free(d);
    return why;
}

static const char *differ(const char *buf, size_t len, unsigned flags, int *acc)
{
    return differ_keep(buf, len, flags, acc, 1, NULL);
}

/* Two documents both parsers accepted: pc_jequal must answer as
 * json_equal. Returns -1 on a disagreement, 0 when either is missing, 1
 * when the pair compared equal, 2 unequal. */
static int pair(const parsed *a, const parsed *b)
{
    if (!a->d || !b->d)
        return 0;
    int je = json_equal(a->j, b->j), pe = pc_jequal(pc_jdoc_root(a->d), pc_jdoc_root(b->d));
    int pe2 = pc_jequal(pc_jdoc_root(b->d), pc_jdoc_root(a->d));
    return je != pe || pe != pe2 ? -1 : je ? 1 : 2;
}

/* A batch of random inputs: one CHECK in the end. */
typedef struct batch {
    const char *name;
    long runs, bad, accepted, equal, unequal;
} batch;

static void batch_run(batch *b, const char *buf, size_t len, unsigned flags, parsed *keep)
{
    int acc;
    const char *why = differ_keep(buf, len, flags, &acc, b->runs % 8 == 0, keep);
    b->runs++;
    b->accepted += acc;
    if (why && ++b->bad <= SHOW_MAX)
        show(why, buf, len, flags);
}

static void batch_pair(batch *b, const parsed *pa, const char *a, size_t alen, const parsed *px,
                       const char *x, size_t xlen)
{
    int rc = pair(pa, px);
    if (rc == 1)
        b->equal++;
    else if (rc == 2)
        b->unequal++;
    else if (rc < 0 && ++b->bad <= SHOW_MAX) {
        show("pc_jequal differs from json_equal: this", a, alen, 0);
        show("and this", x, xlen, 0);
    }
}

static void batch_end(batch *b)
{
    printf("%s: %ld inputs, %ld accepted, pairs %ld equal / %ld unequal, %ld disagreements\n",
           b->name, b->runs, b->accepted, b->equal, b->unequal, b->bad);
    if (b->bad)
        fprintf(stderr, "FAIL %s: %ld disagreements\n", b->name, b->bad);
    CHECK(b->bad == 0);
}

/* ---- hand-written cases ---- */

/* One input under both flags: pc_jdoc accepts it iff ok0 (flags 0) /
 * ok1 (PC_JDOC_ALLOW_NUL), and agrees with jansson. */
static void expect2(const char *in, size_t len, int ok0, int ok1)
{
    for (unsigned f = 0; f < 2; f++) {
        int acc, want = f ? ok1 : ok0;
        const char *why = differ(in, len, f, &acc);
        CHECK(acc == want);
        if (acc != want)
            show(want ? "refused" : "accepted", in, len, f);
        CHECK(why == NULL);
        if (why)
            show(why, in, len, f);
    }
}

static void expect(const char *in, size_t len, int ok)
{
    expect2(in, len, ok, ok);
}

#define Y(s) expect(s, sizeof(s) - 1, 1)
#define N(s) expect(s, sizeof(s) - 1, 0)
#define NUL_ONLY(s) expect2(s, sizeof(s) - 1, 0, 1)

static void test_top_level(void)
{
    Y("[]");
    Y("{}");
    Y(" [ ] ");
    Y("\n{}\n");
    N("");
    N(" ");
    N(" \t\r\n");
    N("1");
    N("-1");
    N("1.5");
    N("\"a\"");
    N("true");
    N("false");
    N("null");
    N("]");
    N("}");
    N(",");
    N(":");
    N("x");
    CHECK(!pc_jdoc_parse(NULL, 0, 0, NULL, 0));
    char err[64] = "";
    CHECK(!pc_jdoc_parse(NULL, 5, 0, err, sizeof err));
    CHECK_CONTAINS(err, "(line 1");
}

static void test_whitespace(void)
{
    Y("[ \t\n\r1 \t\n\r, \t\n\r2 \t\n\r]");
    Y("{ \t\n\r\"a\" \t\n\r: \t\n\r1 \t\n\r, \"b\" : [ ] }");
    Y("\r\n[\r\n]\r\n");
    N("[\f1]");
    N("[1\f]");
    N("\f[]");
    N("[]\f");
    N("[\v1]");
    N("[1\v]");
    N("\v[]");
    N("[]\v");
    N("{\"a\"\f:1}");
    N("[\xC2\xA0]");     /* NO-BREAK SPACE */
    N("\xEF\xBB\xBF[]"); /* a byte order mark */
    N("[1]//");
    N("/**/[]");
    N("[1]#");
}

static void test_literals(void)
{
    Y("[true]");
    Y("[false]");
    Y("[null]");
    Y("[null,true,false]");
    Y("{\"t\":true,\"f\":false,\"n\":null}");
    N("[tru]");
    N("[nul]");
    N("[fals]");
    N("[nulll]");
    N("[truee]");
    N("[falsey]");
    N("[True]");
    N("[TRUE]");
    N("[Null]");
    N("[nUll]");
    N("[t]");
    N("[n]");
    N("[truefalse]");
    N("[true false]");
    N("[true1]");
    N("[1true]");
    N("[true");
    N("[nu");
    N("[undefined]");
    N("[None]");
    N("[NaN]");
    N("[Infinity]");
    N("[-Infinity]");
}

#define J_NUMS "[-0,-0.0,9223372036854775807,-9223372036854775808,0.1,1E-7,1e-400,1e308,1.0,-42]"
#define J_STRS                                                                                     \
    "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"\\u00e9\\u00E9\\uFFFF\","                                   \
    "\"\\uD834\\uDD1E\\uDBFF\\uDFFF\",\"a\\u0000b\",\"\\u0000\"]"

static void test_numbers(void)
{
    Y("[-0]");
    Y("[0]");
    Y("[-0.0]");
    Y("[0e0]");
    Y("[-0E-0]");
    Y("[1E-7]");
    Y("[1e+2]");
    Y("[1E2]");
    Y("[1.5e-3]");
    Y("[123.456e78]");
    Y("[9223372036854775807]");
    Y("[-9223372036854775808]");
    Y("[9223372036854775806,-9223372036854775807]");
    Y("[1e308]");
    Y("[-1e308]");
    Y("[1.7976931348623157e308]");
    Y("[1e-400]"); /* underflow: 0 */
    Y("[-1e-400]");
    Y("[1e-0400]");
    Y("[4.9e-324]");
    Y("[2.2250738585072011e-308]");
    Y("[0.1]");
    Y("[100000000000000000000.0]");
    Y("[1e00000000000000000000000000000000000000000000000000000000000000000000000000001]");
    N("[01]");
    N("[-01]");
    N("[00]");
    N("[-00]");
    N("[1.]");
    N("[0.]");
    N("[.5]");
    N("[-.5]");
    N("[1.e5]");
    N("[1e]");
    N("[1e+]");
    N("[1e-]");
    N("[1E]");
    N("[-]");
    N("[--1]");
    N("[+1]");
    N("[-+1]");
    N("[1e5e5]");
    N("[1.0.0]");
    N("[1-2]");
    N("[0x1]");
    N("[1_000]");
    N("[1 000]");
    N("[9223372036854775808]");
    N("[-9223372036854775809]");
    N("[18446744073709551616]");
    N("[123456789012345678901234567890]");
    N("[1e309]");
    N("[-1e309]");
    N("[1e0400]");
    N("[1.7976931348623159e308]");
    N("[-]1");
    N("[1");
    N("[1.5");
    N("[1e5");
    N("[-");

    /* long digit strings as reals: longer than the parser's local buffer */
    sbuf b = {0};
    const char *tails[] = {".5", "e-50", ".25E+3", "e300", ".0"};
    for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
        for (size_t digits = 60; digits <= 130; digits += 7) {
            b.n = 0;
            sb_puts(&b, "[1");
            sb_rep(&b, "0", digits - 1);
            sb_puts(&b, tails[t]);
            sb_puts(&b, "]");
            int acc;
            const char *why = differ(b.p, b.n, 0, &acc);
            CHECK(why == NULL);
            if (why)
                show(why, b.p, b.n, 0);
            /* 1e59+.. with e300 overflows once the digits pass 8 */
            CHECK(acc == (t != 3 || digits - 1 + 300 <= 308));
        }
    }
    b.n = 0; /* 0.000...1 with 200 zeros, and 200 zeros then 1 as an integer */
    sb_puts(&b, "[0.");
    sb_rep(&b, "0", 200);
    sb_puts(&b, "1,-0.");
    sb_rep(&b, "9", 100);
    sb_puts(&b, "]");
    expect(b.p, b.n, 1);
    b.n = 0;
    sb_puts(&b, "[1");
    sb_rep(&b, "0", 80);
    sb_puts(&b, "]");
    expect(b.p, b.n, 0); /* an integer too big */
    free(b.p);

    /* the values read */
    pc_jdoc *d = pc_jdoc_parse(J_NUMS, sizeof J_NUMS - 1, 0, NULL, 0);
    const pc_jval *r = pc_jdoc_root(d);
    CHECK(d && r->type == PC_JARR && r->n == 10);
    if (d && r->n == 10) {
        CHECK(pc_jat(r, 0)->type == PC_JINT && pc_jat(r, 0)->u.i == 0);
        CHECK(pc_jat(r, 1)->type == PC_JREAL && pc_jat(r, 1)->u.d == 0.0 &&
              signbit(pc_jat(r, 1)->u.d));
        CHECK(pc_jat(r, 2)->type == PC_JINT && pc_jat(r, 2)->u.i == LLONG_MAX);
        CHECK(pc_jat(r, 3)->type == PC_JINT && pc_jat(r, 3)->u.i == LLONG_MIN);
        CHECK(pc_jat(r, 4)->type == PC_JREAL && pc_jat(r, 4)->u.d == 0.1);
        CHECK(pc_jat(r, 5)->type == PC_JREAL && pc_jat(r, 5)->u.d == 1e-7);
        CHECK(pc_jat(r, 6)->type == PC_JREAL && pc_jat(r, 6)->u.d == 0.0);
        CHECK(pc_jat(r, 7)->type == PC_JREAL && pc_jat(r, 7)->u.d == 1e308);
        CHECK(pc_jat(r, 8)->type == PC_JREAL && pc_jat(r, 8)->u.d == 1.0);
        CHECK(pc_jat(r, 9)->type == PC_JINT && pc_jat(r, 9)->u.i == -42);
    }
    pc_jdoc_free(d);
}

static void test_strings(void)
{
    Y("[\"\"]");
    Y("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]");
    Y("[\"\\u0041\\u00e9\\u00E9\\u00c9\\uFFFF\\ufeff\"]");
    Y("[\"\\u12345\"]");
    Y("[\"\\uD834\\uDD1E\"]");
    Y("[\"\\ud834\\udd1e\"]");
    Y("[\"\\uDBFF\\uDFFF\\uD800\\uDC00\"]");
    Y("[\"a\\u0020b\"]");
    Y("[\"\x7F\"]");
    Y("[\"'\"]");
    Y("[\"/\"]");
    N("[\"\\a\"]");
    N("[\"\\x41\"]");
    N("[\"\\'\"]");
    N("[\"\\0\"]");
    N("[\"\\U0041\"]");
    N("[\"\\u00g0\"]");
    N("[\"\\u00G0\"]");
    N("[\"\\u 041\"]");
    N("[\"\\u00\"]");
    N("[\"\\u\"]");
    N("[\"\\u004\"]");
    N("[\"\\");
    N("[\"\\\"]");
    N("[\"abc");
    N("[\"abc]");
    N("[\"\\u00");
    N("[\"\\uD834");
    N("[\"\\uDD1E\\uD834\"]"); /* reversed */
    N("[\"\\uD834\"]");        /* lone high at the end */
    N("[\"\\uD834x\"]");
    N("[\"\\uDC00\"]"); /* lone low */
    N("[\"x\\uDFFFx\"]");
    N("[\"\\uD834\\n\"]"); /* high then another escape */
    N("[\"\\uD834\\\\uDD1E\"]");
    N("[\"\\uD834\\uD834\"]");
    N("[\"\\uD834\\u0041\"]");
    N("[\"\\uD834\\uDD\"]");
    N("[\"\\uD834\\uDD1\"]");
    N("[\"\\uD834\\uXD1E\"]");
    N("['a']");
    N("{'a':1}");

    /* U+0000 */
    NUL_ONLY("[\"\\u0000\"]");
    NUL_ONLY("[\"a\\u0000b\"]");
    NUL_ONLY("{\"a\":\"\\u0000\"}");
    NUL_ONLY("[\"\\u0000\",\"x\"]");
    N("{\"\\u0000\":1}"); /* never in a key */
    N("{\"a\\u0000\":1}");
    N("{\"a\":1,\"a\\u0000\":2}");
    N("[\"\\u0000\",]");

    /* raw control bytes: refused in a string, 0x7F is not one */
    for (int c = 1; c < 0x20; c++) {
        char in[] = "[\"x?y\"]";
        in[3] = (char)c;
        expect(in, sizeof in - 1, 0);
        char key[] = "{\"?\":1}";
        key[2] = (char)c;
        expect(key, sizeof key - 1, 0);
    }

    /* the values read */
    pc_jdoc *d = pc_jdoc_parse(J_STRS, sizeof J_STRS - 1, PC_JDOC_ALLOW_NUL, NULL, 0);
    const pc_jval *r = pc_jdoc_root(d);
    CHECK(d && r->n == 5);
    if (d && r->n == 5) {
        CHECK(pc_jat(r, 0)->n == 8 && memcmp(pc_jstr(pc_jat(r, 0)), "\"\\/\b\f\n\r\t", 9) == 0);
        CHECK_STR(pc_jstr(pc_jat(r, 1)), "\xC3\xA9\xC3\xA9\xEF\xBF\xBF");
        CHECK_STR(pc_jstr(pc_jat(r, 2)), "\xF0\x9D\x84\x9E\xF4\x8F\xBF\xBF");
        CHECK(pc_jat(r, 3)->n == 3 && memcmp(pc_jstr(pc_jat(r, 3)), "a\0b", 4) == 0);
        CHECK(pc_jat(r, 4)->n == 1 && pc_jat(r, 4)->u.s[0] == 0);
    }
    pc_jdoc_free(d);
    CHECK(!pc_jdoc_parse("[\"\\u0000\"]", 10, 0, NULL, 0));
}

static void test_utf8(void)
{
    Y("[\"\xC2\x80\xC3\xA9\xDF\xBF\"]");                                     /* 2 bytes */
    Y("[\"\xE0\xA0\x80\xE2\x82\xAC\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\"]"); /* 3 */
    Y("[\"\xF0\x90\x80\x80\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\"]");             /* 4 */
    Y("{\"\xC3\xA9\":\"\xE2\x82\xAC\"}");
    N("[\"\xC0\x80\"]"); /* overlong */
    N("[\"\xC1\xBF\"]");
    N("[\"\xE0\x80\x80\"]");
    N("[\"\xE0\x9F\xBF\"]");
    N("[\"\xF0\x80\x80\x80\"]");
    N("[\"\xF0\x8F\xBF\xBF\"]");
    N("[\"\xED\xA0\x80\"]"); /* a surrogate */
    N("[\"\xED\xBF\xBF\"]");
    N("[\"\xED\xA0\xBD\xED\xB8\x80\"]");
    N("[\"\xF4\x90\x80\x80\"]"); /* past U+10FFFF */
    N("[\"\xF7\xBF\xBF\xBF\"]");
    N("[\"\x80\"]"); /* lone continuation bytes */
    N("[\"\xBF\"]");
    N("[\"a\x80z\"]");
    N("[\"\xC3\xA9\xA9\"]");
    N("[\"\xC3\"]"); /* truncated in the string */
    N("[\"\xE2\x82\"]");
    N("[\"\xF0\x9F\x98\"]");
    N("[\"\xE2\x82z\"]");
    N("[\"\xC3\\\"]");
    N("[\"\xC3"); /* truncated at the end of the input */
    N("[\"\xE2\x82");
    N("[\"\xF0\x9F\x98");
    N("[\"\xF0");
    N("{\"\xC3\":1}"); /* in a key */
    N("{\"\xED\xA0\x80\":1}");
    N("[\xC3\xA9]"); /* outside strings */
    N("\xC3\xA9[]");
    N("[]\xC3\xA9");
    N("[1\xC3\xA9]");
    N("{\"a\"\xC3\xA9:1}");
    N("[\x80]");
    for (int c = 0xF5; c <= 0xFF; c++) {
        char in[] = "[\"?\x80\x80\x80\"]";
        in[2] = (char)c;
        expect(in, sizeof in - 1, 0);
    }
    for (int c = 0x80; c <= 0xFF; c++) { /* every byte alone */
        char in[] = "[\"?\"]";
        in[2] = (char)c;
        expect(in, sizeof in - 1, 0);
    }
}

static void test_nul_bytes(void)
{
    /* raw NUL: pc_jdoc refuses it everywhere (jansson skips some) */
    N("[1\0]");
    N("[true\0]");
    N("[null\0,1]");
    N("[1.5\0]");
    N("[]\0");
    N("\0[]");
    N("[\0]");
    N("[\"a\0\"]");
    N("{\"a\0\":1}");
    N("{\"a\":1\0}");
    N("[1]\0\0");
}

static void test_structure(void)
{
    Y("[[[]]]");
    Y("[{}, [], {\"a\":[]}]");
    Y("{\"a\":{\"b\":{}}}");
    Y("{\"a\":{\"a\":1}}");
    Y("[{\"a\":1},{\"a\":1}]");
    Y("{\"\":1}");
    Y("{\"ab\":1,\"a\":2}");
    Y("{\"a\":1,\"ab\":2,\"abc\":3,\"b\":4,\"\":5}");
    N("[1,]");
    N("[1,,2]");
    N("[,1]");
    N("[,]");
    N("{\"a\":1,}");
    N("{,}");
    N("{\"a\":1,,\"b\":2}");
    N("[1 2]");
    N("[[] []]");
    N("{\"a\":1 \"b\":2}");
    N("{\"a\" 1}");
    N("{\"a\"}");
    N("{\"a\":}");
    N("{\"a\"::1}");
    N("{\"a\",1}");
    N("{:1}");
    N("{1:2}");
    N("{a:1}");
    N("{null:1}");
    N("{[]:1}");
    N("[");
    N("{");
    N("[[]");
    N("[{]");
    N("{\"a\":[}");
    N("{\"a\":1");
    N("{\"a\"");
    N("{\"a\":");
    N("[1,");
    N("[]]");
    N("{}}");
    N("[}");
    N("{]");
    N("[] x");
    N("[]1");
    N("[]\"a\"");
    N("[][]");
    N("{}{}");
    N("[] []");
    N("{} []");
    N("[],");
    N("{\"a\":1,\"a\":2}"); /* duplicates */
    N("{\"\":1,\"\":2}");
    N("{\"a\":1,\"\\u0061\":2}");
    N("{\"\xC3\xA9\":1,\"\\u00e9\":2}");
    N("{\"a\":1,\"b\":2,\"a\":3}");
    N("{\"a\":{},\"a\":{}}");
    Y("{\"a\":1,\"A\":2}");
    Y("{\"a\":1,\"a \":2,\" a\":3}");
}

/* Objects of n members, all keys distinct, then with one key repeated
 * next to itself and far from itself (insertion sort below 17 members,
 * qsort above). */
static void test_duplicates(void)
{
    static const size_t sizes[] = {2, 3, 16, 17, 18, 200};
    sbuf b = {0};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        for (int variant = 0; variant < 5; variant++) {
            b.n = 0;
            sb_putc(&b, '{');
            for (size_t i = 0; i < n; i++) {
                /* keys in a scrambled order: 7 and n are coprime for these sizes */
                size_t k = (i * 7 + 3) % n;
                if (variant == 1 && i == n / 2)
                    k = (((i - 1) * 7 + 3) % n); /* adjacent: the previous key */
                if (variant == 2 && i == n - 1)
                    k = 3 % n; /* far: the first key */
                char key[64];
                if (variant == 3 && i == n - 1) /* far, spelled with an escape */
                    snprintf(key, sizeof key, "\\u006b%zu", (size_t)(3 % n));
                else if (variant == 4) { /* prefixes of one another */
                    memset(key, 'k', (k + 1) % 60);
                    key[(k + 1) % 60] = 0;
                } else
                    snprintf(key, sizeof key, "k%zu", k);
                if (i)
                    sb_putc(&b, ',');
                sb_putc(&b, '"');
                sb_puts(&b, key);
                sb_puts(&b, "\":");
                char val[32];
                snprintf(val, sizeof val, "%zu", i);
                sb_puts(&b, val);
            }
            sb_putc(&b, '}');
            /* variant 4 repeats a key once the prefixes wrap at 60 */
            int ok = variant == 0 || (variant == 4 && n < 60);
            int acc;
            const char *why = differ(b.p, b.n, 0, &acc);
            CHECK(why == NULL);
            if (why)
                show(why, b.p, b.n, 0);
            if (acc != ok) {
                fprintf(stderr, "  object of %zu, variant %d: %s\n", n, variant,
                        acc ? "accepted" : "refused");
            }
            CHECK(acc == ok);
        }
    }
    free(b.p);
}

/* The depth limit: 2048 values, a scalar counting as one. The boundary
 * is found by comparing with jansson around it, then checked. */
static void test_depth(void)
{
    sbuf b = {0};
    /* forms: 0 arrays holding nothing, 1 arrays holding 1, 2 objects and
     * arrays alternating holding nothing, 3 the same holding "x" */
    int maxok[4] = {-1, -1, -1, -1}, agree = 1;
    for (int form = 0; form < 4; form++) {
        for (int n = 2045; n <= 2051; n++) {
            b.n = 0;
            for (int i = 0; i < n; i++)
                sb_puts(&b, form < 2 || i % 2 ? "[" : "{\"a\":");
            if (form == 1)
                sb_puts(&b, "1");
            if (form == 3)
                sb_puts(&b, "\"x\"");
            for (int i = n - 1; i >= 0; i--)
                sb_puts(&b, form < 2 || i % 2 ? "]" : "}");
            int acc;
            const char *why = differ(b.p, b.n, 0, &acc);
            if (why) {
                agree = 0;
                fprintf(stderr, "  depth %d form %d: %s\n", n, form, why);
            }
            if (acc)
                maxok[form] = n;
        }
    }
    CHECK(agree);
    printf("depth: deepest accepted %d empty arrays, %d arrays holding a scalar, %d/%d mixed\n",
           maxok[0], maxok[1], maxok[2], maxok[3]);
    CHECK(maxok[0] == PC_JDOC_MAX_DEPTH && maxok[2] == PC_JDOC_MAX_DEPTH);
    CHECK(maxok[1] == PC_JDOC_MAX_DEPTH - 1 && maxok[3] == PC_JDOC_MAX_DEPTH - 1);

    /* far past it: refused, without crashing */
    const char *opens[] = {"[", "{\"a\":", "[{\"a\":"};
    for (size_t o = 0; o < 3; o++) {
        for (int closed = 0; closed < 2; closed++) {
            b.n = 0;
            sb_rep(&b, opens[o], 3000);
            sb_puts(&b, "1");
            if (closed)
                sb_rep(&b, o == 0 ? "]" : o == 1 ? "}" : "}]", 3000);
            expect(b.p, b.n, 0);
        }
    }
    b.n = 0;
    sb_rep(&b, "[", 200000);
    char err[128] = "";
    CHECK(!pc_jdoc_parse(b.p, b.n, 0, err, sizeof err));
    CHECK_CONTAINS(err, "depth");
    free(b.p);
}

static void test_api(void)
{
    const char *txt = "{\"ab\":1,\"a\":2,\"\":3,\"arr\":[10,\"s\",null],\"o\":{\"x\":true}}";
    pc_jdoc *d = pc_jdoc_parse(txt, strlen(txt), 0, NULL, 0);
    const pc_jval *r = pc_jdoc_root(d), *arr = pc_jget(r, "arr");
    CHECK(d && r->type == PC_JOBJ && r->n == 5);
    CHECK(pc_jget(r, "a") && pc_jget(r, "a")->u.i == 2);
    CHECK(pc_jget(r, "ab") && pc_jget(r, "ab")->u.i == 1);
    CHECK(pc_jget(r, "") && pc_jget(r, "")->u.i == 3);
    CHECK(pc_jgetn(r, "abc", 2) == pc_jget(r, "ab"));
    CHECK(pc_jgetn(r, "ab", 1) == pc_jget(r, "a"));
    CHECK(pc_jgetn(r, "ab", 0) == pc_jget(r, ""));
    CHECK(!pc_jget(r, "b") && !pc_jget(r, "abc") && !pc_jget(r, "A") && !pc_jget(r, "x"));
    CHECK(!pc_jget(r, NULL) && !pc_jgetn(r, NULL, 0) && !pc_jget(NULL, "a"));
    CHECK(!pc_jget(arr, "a") && !pc_jget(pc_jget(r, "a"), "a"));
    CHECK(pc_jis(pc_jget(pc_jget(r, "o"), "x"), PC_JTRUE));
    CHECK(arr && arr->type == PC_JARR && arr->n == 3);
    CHECK(pc_jat(arr, 0) && pc_jat(arr, 0)->u.i == 10);
    CHECK_STR(pc_jstr(pc_jat(arr, 1)), "s");
    CHECK(pc_jat(arr, 2) && pc_jis_none(pc_jat(arr, 2)) && !pc_jat(arr, 3));
    CHECK(!pc_jat(arr, SIZE_MAX) && !pc_jat(r, 0) && !pc_jat(NULL, 0));
    CHECK(!pc_jstr(pc_jat(arr, 0)) && !pc_jstr(NULL) && !pc_jstr(r));
    CHECK(pc_jis_none(NULL) && pc_jis_none(pc_jget(r, "nope")) && !pc_jis_none(r));
    CHECK(!pc_jis(NULL, PC_JNULL) && !pc_jis_bool(pc_jat(arr, 2)));
    CHECK(!pc_jequal(NULL, r) && !pc_jequal(r, NULL) && !pc_jequal(NULL, NULL));
    CHECK(pc_jequal(r, r) && !pc_jequal(r, arr));
    CHECK(!pc_jdoc_root(NULL));
    pc_jdoc_free(d);
    pc_jdoc_free(NULL);

    /* error strings: non-empty, with the place; NULL or short buffers are fine */
    char err[256] = "";
    CHECK(!pc_jdoc_parse("[1,]", 4, 0, err, sizeof err));
    CHECK_CONTAINS(err, "(line 1, column 4)");
    CHECK(!pc_jdoc_parse("[\n1,\n]", 6, 0, err, sizeof err));
    CHECK_CONTAINS(err, "(line 3");
    CHECK(!pc_jdoc_parse("{\"a\":1,\"a\":2}", 13, 0, err, sizeof err));
    CHECK_CONTAINS(err, "duplicate");
    char small[8];
    memset(small, 'x', sizeof small);
    CHECK(!pc_jdoc_parse("[1,]", 4, 0, small, sizeof small));
    CHECK(memchr(small, 0, sizeof small) != NULL);
    CHECK(!pc_jdoc_parse("[1,]", 4, 0, NULL, 0));
    CHECK(!pc_jdoc_parse("[1,]", 4, 0, small, 0));
}

/* pc_jequal answers as json_equal. */
static void test_equal(void)
{
    static const struct {
        const char *a, *b;
        int eq;
    } pairs[] = {
        {"{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2],\"a\":1}", 1},
        {"{\"a\":1,\"b\":[1,2]}", "{\"a\":1,\"b\":[1,3]}", 0},
        {"{\"a\":1,\"b\":[1,2]}", "{\"a\":1,\"c\":[1,2]}", 0},
        {"[1]", "[1.0]", 0},
        {"[1.0]", "[1.00]", 1},
        {"[1.0]", "[10e-1]", 1},
        {"[0.0]", "[-0.0]", 1},
        {"[0]", "[-0]", 1},
        {"[\"a\"]", "[\"\\u0061\"]", 1},
        {"[\"a\"]", "[\"A\"]", 0},
        {"[\"a\"]", "[\"a \"]", 0},
        {"[\"ab\"]", "[\"a\"]", 0},
        {"[\"\\u00e9\"]", "[\"\xC3\xA9\"]", 1},
        {"[\"a\\u0000\"]", "[\"a\"]", 0},
        {"[\"a\\u0000b\"]", "[\"a\\u0000c\"]", 0},
        {"{\"a\":1}", "{\"a\":1,\"b\":1}", 0},
        {"{\"a\":1}", "{\"b\":1}", 0},
        {"{\"ab\":1}", "{\"a\":1}", 0},
        {"[[]]", "[{}]", 0},
        {"[true]", "[false]", 0},
        {"[null]", "[false]", 0},
        {"[1,2]", "[2,1]", 0},
        {"[1,2]", "[1,2,3]", 0},
        {"[]", "{}", 0},
        {"[9223372036854775807]", "[9223372036854775806]", 0},
        {"[1e-400]", "[0.0]", 1},
        {"[0.1]", "[0.10000000000000001]", 1},
        {"[0.1]", "[0.1000000000000001]", 0},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        size_t al = strlen(pairs[i].a), bl = strlen(pairs[i].b);
        parsed pa, pb;
        CHECK(!differ_keep(pairs[i].a, al, PC_JDOC_ALLOW_NUL, NULL, 1, &pa));
        CHECK(!differ_keep(pairs[i].b, bl, PC_JDOC_ALLOW_NUL, NULL, 1, &pb));
        int rc = pair(&pa, &pb);
        parsed_free(&pa);
        parsed_free(&pb);
        CHECK(rc == (pairs[i].eq ? 1 : 2));
        if (rc != (pairs[i].eq ? 1 : 2))
            fprintf(stderr, "  pair %s / %s: %d\n", pairs[i].a, pairs[i].b, rc);
    }
}

/* ---- the files ---- */

static char **files;
static size_t nfiles;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    size_t n = strlen(path);
    (void)st;
    (void)ftw;
    if (type == FTW_F && n > 5 && strcmp(path + n - 5, ".json") == 0) {
        char **f = realloc(files, (nfiles + 1) * sizeof *f);
        if (!f || !(f[nfiles] = strdup(path)))
            exit(2);
        files = f;
        nfiles++;
    }
    return 0;
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_all(const char *path, sbuf *b)
{
    FILE *f = fopen(path, "rb");
    char chunk[4096];
    size_t n;
    b->n = 0;
    if (!f)
        return -1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_putn(b, chunk, n);
    fclose(f);
    if (!b->p)
        sb_putn(b, "", 0);
    return 0;
}

typedef struct text {
    sbuf b;
    parsed p; /* when both accept it */
} text;

static text *texts;

static void test_files(void)
{
    nftw("fixtures", collect, 16, FTW_PHYS);
    nftw("tests", collect, 16, FTW_PHYS);
    qsort(files, nfiles, sizeof *files, path_cmp);
    size_t requests = 0, accepted = 0;
    texts = calloc(nfiles ? nfiles : 1, sizeof *texts);
    for (size_t i = 0; i < nfiles; i++) {
        requests += strncmp(files[i], "fixtures/requests/", 18) == 0;
        CHECK(read_all(files[i], &texts[i].b) == 0);
        int acc0, acc1;
        const char *why0 = differ_keep(texts[i].b.p, texts[i].b.n, 0, &acc0, 1, &texts[i].p);
        const char *why1 = differ(texts[i].b.p, texts[i].b.n, PC_JDOC_ALLOW_NUL, &acc1);
        CHECK(!why0 && !why1);
        if (why0 || why1)
            fprintf(stderr, "  %s: %s\n", files[i], why0 ? why0 : why1);
        accepted += (size_t)acc0;
    }
    printf("files: %zu *.json (%zu under fixtures/requests), %zu accepted\n", nfiles, requests,
           accepted);
    CHECK(requests >= 10); /* run from the repository root */
    CHECK(accepted >= 10);
}

/* ---- random documents ---- */

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned below(uint64_t *s, unsigned n)
{
    return (unsigned)(rnd(s) % n);
}

typedef struct gen {
    uint64_t *r;        /* the stream in use */
    uint64_t main, alt; /* alt: the one scalar a twin draws differently */
    sbuf *out;
    long nscalar, mut_at;
    unsigned bad; /* 1 in bad: a deliberate error (0: none) */
    int depth, maxdepth;
} gen;

static unsigned gb(gen *g, unsigned n)
{
    return below(g->r, n);
}

static int rare(gen *g)
{
    return g->bad && gb(g, g->bad) == 0;
}

static void g_ws(gen *g)
{
    static const char ws[] = " \t\n\r";
    if (gb(g, 3))
        return;
    for (unsigned i = 0, n = 1 + gb(g, 3); i < n; i++)
        sb_putc(g->out, ws[gb(g, 4)]);
    if (rare(g))
        sb_putc(g->out, gb(g, 2) ? '\f' : '\v');
}

static void g_hex4(gen *g, unsigned v)
{
    const char *digits = gb(g, 2) ? "0123456789abcdef" : "0123456789ABCDEF";
    sb_puts(g->out, "\\u");
    for (int s = 12; s >= 0; s -= 4)
        sb_putc(g->out, digits[(v >> s) & 15]);
}

static void g_utf8(gen *g, unsigned long v)
{
    char t[4];
    size_t n;
    if (v < 0x80) {
        t[0] = (char)v;
        n = 1;
    } else if (v < 0x800) {
        t[0] = (char)(0xC0 | (v >> 6));
        t[1] = (char)(0x80 | (v & 0x3F));
        n = 2;
    } else if (v < 0x10000) {
        t[0] = (char)(0xE0 | (v >> 12));
        t[1] = (char)(0x80 | ((v >> 6) & 0x3F));
        t[2] = (char)(0x80 | (v & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | (v >> 18));
        t[1] = (char)(0x80 | ((v >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((v >> 6) & 0x3F));
        t[3] = (char)(0x80 | (v & 0x3F));
        n = 4;
    }
    sb_putn(g->out, t, n);
}

/* The inside of a string: valid pieces, and rarely a wrong one. */
static void g_chars(gen *g)
{
    static const char *esc[] = {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"};
    static const char *wrong[] = {
        "\\uD800",
        "\\uDC00",
        "\\uDD1E\\uD834",
        "\\uD834\\n",
        "\\uD834\\uD834",
        "\\u0000",
        "\\x41",
        "\\u12",
        "\\uGHIJ",
        "\\a",
        "\\",
        "\xC0\x80",
        "\xE0\x80\x80",
        "\xED\xA0\x80",
        "\xF4\x90\x80\x80",
        "\xF0\x80\x80\x80",
        "\x80",
        "\xBF",
        "\xC3",
        "\xE2\x82",
        "\xF0\x9F\x98",
        "\xF5\x80\x80\x80",
        "\xFF",
        "\x01",
        "\x1F",
        "\n",
        "\t",
    };
    for (unsigned i = 0, n = gb(g, 6); i < n; i++) {
        if (rare(g)) {
            sb_puts(g->out, wrong[gb(g, sizeof wrong / sizeof wrong[0])]);
            continue;
        }
        switch (gb(g, 10)) {
        case 0:
            sb_puts(g->out, esc[gb(g, 8)]);
            break;
        case 1: { /* a BMP escape, never a surrogate nor U+0000 */
            unsigned v = 1 + gb(g, 0xFFFF);
            if (v >= 0xD800 && v <= 0xDFFF)
                v = gb(g, 2) ? 0xE9 : 0x41;
            g_hex4(g, v);
            break;
        }
        case 2: { /* a surrogate pair */
            unsigned long v = 0x10000 + gb(g, 0x100000);
            g_hex4(g, (unsigned)(0xD800 + ((v - 0x10000) >> 10)));
            g_hex4(g, (unsigned)(0xDC00 + ((v - 0x10000) & 0x3FF)));
            break;
        }
        case 3: { /* raw UTF-8 of 2, 3 or 4 bytes */
            static const unsigned long lo[] = {0x80, 0x800, 0xE000, 0x10000},
                                       hi[] = {0x7FF, 0xD7FF, 0xFFFF, 0x10FFFF};
            unsigned k = gb(g, 4);
            g_utf8(g, lo[k] + gb(g, (unsigned)(hi[k] - lo[k] + 1)));
            break;
        }
        case 4:
            sb_putc(g->out, 0x7F);
            break;
        default:
            sb_putc(g->out, "abcAB z0'{}[]:,"[gb(g, 15)]);
        }
    }
}

static void g_string(gen *g)
{
    sb_putc(g->out, '"');
    g_chars(g);
    sb_putc(g->out, '"');
}

static void g_digits(gen *g, unsigned n, int lead_nonzero)
{
    for (unsigned i = 0; i < n; i++)
        sb_putc(g->out, '0' + (int)(i == 0 && lead_nonzero ? 1 + gb(g, 9) : gb(g, 10)));
}

static void g_number(gen *g)
{
    static const char *fixed[] = {"0",
                                  "-0",
                                  "9223372036854775807",
                                  "-9223372036854775808",
                                  "9223372036854775806",
                                  "-9223372036854775807",
                                  "1e308",
                                  "-1e308",
                                  "1.7976931348623157e308",
                                  "4.9e-324",
                                  "1e-400",
                                  "-1e-400",
                                  "2.2250738585072014e-308",
                                  "0.1",
                                  "-0.0",
                                  "0e0",
                                  "1E+2",
                                  "1e-7"};
    static const char *wrong[] = {"01",
                                  "-01",
                                  "1.",
                                  ".5",
                                  "1.e5",
                                  "1e",
                                  "1e+",
                                  "-",
                                  "+1",
                                  "9223372036854775808",
                                  "-9223372036854775809",
                                  "1e309",
                                  "-1e309",
                                  "1.7976931348623159e308",
                                  "00",
                                  "0x1",
                                  "--1",
                                  "1.0.0",
                                  "Infinity",
                                  "NaN",
                                  "99999999999999999999",
                                  "1e999"};
    if (rare(g)) {
        sb_puts(g->out, wrong[gb(g, sizeof wrong / sizeof wrong[0])]);
        return;
    }
    unsigned shape = gb(g, 7);
    if (shape == 0) {
        sb_puts(g->out, fixed[gb(g, sizeof fixed / sizeof fixed[0])]);
        return;
    }
    if (gb(g, 2))
        sb_putc(g->out, '-');
    switch (shape) {
    case 1: /* an integer of up to 18 digits */
        if (gb(g, 4) == 0)
            sb_putc(g->out, '0');
        else
            g_digits(g, 1 + gb(g, 18), 1);
        break;
    case 2: /* a fraction */
        if (gb(g, 3) == 0)
            sb_putc(g->out, '0');
        else
            g_digits(g, 1 + gb(g, 6), 1);
        sb_putc(g->out, '.');
        g_digits(g, 1 + gb(g, 20), 0);
        break;
    case 3: /* an exponent */
        g_digits(g, 1 + gb(g, 4), 1);
        if (gb(g, 2)) {
            sb_putc(g->out, '.');
            g_digits(g, 1 + gb(g, 4), 0);
        }
        sb_putc(g->out, gb(g, 2) ? 'e' : 'E');
        if (gb(g, 3))
            sb_putc(g->out, gb(g, 2) ? '-' : '+');
        g_digits(g, 1 + gb(g, 2), 0);
        break;
    case 4: /* longer than 64 characters */
        g_digits(g, 40 + gb(g, 80), 1);
        sb_puts(g->out, gb(g, 2) ? ".5" : "e-99");
        break;
    default:
        g_digits(g, 1 + gb(g, 3), 1);
    }
}

static void g_literal(gen *g)
{
    static const char *lit[] = {"true", "false", "null"};
    static const char *wrong[] = {"tru", "nulll", "True", "NULL", "fals", "t", "nan"};
    sb_puts(g->out, rare(g) ? wrong[gb(g, 7)] : lit[gb(g, 3)]);
}

/* A scalar from a tiny set, so a twin's scalar is sometimes json_equal
 * to the one it replaces with another spelling. */
static void g_tiny(gen *g)
{
    static const char *tiny[] = {"1",     "1.0",         "1.00",    "10e-1",       "0",
                                 "-0",    "0.0",         "-0.0",    "\"a\"",       "\"\\u0061\"",
                                 "\"A\"", "\"\\u0041\"", "true",    "false",       "null",
                                 "\"\"",  "\"/\"",       "\"\\/\"", "\"\\u00e9\"", "\"\xC3\xA9\""};
    sb_puts(g->out, tiny[gb(g, sizeof tiny / sizeof tiny[0])]);
}

static void g_scalar_body(gen *g)
{
    switch (gb(g, 8)) {
    case 0:
    case 1:
        g_tiny(g);
        break;
    case 2:
    case 3:
    case 4:
        g_string(g);
        break;
    case 5:
    case 6:
        g_number(g);
        break;
    default:
        g_literal(g);
    }
}

static void g_key_body(gen *g)
{
    static const char *keys[] = {"a",       "b",        "ab",  "ba", "",    "\\u0061",
                                 "\\u00e9", "\xC3\xA9", "a b", "A",  "\\/", "/"};
    sb_putc(g->out, '"');
    if (gb(g, 4) == 0) {
        g_chars(g);
    } else if (gb(g, 2)) {
        sb_puts(g->out, keys[gb(g, sizeof keys / sizeof keys[0])]);
    } else {
        char k[16];
        snprintf(k, sizeof k, "k%u", gb(g, 60));
        sb_puts(g->out, k);
    }
    sb_putc(g->out, '"');
}

/* A scalar or a key; the twin's mut_at-th one comes from the other stream. */
static void g_leaf(gen *g, void (*body)(gen *))
{
    if (g->nscalar++ != g->mut_at) {
        body(g);
        return;
    }
    sbuf scratch = {0}, *out = g->out;
    g->out = &scratch; /* the main stream moves as in the original */
    body(g);
    g->out = out;
    free(scratch.p);
    uint64_t *r = g->r;
    g->r = &g->alt;
    body(g);
    g->r = r;
}

static void g_value(gen *g);

static void g_sep(gen *g)
{
    if (rare(g))
        sb_puts(g->out, gb(g, 2) ? "" : gb(g, 2) ? ",," : ":");
    else
        sb_putc(g->out, ',');
}

static void g_container(gen *g)
{
    int obj = (int)gb(g, 2);
    unsigned n = gb(g, 5) == 0 ? gb(g, 24) : gb(g, 5);
    g->depth++;
    sb_putc(g->out, obj ? '{' : '[');
    for (unsigned i = 0; i < n; i++) {
        if (i)
            g_sep(g);
        g_ws(g);
        if (obj) {
            g_leaf(g, g_key_body);
            g_ws(g);
            if (!rare(g))
                sb_putc(g->out, ':');
        }
        g_value(g);
    }
    if (n && rare(g))
        sb_putc(g->out, ',');
    g_ws(g);
    if (!rare(g))
        sb_putc(g->out, obj ? '}' : ']');
    g->depth--;
}

static void g_value(gen *g)
{
    g_ws(g);
    if (g->depth < g->maxdepth && gb(g, 3) == 0)
        g_container(g);
    else
        g_leaf(g, g_scalar_body);
    g_ws(g);
}

/* A document from seed; mut_at >= 0: its twin. */
static long gen_doc(sbuf *out, uint64_t seed, long mut_at, uint64_t alt)
{
    gen g = {0};
    g.main = seed;
    g.alt = alt;
    g.r = &g.main;
    g.out = out;
    g.mut_at = mut_at;
    unsigned mode = gb(&g, 8);
    g.bad = mode < 4 ? 0 : mode < 7 ? 300 : 30;
    g.maxdepth = 1 + (int)gb(&g, 6);
    out->n = 0;
    sb_putn(out, "", 0);
    if (rare(&g)) {
        g_value(&g); /* maybe a scalar at the top */
    } else {
        g_ws(&g);
        g_container(&g);
        g_ws(&g);
    }
    if (rare(&g))
        sb_puts(out, gb(&g, 2) ? "[]" : "x");
    return g.nscalar;
}

static void test_generated(void)
{
    batch b = {"generated", 0, 0, 0, 0, 0};
    sbuf doc = {0}, twin = {0};
    uint64_t seeds = 20240611;
    for (long i = 0; i < GEN_ROUNDS; i++) {
        uint64_t seed = rnd(&seeds), alt = rnd(&seeds);
        long n = gen_doc(&doc, seed, -1, 0);
        unsigned flags = (unsigned)(i & 1);
        parsed pd, pt;
        batch_run(&b, doc.p, doc.n, flags, &pd);
        if (n > 0 && i % 2 == 0) { /* its twin: one scalar or key drawn differently */
            long at = (long)(alt % (uint64_t)n);
            gen_doc(&twin, seed, at, alt);
            batch_run(&b, twin.p, twin.n, flags ^ 1, &pt);
            batch_pair(&b, &pd, doc.p, doc.n, &pt, twin.p, twin.n);
            parsed_free(&pt);
        }
        parsed_free(&pd);
    }
    batch_end(&b);
    /* meaningful: many of each outcome */
    CHECK(b.accepted > b.runs / 5 && b.accepted < b.runs * 4 / 5);
    CHECK(b.equal > 50 && b.unequal > 1000);
    free(doc.p);
    free(twin.p);
}

/* ---- random edits of the files ---- */

static void test_mutated(void)
{
    static const unsigned char bytes[] = {'"',  '\\', '{',  '}',  '[',  ']',  ',',  ':',  '0',
                                          '1',  '5',  '9',  'e',  'E',  '-',  '+',  '.',  0x00,
                                          0x1F, 0x80, 0xBF, 0xC0, 0xC3, 0xED, 0xF4, 0xFF, 'u',
                                          'D',  'a',  'n',  't',  ' ',  '\t', '\n', '\r', '\f'};
    static const char *tokens[] = {
        "\\u0000", "\\uD800",  "\\uDC00",      "\\uD834\\uDD1E", "1e309",    "9223372036854775808",
        "-0",      "\xC0\x80", "\xED\xA0\x80", "\"a\":1,",       "\"\":{},", "[]",
        "{}",      "null",     "true,",        "0.1e-400"};
    batch b = {"mutated", 0, 0, 0, 0, 0};
    size_t nbase = 0;
    for (size_t i = 0; i < nfiles; i++)
        nbase += texts[i].b.n > 0;
    CHECK(nbase > 0);
    if (!nbase)
        return;
    sbuf m = {0};
    uint64_t r = 77;
    for (long i = 0; i < MUT_ROUNDS; i++) {
        size_t f;
        do
            f = below(&r, (unsigned)nfiles);
        while (!texts[f].b.n);
        m.n = 0;
        sb_putn(&m, texts[f].b.p, texts[f].b.n);
        for (unsigned e = 0, ne = 1 + below(&r, below(&r, 4) ? 2 : 6); e < ne; e++) {
            size_t at = m.n ? below(&r, (unsigned)m.n + 1) : 0;
            unsigned op = below(&r, 7);
            if (op >= 5) { /* insert a token */
                const char *t = tokens[below(&r, sizeof tokens / sizeof tokens[0])];
                size_t tl = strlen(t), tail = m.n - at;
                sb_putn(&m, t, tl); /* room */
                memmove(m.p + at + tl, m.p + at, tail);
                memcpy(m.p + at, t, tl);
                continue;
            }
            unsigned char c =
                below(&r, 8) ? bytes[below(&r, sizeof bytes)] : (unsigned char)rnd(&r);
            if (op < 2 || at == m.n) { /* insert */
                sb_putc(&m, 0);
                memmove(m.p + at + 1, m.p + at, m.n - 1 - at);
                m.p[at] = (char)c;
            } else if (op < 4) { /* delete */
                memmove(m.p + at, m.p + at + 1, m.n - at - 1);
                m.n--;
            } else { /* replace */
                m.p[at] = (char)c;
            }
        }
        unsigned flags = (unsigned)(i & 1);
        parsed pm;
        batch_run(&b, m.p, m.n, flags, &pm);
        batch_pair(&b, &texts[f].p, texts[f].b.p, texts[f].b.n, &pm, m.p, m.n);
        parsed_free(&pm);
    }
    batch_end(&b);
    CHECK(b.accepted > b.runs / 10 && b.accepted < b.runs * 9 / 10);
    CHECK(b.equal > 100 && b.unequal > 100);
    free(m.p);
}

int main(void)
{
    test_top_level();
    test_whitespace();
    test_literals();
    test_numbers();
    test_strings();
    test_utf8();
    test_nul_bytes();
    test_structure();
    test_duplicates();
    test_depth();
    test_api();
    test_equal();
    test_files();
    test_generated();
    test_mutated();
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i]);
        free(texts[i].b.p);
        parsed_free(&texts[i].p);
    }
    free(files);
    free(texts);
    TEST_MAIN_END();
}
