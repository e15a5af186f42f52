/*
 * fetch.h — the registry process (pc-fetch): registry credentials kept
 * out of the process that parses images (docs/privsep.md).
 *
 * pc_fetch_start forks it before anything untrusted is read. From then on
 * every registry request of the scanning process goes to it
 * (fetchwire.h): it reads the authfile, runs credential helpers, holds
 * --creds / --registry-token, asks token servers, keeps the connections
 * and tokens, and sends back the bytes of manifests and blobs. The
 * scanning process holds no secret of a registry: it parses those bytes,
 * and nothing it parses can reach a password or a token. A registry
 * process that is gone fails every request (the image cannot be scanned);
 * it is not restarted (a new one would be a fork of a process that has
 * read untrusted input).
 *
 * The client side mirrors registry.h: pc_fetch_reg_* are pc_registry_*,
 * run in the registry process. Safe for any number of threads.
 */
#ifndef PC_FETCH_H
#define PC_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "pcx.h"
#include "portcullis.h"
#include "source/stream.h"

/* The registry process's name (comm) */
#define PC_FETCH_NAME "pc-fetch"

/* A context of the registry process: the kept connections and tokens of
 * one pc_ctx, and the --creds / --registry-token it was given (at most
 * one; NULL: the authfile). 0, or -1 with e set. */
int pc_fetch_ctx_new(pc_fetch *f, const char *creds, const char *token, uint32_t *id, pc_err *e);
/* Bind context id to one more repository (domain, and repo as in a
 * reference's path): once sealed, the registry process opens no other
 * for it. Only before the context's first open. 0, or -1 with e. */
int pc_fetch_ctx_allow(pc_fetch *f, uint32_t id, const char *domain, const char *repo, pc_err *e);
/* Seal context id's list as it is (even empty), with the settings every
 * later open must name (cert_dir, authfile: NULL for none). The context
 * must be the process's only one, and the process makes no other: the
 * binding holds for the rest of its life. 0, or -1 with e. */
int pc_fetch_ctx_seal(pc_fetch *f, uint32_t id, const char *cert_dir, const char *authfile,
                      int tls_verify, pc_err *e);
void pc_fetch_ctx_free(pc_fetch *f, uint32_t id);

typedef struct pc_fetch_reg pc_fetch_reg;

/* pc_registry_new in the registry process, under context ctx: the
 * credentials for domain are found there (authfile NULL: the default
 * lookup). */
int pc_fetch_reg_new(pc_fetch *f, uint32_t ctx, const char *domain, const char *repo,
                     const char *cert_dir, const char *authfile, int tls_verify,
                     uint64_t deadline_ms, pc_fetch_reg **out, pc_err *e);
void pc_fetch_reg_free(pc_fetch_reg *r);
/* As pc_registry_manifest; digest is the sha256 of the bytes received,
 * computed here. */
int pc_fetch_reg_manifest(pc_fetch_reg *r, const char *ref, size_t max, char **buf, size_t *len,
                          char digest[72], char *mt, size_t mtn, pc_err *e);
int pc_fetch_reg_blob(pc_fetch_reg *r, const char *digest, size_t max, char **buf, size_t *len,
                      pc_err *e);
int pc_fetch_reg_blob_open(pc_fetch_reg *r, const char *digest, int64_t size, pc_stream **out,
                           pc_err *e);

/* The registry process's side: serve requests on sock until it closes.
 * Never returns. */
_Noreturn void pc_fetchd_main(int sock);

#endif
