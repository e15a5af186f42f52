/*
 * scanlimits.c — the default scan profile. A policy file's "limits" and
 * "yara" sections start from these and override the keys they name; the
 * numbers are generous for real images yet keep a hostile one from
 * exhausting the host.
 */
#include "profile/profile.h"

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

void pc_profile_default(pc_profile *p)
{
    pc_limits_default(&p->limits);
    p->yara.max_file_bytes = (uint64_t)4 << 20; /* larger files go through bounded blocks */
    p->yara.scan_all_files = 1; /* an interpreter reads any file, whatever its mode */
    p->yara.prefilter = 1;
    p->yara.timeout_seconds = 10;
}
