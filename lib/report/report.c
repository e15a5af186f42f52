/*
 * report.c — pc_report_write: checks its arguments, hands the results to
 * the writer of the requested format (report_json.c, report_text.c,
 * report_sarif.c) and turns any stdio failure into -1. What the writers
 * share about findings (action names, which are shown) is in action.c;
 * strings that came out of an image are decoded with pc_utf8_decode.
 */
#include "report/report.h"

/* The JSON formats: one document, indented, in the order built, and a
 * final newline. Takes doc (NULL: out of memory). */
static int write_doc(FILE *out, json_t *doc)
{
    if (!doc)
        return -1;
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc != 0 || fputc('\n', out) == EOF)
        return -1;
    return 0;
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
        rc = write_doc(out, pc_report_to_json(results, n));
        break;
    case PC_FORMAT_SARIF:
        rc = write_doc(out, pc_report_to_sarif(results, n));
        break;
    default:
        return -1;
    }
    /* A full disk shows up at flush time, not at the fprintf. */
    if (fflush(out) != 0 || ferror(out))
        return -1;
    return rc;
}
