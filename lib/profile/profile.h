/*
 * profile.h — the scan profile: what a scan runs with (its limits and the
 * YARA knobs that choose which files are scanned and how far). It is read
 * from the policy file's "limits" and "yara" sections, flows upstream
 * (sources, layer walk, YARA, the facts cache key) and never decides an
 * action: that is the policy's (policy.h), applied last (verdict/).
 */
#ifndef PC_PROFILE_H
#define PC_PROFILE_H

#include <stdint.h>
#include "profile/scanlimits.h"

typedef struct pc_yara_profile {
    uint64_t max_file_bytes;  /* files larger are scanned in bounded blocks */
    int scan_all_files;       /* 1: every regular file, not only executables/scripts */
    uint64_t timeout_seconds; /* per file */
    int prefilter;            /* 1: skip YARA on whole files the prefilter clears */
} pc_yara_profile;

typedef struct pc_profile {
    pc_limits limits;
    pc_yara_profile yara;
} pc_profile;

/* The defaults a policy file's sections override. */
void pc_profile_default(pc_profile *p);

#endif
