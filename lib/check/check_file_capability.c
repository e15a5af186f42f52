/*
 * check_file_capability.c — file-capability: a file whose
 * security.capability xattr grants capabilities when it is executed.
 */
#include "check/check.h"

static void filecap_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    if (!n->e || !n->e->has_cap || n->type != PC_E_REG)
        return;
    if (n->e->cap_bad) {
        pc_check_report(c, path, pc_check_layer(c, n), NULL, "malformed security.capability xattr");
        return;
    }
    char caps[1024];
    pc_filecap_format(&n->e->cap, caps, sizeof caps);
    pc_check_report(c, path, pc_check_layer(c, n), NULL, "file capabilities %s", caps);
}

const pc_check pc_check_file_capability = {
    .id = "file-capability",
    .help = "A file carries a security.capability extended attribute",
    .report_order = 70,
    .reads = PC_READS_FS,
    .ceiling = PC_ACTION_DENY,
    .node = filecap_node,
};
