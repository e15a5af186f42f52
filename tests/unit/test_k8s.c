/*
 * test_k8s.c — portcullis_k8s.h (lib/k8s.c): where each workload kind
 * keeps its pod spec, and a container's run context as the kubelet and
 * the runtime start it: container securityContext over the pod's,
 * command/args (empty means unset), the kubelet's $(VAR) expansion ($$,
 * unknown and valueFrom references left as written), capabilities,
 * groups, privilege escalation, and every field of the wrong type refused
 * with a message naming it.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "portcullis_k8s.h"
#include "testlib.h"

#define BIT(n) (UINT64_C(1) << (n))
#define CAP_CHOWN 0
#define CAP_NET_BIND_SERVICE 10
#define CAP_NET_RAW 13
#define CAP_SYS_ADMIN 21

/* The run context of container (JSON) in pod (JSON, or NULL); 0 or -1
 * with the message in err. */
static int run(const char *pod, const char *container, pc_runctx *rc, char *err, size_t errlen)
{
    char je[256] = "";
    pc_jdoc *p = pod ? pc_jdoc_parse(pod, strlen(pod), PC_JDOC_ALLOW_NUL, je, sizeof je) : NULL,
            *c = pc_jdoc_parse(container, strlen(container), PC_JDOC_ALLOW_NUL, je, sizeof je);
    if ((pod && !p) || !c) {
        fprintf(stderr, "  bad test JSON: %s\n", je);
        pc_jdoc_free(p);
        pc_jdoc_free(c);
        err[0] = 0;
        pc_runctx_init(rc);
        return -2;
    }
    err[0] = 0;
    int ret =
        pc_k8s_runctx(pc_jdoc_root(p), pc_jdoc_root(c), "spec.containers[0]", rc, err, errlen);
    pc_jdoc_free(p);
    pc_jdoc_free(c);
    return ret;
}

static const char *env_of(const pc_runctx *rc, const char *name)
{
    size_t n = strlen(name);
    const char *v = NULL;
    for (size_t i = 0; i < rc->nenv; i++)
        if (strncmp(rc->env[i], name, n) == 0 && rc->env[i][n] == '=')
            v = rc->env[i] + n + 1;
    return v;
}

static void test_kinds(void)
{
    const char *const *p = pc_k8s_spec_path("", "Pod");
    CHECK(p && p[0] && strcmp(p[0], "spec") == 0 && !p[1]);
    p = pc_k8s_spec_path("apps", "Deployment");
    CHECK(p && strcmp(p[0], "spec") == 0 && strcmp(p[1], "template") == 0 &&
          strcmp(p[2], "spec") == 0 && !p[3]);
    p = pc_k8s_spec_path("batch", "CronJob");
    CHECK(p && strcmp(p[1], "jobTemplate") == 0 && strcmp(p[3], "template") == 0 && p[4] && !p[5]);
    p = pc_k8s_spec_path("", "EphemeralContainers");
    CHECK(p && !p[0]); /* the object holds the containers itself */
    CHECK(pc_k8s_spec_path("", "PodTemplate") != NULL);
    CHECK(pc_k8s_spec_path("", "Service") == NULL);
    CHECK(pc_k8s_spec_path("apps", "Pod") == NULL);
    CHECK(pc_k8s_spec_path(NULL, "Pod") == NULL);
    CHECK(pc_k8s_spec_path("", NULL) == NULL);
    CHECK(strcmp(pc_k8s_lists[0], "initContainers") == 0 &&
          strcmp(pc_k8s_lists[1], "containers") == 0 &&
          strcmp(pc_k8s_lists[2], "ephemeralContainers") == 0);
}

static void test_nothing_said(void)
{
    pc_runctx rc;
    char err[256];
    CHECK(run(NULL, "{\"name\":\"a\",\"image\":\"x\"}", &rc, err, sizeof err) == 0);
    CHECK(rc.given == 1); /* a pod always says how it runs */
    CHECK(!rc.user && !rc.group && !rc.entrypoint_set && !rc.cmd_set && !rc.workdir);
    CHECK(rc.nenv == 0 && rc.ngroup_add == 0 && rc.cap_add == 0 && rc.cap_drop == 0);
    CHECK(!rc.no_new_privileges && !rc.run_as_non_root && !rc.privileged && !rc.read_only_rootfs);
    CHECK(!rc.subject);
    pc_runctx_free(&rc);
    /* nulls are absent */
    CHECK(run("{\"securityContext\":null}",
              "{\"securityContext\":null,\"command\":null,\"args\":null,\"env\":null,"
              "\"workingDir\":null}",
              &rc, err, sizeof err) == 0);
    CHECK(!rc.user && !rc.entrypoint_set && !rc.cmd_set && !rc.workdir && rc.nenv == 0);
    pc_runctx_free(&rc);
}

static void test_precedence(void)
{
    pc_runctx rc;
    char err[256];
    /* pod level only */
    CHECK(run("{\"securityContext\":{\"runAsUser\":10001,\"runAsGroup\":3000,"
              "\"runAsNonRoot\":true}}",
              "{}", &rc, err, sizeof err) == 0);
    CHECK_STR(rc.user, "10001");
    CHECK_STR(rc.group, "3000");
    CHECK(rc.run_as_non_root == 1);
    pc_runctx_free(&rc);
    /* container over pod, field by field */
    CHECK(run("{\"securityContext\":{\"runAsUser\":0,\"runAsGroup\":3000,\"runAsNonRoot\":true}}",
              "{\"securityContext\":{\"runAsUser\":10001,\"runAsNonRoot\":false}}", &rc, err,
              sizeof err) == 0);
    CHECK_STR(rc.user, "10001");
    CHECK_STR(rc.group, "3000"); /* not set by the container: the pod's */
    CHECK(rc.run_as_non_root == 0);
    pc_runctx_free(&rc);
    CHECK(run("{\"securityContext\":{\"runAsUser\":10001}}",
              "{\"securityContext\":{\"runAsUser\":0}}", &rc, err, sizeof err) == 0);
    CHECK_STR(rc.user, "0");
    pc_runctx_free(&rc);
    /* a container runAsUser of null falls back to the pod's */
    CHECK(run("{\"securityContext\":{\"runAsUser\":10001}}",
              "{\"securityContext\":{\"runAsUser\":null}}", &rc, err, sizeof err) == 0);
    CHECK_STR(rc.user, "10001");
    pc_runctx_free(&rc);
    /* the largest id, and 0 */
    CHECK(run(NULL, "{\"securityContext\":{\"runAsUser\":4294967294,\"runAsGroup\":0}}", &rc, err,
              sizeof err) == 0);
    CHECK_STR(rc.user, "4294967294");
    CHECK_STR(rc.group, "0");
    pc_runctx_free(&rc);
}

static void test_argv(void)
{
    pc_runctx rc;
    char err[256];
    /* command replaces ENTRYPOINT (and drops CMD); no args: CMD stays dropped */
    CHECK(run(NULL, "{\"command\":[\"/usr/bin/python3\",\"/app/main.py\"]}", &rc, err,
              sizeof err) == 0);
    CHECK(rc.entrypoint_set && rc.nentrypoint == 2 && !rc.cmd_set);
    CHECK_STR(rc.entrypoint[0], "/usr/bin/python3");
    CHECK_STR(rc.entrypoint[1], "/app/main.py");
    pc_runctx_free(&rc);
    /* args only: CMD replaced, ENTRYPOINT kept */
    CHECK(run(NULL, "{\"args\":[\"--port\",\"8080\"]}", &rc, err, sizeof err) == 0);
    CHECK(!rc.entrypoint_set && rc.cmd_set && rc.ncmd == 2);
    CHECK_STR(rc.cmd[1], "8080");
    pc_runctx_free(&rc);
    /* both */
    CHECK(run(NULL, "{\"command\":[\"/bin/sh\"],\"args\":[\"-c\",\"true\"]}", &rc, err,
              sizeof err) == 0);
    CHECK(rc.entrypoint_set && rc.nentrypoint == 1 && rc.cmd_set && rc.ncmd == 2);
    pc_runctx_free(&rc);
    /* empty arrays mean unset (the kubelet: len(command) == 0) */
    CHECK(run(NULL, "{\"command\":[],\"args\":[]}", &rc, err, sizeof err) == 0);
    CHECK(!rc.entrypoint_set && !rc.cmd_set && rc.nentrypoint == 0 && rc.ncmd == 0);
    pc_runctx_free(&rc);
    /* an empty string is an argument, not nothing */
    CHECK(run(NULL, "{\"args\":[\"\"]}", &rc, err, sizeof err) == 0);
    CHECK(rc.cmd_set && rc.ncmd == 1 && rc.cmd[0][0] == 0);
    pc_runctx_free(&rc);
}

static void test_expansion(void)
{
    pc_runctx rc;
    char err[256];
    CHECK(run(NULL,
              "{\"env\":[{\"name\":\"APP\",\"value\":\"/app\"},"
              "{\"name\":\"BIN\",\"value\":\"$(APP)/bin\"},"
              "{\"name\":\"LATER\",\"value\":\"$(AFTER)\"},"
              "{\"name\":\"AFTER\",\"value\":\"x\"},"
              "{\"name\":\"SECRET\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"s\",\"key\":"
              "\"k\"}}}],"
              "\"command\":[\"$(BIN)/run\",\"$$(APP)\",\"$$$(APP)\",\"$(NOPE)\",\"$(SECRET)\","
              "\"$(APP\",\"a$b\",\"$\",\"$(AFTER)\"],"
              "\"args\":[\"--home=$(APP)\"]}",
              &rc, err, sizeof err) == 0);
    CHECK_STR(env_of(&rc, "BIN"), "/app/bin");   /* from an entry before it */
    CHECK_STR(env_of(&rc, "LATER"), "$(AFTER)"); /* not from one after it */
    CHECK(env_of(&rc, "SECRET") == NULL);        /* valueFrom: not known at admission */
    CHECK(rc.nenv == 4);
    CHECK(rc.nentrypoint == 9);
    if (rc.nentrypoint == 9) {
        CHECK_STR(rc.entrypoint[0], "/app/bin/run");
        CHECK_STR(rc.entrypoint[1], "$(APP)");  /* $$ is an escaped $ */
        CHECK_STR(rc.entrypoint[2], "$/app");   /* $$ then $(APP) */
        CHECK_STR(rc.entrypoint[3], "$(NOPE)"); /* unknown: as written */
        CHECK_STR(rc.entrypoint[4], "$(SECRET)");
        CHECK_STR(rc.entrypoint[5], "$(APP"); /* unclosed */
        CHECK_STR(rc.entrypoint[6], "a$b");
        CHECK_STR(rc.entrypoint[7], "$");
        CHECK_STR(rc.entrypoint[8], "x"); /* command sees every entry */
    }
    CHECK(rc.ncmd == 1 && rc.ncmd == 1 && strcmp(rc.cmd[0], "--home=/app") == 0);
    pc_runctx_free(&rc);
    /* a valueFrom entry hides an earlier one of its name */
    CHECK(run(NULL,
              "{\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"A\",\"valueFrom\":{}}],"
              "\"command\":[\"/bin/$(A)\"]}",
              &rc, err, sizeof err) == 0);
    CHECK(rc.nentrypoint == 1 && strcmp(rc.entrypoint[0], "/bin/$(A)") == 0);
    pc_runctx_free(&rc);
    /* the last definition wins */
    CHECK(run(NULL,
              "{\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"A\",\"value\":\"2\"}],"
              "\"args\":[\"$(A)\"]}",
              &rc, err, sizeof err) == 0);
    CHECK(rc.ncmd == 1 && strcmp(rc.cmd[0], "2") == 0);
    pc_runctx_free(&rc);
}

static void test_caps_groups(void)
{
    pc_runctx rc;
    char err[256];
    CHECK(run("{\"securityContext\":{\"supplementalGroups\":[5,6],\"fsGroup\":2000}}",
              "{\"securityContext\":{\"capabilities\":{\"add\":[\"NET_BIND_SERVICE\","
              "\"CAP_NET_RAW\"],\"drop\":[\"ALL\"]},\"allowPrivilegeEscalation\":false,"
              "\"readOnlyRootFilesystem\":true}}",
              &rc, err, sizeof err) == 0);
    CHECK(rc.cap_add == (BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_NET_RAW)));
    CHECK(rc.cap_drop == UINT64_MAX);
    CHECK(rc.ngroup_add == 3 && rc.group_add[0] == 5 && rc.group_add[1] == 6 &&
          rc.group_add[2] == 2000);
    CHECK(rc.no_new_privileges == 1);
    CHECK(rc.read_only_rootfs == 1);
    CHECK(rc.privileged == 0);
    pc_runctx_free(&rc);
    CHECK(run(NULL,
              "{\"securityContext\":{\"capabilities\":{\"drop\":[\"CHOWN\",\"sys_admin\"]},"
              "\"allowPrivilegeEscalation\":true,\"privileged\":true}}",
              &rc, err, sizeof err) == 0);
    CHECK(rc.cap_drop == (BIT(CAP_CHOWN) | BIT(CAP_SYS_ADMIN)) && rc.cap_add == 0);
    CHECK(rc.no_new_privileges == 0);
    CHECK(rc.privileged == 1);
    pc_runctx_free(&rc);
    /* privileged and capabilities are the container's only: a pod-level
     * one is not a Kubernetes field and is not read */
    CHECK(run("{\"securityContext\":{\"privileged\":true,\"capabilities\":{\"add\":[\"ALL\"]}}}",
              "{}", &rc, err, sizeof err) == 0);
    CHECK(rc.privileged == 0 && rc.cap_add == 0);
    pc_runctx_free(&rc);
}

static void test_workdir_env(void)
{
    pc_runctx rc;
    char err[256];
    CHECK(run(NULL, "{\"workingDir\":\"/srv\",\"env\":[{\"name\":\"E\",\"value\":\"\"}]}", &rc, err,
              sizeof err) == 0);
    CHECK_STR(rc.workdir, "/srv");
    CHECK(rc.nenv == 1 && strcmp(rc.env[0], "E=") == 0);
    pc_runctx_free(&rc);
    CHECK(run(NULL, "{\"workingDir\":\"\"}", &rc, err, sizeof err) == 0);
    CHECK(rc.workdir == NULL); /* empty: the image's */
    pc_runctx_free(&rc);
}

/* container (in pod) is refused with a message containing needle. */
static void refused(const char *pod, const char *container, const char *needle)
{
    pc_runctx rc;
    char err[512];
    int ret = run(pod, container, &rc, err, sizeof err);
    CHECK(ret == -1);
    CHECK_CONTAINS(err, needle);
    /* refused: rc is empty, safe to free again */
    CHECK(rc.user == NULL && rc.nenv == 0 && rc.entrypoint == NULL);
    pc_runctx_free(&rc);
}

/* Exec probes and lifecycle hooks: their commands are kept, as lines,
 * not expanded; other handlers (httpGet, tcpSocket) run nothing inside. */
static void test_execs(void)
{
    pc_runctx rc;
    char err[256];
    CHECK(run(NULL,
              "{\"env\":[{\"name\":\"X\",\"value\":\"v\"}],"
              "\"livenessProbe\":{\"exec\":{\"command\":[\"sh\",\"-c\",\"echo $(X)\"]}},"
              "\"readinessProbe\":{\"httpGet\":{\"path\":\"/\",\"port\":8080}},"
              "\"startupProbe\":{\"exec\":{\"command\":[\"true\"]}},"
              "\"lifecycle\":{\"postStart\":{\"exec\":{\"command\":[\"a\",\"b\"]}},"
              "\"preStop\":{\"sleep\":{\"seconds\":5}}}}",
              &rc, err, sizeof err) == 0);
    CHECK(rc.nexecs == 3);
    if (rc.nexecs == 3) {
        CHECK_STR(rc.execs[0], "sh -c echo $(X)");
        CHECK_STR(rc.execs[1], "true");
        CHECK_STR(rc.execs[2], "a b");
    }
    pc_runctx_free(&rc);
    refused(NULL, "{\"livenessProbe\":\"x\"}",
            "spec.containers[0].livenessProbe: expected an object");
    refused(NULL, "{\"lifecycle\":[]}", "spec.containers[0].lifecycle: expected an object");
    refused(NULL, "{\"lifecycle\":{\"preStop\":1}}",
            "spec.containers[0].lifecycle.preStop: expected an object");
    refused(NULL, "{\"startupProbe\":{\"exec\":[]}}",
            "spec.containers[0].startupProbe: exec: expected an object");
    refused(NULL, "{\"readinessProbe\":{\"exec\":{\"command\":\"sh\"}}}",
            "spec.containers[0].readinessProbe.exec.command: expected an array of strings");
    refused(NULL, "{\"lifecycle\":{\"postStart\":{\"exec\":{\"command\":[1]}}}}",
            "spec.containers[0].lifecycle.postStart.exec.command: expected an array of strings");
}

static void test_type_errors(void)
{
    refused(NULL, "[]", "spec.containers[0]: expected an object");
    refused(NULL, "{\"securityContext\":{\"runAsUser\":\"1000\"}}",
            "spec.containers[0].securityContext.runAsUser: expected an integer");
    refused(NULL, "{\"securityContext\":{\"runAsUser\":-1}}",
            "spec.containers[0].securityContext.runAsUser: expected an integer 0..4294967294");
    refused(NULL, "{\"securityContext\":{\"runAsUser\":4294967295}}",
            "securityContext.runAsUser: expected an integer 0..4294967294");
    refused(NULL, "{\"securityContext\":{\"runAsGroup\":1.5}}",
            "spec.containers[0].securityContext.runAsGroup");
    refused("{\"securityContext\":{\"runAsUser\":\"x\"}}", "{}",
            "spec.securityContext.runAsUser (pod level, for spec.containers[0]): expected an "
            "integer");
    refused("{\"securityContext\":[]}", "{}",
            "spec.securityContext (pod level, for spec.containers[0]): expected an object");
    refused(NULL, "{\"securityContext\":\"root\"}",
            "spec.containers[0].securityContext: expected an object");
    refused(NULL, "{\"securityContext\":{\"runAsNonRoot\":\"true\"}}",
            "spec.containers[0].securityContext.runAsNonRoot: expected true or false");
    refused("{\"securityContext\":{\"runAsNonRoot\":1}}", "{}",
            "spec.securityContext.runAsNonRoot (pod level");
    refused(NULL, "{\"securityContext\":{\"privileged\":1}}", "securityContext.privileged");
    refused(NULL, "{\"securityContext\":{\"allowPrivilegeEscalation\":\"no\"}}",
            "securityContext.allowPrivilegeEscalation: expected true or false");
    refused(NULL, "{\"securityContext\":{\"readOnlyRootFilesystem\":0}}",
            "securityContext.readOnlyRootFilesystem");
    refused(NULL, "{\"securityContext\":{\"capabilities\":[]}}",
            "securityContext.capabilities: expected an object");
    refused(NULL, "{\"securityContext\":{\"capabilities\":{\"add\":\"NET_RAW\"}}}",
            "securityContext.capabilities.add: expected an array of capability names");
    refused(NULL, "{\"securityContext\":{\"capabilities\":{\"drop\":[1]}}}",
            "securityContext.capabilities.drop: expected an array");
    refused(NULL, "{\"securityContext\":{\"capabilities\":{\"add\":[\"NET_FLY\"]}}}",
            "securityContext.capabilities.add: \"NET_FLY\" is not a capability name");
    refused("{\"securityContext\":{\"supplementalGroups\":5}}", "{}",
            "spec.securityContext.supplementalGroups (pod level");
    refused("{\"securityContext\":{\"supplementalGroups\":[-5]}}", "{}",
            "securityContext.supplementalGroups (pod level, for spec.containers[0]): expected "
            "integers");
    refused("{\"securityContext\":{\"fsGroup\":\"2000\"}}", "{}",
            "spec.securityContext.fsGroup (pod level");
    refused(NULL, "{\"command\":\"/bin/sh\"}", "spec.containers[0].command: expected an array");
    refused(NULL, "{\"command\":[\"/bin/sh\",1]}", "spec.containers[0].command: expected an array");
    refused(NULL, "{\"args\":{}}", "spec.containers[0].args: expected an array");
    refused(NULL, "{\"args\":[\"a\\u0000b\"]}",
            "spec.containers[0].args: expected an array of strings (without NUL)");
    refused(NULL, "{\"workingDir\":7}", "spec.containers[0].workingDir: expected a string");
    refused(NULL, "{\"workingDir\":\"app\"}",
            "spec.containers[0].workingDir: not an absolute path");
    refused(NULL, "{\"env\":{}}", "spec.containers[0].env: expected an array");
    refused(NULL, "{\"env\":[{\"value\":\"x\"}]}", "spec.containers[0].env[0]: expected");
    refused(NULL, "{\"env\":[{\"name\":\"A\",\"value\":\"x\"},{\"name\":\"B\",\"value\":3}]}",
            "spec.containers[0].env[1]: expected");
    refused(NULL, "{\"env\":[{\"name\":\"A=B\",\"value\":\"x\"}]}", "env[0]");
    refused(NULL, "{\"env\":[\"A=B\"]}", "env[0]");
    /* where names the container for a workload too */
    {
        pc_runctx rc;
        char err[512];
        const char *cj = "{\"securityContext\":{\"runAsUser\":true}}",
                   *pj = "{\"securityContext\":{\"fsGroup\":[]}}";
        pc_jdoc *cd = pc_jdoc_parse(cj, strlen(cj), 0, NULL, 0),
                *pd = pc_jdoc_parse(pj, strlen(pj), 0, NULL, 0),
                *ed = pc_jdoc_parse("{}", 2, 0, NULL, 0);
        const pc_jval *c = pc_jdoc_root(cd), *p = pc_jdoc_root(pd), *empty = pc_jdoc_root(ed);
        CHECK(c && p && empty);
        CHECK(pc_k8s_runctx(NULL, c, "spec.template.spec.initContainers[2]", &rc, err,
                            sizeof err) == -1);
        CHECK_CONTAINS(err, "spec.template.spec.initContainers[2].securityContext.runAsUser");
        CHECK(pc_k8s_runctx(p, empty, "spec.jobTemplate.spec.template.spec.containers[0]", &rc, err,
                            sizeof err) == -1);
        CHECK_CONTAINS(err, "spec.jobTemplate.spec.template.spec.securityContext.fsGroup (pod "
                            "level, for spec.jobTemplate.spec.template.spec.containers[0])");
        CHECK(pc_k8s_runctx(p, empty, NULL, &rc, err, sizeof err) == -1);
        CHECK_CONTAINS(err, "pod spec.securityContext.fsGroup (pod level, for container)");
        pc_jdoc_free(cd);
        pc_jdoc_free(pd);
        pc_jdoc_free(ed);
    }
}

/* Equal contexts give equal keys; a change that matters, another key. */
static void test_keys(void)
{
    const char *pods[][2] = {
        {"{\"securityContext\":{\"runAsUser\":10001}}", "{}"},
        {NULL, "{\"securityContext\":{\"runAsUser\":10001}}"},
        {NULL, "{}"},
        {NULL, "{\"securityContext\":{\"runAsNonRoot\":true}}"},
        {NULL, "{\"command\":[\"/app/missing\"]}"},
    };
    char keys[5][72];
    for (int i = 0; i < 5; i++) {
        pc_runctx rc;
        char err[256];
        CHECK(run(pods[i][0], pods[i][1], &rc, err, sizeof err) == 0);
        CHECK(pc_runctx_key(&rc, keys[i]) == 0);
        pc_runctx_free(&rc);
    }
    CHECK(strcmp(keys[0], keys[1]) == 0); /* pod or container level: the same run */
    CHECK(strcmp(keys[0], keys[2]) != 0);
    CHECK(strcmp(keys[2], keys[3]) != 0);
    CHECK(strcmp(keys[2], keys[4]) != 0);
    char none[72];
    CHECK(pc_runctx_key(NULL, none) == 0);
    CHECK(strncmp(keys[2], "sha256:", 7) == 0);
}

int main(void)
{
    test_kinds();
    test_nothing_said();
    test_precedence();
    test_argv();
    test_expansion();
    test_caps_groups();
    test_workdir_env();
    test_execs();
    test_type_errors();
    test_keys();
    TEST_MAIN_END();
}
