/*
 * image.h — what a source resolves a reference to: the digests that name
 * the image, its verified config bytes and the ordered layer descriptors.
 */
#ifndef PC_IMAGE_H
#define PC_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "pcx.h"

typedef enum {
    PC_COMP_NONE = 0,
    PC_COMP_GZIP,
    PC_COMP_ZSTD,
} pc_compression;

/* How a layer's bytes are decoded, decided by its media type before a
 * byte is read (containerd's images.DiffCompression): RAW reads the blob
 * as the tar itself (OCI ...layer.v1.tar), SNIFF lets the magic bytes pick
 * gzip, zstd or raw (every other layer type). Part of the facts cache key. */
typedef enum {
    PC_DECODE_SNIFF = 0,
    PC_DECODE_RAW = 1,
} pc_decode_class;

typedef struct pc_desc {
    char *media_type;
    char digest[72]; /* "sha256:..." */
    int64_t size;    /* -1: unknown (docker-archive) */
} pc_desc;

typedef struct pc_layer_desc {
    pc_desc d;
    pc_compression comp; /* declared by the media type; the bytes decide (decompress.h) */
    char *diff_id;       /* uncompressed digest from config rootfs.diff_ids, or NULL */
    char *locator;       /* source-private: where the blob lives (e.g. path in an archive) */
    int verify_diff;     /* 1: verify diff_id over the uncompressed stream (no compressed digest) */
} pc_layer_desc;

typedef struct pc_platform {
    char os[32], arch[32], variant[32];
} pc_platform;

typedef struct pc_image {
    char digest[72];          /* what the reference resolved to (index or manifest); "" if none */
    char manifest_digest[72]; /* the platform manifest; "" for docker-archive */
    char config_digest[72];
    char *config; /* verified config JSON bytes, NUL-terminated */
    size_t config_len;
    pc_platform platform; /* of the selected manifest (from index or config) */
    pc_layer_desc *layers;
    size_t nlayers;
} pc_image;

void pc_image_free(pc_image *img);

/* Parse "os/arch[/variant]"; -1 on malformed. */
int pc_platform_parse(const char *s, pc_platform *p);
void pc_platform_format(const pc_platform *p, char *out, size_t n);

/* Map a layer media type to its compression. -1 for unknown or
 * non-distributable types (message names the type). */
int pc_layer_media_type(const char *mt, pc_compression *comp, pc_err *e);
/* The decode class of a layer media type: RAW only for the OCI
 * uncompressed tar, SNIFF for everything else (NULL included). */
pc_decode_class pc_layer_decode_class(const char *mt);
const char *pc_decode_class_name(pc_decode_class c);

#endif
