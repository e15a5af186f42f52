/*
 * spill.h — layer facts set aside on disk while the other layers are
 * read. A cold scan walks every layer before it builds the fs view, and
 * each layer's facts (one entry per file) used to wait in memory for it:
 * the walk's buffers then added to every earlier layer's facts. A layer
 * spilled here waits as its encoding (cache_codec.c) in one unlinked file
 * of the scan's own, and is read back, checked against the SHA-256 taken
 * when it was written, just before the view needs it.
 *
 * Spilling is an economy, never a condition: a spill that cannot be made
 * (no directory to write in, a full disk) leaves the facts in memory. A
 * spilled layer that cannot be read back fails the scan.
 */
#ifndef PC_SPILL_H
#define PC_SPILL_H

#include <pthread.h>
#include <stdint.h>
#include "pcx.h"
#include "layer/facts.h"

typedef struct pc_spill {
    int fd; /* -1: no file, nothing is spilled */
    uint64_t end;
    pthread_mutex_t mu; /* the workers of one scan spill at once */
} pc_spill;

/* Where one layer's facts were put. */
typedef struct pc_spill_ref {
    uint64_t off, len;
    char sha[72];    /* of the len bytes at off, as written */
    char digest[72]; /* the layer's (pc_layer_facts.digest: not encoded) */
} pc_spill_ref;

/* A file with no name in dir (pc_tmpfile: NULL is $TMPDIR, else /tmp),
 * readable by this process alone: 0, or -1 (sp->fd -1: pc_spill_put
 * then declines, and the scan keeps its facts in memory). */
int pc_spill_open(pc_spill *sp, const char *dir);
/* Write f's encoding at the file's end: 0, or -1 when it could not be
 * written (nothing is spilled; f is untouched either way). */
int pc_spill_put(pc_spill *sp, const pc_layer_facts *f, pc_spill_ref *ref);
/* Read the facts at ref back into f (initialised here): 0, or -1 with e
 * when they cannot be read or are not the bytes written. */
int pc_spill_get(pc_spill *sp, const pc_spill_ref *ref, pc_layer_facts *f, pc_err *e);
/* Close the file (its blocks are freed with it); sp may be closed twice. */
void pc_spill_close(pc_spill *sp);

#endif
