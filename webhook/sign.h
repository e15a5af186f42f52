/*
 * sign.h — the webhook's signing key (--sign-key), re-read when its file
 * changes, and the signed verdicts made with it.
 *
 * The key is held by libportcullis's signing key process (pc_signer,
 * Ed25519, refused when others may read the file; docs/privsep.md): this
 * process never has it. Like the serving certificate (tls.c), the file's
 * identity is checked at most once a second when the key is used; a
 * changed file is read again by the key process and takes over, a file
 * that does not load keeps the old key in service and is logged once.
 * Nothing here ever logs key material: only the path and why a load
 * failed. Start it before anything untrusted is read and before threads.
 */
#ifndef WH_SIGN_H
#define WH_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include "http/metrics.h"
#include "portcullis.h"

typedef struct wh_signer wh_signer;

/* Load the key at path now; ttl_s is every verdict's validity. -1 with a
 * message (the path and what is wrong, e.g. the file's mode) in err. */
int wh_signer_new(const char *path, uint64_t ttl_s, wh_metrics *m, wh_signer **out, char *err,
                  size_t errlen);
void wh_signer_free(wh_signer *s);

/* A compact DSSE envelope (malloc'd) for r's verdict, its payload naming
 * image (the reference that will run: NULL keeps r->image), issued now
 * and valid for the ttl; NULL when signing failed (the key process is
 * gone: logged, counted) or out of memory.
 * r itself is not touched (cached verdicts are shared and immutable). */
char *wh_signer_sign(wh_signer *s, const pc_result *r, const char *image);

/* The current public key as PEM (malloc'd), or NULL when the key
 * process is gone or out of memory. */
char *wh_signer_public_pem(wh_signer *s);

/* 1 while the key process runs; 0 once it is gone (logged once). */
int wh_signer_alive(wh_signer *s);
long wh_signer_pid(const wh_signer *s);

#endif
