/*
 * test_runctx.c — the run context (lib/runctx.c): docker's run flags
 * parsed, and the precedence applied to an image's config and to the
 * policy's sandbox: what the policy forces, then the run, then the image.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pcx/sha256.h"
#include "runctx.h"
#include "testlib.h"

static const char *ENV[] = {"PATH=/usr/bin:/bin", "LANG=C", "HOME=/root"};
static const char *EP[] = {"/app/run", "--serve"};
static const char *CMD[] = {"--port", "80"};

static pc_imgconfig image(void)
{
    pc_imgconfig c;
    memset(&c, 0, sizeof c);
    c.user = "root";
    c.workdir = "/app";
    c.entrypoint = (pc_strv){EP, 2, 1};
    c.cmd = (pc_strv){CMD, 2, 1};
    c.env = (pc_strv){ENV, 3, 1};
    return c;
}

static int set(pc_runctx *rc, const char *name, const char *v)
{
    char err[256];
    return pc_runctx_set(rc, name, v, err, sizeof err);
}

static const char *env_of(const pc_imgconfig *c, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < c->env.n; i++)
        if (strncmp(c->env.v[i], name, n) == 0 && c->env.v[i][n] == '=')
            return c->env.v[i] + n + 1;
    return NULL;
}

static void test_no_run(void)
{
    pc_imgconfig img = image();
    pc_sandbox_spec sb = {.uid = 1001, .gid = 1001, .dropped_caps = 7, .no_new_privileges = 1};
    pc_effective x;
    pc_runctx rc;
    pc_runctx_init(&rc);
    CHECK(pc_effective_build(&x, &img, &sb, NULL) == 0);
    CHECK(x.cfg.user == img.user && x.cfg.entrypoint.v == EP && x.cfg.cmd.v == CMD);
    CHECK(x.sandbox.uid == 1001 && (x.sandbox.dropped_caps & 7) == 7);
    pc_effective_free(&x);
    CHECK(pc_effective_build(&x, &img, &sb, &rc) == 0); /* nothing given: the image */
    CHECK(x.cfg.env.v == ENV && x.cfg.workdir == img.workdir);
    pc_effective_free(&x);
}

static void test_docker_rules(void)
{
    pc_imgconfig img = image();
    pc_sandbox_spec sb = {.uid = -1, .gid = -1};
    pc_effective x;
    pc_runctx rc;
    char err[256];
    char *cmd[] = {"/bin/true", "x"};

    /* a command replaces CMD; the ENTRYPOINT stays */
    pc_runctx_init(&rc);
    CHECK(pc_runctx_command(&rc, cmd, 2, err, sizeof err) == 0);
    CHECK(pc_effective_build(&x, &img, &sb, &rc) == 0);
    CHECK(x.cfg.entrypoint.n == 2 && strcmp(x.cfg.entrypoint.v[0], "/app/run") == 0);
    CHECK(x.cfg.cmd.n == 2 && strcmp(x.cfg.cmd.v[0], "/bin/true") == 0);
    pc_effective_free(&x);
    pc_runctx_free(&rc);

    /* an entrypoint replaces ENTRYPOINT and drops the image's CMD */
    pc_runctx_init(&rc);
    CHECK(set(&rc, "entrypoint", "/bin/sh") == 0);
    CHECK(pc_effective_build(&x, &img, &sb, &rc) == 0);
    CHECK(x.cfg.entrypoint.n == 1 && strcmp(x.cfg.entrypoint.v[0], "/bin/sh") == 0);
    CHECK(x.cfg.cmd.n == 0 && x.cfg.cmd.present);
    pc_effective_free(&x);
    /* ... unless a command is given too */
    CHECK(pc_runctx_command(&rc, cmd, 1, err, sizeof err) == 0);
    CHECK(pc_effective_build(&x, &img, &sb, &rc) == 0);
    CHECK(x.cfg.cmd.n == 1 && strcmp(x.cfg.cmd.v[0], "/bin/true") == 0);
    pc_effective_free(&x);
    pc_runctx_free(&rc);

    /* user, workdir; env over the image's, the last of a name wins */
    pc_runctx_init(&rc);
    CHECK(set(&rc, "user", "1000:1000") == 0 && set(&rc, "workdir", "/data") == 0);
    CHECK(set(&rc, "env", "LANG=C.UTF-8") == 0 && set(&rc, "env", "NEW=1") == 0 &&
          set(&rc, "env", "NEW=2") == 0);
    CHECK(pc_effective_build(&x, &img, &sb, &rc) == 0);
    CHECK_STR(x.cfg.user, "1000:1000");
    CHECK_STR(x.cfg.workdir, "/data");
    CHECK(x.cfg.env.n == 4);
    CHECK_STR(env_of(&x.cfg, "LANG"), "C.UTF-8");
    CHECK_STR(env_of(&x.cfg, "NEW"), "2");
    CHECK_STR(env_of(&x.cfg, "PATH"), "/usr/bin:/bin");
    pc_effective_free(&x);
    pc_runctx_free(&rc);
}

static void test_forced_wins(void)
{
    pc_imgconfig img = image();
    uint32_t sup[] = {5};
    uint64_t net_raw = UINT64_C(1) << 13, sys_admin = UINT64_C(1) << 21;
    pc_sandbox_spec sb = {.uid = 1001,
                          .gid = 1001,
                          .supplementary_gids = sup,
                          .nsupplementary_gids = 1,
                          .dropped_caps = net_raw};
    pc_effective x;
    pc_runctx rc;
    pc_runctx_init(&rc);
    CHECK(set(&rc, "cap-add", "NET_RAW") == 0);        /* the policy drops it: stays dropped */
    CHECK(set(&rc, "cap-drop", "CAP_SYS_ADMIN") == 0); /* the run drops more */
    CHECK(set(&rc, "group-add", "7") == 0);
    CHECK(set(&rc, "security-opt", "no-new-privileges") == 0);
    CHECK(set(&rc, "user", "0") == 0);
    CHECK(pc_effective_build(&x, &img, &sb, &rc) == 0);
    /* the runtimes' default set, less what the run and the policy drop */
    CHECK((x.sandbox.dropped_caps & net_raw) && (x.sandbox.dropped_caps & sys_admin));
    CHECK(!(x.sandbox.dropped_caps & (UINT64_C(1) << 0))); /* CAP_CHOWN: in the default set */
    CHECK(x.sandbox.uid == 1001 && x.sandbox.gid == 1001); /* forced: the run's user is not */
    CHECK(x.sandbox.nsupplementary_gids == 2 && x.sandbox.supplementary_gids[0] == 5 &&
          x.sandbox.supplementary_gids[1] == 7);
    CHECK(x.sandbox.no_new_privileges == 1);
    pc_effective_free(&x);
    pc_runctx_free(&rc);

    /* --cap-drop ALL --cap-add X: X comes back (when the policy keeps it) */
    pc_sandbox_spec keep = {.uid = -1, .gid = -1};
    pc_runctx_init(&rc);
    CHECK(set(&rc, "cap-drop", "ALL") == 0 && set(&rc, "cap-add", "net_raw") == 0);
    CHECK(pc_effective_build(&x, &img, &keep, &rc) == 0);
    CHECK(x.sandbox.dropped_caps == (UINT64_MAX & ~net_raw));
    pc_effective_free(&x);
    pc_runctx_free(&rc);

    /* --cap-add of a capability outside the default set adds it */
    pc_runctx_init(&rc);
    CHECK(set(&rc, "cap-add", "SYS_ADMIN") == 0);
    CHECK(pc_effective_build(&x, &img, &keep, &rc) == 0);
    CHECK(!(x.sandbox.dropped_caps & sys_admin) && !(x.sandbox.dropped_caps & net_raw));
    CHECK(x.sandbox.dropped_caps & (UINT64_C(1) << 16)); /* CAP_SYS_MODULE: not default */
    pc_effective_free(&x);
    pc_runctx_free(&rc);

    /* no run context: the default set; privileged: every capability, no no_new_privs */
    CHECK(pc_effective_build(&x, &img, &keep, NULL) == 0);
    CHECK((x.sandbox.dropped_caps & sys_admin) && !(x.sandbox.dropped_caps & net_raw));
    pc_effective_free(&x);
    pc_runctx_init(&rc);
    CHECK(set(&rc, "privileged", "") == 0 && set(&rc, "security-opt", "no-new-privileges") == 0);
    CHECK(pc_effective_build(&x, &img, &keep, &rc) == 0);
    CHECK(x.sandbox.dropped_caps == 0 && x.sandbox.no_new_privileges == 0 && x.run.privileged);
    pc_effective_free(&x);
    pc_runctx_free(&rc);
}

/* runAsGroup replaces the group part of whatever user results; where the
 * user comes from is told to the checks. */
static void test_group_and_origin(void)
{
    pc_imgconfig img = image();
    pc_sandbox_spec none = {.uid = -1, .gid = -1}, forced = {.uid = 1001, .gid = 1001};
    pc_effective x;
    pc_runctx rc;
    CHECK(pc_effective_build(&x, &img, &none, NULL) == 0);
    CHECK(x.run.user_from == PC_USER_FROM_IMAGE);
    pc_effective_free(&x);
    pc_runctx_init(&rc);
    CHECK(set(&rc, "group", "2000") == 0 && set(&rc, "run-as-non-root", "") == 0);
    CHECK(pc_effective_build(&x, &img, &none, &rc) == 0);
    CHECK(x.run.user_from == PC_USER_FROM_IMAGE && x.run.run_as_non_root == 1);
    CHECK_STR(x.cfg.user, "root:2000"); /* the image's user, the run's group */
    pc_effective_free(&x);
    CHECK(set(&rc, "user", "10001:7") == 0);
    CHECK(pc_effective_build(&x, &img, &none, &rc) == 0);
    CHECK(x.run.user_from == PC_USER_FROM_RUN);
    CHECK_STR(x.cfg.user, "10001:2000");
    pc_effective_free(&x);
    CHECK(pc_effective_build(&x, &img, &forced, &rc) == 0);
    CHECK(x.run.user_from == PC_USER_FROM_POLICY);
    pc_effective_free(&x);
    CHECK(set(&rc, "group", "x") == -1); /* a gid is a number */
    pc_runctx_free(&rc);
}

/* Copies are deep; keys differ exactly when a judged field differs. */
static void test_copy_and_key(void)
{
    pc_runctx a, b;
    char ka[72], kb[72], kn[72];
    char *argv[] = {"/bin/sh", "-c", "true"};
    pc_runctx_init(&a);
    CHECK(pc_runctx_key(NULL, kn) == 0 && strncmp(kn, "sha256:", 7) == 0);
    CHECK(pc_runctx_key(&a, ka) == 0 && strcmp(ka, kn) == 0);
    a.given = 1; /* given but empty: the same run as none */
    CHECK(pc_runctx_key(&a, ka) == 0 && strcmp(ka, kn) == 0);
    CHECK(set(&a, "user", "10001") == 0 && pc_runctx_entrypoint(&a, argv, 3, NULL, 0) == 0);
    CHECK(set(&a, "env", "A=1") == 0 && set(&a, "group-add", "5") == 0);
    a.subject = strdup("Pod ns/p, container c");
    CHECK(pc_runctx_copy(&b, &a) == 0);
    CHECK(b.user != a.user && strcmp(b.user, a.user) == 0 && b.nentrypoint == 3);
    CHECK(b.entrypoint != a.entrypoint && strcmp(b.entrypoint[2], "true") == 0);
    CHECK(b.group_add != a.group_add && b.group_add[0] == 5);
    CHECK(pc_runctx_key(&a, ka) == 0 && pc_runctx_key(&b, kb) == 0 && strcmp(ka, kb) == 0);
    CHECK(strcmp(ka, kn) != 0);
    free(b.subject);
    b.subject = strdup("another subject"); /* not part of the key */
    CHECK(pc_runctx_key(&b, kb) == 0 && strcmp(ka, kb) == 0);
    CHECK(set(&b, "cap-drop", "NET_RAW") == 0);
    CHECK(pc_runctx_key(&b, kb) == 0 && strcmp(ka, kb) != 0);
    char *j = pc_runctx_json(&a);
    CHECK(j && strstr(j, "\"user\":\"10001\"") && strstr(j, "\"subject\":\"Pod ns/p"));
    free(j);
    pc_runctx_free(&a);
    pc_runctx_free(&b);
}

/* pc_runctx_key writes its text directly; the key must stay the one of
 * jansson's canonical dump (keys sorted, compact) of the same run, which
 * verdict caches, Redis and signed verdicts hold. The reference here is
 * jansson's: pc_runctx_json (a jansson object dumped), read back, the
 * subject removed, dumped with sorted keys, hashed. Random runs (fixed
 * seed): strings of any byte (controls, quotes, backslashes, bytes that
 * are not UTF-8, multi-byte sequences), every capability bit (and ALL),
 * gids over 2^31, flags of any non-zero value, NULL members. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static char *rnd_str(void)
{
    static const char *const pieces[] = {"a",
                                         "Z",
                                         "0",
                                         "/",
                                         "=",
                                         " ",
                                         "\"",
                                         "\\",
                                         "\n",
                                         "\t",
                                         "\r",
                                         "\b",
                                         "\f",
                                         "\x01",
                                         "\x1f",
                                         "\x7f",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\xc3",
                                         "\xff",
                                         "\xed\xa0\x80",
                                         "\xc0\xaf",
                                         "\xf4\x90\x80\x80",
                                         "\xef\xbf\xbd",
                                         "$(X)",
                                         "PATH=/bin",
                                         "u2028\xe2\x80\xa8"};
    size_t n = rnd() % 8;
    char buf[256] = "";
    for (size_t i = 0; i < n; i++) {
        if (rnd() % 4 == 0) { /* any byte but NUL */
            char c[2] = {(char)(1 + rnd() % 255), 0};
            strcat(buf, c);
        } else {
            strcat(buf, pieces[rnd() % (sizeof pieces / sizeof pieces[0])]);
        }
    }
    return strdup(buf);
}

static char **rnd_strv(size_t *n)
{
    *n = rnd() % 4;
    char **v = calloc(*n + 1, sizeof *v);
    for (size_t i = 0; v && i < *n; i++)
        v[i] = rnd() % 16 ? rnd_str() : NULL;
    return v;
}

static uint64_t rnd_caps(void)
{
    switch (rnd() % 5) {
    case 0:
        return 0;
    case 1:
        return UINT64_MAX;
    case 2:
        return (uint64_t)1 << (rnd() % 64);
    default:
        return rnd();
    }
}

static int jansson_key(const pc_runctx *rc, char out[72])
{
    char *j = pc_runctx_json(rc);
    json_t *o = j ? json_loads(j, 0, NULL) : NULL;
    free(j);
    if (!o || json_object_del(o, "subject") < 0) {
        json_decref(o);
        return -1;
    }
    char *t = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(o);
    if (!t)
        return -1;
    pc_sha256_digest(t, strlen(t), out);
    free(t);
    return 0;
}

static void test_key_equals_jansson(void)
{
    int same = 0, n = 3000, told = 0;
    for (int i = 0; i < n; i++) {
        pc_runctx rc;
        pc_runctx_init(&rc);
        rc.given = rnd() % 8 != 0;
        if (rnd() % 2)
            rc.user = rnd_str();
        if (rnd() % 2)
            rc.group = rnd_str();
        if (rnd() % 2)
            rc.workdir = rnd_str();
        if (rnd() % 2)
            rc.subject = rnd_str();
        rc.entrypoint_set = (int)(rnd() % 3);
        if (rc.entrypoint_set)
            rc.entrypoint = rnd_strv(&rc.nentrypoint);
        rc.cmd_set = (int)(rnd() % 3);
        if (rc.cmd_set)
            rc.cmd = rnd_strv(&rc.ncmd);
        if (rnd() % 2)
            rc.env = rnd_strv(&rc.nenv);
        if (rnd() % 3 == 0)
            rc.execs = rnd_strv(&rc.nexecs);
        if (rnd() % 3 == 0) { /* (two arrays of one count) */
            size_t nf = 0;
            rc.mounts = rnd_strv(&rc.nmounts);
            rc.mount_from = calloc(rc.nmounts ? rc.nmounts : 1, sizeof *rc.mount_from);
            for (size_t k = 0; rc.mount_from && k < rc.nmounts; k++, nf++)
                rc.mount_from[k] = rnd_str();
            if (!rc.mount_from || !rc.nmounts) {
                for (size_t k = 0; k < rc.nmounts; k++)
                    free(rc.mounts[k]);
                free(rc.mounts);
                free(rc.mount_from);
                rc.mounts = rc.mount_from = NULL;
                rc.nmounts = 0;
            }
            (void)nf;
        }
        rc.ngroup_add = rnd() % 4;
        rc.group_add = rc.ngroup_add ? calloc(rc.ngroup_add, sizeof *rc.group_add) : NULL;
        for (size_t k = 0; rc.group_add && k < rc.ngroup_add; k++)
            rc.group_add[k] = rnd() % 2 ? (uint32_t)rnd() : (uint32_t)(rnd() % 100);
        rc.cap_add = rnd_caps();
        rc.cap_drop = rnd_caps();
        rc.no_new_privileges = (int)(rnd() % 3);
        rc.run_as_non_root = (int)(rnd() % 3);
        rc.privileged = (int)(rnd() % 3);
        rc.read_only_rootfs = (int)(rnd() % 3);
        char a[72] = "", b[72] = "";
        if (pc_runctx_key(&rc, a) == 0 && jansson_key(&rc, b) == 0 && strcmp(a, b) == 0)
            same++;
        else if (told++ < 5) { /* say which, a few times */
            char *j = pc_runctx_json(&rc);
            fprintf(stderr, "run key differs from jansson's for %s\n", j ? j : "(oom)");
            free(j);
        }
        pc_runctx_free(&rc);
    }
    CHECK(same == n);
    /* a fixed key: the text of no run context, as jansson wrote it */
    char none[72], want[72];
    const char *t = "{\"cap_add\":[],\"cap_drop\":[],\"cmd\":null,\"entrypoint\":null,\"env\":[],"
                    "\"group\":null,\"group_add\":[],\"no_new_privileges\":false,\"privileged\":"
                    "false,\"read_only_rootfs\":false,\"run_as_non_root\":false,\"user\":null,"
                    "\"workdir\":null}";
    pc_sha256_digest(t, strlen(t), want);
    CHECK(pc_runctx_key(NULL, none) == 0 && strcmp(none, want) == 0);
    /* execs (probes, hooks) are keyed when there are some, and leave the
     * key of a run without them as it was */
    pc_runctx rc;
    char k0[72], k1[72], k2[72], err[64];
    pc_runctx_init(&rc);
    CHECK(pc_runctx_set(&rc, "user", "1000", err, sizeof err) == 0);
    CHECK(pc_runctx_key(&rc, k0) == 0);
    char *const probe[] = {"sh", "-c", "cat /tmp/ready"};
    CHECK(pc_runctx_exec(&rc, probe, 0, err, sizeof err) == 0 && rc.nexecs == 0);
    CHECK(pc_runctx_key(&rc, k1) == 0 && strcmp(k0, k1) == 0);
    CHECK(pc_runctx_exec(&rc, probe, 3, err, sizeof err) == 0 && rc.nexecs == 1);
    CHECK(rc.nexecs == 1 && strcmp(rc.execs[0], "sh -c cat /tmp/ready") == 0);
    CHECK(pc_runctx_key(&rc, k2) == 0 && strcmp(k0, k2) != 0);
    char *j = pc_runctx_json(&rc);
    CHECK(j && strstr(j, "\"execs\":[\"sh -c cat /tmp/ready\"]"));
    free(j);
    pc_runctx cp;
    CHECK(pc_runctx_copy(&cp, &rc) == 0 && cp.nexecs == 1 && strcmp(cp.execs[0], rc.execs[0]) == 0);
    pc_runctx_free(&cp);
    /* mounts likewise: keyed when there are some, the path cleaned as
     * the runtime takes it, copied whole */
    char k3[72], k4[72];
    CHECK(pc_runctx_key(&rc, k2) == 0);
    CHECK(pc_runctx_mount(&rc, "scripts//./bin/../", "volume \"s\" (configMap)", err, sizeof err) ==
          0);
    CHECK(rc.nmounts == 1 && strcmp(rc.mounts[0], "/scripts") == 0 &&
          strcmp(rc.mount_from[0], "volume \"s\" (configMap)") == 0);
    CHECK(pc_runctx_key(&rc, k3) == 0 && strcmp(k2, k3) != 0);
    CHECK(pc_runctx_mount(&rc, "/", "volume \"r\" (emptyDir)", err, sizeof err) == 0 &&
          rc.nmounts == 2 && strcmp(rc.mounts[1], "/") == 0);
    CHECK(pc_runctx_key(&rc, k4) == 0 && strcmp(k3, k4) != 0);
    static const char *const cleaned[][2] = {{"/../x", "/x"},       {"a/b/../../..", "/"},
                                             {"/a/./b//", "/a/b"},  {"", "/"},
                                             {"..a/.b", "/..a/.b"}, {"/a/b/c/../d", "/a/b/d"}};
    for (size_t i = 0; i < sizeof cleaned / sizeof cleaned[0]; i++) {
        CHECK(pc_runctx_mount(&cp, cleaned[i][0], "v", err, sizeof err) == 0 &&
              cp.nmounts == i + 1 && strcmp(cp.mounts[i], cleaned[i][1]) == 0);
        if (cp.nmounts == i + 1 && strcmp(cp.mounts[i], cleaned[i][1]) != 0)
            fprintf(stderr, "  mount %s: %s\n", cleaned[i][0], cp.mounts[i]);
    }
    pc_runctx_free(&cp);
    char *lng = calloc(5002, 1);
    if (lng)
        memset(lng, 'a', 5001);
    CHECK(lng && pc_runctx_mount(&cp, lng, "v", err, sizeof err) < 0 && cp.nmounts == 0 &&
          strstr(err, "too long"));
    free(lng);
    j = pc_runctx_json(&rc);
    CHECK(j &&
          strstr(j, "\"mounts\":[{\"from\":\"volume \\\"s\\\" (configMap)\",\"path\":"
                    "\"/scripts\"},{\"from\":\"volume \\\"r\\\" (emptyDir)\",\"path\":\"/\"}]"));
    free(j);
    CHECK(pc_runctx_copy(&cp, &rc) == 0 && cp.nmounts == 2 && strcmp(cp.mounts[1], "/") == 0 &&
          strcmp(cp.mount_from[0], rc.mount_from[0]) == 0);
    char k5[72];
    CHECK(pc_runctx_key(&cp, k5) == 0 && strcmp(k4, k5) == 0);
    pc_runctx_free(&cp);
    pc_runctx_free(&rc);
}

static void test_refused(void)
{
    pc_runctx rc;
    char err[256];
    pc_runctx_init(&rc);
    static const char *const bad[][2] = {
        {"cap-add", "NOPE"},
        {"security-opt", "seccomp=unconfined"},
        {"security-opt", "apparmor=x"},
        {"workdir", "relative"},
        {"env", "NOEQUALS"},
        {"env", "=x"},
        {"group-add", "wheel"},
        {"user", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        CHECK(pc_runctx_set(&rc, bad[i][0], bad[i][1], err, sizeof err) == -1);
        CHECK(strstr(err, bad[i][0]) != NULL); /* the message names the flag */
    }
    CHECK(rc.given == 0);
    CHECK(pc_runctx_set(&rc, "policy", "x", err, sizeof err) == 1); /* not a run flag */
    pc_runctx_free(&rc);
}

int main(void)
{
    test_no_run();
    test_docker_rules();
    test_forced_wins();
    test_group_and_origin();
    test_copy_and_key();
    test_key_equals_jansson();
    test_refused();
    TEST_MAIN_END();
}
