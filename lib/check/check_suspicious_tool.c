/*
 * check_suspicious_tool.c — suspicious-tool: a YARA rule from the rules set matched a
 * regular file of the final fs. The matches were recorded on the file's
 * entry while its layer streamed by (yara_scan.c); a hardlink shares its
 * target's entry, so it carries the same matches. One finding per rule
 * that matched, with the rule name in the finding's rule field, so a
 * policy can ignore a rule by name (yara.ignore_rules) or allow a path.
 */
#include "check/check.h"
#include "check/tool_package.h"

static void tool_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    pc_tool_package_node(c, path, n); /* an installed tool package (tool_package.h) */
    if (n->type != PC_E_REG || !n->e)
        return;
    for (size_t i = 0; i < n->e->nmatches; i++) {
        const pc_match *m = &n->e->matches[i];
        const char *tool = m->tool ? m->tool : m->rule;
        const char *desc = m->desc ? m->desc : "matched a YARA rule";
        if (m->severity)
            pc_check_report(c, path, pc_check_layer(c, n), m->rule, "%s: %s (severity %s)", tool,
                            desc, m->severity);
        else
            pc_check_report(c, path, pc_check_layer(c, n), m->rule, "%s: %s", tool, desc);
    }
}

const pc_check pc_check_suspicious_tool = {
    .id = "suspicious-tool",
    .help = "A YARA rule matched a file (network or attack tool)",
    .report_order = 80,
    .reads = PC_READS_FS,
    .ceiling = PC_ACTION_DENY,
    .node = tool_node,
};
