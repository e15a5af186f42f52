/*
 * check_entrypoint_unrunnable.c — entrypoint-unrunnable: will the program the runtime
 * starts (Entrypoint[0], else Cmd[0]) run as the sandbox user?
 *
 * The program is found as runc finds it: a bare name through the config's
 * PATH (runc's default without one), a relative name from WorkingDir,
 * symlinks followed inside the root. Then, in the order execve(2) fails:
 * the path must be reachable (search permission on every directory), a
 * regular file with an x bit for the user; an ELF must be for the image's
 * architecture and its PT_INTERP loader must be there and executable, and
 * every DT_NEEDED library somewhere in the image (sonames.c); a
 * script's #! interpreter likewise, one level deep, and for
 * "#!/usr/bin/env NAME" NAME must be in PATH; the dynamic loader run as
 * the program ("ld.so PROG") loads PROG, which must be readable and find
 * its libraries. Finally what it is meant to
 * gain: file capabilities the sandbox drops (the kernel refuses to execve a
 * capability-dumb binary, effective bit set, that would not get all of
 * them) and set-user-ID bits that no_new_privileges ignores.
 *
 * Only the heads of files on the program's path are needed; layer.c keeps
 * the parsed head (ELF header, #! line) of every executable as it streams.
 * Sets the report's sandbox program to the file it finds, adds the
 * capabilities that file is meant to gain (needs_caps), and sets
 * needs_root when only uid 0 gets past a permission; the user is the
 * driver's (ctx users).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "layer/elfhead.h"
#include "layer/layer.h"
#include "check/check.h"
#include "check/sonames.h"
#include "pcx.h"

#define SUBJ_MAX PC_SB_PATH_MAX /* "entrypoint X: interpreter Y", cut if longer */
#define WHY_MAX (PC_SB_PATH_MAX + 512)

typedef struct judge {
    pc_check_ctx *c;
    const pc_sb_user *u;       /* the sandbox user (ctx users) */
    const char *pathenv;       /* the config's PATH, else runc's default */
    const char *workdir;       /* WorkingDir, "/" when unset */
    const char *path;          /* the finding's path: the program */
    const char *layer;         /* the layer that put the program there */
    int needs_root;            /* a permission failure only uid 0 gets past */
    char cand[PC_SB_PATH_MAX]; /* the program as found (PATH entry, WorkingDir) */
    char real[PC_SB_PATH_MAX]; /* the program after symlinks */
    char wd[PC_SB_PATH_MAX];   /* WorkingDir made absolute */
} judge;

static void fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
/* Bounded message parts: a part cut at n bytes is still a readable message. */
static void fmt(char *buf, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    if (vsnprintf(buf, n, f, ap) < 0)
        buf[0] = 0;
    va_end(ap);
}

static void report(judge *j, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void report(judge *j, const char *f, ...)
{
    va_list ap;
    char *msg = NULL;
    va_start(ap, f);
    int n = vasprintf(&msg, f, ap);
    va_end(ap);
    if (n < 0) {
        pc_finding_lost(j->c->res); /* fail closed: the finding would have been a deny */
        return;
    }
    pc_check_report(j->c, j->path, j->layer, NULL, "%s", msg);
    free(msg);
}

/* Only uid 0 gets past n: owned by root, no x bit for group or others
 * (a group x bit is usable without root: gid 0 alone is enough). */
static int root_only(const pc_node *n)
{
    return pc_node_uid(n) == 0 && (pc_node_mode(n) & 011) == 0;
}

static void lookup_failed(judge *j, const char *subject, const char *path, pc_lookup_status st,
                          const pc_node *at)
{
    char why[WHY_MAX];
    pc_sb_lookup_why(j->c->fs, path, st, at, j->u, why, sizeof why);
    if (st == PC_LOOKUP_DENIED && root_only(at))
        j->needs_root = 1;
    report(j, "%s: %s", subject, why);
}

/* A regular file the user may execute; else report why not. */
static int judge_file(judge *j, const char *subject, const pc_node *n)
{
    if (n->type != PC_E_REG) {
        report(j, "%s: is a %s, not a regular file", subject, pc_sb_type_name(n->type));
        return 0;
    }
    if (pc_sb_may_execute(n, j->u))
        return 1;
    uint32_t mode = pc_node_mode(n);
    if (root_only(n) && (mode & 0100))
        j->needs_root = 1;
    report(j, "%s: mode %04o owner %u:%u, not executable by %s", subject, mode & 07777,
           pc_node_uid(n), pc_node_gid(n), j->u->who);
    return 0;
}

static void check_elf(judge *j, const char *subject, const pc_node *n, int depth);

/* What execve refuses before any interpreter or loader is looked at:
 * 1 when the head is a format the kernel runs (or was not read). */
static int check_format(judge *j, const char *subject, const pc_node *n)
{
    switch (n->e ? n->e->head : PC_HEAD_OTHER) {
    case PC_HEAD_NOEXEC:
        report(j,
               "%s: neither an ELF binary nor a #! script: execve fails with ENOEXEC "
               "(exec format error; runc does not fall back to /bin/sh)",
               subject);
        return 0;
    case PC_HEAD_BOM:
        report(j,
               "%s: a UTF-8 byte-order mark before #!: the kernel sees no #! line, execve "
               "fails with ENOEXEC (exec format error)",
               subject);
        return 0;
    case PC_HEAD_BADELF:
        report(j,
               "%s: an ELF file the kernel does not run (not of type EXEC or DYN, or no program "
               "headers, or of another size than its class's): execve fails with ENOEXEC (exec "
               "format error)",
               subject);
        return 0;
    case PC_HEAD_BADSHEBANG:
        report(j,
               "%s: a #! line the kernel refuses (no interpreter, or its path cut at %d "
               "bytes): execve fails with ENOEXEC",
               subject, 255);
        return 0;
    default:
        return 1;
    }
}

/* An interpreter or loader named by the program: there and executable;
 * one level deeper its own ELF facts. NULL when it is not usable. */
/* The file name (from WorkingDir, symlinks followed) as the user reaches
 * it; else report why not (subject: sub) and NULL. */
static const pc_node *find_named(judge *j, const char *sub, const char *name)
{
    char path[PC_SB_PATH_MAX];
    const pc_node *n = NULL, *at = NULL;
    if (pc_sb_join(path, sizeof path, j->workdir, name) < 0) {
        report(j, "%s: path too long", sub);
        return NULL;
    }
    pc_lookup_status st = pc_sb_lookup(j->c->fs, path, j->u, 1, &n, &at);
    if (st != PC_LOOKUP_OK) {
        lookup_failed(j, sub, path, st, at);
        return NULL;
    }
    return n;
}

static const pc_node *check_helper(judge *j, const char *subject, const char *role,
                                   const char *name, int depth)
{
    char sub[SUBJ_MAX];
    fmt(sub, sizeof sub, "%s: %s %s", subject, role, name);
    const pc_node *n = find_named(j, sub, name);
    if (!n)
        return NULL;
    if (!judge_file(j, sub, n) || !check_format(j, sub, n))
        return NULL;
    if (depth == 0)
        check_elf(j, sub, n, depth + 1);
    return n;
}

/* A dynamically linked program whose loader is there: each library it
 * names (DT_NEEDED) must be somewhere in the image (sonames.c). */
static void check_needed(judge *j, const char *subject, const pc_entry *e)
{
    const char *missing[PC_DT_NEEDED_MAX];
    size_t n = pc_sonames_missing(j->c->fs, e, missing);
    for (size_t i = 0; i < n; i++)
        report(j,
               "%s: needs %.255s (DT_NEEDED), which is nowhere in the image: the dynamic loader "
               "fails with \"error while loading shared libraries\"",
               subject, missing[i]);
}

/* An ELF for another machine than the image's platform: reported, 0. */
static int check_machine(judge *j, const char *subject, const pc_entry *e)
{
    const pc_platform *p = &j->c->img->platform;
    unsigned want = pc_elf_machine_for_arch(p->arch);
    if (!want || e->elf_machine == want)
        return 1;
    char plat[128], mach[32];
    const char *name = pc_elf_machine_name(e->elf_machine);
    pc_platform_format(p, plat, sizeof plat);
    if (name)
        snprintf(mach, sizeof mach, "%s", name);
    else
        snprintf(mach, sizeof mach, "ELF machine %u", (unsigned)e->elf_machine);
    report(j, "%s: %s binary in a %s image", subject, mach, plat);
    return 0;
}

static void check_elf(judge *j, const char *subject, const pc_node *n, int depth)
{
    const pc_entry *e = n->e;
    if (!e || e->head != PC_HEAD_ELF)
        return;
    check_machine(j, subject, e);
    if (e->interp && *e->interp && check_helper(j, subject, "dynamic loader", e->interp, depth + 1))
        check_needed(j, subject, e);
}

/* The command "#!/usr/bin/env ARG" runs. The kernel passes ARG as one
 * argument, so "python3 -u" is one (missing) name unless env splits it
 * (-S); options and NAME=VALUE assignments are skipped. */
static void env_target(const char *arg, char *name, size_t n)
{
    name[0] = 0;
    if (arg[0] != '-') {
        snprintf(name, n, "%s", arg);
        return;
    }
    size_t i = 0, len = strlen(arg);
    int skip_next = 0;
    while (i < len) {
        while (i < len && (arg[i] == ' ' || arg[i] == '\t'))
            i++;
        size_t tl = strcspn(arg + i, " \t");
        const char *tok = arg + i;
        i += tl;
        if (tl == 0 || skip_next) {
            skip_next = 0;
            continue;
        }
        if (tok[0] == '-') {
            if (tl > 2 && tok[1] == 'S') /* -SNAME: the rest is the command line */
                i -= tl - 2;
            skip_next = (tl == 2 && (tok[1] == 'u' || tok[1] == 'C'));
            continue;
        }
        if (memchr(tok, '=', tl))
            continue;
        snprintf(name, n, "%.*s", (int)(tl < n ? tl : n - 1), tok);
        return;
    }
}

static void check_env(judge *j, const char *subject, const char *arg)
{
    char name[256], sub[SUBJ_MAX];
    env_target(arg, name, sizeof name);
    if (!name[0])
        return;
    if (strchr(name, '/')) {
        check_helper(j, subject, "interpreter", name, 0);
        return;
    }
    pc_sb_found f;
    if (pc_sb_path_search(j->c->fs, j->pathenv, j->workdir, name, j->u, &f)) {
        fmt(sub, sizeof sub, "%s: interpreter %s", subject, f.path);
        check_elf(j, sub, f.node, 1);
        return;
    }
    fmt(sub, sizeof sub, "%s: interpreter %s", subject, f.path);
    if (f.status == PC_LOOKUP_OK)
        judge_file(j, sub, f.node);
    else if (f.status != PC_LOOKUP_MISSING)
        lookup_failed(j, sub, f.path, f.status, f.at);
    else
        report(j, "%s: \"%s\" not found in PATH %.2048s%s", subject, name, j->pathenv,
               strpbrk(name, " \t") ? " (the kernel passes the rest of the #! line as one "
                                      "argument: use env -S)"
                                    : "");
}

/* Whether an interpreter path with a '\r' in it really names a file. */
static int crlf_interp_exists(judge *j, const char *ipath)
{
    char path[PC_SB_PATH_MAX];
    const pc_node *n = NULL, *at = NULL;
    return pc_sb_join(path, sizeof path, j->workdir, ipath) == 0 &&
           pc_sb_lookup(j->c->fs, path, j->u, 1, &n, &at) == PC_LOOKUP_OK;
}

static void check_script(judge *j, const char *subject, const pc_node *n)
{
    const char *line = n->e->interp ? n->e->interp : "";
    size_t plen = strcspn(line, " \t");
    char ipath[PC_SB_PATH_MAX], sub[SUBJ_MAX];
    if (plen == 0) {
        report(j, "%s: empty #! line: execve fails with ENOEXEC", subject);
        return;
    }
    if (plen >= sizeof ipath) {
        report(j, "%s: #! interpreter path too long", subject);
        return;
    }
    memcpy(ipath, line, plen);
    ipath[plen] = 0;
    const char *arg = line + plen;
    while (*arg == ' ' || *arg == '\t')
        arg++;
    if (strchr(ipath, '\r') && !crlf_interp_exists(j, ipath)) {
        report(j,
               "%s: the #! line ends in a carriage return (CRLF line endings): the "
               "interpreter \"%s\" does not exist",
               subject, ipath);
        return;
    }
    if (!check_helper(j, subject, "interpreter", ipath, 0))
        return;
    const char *base = strrchr(ipath, '/');
    base = base ? base + 1 : ipath;
    fmt(sub, sizeof sub, "%s: #!%s %s", subject, ipath, arg);
    if (strcmp(base, "env") == 0 && *arg)
        check_env(j, sub, arg);
}

/* "cap_net_raw,cap_net_admin" for a capability bit set. */
static void cap_list(uint64_t bits, char *buf, size_t n)
{
    size_t pos = 0;
    buf[0] = 0;
    for (int i = 0; i < PC_CAP_MAX && pos < n; i++) {
        if (!((bits >> i) & 1))
            continue;
        const char *name = pc_cap_name(i);
        int k = name ? snprintf(buf + pos, n - pos, "%s%s", pos ? "," : "", name)
                     : snprintf(buf + pos, n - pos, "%scap_%d", pos ? "," : "", i);
        if (k < 0 || (size_t)k >= n - pos)
            break;
        pos += (size_t)k;
    }
}

static void check_privs(judge *j, const char *subject, const pc_node *n)
{
    const pc_entry *e = n->e;
    const pc_sandbox_spec *sb = j->c->sandbox;
    char caps[512], names[512];
    if (e->has_cap && !e->cap_bad && e->cap.permitted) {
        uint64_t dropped = e->cap.permitted & sb->dropped_caps;
        pc_filecap_format(&e->cap, caps, sizeof caps);
        cap_list(dropped, names, sizeof names);
        if (dropped)
            report(j, "%s: needs %s (file capabilities %s), which the sandbox drops: %s", subject,
                   names, caps,
                   e->cap.effective ? "execve fails with EPERM" : "it runs without them");
        else if (sb->no_new_privileges && j->u->uid != 0)
            report(j,
                   "%s: file capabilities %s are not granted under no_new_privileges: it runs "
                   "without them",
                   subject, caps);
    }
    if ((e->mode & 04000) && sb->no_new_privileges && j->u->resolved && e->uid != j->u->uid)
        report(j,
               "%s: set-user-ID %u (mode %04o owner %u:%u) is ignored under no_new_privileges: "
               "it runs as %s, not uid %u",
               subject, e->uid, e->mode & 07777, e->uid, e->gid, j->u->who, e->uid);
}

/* The finding for a program the run mounts there (mount m of the run):
 * what it runs is not the image's, so it is not judged, and never passes
 * as runnable. */
static void on_mount(judge *j, const char *prog, const char *path, long m)
{
    j->path = path;
    /* the finding's path, tidied (for allow_paths and exceptions) */
    if (pc_path_normalise(path, j->real + 1, sizeof j->real - 1) == 0) {
        j->real[0] = '/';
        j->path = path = j->real;
    }
    report(j,
           "entrypoint \"%.1024s\": %.2048s is on %.512s mounted at %.1024s, which the image "
           "does not hold: what runs there is not judged",
           prog, path, j->c->run->mount_from[m], j->c->run->mounts[m]);
}

/* A program missing from the image because it is a symlink whose target
 * a mount of the run provides (/usr/local/bin/tool -> /opt/kit/tool with
 * a volume at /opt/kit): that mount's index, the target, made absolute,
 * in target; -1 otherwise. One link, the last component. */
static long link_mount(judge *j, const char *path, char *target, size_t n)
{
    const pc_node *link = pc_fsview_lookup(j->c->fs, path, 0);
    char dir[PC_SB_PATH_MAX];
    if (!link || link->type != PC_E_SYMLINK || !link->e || !link->e->link)
        return -1;
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) : 0;
    if (dl >= sizeof dir)
        return -1;
    memcpy(dir, path, dl);
    dir[dl] = '\0';
    if (pc_sb_join(target, n, *dir ? dir : "/", link->e->link) < 0)
        return -1;
    return pc_check_mount(j->c, target);
}

/* A bare name searched through PATH: the first entry, in order, that a
 * mount of the run covers, before the entry found holds the image's
 * program (found: as pc_sb_path_search built it, or NULL): its index, the
 * candidate in dir; -1 when the image's program comes first or no entry
 * is mounted over. */
static long path_mount(judge *j, const char *name, const char *found, char *cand, size_t n)
{
    const char *p = j->pathenv;
    for (size_t k = 0; k < PC_SB_PATH_ENTRIES; k++) {
        size_t len = strcspn(p, ":");
        char entry[PC_SB_PATH_MAX], dir[PC_SB_PATH_MAX];
        if (len >= sizeof entry)
            len = sizeof entry - 1;
        memcpy(entry, p, len);
        entry[len] = '\0';
        if (pc_sb_join(dir, sizeof dir, j->workdir, *entry ? entry : ".") == 0) {
            size_t dl = strlen(dir);
            if (found && strncmp(found, dir, dl) == 0 && found[dl] == '/' &&
                strcmp(found + dl + 1, name) == 0)
                return -1; /* the image's, found in an entry no mount covers */
            long m = pc_check_mount(j->c, dir);
            if (m >= 0 && pc_sb_join(cand, n, dir, name) == 0)
                return m;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    return -1;
}

/* Where the program is (path gets the candidate), or NULL after a finding. */
static const pc_node *locate(judge *j, const char *prog)
{
    char *path = j->cand;
    size_t n = sizeof j->cand;
    const pc_node *node = NULL, *at = NULL;
    pc_lookup_status st;
    char sub[SUBJ_MAX];
    long m; /* a mount of the run the program is on */
    fmt(sub, sizeof sub, "entrypoint %s", prog);
    if (!strchr(prog, '/')) {
        pc_sb_found f;
        pc_sb_path_search(j->c->fs, j->pathenv, j->workdir, prog, j->u, &f);
        m = path_mount(j, prog, f.status == PC_LOOKUP_MISSING ? NULL : f.path, path, n);
        if (m >= 0) {
            on_mount(j, prog, path, m);
            return NULL;
        }
        if (f.status == PC_LOOKUP_MISSING) {
            report(j, "entrypoint \"%.1024s\": not found in PATH %.2048s", prog, j->pathenv);
            return NULL;
        }
        fmt(path, n, "%s", f.path);
        st = f.status;
        node = f.node;
        at = f.at;
    } else if (pc_sb_join(path, n, j->workdir, prog) < 0) {
        report(j, "%s: path too long", sub);
        return NULL;
    } else if ((m = pc_check_mount(j->c, path)) >= 0) {
        on_mount(j, prog, path, m);
        return NULL;
    } else {
        st = pc_sb_lookup(j->c->fs, path, j->u, 1, &node, &at);
    }
    j->path = path;
    if (st == PC_LOOKUP_MISSING) {
        char target[PC_SB_PATH_MAX];
        if ((m = link_mount(j, path, target, sizeof target)) >= 0) {
            on_mount(j, prog, target, m);
            return NULL;
        }
    }
    if (st != PC_LOOKUP_OK) {
        /* the finding's path, tidied for allow_paths; the walk used it as written */
        if (pc_path_normalise(path, j->real + 1, sizeof j->real - 1) == 0) {
            j->real[0] = '/';
            j->path = j->real;
        }
        lookup_failed(j, sub, path, st, at);
        return NULL;
    }
    return node;
}

/* argv[1] of the process: Entrypoint then Cmd. */
static const char *argv1(const pc_imgconfig *cfg)
{
    const pc_strv *ep = &cfg->entrypoint, *cmd = &cfg->cmd;
    if (ep->n >= 2)
        return ep->v[1];
    if (ep->n == 1)
        return cmd->n ? cmd->v[0] : NULL;
    return cmd->n >= 2 ? cmd->v[1] : NULL;
}

/* Shell form ("/bin/sh -c ...", what a Dockerfile's RUN/CMD string
 * becomes) in an image without /bin/sh: a distroless image. */
static int shell_form_without_sh(judge *j, const char *prog)
{
    const char *a1 = argv1(j->c->cfg);
    if (strcmp(prog, "/bin/sh") != 0 || !a1 || strcmp(a1, "-c") != 0)
        return 0;
    if (pc_fsview_lookup(j->c->fs, "/bin/sh", 1))
        return 0;
    j->path = "/bin/sh";
    report(j, "shell-form command (/bin/sh -c ...) but the image has no /bin/sh (distroless?): "
              "use the exec form [\"/path/to/program\", \"arg\", ...]");
    return 1;
}

/* The report's needs_caps: what the program's file capabilities grant. */
static void note_caps(judge *j, const pc_node *n)
{
    pc_sandbox_info *s = &j->c->res->sandbox;
    const pc_entry *e = n->e;
    if (!e || !e->has_cap || e->cap_bad)
        return;
    for (int i = 0; i < PC_CAP_MAX; i++) {
        if (!((e->cap.permitted >> i) & 1))
            continue;
        const char *name = pc_cap_name(i);
        char *v = name ? pc_strdup(name) : pc_asprintf("cap_%d", i);
        char **p = v ? pc_reallocarray(s->needs_caps, s->nneeds_caps + 1, sizeof *p) : NULL;
        if (!p) {
            free(v);
            return;
        }
        p[s->nneeds_caps++] = v;
        s->needs_caps = p;
    }
}

/* The dynamic loader run as the program ("ld.so [OPTION...] PROG
 * ARG..."): glibc's and musl's loaders are static ELF files (no
 * PT_INTERP) named ld-linux*.so.N, ld64.so.N, ld.so.N or ld-musl-*.so.1. */
static int is_loader(const pc_entry *e, const char *prog, const char *real)
{
    static const char *const pre[] = {"ld-linux", "ld64.so.", "ld.so.", "ld-musl-"};
    if (!e || e->head != PC_HEAD_ELF || (e->interp && *e->interp))
        return 0;
    for (int k = 0; k < 2; k++) {
        const char *p = k ? real : prog, *b = strrchr(p, '/');
        b = b ? b + 1 : p;
        for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
            if (strncmp(b, pre[i], strlen(pre[i])) == 0 && strstr(b, ".so"))
                return 1;
    }
    return 0;
}

/* The run's argument i (after the program): the entrypoint's, then the
 * command's. NULL past the end. */
static const char *run_arg(const pc_imgconfig *cfg, size_t i)
{
    const pc_strv *ep = &cfg->entrypoint, *cmd = &cfg->cmd;
    if (ep->n) {
        if (i + 1 < ep->n)
            return ep->v[i + 1];
        i -= ep->n - 1;
        return i < cmd->n ? cmd->v[i] : NULL;
    }
    return i + 1 < cmd->n ? cmd->v[i + 1] : NULL;
}

/* The program a loader run as the entrypoint loads: the first argument
 * after its options (glibc's and musl's); NULL when the loader is asked
 * something else (--list, --verify, --help, ...) or an option is unknown:
 * then nothing more is said. */
static const char *loaded_program(const pc_imgconfig *cfg)
{
    static const char *const valued[] = {
        "--library-path",        "--inhibit-rpath",    "--audit", "--preload", "--argv0",
        "--glibc-hwcaps-prefix", "--glibc-hwcaps-mask"};
    static const char *const plain[] = {"--inhibit-cache"};
    for (size_t i = 0;; i++) {
        const char *a = run_arg(cfg, i);
        if (!a || strncmp(a, "--", 2) != 0)
            return a;
        int known = 0;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            if (strcmp(a, valued[k]) == 0) {
                known = 1;
                i++; /* its value */
            }
        for (size_t k = 0; k < sizeof plain / sizeof plain[0]; k++)
            known |= strcmp(a, plain[k]) == 0;
        if (!known)
            return NULL;
    }
}

/* "ld.so PROG": the loader opens PROG itself (read permission, not
 * execute; its own PT_INTERP is not used), then maps the libraries it
 * names (DT_NEEDED) as for any program. */
static void check_loaded(judge *j, const char *subject)
{
    const char *name = loaded_program(j->c->cfg);
    char sub[SUBJ_MAX];
    if (!name || !strchr(name, '/'))
        return; /* (a bare name: not looked for through PATH by the loader) */
    fmt(sub, sizeof sub, "%s: program %s", subject, name);
    const pc_node *n = find_named(j, sub, name);
    if (!n)
        return;
    if (n->type != PC_E_REG) {
        report(j, "%s: is a %s, not a regular file", sub, pc_sb_type_name(n->type));
        return;
    }
    if (j->u->resolved && !j->u->dac_override && !(pc_sb_perm_class(n, j->u) & 4)) {
        report(j, "%s: mode %04o owner %u:%u, not readable by %s: the loader cannot open it", sub,
               pc_node_mode(n) & 07777, pc_node_uid(n), pc_node_gid(n), j->u->who);
        return;
    }
    const pc_entry *e = n->e;
    if (!e || e->head != PC_HEAD_ELF)
        return;                   /* (its head is read only for files with an x bit) */
    if (check_machine(j, sub, e)) /* (the loader refuses another machine's) */
        check_needed(j, sub, e);
}

static void judge_program(judge *j, const char *prog)
{
    char *real = j->real, sub[SUBJ_MAX];
    pc_sandbox_info *s = &j->c->res->sandbox;
    if (!*prog) {
        report(j, "entrypoint is an empty string: nothing to execute");
        return;
    }
    if (shell_form_without_sh(j, prog))
        return;
    const pc_node *n = locate(j, prog);
    if (!n)
        return;
    pc_node_path(n, real, sizeof j->real);
    char *dup = pc_strdup(real);
    if (dup) {
        free(s->program);
        s->program = dup;
    }
    j->path = real;
    j->layer = pc_check_layer(j->c, n);
    if (strcmp(prog, real) == 0)
        fmt(sub, sizeof sub, "entrypoint %s", real);
    else
        fmt(sub, sizeof sub, "entrypoint %s -> %s", prog, real);
    note_caps(j, n);
    if (!judge_file(j, sub, n) && n->type != PC_E_REG)
        return;
    if (!n->e)
        return;
    check_privs(j, sub, n);
    if (!check_format(j, sub, n))
        return;
    if (n->e->head == PC_HEAD_ELF) {
        check_elf(j, sub, n, 0);
        if (is_loader(n->e, prog, real))
            check_loaded(j, sub);
    } else if (n->e->head == PC_HEAD_SCRIPT)
        check_script(j, sub, n);
}

static void unrunnable_config(pc_check_ctx *c)
{
    const pc_strv *ep = &c->cfg->entrypoint, *cmd = &c->cfg->cmd;
    const char *prog = ep->n ? ep->v[0] : cmd->n ? cmd->v[0] : NULL;
    const char *pathenv = pc_imgconfig_env(c->cfg, "PATH");
    judge j = {.c = c,
               .u = &c->users->sandbox,
               .pathenv = pathenv ? pathenv : PC_SB_DEFAULT_PATH,
               .workdir = "/"};
    /* a relative WorkingDir is taken from the root, as the runtime does */
    if (c->cfg->workdir && pc_sb_join(j.wd, sizeof j.wd, "/", c->cfg->workdir) == 0)
        j.workdir = j.wd;
    if (prog)
        judge_program(&j, prog);
    if (j.needs_root)
        c->res->sandbox.needs_root = 1;
}

const pc_check pc_check_entrypoint_unrunnable = {
    .id = "entrypoint-unrunnable",
    .help = "The program the sandbox would start cannot run there",
    .report_order = 30,
    .reads = PC_READS_CONFIG | PC_READS_FS | PC_READS_USERS,
    .ceiling = PC_ACTION_DENY,
    .config = unrunnable_config,
};
