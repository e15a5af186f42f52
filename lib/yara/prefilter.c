/*
 * prefilter.c — building and running the prefilter (prefilter.h).
 *
 * Building walks the parsed source rules and libyara's compiled rules side
 * by side. They must agree rule by rule (name, private, global) and string
 * by string (identifier, kind, nocase, wide, xor, base64, and the bytes of
 * a literal text string); a hex string libyara split at a long jump is
 * several compiled entries (chain parts) for one source string. Only then
 * are the source's strings trusted to be the ones YARA looks for. Private
 * rules are left out: they are never reported, and a rule that uses one
 * is gated only by its own strings.
 */
#include <hs.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>
#include "pcx.h"
#include "pcx/sha256.h"
#include "yara/prefilter.h"
#include "yara/prefilter_pat.h"
#include "yara/yaracond.h"
#include "yara/yarasrc.h"

struct pc_prefilter {
    hs_database_t *db; /* NULL: off */
    char status[512];
};

struct pc_prefilter_scratch {
    hs_scratch_t *hs;
};

typedef struct exprs {
    char **re;
    unsigned *flags, *ids;
    size_t n, cap, capf, capi;
} exprs;

static void exprs_free(exprs *x)
{
    for (size_t i = 0; i < x->n; i++)
        free(x->re[i]);
    free(x->re);
    free(x->flags);
    free(x->ids);
}

static int exprs_add(exprs *x, pf_expr *e, unsigned id)
{
    if (pc_grow((void **)&x->re, &x->cap, x->n + 1, sizeof *x->re) < 0 ||
        pc_grow((void **)&x->flags, &x->capf, x->n + 1, sizeof *x->flags) < 0 ||
        pc_grow((void **)&x->ids, &x->capi, x->n + 1, sizeof *x->ids) < 0) {
        free(e->re);
        return -1;
    }
    x->re[x->n] = e->re;
    x->flags[x->n] = e->flags;
    x->ids[x->n] = id;
    x->n++;
    return 0;
}

/* Does the compiled string (first entry cs) say what the source says? */
static int string_agrees(const YR_STRING *cs, const ys_string *s)
{
    uint32_t f = cs->flags;
    int hex = (f & STRING_FLAGS_HEXADECIMAL) != 0, re = (f & STRING_FLAGS_REGEXP) != 0;
    unsigned b64 = s->mods & (YS_M_BASE64 | YS_M_BASE64WIDE);
    if (strcmp(cs->identifier, s->id) != 0 || hex != (s->kind == YS_HEX) ||
        re != (s->kind == YS_REGEXP))
        return 0;
    if (!(f & STRING_FLAGS_NO_CASE) != !(s->mods & (YS_M_NOCASE | YS_M_RE_I)) ||
        !(f & STRING_FLAGS_WIDE) != !(s->mods & YS_M_WIDE) ||
        !(f & STRING_FLAGS_XOR) != !(s->mods & YS_M_XOR) ||
        !(f & (STRING_FLAGS_BASE64 | STRING_FLAGS_BASE64_WIDE)) != !b64)
        return 0;
    if (s->kind == YS_REGEXP && !(f & STRING_FLAGS_DOT_ALL) != !(s->mods & YS_M_RE_S))
        return 0;
    if (s->kind == YS_TEXT && !b64) {
        if (!(f & STRING_FLAGS_LITERAL) || cs->length < 0 || (size_t)cs->length != s->len ||
            memcmp(cs->string, s->val, s->len) != 0)
            return 0;
    }
    return 1;
}

/* Compare a rule's strings; 0 when they agree, else a reason. */
static const char *rule_strings_agree(const YR_RULE *cr, const ys_rule *r)
{
    const YR_STRING *cs = cr->strings;
    size_t k = 0;
    if (!cs)
        return r->nstrs ? "string count differs from libyara's" : NULL;
    for (;;) {
        if (k >= r->nstrs || !string_agrees(cs, &r->strs[k]))
            return "strings differ from libyara's";
        k++;
        /* skip the rest of a chain: parts up to the tail */
        while ((cs->flags & STRING_FLAGS_CHAIN_PART) && !(cs->flags & STRING_FLAGS_CHAIN_TAIL) &&
               !(cs->flags & STRING_FLAGS_LAST_IN_RULE))
            cs++;
        if (cs->flags & STRING_FLAGS_LAST_IN_RULE)
            break;
        cs++;
    }
    return k == r->nstrs ? NULL : "string count differs from libyara's";
}

/* Add the rule's strings, or say why the rule keeps the prefilter off. */
static const char *add_rule(exprs *x, const ys_rule *r, unsigned id)
{
    if (!pc_yaracond_gated(r->cond, r->ncond))
        return "its condition can be true without any of its strings";
    if (r->nstrs == 0)
        return "no strings";
    for (size_t k = 0; k < r->nstrs; k++) {
        pf_expr e[2];
        size_t ne;
        const char *why;
        if (pc_pf_string_exprs(&r->strs[k], e, &ne, &why) < 0)
            return why;
        for (size_t i = 0; i < ne; i++)
            if (exprs_add(x, &e[i], id) < 0) {
                for (size_t j = i + 1; j < ne; j++)
                    free(e[j].re);
                return "out of memory";
            }
    }
    return NULL;
}

typedef struct walk {
    YR_RULE *next; /* the next compiled rule */
    size_t left;   /* compiled rules not yet walked */
    size_t nrules; /* reported rules added */
} walk;

/* One source file against the next compiled rules. */
static int walk_file(pc_prefilter *pf, walk *w, exprs *x, const pc_pf_source *src)
{
    ys_file f;
    pc_err e = {{0}};
    if (pc_yarasrc_parse(src->data, src->len, &f, &e) < 0) {
        snprintf(pf->status, sizeof pf->status, "off: %.200s: %.200s", src->name, e.msg);
        return -1;
    }
    const char *why = NULL;
    size_t i;
    for (i = 0; i < f.n && !why; i++, w->next++, w->left--) {
        const ys_rule *r = &f.rules[i];
        const YR_RULE *cr = w->next;
        if (w->left == 0 || RULE_IS_NULL(cr) || strcmp(cr->identifier, r->name) != 0 ||
            !RULE_IS_PRIVATE(cr) != !r->is_private || !RULE_IS_GLOBAL(cr) != !r->is_global)
            why = "does not match libyara's compiled rules";
        else if (!(why = rule_strings_agree(cr, r)) && !r->is_private) {
            why = add_rule(x, r, (unsigned)w->nrules);
            w->nrules++;
        }
    }
    if (why)
        snprintf(pf->status, sizeof pf->status, "off: %.200s:%d: rule %.128s: %.100s", src->name,
                 f.rules[i - 1].line, f.rules[i - 1].name, why);
    pc_yarasrc_free(&f);
    return why ? -1 : 0;
}

static void compile_db(pc_prefilter *pf, const exprs *x, size_t nrules)
{
    hs_compile_error_t *ce = NULL;
    if (x->n == 0 || x->n > UINT_MAX) {
        snprintf(pf->status, sizeof pf->status, "off: no strings to look for");
        return;
    }
    if (hs_compile_multi((const char *const *)x->re, x->flags, x->ids, (unsigned)x->n,
                         HS_MODE_BLOCK, NULL, &pf->db, &ce) != HS_SUCCESS) {
        int at = ce ? ce->expression : -1;
        snprintf(pf->status, sizeof pf->status, "off: vectorscan: %.200s (pattern %d: %.200s)",
                 ce && ce->message ? ce->message : "compile error", at,
                 at >= 0 && (size_t)at < x->n ? x->re[at] : "-");
        hs_free_compile_error(ce);
        pf->db = NULL;
        return;
    }
    snprintf(pf->status, sizeof pf->status, "on: %zu rules, %zu patterns", nrules, x->n);
}

pc_prefilter *pc_prefilter_new(YR_RULES *yr, const pc_pf_source *src, size_t n)
{
    pc_prefilter *pf = calloc(1, sizeof *pf);
    exprs x = {0};
    walk w = {0};
    if (!pf)
        return NULL;
    if (!yr) {
        snprintf(pf->status, sizeof pf->status, "off: no rules");
        return pf;
    }
    w.next = yr->rules_table;
    w.left = yr->num_rules;
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++)
        bad = walk_file(pf, &w, &x, &src[i]) < 0;
    if (!bad && w.left != 0) {
        snprintf(pf->status, sizeof pf->status, "off: libyara has rules the sources do not");
        bad = 1;
    }
    if (!bad)
        compile_db(pf, &x, w.nrules);
    exprs_free(&x);
    return pf;
}

/* The database depends on the rules, this code (the number after
 * "prefilter/" changes with the expressions it writes), vectorscan and
 * libyara. */
void pc_prefilter_cache_key(const char *digest, char out[72])
{
    char *k = pc_asprintf("prefilter/2;%s;%s;%s", digest, hs_version(), YR_VERSION);
    pc_sha256_digest(k ? k : "", k ? strlen(k) : 0, out);
    if (!k)
        out[0] = '\0';
    free(k);
}

int pc_prefilter_save(const pc_prefilter *pf, unsigned char **out, size_t *len)
{
    char *db = NULL;
    size_t dblen = 0, slen = strlen(pf->status) + 1;
    if (!pc_prefilter_active(pf) || hs_serialize_database(pf->db, &db, &dblen) != HS_SUCCESS)
        return -1;
    unsigned char *b = dblen <= SIZE_MAX - slen ? malloc(slen + dblen) : NULL;
    if (b) {
        memcpy(b, pf->status, slen);
        memcpy(b + slen, db, dblen);
        *out = b;
        *len = slen + dblen;
    }
    free(db);
    return b ? 0 : -1;
}

pc_prefilter *pc_prefilter_load(const unsigned char *buf, size_t len)
{
    const unsigned char *nul = memchr(buf, 0, len < 512 ? len : 512);
    if (!nul || strncmp((const char *)buf, "on: ", 4) != 0)
        return NULL;
    pc_prefilter *pf = calloc(1, sizeof *pf);
    size_t slen = (size_t)(nul - buf) + 1;
    if (!pf || hs_deserialize_database((const char *)nul + 1, len - slen, &pf->db) != HS_SUCCESS) {
        free(pf);
        return NULL;
    }
    memcpy(pf->status, buf, slen);
    return pf;
}

void pc_prefilter_free(pc_prefilter *pf)
{
    if (!pf)
        return;
    hs_free_database(pf->db);
    free(pf);
}

int pc_prefilter_active(const pc_prefilter *pf)
{
    return pf && pf->db;
}

const char *pc_prefilter_status(const pc_prefilter *pf)
{
    return pf ? pf->status : "off: out of memory";
}

pc_prefilter_scratch *pc_prefilter_scratch_new(const pc_prefilter *pf)
{
    if (!pc_prefilter_active(pf))
        return NULL;
    pc_prefilter_scratch *s = calloc(1, sizeof *s);
    if (s && hs_alloc_scratch(pf->db, &s->hs) != HS_SUCCESS) {
        free(s);
        s = NULL;
    }
    return s;
}

void pc_prefilter_scratch_free(pc_prefilter_scratch *s)
{
    if (!s)
        return;
    hs_free_scratch(s->hs);
    free(s);
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                  void *ud)
{
    (void)id, (void)from, (void)to, (void)flags, (void)ud;
    return 1; /* one hit is enough: stop */
}

int pc_prefilter_needs_scan(const pc_prefilter *pf, pc_prefilter_scratch *s,
                            const unsigned char *buf, size_t len)
{
    if (!pc_prefilter_active(pf) || !s || len > UINT_MAX)
        return 1;
    hs_error_t rc = hs_scan(pf->db, (const char *)buf, (unsigned)len, 0, s->hs, on_hit, NULL);
    return rc != HS_SUCCESS; /* HS_SCAN_TERMINATED: a hit; anything else: an error */
}
