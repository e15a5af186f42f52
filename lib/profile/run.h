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

/* How a platform starts a command it was given (a TES executor's):
 * kubernetes: the command replaces ENTRYPOINT (and drops CMD); shell:
 * `/bin/sh -c "<command>"` replaces both; docker: `docker run IMAGE
 * COMMAND...`, the command replaces CMD and the ENTRYPOINT stays. */
typedef enum { PC_START_KUBERNETES = 0, PC_START_SHELL, PC_START_DOCKER } pc_start;
/* "kubernetes", "shell", "docker": 0, else -1. */
int pc_start_parse(const char *s, pc_start *out);
const char *pc_start_name(pc_start s);

typedef struct pc_sandbox_spec {
    int64_t uid, gid; /* -1: the image's own USER */
    uint32_t *supplementary_gids;
    size_t nsupplementary_gids;
    uint64_t dropped_caps; /* bit n = capability n dropped; ALL = every bit */
    int no_new_privileges;
    pc_start start;    /* how the platform starts a command it is given */
    int user_from_run; /* the effective USER is the run's (--user, runAsUser), for messages */
} pc_sandbox_spec;

/* Where the user a run starts as comes from (precedence: policy > run > image). */
typedef enum { PC_USER_FROM_IMAGE, PC_USER_FROM_RUN, PC_USER_FROM_POLICY } pc_user_from;

/* What the checks may know of the run itself, beyond the sandbox. */
typedef struct pc_run_facts {
    pc_user_from user_from;
    const char *image_user; /* the image config's USER as written ("" when unset) */
    int run_as_non_root;    /* the kubelet must verify the user is not root */
    int privileged;
    char *const *execs; /* other commands run inside the container (pc_runctx.execs) */
    size_t nexecs;
    char *const *mounts; /* what the run mounts over the image (pc_runctx.mounts) */
    char *const *mount_from;
    size_t nmounts;
} pc_run_facts;

typedef struct pc_run {
    pc_sandbox_spec sandbox;
} pc_run;

#endif
