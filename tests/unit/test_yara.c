/*
 * test_yara.c — the YARA engine. Rule compilation: errors from every
 * broken file as FILE:LINE, non-rule files skipped, duplicate rules across
 * files, includes refused, missing and empty paths. The rules digest:
 * stable, exactly the documented encoding, blind to non-rule files. The
 * shipped rules: they compile without warnings and every rule has its
 * meta. The content visitor, driven through a real layer walk over a tar
 * written here: which files are scanned, the external variables, whole
 * files and bounded blocks (matches across block boundaries, conditions
 * on the first block and on filesize), the recorded meta, the timeout.
 * Runs from the repo root.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>
#include "layer.h"
#include "scanlimits.h"
#include "sha256.h"
#include "stream.h"
#include "testlib.h"
#include "check/toolcat.h"
#include "pcx.h"
#include "portcullis.h"
#include "prefilter.h"
#include "yara_rules.h"
#include "yara_scan.h"

static char tmp[64];

static void put(const char *rel, const char *text)
{
    char path[512], dir[512];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + strlen(tmp) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = 0;
        mkdir(dir, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static char *path_of(const char *rel)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", tmp, rel);
    return buf;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int diag_has(const pc_rules_diag *d, const char *needle)
{
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->lines[i], needle))
            return 1;
    return 0;
}

static void test_compile_errors(void)
{
    pc_rules *r = (pc_rules *)1;
    pc_rules_diag d = {0};
    pc_err e = {{0}};
    char want[600];
    put("e/ok.yar", "rule ok { condition: true }\n");
    put("e/sub/bad.yar", "rule bad\n{\n  strings:\n    $a = \"x\"\n  condition:\n    $b\n}\n");
    put("e/sub/deeper/worse.yara", "rule worse {\n  condition:\n    true and\n}\n");
    put("e/policies/p.json", "{\"not\": \"yara\"\n");
    put("e/notes.txt", "this is not a rule\n");
    CHECK(pc_rules_compile(path_of("e"), &r, &d, &e) == -1);
    CHECK(r == NULL);
    CHECK(d.nerrors >= 2);
    snprintf(want, sizeof want, "%s/e/sub/bad.yar:7: ", tmp); /* where libyara sees it */
    CHECK(diag_has(&d, want));
    CHECK_CONTAINS(e.msg, want); /* the first error, with file and line */
    snprintf(want, sizeof want, "%s/e/sub/deeper/worse.yara:", tmp);
    CHECK(diag_has(&d, want)); /* reported although an earlier file failed */
    CHECK(!diag_has(&d, "p.json") && !diag_has(&d, "notes.txt"));
    CHECK_CONTAINS(e.msg, "(and 1 more)");
    pc_rules_diag_free(&d);

    put("d/a.yar", "rule same { condition: true }\n");
    put("d/b.yar", "\nrule same { condition: false }\n");
    CHECK(pc_rules_compile(path_of("d"), &r, &d, &e) == -1);
    snprintf(want, sizeof want, "%s/d/b.yar:2: ", tmp);
    CHECK(diag_has(&d, want));
    pc_rules_diag_free(&d);

    put("i/inc.yar", "include \"other.yar\"\nrule x { condition: true }\n");
    put("i/other.yar", "rule y { condition: true }\n");
    CHECK(pc_rules_compile(path_of("i/inc.yar"), &r, NULL, &e) == -1);
    CHECK_CONTAINS(e.msg, "inc.yar:1:");

    CHECK(pc_rules_compile(path_of("nope"), &r, NULL, &e) == -1);
    CHECK_CONTAINS(e.msg, "No such file");
    put("j/only.json", "{}\n");
    CHECK(pc_rules_compile(path_of("j"), &r, NULL, &e) == -1);
    CHECK_CONTAINS(e.msg, "no YARA rule files");
}

/* The digest as rules/README.md defines it, computed independently. */
static void expect_digest(const char *const *rels, const char *const *texts, size_t n, char out[72])
{
    pc_sha256 *h = pc_sha256_new();
    for (size_t i = 0; i < n; i++) {
        unsigned char len[8] = {0};
        size_t l = strlen(texts[i]);
        for (int k = 0; k < 8; k++)
            len[7 - k] = (unsigned char)((uint64_t)l >> (8 * k));
        pc_sha256_update(h, rels[i], strlen(rels[i]) + 1);
        pc_sha256_update(h, len, 8);
        pc_sha256_update(h, texts[i], l);
    }
    pc_sha256_final(h, out);
    pc_sha256_free(h);
}

static int digest_of(const char *rel, char out[72])
{
    pc_rules *r = NULL;
    pc_err e = {{0}};
    if (pc_rules_compile(path_of(rel), &r, NULL, &e) < 0) {
        fprintf(stderr, "compile %s: %s\n", rel, e.msg);
        return -1;
    }
    memcpy(out, pc_rules_digest(r), 72);
    pc_rules_free(r);
    return 0;
}

static void test_digest(void)
{
    const char *rels[] = {"b.yar", "sub/a.yara"};
    const char *texts[] = {"rule b { condition: true }\n", "rule a { condition: false }\n"};
    char d1[72], d2[72], want[72];
    put("g/b.yar", texts[0]);
    put("g/sub/a.yara", texts[1]);
    CHECK(digest_of("g", d1) == 0);
    CHECK(digest_of("g", d2) == 0);
    CHECK_STR(d1, d2);
    expect_digest(rels, texts, 2, want);
    CHECK_STR(d1, want);
    put("g/policies/x.json", "{}\n");
    put("g/README.md", "notes\n");
    CHECK(digest_of("g", d2) == 0);
    CHECK_STR(d1, d2); /* files that are not rules do not count */
    put("g/sub/a.yara", "rule a { condition: true }\n");
    CHECK(digest_of("g", d2) == 0);
    CHECK(strcmp(d1, d2) != 0); /* one byte of a rule does */
    expect_digest(rels, texts, 1, want);
    CHECK(digest_of("g/b.yar", d2) == 0); /* a single file: its base name */
    CHECK_STR(d2, want);
}

static void test_shipped_rules(void)
{
    pc_rules *r = NULL;
    pc_rules_diag d = {0};
    pc_err e = {{0}};
    CHECK(pc_rules_compile("rules", &r, &d, &e) == 0);
    if (!r) {
        fprintf(stderr, "rules: %s\n", e.msg);
        return;
    }
    CHECK(d.nwarnings == 0 && d.nerrors == 0);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s\n", d.lines[i]);
    CHECK(pc_rules_nfiles(r) >= 9);
    CHECK(pc_rules_nrules(r) >= 30);
    const YR_RULE *rule;
    yr_rules_foreach(pc_rules_yr(r), rule)
    {
        int tool = 0, desc = 0, sev = 0, cat = 0;
        const YR_META *m;
        yr_rule_metas_foreach(rule, m)
        {
            tool |= strcmp(m->identifier, "tool") == 0 && m->type == META_TYPE_STRING;
            desc |= strcmp(m->identifier, "description") == 0 && m->type == META_TYPE_STRING;
            sev |= strcmp(m->identifier, "severity") == 0 && m->type == META_TYPE_STRING &&
                   (!strcmp(m->string, "high") || !strcmp(m->string, "medium") ||
                    !strcmp(m->string, "low"));
            cat |= strcmp(m->identifier, "category") == 0 && m->type == META_TYPE_STRING &&
                   pc_tool_category_index(m->string) >= 0 && strcmp(m->string, "other") != 0;
            if (strcmp(m->identifier, "signal") == 0)
                CHECK(m->type == META_TYPE_STRING && strcmp(m->string, "capability") == 0);
        }
        if (!(tool && desc && sev && cat))
            fprintf(stderr, "rule %s lacks meta tool/description/severity/category\n",
                    rule->identifier);
        CHECK(tool && desc && sev && cat);
    }
    pc_rules_diag_free(&d);
    pc_rules_free(r);
    pc_rules_summary sum;
    char err[256];
    CHECK(pc_rules_check("rules", &sum, NULL, NULL, err, sizeof err) == 0);
    CHECK(sum.rules >= 30 && sum.warnings == 0 && strncmp(sum.digest, "sha256:", 7) == 0);
}

/* One regular file (or hardlink) of the test layer. */
typedef struct tent {
    const char *path;
    unsigned mode, uid;
    const void *data;
    size_t len;
    const char *hardlink;
} tent;

static int write_tar(const char *path, const tent *t, size_t n)
{
    struct archive *a = archive_write_new();
    int rc = 0;
    archive_write_set_format_pax_restricted(a);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct archive_entry *ae = archive_entry_new();
        archive_entry_set_pathname(ae, t[i].path);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, t[i].mode);
        archive_entry_set_uid(ae, t[i].uid);
        if (t[i].hardlink)
            archive_entry_set_hardlink(ae, t[i].hardlink);
        archive_entry_set_size(ae, t[i].hardlink ? 0 : (la_int64_t)t[i].len);
        if (archive_write_header(a, ae) != ARCHIVE_OK)
            rc = -1;
        if (rc == 0 && !t[i].hardlink && t[i].len &&
            archive_write_data(a, t[i].data, t[i].len) != (la_ssize_t)t[i].len)
            rc = -1;
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    return rc;
}

/* Walk the tar as a layer with a YARA visitor for pol; *ybytes (when not
 * NULL): the bytes YARA was given. */
static int walk_counted(const char *tar, const pc_rules *rules, const pc_yara_profile *pol,
                        pc_yara_pool *pool, pc_layer_facts *f, uint64_t *ybytes, pc_err *e)
{
    char *bytes = NULL;
    size_t len = 0;
    pc_layer_desc ld;
    memset(&ld, 0, sizeof ld);
    if (pc_read_file(tar, 64u << 20, &bytes, &len, e) < 0)
        return -1;
    pc_sha256_digest(bytes, len, ld.d.digest);
    free(bytes);
    ld.d.size = (int64_t)len;
    ld.comp = PC_COMP_NONE;
    pc_limits lim;
    pc_limits_default(&lim);
    _Atomic uint64_t files = 0, total = 0;
    _Atomic int stop = 0;
    pc_yara_scan *ys = NULL;
    pc_file_visitor v;
    if (pc_yara_scan_new(rules, pol, pool, &ys, e) < 0)
        return -1;
    pc_yara_scan_visitor(ys, &v);
    pc_walk_cfg cfg = {
        .limits = &lim, .files_total = &files, .bytes_total = &total, .stop = &stop, .visitor = &v};
    int rc = pc_layer_walk(pc_stream_fd(open(tar, O_RDONLY), 0), &ld, &cfg, f, e);
    if (ybytes)
        *ybytes = pc_yara_scan_yara_bytes(ys);
    pc_yara_scan_free(ys);
    return rc;
}

static int walk_pool(const char *tar, const pc_rules *rules, const pc_yara_profile *pol,
                     pc_yara_pool *pool, pc_layer_facts *f, pc_err *e)
{
    return walk_counted(tar, rules, pol, pool, f, NULL, e);
}

static int walk(const char *tar, const pc_rules *rules, const pc_yara_profile *pol,
                pc_layer_facts *f, pc_err *e)
{
    return walk_pool(tar, rules, pol, NULL, f, e);
}

static const pc_entry *find(const pc_layer_facts *f, const char *path)
{
    for (size_t i = 0; i < f->nentries; i++)
        if (strcmp(f->entries[i].path, path) == 0)
            return &f->entries[i];
    return NULL;
}

static const pc_match *matched(const pc_layer_facts *f, const char *path, const char *rule)
{
    const pc_entry *e = find(f, path);
    for (size_t i = 0; e && i < e->nmatches; i++)
        if (strcmp(e->matches[i].rule, rule) == 0)
            return &e->matches[i];
    return NULL;
}

static size_t nmatches(const pc_layer_facts *f, const char *path)
{
    const pc_entry *e = find(f, path);
    return e ? e->nmatches : (size_t)-1;
}

#define BIG 300000

static unsigned char *big_file(void)
{
    unsigned char *b = malloc(BIG);
    if (!b)
        return NULL;
    for (size_t i = 0; i < BIG; i++)
        b[i] = (unsigned char)('a' + i % 23);
    memcpy(b,
           "\x7f"
           "ELF",
           4);
    memcpy(b + 65530, "PART-ONE-straddles", 18); /* across the first block's end */
    memcpy(b + 150000, "PART-TWO", 8);
    memcpy(b + BIG - 40, "ELFTAIL", 7);
    memcpy(b + BIG - 21, "PART-THREE-at-the-end", 21);
    return b;
}

static const char walk_rules[] =
    "rule marker { meta: tool = \"marker-tool\" description = \"test marker\" severity = \"low\"\n"
    "  strings: $m = \"PCMARKER\" condition: $m }\n"
    "rule ext_name { condition: filename == \"named.bin\" and filepath == \"/data/named.bin\"\n"
    "  and filemode == 0x1ed and fileuid == 1234 }\n"
    "rule elf_head { strings: $s = \"ELFTAIL\"\n"
    "  condition: uint32be(0) == 0x7f454c46 and $s and filesize == 300000 }\n"
    "rule three_parts { strings: $a = \"PART-ONE-straddles\" $b = \"PART-TWO\"\n"
    "  $c = \"PART-THREE-at-the-end\" condition: all of them }\n";

/* The files every policy below must treat the same way. */
static void expect_common(const pc_layer_facts *f, const char *what)
{
    const pc_match *m = matched(f, "data/script", "marker");
    fprintf(stderr, "walk %s\n", what);
    CHECK(m != NULL); /* shebang, not executable */
    CHECK(m && m->tool && strcmp(m->tool, "marker-tool") == 0);
    CHECK(m && m->desc && strcmp(m->desc, "test marker") == 0);
    CHECK(m && m->severity && strcmp(m->severity, "low") == 0);
    CHECK(matched(f, "data/exec", "marker"));   /* exec bit */
    CHECK(matched(f, "data/lib.so", "marker")); /* ELF magic, mode 0644 */
    CHECK(matched(f, "data/named.bin", "ext_name"));
    CHECK(nmatches(f, "data/named.bin") == 1);
    CHECK(matched(f, "data/big", "three_parts"));
    CHECK(matched(f, "data/big", "elf_head"));
    CHECK(nmatches(f, "data/empty") == 0);
}

static void run_walk(const char *tar, const pc_rules *r, const pc_yara_profile *pol, int plain,
                     const char *what)
{
    pc_layer_facts f;
    pc_err e = {{0}};
    int rc = walk(tar, r, pol, &f, &e);
    CHECK(rc == 0);
    if (rc < 0) {
        fprintf(stderr, "walk %s: %s\n", what, e.msg);
        return;
    }
    expect_common(&f, what);
    CHECK(nmatches(&f, "data/plain.txt") == (size_t)plain);
    pc_layer_facts_free(&f);
}

static void test_walk(void)
{
    pc_rules *r = NULL;
    pc_err e = {{0}};
    unsigned char *big = big_file();
    put("w/rules.yar", walk_rules);
    CHECK(big && pc_rules_compile(path_of("w/rules.yar"), &r, NULL, &e) == 0);
    if (!big || !r) {
        fprintf(stderr, "walk rules: %s\n", e.msg);
        free(big);
        return;
    }
    static const char lib[] = "\x7f"
                              "ELF\x02\x01\x01 PCMARKER";
    tent t[] = {
        {"data/plain.txt", 0644, 0, "PCMARKER plain", 14, NULL},
        {"data/script", 0644, 0, "#!/bin/sh\n# PCMARKER\n", 21, NULL},
        {"data/exec", 0755, 0, "PCMARKER exec", 13, NULL},
        {"data/lib.so", 0644, 0, lib, sizeof lib - 1, NULL},
        {"data/named.bin", 0755, 1234, "x", 1, NULL},
        {"data/big", 0644, 0, big, BIG, NULL},
        {"data/empty", 0755, 0, "", 0, NULL},
        {"data/link", 0755, 0, NULL, 0, "data/exec"},
    };
    char tar[512];
    snprintf(tar, sizeof tar, "%s", path_of("w/layer.tar"));
    CHECK(write_tar(tar, t, sizeof t / sizeof t[0]) == 0);
    pc_yara_profile blocks = {.max_file_bytes = 65536, .timeout_seconds = 10};
    run_walk(tar, r, &blocks, 0, "blocks of 64 KiB");
    pc_yara_profile whole = {
        .max_file_bytes = 64u << 20, .scan_all_files = 1, .timeout_seconds = 10};
    run_walk(tar, r, &whole, 1, "whole files, scan_all_files");
    pc_yara_profile all_blocks = {.max_file_bytes = 0, .timeout_seconds = 10};
    run_walk(tar, r, &all_blocks, 0, "every file in blocks");
    pc_rules_free(r);
    free(big);
}

/* The prefilter on block-scanned files: a block it clears is not given to
 * YARA, and a file clear in every block is not scanned at all; the
 * matches are the same as without it (rules, and their count per file),
 * for blocks of 64 KiB and for every file in blocks. data/big's first
 * block holds no string of the rules (its first marker straddles the
 * first boundary), so YARA gets that block only for uint32be(0), after the
 * blocks were read; data/clean holds none anywhere. */
static const char gated_rules[] =
    "rule marker { strings: $m = \"PCMARKER\" condition: $m }\n"
    "rule elf_head { strings: $s = \"ELFTAIL\"\n"
    "  condition: uint32be(0) == 0x7f454c46 and $s and filesize == 300000 }\n"
    "rule three_parts { strings: $a = \"PART-ONE-straddles\" $b = \"PART-TWO\"\n"
    "  $c = \"PART-THREE-at-the-end\" condition: all of them }\n"
    "rule two_only { strings: $b = \"PART-TWO\" condition: $b at 150000 }\n"
    "rule nowhere { strings: $n = \"NOT-IN-ANY-FILE\" condition: $n }\n";

static void test_block_prefilter(void)
{
    pc_rules *r = NULL;
    pc_err e = {{0}};
    unsigned char *big = big_file(), *clean = big_file();
    put("bp/rules.yar", gated_rules);
    CHECK(big && clean && pc_rules_compile(path_of("bp/rules.yar"), &r, NULL, &e) == 0);
    CHECK(r && pc_prefilter_active(pc_rules_prefilter(r)));
    if (!big || !clean || !r) {
        free(big);
        free(clean);
        pc_rules_free(r);
        return;
    }
    for (size_t i = 4; i < BIG; i++) /* the ELF head only: no string of the rules */
        clean[i] = (unsigned char)('a' + i % 23);
    tent t[] = {
        {"data/big", 0644, 0, big, BIG, NULL},
        {"data/clean", 0755, 0, clean, BIG, NULL},
        {"data/exec", 0755, 0, "PCMARKER exec", 13, NULL},
    };
    char tar[512];
    snprintf(tar, sizeof tar, "%s", path_of("bp/layer.tar"));
    CHECK(write_tar(tar, t, sizeof t / sizeof t[0]) == 0);
    const uint64_t maxes[] = {65536, 0};
    for (size_t k = 0; k < 2; k++) {
        pc_layer_facts on, off;
        uint64_t yon = 0, yoff = 0;
        pc_yara_profile pon = {.max_file_bytes = maxes[k], .timeout_seconds = 10, .prefilter = 1};
        pc_yara_profile poff = pon;
        poff.prefilter = 0;
        int a = walk_counted(tar, r, &pon, NULL, &on, &yon, &e);
        int b = walk_counted(tar, r, &poff, NULL, &off, &yoff, &e);
        CHECK(a == 0 && b == 0);
        if (a != 0 || b != 0) {
            fprintf(stderr, "block prefilter: %s\n", e.msg);
            if (a == 0)
                pc_layer_facts_free(&on);
            if (b == 0)
                pc_layer_facts_free(&off);
            continue;
        }
        static const char *const paths[] = {"data/big", "data/clean", "data/exec"};
        static const char *const rules[] = {"marker", "elf_head", "three_parts", "two_only",
                                            "nowhere"};
        for (size_t pi = 0; pi < 3; pi++) {
            CHECK(nmatches(&on, paths[pi]) == nmatches(&off, paths[pi]));
            for (size_t ri = 0; ri < 5; ri++)
                CHECK((matched(&on, paths[pi], rules[ri]) != NULL) ==
                      (matched(&off, paths[pi], rules[ri]) != NULL));
        }
        CHECK(matched(&on, "data/big", "three_parts") && matched(&on, "data/big", "elf_head"));
        CHECK(matched(&on, "data/big", "two_only") && nmatches(&on, "data/big") == 3);
        CHECK(nmatches(&on, "data/clean") == 0);
        CHECK(matched(&on, "data/exec", "marker"));
        /* clean was never given to YARA, nor big's middle blocks */
        CHECK(yon > 0 && yoff >= 2 * BIG && yon + BIG < yoff);
        if (maxes[k] == 65536)
            CHECK(yon < 5 * 65536 + 13); /* first block, three of the 1 MiB-bounded ones at most */
        pc_layer_facts_free(&on);
        pc_layer_facts_free(&off);
    }
    pc_rules_free(r);
    free(big);
    free(clean);
}

/* Files bigger than a worker's own buffer (PC_YARA_OWN) go through the
 * scan's one shared buffer, whole or as the first block, and the blocks
 * after the first are PC_YARA_OWN bytes. Markers straddle every block
 * boundary of a block-scanned file (the first block is max_file_bytes, each
 * later one repeats the last PC_YARA_OVERLAP bytes); the tail is checked by
 * a condition on the first block and the file's size. Several workers
 * sharing a pool of one or two big buffers, at the same time, find exactly
 * the same matches. */
#define HUGE_B (1u << 20) /* max_file_bytes of the block profile */
#define HUGE_N (3u * HUGE_B + 12345)

static unsigned char *huge_file(unsigned char fill)
{
    unsigned char *b = malloc(HUGE_N);
    if (!b)
        return NULL;
    memset(b, fill, HUGE_N);
    memcpy(b,
           "\x7f"
           "ELF",
           4);
    size_t o = PC_YARA_OVERLAP;
    memcpy(b + HUGE_B - 6, "HUGE-ONE-straddles", 18);
    memcpy(b + 2 * HUGE_B - o - 7, "HUGE-TWO-straddles", 18);
    memcpy(b + 3 * HUGE_B - 2 * o - 8, "HUGE-THREE-straddles", 20);
    memcpy(b + HUGE_N - 20, "HUGE-FOUR-at-the-end", 20);
    return b;
}

static const char huge_rules[] =
    "rule huge_all { strings: $a = \"HUGE-ONE-straddles\" $b = \"HUGE-TWO-straddles\"\n"
    "  $c = \"HUGE-THREE-straddles\" $d = \"HUGE-FOUR-at-the-end\"\n"
    "  condition: uint32be(0) == 0x7f454c46 and all of them and filesize == 3158073 }\n"
    "rule huge_three { strings: $c = \"HUGE-THREE-straddles\" condition: #c == 1 }\n"
    "rule small_one { strings: $m = \"PCMARKER\" condition: $m }\n";

typedef struct pool_job {
    const char *tar;
    const pc_rules *r;
    const pc_yara_profile *pol;
    pc_yara_pool *pool;
    pc_layer_facts f;
    pc_err e;
    int rc;
} pool_job;

static void *pool_job_run(void *arg)
{
    pool_job *j = arg;
    j->rc = walk_pool(j->tar, j->r, j->pol, j->pool, &j->f, &j->e);
    return NULL;
}

static void expect_huge(const pool_job *j, const char *what)
{
    fprintf(stderr, "pool %s\n", what);
    CHECK(j->rc == 0);
    if (j->rc < 0) {
        fprintf(stderr, "pool %s: %s\n", what, j->e.msg);
        return;
    }
    for (int k = 0; k < 2; k++) {
        const char *p = k ? "data/huge2" : "data/huge1";
        CHECK(matched(&j->f, p, "huge_all") != NULL);
        CHECK(matched(&j->f, p, "huge_three") != NULL);
        CHECK(nmatches(&j->f, p) == 2);
    }
    CHECK(matched(&j->f, "data/small", "small_one") != NULL);
    CHECK(nmatches(&j->f, "data/mid") == 1); /* 1.5 MiB: whole or blocks, in the pool */
    CHECK(matched(&j->f, "data/mid", "small_one") != NULL);
}

static void test_pool(void)
{
    pc_rules *r = NULL;
    pc_err e = {{0}};
    unsigned char *h1 = huge_file('x'), *h2 = huge_file('y');
    size_t midn = HUGE_B + HUGE_B / 2;
    unsigned char *mid = malloc(midn);
    put("p/rules.yar", huge_rules);
    CHECK(h1 && h2 && mid && pc_rules_compile(path_of("p/rules.yar"), &r, NULL, &e) == 0);
    if (!h1 || !h2 || !mid || !r) {
        fprintf(stderr, "pool rules: %s\n", e.msg);
        free(h1);
        free(h2);
        free(mid);
        pc_rules_free(r);
        return;
    }
    memset(mid, 'z', midn);
    memcpy(mid + midn - 100, "PCMARKER", 8);
    tent t[] = {
        {"data/huge1", 0755, 0, h1, HUGE_N, NULL},
        {"data/small", 0755, 0, "#!/bin/sh\n# PCMARKER\n", 21, NULL},
        {"data/mid", 0755, 0, mid, midn, NULL},
        {"data/huge2", 0755, 0, h2, HUGE_N, NULL},
    };
    char tar[512];
    snprintf(tar, sizeof tar, "%s", path_of("p/layer.tar"));
    CHECK(write_tar(tar, t, sizeof t / sizeof t[0]) == 0);
    pc_yara_profile blocks = {.max_file_bytes = HUGE_B, .timeout_seconds = 30};
    pc_yara_profile whole = {.max_file_bytes = 4u << 20, .timeout_seconds = 30};
    const pc_yara_profile *pols[] = {&blocks, &whole};
    for (int k = 0; k < 2; k++) {
        pool_job one = {.tar = tar, .r = r, .pol = pols[k]};
        pool_job_run(&one); /* a pool of its own */
        expect_huge(&one, k ? "whole, own pool" : "blocks, own pool");
        pc_layer_facts_free(&one.f);
        for (size_t nbufs = 1; nbufs <= 2; nbufs++) {
            /* three workers on one big buffer, then on two (one waits) */
            pc_yara_pool *pool = pc_yara_pool_new(nbufs);
            CHECK(pool != NULL);
            pool_job jobs[3];
            pthread_t tid[3];
            int started[3] = {0};
            for (int i = 0; i < 3; i++) {
                jobs[i] = (pool_job){.tar = tar, .r = r, .pol = pols[k], .pool = pool};
                started[i] = pool && pthread_create(&tid[i], NULL, pool_job_run, &jobs[i]) == 0;
                CHECK(started[i]);
            }
            char what[64];
            snprintf(what, sizeof what, "%s, 3 workers, %zu big buffer(s)", k ? "whole" : "blocks",
                     nbufs);
            for (int i = 0; i < 3; i++) {
                if (!started[i])
                    continue;
                pthread_join(tid[i], NULL);
                expect_huge(&jobs[i], what);
                pc_layer_facts_free(&jobs[i].f);
            }
            pc_yara_pool_free(pool);
        }
    }
    pc_rules_free(r);
    free(h1);
    free(h2);
    free(mid);
}

/* A byte-exact copy of a rules source file in an image is the scanner's
 * own rules, not a tool: its matches are dropped. A copy changed by one
 * byte, or the same strings in another file, still match. */
static void test_own_source(void)
{
    static const char src[] =
        "rule own_marker { strings: $a = \"OWN-MARKER-STRING\" condition: $a }\n";
    pc_rules *r = NULL;
    pc_err e = {{0}};
    put("own/rules/one.yar", src);
    CHECK(pc_rules_compile(path_of("own/rules"), &r, NULL, &e) == 0);
    if (!r)
        return;
    CHECK(pc_rules_own_source(r, src, strlen(src)) == 1);
    CHECK(pc_rules_own_source(r, src, strlen(src) - 1) == 0);
    char changed[sizeof src];
    memcpy(changed, src, sizeof src);
    changed[0] = 'R';
    const char *other = "echo OWN-MARKER-STRING\n";
    tent t[] = {
        {"usr/share/rules/one.yar", 0644, 0, src, strlen(src), NULL},
        {"usr/share/rules/changed.yar", 0644, 0, changed, strlen(changed), NULL},
        {"app/job", 0644, 0, other, strlen(other), NULL},
    };
    char tar[512];
    snprintf(tar, sizeof tar, "%s", path_of("own/layer.tar"));
    CHECK(write_tar(tar, t, sizeof t / sizeof t[0]) == 0);
    pc_yara_profile pol = {.max_file_bytes = 4u << 20, .timeout_seconds = 30, .scan_all_files = 1};
    pc_layer_facts f;
    CHECK(walk(tar, r, &pol, &f, &e) == 0);
    CHECK(nmatches(&f, "usr/share/rules/one.yar") == 0);
    CHECK(nmatches(&f, "usr/share/rules/changed.yar") == 1);
    CHECK(nmatches(&f, "app/job") == 1);
    pc_layer_facts_free(&f);
    pc_rules_free(r);
}

/* A block-scanned file's timeout grows with it: libyara's timer covers the
 * reading of every block, so a big data file is not failed for its size. */
static void test_blocks_timeout(void)
{
    size_t mib4 = 4u << 20;
    CHECK(pc_yara_blocks_timeout(10, mib4 + 1, mib4) == 20);
    CHECK(pc_yara_blocks_timeout(10, 2 * (uint64_t)mib4, mib4) == 20);
    CHECK(pc_yara_blocks_timeout(10, (uint64_t)10 << 30, mib4) == 10 * 2560);
    CHECK(pc_yara_blocks_timeout(0, (uint64_t)10 << 30, mib4) == 0); /* none stays none */
    CHECK(pc_yara_blocks_timeout(10, UINT64_MAX, 65536) == INT_MAX);
    CHECK(pc_yara_blocks_timeout(UINT64_MAX, mib4 + 1, mib4) == INT_MAX);
    CHECK(pc_yara_blocks_timeout(10, 0, mib4) == 10);
}

/* A file YARA cannot finish in time fails the layer, naming file and knob. */
static void test_timeout(void)
{
    pc_rules *r = NULL;
    pc_err e = {{0}};
    size_t n = 2u << 20;
    unsigned char *a = malloc(n);
    put("t/slow.yar", "rule slow { strings: $r = /aa.{0,4000}X/ condition: $r }\n");
    CHECK(a && pc_rules_compile(path_of("t/slow.yar"), &r, NULL, &e) == 0);
    if (!a || !r) {
        free(a);
        return;
    }
    memset(a, 'a', n);
    tent t[] = {{"data/aaa", 0755, 0, a, n, NULL}};
    char tar[512];
    snprintf(tar, sizeof tar, "%s", path_of("t/layer.tar"));
    CHECK(write_tar(tar, t, 1) == 0);
    pc_yara_profile pol = {.max_file_bytes = 64u << 20, .timeout_seconds = 1};
    pc_layer_facts f;
    CHECK(walk(tar, r, &pol, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "/data/aaa");
    CHECK_CONTAINS(e.msg, "yara.timeout_seconds");
    pc_rules_free(r);
    free(a);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/pc-test-yara.XXXXXX");
    if (!mkdtemp(tmp) || yr_initialize() != ERROR_SUCCESS) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    test_compile_errors();
    test_digest();
    test_shipped_rules();
    test_walk();
    test_block_prefilter();
    test_pool();
    test_own_source();
    test_blocks_timeout();
    test_timeout();
    yr_finalize();
    rm_tree(tmp);
    TEST_MAIN_END();
}
