/*
 * cli_workload.c — cli_workload.h: objects of a manifest to the runs of
 * their containers, with the kinds and the run context of
 * portcullis_k8s.h, so `scan --manifest` judges a container as the
 * webhook would at admission.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_workload.h"
#include "pcx.h"
#include "portcullis_k8s.h"

typedef struct wl {
    cli_runs *runs;
    const char *name;
    char *err;
    size_t errlen;
} wl;

static const char *str(const pc_jval *obj, const char *key)
{
    return pc_jstr(pc_jget(obj, key));
}

/* "Deployment prod/web" (or "Deployment web" without a namespace), shown safely. */
static void ident(const pc_jval *obj, const char *kind, char *out, size_t n)
{
    const pc_jval *meta = pc_jopt(obj, "metadata");
    const char *name = str(meta, "name"), *ns = str(meta, "namespace");
    char k[64], s[128], m[256];
    pc_safe_str(kind, k, sizeof k);
    pc_safe_str(ns ? ns : "", s, sizeof s);
    pc_safe_str(name                        ? name
                : str(meta, "generateName") ? str(meta, "generateName")
                                            : "(unnamed)",
                m, sizeof m);
    snprintf(out, n, "%s %s%s%s", k, s, ns ? "/" : "", m);
}

/* "NAME:LINE: WHO: message" into w->err; -1. */
static int bad(wl *w, size_t line, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(wl *w, size_t line, const char *who, const char *fmt, ...)
{
    int k = snprintf(w->err, w->errlen, "%s:%zu: %s: ", w->name, line, who);
    if (k >= 0 && (size_t)k < w->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->err + k, w->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int add_run(wl *w, size_t line, const char *who, const char *image, pc_runctx *rc,
                   const char *subject)
{
    cli_runs *r = w->runs;
    if (pc_grow((void **)&r->v, &r->cap, r->n + 1, sizeof *r->v) < 0)
        goto oom;
    cli_run *x = &r->v[r->n];
    memset(x, 0, sizeof *x);
    if (!(rc->subject = pc_strdup(subject)) || pc_runctx_key(rc, x->key) < 0 ||
        !(x->image = pc_strdup(image)))
        goto oom;
    x->rc = *rc;
    r->n++;
    return 0;
oom:
    pc_runctx_free(rc);
    return bad(w, line, who, "out of memory");
}

static const char *const list_word[PC_K8S_NLISTS] = {"init container", "container",
                                                     "ephemeral container"};

static int containers(wl *w, size_t line, const char *who, const pc_jval *spec, const char *at)
{
    for (int l = 0; l < PC_K8S_NLISTS; l++) {
        const pc_jval *a = pc_jopt(spec, pc_k8s_lists[l]);
        char where[512];
        snprintf(where, sizeof where, "%s%s%s", at, *at ? "." : "", pc_k8s_lists[l]);
        if (!a)
            continue;
        if (!pc_jis(a, PC_JARR))
            return bad(w, line, who, "%s: expected an array of containers", where);
        for (size_t i = 0; i < a->n; i++) {
            const pc_jval *c = pc_jat(a, i);
            char cw[600], cname[128], subject[1024], e[768];
            snprintf(cw, sizeof cw, "%s[%zu]", where, i);
            if (!pc_jis(c, PC_JOBJ))
                return bad(w, line, who, "%s: expected an object", cw);
            const pc_jval *img = pc_jopt(c, "image");
            if (!img || (pc_jis(img, PC_JSTR) && !img->n))
                continue; /* no image: a controller may default it; nothing to judge */
            const char *image = pc_jstr(img);
            size_t ilen = image ? strlen(image) : 0;
            if (!image || ilen != img->n || strchr(image, '\n') || image[0] == ' ' ||
                image[ilen - 1] == ' ')
                return bad(w, line, who,
                           "%s.image: expected an image reference (a string without blanks "
                           "around it)",
                           cw);
            const char *n = str(c, "name");
            if (n)
                pc_safe_str(n, cname, sizeof cname);
            else
                snprintf(cname, sizeof cname, "#%zu", i);
            pc_runctx rc;
            if (pc_k8s_runctx(spec, c, cw, &rc, e, sizeof e) < 0)
                return bad(w, line, who, "%s", e);
            snprintf(subject, sizeof subject, "%s, %s %s", who, list_word[l], cname);
            if (add_run(w, line, who, image, &rc, subject) < 0)
                return -1;
        }
    }
    return 0;
}

static int object(wl *w, const pc_jval *obj, size_t line)
{
    const char *kind = str(obj, "kind"), *api = str(obj, "apiVersion");
    if (!kind || !api)
        return 0; /* not a Kubernetes object */
    const pc_jval *items = pc_jopt(obj, "items");
    size_t kl = strlen(kind);
    if (pc_jis(items, PC_JARR) && kl >= 4 && strcmp(kind + kl - 4, "List") == 0) {
        for (size_t i = 0; i < items->n; i++)
            if (object(w, pc_jat(items, i), line) < 0) /* depth: the document's, at most 64 */
                return -1;
        return 0;
    }
    char group[256];
    const char *slash = strchr(api, '/');
    snprintf(group, sizeof group, "%.*s", slash ? (int)(slash - api) : 0, api);
    const char *const *path = pc_k8s_spec_path(group, kind);
    if (!path)
        return 0; /* holds no pod spec: Service, ConfigMap, ... */
    char who[512], at[256] = "";
    ident(obj, kind, who, sizeof who);
    const pc_jval *spec = obj;
    for (size_t i = 0; path[i]; i++) {
        size_t l = strlen(at);
        snprintf(at + l, sizeof at - l, "%s%s", l ? "." : "", path[i]);
        const pc_jval *x = pc_jopt(spec, path[i]);
        if (!x)
            return bad(w, line, who, "%s: missing (no pod spec)", at);
        if (!pc_jis(x, PC_JOBJ))
            return bad(w, line, who, "%s: expected an object", at);
        spec = x;
    }
    if (containers(w, line, who, spec, at) < 0)
        return -1;
    /* an image the pod mounts as a volume: its files reach the containers,
     * but no run of it is judged (the webhook denies it): refused */
    const char *vname, *ref;
    int k;
    for (size_t i = 0; (k = pc_k8s_image_volume(spec, i, &vname, &ref)) >= 0; i++) {
        char sv[128], sr[300];
        if (k == 0)
            continue;
        pc_safe_str(vname, sv, sizeof sv);
        pc_safe_str(ref ? ref : "", sr, sizeof sr);
        return bad(w, line, who,
                   "%s%svolumes[%zu] (\"%s\") mounts image \"%s\": an image mounted as a "
                   "volume is not judged (its files reach the containers, which can copy and run "
                   "them)",
                   at, *at ? "." : "", i, sv, sr);
    }
    return 0;
}

int cli_runs_add(cli_runs *runs, const char *name, const cli_docs *docs, char *err, size_t errlen)
{
    wl w = {runs, name, err, errlen};
    for (size_t i = 0; i < docs->n; i++) {
        char e[256];
        if (!json_is_object(docs->v[i].v))
            continue; /* not a Kubernetes object */
        /* read as the webhook reads a review (NULs kept, to be refused where they matter) */
        pc_jdoc *d = pc_jdoc_from_json(docs->v[i].v, e, sizeof e);
        int rc = d ? object(&w, pc_jdoc_root(d), docs->v[i].line)
                   : bad(&w, docs->v[i].line, "document", "%s", e);
        pc_jdoc_free(d);
        if (rc < 0)
            return -1;
    }
    return 0;
}

void cli_runs_free(cli_runs *runs)
{
    for (size_t i = 0; i < runs->n; i++) {
        free(runs->v[i].image);
        pc_runctx_free(&runs->v[i].rc);
    }
    free(runs->v);
    memset(runs, 0, sizeof *runs);
}
