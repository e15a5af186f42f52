/*
 * test_policy.c — the policy loader and its queries: the two built-in
 * policies as shipped, a hand-written policy exercising allow_paths,
 * exemptions and defaults, every strictness error a user is likely to
 * hit, and the security.capability decoder. Runs from the repo root.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "policy.h"
#include "sha256.h"
#include "testlib.h"
#include "pcx.h"

#define POLICIES "rules/policies"
#define DIGEST_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static uint64_t capbit(int cap)
{
    return UINT64_C(1) << cap;
}

/* Parse text as "policy.json"; returns the policy or NULL with e filled. */
static pc_policy_file *parse(const char *text, pc_err *e)
{
    pc_policy_file *p = NULL;
    e->msg[0] = 0;
    if (pc_policy_file_parse(text, strlen(text), "policy.json", &p, e) < 0)
        return NULL;
    return p;
}

/* The message a policy text fails with ("" when it parses). */
static const char *parse_error(const char *text, pc_err *e)
{
    pc_policy_file *p = parse(text, e);
    if (p) {
        pc_policy_file_free(p);
        return "(parsed)";
    }
    return e->msg;
}

static void test_restricted(void)
{
    pc_policy_file *p = NULL;
    pc_err e = {""};
    CHECK(pc_policy_file_load("restricted", POLICIES, &p, &e) == 0);
    if (!p) {
        fprintf(stderr, "restricted: %s\n", e.msg);
        return;
    }
    CHECK_STR(p->policy.name, "restricted");
    char *text = NULL, want[72];
    size_t len = 0;
    CHECK(pc_read_file(POLICIES "/restricted.json", 1 << 20, &text, &len, &e) == 0);
    pc_sha256_digest(text, len, want);
    free(text);
    CHECK_STR(p->policy.digest, want);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("root-user"), NULL) == PC_ACTION_DENY);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("setuid-file"), "/usr/bin/passwd") ==
          PC_ACTION_DENY);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("entrypoint-unrunnable"), NULL) ==
          PC_ACTION_DENY);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("scan-error"), NULL) == PC_ACTION_DENY);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("privileged-port"), NULL) ==
          PC_ACTION_WARN);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("secret-in-env"), NULL) == PC_ACTION_WARN);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("world-writable"), "/tmp/x") ==
          PC_ACTION_WARN);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("unpinned-image"), NULL) ==
          PC_ACTION_WARN);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("workdir-inaccessible"), NULL) ==
          PC_ACTION_WARN);
    CHECK(p->run.sandbox.uid == -1 && p->run.sandbox.gid == -1); /* the effective user */
    CHECK(p->run.sandbox.dropped_caps == UINT64_MAX);
    CHECK(p->run.sandbox.no_new_privileges == 1);
    CHECK(p->profile.limits.max_layer_bytes == UINT64_C(8589934592));
    CHECK(p->profile.limits.max_files == 1000000 && p->profile.limits.timeout_seconds == 600);
    CHECK(p->profile.yara.max_file_bytes == UINT64_C(4194304) &&
          p->profile.yara.timeout_seconds == 10);
    CHECK(p->policy.nexempt_images == 0 && p->policy.nexempt_namespaces == 0);
    pc_policy_file_free(p);
}

/* The seed's TES-on-Kubernetes preset: forces uid/gid 1001, drops the
 * listed capabilities, keeps privilege escalation, starts commands with
 * /bin/sh -c. */
static void test_tes_k8s(void)
{
    pc_policy_file *p = NULL;
    pc_err e = {""};
    CHECK(pc_policy_file_load("tes-k8s", POLICIES, &p, &e) == 0);
    if (!p) {
        fprintf(stderr, "tes-k8s: %s\n", e.msg);
        return;
    }
    CHECK_STR(p->policy.name, "tes-k8s");
    CHECK(p->run.sandbox.uid == 1001 && p->run.sandbox.gid == 1001);
    CHECK(p->run.sandbox.no_new_privileges == 0);
    CHECK(p->run.sandbox.start == PC_START_SHELL);
    static const char *const dropped[] = {"SYS_ADMIN",        "SYS_MODULE",   "SYS_PTRACE",
                                          "SYS_TIME",         "NET_ADMIN",    "NET_RAW",
                                          "NET_BIND_SERVICE", "NET_BROADCAST"};
    uint64_t want = 0;
    for (size_t i = 0; i < sizeof dropped / sizeof *dropped; i++)
        want |= UINT64_C(1) << pc_cap_from_name(dropped[i]);
    CHECK(p->run.sandbox.dropped_caps == want);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("run-refused"), NULL) == PC_ACTION_DENY);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("entrypoint-unrunnable"), NULL) ==
          PC_ACTION_DENY);
    pc_policy_file_free(p);
    /* sandbox.start is one of three names */
    static const char docker[] = "{\"sandbox\": {\"start\": \"docker\"}}";
    static const char shell_[] = "{\"sandbox\": {\"start\": \"bash\"}}";
    CHECK(pc_policy_file_parse(docker, strlen(docker), "t.json", &p, &e) == 0 && p &&
          p->run.sandbox.start == PC_START_DOCKER);
    pc_policy_file_free(p);
    p = NULL;
    CHECK(pc_policy_file_parse(shell_, strlen(shell_), "t.json", &p, &e) < 0);
    CHECK_CONTAINS(e.msg, "sandbox.start");
}

static void write_to(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* extends: the parent is the starting point; the child overrides only
 * what it names; cycles, unknown parents and depth are errors. */
static void test_extends(void)
{
    char dir[] = "/tmp/pc-extends.XXXXXX", path[600];
    CHECK(mkdtemp(dir) != NULL);
    pc_policy_file *p = NULL, *r = NULL;
    pc_err e = {""};
    write_to(dir, "team.json",
             "{\"name\": \"team\", \"extends\": \"restricted\", \"checks\": "
             "{\"setuid-file\": {\"action\": \"deny\", \"allow_paths\": [\"/bin/ping\"]}}}");
    snprintf(path, sizeof path, "%s/team.json", dir);
    CHECK(pc_policy_file_load(path, POLICIES, &p, &e) == 0);
    CHECK(pc_policy_file_load("restricted", POLICIES, &r, &e) == 0);
    if (p && r) {
        CHECK_STR(p->policy.name, "team");
        for (int i = 0; i < PC_CHK_COUNT; i++) /* every check keeps restricted's action */
            CHECK(p->policy.checks[i].action == r->policy.checks[i].action);
        CHECK(pc_policy_action(&p->policy, pc_check_id_parse("setuid-file"), "/bin/ping") ==
              PC_ACTION_IGNORE);
        CHECK(pc_policy_action(&r->policy, pc_check_id_parse("setuid-file"), "/bin/ping") ==
              PC_ACTION_DENY);
        CHECK(p->run.sandbox.dropped_caps == r->run.sandbox.dropped_caps &&
              p->run.sandbox.no_new_privileges == 1);
        CHECK(p->profile.limits.max_files == r->profile.limits.max_files);
        CHECK(strcmp(p->policy.digest, r->policy.digest) != 0);
    }
    pc_policy_file_free(p);
    pc_policy_file_free(r);
    /* a chain of files, relative paths from the child's directory; the
     * grandchild overrides one check and the sandbox's uid only */
    write_to(dir, "child.json",
             "{\"extends\": \"team.json\", \"checks\": {\"world-writable\": {\"action\": "
             "\"ignore\"}}, \"sandbox\": {\"uid\": 2000}}");
    snprintf(path, sizeof path, "%s/child.json", dir);
    CHECK(pc_policy_file_load(path, POLICIES, &p, &e) == 0);
    if (p) {
        CHECK_STR(p->policy.name, "child");
        CHECK(pc_policy_action(&p->policy, pc_check_id_parse("world-writable"), NULL) ==
              PC_ACTION_IGNORE);
        CHECK(pc_policy_action(&p->policy, pc_check_id_parse("setuid-file"), "/bin/ping") ==
              PC_ACTION_IGNORE); /* from team.json */
        CHECK(pc_policy_action(&p->policy, pc_check_id_parse("root-user"), NULL) ==
              PC_ACTION_DENY); /* from restricted */
        CHECK(p->run.sandbox.uid == 2000 && p->run.sandbox.gid == -1 &&
              p->run.sandbox.no_new_privileges == 1);
    }
    pc_policy_file_free(p);
    p = NULL;
    /* errors */
    write_to(dir, "a.json", "{\"extends\": \"b.json\"}");
    write_to(dir, "b.json", "{\"extends\": \"a.json\"}");
    snprintf(path, sizeof path, "%s/a.json", dir);
    CHECK(pc_policy_file_load(path, POLICIES, &p, &e) < 0 && !p);
    CHECK_CONTAINS(e.msg, "cycle");
    write_to(dir, "u.json", "{\"extends\": \"restrictd\"}");
    snprintf(path, sizeof path, "%s/u.json", dir);
    CHECK(pc_policy_file_load(path, POLICIES, &p, &e) < 0 && !p);
    CHECK_CONTAINS(e.msg, "extends \"restrictd\"");
    CHECK_CONTAINS(e.msg, "unknown policy");
    write_to(dir, "n.json", "{\"extends\": 5}");
    snprintf(path, sizeof path, "%s/n.json", dir);
    CHECK(pc_policy_file_load(path, POLICIES, &p, &e) < 0 && !p);
    CHECK_CONTAINS(e.msg, "extends: expected a built-in name or a file path");
    for (int i = 0; i < 10; i++) { /* d0 -> d1 -> ... -> d9: too deep */
        char name[32], text[64];
        snprintf(name, sizeof name, "d%d.json", i);
        snprintf(text, sizeof text, i < 9 ? "{\"extends\": \"d%d.json\"}" : "{}", i + 1);
        write_to(dir, name, text);
    }
    snprintf(path, sizeof path, "%s/d0.json", dir);
    CHECK(pc_policy_file_load(path, POLICIES, &p, &e) < 0 && !p);
    CHECK_CONTAINS(e.msg, "deep in extends");
    snprintf(path, sizeof path, "%s/d3.json", dir); /* 7 deep: fine */
    CHECK(pc_policy_file_load(path, POLICIES, &p, &e) == 0);
    pc_policy_file_free(p);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* Exceptions: Docker's normalisation, '*' stops at '/', '**' does not,
 * scoping by check, path and rule, expiry, and the refusals. */
static int waives(const pc_policy *p, const char *ref, const char *check, const char *path,
                  long long now, const pc_exception **expired)
{
    pc_finding f = {0};
    f.check = (char *)check;
    f.path = (char *)path;
    const char *ds[1] = {"sha256:1111111111111111111111111111111111111111111111111111111111111111"};
    pc_exception_subject s = {ref, ds, 1, NULL, now};
    return pc_exception_match(p->exceptions, p->nexceptions, &s, &f, expired) != NULL;
}

static void test_exceptions(void)
{
    CHECK(pc_glob_match("docker.io/library/*", "docker.io/library/nginx"));
    CHECK(!pc_glob_match("docker.io/*", "docker.io/library/nginx"));
    CHECK(pc_glob_match("docker.io/**", "docker.io/library/nginx"));
    CHECK(pc_glob_match("a?c", "abc") && !pc_glob_match("a?c", "a/c"));
    CHECK(pc_glob_match("**", "") && pc_glob_match("*", "") && !pc_glob_match("*", "a/b"));
    CHECK(pc_glob_match("a*b*c", "axxbyyc") && !pc_glob_match("a*b*c", "axxbyy"));
    char *g = pc_exception_image_glob("nginx");
    CHECK_STR(g, "docker.io/library/nginx");
    free(g);
    g = pc_exception_image_glob("team/app");
    CHECK_STR(g, "docker.io/team/app");
    free(g);
    g = pc_exception_image_glob("registry.example.com:5000/a/*");
    CHECK_STR(g, "registry.example.com:5000/a/*");
    free(g);

    const char *text =
        "{\"exceptions\": ["
        "{\"images\": [\"nginx*\"], \"checks\": [\"setuid-file\"], \"paths\": "
        "[\"/usr/bin/passwd\"], \"reason\": \"TICKET-1\", \"expires\": \"2030-01-31\"},"
        "{\"images\": [\"ghcr.io/org/**\"], \"reason\": \"all of org\"},"
        "{\"images\": "
        "[\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"], "
        "\"checks\": [\"root-user\"], \"reason\": \"by digest\"},"
        "{\"namespaces\": [\"team-*\"], \"checks\": [\"world-writable\"], \"reason\": \"ns\"}"
        "]}";
    pc_policy_file *p = NULL;
    pc_err e = {""};
    CHECK(pc_policy_file_parse(text, strlen(text), "t.json", &p, &e) == 0);
    if (!p) {
        fprintf(stderr, "exceptions: %s\n", e.msg);
        return;
    }
    const pc_exception *exp = NULL;
    long long now = 1893456000LL; /* 2030-01-01 */
    CHECK(p->policy.nexceptions == 4);
    CHECK_STR(p->policy.exceptions[0].id, "t.json: exceptions[0]");
    CHECK(waives(&p->policy, "nginx:1.25", "setuid-file", "/usr/bin/passwd", now, &exp));
    CHECK(waives(&p->policy,
                 "docker.io/library/nginx-extra@sha256:"
                 "2222222222222222222222222222222222222222222222222222222222222222",
                 "setuid-file", "/usr/bin/passwd", now, &exp));
    CHECK(!waives(&p->policy, "nginx.evil.example/x", "setuid-file", "/usr/bin/passwd", now,
                  &exp)); /* a look-alike registry host */
    CHECK(!waives(&p->policy, "nginx:1.25", "setgid-file", "/usr/bin/passwd", now, &exp));
    CHECK(!waives(&p->policy, "nginx:1.25", "setuid-file", "/usr/bin/su", now, &exp));
    CHECK(!waives(&p->policy, "myorg/nginx", "setuid-file", "/usr/bin/passwd", now, &exp));
    /* expired: the end of 2030-01-31, UTC */
    CHECK(waives(&p->policy, "nginx", "setuid-file", "/usr/bin/passwd", 1896134399LL, &exp));
    CHECK(!waives(&p->policy, "nginx", "setuid-file", "/usr/bin/passwd", 1896134400LL, &exp));
    CHECK(exp == &p->policy.exceptions[0]);
    CHECK(waives(&p->policy, "ghcr.io/org/team/app:1", "device-file", NULL, now, &exp));
    CHECK(!waives(&p->policy, "ghcr.io/orgx/app:1", "device-file", NULL, now, &exp));
    CHECK(waives(&p->policy, "oci:/x:y", "root-user", NULL, now, &exp));           /* by digest */
    CHECK(!waives(&p->policy, "team-a/app", "world-writable", "/tmp", now, &exp)); /* no ns */
    pc_policy_file_free(p);

    static const char *const bad[][2] = {
        {"{\"exceptions\": [{\"images\": [\"x\"]}]}", "reason: missing"},
        {"{\"exceptions\": [{\"checks\": [\"root-user\"], \"reason\": \"r\"}]}",
         "expected images or namespaces"},
        {"{\"exceptions\": [{\"images\": [\"x\"], \"checks\": [\"root-usr\"], \"reason\": "
         "\"r\"}]}",
         "unknown check id"},
        {"{\"exceptions\": [{\"images\": [\"x\"], \"reason\": \"r\", \"expires\": "
         "\"31/01/2030\"}]}",
         "expected a date YYYY-MM-DD"},
        {"{\"exceptions\": [{\"images\": [\"x@sha256:00\"], \"reason\": \"r\"}]}",
         "expected a repository glob"},
        {"{\"exceptions\": [{\"images\": [\"x\"], \"paths\": [\"usr/*\"], \"reason\": "
         "\"r\"}]}",
         "absolute path glob"},
        {"{\"exceptions\": [{\"images\": [\"x\"], \"reason\": \"r\", \"why\": 1}]}", "unknown key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = NULL;
        CHECK(pc_policy_file_parse(bad[i][0], strlen(bad[i][0]), "t.json", &p, &e) < 0 && !p);
        CHECK_CONTAINS(e.msg, bad[i][1]);
    }
}

static void test_baseline(void)
{
    pc_policy_file *p = NULL;
    pc_err e = {""};
    CHECK(pc_policy_file_load(POLICIES "/baseline.json", NULL, &p, &e) == 0);
    if (!p) {
        fprintf(stderr, "baseline: %s\n", e.msg);
        return;
    }
    CHECK_STR(p->policy.name, "baseline");
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("root-user"), NULL) == PC_ACTION_DENY);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("setuid-file"), "/usr/bin/su") ==
          PC_ACTION_WARN);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("setgid-file"), NULL) == PC_ACTION_WARN);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("entrypoint-unrunnable"), NULL) ==
          PC_ACTION_WARN);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("workdir-inaccessible"), NULL) ==
          PC_ACTION_WARN);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("file-capability"), NULL) ==
          PC_ACTION_DENY);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("suspicious-tool"), NULL) ==
          PC_ACTION_DENY);
    CHECK(p->run.sandbox.uid == -1 && p->run.sandbox.gid == -1);
    uint64_t want = capbit(13) | capbit(21) | capbit(16) | capbit(19) | capbit(25) | capbit(12);
    CHECK(p->run.sandbox.dropped_caps == want);
    CHECK(p->run.sandbox.no_new_privileges == 0);
    pc_policy_file_free(p);
}

static const char custom[] =
    "{\"checks\": {\"setuid-file\": {\"action\": \"deny\","
    "   \"allow_paths\": [\"/usr/bin/passwd\", \"/usr/lib/*\"]},"
    "  \"privileged-port\": {\"action\": \"ignore\"}},"
    " \"exempt_images\": [\"registry.example.com/trusted/*\", \"" DIGEST_A "\"],"
    " \"exempt_namespaces\": [\"kube-system\", \"team-*\"],"
    " \"limits\": {\"max_files\": 5, \"timeout_seconds\": 0},"
    " \"yara\": {\"ignore_rules\": [\"noisy_rule\"], \"scan_all_files\": true}}";

static void test_custom(void)
{
    pc_err e;
    pc_policy_file *p = parse(custom, &e);
    CHECK(p != NULL);
    if (!p) {
        fprintf(stderr, "custom: %s\n", e.msg);
        return;
    }
    CHECK_STR(p->policy.name, "policy");
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("setuid-file"), "/usr/bin/passwd") ==
          PC_ACTION_IGNORE);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("setuid-file"), "/usr/lib/dbus/helper") ==
          PC_ACTION_IGNORE);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("setuid-file"), "/usr/bin/su") ==
          PC_ACTION_DENY);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("setuid-file"), NULL) == PC_ACTION_DENY);
    /* allow_paths belong to one check only */
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("setgid-file"), "/usr/bin/passwd") ==
          PC_ACTION_DENY);
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("privileged-port"), NULL) ==
          PC_ACTION_IGNORE);
    /* absent checks fail closed */
    CHECK(pc_policy_action(&p->policy, pc_check_id_parse("secret-in-env"), NULL) == PC_ACTION_DENY);
    CHECK(pc_policy_action(&p->policy, PC_CHK_COUNT, NULL) == PC_ACTION_DENY);

    const char *digests[] = {DIGEST_B, DIGEST_A};
    CHECK_STR(pc_policy_exempt_image(&p->policy, "registry.example.com/trusted/app:1", NULL, 0),
              "registry.example.com/trusted/*");
    CHECK(pc_policy_exempt_image(&p->policy, "registry.example.com/other/app:1", digests, 1) ==
          NULL);
    CHECK_STR(pc_policy_exempt_image(&p->policy, "docker.io/library/busybox:latest", digests, 2),
              DIGEST_A);
    CHECK(pc_policy_exempt_image(&p->policy, DIGEST_A, NULL, 0) == NULL);
    CHECK(pc_policy_exempt_namespace(&p->policy, "kube-system") == 1);
    CHECK(pc_policy_exempt_namespace(&p->policy, "default") == 0);
    CHECK(pc_policy_exempt_namespace(&p->policy, "team-a") == 1); /* a glob */
    CHECK(pc_policy_exempt_namespace(&p->policy, "teamx") == 0);
    CHECK(pc_policy_ignores_rule(&p->policy, "noisy_rule") == 1);
    CHECK(pc_policy_ignores_rule(&p->policy, "netcat") == 0);

    CHECK(p->profile.limits.max_files == 5 && p->profile.limits.timeout_seconds == 0);
    CHECK(p->profile.limits.max_layers == 256 && p->profile.limits.max_manifest_bytes == 4194304);
    CHECK(p->profile.yara.scan_all_files == 1 &&
          p->profile.yara.max_file_bytes == UINT64_C(4194304));
    CHECK(p->run.sandbox.uid == -1 && p->run.sandbox.gid == -1);
    CHECK(p->run.sandbox.dropped_caps == 0 && p->run.sandbox.no_new_privileges == 0);
    pc_policy_file_free(p);
}

static void test_sandbox_values(void)
{
    pc_err e;
    pc_policy_file *p =
        parse("{\"name\": \"mine\", \"sandbox\": {\"uid\": 0, \"gid\": 4294967294,"
              " \"supplementary_gids\": [5, 6],"
              " \"dropped_caps\": [\"CAP_NET_RAW\", \"cap_sys_admin\", \"MKNOD\"]}}",
              &e);
    CHECK(p != NULL);
    if (!p) {
        fprintf(stderr, "sandbox: %s\n", e.msg);
        return;
    }
    CHECK_STR(p->policy.name, "mine");
    CHECK(p->run.sandbox.uid == 0 && p->run.sandbox.gid == INT64_C(4294967294));
    CHECK(p->run.sandbox.nsupplementary_gids == 2 && p->run.sandbox.supplementary_gids[1] == 6);
    CHECK(p->run.sandbox.dropped_caps == (capbit(13) | capbit(21) | capbit(27)));
    pc_policy_file_free(p);
}

/* checks.<id>.categories: an action per tool category. */
static void test_categories(void)
{
    pc_err e;
    pc_policy_file *p = parse("{\"checks\": {\"suspicious-tool\": {\"action\": \"deny\","
                              " \"allow_paths\": [\"/opt/ok/*\"], \"categories\":"
                              " {\"sniffer\": \"warn\", \"packet-capture\": \"ignore\"}}}}",
                              &e);
    CHECK(p != NULL);
    if (!p) {
        fprintf(stderr, "categories: %s\n", e.msg);
        return;
    }
    int st = pc_check_id_parse("suspicious-tool");
    CHECK(pc_policy_action_c(&p->policy, st, "/usr/bin/tcpdump", 0, "sniffer") == PC_ACTION_WARN);
    CHECK(pc_policy_action_c(&p->policy, st, "/usr/sbin/pppd", 0, "packet-capture") ==
          PC_ACTION_IGNORE);
    CHECK(pc_policy_action_c(&p->policy, st, "/usr/bin/nmap", 0, "scanner") == PC_ACTION_DENY);
    CHECK(pc_policy_action_c(&p->policy, st, "/usr/bin/x", 0, NULL) == PC_ACTION_DENY);
    CHECK(pc_policy_action_c(&p->policy, st, "/usr/bin/x", 0, "no-such") == PC_ACTION_DENY);
    CHECK(pc_policy_action_c(&p->policy, st, "/opt/ok/nmap", 0, "scanner") == PC_ACTION_IGNORE);
    pc_policy_file_free(p);
    CHECK_CONTAINS(parse_error("{\"checks\": {\"suspicious-tool\": {\"categories\": {\"snifer\": "
                               "\"warn\"}}}}",
                               &e),
                   "policy.json: checks.suspicious-tool.categories.snifer: unknown key");
    CHECK_CONTAINS(e.msg, "packet-capture");
    CHECK_CONTAINS(parse_error("{\"checks\": {\"suspicious-tool\": {\"categories\": [1]}}}", &e),
                   "checks.suspicious-tool.categories: expected an object of tool categories");
    CHECK_CONTAINS(
        parse_error("{\"checks\": {\"suspicious-tool\": {\"categories\": {\"miner\": "
                    "\"allow\"}}}}",
                    &e),
        "checks.suspicious-tool.categories.miner: expected \"deny\", \"warn\" or \"ignore\"");
}

static void test_errors(void)
{
    pc_err e;
    CHECK_CONTAINS(parse_error("{\"nmae\": \"x\"}", &e), "policy.json: nmae: unknown key");
    CHECK_CONTAINS(parse_error("{\"checks\": {\"setuid-file\": {\"actoin\": \"deny\"}}}", &e),
                   "policy.json: checks.setuid-file.actoin: unknown key");
    CHECK_CONTAINS(parse_error("{\"checks\": {\"setuidfile\": {\"action\": \"deny\"}}}", &e),
                   "policy.json: checks.setuidfile: unknown check id");
    CHECK_CONTAINS(e.msg, "setuid-file");
    CHECK_CONTAINS(parse_error("{\"limits\": {\"max_files\": \"100\"}}", &e),
                   "policy.json: limits.max_files: expected a non-negative integer");
    CHECK_CONTAINS(parse_error("{\"limits\": {\"max_files\": -1}}", &e),
                   "limits.max_files: expected a non-negative integer");
    CHECK_CONTAINS(parse_error("{\"limits\": {\"max_file\": 1}}", &e),
                   "policy.json: limits.max_file: unknown key");
    CHECK_CONTAINS(
        parse_error("{\"checks\": {\"root-user\": {\"action\": \"block\"}}}", &e),
        "policy.json: checks.root-user.action: expected \"deny\", \"warn\" or \"ignore\"");
    CHECK_CONTAINS(
        parse_error("{\"sandbox\": {\"dropped_caps\": [\"NET_RAW\", \"NET_RAWW\"]}}", &e),
        "policy.json: sandbox.dropped_caps[1]: unknown capability \"NET_RAWW\"");
    CHECK_CONTAINS(parse_error("{\n  \"name\": \"x\",\n  \"checks\": {,}\n}", &e),
                   "policy.json:3:");
    CHECK_CONTAINS(parse_error("{\"name\": \"a\", \"name\": \"b\"}", &e), "duplicate");
    CHECK_CONTAINS(parse_error("[]", &e), "expected a JSON object");
    CHECK_CONTAINS(parse_error("{\"sandbox\": {\"uid\": 4294967295}}", &e),
                   "sandbox.uid: expected null or an integer");
    CHECK_CONTAINS(parse_error("{\"sandbox\": {\"no_new_privileges\": 1}}", &e),
                   "sandbox.no_new_privileges: expected true or false");
    CHECK_CONTAINS(parse_error("{\"exempt_images\": [\"sha256:abc\"]}", &e),
                   "policy.json: exempt_images[0]: malformed digest");
    CHECK_CONTAINS(
        parse_error("{\"checks\": {\"setuid-file\": {\"allow_paths\": [\"usr/*\"]}}}", &e),
        "checks.setuid-file.allow_paths[0]: expected an absolute path glob");
    CHECK_CONTAINS(parse_error("{\"exempt_namespaces\": [\"\"]}", &e),
                   "exempt_namespaces[0]: expected a non-empty string");
    CHECK_CONTAINS(parse_error("{\"yara\": {\"scan_all\": true}}", &e),
                   "policy.json: yara.scan_all: unknown key");
}

static void test_load_errors(void)
{
    pc_policy_file *p = NULL;
    pc_err e = {""};
    CHECK(pc_policy_file_load("restrictd", POLICIES, &p, &e) < 0 && p == NULL);
    CHECK_CONTAINS(e.msg, "unknown policy \"restrictd\"");
    CHECK_CONTAINS(e.msg, "baseline, restricted, tes-k8s");
    CHECK(pc_policy_file_load("Restricted", POLICIES, &p, &e) < 0);
    CHECK_CONTAINS(e.msg, "not a built-in name");
    CHECK(pc_policy_file_load("nonexistent.json", POLICIES, &p, &e) < 0);
    CHECK_CONTAINS(e.msg, "nonexistent.json");
    CHECK(pc_policy_file_load("restricted", NULL, &p, &e) < 0);
}

/* A vfs_cap_data blob: magic, then (permitted, inheritable) pairs, then rootid. */
static size_t blob(unsigned char *b, uint32_t magic, uint64_t perm, uint64_t inh, int pairs,
                   int rootid)
{
    uint32_t w[6] = {magic,
                     (uint32_t)perm,
                     (uint32_t)inh,
                     (uint32_t)(perm >> 32),
                     (uint32_t)(inh >> 32),
                     (uint32_t)rootid};
    size_t n = 1 + 2 * (size_t)pairs + (rootid >= 0);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            b[4 * i + (size_t)k] = (unsigned char)(w[i] >> (8 * k));
    return 4 * n;
}

static void test_caps(void)
{
    unsigned char b[24];
    pc_filecap c;
    char buf[128];
    size_t n = blob(b, 0x02000001u, capbit(13) | capbit(12), 0, 2, -1);
    CHECK(n == 20 && pc_filecap_decode(b, n, &c) == 0);
    CHECK(c.effective == 1 && c.permitted == (capbit(12) | capbit(13)) && c.rootid == 0);
    pc_filecap_format(&c, buf, sizeof buf);
    CHECK_STR(buf, "cap_net_admin,cap_net_raw+ep");

    n = blob(b, 0x03000000u, capbit(10) | capbit(40) | capbit(50), capbit(1), 2, 1000);
    CHECK(n == 24 && pc_filecap_decode(b, n, &c) == 0);
    CHECK(c.effective == 0 && c.rootid == 1000 && c.inheritable == capbit(1));
    pc_filecap_format(&c, buf, sizeof buf);
    CHECK_STR(buf, "cap_net_bind_service,cap_checkpoint_restore,cap_50+p");

    n = blob(b, 0x01000001u, capbit(7), 0, 1, -1);
    CHECK(n == 12 && pc_filecap_decode(b, n, &c) == 0 && c.permitted == capbit(7));

    n = blob(b, 0x02000001u, capbit(13), 0, 2, -1);
    CHECK(pc_filecap_decode(b, n - 1, &c) == -1); /* truncated */
    CHECK(pc_filecap_decode(b, 3, &c) == -1);     /* shorter than the magic */
    CHECK(pc_filecap_decode(b, 24, &c) == -1);    /* v2 with v3's length */
    b[3] = 0x04;                                  /* revision 4 does not exist */
    CHECK(pc_filecap_decode(b, n, &c) == -1);

    pc_filecap_format(&c, buf, 6);
    CHECK(strlen(buf) == 5);
    CHECK(pc_cap_from_name("NET_RAW") == 13 && pc_cap_from_name("CAP_NET_RAW") == 13);
    CHECK(pc_cap_from_name("cap_net_raw") == 13 && pc_cap_from_name("ALL") == -1);
    CHECK(pc_cap_from_name("CHECKPOINT_RESTORE") == 40 && pc_cap_from_name("cap_") == -1);
    CHECK_STR(pc_cap_name(0), "cap_chown");
    CHECK(pc_cap_name(41) == NULL && pc_cap_name(-1) == NULL);
}

int main(void)
{
    test_restricted();
    test_baseline();
    test_tes_k8s();
    test_extends();
    test_exceptions();
    test_categories();
    test_custom();
    test_sandbox_values();
    test_errors();
    test_load_errors();
    test_caps();
    TEST_MAIN_END();
}
