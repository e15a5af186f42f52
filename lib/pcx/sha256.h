/*
 * sha256.h — incremental SHA-256 (OpenSSL libcrypto) and OCI digest strings.
 */
#ifndef PC_SHA256_H
#define PC_SHA256_H

#include <stddef.h>
#include "pcx.h"

typedef struct pc_sha256 pc_sha256;

pc_sha256 *pc_sha256_new(void);
void pc_sha256_update(pc_sha256 *h, const void *p, size_t n);
/* Writes "sha256:<64 hex>" (72 bytes incl. NUL) to out. */
void pc_sha256_final(pc_sha256 *h, char out[72]);
void pc_sha256_free(pc_sha256 *h);
/* One shot. */
void pc_sha256_digest(const void *p, size_t n, char out[72]);

/* 0 when s is a well-formed "sha256:<64 lowercase hex>" digest (the only
 * algorithm accepted), else -1 with a message naming `what`. */
int pc_digest_check(const char *s, const char *what, pc_err *e);

#endif
