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
 *
 * Rules are sorted by the files they can match (yaracond.h's heads: ELF,
 * or any other file, "#!" included): a string of a rule about ELF files
 * found in a script does not send the script to YARA. The whole files'
 * database holds the strings that gate each rule, and a hit counts only
 * for a rule that can match the file's head (the callback looks on
 * otherwise). Each head has a block database holding every string of its
 * rules (a block YARA is not given takes its strings with it: "$a and
 * $b" needs the block with $b even when $a, its gate, is in another). A
 * kind of file no rule can match has no block database, and no hit in the
 * whole files' one. (One database per head for whole files too looked at
 * fewer strings, but vectorscan compiled the two in twice the time of
 * the one, and the scan was no faster.)
 */
#include <hs.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>
#include "portcullis.h"
#include "pcx.h"
#include "pcx/sha256.h"
#include "yara/carve.h"
#include "yara/prefilter.h"
#include "yara/prefilter_pat.h"
#include "yara/yaracond.h"
#include "yara/yarasrc.h"

#define PF_HEADS 2 /* ELF, anything else ("#!" included) */
/* Every database also reports where the magic numbers of programs and
 * compressed streams occur (pc_carve_magics): one inside a file, after
 * its first byte (carve.h) or in a block (streamfind.h), is found in the
 * same pass. Ids PF_ID_INNER + k. */
#define PF_ID_INNER 0xffffff00u
#define PF_INNER_MAX 16
#define PF_DBS 3 /* the whole files' database, then a block's for each head */
#define DB_FILES 0
#define DB_BLOCKS(head) (1 + (head))

struct pc_prefilter {
    int on;
    hs_database_t *db[PF_DBS]; /* NULL: no reported rule can match such a file */
    unsigned char *heads;      /* per rule (the databases' ids): bit h, it can match head h */
    size_t nrules;
    char status[512];
};

struct pc_prefilter_scratch {
    hs_scratch_t *hs;
};

typedef struct exprs {
    char **re;
    unsigned *flags, *ids;
    hs_expr_ext_t **ext; /* NULL, or where an anchored string's match may end */
    size_t n, cap, capf, capi, cape;
} exprs;

static void exprs_free(exprs *x)
{
    for (size_t i = 0; i < x->n; i++) {
        free(x->re[i]);
        free(x->ext[i]);
    }
    free(x->re);
    free(x->flags);
    free(x->ids);
    free(x->ext);
}

/* Append e (its re taken) with ext (taken; NULL for none). */
static int exprs_add(exprs *x, pf_expr *e, hs_expr_ext_t *ext, unsigned id)
{
    if (pc_grow((void **)&x->re, &x->cap, x->n + 1, sizeof *x->re) < 0 ||
        pc_grow((void **)&x->flags, &x->capf, x->n + 1, sizeof *x->flags) < 0 ||
        pc_grow((void **)&x->ids, &x->capi, x->n + 1, sizeof *x->ids) < 0 ||
        pc_grow((void **)&x->ext, &x->cape, x->n + 1, sizeof *x->ext) < 0) {
        free(e->re);
        free(ext);
        return -1;
    }
    x->re[x->n] = e->re;
    x->flags[x->n] = e->flags;
    x->ids[x->n] = id;
    x->ext[x->n] = ext;
    x->n++;
    return 0;
}

/* An anchored string (yaracond.h: every mention is "$k at N") is looked
 * for where it can count: a match starting at N ends between N plus the
 * expression's least and greatest widths, so vectorscan is told to report
 * it only there (HS_EXT_FLAG_MIN_OFFSET / MAX_OFFSET bound a match's end;
 * a match of another width ending there is reported too: more, never
 * less). Only for N + the greatest width within PF_ANCHOR_MAX, where every
 * buffer the prefilter is given for a file starts at the file's byte 0: a
 * whole file, or the first block of one scanned in blocks (64 KiB or
 * more). A later block's buffer starts further on; an anchored match
 * cannot be in it, and a hit there at the same relative place only sends
 * the block to YARA. Not for expressions compiled in prefilter mode
 * (regular expressions: their widths are not YARA's). The rules' "AppImage
 * magic at byte 8" ({ 41 49 (01|02) }) occurs in most large programs:
 * looked for everywhere, it sent 100 MB of the bench's large image to
 * YARA. NULL: looked for everywhere (also when out of memory: more
 * scanning, never less). */
#define PF_ANCHOR_MAX 4096u
static hs_expr_ext_t *anchor_ext(const ys_rule *r, size_t k, const pf_expr *e)
{
    uint64_t at;
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *ce = NULL;
    hs_expr_ext_t *ext = NULL;
    if ((e->flags & HS_FLAG_PREFILTER) || !pc_yaracond_anchor(r, k, &at) || at >= PF_ANCHOR_MAX)
        return NULL;
    if (hs_expression_info(e->re, e->flags, &info, &ce) != HS_SUCCESS) {
        hs_free_compile_error(ce);
        return NULL; /* (the compile will say why) */
    }
    if (info->max_width != UINT_MAX && info->min_width <= info->max_width &&
        at + info->max_width <= PF_ANCHOR_MAX && (ext = calloc(1, sizeof *ext)) != NULL) {
        ext->flags = HS_EXT_FLAG_MIN_OFFSET | HS_EXT_FLAG_MAX_OFFSET;
        ext->min_offset = at + info->min_width;
        ext->max_offset = at + info->max_width;
    }
    free(info); /* (vectorscan's default allocator) */
    return ext;
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

/* Add the rule's strings: those that gate it (yaracond.h) to the whole
 * files' database, all of them to the blocks' database of each head it
 * can match; *hb: the heads it can match (bit h: head h). Or say why the
 * rule keeps the prefilter off. *npat counts each string's expressions
 * once. */
static const char *add_rule(exprs x[PF_DBS], const ys_rule *r, unsigned id, size_t *npat,
                            unsigned char *hb)
{
    if (r->nstrs == 0)
        return "its condition can be true without any of its strings";
    unsigned char *keep = malloc(r->nstrs);
    int g = keep ? pc_yaracond_gate(r, keep) : -1;
    unsigned heads = pc_yaracond_heads(r);
    *hb = (heads & PC_HEAD_ELF ? 1 : 0) | (heads & (PC_HEAD_SHEBANG | PC_HEAD_OTHER) ? 2 : 0);
    const char *why = g < 0    ? "out of memory"
                      : g == 0 ? "its condition can be true without any of its strings"
                               : NULL;
    for (size_t k = 0; k < r->nstrs && !why; k++) {
        pf_expr e[2];
        size_t ne;
        const char *cannot;
        if (pc_pf_string_exprs(&r->strs[k], e, &ne, &cannot) < 0) {
            why = cannot;
            break;
        }
        *npat += ne;
        for (size_t i = 0; i < ne; i++) {
            hs_expr_ext_t *anchor = anchor_ext(r, k, &e[i]);
            for (int d = 0; d < PF_DBS && !why; d++) {
                pf_expr copy = {.re = NULL, .flags = e[i].flags};
                hs_expr_ext_t *ext = NULL;
                if (d == DB_FILES ? !keep[k] || !*hb : !(*hb & (1u << (d - 1))))
                    continue;
                if ((anchor && !(ext = malloc(sizeof *ext))) || !(copy.re = strdup(e[i].re))) {
                    free(ext);
                    why = "out of memory";
                    continue;
                }
                if (anchor)
                    *ext = *anchor;
                if (exprs_add(&x[d], &copy, ext, id) < 0) /* (frees both) */
                    why = "out of memory";
            }
            free(anchor);
            free(e[i].re);
        }
    }
    free(keep);
    return why;
}

typedef struct walk {
    YR_RULE *next;        /* the next compiled rule */
    size_t left;          /* compiled rules not yet walked */
    size_t nrules;        /* reported rules added */
    size_t npat;          /* their strings' expressions */
    unsigned char *heads; /* per reported rule: the heads it can match */
    size_t cap;
} walk;

/* One source file against the next compiled rules. */
static int walk_file(pc_prefilter *pf, walk *w, exprs x[PF_DBS], const pc_pf_source *src)
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
            unsigned char hb = 0;
            why = add_rule(x, r, (unsigned)w->nrules, &w->npat, &hb);
            if (!why && pc_grow((void **)&w->heads, &w->cap, w->nrules + 1, 1) < 0)
                why = "out of memory";
            if (!why)
                w->heads[w->nrules] = hb;
            w->nrules++;
        }
    }
    if (why)
        snprintf(pf->status, sizeof pf->status, "off: %.200s:%d: rule %.128s: %.100s", src->name,
                 f.rules[i - 1].line, f.rules[i - 1].name, why);
    pc_yarasrc_free(&f);
    return why ? -1 : 0;
}

/* Compile x into *db; why (512 bytes) says what failed. */
static int compile_db(const exprs *x, hs_database_t **db, char *why)
{
    hs_compile_error_t *ce = NULL;
    *db = NULL;
    if (x->n == 0)
        return 0; /* no rule for this head */
    if (x->n > UINT_MAX) {
        snprintf(why, 512, "off: too many strings");
        return -1;
    }
    if (hs_compile_ext_multi((const char *const *)x->re, x->flags, x->ids,
                             (const hs_expr_ext_t *const *)x->ext, (unsigned)x->n, HS_MODE_BLOCK,
                             NULL, db, &ce) != HS_SUCCESS) {
        int at = ce ? ce->expression : -1;
        snprintf(why, 512, "off: vectorscan: %.200s (pattern %d: %.200s)",
                 ce && ce->message ? ce->message : "compile error", at,
                 at >= 0 && (size_t)at < x->n ? x->re[at] : "-");
        hs_free_compile_error(ce);
        *db = NULL;
        return -1;
    }
    return 0;
}

/* Some of the databases, compiled on one thread: the other files' block
 * database alone (for the shipped rules the slowest to compile), or the
 * two others. */
typedef struct part {
    const exprs *x;
    hs_database_t **db;
    int from, to; /* databases [from, to) */
    int bad;
    char why[512];
} part;

static void *compile_part(void *arg)
{
    part *p = arg;
    for (int d = p->from; d < p->to && !p->bad; d++)
        p->bad = compile_db(&p->x[d], &p->db[d], p->why) < 0;
    return NULL;
}

/* Every database, on two threads where a second one can be started
 * (vectorscan's compiler may run in several at once). */
static int compile_dbs(pc_prefilter *pf, const exprs x[PF_DBS])
{
    part p[2] = {{.x = x, .db = pf->db, .from = DB_FILES, .to = DB_BLOCKS(1)},
                 {.x = x, .db = pf->db, .from = DB_BLOCKS(1), .to = PF_DBS}};
    pthread_t th;
    int threaded = pthread_create(&th, NULL, compile_part, &p[1]) == 0;
    compile_part(&p[0]);
    if (threaded)
        pthread_join(th, NULL);
    else
        compile_part(&p[1]);
    for (int i = 0; i < 2; i++)
        if (p[i].bad) {
            snprintf(pf->status, sizeof pf->status, "%s", p[i].why);
            return -1;
        }
    return 0;
}

static void drop_dbs(pc_prefilter *pf)
{
    for (int d = 0; d < PF_DBS; d++) {
        hs_free_database(pf->db[d]);
        pf->db[d] = NULL;
    }
    free(pf->heads);
    pf->heads = NULL;
    pf->nrules = 0;
    pf->on = 0;
}

/* The magic numbers of what carve.h finds inside other bytes, as
 * literals: \xHH each byte. Not zlib's headers (two bytes chance puts
 * everywhere: carve.h looks for them itself, with one memchr). */
static int add_magics(exprs *x)
{
    const char *const *m;
    const size_t *len;
    size_t n = pc_carve_magics(&m, &len);
    for (size_t k = 0; k < n && k < PF_INNER_MAX && k < PC_CARVE_ZLIB; k++) {
        char re[4 * 16 + 1];
        size_t o = 0;
        for (size_t i = 0; i < len[k] && i < 16; i++)
            o += (size_t)snprintf(re + o, sizeof re - o, "\\x%02x", (unsigned char)m[k][i]);
        pf_expr e = {.re = strdup(re), .flags = 0};
        if (!e.re || exprs_add(x, &e, NULL, PF_ID_INNER + (unsigned)k) < 0)
            return -1;
    }
    return 0;
}

pc_prefilter *pc_prefilter_new(YR_RULES *yr, const pc_pf_source *src, size_t n)
{
    pc_prefilter *pf = calloc(1, sizeof *pf);
    exprs x[PF_DBS] = {{0}};
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
        bad = walk_file(pf, &w, x, &src[i]) < 0;
    if (!bad && w.left != 0) {
        snprintf(pf->status, sizeof pf->status, "off: libyara has rules the sources do not");
        bad = 1;
    }
    if (!bad && w.npat == 0) {
        snprintf(pf->status, sizeof pf->status, "off: no strings to look for");
        bad = 1;
    }
    size_t nmagic = x[DB_FILES].n;
    for (int d = 0; d < PF_DBS && !bad; d++)
        if (add_magics(&x[d]) < 0) {
            snprintf(pf->status, sizeof pf->status, "off: out of memory");
            bad = 1;
        }
    nmagic = x[DB_FILES].n - nmagic;
    if (!bad)
        bad = compile_dbs(pf, x) < 0;
    if (bad) {
        drop_dbs(pf);
        free(w.heads);
    } else {
        pf->on = 1;
        pf->heads = w.heads;
        pf->nrules = w.nrules;
        snprintf(pf->status, sizeof pf->status,
                 "on: %zu rules, %zu patterns (files %zu; in blocks: ELF %zu, other %zu)", w.nrules,
                 w.npat, x[DB_FILES].n - nmagic, x[DB_BLOCKS(0)].n - nmagic,
                 x[DB_BLOCKS(1)].n - nmagic);
    }
    for (int d = 0; d < PF_DBS; d++)
        exprs_free(&x[d]);
    return pf;
}

/* The database depends on the rules, this code (the reader id names the
 * library's sources; the number after "prefilter/" too), vectorscan and
 * libyara. */
void pc_prefilter_cache_key(const char *digest, char out[72])
{
    char *k =
        pc_asprintf("prefilter/6;%s;%s;%s;%s", digest, hs_version(), YR_VERSION, pc_reader_id());
    pc_sha256_digest(k ? k : "", k ? strlen(k) : 0, out);
    if (!k)
        out[0] = '\0';
    free(k);
}

/* Saved as the status and its NUL, an 8-byte little-endian count of
 * rules and a byte per rule (the heads it can match), then for each
 * database an 8-byte length and that many bytes of serialized database
 * (0: no database). */
int pc_prefilter_save(const pc_prefilter *pf, unsigned char **out, size_t *len)
{
    char *db[PF_DBS] = {0};
    size_t dblen[PF_DBS] = {0}, slen = strlen(pf->status) + 1;
    int bad = !pc_prefilter_active(pf) || pf->nrules > SIZE_MAX - 8 - slen;
    size_t total = bad ? 0 : slen + 8 + pf->nrules;
    for (int d = 0; d < PF_DBS && !bad; d++) {
        if (pf->db[d] && hs_serialize_database(pf->db[d], &db[d], &dblen[d]) != HS_SUCCESS)
            bad = 1;
        else if (dblen[d] > SIZE_MAX - 8 - total)
            bad = 1;
        else
            total += 8 + dblen[d];
    }
    unsigned char *b = bad ? NULL : malloc(total);
    if (b) {
        size_t at = slen;
        memcpy(b, pf->status, slen);
        for (int i = 0; i < 8; i++)
            b[at + i] = (unsigned char)((uint64_t)pf->nrules >> (8 * i));
        memcpy(b + at + 8, pf->heads, pf->nrules);
        at += 8 + pf->nrules;
        for (int d = 0; d < PF_DBS; d++) {
            for (int i = 0; i < 8; i++)
                b[at + i] = (unsigned char)((uint64_t)dblen[d] >> (8 * i));
            if (dblen[d])
                memcpy(b + at + 8, db[d], dblen[d]);
            at += 8 + dblen[d];
        }
        *out = b;
        *len = total;
    }
    for (int d = 0; d < PF_DBS; d++)
        free(db[d]);
    return b ? 0 : -1;
}

pc_prefilter *pc_prefilter_load(const unsigned char *buf, size_t len)
{
    const unsigned char *nul = memchr(buf, 0, len < 512 ? len : 512);
    if (!nul || strncmp((const char *)buf, "on: ", 4) != 0)
        return NULL;
    pc_prefilter *pf = calloc(1, sizeof *pf);
    if (!pf)
        return NULL;
    size_t at = (size_t)(nul - buf) + 1;
    memcpy(pf->status, buf, at);
    int bad = len - at < 8;
    uint64_t nr = bad ? 0 : pc_le64(buf + at);
    if (!bad) {
        at += 8;
        bad = nr > len - at || !(pf->heads = malloc(nr ? (size_t)nr : 1));
    }
    if (!bad) {
        memcpy(pf->heads, buf + at, (size_t)nr);
        pf->nrules = (size_t)nr;
        at += (size_t)nr;
    }
    for (int d = 0; d < PF_DBS && !bad; d++) {
        if (len - at < 8) {
            bad = 1;
            break;
        }
        uint64_t n = pc_le64(buf + at);
        at += 8;
        if (n > len - at) {
            bad = 1;
            break;
        }
        if (n &&
            hs_deserialize_database((const char *)buf + at, (size_t)n, &pf->db[d]) != HS_SUCCESS)
            bad = 1;
        at += (size_t)n;
    }
    if (bad || at != len) {
        drop_dbs(pf);
        free(pf);
        return NULL;
    }
    pf->on = 1;
    return pf;
}

pc_prefilter *pc_prefilter_off(const char *status)
{
    pc_prefilter *pf = calloc(1, sizeof *pf);
    if (pf)
        snprintf(pf->status, sizeof pf->status, "%s", status);
    return pf;
}

void pc_prefilter_free(pc_prefilter *pf)
{
    if (!pf)
        return;
    drop_dbs(pf);
    free(pf);
}

int pc_prefilter_active(const pc_prefilter *pf)
{
    return pf && pf->on;
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
    for (int d = 0; s && d < PF_DBS; d++)
        if (pf->db[d] && hs_alloc_scratch(pf->db[d], &s->hs) != HS_SUCCESS) {
            hs_free_scratch(s->hs);
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

int pc_prefilter_head(const unsigned char *p, size_t n)
{
    return n >= 4 && memcmp(p,
                            "\x7f"
                            "ELF",
                            4) == 0
               ? 0
               : 1;
}

typedef struct hitctx {
    const pc_prefilter *pf;
    unsigned bit;   /* the file's head */
    int hit;        /* a string of a rule that can match the file */
    size_t inner;   /* the first magic (pc_carve_magics) after byte 0, or SIZE_MAX */
    int want_inner; /* look on for one after a hit */
    const size_t *mlen;
    size_t nmagic;
    void (*each)(void *ud, size_t at); /* a block's: every magic, and the scan never stops */
    void *ud;
} hitctx;

/* A string of rule id: enough when the rule can match a file of this
 * head (and a magic after byte 0 was seen, or is not looked for); else
 * look on. A magic: noted where it starts, when after byte 0. */
static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                  void *ud)
{
    hitctx *c = ud;
    (void)from, (void)flags;
    if (id >= PF_ID_INNER) {
        size_t len = c && id - PF_ID_INNER < c->nmagic ? c->mlen[id - PF_ID_INNER] : 0;
        if (!c || !len || to < len)
            return 0;
        if (c->each) {
            c->each(c->ud, (size_t)(to - len));
            return 0;
        }
        if (to > len && to - len < c->inner)
            c->inner = (size_t)(to - len);
        return c->hit && (c->inner != SIZE_MAX || !c->want_inner) ? 1 : 0;
    }
    if (!c)
        return 1;
    if (id >= c->pf->nrules || (c->pf->heads[id] & c->bit))
        c->hit = 1;
    if (c->each)
        return 0;
    return c->hit && (!c->want_inner || c->inner != SIZE_MAX) ? 1 : 0; /* 1: stop */
}

int pc_prefilter_needs_scan(const pc_prefilter *pf, pc_prefilter_scratch *s, int head, int block,
                            const unsigned char *buf, size_t len)
{
    if (!pc_prefilter_active(pf) || !s || len > UINT_MAX || head < 0 || head >= PF_HEADS)
        return 1;
    const hs_database_t *db = pf->db[block ? DB_BLOCKS(head) : DB_FILES];
    hitctx c = {pf, 1u << head, 0, SIZE_MAX, 0, NULL, 0, NULL, NULL};
    if (!db)
        return 0; /* no reported rule can match a file with this head */
    hs_error_t rc =
        hs_scan(db, (const char *)buf, (unsigned)len, 0, s->hs, on_hit, block ? NULL : &c);
    return rc != HS_SUCCESS || c.hit; /* HS_SCAN_TERMINATED: a hit; anything else: an error */
}

int pc_prefilter_whole(const pc_prefilter *pf, pc_prefilter_scratch *s, const unsigned char *buf,
                       size_t len, size_t *inner_at)
{
    int head = pc_prefilter_head(buf, len);
    *inner_at = 1; /* not known: look from byte 1 */
    if (!pc_prefilter_active(pf) || !s || len > UINT_MAX || !pf->db[DB_FILES])
        return 1;
    const char *const *m;
    hitctx c = {pf, 1u << head, 0, SIZE_MAX, 1, NULL, 0, NULL, NULL};
    c.nmagic = pc_carve_magics(&m, &c.mlen);
    hs_error_t rc =
        hs_scan(pf->db[DB_FILES], (const char *)buf, (unsigned)len, 0, s->hs, on_hit, &c);
    if (rc != HS_SUCCESS && !(rc == HS_SCAN_TERMINATED && c.hit))
        return 1;
    /* (a match that ends later may start a few bytes before the first
     * one seen, when the scan stopped there: from a little before it) */
    *inner_at = c.inner == SIZE_MAX ? len : c.inner > 8 ? c.inner - 8 : 1;
    return c.hit;
}

int pc_prefilter_block(const pc_prefilter *pf, pc_prefilter_scratch *s, int head,
                       const unsigned char *buf, size_t len, void (*each)(void *ud, size_t at),
                       void *ud)
{
    if (!pc_prefilter_active(pf) || !s || len > UINT_MAX || head < 0 || head >= PF_HEADS ||
        !pf->db[DB_BLOCKS(head)])
        return -1;
    const char *const *m;
    hitctx c = {pf, 1u << head, 0, SIZE_MAX, 0, NULL, 0, each, ud};
    c.nmagic = pc_carve_magics(&m, &c.mlen);
    hs_error_t rc =
        hs_scan(pf->db[DB_BLOCKS(head)], (const char *)buf, (unsigned)len, 0, s->hs, on_hit, &c);
    return rc != HS_SUCCESS ? -1 : c.hit;
}
