/*
 * check_missing_entrypoint.c — missing-entrypoint: a config with neither
 * Entrypoint nor Cmd gives the runtime nothing to start.
 */
#include "check/check.h"

static void entrypoint_config(pc_check_ctx *c)
{
    if (c->cfg->entrypoint.n || c->cfg->cmd.n)
        return;
    pc_check_report(c, NULL, NULL, NULL,
                    "image config has neither Entrypoint nor Cmd: nothing to run");
}

const pc_check pc_check_missing_entrypoint = {
    .id = "missing-entrypoint",
    .help = "The image config has neither Entrypoint nor Cmd",
    .report_order = 20,
    .reads = PC_READS_CONFIG,
    .ceiling = PC_ACTION_DENY,
    .config = entrypoint_config,
};
