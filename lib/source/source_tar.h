/*
 * source_tar.h — random access to the members of an uncompressed tar
 * without extracting it, for the archive sources (oci-archive:,
 * docker-archive:). Opening reads every header once and keeps a sorted
 * table name → (offset, size); a member's bytes are then read in place with
 * pread, so memory depends on the number of members, never on their size.
 */
#ifndef PC_SOURCE_TAR_H
#define PC_SOURCE_TAR_H

#include <stddef.h>
#include <stdint.h>
#include "pcx.h"
#include "source/stream.h"

typedef struct pc_tar_index pc_tar_index;

/* Index the tar at path. Member names must be plain relative paths (no
 * "..", not absolute; a leading "./" is ignored) and appear once. */
int pc_tar_index_open(const char *path, pc_tar_index **out, pc_err *e);
void pc_tar_index_free(pc_tar_index *t);

/* Find the regular file called name, following symlinks and hardlinks that
 * stay inside the archive. *resolved (may be NULL) is the member's own
 * name, valid while t lives. */
int pc_tar_index_find(const pc_tar_index *t, const char *name, uint64_t *size,
                      const char **resolved, pc_err *e);
/* Read a whole member of at most max bytes (NUL-terminated copy). */
int pc_tar_index_read(const pc_tar_index *t, const char *name, size_t max, char **out, size_t *len,
                      pc_err *e);
/* A stream over a member's bytes; independent of t once made. */
int pc_tar_index_stream(const pc_tar_index *t, const char *name, pc_stream **out, pc_err *e);
/* The first (up to) n bytes of a member. */
int pc_tar_index_peek(const pc_tar_index *t, const char *name, void *buf, size_t n, size_t *got,
                      pc_err *e);

#endif
