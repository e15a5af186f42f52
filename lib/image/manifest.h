/*
 * manifest.h — turning an image's JSON documents into a pc_image, shared by
 * every source. A source only knows how to fetch a blob by digest (a
 * pc_blob_read_fn); this module verifies each blob's digest before it
 * parses a byte of it, walks an index to the requested platform, reads and
 * verifies the config and builds the layer descriptors. It also reads the
 * two files of an OCI image layout (oci-layout, index.json).
 */
#ifndef PC_MANIFEST_H
#define PC_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include "pcx.h"
#include "image/image.h"
#include "image/request.h"

/* Fetch the blob named by digest (already checked with pc_digest_check) into
 * a malloc'd NUL-terminated buffer of at most max bytes; -1 with a message
 * when it is missing, unreadable or larger than max. */
typedef int (*pc_blob_read_fn)(void *ctx, const char *digest, size_t max, char **out, size_t *len,
                               pc_err *e);

/* Resolve the manifest or index named by (media_type, digest, size) into img.
 * media_type may be NULL (taken from the document), size -1 when unknown.
 * img->digest is this top-level digest; on failure img is freed (zeroed). */
int pc_manifest_resolve(pc_blob_read_fn rd, void *ctx, const char *media_type, const char *digest,
                        int64_t size, const pc_source_cfg *cfg, pc_image *img, pc_err *e);

/* 0 when data hashes to digest and (size >= 0) has size bytes; otherwise
 * "WHAT digest mismatch: got sha256:..." or a size mismatch message. */
int pc_blob_verify(const char *data, size_t len, const char *digest, int64_t size, const char *what,
                   pc_err *e);

/* What the scanner takes from an image config. */
typedef struct pc_config_info {
    pc_platform platform;
    int has_platform; /* config named os and architecture */
    char **diff_ids;  /* rootfs.diff_ids, each a checked digest */
    size_t ndiff_ids;
} pc_config_info;

/* Parse config JSON; messages are prefixed with what (e.g. "config sha256:..."). */
int pc_config_info_parse(const char *json, size_t len, const char *what, pc_config_info *ci,
                         pc_err *e);
void pc_config_info_free(pc_config_info *ci);

/* -1 when cfg asked for a platform explicitly and got is not it. */
int pc_platform_check(const pc_source_cfg *cfg, const pc_platform *got, pc_err *e);

/* OCI image layout: the oci-layout file must name an imageLayoutVersion. */
int pc_layout_check(const char *json, size_t len, const char *what, pc_err *e);
/* Pick the index.json entry whose org.opencontainers.image.ref.name is tag
 * (tag NULL: the only image). Several entries under one name are one image
 * in several platforms: want (NULL: linux/amd64) chooses among them.
 * out->media_type is malloc'd (may be NULL). */
int pc_layout_select(const char *json, size_t len, const char *what, const char *tag,
                     const pc_platform *want, pc_desc *out, pc_err *e);

#endif
