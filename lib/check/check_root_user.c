/*
 * check_root_user.c — root-user: which uid the image's USER gives, as the
 * container runtimes resolve it (pc_user_resolve_full: containerd and
 * Docker, the worst of their readings) through the image's own final
 * /etc/passwd and /etc/group. The driver resolves it once (ctx users);
 * this check only judges that reading. An empty USER, "0", "+0", "00",
 * "4294967296" (uid 0 once cut to 32 bits), ":5", and any name whose
 * passwd entry reads as uid 0 ("0", but also "abc" or "-4294967296" in the
 * uid field) all mean root. A USER the runtime cannot resolve is reported
 * too: the runtime refuses to start such a container, or a tool falls back
 * to root; the name "root" that cannot be resolved is taken as root.
 *
 * It judges the effective user (runctx.c's precedence): a uid the
 * policy's sandbox forces, else the run's user (--user, runAsUser), else
 * the image's USER.
 */
#include <stdio.h>
#include <string.h>
#include "check/check.h"
#include "fs/passwd.h"

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
        pc_check_report(c, NULL, NULL, NULL,
                        "USER \"%s\" has an empty user part: the container runs as root (uid "
                        "0)%s",
                        u, how);
    } else if (r->uid_from == PC_UID_NUMBER && is(u, ulen, "0")) {
        pc_check_report(c, NULL, NULL, NULL, "USER \"%s\" runs the container as root (uid 0)%s", u,
                        how);
    } else if (r->uid_from == PC_UID_NUMBER && r->number == 0) {
        pc_check_report(c, NULL, NULL, NULL,
                        "USER \"%s\" is the number 0 to the runtime (Go's strconv.Atoi): the "
                        "container runs as root (uid 0)%s",
                        u, how);
    } else if (r->uid_from == PC_UID_NUMBER) {
        pc_check_report(c, NULL, NULL, NULL,
                        "USER \"%s\" is the number %lld to the runtime, uid 0 once cut to 32 "
                        "bits: the container runs as root%s",
                        u, (long long)r->number, how);
    } else if (is(r->pw_uid.p, r->pw_uid.n, "0") && is(u, ulen, "root")) {
        pc_check_report(c, NULL, NULL, NULL, "USER \"%s\" runs the container as root (uid 0)%s", u,
                        how);
    } else if (is(r->pw_uid.p, r->pw_uid.n, "0")) {
        pc_check_report(c, NULL, NULL, NULL,
                        "USER \"%s\" maps to uid 0 in the image's /etc/passwd: the container "
                        "runs as root%s",
                        u, how);
    } else {
        pc_check_report(c, NULL, NULL, NULL,
                        "USER \"%s\" maps to uid 0 in the image's /etc/passwd: its uid field "
                        "\"%.*s\" reads as uid 0 to the runtime, so the container runs as root%s",
                        u, (int)(r->pw_uid.n > 64 ? 64 : r->pw_uid.n), r->pw_uid.p, how);
    }
}

static void report_unresolved(pc_check_ctx *c, const char *u, size_t ulen, const pc_user_res *r,
                              int have_passwd)
{
    const char *path = have_passwd ? "/etc/passwd" : NULL;
    if (r->err == PC_UR_NO_USER)
        pc_check_report(c, path, NULL, NULL,
                        "USER \"%.*s\" is not in the image's /etc/passwd: the runtime cannot "
                        "resolve it (it refuses to start or falls back to root)",
                        (int)ulen, u);
    else if (r->err == PC_UR_NO_PASSWD)
        pc_check_report(c, NULL, NULL, NULL,
                        "USER \"%.*s\" cannot be resolved: the image has no /etc/passwd "
                        "(the runtime refuses to start or falls back to root)",
                        (int)ulen, u);
    else
        pc_check_report(c, path, NULL, NULL,
                        "USER \"%s\" cannot be resolved: %s (the runtime refuses to start or "
                        "falls back to root)",
                        u, r->why);
}

/* The run names the user (--user, runAsUser): the same readings, said of
 * the run rather than of the image's USER. */
static void run_user(pc_check_ctx *c, const char *u)
{
    const pc_users *us = c->users;
    if (!us->image_ok) {
        pc_check_report(c, NULL, NULL, NULL,
                        "the run's user \"%s\" cannot be resolved (%s): the runtime refuses to "
                        "start it, or falls back to root",
                        u, us->image.why);
        return;
    }
    if (us->image.uid == 0)
        pc_check_report(c, NULL, NULL, NULL,
                        "the run's user \"%s\" is uid 0 (as %s reads it): the container runs as "
                        "root",
                        u, pc_runtime_name(us->image.rt));
}

static void user_config(pc_check_ctx *c)
{
    const pc_users *us = c->users;
    const char *u = us->user;
    pc_user_from from = c->run ? c->run->user_from : PC_USER_FROM_IMAGE;
    if (from == PC_USER_FROM_POLICY) {
        /* the platform starts the program as the policy's uid, whatever USER says */
        if (us->sandbox.resolved && us->sandbox.uid == 0)
            pc_check_report(c, NULL, NULL, NULL,
                            "the policy's sandbox starts the container as uid 0 (root)");
        return;
    }
    if (from == PC_USER_FROM_RUN) {
        run_user(c, u);
        return;
    }
    size_t ulen = strcspn(u, ":");
    if (!*u) {
        pc_check_report(c, NULL, NULL, NULL,
                        "image has no USER: the container runs as root (uid 0)");
        return;
    }
    if (!us->image_ok) {
        if (!is(u, ulen, "root")) {
            report_unresolved(c, u, ulen, &us->image,
                              us->files.passwd || us->files.passwd_unreadable);
            return;
        }
        pc_check_report(c, NULL, NULL, NULL,
                        "USER \"%s\" cannot be resolved (%s): the runtime refuses to start it, "
                        "and a tool that falls back to the name runs it as root (uid 0)",
                        u, us->image.why);
        return;
    }
    if (us->image.uid == 0)
        report_root(c, u, ulen, &us->image);
}

const pc_check pc_check_root_user = {
    .id = "root-user",
    .help = "The image runs as uid 0",
    .report_order = 10,
    .reads = PC_READS_USERS,
    .ceiling = PC_ACTION_DENY,
    .config = user_config,
};
