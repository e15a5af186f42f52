/*
 * toolsig.h — the capability signals of suspicious-tool that rest on how a
 * program is built rather than on one tool's bytes (rules/README.md).
 */
#ifndef PC_TOOLSIG_H
#define PC_TOOLSIG_H

#include "check/check.h"

/* A program (an ELF file with PT_INTERP whose dynamic section was read)
 * that names a packet capture or injection library in DT_NEEDED: one
 * finding per library family, rule "capability_<family>". */
void pc_toolsig_needed(pc_check_ctx *c, const char *path, const pc_node *n);

#endif
