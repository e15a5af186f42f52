/*
 * tlskey.h — the serving certificate's private key, held by a key process
 * ("pc-tlskey", docs/privsep.md): this process, which speaks HTTP and
 * parses everything a client sends, never has it. GnuTLS gets an external
 * private key (gnutls_privkey_import_ext4) whose signatures (and, for an
 * RSA key under TLS 1.2's RSA key exchange, decryptions) the key process
 * makes. The key process reads the certificate file too
 * (WH_TLSKEY_OP_CERT, wh_tlskey_cert): this process opens neither file.
 *
 * Ops of the key process (payloads of privsep.h's packets, big-endian):
 *   WH_TLSKEY_OP_LOAD       body: the certificate's public key (DER
 *                           SubjectPublicKeyInfo, 1 to 8192 bytes). Reads
 *                           the key file now; refuses a key whose public
 *                           half differs. Reply: u32 generation | u32
 *                           GnuTLS pk algorithm | u32 bits.
 *   WH_TLSKEY_OP_SIGN_HASH  body: u32 generation | u32 GnuTLS sign
 *   WH_TLSKEY_OP_SIGN_DATA        algorithm | u32 flags (0) | the hash
 *                           (1 to 1024 bytes) or the data (1 to 16384).
 *                           Reply: the signature.
 *   WH_TLSKEY_OP_DECRYPT    body: u32 generation | ciphertext (1 to 2048).
 *                           Reply: the 48-byte TLS premaster secret.
 *   WH_TLSKEY_OP_DROP       body: u32 generation. The key is forgotten.
 *   WH_TLSKEY_OP_CERT       body: u32 offset. At offset 0 reads the
 *                           certificate file anew, whole (at most
 *                           WH_TLSKEY_CERT_MAX bytes; else an error naming
 *                           the file), and keeps it as the snapshot; a
 *                           non-zero offset reads that snapshot (never the
 *                           file). Reply: u32 total length | up to
 *                           PC_PS_DATA_MAX - 4 bytes of the snapshot from
 *                           offset. A non-zero offset at or past the end,
 *                           or with no snapshot, is refused.
 * At most WH_TLSKEY_GENS generations are held at once (the serving
 * certificate's reload keeps as many).
 */
#ifndef WH_TLSKEY_H
#define WH_TLSKEY_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stddef.h>
#include "portcullis_keyproc.h"

enum {
    WH_TLSKEY_OP_LOAD = 1,
    WH_TLSKEY_OP_SIGN_HASH = 2,
    WH_TLSKEY_OP_SIGN_DATA = 3,
    WH_TLSKEY_OP_DECRYPT = 4,
    WH_TLSKEY_OP_DROP = 5,
    WH_TLSKEY_OP_CERT = 6,
};
enum {
    WH_TLSKEY_GENS = 8,
    WH_TLSKEY_SPKI_MAX = 8192,
    WH_TLSKEY_HASH_MAX = 1024,
    WH_TLSKEY_DATA_MAX = 16384,
    WH_TLSKEY_CT_MAX = 2048,
    WH_TLSKEY_PREMASTER = 48,
    WH_TLSKEY_CERT_MAX = 1024 * 1024,          /* bytes of the certificate file (PEM) */
    WH_TLSKEY_CERT_CHUNK = PC_PS_DATA_MAX - 4, /* of it in one WH_TLSKEY_OP_CERT reply */
};

typedef struct wh_tlskey wh_tlskey;

/* tlskey_proc.c: fork the key process for cert_file and key_file (the key
 * read now once, to refuse a key that does not load before anything
 * listens; the certificate on each WH_TLSKEY_OP_CERT at offset 0). */
int wh_tlskey_proc_start(const char *cert_file, const char *key_file, pc_keyproc **out, char *err,
                         size_t errlen);

/* tlskey.c: the client end. */
int wh_tlskey_start(const char *cert_file, const char *key_file, wh_tlskey **out, char *err,
                    size_t errlen);
/* Have the key process read the certificate file now: its bytes, whole,
 * in *pem (malloc'd, a NUL after them; the caller frees it) and *len. -1
 * with err (the key process's message, which names the file, or what was
 * wrong with its replies) and *pem NULL. */
int wh_tlskey_cert(wh_tlskey *k, char **pem, size_t *len, char *err, size_t errlen);
/* Have the key process read the key file now and check it against
 * cert_pub; *out is a GnuTLS private key backed by that generation (its
 * deinit drops the generation). -1 with err. */
int wh_tlskey_load(wh_tlskey *k, gnutls_pubkey_t cert_pub, gnutls_privkey_t *out, char *err,
                   size_t errlen);
/* 1 while the key process runs; 0 once it is gone (why: how it ended). */
int wh_tlskey_alive(wh_tlskey *k, char *why, size_t whylen);
long wh_tlskey_pid(const wh_tlskey *k);
/* After every private key it made is deinitialised. */
void wh_tlskey_stop(wh_tlskey *k);

#endif
