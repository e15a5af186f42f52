/*
 * toolpkgs.c — reading the tool package lists (toolpkgs.h). Each file is
 * copied once and cut in place: an entry's strings point into its copy.
 */
#include <stdlib.h>
#include <string.h>
#include "yara/toolpkgs.h"

typedef struct item {
    pc_toolpkg p;
    pc_pkgdb_kind family; /* PC_PKGDB_DPKG for debian.tsv, PC_PKGDB_APK for alpine.tsv */
} item;

struct pc_toolpkgs {
    item *v;
    size_t n, cap;
    char **texts; /* the files' copies */
    size_t ntexts, textcap;
};

static const char *const categories[] = {
    "relay",           "scanner",        "sniffer",          "mitm",       "packet-crafting",
    "protocol-attack", "tunnel",         "anonymity",        "bruteforce", "password-cracker",
    "web-attack",      "wireless",       "exploitation",     "recon",      "reverse-shell",
    "miner",           "packet-capture", "packet-injection", NULL,
};

int pc_toolpkg_category_ok(const char *name)
{
    for (int i = 0; categories[i]; i++)
        if (strcmp(name, categories[i]) == 0)
            return 1;
    return 0;
}

pc_toolpkgs *pc_toolpkgs_new(void)
{
    return calloc(1, sizeof(pc_toolpkgs));
}

void pc_toolpkgs_free(pc_toolpkgs *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ntexts; i++)
        free(t->texts[i]);
    free(t->texts);
    free(t->v);
    free(t);
}

/* The family a list file serves, from its name; NONE: not a list. */
static pc_pkgdb_kind family_of(const char *rel)
{
    if (strcmp(rel, "packages/debian.tsv") == 0)
        return PC_PKGDB_DPKG;
    if (strcmp(rel, "packages/alpine.tsv") == 0)
        return PC_PKGDB_APK;
    return PC_PKGDB_NONE;
}

int pc_toolpkgs_is_list(const char *rel)
{
    size_t n = strlen(rel);
    return strncmp(rel, "packages/", 9) == 0 && !strchr(rel + 9, '/') && n > 13 &&
           strcmp(rel + n - 4, ".tsv") == 0;
}

/* Debian's and Alpine's package names: a lower-case letter or digit,
 * then lower-case letters, digits, '+', '-', '.' and (Alpine) '_'. */
static int name_ok(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("+-._", *s)))
            return 0;
    return 1;
}

static int text_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* Cut one line into its four columns; 0 ok, else the message. */
static const char *split(char *line, char *col[4])
{
    for (int i = 0; i < 4; i++) {
        col[i] = line;
        char *tab = strchr(line, '\t');
        if (i < 3) {
            if (!tab)
                return "expected four tab-separated columns: package, category, severity, why";
            *tab = 0;
            line = tab + 1;
        } else if (tab) {
            return "more than four tab-separated columns";
        }
    }
    if (!name_ok(col[0]))
        return "the package is not a package name (a-z, 0-9, then also + - . _)";
    if (!pc_toolpkg_category_ok(col[1]))
        return "unknown category (rules/README.md lists them)";
    if (strcmp(col[2], "high") != 0 && strcmp(col[2], "medium") != 0 && strcmp(col[2], "low") != 0)
        return "the severity is not high, medium or low";
    if (!text_ok(col[3]))
        return "the why column is empty or holds a control byte";
    return NULL;
}

static int add_line(pc_toolpkgs *t, pc_pkgdb_kind family, char *line, const char *shown,
                    size_t lineno, pc_err *e)
{
    char *col[4];
    const char *bad = split(line, col);
    if (bad)
        return pc_err_set(e, "%.300s:%zu: %s", shown, lineno, bad);
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].family == family && strcmp(t->v[i].p.name, col[0]) == 0)
            return pc_err_set(e, "%.300s:%zu: package %.100s is listed twice", shown, lineno,
                              col[0]);
    if (t->n >= PC_TOOLPKGS_MAX)
        return pc_err_set(e, "%.300s:%zu: more than %d tool packages", shown, lineno,
                          PC_TOOLPKGS_MAX);
    if (pc_grow((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v) < 0)
        return pc_err_set(e, "out of memory");
    t->v[t->n++] = (item){{col[0], col[1], col[2], col[3]}, family};
    return 0;
}

int pc_toolpkgs_add(pc_toolpkgs *t, const char *rel, const char *shown, const char *data,
                    size_t len, pc_err *e)
{
    pc_pkgdb_kind family = family_of(rel);
    if (family == PC_PKGDB_NONE)
        return pc_err_set(e,
                          "%.300s:0: not a package list this scanner reads "
                          "(packages/debian.tsv, packages/alpine.tsv)",
                          shown);
    if (memchr(data, 0, len))
        return pc_err_set(e, "%.300s:0: a NUL byte", shown);
    if (pc_grow((void **)&t->texts, &t->textcap, t->ntexts + 1, sizeof *t->texts) < 0)
        return pc_err_set(e, "out of memory");
    char *text = pc_strndup(data, len);
    if (!text)
        return pc_err_set(e, "out of memory");
    t->texts[t->ntexts++] = text;
    size_t lineno = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        lineno++;
        if (*line && *line != '#' && add_line(t, family, line, shown, lineno, e) < 0)
            return -1;
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

static int item_cmp(const void *a, const void *b)
{
    const item *x = a, *y = b;
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    return strcmp(x->p.name, y->p.name);
}

void pc_toolpkgs_done(pc_toolpkgs *t)
{
    if (t->n)
        qsort(t->v, t->n, sizeof *t->v, item_cmp);
}

const pc_toolpkg *pc_toolpkgs_find(const pc_toolpkgs *t, pc_pkgdb_kind kind, const char *name)
{
    if (!t || !t->n)
        return NULL;
    item key = {{name, NULL, NULL, NULL}, kind == PC_PKGDB_APK ? PC_PKGDB_APK : PC_PKGDB_DPKG};
    const item *it = bsearch(&key, t->v, t->n, sizeof *t->v, item_cmp);
    return it ? &it->p : NULL;
}

size_t pc_toolpkgs_count(const pc_toolpkgs *t)
{
    return t ? t->n : 0;
}

size_t pc_toolpkgs_files(const pc_toolpkgs *t)
{
    return t ? t->ntexts : 0;
}
