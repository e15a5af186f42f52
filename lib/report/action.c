/*
 * action.c — what every report writer (and the webhook's TES answer)
 * shares about a finding: the name of its action and whether a report
 * shows it (deny and warn; ignored findings are counted, not listed).
 */
#include "portcullis.h"
#include "portcullis_json.h"

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
    return f->action == PC_ACTION_DENY || f->action == PC_ACTION_WARN || f->waived_by ||
           f->would_deny;
}
