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
 */
#include <string.h>
#include "yara/yaracond.h"

#define MAX_DEPTH 64

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

/* "them" or "( $a, $b*, ... )" making up all of t. */
static int string_set(const ys_tok *t, size_t n)
{
    if (n == 1)
        return is(&t[0], YS_IDENT, "them");
    if (n < 3 || !is_p(&t[0], "(") || !is_p(&t[n - 1], ")"))
        return 0;
    for (size_t i = 1; i < n - 1; i++)
        if (i % 2 ? t[i].kind != YS_STRID : !is_p(&t[i], ","))
            return 0;
    return n % 2 == 1;
}

static int gated_term(const ys_tok *t, size_t n, int depth);

static int gated_or(const ys_tok *t, size_t n, int depth);

/* An `and` chain: gated when one conjunct is. */
static int gated_and(const ys_tok *t, size_t n, int depth)
{
    size_t start = 0;
    int paren = 0, any = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            paren += is_p(&t[i], "(") - is_p(&t[i], ")");
            if (paren < 0)
                return 0;
            if (paren > 0 || !is(&t[i], YS_IDENT, "and"))
                continue;
        }
        if (i == start)
            return 0; /* an empty conjunct: not a condition we know */
        any |= gated_term(t + start, i - start, depth);
        start = i + 1;
    }
    return paren == 0 && any;
}

/* An `or` of branches: gated when every branch is. */
static int gated_or(const ys_tok *t, size_t n, int depth)
{
    size_t start = 0;
    int paren = 0;
    if (n == 0 || depth > MAX_DEPTH)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            paren += is_p(&t[i], "(") - is_p(&t[i], ")");
            if (paren < 0)
                return 0;
            if (paren > 0 || !is(&t[i], YS_IDENT, "or"))
                continue;
        }
        if (!gated_and(t + start, i - start, depth))
            return 0;
        start = i + 1;
    }
    return paren == 0;
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

static int gated_term(const ys_tok *t, size_t n, int depth)
{
    if (n == 0)
        return 0;
    if (is_p(&t[0], "(") && closing(t, n) == n - 1)
        return gated_or(t + 1, n - 2, depth + 1);
    if (plain_strid(&t[0])) {
        if (n == 1)
            return 1;
        if (is(&t[1], YS_IDENT, "at"))
            return simple_expr(t + 2, n - 2);
        if (is(&t[1], YS_IDENT, "in"))
            return in_range(t, n);
        return 0;
    }
    if (t[0].kind == YS_COUNT && n == 3 && strlen(t[0].text) > 1 && !t[0].cut &&
        t[2].kind == YS_NUM)
        return (is_p(&t[1], ">") && t[2].num >= 0) || (is_p(&t[1], ">=") && t[2].num >= 1);
    if (n >= 3 && is(&t[1], YS_IDENT, "of")) {
        int quant = is(&t[0], YS_IDENT, "any") || is(&t[0], YS_IDENT, "all") ||
                    (t[0].kind == YS_NUM && t[0].num >= 1);
        return quant && string_set(t + 2, n - 2);
    }
    return 0;
}

int pc_yaracond_gated(const ys_tok *t, size_t n)
{
    return gated_or(t, n, 0);
}
