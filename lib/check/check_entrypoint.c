/*
 * check_entrypoint.c — missing-entrypoint: a config with neither
 * Entrypoint nor Cmd gives the runtime nothing to start. Also records the
 * program the runtime would start (Entrypoint[0], else Cmd[0]).
 */
#include <stdlib.h>
#include "check/check.h"
#include "pcx.h"

static void entrypoint_config(pc_check_ctx *c)
{
    const pc_strv *ep = &c->cfg->entrypoint, *cmd = &c->cfg->cmd;
    const char *prog = ep->n ? ep->v[0] : cmd->n ? cmd->v[0] : NULL;
    if (!prog) {
        pc_finding_add(c->res, PC_CHK_MISSING_ENTRYPOINT, NULL, NULL, NULL,
                       "image config has neither Entrypoint nor Cmd: nothing to run");
        return;
    }
    if (!c->res->sandbox.program)
        c->res->sandbox.program = pc_strdup(prog);
}

const pc_check pc_check_missing_entrypoint = {"missing-entrypoint", entrypoint_config, NULL};
