/*
 * attest.h — signed verdicts: a DSSE envelope (payloadType
 * application/vnd.in-toto+json) whose payload is an in-toto Statement v1:
 * its subject is the image (repository, manifest digest), its predicate
 * (type PC_VERDICT_PREDICATE_TYPE) binds the verdict to the image
 * digest, platform, policy and rules digests, the run, the scanner
 * version and a validity window; signed with Ed25519. Verdicts signed
 * before (payloadType PC_VERDICT_PAYLOAD_TYPE, the predicate's fields as
 * the whole payload) still verify during the transition (README.md).
 */
#ifndef PC_ATTEST_H
#define PC_ATTEST_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>
#include "pcx.h"
#include "portcullis.h"

/* the payload type signed verdicts had before in-toto; verify only */
#define PC_VERDICT_PAYLOAD_TYPE "application/vnd.portcullis.verdict.v1+json"
#define PC_INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define PC_INTOTO_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define PC_VERDICT_PREDICATE_TYPE "https://portcullis.io/verdict/v1"

/* The in-toto Statement for a result (compact JSON, keys in fixed order:
 * _type, subject, predicateType, predicate). */
char *pc_verdict_statement(const pc_result *r, time_t issued, uint64_t ttl_seconds);
/* intoto.c: 0 when body is an in-toto Statement v1 of a portcullis
 * verdict (JSON object without duplicate keys, the statement _type and
 * PC_VERDICT_PREDICATE_TYPE, a non-empty subject array whose entries
 * have a name and a digest object, an object predicate); else -1 with
 * why. The key process signs nothing else; verify reads it the same way.
 * On success *root is the parsed statement (the caller's to
 * json_decref); root may be NULL when only the check is wanted. */
int pc_intoto_verdict_parse(const unsigned char *body, size_t len, json_t **root, char *why,
                            size_t whylen);
/* DSSE pre-authentication encoding of (type, body) (dsse.c). */
int pc_dsse_pae(const char *type, const unsigned char *body, size_t len, unsigned char **out,
                size_t *outlen);

#endif
