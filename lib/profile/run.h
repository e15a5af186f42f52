/*
 * run.h — how the image will be run: the sandbox the runtime starts its
 * program in (the policy file's "sandbox" section). The checks read it
 * (can the program run there, can the user reach its WORKDIR); it is
 * neither part of the scan profile (layer facts do not depend on it) nor
 * of the policy (it decides no action), so data keeps flowing one way:
 * profile → facts, run + facts → findings, policy + findings → verdict.
 */
#ifndef PC_RUN_H
#define PC_RUN_H

#include <stddef.h>
#include <stdint.h>

typedef struct pc_sandbox_spec {
    int64_t uid, gid; /* -1: the image's own USER */
    uint32_t *supplementary_gids;
    size_t nsupplementary_gids;
    uint64_t dropped_caps; /* bit n = capability n dropped; ALL = every bit */
    int no_new_privileges;
} pc_sandbox_spec;

typedef struct pc_run {
    pc_sandbox_spec sandbox;
} pc_run;

#endif
