/*
 * fuzz_pkgdb.c — libFuzzer target: the package database parsers
 * (lib/layer/pkgdb.c). Input: a byte choosing the kind (dpkg status,
 * status.d stanza, apk installed), a byte choosing how the rest is cut,
 * then the database. Checked: the answer is the same whole and cut into
 * pieces (the walk feeds whatever the tar reader hands over); on success
 * every package has a name of printable ASCII without spaces and a
 * version no longer than the limit, and the count stays under
 * PC_PKGDB_MAX_PKGS; on failure the message names a line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "pkgdb.h"

static int parse_cut(pc_pkgdb_kind kind, const uint8_t *s, size_t n, size_t step, pc_arena *a,
                     pc_entry *ent, pc_err *e)
{
    pc_pkgdb *p = malloc(sizeof *p);
    if (!p)
        return -2;
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

static int word_ok(const char *s, int may_be_empty)
{
    if (!*s)
        return may_be_empty;
    if (strlen(s) > PC_PKGDB_MAX_VALUE)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const pc_pkgdb_kind kinds[] = {PC_PKGDB_DPKG, PC_PKGDB_DPKG_D, PC_PKGDB_APK};
    pc_pkgdb_kind kind = kinds[data[0] % 3];
    size_t step = 1 + data[1] % 64;
    /* an exact-size copy, so ASan sees any read past the end */
    uint8_t *buf = fz_memdup(data + 2, size - 2);
    if (!buf && size > 2)
        return 0;
    pc_arena a = {0};
    pc_entry whole, cut;
    pc_err e1 = {{0}}, e2 = {{0}};
    memset(&whole, 0, sizeof whole);
    int r1 = pc_pkgdb_parse(kind, buf, size - 2, &a, &whole, &e1);
    int r2 = parse_cut(kind, buf, size - 2, step, &a, &cut, &e2);
    if (r2 != -2) {
        FZ_CHECK(r1 == r2, "whole %d, cut by %zu %d (%s | %s)", r1, step, r2, e1.msg, e2.msg);
        if (r1 == 0) {
            FZ_CHECK(whole.pkgdb == kind && cut.pkgdb == kind, "kind");
            FZ_CHECK(whole.npkgs == cut.npkgs, "%u vs %u packages", whole.npkgs, cut.npkgs);
            FZ_CHECK(whole.npkgs <= PC_PKGDB_MAX_PKGS, "count");
            for (uint32_t i = 0; i < whole.npkgs && i < cut.npkgs; i++) {
                FZ_CHECK(word_ok(whole.pkgs[i].name, 0), "name");
                FZ_CHECK(word_ok(whole.pkgs[i].version, 1), "version");
                FZ_CHECK(!strcmp(whole.pkgs[i].name, cut.pkgs[i].name) &&
                             !strcmp(whole.pkgs[i].version, cut.pkgs[i].version),
                         "package %u differs", i);
            }
        } else if (r1 < 0 && !strstr(e1.msg, "out of memory")) {
            FZ_CHECK(strncmp(e1.msg, "line ", 5) == 0, "message without a line: %s", e1.msg);
            FZ_CHECK(strcmp(e1.msg, e2.msg) == 0, "messages differ: %s | %s", e1.msg, e2.msg);
        }
    }
    pc_arena_free(&a);
    free(buf);
    return 0;
}
