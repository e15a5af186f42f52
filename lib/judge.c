/*
 * judge.c — the public verdict calls that take a context: the driver's
 * side of lib/verdict/, which never sees a pc_ctx (it is given the policy).
 */
#include "ctx.h"
#include "verdict/verdict.h"

void pc_verdict_of(const pc_ctx *ctx, const pc_result *r, const pc_verdict_opts *o, pc_verdict *out)
{
    pc_verdict_judge(ctx->policy, r, o, out);
}
