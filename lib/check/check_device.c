/*
 * check_device.c — device-file: character or block device nodes in the
 * final fs (a container with access to one can reach host hardware).
 */
#include "check/check.h"

static void device_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    if (n->type != PC_E_CHR && n->type != PC_E_BLK)
        return;
    pc_finding_add(c->res, PC_CHK_DEVICE_FILE, path, pc_check_layer(c, n), NULL, "%s device %u:%u",
                   n->type == PC_E_CHR ? "character" : "block", n->e ? n->e->devmajor : 0,
                   n->e ? n->e->devminor : 0);
}

const pc_check pc_check_device_file = {"device-file", NULL, device_node};
