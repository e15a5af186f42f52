/*
 * fuzz_regauth.c — libFuzzer target: what a registry (or anyone between
 * it and us) controls in the auth dance (lib/registry/regauth.c): the
 * WWW-Authenticate value of a 401, and the token server's JSON answer.
 * regauth.c is included so its static token_parse and token_request can
 * be reached. Input: HEADER FZ_SEP TOKEN_JSON; the header's first byte
 * also sets how many challenges fit and which credentials are held.
 * Checked: every stored challenge has a lower-case scheme of token bytes
 * and NUL-terminated fields; a token request URL is the realm followed by
 * escaped parameters only; a parsed token is "Bearer " and printable, its
 * lifetime between 1 s and a day.
 */
#include "../../lib/registry/regauth.c"
#include <stdint.h>
#include "fuzz.h"

static void check_query(const char *q)
{
    for (; *q; q++)
        FZ_CHECK((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
                     strchr("-_.~%=&", *q),
                 "byte 0x%02x unescaped in a token request", (unsigned char)*q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[2];
    size_t len[2];
    fz_split(data, size, 2, part, len);
    char *hdr = fz_strndup(part[0], len[0]);
    if (!hdr)
        return 0;
    unsigned sel = len[0] ? part[0][0] : 0;
    pc_challenge ch[8];
    size_t cap = 1 + sel % 8;
    size_t n = pc_www_authenticate_parse(hdr, ch, cap);
    FZ_CHECK(n <= cap, "%zu challenges stored in %zu slots", n, cap);

    pc_regauth a;
    memset(&a, 0, sizeof a);
    snprintf(a.host, sizeof a.host, "registry.example");
    if (sel & 0x10) {
        a.have_creds = 1;
        a.creds.username = (sel & 0x20) ? "<token>" : "us er&x=1";
        a.creds.secret = "s3cr&t=%";
        a.creds.identity_token = (sel & 0x20) != 0;
    }
    for (size_t i = 0; i < n; i++) {
        const pc_challenge *c = &ch[i];
        FZ_CHECK(memchr(c->scheme, 0, sizeof c->scheme) && memchr(c->realm, 0, sizeof c->realm) &&
                     memchr(c->service, 0, sizeof c->service) &&
                     memchr(c->scope, 0, sizeof c->scope),
                 "challenge %zu: unterminated field", i);
        for (const char *s = c->scheme; *s; s++)
            FZ_CHECK(is_tchar(*s) && !(*s >= 'A' && *s <= 'Z'), "scheme byte 0x%02x",
                     (unsigned char)*s);
        if (strcmp(c->scheme, "bearer") != 0 || strncmp(c->realm, "https://", 8) != 0)
            continue;
        char *url, *form;
        if (token_request(&a, c, c->scope[0] ? c->scope : "repository:x/y:pull", &url, &form) ==
            0) {
            size_t rl = strlen(c->realm);
            FZ_CHECK(strncmp(url, c->realm, rl) == 0, "token URL does not start with the realm");
            if (form)
                check_query(form);
            else
                check_query(url + rl + 1);
            free(url);
            free(form);
        }
    }

    char *hdr2 = NULL;
    uint64_t ttl = 0;
    pc_err e;
    char *body = fz_strndup(part[1], len[1]);
    if (body && token_parse(&a, body, len[1], &hdr2, &ttl, &e) == 0) {
        FZ_CHECK(strncmp(hdr2, "Bearer ", 7) == 0 && token_printable(hdr2 + 7),
                 "unusable token accepted");
        /* expires_in as given (5 s means 5 s), else the spec's 60 s */
        FZ_CHECK(ttl >= 1 && ttl <= TOKEN_TTL_MAX, "ttl %llu", (unsigned long long)ttl);
        free(hdr2);
    }
    free(body);
    free(hdr);
    return 0;
}
