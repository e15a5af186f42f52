/*
 * check_workdir_inaccessible.c — workdir-inaccessible: the config's
 * WorkingDir, judged for the sandbox user. runc enters it before dropping
 * privileges, so the program still starts; but when the user may not
 * search it, every relative path fails, and when a directory above it is
 * not searchable, every absolute path into it fails. A WORKDIR the image
 * lacks is created by the runtime (owned by root, mode 0755), so that
 * finding is at most a warning (pc_check_report_capped): the policy can
 * only lower it further. A WORKDIR the run mounts (a pod's volumeMount)
 * is the volume's, not judged.
 */
#include <stdio.h>
#include <string.h>
#include "check/check.h"

#define WHY_MAX (PC_SB_PATH_MAX + 512)

static void add(pc_check_ctx *c, const char *path, const pc_node *n, int advisory, const char *what,
                const char *why)
{
    pc_check_report_capped(c, advisory ? PC_ACTION_WARN : PC_ACTION_DENY, path,
                           n ? pc_check_layer(c, n) : NULL, NULL, "WORKDIR %s: %s%s", path, what,
                           why);
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
    const pc_sb_user *u = &c->users->sandbox;
    char path[PC_SB_PATH_MAX], why[WHY_MAX];
    if (!wd || !*wd)
        return;
    if (pc_sb_join(path, sizeof path, "/", wd) < 0) {
        pc_check_report(c, NULL, NULL, NULL, "WORKDIR %.256s...: path too long", wd);
        return;
    }
    if (pc_check_mount(c, path) >= 0)
        return; /* the run mounts it: not the image's to judge */
    const pc_node *n = NULL, *at = NULL;
    pc_lookup_status st = pc_sb_lookup(c->fs, path, u, 1, &n, &at);
    if (st == PC_LOOKUP_OK) {
        judge_dir(c, path, n, u);
    } else if (st == PC_LOOKUP_MISSING) {
        pc_sb_lookup_why(c->fs, path, st, at, u, why, sizeof why);
        add(c, path, NULL, 1, why, ": the runtime creates it (owner 0:0, mode 0755)");
    } else {
        pc_sb_lookup_why(c->fs, path, st, at, u, why, sizeof why);
        add(c, path, st == PC_LOOKUP_DENIED ? at : NULL, 0, why,
            st == PC_LOOKUP_DENIED ? ": absolute paths into it fail" : "");
    }
}

const pc_check pc_check_workdir_inaccessible = {
    .id = "workdir-inaccessible",
    .help = "WORKDIR is missing or not searchable by the sandbox user",
    .report_order = 40,
    .reads = PC_READS_CONFIG | PC_READS_FS | PC_READS_USERS,
    .ceiling = PC_ACTION_DENY,
    .config = workdir_config,
};
