/*
 * tool_package.c — findings for installed tool packages (tool_package.h).
 * The layer walk read each package database into its entry (pkgdb.c);
 * the final fs view holds the last version of each, so a later layer that
 * replaces or deletes a database replaces or deletes what is judged.
 */
#include <stdarg.h>
#include <stdio.h>
#include "check/tool_package.h"
#include "layer/pkgdb.h"

static const char *unread_why(const pc_node *n)
{
    if (n->type == PC_E_SYMLINK)
        return "is a symlink";
    return "is a hardlink to a file that was not read as a package database";
}

void pc_tool_package_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
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
        if (!t)
            continue;
        char rule[600];
        snprintf(rule, sizeof rule, "package:%s", p->name);
        pc_tool_tag tag = {t->category, t->severity, "package"};
        pc_check_report_tool(c, path, pc_check_layer(c, n), rule, &tag,
                             "%s %s installed by %s: %s (category %s, severity %s)", p->name,
                             *p->version ? p->version : "(no version)", pc_pkgdb_tool(kind), t->why,
                             t->category, t->severity);
    }
}
