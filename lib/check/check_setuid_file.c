/*
 * check_setuid_file.c — setuid-file: regular files in the final fs with
 * the set-user-ID bit. Hardlinks carry their target's mode in the fs view,
 * so a link to a setuid binary is one too.
 */
#include "check/check.h"

static void setuid_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    if (n->type != PC_E_REG || !n->e || !(n->e->mode & 04000))
        return;
    if (c->sandbox && c->sandbox->no_new_privileges)
        pc_check_report_neutralised(c, path, pc_check_layer(c, n),
                                    "setuid file (mode %04o, owner uid %u); neutralised in this "
                                    "run: no_new_privileges ignores the bit",
                                    n->e->mode, n->e->uid);
    else
        pc_check_report(c, path, pc_check_layer(c, n), NULL,
                        "setuid file (mode %04o, owner uid %u)", n->e->mode, n->e->uid);
}

const pc_check pc_check_setuid_file = {
    .id = "setuid-file",
    .help = "A regular file has the set-user-ID bit",
    .report_order = 50,
    .reads = PC_READS_FS,
    .ceiling = PC_ACTION_DENY,
    .node = setuid_node,
};
