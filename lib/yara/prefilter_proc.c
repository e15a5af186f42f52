/*
 * prefilter_proc.c — building the prefilter in a child process
 * (pc_prefilter_build, prefilter.h).
 *
 * vectorscan's compiler peaks at 10 MiB of heap and more (24 MiB for
 * the shipped rules' ELF strings compiled alone). glibc keeps that heap
 * once it is freed, in the main arena, where the scan's workers never
 * reuse it: every run that compiled the rules grew its peak RSS by that
 * much. A child
 * process compiles and writes back what the rules cache keeps (the saved
 * form, pc_prefilter_save) or, for a prefilter that stays off, its status;
 * the parent loads it as a run with a warm cache does.
 *
 * The child is a fork of the caller made only to compute: it compiles,
 * writes, and ends with _exit (nothing the parent registered runs in it).
 * Only a process of one thread forks (the CLI compiles its rules before
 * it starts its workers): a fork of a process whose other threads hold
 * locks (a dlopen's, under getaddrinfo; an allocator's) can leave the
 * child waiting on them for ever, and vectorscan's compiler takes such
 * locks. A process running other threads (the webhook once it serves)
 * compiles in process.
 * Anything failing on the way (no fork, a pipe, a child that dies or
 * takes longer than CHILD_SECONDS, bytes that do not load) builds the
 * prefilter in this process instead: the outcome is the same prefilter
 * either way, only the memory differs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pcx.h"
#include "yara/prefilter.h"

#define CHILD_SECONDS 300      /* a rule set that compiles longer is built here */
#define REPLY_MAX (256u << 20) /* the saved databases; the shipped rules' are 350 KB */

static void child(int fd, struct YR_RULES *yr, const pc_pf_source *src, size_t n)
{
    pc_prefilter *pf = pc_prefilter_new(yr, src, n);
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = 1;
    if (pf && pc_prefilter_active(pf))
        rc = pc_prefilter_save(pf, &buf, &len) == 0 && pc_write_full(fd, buf, len) == 0 ? 0 : 1;
    else if (pf)
        rc = pc_write_full(fd, (const unsigned char *)pc_prefilter_status(pf),
                           strlen(pc_prefilter_status(pf)) + 1) == 0
                 ? 0
                 : 1;
    _exit(rc); /* no free: the process ends */
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Everything the child writes, up to its end; -1 on a timeout, an error
 * or more than REPLY_MAX bytes. */
static int read_reply(int fd, pc_buf *b)
{
    long long deadline = now_ms() + CHILD_SECONDS * 1000LL;
    char chunk[65536];
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0)
            return -1;
        int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        ssize_t k = read(fd, chunk, sizeof chunk);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            return 0;
        if ((size_t)k > REPLY_MAX - b->len)
            return -1;
        pc_buf_add(b, chunk, (size_t)k);
        if (b->oom)
            return -1;
    }
}

/* The prefilter from what a child wrote and how it ended; NULL when
 * anything is off. */
static pc_prefilter *from_child(pid_t pid, int fd)
{
    pc_buf b = {0};
    int ok = read_reply(fd, &b) == 0, status = 0;
    if (!ok)
        kill(pid, SIGKILL);
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    /* reaped elsewhere (SIGCHLD ignored): the bytes must load all the same */
    if (w == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        ok = 0;
    pc_prefilter *pf = NULL;
    if (ok && b.len >= 4 && memcmp(b.p, "on: ", 4) == 0)
        pf = pc_prefilter_load((const unsigned char *)b.p, b.len);
    else if (ok && b.len >= 6 && memcmp(b.p, "off: ", 5) == 0 && b.p[b.len - 1] == '\0' &&
             strlen(b.p) == b.len - 1)
        pf = pc_prefilter_off(b.p);
    pc_buf_free(&b);
    return pf;
}

pc_prefilter *pc_prefilter_build(struct YR_RULES *yr, const pc_pf_source *src, size_t n)
{
    int fd[2];
    if (yr && pc_thread_count() == 1 && pipe(fd) == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            close(fd[0]);
            child(fd[1], yr, src, n);
        }
        close(fd[1]);
        pc_prefilter *pf = pid > 0 ? from_child(pid, fd[0]) : NULL;
        close(fd[0]);
        if (pf)
            return pf;
    }
    return pc_prefilter_new(yr, src, n);
}
