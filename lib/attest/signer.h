/*
 * signer.h — the verdict signing key process (Ed25519) and what the rest
 * of the library asks of it. The public API is in portcullis.h
 * (pc_signer_*); docs/privsep.md describes the processes.
 *
 * Ops of the "pc-signer" key process (payloads of privsep.h's packets):
 *   PC_SIGNER_OP_SIGN    body: a verdict statement (1 to PC_PS_REQ_MAX
 *                        bytes): an in-toto Statement v1 whose
 *                        predicateType is PC_VERDICT_PREDICATE_TYPE
 *                        (pc_intoto_verdict_parse; anything else is
 *                        FAILED, naming why). The key process builds DSSE's
 *                        pre-authentication encoding with the one payload
 *                        type it signs, PC_INTOTO_PAYLOAD_TYPE, and signs
 *                        that: it cannot be made to sign anything else.
 *                        Reply data: public key (32) | signature (64).
 *   PC_SIGNER_OP_PUBKEY  body: empty. Reply data: public key (32).
 *   PC_SIGNER_OP_RELOAD  body: empty. Reads the key file again (same
 *                        checks as at start); reply data: the public key
 *                        now in service (32), or FAILED with why, and
 *                        the old key stays in service.
 * The hello's data is the public key (32).
 */
#ifndef PC_SIGNER_H
#define PC_SIGNER_H

#include <stddef.h>
#include "portcullis.h"
#include "attest/privsep.h"

enum { PC_SIGNER_OP_SIGN = 1, PC_SIGNER_OP_PUBKEY = 2, PC_SIGNER_OP_RELOAD = 3 };
#define PC_ED25519_PUB 32
#define PC_ED25519_SIG 64

/* signer_key.c: fork the key process for the key at path. */
int pc_signer_keyproc_start(const char *path, pc_keyproc **out, unsigned char pub[PC_ED25519_PUB],
                            char *err, size_t errlen);

/* signer.c: sign a verdict payload; keyid ("sha256:" of the public key
 * that signed) comes with the signature, so a reload between two calls
 * never mislabels one. 0, or -1 with err. */
int pc_signer_sign_payload(pc_signer *s, const unsigned char *payload, size_t len,
                           unsigned char sig[PC_ED25519_SIG], char keyid[72], char *err,
                           size_t errlen);

#endif
