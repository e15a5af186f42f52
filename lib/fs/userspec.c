/*
 * userspec.c — USER to uid:gid as containerd and Docker do it (see
 * passwd.h), each reading a straight transcription of the runtime's Go:
 * containerd's oci.WithUser / WithUserID / WithUsername / UserFromPath /
 * GIDFromPath, and runc's user.GetExecUser as moby's getUser calls it.
 * The worst reading is the one judged.
 */
#include <stdio.h>
#include <string.h>
#include "fs/passwd.h"

#define PC_ID_MAX 2147483647 /* runc's maxID, containerd's maxUserID */

#define UNREADABLE -2

/* Lookups: 1 found, 0 none, -1 the passwd parse fails, UNREADABLE. */
static int pw_by_name(const pc_idfiles *f, const char *s, size_t n, pc_pwent *e)
{
    if (!f->passwd && f->passwd_unreadable)
        return UNREADABLE;
    return pc_pw_find_name(f->passwd, f->plen, s, n, e);
}

static int pw_by_uid(const pc_idfiles *f, int64_t uid, pc_pwent *e)
{
    if (!f->passwd && f->passwd_unreadable)
        return UNREADABLE;
    return pc_pw_find_uid(f->passwd, f->plen, uid, e);
}

static int gr_by_name(const pc_idfiles *f, const char *s, size_t n, pc_grent *e)
{
    if (!f->group && f->group_unreadable)
        return UNREADABLE;
    return pc_gr_find_name(f->group, f->glen, s, n, e);
}

static int gr_by_gid(const pc_idfiles *f, int64_t gid, pc_grent *e)
{
    if (!f->group && f->group_unreadable)
        return UNREADABLE;
    return pc_gr_find_gid(f->group, f->glen, gid, e);
}

/* Why a user-name lookup that returned r found nothing. */
static pc_user_err pw_miss(const pc_idfiles *f, int r)
{
    return r == UNREADABLE ? PC_UR_UNREADABLE
           : r < 0         ? PC_UR_LONG_LINE
           : f->passwd     ? PC_UR_NO_USER
                           : PC_UR_NO_PASSWD;
}

static pc_user_err gr_miss(const pc_idfiles *f, int r)
{
    return r == UNREADABLE ? PC_UR_UNREADABLE : f->group ? PC_UR_NO_GROUP : PC_UR_NO_GROUPFILE;
}

const char *pc_user_err_text(pc_user_err e)
{
    switch (e) {
    case PC_UR_OK:
        return "resolved";
    case PC_UR_NO_PASSWD:
        return "the image has no /etc/passwd to look the user name up in";
    case PC_UR_NO_USER:
        return "no user of that name in the image's /etc/passwd";
    case PC_UR_NO_GROUPFILE:
        return "the image has no /etc/group to look the group name up in";
    case PC_UR_NO_GROUP:
        return "no group of that name in the image's /etc/group";
    case PC_UR_LONG_LINE:
        return "the image's /etc/passwd has a line over 64 KiB, which the runtime cannot read";
    case PC_UR_COLONS:
        return "more than one ':' (containerd: invalid USER value)";
    case PC_UR_RANGE:
        return "a number outside 0..2147483647 that the image's /etc/passwd or /etc/group "
               "does not list (runc: uids and gids must be in range)";
    case PC_UR_UNREADABLE:
        return "the image's /etc/passwd or /etc/group is there but its bytes were not read "
               "(over 1 MiB, or not a regular file), so the name cannot be looked up";
    }
    return "unknown";
}

const char *pc_runtime_name(pc_runtime rt)
{
    switch (rt) {
    case PC_RT_CONTAINERD:
        return "containerd before 1.6.38/1.7.27/2.0.4";
    case PC_RT_CONTAINERD_RANGED:
        return "containerd";
    case PC_RT_DOCKER:
        return "Docker/runc";
    default:
        return "?";
    }
}

static void refuse(pc_user_res *o, pc_user_err e)
{
    o->ok = 0;
    o->uid = o->gid = 0;
    o->err = e;
    o->why = pc_user_err_text(e);
}

/* containerd's test for a numeric part. */
static int cd_number(const char *s, size_t n, int ranged, int64_t *v)
{
    if (pc_go_atoi(s, n, v) != PC_ATOI_OK)
        return 0;
    return !ranged || (*v >= 0 && *v <= PC_ID_MAX);
}

/* UserFromPath with a name filter: 0 and *e, or -1 and o refused. */
static int cd_user_by_name(const pc_idfiles *f, const char *s, size_t n, pc_user_res *o,
                           pc_pwent *e)
{
    int r = pw_by_name(f, s, n, e);
    if (r == 1) {
        o->uid_from = PC_UID_PASSWD;
        o->pw_name = e->name;
        o->pw_uid = e->uid_field;
        return 0;
    }
    refuse(o, pw_miss(f, r));
    return -1;
}

static void containerd(int ranged, const char *user, const pc_idfiles *f, pc_user_res *o)
{
    size_t n = strlen(user);
    const char *colon = memchr(user, ':', n);
    int64_t v;
    pc_pwent pe;
    pc_grent ge;
    o->ok = 1;
    if (n == 0) /* WithImageConfig skips WithUser: the default, root */
        return;
    if (!colon) {
        if (!cd_number(user, n, ranged, &v)) { /* WithUsername */
            if (cd_user_by_name(f, user, n, o, &pe) == 0) {
                o->uid = (uint32_t)pe.uid;
                o->gid = (uint32_t)pe.gid;
            }
            return;
        }
        /* WithUserID: a missing file or entry gives gid 0 */
        o->uid = (uint32_t)v;
        o->uid_from = PC_UID_NUMBER;
        o->number = v;
        int r = pw_by_uid(f, (int64_t)o->uid, &pe);
        if (r == UNREADABLE) {
            o->gid_guessed = 1;
        } else if (r < 0) {
            refuse(o, PC_UR_LONG_LINE);
        } else if (r == 1) {
            o->gid = (uint32_t)pe.gid;
            o->pw_name = pe.name;
            o->pw_uid = pe.uid_field;
        }
        return;
    }
    if (memchr(colon + 1, ':', n - (size_t)(colon + 1 - user))) {
        refuse(o, PC_UR_COLONS);
        return;
    }
    const char *u = user, *g = colon + 1;
    size_t ulen = (size_t)(colon - user), glen = n - ulen - 1;
    o->group_given = 1;
    /* a part that is not a number is a name; an empty name means "unset",
     * leaving that id 0 */
    if (cd_number(u, ulen, ranged, &v)) {
        o->uid = (uint32_t)v;
        o->uid_from = PC_UID_NUMBER;
        o->number = v;
    } else if (ulen > 0) {
        if (cd_user_by_name(f, u, ulen, o, &pe) < 0)
            return;
        o->uid = (uint32_t)pe.uid;
    }
    if (cd_number(g, glen, ranged, &v)) {
        o->gid = (uint32_t)v;
    } else if (glen > 0) {
        int r = gr_by_name(f, g, glen, &ge);
        if (r != 1) {
            refuse(o, gr_miss(f, r));
            return;
        }
        o->gid = (uint32_t)ge.gid;
    }
}

/* runc's GetExecUser with moby's defaults (uid 0, gid 0); moby hands the
 * ints on as uint32. */
static void docker(const char *user, const pc_idfiles *f, pc_user_res *o)
{
    size_t n = strlen(user);
    const char *c1 = memchr(user, ':', n);
    const char *u = user, *g = c1 ? c1 + 1 : user + n;
    size_t ulen = c1 ? (size_t)(c1 - user) : n;
    const char *c2 = c1 ? memchr(g, ':', n - ulen - 1) : NULL;
    size_t glen = c1 ? (c2 ? (size_t)(c2 - g) : n - ulen - 1) : 0;
    int64_t uid_arg, gid_arg, uid = 0, gid = 0;
    int uid_num = pc_go_atoi(u, ulen, &uid_arg) == PC_ATOI_OK;
    int gid_num = pc_go_atoi(g, glen, &gid_arg) == PC_ATOI_OK;
    pc_pwent pe;
    pc_grent ge;
    int r = 0;
    o->ok = 1;
    if (ulen == 0 || uid_num)
        r = pw_by_uid(f, ulen ? uid_arg : 0, &pe);
    else
        r = pw_by_name(f, u, ulen, &pe);
    if (r == UNREADABLE && (ulen == 0 || uid_num)) {
        o->gid_guessed = 1;
        r = 0;
    }
    if (r < 0) {
        refuse(o, pw_miss(f, r));
        return;
    }
    o->uid_from = ulen == 0 ? PC_UID_DEFAULT : uid_num ? PC_UID_NUMBER : PC_UID_PASSWD;
    o->number = uid_num ? uid_arg : 0;
    if (r == 1) { /* first match wins */
        uid = pe.uid;
        gid = pe.gid;
        o->pw_name = pe.name;
        o->pw_uid = pe.uid_field;
    } else if (ulen > 0) {
        if (!uid_num) {
            refuse(o, pw_miss(f, r));
            return;
        }
        if (uid_arg < 0 || uid_arg > PC_ID_MAX) {
            refuse(o, PC_UR_RANGE);
            return;
        }
        uid = uid_arg;
    }
    if (glen > 0) {
        o->group_given = 1;
        r = gid_num ? gr_by_gid(f, gid_arg, &ge) : gr_by_name(f, g, glen, &ge);
        if (r == 1) {
            gid = ge.gid;
        } else if (!gid_num) {
            refuse(o, gr_miss(f, r));
            return;
        } else if (gid_arg < 0 || gid_arg > PC_ID_MAX) {
            refuse(o, PC_UR_RANGE);
            return;
        } else {
            gid = gid_arg;
        }
    }
    o->uid = (uint32_t)uid;
    o->gid = (uint32_t)gid;
}

void pc_user_resolve_as(pc_runtime rt, const char *user, const pc_idfiles *f, pc_user_res *out)
{
    pc_idfiles none = {0};
    memset(out, 0, sizeof *out);
    out->rt = rt;
    user = user ? user : "";
    f = f ? f : &none;
    if (rt == PC_RT_DOCKER)
        docker(user, f, out);
    else
        containerd(rt == PC_RT_CONTAINERD_RANGED, user, f, out);
}

int pc_user_resolve_full(const char *user, const pc_idfiles *f, pc_user_res *out)
{
    pc_user_res r[PC_RT_COUNT];
    int pick = -1;
    for (int i = 0; i < PC_RT_COUNT; i++)
        pc_user_resolve_as((pc_runtime)i, user, f, &r[i]);
    for (int i = 0; i < PC_RT_COUNT && pick < 0; i++)
        if (r[i].ok && r[i].uid == 0)
            pick = i;
    for (int i = 0; i < PC_RT_COUNT && pick < 0; i++)
        if (r[i].ok)
            pick = i;
    if (pick < 0)
        pick = PC_RT_CONTAINERD;
    *out = r[pick];
    for (int i = 0; i < PC_RT_COUNT; i++)
        if (r[i].ok != out->ok || (out->ok && (r[i].uid != out->uid || r[i].gid != out->gid)))
            out->divergent = 1;
    return out->ok ? 0 : -1;
}

int pc_user_resolve(const char *user, const char *passwd, size_t plen, int passwd_unreadable,
                    const char *group, size_t glen, int group_unreadable, uint32_t *uid,
                    uint32_t *gid, char *ebuf, size_t elen)
{
    pc_idfiles f = {passwd,
                    group,
                    passwd ? plen : 0,
                    group ? glen : 0,
                    !passwd && passwd_unreadable,
                    !group && group_unreadable};
    pc_user_res r;
    if (pc_user_resolve_full(user, &f, &r) < 0) {
        if (elen)
            snprintf(ebuf, elen, "USER \"%.200s\": %s", user ? user : "", r.why);
        return -1;
    }
    *uid = r.uid;
    *gid = r.gid;
    return 0;
}
