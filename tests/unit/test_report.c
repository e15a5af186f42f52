/*
 * test_report.c — the report writers: two hand-built results (one denied
 * with deny, warn and ignore findings, one clean with NULL fields) are
 * rendered as JSON, SARIF and text into memory; JSON and SARIF are parsed
 * back and checked field by field, text is checked line by line, with and
 * without colour. Also: hostile strings (escape codes, bytes that are not
 * UTF-8), write errors, and jansson running out of memory at every
 * allocation in turn (no crash, no leak under ASan, -1 returned).
 */
#include <jansson.h>
#include <stdlib.h>
#include "checkid.h"
#include "portcullis.h"
#include "report.h"
#include "report/sarif_rules.h"
#include "testlib.h"

#define LAYER1 "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define DIGEST1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define IMAGE1 "registry.example/app:1.0"
#define IMAGE2 "alpine:3.19"

typedef struct fixture {
    pc_finding f1[5];
    char *caps[1];
    unsigned ports[1];
    pc_result denied, clean;
    pc_result *both[2];
} fixture;

static void fixture_init(fixture *x)
{
    memset(x, 0, sizeof *x);
    /* Warn first: the text report must still list the denies before it. */
    x->f1[0] = (pc_finding){
        .check = "privileged-port", .action = PC_ACTION_WARN, .message = "exposes port 80/tcp"};
    x->f1[1] = (pc_finding){.check = "setuid-file",
                            .action = PC_ACTION_DENY,
                            .message = "set-user-ID root",
                            .path = "/usr/bin/passwd",
                            .layer = LAYER1};
    x->f1[2] = (pc_finding){.check = "device-file",
                            .action = PC_ACTION_IGNORE,
                            .message = "ignored",
                            .path = "/dev/null"};
    x->f1[3] = (pc_finding){.check = "suspicious-tool",
                            .action = PC_ACTION_DENY,
                            .message = "netcat",
                            .path = "/tmp/nc\x1b[2J\xff",
                            .layer = LAYER1,
                            .rule = "netcat_bin"};
    x->caps[0] = "cap_net_raw";
    x->ports[0] = 80;
    pc_result *r = &x->denied;
    r->image = IMAGE1, r->digest = DIGEST1, r->platform = "linux/amd64";
    r->policy = "restricted", r->policy_digest = "sha256:pp", r->config_digest = "sha256:cc";
    r->manifest_digest = "sha256:mm", r->denied = 1;
    r->findings = x->f1, r->nfindings = 4, r->capfindings = 5;
    r->sandbox = (pc_sandbox_info){.program = "/usr/bin/app",
                                   .user = "0:0",
                                   .needs_root = 1,
                                   .needs_caps = x->caps,
                                   .nneeds_caps = 1,
                                   .privileged_ports = x->ports,
                                   .nprivileged_ports = 1};
    r->stats = (pc_stats){.layers = 3, .files = 1234, .bytes = 5678000, .duration_ms = 12};
    /* Clean, and nearly everything unknown. */
    x->clean.image = IMAGE2, x->clean.policy = "baseline";
    x->both[0] = &x->denied, x->both[1] = &x->clean;
}

/* Render into a NUL-terminated heap string; NULL when the writer failed. */
static char *render(pc_format fmt, pc_result *const *results, size_t n, int color)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    int rc = pc_report_write(f, fmt, results, n, color);
    fclose(f);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static json_t *render_json(pc_format fmt, pc_result *const *results, size_t n)
{
    char *s = render(fmt, results, n, 0);
    json_error_t err;
    json_t *j = s ? json_loads(s, 0, &err) : NULL;
    CHECK(j != NULL);
    CHECK(s && strlen(s) > 0 && s[strlen(s) - 1] == '\n');
    free(s);
    return j;
}

static const char *str_at(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void check_keys(json_t *o, const char *const *keys, size_t n)
{
    CHECK(json_object_size(o) == n);
    void *it = json_object_iter(o);
    for (size_t i = 0; i < n && it; i++, it = json_object_iter_next(o, it))
        CHECK_STR(json_object_iter_key(it), keys[i]);
}

static void check_json_denied(json_t *rep)
{
    static const char *const keys[] = {
        "image",         "digest",       "platform", "verdict",         "policy",
        "findings",      "sandbox",      "stats",    "manifest_digest", "config_digest",
        "policy_digest", "rules_digest", "exempt",   "scan_failed"};
    check_keys(rep, keys, sizeof keys / sizeof keys[0]);
    CHECK_STR(str_at(rep, "image"), IMAGE1);
    CHECK_STR(str_at(rep, "digest"), DIGEST1);
    CHECK_STR(str_at(rep, "verdict"), "deny");
    CHECK(json_is_null(json_object_get(rep, "rules_digest")));
    CHECK(json_is_null(json_object_get(rep, "exempt")));
    CHECK(json_is_false(json_object_get(rep, "scan_failed")));
    json_t *fs = json_object_get(rep, "findings");
    CHECK(json_array_size(fs) == 3); /* the ignore finding is dropped */
    json_t *port = json_array_get(fs, 0), *suid = json_array_get(fs, 1);
    static const char *const fkeys[] = {"check", "action", "message", "path", "layer", "rule"};
    check_keys(suid, fkeys, 6);
    CHECK_STR(str_at(port, "action"), "warn");
    CHECK(json_is_null(json_object_get(port, "path")));
    CHECK(json_is_null(json_object_get(port, "layer")));
    CHECK_STR(str_at(suid, "check"), "setuid-file");
    CHECK_STR(str_at(suid, "action"), "deny");
    CHECK_STR(str_at(suid, "path"), "/usr/bin/passwd");
    CHECK_STR(str_at(suid, "layer"), LAYER1);
    CHECK(json_is_null(json_object_get(suid, "rule")));
    json_t *nc = json_array_get(fs, 2);
    CHECK_STR(str_at(nc, "rule"), "netcat_bin");
    CHECK_STR(str_at(nc, "path"), "/tmp/nc\x1b[2J\xef\xbf\xbd"); /* U+FFFD for \xff */
}

static void check_json_sandbox_stats(json_t *rep)
{
    json_t *sb = json_object_get(rep, "sandbox");
    static const char *const skeys[] = {
        "program",           "user",      "needs_root", "needs_caps",  "privileged_ports", "argv",
        "no_new_privileges", "user_from", "groups",     "capabilities"};
    check_keys(sb, skeys, 10);
    CHECK(json_array_size(json_object_get(sb, "argv")) == 0);
    CHECK(json_is_false(json_object_get(sb, "no_new_privileges")));
    CHECK_STR(str_at(sb, "program"), "/usr/bin/app");
    CHECK(json_is_true(json_object_get(sb, "needs_root")));
    CHECK_STR(json_string_value(json_array_get(json_object_get(sb, "needs_caps"), 0)),
              "cap_net_raw");
    CHECK(json_integer_value(json_array_get(json_object_get(sb, "privileged_ports"), 0)) == 80);
    json_t *st = json_object_get(rep, "stats");
    static const char *const tkeys[] = {"layers", "files", "bytes", "duration_ms", "cached_layers"};
    check_keys(st, tkeys, 5);
    CHECK(json_integer_value(json_object_get(st, "layers")) == 3);
    CHECK(json_integer_value(json_object_get(st, "files")) == 1234);
    CHECK(json_integer_value(json_object_get(st, "bytes")) == 5678000);
    CHECK(json_integer_value(json_object_get(st, "duration_ms")) == 12);
}

static void check_json_clean(json_t *rep)
{
    CHECK_STR(str_at(rep, "image"), IMAGE2);
    CHECK_STR(str_at(rep, "verdict"), "allow");
    CHECK(json_is_null(json_object_get(rep, "digest")));
    CHECK(json_is_null(json_object_get(rep, "platform")));
    CHECK(json_array_size(json_object_get(rep, "findings")) == 0);
    json_t *sb = json_object_get(rep, "sandbox");
    CHECK(json_is_null(json_object_get(sb, "program")));
    CHECK(json_is_false(json_object_get(sb, "needs_root")));
    CHECK(json_array_size(json_object_get(sb, "needs_caps")) == 0);
    CHECK(json_array_size(json_object_get(sb, "privileged_ports")) == 0);
}

static void test_json(fixture *x)
{
    json_t *doc = render_json(PC_FORMAT_JSON, x->both, 2);
    static const char *const keys[] = {"schema", "scanner", "generated_at", "verdict", "reports"};
    check_keys(doc, keys, 5);
    CHECK_STR(str_at(json_object_get(doc, "scanner"), "version"), PC_VERSION);
    CHECK(str_at(doc, "generated_at") && strlen(str_at(doc, "generated_at")) == 20);
    CHECK_STR(str_at(doc, "schema"), "portcullis.scan/v1");
    CHECK_STR(str_at(doc, "verdict"), "deny");
    json_t *reps = json_object_get(doc, "reports");
    CHECK(json_array_size(reps) == 2);
    check_json_denied(json_array_get(reps, 0));
    check_json_sandbox_stats(json_array_get(reps, 0));
    check_json_clean(json_array_get(reps, 1));
    json_decref(doc);

    char *s = render(PC_FORMAT_JSON, x->both, 2, 0);
    CHECK_CONTAINS(s, "{\n  \"schema\": \"portcullis.scan/v1\",\n  \"scanner\"");
    free(s);

    doc = render_json(PC_FORMAT_JSON, &x->both[1], 1);
    CHECK_STR(str_at(doc, "verdict"), "allow");
    json_decref(doc);
    doc = render_json(PC_FORMAT_JSON, NULL, 0);
    CHECK_STR(str_at(doc, "verdict"), "allow");
    CHECK(json_array_size(json_object_get(doc, "reports")) == 0);
    json_decref(doc);
}

static void test_finding_object(void)
{
    pc_finding f = {.check = "root-user", .action = PC_ACTION_WARN, .message = "runs as root"};
    json_t *j = pc_finding_to_json(&f);
    CHECK_STR(str_at(j, "check"), "root-user");
    CHECK_STR(str_at(j, "action"), "warn");
    CHECK(json_is_null(json_object_get(j, "path")));
    json_decref(j);
}

/* Every check's rule, in id order, with what GitHub code scanning needs. */
static void check_sarif_rules(json_t *driver)
{
    json_t *rules = json_object_get(driver, "rules");
    CHECK(json_array_size(rules) == PC_CHK_COUNT);
    for (size_t i = 0; i < json_array_size(rules); i++) {
        json_t *r = json_array_get(rules, i);
        const char *id = str_at(r, "id");
        CHECK_STR(id, pc_check_id_name((pc_check_id)i));
        CHECK(id && pc_sarif_rule_documented(id));
        CHECK_STR(str_at(json_object_get(r, "shortDescription"), "text"),
                  pc_check_id_help((pc_check_id)i));
        CHECK(str_at(json_object_get(r, "fullDescription"), "text") != NULL);
        json_t *help = json_object_get(r, "help");
        CHECK(str_at(help, "text") && strstr(str_at(help, "text"), "How to fix: "));
        CHECK(str_at(help, "markdown") && strstr(str_at(help, "markdown"), "**How to fix:**"));
        CHECK(str_at(r, "helpUri") && strstr(str_at(r, "helpUri"), "#checks"));
        const char *sev = str_at(json_object_get(r, "properties"), "security-severity");
        CHECK(sev && atof(sev) > 0.0 && atof(sev) <= 10.0);
        CHECK(json_array_size(json_object_get(json_object_get(r, "properties"), "tags")) == 3);
        CHECK_STR(str_at(json_object_get(r, "defaultConfiguration"), "level"), "error");
    }
    CHECK_STR(str_at(json_array_get(rules, 0), "name"), "RootUser");
}

static const char *result_uri(json_t *res)
{
    json_t *loc = json_array_get(json_object_get(res, "locations"), 0);
    json_t *art = json_object_get(json_object_get(loc, "physicalLocation"), "artifactLocation");
    return str_at(art, "uri");
}

static void check_sarif_results(json_t *run)
{
    json_t *results = json_object_get(run, "results");
    json_t *rules =
        json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
    CHECK(json_array_size(results) == 3);
    for (size_t i = 0; i < json_array_size(results); i++) {
        json_t *res = json_array_get(results, i);
        size_t idx = (size_t)json_integer_value(json_object_get(res, "ruleIndex"));
        CHECK_STR(str_at(json_array_get(rules, idx), "id"), str_at(res, "ruleId"));
        CHECK(str_at(json_object_get(res, "message"), "text") != NULL);
        json_t *loc = json_array_get(json_object_get(res, "locations"), 0);
        CHECK(json_integer_value(json_object_get(
                  json_object_get(json_object_get(loc, "physicalLocation"), "region"),
                  "startLine")) == 1);
        const char *fp = str_at(json_object_get(res, "partialFingerprints"), "portcullis/v1");
        CHECK(fp && strlen(fp) == 64);
    }
    json_t *port = json_array_get(results, 0), *suid = json_array_get(results, 1);
    CHECK_STR(str_at(port, "level"), "warning");
    /* an image-level finding is located on the repository, without its tag */
    CHECK_STR(result_uri(port), "registry.example/app");
    CHECK_STR(str_at(suid, "ruleId"), "setuid-file");
    CHECK_STR(str_at(suid, "level"), "error");
    CHECK_STR(str_at(json_object_get(suid, "message"), "text"), IMAGE1 ": set-user-ID root");
    CHECK_STR(result_uri(suid), "usr/bin/passwd");
    json_t *props = json_object_get(suid, "properties");
    CHECK_STR(str_at(props, "image"), IMAGE1);
    CHECK_STR(str_at(props, "digest"), DIGEST1);
    CHECK_STR(str_at(props, "layer"), LAYER1);
    CHECK(json_is_null(json_object_get(props, "rule")));
    CHECK_STR(result_uri(json_array_get(results, 2)), "tmp/nc%1B%5B2J%FF");
}

static void test_sarif(fixture *x)
{
    json_t *doc = render_json(PC_FORMAT_SARIF, x->both, 2);
    CHECK_STR(str_at(doc, "$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
    CHECK_STR(str_at(doc, "version"), "2.1.0");
    json_t *runs = json_object_get(doc, "runs");
    CHECK(json_array_size(runs) == 2); /* one run per image */
    json_t *run = json_array_get(runs, 0);
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    CHECK_STR(str_at(driver, "name"), "portcullis");
    CHECK_STR(str_at(driver, "version"), PC_VERSION);
    CHECK_STR(str_at(driver, "informationUri"), "https://github.com/portcullis/portcullis");
    CHECK_STR(str_at(json_object_get(run, "automationDetails"), "id"),
              "portcullis/registry.example/app/");
    const char *id1 = str_at(json_object_get(json_array_get(runs, 1), "automationDetails"), "id");
    CHECK(id1 && strcmp(id1, "portcullis/registry.example/app/") != 0);
    check_sarif_rules(driver);
    check_sarif_results(run);
    json_decref(doc);

    doc = render_json(PC_FORMAT_SARIF, &x->both[1], 1);
    run = json_array_get(json_object_get(doc, "runs"), 0);
    CHECK(json_is_array(json_object_get(run, "results")));
    CHECK(json_array_size(json_object_get(run, "results")) == 0);
    json_decref(doc);
    /* a new tag of the repository: the same categories and fingerprints */
    doc = render_json(PC_FORMAT_SARIF, x->both, 1);
    const char *fp0 = str_at(
        json_object_get(
            json_array_get(
                json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "results"), 0),
            "partialFingerprints"),
        "portcullis/v1");
    char *keep = fp0 ? strdup(fp0) : NULL;
    json_decref(doc);
    x->both[0]->image = "registry.example/app:2.0";
    doc = render_json(PC_FORMAT_SARIF, x->both, 1);
    json_t *run2 = json_array_get(json_object_get(doc, "runs"), 0);
    CHECK_STR(str_at(json_object_get(run2, "automationDetails"), "id"),
              "portcullis/registry.example/app/");
    CHECK_STR(str_at(json_object_get(json_array_get(json_object_get(run2, "results"), 0),
                                     "partialFingerprints"),
                     "portcullis/v1"),
              keep);
    free(keep);
    x->both[0]->image = IMAGE1;
    json_decref(doc);
    /* two tags of one repository in one file: two categories */
    pc_result *twice[2] = {x->both[0], x->both[0]};
    doc = render_json(PC_FORMAT_SARIF, twice, 2);
    CHECK_STR(str_at(json_object_get(json_array_get(json_object_get(doc, "runs"), 1),
                                     "automationDetails"),
                     "id"),
              "portcullis/registry.example/app+2/");
    json_decref(doc);
    doc = render_json(PC_FORMAT_SARIF, NULL, 0); /* no image: one empty run */
    CHECK(json_array_size(json_object_get(doc, "runs")) == 1);
    json_decref(doc);
}

static void test_text_plain(fixture *x)
{
    char *s = render(PC_FORMAT_TEXT, x->both, 2, 0);
    CHECK(s != NULL);
    CHECK_CONTAINS(s, IMAGE1 " (" DIGEST1 ", linux/amd64, policy restricted): DENY\n");
    CHECK_CONTAINS(s, "\n  DENY  setuid-file  /usr/bin/passwd  (layer sha256:abcdef012345"
                      "\xe2\x80\xa6)  set-user-ID root\n");
    CHECK_CONTAINS(s, "\n  WARN  privileged-port  exposes port 80/tcp\n");
    CHECK_CONTAINS(s, "  DENY  suspicious-tool  /tmp/nc\\x1b[2J\\xff  (layer sha256:abcdef012345"
                      "\xe2\x80\xa6, rule netcat_bin)  netcat\n");
    CHECK_CONTAINS(s, "  3 layers (0 from cache), 1234 files, 5.4 MiB, 12 ms\n");
    CHECK_CONTAINS(s, IMAGE2 " (policy baseline): ALLOW\n  no findings\n");
    CHECK_CONTAINS(s, "\n2 image(s): 1 allowed, 1 denied\n");
    if (s) {
        const char *deny = strstr(s, "  DENY  suspicious-tool"), *warn = strstr(s, "  WARN  ");
        CHECK(deny && warn && deny < warn);
        CHECK(strstr(s, "ignored") == NULL);
        CHECK(strchr(s, '\x1b') == NULL);
    }
    free(s);
}

static void test_text_color(fixture *x)
{
    char *s = render(PC_FORMAT_TEXT, x->both, 2, 1);
    CHECK_CONTAINS(s, "\x1b[31mDENY\x1b[0m  setuid-file");
    CHECK_CONTAINS(s, "\x1b[33mWARN\x1b[0m  privileged-port");
    CHECK_CONTAINS(s, "): \x1b[32mALLOW\x1b[0m\n");
    CHECK_CONTAINS(s, "/tmp/nc\\x1b[2J"); /* image bytes stay escaped in colour too */
    free(s);
    s = render(PC_FORMAT_TEXT, NULL, 0, 1);
    CHECK_STR(s, "0 image(s): 0 allowed, 0 denied\n");
    free(s);
}

static void test_errors(fixture *x)
{
    CHECK_STR(pc_action_name(PC_ACTION_DENY), "deny");
    CHECK_STR(pc_action_name(PC_ACTION_WARN), "warn");
    CHECK_STR(pc_action_name(PC_ACTION_IGNORE), "ignore");
    CHECK(pc_report_write(stdout, (pc_format)42, x->both, 2, 0) == -1);
    pc_result *holes[1] = {NULL};
    CHECK(pc_report_write(stdout, PC_FORMAT_JSON, holes, 1, 0) == -1);
    FILE *full = fopen("/dev/full", "w");
    if (!full)
        return;
    CHECK(pc_report_write(full, PC_FORMAT_JSON, x->both, 2, 0) == -1);
    clearerr(full);
    CHECK(pc_report_write(full, PC_FORMAT_TEXT, x->both, 2, 0) == -1);
    clearerr(full);
    CHECK(pc_report_write(full, PC_FORMAT_SARIF, x->both, 2, 0) == -1);
    fclose(full);
}

/* Test-only allocator state: jansson's allocator hooks take no context. */
static long alloc_budget = -1;

static void *budget_malloc(size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return malloc(n);
}

static void test_oom(fixture *x)
{
    static const pc_format fmts[2] = {PC_FORMAT_JSON, PC_FORMAT_SARIF};
    for (int i = 0; i < 2; i++) {
        int ok = 0, failed = 0;
        for (long budget = 0; budget < 5000 && !ok; budget++) {
            json_set_alloc_funcs(budget_malloc, free);
            alloc_budget = budget;
            char *s = render(fmts[i], x->both, 2, 0);
            json_set_alloc_funcs(malloc, free);
            ok = s != NULL;
            failed += s == NULL;
            free(s);
        }
        CHECK(ok);
        CHECK(failed > 50);
    }
}

int main(void)
{
    fixture x;
    fixture_init(&x);
    test_json(&x);
    test_finding_object();
    test_sarif(&x);
    test_text_plain(&x);
    test_text_color(&x);
    test_errors(&x);
    test_oom(&x);
    TEST_MAIN_END();
}
