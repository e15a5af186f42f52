/*
 * runctx.h — the run context applied to an image's config and to the
 * policy's sandbox (runctx.c): the one place the precedence of
 * portcullis.h's pc_runctx is decided. The driver builds the effective
 * config and sandbox before the checks run and hands them over; the checks
 * never see the run context itself.
 */
#ifndef PC_RUNCTX_H
#define PC_RUNCTX_H

#include "image/imgconfig.h"
#include "portcullis.h"
#include "profile/run.h"

typedef struct pc_effective {
    pc_imgconfig cfg;              /* shallow: strings of the image config or of the run context */
    pc_sandbox_spec sandbox;       /* the policy's, with what the run context may add */
    pc_run_facts run;              /* what the checks may know of the run itself */
    const char **ep, **cmd, **env; /* owned arrays (NULL when not replaced) */
    uint32_t *gids;
    char *user; /* owned USER when the run's group replaced its group part */
} pc_effective;

/* x from the image's config, the forced sandbox and rc (NULL: none). 0, or
 * -1 when out of memory (x is then freeable and must not be used). */
int pc_effective_build(pc_effective *x, const pc_imgconfig *img, const pc_sandbox_spec *forced,
                       const pc_runctx *rc);
void pc_effective_free(pc_effective *x);

#endif
