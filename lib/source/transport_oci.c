/*
 * transport_oci.c — the oci:DIR[:TAG] transport: an OCI image layout in a
 * directory, read by ocilayout.c over the blob store below.
 *
 * Every file is opened relative to the directory with O_NOFOLLOW (blobs
 * under DIR/blobs/sha256, itself opened without following a symlink), so
 * a symlink planted in the layout cannot redirect a read; a file must be a
 * regular one, and is never opened in a way that blocks on a FIFO.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "source/ocilayout.h"
#include "source/source.h"
#include "source/spec.h"
#include "pcx.h"

#define BLOBS "blobs/sha256/"

typedef struct dir_store {
    pc_blob_store bs;
    int dirfd, blobfd; /* DIR and DIR/blobs/sha256 */
    char *dir;
} dir_store;

static void dir_show(const pc_blob_store *bs, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", ((const dir_store *)bs)->dir, name);
}

/* Open name of the layout as a regular file, never through a symlink and
 * never blocking on a FIFO. */
static int open_regular(const dir_store *d, const char *name, int *fd, uint64_t *size, pc_err *e)
{
    char shown[4200];
    struct stat st;
    int at = d->dirfd;
    const char *rel = name;
    if (strncmp(name, BLOBS, strlen(BLOBS)) == 0) {
        at = d->blobfd;
        rel = name + strlen(BLOBS);
    }
    dir_show(&d->bs, name, shown, sizeof shown);
    *fd = openat(at, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (*fd < 0)
        return pc_err_set(e, "%s: %s", shown, strerror(errno));
    if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return pc_err_set(e, "%s: not a regular file", shown);
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

static int dir_open(const pc_blob_store *bs, const char *name, pc_stream **out, uint64_t *size,
                    pc_err *e)
{
    int fd;
    *out = NULL;
    if (open_regular((const dir_store *)bs, name, &fd, size, e) < 0)
        return -1;
    *out = pc_stream_fd(fd, *size);
    if (!*out) {
        close(fd);
        return pc_err_set(e, "out of memory");
    }
    return 0;
}

static int dir_read(const pc_blob_store *bs, const char *name, size_t max, char **out, size_t *len,
                    pc_err *e)
{
    char shown[4200];
    int fd;
    uint64_t size;
    if (open_regular((const dir_store *)bs, name, &fd, &size, e) < 0)
        return -1;
    dir_show(bs, name, shown, sizeof shown);
    if (size > (uint64_t)max) {
        close(fd);
        return pc_err_set(e, "%s: %llu bytes exceeds the limit of %zu", shown,
                          (unsigned long long)size, max);
    }
    pc_stream *s = pc_stream_fd(fd, 0);
    if (!s) {
        close(fd);
        return pc_err_set(e, "out of memory");
    }
    int rc = pc_stream_slurp(s, max, out, len, e);
    s->close(s);
    return rc < 0 ? pc_err_prefix(e, "%s", shown) : 0;
}

static void dir_free(pc_blob_store *bs)
{
    dir_store *d = (dir_store *)bs;
    if (d->dirfd >= 0)
        close(d->dirfd);
    if (d->blobfd >= 0)
        close(d->blobfd);
    free(d->dir);
    free(d);
}

static int open_dirs(dir_store *d, pc_err *e)
{
    d->dirfd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->dirfd < 0)
        return pc_err_set(e, "%s: %s", d->dir, strerror(errno));
    int blobs = openat(d->dirfd, "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (blobs >= 0) {
        d->blobfd = openat(blobs, "sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(blobs);
    }
    if (d->blobfd < 0)
        return pc_err_set(e, "%s/blobs/sha256: %s", d->dir, strerror(errno));
    return 0;
}

static int oci_open(const char *spec, const pc_source_cfg *cfg, void **state, pc_err *e)
{
    *state = NULL;
    char *dir, *tag;
    if (pc_spec_split(spec, "oci", &dir, &tag, e) < 0)
        return -1;
    dir_store *d = calloc(1, sizeof *d);
    if (!d) {
        free(dir);
        free(tag);
        return pc_err_set(e, "out of memory");
    }
    *d = (dir_store){{dir_read, dir_open, dir_show, dir_free}, -1, -1, dir};
    int rc = open_dirs(d, e);
    if (rc < 0)
        dir_free(&d->bs);
    else
        rc = pc_oci_layout_open(&d->bs, tag, cfg, state, e);
    free(tag);
    return rc;
}

const pc_source_ops pc_source_oci = {
    .transport = "oci",
    .prefix = "oci:",
    .listed = 1,
    .open = oci_open,
    .resolve = pc_oci_layout_resolve,
    .open_layer = pc_oci_layout_open_layer,
    .close = pc_oci_layout_close,
};
