/*
 * decide.c — see decide.h.
 *
 * Order of judgement, per distinct image string and run (wh_image.runkey:
 * two containers of one image run differently are judged apart, and the
 * verdict cache keys by the run too):
 *   1. the namespace is exempt → allowed, nothing scanned;
 *   1b. the container's run context could not be read (a field of the
 *      wrong type, a relative workingDir) → denied naming the field, not
 *      scanned (fail closed: what cannot be read cannot be judged);
 *   2. exempt_images matches the reference → allowed, not scanned (the
 *      policy vouched for it by name; scanning would only add latency);
 *   3. a local transport (oci:, oci-archive:, docker-archive:) → denied
 *      without being opened: a kubelet cannot pull it, and the webhook
 *      must not read its own disk on behalf of whoever creates pods;
 *   4. otherwise the verdict (cached, shared or fresh) of the scan for
 *      this reference, as pc_verdict_of judges it: the scan's own verdict
 *      plus unpinned-image (--pin-digests passed on); a scan still running
 *      at the deadline or never queued denies (fail closed).
 *      With cached_only (the HTTP event loop, which must not block) only
 *      cached verdicts answer; one that is not makes wh_decide return 1
 *      and the request is decided again where it may wait (server.c).
 * Everything written into the message or a warning passes pc_one_line and
 * a length cut: finding paths and messages come from hostile images.
 */
#include <stdlib.h>
#include <string.h>
#include "decide.h"
#include "pcx.h"

#define FINDINGS_PER_IMAGE 8

const char *wh_img_outcome_name(wh_img_outcome o)
{
    static const char *const names[] = {"allow", "deny",  "exempt", "pending",
                                        "busy",  "local", "invalid"};
    return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "unknown";
}

static int is_local(const char *ref)
{
    static const char *const local[] = {"oci:", "oci-archive:", "docker-archive:"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        if (strncmp(ref, local[i], strlen(local[i])) == 0)
            return 1;
    return 0;
}

/* One entry per distinct image string and run, in order of first appearance. */
static int collect(const wh_decide_in *in, wh_decision *d)
{
    const wh_image_list *l = in->images;
    d->imgs = l->n ? calloc(l->n, sizeof *d->imgs) : NULL;
    if (l->n && !d->imgs)
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        size_t j = 0;
        while (j < d->nimgs && (l->v[i].run_error || d->imgs[j].img->run_error ||
                                strcmp(d->imgs[j].img->image, l->v[i].image) != 0 ||
                                strcmp(d->imgs[j].img->runkey, l->v[i].runkey) != 0))
            j++;
        if (j < d->nimgs) {
            d->imgs[j].uses++;
            continue;
        }
        wh_image_decision *x = &d->imgs[d->nimgs++];
        x->img = &l->v[i];
        x->uses = 1;
        if (!d->namespace_exempt && x->img->run_error) {
            x->outcome = WH_IMG_INVALID;
            continue;
        }
        x->exempt = d->namespace_exempt ? NULL : pc_ctx_image_exempt(in->ctx, x->img->image);
        if (d->namespace_exempt || x->exempt)
            x->outcome = WH_IMG_EXEMPT;
        else if (is_local(x->img->image))
            x->outcome = WH_IMG_LOCAL;
    }
    return 0;
}

static int scan_all(const wh_decide_in *in, wh_decision *d)
{
    const char **refs = calloc(d->nimgs ? d->nimgs : 1, sizeof *refs);
    const pc_runctx **runs = calloc(d->nimgs ? d->nimgs : 1, sizeof *runs);
    const char **keys = calloc(d->nimgs ? d->nimgs : 1, sizeof *keys);
    wh_lookup *lks = calloc(d->nimgs ? d->nimgs : 1, sizeof *lks);
    size_t *idx = calloc(d->nimgs ? d->nimgs : 1, sizeof *idx);
    size_t n = 0;
    if (!refs || !runs || !keys || !lks || !idx) {
        free(refs), free(runs), free(keys), free(lks), free(idx);
        return -1;
    }
    for (size_t i = 0; i < d->nimgs; i++)
        if (d->imgs[i].outcome != WH_IMG_EXEMPT && d->imgs[i].outcome != WH_IMG_LOCAL &&
            d->imgs[i].outcome != WH_IMG_INVALID) {
            idx[n] = i;
            runs[n] = d->imgs[i].img->run;
            keys[n] = d->imgs[i].img->runkey; /* pc_runctx_key of run, from the image list */
            refs[n++] = d->imgs[i].img->image;
        }
    if (n && in->cached_only &&
        wh_verdicts_lookup_cached(in->verdicts, refs, runs, keys, n, lks) != 0) {
        free(refs), free(runs), free(keys), free(lks), free(idx);
        return 1; /* some verdict needs a wait: nothing was looked up */
    }
    if (n && !in->cached_only)
        wh_verdicts_lookup(in->verdicts, refs, runs, keys, n, in->deadline_ms, lks);
    for (size_t k = 0; k < n; k++) {
        wh_image_decision *x = &d->imgs[idx[k]];
        x->lk = lks[k];
        const pc_result *r = wh_verdict_result(x->lk.v);
        if (x->lk.state == WH_LK_PENDING)
            x->outcome = WH_IMG_PENDING;
        else if (x->lk.state == WH_LK_BUSY || !r)
            x->outcome = WH_IMG_BUSY;
        else {
            pc_verdict_opts vo = {
                .ref = x->img->image, .pin_digests = in->pin_digests, .namespace_ = in->namespace_};
            pc_verdict_of(in->ctx, r, &vo, &x->verdict);
            x->outcome = x->verdict.denied ? WH_IMG_DENY : WH_IMG_ALLOW;
        }
    }
    free(refs), free(runs), free(keys), free(lks), free(idx);
    return 0;
}

/* "check path: message": one finding, for messages and warnings. */
static void finding_text(pc_buf *b, const pc_finding *f, int with_message)
{
    pc_buf_puts(b, f->check ? f->check : "?");
    if (f->path)
        pc_buf_printf(b, " %s", f->path);
    if (with_message && f->message)
        pc_buf_printf(b, ": %s", f->message);
}

/* Why this image is denied (or allowed), one line. */
static void image_reasons(const wh_decision *d, pc_buf *b, const wh_image_decision *x,
                          int with_message)
{
    pc_verdict_opts here = {.ref = x->img->image, .namespace_ = d->namespace_};
    const pc_result *r = wh_verdict_result(x->lk.v);
    size_t shown = 0, total = 0;
    if (x->outcome == WH_IMG_PENDING) {
        pc_buf_printf(b, "scan of %s in progress, retry", x->img->image);
        return;
    }
    if (x->outcome == WH_IMG_BUSY) {
        pc_buf_printf(b, "scanner busy, %s was not scanned, retry", x->img->image);
        return;
    }
    if (x->outcome == WH_IMG_LOCAL) {
        pc_buf_puts(b, "not a registry reference (local transports are never read)");
        return;
    }
    if (x->outcome == WH_IMG_INVALID) {
        pc_buf_printf(b, "%s, denied to fail closed: %s",
                      x->img->mounted ? "not judged" : "run context unreadable", x->img->run_error);
        return;
    }
    if (r && r->scan_failed && r->denied) {
        pc_buf_puts(b, "scan-error: the image could not be fetched or scanned (registry "
                       "unreachable or image unreadable), denied to fail closed");
        for (size_t i = 0; i < r->nfindings; i++)
            if (r->findings[i].message && strcmp(r->findings[i].check, "scan-error") == 0)
                pc_buf_printf(b, ": %s", r->findings[i].message);
        return;
    }
    for (size_t i = 0; r && i < r->nfindings; i++) {
        if (r->findings[i].action != PC_ACTION_DENY ||
            pc_verdict_waived_here(d->ctx, r, &here, &r->findings[i]))
            continue;
        if (total++ >= FINDINGS_PER_IMAGE)
            continue;
        if (shown++)
            pc_buf_puts(b, "; ");
        finding_text(b, &r->findings[i], with_message);
    }
    if (total > shown)
        pc_buf_printf(b, "; (+%zu more)", total - shown);
    if (x->verdict.unpinned == PC_ACTION_DENY)
        pc_buf_printf(b, "%sunpinned-image (no @sha256: digest in the reference)",
                      shown ? "; " : "");
}

/* Whether entry e is one of the fields decision x stands for. */
static int same_run(const wh_image *e, const wh_image *x)
{
    return e == x || (!e->run_error && !x->run_error && strcmp(e->image, x->image) == 0 &&
                      strcmp(e->runkey, x->runkey) == 0);
}

/* ` (container "a")`, or ` (containers "a", "b")` when containers run the
 * image the same way (one decision). */
static void container_names(pc_buf *b, const wh_image_list *l, const wh_image_decision *x)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += same_run(&l->v[i], x->img) && l->v[i].container[0];
    if (!n)
        return;
    pc_buf_printf(b, " (container%s ", n > 1 ? "s" : "");
    for (size_t i = 0, k = 0; i < l->n; i++)
        if (same_run(&l->v[i], x->img) && l->v[i].container[0])
            pc_buf_printf(b, "%s\"%s\"", k++ ? ", " : "", l->v[i].container);
    pc_buf_puts(b, ")");
}

static int build_message(wh_decision *d, const wh_image_list *l)
{
    pc_buf b = {0};
    size_t n = 0;
    for (size_t i = 0; i < d->nimgs; i++) {
        const wh_image_decision *x = &d->imgs[i];
        if (x->outcome == WH_IMG_ALLOW || x->outcome == WH_IMG_EXEMPT)
            continue;
        if (n++)
            pc_buf_puts(&b, " | ");
        pc_buf_printf(&b, "image \"%s\"", x->img->image);
        container_names(&b, l, x);
        pc_buf_puts(&b, ": ");
        image_reasons(d, &b, x, 1);
    }
    d->message = pc_buf_take(&b);
    if (!d->message)
        return -1;
    pc_one_line(d->message);
    pc_cut_utf8(d->message, WH_MESSAGE_MAX);
    return 0;
}

static int add_warning(wh_decision *d, size_t *dropped, pc_buf *b)
{
    char *w = pc_buf_take(b);
    if (!w)
        return -1;
    if (d->nwarnings >= WH_WARNINGS_MAX - 1) {
        free(w);
        (*dropped)++;
        return 0;
    }
    pc_one_line(w);
    pc_cut_utf8(w, WH_WARNING_MAX);
    for (size_t i = 0; i < d->nwarnings; i++)
        if (strcmp(d->warnings[i], w) == 0) { /* one image run two ways warns once */
            free(w);
            return 0;
        }
    d->warnings[d->nwarnings++] = w;
    return 0;
}

static int image_warnings(wh_decision *d, const wh_image_decision *x, size_t *dropped)
{
    const pc_result *r = wh_verdict_result(x->lk.v);
    pc_buf b = {0};
    if (x->outcome == WH_IMG_EXEMPT || x->outcome == WH_IMG_INVALID)
        return 0;
    for (size_t i = 0; r && i < r->nfindings; i++) {
        const pc_finding *f = &r->findings[i];
        if (f->action != PC_ACTION_WARN)
            continue;
        pc_buf_printf(&b, "%s: ", x->img->image);
        finding_text(&b, f, 1);
        if (add_warning(d, dropped, &b) < 0)
            return -1;
    }
    if (x->verdict.unpinned == PC_ACTION_WARN &&
        (x->outcome == WH_IMG_ALLOW || x->outcome == WH_IMG_DENY)) {
        pc_buf_printf(&b, "%s: unpinned-image (no @sha256: digest; the tag can move)",
                      x->img->image);
        if (add_warning(d, dropped, &b) < 0)
            return -1;
    }
    return 0;
}

static int build_warnings(wh_decision *d)
{
    size_t dropped = 0;
    d->warnings = calloc(WH_WARNINGS_MAX, sizeof *d->warnings);
    if (!d->warnings)
        return -1;
    for (size_t i = 0; i < d->nimgs; i++)
        if (image_warnings(d, &d->imgs[i], &dropped) < 0)
            return -1;
    if (dropped) {
        pc_buf b = {0};
        pc_buf_printf(&b, "... and %zu more warnings", dropped);
        char *w = pc_buf_take(&b);
        if (!w)
            return -1;
        d->warnings[d->nwarnings++] = w;
    }
    return 0;
}

static int build_reasons(wh_decision *d)
{
    for (size_t i = 0; i < d->nimgs; i++) {
        wh_image_decision *x = &d->imgs[i];
        pc_buf b = {0};
        if (x->outcome == WH_IMG_EXEMPT)
            pc_buf_printf(&b, "exempt: %s", d->namespace_exempt ? "namespace" : x->exempt);
        else if (x->outcome == WH_IMG_ALLOW)
            pc_buf_puts(&b, "allowed");
        else
            image_reasons(d, &b, x, 0);
        if (!(x->reason = pc_buf_take(&b)))
            return -1;
        pc_one_line(x->reason);
        pc_cut_utf8(x->reason, 1024);
    }
    return 0;
}

int wh_decide(const wh_decide_in *in, wh_decision *d)
{
    memset(d, 0, sizeof *d);
    d->server = in->server;
    d->gen = in->gen;
    d->put_gen = in->put_gen;
    d->ctx = in->ctx;
    d->namespace_ = in->namespace_;
    d->namespace_exempt = in->namespace_ && pc_ctx_namespace_exempt(in->ctx, in->namespace_);
    int rc = collect(in, d) < 0 ? -1 : scan_all(in, d);
    if (rc == 1) {
        wh_decision_free(d);
        return 1;
    }
    if (rc < 0)
        goto oom;
    d->allowed = 1;
    for (size_t i = 0; i < d->nimgs; i++)
        if (d->imgs[i].outcome != WH_IMG_ALLOW && d->imgs[i].outcome != WH_IMG_EXEMPT)
            d->allowed = 0;
    if ((!d->allowed && build_message(d, in->images) < 0) || build_warnings(d) < 0 ||
        build_reasons(d) < 0)
        goto oom;
    return 0;
oom:
    wh_decision_free(d);
    return -1;
}

void wh_decision_free(wh_decision *d)
{
    struct wh_server *server = d->server;
    struct wh_gen *gen = d->gen;
    void (*put_gen)(struct wh_server *, struct wh_gen *) = d->put_gen;
    for (size_t i = 0; i < d->nimgs; i++) {
        wh_lookup_release(&d->imgs[i].lk);
        free(d->imgs[i].reason);
    }
    free(d->imgs);
    for (size_t i = 0; i < d->nwarnings; i++)
        free(d->warnings[i]);
    free(d->warnings);
    free(d->message);
    memset(d, 0, sizeof *d);
    if (gen && put_gen)
        put_gen(server, gen); /* last: nothing of d reads ctx after this */
}

#define COUNTED_MAX 32

static void count_once(const char **seen, size_t *n, const char *check)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(seen[i], check) == 0)
            return;
    if (*n < COUNTED_MAX)
        seen[(*n)++] = check;
}

void wh_decision_count(const wh_decision *d, wh_metrics *m)
{
    static const char *const no_verdict[] = {[WH_IMG_PENDING] = "scan-pending",
                                             [WH_IMG_BUSY] = "scanner-busy",
                                             [WH_IMG_LOCAL] = "local-transport",
                                             [WH_IMG_INVALID] = "invalid-run-context"};
    const char *seen[COUNTED_MAX];
    size_t n = 0;
    if (d->allowed)
        return;
    for (size_t i = 0; i < d->nimgs; i++) {
        const wh_image_decision *x = &d->imgs[i];
        const pc_result *r = wh_verdict_result(x->lk.v);
        pc_verdict_opts here = {.ref = x->img->image, .namespace_ = d->namespace_};
        if (x->outcome == WH_IMG_ALLOW || x->outcome == WH_IMG_EXEMPT)
            continue;
        if (x->outcome != WH_IMG_DENY) {
            count_once(seen, &n, no_verdict[x->outcome]);
            continue;
        }
        for (size_t k = 0; r && k < r->nfindings; k++)
            if (r->findings[k].action == PC_ACTION_DENY && r->findings[k].check &&
                !pc_verdict_waived_here(d->ctx, r, &here, &r->findings[k]))
                count_once(seen, &n, r->findings[k].check);
        if (x->verdict.unpinned == PC_ACTION_DENY)
            count_once(seen, &n, "unpinned-image");
        if (r && r->findings_lost)
            count_once(seen, &n, "findings-lost");
    }
    if (!n) /* denied, yet no check named: still counted */
        count_once(seen, &n, "other");
    for (size_t i = 0; i < n; i++)
        wh_metrics_denial(m, seen[i], d->namespace_);
}
