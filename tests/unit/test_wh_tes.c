/*
 * test_tes.c — the TES readers without a server: tesTask parsing (images
 * in executor order with their JSON pointers, every malformed task refused
 * with a message naming the field, keys another JSON reader could take for
 * "executors", "image", "command", "workdir", "env", "stdin", "stdout" or
 * "stderr"), each executor's run under the three start semantics
 * (kubernetes, shell with its sh quoting and the command's own program
 * judged as a second run, docker), the executor object of an image that
 * was never scanned, and the gate's reading of request targets: every spelling a
 * TES server could route to "create a task" is judged, targets that leave
 * /ga4gh/tes/v1 or hold bytes a target cannot are refused, and the
 * ordinary TES paths pass.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include "tes.h"
#include "tesproxy.h"
#include "testlib.h"

static void check_parse_ok(void)
{
    const char *body =
        "{\"name\":\"t\",\"executors\":[{\"image\":\"a:1\",\"command\":[\"x\"]},"
        "{\"image\":\"b@sha256:00\"},{\"image\":\"a:1\"}],\"tags\":{\"Image\":\"x\"}}";
    wh_tes_task t;
    char err[256] = "";
    CHECK(wh_tes_parse(body, strlen(body), WH_TES_KUBERNETES, &t, err, sizeof err) == 0);
    CHECK(t.images.n == 3 && t.nexec == 3);
    if (t.images.n == 3) {
        CHECK_STR(t.images.v[0].image, "a:1");
        CHECK_STR(t.images.v[1].image, "b@sha256:00");
        CHECK_STR(t.images.v[2].pointer, "/executors/2/image");
        CHECK_STR(t.images.v[1].container, "executors[1]");
        /* executor 0 has a command: its entry carries the run; 1 and 2 run as configured */
        CHECK(t.images.v[0].run && t.images.v[0].run->entrypoint_set);
        CHECK(t.images.v[1].run == NULL && t.images.v[2].run == NULL);
        CHECK(strcmp(t.images.v[0].runkey, t.images.v[2].runkey) != 0);
        CHECK_STR(t.images.v[1].runkey, t.images.v[2].runkey);
    }
    CHECK_STR(t.name, "t");
    wh_tes_task_free(&t);
}

static void check_refused(const char *body, const char *want)
{
    wh_tes_task t;
    char err[256] = "";
    CHECK(wh_tes_parse(body, strlen(body), WH_TES_SHELL, &t, err, sizeof err) == -1);
    CHECK_CONTAINS(err, want);
    CHECK(t.root == NULL && t.images.n == 0 && t.exec == NULL);
}

static void check_parse_refusals(void)
{
    check_refused("", "not valid JSON");
    check_refused("{\"executors\": [}", "not valid JSON");
    check_refused("{\"executors\":[{\"image\":\"a\"}]} x", "not valid JSON");
    check_refused("\"executors\"", "not valid JSON");
    check_refused("[{\"executors\":[{\"image\":\"a\"}]}]", "expected a JSON object");
    check_refused("{}", "executors: missing");
    check_refused("{\"executors\":null}", "executors: missing");
    check_refused("{\"executors\":[]}", "executors: empty");
    check_refused("{\"executors\":\"a\"}", "executors: expected an array");
    check_refused("{\"executors\":[7]}", "executors[0]: expected an object");
    check_refused("{\"executors\":[{\"image\":\"a\"},{\"command\":[]}]}",
                  "executors[1].image: missing");
    check_refused("{\"executors\":[{\"image\":null}]}", "executors[0].image: missing");
    check_refused("{\"executors\":[{\"image\":[\"a\"]}]}", "executors[0].image: expected a string");
    check_refused("{\"executors\":[{\"image\":\"\"}]}", "executors[0].image: empty");
    check_refused("{\"executors\":[{\"image\":\"a\\u0000b\"}]}", "not valid JSON");
    check_refused("{\"executors\":[{\"image\":\"a\"}],\"executors\":[]}", "duplicate");
    check_refused("{\"executors\":[{\"image\":\"a\"}],\"EXECUTORS\":[{\"image\":\"b\"}]}",
                  "\"EXECUTORS\": differs from \"executors\" only in case");
    check_refused("{\"executors\":[{\"image\":\"a\"}],\"executor\xc5\xbf\":[{\"image\":\"b\"}]}",
                  "differs from \"executors\" only in case");
    check_refused("{\"executors\":[{\"image\":\"a\",\"IMAGE\":\"b\"}]}",
                  "executors[0].\"IMAGE\": differs from \"image\" only in case");
    check_refused("{\"executors\":[{\"Image\":\"b\"}]}", "only in case");
    /* one image too long, one task with too many executors */
    char *big = malloc(2200), *many = malloc(16 * 600);
    if (big && many) {
        snprintf(big, 2200, "{\"executors\":[{\"image\":\"%01100d\"}]}", 0);
        check_refused(big, "executors[0].image: longer than 1024 bytes");
        size_t n = (size_t)snprintf(many, 32, "{\"executors\":[");
        for (int i = 0; i < 513; i++)
            n += (size_t)snprintf(many + n, 32, "%s{\"image\":\"i%d\"}", i ? "," : "", i);
        snprintf(many + n, 8, "]}");
        check_refused(many, "executors: more than 512");
    }
    free(big);
    free(many);
}

/* The fields of an executor: types, absolute paths, names, lookalikes. */
static void check_executor_refusals(void)
{
#define EX(fields) "{\"executors\":[{\"image\":\"a\"},{\"image\":\"b\"," fields "}]}"
    check_refused(EX("\"command\":\"ls -l\""),
                  "executors[1].command: expected an array of strings");
    check_refused(EX("\"command\":[]"), "executors[1].command: empty");
    check_refused(EX("\"command\":[\"ls\",7]"), "executors[1].command[1]: expected a string");
    check_refused(EX("\"command\":[\"ls\",\"a\\u0000\"]"), "not valid JSON");
    check_refused(EX("\"workdir\":\"data\""),
                  "executors[1].workdir: \"data\": expected an absolute path");
    check_refused(EX("\"workdir\":\"\""), "executors[1].workdir: \"\": expected an absolute path");
    check_refused(EX("\"workdir\":[\"/data\"]"), "executors[1].workdir: expected a string");
    check_refused(EX("\"stdin\":\"in.txt\""),
                  "executors[1].stdin: \"in.txt\": expected an absolute path");
    check_refused(EX("\"stdout\":\"./out\""),
                  "executors[1].stdout: \"./out\": expected an absolute path");
    check_refused(EX("\"stderr\":\"err\""),
                  "executors[1].stderr: \"err\": expected an absolute path");
    check_refused(EX("\"stdout\":5"), "executors[1].stdout: expected a string");
    check_refused(EX("\"env\":[\"A=1\"]"), "executors[1].env: expected an object of strings");
    check_refused(EX("\"env\":{\"A\":1}"), "executors[1].env.A: expected a string");
    check_refused(EX("\"env\":{\"A\":null}"), "executors[1].env.A: expected a string");
    check_refused(EX("\"env\":{\"\":\"x\"}"), "not a variable name");
    check_refused(EX("\"env\":{\"A=B\":\"x\"}"), "executors[1].env.\"A=B\": not a variable name");
    check_refused(EX("\"env\":{\"A\":\"1\",\"A\":\"2\"}"), "duplicate");
    check_refused(EX("\"command\":[\"ls\"],\"command\":[\"rm\"]"), "duplicate");
    /* keys another reader could take for ours */
    check_refused(EX("\"Command\":[\"ls\"]"),
                  "executors[1].\"Command\": differs from \"command\" only in case");
    check_refused(EX("\"command\":[\"ls\"],\"COMMAND\":[\"rm\"]"),
                  "differs from \"command\" only in case");
    check_refused(EX("\"wor\xe2\x84\xaa"
                     "dir\":\"/x\""),
                  "differs from \"workdir\" only in case");
    check_refused(EX("\"Env\":{}"), "differs from \"env\" only in case");
    check_refused(EX("\"\xc5\xbftdout\":\"/x\""), "differs from \"stdout\" only in case");
    check_refused(EX("\"STDIN\":\"/x\""), "differs from \"stdin\" only in case");
    check_refused(EX("\"stdErr\":\"/x\""), "differs from \"stderr\" only in case");
    /* too long a path */
    char *big = malloc(5000);
    if (big) {
        snprintf(big, 5000, "{\"executors\":[{\"image\":\"a\",\"workdir\":\"/%04200d\"}]}", 0);
        check_refused(big, "executors[0].workdir: longer than 4096 bytes");
    }
    free(big);
#undef EX
}

static void strv_is(char **v, size_t n, const char *const *want, size_t nwant)
{
    CHECK(n == nwant);
    for (size_t i = 0; i < n && i < nwant; i++)
        CHECK_STR(v[i], want[i]);
}

static int parse_as(const char *body, wh_tes_start start, wh_tes_task *t)
{
    char err[256] = "";
    int rc = wh_tes_parse(body, strlen(body), start, t, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "  refused: %s\n", err);
    return rc;
}

/* One executor under each start semantics. */
static void check_runs(void)
{
    const char *body = "{\"executors\":[{\"image\":\"reg/a:1\",\"command\":[\"ls\",\"-l\",\"a b\","
                       "\"it's\",\"$HOME\"],\"workdir\":\"/w\",\"env\":{\"B\":\"2\",\"A\":\"x y\"},"
                       "\"stdout\":\"/out/ls.txt\"}]}";
    static const char *const cmd[] = {"ls", "-l", "a b", "it's", "$HOME"};
    static const char *const env[] = {"A=x y", "B=2"};
    wh_tes_task t;
    const pc_runctx *r;

    CHECK(parse_as(body, WH_TES_KUBERNETES, &t) == 0);
    CHECK(t.images.n == 1 && t.exec[0].twin == 0);
    CHECK_STR(t.exec[0].stdout_path, "/out/ls.txt");
    CHECK(t.exec[0].stdin_path == NULL);
    r = t.images.v[0].run;
    CHECK(r != NULL);
    if (r) {
        CHECK(r->entrypoint_set && !r->cmd_set);
        strv_is(r->entrypoint, r->nentrypoint, cmd, 5);
        CHECK_STR(r->workdir, "/w");
        strv_is(r->env, r->nenv, env, 2); /* sorted by name */
    }
    char kkey[72];
    memcpy(kkey, t.images.v[0].runkey, sizeof kkey);
    wh_tes_task_free(&t);

    CHECK(parse_as(body, WH_TES_DOCKER, &t) == 0);
    CHECK(t.images.n == 1);
    r = t.images.v[0].run;
    CHECK(r && !r->entrypoint_set && r->cmd_set);
    if (r)
        strv_is(r->cmd, r->ncmd, cmd, 5);
    CHECK(strcmp(t.images.v[0].runkey, kkey) != 0);
    wh_tes_task_free(&t);

    CHECK(parse_as(body, WH_TES_SHELL, &t) == 0);
    CHECK(t.images.n == 2 && t.nexec == 1 && t.exec[0].twin == 1);
    static const char *const sh[] = {"/bin/sh", "-c", "ls -l 'a b' 'it'\\''s' '$HOME'"};
    r = t.images.v[0].run;
    CHECK(r && r->entrypoint_set && !r->cmd_set);
    if (r) {
        strv_is(r->entrypoint, r->nentrypoint, sh, 3);
        CHECK_STR(r->workdir, "/w");
    }
    if (t.images.n == 2) {
        /* the command's own program: the same image, kubernetes-style, same workdir and env */
        r = t.images.v[1].run;
        CHECK_STR(t.images.v[1].image, "reg/a:1");
        CHECK_STR(t.images.v[1].pointer, "/executors/0/image");
        CHECK(r && r->entrypoint_set);
        if (r) {
            strv_is(r->entrypoint, r->nentrypoint, cmd, 5);
            CHECK_STR(r->workdir, "/w");
            strv_is(r->env, r->nenv, env, 2);
        }
        CHECK_STR(t.images.v[1].runkey, kkey);
    }
    wh_tes_task_free(&t);
}

/* What sh does with the first words: builtins, assignments, exec. */
static void check_shell_program(const char *command, const char *const *want, size_t nwant,
                                const char *env_has)
{
    char body[512];
    wh_tes_task t;
    snprintf(body, sizeof body, "{\"executors\":[{\"image\":\"a\",\"command\":%s}]}", command);
    CHECK(parse_as(body, WH_TES_SHELL, &t) == 0);
    CHECK(t.images.n == (want ? 2u : 1u));
    if (want && t.images.n == 2 && t.images.v[1].run) {
        const pc_runctx *r = t.images.v[1].run;
        strv_is(r->entrypoint, r->nentrypoint, want, nwant);
        int has = env_has == NULL;
        for (size_t i = 0; env_has && i < r->nenv; i++)
            has |= strcmp(r->env[i], env_has) == 0;
        CHECK(has);
    }
    if (!want && t.exec)
        CHECK(t.exec[0].twin == 0);
    wh_tes_task_free(&t);
}

static void check_shell(void)
{
    static const char *const tool[] = {"tool", "x"}, *const bare[] = {"tool"},
                             *const brace[] = {"{", "x"}, *const spaced[] = {"A=1 tool"};
    check_shell_program("[\"echo\",\"hi\"]", NULL, 0, NULL);
    check_shell_program("[\"[\",\"-f\",\"/x\",\"]\"]", NULL, 0, NULL);
    check_shell_program("[\"if\"]", NULL, 0, NULL);
    check_shell_program("[\"A=1\",\"B=2\"]", NULL, 0, NULL);
    check_shell_program("[\"exec\"]", NULL, 0, NULL);
    check_shell_program("[\"tool\",\"x\"]", tool, 2, NULL);
    check_shell_program("[\"PATH=/opt/bin\",\"tool\",\"x\"]", tool, 2, "PATH=/opt/bin");
    check_shell_program("[\"exec\",\"tool\"]", bare, 1, NULL);
    check_shell_program("[\"A=1\",\"exec\",\"tool\",\"x\"]", tool, 2, "A=1");
    /* quoted, these are not what sh would take them for */
    check_shell_program("[\"{\",\"x\"]", brace, 2, NULL);
    check_shell_program("[\"A=1 tool\"]", spaced, 1, NULL);

    static const struct {
        const char *in, *out;
    } q[] = {{"abc", "abc"},
             {"", "''"},
             {"a b", "'a b'"},
             {"it's", "'it'\\''s'"},
             {"''", "''\\'''\\'''"},
             {"$HOME", "'$HOME'"},
             {"*.txt", "'*.txt'"},
             {"a=b", "a=b"},
             {"-x,y+z@h:%/.", "-x,y+z@h:%/."},
             {"a\nb", "'a\nb'"},
             {"\xc3\xa9", "'\xc3\xa9'"}};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        pc_buf b = {0};
        wh_tes_sh_quote(&b, q[i].in);
        CHECK_STR(b.p ? b.p : "", q[i].out);
        pc_buf_free(&b);
    }
    CHECK(wh_tes_sh_builtin("echo") && wh_tes_sh_builtin(".") && wh_tes_sh_builtin("while"));
    CHECK(!wh_tes_sh_builtin("ls") && !wh_tes_sh_builtin("{") && !wh_tes_sh_builtin("Echo"));

    wh_tes_start st = WH_TES_DOCKER;
    CHECK(wh_tes_start_parse("shell", &st) == 0 && st == WH_TES_SHELL);
    CHECK(wh_tes_start_parse("Shell", &st) == -1 && wh_tes_start_parse(NULL, &st) == -1);
    CHECK_STR(wh_tes_start_name(WH_TES_KUBERNETES), "kubernetes");
    CHECK_STR(wh_tes_start_name(WH_TES_DOCKER), "docker");
}

/* Same runs group; env order does not matter; 512 runs at most. */
static void check_run_keys(void)
{
    const char *body =
        "{\"executors\":[{\"image\":\"a\",\"command\":[\"t\"],\"env\":{\"A\":\"1\",\"B\":\"2\"}},"
        "{\"image\":\"a\",\"command\":[\"t\"],\"env\":{\"B\":\"2\",\"A\":\"1\"}},"
        "{\"image\":\"a\",\"command\":[\"t\"],\"env\":{\"A\":\"1\",\"B\":\"3\"}},"
        "{\"image\":\"a\",\"command\":[\"t\"],\"env\":{\"A\":\"1\",\"B\":\"2\"},\"stdout\":\"/"
        "o\"}]}";
    wh_tes_task t;
    CHECK(parse_as(body, WH_TES_KUBERNETES, &t) == 0);
    CHECK(t.images.n == 4);
    if (t.images.n == 4) {
        CHECK_STR(t.images.v[0].runkey, t.images.v[1].runkey);
        CHECK(strcmp(t.images.v[0].runkey, t.images.v[2].runkey) != 0);
        CHECK_STR(t.images.v[0].runkey, t.images.v[3].runkey); /* stdout is not part of the run */
    }
    wh_tes_task_free(&t);

    size_t cap = 300 * 48 + 64, n;
    char *many = malloc(cap);
    if (!many)
        return;
    n = (size_t)snprintf(many, cap, "{\"executors\":[");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(many + n, cap - n, "%s{\"image\":\"i%d\",\"command\":[\"t\"]}",
                              i ? "," : "", i);
    snprintf(many + n, cap - n, "]}");
    CHECK(parse_as(many, WH_TES_KUBERNETES, &t) == 0 && t.images.n == 300);
    wh_tes_task_free(&t);
    char err[256] = "";
    CHECK(wh_tes_parse(many, strlen(many), WH_TES_SHELL, &t, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "more than 512 runs to judge");
    free(many);
}

/* inputs[].content: kept for every executor's run; bounded in all. */
static void check_inline_inputs(void)
{
    wh_tes_task t;
    char err[256] = "";
    const char *ok = "{\"inputs\":[{\"path\":\"/d/a\",\"content\":\"echo a\"},{\"path\":\"/d/b\","
                     "\"url\":\"s3://b/b\"},{\"content\":\"\"}],\"executors\":[{\"image\":\"i\"}]}";
    CHECK(wh_tes_parse(ok, strlen(ok), WH_TES_KUBERNETES, &t, err, sizeof err) == 0);
    CHECK(t.ncontents == 1 && t.content_bytes == 6);
    CHECK(t.images.n == 1 && t.images.v[0].run && t.images.v[0].run->nexecs == 1 &&
          strcmp(t.images.v[0].run->execs[0], "echo a") == 0);
    /* the paths the backend fills before the executor starts: mounts */
    CHECK(t.images.n == 1 && t.images.v[0].run && t.images.v[0].run->nmounts == 2 &&
          strcmp(t.images.v[0].run->mounts[0], "/d/a") == 0 &&
          strcmp(t.images.v[0].run->mount_from[1], "TES inputs[1]") == 0);
    wh_tes_task_free(&t);
    /* volumes too, and every executor gets them (shell semantics: its
     * command's program judged on its own as well) */
    const char *vol = "{\"volumes\":[\"/shared//x/\"],\"inputs\":[{\"path\":\"/in/run.sh\","
                      "\"url\":\"s3://b/run.sh\"}],\"executors\":[{\"image\":\"i\",\"command\":"
                      "[\"/in/run.sh\"]},{\"image\":\"j\"}]}";
    CHECK(wh_tes_parse(vol, strlen(vol), WH_TES_SHELL, &t, err, sizeof err) == 0);
    CHECK(t.nmounts == 2 && t.images.n == 3);
    for (size_t i = 0; i < t.images.n && i < 3; i++) {
        const pc_runctx *r = t.images.v[i].run;
        CHECK(r && r->nmounts == 2 && strcmp(r->mounts[0], "/in/run.sh") == 0 &&
              strcmp(r->mount_from[0], "TES inputs[0]") == 0 &&
              strcmp(r->mounts[1], "/shared/x") == 0 &&
              strcmp(r->mount_from[1], "TES volumes[0]") == 0);
    }
    wh_tes_task_free(&t);
    check_refused("{\"volumes\":\"/x\",\"executors\":[{\"image\":\"i\"}]}",
                  "volumes: expected an array of absolute paths");
    check_refused("{\"volumes\":[\"x\"],\"executors\":[{\"image\":\"i\"}]}",
                  "volumes[0]: expected an absolute path");
    check_refused("{\"volumes\":[1],\"executors\":[{\"image\":\"i\"}]}",
                  "volumes[0]: expected an absolute path");
    check_refused("{\"inputs\":[{\"path\":\"rel\"}],\"executors\":[{\"image\":\"i\"}]}",
                  "inputs[0].path: \"rel\": expected an absolute path");
    check_refused("{\"inputs\":{},\"executors\":[{\"image\":\"i\"}]}", "inputs: expected an array");
    check_refused("{\"inputs\":[1],\"executors\":[{\"image\":\"i\"}]}",
                  "inputs[0]: expected an object");
    size_t big = (1u << 20) + 1;
    char *body = malloc(big + 128);
    if (!body)
        return;
    int n = snprintf(body, 128, "{\"executors\":[{\"image\":\"i\"}],\"inputs\":[{\"content\":\"");
    memset(body + n, 'x', big);
    strcpy(body + n + big, "\"}]}");
    check_refused(body, "inputs[].content: 1048577 bytes of inline files; at most 1048576");
    free(body);
}

static void check_executor_unscanned(void)
{
    wh_image img = {
        .image = "reg/app:1", .pointer = "/executors/0/image", .container = "executors[0]"};
    wh_image_decision x = {0};
    x.img = &img;
    x.outcome = WH_IMG_PENDING;
    x.reason = "scan of reg/app:1 in progress, retry";
    json_t *o = wh_tes_executor_json(3, "reg/app:1", "shell", &x, NULL, 8, NULL);
    CHECK(o != NULL);
    CHECK_STR(json_string_value(json_object_get(o, "start")), "shell");
    CHECK(json_is_null(json_object_get(o, "argv")) && json_is_null(json_object_get(o, "program")));
    CHECK(json_is_null(json_object_get(o, "user")) && json_is_null(json_object_get(o, "command")));
    CHECK(json_is_null(json_object_get(o, "run_key"))); /* no scan: no run judged */
    CHECK(json_integer_value(json_object_get(o, "index")) == 3);
    CHECK_STR(json_string_value(json_object_get(o, "verdict")), "deny");
    CHECK(json_is_null(json_object_get(o, "digest")));
    CHECK(json_is_null(json_object_get(o, "sandbox")));
    CHECK(json_array_size(json_object_get(o, "findings")) == 0);
    CHECK_CONTAINS(json_string_value(json_object_get(o, "reason")), "retry");
    json_decref(o);
    x.outcome = WH_IMG_EXEMPT;
    x.reason = "exempt: reg/*";
    o = wh_tes_executor_json(0, "reg/app:1", "kubernetes", &x, NULL, 8, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "verdict")), "allow");
    json_decref(o);
    /* the command's program judged apart: either denial denies the executor */
    wh_image_decision p = {0};
    p.img = &img;
    p.outcome = WH_IMG_BUSY;
    p.reason = "scanner busy, reg/app:1 was not scanned, retry";
    o = wh_tes_executor_json(0, "reg/app:1", "shell", &x, &p, 8, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "verdict")), "deny");
    CHECK_STR(json_string_value(json_object_get(o, "reason")), p.reason);
    json_t *c = json_object_get(o, "command");
    CHECK(json_is_object(c));
    CHECK_STR(json_string_value(json_object_get(c, "verdict")), "deny");
    CHECK(json_is_null(json_object_get(c, "program")) && json_is_null(json_object_get(c, "argv")));
    json_decref(o);
    x.outcome = WH_IMG_DENY;
    x.reason = "setuid-file /usr/bin/passwd; entrypoint-unrunnable /bin/sh";
    p.outcome = WH_IMG_DENY;
    p.reason = "setuid-file /usr/bin/passwd; entrypoint-unrunnable tool";
    o = wh_tes_executor_json(0, "reg/app:1", "shell", &x, &p, 8, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "reason")),
              "setuid-file /usr/bin/passwd; entrypoint-unrunnable /bin/sh; "
              "entrypoint-unrunnable tool");
    json_decref(o);
    p.outcome = WH_IMG_ALLOW;
    p.reason = "allowed";
    o = wh_tes_executor_json(0, "reg/app:1", "shell", &x, &p, 8, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "verdict")), "deny");
    CHECK_STR(json_string_value(json_object_get(o, "reason")), x.reason);
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "command"), "verdict")),
              "allow");
    json_decref(o);
}

static const char *const creating[] = {
    "/ga4gh/tes/v1/tasks",
    "/ga4gh/tes/v1/tasks/",
    "/ga4gh/tes/v1/tasks?view=FULL",
    "/ga4gh/tes/v1//tasks",
    "/ga4gh/tes/v1/./tasks",
    "/ga4gh/tes/v1/x/../tasks",
    "/ga4gh/tes/v1/TASKS",
    "/ga4gh/tes/v1/Tasks/.",
    "/ga4gh/tes/v1/task%73",
    "/ga4gh/tes/v1/%74asks",
    "/ga4gh/tes/v1/tasks;jsessionid=1",
    "/ga4gh/tes/v1/tasks%3Bx",
    "/ga4gh/tes/v1/x%2F..%2Ftasks",
    "/ga4gh/tes/v1/x\\..\\tasks",
    "/ga4gh/tes/v1\\tasks",
    "/ga4gh//tes/v1/tasks",
    "/ga4gh/tes/v1/tasks/x/..",
};

static const char *const passing[] = {
    "/ga4gh/tes/v1/tasks/task-1:cancel",
    "/ga4gh/tes/v1/tasks/abc",
    "/ga4gh/tes/v1/service-info",
    "/ga4gh/tes/v1/tasks/a%2Fb:cancel",
    "/ga4gh/tes/v1/taskss",
    "/ga4gh/tes/v1/tasks/t1:cancel?x=/ga4gh/tes/v1/tasks",
};

static void check_targets(void)
{
    for (size_t i = 0; i < sizeof creating / sizeof creating[0]; i++) {
        int yes = wh_tes_target_creates("POST", creating[i]);
        CHECK(yes == 1);
        if (!yes)
            fprintf(stderr, "  not judged: %s\n", creating[i]);
        CHECK(wh_tes_target_creates("put", creating[i]) == 1);
        CHECK(wh_tes_target_creates("GET", creating[i]) == 0);
    }
    for (size_t i = 0; i < sizeof passing / sizeof passing[0]; i++) {
        const char *why = wh_tes_target_refused(passing[i]);
        CHECK(why == NULL);
        CHECK(wh_tes_target_creates("POST", passing[i]) == 0);
        if (why || wh_tes_target_creates("POST", passing[i]))
            fprintf(stderr, "  wrongly judged or refused: %s (%s)\n", passing[i], why ? why : "");
    }
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/../../admin") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/%2e%2e/%2E%2E/admin") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/..%5c..%5cadmin") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/../../../../..") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/a%00b") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/a%0ab") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/a%zz") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/a%4") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/a b") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/a#b") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/\xc3\xa9") != NULL);
    CHECK(wh_tes_target_refused("http://evil/ga4gh/tes/v1/tasks") != NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1") == NULL);
    CHECK(wh_tes_target_refused("/ga4gh/tes/v1/tasks?q=%00&r=..%2F..") == NULL);
}

static void check_upstream_urls(void)
{
    wh_tesproxy *p = NULL;
    char err[256] = "";
    CHECK(wh_tesproxy_new("https://tes.example.org:8443/api/", &p, err, sizeof err) == 0);
    if (p)
        CHECK_STR(wh_tesproxy_upstream(p), "https://tes.example.org:8443/api");
    wh_tesproxy_free(p);
    const char *bad[] = {"ftp://h/", "http://u:secret@h/", "http://h/?a=1", "http://h/#f", "h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = NULL;
        CHECK(wh_tesproxy_new(bad[i], &p, err, sizeof err) == -1 && p == NULL);
        CHECK(strstr(err, "secret") == NULL);
    }
}

int main(void)
{
    check_parse_ok();
    check_parse_refusals();
    check_executor_refusals();
    check_runs();
    check_shell();
    check_run_keys();
    check_inline_inputs();
    check_executor_unscanned();
    check_targets();
    check_upstream_urls();
    TEST_MAIN_END();
}
