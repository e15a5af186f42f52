/*
 * tes.c — see tes.h, and the POST /tes/validate route.
 *
 * Reading a task. The body is parsed with jansson (duplicate keys
 * refused, depth bounded by the parser, trailing bytes refused) and read
 * along two paths only: executors[] and executors[i].image. The same
 * bytes may then go to a TES server whose JSON reader differs from ours,
 * so anything two readers could disagree on is refused rather than
 * guessed: a key that differs from "executors" or "image" only in case
 * (Go's encoding/json matches keys case-insensitively, folding 'ſ' (long
 * s) to 's'), duplicate keys, a NUL in a string.
 *
 * Answering. wh_decide judges each distinct image once; the answer then
 * walks the executors in task order and looks up the decision of each
 * executor's image, so two executors running one image both say so. The
 * denial message names, per denied executor, its index, its image and the
 * denying checks with their paths (the decision's one-line reason).
 * Findings in the answer are bounded: TES_FINDINGS_TOTAL over the whole
 * answer, so a task listing one hostile image 512 times stays small.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../http/log.h"
#include "portcullis_json.h"
#include "../sign.h"
#include "tes.h"
#include "pcx.h"

#define TES_FINDINGS_TOTAL 4096 /* finding objects in one answer, at most */
#define TES_FINDINGS_MIN 8      /* per executor, whatever the task's size */
#define TES_FINDINGS_MAX 256    /* per executor */
#define TES_NAME_LOG_MAX 256    /* bytes of tesTask.name in the log */

static int say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* key folded the way a lenient reader would match it: ASCII lower case,
 * U+017F (long s) as 's' (Go also folds U+212A, the Kelvin sign, to 'k',
 * but neither key we read has a 'k'). 0 when it does not fit in out
 * (then it cannot match a short key). */
static int fold_key(const char *key, char *out, size_t n)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p; w++) {
        if (w + 1 >= n)
            return 0;
        if (p[0] == 0xC5 && p[1] == 0xBF) {
            out[w] = 's', p += 2;
        } else {
            out[w] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            p++;
        }
    }
    out[w] = 0;
    return 1;
}

/* -1 when obj has a key another reader could take for `want`. */
static int lookalike_key(json_t *obj, const char *want, const char *where, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    char folded[32];
    json_object_foreach(obj, k, v)
    {
        if (strcmp(k, want) != 0 && fold_key(k, folded, sizeof folded) && strcmp(folded, want) == 0)
            return say(err, errlen,
                       "%s%s\"%.40s\": differs from \"%s\" only in case; refused as ambiguous",
                       where, *where ? "." : "", k, want);
    }
    return 0;
}

/* executors[i]: its image into t->images. -2 when out of memory. */
static int read_executor(wh_tes_task *t, size_t i, json_t *e, char *err, size_t errlen)
{
    char where[40], ptr[48];
    snprintf(where, sizeof where, "executors[%zu]", i);
    if (!json_is_object(e))
        return say(err, errlen, "%s: expected an object (a tesExecutor)", where);
    if (lookalike_key(e, "image", where, err, errlen) < 0)
        return -1;
    json_t *img = json_object_get(e, "image");
    if (!img || json_is_null(img))
        return say(err, errlen, "%s.image: missing", where);
    if (!json_is_string(img))
        return say(err, errlen, "%s.image: expected a string", where);
    const char *s = json_string_value(img);
    size_t n = json_string_length(img);
    if (n == 0)
        return say(err, errlen, "%s.image: empty", where);
    if (n > WH_MAX_IMAGE_LEN || strlen(s) != n)
        return say(err, errlen, "%s.image: longer than %d bytes or holding a NUL byte", where,
                   WH_MAX_IMAGE_LEN);
    snprintf(ptr, sizeof ptr, "/executors/%zu/image", i);
    return wh_image_list_add(&t->images, s, ptr, where, err, errlen) < 0 ? -2 : 0;
}

static int read_task(wh_tes_task *t, char *err, size_t errlen)
{
    if (!json_is_object(t->root))
        return say(err, errlen, "request body: expected a JSON object (a TES v1.1 tesTask)");
    if (lookalike_key(t->root, "executors", "", err, errlen) < 0)
        return -1;
    json_t *ex = json_object_get(t->root, "executors"), *e;
    size_t i;
    if (!ex || json_is_null(ex))
        return say(err, errlen, "executors: missing (a tesTask runs at least one executor)");
    if (!json_is_array(ex))
        return say(err, errlen, "executors: expected an array");
    if (json_array_size(ex) == 0)
        return say(err, errlen, "executors: empty (a tesTask runs at least one executor)");
    if (json_array_size(ex) > WH_MAX_IMAGES)
        return say(err, errlen, "executors: more than %d", WH_MAX_IMAGES);
    json_array_foreach(ex, i, e)
    {
        int rc = read_executor(t, i, e, err, errlen);
        if (rc < 0)
            return rc;
    }
    t->name = json_string_value(json_object_get(t->root, "name"));
    return 0;
}

int wh_tes_parse(const char *body, size_t len, wh_tes_task *t, char *err, size_t errlen)
{
    json_error_t je;
    memset(t, 0, sizeof *t);
    t->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!t->root)
        return say(err, errlen, "request body is not valid JSON: %s (line %d, column %d)", je.text,
                   je.line, je.column);
    int rc = read_task(t, err, errlen);
    if (rc < 0)
        wh_tes_task_free(t);
    return rc;
}

void wh_tes_task_free(wh_tes_task *t)
{
    json_decref(t->root);
    wh_image_list_free(&t->images);
    memset(t, 0, sizeof *t);
}

/* The shown findings of x's scan (warn and deny, as the scan report shows
 * them), plus unpinned-image when the verdict has it. */
static json_t *findings_json(const wh_image_decision *x, size_t max, size_t *omitted)
{
    const pc_result *r = wh_verdict_result(x->lk.v);
    json_t *a = json_array();
    for (size_t i = 0; a && r && i < r->nfindings; i++) {
        if (!pc_report_finding_shown(&r->findings[i]))
            continue;
        if (json_array_size(a) >= max) {
            (*omitted)++;
            continue;
        }
        if (json_array_append_new(a, pc_finding_to_json(&r->findings[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    pc_finding f;
    if (a && r && pc_verdict_unpinned_finding(&x->verdict, &f) == 0) {
        if (json_array_append_new(a, pc_finding_to_json(&f)) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The signed verdict of a scanned image (its DSSE envelope), or null: no
 * key, not scanned, or the scan failed. NULL when signing failed. */
static json_t *attestation_json(wh_signer *signer, const pc_result *r, const char *image)
{
    if (!signer || !r || r->scan_failed)
        return json_null();
    char *env = wh_signer_sign(signer, r, image);
    json_t *v = env ? json_loads(env, 0, NULL) : NULL;
    free(env);
    return v;
}

json_t *wh_tes_executor_json(size_t index, const char *image, const wh_image_decision *x,
                             size_t max_findings, wh_signer *signer)
{
    const pc_result *r = wh_verdict_result(x->lk.v);
    int ok = x->outcome == WH_IMG_ALLOW || x->outcome == WH_IMG_EXEMPT;
    size_t omitted = 0;
    int bad = 0;
    json_t *o = json_object();
    if (!o)
        return NULL;
    bad |= json_object_set_new(o, "index", json_integer((json_int_t)index));
    bad |= json_object_set_new(o, "image", pc_json_string(image));
    bad |= json_object_set_new(o, "digest", pc_json_string(r ? r->digest : NULL));
    bad |= json_object_set_new(o, "verdict", json_string(ok ? "allow" : "deny"));
    bad |= json_object_set_new(o, "reason", pc_json_string(x->reason));
    bad |= json_object_set_new(o, "findings", findings_json(x, max_findings, &omitted));
    bad |= json_object_set_new(o, "sandbox", r ? pc_sandbox_to_json(&r->sandbox) : json_null());
    bad |= json_object_set_new(o, "attestation", attestation_json(signer, r, image));
    if (omitted)
        bad |= json_object_set_new(o, "findings_omitted", json_integer((json_int_t)omitted));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const wh_image_decision *decision_of(const wh_decision *d, const char *image)
{
    for (size_t i = 0; i < d->nimgs; i++)
        if (strcmp(d->imgs[i].img->image, image) == 0)
            return &d->imgs[i];
    return NULL;
}

static int img_ok(const wh_image_decision *x)
{
    return x->outcome == WH_IMG_ALLOW || x->outcome == WH_IMG_EXEMPT;
}

/* "allowed: 2 executors" or "denied: executor 1 (image "..."): check path; ..." */
static char *tes_message(const wh_tes_task *t, const wh_decision *d)
{
    pc_buf b = {0};
    size_t n = t->images.n, k = 0;
    if (d->allowed) {
        pc_buf_printf(&b, "allowed: %zu executor%s", n, n == 1 ? "" : "s");
        if (d->nwarnings)
            pc_buf_printf(&b, ", %zu warning%s", d->nwarnings, d->nwarnings == 1 ? "" : "s");
    }
    for (size_t i = 0; !d->allowed && i < n && b.len <= WH_MESSAGE_MAX; i++) {
        const wh_image_decision *x = decision_of(d, t->images.v[i].image);
        if (!x || img_ok(x))
            continue;
        pc_buf_printf(&b, "%sexecutor %zu (image \"%s\"): %s", k++ ? " | " : "denied: ", i,
                      t->images.v[i].image, x->reason ? x->reason : "denied");
    }
    char *m = pc_buf_take(&b);
    if (m) {
        pc_one_line(m);
        pc_cut_utf8(m, WH_MESSAGE_MAX);
    }
    return m;
}

static json_t *executors_json(const wh_tes_task *t, const wh_decision *d, wh_signer *signer)
{
    size_t n = t->images.n, per = n ? TES_FINDINGS_TOTAL / n : TES_FINDINGS_MAX;
    per = per < TES_FINDINGS_MIN   ? TES_FINDINGS_MIN
          : per > TES_FINDINGS_MAX ? TES_FINDINGS_MAX
                                   : per;
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        const wh_image_decision *x = decision_of(d, t->images.v[i].image);
        json_t *e = x ? wh_tes_executor_json(i, t->images.v[i].image, x, per, signer) : NULL;
        if (json_array_append_new(a, e) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The answer document; NULL when out of memory. */
static json_t *answer_json(const wh_tes_task *t, const wh_decision *d, wh_signer *signer)
{
    char *msg = tes_message(t, d);
    json_t *doc = json_object(), *w = json_array();
    int bad = !msg || !doc || !w;
    for (size_t i = 0; !bad && i < d->nwarnings; i++)
        bad |= json_array_append_new(w, pc_json_string(d->warnings[i]));
    if (!bad) {
        bad |= json_object_set_new(doc, "allowed", json_boolean(d->allowed));
        bad |= json_object_set_new(doc, "message", pc_json_string(msg));
        bad |= json_object_set_new(doc, "warnings", w);
        w = NULL;
        bad |= json_object_set_new(doc, "executors", executors_json(t, d, signer));
    }
    free(msg);
    json_decref(w);
    if (bad) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static void log_decision(const char *endpoint, const wh_tes_task *t, const wh_decision *d,
                         uint64_t start_ms)
{
    char name[TES_NAME_LOG_MAX + 1];
    if (t->name) {
        snprintf(name, sizeof name, "%s", t->name);
        pc_one_line(name);
        pc_cut_utf8(name, TES_NAME_LOG_MAX);
    }
    json_t *extra = json_pack("{s:I}", "executors", (json_int_t)t->images.n);
    wh_log_request lr = {
        .endpoint = endpoint, .kind = "tesTask", .name = t->name ? name : NULL, .extra = extra};
    wh_log_decision(&lr, d, pc_now_ms() - start_ms);
    json_decref(extra);
}

int wh_tes_judge(wh_server *s, const wh_http_req *rq, const char *endpoint, wh_reply *out,
                 int *allowed)
{
    wh_tes_task t;
    wh_decision d;
    char err[512];
    *allowed = 0;
    int rc = wh_tes_parse(rq->body, rq->len, &t, err, sizeof err);
    if (rc < 0) {
        wh_metrics_error(&s->metrics, rc == -2 ? WH_ERR_INTERNAL : WH_ERR_BAD_REQUEST);
        wh_logf("warn", "%s: bad request: %s", endpoint, err);
        wh_reply_error(out, rc == -2 ? 503 : 400, "%s", err);
        return -1;
    }
    wh_decide_in in = {.ctx = s->ctx,
                       .verdicts = s->verdicts,
                       .images = &t.images,
                       .deadline_ms = wh_request_deadline(s, rq)};
    if (wh_decide(&in, &d) < 0) {
        wh_tes_task_free(&t);
        wh_metrics_error(&s->metrics, WH_ERR_INTERNAL);
        wh_reply_error(out, 503, "out of memory");
        return -1;
    }
    wh_reply_json(out, 200, answer_json(&t, &d, s->signer));
    *allowed = out->status == 200 && d.allowed;
    out->verdict = out->status != 200 ? WH_V_ERROR : d.allowed ? WH_V_ALLOW : WH_V_DENY;
    log_decision(endpoint, &t, &d, rq->start_ms);
    wh_decision_free(&d);
    wh_tes_task_free(&t);
    return out->status == 200 ? 0 : -1;
}

void wh_route_tes_validate(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    int allowed;
    wh_tes_judge(s, rq, "tes-validate", out, &allowed);
}
