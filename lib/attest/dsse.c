/*
 * dsse.c — DSSE's pre-authentication encoding, the bytes that are signed
 * and verified: "DSSEv1 <len(type)> <type> <len(body)> <body>". Its own
 * file because both the key process (signer_key.c) and the verifier
 * (verify.c) need it, and neither should pull in the payload builder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attest/attest.h"

int pc_dsse_pae(const char *type, const unsigned char *body, size_t len, unsigned char **out,
                size_t *outlen)
{
    char head[256];
    int n = snprintf(head, sizeof head, "DSSEv1 %zu %s %zu ", strlen(type), type, len);
    if (n < 0 || (size_t)n >= sizeof head || len > SIZE_MAX - (size_t)n)
        return -1;
    unsigned char *p = malloc((size_t)n + len + 1);
    if (!p)
        return -1;
    memcpy(p, head, (size_t)n);
    memcpy(p + n, body, len);
    *out = p;
    *outlen = (size_t)n + len;
    return 0;
}
