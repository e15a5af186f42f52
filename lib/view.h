/*
 * view.h — the image as portcullis reads it, for people and for the
 * differential tests: every path of the final filesystem with its type,
 * mode, owner, size, link target, device numbers, file capability and
 * hardlink group, and the effective config (`portcullis inspect`).
 */
#ifndef PC_VIEW_H
#define PC_VIEW_H

#include "pcx.h"
#include "fs/fsview.h"
#include "image/imgconfig.h"

/* JSON text (malloc'd) into *out. user_uid/user_gid: what USER resolves
 * to; user_err non-NULL instead when the runtime could not resolve it. */
int pc_view_json(const pc_fsview *fs, const pc_imgconfig *cfg, long long user_uid,
                 long long user_gid, const char *user_err, char **out, pc_err *e);

#endif
