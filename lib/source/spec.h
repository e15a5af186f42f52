/*
 * spec.h — helpers every transport uses when it opens (spec.c).
 */
#ifndef PC_SPEC_H
#define PC_SPEC_H

#include "pcx.h"
#include "image/image.h"
#include "image/request.h"

/* A source's own copy of its configuration, so that the caller's need not
 * outlive open(). cfg points into the struct: initialise it in place. */
typedef struct pc_cfg_copy {
    pc_source_cfg cfg;
    pc_platform platform;
    pc_limits limits;
} pc_cfg_copy;
void pc_cfg_copy_init(pc_cfg_copy *c, const pc_source_cfg *cfg);

/* Split "PATH[:NAME]" at the first ':' into malloc'd strings (*sel NULL
 * when there is no ':'); transport names the source in messages. */
int pc_spec_split(const char *spec, const char *transport, char **path, char **sel, pc_err *e);

#endif
