/*
 * resolve.c — pc_resolve: what digest does a reference name right now?
 *
 * The webhook caches verdicts by digest and must know which digest a tag
 * points at before it can look one up; a full scan would be far too slow
 * for that question. This opens the reference's source with the same
 * options a scan uses (platform, transport options and credentials, the
 * policy's limits and time bound: pc_ctx_source_cfg), asks it to resolve — which reads and verifies
 * the index/manifest and the config, but no layer — and reports the digest the reference resolved
 * to (the index digest when there is one, as in pc_result.digest). Nothing is cached here: tags
 * move, the caller decides how long an answer is good for.
 */
#include <stdio.h>
#include <string.h>
#include "ctx.h"
#include "source/source.h"
#include "pcx.h"

int pc_resolve(const pc_ctx *ctx, const char *ref, char digest_out[72], char *err, size_t errlen)
{
    pc_err e = {{0}};
    const pc_source_ops *ops = NULL;
    const char *spec = NULL;
    void *src = NULL;
    pc_image img;
    const pc_limits *l = &ctx->profile->limits;
    pc_source_cfg cfg; /* a resolve is too short to show progress */
    pc_ctx_source_cfg(ctx, l->timeout_seconds ? pc_now_ms() + l->timeout_seconds * 1000 : 0, 2,
                      &cfg);
    int rc = -1;
    memset(&img, 0, sizeof img);
    digest_out[0] = 0;
    if (pc_source_lookup(ref, &ops, &spec, &e) < 0)
        goto out;
    if (ops->open(spec, &cfg, &src, &e) < 0) {
        src = NULL;
        goto out;
    }
    if (ops->resolve(src, &img, &e) < 0)
        goto out;
    /* docker-archive has no manifest digest: the config digest names it. */
    const char *d = img.digest[0] ? img.digest : img.config_digest;
    if (!d[0] || strlen(d) >= 72) {
        pc_err_set(&e, "the source gave no digest for the image");
        goto out;
    }
    memcpy(digest_out, d, strlen(d) + 1);
    rc = 0;
out:
    pc_image_free(&img);
    if (src)
        ops->close(src);
    if (rc < 0 && err && errlen)
        snprintf(err, errlen, "%s", e.msg);
    return rc;
}
