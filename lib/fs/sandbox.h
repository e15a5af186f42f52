/*
 * sandbox.h — the user a sandbox starts the image's program as, and what
 * that user may do in the final filesystem: execute a file, search a
 * directory, reach a path, find a bare name in PATH. Used by the
 * entrypoint-unrunnable and workdir-inaccessible checks; both users of a
 * scan (pc_users) are resolved once, before the checks run.
 *
 * The user comes from the run's sandbox (run.h, the policy file's
 * `sandbox` section: uid/gid forced by the runtime) or, where it leaves
 * them null, from the image's USER resolved through the image's own
 * /etc/passwd and /etc/group.
 * Permissions follow the kernel: the owner bits when the uid owns the
 * file, else the group bits when the file's group is the gid or a
 * supplementary gid, else the other bits. Only uid 0 holding
 * CAP_DAC_OVERRIDE (or CAP_DAC_READ_SEARCH, for directories) bypasses
 * them, and even then executing needs at least one x bit.
 */
#ifndef PC_SANDBOX_H
#define PC_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include "fs/fsview.h"
#include "fs/passwd.h"
#include "profile/run.h"

/* runc's PATH when the image config sets none. */
#define PC_SB_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* Supplementary groups kept; more are ignored, so a hostile /etc/group
 * cannot make the duplicate check quadratic in its size. */
#define PC_SB_MAX_GROUPS 1024
#define PC_SB_PATH_MAX 4096
#define PC_SB_PATH_ENTRIES 1024 /* PATH entries tried; more are ignored */

typedef struct pc_sb_user {
    uint32_t uid, gid;
    uint32_t *groups; /* supplementary gids, without duplicates */
    size_t ngroups, capgroups;
    int resolved;        /* 0: the image's USER names no one the runtime can resolve */
    int forced;          /* uid or gid is the policy's, not the image's */
    int dac_override;    /* uid 0 with CAP_DAC_OVERRIDE: permission bits do not bind */
    int dac_read_search; /* uid 0 with CAP_DAC_READ_SEARCH: every directory is searchable */
    char id[24];         /* "1001:1001", or the raw USER when unresolved */
    char who[256];       /* "1001:1001 (sandbox user)", for messages */
} pc_sb_user;

/* Resolve the sandbox user from the run's sandbox and the image's USER (forms:
 * "", name, uid, name:group, uid:gid) with the image's passwd and group
 * bytes (either may be NULL), as pc_user_resolve_full (passwd.h) reads it. Supplementary groups:
 * the policy's, plus the groups whose member list names the user, as runc adds them for a user
 * named without a group and as Kubernetes adds them for a forced uid. Returns -1 only when out of
 * memory.
 */
int pc_sb_user_resolve(pc_sb_user *u, const pc_sandbox_spec *sb, const char *user,
                       const char *passwd, size_t plen, const char *group, size_t glen);
/* The same, with the image's USER already resolved: img is
 * pc_user_resolve_full's reading of user, or NULL when no runtime starts it. */
int pc_sb_user_from(pc_sb_user *u, const pc_sandbox_spec *sb, const char *user,
                    const pc_user_res *img, const pc_idfiles *f);
/* The image's final /etc/passwd and /etc/group, for pc_user_resolve_full:
 * an empty regular file is "", one whose bytes were not kept (over 1 MiB,
 * a directory, ...) is NULL and unreadable. */
void pc_sb_idfiles(const pc_fsview *v, pc_idfiles *f);
void pc_sb_user_free(pc_sb_user *u);

/* The two users a scan judges, resolved once (checks.c hands them to
 * every check that reads them). The image's USER as the runtimes resolve
 * it with the image's own account files (pc_user_resolve_full, the worst
 * reading), and the user the policy's sandbox profile starts the program
 * as (the forced uid/gid, else that same reading). */
typedef struct pc_users {
    const char *user;   /* the config's USER, "" when unset */
    pc_idfiles files;   /* the image's final /etc/passwd and /etc/group */
    int image_ok;       /* 1: the runtime starts it as image.uid:image.gid */
    pc_user_res image;  /* the reading judged; image.why says why not when !image_ok */
    pc_sb_user sandbox; /* who the sandbox starts the program as */
} pc_users;

/* Always leaves u freeable; -1 only when out of memory. */
int pc_users_resolve(pc_users *u, const pc_fsview *v, const char *user, const pc_sandbox_spec *sb);
void pc_users_free(pc_users *u);

int pc_sb_in_group(const pc_sb_user *u, uint32_t gid);
/* The rwx bits (0..7) of n that apply to u: owner, group or other. */
unsigned pc_sb_perm_class(const pc_node *n, const pc_sb_user *u);
/* u may execve n (permission only; the caller checks the type). */
int pc_sb_may_execute(const pc_node *n, const pc_sb_user *u);
/* u may look names up in dir. */
int pc_sb_may_search(const pc_node *dir, const pc_sb_user *u);

/* Resolve path (absolute, inside the root) as u would: every directory
 * walked, symlink targets included, must be searchable. *at gets the
 * refused directory for PC_LOOKUP_DENIED. */
pc_lookup_status pc_sb_lookup(const pc_fsview *v, const char *path, const pc_sb_user *u,
                              int follow_last, const pc_node **out, const pc_node **at);

/* dir + "/" + name into buf, "/" when dir is empty; -1 when it does not fit. */
int pc_sb_join(char *buf, size_t n, const char *dir, const char *name);

/* One PATH search: the first entry where name is a regular file u may
 * execute, else the first entry where something by that name was found
 * (to say why it does not run), else nothing (status MISSING, path ""). */
typedef struct pc_sb_found {
    char path[PC_SB_PATH_MAX]; /* the candidate, as built from the PATH entry */
    pc_lookup_status status;
    const pc_node *node; /* on PC_LOOKUP_OK */
    const pc_node *at;   /* refused directory on PC_LOOKUP_DENIED */
} pc_sb_found;
/* Relative PATH entries (and empty ones, meaning ".") are taken from
 * workdir. Returns 1 when an executable was found, 0 otherwise. */
int pc_sb_path_search(const pc_fsview *v, const char *pathenv, const char *workdir,
                      const char *name, const pc_sb_user *u, pc_sb_found *out);

/* Why a lookup of path failed with st, for messages, into buf: "does not
 * exist in the image", "dangling symlink to /x (not in the image)",
 * "directory /opt mode 0700 owner 0:0 is not searchable by WHO", ... */
void pc_sb_lookup_why(const pc_fsview *v, const char *path, pc_lookup_status st, const pc_node *at,
                      const pc_sb_user *u, char *buf, size_t n);

/* "directory", "regular file", ... for messages. */
const char *pc_sb_type_name(pc_etype t);

#endif
