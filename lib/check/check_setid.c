/*
 * check_setid.c — setuid-file and setgid-file: regular files in the final
 * fs with the set-user-ID or set-group-ID bit. Hardlinks carry their
 * target's mode in the fs view, so a link to a setuid binary is one too.
 */
#include "check/check.h"

static void setid_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    if (n->type != PC_E_REG || !n->e)
        return;
    uint32_t m = n->e->mode;
    if (m & 04000)
        pc_finding_add(c->res, PC_CHK_SETUID_FILE, path, pc_check_layer(c, n), NULL,
                       "setuid file (mode %04o, owner uid %u)", m, n->e->uid);
    if (m & 02000)
        pc_finding_add(c->res, PC_CHK_SETGID_FILE, path, pc_check_layer(c, n), NULL,
                       "setgid file (mode %04o, group gid %u)", m, n->e->gid);
}

const pc_check pc_check_setid = {"setuid-file/setgid-file", NULL, setid_node};
