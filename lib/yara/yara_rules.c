/*
 * yara_rules.c — finding, digesting and compiling the rule files.
 *
 * The files are collected first (a single file, or every *.yar / *.yara
 * below a directory, sorted by relative path) and read into memory once:
 * the same bytes are hashed for the digest and handed to the compiler, so
 * the digest always describes what was compiled.
 *
 * libyara's compiler must not be used again after an error, so the files
 * go into one compiler until one fails; each file after that is compiled
 * alone in a throwaway compiler, only to report its errors too. Includes
 * are disabled: a directory is compiled whole, so they are never needed,
 * and an included file would escape the digest.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>
#include "portcullis.h"
#include "pcx/sha256.h"
#include "pcx.h"
#include "yara/prefilter.h"
#include "yara/yara_cache.h"
#include "yara/toolpkgs.h"
#include "yara/yara_rules.h"

struct pc_rules {
    YR_RULES *yr;
    char digest[72];
    size_t nrules, nfiles;
    pc_toolpkgs *pkgs; /* the tool package lists (packages/NAME.tsv), possibly empty */
    pc_prefilter *pf;  /* NULL when not asked for or it could not be built (out of memory) */
    char (*own)[72];   /* the digest of each YARA source file (pc_rules_own_source) */
    size_t nown;
};

typedef struct rfile {
    char *full; /* path as opened, used in messages */
    char *rel;  /* path relative to the rules root: sort key and digest input */
    char *data;
    size_t len;
    int list; /* a tool package list (toolpkgs.h), not YARA */
} rfile;

typedef struct rset {
    rfile *v;
    size_t n, cap;
} rset;

static void rset_free(rset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].full);
        free(s->v[i].rel);
        free(s->v[i].data);
    }
    free(s->v);
}

static int rset_add(rset *s, const char *full, const char *rel, int list, pc_err *e)
{
    if (s->n >= PC_RULES_MAX_FILES)
        return pc_err_set(e, "more than %u rule files", PC_RULES_MAX_FILES);
    if (pc_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v) < 0)
        return pc_err_set(e, "out of memory");
    rfile *f = &s->v[s->n];
    memset(f, 0, sizeof *f);
    f->full = pc_strdup(full);
    f->rel = pc_strdup(rel);
    f->list = list;
    s->n++;
    return f->full && f->rel ? 0 : pc_err_set(e, "out of memory");
}

static int is_rule_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".yar") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".yara") == 0);
}

/* Add every rule file below dir; rel is dir relative to the root ("" at the top). */
static int collect_dir(rset *s, const char *dir, const char *rel, int depth, pc_err *e)
{
    if (depth > PC_RULES_MAX_DEPTH)
        return pc_err_set(e, "%s: directories nested deeper than %d", dir, PC_RULES_MAX_DEPTH);
    DIR *d = opendir(dir);
    if (!d)
        return pc_err_set(e, "%s: %s", dir, strerror(errno));
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* ".", "..", and hidden files such as editor swap files */
        char *full = pc_asprintf("%s/%s", dir, de->d_name);
        char *sub = *rel ? pc_asprintf("%s/%s", rel, de->d_name) : pc_strdup(de->d_name);
        struct stat st;
        if (!full || !sub)
            rc = pc_err_set(e, "out of memory");
        else if (stat(full, &st) < 0)
            rc = pc_err_set(e, "%s: %s", full, strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = collect_dir(s, full, sub, depth + 1, e);
        else if (S_ISREG(st.st_mode) && is_rule_name(de->d_name))
            rc = rset_add(s, full, sub, 0, e);
        else if (S_ISREG(st.st_mode) && pc_toolpkgs_is_list(sub))
            rc = rset_add(s, full, sub, 1, e);
        free(full);
        free(sub);
    }
    closedir(d);
    return rc;
}

static int rfile_cmp(const void *a, const void *b)
{
    return strcmp(((const rfile *)a)->rel, ((const rfile *)b)->rel);
}

static int collect(rset *s, const char *path, pc_err *e)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return pc_err_set(e, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        if (collect_dir(s, path, "", 0, e) < 0)
            return -1;
    } else {
        const char *base = strrchr(path, '/');
        if (rset_add(s, path, base ? base + 1 : path, 0, e) < 0)
            return -1;
    }
    size_t nyara = 0;
    for (size_t i = 0; i < s->n; i++)
        nyara += !s->v[i].list;
    if (nyara == 0)
        return pc_err_set(e, "%s: no YARA rule files (*.yar, *.yara)", path);
    qsort(s->v, s->n, sizeof *s->v, rfile_cmp);
    for (size_t i = 0; i < s->n; i++)
        if (pc_read_file(s->v[i].full, PC_RULES_MAX_FILE_BYTES, &s->v[i].data, &s->v[i].len, e) < 0)
            return -1;
    return 0;
}

/* The digest of every YARA source file, so that a byte-exact copy of
 * them in an image is known for what it is (pc_rules_own_source). */
static int own_digests(const rset *s, pc_rules *r)
{
    if (s->n && !(r->own = pc_calloc(s->n, sizeof *r->own)))
        return -1;
    for (size_t i = 0; i < s->n; i++)
        if (!s->v[i].list)
            pc_sha256_digest(s->v[i].data, s->v[i].len, r->own[r->nown++]);
    return 0;
}

static int digest(const rset *s, char out[72])
{
    pc_sha256 *h = pc_sha256_new();
    if (!h)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        unsigned char len[8];
        uint64_t n = s->v[i].len;
        for (int k = 7; k >= 0; k--, n >>= 8)
            len[k] = (unsigned char)(n & 0xff);
        pc_sha256_update(h, s->v[i].rel, strlen(s->v[i].rel) + 1);
        pc_sha256_update(h, len, sizeof len);
        pc_sha256_update(h, s->v[i].data, s->v[i].len);
    }
    pc_sha256_final(h, out);
    pc_sha256_free(h);
    return 0;
}

void pc_rules_diag_free(pc_rules_diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->lines[i]);
    free(d->lines);
    memset(d, 0, sizeof *d);
}

static void diag_add(pc_rules_diag *d, char *line)
{
    if (!line || pc_grow((void **)&d->lines, &d->cap, d->n + 1, sizeof *d->lines) < 0) {
        free(line);
        d->oom = 1;
        return;
    }
    d->lines[d->n++] = line;
}

static void on_compile_msg(int level, const char *file, int line, const YR_RULE *rule,
                           const char *msg, void *ud)
{
    pc_rules_diag *d = ud;
    const char *f = file ? file : "(rules)";
    if (level == YARA_ERROR_LEVEL_WARNING) {
        d->nwarnings++;
        diag_add(d, pc_asprintf("%s:%d: warning: %s", f, line, msg));
    } else {
        d->nerrors++;
        diag_add(d, pc_asprintf("%s:%d: %s", f, line, msg));
    }
}

static YR_COMPILER *new_compiler(pc_rules_diag *d)
{
    YR_COMPILER *c = NULL;
    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        return NULL;
    yr_compiler_set_callback(c, on_compile_msg, d);
    yr_compiler_set_include_callback(c, NULL, NULL, NULL);
    if (yr_compiler_define_string_variable(c, "filename", "") != ERROR_SUCCESS ||
        yr_compiler_define_string_variable(c, "filepath", "") != ERROR_SUCCESS ||
        yr_compiler_define_integer_variable(c, "filemode", 0) != ERROR_SUCCESS ||
        yr_compiler_define_integer_variable(c, "fileuid", 0) != ERROR_SUCCESS) {
        yr_compiler_destroy(c);
        return NULL;
    }
    return c;
}

/* Compile one file into c; the number of errors (or -1 when it could not be fed at all). */
static int add_file(YR_COMPILER *c, const rfile *f, pc_rules_diag *d)
{
    if (f->len == 0)
        return 0;
    FILE *fp = fmemopen(f->data, f->len, "r");
    if (!fp) {
        diag_add(d, pc_asprintf("%s:0: %s", f->full, strerror(errno)));
        d->nerrors++;
        return -1;
    }
    int n = yr_compiler_add_file(c, fp, NULL, f->full);
    fclose(fp);
    return n;
}

/* Compile everything into one YR_RULES, or report every file's errors. */
static YR_RULES *compile_all(const rset *s, pc_rules_diag *d)
{
    YR_COMPILER *all = new_compiler(d);
    YR_RULES *yr = NULL;
    int failed = all == NULL;
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].list)
            continue;
        if (!failed) {
            failed = add_file(all, &s->v[i], d) != 0;
            continue;
        }
        YR_COMPILER *one = new_compiler(d);
        if (one) {
            add_file(one, &s->v[i], d);
            yr_compiler_destroy(one);
        }
    }
    if (!failed && yr_compiler_get_rules(all, &yr) != ERROR_SUCCESS)
        yr = NULL;
    if (all)
        yr_compiler_destroy(all);
    return yr;
}

static void count_rules(pc_rules *r)
{
    const YR_RULE *rule;
    r->nrules = 0;
    yr_rules_foreach(r->yr, rule)
    {
        r->nrules++;
    }
}

/* The prefilter, from the same bytes the rules were compiled from (or,
 * from the cache, whose digest names these bytes); its compiled database
 * is cached beside the rules, as compiling it costs a few hundred ms. */
static void build_prefilter(pc_rules *r, const rset *s, const char *cache_dir)
{
    char key[72];
    unsigned char *buf;
    size_t len, n = 0;
    pc_prefilter_cache_key(r->digest, key);
    if (cache_dir && key[0] && pc_rules_cache_get(cache_dir, "hsdb", key, &buf, &len)) {
        r->pf = pc_prefilter_load(buf, len);
        free(buf);
        if (r->pf)
            return;
    }
    pc_pf_source *src = calloc(s->n ? s->n : 1, sizeof *src);
    if (!src)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (!s->v[i].list)
            src[n++] = (pc_pf_source){s->v[i].full, s->v[i].data, s->v[i].len};
    r->pf = pc_prefilter_build(r->yr, src, n);
    free(src);
    /* saved, and loaded back as a warm run loads it: what a build in this
     * process allocated on the way is freed with the built one */
    if (r->pf && pc_prefilter_save(r->pf, &buf, &len) == 0) {
        if (cache_dir && key[0])
            pc_rules_cache_put(cache_dir, "hsdb", key, buf, len);
        pc_prefilter *back = pc_prefilter_load(buf, len);
        if (back) {
            pc_prefilter_free(r->pf);
            r->pf = back;
        }
        free(buf);
    }
}

static int compile_failed(const pc_rules_diag *d, pc_err *e)
{
    if (d->nerrors == 0 || d->n == 0)
        return pc_err_set(e, "compiling the YARA rules failed (out of memory)");
    const char *first = d->lines[0];
    for (size_t i = 0; i < d->n; i++)
        if (!strstr(d->lines[i], ": warning: ")) {
            first = d->lines[i];
            break;
        }
    if (d->nerrors == 1)
        return pc_err_set(e, "%s", first);
    return pc_err_set(e, "%s (and %zu more)", first, d->nerrors - 1);
}

/* Read the tool package lists: every error is a diagnostic line (all
 * lists are read, so each one's first error is reported); -1 when any. */
static int read_lists(const rset *s, pc_rules *r, pc_rules_diag *d)
{
    int rc = 0;
    if (!(r->pkgs = pc_toolpkgs_new())) {
        diag_add(d, pc_asprintf("(rules):0: out of memory"));
        d->nerrors++;
        return -1;
    }
    for (size_t i = 0; i < s->n; i++) {
        pc_err le = {{0}};
        const rfile *f = &s->v[i];
        if (f->list && pc_toolpkgs_add(r->pkgs, f->rel, f->full, f->data, f->len, &le) < 0) {
            diag_add(d, pc_strdup(le.msg));
            d->nerrors++;
            rc = -1;
        }
    }
    pc_toolpkgs_done(r->pkgs);
    return rc;
}

static int rules_build(const char *path, const char *cache_dir, int prefilter, pc_rules **out,
                       pc_rules_diag *diag, pc_err *e)
{
    rset s = {0};
    pc_rules_diag local = {0};
    pc_rules_diag *d = diag ? diag : &local;
    pc_rules *r = calloc(1, sizeof *r);
    int rc = -1;
    *out = NULL;
    if (!r) {
        pc_err_set(e, "out of memory");
        goto done;
    }
    if (collect(&s, path, e) < 0)
        goto done;
    if (digest(&s, r->digest) < 0 || own_digests(&s, r) < 0) {
        pc_err_set(e, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < s.n; i++)
        r->nfiles += !s.v[i].list;
    int lists_bad = read_lists(&s, r, d) < 0;
    /* compiled rules are cached by their digest, libyara's version and
     * the reader id (the externals and the code that reads them) */
    char ckey[72];
    char *kin = pc_asprintf("rules;%s;%s;%s", r->digest, YR_VERSION, pc_reader_id());
    pc_sha256_digest(kin ? kin : "", kin ? strlen(kin) : 0, ckey);
    if (!kin)
        cache_dir = NULL; /* (no key: not cached) */
    free(kin);
    if (!lists_bad && cache_dir && pc_rules_cache_load(cache_dir, ckey, &r->yr))
        goto loaded;
    r->yr = compile_all(&s, d);
    if (lists_bad || !r->yr) {
        compile_failed(d, e);
        goto done;
    }
    pc_rules_cache_store(cache_dir, ckey, &r->yr); /* (and drops the compiler's memory) */
loaded:
    count_rules(r);
    if (prefilter)
        build_prefilter(r, &s, cache_dir);
    *out = r;
    r = NULL;
    rc = 0;
done:
    pc_rules_free(r);
    rset_free(&s);
    pc_rules_diag_free(&local);
    return rc;
}

int pc_rules_compile(const char *path, pc_rules **out, pc_rules_diag *diag, pc_err *e)
{
    return rules_build(path, NULL, 1, out, diag, e);
}

int pc_rules_compile_cached(const char *path, const char *cache_dir, int prefilter, pc_rules **out,
                            pc_err *e)
{
    return rules_build(path, cache_dir, prefilter, out, NULL, e);
}

void pc_rules_free(pc_rules *r)
{
    if (!r)
        return;
    if (r->yr)
        yr_rules_destroy(r->yr);
    pc_toolpkgs_free(r->pkgs);
    pc_prefilter_free(r->pf);
    free(r->own);
    free(r);
}

int pc_rules_own_source(const pc_rules *r, const void *p, size_t n)
{
    char d[72];
    if (!r || r->nown == 0)
        return 0;
    pc_sha256_digest(p, n, d);
    for (size_t i = 0; i < r->nown; i++)
        if (strcmp(d, r->own[i]) == 0)
            return 1;
    return 0;
}

const char *pc_rules_digest(const pc_rules *r)
{
    return r->digest;
}

size_t pc_rules_nrules(const pc_rules *r)
{
    return r->nrules;
}

size_t pc_rules_nfiles(const pc_rules *r)
{
    return r->nfiles;
}

const pc_toolpkgs *pc_rules_toolpkgs(const pc_rules *r)
{
    return r->pkgs;
}

struct YR_RULES *pc_rules_yr(const pc_rules *r)
{
    return r->yr;
}

const pc_prefilter *pc_rules_prefilter(const pc_rules *r)
{
    return r->pf;
}

int pc_rules_check(const char *path, pc_rules_summary *sum,
                   void (*diag)(void *ud, const char *line), void *ud, char *err, size_t errlen)
{
    pc_rules_diag d = {0};
    pc_rules *r = NULL;
    pc_err e = {{0}};
    memset(sum, 0, sizeof *sum);
    if (yr_initialize() != ERROR_SUCCESS) {
        snprintf(err, errlen, "cannot initialise libyara");
        return -1;
    }
    int rc = pc_rules_compile(path, &r, &d, &e);
    for (size_t i = 0; diag && i < d.n; i++)
        diag(ud, d.lines[i]);
    sum->errors = d.nerrors;
    sum->warnings = d.nwarnings;
    if (rc == 0) {
        sum->rules = r->nrules;
        sum->files = r->nfiles;
        sum->packages = pc_toolpkgs_count(r->pkgs);
        sum->package_lists = pc_toolpkgs_files(r->pkgs);
        memcpy(sum->digest, r->digest, sizeof sum->digest);
        snprintf(sum->prefilter, sizeof sum->prefilter, "%s", pc_prefilter_status(r->pf));
    } else {
        snprintf(err, errlen, "%s", e.msg);
    }
    pc_rules_free(r);
    pc_rules_diag_free(&d);
    yr_finalize();
    return rc;
}
