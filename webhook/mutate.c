/*
 * mutate.c — POST /mutate, the MutatingAdmissionWebhook: pin every image
 * to the digest that was scanned, and attach the signed verdicts.
 *
 * The review is read exactly as /validate reads it (admission.c: same
 * versions, kinds and UPDATE rule — only images the old object did not
 * have), and each distinct image is looked up through the same verdict
 * service (wh_decide), so the scan this call starts or joins is the one
 * the validating call that follows finds in the cache. Then:
 *   - every image field written by tag whose reference resolved and was
 *     scanned is replaced by REPO:TAG@DIGEST, DIGEST being what the tag
 *     resolved to and was scanned (the index digest when the registry
 *     serves an index). References already pinned, exempt images, local
 *     transports and images that did not resolve or scan are left as
 *     written: /validate judges them (and denies them when they fail);
 *   - with --sign-key, when every image is allowed (or exempt), the pod's
 *     metadata (the pod template's for workloads) gets the annotation
 *     portcullis.io/verdicts: a JSON array of compact DSSE envelopes, one
 *     per scanned image, each naming the reference that will run. On
 *     UPDATE the envelopes the stored object carried are kept after the
 *     new ones (consumers pick the one for their digest; each is signed).
 *     A subresource (pods/ephemeralcontainers) gets pins only: the
 *     apiserver keeps nothing else of such an update.
 * The answer allows — denying by policy is /validate's job — unless a
 * scan is still running at the deadline or could not be queued: then it
 * denies "retry" like /validate, so that what is admitted always carries
 * the verdicts of what was scanned. The patch (RFC 6902) uses "replace"
 * for image fields and "add" for the annotation, escaping the key's "/"
 * as "~1" (RFC 6901); it travels base64-encoded in response.patch with
 * patchType JSONPatch.
 */
#include <openssl/evp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admission.h"
#include "log.h"
#include "mutate.h"
#include "podspec.h"
#include "report.h"
#include "sign.h"
#include "webhook.h"
#include "whutil.h"

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

int wh_mutate_annotation_op(json_t *patch, const char *meta_ptr, json_t *meta, const char *key,
                            const char *value)
{
    json_t *ann = meta ? json_object_get(meta, "annotations") : NULL, *val;
    char *esc = wh_json_pointer_escape(key);
    wh_buf path = {0};
    wh_buf_puts(&path, meta_ptr);
    if (!meta) {
        val = json_pack("{s:{s:s}}", "annotations", key, value);
    } else if (!json_is_object(ann)) {
        wh_buf_puts(&path, "/annotations");
        val = json_pack("{s:s}", key, value);
    } else {
        wh_buf_printf(&path, "/annotations/%s", esc ? esc : "");
        val = json_string(value);
    }
    char *p = wh_buf_take(&path);
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
    const char *why; /* why it is not (for the log), or NULL */
} plan;

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

static size_t decision_of(const wh_decision *d, const char *image)
{
    size_t j = 0;
    while (j < d->nimgs && strcmp(d->imgs[j].img->image, image) != 0)
        j++;
    return j;
}

/* "replace" of every image field whose image was pinned. */
static int image_ops(const wh_admission *a, const wh_decision *d, plan *p)
{
    for (size_t i = 0; i < a->images.n; i++) {
        const wh_image *f = &a->images.v[i];
        size_t j = decision_of(d, f->image);
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
static int all_allowed(const wh_decision *d, const plan *p)
{
    for (size_t i = 0; i < d->nimgs; i++) {
        const wh_image_decision *x = &d->imgs[i];
        const pc_result *r = wh_verdict_result(x->lk.v);
        if (x->outcome == WH_IMG_EXEMPT)
            continue;
        if (!r || r->scan_failed || r->denied)
            return 0;
        if (x->outcome != WH_IMG_ALLOW && !(x->outcome == WH_IMG_DENY && p->pins[i]))
            return 0;
    }
    return 1;
}

/* One signed envelope per scanned image; NULL when signing failed. */
static json_t *sign_all(wh_signer *sg, const wh_decision *d, const plan *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < d->nimgs; i++) {
        const wh_image_decision *x = &d->imgs[i];
        if (x->outcome == WH_IMG_EXEMPT)
            continue;
        char *env =
            wh_signer_sign(sg, wh_verdict_result(x->lk.v), p->pins[i] ? p->pins[i] : x->img->image);
        json_t *e = env ? json_loads(env, 0, NULL) : NULL;
        free(env);
        if (!e || json_array_append_new(arr, e) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static size_t dumped_len(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    size_t n = s ? strlen(s) : SIZE_MAX / 2;
    free(s);
    return n;
}

/* UPDATE: append the envelopes the stored object's annotation holds, as
 * long as the whole stays under WH_ANNOTATION_MAX bytes. */
static void keep_old(const wh_admission *a, json_t *arr, size_t used)
{
    char ptr[META_PTR_MAX];
    json_t *meta, *old = json_object_get(json_object_get(a->root, "request"), "oldObject");
    if (strcmp(a->operation, "UPDATE") != 0 ||
        wh_podspec_pod_metadata(a->group, a->kind, old, ptr, sizeof ptr, &meta) < 0 || !meta)
        return;
    json_t *v = json_object_get(json_object_get(meta, "annotations"), WH_VERDICTS_ANNOTATION);
    if (!json_is_string(v) || json_string_length(v) > WH_ANNOTATION_MAX)
        return;
    json_t *prev = json_loadb(json_string_value(v), json_string_length(v), JSON_REJECT_DUPLICATES,
                              NULL),
           *e;
    size_t i;
    json_array_foreach(prev, i, e)
    {
        if (!json_is_object(e))
            continue;
        size_t n = dumped_len(e) + 1;
        if (n > WH_ANNOTATION_MAX - used)
            break;
        if (json_array_append(arr, e) == 0)
            used += n;
    }
    json_decref(prev);
}

/* The annotation op, when there is a key and every image is allowed. */
static int annotation_ops(wh_server *s, const wh_admission *a, const wh_decision *d, plan *p)
{
    char ptr[META_PTR_MAX];
    json_t *meta, *obj = json_object_get(json_object_get(a->root, "request"), "object");
    if (!s->signer || !d->nimgs || a->sub_resource[0] ||
        wh_podspec_pod_metadata(a->group, a->kind, obj, ptr, sizeof ptr, &meta) < 0)
        return 0;
    if (!all_allowed(d, p)) {
        p->why = "not every image is allowed";
        return 0;
    }
    json_t *arr = sign_all(s->signer, d, p);
    if (!arr)
        return -1;
    size_t used = dumped_len(arr);
    if (json_array_size(arr) == 0 || used > WH_ANNOTATION_MAX) {
        p->why = json_array_size(arr) ? "annotation too large" : "no image was scanned";
        json_decref(arr);
        return 0;
    }
    keep_old(a, arr, used);
    char *val = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(arr);
    int rc = val ? wh_mutate_annotation_op(p->patch, ptr, meta, WH_VERDICTS_ANNOTATION, val) : -1;
    free(val);
    p->annotated = rc == 0;
    return rc;
}

/* 1 with *msg when some scan is still running or was never queued. */
static int retry_message(const wh_decision *d, char **msg)
{
    wh_buf b = {0};
    size_t n = 0;
    for (size_t i = 0; i < d->nimgs; i++) {
        const wh_image_decision *x = &d->imgs[i];
        if (x->outcome != WH_IMG_PENDING && x->outcome != WH_IMG_BUSY)
            continue;
        wh_buf_printf(&b, "%simage \"%s\"", n++ ? " | " : "", x->img->image);
        if (x->img->container[0])
            wh_buf_printf(&b, " (container \"%s\")", x->img->container);
        if (x->outcome == WH_IMG_PENDING)
            wh_buf_printf(&b, ": scan of %s in progress, retry", x->img->image);
        else
            wh_buf_printf(&b, ": scanner busy, %s was not scanned, retry", x->img->image);
    }
    *msg = n ? wh_buf_take(&b) : NULL;
    wh_buf_free(&b);
    if (n && !*msg)
        return -1;
    if (*msg) {
        wh_one_line(*msg);
        wh_cut_utf8(*msg, WH_MESSAGE_MAX);
    }
    return n ? 1 : 0;
}

static char *base64(const char *s)
{
    size_t n = strlen(s);
    if (n > INT_MAX / 2)
        return NULL;
    char *o = malloc(4 * ((n + 2) / 3) + 1);
    if (o)
        EVP_EncodeBlock((unsigned char *)o, (const unsigned char *)s, (int)n);
    return o;
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
        char *b64 = js ? base64(js) : NULL;
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

static void log_mutation(const wh_admission *a, const wh_decision *d, const plan *p,
                         const char *deny, uint64_t ms)
{
    json_t *extra = json_pack("{s:s, s:I, s:b}", "verdict", deny ? "deny" : "allow", "pinned",
                              (json_int_t)p->npinned, "annotated", p->annotated);
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
    wh_decision d;
    plan p = {0};
    char *deny = NULL;
    /* mutate pins, so pin_digests does not apply here */
    if (wh_admission_decide(s, rq, "mutate", 0, &a, &d, out) < 0)
        return;
    int rc = retry_message(&d, &deny);
    if (rc == 0 && (!(p.patch = json_array()) || make_pins(&d, &p) < 0 ||
                    image_ops(&a, &d, &p) < 0 || annotation_ops(s, &a, &d, &p) < 0))
        rc = -1;
    if (rc < 0) {
        wh_metrics_error(&s->metrics, WH_ERR_INTERNAL);
        wh_reply_error(out, 500, "out of memory or signing failed");
    } else {
        wh_reply_json(out, 200, answer(&a, deny, &p));
        out->verdict = out->status != 200 ? WH_V_ERROR : deny ? WH_V_DENY : WH_V_ALLOW;
        log_mutation(&a, &d, &p, deny, wh_now_ms() - rq->start_ms);
    }
    free(deny);
    plan_free(&p, d.nimgs);
    wh_decision_free(&d);
    wh_admission_free(&a);
}
