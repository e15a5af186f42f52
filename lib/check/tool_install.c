/*
 * tool_install.c — packages the run installs (tool_install.h).
 *
 * The text is cut into simple commands at the shell's separators (newline,
 * ; & | ( ) ` { }), and each into words at blanks, with quotes dropped: a
 * reading of `sh -c` text that is coarser than a shell's but never joins
 * two commands. In a command, a word whose base name is a package manager
 * starts its arguments (wherever it is: after sudo, env, VAR=value, a
 * shell's -c or an entrypoint wrapper that runs its arguments): options are skipped (with the value
 * of those that take one, so `-o Dpkg::Options::=--force-confold` or `--virtual .deps` is not a
 * package), the first other word is the verb, and when it installs (apt-get / apt / aptitude
 * `install` or `reinstall`, apk `add`) every later word is a package, cut at its version, release
 * or architecture (nmap=7.93, nmap/bookworm, nmap:amd64, nmap>7, nmap@edge). A path (./x.deb,
 * /tmp/x.apk) or a pattern is not a name of the lists.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "check/tool_install.h"
#include "yara/toolpkgs.h"

#define WORD_MAX 256 /* longer words are no package name (cut, never matched) */

typedef enum { MGR_NONE, MGR_APT, MGR_APK } mgr;

typedef struct {
    pc_check_ctx *c;
    mgr m;     /* the manager whose arguments follow, or MGR_NONE */
    int state; /* 0: before the verb; 1: after an installing verb; 2: another verb */
    int skip;  /* the next word is an option's value */
} reader;

static mgr manager_of(const char *w)
{
    const char *b = strrchr(w, '/');
    b = b ? b + 1 : w;
    if (!strcmp(b, "apt-get") || !strcmp(b, "apt") || !strcmp(b, "aptitude"))
        return MGR_APT;
    if (!strcmp(b, "apk"))
        return MGR_APK;
    return MGR_NONE;
}

/* Options that take the next word as their value (a value given with
 * '=' or attached to a short option is one word). */
static int takes_value(mgr m, const char *w)
{
    static const char *const apt[] = {
        "-o", "-c", "-t", "--option", "--config-file", "--target-release", "--default-release",
        NULL};
    static const char *const apk[] = {
        "-X",     "-p",          "-t",         "--repository",        "--root", "--virtual",
        "--arch", "--cache-dir", "--keys-dir", "--repositories-file", NULL};
    for (const char *const *o = m == MGR_APT ? apt : apk; *o; o++)
        if (!strcmp(w, *o))
            return 1;
    return 0;
}

static void package(reader *r, const char *w)
{
    char name[WORD_MAX];
    size_t n = strcspn(w, r->m == MGR_APT ? "=:/" : "=<>~@");
    if (w[0] == '.' || w[0] == '/' || n == 0 || n >= sizeof name)
        return; /* a file to install, or no name */
    memcpy(name, w, n);
    name[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
            !strchr("+-.", name[i]))
            return; /* a pattern or a variable: no name of the lists */
    pc_pkgdb_kind kind = r->m == MGR_APT ? PC_PKGDB_DPKG : PC_PKGDB_APK;
    const pc_toolpkg *t = pc_toolpkgs_find(r->c->tools, kind, name);
    if (!t)
        return;
    char rule[WORD_MAX + 16];
    snprintf(rule, sizeof rule, "package:%s", name);
    pc_tool_tag tag = {t->category, t->severity, "package"};
    pc_check_report_tool(r->c, NULL, NULL, rule, &tag,
                         "the run's command line installs %s with %s: %s (category %s, "
                         "severity %s)",
                         name, r->m == MGR_APT ? "apt" : "apk", t->why, t->category, t->severity);
}

static void word(reader *r, const char *w)
{
    if (r->m == MGR_NONE) {
        r->m = manager_of(w);
        r->state = r->skip = 0;
        return;
    }
    if (r->skip) {
        r->skip = 0;
        return;
    }
    if (w[0] == '-') {
        r->skip = takes_value(r->m, w);
        return;
    }
    if (r->state == 0) {
        int installs =
            r->m == MGR_APT ? !strcmp(w, "install") || !strcmp(w, "reinstall") : !strcmp(w, "add");
        r->state = installs ? 1 : 2;
        return;
    }
    if (r->state == 1)
        package(r, w);
}

void pc_tool_install_text(pc_check_ctx *c, const char *text, size_t len)
{
    reader r = {.c = c};
    char w[WORD_MAX];
    size_t n = 0;
    int cut = 0; /* the word was longer than w: dropped */
    if (!c->tools)
        return;
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = i < len ? (unsigned char)text[i] : '\n';
        int sep = strchr("\n;&|()`{}", ch) != NULL && ch != 0;
        if (sep || ch == ' ' || ch == '\t' || ch == '\r' || ch == 0) {
            if (n && !cut) {
                w[n] = 0;
                word(&r, w);
            }
            n = 0;
            cut = 0;
            if (sep) /* a new command: no manager's arguments carry over */
                r.m = MGR_NONE;
            continue;
        }
        if (ch == '\'' || ch == '"' || ch == '\\')
            continue; /* quotes and escapes dropped: 'nmap' is nmap */
        if (n + 1 < sizeof w)
            w[n++] = (char)ch;
        else
            cut = 1;
    }
}
