/*
 * sonames.h — which of a dynamically linked program's DT_NEEDED libraries
 * are nowhere in the final filesystem (entrypoint-unrunnable).
 */
#ifndef PC_SONAMES_H
#define PC_SONAMES_H

#include <stddef.h>
#include "fs/fsview.h"
#include "layer/facts.h"

/* 1 when a library of this name is put in the container at start by a
 * GPU runtime (the NVIDIA container toolkit's driver libraries) or is the
 * kernel's vDSO: never looked for in the image. */
int pc_soname_injected(const char *soname);

/* Into missing (room for PC_DT_NEEDED_MAX), the DT_NEEDED names of e
 * (e->dyn 1) whose last component is the name of no regular file or
 * symlink anywhere in v, leaving out the injected ones; the count. The
 * usual library directories (and e's DT_RPATH and DT_RUNPATH) are looked
 * at first, and the whole view is walked once only for names not there. */
size_t pc_sonames_missing(const pc_fsview *v, const pc_entry *e, const char **missing);

#endif
