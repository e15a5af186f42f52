/*
 * check_setgid_file.c — setgid-file: regular files in the final fs with
 * the set-group-ID bit. Hardlinks carry their target's mode in the fs
 * view, so a link to a setgid binary is one too.
 */
#include "check/check.h"

static void setgid_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    if (n->type != PC_E_REG || !n->e || !(n->e->mode & 02000))
        return;
    if (c->sandbox && c->sandbox->no_new_privileges)
        pc_check_report_neutralised(c, path, pc_check_layer(c, n),
                                    "setgid file (mode %04o, group gid %u); neutralised in this "
                                    "run: no_new_privileges ignores the bit",
                                    n->e->mode, n->e->gid);
    else
        pc_check_report(c, path, pc_check_layer(c, n), NULL,
                        "setgid file (mode %04o, group gid %u)", n->e->mode, n->e->gid);
}

const pc_check pc_check_setgid_file = {
    .id = "setgid-file",
    .help = "A regular file has the set-group-ID bit",
    .report_order = 60,
    .reads = PC_READS_FS,
    .ceiling = PC_ACTION_DENY,
    .node = setgid_node,
};
