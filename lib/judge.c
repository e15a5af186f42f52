/*
 * judge.c — the public verdict calls that take a context: the driver's
 * side of lib/verdict/, which never sees a pc_ctx (it is given the policy):
 * the verdict of a use of a result, and the result of a reference that
 * could not be scanned at all.
 */
#include <stdlib.h>
#include "check/check.h"
#include "ctx.h"
#include "pcx.h"
#include "verdict/verdict.h"

void pc_verdict_of(const pc_ctx *ctx, const pc_result *r, const pc_verdict_opts *o, pc_verdict *out)
{
    pc_verdict_judge(ctx->policy, r, o, out);
}

int pc_verdict_waived_here(const pc_ctx *ctx, const pc_result *r, const pc_verdict_opts *o,
                           const pc_finding *f)
{
    return r && o && pc_verdict_ns_waived(ctx->policy, r, o->namespace_, f);
}

pc_result *pc_result_failed(const pc_ctx *ctx, const char *ref, const char *msg)
{
    pc_result *r = pc_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->image = pc_strdup(ref);
    r->policy = pc_strdup(ctx->policy->name);
    r->policy_digest = pc_strdup(ctx->policy->digest);
    r->scan_failed = 1;
    if (!r->image || !r->policy || !r->policy_digest ||
        pc_finding_add(r, pc_check_id_parse("scan-error"), NULL, NULL, NULL, "%s",
                       msg ? msg : "the image could not be scanned") < 0) {
        pc_result_free(r);
        return NULL;
    }
    pc_verdict_apply(ctx->policy, r);
    return r;
}
