/*
 * transport_oci_archive.c — the oci-archive:FILE[:TAG] transport: an OCI
 * image layout packed in an uncompressed tar (what `skopeo copy ...
 * oci-archive:` writes), read by ocilayout.c over the blob store below.
 * Nothing is extracted: source_tar.c indexes the members once and every
 * file of the layout is read in place.
 */
#include <stdio.h>
#include <stdlib.h>
#include "source/ocilayout.h"
#include "source/source.h"
#include "source/spec.h"
#include "source/source_tar.h"
#include "pcx.h"

typedef struct tar_store {
    pc_blob_store bs;
    pc_tar_index *tar;
    char *file;
} tar_store;

static int tar_read(const pc_blob_store *bs, const char *name, size_t max, char **out, size_t *len,
                    pc_err *e)
{
    return pc_tar_index_read(((const tar_store *)bs)->tar, name, max, out, len, e);
}

static int tar_open(const pc_blob_store *bs, const char *name, pc_stream **out, uint64_t *size,
                    pc_err *e)
{
    const tar_store *t = (const tar_store *)bs;
    *out = NULL;
    if (pc_tar_index_find(t->tar, name, size, NULL, e) < 0)
        return -1;
    return pc_tar_index_stream(t->tar, name, out, e);
}

static void tar_show(const pc_blob_store *bs, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s: %s", ((const tar_store *)bs)->file, name);
}

static void tar_free(pc_blob_store *bs)
{
    tar_store *t = (tar_store *)bs;
    pc_tar_index_free(t->tar);
    free(t->file);
    free(t);
}

static int ocia_open(const char *spec, const pc_source_cfg *cfg, void **state, pc_err *e)
{
    *state = NULL;
    char *file, *tag;
    if (pc_spec_split(spec, "oci-archive", &file, &tag, e) < 0)
        return -1;
    tar_store *t = calloc(1, sizeof *t);
    if (!t) {
        free(file);
        free(tag);
        return pc_err_set(e, "out of memory");
    }
    *t = (tar_store){{tar_read, tar_open, tar_show, tar_free}, NULL, file};
    int rc = pc_tar_index_open(file, &t->tar, e);
    if (rc < 0)
        tar_free(&t->bs);
    else
        rc = pc_oci_layout_open(&t->bs, tag, cfg, state, e);
    free(tag);
    return rc;
}

const pc_source_ops pc_source_oci_archive = {
    .transport = "oci-archive",
    .prefix = "oci-archive:",
    .listed = 2,
    .open = ocia_open,
    .resolve = pc_oci_layout_resolve,
    .open_layer = pc_oci_layout_open_layer,
    .close = pc_oci_layout_close,
};
