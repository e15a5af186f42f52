/*
 * test_admission.c — the webhook's readers, without a server: image
 * extraction for every object kind (and where each image sits, as a JSON
 * pointer), AdmissionReview parsing in v1 and v1beta1 (UPDATE keeps only
 * new images, the ephemeralcontainers subresource, DELETE, dryRun,
 * generateName), each container's own run context (and a run that cannot
 * be read denied naming the field), every malformed review the webhook must refuse with a
 * message naming the field, the response shape for allow and deny, and
 * the small parts that guard the rest: durations, UTF-8 cuts, the bounded
 * LRU map.
 */
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include "admission.h"
#include "log.h"
#include "podspec.h"
#include "strmap.h"
#include "testlib.h"

#define C(img) "{\"name\":\"c\",\"image\":\"" img "\"}"
#define SPEC                                                                                       \
    "{\"initContainers\":[" C("i") "],\"containers\":[" C("a") "," C(                              \
        "b") "],"                                                                                  \
             "\"ephemeralContainers\":[" C("e") "]}"

static void check_kind(const char *group, const char *kind, const char *obj, const char *first_ptr,
                       size_t want)
{
    pc_jdoc *o = pc_jdoc_parse(obj, strlen(obj), 0, NULL, 0);
    wh_image_list l = {0};
    char err[256] = "";
    CHECK(o != NULL);
    int rc = wh_podspec_images(group, kind, pc_jdoc_root(o), &l, err, sizeof err);
    CHECK(rc == 0);
    if (rc != 0)
        fprintf(stderr, "  %s/%s: %s\n", group, kind, err);
    CHECK(l.n == want);
    if (l.n == want && want) {
        CHECK_STR(l.v[0].pointer, first_ptr);
        CHECK_STR(l.v[0].image, want == 4 ? "i" : l.v[0].image);
        CHECK_STR(l.v[0].container, "c");
    }
    wh_image_list_free(&l);
    pc_jdoc_free(o);
}

static void test_kinds(void)
{
    const char *tmpl = "{\"spec\":{\"template\":{\"spec\":" SPEC "}}}";
    check_kind("", "Pod", "{\"spec\":" SPEC "}", "/spec/initContainers/0/image", 4);
    check_kind("", "ReplicationController", tmpl, "/spec/template/spec/initContainers/0/image", 4);
    const char *apps[] = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"};
    for (int i = 0; i < 4; i++)
        check_kind("apps", apps[i], tmpl, "/spec/template/spec/initContainers/0/image", 4);
    check_kind("extensions", "Deployment", tmpl, "/spec/template/spec/initContainers/0/image", 4);
    check_kind("batch", "Job", tmpl, "/spec/template/spec/initContainers/0/image", 4);
    check_kind("batch", "CronJob",
               "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":" SPEC "}}}}}",
               "/spec/jobTemplate/spec/template/spec/initContainers/0/image", 4);
    check_kind("", "EphemeralContainers", "{\"ephemeralContainers\":[" C("e") "]}",
               "/ephemeralContainers/0/image", 1);
    /* absent pod spec, absent lists, template without image: nothing to judge */
    check_kind("apps", "Deployment", "{\"spec\":{}}", NULL, 0);
    check_kind("", "Pod", "{\"spec\":{\"containers\":[{\"name\":\"x\"}]}}", NULL, 0);
    check_kind("", "Pod", "{\"spec\":{\"containers\":[{\"name\":\"x\",\"image\":\"\"}]}}", NULL, 0);
    CHECK(wh_podspec_known("apps", "Deployment"));
    CHECK(wh_podspec_known("", "PodTemplate")); /* the shared table (lib/k8s.c) */
    CHECK(!wh_podspec_known("", "Service"));
    CHECK(!wh_podspec_known("apps", "Pod"));
    CHECK(!wh_podspec_known("example.com", "Deployment"));
}

static void podspec_fails(const char *group, const char *kind, const char *obj, const char *needle)
{
    pc_jdoc *o = pc_jdoc_parse(obj, strlen(obj), 0, NULL, 0);
    wh_image_list l = {0};
    char err[256] = "";
    CHECK(wh_podspec_images(group, kind, pc_jdoc_root(o), &l, err, sizeof err) < 0);
    CHECK_CONTAINS(err, needle);
    wh_image_list_free(&l); /* whatever was listed before the error is freed (ASan) */
    pc_jdoc_free(o);
}

static void test_podspec_malformed(void)
{
    podspec_fails("", "Pod", "{\"spec\":[]}", "spec: expected an object");
    podspec_fails("", "Pod", "{\"spec\":{\"containers\":{}}}",
                  "spec.containers: expected an array");
    podspec_fails("", "Pod", "{\"spec\":{\"containers\":[5]}}",
                  "spec.containers[0]: expected an object");
    podspec_fails("", "Pod", "{\"spec\":{\"containers\":[{\"image\":7}]}}",
                  "spec.containers[0].image: expected a string");
    podspec_fails("batch", "CronJob", "{\"spec\":{\"jobTemplate\":\"x\"}}",
                  "spec.jobTemplate: expected an object");
    podspec_fails("", "Service", "{}", "unknown object kind \"Service\"");
    /* more containers than the cap: refused, not truncated */
    char *big = malloc(64 + 20 * (WH_MAX_IMAGES + 2));
    size_t k = (size_t)sprintf(big, "{\"spec\":{\"containers\":[");
    for (int i = 0; i < WH_MAX_IMAGES + 1; i++)
        k += (size_t)sprintf(big + k, "%s{\"image\":\"x%d\"}", i ? "," : "", i);
    sprintf(big + k, "]}}");
    podspec_fails("", "Pod", big, "more than");
    free(big);
    /* an image string longer than the cap */
    char *lng = malloc(WH_MAX_IMAGE_LEN + 100);
    k = (size_t)sprintf(lng, "{\"spec\":{\"containers\":[{\"image\":\"");
    memset(lng + k, 'a', WH_MAX_IMAGE_LEN + 1);
    sprintf(lng + k + WH_MAX_IMAGE_LEN + 1, "\"}]}}");
    podspec_fails("", "Pod", lng, "longer than");
    free(lng);
}

static char *review(const char *version, const char *op, const char *kindobj, const char *obj,
                    const char *old, const char *extra)
{
    char *s = malloc(8192);
    snprintf(s, 8192,
             "{\"apiVersion\":\"admission.k8s.io/%s\",\"kind\":\"AdmissionReview\",\"request\":{"
             "\"uid\":\"0df28fbd-5f5f-11e8-bc74-36e6bb280816\",\"kind\":%s,\"namespace\":\"ns1\","
             "\"operation\":\"%s\",\"userInfo\":{\"username\":\"alice\"},\"object\":%s%s%s%s}}",
             version, kindobj, op, obj, old ? ",\"oldObject\":" : "", old ? old : "",
             extra ? extra : "");
    return s;
}

#define POD_KIND "{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"}"
#define POD(imgs) "{\"metadata\":{\"generateName\":\"web-\"},\"spec\":{\"containers\":[" imgs "]}}"

static void test_parse_ok(void)
{
    wh_admission a;
    char err[256] = "";
    const char *versions[] = {"v1", "v1beta1"};
    for (int v = 0; v < 2; v++) {
        char *r = review(versions[v], "CREATE", POD_KIND, POD(C("a") "," C("b")), NULL,
                         ",\"dryRun\":true");
        CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
        CHECK(a.images.n == 2);
        CHECK(a.dry_run == 1);
        CHECK_STR(a.uid, "0df28fbd-5f5f-11e8-bc74-36e6bb280816");
        CHECK_STR(a.namespace_, "ns1");
        CHECK_STR(a.name, "web-");
        CHECK_STR(a.user, "alice");
        CHECK_CONTAINS(a.api_version, versions[v]);
        wh_admission_free(&a);
        free(r);
    }
    /* UPDATE: only images the old object did not have */
    char *r = review("v1", "UPDATE", POD_KIND, POD(C("a") "," C("new")), POD(C("a")), NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    CHECK(a.images.n == 1 && a.unchanged == 1);
    if (a.images.n == 1)
        CHECK_STR(a.images.v[0].image, "new");
    wh_admission_free(&a);
    free(r);
    /* pods/ephemeralcontainers: the whole Pod, one new ephemeral container */
    r = review("v1", "UPDATE", POD_KIND,
               "{\"spec\":{\"containers\":[" C("a") "],\"ephemeralContainers\":[" C("dbg") "]}}",
               POD(C("a")), ",\"subResource\":\"ephemeralcontainers\"");
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    CHECK(a.images.n == 1);
    if (a.images.n == 1)
        CHECK_STR(a.images.v[0].pointer, "/spec/ephemeralContainers/0/image");
    CHECK_STR(a.sub_resource, "ephemeralcontainers");
    wh_admission_free(&a);
    free(r);
    /* DELETE carries no new image */
    r = review("v1", "DELETE", POD_KIND, "null", NULL, NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    CHECK(a.images.n == 0);
    wh_admission_free(&a);
    free(r);
}

static void parse_fails(const char *body, const char *needle)
{
    wh_admission a;
    char err[256] = "";
    CHECK(wh_admission_parse(body, strlen(body), &a, err, sizeof err) < 0);
    CHECK_CONTAINS(err, needle);
    CHECK(a.doc == NULL && a.images.n == 0);
}

static void test_parse_malformed(void)
{
    parse_fails("", "not valid JSON");
    parse_fails("{\"apiVersion\":", "not valid JSON");
    parse_fails("[1,2]", "expected a JSON object");
    parse_fails("{\"apiVersion\":\"admission.k8s.io/v2\",\"kind\":\"AdmissionReview\"}",
                "apiVersion");
    parse_fails("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}", "kind: expected");
    parse_fails("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
                "request: missing");
    parse_fails(
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
        "request.uid");
    parse_fails("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                "\"request\":{\"uid\":\"\"}}",
                "request.uid");
    parse_fails("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                "\"apiVersion\":\"admission.k8s.io/v1\"}",
                "duplicate");
    char *r = review("v1", "CREATE", "{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Service\"}",
                     "{}", NULL, NULL);
    parse_fails(r, "unknown object kind \"Service\"");
    free(r);
    r = review("v1", "CREATE", POD_KIND, "5", NULL, NULL);
    parse_fails(r, "request.object");
    free(r);
    r = review("v1", "CREATE", POD_KIND, POD("{\"image\":[1]}"), NULL, NULL);
    parse_fails(r, "spec.containers[0].image: expected a string");
    free(r);
    r = review("v1", "CREATE", POD_KIND, POD(C("a")), NULL, ",\"dryRun\":\"yes\"");
    parse_fails(r, "dryRun a boolean");
    free(r);
    /* deep nesting is refused by the parser, not by a crash */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = 0;
    parse_fails(deep, "not valid JSON");
    free(deep);
}

static void test_response(void)
{
    wh_admission a;
    char err[256];
    char *r = review("v1beta1", "CREATE", POD_KIND, POD(C("a")), NULL, NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    char *w[] = {"a: world-writable /data"};
    wh_decision d = {.allowed = 0,
                     .message = "image \"a\": setuid-file /usr/bin/passwd",
                     .warnings = w,
                     .nwarnings = 1};
    char *text = wh_admission_response(&a, &d);
    json_t *doc = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(text);
    json_t *resp = json_object_get(doc, "response");
    CHECK_STR(json_string_value(json_object_get(doc, "apiVersion")), "admission.k8s.io/v1beta1");
    CHECK_STR(json_string_value(json_object_get(doc, "kind")), "AdmissionReview");
    CHECK_STR(json_string_value(json_object_get(resp, "uid")), a.uid);
    CHECK(json_is_false(json_object_get(resp, "allowed")));
    json_t *st = json_object_get(resp, "status");
    CHECK(json_integer_value(json_object_get(st, "code")) == 403);
    CHECK_CONTAINS(json_string_value(json_object_get(st, "message")),
                   "setuid-file /usr/bin/passwd");
    CHECK(json_array_size(json_object_get(resp, "warnings")) == 1);
    json_decref(doc);
    d = (wh_decision){.allowed = 1};
    text = wh_admission_response(&a, &d);
    doc = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(text);
    resp = json_object_get(doc, "response");
    CHECK(json_is_true(json_object_get(resp, "allowed")));
    CHECK(json_object_get(resp, "status") == NULL && json_object_get(resp, "warnings") == NULL);
    json_decref(doc);
    wh_admission_free(&a);
    free(r);
}

/* The exact text: members in order, compact, strings escaped as jansson
 * escapes them (quotes, backslash, controls, bytes that are not UTF-8 as
 * U+FFFD). */
static void test_response_text(void)
{
    wh_admission a = {.api_version = "admission.k8s.io/v1", .uid = "u-1"};
    char *w[] = {"w1 \"q\"", "w2 \\ \x01"};
    wh_decision d = {.allowed = 0, .message = "bad \xff\t\xc3\xa9", .warnings = w, .nwarnings = 2};
    char *t = wh_admission_response(&a, &d);
    CHECK_STR(t, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                 "\"response\":{\"uid\":\"u-1\",\"allowed\":false,\"status\":{\"status\":"
                 "\"Failure\",\"message\":\"bad \xef\xbf\xbd\\t\xc3\xa9\",\"reason\":"
                 "\"Forbidden\",\"code\":403},\"warnings\":[\"w1 \\\"q\\\"\",\"w2 \\\\ "
                 "\\u0001\"],\"auditAnnotations\":{\"verdict\":\"deny\"}}}");
    free(t);
    d = (wh_decision){.allowed = 1};
    t = wh_admission_response(&a, &d);
    CHECK_STR(t, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                 "\"response\":{\"uid\":\"u-1\",\"allowed\":true,"
                 "\"auditAnnotations\":{\"verdict\":\"allow\"}}}");
    free(t);
    d = (wh_decision){.allowed = 0};
    t = wh_admission_response(&a, &d);
    CHECK_CONTAINS(t, "\"message\":\"denied\"");
    free(t);
}

/* Each container carries its own run context (pc_k8s_runctx): the pod's
 * securityContext under the container's, command and args; a run that
 * cannot be read marks its entry (denied by wh_decide, naming the field)
 * instead of refusing the review; UPDATE judges a changed run again. */
#define SC(img, sc) "{\"name\":\"" img "\",\"image\":\"img\",\"securityContext\":" sc "}"
static void test_runs(void)
{
    wh_admission a;
    char err[256] = "";
    char *r =
        review("v1", "CREATE", POD_KIND,
               "{\"spec\":{\"securityContext\":{\"runAsUser\":10001},"
               "\"initContainers\":[" SC(
                   "init", "{\"runAsUser\":0}") "],"
                                                "\"containers\":[" SC("a", "{}") "," SC(
                                                    "b", "{}") ","
                                                               "{\"name\":\"c\",\"image\":\"img\","
                                                               "\"command\":[\"/app/missing\"]}]}}",
               NULL, NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    CHECK(a.images.n == 4);
    if (a.images.n == 4) {
        const wh_image *v = a.images.v;
        CHECK(v[0].run && v[1].run && v[2].run && v[3].run);
        CHECK(v[0].run && v[0].run->user && strcmp(v[0].run->user, "0") == 0);
        CHECK(v[1].run && v[1].run->user && strcmp(v[1].run->user, "10001") == 0);
        CHECK(v[3].run && v[3].run->entrypoint_set && v[3].run->nentrypoint == 1);
        CHECK(v[1].run && v[1].run->subject == NULL); /* verdicts are shared between workloads */
        CHECK(strcmp(v[1].runkey, v[2].runkey) == 0); /* a and b: the same run */
        CHECK(strcmp(v[0].runkey, v[1].runkey) != 0);
        CHECK(strcmp(v[1].runkey, v[3].runkey) != 0);
        CHECK(!v[0].run_error && !v[1].run_error);
        char none[72];
        CHECK(pc_runctx_key(NULL, none) == 0 && strcmp(none, v[1].runkey) != 0);
        /* each entry's key, computed once and copied into the list to judge,
         * is its run's own key: the verdict lookup takes it as given */
        for (size_t i = 0; i < 4; i++) {
            char k[72];
            CHECK(v[i].run && pc_runctx_key(v[i].run, k) == 0 && strcmp(k, v[i].runkey) == 0);
        }
    }
    wh_admission_free(&a);
    free(r);

    /* a malformed run: the review parses, the entry says why */
    r = review("v1", "CREATE", POD_KIND,
               "{\"spec\":{\"containers\":[" SC(
                   "a", "{\"runAsUser\":\"10001\"}") ","
                                                     "{\"name\":\"w\",\"image\":\"img\","
                                                     "\"workingDir\":\"app\"}]}}",
               NULL, NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    CHECK(a.images.n == 2);
    if (a.images.n == 2) {
        CHECK_CONTAINS(a.images.v[0].run_error,
                       "spec.containers[0].securityContext.runAsUser: expected an integer");
        CHECK_CONTAINS(a.images.v[1].run_error, "spec.containers[1].workingDir: not an absolute");
        char none[72]; /* an unreadable run carries the key of no run context */
        CHECK(pc_runctx_key(NULL, none) == 0 && strcmp(none, a.images.v[0].runkey) == 0);
        CHECK(a.images.v[0].run == NULL);
        /* decided without a scan: denied, the message names container and field */
        wh_decide_in in = {.images = &a.images};
        wh_decision d;
        CHECK(wh_decide(&in, &d) == 0);
        CHECK(d.allowed == 0 && d.nimgs == 2); /* never grouped, even with the same image */
        CHECK(d.nimgs == 2 && d.imgs[0].outcome == WH_IMG_INVALID);
        CHECK_STR(wh_img_outcome_name(WH_IMG_INVALID), "invalid");
        CHECK_CONTAINS(d.message, "image \"img\" (container \"a\"): run context unreadable, "
                                  "denied to fail closed: spec.containers[0].securityContext."
                                  "runAsUser");
        CHECK_CONTAINS(d.message, "(container \"w\")");
        CHECK_CONTAINS(d.message, "spec.containers[1].workingDir");
        CHECK(d.nimgs == 2 && d.imgs[1].reason && strstr(d.imgs[1].reason, "workingDir"));
        wh_decision_free(&d);
    }
    wh_admission_free(&a);
    free(r);

    /* an image mounted as a volume: an entry of its own, denied unscanned
     * with the volume named; the container is judged as usual */
    r = review("v1", "CREATE", POD_KIND,
               "{\"spec\":{\"volumes\":[{\"name\":\"cfg\",\"configMap\":{\"name\":\"c\"}},"
               "{\"name\":\"kit\",\"image\":{\"reference\":\"reg/tools:1\"}}],"
               "\"containers\":[{\"name\":\"a\",\"image\":\"img\"}]}}",
               NULL, NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    CHECK(a.images.n == 2);
    if (a.images.n == 2) {
        CHECK(a.images.v[0].run_error == NULL && !a.images.v[0].mounted);
        CHECK_STR(a.images.v[1].image, "reg/tools:1");
        CHECK_STR(a.images.v[1].pointer, "/spec/volumes/1/image/reference");
        CHECK_STR(a.images.v[1].container, "kit");
        CHECK(a.images.v[1].mounted && a.images.v[1].run == NULL);
        CHECK_CONTAINS(a.images.v[1].run_error, "spec.volumes[1] (\"kit\") mounts this image");
        wh_image_list copy = {0};
        CHECK(wh_image_list_add_copy(&copy, &a.images.v[1], err, sizeof err) == 0 && copy.n == 1 &&
              copy.v[0].mounted);
        wh_decide_in in = {.images = &copy}; /* (the volume's entry alone: no scan context) */
        wh_decision d = {0};
        CHECK(copy.n == 1 && wh_decide(&in, &d) == 0);
        CHECK(d.allowed == 0);
        CHECK_CONTAINS(d.message, "image \"reg/tools:1\" (container \"kit\"): not judged, "
                                  "denied to fail closed: spec.volumes[1] (\"kit\") mounts this "
                                  "image into the pod's containers");
        wh_decision_free(&d);
        wh_image_list_free(&copy);
    }
    wh_admission_free(&a);
    free(r);
    r = review("v1", "CREATE", POD_KIND,
               "{\"spec\":{\"volumes\":[{\"name\":\"kit\",\"image\":{\"reference\":7}}],"
               "\"containers\":[{\"name\":\"a\",\"image\":\"img\"}]}}",
               NULL, NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) < 0);
    CHECK_CONTAINS(err, "spec.volumes[0].image.reference: expected an image reference");
    wh_admission_free(&a);
    free(r);

    /* a Deployment: the pod spec under the template, named so */
    r = review("v1", "CREATE", "{\"group\":\"apps\",\"version\":\"v1\",\"kind\":\"Deployment\"}",
               "{\"spec\":{\"template\":{\"spec\":{\"securityContext\":{\"fsGroup\":\"x\"},"
               "\"containers\":[" C("a") "]}}}}",
               NULL, NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    CHECK(a.images.n == 1 && a.images.v[0].run_error);
    if (a.images.n == 1)
        CHECK_CONTAINS(a.images.v[0].run_error,
                       "spec.template.spec.securityContext.fsGroup (pod level, for "
                       "spec.template.spec.containers[0])");
    wh_admission_free(&a);
    free(r);

    /* UPDATE: the same image run the same way is not judged again; run
     * another way (the securityContext changed) it is */
    r = review("v1", "UPDATE", POD_KIND, "{\"spec\":{\"containers\":[" SC("a", "{}") "]}}",
               "{\"spec\":{\"containers\":[" SC("a", "{}") "]}}", NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    CHECK(a.images.n == 0 && a.unchanged == 1);
    wh_admission_free(&a);
    free(r);
    r = review("v1", "UPDATE", POD_KIND, "{\"spec\":{\"containers\":[" SC("a", "{}") "]}}",
               "{\"spec\":{\"containers\":[" SC("a", "{\"runAsUser\":10001}") "]}}", NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    CHECK(a.images.n == 1 && a.unchanged == 0);
    CHECK(a.images.n == 1 && a.images.v[0].run && !a.images.v[0].run->user);
    wh_admission_free(&a);
    free(r);
    /* an old run that could not be read is never "the same" */
    r = review("v1", "UPDATE", POD_KIND,
               "{\"spec\":{\"containers\":[" SC("a", "{\"runAsUser\":[]}") "]}}",
               "{\"spec\":{\"containers\":[" SC("a", "{\"runAsUser\":[]}") "]}}", NULL);
    CHECK(wh_admission_parse(r, strlen(r), &a, err, sizeof err) == 0);
    CHECK(a.images.n == 1 && a.images.v[0].run_error);
    wh_admission_free(&a);
    free(r);
}

static int freed;
static void count_free(void *p)
{
    freed++;
    free(p);
}

static void test_strmap(void)
{
    wh_strmap m;
    CHECK(wh_strmap_init(&m, 2, count_free) == 0);
    CHECK(wh_strmap_put(&m, "a", strdup("1"), 0) == 0);
    CHECK(wh_strmap_put(&m, "b", strdup("2"), 0) == 0);
    CHECK(wh_strmap_get(&m, "a", 0) != NULL); /* a is now the most recent */
    CHECK(wh_strmap_put(&m, "c", strdup("3"), 0) == 0);
    CHECK(wh_strmap_get(&m, "b", 0) == NULL && freed == 1); /* b was evicted */
    CHECK(wh_strmap_put(&m, "a", strdup("4"), 100) == 0 && freed == 2);
    CHECK_STR(wh_strmap_get(&m, "a", 99), "4");
    CHECK(wh_strmap_get(&m, "a", 100) == NULL && freed == 3); /* expired */
    char *v = wh_strmap_take(&m, "c");
    CHECK_STR(v, "3");
    free(v);
    CHECK(m.count == 0);
    wh_strmap_free(&m);
}

/* Everything written to stderr while f runs, as a string (caller frees). */
static char *capture_stderr(void (*f)(void *), void *arg)
{
    FILE *tmp = tmpfile();
    char *out = NULL;
    if (!tmp)
        return NULL;
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    f(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long n = ftell(tmp) >= 0 ? lseek(fileno(tmp), 0, SEEK_END) : -1;
    if (n >= 0 && (out = calloc((size_t)n + 1, 1)) != NULL)
        if (pread(fileno(tmp), out, (size_t)n, 0) != n) {
            free(out);
            out = NULL;
        }
    fclose(tmp);
    return out;
}

typedef struct {
    wh_log_request *rq;
    wh_decision *d;
} log_args;

static void log_one(void *p)
{
    log_args *a = p;
    wh_log_decision(a->rq, a->d, 7);
}

/* The line without its "ts" value (the clock moves between two lines). */
static const char *after_ts(const char *line)
{
    const char *p = line ? strstr(line, "\",\"level\"") : NULL;
    return p ? p : "(no line)";
}

/* The decision line written directly is byte for byte the line jansson
 * writes for the same fields (the request's extra fields take jansson's
 * path; an empty object adds nothing): escapes, U+FFFD for bytes that
 * are not UTF-8, null reasons, members left out. */
static void test_log_line(void)
{
    wh_image imgs[3] = {
        {.image = "reg.example/a:1", .container = "app\t\"x\"", .runkey = "sha256:abc"},
        {.image = "b\x01\x1f\\/\xff\xc3\xa9\xed\xa0\x80z",
         .container = "",
         .run_error = "spec.containers[1].workingDir: not \"absolute\"\n"},
        {.image = "c\xe2\x80\xa8", .container = NULL, .runkey = "sha256:def"},
    };
    char r0[] = "allowed", r1[] = "bad \x7f\xf0\x9f\x98\x80 run\r";
    wh_image_decision x[3] = {
        {.img = &imgs[0], .outcome = WH_IMG_ALLOW, .reason = r0},
        {.img = &imgs[1], .outcome = WH_IMG_INVALID, .reason = r1},
        {.img = &imgs[2], .outcome = WH_IMG_DENY, .lk = {.cached = 1, .joined = 1}},
    };
    wh_decision d = {.allowed = 0, .namespace_exempt = 1, .imgs = x, .nimgs = 3, .nwarnings = 2};
    json_t *empty = json_object();
    wh_log_request direct = {"validate", "u\"id\xc0", "ns", "Pod", NULL, "CREATE", "me\\", 1, NULL};
    wh_log_request viajansson = direct;
    viajansson.extra = empty;
    log_args a = {&direct, &d}, b = {&viajansson, &d};
    char *l1 = capture_stderr(log_one, &a), *l2 = capture_stderr(log_one, &b);
    CHECK(l1 && l2 && strlen(l1) > 100);
    CHECK_STR(after_ts(l1), after_ts(l2));
    CHECK(l1 && strncmp(l1, "{\"ts\":\"", 7) == 0 && l1[strlen(l1) - 1] == '\n');
    CHECK_CONTAINS(l1, "\"image\":\"b\\u0001\\u001F\\\\/"
                       "\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\"");
    CHECK_CONTAINS(l1, "\"reasons\":[\"bad \x7f\xf0\x9f\x98\x80 run\\r\",null]");
    json_error_t je;
    json_t *parsed = l1 ? json_loads(l1, 0, &je) : NULL;
    CHECK(parsed && json_integer_value(json_object_get(parsed, "duration_ms")) == 7);
    json_decref(parsed);
    free(l1);
    free(l2);
    json_decref(empty);
}

/* One time as strftime (gmtime_r) writes it, with the milliseconds. */
static void time_ref(time_t t, long ns, char out[64])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t k = strftime(out, 64, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + k, 64 - k, ".%03ldZ", ns / 1000000L);
}

/* A line's "ts" is gmtime_r's calendar: the epoch, leap days (2000's
 * February 29th, 2100 without one, 2400 with one), the last second of
 * 9999, and 200,000 seeded random seconds in between, each with its
 * milliseconds; before 1970 and after 9999 the bounds. */
static void test_log_time(void)
{
    static const int64_t fixed[] = {0,          59,         86399,         86400,
                                    951782400,  951868799,  951868800,     4107542399,
                                    4107542400, 4107628799, 13574563200,   13574649599,
                                    1796601600, 1798243199, 253402300799LL};
    char got[WH_LOG_TIME_LEN], want[64];
    int bad = 0;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] + 200000; i++) {
        int64_t t;
        long ns;
        if (i < sizeof fixed / sizeof fixed[0]) {
            t = fixed[i];
            ns = (long)(i * 77777777L % 1000000000L);
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            t = (int64_t)(x % 253402300800ULL);
            ns = (long)(x >> 34) % 1000000000L;
        }
        struct timespec ts = {(time_t)t, ns};
        wh_log_time(got, &ts);
        time_ref((time_t)t, ns, want);
        if (strcmp(got, want) != 0 && bad++ < 3)
            fprintf(stderr, "  %lld.%09ld: %s, not %s\n", (long long)t, ns, got, want);
    }
    CHECK(bad == 0);
    struct timespec before = {-1, 0}, after = {253402300800LL, 0};
    wh_log_time(got, &before);
    CHECK_STR(got, "1970-01-01T00:00:00.000Z");
    wh_log_time(got, &after);
    CHECK_STR(got, "9999-12-31T23:59:59.999Z");
}

int main(void)
{
    test_kinds();
    test_podspec_malformed();
    test_parse_ok();
    test_parse_malformed();
    test_response();
    test_response_text();
    test_runs();
    test_strmap();
    test_log_line();
    test_log_time();
    TEST_MAIN_END();
}
