/*
 * testfile.h — files a unit test writes for the code under test: bytes
 * at a path, at a name inside a directory, and a blob of an OCI layout
 * (blobs/sha256/<hex>, named by its digest). A failed write is a failed
 * CHECK.
 */
#ifndef PC_TEST_FILE_H
#define PC_TEST_FILE_H

#include <stdio.h>
#include "sha256.h"
#include "testlib.h"

/* Write [p, p + n) to path. */
static inline void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fwrite(p, 1, n, f) == n);
    fclose(f);
}

/* Write [p, p + n) to dir/name. */
static inline void write_in(const char *dir, const char *name, const void *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_bytes(path, p, n);
}

/* Store [p, p + n) as a blob of the OCI layout dir (blobs/sha256 exists);
 * its digest goes to digest. */
static inline void write_blob(const char *dir, const void *p, size_t n, char digest[72])
{
    char path[1024];
    pc_sha256_digest(p, n, digest);
    snprintf(path, sizeof path, "%s/blobs/sha256/%s", dir, digest + 7);
    write_bytes(path, p, n);
}

#endif
