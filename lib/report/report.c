/*
 * report.c — pc_report_write: checks its arguments, hands the results to
 * the writer of the requested format (report_json.c, report_text.c,
 * report_sarif.c) and turns any stdio failure into -1. Also a strict
 * UTF-8 decoder for strings that came out of an image. What the writers
 * share about findings (action names, which are shown) is in action.c.
 */
#include "report/report.h"

/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. A NUL
 * terminator is not a continuation byte, so this never reads past it. */
size_t pc_report_utf8_decode(const char *s, uint32_t *cp)
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

int pc_report_write(FILE *out, pc_format fmt, pc_result *const *results, size_t n, int color)
{
    if (!out || (n && !results))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!results[i])
            return -1;
    int rc;
    switch (fmt) {
    case PC_FORMAT_TEXT:
        rc = pc_report_write_text(out, results, n, color);
        break;
    case PC_FORMAT_JSON:
        rc = pc_report_write_json(out, results, n);
        break;
    case PC_FORMAT_SARIF:
        rc = pc_report_write_sarif(out, results, n);
        break;
    default:
        return -1;
    }
    /* A full disk shows up at flush time, not at the fprintf. */
    if (fflush(out) != 0 || ferror(out))
        return -1;
    return rc;
}
