/*
 * admission.c — see admission.h, and the /validate route.
 *
 * The review is parsed into a pc_jdoc (portcullis_jdoc.h: what jansson's
 * strict parse accepts, duplicate keys refused, depth bounded by the
 * parser, one arena for the whole review), then read along fixed paths only: apiVersion, kind,
 * request.{uid, kind, operation, namespace, name, subResource, dryRun,
 * userInfo.username, object, oldObject}. CREATE and UPDATE are judged
 * (UPDATE only for the runs the old object did not already have — the same
 * image run the same way, its run key equal: those were admitted before;
 * a changed securityContext or command is a new run); DELETE and CONNECT
 * carry no new image and are allowed. Each container is judged with its
 * own run context (podspec.c, pc_k8s_runctx).
 * A subresource such as pods/ephemeralcontainers sends the whole Pod, so
 * the new ephemeral container's image is exactly what UPDATE filtering
 * leaves.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../gen.h"
#include "admission.h"
#include "../http/log.h"
#include "podspec.h"
#include "../webhook.h"
#include "pcx.h"

#define UID_MAX 256
#define V1 "admission.k8s.io/v1"
#define V1BETA1 "admission.k8s.io/v1beta1"

/* A string member, or NULL; *bad is set when present but not a string. */
static const char *get_str(const pc_jval *o, const char *key, int *bad)
{
    const pc_jval *v = pc_jget(o, key);
    if (!pc_jis_none(v) && !pc_jis(v, PC_JSTR))
        *bad = 1;
    return pc_jstr(v);
}

static int fail(wh_admission *a, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(wh_admission *a, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    wh_admission_free(a);
    return -1;
}

static int read_envelope(wh_admission *a, const pc_jval **req, char *err, size_t errlen)
{
    int bad = 0;
    const pc_jval *root = pc_jdoc_root(a->doc);
    if (!pc_jis(root, PC_JOBJ))
        return fail(a, err, errlen, "request body: expected a JSON object");
    a->api_version = get_str(root, "apiVersion", &bad);
    const char *kind = get_str(root, "kind", &bad);
    if (!a->api_version ||
        (strcmp(a->api_version, V1) != 0 && strcmp(a->api_version, V1BETA1) != 0))
        return fail(a, err, errlen, "apiVersion: expected " V1 " or " V1BETA1);
    if (!kind || strcmp(kind, "AdmissionReview") != 0)
        return fail(a, err, errlen, "kind: expected AdmissionReview");
    *req = pc_jget(root, "request");
    if (!pc_jis(*req, PC_JOBJ))
        return fail(a, err, errlen, "request: missing or not an object");
    a->uid = get_str(*req, "uid", &bad);
    if (bad || !a->uid || !*a->uid || strlen(a->uid) > UID_MAX)
        return fail(a, err, errlen, "request.uid: missing, empty or longer than 256 bytes");
    return 0;
}

static int read_request(wh_admission *a, const pc_jval *req, char *err, size_t errlen)
{
    int bad = 0;
    const pc_jval *k = pc_jget(req, "kind");
    if (!pc_jis(k, PC_JOBJ))
        return fail(a, err, errlen, "request.kind: missing or not an object");
    a->group = get_str(k, "group", &bad);
    a->version = get_str(k, "version", &bad);
    a->kind = get_str(k, "kind", &bad);
    a->operation = get_str(req, "operation", &bad);
    a->namespace_ = get_str(req, "namespace", &bad);
    a->name = get_str(req, "name", &bad);
    a->sub_resource = get_str(req, "subResource", &bad);
    a->user = get_str(pc_jget(req, "userInfo"), "username", &bad);
    const pc_jval *dry = pc_jget(req, "dryRun");
    if (bad || !a->kind || (!pc_jis_none(dry) && !pc_jis_bool(dry)))
        return fail(a, err, errlen,
                    "request: kind.kind, operation, namespace, name, subResource, "
                    "userInfo.username must be strings and dryRun a boolean");
    if (!a->operation)
        return fail(a, err, errlen, "request.operation: missing");
    a->group = a->group ? a->group : "";
    a->sub_resource = a->sub_resource ? a->sub_resource : "";
    a->dry_run = pc_jis(dry, PC_JTRUE);
    if (!wh_podspec_known(a->group, a->kind))
        return fail(a, err, errlen, "request.kind: unknown object kind \"%.64s\"", a->kind);
    return 0;
}

/* The images to judge: the object's, minus the old object's on UPDATE. */
static int read_images(wh_admission *a, const pc_jval *req, char *err, size_t errlen)
{
    char why[384];
    const pc_jval *obj = pc_jget(req, "object"), *old = pc_jget(req, "oldObject");
    if (!pc_jis(obj, PC_JOBJ))
        return fail(a, err, errlen, "request.object: missing or not an object");
    if (!a->name || !*a->name) { /* CREATE with generateName has no name yet */
        int bad = 0;
        const pc_jval *md = pc_jget(obj, "metadata");
        const char *n = get_str(md, "name", &bad), *g = get_str(md, "generateName", &bad);
        a->name = n && *n ? n : g;
    }
    wh_image_list all = {0}, before = {0};
    int rc = wh_podspec_images(a->group, a->kind, obj, &all, why, sizeof why);
    if (rc == 0 && strcmp(a->operation, "UPDATE") == 0 && pc_jis(old, PC_JOBJ))
        rc = wh_podspec_images(a->group, a->kind, old, &before, why, sizeof why);
    if (rc == 0 && before.n == 0) { /* nothing ran before: every entry, moved */
        a->images = all;
        memset(&all, 0, sizeof all);
    }
    for (size_t i = 0; rc == 0 && i < all.n; i++) {
        if (wh_image_list_has_run(&before, &all.v[i])) {
            a->unchanged++;
            continue;
        }
        rc = wh_image_list_add_copy(&a->images, &all.v[i], why, sizeof why);
    }
    wh_image_list_free(&all);
    wh_image_list_free(&before);
    if (rc < 0)
        return fail(a, err, errlen, "request.object: %s", why);
    return 0;
}

int wh_admission_parse(const char *body, size_t len, wh_admission *a, char *err, size_t errlen)
{
    char msg[256];
    const pc_jval *req = NULL;
    memset(a, 0, sizeof *a);
    if (!(a->doc = pc_jdoc_parse(body, len, 0, msg, sizeof msg)))
        return fail(a, err, errlen, "request body is not valid JSON: %s", msg);
    if (read_envelope(a, &req, err, errlen) < 0 || read_request(a, req, err, errlen) < 0)
        return -1;
    a->req = req;
    if (strcmp(a->operation, "CREATE") != 0 && strcmp(a->operation, "UPDATE") != 0)
        return 0; /* DELETE, CONNECT: nothing new will run */
    return read_images(a, req, err, errlen);
}

void wh_admission_free(wh_admission *a)
{
    pc_jdoc_free(a->doc);
    wh_image_list_free(&a->images);
    memset(a, 0, sizeof *a);
}

/* Written directly (no jansson object): compact, members in this order,
 * strings as jansson writes them (pc_buf_json_str); unit/test_wh_admission
 * holds the exact text. */
char *wh_admission_response(const wh_admission *a, const wh_decision *d)
{
    pc_buf b = {0};
    if (pc_grow((void **)&b.p, &b.cap, 512, 1) < 0) /* one allocation for a usual answer */
        b.oom = 1;
    pc_buf_puts(&b, "{\"apiVersion\":");
    pc_buf_json_str(&b, a->api_version);
    pc_buf_puts(&b, ",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":");
    pc_buf_json_str(&b, a->uid);
    pc_buf_puts(&b, d->allowed ? ",\"allowed\":true" : ",\"allowed\":false");
    if (!d->allowed) {
        pc_buf_puts(&b, ",\"status\":{\"status\":\"Failure\",\"message\":");
        pc_buf_json_str(&b, d->message ? d->message : "denied");
        pc_buf_puts(&b, ",\"reason\":\"Forbidden\",\"code\":403}");
    }
    if (d->nwarnings) {
        pc_buf_puts(&b, ",\"warnings\":[");
        for (size_t i = 0; i < d->nwarnings; i++) {
            if (i)
                pc_buf_add(&b, ",", 1);
            pc_buf_json_str(&b, d->warnings[i]);
        }
        pc_buf_add(&b, "]", 1);
    }
    pc_buf_puts(&b, d->allowed ? ",\"auditAnnotations\":{\"verdict\":\"allow\"}}}"
                               : ",\"auditAnnotations\":{\"verdict\":\"deny\"}}}");
    return pc_buf_take(&b); /* NULL when out of memory: never an answer without the denial */
}

int wh_admission_decide(wh_server *s, const wh_http_req *rq, const char *endpoint, int pin_digests,
                        wh_admission *a, wh_decision *d, wh_reply *out)
{
    char err[512];
    if (wh_admission_parse(rq->body, rq->len, a, err, sizeof err) < 0) {
        wh_metrics_error(&s->metrics, WH_ERR_BAD_REQUEST);
        wh_logf("warn", "%s: bad request: %s", endpoint, err);
        wh_reply_error(out, 400, "%s", err);
        return -1;
    }
    wh_gen *g = wh_gen_get(s);
    wh_decide_in in = {.server = s,
                       .gen = g,
                       .put_gen = wh_gen_put,
                       .ctx = g ? g->ctx : NULL,
                       .verdicts = g ? g->verdicts : NULL,
                       .namespace_ = a->namespace_,
                       .images = &a->images,
                       .deadline_ms = wh_request_deadline(s, rq),
                       .pin_digests = pin_digests,
                       .cached_only = !rq->may_wait};
    int rc = g ? wh_decide(&in, d) : -1;
    if (rc == 1) { /* a verdict to wait for: again on a request worker */
        wh_admission_free(a);
        out->defer = 1;
        return -1;
    }
    if (rc < 0) {
        wh_admission_free(a);
        wh_metrics_error(&s->metrics, WH_ERR_INTERNAL);
        wh_reply_error(out, 500, "out of memory");
        return -1;
    }
    return 0;
}

void wh_route_validate(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    wh_admission a;
    wh_decision d;
    if (wh_admission_decide(s, rq, "validate", s->cfg.pin_digests, &a, &d, out) < 0)
        return;
    wh_reply_text(out, 200, "application/json", wh_admission_response(&a, &d));
    out->verdict = out->status != 200 ? WH_V_ERROR : d.allowed ? WH_V_ALLOW : WH_V_DENY;
    wh_log_request lr = {"validate",  a.uid,  a.namespace_, a.kind, a.name,
                         a.operation, a.user, a.dry_run,    NULL};
    wh_log_decision(&lr, &d, pc_now_ms() - rq->start_ms);
    wh_decision_count(&d, &s->metrics);
    wh_decision_free(&d);
    wh_admission_free(&a);
}
