/*
 * check_filecap.c — file-capability: a file whose security.capability
 * xattr grants capabilities when it is executed.
 */
#include "check/check.h"

static void filecap_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    if (!n->e || !n->e->has_cap || n->type != PC_E_REG)
        return;
    if (n->e->cap_bad) {
        pc_finding_add(c->res, PC_CHK_FILE_CAPABILITY, path, pc_check_layer(c, n), NULL,
                       "malformed security.capability xattr");
        return;
    }
    char caps[1024];
    pc_filecap_format(&n->e->cap, caps, sizeof caps);
    pc_finding_add(c->res, PC_CHK_FILE_CAPABILITY, path, pc_check_layer(c, n), NULL,
                   "file capabilities %s", caps);
}

const pc_check pc_check_file_capability = {"file-capability", NULL, filecap_node};
