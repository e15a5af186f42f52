/*
 * scanlimits.h — the bounds every scan runs within (the "limits" section of
 * the policy file; part of the scan profile, profile.h).
 */
#ifndef PC_LIMITS_H
#define PC_LIMITS_H

#include <stdint.h>

typedef struct pc_limits {
    uint64_t max_layer_bytes; /* uncompressed tar bytes per layer */
    uint64_t max_image_bytes; /* uncompressed tar bytes over all layers */
    uint64_t max_files;       /* tar entries over all layers */
    uint64_t max_layers;
    uint64_t max_manifest_bytes; /* index / manifest JSON */
    uint64_t max_config_bytes;
    uint64_t timeout_seconds; /* whole scan; 0: none */
} pc_limits;

void pc_limits_default(pc_limits *l);

#endif
