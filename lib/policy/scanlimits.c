/*
 * limits.c — the default bounds of a scan. A policy's "limits" section
 * starts from these and overrides the keys it names; the numbers are
 * generous for real images yet keep a hostile one from exhausting the host.
 */
#include "policy/scanlimits.h"

void pc_limits_default(pc_limits *l)
{
    l->max_layer_bytes = 8ull << 30;  /* 8 GiB uncompressed per layer */
    l->max_image_bytes = 16ull << 30; /* 16 GiB over all layers */
    l->max_files = 1000000;           /* tar entries over all layers */
    l->max_layers = 256;
    l->max_manifest_bytes = 4ull << 20; /* 4 MiB */
    l->max_config_bytes = 8ull << 20;   /* 8 MiB */
    l->timeout_seconds = 600;
}
