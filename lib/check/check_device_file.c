/*
 * check_device_file.c — device-file: character or block device nodes in
 * the final fs (a container with access to one can reach host hardware).
 */
#include "check/check.h"

static void device_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    if (n->type != PC_E_CHR && n->type != PC_E_BLK)
        return;
    pc_check_report(c, path, pc_check_layer(c, n), NULL, "%s device %u:%u",
                    n->type == PC_E_CHR ? "character" : "block", n->e ? n->e->devmajor : 0,
                    n->e ? n->e->devminor : 0);
}

const pc_check pc_check_device_file = {
    .id = "device-file",
    .help = "A character or block device node is in the filesystem",
    .report_order = 90,
    .reads = PC_READS_FS,
    .ceiling = PC_ACTION_DENY,
    .node = device_node,
};
