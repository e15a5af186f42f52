/*
 * test_prefilter.c — the YARA prefilter. The condition classifier on many
 * forms, tricky ones included (strings in comments and meta, not, 0 of,
 * or with filesize, other rules, for loops). The source reader against
 * libyara (a rule set libyara compiles is read the same). The conversion
 * of text (nocase, wide, ascii wide, fullword), hex (wildcards, nibbles,
 * jumps, long jumps, alternatives) and regular expressions (classes,
 * escapes, {,m}, anchors, i and s), checked against libyara itself: a
 * buffer YARA matches must be a prefilter hit, on constructed buffers and
 * on thousands of random ones. The gate sets (the strings the prefilter
 * looks for: one conjunct of an `and`, a quorum of "N of"), and YARA
 * against them on every subset of a rule's strings. When the prefilter is off (a rule that is
 * not gated, xor, base64, wide regex) and that a clean buffer is skipped.
 * Runs from the repo root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yara.h>
#include "testlib.h"
#include "pcx.h"
#include "prefilter.h"
#include "prefilter_pat.h"
#include "yaracond.h"
#include "yara_rules.h"
#include "yarasrc.h"

/* The prefilter on a whole file: its head from its own first bytes. */
static int needs(const pc_prefilter *pf, pc_prefilter_scratch *s, const unsigned char *buf,
                 size_t len)
{
    return pc_prefilter_needs_scan(pf, s, pc_prefilter_head(buf, len), 0, buf, len);
}

/* The rule the classifier tests use: four strings ($a $b $c1 $c2, bits
 * 1 2 4 8 of a gate mask) and a condition; "other" is a rule beside it. */
static void cond_rule(char *src, size_t n, const char *cond, int other_private)
{
    snprintf(src, n,
             "%srule other { condition: true }\n"
             "rule r {\n meta: note = \"condition: $a }\" n = -1\n"
             " strings: $a = \"aaa\" $b = { 41 42 } $c1 = /c+/ $c2 = \"c\\\"2\" wide\n"
             " condition: %s\n}\n",
             other_private ? "private " : "", cond);
}

/* Classify the condition of rule r: 1 (gated, its gate set in *mask), 0
 * (not gated), -1 (not read). */
static int gated_mask(const char *cond, unsigned *mask)
{
    char src[2048];
    cond_rule(src, sizeof src, cond, 0);
    ys_file f;
    pc_err e = {{0}};
    if (pc_yarasrc_parse(src, strlen(src), &f, &e) < 0) {
        fprintf(stderr, "parse: %s\n", e.msg);
        return -1;
    }
    unsigned char keep[4] = {0};
    int g = f.n == 2 && f.rules[1].nstrs == 4 ? pc_yaracond_gate(&f.rules[1], keep) : -1;
    *mask = 0;
    for (int k = 0; k < 4 && g == 1; k++)
        *mask |= keep[k] ? 1u << k : 0;
    pc_yarasrc_free(&f);
    return g;
}

static int gated(const char *cond)
{
    unsigned mask;
    return gated_mask(cond, &mask);
}

/* The rule of cond_rule with condition cond, parsed: its ys_rule (the
 * second of the file), or NULL (f is then freed). */
static const ys_rule *cond_parsed(const char *cond, ys_file *f)
{
    char src[2048];
    pc_err e = {{0}};
    cond_rule(src, sizeof src, cond, 0);
    if (pc_yarasrc_parse(src, strlen(src), f, &e) < 0)
        return NULL;
    if (f->n == 2)
        return &f->rules[1];
    pc_yarasrc_free(f);
    return NULL;
}

static void test_classifier(void)
{
    static const char *const yes[] = {
        "$a",
        "$a and filesize < 100",
        "uint32be(0) == 0x7f454c46 and 2 of them",
        "any of them",
        "all of them",
        "1 of ($a, $c*)",
        "3 of them and not $b",
        "$a at 0",
        "$a at (filesize - 10) * 2",
        "$b in (0..filesize)",
        "#a > 0",
        "#c1 >= 2",
        "($a or $b) and filesize > 0",
        "($a or (any of ($c*) and other)) and true",
        "$a or $b or 2 of them",
        "not $a and $b",
        "other and $a",
        "filesize > 0 and (($a))",
        "$a and /* $b or */ true",
        "$a // or true\n",
    };
    static const char *const no[] = {
        "true",
        "filesize > 0",
        "not $a",
        "0 of them",
        "$a or filesize < 10",
        "other",
        "other or $a",
        "for any i in (1..#a) : (@a[i] > 0)",
        "for any of ($a, $b) : ($ at 0)",
        "#a == 0",
        "#a >= 0",
        "#a > -1",
        "!a > 0",
        "@a[1] > 0",
        "50% of them",
        "$a at filepath",
        "$a in (0..uint32(0))",
        "$a == 1",
        "any of them or true",
        "$a or /* $b */ filepath matches /x/",
        "filename contains \"$a\"",
        "( $a",
        "$a )",
        "$a and",
        "and $a",
        "($a or true) and filesize > 0",
        "not ($a)",
        "$a and $b or filesize > 1",
    };
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        int g = gated(yes[i]);
        if (g != 1)
            fprintf(stderr, "expected gated: %s (%d)\n", yes[i], g);
        CHECK(g == 1);
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        int g = gated(no[i]);
        if (g == 1)
            fprintf(stderr, "expected not gated: %s\n", no[i]);
        CHECK(g != 1);
    }
}

static void test_source(void)
{
    const char *src = "import \"pe\"\n/* rule fake { condition: true } */\n"
                      "private global rule g : tag1 tag2 {\n strings:\n"
                      "  $x = \"a\\x41\\\\\\t\" nocase wide ascii fullword private\n"
                      "  $h = { 4D [1-2] ( 5A | ?? ) // c\n 0? }\n"
                      "  $r = /a\\/b[}]/is\n  $ = \"anon\" xor(1-3)\n condition: any of them }\n";
    ys_file f;
    pc_err e = {{0}};
    CHECK(pc_yarasrc_parse(src, strlen(src), &f, &e) == 0);
    CHECK(f.n == 1);
    if (f.n != 1)
        return;
    const ys_rule *r = &f.rules[0];
    CHECK_STR(r->name, "g");
    CHECK(r->is_private && r->is_global && r->nstrs == 4);
    if (r->nstrs == 4) {
        CHECK(r->strs[0].len == 4 && memcmp(r->strs[0].val, "aA\\\t", 4) == 0);
        CHECK(r->strs[0].mods ==
              (YS_M_NOCASE | YS_M_WIDE | YS_M_ASCII | YS_M_FULLWORD | YS_M_PRIVATE));
        CHECK(r->strs[1].kind == YS_HEX);
        CHECK_STR((char *)r->strs[2].val, "a\\/b[}]");
        CHECK(r->strs[2].mods == (YS_M_RE_I | YS_M_RE_S));
        CHECK_STR(r->strs[3].id, "$");
        CHECK(r->strs[3].mods == YS_M_XOR);
    }
    pc_yarasrc_free(&f);
    static const char *const bad[] = {"rule x { condition: true",
                                      "rule x { strings: $a = \"x\\q\" condition: $a }",
                                      "rule x { strings: $a = \"x condition: $a }",
                                      "/* open",
                                      "rule { condition: true }",
                                      "rule x { condition: }"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(pc_yarasrc_parse(bad[i], strlen(bad[i]), &f, &e) == -1);
        CHECK(strstr(e.msg, "line ") == e.msg);
    }
}

/* Rules compiled the way a scan compiles them. */
static pc_rules *compile(const char *text)
{
    char dir[] = "/tmp/pc-prefilter-XXXXXX", path[64];
    if (!mkdtemp(dir))
        return NULL;
    snprintf(path, sizeof path, "%s/t.yar", dir);
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    pc_rules *r = NULL;
    pc_err e = {{0}};
    if (pc_rules_compile(path, &r, NULL, &e) < 0)
        fprintf(stderr, "compile: %s\n", e.msg);
    unlink(path);
    rmdir(dir);
    return r;
}

static int on_yr(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *ud)
{
    (void)ctx, (void)data;
    if (msg == CALLBACK_MSG_RULE_MATCHING)
        ++*(int *)ud;
    return CALLBACK_CONTINUE;
}

static int yara_hits(pc_rules *r, const unsigned char *buf, size_t len)
{
    int n = 0;
    if (yr_rules_scan_mem(pc_rules_yr(r), buf, len, 0, on_yr, &n, 0) != ERROR_SUCCESS)
        return -1;
    return n;
}

static const char *const conv_rules =
    "rule t_nocase { strings: $a = \"HeLLo World\" nocase condition: $a }\n"
    "rule t_wide { strings: $a = \"wIde\" wide condition: $a }\n"
    "rule t_both { strings: $a = \"bothways\" ascii wide nocase fullword condition: $a }\n"
    "rule t_hex { strings: $a = { 4D 5A ?? 0? [2-4] ( 41 42 | 43 ?4 ) ?5 } condition: $a }\n"
    "rule t_chain { strings: $a = { 51 52 53 54 [300-400] 55 56 57 58 } condition: #a > 0 }\n"
    "rule t_re1 { strings: $a = /ab[0-9]{2,}c/ condition: $a }\n"
    "rule t_re2 { strings: $a = /\\x00[a-z]\\s+z\\x01/ condition: $a }\n"
    "rule t_re3 { strings: $a = /fo.ba/s condition: $a }\n"
    "rule t_re4 { strings: $a = /Qx{,3}yQ/ condition: $a }\n"
    "rule t_re5 { strings: $a = /[\\x00-\\x1f]{3}R[^a-z\\s]{2}R/ condition: $a }\n"
    "rule t_re6 { strings: $a = /(^|\\n)#!\\/bin\\/sh/ condition: $a }\n"
    "rule t_re7 { strings: $a = /AbCd\\.e/i condition: $a }\n"
    "rule t_re8 { strings: $a = /\\bwordy\\b/ condition: $a and filesize > 3 }\n"
    "rule t_re9 { strings: $a = /x\\Sy\\Dz\\Wq/ condition: any of them }\n"
    "rule t_re10 { strings: $a = /Lo[a-z]{0,40}ng\\b/ condition: $a }\n"
    "private rule helper { condition: filesize > 0 }\n"
    "rule t_uses { strings: $a = \"usesit\" condition: helper and $a }\n";

static const struct {
    const char *rule;
    const char *buf;
    size_t len;
} positives[] = {
    {"t_nocase", "..hello WORLD..", 15},
    {"t_wide", "w\0I\0d\0e\0", 8},
    {"t_both", "B\0o\0t\0h\0W\0a\0y\0s\0", 16},
    {"t_both", "x BOTHWAYS y", 12},
    {"t_hex", "MZ\x01\x02zzzAB\x75", 11},
    {"t_hex", "MZ\xff\x0f..C\x64\x05", 10},
    {"t_re1", "zab123c", 7},
    {"t_re2", "\0q \t\v\fz\x01", 8},
    {"t_re3", "fo\nba", 5},
    {"t_re4", "QyQ", 3},
    {"t_re4", "QxxxyQ", 6},
    {"t_re5", "\x01\x02\x1fR!#R", 7},
    {"t_re6", "#!/bin/sh\n", 10},
    {"t_re6", "x\n#!/bin/sh", 11},
    {"t_re7", "abcD.E", 6},
    {"t_re8", "a wordy b", 9},
    {"t_re9", "xAyBz-q", 7},
    {"t_re9", "x\x80y\x01z\x80q", 7},
    {"t_uses", "usesit", 6},
    {"t_re10", "Long", 4},
    {"t_re10", "Loabcdefghijklmnopqrstuvwxyzabcdefghijklmnng", 44},
};

static void test_conversion(void)
{
    pc_rules *r = compile(conv_rules);
    CHECK(r != NULL);
    if (!r)
        return;
    const pc_prefilter *pf = pc_rules_prefilter(r);
    CHECK(pc_prefilter_active(pf));
    CHECK_STR(pc_prefilter_status(pf),
              "on: 16 rules, 17 patterns (files 17; in blocks: ELF 17, other 17)");
    pc_prefilter_scratch *s = pc_prefilter_scratch_new(pf);
    CHECK(s != NULL);
    for (size_t i = 0; i < sizeof positives / sizeof *positives; i++) {
        const unsigned char *b = (const unsigned char *)positives[i].buf;
        int y = yara_hits(r, b, positives[i].len);
        int p = needs(pf, s, b, positives[i].len);
        if (y < 1 || !p)
            fprintf(stderr, "positive %zu (%s): yara %d prefilter %d\n", i, positives[i].rule, y,
                    p);
        CHECK(y >= 1 && p == 1);
    }
    /* the long jump: libyara splits it into a chain */
    unsigned char chain[512];
    memset(chain, '.', sizeof chain);
    memcpy(chain, "QRST", 4);
    memcpy(chain + 4 + 350, "UVWX", 4);
    CHECK(yara_hits(r, chain, sizeof chain) == 1 && needs(pf, s, chain, sizeof chain));
    /* a clean buffer is skipped, and YARA agrees there is nothing */
    const char *clean = "nothing to see here, just text and \x7f"
                        "ELF bytes";
    CHECK(yara_hits(r, (const unsigned char *)clean, strlen(clean)) == 0);
    CHECK(needs(pf, s, (const unsigned char *)clean, strlen(clean)) == 0);
    /* the same pass says where a program or a compressed stream may start
     * inside the bytes (carve.h): the magic after byte 0, a little before
     * it; none: the length; at byte 0 only (an ELF file's own): none */
    size_t at = 0, cl = strlen(clean);
    CHECK(pc_prefilter_whole(pf, s, (const unsigned char *)clean, cl, &at) == 0);
    CHECK(at <= cl - 10 && at + 8 >= cl - 10);
    unsigned char gz[200] = "\x7f"
                            "ELF";
    memset(gz + 4, 'x', sizeof gz - 4);
    CHECK(pc_prefilter_whole(pf, s, gz, sizeof gz, &at) == 0 && at == sizeof gz);
    memcpy(gz + 120, "\x1f\x8b\x08\x00", 4);
    CHECK(pc_prefilter_whole(pf, s, gz, sizeof gz, &at) == 0 && at <= 120 && at + 8 >= 120);
    memcpy(chain + 400, "\x28\xb5\x2f\xfd", 4); /* a rule's hit, then a magic: both told */
    CHECK(pc_prefilter_whole(pf, s, chain, sizeof chain, &at) == 1 && at <= 400 && at + 8 >= 400);
    CHECK(pc_prefilter_whole(pf, NULL, gz, sizeof gz, &at) == 1 && at == 1); /* not known */
    /* no scratch: always scan */
    CHECK(needs(pf, NULL, (const unsigned char *)clean, strlen(clean)) == 1);
    /* a bound above 16 is dropped (vectorscan compiles it a lot faster):
     * more is scanned than YARA matches, never less */
    const char *far = "Loabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzng";
    CHECK(yara_hits(r, (const unsigned char *)far, strlen(far)) == 0);
    CHECK(needs(pf, s, (const unsigned char *)far, strlen(far)) == 1);
    /* random buffers from fragments: a YARA match is always a prefilter hit */
    static const char *const frag[] = {"hello",
                                       "WORLD",
                                       " ",
                                       "w\0I\0d\0e\0",
                                       "MZ",
                                       "\x01",
                                       "\x0f",
                                       "AB",
                                       "\x75",
                                       "C\x64",
                                       "ab",
                                       "12",
                                       "c",
                                       "\0",
                                       "q",
                                       "\t",
                                       "z",
                                       "fo",
                                       "\n",
                                       "ba",
                                       "Q",
                                       "x",
                                       "y",
                                       "#!/bin/sh",
                                       "AbCd.e",
                                       "wordy",
                                       "usesit",
                                       "\x80",
                                       "R",
                                       "!",
                                       "BothWays",
                                       "\x05",
                                       "Dz",
                                       "-",
                                       "Lo",
                                       "ng",
                                       "abcdefghijklmnopqrst"};
    size_t nfrag = sizeof frag / sizeof *frag, hits = 0, skipped = 0;
    unsigned seed = 12345;
    int bad = 0;
    for (int round = 0; round < 2000; round++) {
        unsigned char buf[256];
        size_t len = 0;
        int parts = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 12;
        for (int k = 0; k < parts; k++) {
            size_t f = ((seed = seed * 1103515245 + 12345) >> 16) % nfrag;
            size_t fl = strlen(frag[f]) ? strlen(frag[f]) : 1;
            if (f == 3)
                fl = 8;
            if (len + fl > sizeof buf)
                break;
            memcpy(buf + len, frag[f], fl);
            len += fl;
        }
        int y = yara_hits(r, buf, len);
        int p = needs(pf, s, buf, len);
        hits += y > 0;
        skipped += !p;
        bad += y != 0 && !p;
    }
    CHECK(bad == 0);
    CHECK(hits > 50 && skipped > 50); /* the random corpus has both */
    pc_prefilter_scratch_free(s);
    pc_rules_free(r);
}

/* The gate sets (bits: $a 1, $b 2, $c1 4, $c2 8; $a and $c2 are 3-byte
 * literals, $b a 2-byte hex string, $c1 one byte): one conjunct of an
 * `and` (the one least likely to match), the union of an `or`'s
 * branches, one string for "all of", and for "N of" strings enough that
 * those left out are named fewer than N times. */
static void test_gate_sets(void)
{
    static const struct {
        const char *cond;
        unsigned mask; /* 0: any one of $a and $c2 (equally long) */
    } cases[] = {
        {"$a", 1},
        {"$a and filesize < 100", 1},
        {"$a and $b", 1},
        {"$b and $c1", 2},
        {"$c1 and ($a or $b)", 3},
        {"$c1 and $b and ($a or $b)", 2},
        {"not $a and $b", 2},
        {"($a or $b) and filesize > 0", 3},
        {"$a or $b or 2 of them", 11},
        {"any of them", 15},
        {"1 of ($a, $c*)", 13},
        {"all of them", 0},
        {"all of ($b, $c1)", 2},
        {"all of ($c*)", 8},
        {"2 of them", 11},
        {"3 of them and not $b", 9},
        {"4 of them", 0},
        {"9 of them", 0},
        {"2 of ($a, $a, $b)", 1},
        {"2 of ($c1, $c1, $c1, $a)", 4},
        {"#c1 >= 2", 4},
        {"#c1 > 0 and $b at 0", 2},
        {"($a or (any of ($c*) and other)) and true", 13},
        {"uint32be(0) == 0x7f454c46 and 2 of them", 11},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        unsigned mask = 99;
        int g = gated_mask(cases[i].cond, &mask);
        int ok = g == 1 && (cases[i].mask ? mask == cases[i].mask : mask == 1 || mask == 8);
        if (!ok)
            fprintf(stderr, "gate set of %s: %d, mask %u (want %u)\n", cases[i].cond, g, mask,
                    cases[i].mask);
        CHECK(ok);
    }
    unsigned mask;
    CHECK(gated_mask("2 of ($a, $zz)", &mask) == 0); /* a string the rule does not have */
    CHECK(gated_mask("#zz > 0", &mask) == 0);
    CHECK(gated_mask("$zz", &mask) == 0);
}

/* YARA itself against the gate sets: for every gated condition of the
 * classifier's list and more, the rule compiled with its prefilter, and
 * buffers holding each subset of the four strings (once, twice, and in
 * two orders): whenever YARA matches, the prefilter must say "scan". */
static void test_gate_oracle(void)
{
    static const char *const conds[] = {
        "$a",
        "$a and $b",
        "$b and $c1",
        "$c1 and ($a or $b)",
        "$c1 and $b and ($a or $b)",
        "not $a and $b",
        "($a or $b) and filesize > 0",
        "$a or $b or 2 of them",
        "any of them",
        "1 of ($a, $c*)",
        "all of them",
        "all of ($b, $c1)",
        "all of ($c*)",
        "2 of them",
        "3 of them and not $b",
        "3 of them",
        "4 of them",
        "2 of ($a, $a, $b)",
        "2 of ($c1, $c1, $c1, $a)",
        "3 of ($c1, $c1, $b, $a)",
        "#c1 >= 2",
        "#c1 > 1 and $a",
        "#c1 > 0 and $b at 0",
        "$a at 0 and $c2",
        "$a in (0..10) and all of ($b, $c*)",
        "($a or (any of ($c*) and other)) and true",
        "uint32be(0) != 0x41414141 and 2 of them",
    };
    static const struct {
        const char *p;
        size_t len;
    } piece[4] = {{"aaa", 3}, {"AB", 2}, {"c", 1}, {"c\0\"\0002\0", 6}};
    int matched = 0, skipped = 0, bad = 0;
    for (size_t i = 0; i < sizeof conds / sizeof *conds; i++) {
        char src[2048], cond[512];
        /* libyara refuses a string no condition names: name them all in a
         * conjunct that is always true (and gates nothing) */
        snprintf(cond, sizeof cond, "(%s) and (filesize >= 0 or any of them)", conds[i]);
        cond_rule(src, sizeof src, cond, 1);
        pc_rules *r = compile(src);
        CHECK(r != NULL);
        if (!r)
            continue;
        const pc_prefilter *pf = pc_rules_prefilter(r);
        CHECK(pc_prefilter_active(pf));
        pc_prefilter_scratch *s = pc_prefilter_scratch_new(pf);
        CHECK(s != NULL);
        for (unsigned set = 0; s && set < 16; set++)
            for (int rep = 1; rep <= 2; rep++)
                for (int rev = 0; rev < 2; rev++) {
                    unsigned char buf[64];
                    size_t len = 0;
                    for (int j = 0; j < 4; j++) {
                        int k = rev ? 3 - j : j;
                        for (int t = 0; t < rep && set & (1u << k); t++) {
                            memcpy(buf + len, piece[k].p, piece[k].len);
                            len += piece[k].len;
                            buf[len++] = '.';
                        }
                    }
                    buf[len++] = '.';
                    int y = yara_hits(r, buf, len);
                    int p = needs(pf, s, buf, len);
                    matched += y > 0;
                    skipped += !p;
                    if (y != 0 && !p) {
                        fprintf(stderr, "gate of %s: YARA matches set %u x%d%s, prefilter skips\n",
                                conds[i], set, rep, rev ? " reversed" : "");
                        bad++;
                    }
                }
        pc_prefilter_scratch_free(s);
        pc_rules_free(r);
    }
    CHECK(bad == 0);
    CHECK(matched > 300 && skipped > 300); /* neither side is empty */
}

/* The heads a rule can match: ELF 1, "#!" 2, other 4. */
static void test_heads(void)
{
    static const struct {
        const char *cond;
        unsigned heads;
    } cases[] = {
        {"$a", 7},
        {"uint32be(0) == 0x7f454c46 and $a", 1},
        {"uint32be(0) == 0x7F454C46 and $a", 1},
        {"uint32(0) == 0x464c457f and $a", 1},
        {"uint32be(0) != 0x7f454c46 and $a", 6},
        {"uint16(0) == 0x2123 and $a", 2},
        {"uint16be(0) == 0x2321 and $a", 2},
        {"uint16(0) != 0x2123 and $a", 5},
        {"uint16(0) == 0x2123 and uint32be(0) != 0x7f454c46 and $a", 2},
        {"uint32be(0) == 0x7f454c46 and $a or uint16(0) == 0x2123 and $b", 3},
        {"(uint32be(0) == 0x7f454c46 or uint16(0) == 0x2123) and $a", 3},
        {"uint32be(0) == 0x7f454c46 and (uint16(0) == 0x2123 and $a)", 0},
        {"uint32be(0) == 0x7f454c46 or $a", 7},
        {"not uint32be(0) == 0x7f454c46 and $a", 7},
        {"uint32be(0) == 0x7f454c46 + 0 and $a", 7},
        {"uint32be(1) == 0x7f454c46 and $a", 7},
        {"uint32be(0) >= 0x7f454c46 and $a", 7},
        {"uint32le(0) == 0x7f454c46 and $a", 7},
        {"uint32be(0) == 0x464c457f and $a", 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ys_file f;
        const ys_rule *rule = cond_parsed(cases[i].cond, &f);
        unsigned h = rule ? pc_yaracond_heads(rule) : 99;
        if (h != cases[i].heads)
            fprintf(stderr, "heads of %s: %u (want %u)\n", cases[i].cond, h, cases[i].heads);
        CHECK(h == cases[i].heads);
        if (rule)
            pc_yarasrc_free(&f);
    }
    CHECK(pc_prefilter_head((const unsigned char *)"\x7f"
                                                   "ELF",
                            4) == 0);
    CHECK(pc_prefilter_head((const unsigned char *)"\x7f"
                                                   "EL",
                            3) == 1);
    CHECK(pc_prefilter_head((const unsigned char *)"#!", 2) == 1);
    CHECK(pc_prefilter_head((const unsigned char *)"", 0) == 1);

    /* YARA against the per-head databases: buffers of every head (short
     * ones too) holding each subset of the strings */
    const char *rules =
        "rule h_elf { strings: $a = \"alpha\" $b = \"beta\" condition: uint32be(0) == "
        "0x7f454c46 and $a and $b }\n"
        "rule h_notelf { strings: $a = \"gamma\" condition: uint32be(0) != 0x7f454c46 and $a }\n"
        "rule h_script { strings: $a = \"delta\" condition: uint16(0) == 0x2123 and #a > 1 }\n"
        "rule h_either { strings: $a = \"eps\" condition: (uint32(0) == 0x464c457f or uint16be(0) "
        "== 0x2321) and $a }\n";
    pc_rules *r = compile(rules);
    CHECK(r != NULL);
    if (!r)
        return;
    const pc_prefilter *pf = pc_rules_prefilter(r);
    CHECK_STR(pc_prefilter_status(pf),
              "on: 4 rules, 5 patterns (files 4; in blocks: ELF 3, other 3)");
    pc_prefilter_scratch *s = pc_prefilter_scratch_new(pf);
    CHECK(s != NULL);
    static const char *const heads[] = {"\x7f"
                                        "ELF",
                                        "#!",
                                        "#!/bin/sh\n",
                                        "\x7f"
                                        "EL",
                                        "#",
                                        "MZ"};
    static const char *const words[] = {"alpha", "beta", "gamma", "delta", "eps"};
    int matched = 0, skipped = 0, bad = 0;
    for (size_t h = 0; s && h < sizeof heads / sizeof *heads; h++)
        for (unsigned set = 0; set < 32; set++)
            for (int rep = 1; rep <= 2; rep++) {
                unsigned char buf[128];
                size_t len = strlen(heads[h]);
                memcpy(buf, heads[h], len);
                for (int w = 0; w < 5; w++)
                    for (int t = 0; t < rep && set & (1u << w); t++) {
                        buf[len++] = ' ';
                        memcpy(buf + len, words[w], strlen(words[w]));
                        len += strlen(words[w]);
                    }
                size_t cuts[] = {len, 3, 2, 1}; /* and the head cut short */
                for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
                    size_t cut = cuts[c] < len ? cuts[c] : len;
                    int y = yara_hits(r, buf, cut);
                    int p = needs(pf, s, buf, cut);
                    matched += y > 0;
                    skipped += !p;
                    if (y != 0 && !p) {
                        fprintf(stderr,
                                "heads: YARA matches head %zu set %u x%d (%zu bytes), "
                                "prefilter skips\n",
                                h, set, rep, cut);
                        bad++;
                    }
                }
            }
    CHECK(bad == 0);
    CHECK(matched > 20 && skipped > 100);
    /* an ELF file with a script rule's string, a script with a program
     * rule's: skipped */
    CHECK(needs(pf, s,
                (const unsigned char *)"\x7f"
                                       "ELF gamma delta delta",
                21) == 0);
    CHECK(needs(pf, s, (const unsigned char *)"#! alpha beta", 13) == 0);
    CHECK(needs(pf, s, (const unsigned char *)"MZ alpha beta", 13) == 0);
    CHECK(needs(pf, s, (const unsigned char *)"MZ gamma", 8) == 1);
    /* a block is looked at for every string of the rules its file can
     * match: beta alone must reach YARA when alpha is in another block */
    CHECK(needs(pf, s,
                (const unsigned char *)"\x7f"
                                       "ELF beta",
                9) == 0);
    CHECK(pc_prefilter_needs_scan(pf, s, 0, 1, (const unsigned char *)" beta ", 6) == 1);
    CHECK(pc_prefilter_needs_scan(pf, s, 0, 1, (const unsigned char *)" gamma ", 7) == 0);
    CHECK(pc_prefilter_needs_scan(pf, s, 1, 1, (const unsigned char *)" gamma ", 7) == 1);
    CHECK(pc_prefilter_needs_scan(pf, s, 1, 1, (const unsigned char *)" beta ", 6) == 0);
    /* the saved form loads back the same */
    unsigned char *saved = NULL;
    size_t slen = 0;
    CHECK(pc_prefilter_save(pf, &saved, &slen) == 0);
    pc_prefilter *back = saved ? pc_prefilter_load(saved, slen) : NULL;
    CHECK(back != NULL);
    if (back) {
        CHECK_STR(pc_prefilter_status(back), pc_prefilter_status(pf));
        pc_prefilter_scratch *bs = pc_prefilter_scratch_new(back);
        CHECK(bs && needs(back, bs, (const unsigned char *)"MZ gamma", 8) == 1);
        CHECK(bs && needs(back, bs, (const unsigned char *)"MZ alpha", 8) == 0);
        pc_prefilter_scratch_free(bs);
        pc_prefilter_free(back);
    }
    for (size_t cut = 0; saved && cut < slen; cut += 1 + cut / 8) /* cut short: refused */
        CHECK(pc_prefilter_load(saved, cut) == NULL);
    free(saved);
    pc_prefilter_scratch_free(s);
    pc_rules_free(r);
}

/* Repeats as vectorscan gets them: bounds up to 16 kept, a larger upper
 * bound dropped ({n,m} -> {n,}: a superset). */
static void test_repeat_bounds(void)
{
    static const struct {
        const char *yara, *hs;
    } cases[] = {
        {"a{3}", "\\x61{3}"},        {"a{2,}", "\\x61{2,}"},  {"a{,16}", "\\x61{0,16}"},
        {"a{1,16}", "\\x61{1,16}"},  {"a{,17}", "\\x61{0,}"}, {"[^b]{0,80}", "[^\\x62]{0,}"},
        {"a{40,253}", "\\x61{40,}"}, {"a{20}", "\\x61{20}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ys_string str = {
            .kind = YS_REGEXP, .val = (unsigned char *)cases[i].yara, .len = strlen(cases[i].yara)};
        pf_expr out[2];
        size_t n = 0;
        const char *why = NULL;
        CHECK(pc_pf_string_exprs(&str, out, &n, &why) == 0 && n == 1);
        if (n == 1) {
            CHECK_STR(out[0].re, cases[i].hs);
            free(out[0].re);
        }
    }
}

/* The prefilter stays off for these sets, naming the reason. */
static void test_off(void)
{
    static const struct {
        const char *rules;
        const char *why;
    } off[] = {
        {"rule a { strings: $a = \"x\" condition: $a }\nrule b { condition: filesize > 0 }\n",
         "rule b: its condition can be true"},
        {"rule a { strings: $a = \"xyz\" xor condition: $a }\n", "xor and base64"},
        {"rule a { strings: $a = \"xyzxyz\" base64 condition: $a }\n", "xor and base64"},
        {"rule a { strings: $a = /xy+z/ wide condition: $a }\n", "wide regular"},
        {"rule a { strings: $a = /a\\Qb/ condition: $a }\n", "regular expression not understood"},
        {"global rule g { condition: filesize > 0 }\nrule a { strings: $a = \"x\" condition: $a "
         "}\n",
         "rule g: its condition"},
        {"rule a { strings: $a = \"x\" condition: $a }\nrule b { condition: a }\n", "rule b:"},
        {"rule a { strings: $a = \"x\" condition: $a or filepath contains \"x\" }\n", "rule a:"},
    };
    for (size_t i = 0; i < sizeof off / sizeof *off; i++) {
        pc_rules *r = compile(off[i].rules);
        CHECK(r != NULL);
        if (!r)
            continue;
        const pc_prefilter *pf = pc_rules_prefilter(r);
        CHECK(!pc_prefilter_active(pf));
        CHECK_CONTAINS(pc_prefilter_status(pf), off[i].why);
        CHECK(pc_prefilter_scratch_new(pf) == NULL);
        CHECK(needs(pf, NULL, (const unsigned char *)"q", 1) == 1);
        pc_rules_free(r);
    }
    /* a private rule need not be gated: it is never reported */
    pc_rules *r = compile("private rule p { condition: filesize > 0 }\n"
                          "global private rule gp { condition: filesize < 1000000 }\n"
                          "rule a { strings: $a = \"x\" condition: p and $a }\n");
    CHECK(r && pc_prefilter_active(pc_rules_prefilter(r)));
    pc_rules_free(r);
    /* the shipped rules are all gated */
    pc_err e = {{0}};
    r = NULL;
    CHECK(pc_rules_compile("rules", &r, NULL, &e) == 0);
    CHECK(r && pc_prefilter_active(pc_rules_prefilter(r)));
    if (r)
        CHECK_CONTAINS(pc_prefilter_status(pc_rules_prefilter(r)), "on: ");
    pc_rules_free(r);
}

/* Built in a child process (pc_prefilter_build) or here (pc_prefilter_new):
 * the same database, and the same status when it stays off. */
static void test_build_child(void)
{
    pc_err e = {{0}};
    pc_rules *r = NULL;
    CHECK(pc_rules_compile("rules", &r, NULL, &e) == 0);
    if (!r)
        return;
    char *data = NULL;
    size_t dlen = 0;
    FILE *f = open_memstream(&data, &dlen);
    CHECK(f != NULL);
    /* the shipped rules as one source, in the order they compile */
    FILE *ls = popen("ls rules/tools/*.yar | LC_ALL=C sort", "r");
    char path[512];
    while (f && ls && fgets(path, sizeof path, ls)) {
        path[strcspn(path, "\n")] = '\0';
        FILE *in = fopen(path, "r");
        int c;
        while (in && (c = fgetc(in)) != EOF)
            fputc(c, f);
        if (in)
            fclose(in);
    }
    if (ls)
        pclose(ls);
    if (f)
        fclose(f);
    pc_rules *one = data ? compile(data) : NULL; /* one file: the same rules */
    CHECK(one != NULL);
    if (one) {
        pc_pf_source src = {"t.yar", data, dlen};
        pc_prefilter *a = pc_prefilter_build(pc_rules_yr(one), &src, 1);
        pc_prefilter *b = pc_prefilter_new(pc_rules_yr(one), &src, 1);
        unsigned char *ab = NULL, *bb = NULL;
        size_t al = 0, bl = 0;
        CHECK(a && b && pc_prefilter_active(a) && pc_prefilter_active(b));
        CHECK(a && b && pc_prefilter_save(a, &ab, &al) == 0 && pc_prefilter_save(b, &bb, &bl) == 0);
        CHECK(ab && bb && al == bl && memcmp(ab, bb, al) == 0);
        YR_RULE *rule;
        size_t nrules = 0;
        yr_rules_foreach(pc_rules_yr(one), rule) nrules++;
        char want[64];
        snprintf(want, sizeof want, "on: %zu rules,", nrules);
        CHECK(nrules > 100); /* the shipped set, not an empty one */
        CHECK_CONTAINS(a ? pc_prefilter_status(a) : "", want);
        free(ab);
        free(bb);
        pc_prefilter_free(a);
        pc_prefilter_free(b);
        pc_rules_free(one);
    }
    free(data);
    pc_rules_free(r);
    /* off: the status comes back from the child */
    const char *offsrc = "rule a { strings: $a = \"x\" condition: $a }\n"
                         "rule b { condition: filesize > 0 }\n";
    pc_rules *o = compile(offsrc);
    CHECK(o != NULL);
    if (o) {
        pc_pf_source src = {"off.yar", offsrc, strlen(offsrc)};
        pc_prefilter *a = pc_prefilter_build(pc_rules_yr(o), &src, 1);
        pc_prefilter *b = pc_prefilter_new(pc_rules_yr(o), &src, 1);
        CHECK(a && b && !pc_prefilter_active(a) && !pc_prefilter_active(b));
        if (a && b)
            CHECK_STR(pc_prefilter_status(a), pc_prefilter_status(b));
        CHECK_CONTAINS(a ? pc_prefilter_status(a) : "", "off: off.yar:2: rule b: its condition");
        pc_prefilter_free(a);
        pc_prefilter_free(b);
        pc_rules_free(o);
    }
}

/* The compiled database is cached beside the compiled rules; a damaged
 * entry is a miss and the prefilter is built again. */
static void test_cache(void)
{
    char dir[] = "/tmp/pc-pfcache-XXXXXX", path[600];
    CHECK(mkdtemp(dir) != NULL);
    pc_rules *r = NULL;
    pc_err e = {{0}};
    for (int round = 0; round < 3; round++) {
        CHECK(pc_rules_compile_cached("rules", dir, 1, &r, &e) == 0);
        CHECK(r && pc_prefilter_active(pc_rules_prefilter(r)));
        if (r)
            CHECK_CONTAINS(pc_prefilter_status(pc_rules_prefilter(r)), "on: ");
        pc_prefilter_scratch *s = r ? pc_prefilter_scratch_new(pc_rules_prefilter(r)) : NULL;
        CHECK(s != NULL);
        const unsigned char elf[] = "\x7f"
                                    "ELF nothing here";
        CHECK(s && needs(pc_rules_prefilter(r), s, elf, sizeof elf - 1) == 0);
        pc_prefilter_scratch_free(s);
        char key[72];
        pc_prefilter_cache_key(pc_rules_digest(r), key);
        snprintf(path, sizeof path, "%s/rules/%s.hsdb", dir, key + 7);
        CHECK(access(path, F_OK) == 0);
        if (round == 1) { /* damage it: the next round must rebuild */
            FILE *f = fopen(path, "r+");
            if (f) {
                fseek(f, 300, SEEK_SET);
                fputc('X', f);
                fclose(f);
            }
        }
        pc_rules_free(r);
        r = NULL;
    }
    CHECK(pc_prefilter_load((const unsigned char *)"on: x", 5) == NULL);
    CHECK(pc_prefilter_load((const unsigned char *)"off: x\0zz", 9) == NULL);
    /* a profile with the prefilter off never builds it (nor reads its cache) */
    char empty[] = "/tmp/pc-pfcache-XXXXXX", epath[600];
    CHECK(mkdtemp(empty) != NULL);
    CHECK(pc_rules_compile_cached("rules", empty, 0, &r, &e) == 0);
    CHECK(r && pc_rules_prefilter(r) == NULL);
    if (r) {
        char key[72];
        pc_prefilter_cache_key(pc_rules_digest(r), key);
        snprintf(epath, sizeof epath, "%s/rules/%s.hsdb", empty, key + 7);
        CHECK(access(epath, F_OK) != 0);
    }
    pc_rules_free(r);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", empty);
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* Anchored strings (yaracond.h, pc_yaracond_anchor): a string every
 * mention of which is "$k at N" is looked for only where a match at N can
 * end. The classifier first, then the databases against YARA. */
static void test_anchor(void)
{
    static const struct {
        const char *cond;
        int anchored;
        uint64_t at;
    } cases[] = {
        {"$a at 8", 1, 8},
        {"$a at 0", 1, 0},
        {"$a at 8 and $b", 1, 8},
        {"($a at 8) or $b", 1, 8},
        {"$a at 8 or $a at 8", 1, 8},
        {"not $a at 8 and $b", 1, 8},
        {"$b at 8 and $a", 0, 0},
        {"$a", 0, 0},
        {"$a at 8 or $a at 9", 0, 0},
        {"$a at 8 and #a > 1", 0, 0},
        {"$a at 8 and @a[1] == 8", 0, 0},
        {"$a at 8 and !a[1] == 3", 0, 0},
        {"$a at 8 + 1", 0, 0},
        {"$a at 0x8", 0, 0},
        {"$a in (0..8)", 0, 0},
        {"$a at 8 and any of them", 0, 0},
        {"$a at 8 and any of ($a*)", 0, 0},
        {"$a at 8 and any of ($b, $a)", 0, 0},
        {"for any of ($a, $b) : ($ at 8)", 0, 0},
        {"$b at 8", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ys_file f;
        const ys_rule *rule = cond_parsed(cases[i].cond, &f);
        uint64_t at = 12345;
        int a = rule ? pc_yaracond_anchor(rule, 0, &at) : -1;
        if (a != cases[i].anchored || (a == 1 && at != cases[i].at))
            fprintf(stderr, "anchor of $a in %s: %d at %llu\n", cases[i].cond, a,
                    (unsigned long long)at);
        CHECK(a == cases[i].anchored && (a != 1 || at == cases[i].at));
        if (rule)
            pc_yarasrc_free(&f);
    }

    const char *rules =
        "rule an_elf { strings: $m = { 41 49 ( 01 | 02 ) } condition: uint32be(0) == "
        "0x7f454c46 and $m at 8 }\n"
        "rule an_text { strings: $t = \"TAG\" condition: $t at 100 }\n"
        "rule an_alt { strings: $h = { 2D 6C ( 68 | 7A ) ?? 2D } condition: $h at 2 and "
        "filesize > 20 }\n"
        "rule an_mixed { strings: $x = \"XYZ\" condition: $x at 4 or #x > 2 }\n"
        "rule an_far { strings: $z = \"FAR\" condition: $z at 5000 }\n"
        "rule an_var { strings: $v = { 56 ( 31 | 32 33 ) 57 } condition: $v at 20 }\n";
    pc_rules *r = compile(rules);
    const pc_prefilter *pf = r ? pc_rules_prefilter(r) : NULL;
    pc_prefilter_scratch *s = pf && pc_prefilter_active(pf) ? pc_prefilter_scratch_new(pf) : NULL;
    CHECK(s != NULL); /* compiled, the prefilter on, its scratch made */
    if (!s) {
        if (r)
            pc_rules_free(r);
        return;
    }
    /* every string at every place from 0 to 300 (and 4990 to 5010), in an
     * ELF file and in another: wherever YARA matches, the prefilter says
     * scan; where a string is away from its place, it says skip */
    static const struct {
        const char *bytes;
        size_t len;
    } put[] = {{"AI\x01", 3}, {"AI\x02", 3}, {"TAG", 3}, {"-lh5-", 5}, {"-lzx-", 5},
               {"XYZ", 3},    {"FAR", 3},    {"V1W", 3}, {"V23W", 4}};
    int bad = 0, matched = 0, skipped = 0, blockbad = 0;
    for (int elf = 0; elf < 2; elf++)
        for (size_t w = 0; w < sizeof put / sizeof *put; w++)
            for (size_t at = 0; at < 5020; at += at == 300 ? 4690 : 1) {
                static unsigned char buf[6000];
                memset(buf, '.', sizeof buf);
                if (elf)
                    memcpy(buf,
                           "\x7f"
                           "ELF",
                           4);
                if (at >= (elf ? 4u : 0u))
                    memcpy(buf + at, put[w].bytes, put[w].len);
                size_t len = at + put[w].len + 40;
                int y = yara_hits(r, buf, len);
                int p = needs(pf, s, buf, len);
                /* the same bytes as a file's first block */
                int pb = pc_prefilter_needs_scan(pf, s, pc_prefilter_head(buf, len), 1, buf, len);
                matched += y > 0;
                skipped += !p;
                if (y != 0 && !p) {
                    fprintf(stderr, "anchor: YARA matches %s at %zu (elf %d), prefilter skips\n",
                            put[w].bytes, at, elf);
                    bad++;
                }
                if (y != 0 && !pb) {
                    fprintf(stderr, "anchor: YARA matches %s at %zu (elf %d), block skipped\n",
                            put[w].bytes, at, elf);
                    blockbad++;
                }
            }
    CHECK(bad == 0);
    CHECK(blockbad == 0);
    CHECK(matched >= 6 && skipped > 1000);
    /* by hand: the AppImage magic at 8 of an ELF file, and away from it */
    unsigned char elfbuf[512];
    memset(elfbuf, 0, sizeof elfbuf);
    elfbuf[0] = 0x7f;
    memcpy(elfbuf + 1, "ELF", 3);
    memcpy(elfbuf + 300, "AI\x01", 3);
    CHECK(needs(pf, s, elfbuf, sizeof elfbuf) == 0);
    CHECK(pc_prefilter_needs_scan(pf, s, 0, 1, elfbuf, sizeof elfbuf) == 0);
    memcpy(elfbuf + 8, "AI\x02", 3);
    CHECK(yara_hits(r, elfbuf, sizeof elfbuf) == 1 && needs(pf, s, elfbuf, sizeof elfbuf) == 1);
    /* not anchored: a string also counted (#x) is looked for everywhere */
    CHECK(needs(pf, s, (const unsigned char *)"............XYZ.....", 20) == 1);
    /* nor one placed past PF_ANCHOR_MAX (a later block could hold it) */
    CHECK(pc_prefilter_needs_scan(pf, s, 1, 1, (const unsigned char *)"..FAR..", 7) == 1);
    pc_prefilter_scratch_free(s);
    pc_rules_free(r);
}

int main(void)
{
    test_classifier();
    test_source();
    if (yr_initialize() != ERROR_SUCCESS)
        return 1;
    test_conversion();
    test_gate_sets();
    test_gate_oracle();
    test_heads();
    test_anchor();
    test_repeat_bounds();
    test_off();
    test_build_child();
    test_cache();
    yr_finalize();
    TEST_MAIN_END();
}
