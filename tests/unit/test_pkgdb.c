/*
 * test_pkgdb.c — the package databases (layer/pkgdb.c): dpkg's status
 * (installed, held and half-installed stanzas counted, config-files and
 * not-installed ones not, continuation lines passed over, long
 * descriptions), distroless status.d stanzas, apk's installed database;
 * every malformed input refused with its line; the same answer however
 * the bytes are cut; the layer walk reading a database whoever else reads
 * the file (a visitor pulling part of it), refusing one over 64 MiB unread
 * and a truncated one; the cache codec's round trip of the packages and
 * its refusal of damaged ones; and the tool package lists (yara/toolpkgs.c).
 */
#include <stdlib.h>
#include <string.h>
#include "cache.h"
#include "layer.h"
#include "memstream.h"
#include "pkgdb.h"
#include "sha256.h"
#include "tarkit.h"
#include "testlib.h"
#include "toolcat.h"
#include "toolpkgs.h"
#include "pcx.h"

static const char DPKG[] = "Package: adduser\n"
                           "Status: install ok installed\n"
                           "Priority: important\n"
                           "Version: 3.134\n"
                           "Description: add and remove users and groups\n"
                           " This package includes the 'adduser' and 'deluser' commands.\n"
                           " .\n"
                           " More text.\n"
                           "\n"
                           "Package: nmap\n"
                           "status: hold ok installed\n"
                           "Version: 7.93+dfsg1-1\n"
                           "Conffiles:\n"
                           " /etc/nmap/x 0123\n"
                           "\n"
                           "\n"
                           "Package: hydra\n"
                           "Status: deinstall ok config-files\n"
                           "Version: 9.4-1\n"
                           "\n"
                           "Package: gone\n"
                           "Status: purge ok not-installed\n"
                           "\n"
                           "Package: half\n"
                           "Status: install reinstreq half-installed\n"
                           "Version: 1\n"
                           "\n"
                           "Package: nostatus\n"
                           "Version: 2\n"
                           "\n"
                           "Package: last\n"
                           "Status: install ok unpacked\n"
                           "Version: 1:2.0~rc1";

static int parse(pc_pkgdb_kind kind, const char *s, size_t n, pc_arena *a, pc_entry *ent, pc_err *e)
{
    memset(ent, 0, sizeof *ent);
    memset(e, 0, sizeof *e);
    return pc_pkgdb_parse(kind, s, n, a, ent, e);
}

/* The same bytes fed in pieces of `step`. */
static int parse_cut(pc_pkgdb_kind kind, const char *s, size_t n, size_t step, pc_arena *a,
                     pc_entry *ent, pc_err *e)
{
    pc_pkgdb *p = malloc(sizeof *p);
    memset(ent, 0, sizeof *ent);
    pc_pkgdb_begin(p, kind, a);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i += step)
        rc = pc_pkgdb_feed(p, s + i, n - i < step ? n - i : step, e);
    if (rc == 0)
        rc = pc_pkgdb_end(p, ent, e);
    pc_pkgdb_free(p);
    free(p);
    return rc;
}

static void check_dpkg_list(const pc_entry *ent)
{
    CHECK(ent->pkgdb == PC_PKGDB_DPKG);
    CHECK(ent->npkgs == 4);
    if (ent->npkgs != 4)
        return;
    CHECK_STR(ent->pkgs[0].name, "adduser");
    CHECK_STR(ent->pkgs[0].version, "3.134");
    CHECK_STR(ent->pkgs[1].name, "nmap");
    CHECK_STR(ent->pkgs[1].version, "7.93+dfsg1-1");
    CHECK_STR(ent->pkgs[2].name, "half");
    CHECK_STR(ent->pkgs[3].name, "last");
    CHECK_STR(ent->pkgs[3].version, "1:2.0~rc1");
}

static void test_dpkg(void)
{
    pc_arena a = {0};
    pc_entry ent;
    pc_err e;
    CHECK(parse(PC_PKGDB_DPKG, DPKG, strlen(DPKG), &a, &ent, &e) == 0);
    check_dpkg_list(&ent);
    static const size_t steps[] = {1, 2, 7, 64, 4096};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        CHECK(parse_cut(PC_PKGDB_DPKG, DPKG, strlen(DPKG), steps[i], &a, &ent, &e) == 0);
        check_dpkg_list(&ent);
    }
    /* empty file, blank lines only: a database listing nothing */
    CHECK(parse(PC_PKGDB_DPKG, "", 0, &a, &ent, &e) == 0);
    CHECK(ent.pkgdb == PC_PKGDB_DPKG && ent.npkgs == 0);
    CHECK(parse(PC_PKGDB_DPKG, "\n \n\t\n", 5, &a, &ent, &e) == 0);
    CHECK(ent.npkgs == 0);
    /* a long description line (over the kept line) is passed over */
    size_t big = 200000;
    char *s = malloc(big + 200);
    int k = snprintf(s, 200, "Package: nmap\nDescription: x");
    memset(s + k, 'y', big);
    k += (int)big;
    k += snprintf(s + k, 200, "\n %s\nStatus: install ok installed\nVersion: 1\n", "more");
    CHECK(parse(PC_PKGDB_DPKG, s, (size_t)k, &a, &ent, &e) == 0);
    CHECK(ent.npkgs == 1 && strcmp(ent.pkgs[0].name, "nmap") == 0);
    CHECK(parse_cut(PC_PKGDB_DPKG, s, (size_t)k, 333, &a, &ent, &e) == 0);
    CHECK(ent.npkgs == 1);
    /* but a name that long is refused */
    k = snprintf(s, 200, "Package: n");
    memset(s + k, 'n', 2000);
    k += 2000;
    k += snprintf(s + k, 200, "\nStatus: install ok installed\n");
    CHECK(parse(PC_PKGDB_DPKG, s, (size_t)k, &a, &ent, &e) < 0);
    CHECK_CONTAINS(e.msg, "line 1: ");
    free(s);
    pc_arena_free(&a);
}

static void test_dpkg_malformed(void)
{
    static const struct {
        const char *in, *msg;
    } bad[] = {
        {"Package: a\nStatus: install ok installed\nno colon here\n", "line 3: not a field"},
        {" continuation first\n", "line 1: a continuation line outside a field"},
        {"Package: a\n b\nStatus: install ok installed\n", "line 2: a Package, Version or Status"},
        {"Status: install ok installed\nVersion: 1\n\n", "line 3: a stanza without a Package"},
        {"Status: install ok installed\nVersion: 1", "a stanza without a Package"},
        {"Package: a\nPackage: b\n", "line 2: a field repeated"},
        {"Package: a\nStatus: install ok\n", "line 2: Status is not three words"},
        {"Package: a\nStatus: install ok sideways\n", "line 2: Status names an unknown"},
        {"Package: a b\nStatus: install ok installed\n", "line 1: a package name or version with"},
        {"Package: \nStatus: install ok installed\n", "line 1: an empty package name"},
        {": value\n", "line 1: not a field"},
        {"Pack age: a\n", "line 1: a field name with a space"},
    };
    pc_arena a = {0};
    pc_entry ent;
    pc_err e;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(parse(PC_PKGDB_DPKG, bad[i].in, strlen(bad[i].in), &a, &ent, &e) < 0);
        CHECK_CONTAINS(e.msg, bad[i].msg);
        CHECK(ent.pkgdb == PC_PKGDB_NONE); /* nothing given on failure */
    }
    static const char nul[] = "Package: a\nStatus: install ok installed\nX: a\0b\n";
    CHECK(parse(PC_PKGDB_DPKG, nul, sizeof nul - 1, &a, &ent, &e) < 0);
    CHECK_CONTAINS(e.msg, "line 3: a NUL byte");
    pc_arena_free(&a);
}

static void test_status_d(void)
{
    static const char one[] = "Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\n"
                              "Description: GNU C Library\n shared libraries\n";
    static const char off[] = "Package: x\nStatus: deinstall ok config-files\n";
    pc_arena a = {0};
    pc_entry ent;
    pc_err e;
    CHECK(pc_pkgdb_kind_of("var/lib/dpkg/status.d/libc6") == PC_PKGDB_DPKG_D);
    CHECK(pc_pkgdb_kind_of("var/lib/dpkg/status.d/libc6.md5sums") == PC_PKGDB_NONE);
    CHECK(pc_pkgdb_kind_of("var/lib/dpkg/status.d/a/b") == PC_PKGDB_NONE);
    CHECK(pc_pkgdb_kind_of("var/lib/dpkg/status.d/") == PC_PKGDB_NONE);
    CHECK(pc_pkgdb_kind_of("var/lib/dpkg/status-old") == PC_PKGDB_NONE);
    CHECK(pc_pkgdb_kind_of_abs("/var/lib/dpkg/status") == PC_PKGDB_DPKG);
    CHECK(pc_pkgdb_kind_of_abs("/lib/apk/db/installed") == PC_PKGDB_APK);
    CHECK(parse(PC_PKGDB_DPKG_D, one, strlen(one), &a, &ent, &e) == 0);
    CHECK(ent.pkgdb == PC_PKGDB_DPKG_D && ent.npkgs == 1);
    CHECK(ent.npkgs == 1 && strcmp(ent.pkgs[0].version, "2.36-9+deb12u4") == 0);
    CHECK(parse(PC_PKGDB_DPKG_D, off, strlen(off), &a, &ent, &e) == 0);
    CHECK(ent.npkgs == 0);
    /* in dpkg's own status file a stanza without Status is not installed */
    CHECK(parse(PC_PKGDB_DPKG, one, strlen(one), &a, &ent, &e) == 0);
    CHECK(ent.npkgs == 0);
    pc_arena_free(&a);
}

static void test_apk(void)
{
    static const char db[] = "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\n"
                             "T:the musl c library\nF:lib\nR:libc.musl-x86_64.so.1\n"
                             "Z:Q1def=\n\n"
                             "C:Q1ghi=\nP:nmap\nV:7.94-r0\nD:so:libc.musl-x86_64.so.1\n\n";
    pc_arena a = {0};
    pc_entry ent;
    pc_err e;
    CHECK(parse(PC_PKGDB_APK, db, strlen(db), &a, &ent, &e) == 0);
    CHECK(ent.pkgdb == PC_PKGDB_APK && ent.npkgs == 2);
    if (ent.npkgs == 2) {
        CHECK_STR(ent.pkgs[1].name, "nmap");
        CHECK_STR(ent.pkgs[1].version, "7.94-r0");
    }
    CHECK(parse_cut(PC_PKGDB_APK, db, strlen(db), 3, &a, &ent, &e) == 0);
    CHECK(ent.npkgs == 2);
    static const struct {
        const char *in, *msg;
    } bad[] = {
        {"P:a\nPackage: b\n", "line 2: not an apk field"},
        {"P:a\nP:b\n", "line 2: a field repeated"},
        {"V:1\nA:x86_64\n\n", "line 3: a record without a P:"},
        {"P:a\n:x\n", "line 2: not an apk field"},
        {"P:\n", "line 1: an empty package name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(parse(PC_PKGDB_APK, bad[i].in, strlen(bad[i].in), &a, &ent, &e) < 0);
        CHECK_CONTAINS(e.msg, bad[i].msg);
    }
    pc_arena_free(&a);
}

/* More packages than PC_PKGDB_MAX_PKGS: refused, never cut short. */
static void test_too_many(void)
{
    size_t n = PC_PKGDB_MAX_PKGS + 1, cap = n * 16 + 16, len = 0;
    char *s = malloc(cap);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "P:p%zu\n\n", i);
    pc_arena a = {0};
    pc_entry ent;
    pc_err e;
    CHECK(parse(PC_PKGDB_APK, s, len, &a, &ent, &e) < 0);
    CHECK_CONTAINS(e.msg, "more than 100000 installed packages");
    free(s);
    pc_arena_free(&a);
}

/* ---- through the layer walk ---- */

static pc_limits lim;
static _Atomic uint64_t files, bytes;

typedef struct partial {
    size_t upto;
} partial;

static uint64_t pv_want(void *ud, const pc_entry *ent)
{
    (void)ud;
    return ent->size ? 10 : 0;
}

/* Pulls `upto` bytes of the rest in odd pieces, then stops (as YARA may). */
static int pv_visit(void *ud, pc_layer_facts *f, pc_entry *ent, const unsigned char *head,
                    size_t headlen, pc_file_reader *rest, pc_err *e)
{
    partial *p = ud;
    unsigned char buf[7];
    size_t got = 0;
    ssize_t r;
    while (got < p->upto && (r = pc_file_read(rest, buf, sizeof buf)) > 0)
        got += (size_t)r;
    return 0;
}

static int walk(const unsigned char *blob, size_t n, const pc_file_visitor *v, pc_layer_facts *f,
                pc_err *e)
{
    pc_layer_desc ld = {.comp = PC_COMP_NONE};
    pc_walk_cfg w = {.limits = &lim, .files_total = &files, .bytes_total = &bytes, .visitor = v};
    ld.d.size = (int64_t)n;
    pc_sha256_digest(blob, n, ld.d.digest);
    files = bytes = 0;
    memset(e, 0, sizeof *e);
    mem_stream m;
    return pc_layer_walk(mem_stream_init(&m, blob, n, 1000), &ld, &w, f, e);
}

static const pc_entry *find(const pc_layer_facts *f, const char *path)
{
    for (size_t i = 0; i < f->nentries; i++)
        if (strcmp(f->entries[i].path, path) == 0)
            return &f->entries[i];
    return NULL;
}

static void test_walk(void)
{
    static unsigned char tar[1 << 16];
    pc_layer_facts f;
    pc_err e;
    pc_limits_default(&lim);
    size_t n = ustar_file(tar, "./var/lib/dpkg/status", 0644, DPKG, strlen(DPKG));
    n += ustar_file(tar + n, "var/lib/dpkg/status.d/nmap", 0644, "Package: nmap\nVersion: 7\n", 25);
    n += ustar_file(tar + n, "var/lib/dpkg/status.d/nmap.md5sums", 0644, "abc  usr/bin/nmap\n", 18);
    n += ustar_file(tar + n, "lib/apk/db/installed", 0755, "P:tor\nV:1\n", 10);
    n += ustar_file(tar + n, "etc/status", 0644, "junk", 4);
    memset(tar + n, 0, 1024);
    n += 1024;
    for (int pass = 0; pass < 3; pass++) {
        partial p = {pass == 1 ? 30 : 1 << 20};
        pc_file_visitor v = {pv_want, pv_visit, &p};
        CHECK(walk(tar, n, pass ? &v : NULL, &f, &e) == 0);
        const pc_entry *s = find(&f, "var/lib/dpkg/status");
        CHECK(s != NULL);
        if (s)
            check_dpkg_list(s);
        const pc_entry *d = find(&f, "var/lib/dpkg/status.d/nmap");
        CHECK(d && d->pkgdb == PC_PKGDB_DPKG_D && d->npkgs == 1);
        const pc_entry *m = find(&f, "var/lib/dpkg/status.d/nmap.md5sums");
        CHECK(m && m->pkgdb == PC_PKGDB_NONE);
        const pc_entry *k = find(&f, "lib/apk/db/installed");
        CHECK(k && k->pkgdb == PC_PKGDB_APK && k->npkgs == 1);
        CHECK(k && k->head != PC_HEAD_OTHER); /* executable: its head was read too */
        const pc_entry *o = find(&f, "etc/status");
        CHECK(o && o->pkgdb == PC_PKGDB_NONE);
        /* the cache codec keeps them */
        unsigned char *enc = NULL;
        size_t elen = 0;
        CHECK(pc_facts_encode(&f, &enc, &elen) == 0);
        pc_layer_facts g;
        pc_layer_facts_init(&g);
        CHECK(pc_facts_decode(enc, elen, &g) == 0);
        const pc_entry *gs = find(&g, "var/lib/dpkg/status");
        CHECK(gs != NULL);
        if (gs)
            check_dpkg_list(gs);
        const pc_entry *gm = find(&g, "var/lib/dpkg/status.d/nmap.md5sums");
        CHECK(gm && gm->pkgdb == PC_PKGDB_NONE);
        pc_layer_facts_free(&g);
        /* damaged: every truncation is refused */
        int refused = 1;
        for (size_t cut = 0; cut < elen; cut += 7) {
            pc_layer_facts_init(&g);
            if (pc_facts_decode(enc, cut, &g) == 0)
                refused = 0;
            pc_layer_facts_free(&g);
        }
        CHECK(refused);
        free(enc);
        pc_layer_facts_free(&f);
    }
}

/* The codec refuses a kind it does not know, a package list on a
 * non-file, a count the data cannot hold and an empty name. */
static void test_codec_bad(void)
{
    pc_layer_facts f;
    pc_layer_facts_init(&f);
    pc_entry *x = pc_layer_facts_add(&f);
    x->path = "var/lib/dpkg/status";
    x->type = PC_E_REG;
    x->pkgdb = PC_PKGDB_DPKG;
    pc_pkg p = {"nmap", "7"};
    x->pkgs = &p;
    x->npkgs = 1;
    unsigned char *enc = NULL;
    size_t len = 0;
    CHECK(pc_facts_encode(&f, &enc, &len) == 0);
    /* the entry ends: u8 kind, u32 count, "nmap" (4+4), "7" (4+1); then codec and diff id */
    size_t diff = 1 + 4 + strlen(f.diff_id);
    size_t kind_at = len - diff - (1 + 4 + 8 + 5);
    pc_layer_facts g;
    pc_layer_facts_init(&g);
    CHECK(pc_facts_decode(enc, len, &g) == 0);
    CHECK(g.nentries == 1 && g.entries[0].npkgs == 1 &&
          strcmp(g.entries[0].pkgs[0].name, "nmap") == 0);
    pc_layer_facts_free(&g);
    unsigned char *c = malloc(len);
    struct {
        size_t off;
        unsigned char v;
    } flips[] = {
        {kind_at, PC_PKGDB_LAST + 1}, {kind_at + 4, 0x7f}, {kind_at + 5, 0}, {kind_at + 1, 0xff}};
    for (size_t i = 0; i < sizeof flips / sizeof *flips; i++) {
        memcpy(c, enc, len);
        c[flips[i].off] = flips[i].v;
        if (flips[i].off == kind_at + 5) { /* name length 0 ("") */
            c[kind_at + 5] = 0;
        }
        pc_layer_facts_init(&g);
        CHECK(pc_facts_decode(c, len, &g) < 0);
        pc_layer_facts_free(&g);
    }
    memcpy(c, enc, len);
    c[0 + 8 + 8] = PC_E_DIR; /* the entry's type: a directory with packages */
    pc_layer_facts_init(&g);
    CHECK(pc_facts_decode(c, len, &g) < 0);
    pc_layer_facts_free(&g);
    free(c);
    free(enc);
    f.entries[0].pkgs = NULL;
    pc_layer_facts_free(&f);
}

static void test_walk_refused(void)
{
    static unsigned char tar[1 << 14];
    pc_layer_facts f;
    pc_err e;
    pc_limits_default(&lim);
    /* over 64 MiB: refused from its header, before a byte is read */
    size_t n = ustar_file(tar, "var/lib/dpkg/status", 0644, "x", 1);
    snprintf((char *)tar + 124, 12, "%011lo", (unsigned long)PC_PKGDB_MAX_BYTES + 1);
    ustar_checksum(tar);
    memset(tar + n, 0, 1024);
    CHECK(walk(tar, n + 1024, NULL, &f, &e) < 0);
    CHECK_CONTAINS(e.msg, "var/lib/dpkg/status: package database of 67108865 bytes is over");
    /* malformed: the layer fails, naming the file and the line */
    n = ustar_file(tar, "lib/apk/db/installed", 0644, "P:a\nbogus\n", 10);
    memset(tar + n, 0, 1024);
    CHECK(walk(tar, n + 1024, NULL, &f, &e) < 0);
    CHECK_CONTAINS(e.msg, "lib/apk/db/installed: package database: line 2: not an apk field");
    /* truncated: the tar ends inside the database */
    n = ustar_file(tar, "var/lib/dpkg/status", 0644, DPKG, strlen(DPKG));
    CHECK(walk(tar, 512 + 100, NULL, &f, &e) < 0);
    CHECK(e.msg[0] != 0);
}

/* ---- the tool package lists ---- */

static void test_toolpkgs(void)
{
    pc_toolpkgs *t = pc_toolpkgs_new();
    pc_err e = {{0}};
    static const char deb[] = "# comment\n\nnmap\tscanner\thigh\tcurated: port scanner\n"
                              "tcpdump\tsniffer\tmedium\tdebtags network::scanner\n";
    static const char alp[] = "nmap-ncat\trelay\thigh\tcurated: ncat\n";
    CHECK(pc_toolpkgs_add(t, "packages/debian.tsv", "D", deb, strlen(deb), &e) == 0);
    CHECK(pc_toolpkgs_add(t, "packages/alpine.tsv", "A", alp, strlen(alp), &e) == 0);
    pc_toolpkgs_done(t);
    CHECK(pc_toolpkgs_count(t) == 3 && pc_toolpkgs_files(t) == 2);
    const pc_toolpkg *k = pc_toolpkgs_find(t, PC_PKGDB_DPKG_D, "tcpdump");
    CHECK(k && strcmp(k->category, "sniffer") == 0 && strcmp(k->severity, "medium") == 0);
    CHECK(pc_toolpkgs_find(t, PC_PKGDB_DPKG, "nmap") != NULL);
    CHECK(pc_toolpkgs_find(t, PC_PKGDB_APK, "nmap") == NULL); /* not in alpine.tsv */
    CHECK(pc_toolpkgs_find(t, PC_PKGDB_APK, "nmap-ncat") != NULL);
    CHECK(pc_toolpkgs_find(t, PC_PKGDB_DPKG, "curl") == NULL);
    pc_toolpkgs_free(t);
    /* the lists of what a run installs: names as the package manager takes them */
    t = pc_toolpkgs_new();
    static const char py[] = "impacket\texploitation\thigh\tx\ncertipy-ad\texploitation\thigh\tx\n";
    static const char go[] = "github.com/ffuf/ffuf\tweb-attack\thigh\tx\n";
    static const char crate[] = "rustscan\tscanner\thigh\tx\nfox-bin\tscanner\thigh\tx\n";
    static const char gem[] = "evil-winrm\texploitation\thigh\tx\n";
    CHECK(pc_toolpkgs_add(t, "packages/pypi.tsv", "P", py, strlen(py), &e) == 0);
    CHECK(pc_toolpkgs_add(t, "packages/go.tsv", "G", go, strlen(go), &e) == 0);
    CHECK(pc_toolpkgs_add(t, "packages/cargo.tsv", "C", crate, strlen(crate), &e) == 0);
    CHECK(pc_toolpkgs_add(t, "packages/rubygems.tsv", "R", gem, strlen(gem), &e) == 0);
    pc_toolpkgs_done(t);
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_PYPI, "Impacket") != NULL);
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_PYPI, "certipy_ad") != NULL);   /* PEP 503 */
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_PYPI, "Certipy.-_AD") != NULL); /* a run is one - */
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_PYPI, "impacket2") == NULL);
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_CARGO, "fox_bin") != NULL);
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_CARGO, "rust-scan") == NULL);
    const pc_toolpkg *g = pc_toolpkgs_find_in(t, PC_TOOLPKG_GO, "github.com/ffuf/ffuf/v2");
    CHECK(g && strcmp(g->name, "github.com/ffuf/ffuf") == 0); /* a path below the module */
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_GO, "github.com/ffuf") == NULL);
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_GO, "github.com/ffuf/ffufx") == NULL);
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_RUBYGEMS, "evil-winrm") != NULL);
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_PYPI, "evil-winrm") == NULL); /* another list */
    CHECK(pc_toolpkgs_find(t, PC_PKGDB_DPKG, "impacket") == NULL);
    static const char rpm[] = "nmap-ncat\trelay\thigh\tx\nlibstdc++-devel\trelay\tlow\ty\n";
    CHECK(pc_toolpkgs_add(t, "packages/rpm.tsv", "M", rpm, strlen(rpm), &e) == 0);
    pc_toolpkgs_done(t);
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_RPM, "nmap-ncat") != NULL);
    CHECK(pc_toolpkgs_find_in(t, PC_TOOLPKG_RPM, "libstdc++-devel") != NULL);
    CHECK(pc_toolpkgs_find(t, PC_PKGDB_DPKG, "nmap-ncat") == NULL);
    pc_toolpkgs_free(t);
    static const struct {
        const char *rel, *in, *msg;
    } bad[] = {
        {"packages/debian.tsv", "nmap\tscanner\thigh\n", "F:1: expected four"},
        {"packages/debian.tsv", "#\nnmap\tscanner\thigh\tx\textra\n", "F:2: more than four"},
        {"packages/debian.tsv", "Nmap\tscanner\thigh\tx\n", "F:1: the package is not"},
        {"packages/debian.tsv", "nmap\tscaner\thigh\tx\n", "F:1: unknown category"},
        {"packages/debian.tsv", "nmap\tscanner\tHIGH\tx\n", "F:1: the severity"},
        {"packages/debian.tsv", "nmap\tscanner\thigh\t\n", "F:1: the why column"},
        {"packages/debian.tsv", "nmap\tscanner\thigh\tx\r\n", "F:1: the why column"},
        {"packages/debian.tsv", "a\tscanner\thigh\tx\na\trelay\tlow\ty\n",
         "F:2: package a is listed twice"},
        {"packages/redhat.tsv", "a\tscanner\thigh\tx\n", "F:0: not a package list"},
        {"packages/pypi.tsv", "Impacket\texploitation\thigh\tx\n",
         "F:1: the package is not a normalised PyPI"},
        {"packages/pypi.tsv", "a--b\texploitation\thigh\tx\n",
         "F:1: the package is not a normalised PyPI"},
        {"packages/cargo.tsv", "rust_scan\tscanner\thigh\tx\n",
         "F:1: the package is not a normalised crate"},
        {"packages/go.tsv", "ffuf\tweb-attack\thigh\tx\n",
         "F:1: the package is not a Go module path"},
        {"packages/go.tsv", "github.com/ffuf/\tweb-attack\thigh\tx\n",
         "F:1: the package is not a Go module path"},
        {"packages/rubygems.tsv", "-x\texploitation\thigh\tx\n",
         "F:1: the package is not a gem name"},
        {"packages/rpm.tsv", "nmap ncat\trelay\thigh\tx\n", "F:1: the package is not an RPM name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        t = pc_toolpkgs_new();
        CHECK(pc_toolpkgs_add(t, bad[i].rel, "F", bad[i].in, strlen(bad[i].in), &e) < 0);
        CHECK_CONTAINS(e.msg, bad[i].msg);
        pc_toolpkgs_free(t);
    }
    CHECK(pc_toolpkgs_is_list("packages/debian.tsv"));
    CHECK(!pc_toolpkgs_is_list("packages/sub/debian.tsv"));
    CHECK(!pc_toolpkgs_is_list("tools/debian.tsv"));
    CHECK(pc_toolpkg_category_ok("packet-capture") && !pc_toolpkg_category_ok("virus"));
    /* the lists name the categories findings and policies know (toolcat.c), "other" aside */
    int all = 1;
    for (int i = 0; i < PC_TOOLCAT_COUNT; i++)
        if (pc_toolpkg_category_ok(pc_tool_categories[i]) !=
            (strcmp(pc_tool_categories[i], "other") != 0 &&
             strcmp(pc_tool_categories[i], "opaque") != 0))
            all = 0;
    CHECK(all);
}

int main(void)
{
    test_dpkg();
    test_dpkg_malformed();
    test_status_d();
    test_apk();
    test_too_many();
    test_walk();
    test_codec_bad();
    test_walk_refused();
    test_toolpkgs();
    TEST_MAIN_END();
}
