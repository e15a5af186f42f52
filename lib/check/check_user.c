/*
 * check_user.c — root-user: which uid the image's USER gives, resolved as
 * the container runtimes resolve it (pc_user_resolve_full: containerd and Docker,
 * the worst of their readings) through the image's own final /etc/passwd
 * and /etc/group. An empty USER, "0", "+0", "00", "4294967296" (uid 0
 * once cut to 32 bits), ":5", and any name whose passwd entry reads as
 * uid 0 ("0", but also "abc" or "-4294967296" in the uid field) all mean
 * root. A USER the runtime cannot resolve is reported too: the runtime
 * refuses to start such a container, or a tool falls back to root; the
 * name "root" that cannot be resolved is taken as root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check/check.h"
#include "fs/passwd.h"
#include "fs/sandbox.h"
#include "pcx.h"

static void set_user(pc_check_ctx *c, uint32_t uid, uint32_t gid)
{
    free(c->res->sandbox.user);
    c->res->sandbox.user = pc_asprintf("%u:%u", uid, gid);
    c->res->sandbox.needs_root = uid == 0;
}

static int is(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

/* Why USER u (user part [u, u+ulen)) is uid 0 per reading r. */
static void report_root(pc_check_ctx *c, const char *u, size_t ulen, const pc_user_res *r)
{
    char how[160] = "";
    if (r->divergent)
        snprintf(how, sizeof how, " (as %s reads it; the runtimes disagree)",
                 pc_runtime_name(r->rt));
    if (r->uid_from == PC_UID_DEFAULT) {
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "USER \"%s\" has an empty user part: the container runs as root (uid "
                       "0)%s",
                       u, how);
    } else if (r->uid_from == PC_UID_NUMBER && is(u, ulen, "0")) {
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "USER \"%s\" runs the container as root (uid 0)%s", u, how);
    } else if (r->uid_from == PC_UID_NUMBER && r->number == 0) {
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "USER \"%s\" is the number 0 to the runtime (Go's strconv.Atoi): the "
                       "container runs as root (uid 0)%s",
                       u, how);
    } else if (r->uid_from == PC_UID_NUMBER) {
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "USER \"%s\" is the number %lld to the runtime, uid 0 once cut to 32 "
                       "bits: the container runs as root%s",
                       u, (long long)r->number, how);
    } else if (is(r->pw_uid.p, r->pw_uid.n, "0") && is(u, ulen, "root")) {
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "USER \"%s\" runs the container as root (uid 0)%s", u, how);
    } else if (is(r->pw_uid.p, r->pw_uid.n, "0")) {
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "USER \"%s\" maps to uid 0 in the image's /etc/passwd: the container "
                       "runs as root%s",
                       u, how);
    } else {
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "USER \"%s\" maps to uid 0 in the image's /etc/passwd: its uid field "
                       "\"%.*s\" reads as uid 0 to the runtime, so the container runs as root%s",
                       u, (int)(r->pw_uid.n > 64 ? 64 : r->pw_uid.n), r->pw_uid.p, how);
    }
}

static void report_unresolved(pc_check_ctx *c, const char *u, size_t ulen, const pc_user_res *r,
                              int have_passwd)
{
    const char *path = have_passwd ? "/etc/passwd" : NULL;
    free(c->res->sandbox.user);
    c->res->sandbox.user = pc_strdup(u);
    if (r->err == PC_UR_NO_USER)
        pc_finding_add(c->res, PC_CHK_ROOT_USER, path, NULL, NULL,
                       "USER \"%.*s\" is not in the image's /etc/passwd: the runtime cannot "
                       "resolve it (it refuses to start or falls back to root)",
                       (int)ulen, u);
    else if (r->err == PC_UR_NO_PASSWD)
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "USER \"%.*s\" cannot be resolved: the image has no /etc/passwd "
                       "(the runtime refuses to start or falls back to root)",
                       (int)ulen, u);
    else
        pc_finding_add(c->res, PC_CHK_ROOT_USER, path, NULL, NULL,
                       "USER \"%s\" cannot be resolved: %s (the runtime refuses to start or "
                       "falls back to root)",
                       u, r->why);
}

static void user_config(pc_check_ctx *c)
{
    const char *u = c->cfg->user ? c->cfg->user : "";
    size_t ulen = strcspn(u, ":");
    pc_idfiles f;
    pc_user_res r;
    if (!*u) {
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "image has no USER: the container runs as root (uid 0)");
        set_user(c, 0, 0);
        return;
    }
    pc_sb_idfiles(c, &f);
    if (pc_user_resolve_full(u, &f, &r) < 0) {
        if (!is(u, ulen, "root")) {
            report_unresolved(c, u, ulen, &r, f.passwd || f.passwd_unreadable);
            return;
        }
        pc_finding_add(c->res, PC_CHK_ROOT_USER, NULL, NULL, NULL,
                       "USER \"%s\" cannot be resolved (%s): the runtime refuses to start it, "
                       "and a tool that falls back to the name runs it as root (uid 0)",
                       u, r.why);
        set_user(c, 0, 0);
        return;
    }
    if (r.uid == 0)
        report_root(c, u, ulen, &r);
    set_user(c, r.uid, r.gid);
}

const pc_check pc_check_root_user = {"root-user", user_config, NULL};
