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
    const pc_sandbox_spec *sb = c->sandbox;
    if (sb && sb->no_new_privileges)
        pc_check_report_neutralised(c, path, pc_check_layer(c, n),
                                    "file capabilities %s; neutralised in this run: they are not "
                                    "granted under no_new_privileges",
                                    caps);
    else if (sb && n->e->cap.permitted && !(n->e->cap.permitted & ~sb->dropped_caps))
        pc_check_report_neutralised(c, path, pc_check_layer(c, n),
                                    "file capabilities %s; neutralised in this run: every one is "
                                    "outside its bounding set",
                                    caps);
    else
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
