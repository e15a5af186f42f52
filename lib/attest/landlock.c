/*
 * landlock.c — the scanning process's filesystem confinement
 * (pc_fsconfine_*, portcullis.h; docs/privsep.md), with the kernel's
 * Landlock: once installed, the process (and every thread and child it
 * starts later) opens, lists, writes, creates, renames and removes files
 * only beneath the paths it was given. Everything else fails with EACCES:
 * the authfile, the key files the key processes hold, the user's home and
 * the rest of the host.
 *
 * The rule set handles every filesystem right the running kernel's ABI
 * knows (1: the first thirteen, 2: REFER, 3: TRUNCATE, 5: IOCTL_DEV), so
 * no right is left unrestricted because it was not listed. Rights on a
 * path that is a file are cut to those a file can carry (the kernel
 * refuses the others). A path that does not exist or cannot be opened is
 * left out (the process could not read it anyway).
 *
 * Beside the caller's paths it always allows what libraries read at run
 * time: /usr, /lib* and /bin, /sbin (read and map for execution),
 * the dynamic loader's cache, the CA bundles and the resolver's files
 * under /etc, /dev/null (read and write) and the random devices, the CPU list in /sys,
 * and the process's own /proc/PID/stat, status and fd (never environ,
 * mem or maps); TMPDIR (else /tmp) to set bytes aside (pc_tmpfile). A
 * build with AddressSanitizer also gets its own report and suppression
 * files (the sanitizer options' log_path and suppressions) and the
 * process's /proc/PID/maps, task, cmdline and auxv, which LeakSanitizer
 * and the symboliser read.
 *
 * With pc_fsconfine_net (ABI 4 and later) TCP is confined too: binding
 * and connecting only to the ports allowed (port 0 to bind: an ephemeral
 * one); UDP and unix sockets are not Landlock's.
 *
 * Landlock restricts the calling thread and what it starts from then on:
 * pc_fsconfine_apply refuses to run while the process has another thread
 * (it would stay unconfined; a count /proc cannot give is not refused).
 * Abstract unix sockets outside the domain
 * are scoped away too (ABI 6). A kernel without Landlock (before 5.13,
 * or not enabled), or a container whose seccomp profile refuses its
 * calls, leaves the process as it was: apply says so (0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "portcullis.h"
#include "pcx.h"

/* The kernel's constants (include/uapi/linux/landlock.h), here so that a
 * build against older headers still knows every ABI. */
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)
#define LL_FS_TRUNCATE (1ULL << 14)
#define LL_FS_IOCTL_DEV (1ULL << 15)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_RULE_NET_PORT 2
#define LL_NET_BIND_TCP (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)

#define LL_FS_ABI1 ((1ULL << 13) - 1)
#define LL_FS_FILE                                                                                 \
    (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

struct ll_path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port {
    uint64_t allowed_access;
    uint64_t port;
};

typedef struct allow {
    char *path;
    unsigned how;
} allow;

struct pc_fsconfine {
    allow *v;
    size_t n, cap;
    int net;            /* TCP bind and connect handled (pc_fsconfine_net) */
    int net_confined;   /* after apply: they were (ABI 4 and later) */
    uint16_t ports[64]; /* allowed ones; how in hows[] */
    unsigned char hows[64];
    size_t nports;
    char **secrets; /* files that should stay out of reach (pc_fsconfine_secret) */
    size_t nsecrets, capsecrets;
    pc_buf warnings; /* a secret that an allowed path reaches, one per line */
    int oom;         /* an allow that could not be kept: apply refuses */
};

pc_fsconfine *pc_fsconfine_new(void)
{
    return calloc(1, sizeof(pc_fsconfine));
}

void pc_fsconfine_free(pc_fsconfine *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].path);
    for (size_t i = 0; i < c->nsecrets; i++)
        free(c->secrets[i]);
    free(c->v);
    free(c->secrets);
    pc_buf_free(&c->warnings);
    free(c);
}

int pc_fsconfine_allow(pc_fsconfine *c, const char *path, unsigned how)
{
    if (!c || !path || !*path || !how || (how & ~(PC_FS_READ | PC_FS_WRITE | PC_FS_EXEC))) {
        if (c)
            c->oom = 1;
        errno = EINVAL;
        return -1;
    }
    if (pc_grow((void **)&c->v, &c->cap, c->n + 1, sizeof *c->v) < 0 ||
        !(c->v[c->n].path = pc_strdup(path))) {
        c->oom = 1;
        return -1;
    }
    c->v[c->n++].how = how;
    return 0;
}

int pc_fsconfine_allow_parent(pc_fsconfine *c, const char *path, unsigned how)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash)
        return pc_fsconfine_allow(c, ".", how);
    if (slash == path)
        return pc_fsconfine_allow(c, "/", how);
    char *dir = pc_strndup(path, (size_t)(slash - path));
    if (!dir) {
        if (c)
            c->oom = 1;
        return -1;
    }
    int rc = pc_fsconfine_allow(c, dir, how);
    free(dir);
    return rc;
}

void pc_fsconfine_net(pc_fsconfine *c)
{
    if (c)
        c->net = 1;
}

int pc_fsconfine_allow_port(pc_fsconfine *c, unsigned port, unsigned how)
{
    if (!c || port > 65535 || !how || (how & ~(PC_NET_BIND | PC_NET_CONNECT))) {
        if (c)
            c->oom = 1;
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < c->nports; i++)
        if (c->ports[i] == port) {
            c->hows[i] |= (unsigned char)how;
            return 0;
        }
    if (c->nports >= sizeof c->ports / sizeof c->ports[0]) {
        c->oom = 1; /* (more than a webhook names: refused, not dropped) */
        errno = E2BIG;
        return -1;
    }
    c->ports[c->nports] = (uint16_t)port;
    c->hows[c->nports++] = (unsigned char)how;
    return 0;
}

int pc_fsconfine_secret(pc_fsconfine *c, const char *path)
{
    if (!c || !path || !*path)
        return 0;
    if (pc_grow((void **)&c->secrets, &c->capsecrets, c->nsecrets + 1, sizeof *c->secrets) < 0 ||
        !(c->secrets[c->nsecrets] = pc_strdup(path))) {
        c->oom = 1;
        return -1;
    }
    c->nsecrets++;
    return 0;
}

int pc_fsconfine_net_confined(const pc_fsconfine *c)
{
    return c && c->net_confined;
}

const char *pc_fsconfine_warnings(const pc_fsconfine *c)
{
    return c && c->warnings.len ? c->warnings.p : NULL;
}

/* The allowed path (by device and inode) that a secret is, or is beneath:
 * its index, or -1. */
static long reaching(const struct stat *ids, size_t nids, const char *secret)
{
    char *real = realpath(secret, NULL);
    long hit = -1;
    for (char *end = real ? real + strlen(real) : NULL; end && hit < 0;) {
        struct stat st;
        if (stat(*real ? real : "/", &st) == 0)
            for (size_t i = 0; i < nids && hit < 0; i++)
                if (ids[i].st_ino == st.st_ino && ids[i].st_dev == st.st_dev &&
                    ids[i].st_nlink != 0)
                    hit = (long)i;
        if (end == real)
            break;
        while (end > real && *--end != '/')
            ;
        *end = '\0';
    }
    free(real);
    return hit;
}

/* Each secret an allowed path reaches, as a warning line. */
static void check_secrets(pc_fsconfine *c)
{
    if (!c->nsecrets)
        return;
    struct stat *ids = calloc(c->n ? c->n : 1, sizeof *ids);
    if (!ids) {
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < c->n; i++)
        if (stat(c->v[i].path, &ids[i]) < 0)
            ids[i].st_nlink = 0; /* (marks a path left out) */
    for (size_t k = 0; k < c->nsecrets; k++) {
        long i = reaching(ids, c->n, c->secrets[k]);
        if (i >= 0)
            pc_buf_printf(&c->warnings, "%s is within %s, which the scanning process may %s\n",
                          c->secrets[k], c->v[i].path,
                          c->v[i].how & PC_FS_WRITE ? "read and write" : "read");
    }
    free(ids);
    if (c->warnings.oom)
        c->oom = 1;
}

/* The rights a kind of allow grants, within what the ABI handles. */
static uint64_t rights(unsigned how, uint64_t handled)
{
    uint64_t r = 0;
    if (how & (PC_FS_READ | PC_FS_WRITE | PC_FS_EXEC))
        r |= LL_FS_READ_FILE | LL_FS_READ_DIR;
    if (how & PC_FS_EXEC)
        r |= LL_FS_EXECUTE;
    if (how & PC_FS_WRITE)
        r |= LL_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_MAKE_REG | LL_FS_MAKE_DIR |
             LL_FS_REMOVE_FILE | LL_FS_REMOVE_DIR | LL_FS_REFER;
    return r & handled;
}

/* One rule; 0 also when the path is left out (missing, unreadable). */
static int add_rule(int ruleset, const char *path, unsigned how, uint64_t handled, char *err,
                    size_t errlen)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    struct ll_path_beneath pb = {.allowed_access = rights(how, handled), .parent_fd = fd};
    int rc = 0;
    if (fstat(fd, &st) < 0)
        pb.allowed_access = 0;
    else if (!S_ISDIR(st.st_mode))
        pb.allowed_access &= LL_FS_FILE;
    if (pb.allowed_access &&
        syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0) < 0) {
        snprintf(err, errlen, "cannot confine the filesystem: a rule for %s: %s", path,
                 strerror(errno));
        rc = -1;
    }
    close(fd);
    return rc;
}

/* "log_path=DIR/FILE" and "suppressions=FILE" of a sanitizer's options. */
#ifdef __SANITIZE_ADDRESS__
static void sanitizer_files(pc_fsconfine *c, const char *opts)
{
    const char *s = opts ? getenv(opts) : NULL;
    while (s && *s) {
        size_t n = strcspn(s, ":");
        char *kv = pc_strndup(s, n);
        if (kv && strncmp(kv, "log_path=", 9) == 0 && kv[9] && strcmp(kv + 9, "stderr") != 0)
            (void)pc_fsconfine_allow_parent(c, kv + 9, PC_FS_WRITE);
        else if (kv && strncmp(kv, "suppressions=", 13) == 0 && kv[13])
            (void)pc_fsconfine_allow(c, kv + 13, PC_FS_READ);
        free(kv);
        s += n + (s[n] == ':');
    }
}
#endif

/* What libraries read while the process runs (see the top of the file). */
static void defaults(pc_fsconfine *c)
{
    static const char *const exec[] = {"/usr",    "/lib", "/lib64", "/lib32",
                                       "/libx32", "/bin", "/sbin"};
    static const char *const read[] = {
        "/etc/ld.so.cache", "/etc/ld.so.conf",      "/etc/ld.so.conf.d", "/etc/ssl",
        "/etc/pki",         "/etc/ca-certificates", "/etc/gnutls",       "/etc/crypto-policies",
        "/etc/localtime",   "/etc/nsswitch.conf",   "/etc/hosts",        "/etc/host.conf",
        "/etc/resolv.conf", "/etc/gai.conf",        "/etc/services",     "/etc/protocols",
        "/dev/zero",        "/dev/urandom",         "/dev/random",       "/sys/devices/system/cpu",
        "/proc/stat",       "/proc/meminfo"};
    char self[64];
    for (size_t i = 0; i < sizeof exec / sizeof exec[0]; i++)
        (void)pc_fsconfine_allow(c, exec[i], PC_FS_EXEC);
    for (size_t i = 0; i < sizeof read / sizeof read[0]; i++)
        (void)pc_fsconfine_allow(c, read[i], PC_FS_READ);
    static const char *const own[] = {
        "stat", "status", "fd",      "statm",
#ifdef __SANITIZE_ADDRESS__ /* what LeakSanitizer and the symboliser read */
        "maps", "task",   "cmdline", "auxv",
#endif
    };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        snprintf(self, sizeof self, "/proc/%ld/%s", (long)getpid(), own[i]);
        (void)pc_fsconfine_allow(c, self, PC_FS_READ);
    }
    (void)pc_fsconfine_allow(c, "/dev/null", PC_FS_WRITE);
    const char *tmp = getenv("TMPDIR");
    (void)pc_fsconfine_allow(c, tmp && *tmp ? tmp : "/tmp", PC_FS_WRITE);
#ifdef __SANITIZE_ADDRESS__
    sanitizer_files(c, "ASAN_OPTIONS");
    sanitizer_files(c, "UBSAN_OPTIONS");
    sanitizer_files(c, "LSAN_OPTIONS");
#endif
}

int pc_fsconfine_abi(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    return abi > 0 && abi < 1000 ? (int)abi : 0;
}

int pc_fsconfine_apply(pc_fsconfine *c, int *abi_out, char *err, size_t errlen)
{
    if (abi_out)
        *abi_out = 0;
    if (!c)
        return snprintf(err, errlen, "cannot confine the filesystem: out of memory"), -1;
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    if (abi < 1) {
        /* no Landlock in this kernel, not enabled, or refused by the
         * container's seccomp profile (older ones answer EPERM): nothing
         * installed */
        if (errno == ENOSYS || errno == EOPNOTSUPP || errno == EPERM)
            return 0;
        snprintf(err, errlen, "cannot confine the filesystem: Landlock: %s", strerror(errno));
        return -1;
    }
    int threads = pc_thread_count(); /* (0: /proc unreadable, not known) */
    if (threads > 1) {
        snprintf(err, errlen,
                 "cannot confine the filesystem: the process runs %d threads (Landlock "
                 "restricts only the thread that asks and those it starts later)",
                 threads);
        return -1;
    }
    defaults(c);
    check_secrets(c);
    if (c->oom)
        return snprintf(err, errlen, "cannot confine the filesystem: out of memory"), -1;
    struct ll_ruleset_attr attr = {.handled_access_fs = LL_FS_ABI1};
    size_t attr_size = sizeof attr.handled_access_fs;
    if (abi >= 2)
        attr.handled_access_fs |= LL_FS_REFER;
    if (abi >= 3)
        attr.handled_access_fs |= LL_FS_TRUNCATE;
    if (abi >= 4) {
        attr_size = offsetof(struct ll_ruleset_attr, scoped);
        if (c->net)
            attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
    }
    if (abi >= 5)
        attr.handled_access_fs |= LL_FS_IOCTL_DEV;
    if (abi >= 6) {
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET;
        attr_size = sizeof attr;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
    if (ruleset < 0) {
        snprintf(err, errlen, "cannot confine the filesystem: Landlock: %s", strerror(errno));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < c->n; i++)
        rc = add_rule(ruleset, c->v[i].path, c->v[i].how, attr.handled_access_fs, err, errlen);
    for (size_t i = 0; rc == 0 && attr.handled_access_net && i < c->nports; i++) {
        struct ll_net_port np = {.port = c->ports[i]};
        np.allowed_access = ((c->hows[i] & PC_NET_BIND) ? LL_NET_BIND_TCP : 0) |
                            ((c->hows[i] & PC_NET_CONNECT) ? LL_NET_CONNECT_TCP : 0);
        if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &np, 0) < 0) {
            snprintf(err, errlen, "cannot confine the network: a rule for TCP port %u: %s",
                     (unsigned)c->ports[i], strerror(errno));
            rc = -1;
        }
    }
    if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        snprintf(err, errlen, "cannot confine the filesystem: no_new_privs: %s", strerror(errno));
        rc = -1;
    }
    if (rc == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
        snprintf(err, errlen, "cannot confine the filesystem: Landlock: %s", strerror(errno));
        rc = -1;
    }
    close(ruleset);
    if (rc == 0 && abi_out)
        *abi_out = (int)abi;
    if (rc == 0)
        c->net_confined = attr.handled_access_net != 0;
    return rc < 0 ? -1 : 1;
}
