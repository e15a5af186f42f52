/*
 * toolpkgs.c — reading the tool package lists (toolpkgs.h). Each file is
 * copied once and cut in place: an entry's strings point into its copy.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "yara/toolpkgs.h"

typedef struct item {
    pc_toolpkg p;
    pc_toolpkg_list family; /* the file it came from */
} item;

struct pc_toolpkgs {
    item *v;
    size_t n, cap;
    char **texts; /* the files' copies */
    size_t ntexts, textcap;
};

static const char *const categories[] = {
    "relay",           "scanner",        "sniffer",          "mitm",        "packet-crafting",
    "protocol-attack", "tunnel",         "anonymity",        "bruteforce",  "password-cracker",
    "web-attack",      "wireless",       "exploitation",     "recon",       "reverse-shell",
    "miner",           "packet-capture", "packet-injection", "remote-code", NULL,
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

/* A letter or digit (lower-case letters only when lower), then those
 * and the characters of punct. */
static int name_chars_ok(const char *s, const char *punct, int lower)
{
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (!lower && c >= 'A' && c <= 'Z');
        if (!alnum && (p == s || !strchr(punct, c)))
            return 0;
    }
    return *s != 0;
}

/* Debian's and Alpine's package names: lower-case, then also + - . and
 * (Alpine) _. */
static int distro_name_ok(const char *s)
{
    return name_chars_ok(s, "+-._", 1);
}

/* A normalised PyPI or crates.io name: lower case letters and digits,
 * single '-' between them. */
static int normal_name_ok(const char *s)
{
    return name_chars_ok(s, "-", 1) && !strstr(s, "--") && s[strlen(s) - 1] != '-';
}

/* A gem's name: letters, digits, '_', '-', '.'. */
static int gem_name_ok(const char *s)
{
    return name_chars_ok(s, "_-.", 0);
}

/* An RPM package's name: also '+' (libstdc++, python3.11). */
static int rpm_name_ok(const char *s)
{
    return name_chars_ok(s, "_-.+", 0);
}

/* A Go module path: HOST/... with a dot in the host, elements of
 * letters, digits and - . _ ~, no empty element. */
static int go_path_ok(const char *s)
{
    size_t host = strcspn(s, "/");
    if (!s[host] || !memchr(s, '.', host) || s[strlen(s) - 1] == '/')
        return 0;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-._~/", *p))
            return 0;
    return strstr(s, "//") == NULL;
}

static const struct {
    const char *rel;
    int (*name_ok)(const char *);
    const char *what;
} lists[] = {
    [PC_TOOLPKG_DEBIAN] = {"packages/debian.tsv", distro_name_ok,
                           "the package is not a package name (a-z, 0-9, then also + - . _)"},
    [PC_TOOLPKG_ALPINE] = {"packages/alpine.tsv", distro_name_ok,
                           "the package is not a package name (a-z, 0-9, then also + - . _)"},
    [PC_TOOLPKG_PYPI] = {"packages/pypi.tsv", normal_name_ok,
                         "the package is not a normalised PyPI name (a-z, 0-9, single -)"},
    [PC_TOOLPKG_RUBYGEMS] = {"packages/rubygems.tsv", gem_name_ok,
                             "the package is not a gem name (letters, digits, _ - .)"},
    [PC_TOOLPKG_CARGO] = {"packages/cargo.tsv", normal_name_ok,
                          "the package is not a normalised crate name (a-z, 0-9, single -)"},
    [PC_TOOLPKG_GO] = {"packages/go.tsv", go_path_ok,
                       "the package is not a Go module path (HOST.TLD/PATH)"},
    [PC_TOOLPKG_RPM] = {"packages/rpm.tsv", rpm_name_ok,
                        "the package is not an RPM name (letters, digits, _ - . +)"},
};
#define NLISTS (sizeof lists / sizeof lists[0])

/* The list a file is, from its name; -1: not a list. */
static int family_of(const char *rel)
{
    for (size_t i = 0; i < NLISTS; i++)
        if (strcmp(rel, lists[i].rel) == 0)
            return (int)i;
    return -1;
}

int pc_toolpkgs_is_list(const char *rel)
{
    size_t n = strlen(rel);
    return strncmp(rel, "packages/", 9) == 0 && !strchr(rel + 9, '/') && n > 13 &&
           strcmp(rel + n - 4, ".tsv") == 0;
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
static const char *split(pc_toolpkg_list family, char *line, char *col[4])
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
    if (!lists[family].name_ok(col[0]))
        return lists[family].what;
    if (!pc_toolpkg_category_ok(col[1]))
        return "unknown category (rules/README.md lists them)";
    if (strcmp(col[2], "high") != 0 && strcmp(col[2], "medium") != 0 && strcmp(col[2], "low") != 0)
        return "the severity is not high, medium or low";
    if (!text_ok(col[3]))
        return "the why column is empty or holds a control byte";
    return NULL;
}

static int add_line(pc_toolpkgs *t, pc_toolpkg_list family, char *line, const char *shown,
                    size_t lineno, pc_err *e)
{
    char *col[4];
    const char *bad = split(family, line, col);
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
    int family = family_of(rel);
    if (family < 0)
        return pc_err_set(e,
                          "%.300s:0: not a package list this scanner reads "
                          "(packages/debian.tsv, alpine.tsv, rpm.tsv, pypi.tsv, rubygems.tsv, "
                          "cargo.tsv, go.tsv)",
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
        if (*line && *line != '#' &&
            add_line(t, (pc_toolpkg_list)family, line, shown, lineno, e) < 0)
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

static const pc_toolpkg *lookup(const pc_toolpkgs *t, pc_toolpkg_list list, const char *name)
{
    if (!t || !t->n)
        return NULL;
    item key = {{name, NULL, NULL, NULL}, list};
    const item *it = bsearch(&key, t->v, t->n, sizeof *t->v, item_cmp);
    return it ? &it->p : NULL;
}

const pc_toolpkg *pc_toolpkgs_find(const pc_toolpkgs *t, pc_pkgdb_kind kind, const char *name)
{
    return lookup(t, kind == PC_PKGDB_APK ? PC_TOOLPKG_ALPINE : PC_TOOLPKG_DEBIAN, name);
}

/* PyPI's normal form (PEP 503: lower case, each run of - _ . one -), or
 * crates.io's (lower case, _ is -); 0 when it does not fit. */
static int normalise(const char *name, int pypi, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = name; *p; p++) {
        char ch = (char)tolower((unsigned char)*p);
        if (ch == '_' || (pypi && ch == '.'))
            ch = '-';
        if (ch == '-' && k && out[k - 1] == '-' && pypi)
            continue;
        if (k + 1 >= n)
            return 0;
        out[k++] = ch;
    }
    out[k] = 0;
    return k > 0;
}

const pc_toolpkg *pc_toolpkgs_find_in(const pc_toolpkgs *t, pc_toolpkg_list list, const char *name)
{
    char norm[256];
    if (list == PC_TOOLPKG_PYPI || list == PC_TOOLPKG_CARGO)
        return normalise(name, list == PC_TOOLPKG_PYPI, norm, sizeof norm) ? lookup(t, list, norm)
                                                                           : NULL;
    if (list != PC_TOOLPKG_GO)
        return lookup(t, list, name);
    /* a package path names its module and the path below it: try each
     * prefix that ends at an element, longest first */
    size_t n = strlen(name);
    if (n >= sizeof norm)
        return NULL;
    memcpy(norm, name, n + 1);
    for (;;) {
        const pc_toolpkg *p = lookup(t, list, norm);
        char *slash = strrchr(norm, '/');
        if (p || !slash)
            return p;
        *slash = 0;
    }
}

size_t pc_toolpkgs_count(const pc_toolpkgs *t)
{
    return t ? t->n : 0;
}

size_t pc_toolpkgs_files(const pc_toolpkgs *t)
{
    return t ? t->ntexts : 0;
}
