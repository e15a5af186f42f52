/*
 * mutate.c — POST /mutate, the MutatingAdmissionWebhook: pin every image
 * to the digest that was scanned, and attach the signed verdicts.
 *
 * The review is read exactly as /validate reads it (admission.c: same
 * versions, kinds and UPDATE rule — only images the old object did not
 * have), and each distinct image and run (a container's run context:
 * its securityContext over the pod's, command, args, ...) is looked up
 * through the same verdict service (wh_decide), so the scan this call
 * starts or joins is the one the validating call that follows finds in
 * the cache. Then:
 *   - every image field written by tag whose reference resolved and was
 *     scanned is replaced by REPO:TAG@DIGEST, DIGEST being what the tag
 *     resolved to and was scanned (the index digest when the registry
 *     serves an index), from the field's own decision (a digest is the
 *     same whatever the run). References already pinned, exempt images, local
 *     transports and images that did not resolve or scan are left as
 *     written: /validate judges them (and denies them when they fail);
 *   - the annotation portcullis.io/verdicts on the pod's metadata (the pod
 *     template's for workloads) only ever holds envelopes this call
 *     signed: with --sign-key, when every image of the object is allowed
 *     (or exempt), a JSON array of compact DSSE envelopes, one per
 *     scanned image and run, each naming the reference that will run and
 *     the run key it judged; otherwise
 *     whatever came in under that key is removed. Whoever writes the
 *     object writes its annotations too, the stored object's included
 *     (oldObject on UPDATE), so nothing is carried over from either. On
 *     UPDATE the images the old object had are not judged again by
 *     /validate, but their verdicts are looked up here (the cache, or a
 *     scan) and signed again, so that every container keeps one. An
 *     UPDATE that adds no image and leaves the annotation as stored gets
 *     no annotation operation: the stored value is what an earlier call
 *     wrote, and rewriting it would change a workload's pod template (a
 *     rollout) on every update. A subresource (pods/ephemeralcontainers)
 *     gets pins only: the apiserver keeps nothing else of such an update.
 * The answer allows — denying by policy is /validate's job — unless a
 * scan is still running at the deadline or could not be queued (for a
 * new image, or for an old one whose verdict is to be signed again):
 * then it denies "retry" like /validate, so that what is admitted always
 * carries the verdicts of what was scanned. The patch (RFC 6902) uses
 * "replace" for image fields, "add" for the annotation and "remove" for
 * one that came in and is not ours, escaping the key's "/" as "~1"
 * (RFC 6901); it travels base64-encoded in response.patch with patchType
 * JSONPatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../gen.h"
#include "admission.h"
#include "../http/log.h"
#include "mutate.h"
#include "podspec.h"
#include "portcullis_json.h"
#include "../sign.h"
#include "../webhook.h"
#include "pcx.h"

#define META_PTR_MAX 128

int wh_mutate_pin(const char *ref, const char *digest, char **out)
{
    *out = NULL;
    size_t n = strlen(ref);
    if (!n || n > 4096 || strchr(ref, '@') || strncmp(digest, "sha256:", 7) != 0 ||
        strlen(digest) != 71 || strspn(digest + 7, "0123456789abcdef") != 64)
        return 0;
    if (!(*out = malloc(n + 1 + 71 + 1)))
        return -1;
    memcpy(*out, ref, n);
    (*out)[n] = '@';
    memcpy(*out + n + 1, digest, 72);
    return 1;
}

char *wh_json_pointer_escape(const char *key)
{
    size_t n = strlen(key), extra = 0;
    for (const char *p = key; *p; p++)
        extra += *p == '~' || *p == '/';
    if (n > SIZE_MAX / 2 - 1)
        return NULL;
    char *o = malloc(n + extra + 1), *q = o;
    for (const char *p = key; o && *p; p++) {
        if (*p == '~' || *p == '/') {
            *q++ = '~';
            *q++ = *p == '~' ? '0' : '1';
        } else {
            *q++ = *p;
        }
    }
    if (o)
        *q = 0;
    return o;
}

int wh_mutate_annotation_op(json_t *patch, const char *meta_ptr, const pc_jval *meta,
                            const char *key, const char *value)
{
    const pc_jval *ann = pc_jget(meta, "annotations");
    json_t *val;
    char *esc = wh_json_pointer_escape(key);
    pc_buf path = {0};
    pc_buf_puts(&path, meta_ptr);
    if (!meta) {
        val = json_pack("{s:{s:s}}", "annotations", key, value);
    } else if (!pc_jis(ann, PC_JOBJ)) {
        pc_buf_puts(&path, "/annotations");
        val = json_pack("{s:s}", key, value);
    } else {
        pc_buf_printf(&path, "/annotations/%s", esc ? esc : "");
        val = json_string(value);
    }
    char *p = pc_buf_take(&path);
    json_t *op =
        p && esc && val ? json_pack("{s:s, s:s, s:O}", "op", "add", "path", p, "value", val) : NULL;
    free(p);
    free(esc);
    json_decref(val);
    return op && json_array_append_new(patch, op) == 0 ? 0 : -1;
}

/* What this call changes, per distinct image of the decision. */
typedef struct plan {
    char **pins;     /* d.imgs[i] pinned, or NULL: left as written */
    json_t *patch;   /* the JSON Patch operations */
    size_t npinned;  /* image fields replaced */
    int annotated;   /* the verdicts annotation is set */
    int removed;     /* an annotation that came in is removed */
    const char *why; /* why it is not set (for the log), or NULL */
} plan;

/* Where the annotation goes, and whether this call writes it. */
typedef struct ann_site {
    int rewrite; /* 1: set it to what this call signs, or remove it */
    char ptr[META_PTR_MAX];
    const pc_jval *meta;     /* the pod metadata in request.object, or NULL */
    const pc_jval *incoming; /* the annotation's value in request.object, or NULL */
} ann_site;

static int make_pins(const wh_decision *d, plan *p)
{
    p->pins = calloc(d->nimgs ? d->nimgs : 1, sizeof *p->pins);
    if (!p->pins)
        return -1;
    for (size_t i = 0; i < d->nimgs; i++) {
        const wh_image_decision *x = &d->imgs[i];
        const pc_result *r = wh_verdict_result(x->lk.v);
        if ((x->outcome != WH_IMG_ALLOW && x->outcome != WH_IMG_DENY) ||
            x->lk.state != WH_LK_DONE || !r || r->scan_failed || !x->lk.digest[0])
            continue; /* not resolved and scanned: left for /validate to judge */
        if (wh_mutate_pin(x->img->image, x->lk.digest, &p->pins[i]) < 0)
            return -1;
    }
    return 0;
}

/* The decision of field f: the one for its own image and run (decide.c
 * groups by both); d->nimgs when there is none. */
static size_t decision_of(const wh_decision *d, const wh_image *f)
{
    for (size_t j = 0; j < d->nimgs; j++) {
        const wh_image *g = d->imgs[j].img;
        if (g == f || (!f->run_error && !g->run_error && strcmp(g->image, f->image) == 0 &&
                       strcmp(g->runkey, f->runkey) == 0))
            return j;
    }
    return d->nimgs;
}

/* "replace" of every image field whose image was pinned: by its own
 * decision's lookup (a pinned digest is the same whatever the run). */
static int image_ops(const wh_admission *a, const wh_decision *d, plan *p)
{
    for (size_t i = 0; i < a->images.n; i++) {
        const wh_image *f = &a->images.v[i];
        size_t j = decision_of(d, f);
        if (j >= d->nimgs || !p->pins[j])
            continue;
        json_t *op =
            json_pack("{s:s, s:s, s:s}", "op", "replace", "path", f->pointer, "value", p->pins[j]);
        if (!op || json_array_append_new(p->patch, op) < 0)
            return -1;
        p->npinned++;
    }
    return 0;
}

/* 1 when every image is allowed or exempt once pinned (an image denied
 * only for being unpinned is allowed after the pin). */
static int all_allowed(const wh_decision *d, char *const *pins)
{
    for (size_t i = 0; d && i < d->nimgs; i++) {
        const wh_image_decision *x = &d->imgs[i];
        const pc_result *r = wh_verdict_result(x->lk.v);
        if (x->outcome == WH_IMG_EXEMPT)
            continue;
        if (!r || r->scan_failed || r->denied)
            return 0;
        if (x->outcome != WH_IMG_ALLOW && !(x->outcome == WH_IMG_DENY && pins && pins[i]))
            return 0;
    }
    return 1;
}

/* Append one signed envelope per scanned image of d (pins: the pinned
 * references, or NULL: as written); -1 when signing failed. */
static int sign_all(wh_signer *sg, const wh_decision *d, char *const *pins, json_t *arr)
{
    for (size_t i = 0; d && i < d->nimgs; i++) {
        const wh_image_decision *x = &d->imgs[i];
        if (x->outcome == WH_IMG_EXEMPT)
            continue;
        char *env = wh_signer_sign(sg, wh_verdict_result(x->lk.v),
                                   pins && pins[i] ? pins[i] : x->img->image);
        json_t *e = env ? json_loads(env, 0, NULL) : NULL;
        free(env);
        if (!e || json_array_append_new(arr, e) < 0)
            return -1;
    }
    return 0;
}

static size_t dumped_len(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    size_t n = s ? strlen(s) : SIZE_MAX / 2;
    free(s);
    return n;
}

static const pc_jval *verdicts_of(const pc_jval *meta)
{
    return pc_jget(pc_jget(meta, "annotations"), WH_VERDICTS_ANNOTATION);
}

/* Whether this call writes the annotation (see the top of the file). */
static void find_site(const wh_admission *a, ann_site *st)
{
    char old_ptr[META_PTR_MAX];
    const pc_jval *req = a->req, *old_meta = NULL;
    memset(st, 0, sizeof *st);
    int create = strcmp(a->operation, "CREATE") == 0, update = strcmp(a->operation, "UPDATE") == 0;
    if ((!create && !update) || a->sub_resource[0] ||
        wh_podspec_pod_metadata(a->group, a->kind, pc_jget(req, "object"), st->ptr, sizeof st->ptr,
                                &st->meta) < 0)
        return;
    st->incoming = verdicts_of(st->meta);
    if (update && wh_podspec_pod_metadata(a->group, a->kind, pc_jget(req, "oldObject"), old_ptr,
                                          sizeof old_ptr, &old_meta) < 0)
        old_meta = NULL;
    const pc_jval *stored = verdicts_of(old_meta);
    int unchanged = (!st->incoming && !stored) || pc_jequal(st->incoming, stored);
    st->rewrite = create || a->images.n > 0 || !unchanged;
}

/* UPDATE: the images the old object had too (not judged by /validate),
 * decided here so their verdicts can be signed again. 0 with *rest empty
 * when there are none; -1 when out of memory; 1 when a verdict is to be
 * waited for and rq may not wait (wh_decide). */
static int decide_unchanged(wh_server *s, const wh_http_req *rq, const wh_admission *a,
                            wh_image_list *rest, wh_decision *rd)
{
    char why[384];
    wh_image_list all = {0};
    const pc_jval *obj = pc_jget(a->req, "object");
    int rc = wh_podspec_images(a->group, a->kind, obj, &all, why, sizeof why);
    for (size_t i = 0; rc == 0 && i < all.n; i++)
        if (!wh_image_list_has_run(&a->images, &all.v[i]))
            rc = wh_image_list_add_copy(rest, &all.v[i], why, sizeof why);
    wh_image_list_free(&all);
    if (rc < 0 || !rest->n)
        return rc;
    wh_gen *g = wh_gen_get(s);
    wh_decide_in in = {.server = s,
                       .gen = g,
                       .put_gen = wh_gen_put,
                       .ctx = g ? g->ctx : NULL,
                       .verdicts = g ? g->verdicts : NULL,
                       .namespace_ = a->namespace_,
                       .images = rest,
                       .deadline_ms = wh_request_deadline(s, rq),
                       .pin_digests = 0,
                       .cached_only = !rq->may_wait};
    rc = g ? wh_decide(&in, rd) : -1;
    return rc;
}

static int remove_op(json_t *patch, const char *meta_ptr)
{
    char *esc = wh_json_pointer_escape(WH_VERDICTS_ANNOTATION);
    pc_buf path = {0};
    pc_buf_printf(&path, "%s/annotations/%s", meta_ptr, esc ? esc : "");
    char *p = pc_buf_take(&path);
    json_t *op = p && esc ? json_pack("{s:s, s:s}", "op", "remove", "path", p) : NULL;
    free(p);
    free(esc);
    return op && json_array_append_new(patch, op) == 0 ? 0 : -1;
}

/* The annotation: set to the envelopes signed now for every image of the
 * object (d: the new ones, rd: on UPDATE the old ones), or, when that
 * cannot be done, removed if it came in. */
static int annotation_ops(wh_server *s, const ann_site *st, const wh_decision *d,
                          const wh_decision *rd, plan *p)
{
    if (!st->rewrite)
        return 0;
    json_t *arr = NULL;
    if (!s->signer)
        p->why = "no --sign-key";
    else if (!all_allowed(d, p->pins) || !all_allowed(rd, NULL))
        p->why = "not every image is allowed";
    else if (!(arr = json_array()) || sign_all(s->signer, d, p->pins, arr) < 0 ||
             sign_all(s->signer, rd, NULL, arr) < 0) {
        json_decref(arr);
        return -1;
    }
    size_t used = arr ? dumped_len(arr) : 0;
    if (arr && (json_array_size(arr) == 0 || used > WH_ANNOTATION_MAX))
        p->why = json_array_size(arr) ? "annotation too large" : "no image was scanned";
    if (p->why) {
        json_decref(arr);
        p->removed = st->incoming != NULL;
        return st->incoming ? remove_op(p->patch, st->ptr) : 0;
    }
    char *val = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(arr);
    int rc = val ? wh_mutate_annotation_op(p->patch, st->ptr, st->meta, WH_VERDICTS_ANNOTATION, val)
                 : -1;
    free(val);
    p->annotated = rc == 0;
    return rc;
}

/* 1 with *msg when some scan (of d's images, or rd's) is still running
 * or was never queued. */
static int retry_message(const wh_decision *d, const wh_decision *rd, char **msg)
{
    pc_buf b = {0};
    size_t n = 0;
    for (size_t k = 0; k < d->nimgs + rd->nimgs; k++) {
        const wh_image_decision *x = k < d->nimgs ? &d->imgs[k] : &rd->imgs[k - d->nimgs];
        if (x->outcome != WH_IMG_PENDING && x->outcome != WH_IMG_BUSY)
            continue;
        pc_buf_printf(&b, "%simage \"%s\"", n++ ? " | " : "", x->img->image);
        if (x->img->container[0])
            pc_buf_printf(&b, " (container \"%s\")", x->img->container);
        if (x->outcome == WH_IMG_PENDING)
            pc_buf_printf(&b, ": scan of %s in progress, retry", x->img->image);
        else
            pc_buf_printf(&b, ": scanner busy, %s was not scanned, retry", x->img->image);
    }
    *msg = n ? pc_buf_take(&b) : NULL;
    pc_buf_free(&b);
    if (n && !*msg)
        return -1;
    if (*msg) {
        pc_one_line(*msg);
        pc_cut_utf8(*msg, WH_MESSAGE_MAX);
    }
    return n ? 1 : 0;
}

/* The AdmissionReview answer: allowed with the patch, or the retry denial. */
static json_t *answer(const wh_admission *a, const char *deny, const plan *p)
{
    char pinned[32];
    snprintf(pinned, sizeof pinned, "%zu", p->npinned);
    json_t *resp = json_pack("{s:s, s:b, s:{s:s}}", "uid", a->uid, "allowed", !deny,
                             "auditAnnotations", "pinned", pinned);
    json_t *doc = json_pack("{s:s, s:s, s:o}", "apiVersion", a->api_version, "kind",
                            "AdmissionReview", "response", resp);
    if (!doc)
        return NULL;
    int ok = 1;
    if (deny) {
        ok = json_object_set_new(resp, "status",
                                 json_pack("{s:s, s:o, s:s, s:i}", "status", "Failure", "message",
                                           pc_json_string(deny), "reason", "Forbidden", "code",
                                           403)) == 0;
    } else if (json_array_size(p->patch)) {
        char *js = json_dumps(p->patch, JSON_COMPACT | JSON_PRESERVE_ORDER);
        char *b64 = js ? pc_base64_encode(js, strlen(js)) : NULL;
        ok = b64 && json_object_set_new(resp, "patchType", json_string("JSONPatch")) == 0 &&
             json_object_set_new(resp, "patch", json_string(b64)) == 0;
        free(js);
        free(b64);
    }
    if (!ok) {
        json_decref(doc);
        return NULL; /* never answer without the denial or with half a patch */
    }
    return doc;
}

static void log_mutation(const wh_admission *a, const wh_decision *d, const wh_decision *rd,
                         const plan *p, const char *deny, uint64_t ms)
{
    json_t *extra = json_pack("{s:s, s:I, s:b, s:b, s:I}", "verdict", deny ? "deny" : "allow",
                              "pinned", (json_int_t)p->npinned, "annotated", p->annotated,
                              "annotation_removed", p->removed, "unchanged_images_signed",
                              (json_int_t)(p->annotated ? rd->nimgs : 0));
    if (extra && p->why)
        json_object_set_new(extra, "not_annotated", json_string(p->why));
    wh_log_request lr = {"mutate",     a->uid,  a->namespace_, a->kind, a->name,
                         a->operation, a->user, a->dry_run,    extra};
    wh_log_decision(&lr, d, ms);
    json_decref(extra);
}

static void plan_free(plan *p, size_t n)
{
    for (size_t i = 0; p->pins && i < n; i++)
        free(p->pins[i]);
    free(p->pins);
    json_decref(p->patch);
}

void wh_route_mutate(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    wh_admission a;
    wh_decision d, rd = {0};
    wh_image_list rest = {0};
    ann_site st;
    plan p = {0};
    char *deny = NULL;
    /* mutate pins, so pin_digests does not apply here */
    if (wh_admission_decide(s, rq, "mutate", 0, &a, &d, out) < 0)
        return;
    find_site(&a, &st);
    int rc = st.rewrite && s->signer && strcmp(a.operation, "UPDATE") == 0
                 ? decide_unchanged(s, rq, &a, &rest, &rd)
                 : 0;
    if (rc == 1) { /* a verdict to wait for: again on a request worker */
        out->defer = 1;
        wh_image_list_free(&rest);
        wh_decision_free(&d);
        wh_admission_free(&a);
        return;
    }
    if (rc == 0)
        rc = retry_message(&d, &rd, &deny);
    if (rc == 0 && (!(p.patch = json_array()) || make_pins(&d, &p) < 0 ||
                    image_ops(&a, &d, &p) < 0 || annotation_ops(s, &st, &d, &rd, &p) < 0))
        rc = -1;
    if (rc < 0) {
        wh_metrics_error(&s->metrics, WH_ERR_INTERNAL);
        wh_reply_error(out, 500, "out of memory or signing failed");
    } else {
        wh_reply_json(out, 200, answer(&a, deny, &p));
        out->verdict = out->status != 200 ? WH_V_ERROR : deny ? WH_V_DENY : WH_V_ALLOW;
        log_mutation(&a, &d, &rd, &p, deny, pc_now_ms() - rq->start_ms);
    }
    free(deny);
    plan_free(&p, d.nimgs);
    wh_decision_free(&rd);
    wh_image_list_free(&rest);
    wh_decision_free(&d);
    wh_admission_free(&a);
}
