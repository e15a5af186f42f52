/*
 * imagereview.c — POST /imagereview, the backend of the ImagePolicyWebhook
 * admission plugin (imagepolicy.k8s.io/v1alpha1 ImageReview).
 *
 * The plugin sends spec.containers[].image, spec.namespace and
 * spec.annotations (only the pod annotations matching
 * the "*.image-policy.k8s.io/..." ones, e.g. a break-glass marker); it expects
 * status.allowed, status.reason and optionally status.auditAnnotations.
 * ImageReview has no uid and no ?timeout=: the deadline is the default
 * timeout minus the margin. Annotations are logged by key only.
 *
 * The plugin sends no pod spec — no securityContext, command, args,
 * workingDir or env — so each image is judged with no run context: as its
 * own config says (USER, ENTRYPOINT, CMD), under the policy's sandbox.
 * That is the run key of no run context, so these verdicts are never
 * mixed with /validate's for a container run some other way. An image
 * that only a pod's runAsUser makes acceptable is denied here: use the
 * ValidatingAdmissionWebhook (/validate) for per-container judgement.
 * The review is read as /validate reads its own (a pc_jdoc: jansson's
 * strict parse); the annotation keys are logged in key order.
 */
#include <stdio.h>
#include <string.h>
#include "../gen.h"
#include "decide.h"
#include "../http/log.h"
#include "portcullis_jdoc.h"
#include "portcullis_json.h"
#include "../webhook.h"
#include "pcx.h"

#define IR_VERSION "imagepolicy.k8s.io/v1alpha1"
#define ANNOTATIONS_MAX 64

typedef struct image_review {
    pc_jdoc *doc;
    const char *namespace_;
    const pc_jval *annotations; /* object of strings, or NULL */
    wh_image_list images;
} image_review;

static int read_containers(image_review *r, const pc_jval *spec, char *err, size_t errlen)
{
    char ptr[64];
    const pc_jval *cs = pc_jget(spec, "containers");
    if (!pc_jis_none(cs) && !pc_jis(cs, PC_JARR)) {
        snprintf(err, errlen, "spec.containers: expected an array");
        return -1;
    }
    for (size_t i = 0; cs && i < cs->n; i++) {
        const pc_jval *c = pc_jat(cs, i), *img = pc_jget(c, "image");
        if (!pc_jis(c, PC_JOBJ) || !pc_jis(img, PC_JSTR) || !img->n || img->n > WH_MAX_IMAGE_LEN ||
            strlen(img->u.s) != img->n) {
            snprintf(err, errlen,
                     "spec.containers[%zu].image: expected a non-empty string of at most %d bytes",
                     i, WH_MAX_IMAGE_LEN);
            return -1;
        }
        snprintf(ptr, sizeof ptr, "/spec/containers/%zu/image", i);
        if (wh_image_list_add(&r->images, img->u.s, ptr, NULL, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static int read_review(image_review *r, const char *body, size_t len, char *err, size_t errlen)
{
    char msg[256];
    memset(r, 0, sizeof *r);
    if (!(r->doc = pc_jdoc_parse(body, len, 0, msg, sizeof msg))) {
        snprintf(err, errlen, "request body is not valid JSON: %s", msg);
        return -1;
    }
    const pc_jval *root = pc_jdoc_root(r->doc);
    const char *v = pc_jstr(pc_jget(root, "apiVersion"));
    const char *k = pc_jstr(pc_jget(root, "kind"));
    const pc_jval *spec = pc_jget(root, "spec");
    if (!v || strcmp(v, IR_VERSION) != 0 || !k || strcmp(k, "ImageReview") != 0) {
        snprintf(err, errlen, "expected apiVersion " IR_VERSION " and kind ImageReview");
        return -1;
    }
    if (!pc_jis(spec, PC_JOBJ)) {
        snprintf(err, errlen, "spec: missing or not an object");
        return -1;
    }
    const pc_jval *ns = pc_jget(spec, "namespace"), *an = pc_jget(spec, "annotations");
    if ((!pc_jis_none(ns) && !pc_jis(ns, PC_JSTR)) || (!pc_jis_none(an) && !pc_jis(an, PC_JOBJ))) {
        snprintf(err, errlen, "spec.namespace must be a string and spec.annotations an object");
        return -1;
    }
    r->namespace_ = pc_jstr(ns);
    r->annotations = pc_jis(an, PC_JOBJ) ? an : NULL;
    return read_containers(r, spec, err, errlen);
}

static json_t *audit_annotations(const wh_decision *d)
{
    pc_buf b = {0};
    for (size_t i = 0; i < d->nimgs; i++) {
        const pc_result *r = wh_verdict_result(d->imgs[i].lk.v);
        pc_buf_printf(&b, "%s%s=%s%s%s", i ? ", " : "", d->imgs[i].img->image,
                      wh_img_outcome_name(d->imgs[i].outcome), r && r->digest ? "@" : "",
                      r && r->digest ? r->digest : "");
    }
    char *s = pc_buf_take(&b);
    if (s)
        pc_cut_utf8(s, 2048);
    json_t *o = json_pack("{s:s, s:o}", "verdict", d->allowed ? "allow" : "deny", "images",
                          pc_json_string(s ? s : ""));
    free(s);
    return o;
}

static json_t *review_response(const wh_decision *d)
{
    json_t *status = json_pack("{s:b, s:o}", "allowed", d->allowed, "reason",
                               pc_json_string(d->allowed ? "" : d->message));
    if (status && d->allowed && d->nwarnings) /* allowed with warnings: say so in the reason */
        json_object_set_new(status, "reason", pc_json_string(d->warnings[0]));
    if (status)
        json_object_set_new(status, "auditAnnotations", audit_annotations(d));
    return json_pack("{s:s, s:s, s:o}", "apiVersion", IR_VERSION, "kind", "ImageReview", "status",
                     status);
}

static json_t *annotation_keys(const pc_jval *an)
{
    json_t *keys = json_array();
    for (size_t i = 0; keys && i < an->n && i < ANNOTATIONS_MAX; i++)
        json_array_append_new(keys, pc_json_string(an->u.m[i].key));
    return keys;
}

void wh_route_imagereview(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    image_review r;
    wh_decision d;
    char err[512];
    if (read_review(&r, rq->body, rq->len, err, sizeof err) < 0) {
        pc_jdoc_free(r.doc);
        wh_image_list_free(&r.images);
        wh_metrics_error(&s->metrics, WH_ERR_BAD_REQUEST);
        wh_logf("warn", "imagereview: bad request: %s", err);
        wh_reply_error(out, 400, "%s", err);
        return;
    }
    wh_gen *g = wh_gen_get(s);
    wh_decide_in in = {.server = s,
                       .gen = g,
                       .put_gen = wh_gen_put,
                       .ctx = g ? g->ctx : NULL,
                       .verdicts = g ? g->verdicts : NULL,
                       .namespace_ = r.namespace_,
                       .images = &r.images,
                       .deadline_ms = wh_request_deadline(s, rq),
                       .pin_digests = s->cfg.pin_digests,
                       .cached_only = !rq->may_wait};
    int rc = g ? wh_decide(&in, &d) : -1;
    if (rc != 0) {
        pc_jdoc_free(r.doc);
        wh_image_list_free(&r.images);
        if (rc == 1) /* a verdict to wait for: again on a request worker */
            out->defer = 1;
        else
            wh_reply_error(out, 500, "out of memory");
        return;
    }
    wh_reply_json(out, 200, review_response(&d));
    out->verdict = out->status != 200 ? WH_V_ERROR : d.allowed ? WH_V_ALLOW : WH_V_DENY;
    json_t *keys = r.annotations ? annotation_keys(r.annotations) : NULL;
    json_t *extra = keys ? json_pack("{s:o}", "annotation_keys", keys) : NULL;
    wh_log_request lr = {"imagereview", NULL, r.namespace_, "ImageReview", NULL, NULL,
                         NULL,          0,    extra};
    wh_log_decision(&lr, &d, pc_now_ms() - rq->start_ms);
    wh_decision_count(&d, &s->metrics);
    json_decref(extra);
    wh_decision_free(&d);
    pc_jdoc_free(r.doc);
    wh_image_list_free(&r.images);
}
