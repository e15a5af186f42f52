/*
 * fsneeds.c — what a scan reads and writes on the filesystem once its
 * context is built, for the filesystem confinement (portcullis.h,
 * lib/attest/landlock.c): pc_fsconfine_allow_options and
 * pc_fsconfine_allow_image.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ctx.h"
#include "portcullis.h"
#include "pcx.h"
#include "source/source.h"
#include "source/spec.h"

/* A directory itself, a file's directory. */
static int allow_tree(pc_fsconfine *c, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return pc_fsconfine_allow(c, path, PC_FS_READ);
    return pc_fsconfine_allow_parent(c, path, PC_FS_READ);
}

int pc_fsconfine_allow_options(pc_fsconfine *c, const pc_options *o, int reloads)
{
    int rc = 0;
    if (o->cache_dir) { /* made now, as building the context would (its errors said there) */
        (void)pc_mkdir_p(o->cache_dir);
        rc |= pc_fsconfine_allow(c, o->cache_dir, PC_FS_WRITE);
    }
    if (!reloads)
        return rc;
    /* a ConfigMap update swaps a symlink in the file's directory: the
     * new file is a new inode, so the directory is what is allowed */
    if (o->policy && pc_policy_is_file(o->policy))
        rc |= pc_fsconfine_allow_parent(c, o->policy, PC_FS_READ);
    if (o->exceptions)
        rc |= pc_fsconfine_allow_parent(c, o->exceptions, PC_FS_READ);
    if (o->rules)
        rc |= allow_tree(c, o->rules);
    rc |= pc_fsconfine_allow(c, o->policies_dir ? o->policies_dir : PC_DATADIR "/rules/policies",
                             PC_FS_READ);
    char *shipped = pc_default_rules_dir();
    rc |= shipped ? pc_fsconfine_allow(c, shipped, PC_FS_READ) : -1;
    free(shipped);
    return rc ? -1 : 0;
}

int pc_fsconfine_allow_image(pc_fsconfine *c, const char *ref)
{
    const pc_source_ops *ops;
    const char *spec;
    pc_err e;
    if (pc_source_lookup(ref, &ops, &spec, &e) < 0)
        return -1;
    if (strcmp(ops->transport, "docker") == 0)
        return 0;
    char *path = NULL, *sel = NULL;
    if (pc_spec_split(spec, ops->transport, &path, &sel, &e) < 0)
        return -1;
    int rc = pc_fsconfine_allow(c, path, PC_FS_READ);
    free(path);
    free(sel);
    return rc;
}
