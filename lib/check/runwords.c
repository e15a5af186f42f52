/*
 * runwords.c — see runwords.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "check/runwords.h"

static pc_runsep kind_of(const char *s, size_t len, size_t i, int *skip_next)
{
    char ch = s[i], prev = i > 0 ? s[i - 1] : 0, next = i + 1 < len ? s[i + 1] : 0;
    *skip_next = 0;
    if (ch == '|') {
        if (next == '|') { /* || : a new command, not a pipe */
            *skip_next = 1;
            return PC_RUNSEP_END;
        }
        if (next == '&')
            *skip_next = 1;
        return PC_RUNSEP_PIPE;
    }
    if (ch == '(' && (prev == '$' || prev == '<' || prev == '>'))
        return PC_RUNSEP_SUBST;
    return PC_RUNSEP_END;
}

/* The words of text; with seps, the separators end commands (and the end
 * of text ends the last), without, they are characters of words (the
 * words of a variable's value, which a shell only splits at blanks). */
static void words(const char *text, size_t len, const pc_runwords_cb *cb, int seps)
{
    char w[PC_RUNWORD_MAX];
    size_t n = 0;
    int cut = 0;      /* the word was longer than w: dropped */
    int backtick = 0; /* inside `...` */
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = i < len ? (unsigned char)text[i] : seps ? '\n' : ' ';
        int sep = seps && ch != 0 && strchr("\n;&|()`{}", ch) != NULL;
        if (ch == '{' && n == 1 && w[0] == '$')
            sep = 0; /* ${NAME} */
        if (ch == '}' && n > 1 && w[0] == '$' && w[1] == '{')
            sep = 0;
        /* $( <( >( : the $ < > before the parenthesis is no word */
        if (seps && ch == '(' && n == 1 && (w[0] == '$' || w[0] == '<' || w[0] == '>'))
            n = 0;
        if (sep || ch == ' ' || ch == '\t' || ch == '\r' || ch == 0) {
            if (n && !cut) {
                w[n] = 0;
                cb->word(cb->ud, w);
            }
            n = 0;
            cut = 0;
            if (sep) {
                int skip = 0;
                pc_runsep k = PC_RUNSEP_END;
                if (i < len && ch == '`')
                    k = (backtick = !backtick) ? PC_RUNSEP_SUBST : PC_RUNSEP_END;
                else if (i < len)
                    k = kind_of(text, len, i, &skip);
                cb->sep(cb->ud, k);
                i += (size_t)skip;
            }
            continue;
        }
        if (ch == '\'' || ch == '"' || ch == '\\')
            continue;
        if (n + 1 < sizeof w)
            w[n++] = (char)ch;
        else
            cut = 1;
    }
}

void pc_runwords(const char *text, size_t len, const pc_runwords_cb *cb)
{
    words(text, len, cb, 1);
}

size_t pc_runword_assignment(const char *s, size_t len)
{
    size_t k = 0;
    while (k < len && (isalnum((unsigned char)s[k]) || s[k] == '_'))
        k++;
    return k > 0 && k < len && s[k] == '=' && !isdigit((unsigned char)s[0]) ? k : 0;
}

#define VARS_MAX 512 /* environment lines looked at for $NAME */

typedef struct {
    const char *name, *value;
    size_t nlen, vlen;
} var;

#define SET_MAX 64 /* variables the text itself sets (X=curl; $X URL | sh) */

typedef struct {
    const pc_runwords_cb *cb;
    const var *vars;
    size_t nvars;
    char set[SET_MAX][PC_RUNWORD_MAX]; /* NAME=VALUE words seen so far, latest last */
    size_t nset;
} expander;

/* A NAME=VALUE word: remembered, so a later $NAME takes its value (a
 * shell keeps it for the rest of the script); the last SET_MAX are kept. */
static void remember(expander *x, const char *w)
{
    if (!pc_runword_assignment(w, strlen(w)))
        return;
    if (x->nset == SET_MAX) {
        memmove(x->set[0], x->set[1], sizeof x->set[0] * (SET_MAX - 1));
        x->nset--;
    }
    snprintf(x->set[x->nset++], PC_RUNWORD_MAX, "%s", w);
}

/* The value the text or its environment gives NAME (n bytes), or NULL. */
static const char *value_of(const expander *x, const char *name, size_t n, size_t *vlen)
{
    for (size_t i = x->nset; i-- > 0;)
        if (pc_runword_assignment(x->set[i], strlen(x->set[i])) == n &&
            !memcmp(x->set[i], name, n)) {
            *vlen = strlen(x->set[i] + n + 1);
            return x->set[i] + n + 1;
        }
    for (size_t i = 0; i < x->nvars; i++)
        if (x->vars[i].nlen == n && !memcmp(x->vars[i].name, name, n)) {
            *vlen = x->vars[i].vlen;
            return x->vars[i].value;
        }
    return NULL;
}

/* $NAME or ${NAME} that the text (NAME=VALUE before it) or an
 * environment line sets: its value's words, cut at blanks as a shell
 * splits an expansion (no second expansion, and what would separate
 * commands in text is part of a word here); any other word as it is. */
static void expand_word(void *ud, const char *w)
{
    expander *x = ud;
    const char *name = w + 1, *v;
    size_t n = strlen(name), vlen;
    if (w[0] == '$' && *name == '{') {
        name++;
        n = strcspn(name, "}");
    }
    if (w[0] == '$' && (v = value_of(x, name, n, &vlen)) != NULL) {
        words(v, vlen, x->cb, 0); /* (to the readers: nothing is remembered meanwhile) */
        return;
    }
    remember(x, w);
    x->cb->word(x->cb->ud, w);
}

static void pass_sep(void *ud, pc_runsep kind)
{
    const expander *x = ud;
    x->cb->sep(x->cb->ud, kind);
}

void pc_runwords_lines(const char *text, size_t len, const pc_runwords_cb *cb)
{
    var vars[VARS_MAX];
    expander x = {.cb = cb, .vars = vars};
    pc_runwords_cb ecb = {expand_word, pass_sep, &x};
    for (const char *p = text, *end = text + len; p < end && x.nvars < VARS_MAX;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p), k = pc_runword_assignment(p, ll);
        if (k)
            vars[x.nvars++] = (var){p, p + k + 1, k, ll - k - 1};
        p += ll + 1;
    }
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p), k = pc_runword_assignment(p, ll);
        if (k)
            pc_runwords(p + k + 1, ll - k - 1, &ecb); /* NAME=VALUE: the value */
        else
            pc_runwords(p, ll, &ecb);
        p += ll + 1;
    }
}

int pc_word_in(const char *const *v, const char *w)
{
    for (; *v; v++)
        if (!strcmp(*v, w))
            return 1;
    return 0;
}
