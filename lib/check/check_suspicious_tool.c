/*
 * check_suspicious_tool.c — suspicious-tool: a network or attack tool in
 * the final fs, found by one of three signals (rules/README.md):
 *
 * - content: a YARA rule from the rules set matched a regular file. The
 *   matches were recorded on the file's entry while its layer streamed by
 *   (yara_scan.c); a hardlink shares its target's entry, so it carries the
 *   same matches. One finding per rule, with the rule's category and
 *   severity (its metas) and signal "content", or "capability" for the
 *   generic rules that say so (meta signal).
 * - capability: a program (an ELF file with PT_INTERP) whose DT_NEEDED
 *   names a packet capture or injection library (toolsig.c).
 * - package: the image's package database lists a known tool package
 *   (tool_package.c).
 *
 * The rule field names the rule or signal, so a policy can ignore it by
 * name (yara.ignore_rules), by path (allow_paths) or by category.
 */
#include "check/check.h"
#include "check/tool_package.h"
#include "check/toolsig.h"

static void tool_node(pc_check_ctx *c, const char *path, const pc_node *n)
{
    pc_tool_package_node(c, path, n); /* an installed tool package (tool_package.h) */
    if (n->type != PC_E_REG || !n->e)
        return;
    const char *layer = pc_check_layer(c, n);
    for (size_t i = 0; i < n->e->nmatches; i++) {
        const pc_match *m = &n->e->matches[i];
        const char *tool = m->tool ? m->tool : m->rule;
        const char *desc = m->desc ? m->desc : "matched a YARA rule";
        pc_tool_tag tag = {m->category, m->severity, m->signal};
        pc_check_report_tool(c, path, layer, m->rule, &tag, "%s: %s (%s, severity %s)", tool, desc,
                             m->category ? m->category : "other",
                             m->severity ? m->severity : "high");
    }
    pc_toolsig_needed(c, path, n);
}

const pc_check pc_check_suspicious_tool = {
    .id = "suspicious-tool",
    .help = "A network or attack tool: a YARA rule matched a file, a program links a packet "
            "capture or injection library, or the package database lists a tool",
    .report_order = 80,
    .reads = PC_READS_FS,
    .ceiling = PC_ACTION_DENY,
    .node = tool_node,
};
