/*
 * safestr.c — a hostile string made fit for a message: every stage quotes
 * names it was handed (references, member names, registry errors), so the
 * copy is bounded and control bytes cannot reach a terminal or a log.
 */
#include "pcx.h"

void pc_safe_str(const char *s, char *out, size_t n)
{
    if (!out || n == 0)
        return;
    size_t i = 0;
    for (; s && s[i] && i + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[i] = 0;
}
