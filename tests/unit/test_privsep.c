/*
 * test_privsep.c — the key processes' wire and sandbox (docs/privsep.md):
 * the codec refuses truncated, oversize, trailing, wrong-magic,
 * wrong-version and reserved-bit packets, and never reads past what it is
 * given (every prefix, every byte flipped, under ASan); a real signing key
 * process answers malformed packets with BAD_PACKET and keeps working,
 * refuses unknown ops and wrong payload sizes, signs exactly DSSE's
 * encoding of the verdict type; its seccomp filter kills a process that
 * makes a forbidden system call; a killed key process makes every call
 * fail (fail closed) and says how it ended.
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <errno.h>
#include <unistd.h>
#include "attest.h"
#include "privsep.h"
#include "signer.h"
#include "testlib.h"

static unsigned char big[PC_PS_HDR + PC_PS_REQ_MAX + 64], src[PC_PS_REQ_MAX + 64];

static void test_request_codec(void)
{
    unsigned char pkt[64];
    pc_ps_req rq;
    size_t n = pc_ps_req_encode(pkt, sizeof pkt, 7, 0x01020304, "hello", 5);
    CHECK(n == PC_PS_HDR + 5);
    CHECK(memcmp(pkt, "PCSQ\x01\x07\x00\x00\x01\x02\x03\x04\x00\x00\x00\x05hello", n) == 0);
    CHECK(pc_ps_req_decode(pkt, n, &rq) == PC_PS_OK);
    CHECK(rq.op == 7 && rq.id == 0x01020304 && rq.len == 5 && memcmp(rq.body, "hello", 5) == 0);
    /* every shorter prefix is truncated, one more byte is trailing */
    for (size_t i = 0; i < n; i++)
        CHECK(pc_ps_req_decode(pkt, i, &rq) == PC_PS_ETRUNC);
    pkt[n] = 'x';
    CHECK(pc_ps_req_decode(pkt, n + 1, &rq) == PC_PS_ETRAIL);
    /* header fields */
    unsigned char bad[64];
    memcpy(bad, pkt, n);
    bad[0] = 'X';
    CHECK(pc_ps_req_decode(bad, n, &rq) == PC_PS_EMAGIC);
    memcpy(bad, pkt, n);
    memcpy(bad, "PCSP", 4); /* a reply is not a request */
    CHECK(pc_ps_req_decode(bad, n, &rq) == PC_PS_EMAGIC);
    memcpy(bad, pkt, n);
    bad[4] = 2;
    CHECK(pc_ps_req_decode(bad, n, &rq) == PC_PS_EVERSION);
    memcpy(bad, pkt, n);
    bad[7] = 1;
    CHECK(pc_ps_req_decode(bad, n, &rq) == PC_PS_ERESERVED);
    /* announced lengths: above the maximum (whatever the packet holds), or
     * more than the packet holds */
    memcpy(bad, pkt, n);
    pc_ps_put32(bad + 12, PC_PS_REQ_MAX + 1);
    CHECK(pc_ps_req_decode(bad, n, &rq) == PC_PS_ETOOBIG);
    pc_ps_put32(bad + 12, 0xffffffffu);
    CHECK(pc_ps_req_decode(bad, n, &rq) == PC_PS_ETOOBIG);
    pc_ps_put32(bad + 12, 6);
    CHECK(pc_ps_req_decode(bad, n, &rq) == PC_PS_ETRUNC);
    pc_ps_put32(bad + 12, 4);
    CHECK(pc_ps_req_decode(bad, n, &rq) == PC_PS_ETRAIL);
    /* the largest request, and one byte more */
    CHECK(pc_ps_req_encode(big, sizeof big, 1, 1, src, PC_PS_REQ_MAX) == PC_PS_HDR + PC_PS_REQ_MAX);
    CHECK(pc_ps_req_decode(big, PC_PS_HDR + PC_PS_REQ_MAX, &rq) == PC_PS_OK &&
          rq.len == PC_PS_REQ_MAX);
    CHECK(pc_ps_req_encode(big, sizeof big, 1, 1, src, PC_PS_REQ_MAX + 1) == 0);
    CHECK(pc_ps_req_encode(pkt, sizeof pkt, 1, 1, src, sizeof pkt - PC_PS_HDR + 1) == 0);
    CHECK(pc_ps_req_encode(pkt, PC_PS_HDR - 1, 1, 1, NULL, 0) == 0);
    /* an empty body */
    n = pc_ps_req_encode(pkt, sizeof pkt, 2, 9, NULL, 0);
    CHECK(n == PC_PS_HDR && pc_ps_req_decode(pkt, n, &rq) == PC_PS_OK && rq.len == 0);
}

static void test_reply_codec(void)
{
    unsigned char pkt[128];
    pc_ps_rep r;
    size_t n = pc_ps_rep_encode(pkt, sizeof pkt, PC_PS_ST_FAILED, 42, "\x01\x02", 2, "why", 3);
    CHECK(n == PC_PS_HDR + 5);
    CHECK(pc_ps_rep_decode(pkt, n, &r) == PC_PS_OK);
    CHECK(r.status == PC_PS_ST_FAILED && r.id == 42 && r.dlen == 2 && r.mlen == 3 &&
          memcmp(r.data, "\x01\x02", 2) == 0 && memcmp(r.msg, "why", 3) == 0);
    for (size_t i = 0; i < n; i++)
        CHECK(pc_ps_rep_decode(pkt, i, &r) == PC_PS_ETRUNC);
    CHECK(pc_ps_rep_decode(pkt, n + 1, &r) == PC_PS_ETRAIL);
    pc_ps_req rq;
    CHECK(pc_ps_req_decode(pkt, n, &rq) == PC_PS_EMAGIC); /* a reply is not a request */
    unsigned char bad[128];
    memcpy(bad, pkt, n);
    bad[12] = (PC_PS_DATA_MAX + 1) >> 8;
    bad[13] = (PC_PS_DATA_MAX + 1) & 0xff;
    CHECK(pc_ps_rep_decode(bad, n, &r) == PC_PS_ETOOBIG);
    memcpy(bad, pkt, n);
    bad[14] = 0xff;
    bad[15] = 0xff;
    CHECK(pc_ps_rep_decode(bad, n, &r) == PC_PS_ETOOBIG);
    memcpy(bad, pkt, n);
    bad[15] = 4; /* one more message byte than there is */
    CHECK(pc_ps_rep_decode(bad, n, &r) == PC_PS_ETRUNC);
    CHECK(pc_ps_rep_encode(big, sizeof big, 0, 1, src, PC_PS_DATA_MAX + 1, NULL, 0) == 0);
    CHECK(pc_ps_rep_encode(big, sizeof big, 0, 1, NULL, 0, (char *)src, PC_PS_MSG_MAX + 1) == 0);
    CHECK(pc_ps_rep_encode(big, sizeof big, 0, 1, src, PC_PS_DATA_MAX, (char *)src,
                           PC_PS_MSG_MAX) == PC_PS_HDR + PC_PS_DATA_MAX + PC_PS_MSG_MAX);
}

/* Every byte of a valid packet flipped to every value: the decoder answers
 * (OK or an error), and ASan sees no read outside the packet. */
static void test_flips(void)
{
    unsigned char pkt[40], copy[40];
    size_t n = pc_ps_req_encode(pkt, sizeof pkt, 1, 5, "0123456789", 10);
    int odd = 0;
    for (size_t i = 0; i < n; i++)
        for (int v = 0; v < 256; v++) {
            unsigned char *p = malloc(n); /* exact size: ASan catches any overread */
            memcpy(copy, pkt, n);
            copy[i] = (unsigned char)v;
            memcpy(p, copy, n);
            pc_ps_req rq;
            pc_ps_rep r;
            int rc = pc_ps_req_decode(p, n, &rq);
            if (rc == PC_PS_OK && (rq.len != 10 || rq.body != p + PC_PS_HDR))
                odd++;
            if (rc > 0 || rc < PC_PS_ETRAIL)
                odd++;
            rc = pc_ps_rep_decode(p, n, &r);
            if (rc > 0 || rc < PC_PS_ETRAIL)
                odd++;
            free(p);
        }
    CHECK(odd == 0);
}

static char dir[] = "/tmp/pc-privsep.XXXXXX";

/* A raw packet to the key process; the reply's status, or -1. */
static int raw(pc_keyproc *kp, const void *pkt, size_t n, uint32_t id, pc_ps_answer *a)
{
    char err[600];
    return pc_keyproc_call_raw(kp, pkt, n, id, a, err, sizeof err) < 0 ? -1 : a->status;
}

static int verifies(const unsigned char pub[32], const char *payload, const unsigned char *sig)
{
    unsigned char *pae;
    size_t pl;
    EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = k && md &&
             pc_dsse_pae(PC_INTOTO_PAYLOAD_TYPE, (const unsigned char *)payload, strlen(payload),
                         &pae, &pl) == 0;
    ok = ok && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
         EVP_DigestVerify(md, sig, 64, pae, pl) == 1;
    if (k && md)
        free(pae);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return ok;
}

static void test_signer_process(void)
{
    char key[300], err[600], cmd[800];
    unsigned char pub[32], pkt[64];
    pc_keyproc *kp = NULL;
    pc_ps_answer a;
    snprintf(key, sizeof key, "%s/k.pem", dir);
    snprintf(cmd, sizeof cmd, "openssl genpkey -algorithm ed25519 -out %s && chmod 600 %s", key,
             key);
    CHECK(system(cmd) == 0);
    CHECK(pc_signer_keyproc_start(key, &kp, pub, err, sizeof err) == 0);
    if (!kp)
        return;
    /* malformed packets: answered BAD_PACKET, naming what was wrong */
    size_t n = pc_ps_req_encode(pkt, sizeof pkt, PC_SIGNER_OP_PUBKEY, 11, NULL, 0);
    pkt[0] = 'X';
    CHECK(raw(kp, pkt, n, 11, &a) == PC_PS_ST_BAD_PACKET);
    CHECK_CONTAINS(a.msg, "wrong magic");
    CHECK(raw(kp, "PCSQ\x01\x02", 6, 0, &a) == PC_PS_ST_BAD_PACKET);
    CHECK_CONTAINS(a.msg, "truncated");
    n = pc_ps_req_encode(pkt, sizeof pkt, PC_SIGNER_OP_SIGN, 12, "abcdef", 6);
    CHECK(raw(kp, pkt, n - 1, 12, &a) == PC_PS_ST_BAD_PACKET);
    CHECK_CONTAINS(a.msg, "truncated");
    pkt[n] = 0;
    CHECK(raw(kp, pkt, n + 1, 12, &a) == PC_PS_ST_BAD_PACKET);
    CHECK_CONTAINS(a.msg, "bytes after");
    pc_ps_put32(pkt + 12, PC_PS_REQ_MAX + 1);
    CHECK(raw(kp, pkt, n, 12, &a) == PC_PS_ST_BAD_PACKET);
    CHECK_CONTAINS(a.msg, "above the maximum");
    /* a packet larger than any request: cut by the socket, refused whole */
    memset(src, 'A', sizeof src);
    pc_ps_req_encode(big, sizeof big, PC_SIGNER_OP_SIGN, 13, src, PC_PS_REQ_MAX);
    CHECK(raw(kp, big, sizeof big, 13, &a) == PC_PS_ST_BAD_PACKET);
    CHECK_CONTAINS(a.msg, "above the maximum");
    /* well-formed, wrong for the op */
    n = pc_ps_req_encode(pkt, sizeof pkt, 77, 14, NULL, 0);
    CHECK(raw(kp, pkt, n, 14, &a) == PC_PS_ST_UNKNOWN_OP);
    n = pc_ps_req_encode(pkt, sizeof pkt, PC_SIGNER_OP_PUBKEY, 15, "x", 1);
    CHECK(raw(kp, pkt, n, 15, &a) == PC_PS_ST_BAD_ARGS);
    n = pc_ps_req_encode(pkt, sizeof pkt, PC_SIGNER_OP_SIGN, 16, NULL, 0);
    CHECK(raw(kp, pkt, n, 16, &a) == PC_PS_ST_BAD_ARGS);
    n = pc_ps_req_encode(pkt, sizeof pkt, PC_SIGNER_OP_RELOAD, 17, "x", 1);
    CHECK(raw(kp, pkt, n, 17, &a) == PC_PS_ST_BAD_ARGS);
    /* still alive, and it signs DSSE's encoding of the in-toto type over a
     * verdict statement */
    const char *payload =
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"r\","
        "\"digest\":{\"sha256\":\"ab\"}}],\"predicateType\":\"https://portcullis.io/verdict/"
        "v1\",\"predicate\":{\"verdict\":\"allow\"}}";
    CHECK(pc_keyproc_call(kp, PC_SIGNER_OP_SIGN, payload, strlen(payload), &a, err, sizeof err) ==
              0 &&
          a.status == PC_PS_ST_OK && a.dlen == 96);
    CHECK(memcmp(a.data, pub, 32) == 0 && verifies(pub, payload, a.data + 32));
    CHECK(pc_keyproc_call(kp, PC_SIGNER_OP_PUBKEY, NULL, 0, &a, err, sizeof err) == 0 &&
          a.dlen == 32 && memcmp(a.data, pub, 32) == 0);
    /* nothing but a verdict statement: not a bare payload, not another
     * predicate type, not a statement with duplicate keys */
    const char *refused[] = {
        "{\"verdict\":\"allow\"}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"r\","
        "\"digest\":{\"sha256\":\"ab\"}}],\"predicateType\":\"https://slsa.dev/provenance/"
        "v1\",\"predicate\":{}}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"r\","
        "\"digest\":{\"sha256\":\"ab\"}}],\"predicateType\":\"https://portcullis.io/verdict/"
        "v1\",\"predicateType\":\"https://slsa.dev/provenance/v1\",\"predicate\":{}}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[],\"predicateType\":"
        "\"https://portcullis.io/verdict/v1\",\"predicate\":{}}"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        CHECK(pc_keyproc_call(kp, PC_SIGNER_OP_SIGN, refused[i], strlen(refused[i]), &a, err,
                              sizeof err) == 0 &&
              a.status == PC_PS_ST_FAILED);
        CHECK_CONTAINS(a.msg, "in-toto statement");
    }
    /* the largest statement signs too */
    size_t head = strlen(payload) - 3; /* up to "allow" */
    memcpy(src, payload, head);
    memset(src + head, 'a', PC_PS_REQ_MAX - head - 3);
    memcpy(src + PC_PS_REQ_MAX - 3, "\"}}", 3);
    CHECK(pc_keyproc_call(kp, PC_SIGNER_OP_SIGN, src, PC_PS_REQ_MAX, &a, err, sizeof err) == 0 &&
          a.status == PC_PS_ST_OK);
    CHECK(pc_keyproc_call(kp, PC_SIGNER_OP_SIGN, src, PC_PS_REQ_MAX + 1, &a, err, sizeof err) ==
          -1);
    CHECK_CONTAINS(err, "too large");
    CHECK(pc_keyproc_alive(kp, NULL, 0) == 1);
    /* a reload that fails keeps the key; the process lives on */
    chmod(key, 0644);
    CHECK(pc_keyproc_call(kp, PC_SIGNER_OP_RELOAD, NULL, 0, &a, err, sizeof err) == 0 &&
          a.status == PC_PS_ST_FAILED);
    CHECK_CONTAINS(a.msg, "accessible by other users");
    chmod(key, 0600);
    CHECK(pc_keyproc_call(kp, PC_SIGNER_OP_RELOAD, NULL, 0, &a, err, sizeof err) == 0 &&
          a.status == PC_PS_ST_OK && memcmp(a.data, pub, 32) == 0);
    /* killed: every later call fails, and it says how it ended */
    kill(pc_keyproc_pid(kp), SIGKILL);
    CHECK(pc_keyproc_call(kp, PC_SIGNER_OP_SIGN, payload, strlen(payload), &a, err, sizeof err) ==
          -1);
    CHECK_CONTAINS(err, "killed by signal 9");
    CHECK(pc_keyproc_alive(kp, err, sizeof err) == 0);
    CHECK_CONTAINS(err, "pc-signer");
    CHECK(pc_keyproc_call(kp, PC_SIGNER_OP_PUBKEY, NULL, 0, &a, err, sizeof err) == -1);
    pc_keyproc_stop(kp);
    unlink(key);
}

/* A key process whose op 1 makes a system call its sandbox forbids. */
static int toy_init(void *st, unsigned char *data, size_t *dlen, char *msg, size_t msglen)
{
    *dlen = 0;
    return 0;
}

static int toy_handle(void *st, const pc_ps_req *rq, unsigned char *data, size_t *dlen, char *msg,
                      size_t msglen)
{
    if (rq->op == 1) {
        int fd = open((const char *)st, O_WRONLY | O_CREAT, 0600); /* seccomp: killed here */
        snprintf(msg, msglen, "open for writing returned %d", fd);
        return PC_PS_ST_FAILED;
    }
    if (rq->op == 2) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        snprintf(msg, msglen, "socket returned %d", fd);
        return PC_PS_ST_FAILED;
    }
    if (rq->op == 3) {
        int fd = open((const char *)st, O_RDONLY);
        snprintf(msg, msglen, "%d", fd);
        if (fd >= 0)
            close(fd);
        return fd >= 0 ? PC_PS_ST_OK : PC_PS_ST_FAILED;
    }
    return PC_PS_ST_UNKNOWN_OP;
}

static void test_sandbox(void)
{
    static const pc_keyproc_ops toy = {"pc-toy", toy_init, toy_handle};
    char path[600], err[600];
    pc_ps_answer hello, a;
    snprintf(path, sizeof path, "%s/forbidden", dir);
    for (uint8_t op = 1; op <= 2; op++) {
        pc_keyproc *kp = NULL;
        CHECK(pc_keyproc_start(&toy, path, strlen(path) + 1, &kp, &hello, err, sizeof err) == 0);
        if (!kp)
            return;
        CHECK(pc_keyproc_call(kp, 3, NULL, 0, &a, err, sizeof err) == 0); /* reading: allowed */
        CHECK(pc_keyproc_call(kp, op, NULL, 0, &a, err, sizeof err) == -1);
        CHECK_CONTAINS(err, "a system call its sandbox does not allow");
        CHECK(pc_keyproc_alive(kp, NULL, 0) == 0);
        pc_keyproc_stop(kp);
    }
    CHECK(access(path, F_OK) != 0); /* nothing was created */
}

/* Whether a program runs: a child runs /bin/false, whose status 1 says
 * it ran (127: execve failed). */
static int runs_false(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"false", NULL};
        execve("/bin/false", argv, environ);
        _exit(127);
    }
    int st = -1;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 1;
}

/* In a child: the scanning process's filter (pc_privsep_confine with
 * flags), then each call; the exit status has one bit per call that
 * behaved wrongly. */
static int confined(int flags)
{
    int bad = 0, sv[2];
    int network = flags & PC_CONFINE_NETWORK, exec = flags & PC_CONFINE_EXEC;
    if (pc_privsep_confine(flags) < 0)
        return 0xff;
    if (exec) {
        bad |= !runs_false() << 0; /* pc-fetch's credential helpers */
    } else {
        char *argv[] = {"false", NULL};
        errno = 0; /* (were it run, false's status 1 says so) */
        bad |= !(execve("/bin/false", argv, environ) == -1 && errno == EPERM) << 0;
    }
    errno = 0;
#ifndef __SANITIZE_ADDRESS__ /* (kept under AddressSanitizer: LeakSanitizer uses it) */
    bad |= !(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1 && errno == EPERM) << 1;
#endif
    errno = 0;
    bad |= !(unshare(CLONE_NEWUSER) == -1 && errno == EPERM) << 2;
    errno = 0;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    bad |= (network ? s < 0 : !(s == -1 && errno == EPERM)) << 3;
    bad |= (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) << 4; /* pc-fetch's answers */
    int fd = open("/dev/null", O_RDONLY);
    bad |= (fd < 0) << 5;
    FILE *st = fopen("/proc/self/status", "r");
    char line[256];
    int mode = -1;
    while (st && fgets(line, sizeof line, st))
        if (sscanf(line, "Seccomp: %d", &mode) == 1)
            break;
    bad |= (mode != 2) << 6;
    /* every call of the list, with arguments no kernel would act on were
     * it let through (all -1: bad pointers, descriptors, flags, magic) */
    static const long helpers[] = {SYS_execve, SYS_execveat, SYS_keyctl, SYS_add_key,
                                   SYS_request_key};
    for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++) {
        errno = 0;
        long r = syscall(helpers[i], -1L, -1L, -1L, -1L, -1L, -1L);
        if (exec ? r == -1 && errno == EPERM : !(r == -1 && errno == EPERM)) {
            fprintf(stderr, "  system call %ld %s (errno %d)\n", helpers[i],
                    exec ? "refused" : "not refused", errno);
            bad |= 1 << 7;
        }
    }
    static const long listed[] = {
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
#ifdef SYS_fsopen
        SYS_fsopen,
        SYS_fsmount,
        SYS_move_mount,
        SYS_open_tree,
        SYS_fsconfig,
        SYS_fspick,
#endif
#ifdef SYS_iopl
        SYS_iopl,
        SYS_ioperm,
#endif
    };
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++) {
        errno = 0;
        if (!(syscall(listed[i], -1L, -1L, -1L, -1L, -1L, -1L) == -1 && errno == EPERM)) {
            fprintf(stderr, "  system call %ld not refused (errno %d)\n", listed[i], errno);
            bad |= 1 << 7;
        }
    }
    /* and what it needs goes through: a bad descriptor is EBADF, not EPERM */
    static const long needed[] = {SYS_read,  SYS_write,  SYS_close,   SYS_fstat, SYS_lseek,
                                  SYS_futex, SYS_getpid, SYS_getppid, SYS_gettid};
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        errno = 0;
        long r = syscall(needed[i], -1L, 0L, 0L, 0L, 0L, 0L);
        if (r == -1 && errno == EPERM) {
            fprintf(stderr, "  system call %ld refused\n", needed[i]);
            bad |= 1 << 7;
        }
    }
    return bad;
}

static void test_confine(void)
{
    /* the CLI's, the webhook's, pc-fetch's */
    static const int flags[] = {0, PC_CONFINE_NETWORK, PC_CONFINE_NETWORK | PC_CONFINE_EXEC};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(confined(flags[i]));
        int st = -1;
        CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
        CHECK(WEXITSTATUS(st) == 0);
        if (WEXITSTATUS(st))
            fprintf(stderr, "  flags %d: calls that behaved wrongly: 0x%x\n", flags[i],
                    WEXITSTATUS(st));
    }
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    test_confine();
    test_request_codec();
    test_reply_codec();
    test_flips();
    test_signer_process();
    test_sandbox();
    rmdir(dir);
    TEST_MAIN_END();
}
