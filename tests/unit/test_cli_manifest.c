/*
 * test_cli_manifest.c — `scan --manifest`'s reading (src/cli_manifest.c,
 * src/cli_workload.c): YAML typed as sigs.k8s.io/yaml types it (go-yaml v2
 * then JSON), JSON streams, the limits a hostile manifest meets (alias
 * bombs, nesting, size, duplicate keys), and objects to container runs
 * (List, CronJob, init containers, skipped kinds, malformed fields).
 */
#include <stdlib.h>
#include <string.h>
#include "cli_manifest.h"
#include "cli_workload.h"
#include "pcx.h"
#include "testlib.h"

static char err[1024];

/* Parse text; the documents (NULL and err set on failure). */
static int parse(const char *text, cli_docs *d)
{
    memset(d, 0, sizeof *d);
    err[0] = 0;
    return cli_manifest_parse("m.yaml", text, strlen(text), d, err, sizeof err);
}

/* The first document of text as compact JSON with sorted keys (malloc'd),
 * or NULL (err holds why). */
static char *one(const char *text)
{
    cli_docs d;
    char *s = NULL;
    if (parse(text, &d) == 0 && d.n >= 1)
        s = json_dumps(d.v[0].v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    cli_docs_free(&d);
    return s;
}

static void is(const char *text, const char *want)
{
    char *got = one(text);
    CHECK_STR(got, want);
    if (!got)
        fprintf(stderr, "  (for %s: %s)\n", text, err);
    free(got);
}

/* text is refused with a message containing want. */
static void refused(const char *text, const char *want)
{
    cli_docs d;
    CHECK(parse(text, &d) < 0);
    CHECK_CONTAINS(err, want);
    cli_docs_free(&d);
}

static void test_typing(void)
{
    /* booleans and nulls: go-yaml v2's YAML 1.1 words */
    is("a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: N\ng: True\nh: false",
       "{\"a\":true,\"b\":false,\"c\":true,\"d\":false,\"e\":true,\"f\":false,\"g\":true,"
       "\"h\":false}");
    is("a: ~\nb:\nc: null\nd: NULL\ne: Null", "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,"
                                              "\"e\":null}");
    /* quoted and block scalars are strings; other spellings too */
    is("a: \"yes\"\nb: 'off'\nc: '10'\nd: yEs\ne: |\n  text\nf: nil",
       "{\"a\":\"yes\",\"b\":\"off\",\"c\":\"10\",\"d\":\"yEs\",\"e\":\"text\\n\",\"f\":\"nil\"}");
    /* integers: Go's base-0 syntax, underscores dropped, a leading 0 is octal */
    is("a: 10\nb: 0755\nc: 0x1F\nd: 0o17\ne: 0b101\nf: 1_000\ng: -0x10\nh: +5\ni: 0",
       "{\"a\":10,\"b\":493,\"c\":31,\"d\":15,\"e\":5,\"f\":1000,\"g\":-16,\"h\":5,\"i\":0}");
    is("a: 9223372036854775807\nb: -9223372036854775808",
       "{\"a\":9223372036854775807,\"b\":-9223372036854775808}");
    /* floats; an integral one is an integer once it went through JSON */
    is("a: 1.5\nb: 1e3\nc: 1.0\nd: .5\ne: 08\nf: -2.5e-1",
       "{\"a\":1.5,\"b\":1000,\"c\":1,\"d\":0.5,\"e\":8,\"f\":-0.25}");
    is("a: 99999999999999999999", "{\"a\":1e20}");
    /* not numbers: strings as written */
    is("a: 1e400\nb: 2024-01-02\nc: 1.2.3\nd: 0x\ne: 12abc\nf: 1_0.5_0\ng: ._5",
       "{\"a\":\"1e400\",\"b\":\"2024-01-02\",\"c\":\"1.2.3\",\"d\":\"0x\",\"e\":\"12abc\","
       "\"f\":10.5,\"g\":\"._5\"}");
    /* tags */
    is("a: !!str 12\nb: !!int \"12\"\nc: !!float 3\nd: !!bool yes\ne: !!null ''",
       "{\"a\":\"12\",\"b\":12,\"c\":3,\"d\":true,\"e\":null}");
    refused("a: !!int abc", "m.yaml:1: yaml: cannot decode !!str \"abc\" as a !!int");
    refused("a: !!binary aGVsbG8=", "tag tag:yaml.org,2002:binary is not supported");
    refused("a: !custom x", "is not supported");
    refused("a: !!set {x}", "is not supported here");
    /* JSON cannot hold them */
    refused("a: .inf", "\".inf\": a number JSON cannot hold");
    refused("x: 1\na: -.Inf", "m.yaml:2:");
    refused("a: 18446744073709551615", "a number JSON cannot hold");
    refused("a: \"x\\0y\"", "a NUL character");
    /* keys: strings; ints and bools as their text; others refused */
    is("80: http\ntrue: t\n0x10: h\n\"q\": 1", "{\"16\":\"h\",\"80\":\"http\",\"q\":1,"
                                               "\"true\":\"t\"}");
    refused("1.5: x", "m.yaml:1: yaml: a mapping key must be a string, an integer or a boolean");
    refused("~: x", "a mapping key must be");
    refused("? [a]\n: b", "a sequence as a mapping key");
    refused("? {a: 1}\n: b", "a mapping as a mapping key");
    /* yes and true are one key once typed */
    refused("yes: 1\ntrue: 2", "m.yaml:2: yaml: key \"true\" given twice");
}

static void test_structure(void)
{
    cli_docs d;
    /* documents, their lines; empty documents dropped */
    CHECK(parse("# c\na: 1\n---\n---\n# only a comment\n---\nb: [1, {c: d}]\n...\n", &d) == 0);
    CHECK(d.n == 2);
    if (d.n == 2) {
        CHECK(d.v[0].line == 2);
        CHECK(d.v[1].line == 7);
        CHECK(json_integer_value(json_object_get(d.v[0].v, "a")) == 1);
    }
    cli_docs_free(&d);
    CHECK(parse("", &d) == 0 && d.n == 0);
    cli_docs_free(&d);
    CHECK(parse("~\n", &d) == 0 && d.n == 0);
    cli_docs_free(&d);
    /* anchors, aliases, merge keys as go-yaml v2 strict */
    is("a: &x {p: 1}\nb: *x\nc: &s hi\nd: *s", "{\"a\":{\"p\":1},\"b\":{\"p\":1},\"c\":\"hi\","
                                               "\"d\":\"hi\"}");
    is("base: &b {x: 1}\nm: {<<: *b, w: 2}", "{\"base\":{\"x\":1},\"m\":{\"w\":2,\"x\":1}}");
    is("a: &a {x: 1}\nb: &b {w: 2}\nm:\n  <<: [*a, *b]\n  z: 3",
       "{\"a\":{\"x\":1},\"b\":{\"w\":2},\"m\":{\"w\":2,\"x\":1,\"z\":3}}");
    /* y and n are booleans in YAML 1.1, keys too: go-yaml v2 makes y: "true" */
    is("y: 1\nn: 2", "{\"false\":2,\"true\":1}");
    is("m: {\"<<\": 1}", "{\"m\":{\"<<\":1}}"); /* a quoted << is a key */
    refused("base: &b {x: 1}\nm:\n  <<: *b\n  x: 2", "m.yaml:4: yaml: key \"x\" given twice");
    refused("m:\n  <<: [1]", "m.yaml:2: yaml: the merge key << needs a mapping");
    refused("a: *nope", "m.yaml:1: yaml: alias *nope names no anchor before it");
    refused("a: &x 1\n---\nb: *x", "m.yaml:3: yaml: alias *x names no anchor"); /* per document */
    refused("a: &x [*x]", "names no anchor");
    /* duplicate keys, with the line of the second */
    refused("metadata:\n  name: a\n  labels: {}\n  name: b\n", "m.yaml:4: yaml: key \"name\" given "
                                                               "twice in one mapping");
    refused("spec:\n\tcontainers: []\n", "m.yaml:2:1: yaml: found character that cannot start any "
                                         "token");
    refused("spec:\n\tcontainers: []\n", "YAML does not allow tabs for indentation");
    refused("a: [1, 2\nb: 3\n", "m.yaml:");
    refused("a: b: c\n", "m.yaml:1:");
}

static char *nested(int depth, int flow_map)
{
    char *s = malloc((size_t)depth * 8 + 16);
    size_t n = 0;
    for (int i = 0; i < depth; i++)
        n += (size_t)sprintf(s + n, flow_map ? "{a: " : "[");
    n += (size_t)sprintf(s + n, "1");
    for (int i = 0; i < depth; i++)
        s[n++] = flow_map ? '}' : ']';
    s[n] = 0;
    return s;
}

static void test_limits(void)
{
    cli_docs d;
    /* nesting: 64 levels are read, 65 refused */
    char *ok = nested(CLI_MANIFEST_MAX_DEPTH, 0), *deep = nested(CLI_MANIFEST_MAX_DEPTH + 1, 0);
    CHECK(parse(ok, &d) == 0 && d.n == 1);
    cli_docs_free(&d);
    refused(deep, "m.yaml:1: yaml: nested deeper than 64 levels");
    free(ok);
    free(deep);
    deep = nested(CLI_MANIFEST_MAX_DEPTH, 1); /* with "x: " in front: 65 mappings */
    char *x = malloc(strlen(deep) + 8);
    sprintf(x, "x: %s", deep);
    refused(x, "m.yaml:1: yaml: nested deeper than 64 levels");
    free(x);
    free(deep);
    /* ... also when an alias makes it deeper */
    char *half = nested(40, 0), text[4096];
    snprintf(text, sizeof text, "a: &x %s\nb: [[[[[[[[[[[[[[[[[[[[[[[[[*x]]]]]]]]]]]]]]]]]]]]]]]]]",
             half);
    refused(text, "m.yaml:2: yaml: nested deeper than 64 levels (through alias *x)");
    free(half);
    /* a billion laughs: refused, and quickly */
    refused("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
            "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
            "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n",
            "aliases expand to more than 100000 nodes");
    /* many small aliases: bounded by count */
    char *many = malloc(8 * 2000 + 32);
    size_t n = (size_t)sprintf(many, "a: &s x\nb: [");
    for (int i = 0; i < CLI_MANIFEST_MAX_ALIASES + 1; i++)
        n += (size_t)sprintf(many + n, "*s,");
    sprintf(many + n, "]\n");
    refused(many, "more than 1000 aliases in one file");
    free(many);
    /* a bounded number of aliases is fine */
    is("a: &s x\nb: [*s, *s, *s]", "{\"a\":\"x\",\"b\":[\"x\",\"x\",\"x\"]}");
    /* size */
    size_t big = CLI_MANIFEST_MAX_BYTES + 1;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    memset(&d, 0, sizeof d);
    CHECK(cli_manifest_parse("big.yaml", huge, big, &d, err, sizeof err) < 0);
    CHECK_CONTAINS(err, "big.yaml: larger than 16777216 bytes");
    free(huge);
}

static void test_json(void)
{
    cli_docs d;
    CHECK(parse("  {\"kind\": \"Pod\", \"n\": 1.0}\n{\"b\": [1,\n 2]}\n\n{\"c\": true}", &d) == 0);
    CHECK(d.n == 3);
    if (d.n == 3) {
        CHECK(d.v[0].line == 1 && d.v[1].line == 2 && d.v[2].line == 5);
        /* JSON keeps its number types: 1.0 is not an integer */
        CHECK(json_is_real(json_object_get(d.v[0].v, "n")));
    }
    cli_docs_free(&d);
    refused("{\"a\": 1,\n \"a\": 2}", "m.yaml:2: json: duplicate object key");
    refused("{\"a\": 1}\n\n{\"b\": }", "m.yaml:3: json:");
    char *deep = nested(CLI_MANIFEST_MAX_DEPTH + 1, 0);
    char *obj = malloc(strlen(deep) + 16);
    sprintf(obj, "{\"a\": %s}", deep);
    refused(obj, "m.yaml:1: json: nested deeper than 64 levels");
    free(obj);
    free(deep);
    /* a document starting with [ is YAML (flow), as Kubernetes decides */
    is("[1, yes]", "[1,true]");
}

/* ---- objects to runs ---- */

static int runs_of(const char *text, cli_runs *r)
{
    cli_docs d;
    memset(r, 0, sizeof *r);
    int rc = parse(text, &d);
    if (rc == 0)
        rc = cli_runs_add(r, "m.yaml", &d, err, sizeof err);
    cli_docs_free(&d);
    return rc;
}

static const char *DEPLOYS = "apiVersion: apps/v1\n"
                             "kind: Deployment\n"
                             "metadata: {name: web, namespace: prod}\n"
                             "spec:\n"
                             "  template:\n"
                             "    spec:\n"
                             "      securityContext: {runAsUser: 10001}\n"
                             "      initContainers:\n"
                             "        - name: setup\n"
                             "          image: reg/app:1\n"
                             "          command: [/app/missing]\n"
                             "      containers:\n"
                             "        - name: app\n"
                             "          image: reg/app:1\n"
                             "        - name: side\n"
                             "          image: reg/app:1\n"
                             "        - name: nothing\n"
                             "---\n"
                             "apiVersion: v1\n"
                             "kind: Service\n"
                             "metadata: {name: web}\n"
                             "spec: {selector: {app: web}}\n"
                             "---\n"
                             "kind: Deployment\n"
                             "spec: {}\n"
                             "---\n"
                             "apiVersion: batch/v1\n"
                             "kind: CronJob\n"
                             "metadata: {name: nightly}\n"
                             "spec:\n"
                             "  jobTemplate:\n"
                             "    spec:\n"
                             "      template:\n"
                             "        spec:\n"
                             "          containers:\n"
                             "            - {name: job, image: reg/app:1}\n";

static void test_runs(void)
{
    cli_runs r;
    CHECK(runs_of(DEPLOYS, &r) == 0);
    CHECK(r.n == 4);
    if (r.n == 4) {
        CHECK_STR(r.v[0].rc.subject, "Deployment prod/web, init container setup");
        CHECK_STR(r.v[1].rc.subject, "Deployment prod/web, container app");
        CHECK_STR(r.v[2].rc.subject, "Deployment prod/web, container side");
        CHECK_STR(r.v[3].rc.subject, "CronJob nightly, container job");
        CHECK_STR(r.v[0].image, "reg/app:1");
        CHECK_STR(r.v[1].rc.user, "10001");
        CHECK(r.v[3].rc.user == NULL);
        CHECK(r.v[0].rc.entrypoint_set && r.v[0].rc.nentrypoint == 1);
        /* the same run: one key (the subject is not part of it); another run: another */
        CHECK(strcmp(r.v[1].key, r.v[2].key) == 0);
        CHECK(strcmp(r.v[0].key, r.v[1].key) != 0);
        CHECK(strcmp(r.v[1].key, r.v[3].key) != 0);
        CHECK(strncmp(r.v[1].key, "sha256:", 7) == 0);
    }
    cli_runs_free(&r);

    /* kind: List (and *List) expanded */
    CHECK(runs_of("apiVersion: v1\nkind: List\nitems:\n"
                  "- {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: "
                  "[{name: c, image: i1}], ephemeralContainers: [{name: dbg, image: i2}]}}\n"
                  "- {apiVersion: v1, kind: PodList, items: [{apiVersion: v1, kind: Pod, "
                  "metadata: {name: b, namespace: ns}, spec: {containers: [{image: i3}]}}]}\n"
                  "- {apiVersion: v1, kind: ConfigMap, data: {x: y}}\n",
                  &r) == 0);
    CHECK(r.n == 3);
    if (r.n == 3) {
        CHECK_STR(r.v[0].rc.subject, "Pod a, container c");
        CHECK_STR(r.v[1].rc.subject, "Pod a, ephemeral container dbg");
        CHECK_STR(r.v[2].rc.subject, "Pod ns/b, container #0");
        CHECK_STR(r.v[2].image, "i3");
    }
    cli_runs_free(&r);

    /* every workload kind of portcullis_k8s.h */
    const char *kinds[][2] = {{"v1", "ReplicationController"},
                              {"apps/v1", "StatefulSet"},
                              {"apps/v1", "DaemonSet"},
                              {"apps/v1", "ReplicaSet"},
                              {"batch/v1", "Job"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"apiVersion\": \"%s\", \"kind\": \"%s\", \"metadata\": {\"name\": \"w\"}, "
                 "\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"c\", "
                 "\"image\": \"i\"}]}}}}",
                 kinds[i][0], kinds[i][1]);
        CHECK(runs_of(text, &r) == 0 && r.n == 1);
        cli_runs_free(&r);
    }
    CHECK(runs_of("apiVersion: v1\nkind: PodTemplate\nmetadata: {name: t}\ntemplate: {spec: "
                  "{containers: [{name: c, image: i}]}}",
                  &r) == 0 &&
          r.n == 1);
    cli_runs_free(&r);
    /* a kind in another group is not the workload */
    CHECK(runs_of("apiVersion: example.com/v1\nkind: Deployment\nspec: {template: {spec: "
                  "{containers: [{image: i}]}}}",
                  &r) == 0 &&
          r.n == 0);
    cli_runs_free(&r);

    /* malformed: FILE:LINE, the object and the field */
    CHECK(runs_of("a: 1\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                  "spec: {template: {spec: {containers: [{name: c, image: i, securityContext: "
                  "{runAsUser: \"x\"}}]}}}",
                  &r) < 0);
    CHECK_STR(err, "m.yaml:3: Deployment web: spec.template.spec.containers[0].securityContext."
                   "runAsUser: expected an integer 0..4294967294");
    cli_runs_free(&r);
    CHECK(runs_of("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}", &r) <
          0);
    CHECK_STR(err, "m.yaml:1: Deployment web: spec.template: missing (no pod spec)");
    cli_runs_free(&r);
    CHECK(runs_of("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, "
                  "image: 5}]}",
                  &r) < 0);
    CHECK_CONTAINS(err, "m.yaml:1: Pod p: spec.containers[0].image: expected an image reference");
    cli_runs_free(&r);
    CHECK(runs_of("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {initContainers: {}}",
                  &r) < 0);
    CHECK_STR(err, "m.yaml:1: Pod p: spec.initContainers: expected an array of containers");
    cli_runs_free(&r);
    CHECK(runs_of("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, "
                  "image: i, command: /bin/sh}]}",
                  &r) < 0);
    CHECK_CONTAINS(err, "Pod p: spec.containers[0].command: expected an array of strings");
    cli_runs_free(&r);
}

/* `test_cli_manifest --to-json`: standard input's documents as compact
 * JSON, one line each, or "ERR message": what tests/integration/manifest.sh
 * compares with sigs.k8s.io/yaml. */
static int to_json(void)
{
    pc_buf b = {0};
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        pc_buf_add(&b, chunk, got);
    cli_docs d = {0};
    if (b.oom || cli_manifest_parse("-", b.p ? b.p : "", b.len, &d, err, sizeof err) < 0) {
        printf("ERR %s\n", b.oom ? "out of memory" : err);
    } else {
        for (size_t i = 0; i < d.n; i++) {
            char *s =
                json_dumps(d.v[i].v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
            printf("%s\n", s ? s : "ERR out of memory");
            free(s);
        }
        if (d.n == 0)
            printf("null\n");
    }
    cli_docs_free(&d);
    pc_buf_free(&b);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--to-json") == 0)
        return to_json();
    test_typing();
    test_structure();
    test_limits();
    test_json();
    test_runs();
    TEST_MAIN_END();
}
