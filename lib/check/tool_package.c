/*
 * tool_package.c — findings for installed tool packages (tool_package.h).
 * The layer walk read each package database into its entry (pkgdb.c);
 * the final fs view holds the last version of each, so a later layer that
 * replaces or deletes a database replaces or deletes what is judged.
 * Python's and Ruby's installed packages are recorded by a directory or
 * file a package of its own has (NAME-VERSION.dist-info, NAME-VERSION.gemspec):
 * their names are read from the path of the node in the final fs.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "check/tool_package.h"
#include "layer/pkgdb.h"

static const char *unread_why(const pc_node *n)
{
    if (n->type == PC_E_SYMLINK)
        return "is a symlink";
    return "is a hardlink to a file that was not read as a package database";
}

/* One finding for a listed package at path: rule "package:NAME" (the
 * list's name), signal "package". */
static void package_finding(pc_check_ctx *c, const char *path, const pc_node *n,
                            const pc_toolpkg *t, const char *version, const char *tool)
{
    char rule[300];
    snprintf(rule, sizeof rule, "package:%s", t->name);
    pc_tool_tag tag = {t->category, t->severity, "package"};
    pc_check_report_tool(c, path, pc_check_layer(c, n), rule, &tag,
                         "%s %s installed by %s: %s (category %s, severity %s)", t->name,
                         *version ? version : "(no version)", tool, t->why, t->category,
                         t->severity);
}

/* The bytes from p up to end (a version in a record's name). */
static void version_of(const char *p, const char *end, char *out, size_t n)
{
    size_t k = end && end > p ? (size_t)(end - p) : 0;
    snprintf(out, n, "%.*s", (int)(k < n ? k : n - 1), p);
}

/* A Python distribution's metadata directory in a site-packages (or
 * Debian's dist-packages) directory: NAME-VERSION.dist-info or
 * NAME-VERSION[-pyX.Y].egg-info, NAME with '-' written as '_'; or a gem's
 * specification, GEM_HOME/specifications/NAME-VERSION.gemspec (NAME may
 * hold '-': the version starts at the last "-DIGIT"). pip and gem read
 * these to know what is installed; each names one installed package. */
static void language_package(pc_check_ctx *c, const char *path, const pc_node *n)
{
    const char *base = strrchr(path, '/');
    if (!base)
        return;
    base++;
    size_t blen = strlen(base), dir = (size_t)(base - path);
    char name[256], version[128];
    pc_toolpkg_list list;
    const char *tool;
    if ((blen > 10 && !strcmp(base + blen - 10, ".dist-info")) ||
        (blen > 9 && !strcmp(base + blen - 9, ".egg-info"))) {
        if ((dir < 15 || strncmp(path + dir - 15, "/site-packages/", 15) != 0) &&
            (dir < 15 || strncmp(path + dir - 15, "/dist-packages/", 15) != 0))
            return;
        size_t k = strcspn(base, "-");
        if (k == 0 || k >= sizeof name || base[k] != '-')
            return;
        memcpy(name, base, k);
        name[k] = 0;
        version_of(base + k + 1, strrchr(base, '.'), version, sizeof version);
        list = PC_TOOLPKG_PYPI;
        tool = "pip";
    } else if (blen > 8 && !strcmp(base + blen - 8, ".gemspec") && n->type == PC_E_REG) {
        if (dir < 16 || strncmp(path + dir - 16, "/specifications/", 16) != 0)
            return; /* GEM_HOME/specifications: /var/lib/gems/V/, /usr/local/bundle/, ... */
        size_t k = 0;
        for (size_t i = 1; i + 1 < blen - 8; i++)
            if (base[i] == '-' && isdigit((unsigned char)base[i + 1]))
                k = i;
        if (k == 0 || k >= sizeof name)
            return;
        memcpy(name, base, k);
        name[k] = 0;
        version_of(base + k + 1, base + blen - 8, version, sizeof version);
        list = PC_TOOLPKG_RUBYGEMS;
        tool = "gem";
    } else {
        return;
    }
    const pc_toolpkg *t = pc_toolpkgs_find_in(c->tools, list, name);
    if (t)
        package_finding(c, path, n, t, version, tool);
}

void pc_tool_package_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    if (c->tools && (n->type == PC_E_DIR || n->type == PC_E_REG))
        language_package(c, path, n); /* site-packages/X.dist-info, gems/.../X.gemspec */
    pc_pkgdb_kind kind = pc_pkgdb_kind_of_abs(path);
    if (kind == PC_PKGDB_NONE || (n->type != PC_E_REG && n->type != PC_E_SYMLINK))
        return; /* a directory or device there is no database the tools read */
    const pc_entry *e = n->e;
    int apk = kind == PC_PKGDB_APK;
    if (n->type != PC_E_REG || !e || e->pkgdb == PC_PKGDB_NONE ||
        (e->pkgdb == PC_PKGDB_APK) != apk) {
        /* fail closed: what the package manager reads there is unknown */
        pc_check_report_scan_error(c, path, pc_check_layer(c, n),
                                   "package database %s %s; its packages were not read", path,
                                   unread_why(n));
        return;
    }
    for (uint32_t i = 0; i < e->npkgs; i++) {
        const pc_pkg *p = &e->pkgs[i];
        const pc_toolpkg *t = pc_toolpkgs_find(c->tools, kind, p->name);
        if (t)
            package_finding(c, path, n, t, p->version, pc_pkgdb_tool(kind));
    }
}
