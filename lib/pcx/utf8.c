/*
 * utf8.c — reading and shaping strings that came from hostile input: a
 * strict UTF-8 decoder (the report writers escape or replace what it
 * refuses), a one-line filter and a length cut that never splits a UTF-8
 * sequence (the webhook's messages and log fields).
 */
#include <string.h>
#include "pcx.h"

/* A NUL terminator is not a continuation byte, so this never reads past it. */
size_t pc_utf8_decode(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = u[0], min;
    size_t n;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, c &= 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, c &= 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (u[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

void pc_one_line(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

void pc_cut_utf8(char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n <= max || max < 4)
        return;
    size_t cut = max - 3;
    /* back up over continuation bytes so no sequence is split */
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    memcpy(s + cut, "...", 4);
}
