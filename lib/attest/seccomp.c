/*
 * seccomp.c — the seccomp filters of the key processes (see privsep.h)
 * and of the scanning process (pc_privsep_confine, portcullis.h), built
 * by hand as classic BPF: no libseccomp.
 *
 * The scanning process's filter is a list of what it never needs, each
 * failing with EPERM (a library that tries one sees an error, not a
 * crash): running programs (execve, execveat), reaching into other
 * processes (ptrace, process_vm_*), the kernel's administrative calls
 * (mount and the new mount API, namespaces, chroot, modules, kexec, bpf,
 * perf, keyrings, userfaultfd, fanotify, handles, swap, reboot, the
 * clock, io_uring, iopl; a build with AddressSanitizer keeps ptrace,
 * which LeakSanitizer needs at exit), and, when it has no network to reach (the CLI:
 * its registry requests go through pc-fetch), making a socket (socketpair
 * stays). A foreign calling convention kills it, as below.
 *
 * The key processes':
 *
 * Allowed, and nothing else (anything else kills the process with
 * SIGSYS, which the parent reports):
 *   - recvfrom / sendto on the key process's socket; write on fd 2
 *     (sanitizer reports); read on any descriptor (the key file);
 *   - openat without a write access mode, O_CREAT, O_TRUNC, O_APPEND or
 *     O_TMPFILE; close, fstat, newfstatat, statx, lseek (re-reading the
 *     key file on a reload);
 *   - brk, mmap and mprotect without PROT_EXEC, munmap, mremap, madvise;
 *   - futex, sched_yield, getrandom, getpid, gettid, getrusage,
 *     clock_gettime (what OpenSSL, GnuTLS and libc ask for while signing);
 *   - rt_sigreturn, rt_sigprocmask, restart_syscall, exit, exit_group.
 * Only the native architecture's calling convention is accepted (on
 * x86-64 the x32 ABI is refused); other architectures are not supported
 * and the key process then refuses to start.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "attest/privsep.h"
#include "portcullis.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif

#if defined(__x86_64__)
#define PC_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define PC_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#define MAXF 160
#define NR_OFF ((unsigned)offsetof(struct seccomp_data, nr))
#define ARCH_OFF ((unsigned)offsetof(struct seccomp_data, arch))
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) ((unsigned)(offsetof(struct seccomp_data, args) + 8 * (i)))
#define ARG_HI(i) (ARG_LO(i) + 4)
#else
#define ARG_HI(i) ((unsigned)(offsetof(struct seccomp_data, args) + 8 * (i)))
#define ARG_LO(i) (ARG_HI(i) + 4)
#endif

typedef struct prog {
    struct sock_filter f[MAXF];
    unsigned n;
    int overflow;
} prog;

static void emit(prog *p, unsigned short code, unsigned char jt, unsigned char jf, unsigned k)
{
    if (p->n >= MAXF) {
        p->overflow = 1;
        return;
    }
    p->f[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

static void ld(prog *p, unsigned off)
{
    emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, off);
}

static void ret(prog *p, unsigned action)
{
    emit(p, BPF_RET | BPF_K, 0, 0, action);
}

/* nr, unconditionally. */
static void allow(prog *p, long nr)
{
    ld(p, NR_OFF);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (unsigned)nr);
    ret(p, SECCOMP_RET_ALLOW);
}

/* nr when args[i] == v (all 64 bits). */
static void allow_arg_eq(prog *p, long nr, unsigned i, unsigned v)
{
    ld(p, NR_OFF);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 5, (unsigned)nr);
    ld(p, ARG_LO(i));
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 3, v);
    ld(p, ARG_HI(i));
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
    ret(p, SECCOMP_RET_ALLOW);
}

/* nr when none of mask's bits is set in the low word of args[i] (an int
 * argument: the kernel ignores the high word). */
static void allow_arg_clear(prog *p, long nr, unsigned i, unsigned mask)
{
    ld(p, NR_OFF);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, (unsigned)nr);
    ld(p, ARG_LO(i));
    emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, mask);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
    ret(p, SECCOMP_RET_ALLOW);
}

#ifdef PC_AUDIT_ARCH
static void build(prog *p, int sock)
{
    ld(p, ARCH_OFF);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, PC_AUDIT_ARCH);
    ret(p, SECCOMP_RET_KILL_PROCESS);
#ifdef __x86_64__
    ld(p, NR_OFF); /* x32 system calls carry bit 30 */
    emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000U);
    ret(p, SECCOMP_RET_KILL_PROCESS);
#endif
    allow_arg_eq(p, SYS_recvfrom, 0, (unsigned)sock);
    allow_arg_eq(p, SYS_sendto, 0, (unsigned)sock);
    allow_arg_eq(p, SYS_write, 0, 2);
    allow(p, SYS_read);
    allow_arg_clear(p, SYS_openat, 2,
                    O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY));
    allow(p, SYS_close);
    allow(p, SYS_fstat);
    allow(p, SYS_newfstatat);
    allow(p, SYS_statx);
    allow(p, SYS_lseek);
    allow(p, SYS_brk);
    allow_arg_clear(p, SYS_mmap, 2, PROT_EXEC);
    allow_arg_clear(p, SYS_mprotect, 2, PROT_EXEC);
    allow(p, SYS_munmap);
    allow(p, SYS_mremap);
    allow(p, SYS_madvise);
    allow(p, SYS_futex);
    allow(p, SYS_sched_yield);
    allow(p, SYS_getrandom);
    allow(p, SYS_getpid);
    allow(p, SYS_gettid);
    allow(p, SYS_getrusage);
    allow(p, SYS_clock_gettime);
    allow(p, SYS_rt_sigreturn);
    allow(p, SYS_rt_sigprocmask);
    allow(p, SYS_restart_syscall);
    allow(p, SYS_exit);
    allow(p, SYS_exit_group);
    ret(p, SECCOMP_RET_KILL_PROCESS);
}
#endif

#ifdef PC_AUDIT_ARCH
#define LEAF 3 /* numbers compared one by one at the bottom of the search */

static int cmp_nr(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

/* The size of search(nr, n)'s code. */
static unsigned search_len(size_t n)
{
    if (n <= LEAF)
        return 2 * (unsigned)n + 1;
    size_t half = n / 2;
    return 1 + search_len(half) + search_len(n - half);
}

/* Deny the sorted numbers nr[0..n) with EPERM, allow anything else: a
 * binary search on the number (every system call pays for a handful of
 * comparisons, not one per number listed). The accumulator holds nr. */
static void search(prog *p, const unsigned *nr, size_t n)
{
    if (n <= LEAF) {
        for (size_t i = 0; i < n; i++) {
            emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, nr[i]);
            ret(p, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
        }
        ret(p, SECCOMP_RET_ALLOW);
        return;
    }
    size_t half = n / 2;
    unsigned left = search_len(half);
    if (left > 255) { /* (a jump reaches 255 instructions) */
        p->overflow = 1;
        return;
    }
    emit(p, BPF_JMP | BPF_JGT | BPF_K, (unsigned char)left, 0, nr[half - 1]);
    search(p, nr, half);
    search(p, nr + half, n - half);
}

static void build_scanner(prog *p, int flags)
{
    /* run programs and use keyrings: pc-fetch's credential helpers, which
     * inherit the filter (PC_CONFINE_EXEC) */
    static const long helpers[] = {SYS_execve, SYS_execveat, SYS_keyctl, SYS_add_key,
                                   SYS_request_key};
    static const long never[] = {
#ifndef __SANITIZE_ADDRESS__ /* LeakSanitizer stops the threads with ptrace at exit */
        SYS_ptrace,
#endif
        SYS_process_vm_readv,
        SYS_process_vm_writev,
        SYS_kexec_load,
        SYS_mount,
        SYS_umount2,
        SYS_pivot_root,
        SYS_chroot,
        SYS_setns,
        SYS_unshare,
        SYS_init_module,
        SYS_finit_module,
        SYS_delete_module,
        SYS_bpf,
        SYS_perf_event_open,
        SYS_userfaultfd,
        SYS_fanotify_init,
        SYS_open_by_handle_at,
        SYS_name_to_handle_at,
        SYS_swapon,
        SYS_swapoff,
        SYS_reboot,
        SYS_acct,
        SYS_settimeofday,
        SYS_clock_settime,
        SYS_io_uring_setup,
#ifdef SYS_kexec_file_load
        SYS_kexec_file_load,
#endif
#ifdef SYS_fsopen
        SYS_fsopen,
        SYS_fsmount,
        SYS_move_mount,
        SYS_open_tree,
        SYS_fsconfig,
        SYS_fspick,
#endif
#ifdef SYS_mount_setattr
        SYS_mount_setattr,
#endif
#ifdef SYS_iopl
        SYS_iopl,
        SYS_ioperm,
#endif
    };
    static const long sockets[] = {SYS_socket, SYS_connect, SYS_bind,
                                   SYS_listen, SYS_accept,  SYS_accept4};
    ld(p, ARCH_OFF);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, PC_AUDIT_ARCH);
    ret(p, SECCOMP_RET_KILL_PROCESS);
    ld(p, NR_OFF);
#ifdef __x86_64__
    emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000U); /* x32 */
    ret(p, SECCOMP_RET_KILL_PROCESS);
#endif
    unsigned nr[sizeof helpers / sizeof helpers[0] + sizeof never / sizeof never[0] +
                sizeof sockets / sizeof sockets[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        nr[n++] = (unsigned)never[i];
    for (size_t i = 0; !(flags & PC_CONFINE_EXEC) && i < sizeof helpers / sizeof helpers[0]; i++)
        nr[n++] = (unsigned)helpers[i];
    for (size_t i = 0; !(flags & PC_CONFINE_NETWORK) && i < sizeof sockets / sizeof sockets[0]; i++)
        nr[n++] = (unsigned)sockets[i];
    qsort(nr, n, sizeof nr[0], cmp_nr);
    search(p, nr, n);
}
#endif

#ifdef PC_AUDIT_ARCH
/* no_new_privs, then the filter p holds, for this thread and the ones it
 * starts later */
static int install(const prog *p, unsigned flags)
{
    if (p->overflow) {
        errno = EINVAL;
        return -1;
    }
    struct sock_fprog fp = {.len = (unsigned short)p->n, .filter = (struct sock_filter *)p->f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    if (flags && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp) == 0)
        return 0; /* (a kernel without the flag: as prctl installs it) */
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0);
}
#endif

int pc_privsep_confine(int flags)
{
#ifdef PC_AUDIT_ARCH
    prog p = {.n = 0};
    build_scanner(&p, flags);
    /* a kernel that would turn on the speculative store bypass mitigation
     * for every filtered thread is asked not to: the scanning process runs
     * no untrusted code, and the mitigation slows every load it makes */
    return install(&p, SECCOMP_FILTER_FLAG_SPEC_ALLOW);
#else
    (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

int pc_seccomp_keyproc(int sock)
{
#ifdef PC_AUDIT_ARCH
    prog p = {.n = 0};
    if (sock < 0) {
        errno = EINVAL;
        return -1;
    }
    build(&p, sock);
    return install(&p, 0);
#else
    (void)sock;
    errno = ENOSYS; /* no filter for this architecture: refuse rather than run unsandboxed */
    return -1;
#endif
}
