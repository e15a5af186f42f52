/*
 * fuzz_view.h — what the layer targets do with the facts of layers that
 * walked: apply them to a view, and check the facts cache against it.
 *
 * fzv_apply builds the view of the first n layers (stopping at the first
 * layer the applier refuses) and returns a listing of every node (path,
 * type, mode, owner, size, link, devices, capability, layer). fzv_cached
 * encodes each layer's facts as the cache stores them, decodes them and
 * builds the view again: the listing and the applier's verdict must not
 * change, or a cached scan would judge another filesystem than a fresh
 * one. fzv_checks runs every check over the view and builds the inspect
 * JSON, as a scan does.
 */
#ifndef PC_FUZZ_VIEW_H
#define PC_FUZZ_VIEW_H

#include <stdlib.h>
#include <string.h>
#include "cache.h"
#include "check.h"
#include "fsview.h"
#include "fuzz.h"
#include "passwd.h"
#include "pcx.h"
#include "view.h"

static inline void fzv_line(void *ud, const char *path, const pc_node *n)
{
    pc_buf *b = ud;
    const pc_entry *e = n->e;
    pc_buf_printf(b, "%s %d %o %u:%u L%u", path, (int)n->type, pc_node_mode(n), pc_node_uid(n),
                  pc_node_gid(n), n->layer);
    if (e)
        pc_buf_printf(b, " s%llu d%u,%u c%d%d%d:%llx:%llx:%u h%d -> %s",
                      (unsigned long long)e->size, e->devmajor, e->devminor, e->has_cap, e->cap_bad,
                      e->cap.effective, (unsigned long long)e->cap.permitted,
                      (unsigned long long)e->cap.inheritable, e->cap.rootid, (int)e->head,
                      e->link ? e->link : "");
    pc_buf_puts(b, "\n");
}

/* Apply f[0..n) to a fresh view *v: how many layers applied (< n when
 * one was refused). *listing (malloc'd) lists the view when every layer
 * applied, else says where it stopped. */
static inline size_t fzv_apply(pc_fsview *v, const pc_layer_facts *f, size_t n, char **listing)
{
    pc_err e;
    size_t i = 0;
    *listing = NULL;
    if (pc_fsview_init(v) < 0)
        return (size_t)-1;
    for (; i < n; i++)
        if (pc_fsview_apply(v, &f[i], (uint32_t)i, &e) < 0) {
            FZ_LOG("apply %zu: %s\n", i, e.msg);
            break;
        }
    pc_buf b = {0};
    /* a scan stops at a refused layer and never looks at the view */
    int walked = i == n ? pc_fsview_walk(v, fzv_line, &b) : 0;
    pc_buf_printf(&b, "applied %zu walk %d\n", i, walked);
    *listing = b.oom ? NULL : b.p;
    if (b.oom)
        pc_buf_free(&b);
    return i;
}

/* The cache round trip of f[0..n) must give the same view as listing. */
static inline void fzv_cached(const pc_layer_facts *f, size_t n, size_t applied,
                              const char *listing)
{
    pc_layer_facts g[4];
    size_t k = 0;
    for (; k < n && k < 4; k++) {
        unsigned char *enc;
        size_t len;
        pc_layer_facts_init(&g[k]);
        if (pc_facts_encode(&f[k], &enc, &len) < 0)
            break;
        int rc = pc_facts_decode(enc, len, &g[k]);
        free(enc);
        FZ_CHECK(rc == 0, "layer %zu: encoded facts do not decode", k);
        memcpy(g[k].digest, f[k].digest, sizeof g[k].digest);
    }
    if (k == n && listing) {
        pc_fsview v;
        char *l2;
        size_t a2 = fzv_apply(&v, g, n, &l2);
        if (l2) {
            FZ_CHECK(a2 == applied && strcmp(listing, l2) == 0,
                     "the view from cached facts differs:\n--- fresh\n%s--- cached\n%s", listing,
                     l2);
            free(l2);
        }
        pc_fsview_free(&v);
    }
    for (size_t i = 0; i < k; i++)
        pc_layer_facts_free(&g[i]);
}

/* Every check over the view, the inspect JSON, USER against the view's
 * /etc/passwd and /etc/group. */
static inline void fzv_checks(const pc_fsview *v, const pc_imgconfig *cfg, const pc_run *run,
                              size_t nlayers, const pc_layer_facts *f)
{
    pc_image img;
    const char *digests[4];
    memset(&img, 0, sizeof img);
    snprintf(img.platform.os, sizeof img.platform.os, "linux");
    snprintf(img.platform.arch, sizeof img.platform.arch, "amd64");
    img.nlayers = nlayers;
    for (size_t i = 0; i < nlayers && i < 4; i++)
        digests[i] = f[i].digest;
    pc_result *r = calloc(1, sizeof *r);
    if (!r)
        return;
    pc_check_input in = {
        .cfg = cfg, .fs = v, .sandbox = &run->sandbox, .img = &img, .layers = digests};
    pc_checks_run(pc_checks, &in, r);
    for (size_t i = 0; i < r->nfindings; i++)
        FZ_CHECK(r->findings[i].check && r->findings[i].message, "finding %zu incomplete", i);
    pc_result_free(r);

    const pc_node *pw = pc_fsview_lookup(v, "/etc/passwd", 1);
    const pc_node *gr = pc_fsview_lookup(v, "/etc/group", 1);
    const char *p = pw && pw->e ? pw->e->data : NULL, *g = gr && gr->e ? gr->e->data : NULL;
    uint32_t uid = 0, gid = 0;
    char ebuf[256];
    const char *uerr = NULL;
    if (pc_user_resolve(cfg->user ? cfg->user : "", p, p ? pw->e->data_len : 0, pw && !p, g,
                        g ? gr->e->data_len : 0, gr && !g, &uid, &gid, ebuf, sizeof ebuf) < 0)
        uerr = ebuf;
    char *json = NULL;
    pc_err e;
    if (pc_view_json(v, cfg, uid, gid, uerr, &json, &e) == 0)
        free(json);
}

#endif
