/*
 * pkgdb.c — dpkg's status file, distroless's status.d stanzas and apk's
 * installed database, read line by line as the bytes arrive (pkgdb.h).
 * Only the leading PC_PKGDB_LINE bytes of a line are kept: enough to know
 * its field, and every field read (Package, Version, Status; P:, V:) must
 * fit; the rest of a longer line (a long Description) is passed over.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "layer/pkgdb.h"

enum { KEY_OTHER = 0, KEY_NAME = 1, KEY_VERSION = 2, KEY_STATUS = 4 };

#define DPKG_STATUS "var/lib/dpkg/status"
#define DPKG_DIR "var/lib/dpkg/status.d/"
#define APK_DB "lib/apk/db/installed"

pc_pkgdb_kind pc_pkgdb_kind_of(const char *path)
{
    if (strcmp(path, DPKG_STATUS) == 0)
        return PC_PKGDB_DPKG;
    if (strcmp(path, APK_DB) == 0)
        return PC_PKGDB_APK;
    if (strncmp(path, DPKG_DIR, sizeof DPKG_DIR - 1) == 0) {
        const char *b = path + sizeof DPKG_DIR - 1;
        size_t n = strlen(b);
        if (n == 0 || strchr(b, '/'))
            return PC_PKGDB_NONE;
        if (n >= 8 && strcmp(b + n - 8, ".md5sums") == 0)
            return PC_PKGDB_NONE; /* the package's file list, not a stanza */
        return PC_PKGDB_DPKG_D;
    }
    return PC_PKGDB_NONE;
}

pc_pkgdb_kind pc_pkgdb_kind_of_abs(const char *path)
{
    while (*path == '/')
        path++;
    return pc_pkgdb_kind_of(path);
}

const char *pc_pkgdb_tool(pc_pkgdb_kind kind)
{
    return kind == PC_PKGDB_APK ? "apk" : "dpkg";
}

static void stanza_reset(pc_pkgdb *p)
{
    p->nfields = 0;
    p->last_key = KEY_OTHER;
    p->have = 0;
    p->present = p->kind != PC_PKGDB_DPKG; /* status.d and apk: installed unless said */
    p->name[0] = p->version[0] = 0;
}

void pc_pkgdb_begin(pc_pkgdb *p, pc_pkgdb_kind kind, pc_arena *arena)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->arena = arena;
    stanza_reset(p);
}

void pc_pkgdb_free(pc_pkgdb *p)
{
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

static int fail(pc_pkgdb *p, pc_err *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(pc_pkgdb *p, pc_err *e, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    p->failed = 1;
    return pc_err_set(e, "line %llu: %s", (unsigned long long)p->line, what);
}

/* A stanza ended (blank line or end of file): record its package. */
static int stanza_done(pc_pkgdb *p, pc_err *e)
{
    if (p->nfields == 0)
        return 0;
    if (!(p->have & KEY_NAME))
        return fail(p, e,
                    p->kind == PC_PKGDB_APK ? "a record without a P: (package name) field ends here"
                                            : "a stanza without a Package field ends here");
    if (p->present) {
        if (p->n >= PC_PKGDB_MAX_PKGS)
            return fail(p, e, "more than %u installed packages", PC_PKGDB_MAX_PKGS);
        if (pc_grow((void **)&p->v, &p->cap, p->n + 1, sizeof *p->v) < 0)
            return fail(p, e, "out of memory");
        pc_pkg *k = &p->v[p->n];
        k->name = pc_arena_strdup(p->arena, p->name);
        k->version = pc_arena_strdup(p->arena, p->version);
        if (!k->name || !k->version)
            return fail(p, e, "out of memory");
        p->n++;
    }
    stanza_reset(p);
    return 0;
}

/* dpkg's Status: "WANT FLAG STATUS"; whether the package's files are on disk. */
static int read_status(pc_pkgdb *p, const char *v, pc_err *e)
{
    static const char *const on_disk[] = {
        "installed",        "unpacked", "half-configured", "half-installed", "triggers-awaited",
        "triggers-pending", NULL};
    static const char *const off_disk[] = {"config-files", "not-installed", NULL};
    const char *s1 = strchr(v, ' ');
    const char *s2 = s1 ? strchr(s1 + 1, ' ') : NULL;
    if (!s1 || !s2 || strchr(s2 + 1, ' ') || s1 == v || s2 == s1 + 1)
        return fail(p, e, "Status is not three words (want, flag, status)");
    for (int i = 0; on_disk[i]; i++)
        if (strcmp(s2 + 1, on_disk[i]) == 0) {
            p->present = 1;
            return 0;
        }
    for (int i = 0; off_disk[i]; i++)
        if (strcmp(s2 + 1, off_disk[i]) == 0) {
            p->present = 0;
            return 0;
        }
    return fail(p, e, "Status names an unknown package state");
}

/* A value read: one word of printable ASCII (names and versions), or
 * printable text (Status), no longer than PC_PKGDB_MAX_VALUE. */
static int store(pc_pkgdb *p, int key, const char *v, size_t n, pc_err *e)
{
    if (p->have & key)
        return fail(p, e, "a field repeated within one stanza");
    p->have |= key;
    p->last_key = key;
    if (p->overlong || n > PC_PKGDB_MAX_VALUE)
        return fail(p, e, "a package name, version or status over %d bytes", PC_PKGDB_MAX_VALUE);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c > 0x7e || (c == ' ' && key != KEY_STATUS))
            return fail(p, e, "a package name or version with a space or a control byte");
    }
    if (n == 0 && key != KEY_VERSION)
        return fail(p, e, "an empty package name or status");
    char tmp[PC_PKGDB_MAX_VALUE + 1];
    memcpy(tmp, v, n);
    tmp[n] = 0;
    if (key == KEY_NAME)
        memcpy(p->name, tmp, n + 1);
    else if (key == KEY_VERSION)
        memcpy(p->version, tmp, n + 1);
    else
        return read_status(p, tmp, e);
    return 0;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static void trim(const char **v, size_t *n)
{
    while (*n && (**v == ' ' || **v == '\t')) {
        (*v)++;
        (*n)--;
    }
    while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t'))
        (*n)--;
}

static int dpkg_line(pc_pkgdb *p, pc_err *e)
{
    const char *s = p->buf;
    if (s[0] == ' ' || s[0] == '\t') { /* continues the previous field */
        if (p->nfields == 0)
            return fail(p, e, "a continuation line outside a field");
        if (p->last_key != KEY_OTHER)
            return fail(p, e, "a Package, Version or Status field over two lines");
        return 0;
    }
    const char *colon = memchr(s, ':', p->len);
    if (!colon || colon == s)
        return fail(p, e, "not a field (NAME: value)");
    size_t klen = (size_t)(colon - s);
    for (size_t i = 0; i < klen; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > 0x7e)
            return fail(p, e, "a field name with a space or a control byte");
    p->nfields++;
    p->last_key = KEY_OTHER;
    int key = klen == 7 && strncasecmp(s, "Package", 7) == 0   ? KEY_NAME
              : klen == 7 && strncasecmp(s, "Version", 7) == 0 ? KEY_VERSION
              : klen == 6 && strncasecmp(s, "Status", 6) == 0  ? KEY_STATUS
                                                               : KEY_OTHER;
    if (key == KEY_OTHER)
        return 0;
    const char *v = colon + 1;
    size_t n = p->len - klen - 1;
    trim(&v, &n);
    return store(p, key, v, n, e);
}

static int apk_line(pc_pkgdb *p, pc_err *e)
{
    const char *s = p->buf;
    if (p->len < 2 || s[1] != ':' ||
        !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return fail(p, e, "not an apk field (K:value)");
    p->nfields++;
    int key = s[0] == 'P' ? KEY_NAME : s[0] == 'V' ? KEY_VERSION : KEY_OTHER;
    if (key == KEY_OTHER)
        return 0;
    return store(p, key, s + 2, p->len - 2, e);
}

static int line_done(pc_pkgdb *p, pc_err *e)
{
    p->line++;
    p->buf[p->len] = 0;
    int rc;
    if (!p->overlong && is_blank(p->buf, p->len))
        rc = stanza_done(p, e);
    else
        rc = p->kind == PC_PKGDB_APK ? apk_line(p, e) : dpkg_line(p, e);
    p->len = 0;
    p->overlong = 0;
    return rc;
}

int pc_pkgdb_feed(pc_pkgdb *p, const void *buf, size_t n, pc_err *e)
{
    const char *s = buf;
    if (p->failed)
        return pc_err_set(e, "read after an error");
    while (n) {
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t)(nl - s) : n;
        if (memchr(s, 0, k)) {
            p->line++;
            return fail(p, e, "a NUL byte");
        }
        size_t room = PC_PKGDB_LINE - p->len;
        size_t take = k < room ? k : room;
        memcpy(p->buf + p->len, s, take);
        p->len += take;
        if (k > room)
            p->overlong = 1;
        if (nl) {
            if (line_done(p, e) < 0)
                return -1;
            k++;
        }
        s += k;
        n -= k;
    }
    return 0;
}

int pc_pkgdb_end(pc_pkgdb *p, pc_entry *ent, pc_err *e)
{
    if (p->failed)
        return pc_err_set(e, "read after an error");
    if ((p->len || p->overlong) && line_done(p, e) < 0) /* a last line without its newline */
        return -1;
    p->line++;
    if (stanza_done(p, e) < 0)
        return -1;
    pc_pkg *v = NULL;
    if (p->n) {
        v = pc_arena_alloc(p->arena, p->n * sizeof *v);
        if (!v)
            return fail(p, e, "out of memory");
        memcpy(v, p->v, p->n * sizeof *v);
    }
    ent->pkgdb = (uint8_t)p->kind;
    ent->npkgs = (uint32_t)p->n;
    ent->pkgs = v;
    pc_pkgdb_free(p);
    p->failed = 1; /* finished: nothing more is fed */
    return 0;
}

int pc_pkgdb_parse(pc_pkgdb_kind kind, const void *buf, size_t n, pc_arena *arena, pc_entry *ent,
                   pc_err *e)
{
    pc_pkgdb *p = malloc(sizeof *p);
    if (!p)
        return pc_err_set(e, "out of memory");
    pc_pkgdb_begin(p, kind, arena);
    int rc = pc_pkgdb_feed(p, buf, n, e) < 0 ? -1 : pc_pkgdb_end(p, ent, e);
    pc_pkgdb_free(p);
    free(p);
    return rc;
}
