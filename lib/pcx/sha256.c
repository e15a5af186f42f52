/*
 * sha256.c — SHA-256 and the check that a string is an OCI digest we
 * accept ("sha256:" + 64 lowercase hex).
 * Streams (layers, blobs) hash through OpenSSL's EVP interface. The one-shot
 * digest of a short buffer (run keys, cache keys, policy texts) uses
 * nettle's context on the stack instead: OpenSSL 3 looks the algorithm up
 * in its provider store on every EVP_Digest (a lock shared by every
 * thread, and an allocation), which cost the webhook more than the hashing
 * itself on each cached answer. Both use the CPU's SHA instructions where
 * it has them; nettle is loaded anyway (libcurl and GnuTLS link it).
 */
#include <nettle/sha2.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "pcx/sha256.h"

struct pc_sha256 {
    EVP_MD_CTX *md;
};

pc_sha256 *pc_sha256_new(void)
{
    pc_sha256 *h = malloc(sizeof *h);
    if (!h)
        return NULL;
    h->md = EVP_MD_CTX_new();
    if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(h->md);
        free(h);
        return NULL;
    }
    return h;
}

/* libcrypto failing to hash (out of memory, a broken provider): a digest
 * made of whatever was in the buffer would be compared, used as a cache
 * key and signed, so stop instead (fail closed). */
static void hash_failed(void)
{
    fputs("portcullis: SHA-256 failed in libcrypto; stopping rather than using a wrong digest\n",
          stderr);
    abort();
}

void pc_sha256_update(pc_sha256 *h, const void *p, size_t n)
{
    if (EVP_DigestUpdate(h->md, p, n) != 1)
        hash_failed();
}

static void hexify(const unsigned char *d, char out[72])
{
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[d[i] >> 4];
        out[8 + 2 * i] = hex[d[i] & 15];
    }
    out[71] = 0;
}

void pc_sha256_final(pc_sha256 *h, char out[72])
{
    unsigned char d[32];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(h->md, d, &n) != 1 || n != 32)
        hash_failed();
    hexify(d, out);
}

void pc_sha256_free(pc_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->md);
    free(h);
}

void pc_sha256_digest(const void *p, size_t n, char out[72])
{
    unsigned char d[SHA256_DIGEST_SIZE];
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, n, p);
    sha256_digest(&c, sizeof d, d);
    hexify(d, out);
}

int pc_digest_check(const char *s, const char *what, pc_err *e)
{
    if (!s)
        return pc_err_set(e, "%s: missing digest", what);
    if (strncmp(s, "sha256:", 7) != 0)
        return pc_err_set(e, "%s: unsupported digest \"%.80s\" (only sha256 is accepted)", what, s);
    size_t n = strlen(s + 7);
    if (n != 64 || strspn(s + 7, "0123456789abcdef") != 64)
        return pc_err_set(e, "%s: malformed digest \"%.80s\"", what, s);
    return 0;
}
