/*
 * source.h — one interface for every place images come from. Each
 * transport (oci:, oci-archive:, docker-archive:, docker://) is one file,
 * lib/source/transport_X.c, defining one row: const pc_source_ops
 * pc_source_X, which carries its prefix with its functions. The Makefile
 * lists those files in $(B)/gen/transports.h, so adding a transport
 * touches no other file; pc_source_lookup picks the row by prefix.
 */
#ifndef PC_SOURCE_H
#define PC_SOURCE_H

#include "pcx.h"
#include "image/image.h"
#include "image/request.h"
#include "source/stream.h"

typedef struct pc_source_ops {
    const char *transport; /* "oci", "oci-archive", "docker-archive", "docker" */
    const char *prefix;    /* what a reference starts with: "oci:", "docker://" */
    int bare;              /* 1: a reference without a prefix is this transport's */
    int listed;            /* its place in the "supported:" list of messages */
    /* spec: the reference with the "transport:" prefix removed. */
    int (*open)(const char *spec, const pc_source_cfg *cfg, void **state, pc_err *e);
    /* Resolve to an image: select the platform, read and verify the config. */
    int (*resolve)(void *state, pc_image *img, pc_err *e);
    /* Open the raw (still compressed) bytes of one layer. */
    int (*open_layer)(void *state, const pc_layer_desc *l, pc_stream **out, pc_err *e);
    void (*close)(void *state);
} pc_source_ops;

/* The rows callers name directly (tests); pc_source_lookup needs no list. */
extern const pc_source_ops pc_source_oci;
extern const pc_source_ops pc_source_oci_archive;
extern const pc_source_ops pc_source_docker_archive;
extern const pc_source_ops pc_source_docker;

/* Find the table for a reference; *spec points past the prefix. A bare
 * reference or docker:// is the registry transport. */
int pc_source_lookup(const char *ref, const pc_source_ops **ops, const char **spec, pc_err *e);

#endif
