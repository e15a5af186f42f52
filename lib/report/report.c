/*
 * report.c — pc_report_write: checks its arguments, hands the results to
 * the writer of the requested format (report_json.c, report_text.c,
 * report_sarif.c) and turns any stdio failure into -1. Also the helpers
 * every writer shares: action names and which findings are shown (the
 * writers decode strings that came out of an image with pc_utf8_decode).
 */
#include "report/report.h"

const char *pc_action_name(pc_action a)
{
    switch (a) {
    case PC_ACTION_DENY:
        return "deny";
    case PC_ACTION_WARN:
        return "warn";
    case PC_ACTION_IGNORE:
        return "ignore";
    }
    return "unknown";
}

int pc_report_finding_shown(const pc_finding *f)
{
    return f->action == PC_ACTION_DENY || f->action == PC_ACTION_WARN;
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
