/*
 * sandbox.c — the sandbox user and its permissions in the final fs.
 *
 * The user is resolved once per scan (pc_users_resolve, before the checks
 * run) from the policy and the image's own /etc/passwd and /etc/group
 * (never the host's). The image's USER is pc_user_resolve_full's reading
 * (passwd.h), the one the root-user check judges: a
 * name must be in /etc/passwd; a number need not be (its gid is then 0);
 * "USER:GROUP" sets the gid and adds no supplementary groups; a user named
 * without a group gets every group whose member list names it. A uid
 * forced by the policy gets the same member-list groups, as Kubernetes
 * merges them by default.
 *
 * Path walks go through pc_fsview_lookup_walk with a callback that asks
 * pc_sb_may_search for every directory, so a refused directory is named
 * exactly, including directories reached through symlinks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "layer/caps.h"
#include "fs/passwd.h"
#include "fs/sandbox.h"
#include "pcx.h"

#define PC_SB_GROUPS_SHOWN 8

int pc_sb_in_group(const pc_sb_user *u, uint32_t gid)
{
    if (gid == u->gid)
        return 1;
    for (size_t i = 0; i < u->ngroups; i++)
        if (u->groups[i] == gid)
            return 1;
    return 0;
}

typedef struct group_add {
    pc_sb_user *u;
    int oom;
} group_add;

/* Groups past PC_SB_MAX_GROUPS are ignored (see sandbox.h). */
static void add_group(void *ud, uint32_t gid)
{
    group_add *g = ud;
    pc_sb_user *u = g->u;
    if (pc_sb_in_group(u, gid) || u->ngroups >= PC_SB_MAX_GROUPS)
        return;
    if (pc_grow((void **)&u->groups, &u->capgroups, u->ngroups + 1, sizeof *u->groups) < 0) {
        g->oom = 1;
        return;
    }
    u->groups[u->ngroups++] = gid;
}

/* Groups from /etc/group member lists naming the user: name [name,
 * name+nlen), else the first name uid has in /etc/passwd. */
static void member_groups(pc_sb_user *u, const pc_idfiles *f, const char *name, size_t nlen,
                          group_add *g)
{
    char buf[256];
    if (!name) {
        if (pc_passwd_name_by_uid(f->passwd, f->plen, u->uid, buf, sizeof buf) < 0)
            return;
        name = buf;
        nlen = strlen(buf);
    }
    pc_group_memberships(f->group, f->glen, name, nlen, add_group, g);
}

/* The image's USER as the runtime resolves it (img: pc_user_resolve_full's
 * reading, the one the root-user check judges); u->resolved stays 0 when
 * the runtime refuses it (img NULL). */
static void image_user(pc_sb_user *u, const pc_user_res *img, const pc_idfiles *f, group_add *g)
{
    if (!img)
        return;
    u->uid = img->uid;
    u->gid = img->gid;
    if (!img->group_given)
        member_groups(u, f, img->pw_name.p, img->pw_name.n, g);
    u->resolved = 1;
}

static void describe(pc_sb_user *u, const char *user, int from_run)
{
    char groups[PC_SB_GROUPS_SHOWN * 12 + 16] = "";
    size_t pos = 0;
    for (size_t i = 0; i < u->ngroups && i < PC_SB_GROUPS_SHOWN; i++) {
        int k = snprintf(groups + pos, sizeof groups - pos, "%s%u", i ? "," : ", groups ",
                         u->groups[i]);
        if (k < 0 || (size_t)k >= sizeof groups - pos)
            break;
        pos += (size_t)k;
    }
    if (u->ngroups > PC_SB_GROUPS_SHOWN && pos < sizeof groups)
        snprintf(groups + pos, sizeof groups - pos, ",...");
    if (!u->resolved) {
        snprintf(u->id, sizeof u->id, "unresolved");
        snprintf(u->who, sizeof u->who, "USER \"%.64s\" (unresolvable; permissions not judged)",
                 user);
        return;
    }
    snprintf(u->id, sizeof u->id, "%u:%u", u->uid, u->gid);
    if (u->forced)
        snprintf(u->who, sizeof u->who, "%s (sandbox user%s)", u->id, groups);
    else if (from_run)
        snprintf(u->who, sizeof u->who, "%s (the run's user \"%.64s\"%s)", u->id, user, groups);
    else if (*user)
        snprintf(u->who, sizeof u->who, "%s (image USER \"%.64s\"%s)", u->id, user, groups);
    else
        snprintf(u->who, sizeof u->who, "%s (image without USER%s)", u->id, groups);
}

static int cap_dropped(const pc_sandbox_spec *sb, const char *name)
{
    int cap = pc_cap_from_name(name);
    return cap < 0 || cap >= PC_CAP_MAX || ((sb->dropped_caps >> cap) & 1);
}

int pc_sb_user_from(pc_sb_user *u, const pc_sandbox_spec *sb, const char *user,
                    const pc_user_res *img, const pc_idfiles *f)
{
    group_add g = {.u = u};
    memset(u, 0, sizeof *u);
    user = user ? user : "";
    if (sb->uid >= 0) {
        u->uid = (uint32_t)sb->uid;
        if (sb->gid >= 0)
            u->gid = (uint32_t)sb->gid;
        else if (pc_passwd_by_uid(f->passwd, f->plen, u->uid, &u->gid) < 0)
            u->gid = 0;
        u->resolved = u->forced = 1;
        member_groups(u, f, NULL, 0, &g);
    } else {
        image_user(u, img, f, &g);
        if (sb->gid >= 0) {
            u->gid = (uint32_t)sb->gid;
            u->forced = 1;
        }
    }
    for (size_t i = 0; i < sb->nsupplementary_gids; i++)
        add_group(&g, sb->supplementary_gids[i]);
    u->dac_override = u->uid == 0 && !cap_dropped(sb, "DAC_OVERRIDE");
    u->dac_read_search = u->uid == 0 && !cap_dropped(sb, "DAC_READ_SEARCH");
    describe(u, user, sb->user_from_run);
    return g.oom ? -1 : 0;
}

int pc_sb_user_resolve(pc_sb_user *u, const pc_sandbox_spec *sb, const char *user,
                       const char *passwd, size_t plen, const char *group, size_t glen)
{
    pc_idfiles f = {passwd, group, passwd ? plen : 0, group ? glen : 0, 0, 0};
    pc_user_res r;
    int ok = pc_user_resolve_full(user, &f, &r) == 0;
    return pc_sb_user_from(u, sb, user, ok ? &r : NULL, &f);
}

/* One account file: its bytes, "" when it is an empty regular file, or
 * NULL; unreadable when it is there but its bytes were not kept. */
static void idfile(const pc_fsview *v, const char *path, const char **data, size_t *len,
                   int *unreadable)
{
    const pc_node *n = pc_fsview_lookup(v, path, 1);
    *len = 0;
    *data = NULL;
    *unreadable = 0;
    if (!n)
        return;
    if (n->e && n->e->data) {
        *data = n->e->data;
        *len = n->e->data_len;
    } else if (n->type == PC_E_REG && n->e && n->e->size == 0) {
        *data = "";
    } else {
        *unreadable = 1;
    }
}

void pc_sb_idfiles(const pc_fsview *v, pc_idfiles *f)
{
    idfile(v, "/etc/passwd", &f->passwd, &f->plen, &f->passwd_unreadable);
    idfile(v, "/etc/group", &f->group, &f->glen, &f->group_unreadable);
}

int pc_users_resolve(pc_users *u, const pc_fsview *v, const char *user, const pc_sandbox_spec *sb)
{
    memset(u, 0, sizeof *u);
    u->user = user ? user : "";
    pc_sb_idfiles(v, &u->files);
    u->image_ok = pc_user_resolve_full(u->user, &u->files, &u->image) == 0;
    return pc_sb_user_from(&u->sandbox, sb, u->user, u->image_ok ? &u->image : NULL, &u->files);
}

void pc_users_free(pc_users *u)
{
    pc_sb_user_free(&u->sandbox);
}

void pc_sb_user_free(pc_sb_user *u)
{
    free(u->groups);
    u->groups = NULL;
    u->ngroups = u->capgroups = 0;
}

unsigned pc_sb_perm_class(const pc_node *n, const pc_sb_user *u)
{
    uint32_t m = pc_node_mode(n);
    if (pc_node_uid(n) == u->uid)
        return (m >> 6) & 7;
    if (pc_sb_in_group(u, pc_node_gid(n)))
        return (m >> 3) & 7;
    return m & 7;
}

int pc_sb_may_execute(const pc_node *n, const pc_sb_user *u)
{
    if (!u->resolved)
        return 1;
    if (u->dac_override)
        return (pc_node_mode(n) & 0111) != 0;
    return (pc_sb_perm_class(n, u) & 1) != 0;
}

int pc_sb_may_search(const pc_node *dir, const pc_sb_user *u)
{
    if (!u->resolved || u->dac_override || u->dac_read_search)
        return 1;
    return (pc_sb_perm_class(dir, u) & 1) != 0;
}

static int search_cb(void *ud, const pc_node *dir)
{
    return pc_sb_may_search(dir, ud);
}

pc_lookup_status pc_sb_lookup(const pc_fsview *v, const char *path, const pc_sb_user *u,
                              int follow_last, const pc_node **out, const pc_node **at)
{
    return pc_fsview_lookup_walk(v, path, follow_last, search_cb, (void *)u, out, at);
}

int pc_sb_join(char *buf, size_t n, const char *dir, const char *name)
{
    int k;
    if (name[0] == '/')
        k = snprintf(buf, n, "%s", name);
    else if (!dir || !*dir)
        k = snprintf(buf, n, "/%s", name);
    else
        k = snprintf(buf, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* Try one PATH entry [entry, entry+len). 1: an executable; 0: not. */
static int try_entry(const pc_fsview *v, const char *entry, size_t len, const char *workdir,
                     const char *name, const pc_sb_user *u, pc_sb_found *cand)
{
    char dir[PC_SB_PATH_MAX];
    if (len >= sizeof dir)
        return 0;
    memcpy(dir, entry, len);
    dir[len] = 0;
    char *full = dir;
    char rel[PC_SB_PATH_MAX];
    if (len == 0 || dir[0] != '/') {
        if (pc_sb_join(rel, sizeof rel, workdir, len ? dir : ".") < 0)
            return 0;
        full = rel;
    }
    if (pc_sb_join(cand->path, sizeof cand->path, full, name) < 0)
        return 0;
    cand->status = pc_sb_lookup(v, cand->path, u, 1, &cand->node, &cand->at);
    return cand->status == PC_LOOKUP_OK && cand->node->type == PC_E_REG &&
           pc_sb_may_execute(cand->node, u);
}

int pc_sb_path_search(const pc_fsview *v, const char *pathenv, const char *workdir,
                      const char *name, const pc_sb_user *u, pc_sb_found *out)
{
    pc_sb_found cand;
    int have = 0;
    const char *p = pathenv ? pathenv : PC_SB_DEFAULT_PATH;
    memset(out, 0, sizeof *out);
    out->status = PC_LOOKUP_MISSING;
    for (int i = 0; i < PC_SB_PATH_ENTRIES; i++) {
        size_t len = strcspn(p, ":");
        memset(&cand, 0, sizeof cand);
        if (try_entry(v, p, len, workdir, name, u, &cand)) {
            *out = cand;
            return 1;
        }
        int seen = cand.status == PC_LOOKUP_OK || cand.status == PC_LOOKUP_DENIED ||
                   cand.status == PC_LOOKUP_LOOP;
        if (seen && !have) {
            *out = cand;
            have = 1;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    return 0;
}

const char *pc_sb_type_name(pc_etype t)
{
    switch (t) {
    case PC_E_REG:
    case PC_E_HARDLINK:
        return "regular file";
    case PC_E_DIR:
        return "directory";
    case PC_E_SYMLINK:
        return "symbolic link";
    case PC_E_CHR:
        return "character device";
    case PC_E_BLK:
        return "block device";
    case PC_E_FIFO:
        return "fifo";
    default:
        return "special file";
    }
}

void pc_sb_lookup_why(const pc_fsview *v, const char *path, pc_lookup_status st, const pc_node *at,
                      const pc_sb_user *u, char *buf, size_t n)
{
    char dir[PC_SB_PATH_MAX];
    const pc_node *link;
    switch (st) {
    case PC_LOOKUP_MISSING:
        link = pc_fsview_lookup(v, path, 0);
        if (link && link->type == PC_E_SYMLINK && link->e && link->e->link)
            snprintf(buf, n, "dangling symlink to %.1024s (not in the image)", link->e->link);
        else
            snprintf(buf, n, "does not exist in the image");
        return;
    case PC_LOOKUP_DENIED:
        pc_node_path(at, dir, sizeof dir);
        snprintf(buf, n, "directory %s mode %04o owner %u:%u is not searchable by %s", dir,
                 pc_node_mode(at) & 07777, pc_node_uid(at), pc_node_gid(at), u->who);
        return;
    case PC_LOOKUP_NOTDIR:
        snprintf(buf, n, "a component of the path is not a directory");
        return;
    case PC_LOOKUP_LOOP:
        snprintf(buf, n, "too many levels of symbolic links (more than %d)", PC_FS_MAX_LINKS);
        return;
    default:
        snprintf(buf, n, "path too long or too deep to resolve");
        return;
    }
}
