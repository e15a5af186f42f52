/*
 * base64.c — the one base64 codec (standard alphabet), on OpenSSL's
 * EVP_EncodeBlock/EVP_DecodeBlock. Those take an int length and decode
 * only whole quads, so this file feeds them in chunks and decodes an
 * unpadded tail through a padded 4-byte copy. Input is checked against the
 * alphabet first: OpenSSL's decoder skips whitespace, which neither caller
 * accepts. pc_base64_decode takes the padding as optional (docker's
 * config.json), pc_base64_decode_strict wants canonical padding (DSSE
 * envelopes, lib/attest/verify.c).
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "pcx.h"

/* Bytes fed to OpenSSL at once: a multiple of 3 (encode) and, times 4/3,
 * a multiple of 4 (decode) well below INT_MAX. */
#define ENC_CHUNK ((size_t)3 << 24)
#define DEC_CHUNK ((size_t)4 << 24)

char *pc_base64_encode(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    size_t w = 0;
    char *o = malloc((len + 2) / 3 * 4 + 1);
    if (!o)
        return NULL;
    for (size_t done = 0; done < len;) {
        size_t n = len - done < ENC_CHUNK ? len - done : ENC_CHUNK;
        w += (size_t)EVP_EncodeBlock((unsigned char *)o + w, p + done, (int)n);
        done += n;
    }
    o[w] = 0;
    return o;
}

static int in_alphabet(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* The unpadded tail (2 or 3 characters) of an encoding: 1 or 2 bytes. */
static int decode_tail(const char *s, size_t n, unsigned char *o)
{
    unsigned char quad[4] = {'=', '=', '=', '='}, bytes[3];
    memcpy(quad, s, n);
    if (EVP_DecodeBlock(bytes, quad, 4) != 3)
        return -1;
    memcpy(o, bytes, n - 1);
    return (int)(n - 1);
}

/* n characters of the alphabet, no padding. */
static int decode_bare(const char *s, size_t n, char **out, size_t *outlen)
{
    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!in_alphabet((unsigned char)s[i]))
            return -1;
    size_t full = n / 4 * 4, w = 0;
    unsigned char *o = malloc(n / 4 * 3 + 3);
    if (!o)
        return -1;
    for (size_t i = 0; i < full;) {
        size_t k = full - i < DEC_CHUNK ? full - i : DEC_CHUNK;
        int r = EVP_DecodeBlock(o + w, (const unsigned char *)s + i, (int)k);
        if (r < 0 || (size_t)r != k / 4 * 3)
            goto fail;
        w += (size_t)r;
        i += k;
    }
    if (n > full) {
        int r = decode_tail(s + full, n - full, o + w);
        if (r < 0)
            goto fail;
        w += (size_t)r;
    }
    o[w] = 0;
    *out = (char *)o;
    *outlen = w;
    return 0;
fail:
    free(o);
    return -1;
}

int pc_base64_decode(const char *s, size_t n, char **out, size_t *outlen)
{
    while (n > 0 && s[n - 1] == '=')
        n--;
    return decode_bare(s, n, out, outlen);
}

int pc_base64_decode_strict(const char *s, size_t n, char **out, size_t *outlen)
{
    size_t pad = 0;
    if (n % 4)
        return -1;
    while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
        pad++;
    return decode_bare(s, n - pad, out, outlen);
}
