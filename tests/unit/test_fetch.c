/*
 * test_fetch.c — the registry process (pc-fetch: fetch.h, fetchwire.h,
 * docs/privsep.md). The request codec refuses truncated, trailing,
 * wrong-magic, wrong-version, unknown-op and reserved-bit packets, NULs
 * and strings not given that carry bytes, and never reads past what it is
 * given (every prefix, every byte flipped, under ASan); frame headers are
 * bounded per type. A real registry process answers a malformed packet,
 * one with two descriptors and a request for an unknown client with an
 * ERR frame naming what was wrong and keeps serving; errors of a registry
 * come back as their message; a killed registry process fails every later
 * request with how it ended.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pcx.h"
#include "ctx.h"
#include "registry/fetch.h"
#include "registry/fetchwire.h"
#include "testlib.h"

static unsigned char pkt[PC_FW_PKT_MAX + 8];
static pc_fw_in in;

static void test_codec(void)
{
    pc_fw_req rq = {.op = PC_FW_OPEN,
                    .id = 0x01020304,
                    .ctx = 9,
                    .flags = 1,
                    .num = 0x1122334455667788ull,
                    .s = {"r.io", "lib/x", NULL, ""}};
    size_t n = pc_fw_encode(&rq, pkt);
    CHECK(n == PC_FW_HDR + 4 * 2 + 4 + 5);
    CHECK(memcmp(pkt, "PCFQ\x01\x03", 6) == 0);
    CHECK(pc_fw_decode(pkt, n, &in) == NULL);
    CHECK(in.op == PC_FW_OPEN && in.id == 0x01020304 && in.ctx == 9 && in.flags == 1 &&
          in.num == 0x1122334455667788ull);
    CHECK(strcmp(in.s[0], "r.io") == 0 && strcmp(in.s[1], "lib/x") == 0);
    CHECK(in.given[0] && in.given[1] && !in.given[2] && in.given[3] && in.s[3][0] == 0);
    for (size_t i = 0; i < n; i++) /* every prefix */
        CHECK(pc_fw_decode(pkt, i, &in) != NULL);
    pkt[n] = 0;
    CHECK(strcmp(pc_fw_decode(pkt, n + 1, &in), "trailing bytes") == 0);
    unsigned char save;
    struct {
        size_t at;
        unsigned char v;
        const char *why;
    } bad[] = {{0, 'X', "bad magic"},
               {4, 2, "unknown version"},
               {5, 0, "unknown op"},
               {5, PC_FW_OP_LAST + 1, "unknown op"},
               {7, 0x1b, "reserved bits set"},
               {7, 0x09, "a string not given has bytes"}, /* string 1 has bytes */
               {PC_FW_HDR + 2, 0, "NUL in a string"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        save = pkt[bad[i].at];
        pkt[bad[i].at] = bad[i].v;
        const char *why = pc_fw_decode(pkt, n, &in);
        CHECK(why != NULL && strcmp(why, bad[i].why) == 0);
        if (!why || strcmp(why, bad[i].why) != 0)
            fprintf(stderr, "  case %zu: %s\n", i, why ? why : "(accepted)");
        pkt[bad[i].at] = save;
    }
    CHECK(pc_fw_decode(pkt, n, &in) == NULL); /* (restored) */
    /* a string length past the packet */
    save = pkt[PC_FW_HDR];
    pkt[PC_FW_HDR] = 0x40;
    CHECK(pc_fw_decode(pkt, n, &in) != NULL);
    pkt[PC_FW_HDR] = save;
    /* every byte flipped: decoded or refused, never read past n (ASan) */
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 8; b++) {
            pkt[i] ^= (unsigned char)(1u << b);
            (void)pc_fw_decode(pkt, n, &in);
            pkt[i] ^= (unsigned char)(1u << b);
        }
    /* the longest strings fit; one more byte does not encode */
    char *s = malloc(PC_FW_STR_MAX + 2);
    memset(s, 'a', PC_FW_STR_MAX);
    s[PC_FW_STR_MAX] = 0;
    pc_fw_req full = {.op = PC_FW_BLOB, .s = {s, s, s, s}};
    n = pc_fw_encode(&full, pkt);
    CHECK(n == PC_FW_PKT_MAX && pc_fw_decode(pkt, n, &in) == NULL);
    s[PC_FW_STR_MAX] = 'a';
    s[PC_FW_STR_MAX + 1] = 0;
    CHECK(pc_fw_encode(&full, pkt) == 0);
    free(s);
    CHECK(strcmp(pc_fw_decode(pkt, PC_FW_PKT_MAX + 1, &in), "packet too long") == 0);
}

static void test_frames(void)
{
    unsigned char h[PC_FF_HDR];
    uint8_t t;
    uint32_t l;
    pc_ff_hdr(h, PC_FF_DATA, PC_FF_DATA_MAX);
    CHECK(pc_ff_parse(h, &t, &l) == NULL && t == PC_FF_DATA && l == PC_FF_DATA_MAX);
    pc_ff_hdr(h, PC_FF_DATA, PC_FF_DATA_MAX + 1);
    CHECK(pc_ff_parse(h, &t, &l) != NULL);
    pc_ff_hdr(h, PC_FF_DATA, 0);
    CHECK(pc_ff_parse(h, &t, &l) != NULL);
    pc_ff_hdr(h, PC_FF_END, 1);
    CHECK(pc_ff_parse(h, &t, &l) != NULL);
    pc_ff_hdr(h, PC_FF_ERR, PC_FF_MSG_MAX + 1);
    CHECK(pc_ff_parse(h, &t, &l) != NULL);
    pc_ff_hdr(h, PC_FF_META, 256);
    CHECK(pc_ff_parse(h, &t, &l) != NULL);
    pc_ff_hdr(h, 'Q', 0);
    CHECK(pc_ff_parse(h, &t, &l) != NULL);
}

/* Send n bytes of pkt to the raw registry process with nfd answer
 * sockets; the first answer's frames read back: its first frame type,
 * and an ERR's message into msg. */
static int ask_raw(int ctl, const unsigned char *p, size_t n, int nfd, char *msg, size_t msglen)
{
    int sv[2][2];
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(2 * sizeof(int))];
    } cm;
    memset(&cm, 0, sizeof cm);
    struct iovec iov = {(void *)p, n};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    for (int i = 0; i < nfd; i++)
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]) < 0)
            return -1;
    if (nfd) {
        m.msg_control = cm.b;
        m.msg_controllen = CMSG_SPACE((size_t)nfd * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)nfd * sizeof(int));
        for (int i = 0; i < nfd; i++)
            memcpy(CMSG_DATA(c) + (size_t)i * sizeof(int), &sv[i][1], sizeof(int));
    }
    if (sendmsg(ctl, &m, 0) != (ssize_t)n)
        return -1;
    for (int i = 0; i < nfd; i++)
        close(sv[i][1]);
    int type = -1;
    if (nfd) {
        unsigned char h[PC_FF_HDR];
        uint8_t t;
        uint32_t l;
        msg[0] = 0;
        if (recv(sv[0][0], h, sizeof h, MSG_WAITALL) == PC_FF_HDR &&
            pc_ff_parse(h, &t, &l) == NULL) {
            type = t;
            if (t == PC_FF_ERR && l < msglen && recv(sv[0][0], msg, l, MSG_WAITALL) == (ssize_t)l)
                msg[l] = 0;
        }
    }
    for (int i = 0; i < nfd; i++)
        close(sv[i][0]);
    return type;
}

/* A registry process on a socketpair of its own: its pid (sv[0] is ours). */
static pid_t start_raw(int sv[2])
{
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        pc_fetchd_main(sv[1]);
    }
    close(sv[1]);
    return pid;
}

/* Close it: it ends on EOF, with status 0. */
static void stop_raw(int sv[2], pid_t pid)
{
    close(sv[0]);
    int st = -1;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* One request, encoded: the answer's type as ask_raw. */
static int ask(int sock, const pc_fw_req *rq, char *msg, size_t msglen)
{
    size_t n = pc_fw_encode(rq, pkt);
    return n ? ask_raw(sock, pkt, n, 1, msg, msglen) : -2;
}

static void test_raw_process(void)
{
    int sv[2];
    char msg[PC_FF_MSG_MAX + 1];
    pid_t pid = start_raw(sv);
    /* a malformed packet: ERR with the reason */
    CHECK(ask_raw(sv[0], (const unsigned char *)"PCFQ", 4, 1, msg, sizeof msg) == PC_FF_ERR);
    CHECK(strcmp(msg, "truncated header") == 0);
    /* a context, then a request for a client nobody opened */
    pc_fw_req rq = {.op = PC_FW_CTX_NEW, .id = 5};
    size_t n = pc_fw_encode(&rq, pkt);
    CHECK(ask_raw(sv[0], pkt, n, 1, msg, sizeof msg) == PC_FF_END);
    CHECK(ask_raw(sv[0], pkt, n, 1, msg, sizeof msg) == PC_FF_ERR); /* the same id twice */
    CHECK(strstr(msg, "exists") != NULL);
    rq = (pc_fw_req){.op = PC_FW_BLOB, .id = 77, .num = 10, .s = {"sha256:00"}};
    n = pc_fw_encode(&rq, pkt);
    CHECK(ask_raw(sv[0], pkt, n, 1, msg, sizeof msg) == PC_FF_ERR);
    CHECK(strcmp(msg, "no such registry client") == 0);
    /* two descriptors: refused */
    CHECK(ask_raw(sv[0], pkt, n, 2, msg, sizeof msg) == PC_FF_ERR);
    CHECK(strcmp(msg, "more than one descriptor") == 0);
    /* a request that needs an answer socket, without one: ignored, and
     * the process still answers */
    CHECK(ask_raw(sv[0], pkt, n, 0, msg, sizeof msg) == -1);
    rq = (pc_fw_req){.op = PC_FW_OPEN, .id = 6, .ctx = 99, .s = {"127.0.0.1:1", "x"}};
    n = pc_fw_encode(&rq, pkt);
    CHECK(ask_raw(sv[0], pkt, n, 1, msg, sizeof msg) == PC_FF_ERR);
    CHECK(strcmp(msg, "no context 99") == 0);
    /* a list never sealed: nothing opens; and with another context
     * alive (5), a context cannot be sealed */
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_NEW, .id = 20}, msg, sizeof msg) == PC_FF_END);
    CHECK(ask(sv[0],
              &(pc_fw_req){.op = PC_FW_CTX_ALLOW, .id = 20, .s = {"127.0.0.1:1", "team/app"}}, msg,
              sizeof msg) == PC_FF_END);
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_ALLOW, .id = 20}, msg, sizeof msg) == PC_FF_ERR);
    CHECK(strstr(msg, "is not the registry process's only one") != NULL);
    CHECK(ask(sv[0],
              &(pc_fw_req){.op = PC_FW_OPEN, .id = 21, .ctx = 20, .s = {"127.0.0.1:1", "team/app"}},
              msg, sizeof msg) == PC_FF_ERR);
    CHECK(strstr(msg, "list of repositories was never sealed") != NULL);
    stop_raw(sv, pid);
}

/* A registry process whose one context is bound to one repository and
 * sealed with its settings (CTX_ALLOW): another repository is refused,
 * other settings are, the list cannot grow, and no other context is made,
 * not even after the bound one is freed. */
static void test_raw_bound(void)
{
    int sv[2];
    char msg[PC_FF_MSG_MAX + 1];
    char auth[] = "/tmp/pc-test-fetch-auth.XXXXXX";
    int afd = mkstemp(auth);
    CHECK(afd >= 0 && write(afd, "{\"auths\": {}}", 13) == 13);
    close(afd);
    pid_t pid = start_raw(sv);
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_NEW, .id = 8}, msg, sizeof msg) == PC_FF_END);
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_ALLOW, .id = 8, .s = {"127.0.0.1:1", "team/app"}},
              msg, sizeof msg) == PC_FF_END);
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_ALLOW, .id = 8, .s = {"127.0.0.1:1", NULL}}, msg,
              sizeof msg) == PC_FF_ERR); /* half a repository */
    CHECK(strstr(msg, "needs a domain and a path") != NULL);
    CHECK(
        ask(sv[0],
            &(pc_fw_req){.op = PC_FW_CTX_ALLOW, .id = 8, .flags = 1, .s = {NULL, NULL, NULL, auth}},
            msg, sizeof msg) == PC_FF_END); /* the seal */
    static const struct {
        const char *domain, *repo, *cert_dir, *authfile;
        int tls;
        const char *says; /* NULL: opens */
    } t[] = {
        {"127.0.0.1:1", "team/other", NULL, "AUTH", 1, "is not one of the images"},
        {"127.0.0.2:1", "team/app", NULL, "AUTH", 1, "is not one of the images"},
        {"127.0.0.1:1", "team/app", NULL, "/etc/passwd", 1, "other registry settings"},
        {"127.0.0.1:1", "team/app", NULL, NULL, 1, "other registry settings"},
        {"127.0.0.1:1", "team/app", NULL, "", 1, "other registry settings"},
        {"127.0.0.1:1", "team/app", "/tmp", "AUTH", 1, "other registry settings"},
        {"127.0.0.1:1", "team/app", NULL, "AUTH", 0, "other registry settings"},
        {"127.0.0.1:1", "team/app", NULL, "AUTH", 1, NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const char *af = t[i].authfile && strcmp(t[i].authfile, "AUTH") == 0 ? auth : t[i].authfile;
        pc_fw_req rq = {.op = PC_FW_OPEN,
                        .id = 30 + (uint32_t)i,
                        .ctx = 8,
                        .flags = (uint8_t)t[i].tls,
                        .s = {t[i].domain, t[i].repo, t[i].cert_dir, af}};
        int type = ask(sv[0], &rq, msg, sizeof msg);
        CHECK(type == (t[i].says ? PC_FF_ERR : PC_FF_END));
        if (t[i].says)
            CHECK(strstr(msg, t[i].says) != NULL && strstr(msg, "does not open it") != NULL);
        if (type != (t[i].says ? PC_FF_ERR : PC_FF_END))
            fprintf(stderr, "  open %zu: %s\n", i, msg);
    }
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_ALLOW, .id = 8, .s = {"127.0.0.1:1", "team/x"}},
              msg, sizeof msg) == PC_FF_ERR);
    CHECK(strstr(msg, "sealed") != NULL);
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_ALLOW, .id = 8}, msg, sizeof msg) == PC_FF_ERR);
    /* no way out through a new context, before or after the bound one
     * is freed */
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_NEW, .id = 9}, msg, sizeof msg) == PC_FF_ERR);
    CHECK(strstr(msg, "makes no other context") != NULL);
    size_t n = pc_fw_encode(&(pc_fw_req){.op = PC_FW_CTX_FREE, .id = 8}, pkt);
    CHECK(ask_raw(sv[0], pkt, n, 0, msg, sizeof msg) == -1);
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_NEW, .id = 10}, msg, sizeof msg) == PC_FF_ERR);
    CHECK(strstr(msg, "makes no other context") != NULL);
    stop_raw(sv, pid);
    /* bound to nothing (no registry image): every repository refused */
    pid = start_raw(sv);
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_NEW, .id = 12}, msg, sizeof msg) == PC_FF_END);
    CHECK(ask(sv[0], &(pc_fw_req){.op = PC_FW_CTX_ALLOW, .id = 12}, msg, sizeof msg) == PC_FF_END);
    CHECK(ask(sv[0],
              &(pc_fw_req){.op = PC_FW_OPEN, .id = 13, .ctx = 12, .s = {"127.0.0.1:1", "team/app"}},
              msg, sizeof msg) == PC_FF_ERR);
    CHECK(strstr(msg, "is not one of the images") != NULL);
    stop_raw(sv, pid);
    unlink(auth);
}

static void test_process(void)
{
    pc_fetch *f;
    char err[256];
    pc_err e = {{0}};
    uint32_t ctx;
    CHECK(pc_fetch_start(&f, err, sizeof err) == 0);
    CHECK(pc_fetch_ctx_new(f, "u:p", NULL, &ctx, &e) == 0);
    /* a registry that refuses the connection: the request fails with
     * libcurl's reason, as in this process */
    pc_fetch_reg *r = NULL;
    CHECK(pc_fetch_reg_new(f, ctx, "127.0.0.1:1", "x/y", NULL, NULL, 1, pc_now_ms() + 5000, &r,
                           &e) == 0);
    char *buf = NULL, digest[72], mt[64];
    size_t len;
    if (r) {
        CHECK(pc_fetch_reg_manifest(r, "latest", 1 << 20, &buf, &len, digest, mt, sizeof mt, &e) ==
              -1);
        CHECK(strstr(e.msg, "127.0.0.1:1") != NULL);
        CHECK(strstr(e.msg, "u:p") == NULL);
        pc_fetch_reg_free(r);
    }
    /* another registry with the same --creds is refused: they are bound */
    CHECK(pc_fetch_reg_new(f, ctx, "127.0.0.2:1", "x/y", NULL, NULL, 1, 0, &r, &e) == -1);
    CHECK(strstr(e.msg, "apply to one registry") != NULL);
    pc_fetch_ctx_free(f, ctx);
    /* killed: every later request says how it ended */
    kill((pid_t)pc_fetch_pid(f), SIGKILL);
    usleep(100 * 1000);
    CHECK(pc_fetch_ctx_new(f, NULL, NULL, &ctx, &e) == -1);
    CHECK(strstr(e.msg, "the registry process pc-fetch") != NULL &&
          strstr(e.msg, "killed by signal 9") != NULL);
    if (!strstr(e.msg, "killed by signal 9"))
        fprintf(stderr, "  got: %s\n", e.msg);
    pc_fetch_stop(f);
}

/* A context made for some images (pc_options.bind_images, as the CLI
 * does): pc-fetch opens their repositories only, a reference read as
 * the docker transport reads it (a bare name: docker.io's library/),
 * and no other. */
static void test_bound_ctx(void)
{
    pc_fetch *f;
    char err[256];
    pc_err e = {{0}};
    CHECK(pc_fetch_start(&f, err, sizeof err) == 0);
    const char *imgs[] = {"docker://127.0.0.1:1/team/app:v1", "oci:/nonexistent:x", "alpine:3",
                          "docker://127.0.0.1:1/team/bad ref"};
    char pol[4200];
    const char *root = getenv("PORTCULLIS_DATADIR");
    snprintf(pol, sizeof pol, "%s/rules/policies", root && strlen(root) < 4000 ? root : ".");
    pc_options o;
    pc_options_init(&o);
    o.policies_dir = pol;
    o.no_rules = 1;
    o.fetch = f;
    o.bind_images = imgs;
    o.nbind_images = sizeof imgs / sizeof imgs[0];
    pc_ctx *ctx = NULL;
    CHECK(pc_ctx_new(&o, &ctx, err, sizeof err) == 0);
    if (!ctx) {
        fprintf(stderr, "  pc_ctx_new: %s\n", err);
        pc_fetch_stop(f);
        return;
    }
    static const struct {
        const char *domain, *repo;
        int ok;
    } t[] = {{"127.0.0.1:1", "team/app", 1},   {"docker.io", "library/alpine", 1},
             {"127.0.0.1:1", "team/other", 0}, {"127.0.0.1:1", "team/app/x", 0},
             {"127.0.0.1:1", "team", 0},       {"docker.io", "alpine", 0},
             {"127.0.0.2:1", "team/app", 0}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        pc_fetch_reg *r = NULL;
        int rc =
            pc_fetch_reg_new(f, ctx->fetch_ctx, t[i].domain, t[i].repo, NULL, NULL, 1, 0, &r, &e);
        CHECK(rc == (t[i].ok ? 0 : -1));
        if (!t[i].ok)
            CHECK(strstr(e.msg, "is not one of the images this scan was started with") != NULL);
        pc_fetch_reg_free(r);
    }
    /* the run's settings are pinned; and no other context is made, by
     * this process or by a scanning process that an image took over */
    pc_fetch_reg *r = NULL;
    CHECK(pc_fetch_reg_new(f, ctx->fetch_ctx, "127.0.0.1:1", "team/app", NULL, "/etc/passwd", 1, 0,
                           &r, &e) == -1);
    CHECK(strstr(e.msg, "other registry settings") != NULL);
    CHECK(pc_fetch_reg_new(f, ctx->fetch_ctx, "127.0.0.1:1", "team/app", NULL, NULL, 0, 0, &r,
                           &e) == -1);
    uint32_t other;
    CHECK(pc_fetch_ctx_new(f, NULL, NULL, &other, &e) == -1);
    CHECK(strstr(e.msg, "makes no other context") != NULL);
    pc_ctx_free(ctx);
    pc_ctx *again = NULL;
    CHECK(pc_ctx_new(&o, &again, err, sizeof err) == -1);
    CHECK(strstr(err, "makes no other context") != NULL);
    pc_ctx_free(again);
    pc_fetch_stop(f);
    /* without bind_images (the webhook): any */
    CHECK(pc_fetch_start(&f, err, sizeof err) == 0);
    o.fetch = f;
    o.bind_images = NULL;
    o.nbind_images = 0;
    CHECK(pc_ctx_new(&o, &ctx, err, sizeof err) == 0);
    if (ctx) {
        CHECK(pc_fetch_reg_new(f, ctx->fetch_ctx, "127.0.0.1:1", "team/other", NULL, NULL, 1, 0, &r,
                               &e) == 0);
        pc_fetch_reg_free(r);
        pc_ctx_free(ctx);
    }
    pc_fetch_stop(f);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_codec();
    test_frames();
    test_raw_process();
    test_raw_bound();
    test_bound_ctx();
    test_process();
    TEST_MAIN_END();
}
