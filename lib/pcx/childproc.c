/*
 * childproc.c — setting up a forked helper process: a key process or the
 * registry process (pcx.h, docs/privsep.md).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pcx.h"

static int child_fds(int sock, int at)
{
    int hi = fcntl(sock, F_DUPFD, at + 10), null = open("/dev/null", O_RDWR);
    if (hi < 0 || null < 0)
        return -1;
    for (int fd = 0; fd <= 2; fd++)
        if (fd < 2 || fcntl(2, F_GETFD) < 0) /* stderr stays, for sanitizer reports */
            dup2(null, fd);
    if (dup2(hi, at) != at)
        return -1;
    if (close_range((unsigned)at + 1, ~0U, 0) < 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = at + 1; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
            close((int)fd);
    }
    return 0;
}

int pc_child_setup(int sock, int at, pid_t parent, const char *name)
{
    sigset_t none;
    if (child_fds(sock, at) < 0)
        return -1;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        return -1;             /* the parent is already gone */
    prctl(PR_SET_DUMPABLE, 0); /* no ptrace, no /proc/PID/mem, no core for this uid */
    prctl(PR_SET_NAME, name);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_IGN); /* a terminal's ^C: the parent closes the socket, or dies */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    return 0;
}

int pc_child_reap(pid_t pid, int *reaped, char *why, size_t whylen)
{
    int st;
    if (!*reaped && waitpid(pid, &st, WNOHANG) == pid) {
        *reaped = 1;
        if (WIFSIGNALED(st))
            snprintf(why, whylen, "was killed by signal %d (%s)", WTERMSIG(st),
                     strsignal(WTERMSIG(st)));
        else
            snprintf(why, whylen, "exited with status %d", WEXITSTATUS(st));
    }
    return *reaped;
}

void pc_child_wait(pid_t pid, int *reaped, char *why, size_t whylen, unsigned ms)
{
    for (unsigned waited = 0; !pc_child_reap(pid, reaped, why, whylen) && waited < ms; waited++)
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    if (!*reaped) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        *reaped = 1;
    }
}

int pc_thread_count(void)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t k = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (k <= 0)
        return 0;
    buf[k] = '\0';
    const char *p = strrchr(buf, ')'); /* after the command's name, which may hold anything */
    int field = 2;
    for (; p && *p && field < 20; p++)
        field += *p == ' ';
    long n = p && field == 20 ? strtol(p, NULL, 10) : 0;
    return n > 0 && n < 1000000 ? (int)n : 0;
}
