/*
 * yarasrc.c — reading YARA source into rules, strings and condition
 * tokens (yarasrc.h).
 *
 * A cursor walks the text once. Comments (line and block) are skipped
 * wherever YARA skips them, including inside hex strings. The lexer is
 * told where it is: after `=` in a strings section a value is read as a
 * text string, a hex string or a regular expression; in a condition a
 * slash always starts a regular expression (YARA divides with a
 * backslash), and the condition ends at the brace that closes the rule
 * (conditions have no braces). Anything unexpected is an error: the
 * prefilter stays off rather than guess.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "yara/yarasrc.h"

typedef struct lx {
    const char *p, *end;
    int line;
    pc_err *e;
} lx;

static int lx_err(lx *l, const char *msg)
{
    return pc_err_set(l->e, "line %d: %s", l->line, msg);
}

static int is_id(int c)
{
    return isalnum(c) || c == '_';
}

/* Skip blanks and comments; -1 on an unterminated comment. */
static int skip_ws(lx *l)
{
    while (l->p < l->end) {
        if (*l->p == '\n') {
            l->line++;
            l->p++;
        } else if (isspace((unsigned char)*l->p)) {
            l->p++;
        } else if (l->end - l->p >= 2 && l->p[0] == '/' && l->p[1] == '/') {
            while (l->p < l->end && *l->p != '\n')
                l->p++;
        } else if (l->end - l->p >= 2 && l->p[0] == '/' && l->p[1] == '*') {
            l->p += 2;
            while (l->p < l->end && !(l->end - l->p >= 2 && l->p[0] == '*' && l->p[1] == '/'))
                l->line += *l->p++ == '\n';
            if (l->p >= l->end)
                return lx_err(l, "unterminated comment");
            l->p += 2;
        } else {
            break;
        }
    }
    return 0;
}

static void tok_set(ys_tok *t, ys_tokkind k, const char *s, size_t n)
{
    t->kind = k;
    t->cut = n >= sizeof t->text;
    if (t->cut)
        n = sizeof t->text - 1;
    memcpy(t->text, s, n);
    t->text[n] = '\0';
    t->num = -1;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A "..." string at l->p; decoded into *out (may be NULL: skipped). */
static int lex_text(lx *l, unsigned char **out, size_t *outlen)
{
    const char *s = ++l->p;
    size_t n = 0;
    unsigned char *buf = malloc((size_t)(l->end - s) + 1);
    if (!buf)
        return pc_err_set(l->e, "out of memory");
    while (l->p < l->end && *l->p != '"') {
        char c = *l->p++;
        if (c == '\n')
            break;
        if (c != '\\') {
            buf[n++] = (unsigned char)c;
            continue;
        }
        if (l->p >= l->end)
            break;
        c = *l->p++;
        if (c == 'x' && l->end - l->p >= 2 && hexval(l->p[0]) >= 0 && hexval(l->p[1]) >= 0) {
            buf[n++] = (unsigned char)(hexval(l->p[0]) * 16 + hexval(l->p[1]));
            l->p += 2;
        } else if (c == 'n' || c == 't' || c == 'r' || c == '"' || c == '\\') {
            buf[n++] = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : (unsigned char)c;
        } else {
            free(buf);
            return lx_err(l, "unknown escape in a text string");
        }
    }
    if (l->p >= l->end || *l->p != '"') {
        free(buf);
        return lx_err(l, "unterminated text string");
    }
    l->p++;
    if (out) {
        *out = buf;
        *outlen = n;
    } else {
        free(buf);
    }
    return 0;
}

/* A /.../ regular expression at l->p: the body as written, then i and s. */
static int lex_regex(lx *l, unsigned char **out, size_t *outlen, unsigned *mods)
{
    const char *s = ++l->p;
    while (l->p < l->end && *l->p != '/' && *l->p != '\n')
        l->p += *l->p == '\\' && l->end - l->p >= 2 && l->p[1] != '\n' ? 2 : 1;
    if (l->p >= l->end || *l->p != '/')
        return lx_err(l, "unterminated regular expression");
    size_t n = (size_t)(l->p - s);
    l->p++;
    while (l->p < l->end && (*l->p == 'i' || *l->p == 's')) {
        if (mods)
            *mods |= *l->p == 'i' ? YS_M_RE_I : YS_M_RE_S;
        l->p++;
    }
    if (l->p < l->end && is_id((unsigned char)*l->p))
        return lx_err(l, "unknown regular expression modifier");
    if (out) {
        if (!(*out = malloc(n + 1)))
            return pc_err_set(l->e, "out of memory");
        memcpy(*out, s, n);
        (*out)[n] = '\0';
        *outlen = n;
    }
    return 0;
}

static void lex_number(lx *l, ys_tok *t)
{
    const char *s = l->p;
    int plain = 1;
    if (l->end - l->p >= 2 && l->p[0] == '0' && (l->p[1] == 'x' || l->p[1] == 'o')) {
        plain = 0;
        l->p += 2;
    }
    while (l->p < l->end && isalnum((unsigned char)*l->p))
        plain &= isdigit((unsigned char)*l->p++) != 0;
    if (l->end - l->p >= 2 && l->p[0] == '.' && isdigit((unsigned char)l->p[1])) {
        plain = 0;
        l->p++;
        while (l->p < l->end && isalnum((unsigned char)*l->p))
            l->p++;
    }
    tok_set(t, YS_NUM, s, (size_t)(l->p - s));
    if (plain && l->p - s <= 15)
        t->num = strtoll(t->text, NULL, 10);
}

/* One token of a rule header or condition; -1 at the end of input too. */
static int lex_tok(lx *l, ys_tok *t)
{
    if (skip_ws(l) < 0)
        return -1;
    if (l->p >= l->end)
        return lx_err(l, "unexpected end of file");
    const char *s = l->p;
    unsigned char c = (unsigned char)*l->p;
    if (isalpha(c) || c == '_') {
        while (l->p < l->end && is_id((unsigned char)*l->p))
            l->p++;
        tok_set(t, YS_IDENT, s, (size_t)(l->p - s));
    } else if (isdigit(c)) {
        lex_number(l, t);
    } else if (c == '"') {
        if (lex_text(l, NULL, NULL) < 0)
            return -1;
        tok_set(t, YS_STR, s, (size_t)(l->p - s));
    } else if (c == '/') {
        if (lex_regex(l, NULL, NULL, NULL) < 0)
            return -1;
        tok_set(t, YS_REGEX, s, (size_t)(l->p - s));
    } else if (c == '$' || ((c == '#' || c == '@' || c == '!') && l->end - l->p >= 2 &&
                            (is_id((unsigned char)l->p[1]) || c != '!'))) {
        l->p++;
        while (l->p < l->end && is_id((unsigned char)*l->p))
            l->p++;
        if (c == '$' && l->p < l->end && *l->p == '*')
            l->p++;
        tok_set(t,
                c == '$'   ? YS_STRID
                : c == '#' ? YS_COUNT
                : c == '@' ? YS_OFFSET
                           : YS_LENGTH,
                s, (size_t)(l->p - s));
    } else {
        static const char *const two[] = {"==", "!=", "<=", ">=", "<<", ">>", ".."};
        size_t n = 1;
        for (size_t i = 0; i < sizeof two / sizeof *two; i++)
            if (l->end - l->p >= 2 && memcmp(l->p, two[i], 2) == 0)
                n = 2;
        l->p += n;
        tok_set(t, YS_PUNCT, s, n);
    }
    return 0;
}

static int tok_is(const ys_tok *t, ys_tokkind k, const char *text)
{
    return t->kind == k && !t->cut && strcmp(t->text, text) == 0;
}

/* The body of a hex string, from after "{" to its "}", comments removed. */
static int lex_hex(lx *l, unsigned char **out, size_t *outlen)
{
    l->p++;
    pc_buf b = {0};
    for (;;) {
        if (skip_ws(l) < 0) {
            pc_buf_free(&b);
            return -1;
        }
        if (l->p >= l->end || *l->p == '}')
            break;
        if (!strchr("0123456789abcdefABCDEF?[]-()|~", *l->p)) {
            pc_buf_free(&b);
            return lx_err(l, "unexpected character in a hex string");
        }
        pc_buf_add(&b, l->p++, 1);
        /* blanks and comments between two characters become one space */
        if (l->p < l->end && (isspace((unsigned char)*l->p) || *l->p == '/'))
            pc_buf_add(&b, " ", 1);
    }
    if (l->p >= l->end) {
        pc_buf_free(&b);
        return lx_err(l, "unterminated hex string");
    }
    l->p++;
    size_t n = b.len;
    char *s = pc_buf_take(&b);
    if (!s)
        return pc_err_set(l->e, "out of memory");
    *out = (unsigned char *)s;
    *outlen = n;
    return 0;
}

static int add_tok(ys_rule *r, const ys_tok *t, pc_err *e)
{
    if (pc_grow((void **)&r->cond, &r->capcond, r->ncond + 1, sizeof *r->cond) < 0)
        return pc_err_set(e, "out of memory");
    r->cond[r->ncond++] = *t;
    return 0;
}

/* Modifiers after a string value, up to the next string or "condition". */
static int read_mods(lx *l, ys_string *s)
{
    static const struct {
        const char *name;
        unsigned bit;
    } mods[] = {{"nocase", YS_M_NOCASE},   {"wide", YS_M_WIDE},
                {"ascii", YS_M_ASCII},     {"fullword", YS_M_FULLWORD},
                {"private", YS_M_PRIVATE}, {"xor", YS_M_XOR},
                {"base64", YS_M_BASE64},   {"base64wide", YS_M_BASE64WIDE}};
    for (;;) {
        lx save = *l;
        ys_tok t;
        if (lex_tok(l, &t) < 0)
            return -1;
        unsigned bit = 0;
        for (size_t i = 0; t.kind == YS_IDENT && i < sizeof mods / sizeof *mods; i++)
            if (strcmp(t.text, mods[i].name) == 0)
                bit = mods[i].bit;
        if (!bit) {
            *l = save;
            return 0;
        }
        s->mods |= bit;
        if (skip_ws(l) < 0)
            return -1;
        if (!(bit & (YS_M_XOR | YS_M_BASE64 | YS_M_BASE64WIDE)) || l->p >= l->end || *l->p != '(')
            continue;
        /* xor(N), xor(N-M), base64("alphabet"): the arguments are not needed */
        do {
            if (lex_tok(l, &t) < 0)
                return -1;
        } while (!tok_is(&t, YS_PUNCT, ")"));
    }
}

static int read_string(lx *l, ys_rule *r, const ys_tok *id)
{
    if (pc_grow((void **)&r->strs, &r->capstrs, r->nstrs + 1, sizeof *r->strs) < 0)
        return pc_err_set(l->e, "out of memory");
    ys_string *s = &r->strs[r->nstrs];
    memset(s, 0, sizeof *s);
    if (id->cut || strchr(id->text, '*'))
        return lx_err(l, "bad string identifier");
    if (!(s->id = pc_strdup(id->text)))
        return pc_err_set(l->e, "out of memory");
    r->nstrs++;
    ys_tok eq;
    if (lex_tok(l, &eq) < 0 || !tok_is(&eq, YS_PUNCT, "=") || skip_ws(l) < 0)
        return lx_err(l, "expected = after a string identifier");
    int rc;
    if (l->p < l->end && *l->p == '"') {
        s->kind = YS_TEXT;
        rc = lex_text(l, &s->val, &s->len);
    } else if (l->p < l->end && *l->p == '{') {
        s->kind = YS_HEX;
        rc = lex_hex(l, &s->val, &s->len);
    } else if (l->p < l->end && *l->p == '/') {
        s->kind = YS_REGEXP;
        rc = lex_regex(l, &s->val, &s->len, &s->mods);
    } else {
        return lx_err(l, "expected a string value");
    }
    return rc < 0 ? -1 : read_mods(l, s);
}

/* meta: NAME = VALUE lines, skipped. */
static int read_meta(lx *l, ys_tok *t)
{
    for (;;) {
        if (lex_tok(l, t) < 0)
            return -1;
        if (t->kind != YS_IDENT || strcmp(t->text, "strings") == 0 ||
            strcmp(t->text, "condition") == 0)
            return 0;
        ys_tok v;
        if (lex_tok(l, &v) < 0 || !tok_is(&v, YS_PUNCT, "=") || lex_tok(l, &v) < 0)
            return lx_err(l, "bad meta entry");
        if (tok_is(&v, YS_PUNCT, "-") && lex_tok(l, &v) < 0)
            return -1;
    }
}

/* From after "{" of a rule to its closing "}". */
static int read_body(lx *l, ys_rule *r)
{
    ys_tok t;
    if (lex_tok(l, &t) < 0)
        return -1;
    if (tok_is(&t, YS_IDENT, "meta")) {
        if (lex_tok(l, &t) < 0 || !tok_is(&t, YS_PUNCT, ":") || read_meta(l, &t) < 0)
            return lx_err(l, "bad meta section");
    }
    if (tok_is(&t, YS_IDENT, "strings")) {
        if (lex_tok(l, &t) < 0 || !tok_is(&t, YS_PUNCT, ":"))
            return lx_err(l, "expected : after strings");
        for (;;) {
            if (lex_tok(l, &t) < 0)
                return -1;
            if (t.kind != YS_STRID)
                break;
            if (read_string(l, r, &t) < 0)
                return -1;
        }
    }
    if (!tok_is(&t, YS_IDENT, "condition") || lex_tok(l, &t) < 0 || !tok_is(&t, YS_PUNCT, ":"))
        return lx_err(l, "expected condition:");
    for (;;) {
        if (lex_tok(l, &t) < 0)
            return -1;
        if (tok_is(&t, YS_PUNCT, "}"))
            return r->ncond ? 0 : lx_err(l, "empty condition");
        if (tok_is(&t, YS_PUNCT, "{"))
            return lx_err(l, "unexpected { in a condition");
        if (add_tok(r, &t, l->e) < 0)
            return -1;
    }
}

static int read_rule(lx *l, ys_file *f, ys_tok *t)
{
    int priv = 0, glob = 0;
    while (tok_is(t, YS_IDENT, "private") || tok_is(t, YS_IDENT, "global")) {
        priv |= strcmp(t->text, "private") == 0;
        glob |= strcmp(t->text, "global") == 0;
        if (lex_tok(l, t) < 0)
            return -1;
    }
    if (!tok_is(t, YS_IDENT, "rule"))
        return lx_err(l, "expected a rule");
    if (pc_grow((void **)&f->rules, &f->cap, f->n + 1, sizeof *f->rules) < 0)
        return pc_err_set(l->e, "out of memory");
    ys_rule *r = &f->rules[f->n];
    memset(r, 0, sizeof *r);
    f->n++;
    r->is_private = priv;
    r->is_global = glob;
    r->line = l->line;
    if (lex_tok(l, t) < 0 || t->kind != YS_IDENT || t->cut)
        return lx_err(l, "expected a rule name");
    if (!(r->name = pc_strdup(t->text)))
        return pc_err_set(l->e, "out of memory");
    if (lex_tok(l, t) < 0)
        return -1;
    if (tok_is(t, YS_PUNCT, ":")) /* tags */
        do {
            if (lex_tok(l, t) < 0)
                return -1;
        } while (t->kind == YS_IDENT);
    if (!tok_is(t, YS_PUNCT, "{"))
        return lx_err(l, "expected { after the rule name");
    return read_body(l, r);
}

int pc_yarasrc_parse(const char *src, size_t len, ys_file *out, pc_err *e)
{
    lx l = {.p = src, .end = src + len, .line = 1, .e = e};
    memset(out, 0, sizeof *out);
    for (;;) {
        if (skip_ws(&l) < 0)
            break;
        if (l.p >= l.end)
            return 0;
        ys_tok t;
        if (lex_tok(&l, &t) < 0)
            break;
        if (tok_is(&t, YS_IDENT, "import") || tok_is(&t, YS_IDENT, "include")) {
            if (lex_tok(&l, &t) < 0 || t.kind != YS_STR) {
                lx_err(&l, "expected a quoted name");
                break;
            }
            continue;
        }
        if (read_rule(&l, out, &t) < 0)
            break;
    }
    pc_yarasrc_free(out);
    return -1;
}

void pc_yarasrc_free(ys_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        ys_rule *r = &f->rules[i];
        for (size_t k = 0; k < r->nstrs; k++) {
            free(r->strs[k].id);
            free(r->strs[k].val);
        }
        free(r->strs);
        free(r->cond);
        free(r->name);
    }
    free(f->rules);
    memset(f, 0, sizeof *f);
}
