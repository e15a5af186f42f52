/*
 * check_world_writable.c — world-writable: files and directories any user
 * may write, except directories with the sticky bit (such as /tmp), where
 * users cannot remove each other's files.
 */
#include "check/check.h"

static void ww_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    if ((n->type != PC_E_REG && n->type != PC_E_DIR) || !n->e)
        return;
    uint32_t m = n->e->mode;
    if (!(m & 0002) || (m & 01000))
        return;
    pc_check_report(c, path, pc_check_layer(c, n), NULL,
                    "world-writable %s without the sticky bit (mode %04o)",
                    n->type == PC_E_DIR ? "directory" : "file", m);
}

const pc_check pc_check_world_writable = {
    .id = "world-writable",
    .help = "A world-writable file or directory without the sticky bit",
    .report_order = 120,
    .reads = PC_READS_FS,
    .ceiling = PC_ACTION_DENY,
    .node = ww_node,
};
