/*
 * check.h — one check, one file (check_*.c), one small table of callbacks:
 * what it looks at (the image config, each node of the final fs) and what
 * it reports. checks.c lists them; adding a check touches no other file.
 */
#ifndef PC_CHECK_H
#define PC_CHECK_H

#include "check/checkid.h"
#include "fs/fsview.h"
#include "image/image.h"
#include "image/imgconfig.h"
#include "profile/run.h"
#include "portcullis.h"

typedef struct pc_check_ctx {
    const pc_imgconfig *cfg;
    const pc_fsview *fs;
    const pc_run *run; /* the sandbox the image will run in */
    const pc_image *img;
    const char *const *layers; /* digest per layer index */
    pc_result *res;
} pc_check_ctx;

typedef struct pc_check {
    const char *name;
    void (*config)(pc_check_ctx *c);                                   /* once, may be NULL */
    void (*node)(pc_check_ctx *c, const char *path, const pc_node *n); /* per node, may be NULL */
} pc_check;

/* NULL-terminated list of every check (checks.c). */
extern const pc_check *const pc_checks[];

/* Record a finding. Its action starts as DENY and is a ceiling: a check
 * may lower it (a missing WORKDIR is at most a warning), and the policy
 * picks the action at or below it later. The layer is the digest of the
 * layer that put the node there. Returns -1 on OOM. */
int pc_finding_add(pc_result *r, pc_check_id id, const char *path, const char *layer,
                   const char *rule, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Free a finding's strings (not the finding). */
void pc_finding_clear(pc_finding *f);
const char *pc_check_layer(const pc_check_ctx *c, const pc_node *n);

/* The image's final /etc/passwd and /etc/group bytes, or NULL. */
const char *pc_check_idfile(const pc_check_ctx *c, const char *path, size_t *len);

#endif
