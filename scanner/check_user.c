/*
 * check_user.c — root-user: which uid the image's USER gives, resolved the
 * way runc does it, through the image's own final /etc/passwd. "root",
 * "0", "0:GID", "root:GROUP", an empty USER and any name that maps to uid 0
 * all mean root. A name /etc/passwd does not know is reported too: the
 * runtime refuses to start such a container, or a tool falls back to root.
 */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "passwd.h"
#include "util.h"

static void set_user(pc_check_ctx *c, uint32_t uid, int gid_known, uint32_t gid)
{
    free(c->res->sandbox.user);
    c->res->sandbox.user = gid_known ? pc_asprintf("%u:%u", uid, gid) : pc_asprintf("%u", uid);
    c->res->sandbox.needs_root = uid == 0;
}

static void user_config(pc_check_ctx *c)
{
    const char *u = c->cfg->user ? c->cfg->user : "";
    size_t ulen = strcspn(u, ":"), plen = 0;
    const char *passwd = pc_check_idfile(c, "/etc/passwd", &plen);
    uint32_t uid, gid = 0;
    int gid_known = 0;
    if (ulen == 0) {
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "image has no USER: the container runs as root (uid 0)");
        set_user(c, 0, 0, 0);
        return;
    }
    char *name = pc_strndup(u, ulen);
    if (!name)
        return;
    if (pc_parse_id(name, ulen, &uid) == 0) {
        gid_known = pc_passwd_by_uid(passwd, plen, uid, &gid) == 0;
    } else if (pc_passwd_by_name(passwd, plen, name, &uid, &gid) == 0) {
        gid_known = 1;
    } else if (strcmp(name, "root") == 0) {
        uid = 0;
    } else {
        pc_finding_add(c->res, PC_CHK_ROOT_USER, passwd ? "/etc/passwd" : NULL, NULL, NULL,
                       passwd ? "USER \"%s\" is not in the image's /etc/passwd: the runtime cannot "
                                "resolve it (it refuses to start or falls back to root)"
                              : "USER \"%s\" cannot be resolved: the image has no /etc/passwd "
                                "(the runtime refuses to start or falls back to root)",
                       name);
        free(c->res->sandbox.user);
        c->res->sandbox.user = pc_strdup(u);
        free(name);
        return;
    }
    if (uid == 0)
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       strcmp(name, "0") == 0 || strcmp(name, "root") == 0
                           ? "USER \"%s\" runs the container as root (uid 0)"
                           : "USER \"%s\" maps to uid 0 in the image's /etc/passwd: the container "
                             "runs as root",
                       u);
    set_user(c, uid, gid_known, gid);
    free(name);
}

const pc_check pc_check_root_user = {"root-user", user_config, NULL};
