/*
 * ocilayout.c — an OCI image layout read over a pc_blob_store, for every
 * transport that holds one (oci:, oci-archive:).
 *
 * open() reads oci-layout, which must name an imageLayoutVersion;
 * resolve() reads index.json, picks the entry whose
 * org.opencontainers.image.ref.name is the tag (or the only image) and the
 * requested platform among entries of that name (manifest.c), then lets
 * pc_manifest_resolve walk manifest and config through blob_read, which
 * verifies every document's digest before parsing it. A blob's name is
 * built only from a digest that passed pc_digest_check. open_layer()
 * refuses a blob whose size is not the manifest's; the layer walk hashes
 * the stream it is handed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "image/manifest.h"
#include "pcx/sha256.h"
#include "source/ocilayout.h"
#include "pcx.h"

typedef struct layout {
    pc_blob_store *store;
    char *tag;
    pc_cfg_copy c;
} layout;

/* "blobs/sha256/HEX" for a digest that passes pc_digest_check. */
static int blob_name(const char *digest, char name[86], pc_err *e)
{
    if (pc_digest_check(digest, "blob", e) < 0)
        return -1;
    snprintf(name, 86, "blobs/sha256/%s", digest + 7);
    return 0;
}

static int blob_read(void *ctx, const char *digest, size_t max, char **out, size_t *len, pc_err *e)
{
    const layout *l = ctx;
    char name[86];
    if (blob_name(digest, name, e) < 0)
        return -1;
    return l->store->read(l->store, name, max, out, len, e);
}

/* Read the small file name of the layout; shown is how messages name it. */
static int read_small(const layout *l, const char *name, char **out, size_t *len, char *shown,
                      size_t shown_len, pc_err *e)
{
    size_t max = pc_limit_size(l->c.limits.max_manifest_bytes);
    if (l->store->read(l->store, name, max, out, len, e) < 0)
        return -1;
    l->store->show(l->store, name, shown, shown_len);
    return 0;
}

void pc_oci_layout_close(void *state)
{
    layout *l = state;
    if (!l)
        return;
    if (l->store)
        l->store->free(l->store);
    free(l->tag);
    free(l);
}

int pc_oci_layout_open(pc_blob_store *store, const char *tag, const pc_source_cfg *cfg,
                       void **state, pc_err *e)
{
    *state = NULL;
    layout *l = calloc(1, sizeof *l);
    if (!l) {
        store->free(store);
        return pc_err_set(e, "out of memory");
    }
    l->store = store;
    pc_cfg_copy_init(&l->c, cfg);
    char *doc = NULL, shown[4200];
    size_t len;
    int rc = 0;
    if (tag && !(l->tag = pc_strdup(tag)))
        rc = pc_err_set(e, "out of memory");
    if (rc == 0)
        rc = read_small(l, "oci-layout", &doc, &len, shown, sizeof shown, e);
    if (rc == 0)
        rc = pc_layout_check(doc, len, shown, e);
    free(doc);
    if (rc < 0) {
        pc_oci_layout_close(l);
        return -1;
    }
    *state = l;
    return 0;
}

int pc_oci_layout_resolve(void *state, pc_image *img, pc_err *e)
{
    layout *l = state;
    char *index, shown[4200];
    size_t len;
    pc_desc d = {0};
    memset(img, 0, sizeof *img);
    if (read_small(l, "index.json", &index, &len, shown, sizeof shown, e) < 0)
        return -1;
    int rc = pc_layout_select(index, len, shown, l->tag, &l->c.platform, &d, e);
    free(index);
    if (rc == 0)
        rc = pc_manifest_resolve(blob_read, l, d.media_type, d.digest, d.size, &l->c.cfg, img, e);
    free(d.media_type);
    return rc;
}

int pc_oci_layout_open_layer(void *state, const pc_layer_desc *ld, pc_stream **out, pc_err *e)
{
    const layout *l = state;
    char name[86], shown[4200];
    uint64_t size;
    *out = NULL;
    if (blob_name(ld->d.digest, name, e) < 0 || l->store->open(l->store, name, out, &size, e) < 0)
        return -1;
    if (ld->d.size >= 0 && size != (uint64_t)ld->d.size) {
        (*out)->close(*out);
        *out = NULL;
        l->store->show(l->store, name, shown, sizeof shown);
        return pc_err_set(e, "%s: %llu bytes, but the manifest says %lld", shown,
                          (unsigned long long)size, (long long)ld->d.size);
    }
    return 0;
}
