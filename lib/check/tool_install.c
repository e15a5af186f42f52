/*
 * tool_install.c — packages the run installs (tool_install.h).
 *
 * The text is cut into commands and words by runwords.h (coarser than a
 * shell, never joining two commands). In a command, a word whose base name is a package manager
 * starts its arguments (wherever it is: after sudo, env, VAR=value, a
 * shell's -c, `python3 -m` or an entrypoint wrapper that runs its
 * arguments): options are skipped, with the value of those that take one
 * (`-o Dpkg::Options::=--force-confold`, `--virtual .deps`, `-i URL`), the
 * first other word is the verb, and when it installs (or, for go, runs)
 * every later word is a package, cut where the manager's syntax puts a
 * version, release, architecture or extra (nmap=7.93, nmap/bookworm,
 * nmap:amd64, nmap>7, nmap@edge, nmap.x86_64, impacket==0.11, impacket[all],
 * github.com/ffuf/ffuf/v2@latest). A path (./x.deb, /tmp/x.whl) or a
 * pattern is not a name of the lists.
 *
 * A word that is a variable ($PKG, ${PKG}) is replaced by the words of
 * the value an environment line of the text gives it (runwords.h,
 * pc_runwords_lines); a variable no line sets is no name. Each listed
 * package is reported once.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "check/runwords.h"
#include "check/tool_install.h"
#include "yara/toolpkgs.h"

typedef enum { MGR_NONE, MGR_APT, MGR_APK, MGR_RPM, MGR_PIP, MGR_GEM, MGR_CARGO, MGR_GO } mgr;

static const struct {
    const char *const *names; /* base names of the command */
    const char *const *verbs; /* the verbs that install */
    const char *const *value_opts;
    const char *cut;      /* where a name ends */
    pc_toolpkg_list list; /* the list its names are looked up in */
    const char *shown;
} managers[] = {
    [MGR_APT] = {(const char *const[]){"apt-get", "apt", "aptitude", NULL},
                 (const char *const[]){"install", "reinstall", NULL},
                 (const char *const[]){"-o", "-c", "-t", "--option", "--config-file",
                                       "--target-release", "--default-release", NULL},
                 "=:/", PC_TOOLPKG_DEBIAN, "apt"},
    [MGR_APK] = {(const char *const[]){"apk", NULL}, (const char *const[]){"add", NULL},
                 (const char *const[]){"-X", "-p", "-t", "--repository", "--root", "--virtual",
                                       "--arch", "--cache-dir", "--keys-dir", "--repositories-file",
                                       NULL},
                 "=<>~@", PC_TOOLPKG_ALPINE, "apk"},
    [MGR_RPM] = {(const char *const[]){"dnf", "dnf5", "yum", "microdnf", "tdnf", "zypper", NULL},
                 (const char *const[]){"install", "in", "reinstall", NULL},
                 (const char *const[]){"-c", "-d", "-e", "-x", "--config", "--releasever",
                                       "--installroot", "--repo", "--repoid", "--enablerepo",
                                       "--disablerepo", "--exclude", "--setopt", "--forcearch",
                                       "-r", "--from", NULL},
                 "", PC_TOOLPKG_RPM, "rpm"},
    [MGR_PIP] = {(const char *const[]){"pip", "pip3", "pipx", NULL},
                 (const char *const[]){"install", NULL},
                 (const char *const[]){
                     "-r",
                     "-c",
                     "-e",
                     "-i",
                     "-f",
                     "-t",
                     "--requirement",
                     "--constraint",
                     "--editable",
                     "--index-url",
                     "--extra-index-url",
                     "--find-links",
                     "--target",
                     "--prefix",
                     "--root",
                     "--platform",
                     "--python-version",
                     "--implementation",
                     "--abi",
                     "--src",
                     "--cache-dir",
                     "--log",
                     "--proxy",
                     "--retries",
                     "--timeout",
                     "--trusted-host",
                     "--cert",
                     "--client-cert",
                     "--upgrade-strategy",
                     "--progress-bar",
                     "--no-binary",
                     "--only-binary",
                     "--python",
                     "--exists-action",
                     NULL},
                 "=<>!~[;@ ", PC_TOOLPKG_PYPI, "pip"},
    [MGR_GEM] = {(const char *const[]){"gem", NULL}, (const char *const[]){"install", NULL},
                 (const char *const[]){"-v", "-i", "-s", "-n", "--version", "--install-dir",
                                       "--source", "--bindir", "--platform", NULL},
                 ":", PC_TOOLPKG_RUBYGEMS, "gem"},
    [MGR_CARGO] = {(const char *const[]){"cargo", NULL}, (const char *const[]){"install", NULL},
                   (const char *const[]){"--version",  "--vers",     "--git",    "--branch",
                                         "--tag",      "--rev",      "--path",   "--root",
                                         "--index",    "--registry", "--target", "--target-dir",
                                         "--features", "-F",         "--bin",    "--example",
                                         "--profile",  "-j",         "--jobs",   NULL},
                   "@", PC_TOOLPKG_CARGO, "cargo"},
    [MGR_GO] = {(const char *const[]){"go", NULL},
                (const char *const[]){"install", "get", "run", NULL},
                (const char *const[]){"-C", "-p", "-tags", "-ldflags", "-gcflags", "-o", "-mod",
                                      "-modfile", "-overlay", "-pkgdir", "-exec", NULL},
                "@", PC_TOOLPKG_GO, "go"},
};
#define NMGR (sizeof managers / sizeof managers[0])

typedef struct {
    pc_check_ctx *c;
    mgr m;     /* the manager whose arguments follow, or MGR_NONE */
    int state; /* 0: before the verb; 1: after an installing verb; 2: another verb */
    int skip;  /* the next word is an option's value */
    const pc_toolpkg *seen[32]; /* reported already: each package once */
    size_t nseen;
} reader;

static mgr manager_of(const char *w)
{
    const char *b = strrchr(w, '/');
    b = b ? b + 1 : w;
    char base[32];
    size_t n = strlen(b);
    if (n >= sizeof base)
        return MGR_NONE;
    memcpy(base, b, n + 1);
    if (!strncmp(base, "pip3.", 5)) /* pip3.11 */
        base[4] = 0;
    for (size_t m = 1; m < NMGR; m++)
        if (pc_word_in(managers[m].names, base))
            return (mgr)m;
    return MGR_NONE;
}

static void package(reader *r, const char *w)
{
    char name[PC_RUNWORD_MAX];
    size_t n = strcspn(w, managers[r->m].cut);
    if (w[0] == '.' || w[0] == '/' || n == 0 || n >= sizeof name) /* (options never get here) */
        return; /* a file to install, or no name */
    memcpy(name, w, n);
    name[n] = 0;
    if (r->m == MGR_RPM) { /* nmap.x86_64: the architecture is no part of the name */
        static const char *const arch[] = {".x86_64",  ".aarch64", ".noarch", ".i686",
                                           ".ppc64le", ".s390x",   NULL};
        for (const char *const *a = arch; *a; a++)
            if (n > strlen(*a) && !strcmp(name + n - strlen(*a), *a))
                name[n - strlen(*a)] = 0;
    }
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("+-._/~", name[i]))
            return; /* a pattern, a URL or a variable: no name of the lists */
    if (r->m != MGR_GO && strchr(name, '/'))
        return;
    const pc_toolpkg *t = pc_toolpkgs_find_in(r->c->tools, managers[r->m].list, name);
    if (!t)
        return;
    for (size_t i = 0; i < r->nseen; i++)
        if (r->seen[i] == t)
            return;
    if (r->nseen < sizeof r->seen / sizeof r->seen[0])
        r->seen[r->nseen++] = t; /* (past 32, a repeat is reported again: never one lost) */
    char rule[PC_RUNWORD_MAX + 16];
    snprintf(rule, sizeof rule, "package:%s", t->name); /* the list's name: Impacket is impacket */
    pc_tool_tag tag = {t->category, t->severity, "package"};
    pc_check_report_tool(r->c, NULL, NULL, rule, &tag,
                         "the run's command line installs %s with %s: %s (category %s, "
                         "severity %s)",
                         t->name, managers[r->m].shown, t->why, t->category, t->severity);
}

static void on_word(void *ud, const char *w)
{
    reader *r = ud;
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
        r->skip = pc_word_in(managers[r->m].value_opts, w);
        return;
    }
    if (r->state == 0) {
        r->state = pc_word_in(managers[r->m].verbs, w) ? 1 : 2;
        return;
    }
    if (r->state == 1)
        package(r, w);
}

/* A new command: no manager's arguments carry over. */
static void on_sep(void *ud, pc_runsep kind)
{
    reader *r = ud;
    (void)kind;
    r->m = MGR_NONE;
}

void pc_tool_install_text(pc_check_ctx *c, const char *text, size_t len)
{
    reader r = {.c = c};
    if (!c->tools)
        return;
    pc_runwords_cb cb = {on_word, on_sep, &r};
    pc_runwords_lines(text, len, &cb); /* $TOOLS: the words an environment entry gives it */
}
