/*
 * test_verdict.c — the verdict rules (lib/verdict/) as tables: one row per
 * rule, a finding with its ceiling against a policy, and what the verdict
 * makes of it (its action, or dropped; denied; exempt). Then the per-use
 * verdict of a scanned image under a reference (unpinned-image at warn or
 * deny, --pin-digests, exemptions), sorting and the per-check bound, and
 * the fail-closed cases (scan_failed, findings_lost).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "policy.h"
#include "testlib.h"
#include "verdict.h"

#define DIGEST_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DROPPED (-1) /* expected: the finding is not in the result */

/* Checks the policy names not: deny (the fail-closed default). */
static const char *const STRICT =
    "{\"name\": \"strict\", \"checks\": {"
    " \"setuid-file\": {\"action\": \"deny\", \"allow_paths\": [\"/usr/bin/passwd\", \"/opt/*\"]},"
    " \"privileged-port\": {\"action\": \"warn\"},"
    " \"world-writable\": {\"action\": \"ignore\"},"
    " \"unpinned-image\": {\"action\": \"warn\"}},"
    " \"yara\": {\"ignore_rules\": [\"noisy\"]},"
    " \"exempt_images\": [\"registry.example.com/trusted/*\", \"" DIGEST_A "\"]}";
static const char *const LENIENT =
    "{\"name\": \"lenient\", \"checks\": {"
    " \"scan-error\": {\"action\": \"warn\"}, \"unpinned-image\": {\"action\": \"deny\"}},"
    " \"exempt_images\": [\"registry.example.com/trusted/*\"]}";
static const char *const QUIET =
    "{\"name\": \"quiet\", \"checks\": {\"unpinned-image\": {\"action\": \"ignore\"}}}";

static pc_policy_file *load(const char *text)
{
    pc_policy_file *f = NULL;
    pc_err e = {{0}};
    if (pc_policy_file_parse(text, strlen(text), "test.json", &f, &e) < 0)
        fprintf(stderr, "policy: %s\n", e.msg);
    CHECK(f != NULL);
    return f;
}

static pc_result *result(const char *image, const char *digest)
{
    pc_result *r = calloc(1, sizeof *r);
    CHECK(r != NULL);
    if (r) {
        r->image = strdup(image);
        r->digest = digest ? strdup(digest) : NULL;
    }
    return r;
}

/* A finding of check id at path (may be NULL), from YARA rule (may be
 * NULL), whose check allows at most `ceiling`. */
static void add(pc_result *r, const char *check, const char *path, const char *rule,
                pc_action ceiling)
{
    CHECK(pc_finding_add(r, pc_check_id_parse(check), path, NULL, rule, "a finding") == 0);
    if (r->nfindings)
        r->findings[r->nfindings - 1].action = ceiling;
}

/* ---- one finding, one rule ---- */

typedef struct one_case {
    const char *what;
    const char *const *policy;
    const char *image, *digest;
    const char *id; /* check id */
    const char *path, *rule;
    pc_action ceiling;
    int want;        /* pc_action, or DROPPED */
    int want_denied; /* r->denied */
    const char *want_exempt;
} one_case;

static const one_case ONE[] = {
    {"policy deny under ceiling deny: deny", &STRICT, "docker.io/x/app:1", NULL, "root-user", NULL,
     NULL, PC_ACTION_DENY, PC_ACTION_DENY, 1, NULL},
    {"unnamed check: deny by default", &STRICT, "docker.io/x/app:1", NULL, "device-file",
     "/dev/mem", NULL, PC_ACTION_DENY, PC_ACTION_DENY, 1, NULL},
    {"ceiling warn caps policy deny", &STRICT, "docker.io/x/app:1", NULL, "workdir-inaccessible",
     NULL, NULL, PC_ACTION_WARN, PC_ACTION_WARN, 0, NULL},
    {"ceiling ignore drops a denying check", &STRICT, "docker.io/x/app:1", NULL, "root-user", NULL,
     NULL, PC_ACTION_IGNORE, DROPPED, 0, NULL},
    {"policy warn under ceiling deny: warn", &STRICT, "docker.io/x/app:1", NULL, "privileged-port",
     NULL, NULL, PC_ACTION_DENY, PC_ACTION_WARN, 0, NULL},
    {"policy ignore under ceiling warn: dropped", &STRICT, "docker.io/x/app:1", NULL,
     "world-writable", "/tmp/x", NULL, PC_ACTION_WARN, DROPPED, 0, NULL},
    {"allow_paths: exact path dropped", &STRICT, "docker.io/x/app:1", NULL, "setuid-file",
     "/usr/bin/passwd", NULL, PC_ACTION_DENY, DROPPED, 0, NULL},
    {"allow_paths: glob dropped", &STRICT, "docker.io/x/app:1", NULL, "setuid-file",
     "/opt/tool/helper", NULL, PC_ACTION_DENY, DROPPED, 0, NULL},
    {"allow_paths: other path denied", &STRICT, "docker.io/x/app:1", NULL, "setuid-file",
     "/usr/bin/su", NULL, PC_ACTION_DENY, PC_ACTION_DENY, 1, NULL},
    {"allow_paths: another check's list does not apply", &STRICT, "docker.io/x/app:1", NULL,
     "setgid-file", "/usr/bin/passwd", NULL, PC_ACTION_DENY, PC_ACTION_DENY, 1, NULL},
    {"ignore_rules: rule dropped", &STRICT, "docker.io/x/app:1", NULL, "suspicious-tool",
     "/usr/bin/nc", "noisy", PC_ACTION_DENY, DROPPED, 0, NULL},
    {"ignore_rules: other rule denied", &STRICT, "docker.io/x/app:1", NULL, "suspicious-tool",
     "/usr/bin/nc", "netcat", PC_ACTION_DENY, PC_ACTION_DENY, 1, NULL},
    {"exempt by glob: deny lowered to warn", &STRICT, "registry.example.com/trusted/app:1", NULL,
     "setuid-file", "/usr/bin/su", NULL, PC_ACTION_DENY, PC_ACTION_WARN, 0,
     "registry.example.com/trusted/*"},
    {"exempt by digest: deny lowered to warn", &STRICT, "docker.io/x/app:1", DIGEST_A, "root-user",
     NULL, NULL, PC_ACTION_DENY, PC_ACTION_WARN, 0, DIGEST_A},
    {"other digest: not exempt", &STRICT, "docker.io/x/app:1", DIGEST_B, "root-user", NULL, NULL,
     PC_ACTION_DENY, PC_ACTION_DENY, 1, NULL},
    {"exempt: warn stays warn", &STRICT, "registry.example.com/trusted/app:1", NULL,
     "privileged-port", NULL, NULL, PC_ACTION_DENY, PC_ACTION_WARN, 0,
     "registry.example.com/trusted/*"},
    {"exempt: ignored stays dropped", &STRICT, "registry.example.com/trusted/app:1", NULL,
     "setuid-file", "/usr/bin/passwd", NULL, PC_ACTION_DENY, DROPPED, 0,
     "registry.example.com/trusted/*"},
    {"scan-error at deny: denied", &STRICT, "docker.io/x/app:1", NULL, "scan-error", NULL, NULL,
     PC_ACTION_DENY, PC_ACTION_DENY, 1, NULL},
    {"scan-error made a warn by the policy: allowed with a warning", &LENIENT, "docker.io/x/app:1",
     NULL, "scan-error", NULL, NULL, PC_ACTION_DENY, PC_ACTION_WARN, 0, NULL},
};

static void test_one(const one_case *c)
{
    pc_policy_file *f = load(*c->policy);
    pc_result *r = result(c->image, c->digest);
    if (!f || !r)
        goto out;
    add(r, c->id, c->path, c->rule, c->ceiling);
    pc_verdict_apply(&f->policy, r);
    int got = r->nfindings ? (int)r->findings[0].action : DROPPED;
    if (got != c->want || r->denied != c->want_denied || r->nfindings > 1)
        fprintf(stderr, "case \"%s\": action %d (want %d), denied %d (want %d)\n", c->what, got,
                c->want, r->denied, c->want_denied);
    CHECK(got == c->want);
    CHECK(r->denied == c->want_denied);
    CHECK(r->nfindings <= 1);
    if (c->want_exempt)
        CHECK_STR(r->exempt, c->want_exempt);
    else
        CHECK(r->exempt == NULL);
out:
    pc_result_free(r);
    pc_policy_file_free(f);
}

/* ---- the fail-closed flags ---- */

static void test_findings_lost(void)
{
    pc_policy_file *f = load(STRICT);
    pc_result *r = result("registry.example.com/trusted/app:1", NULL);
    if (!f || !r)
        goto out;
    /* a lost finding denies whatever is left: even nothing, even exempt */
    r->findings_lost = r->scan_failed = 1;
    add(r, "privileged-port", NULL, NULL, PC_ACTION_DENY);
    pc_verdict_apply(&f->policy, r);
    CHECK(r->denied == 1);
    CHECK(r->nfindings == 1 && r->findings[0].action == PC_ACTION_WARN);
    pc_result_free(r);
    r = result("docker.io/x/app:1", NULL);
    if (!r)
        goto out;
    r->findings_lost = 1;
    pc_verdict_apply(&f->policy, r);
    CHECK(r->denied == 1 && r->nfindings == 0);
out:
    pc_result_free(r);
    pc_policy_file_free(f);
}

/* ---- several findings: order and the per-check bound ---- */

static void test_order(void)
{
    pc_policy_file *f = load(STRICT);
    pc_result *r = result("docker.io/x/app:1", NULL);
    if (!f || !r)
        goto out;
    add(r, "setuid-file", "/usr/bin/su", NULL, PC_ACTION_DENY);
    add(r, "privileged-port", NULL, NULL, PC_ACTION_DENY);
    add(r, "root-user", NULL, NULL, PC_ACTION_DENY);
    add(r, "setuid-file", "/usr/bin/passwd", NULL, PC_ACTION_DENY); /* allowed */
    add(r, "setuid-file", "/bin/mount", NULL, PC_ACTION_DENY);
    pc_verdict_apply(&f->policy, r);
    CHECK(r->nfindings == 4 && r->denied == 1);
    if (r->nfindings == 4) { /* check id order, then path */
        CHECK_STR(r->findings[0].check, "root-user");
        CHECK_STR(r->findings[1].path, "/bin/mount");
        CHECK_STR(r->findings[2].path, "/usr/bin/su");
        CHECK_STR(r->findings[3].check, "privileged-port");
    }
out:
    pc_result_free(r);
    pc_policy_file_free(f);
}

static void test_bound(void)
{
    pc_policy_file *f = load(STRICT);
    pc_result *r = result("docker.io/x/app:1", NULL);
    char path[32];
    if (!f || !r)
        goto out;
    /* PC_FINDINGS_PER_CHECK setuid files at warn are listed; two more at
     * deny sort after them and are summed up in one finding that denies;
     * one under /opt (allow_paths) is dropped before the bound counts */
    for (int i = 0; i < PC_FINDINGS_PER_CHECK + 2; i++) {
        snprintf(path, sizeof path, "/bin/f%05d", i);
        add(r, "setuid-file", path, NULL,
            i < PC_FINDINGS_PER_CHECK ? PC_ACTION_WARN : PC_ACTION_DENY);
    }
    add(r, "setuid-file", "/opt/x", NULL, PC_ACTION_DENY);
    add(r, "root-user", NULL, NULL, PC_ACTION_WARN);
    pc_verdict_apply(&f->policy, r);
    CHECK(r->nfindings == PC_FINDINGS_PER_CHECK + 2);
    if (r->nfindings == PC_FINDINGS_PER_CHECK + 2) {
        const pc_finding *s = &r->findings[PC_FINDINGS_PER_CHECK + 1];
        CHECK_STR(r->findings[0].check, "root-user");
        CHECK_STR(s->check, "setuid-file");
        CHECK_STR(s->message, "2 more setuid-file findings not listed (at most 1000 per check)");
        CHECK(s->action == PC_ACTION_DENY && s->path == NULL);
        CHECK(r->findings[PC_FINDINGS_PER_CHECK].action == PC_ACTION_WARN);
    }
    CHECK(r->denied == 1); /* the summary carries the strongest action it hides */
out:
    pc_result_free(r);
    pc_policy_file_free(f);
}

/* ---- one use of a scanned image: unpinned-image ---- */

typedef struct use_case {
    const char *what;
    const char *const *policy;
    const char *ref;    /* NULL: the result's own image */
    const char *exempt; /* r->exempt */
    int denied;         /* r->denied */
    int pin_digests;
    pc_action want_unpinned;
    int want_denied;
} use_case;

#define PINNED "docker.io/x/app@" DIGEST_A
#define TAGGED "docker.io/x/app:1"

static const use_case USE[] = {
    {"pinned: no unpinned-image", &STRICT, PINNED, NULL, 0, 1, PC_ACTION_IGNORE, 0},
    {"pinned: the scan's deny stands", &STRICT, PINNED, NULL, 1, 0, PC_ACTION_IGNORE, 1},
    {"tag at warn: a warning, allowed", &STRICT, TAGGED, NULL, 0, 0, PC_ACTION_WARN, 0},
    {"tag at warn, pin_digests: denied", &STRICT, TAGGED, NULL, 0, 1, PC_ACTION_DENY, 1},
    {"tag at warn, pin_digests, exempt: a warning", &STRICT, TAGGED, DIGEST_A, 0, 1, PC_ACTION_WARN,
     0},
    {"tag at deny: denied", &LENIENT, TAGGED, NULL, 0, 0, PC_ACTION_DENY, 1},
    {"tag at deny, exempt: a warning", &LENIENT, TAGGED, "registry.example.com/trusted/*", 0, 0,
     PC_ACTION_WARN, 0},
    {"tag ignored: nothing, even with pin_digests", &QUIET, TAGGED, NULL, 0, 1, PC_ACTION_IGNORE,
     0},
    {"tag, the scan denies: denied", &STRICT, TAGGED, NULL, 1, 0, PC_ACTION_WARN, 1},
    {"no ref given: the result's image (a tag)", &STRICT, NULL, NULL, 0, 1, PC_ACTION_DENY, 1},
    {"sha512 is not a pin", &STRICT, "docker.io/x/app@sha512:00", NULL, 0, 0, PC_ACTION_WARN, 0},
};

static void test_use(const use_case *c)
{
    pc_policy_file *f = load(*c->policy);
    pc_result *r = result(TAGGED, NULL);
    if (!f || !r)
        goto out;
    r->exempt = c->exempt ? strdup(c->exempt) : NULL;
    r->denied = c->denied;
    pc_verdict_opts o = {.ref = c->ref, .pin_digests = c->pin_digests};
    pc_verdict v;
    pc_verdict_judge(&f->policy, r, &o, &v);
    if (v.unpinned != c->want_unpinned || v.denied != c->want_denied)
        fprintf(stderr, "case \"%s\": unpinned %d (want %d), denied %d (want %d)\n", c->what,
                (int)v.unpinned, (int)c->want_unpinned, v.denied, c->want_denied);
    CHECK(v.unpinned == c->want_unpinned);
    CHECK(v.denied == c->want_denied);
    CHECK(r->nfindings == 0 && r->denied == c->denied); /* r is not changed */
out:
    pc_result_free(r);
    pc_policy_file_free(f);
}

static void test_use_edges(void)
{
    pc_policy_file *f = load(STRICT);
    pc_verdict v;
    pc_finding fd;
    if (!f)
        return;
    pc_verdict_judge(&f->policy, NULL, NULL, &v); /* no scan: denied */
    CHECK(v.denied == 1);
    v.unpinned = PC_ACTION_IGNORE;
    CHECK(pc_verdict_unpinned_finding(&v, &fd) == -1 && fd.check == NULL);
    v.unpinned = PC_ACTION_WARN;
    CHECK(pc_verdict_unpinned_finding(&v, &fd) == 0);
    CHECK_STR(fd.check, "unpinned-image");
    CHECK_STR(fd.message, "no @sha256: digest in the reference; the tag can move");
    CHECK(fd.action == PC_ACTION_WARN && !fd.path && !fd.layer && !fd.rule);
    CHECK(pc_ref_pinned(PINNED) == 1);
    CHECK(pc_ref_pinned(TAGGED) == 0);
    CHECK(pc_ref_pinned("registry:5000/app@sha256:ab") == 1);
    CHECK(pc_ref_pinned(NULL) == 0);
    pc_policy_file_free(f);
}

/* team/app:2 with three denied findings: setuid-file, root-user and
 * world-writable. */
static pc_result *team_result(void)
{
    pc_result *r = result("team/app:2", NULL);
    if (r) {
        add(r, "setuid-file", "/usr/bin/su", NULL, PC_ACTION_DENY);
        add(r, "root-user", NULL, NULL, PC_ACTION_DENY);
        add(r, "world-writable", "/tmp/x", NULL, PC_ACTION_DENY);
    }
    return r;
}

/* Exceptions: one image and check waived at scan time (listed, action
 * ignore, waived_by); one naming a namespace waives only in that
 * namespace's use of the result; modes lower a deny and keep would_deny. */
static void test_exceptions_and_modes(void)
{
    pc_policy_file *f =
        load("{\"mode\": \"enforce\", \"checks\": {\"world-writable\": {\"action\": \"deny\", "
             "\"mode\": \"warn\"}, \"device-file\": {\"action\": \"deny\", \"mode\": \"audit\"}},"
             "\"exceptions\": ["
             "{\"images\": [\"team/app\"], \"checks\": [\"setuid-file\"], \"reason\": \"T-1\"},"
             "{\"namespaces\": [\"team-*\"], \"checks\": [\"root-user\"], \"reason\": \"T-2\"}]}");
    pc_result *r = team_result();
    if (!f || !r)
        goto out;
    add(r, "device-file", "/dev/sda", NULL, PC_ACTION_DENY);
    pc_verdict_apply(&f->policy, r);
    CHECK(r->denied == 1 && r->would_deny == 1); /* root-user still denies at scan time */
    CHECK(r->nfindings == 4);
    for (size_t i = 0; i < r->nfindings; i++) {
        const pc_finding *x = &r->findings[i];
        if (strcmp(x->check, "setuid-file") == 0)
            CHECK(x->action == PC_ACTION_IGNORE && x->waived_by &&
                  strstr(x->waived_by, "test.json: exceptions[0]: T-1"));
        else if (strcmp(x->check, "root-user") == 0)
            CHECK(x->action == PC_ACTION_DENY && !x->waived_by);
        else if (strcmp(x->check, "world-writable") == 0)
            CHECK(x->action == PC_ACTION_WARN && x->would_deny);
        else
            CHECK(x->action == PC_ACTION_IGNORE && x->would_deny && !x->waived_by);
    }
    /* the namespace exception, per use */
    pc_verdict v;
    pc_verdict_opts in_team = {
        .ref = "team/app@sha256:1111111111111111111111111111111111111111111111111111111111111111",
        .namespace_ = "team-a"};
    pc_verdict_opts elsewhere = {.ref = in_team.ref, .namespace_ = "prod"};
    pc_verdict_judge(&f->policy, r, &in_team, &v);
    CHECK(v.denied == 0);
    pc_verdict_judge(&f->policy, r, &elsewhere, &v);
    CHECK(v.denied == 1);
    pc_verdict_judge(&f->policy, r, NULL, &v);
    CHECK(v.denied == 1);
    CHECK(pc_verdict_ns_waived(&f->policy, r, "team-b", &r->findings[0]) +
              pc_verdict_ns_waived(&f->policy, r, "team-b", &r->findings[1]) +
              pc_verdict_ns_waived(&f->policy, r, "team-b", &r->findings[2]) +
              pc_verdict_ns_waived(&f->policy, r, "team-b", &r->findings[3]) ==
          1);
    /* a lost finding denies whatever the namespace */
    r->findings_lost = 1;
    r->denied = 1;
    pc_verdict_judge(&f->policy, r, &in_team, &v);
    CHECK(v.denied == 1);
out:
    pc_result_free(r);
    pc_policy_file_free(f);
}

/* waived_until: the earliest end of an exception that waived a finding
 * (a cache keeps the verdict no longer); not set by an exception without
 * an end, nor by one that waived nothing or has ended. */
static void test_waived_until(void)
{
    pc_policy_file *f =
        load("{\"mode\": \"enforce\", \"exceptions\": ["
             "{\"images\": [\"team/app\"], \"checks\": [\"setuid-file\"], \"reason\": \"A\", "
             "\"expires\": \"2999-01-02\"},"
             "{\"images\": [\"team/app\"], \"checks\": [\"device-file\"], \"reason\": \"B\", "
             "\"expires\": \"2999-01-01\"},"
             "{\"images\": [\"team/app\"], \"checks\": [\"root-user\"], \"reason\": \"C\"},"
             "{\"images\": [\"team/app\"], \"checks\": [\"world-writable\"], \"reason\": \"D\", "
             "\"expires\": \"2001-01-01\"},"
             "{\"images\": [\"team/app\"], \"checks\": [\"file-capability\"], \"reason\": \"E\", "
             "\"expires\": \"2998-01-01\"}]}");
    pc_result *r = team_result();
    if (!f || !r)
        goto out;
    r->waived_until = 1; /* stale: every apply starts afresh */
    pc_verdict_apply(&f->policy, r);
    /* setuid waived until the end of 2999-01-02 (UTC); root-user without
     * an end; world-writable's exception ended (it denies); file-capability's
     * waived nothing here */
    CHECK(r->waived_until == 32472316800LL);
    CHECK(r->denied == 1);
    add(r, "device-file", "/dev/sda", NULL, PC_ACTION_DENY);
    pc_verdict_apply(&f->policy, r);
    CHECK(r->waived_until == 32472230400LL); /* the earlier of the two */
    pc_result *n = result("team/app:3", NULL);
    if (n) {
        add(n, "root-user", NULL, NULL, PC_ACTION_DENY);
        pc_verdict_apply(&f->policy, n);
        CHECK(n->waived_until == 0 && n->denied == 0);
        pc_result_free(n);
    }
out:
    pc_result_free(r);
    pc_policy_file_free(f);
}

int main(void)
{
    for (size_t i = 0; i < sizeof ONE / sizeof ONE[0]; i++)
        test_one(&ONE[i]);
    test_findings_lost();
    test_order();
    test_bound();
    for (size_t i = 0; i < sizeof USE / sizeof USE[0]; i++)
        test_use(&USE[i]);
    test_use_edges();
    test_exceptions_and_modes();
    test_waived_until();
    TEST_MAIN_END();
}
