/*
 * test_tes.c — the TES readers without a server: tesTask parsing (images
 * in executor order with their JSON pointers, every malformed task refused
 * with a message naming the field, keys another JSON reader could take for
 * "executors" or "image"), the executor object of an image that was never
 * scanned, and the gate's reading of request targets: every spelling a
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
    CHECK(wh_tes_parse(body, strlen(body), &t, err, sizeof err) == 0);
    CHECK(t.images.n == 3);
    if (t.images.n == 3) {
        CHECK_STR(t.images.v[0].image, "a:1");
        CHECK_STR(t.images.v[1].image, "b@sha256:00");
        CHECK_STR(t.images.v[2].pointer, "/executors/2/image");
        CHECK_STR(t.images.v[1].container, "executors[1]");
    }
    CHECK_STR(t.name, "t");
    wh_tes_task_free(&t);
}

static void check_refused(const char *body, const char *want)
{
    wh_tes_task t;
    char err[256] = "";
    CHECK(wh_tes_parse(body, strlen(body), &t, err, sizeof err) == -1);
    CHECK_CONTAINS(err, want);
    CHECK(t.root == NULL && t.images.n == 0);
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

static void check_executor_unscanned(void)
{
    wh_image img = {
        .image = "reg/app:1", .pointer = "/executors/0/image", .container = "executors[0]"};
    wh_image_decision x = {0};
    x.img = &img;
    x.outcome = WH_IMG_PENDING;
    x.reason = "scan of reg/app:1 in progress, retry";
    json_t *o = wh_tes_executor_json(3, "reg/app:1", &x, 8, NULL);
    CHECK(o != NULL);
    CHECK(json_integer_value(json_object_get(o, "index")) == 3);
    CHECK_STR(json_string_value(json_object_get(o, "verdict")), "deny");
    CHECK(json_is_null(json_object_get(o, "digest")));
    CHECK(json_is_null(json_object_get(o, "sandbox")));
    CHECK(json_array_size(json_object_get(o, "findings")) == 0);
    CHECK_CONTAINS(json_string_value(json_object_get(o, "reason")), "retry");
    json_decref(o);
    x.outcome = WH_IMG_EXEMPT;
    o = wh_tes_executor_json(0, "reg/app:1", &x, 8, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "verdict")), "allow");
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
    check_executor_unscanned();
    check_targets();
    check_upstream_urls();
    TEST_MAIN_END();
}
