/*
 * attest.h — signed verdicts: a DSSE envelope (payloadType
 * application/vnd.portcullis.verdict.v1+json) whose payload binds the
 * verdict to the image digest, platform, policy and rules digests, the
 * scanner version and a validity window; signed with Ed25519.
 */
#ifndef PC_ATTEST_H
#define PC_ATTEST_H

#include <stdint.h>
#include <time.h>
#include "pcx.h"
#include "portcullis.h"

#define PC_VERDICT_PAYLOAD_TYPE "application/vnd.portcullis.verdict.v1+json"

/* Canonical payload JSON for a result (compact, keys in fixed order). */
char *pc_verdict_payload(const pc_result *r, time_t issued, uint64_t ttl_seconds);
/* DSSE pre-authentication encoding of (type, body) (dsse.c). */
int pc_dsse_pae(const char *type, const unsigned char *body, size_t len, unsigned char **out,
                size_t *outlen);

#endif
