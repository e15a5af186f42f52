/*
 * yaracond.c — the string-gate classifier (yaracond.h).
 *
 * YARA's `and` binds tighter than `or`, so a condition is an `or` of
 * branches, each an `and` of conjuncts. A condition is gated when every
 * branch is; a branch is gated when one of its conjuncts is; a conjunct is
 * gated when it is a parenthesised gated condition or exactly one of:
 *
 *   $x                       $x at E            $x in (E..E)
 *   #x > N (N >= 0)          #x >= N (N >= 1)
 *   any of S    all of S     N of S (N >= 1)    S: them or ($a, $b*, ...)
 *
 * where E is built from decimal numbers, filesize, parentheses and
 * + - * \ % only. Each of these is false when none of the rule's strings
 * matched. Everything else (not, for, module calls, other rules,
 * comparisons, 0 of, percentages...) is not gated: the classifier may say
 * "not gated" of a gated condition, never the reverse.
 *
 * The gate set goes with the answer: strings of the rule such that the
 * condition is false unless one of them matched. A term's set is its
 * string ($x, #x), the strings of S for "any of S", one string of S for
 * "all of S", and for "N of S" enough strings that those left out are
 * referenced fewer than N times (S as written, a string counted once per
 * mention: YARA counts ($a, $a) as two). A branch takes one gated
 * conjunct's set, the one least likely to match in ordinary files by the
 * strings' literal lengths (gate_cost); the condition takes the union of
 * its branches'. The prefilter looks for the gate set only: "socket("
 * alone no longer sends every binary to YARA for a rule that also needs a
 * reverse shell's redirections.
 *
 * The heads a rule can match are read the same way: a conjunct comparing
 * the first bytes with ELF's magic or "#!" (as written in the shipped
 * rules: uint32be(0), uint32(0), uint16(0), uint16be(0), == or !=)
 * narrows its branch, an `or` joins its branches', anything else allows
 * every head. For a file under 4 (or 2) bytes YARA's uint32be(0) is
 * undefined and the comparison false: such a file is PC_HEAD_OTHER, which
 * only rules that need ELF or "#!" leave out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "yara/yaracond.h"

#define MAX_DEPTH 64

typedef struct gate {
    const ys_rule *r;
    const uint64_t *cost; /* per string of r (gate_cost) */
    int oom;
} gate;

static int is(const ys_tok *t, ys_tokkind k, const char *text)
{
    return t->kind == k && !t->cut && strcmp(t->text, text) == 0;
}

static int is_p(const ys_tok *t, const char *text)
{
    return is(t, YS_PUNCT, text);
}

/* The index of the ")" closing the "(" at t[0], or n when unbalanced. */
static size_t closing(const ys_tok *t, size_t n)
{
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        depth += is_p(&t[i], "(") - is_p(&t[i], ")");
        if (depth == 0)
            return i;
    }
    return n;
}

/* An arithmetic expression over numbers and filesize (never empty). */
static int simple_expr(const ys_tok *t, size_t n)
{
    static const char *const ops[] = {"(", ")", "+", "-", "*", "\\", "%"};
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int ok = (t[i].kind == YS_NUM && t[i].num >= 0) || is(&t[i], YS_IDENT, "filesize");
        for (size_t k = 0; !ok && k < sizeof ops / sizeof *ops; k++)
            ok = is_p(&t[i], ops[k]);
        if (!ok)
            return 0;
    }
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        depth += is_p(&t[i], "(") - is_p(&t[i], ")");
        if (depth < 0)
            return 0;
    }
    return depth == 0;
}

/* How likely a string is to match an ordinary file, by the longest run of
 * fixed bytes it needs: a 2^-2 per byte guess, only to choose between
 * gate sets (any choice is sound). */
static size_t hex_run(const unsigned char *v, size_t n)
{
    size_t best = 0, run = 0;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = v[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == '/')
            break;      /* a comment: nothing after it is counted */
        if (c == '[') { /* a jump */
            while (i < n && v[i] != ']')
                i++;
            run = 0;
            continue;
        }
        int hexpair = i + 1 < n && strchr("0123456789abcdefABCDEF", c) && v[i + 1] &&
                      strchr("0123456789abcdefABCDEF", v[i + 1]);
        depth += (c == '(') - (c == ')');
        if (hexpair && depth == 0) {
            if (++run > best)
                best = run;
        } else {
            run = 0; /* wildcards, nibbles, alternatives, ~ */
        }
        if (hexpair)
            i++;
    }
    return best;
}

static size_t regex_run(const unsigned char *v, size_t n)
{
    size_t best = 0, run = 0;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = v[i];
        size_t w = 1; /* bytes of this atom */
        int lit = 1;
        if (c == '|' && depth == 0)
            return 1; /* alternatives at the top: no run is needed */
        if (c == '(' || c == ')') {
            depth += c == '(' ? 1 : -1;
            lit = 0;
        } else if (c == '[') {
            for (i++; i < n && v[i] != ']'; i++)
                if (v[i] == '\\')
                    i++;
            lit = 0;
        } else if (c == '\\' && i + 1 < n) {
            unsigned char e = v[i + 1];
            /* classes (\s \d \w ...), word boundaries and digits are not one byte */
            lit = e && !strchr("sSdDwWbB0123456789", e);
            w = e == 'x' ? 4 : 2;
        } else if (strchr(".^$*+?{}", c)) {
            lit = 0;
        }
        size_t next = i + w;
        int optional = next < n && strchr("?*{", v[next]);
        if (lit && depth == 0 && !optional) {
            if (++run > best)
                best = run;
        } else {
            run = 0;
        }
        i = next - 1;
    }
    return best;
}

static uint64_t gate_cost(const ys_string *s)
{
    size_t q = s->kind == YS_TEXT  ? s->len
               : s->kind == YS_HEX ? hex_run(s->val, s->len)
                                   : regex_run(s->val, s->len);
    if (q > 20)
        q = 20;
    return (uint64_t)1 << (40 - 2 * q);
}

static uint64_t set_cost(const gate *g, const unsigned char *set)
{
    uint64_t c = 0;
    for (size_t k = 0; k < g->r->nstrs; k++)
        if (set[k])
            c += g->cost[k];
    return c;
}

/* "them" or "( $a, $b*, ... )" making up all of t: how many times each of
 * the rule's strings is named in it (mult), their sum in *total. 0 when t
 * is not such a set or names a string the rule does not have. */
/* Whether the string reference tok ("$name", "#name"..., or "$prefix*")
 * names the string id ("$name"): compared past their sigils. */
static int id_matches(const char *tok, const char *id)
{
    const char *name = tok + 1, *want = id + 1;
    size_t n = strlen(name);
    return n && name[n - 1] == '*' ? strncmp(name, want, n - 1) == 0 : strcmp(name, want) == 0;
}

static int string_set(const gate *g, const ys_tok *t, size_t n, unsigned *mult, unsigned *total)
{
    const ys_rule *r = g->r;
    memset(mult, 0, r->nstrs * sizeof *mult);
    *total = 0;
    if (n == 1 && is(&t[0], YS_IDENT, "them")) {
        for (size_t k = 0; k < r->nstrs; k++)
            mult[k] = 1;
        *total = (unsigned)r->nstrs;
        return r->nstrs > 0;
    }
    if (n < 3 || n % 2 == 0 || !is_p(&t[0], "(") || !is_p(&t[n - 1], ")") || n / 2 > 100000)
        return 0;
    for (size_t i = 1; i < n - 1; i++) {
        if (i % 2 == 0) {
            if (!is_p(&t[i], ","))
                return 0;
            continue;
        }
        if (t[i].kind != YS_STRID || t[i].cut || strlen(t[i].text) < 2)
            return 0;
        unsigned named = 0;
        for (size_t k = 0; k < r->nstrs; k++)
            if (id_matches(t[i].text, r->strs[k].id)) {
                mult[k]++;
                named++;
            }
        if (named == 0)
            return 0;
        *total += named;
    }
    return 1;
}

/* "N of S": strings of S so that those left out are named fewer than need
 * times in S: the most likely to match are left out first. */
static void quorum(const gate *g, const unsigned *mult, unsigned need, unsigned char *out)
{
    size_t ns = g->r->nstrs;
    unsigned spare = need - 1; /* mentions the strings left out may have */
    for (size_t k = 0; k < ns; k++)
        out[k] = mult[k] > 0;
    for (;;) {
        size_t worst = ns;
        for (size_t k = 0; k < ns; k++)
            if (out[k] && mult[k] <= spare && (worst == ns || g->cost[k] > g->cost[worst]))
                worst = k;
        if (worst == ns)
            return;
        out[worst] = 0;
        spare -= mult[worst];
    }
}

static int gated_term(gate *g, const ys_tok *t, size_t n, int depth, unsigned char *out);

static int gated_or(gate *g, const ys_tok *t, size_t n, int depth, unsigned char *out);

static size_t strid_index(const gate *g, const char *id)
{
    for (size_t k = 0; k < g->r->nstrs; k++)
        if (strcmp(g->r->strs[k].id, id) == 0)
            return k;
    return g->r->nstrs;
}

/* An `and` chain: gated when one conjunct is; out is the cheapest
 * conjunct's set. */
static int gated_and(gate *g, const ys_tok *t, size_t n, int depth, unsigned char *out)
{
    size_t start = 0, ns = g->r->nstrs;
    int paren = 0, any = 0;
    uint64_t best = 0;
    if (n == 0)
        return 0;
    unsigned char *tmp = malloc(ns ? ns : 1);
    if (!tmp) {
        g->oom = 1;
        return 0;
    }
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            paren += is_p(&t[i], "(") - is_p(&t[i], ")");
            if (paren < 0)
                break;
            if (paren > 0 || !is(&t[i], YS_IDENT, "and"))
                continue;
        }
        if (i == start) {
            paren = -1; /* an empty conjunct: not a condition we know */
            break;
        }
        if (gated_term(g, t + start, i - start, depth, tmp)) {
            uint64_t c = set_cost(g, tmp);
            if (!any || c < best) {
                memcpy(out, tmp, ns);
                best = c;
            }
            any = 1;
        }
        start = i + 1;
    }
    free(tmp);
    return paren == 0 && any;
}

/* An `or` of branches: gated when every branch is; out is the union of
 * their sets. */
static int gated_or(gate *g, const ys_tok *t, size_t n, int depth, unsigned char *out)
{
    size_t start = 0, ns = g->r->nstrs;
    int paren = 0, ok = 1;
    if (n == 0 || depth > MAX_DEPTH)
        return 0;
    unsigned char *tmp = malloc(ns ? ns : 1);
    if (!tmp) {
        g->oom = 1;
        return 0;
    }
    memset(out, 0, ns);
    for (size_t i = 0; i <= n && ok; i++) {
        if (i < n) {
            paren += is_p(&t[i], "(") - is_p(&t[i], ")");
            if (paren < 0)
                ok = 0;
            if (paren != 0 || !is(&t[i], YS_IDENT, "or"))
                continue;
        }
        ok = gated_and(g, t + start, i - start, depth, tmp);
        for (size_t k = 0; ok && k < ns; k++)
            out[k] |= tmp[k];
        start = i + 1;
    }
    free(tmp);
    return ok && paren == 0;
}

static int plain_strid(const ys_tok *t)
{
    return t->kind == YS_STRID && !t->cut && strlen(t->text) > 1 && !strchr(t->text, '*');
}

/* "$x in ( E .. E )" */
static int in_range(const ys_tok *t, size_t n)
{
    if (n < 7 || !is_p(&t[2], "(") || !is_p(&t[n - 1], ")") || closing(t + 2, n - 2) != n - 3)
        return 0;
    for (size_t i = 3; i < n - 1; i++)
        if (is_p(&t[i], ".."))
            return simple_expr(t + 3, i - 3) && simple_expr(t + i + 1, n - 2 - i);
    return 0;
}

/* out: the one string named, when it is one of the rule's */
static int one_string(const gate *g, const char *id, unsigned char *out)
{
    size_t k = strid_index(g, id);
    if (k == g->r->nstrs)
        return 0;
    memset(out, 0, g->r->nstrs);
    out[k] = 1;
    return 1;
}

static int gated_term(gate *g, const ys_tok *t, size_t n, int depth, unsigned char *out)
{
    if (n == 0)
        return 0;
    if (is_p(&t[0], "(") && closing(t, n) == n - 1)
        return gated_or(g, t + 1, n - 2, depth + 1, out);
    if (plain_strid(&t[0])) {
        int form = n == 1 || (is(&t[1], YS_IDENT, "at") && simple_expr(t + 2, n - 2)) ||
                   (is(&t[1], YS_IDENT, "in") && in_range(t, n));
        return form && one_string(g, t[0].text, out);
    }
    if (t[0].kind == YS_COUNT && n == 3 && strlen(t[0].text) > 1 && !t[0].cut &&
        t[2].kind == YS_NUM) {
        int form = (is_p(&t[1], ">") && t[2].num >= 0) || (is_p(&t[1], ">=") && t[2].num >= 1);
        char id[sizeof t[0].text];
        snprintf(id, sizeof id, "$%s", t[0].text + 1);
        return form && one_string(g, id, out);
    }
    if (n >= 3 && is(&t[1], YS_IDENT, "of")) {
        int all = is(&t[0], YS_IDENT, "all");
        int quant = all || is(&t[0], YS_IDENT, "any") || (t[0].kind == YS_NUM && t[0].num >= 1);
        unsigned *mult = quant ? calloc(g->r->nstrs ? g->r->nstrs : 1, sizeof *mult) : NULL;
        unsigned total = 0;
        if (quant && !mult)
            g->oom = 1;
        int ok = mult && string_set(g, t + 2, n - 2, mult, &total);
        if (ok) {
            long long need = all ? (long long)total : is(&t[0], YS_IDENT, "any") ? 1 : t[0].num;
            quorum(g, mult, need > (long long)total ? total : (unsigned)need, out);
        }
        free(mult);
        return ok;
    }
    return 0;
}

int pc_yaracond_gate(const ys_rule *r, unsigned char *keep)
{
    size_t ns = r->nstrs;
    uint64_t *cost = malloc((ns ? ns : 1) * sizeof *cost);
    if (!cost)
        return -1;
    for (size_t k = 0; k < ns; k++)
        cost[k] = gate_cost(&r->strs[k]);
    gate g = {.r = r, .cost = cost};
    int ok = gated_or(&g, r->cond, r->ncond, 0, keep);
    free(cost);
    if (g.oom)
        return -1;
    if (!ok)
        return 0;
    for (size_t k = 0; k < ns; k++)
        if (keep[k])
            return 1;
    return 0; /* an empty set gates nothing (never expected) */
}

/* Whether token t (a string, count, offset or length reference) may name
 * string id: its own name, a wildcard covering it, the anonymous "$" of a
 * `for ... of` loop, or a name cut at 71 bytes (unknown: yes). */
static int names(const ys_tok *t, const char *id)
{
    if (t->kind != YS_STRID && t->kind != YS_COUNT && t->kind != YS_OFFSET && t->kind != YS_LENGTH)
        return 0;
    return t->cut || !t->text[1] || id_matches(t->text, id);
}

int pc_yaracond_anchor(const ys_rule *r, size_t k, uint64_t *at)
{
    if (k >= r->nstrs || strlen(r->strs[k].id) < 2)
        return 0; /* (an anonymous string is only named by sets) */
    const char *id = r->strs[k].id;
    const ys_tok *t = r->cond;
    size_t n = r->ncond, seen = 0;
    long long where = -1;
    for (size_t i = 0; i < n; i++) {
        if (is(&t[i], YS_IDENT, "them"))
            return 0;
        if (!names(&t[i], id))
            continue;
        /* exactly: $k at N, then and / or / ")" / the end */
        if (t[i].kind != YS_STRID || strcmp(t[i].text, id) != 0 || i + 2 >= n ||
            !is(&t[i + 1], YS_IDENT, "at") || t[i + 2].kind != YS_NUM || t[i + 2].cut ||
            t[i + 2].num < 0)
            return 0;
        if (i + 3 < n && !is(&t[i + 3], YS_IDENT, "and") && !is(&t[i + 3], YS_IDENT, "or") &&
            !is_p(&t[i + 3], ")"))
            return 0;
        if (where >= 0 && t[i + 2].num != where)
            return 0;
        where = t[i + 2].num;
        seen++;
        i += 2;
    }
    if (!seen)
        return 0;
    *at = (uint64_t)where;
    return 1;
}

/* uint32be ( 0 ) OP NUMBER as one of the known head tests: its heads. */
static unsigned head_test(const ys_tok *t, size_t n)
{
    static const struct {
        const char *fn, *num;
        unsigned is;
    } tests[] = {
        {"uint32be", "0x7f454c46", PC_HEAD_ELF},
        {"uint32", "0x464c457f", PC_HEAD_ELF},
        {"uint16", "0x2123", PC_HEAD_SHEBANG},
        {"uint16be", "0x2321", PC_HEAD_SHEBANG},
    };
    if (n != 6 || t[0].kind != YS_IDENT || t[0].cut || !is_p(&t[1], "(") || t[2].kind != YS_NUM ||
        t[2].num != 0 || !is_p(&t[3], ")") || t[5].kind != YS_NUM || t[5].cut)
        return PC_HEAD_ALL;
    int eq = is_p(&t[4], "=="), ne = is_p(&t[4], "!=");
    for (size_t i = 0; i < sizeof tests / sizeof *tests && (eq || ne); i++)
        if (strcmp(t[0].text, tests[i].fn) == 0 && strcasecmp(t[5].text, tests[i].num) == 0)
            return eq ? tests[i].is : PC_HEAD_ALL & ~tests[i].is;
    return PC_HEAD_ALL;
}

static unsigned heads_or(const ys_tok *t, size_t n, int depth);

/* An `and` chain: the heads every conjunct allows. */
static unsigned heads_and(const ys_tok *t, size_t n, int depth)
{
    size_t start = 0;
    int paren = 0;
    unsigned h = PC_HEAD_ALL;
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            paren += is_p(&t[i], "(") - is_p(&t[i], ")");
            if (paren < 0)
                return PC_HEAD_ALL;
            if (paren > 0 || !is(&t[i], YS_IDENT, "and"))
                continue;
        }
        const ys_tok *c = t + start;
        size_t cn = i - start;
        if (cn >= 2 && is_p(&c[0], "(") && closing(c, cn) == cn - 1)
            h &= heads_or(c + 1, cn - 2, depth + 1);
        else
            h &= head_test(c, cn);
        start = i + 1;
    }
    return paren == 0 ? h : PC_HEAD_ALL;
}

/* An `or`: the heads any branch allows. */
static unsigned heads_or(const ys_tok *t, size_t n, int depth)
{
    size_t start = 0;
    int paren = 0;
    unsigned h = 0;
    if (n == 0 || depth > MAX_DEPTH)
        return PC_HEAD_ALL;
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            paren += is_p(&t[i], "(") - is_p(&t[i], ")");
            if (paren < 0)
                return PC_HEAD_ALL;
            if (paren > 0 || !is(&t[i], YS_IDENT, "or"))
                continue;
        }
        h |= heads_and(t + start, i - start, depth);
        start = i + 1;
    }
    return paren == 0 ? h : PC_HEAD_ALL;
}

unsigned pc_yaracond_heads(const ys_rule *r)
{
    return heads_or(r->cond, r->ncond, 0);
}
