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
 * github.com/ffuf/ffuf/v2@latest). A package given as a file or a URL
 * is named by it as its format names its files (locator_name):
 * ./nmap_7.93-1_amd64.deb, nmap-ncat-7.92-1.x86_64.rpm, nmap-7.93-r0.apk,
 * impacket-0.11.0-py3-none-any.whl or impacket-0.11.0.tar.gz,
 * evil-winrm-3.5.gem, a VCS URL by its #egg= or its repository's name
 * (git+https://github.com/fortra/impacket.git, cargo --git URL); dpkg -i
 * and rpm -i/-U install files too. A pattern is not a name of the lists.
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

typedef enum {
    MGR_NONE,
    MGR_APT,
    MGR_APK,
    MGR_RPM,
    MGR_PIP,
    MGR_GEM,
    MGR_CARGO,
    MGR_GO,
    MGR_DPKG,
    MGR_RPMTOOL,
} mgr;

static const struct {
    const char *const *names; /* base names of the command */
    const char *const *verbs; /* the verbs that install */
    const char *const *value_opts;
    const char *const *locator_opts; /* value options whose value is the package (--git URL) */
    const char *verb_opt_letters;    /* an option made of these letters installs (rpm -ivh) */
    const char *cut;                 /* where a name ends */
    pc_toolpkg_list list;            /* the list its names are looked up in */
    const char *shown;
} managers[] = {
    [MGR_APT] = {(const char *const[]){"apt-get", "apt", "aptitude", NULL},
                 (const char *const[]){"install", "reinstall", NULL},
                 (const char *const[]){"-o", "-c", "-t", "--option", "--config-file",
                                       "--target-release", "--default-release", NULL},
                 NULL, NULL, "=:/", PC_TOOLPKG_DEBIAN, "apt"},
    [MGR_APK] = {(const char *const[]){"apk", NULL}, (const char *const[]){"add", NULL},
                 (const char *const[]){"-X", "-p", "-t", "--repository", "--root", "--virtual",
                                       "--arch", "--cache-dir", "--keys-dir", "--repositories-file",
                                       NULL},
                 NULL, NULL, "=<>~@", PC_TOOLPKG_ALPINE, "apk"},
    [MGR_RPM] = {(const char *const[]){"dnf", "dnf5", "yum", "microdnf", "tdnf", "zypper", NULL},
                 (const char *const[]){"install", "in", "reinstall", NULL},
                 (const char *const[]){"-c", "-d", "-e", "-x", "--config", "--releasever",
                                       "--installroot", "--repo", "--repoid", "--enablerepo",
                                       "--disablerepo", "--exclude", "--setopt", "--forcearch",
                                       "-r", "--from", NULL},
                 NULL, NULL, "", PC_TOOLPKG_RPM, "rpm"},
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
                 (const char *const[]){"-e", "--editable", NULL}, NULL, "=<>!~[;@ ",
                 PC_TOOLPKG_PYPI, "pip"},
    [MGR_GEM] = {(const char *const[]){"gem", NULL}, (const char *const[]){"install", NULL},
                 (const char *const[]){"-v", "-i", "-s", "-n", "--version", "--install-dir",
                                       "--source", "--bindir", "--platform", NULL},
                 NULL, NULL, ":", PC_TOOLPKG_RUBYGEMS, "gem"},
    [MGR_CARGO] = {(const char *const[]){"cargo", NULL}, (const char *const[]){"install", NULL},
                   (const char *const[]){"--version",  "--vers",     "--git",    "--branch",
                                         "--tag",      "--rev",      "--path",   "--root",
                                         "--index",    "--registry", "--target", "--target-dir",
                                         "--features", "-F",         "--bin",    "--example",
                                         "--profile",  "-j",         "--jobs",   NULL},
                   (const char *const[]){"--git", NULL}, NULL, "@", PC_TOOLPKG_CARGO, "cargo"},
    [MGR_GO] = {(const char *const[]){"go", NULL},
                (const char *const[]){"install", "get", "run", NULL},
                (const char *const[]){"-C", "-p", "-tags", "-ldflags", "-gcflags", "-o", "-mod",
                                      "-modfile", "-overlay", "-pkgdir", "-exec", NULL},
                NULL, NULL, "@", PC_TOOLPKG_GO, "go"},
    [MGR_DPKG] = {(const char *const[]){"dpkg", NULL},
                  (const char *const[]){"-i", "--install", "--unpack", NULL},
                  (const char *const[]){"--root", "--admindir", "--instdir", "--log", NULL}, NULL,
                  NULL, "", PC_TOOLPKG_DEBIAN, "dpkg"},
    [MGR_RPMTOOL] = {(const char *const[]){"rpm", NULL},
                     (const char *const[]){"--install", "--upgrade", "--freshen", "--reinstall",
                                           NULL},
                     (const char *const[]){"--root", "--dbpath", "--prefix", "--relocate",
                                           "--excludepath", NULL},
                     NULL, "iUFvh", "", PC_TOOLPKG_RPM, "rpm"},
};
#define NMGR (sizeof managers / sizeof managers[0])

typedef struct {
    pc_check_ctx *c;
    mgr m;     /* the manager whose arguments follow, or MGR_NONE */
    int state; /* 0: before the verb; 1: after an installing verb; 2: another verb */
    int skip;  /* the next word is an option's value (2: a package's file or URL) */
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

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n > k && strncmp(s + n - k, suffix, k) == 0;
}

/* Cut name (n bytes) at its last '-' followed by a digit: the version. */
static size_t before_version(const char *name, size_t n)
{
    for (size_t i = n; i-- > 1;)
        if (name[i - 1] == '-' && isdigit((unsigned char)name[i]))
            return i - 1;
    return n;
}

static size_t cut_last(const char *name, size_t n, char c)
{
    const char *p = memrchr(name, c, n);
    return p ? (size_t)(p - name) : n;
}

/* A package given as a file or URL: 1 and its name in out, or 0 (not a
 * locator). The base name of the path or URL names it as the format
 * names its files; a VCS URL by #egg=NAME or its repository. */
static int locator_name(const char *w, char *out, size_t cap)
{
    const char *egg = strstr(w, "#egg=");
    if (egg) {
        size_t n = strcspn(egg + 5, "&[");
        if (n == 0 || n >= cap)
            return 0;
        memcpy(out, egg + 5, n);
        out[n] = 0;
        return 1;
    }
    int url = strstr(w, "://") != NULL;
    if (!url && w[0] != '.' && w[0] != '/' && w[0] != '~')
        return 0;
    size_t end = strcspn(w, "?#");
    while (end > 0 && w[end - 1] == '/')
        end--;
    const char *slash = memrchr(w, '/', end);
    const char *b = slash ? slash + 1 : w;
    size_t n = (size_t)(w + end - b);
    if (url && memchr(b, '@', n)) /* git+https://host/o/repo.git@v1 */
        n = (size_t)((const char *)memchr(b, '@', n) - b);
    if (ends_with(b, n, ".whl"))
        n = strcspn(b, "-") < n ? strcspn(b, "-") : n;
    else if (ends_with(b, n, ".deb"))
        n = strcspn(b, "_") < n ? strcspn(b, "_") : n;
    else if (ends_with(b, n, ".rpm")) /* NAME-VERSION-RELEASE.ARCH.rpm */
        n = cut_last(b, cut_last(b, cut_last(b, n - 4, '.'), '-'), '-');
    else if (ends_with(b, n, ".apk")) /* NAME-VERSION-rN.apk */
        n = cut_last(b, cut_last(b, n - 4, '-'), '-');
    else if (ends_with(b, n, ".gem") || ends_with(b, n, ".tar.gz") || ends_with(b, n, ".tgz") ||
             ends_with(b, n, ".zip") || ends_with(b, n, ".tar.bz2") || ends_with(b, n, ".tar.xz"))
        n = before_version(b, n);
    else if (ends_with(b, n, ".git"))
        n -= 4;
    if (n == 0 || n >= cap)
        return 0;
    memcpy(out, b, n);
    out[n] = 0;
    return 1;
}

static void package(reader *r, const char *w, int locator)
{
    char name[PC_RUNWORD_MAX];
    size_t n;
    if (locator || w[0] == '.' || w[0] == '/' || w[0] == '~' || strstr(w, "://")) {
        if (!locator_name(w, name, sizeof name))
            return; /* a file or URL that names no package */
        n = strlen(name);
    } else {
        n = strcspn(w, managers[r->m].cut);
        if (n == 0 || n >= sizeof name) /* (options never get here) */
            return;
        memcpy(name, w, n);
        name[n] = 0;
    }
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

/* The managers whose verb is an option: dpkg -i, rpm -i/-U/-F and their
 * letters together (-ivh, -Uvh). */
static int option_installs(mgr m, const char *w)
{
    const char *letters = managers[m].verb_opt_letters;
    if (m == MGR_DPKG || (m == MGR_RPMTOOL && w[1] == '-'))
        return pc_word_in(managers[m].verbs, w);
    if (!letters || w[1] == '-' || !w[1] || strspn(w + 1, letters) != strlen(w + 1))
        return 0;
    return strpbrk(w + 1, "iUF") != NULL;
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
        if (r->skip == 2)
            package(r, w, 1); /* cargo install --git URL, pip install -e git+URL */
        r->skip = 0;
        return;
    }
    if (w[0] == '-') {
        if (r->state == 0 && option_installs(r->m, w)) { /* dpkg -i, rpm -Uvh */
            r->state = 1;
            return;
        }
        const char *const *loc = managers[r->m].locator_opts; /* (most have none) */
        r->skip = loc && pc_word_in(loc, w) ? 2 : pc_word_in(managers[r->m].value_opts, w) ? 1 : 0;
        return;
    }
    if (r->state == 0) {
        r->state = pc_word_in(managers[r->m].verbs, w) ? 1 : 2;
        return;
    }
    if (r->state == 1)
        package(r, w, 0);
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
