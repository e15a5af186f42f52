/*
 * source_oci.c — the oci:DIR[:TAG] transport: an OCI image layout on disk.
 *
 * DIR/oci-layout must name an imageLayoutVersion; DIR/index.json names the
 * image by its org.opencontainers.image.ref.name annotation (or is the only
 * entry); blobs live at DIR/blobs/sha256/HEX. A blob path is built only
 * from a digest that passed pc_digest_check, every component is opened
 * relative to the directory with O_NOFOLLOW (a symlink planted in the
 * layout cannot redirect a read), and a blob must be a regular file.
 * Manifests and configs are verified by manifest.c; layer bytes by the
 * layer walk, which hashes the stream this source hands out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "image/manifest.h"
#include "pcx/sha256.h"
#include "source/source.h"
#include "pcx.h"

typedef struct oci_src {
    int dirfd, blobfd; /* DIR and DIR/blobs/sha256 */
    char *dir, *tag;
    pc_cfg_copy c;
} oci_src;

/* Open name under dirfd as a regular file, never through a symlink and
 * never blocking on a FIFO. */
static int open_regular(int dirfd, const char *name, const char *shown, int *fd, uint64_t *size,
                        pc_err *e)
{
    struct stat st;
    *fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
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

static int slurp_fd(int fd, uint64_t size, size_t max, const char *shown, char **out, size_t *len,
                    pc_err *e)
{
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

static int read_small(const oci_src *st, const char *name, size_t max, char **out, size_t *len,
                      pc_err *e)
{
    char shown[4200];
    int fd;
    uint64_t size;
    snprintf(shown, sizeof shown, "%s/%s", st->dir, name);
    if (open_regular(st->dirfd, name, shown, &fd, &size, e) < 0)
        return -1;
    return slurp_fd(fd, size, max, shown, out, len, e);
}

static int open_blob(const oci_src *st, const char *digest, int *fd, uint64_t *size, char *shown,
                     size_t shown_len, pc_err *e)
{
    if (pc_digest_check(digest, "blob", e) < 0)
        return -1;
    const char *hex = digest + 7; /* checked: 64 lowercase hex digits */
    snprintf(shown, shown_len, "%s/blobs/sha256/%s", st->dir, hex);
    return open_regular(st->blobfd, hex, shown, fd, size, e);
}

static int blob_read(void *ctx, const char *digest, size_t max, char **out, size_t *len, pc_err *e)
{
    const oci_src *st = ctx;
    char shown[4200];
    int fd;
    uint64_t size;
    if (open_blob(st, digest, &fd, &size, shown, sizeof shown, e) < 0)
        return -1;
    return slurp_fd(fd, size, max, shown, out, len, e);
}

static int open_dirs(oci_src *st, pc_err *e)
{
    st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->dirfd < 0)
        return pc_err_set(e, "%s: %s", st->dir, strerror(errno));
    int blobs = openat(st->dirfd, "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (blobs >= 0) {
        st->blobfd = openat(blobs, "sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(blobs);
    }
    if (st->blobfd < 0)
        return pc_err_set(e, "%s/blobs/sha256: %s", st->dir, strerror(errno));
    return 0;
}

static void oci_close(void *state)
{
    oci_src *st = state;
    if (!st)
        return;
    if (st->dirfd >= 0)
        close(st->dirfd);
    if (st->blobfd >= 0)
        close(st->blobfd);
    free(st->dir);
    free(st->tag);
    free(st);
}

static int oci_open(const char *spec, const pc_source_cfg *cfg, void **state, pc_err *e)
{
    *state = NULL;
    oci_src *st = calloc(1, sizeof *st);
    if (!st)
        return pc_err_set(e, "out of memory");
    st->dirfd = st->blobfd = -1;
    pc_cfg_copy_init(&st->c, cfg);
    char *layout = NULL, shown[4200];
    size_t len;
    int rc = pc_spec_split(spec, "oci", &st->dir, &st->tag, e);
    if (rc == 0)
        rc = open_dirs(st, e);
    if (rc == 0)
        rc = read_small(st, "oci-layout", pc_limit_size(st->c.limits.max_manifest_bytes), &layout,
                        &len, e);
    if (rc == 0) {
        snprintf(shown, sizeof shown, "%s/oci-layout", st->dir);
        rc = pc_layout_check(layout, len, shown, e);
    }
    free(layout);
    if (rc < 0) {
        oci_close(st);
        return -1;
    }
    *state = st;
    return 0;
}

static int oci_resolve(void *state, pc_image *img, pc_err *e)
{
    oci_src *st = state;
    char *index, shown[4200];
    size_t len;
    pc_desc d = {0};
    memset(img, 0, sizeof *img);
    if (read_small(st, "index.json", pc_limit_size(st->c.limits.max_manifest_bytes), &index, &len,
                   e) < 0)
        return -1;
    snprintf(shown, sizeof shown, "%s/index.json", st->dir);
    int rc = pc_layout_select(index, len, shown, st->tag, &st->c.platform, &d, e);
    free(index);
    if (rc == 0)
        rc = pc_manifest_resolve(blob_read, st, d.media_type, d.digest, d.size, &st->c.cfg, img, e);
    free(d.media_type);
    return rc;
}

static int oci_open_layer(void *state, const pc_layer_desc *l, pc_stream **out, pc_err *e)
{
    const oci_src *st = state;
    char shown[4200];
    int fd;
    uint64_t size;
    *out = NULL;
    if (open_blob(st, l->d.digest, &fd, &size, shown, sizeof shown, e) < 0)
        return -1;
    if (l->d.size >= 0 && size != (uint64_t)l->d.size) {
        close(fd);
        return pc_err_set(e, "%s: %llu bytes, but the manifest says %lld", shown,
                          (unsigned long long)size, (long long)l->d.size);
    }
    *out = pc_stream_fd(fd, size);
    if (!*out) {
        close(fd);
        return pc_err_set(e, "out of memory");
    }
    return 0;
}

const pc_source_ops pc_source_oci = {
    .transport = "oci",
    .open = oci_open,
    .resolve = oci_resolve,
    .open_layer = oci_open_layer,
    .close = oci_close,
};
