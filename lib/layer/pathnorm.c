/*
 * pathnorm.c — lexical normalisation of tar member names. A name that
 * climbs above the root with ".." is refused rather than clamped: a
 * runtime that honoured it would write outside the container (Docker
 * refuses such layers as a breakout), so the image cannot be trusted.
 */
#include <string.h>
#include "layer/layer.h"

int pc_path_normalise(const char *in, char *out, size_t outlen)
{
    size_t len = 0;
    const char *p = in;
    if (outlen == 0)
        return -1;
    while (*p) {
        while (*p == '/')
            p++;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        if (n == 0 || (n == 1 && s[0] == '.'))
            continue;
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (len == 0)
                return -1;
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--; /* drop the separator */
            continue;
        }
        if (len + (len ? 1 : 0) + n + 1 > outlen)
            return -1;
        if (len)
            out[len++] = '/';
        memcpy(out + len, s, n);
        len += n;
    }
    out[len] = 0;
    return 0;
}
