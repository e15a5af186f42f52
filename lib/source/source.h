/*
 * source.h — one interface for every place images come from. Each
 * transport (oci:, oci-archive:, docker-archive:, docker://) is one file
 * that fills a pc_source_ops table; scan.c picks the table by prefix.
 */
#ifndef PC_SOURCE_H
#define PC_SOURCE_H

#include "pcx.h"
#include "image/image.h"
#include "policy/scanlimits.h"
#include "source/stream.h"

typedef struct pc_source_cfg {
    const pc_platform *platform; /* requested platform */
    int platform_explicit;
    const pc_limits *limits;
    const char *authfile, *cert_dir;
    int tls_verify;
    int progress;         /* 0 auto (stderr is a TTY), 1 always, 2 never */
    uint64_t deadline_ms; /* pc_now_ms() after which every request fails; 0: none */
} pc_source_cfg;

typedef struct pc_source_ops {
    const char *transport; /* "oci", "oci-archive", "docker-archive", "docker" */
    /* spec: the reference with the "transport:" prefix removed. */
    int (*open)(const char *spec, const pc_source_cfg *cfg, void **state, pc_err *e);
    /* Resolve to an image: select the platform, read and verify the config. */
    int (*resolve)(void *state, pc_image *img, pc_err *e);
    /* Open the raw (still compressed) bytes of one layer. */
    int (*open_layer)(void *state, const pc_layer_desc *l, pc_stream **out, pc_err *e);
    void (*close)(void *state);
} pc_source_ops;

extern const pc_source_ops pc_source_oci;
extern const pc_source_ops pc_source_oci_archive;
extern const pc_source_ops pc_source_docker_archive;
extern const pc_source_ops pc_source_docker;

/* Find the table for a reference; *spec points past the prefix. A bare
 * reference or docker:// is the registry transport. */
int pc_source_lookup(const char *ref, const pc_source_ops **ops, const char **spec, pc_err *e);

#endif
