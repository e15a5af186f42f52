/*
 * jsonstr.c — a C string as a JSON string literal, byte for byte as
 * jansson (2.14) dumps it without flags: '"' and '\\' escaped, \b \f \n \r
 * \t, other control characters as \u00XX (upper-case hex), '/' and DEL
 * and everything from U+0080 up left as they are (UTF-8); bytes that are
 * not well-formed UTF-8 (pc_utf8_decode) become U+FFFD, one per byte, as
 * pc_json_string does before jansson sees the string. NULL is null.
 * Used where text must equal jansson's dump without building a jansson
 * object (the webhook's decision log line, pc_runctx_key); the callers'
 * unit tests assert the equality.
 */
#include <stdio.h>
#include <string.h>
#include "pcx.h"
#include "pcx/swar.h"

/* 1: a byte that is escaped (controls, '"', '\\') or checked as UTF-8
 * (0x80 and up); 0: copied as it is. */
static const unsigned char special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

void pc_buf_json_str(pc_buf *b, const char *s)
{
    if (!s) {
        pc_buf_add(b, "null", 4);
        return;
    }
    /* the plain run, 8 bytes at a step within the string's length */
    size_t len = strlen(s), k = 0;
    while (len - k >= 8 && pc_swar_json_plain8(s + k))
        k += 8;
    const char *run = s, *p = s + k;
    while (!special[(unsigned char)*p])
        p++;
    if (!*p) { /* nothing to escape, as nearly always: one copy */
        size_t n = (size_t)(p - s), need;
        if (b->oom || __builtin_add_overflow(b->len, n, &need) ||
            __builtin_add_overflow(need, 3, &need) ||
            pc_grow((void **)&b->p, &b->cap, need, 1) < 0) {
            b->oom = 1;
            return;
        }
        char *t = b->p + b->len;
        t[0] = '"';
        memcpy(t + 1, s, n);
        t[n + 1] = '"';
        t[n + 2] = 0;
        b->len += n + 2;
        return;
    }
    pc_buf_add(b, "\"", 1);
    for (;;) {
        while (!special[(unsigned char)*p])
            p++; /* the run of plain ASCII */
        unsigned char c = (unsigned char)*p;
        if (!c)
            break;
        char u[8];
        const char *esc;
        if (c >= 0x80) {
            uint32_t cp;
            size_t n = pc_utf8_decode(p, &cp);
            if (n) {
                p += n;
                continue;
            }
            esc = "\xef\xbf\xbd";
        } else if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\b')
            esc = "\\b";
        else if (c == '\f')
            esc = "\\f";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20) {
            snprintf(u, sizeof u, "\\u%04X", c);
            esc = u;
        } else {
            p++;
            continue;
        }
        pc_buf_add(b, run, (size_t)(p - run));
        pc_buf_puts(b, esc);
        run = ++p;
    }
    pc_buf_add(b, run, (size_t)(p - run));
    pc_buf_add(b, "\"", 1);
}
