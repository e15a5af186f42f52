/*
 * tarread.h — a tar reader that reads a layer exactly as Go's archive/tar
 * does (the reader containerd and Docker apply layers with): the same
 * header checksum and format rules, the same numeric parsing (octal with
 * NUL/space trimming, base-256), the same precedence of PAX records, GNU
 * long names and the USTAR prefix, header-only types that have no body
 * whatever their size field says, and the same end-of-archive rules.
 * Where Go would fail, this fails; what Go would read, this reads. Sparse
 * files are refused (no runtime-built image has them).
 *
 * The reader asks its source for exactly the bytes it consumes, so after
 * pc_tar_next the source's position is where the entry's body begins.
 */
#ifndef PC_TARREAD_H
#define PC_TARREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "pcx.h"

/* Pull up to n bytes: the count, 0 at the end of the stream, -1 on error
 * (e filled by the callee). */
typedef ssize_t (*pc_tar_read_fn)(void *ud, void *buf, size_t n, pc_err *e);

typedef struct pc_tar_rec {
    char *key;
    char *val; /* may hold NUL bytes (xattr values) */
    size_t vlen;
} pc_tar_rec;

typedef struct pc_tar_hdr {
    const char *name, *linkname; /* valid until the next pc_tar_next */
    int typeflag;                /* after Go's TypeRegA rule: '0' or '5' for '\0' */
    int64_t mode, uid, gid, size, devmajor, devminor;
    const pc_tar_rec *recs; /* the PAX records that apply to this entry */
    size_t nrecs;
} pc_tar_hdr;

typedef struct pc_tar pc_tar;

pc_tar *pc_tar_new(pc_tar_read_fn fn, void *ud);
/* A faster way to pass over n bytes (a seekable source): 1 done, 0 the
 * stream ends before them, -1 error. Without it, bytes are read. */
typedef int (*pc_tar_skip_fn)(void *ud, uint64_t n, pc_err *e);
void pc_tar_set_skip(pc_tar *t, pc_tar_skip_fn fn);
void pc_tar_free(pc_tar *t);
/* 1: *h is the next entry; 0: end of archive; -1: error (e filled). */
int pc_tar_next(pc_tar *t, pc_tar_hdr *h, pc_err *e);
/* Read the current entry's body: count, 0 at its end, -1 on error. */
ssize_t pc_tar_read(pc_tar *t, void *buf, size_t n, pc_err *e);
/* Value of PAX record KEY in h, or NULL. */
const pc_tar_rec *pc_tar_rec_get(const pc_tar_hdr *h, const char *key);

/* Go's strconv.ParseInt(s, 10, 64): 0 ok, -1 on syntax or range error. */
int pc_go_parse_int(const char *s, size_t len, int64_t *out);

#endif
