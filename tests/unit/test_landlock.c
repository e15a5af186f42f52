/*
 * test_landlock.c — the scanning process's filesystem confinement
 * (pc_fsconfine_*, lib/attest/landlock.c, lib/fsneeds.c) with the kernel's
 * own Landlock: each case runs in a forked child (a confinement cannot be
 * undone), which reports one bit per access that behaved wrongly.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "portcullis.h"
#include "pcx.h"
#include "testlib.h"

static char root[] = "/tmp/pc-landlock-XXXXXX";

static void put(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void dir(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    mkdir(p, 0700);
}

static char *at(const char *rel)
{
    static char p[4][512]; /* (the test's own: a few paths at once) */
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", root, rel);
    return p[k];
}

/* 1 when opening path with flags fails with EACCES. */
static int refused(const char *path, int flags)
{
    errno = 0;
    int fd = open(path, flags | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno == EACCES;
}

static int opens(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC, 0600);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

static int lists(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    closedir(d);
    return 1;
}

static void *read_secret(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)refused(at("secret/key"), O_RDONLY);
}

/* The main case: what the CLI allows for an oci: layout and a cache. */
static int confined_child(void)
{
    char err[1024];
    int bad = 0, abi = 0;
    setenv("TMPDIR", at("tmp"), 1);
    pc_fsconfine *c = pc_fsconfine_new();
    pc_options o;
    pc_options_init(&o);
    o.cache_dir = at("cache/new/dir"); /* made, as a cache directory is */
    if (!c || pc_fsconfine_allow_options(c, &o, 0) < 0 ||
        pc_fsconfine_allow_image(c, at("layout")) < 0 || /* a bare name: docker:// */
        pc_fsconfine_allow(c, at("ro"), PC_FS_READ) < 0 ||
        pc_fsconfine_allow(c, at("rw"), PC_FS_WRITE) < 0 ||
        pc_fsconfine_allow(c, at("one/file"), PC_FS_WRITE) < 0 ||
        pc_fsconfine_allow(c, at("missing/path"), PC_FS_READ) < 0)
        return 0xffff;
    char ref[600];
    snprintf(ref, sizeof ref, "oci:%s:latest", at("layout"));
    if (pc_fsconfine_allow_image(c, ref) < 0)
        return 0xffff;
    snprintf(ref, sizeof ref, "docker-archive:%s", at("arch/image.tar"));
    if (pc_fsconfine_allow_image(c, ref) < 0 ||
        pc_fsconfine_allow_image(c, "docker://127.0.0.1:5000/team/app:1") < 0)
        return 0xffff;
    int rc = pc_fsconfine_apply(c, &abi, err, sizeof err);
    pc_fsconfine_free(c);
    if (rc != 1) {
        fprintf(stderr, "  apply: %d (%s)\n", rc, rc < 0 ? err : "no Landlock in this kernel");
        return 0xfffe;
    }
    bad |= (abi < 1) << 0;
    /* read-only: read and list, never write or create */
    bad |= !(opens(at("ro/f"), O_RDONLY) && opens(at("ro/sub/g"), O_RDONLY) && lists(at("ro")))
           << 1;
    bad |= !(refused(at("ro/f"), O_WRONLY) && refused(at("ro/new"), O_WRONLY | O_CREAT) &&
             unlink(at("ro/f")) < 0 && errno == EACCES)
           << 2;
    /* outside every rule: the secret, the home's files, the root, /etc */
    bad |= !(refused(at("secret/key"), O_RDONLY) && refused(at("home/.bashrc"), O_WRONLY) &&
             refused(at("home/new"), O_WRONLY | O_CREAT) && !lists(root) &&
             refused("/etc/shadow", O_RDONLY) && refused("/etc/passwd", O_RDONLY))
           << 3;
    /* read and write: create, write, truncate, rename, make and remove */
    int fd = open(at("rw/out"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bad |= !(fd >= 0 && write(fd, "x", 1) == 1) << 4;
    if (fd >= 0)
        close(fd);
    bad |= !(mkdir(at("rw/d"), 0700) == 0 && rename(at("rw/out"), at("rw/d/out")) == 0 &&
             unlink(at("rw/d/out")) == 0 && rmdir(at("rw/d")) == 0)
           << 5;
    /* a file's own rule: it, not its directory's other files */
    bad |= !(opens(at("one/file"), O_RDWR) && refused(at("one/other"), O_RDONLY) &&
             refused(at("one/new"), O_WRONLY | O_CREAT))
           << 6;
    /* the options' cache directory was made and is writable; the images' */
    bad |= !(opens(at("cache/new/dir/f"), O_WRONLY | O_CREAT) && lists(at("layout")) &&
             opens(at("layout/index.json"), O_RDONLY) && opens(at("arch/image.tar"), O_RDONLY) &&
             refused(at("arch/other.tar"), O_RDONLY))
           << 7;
    /* what libraries read; the process's own /proc files, not its environ */
    char self[64];
    snprintf(self, sizeof self, "/proc/%ld/environ", (long)getpid());
    bad |= !(opens("/dev/null", O_RDWR) && opens("/proc/self/stat", O_RDONLY) &&
             opens("/usr/lib/os-release", O_RDONLY) && lists("/usr/lib") &&
             refused(self, O_RDONLY) && refused("/proc/1/stat", O_RDONLY))
           << 8;
    /* TMPDIR: bytes set aside */
    fd = pc_tmpfile(NULL);
    bad |= !(fd >= 0 && write(fd, "x", 1) == 1) << 9;
    if (fd >= 0)
        close(fd);
    /* a thread and a child started later are confined too */
    pthread_t t;
    void *ret = NULL;
    bad |= !(pthread_create(&t, NULL, read_secret, NULL) == 0 && pthread_join(t, &ret) == 0 &&
             ret == (void *)1)
           << 10;
    pid_t pid = fork();
    if (pid == 0)
        _exit(refused(at("secret/key"), O_RDONLY) ? 0 : 1);
    int st = -1;
    bad |= !(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) << 11;
    /* libraries' files beside (stat is not a Landlock right: stat a secret
     * works; what it holds does not) */
    struct stat sb;
    bad |= !(stat(at("secret/key"), &sb) == 0) << 12;
    return bad;
}

static void *wait_fd(void *arg)
{
    char b;
    (void)!read(*(int *)arg, &b, 1);
    return NULL;
}

/* A listening TCP socket on 127.0.0.1, its port in *port; -1. */
static int listener(unsigned *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 4) < 0 ||
        getsockname(s, (struct sockaddr *)&sa, &sl) < 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return s;
}

/* connect (bind: bind) to 127.0.0.1:port: 0, or errno. */
static int tcp(unsigned port, int bind_it)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;
    if (s < 0)
        return errno;
    rc = bind_it ? bind(s, (struct sockaddr *)&sa, sizeof sa)
                 : connect(s, (struct sockaddr *)&sa, sizeof sa);
    int e = rc < 0 ? errno : 0;
    close(s);
    return e;
}

/* TCP confined: connect and bind only to the ports allowed. */
static int net_child(void)
{
    char err[1024];
    int bad = 0, abi = 0;
    unsigned ok = 0, other = 0;
    setenv("TMPDIR", at("tmp"), 1);
    int l1 = listener(&ok), l2 = listener(&other);
    pc_fsconfine *c = pc_fsconfine_new();
    if (l1 < 0 || l2 < 0 || !c)
        return 0xffff;
    pc_fsconfine_net(c);
    if (pc_fsconfine_allow_port(c, ok, PC_NET_CONNECT) < 0 ||
        pc_fsconfine_allow_port(c, 0, PC_NET_BIND) < 0)
        return 0xffff;
    /* a port that is none: refused, and the set it was given to with it */
    pc_fsconfine *bad_set = pc_fsconfine_new();
    bad |= !(bad_set && pc_fsconfine_allow_port(bad_set, 70000, PC_NET_BIND) < 0 &&
             pc_fsconfine_apply(bad_set, &abi, err, sizeof err) < 0)
           << 5;
    pc_fsconfine_free(bad_set);
    int rc = pc_fsconfine_apply(c, &abi, err, sizeof err);
    int net = pc_fsconfine_net_confined(c);
    pc_fsconfine_free(c);
    if (rc != 1)
        return 0xfffe;
    bad |= !(abi >= 4 && net) << 0;
    bad |= (tcp(ok, 0) != 0) << 1;             /* allowed: the listener answers */
    bad |= (tcp(other, 0) != EACCES) << 2;     /* another port: refused */
    bad |= (tcp(0, 1) != 0) << 3;              /* an ephemeral port to bind */
    bad |= (tcp(other + 1, 1) != EACCES) << 4; /* (any other port to bind) */
    close(l1);
    close(l2);
    return bad;
}

/* With a second thread running nothing is installed: it would stay free. */
static int threads_child(void)
{
    char err[1024];
    int bad = 0, p[2], abi = 7;
    pthread_t t;
    if (pipe(p) < 0 || pthread_create(&t, NULL, wait_fd, &p[0]) != 0)
        return 0xffff;
    pc_fsconfine *c = pc_fsconfine_new();
    int rc = pc_fsconfine_apply(c, &abi, err, sizeof err);
    pc_fsconfine_free(c);
    bad |= !(rc == -1 && strstr(err, "2 threads") && abi == 0) << 0;
    bad |= !opens(at("secret/key"), O_RDONLY) << 1;
    (void)!write(p[1], "x", 1);
    pthread_join(t, NULL);
    return bad;
}

/* The webhook's reloads: the policy's and exceptions' directories, the
 * rules directory, the policies directory; not their neighbours. */
static int reload_child(void)
{
    char err[1024];
    int bad = 0, abi = 0;
    setenv("TMPDIR", at("tmp"), 1);
    pc_options o;
    pc_options_init(&o);
    o.policy = at("cm/policy.json");
    o.exceptions = at("ex/exceptions.json");
    o.rules = at("rules/one.yar");
    o.policies_dir = at("pols");
    pc_fsconfine *c = pc_fsconfine_new();
    pc_fsconfine *none = pc_fsconfine_new();
    if (!c || !none || pc_fsconfine_allow_options(c, &o, 1) < 0)
        return 0xffff;
    /* reloads 0: nothing of these (the CLI has read them) */
    pc_options_init(&o);
    o.policy = at("cm/policy.json");
    if (pc_fsconfine_allow_options(none, &o, 0) < 0)
        return 0xffff;
    pc_fsconfine_free(none);
    /* secrets: one beside the policy (said), one through a symlink into
     * the rules (said), one out of reach (not) */
    if (pc_fsconfine_secret(c, at("cm/tls.key")) < 0 ||
        pc_fsconfine_secret(c, at("link/inner.yar")) < 0 ||
        pc_fsconfine_secret(c, at("secret/key")) < 0)
        return 0xffff;
    int rc = pc_fsconfine_apply(c, &abi, err, sizeof err);
    const char *w = pc_fsconfine_warnings(c);
    char want[600];
    snprintf(want, sizeof want, "%s is within %s, which the scanning process may read\n",
             at("cm/tls.key"), at("cm"));
    bad |=
        !(w && strstr(w, want) && strstr(w, at("link/inner.yar")) && !strstr(w, at("secret/key")))
        << 3;
    if (w && (bad & 8))
        fprintf(stderr, "  warnings: %s", w);
    pc_fsconfine_free(c);
    if (rc != 1)
        return 0xfffe;
    bad |= !(opens(at("cm/policy.json"), O_RDONLY) && opens(at("cm/new.json"), O_RDONLY) &&
             refused(at("cm/policy.json"), O_WRONLY))
           << 0;
    bad |= !(opens(at("ex/exceptions.json"), O_RDONLY) && opens(at("rules/two.yar"), O_RDONLY) &&
             opens(at("pols/p.json"), O_RDONLY))
           << 1;
    bad |= !(refused(at("secret/key"), O_RDONLY) && refused(at("ro/f"), O_RDONLY)) << 2;
    return bad;
}

/* A policy allowed for reloads, then nothing else: a built-in name
 * allows no directory of its own (only the policies directory). */
static int builtin_child(void)
{
    char err[1024];
    int abi = 0;
    setenv("TMPDIR", at("tmp"), 1);
    pc_options o;
    pc_options_init(&o);
    o.policy = "restricted";
    o.policies_dir = at("pols");
    pc_fsconfine *c = pc_fsconfine_new();
    if (!c || pc_fsconfine_allow_options(c, &o, 1) < 0 ||
        pc_fsconfine_apply(c, &abi, err, sizeof err) != 1)
        return 0xffff;
    pc_fsconfine_free(c);
    return !(opens(at("pols/p.json"), O_RDONLY) && refused(at("cm/policy.json"), O_RDONLY));
}

static void check_child(const char *name, int (*fn)(void))
{
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        int bad = fn();
        (void)!write(p[1], &bad, sizeof bad);
        _exit(0);
    }
    close(p[1]);
    int bad = -1, st = -1;
    CHECK(read(p[0], &bad, sizeof bad) == (ssize_t)sizeof bad);
    close(p[0]);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(bad == 0);
    if (bad)
        fprintf(stderr, "  %s: accesses that behaved wrongly: 0x%x\n", name, bad);
}

int main(void)
{
    CHECK(mkdtemp(root) != NULL);
    static const char *const dirs[] = {"ro",   "ro/sub", "rw",     "one",  "secret",
                                       "home", "tmp",    "layout", "arch", "cache",
                                       "cm",   "ex",     "rules",  "pols"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        dir(dirs[i]);
    put("ro/f", "f");
    put("ro/sub/g", "g");
    put("one/file", "1");
    put("one/other", "2");
    put("secret/key", "secret");
    put("home/.bashrc", "rc");
    put("layout/index.json", "{}");
    put("arch/image.tar", "t");
    put("arch/other.tar", "t");
    put("cm/policy.json", "{}");
    put("cm/new.json", "{}");
    put("ex/exceptions.json", "[]");
    put("rules/one.yar", "");
    put("rules/two.yar", "");
    put("pols/p.json", "{}");
    put("cm/tls.key", "k");
    put("rules/inner.yar", "");
    CHECK(symlink("rules", at("link")) == 0);
    check_child("confined", confined_child);
    check_child("threads", threads_child);
    check_child("reload", reload_child);
    check_child("builtin", builtin_child);
    check_child("net", net_child);
    /* the parent was never confined */
    CHECK(opens(at("secret/key"), O_RDONLY));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
