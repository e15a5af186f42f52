/*
 * ocilayout.h — the OCI image layout (oci-layout, index.json,
 * blobs/sha256/HEX, images named by org.opencontainers.image.ref.name),
 * read by one module over a small blob store. A transport that holds a
 * layout (oci: a directory, oci-archive: a tar) only says how to read a
 * file of it; opening, selecting the image by tag and platform, verifying
 * documents and handing out layer streams are the same for both.
 */
#ifndef PC_OCILAYOUT_H
#define PC_OCILAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include "pcx.h"
#include "source/source.h"
#include "source/spec.h"
#include "source/stream.h"

/* Where a layout's files are. name is relative to the layout's root:
 * "oci-layout", "index.json" or "blobs/sha256/HEX" (HEX from a digest that
 * passed pc_digest_check). Each call reports its own failure in e. */
typedef struct pc_blob_store pc_blob_store;
struct pc_blob_store {
    /* Read the whole file of at most max bytes (NUL-terminated copy). */
    int (*read)(const pc_blob_store *bs, const char *name, size_t max, char **out, size_t *len,
                pc_err *e);
    /* A stream over the file's bytes; *size is its length. */
    int (*open)(const pc_blob_store *bs, const char *name, pc_stream **out, uint64_t *size,
                pc_err *e);
    /* How the file is named in a message ("DIR/NAME", "FILE: NAME"). */
    void (*show)(const pc_blob_store *bs, const char *name, char *out, size_t n);
    void (*free)(pc_blob_store *bs);
};

/* Open the layout held by store (owned from here on, freed on failure
 * too): check its oci-layout file. tag (copied; NULL: the only image)
 * names the image to resolve. *state is for the pc_oci_layout_* functions
 * below, which a transport's row uses as its resolve, open_layer and close. */
int pc_oci_layout_open(pc_blob_store *store, const char *tag, const pc_source_cfg *cfg,
                       void **state, pc_err *e);
int pc_oci_layout_resolve(void *state, pc_image *img, pc_err *e);
int pc_oci_layout_open_layer(void *state, const pc_layer_desc *l, pc_stream **out, pc_err *e);
void pc_oci_layout_close(void *state);

#endif
