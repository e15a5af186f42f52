/*
 * check_workdir.c — workdir-inaccessible: the config's WorkingDir, judged
 * for the sandbox user. runc enters it before dropping privileges, so the
 * program still starts; but when the user may not search it, every
 * relative path fails, and when a directory above it is not searchable,
 * every absolute path into it fails. A WORKDIR the image lacks is created
 * by the runtime (owned by root, mode 0755), so that finding never denies:
 * its action is lowered to warn before the policy is applied, and the
 * policy can only lower it further.
 */
#include <stdio.h>
#include <string.h>
#include "fs/sandbox.h"

#define WHY_MAX (PC_SB_PATH_MAX + 512)

static void add(pc_check_ctx *c, const char *path, const pc_node *n, int advisory, const char *what,
                const char *why)
{
    if (pc_finding_add(c->res, PC_CHK_WORKDIR_INACCESSIBLE, path, n ? pc_check_layer(c, n) : NULL,
                       NULL, "WORKDIR %s: %s%s", path, what, why) == 0 &&
        advisory)
        c->res->findings[c->res->nfindings - 1].action = PC_ACTION_WARN;
}

static void judge_dir(pc_check_ctx *c, const char *path, const pc_node *n, const pc_sb_user *u)
{
    char why[WHY_MAX];
    if (n->type != PC_E_DIR) {
        snprintf(why, sizeof why, "is a %s, not a directory: the runtime cannot enter it",
                 pc_sb_type_name(n->type));
        add(c, path, n, 0, why, "");
        return;
    }
    if (pc_sb_may_search(n, u))
        return;
    snprintf(why, sizeof why, "mode %04o owner %u:%u, not searchable by %s",
             pc_node_mode(n) & 07777, pc_node_uid(n), pc_node_gid(n), u->who);
    add(c, path, n, 0, why,
        ": relative paths fail (the runtime enters it before dropping "
        "privileges, so the program still starts)");
}

static void workdir_config(pc_check_ctx *c)
{
    const char *wd = c->cfg->workdir;
    char path[PC_SB_PATH_MAX], why[WHY_MAX];
    pc_sb_user u;
    if (!wd || !*wd)
        return;
    if (pc_sb_join(path, sizeof path, "/", wd) < 0) {
        pc_finding_add(c->res, PC_CHK_WORKDIR_INACCESSIBLE, NULL, NULL, NULL,
                       "WORKDIR %.256s...: path too long", wd);
        return;
    }
    if (pc_sb_user_for_check(&u, c) < 0) {
        pc_sb_user_free(&u);
        return;
    }
    const pc_node *n = NULL, *at = NULL;
    pc_lookup_status st = pc_sb_lookup(c->fs, path, &u, 1, &n, &at);
    if (st == PC_LOOKUP_OK) {
        judge_dir(c, path, n, &u);
    } else if (st == PC_LOOKUP_MISSING) {
        pc_sb_lookup_why(c->fs, path, st, at, &u, why, sizeof why);
        add(c, path, NULL, 1, why, ": the runtime creates it (owner 0:0, mode 0755)");
    } else {
        pc_sb_lookup_why(c->fs, path, st, at, &u, why, sizeof why);
        add(c, path, st == PC_LOOKUP_DENIED ? at : NULL, 0, why,
            st == PC_LOOKUP_DENIED ? ": absolute paths into it fail" : "");
    }
    pc_sb_user_free(&u);
}

const pc_check pc_check_workdir_inaccessible = {"workdir-inaccessible", workdir_config, NULL};
