/*
 * source_oci_archive.c — the oci-archive:FILE[:TAG] transport: an OCI image
 * layout packed in an uncompressed tar (what `skopeo copy ... oci-archive:`
 * writes). Nothing is extracted: source_tar.c indexes the members once and
 * every file of the layout (oci-layout, index.json, blobs/sha256/HEX) is
 * read in place. Member paths are built only from checked digests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "image/manifest.h"
#include "pcx/sha256.h"
#include "source/source.h"
#include "source/source_tar.h"
#include "pcx.h"

typedef struct ocia_src {
    pc_tar_index *tar;
    char *file, *tag;
    pc_cfg_copy c;
} ocia_src;

/* "blobs/sha256/HEX" for a digest that passes pc_digest_check. */
static int blob_member(const char *digest, char name[86], pc_err *e)
{
    if (pc_digest_check(digest, "blob", e) < 0)
        return -1;
    snprintf(name, 86, "blobs/sha256/%s", digest + 7);
    return 0;
}

static int blob_read(void *ctx, const char *digest, size_t max, char **out, size_t *len, pc_err *e)
{
    const ocia_src *st = ctx;
    char name[86];
    if (blob_member(digest, name, e) < 0)
        return -1;
    return pc_tar_index_read(st->tar, name, max, out, len, e);
}

static void ocia_close(void *state)
{
    ocia_src *st = state;
    if (!st)
        return;
    pc_tar_index_free(st->tar);
    free(st->file);
    free(st->tag);
    free(st);
}

static int check_layout(const ocia_src *st, pc_err *e)
{
    char *layout, shown[4200];
    size_t len;
    size_t max = pc_limit_size(st->c.limits.max_manifest_bytes);
    if (pc_tar_index_read(st->tar, "oci-layout", max, &layout, &len, e) < 0)
        return -1;
    snprintf(shown, sizeof shown, "%s: oci-layout", st->file);
    int rc = pc_layout_check(layout, len, shown, e);
    free(layout);
    return rc;
}

static int ocia_open(const char *spec, const pc_source_cfg *cfg, void **state, pc_err *e)
{
    *state = NULL;
    ocia_src *st = calloc(1, sizeof *st);
    if (!st)
        return pc_err_set(e, "out of memory");
    pc_cfg_copy_init(&st->c, cfg);
    int rc = pc_spec_split(spec, "oci-archive", &st->file, &st->tag, e);
    if (rc == 0)
        rc = pc_tar_index_open(st->file, &st->tar, e);
    if (rc == 0)
        rc = check_layout(st, e);
    if (rc < 0) {
        ocia_close(st);
        return -1;
    }
    *state = st;
    return 0;
}

static int ocia_resolve(void *state, pc_image *img, pc_err *e)
{
    ocia_src *st = state;
    char *index, shown[4200];
    size_t len;
    pc_desc d = {0};
    memset(img, 0, sizeof *img);
    size_t max = pc_limit_size(st->c.limits.max_manifest_bytes);
    if (pc_tar_index_read(st->tar, "index.json", max, &index, &len, e) < 0)
        return -1;
    snprintf(shown, sizeof shown, "%s: index.json", st->file);
    int rc = pc_layout_select(index, len, shown, st->tag, &st->c.platform, &d, e);
    free(index);
    if (rc == 0)
        rc = pc_manifest_resolve(blob_read, st, d.media_type, d.digest, d.size, &st->c.cfg, img, e);
    free(d.media_type);
    return rc;
}

static int ocia_open_layer(void *state, const pc_layer_desc *l, pc_stream **out, pc_err *e)
{
    const ocia_src *st = state;
    char name[86];
    uint64_t size;
    *out = NULL;
    if (blob_member(l->d.digest, name, e) < 0 ||
        pc_tar_index_find(st->tar, name, &size, NULL, e) < 0)
        return -1;
    if (l->d.size >= 0 && size != (uint64_t)l->d.size)
        return pc_err_set(e, "%s: %s: %llu bytes, but the manifest says %lld", st->file, name,
                          (unsigned long long)size, (long long)l->d.size);
    return pc_tar_index_stream(st->tar, name, out, e);
}

const pc_source_ops pc_source_oci_archive = {
    .transport = "oci-archive",
    .open = ocia_open,
    .resolve = ocia_resolve,
    .open_layer = ocia_open_layer,
    .close = ocia_close,
};
