/*
 * check_suspicious_tool.c — suspicious-tool: a network or attack tool in
 * the final fs, found by one of three signals (rules/README.md):
 *
 * - content: a YARA rule from the rules set matched a regular file. The
 *   matches were recorded on the file's entry while its layer streamed by
 *   (yara_scan.c); a hardlink shares its target's entry, so it carries the
 *   same matches. One finding per rule, with the rule's category and
 *   severity (its metas) and signal "content", or "capability" for the
 *   generic rules that say so (meta signal). A match inside a compressed
 *   file or an archive the file is (a .tar.gz, .zip, .deb: nested.h)
 *   names the member; the path is the file's.
 * - capability: a program (an ELF file with PT_INTERP) whose DT_NEEDED
 *   names a packet capture or injection library (toolsig.c).
 * - package: the image's package database lists a known tool package
 *   (tool_package.c).
 * - the run's own words: the same rules over the command line the judged
 *   run starts (ENTRYPOINT then CMD, as the run overrides them), its
 *   environment and the other commands it runs inside the container (a
 *   pod's exec probes and lifecycle hooks, the image's HEALTHCHECK). A
 *   one-liner (sh -c '...'), an interpreter's inline code (python3 -c,
 *   perl -e) or a payload in a variable is code the sandbox runs that no
 *   file of the image holds; a tool package it installs when it starts
 *   (apt-get install nmap, apk add socat) is the package signal
 *   (tool_install.c). Such a finding has no path.
 *
 * The rule field names the rule or signal, so a policy can ignore it by
 * name (yara.ignore_rules), by path (allow_paths) or by category.
 */
#include "check/check.h"
#include "check/tool_fetch.h"
#include "check/tool_install.h"
#include "check/tool_package.h"
#include "check/toolsig.h"
#include "yara/yara_match.h"

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
        pc_check_report_tool(c, path, layer, m->rule, &tag, "%s: %s (%s, severity %s)%s%s", tool,
                             desc, m->category ? m->category : "other",
                             m->severity ? m->severity : "high",
                             m->member ? "; inside the file, as the archive member " : "",
                             m->member ? m->member : "");
    }
    pc_toolsig_needed(c, path, n);
}

/* The run's argv on one line (arguments joined by a space, as a shell
 * shows them, so a rule sees "nc -e /bin/sh HOST PORT" whether it came as
 * one argument or five), then each environment entry on a line of its own,
 * then each other command it runs inside the container (a pod's exec
 * probes and lifecycle hooks, the image's HEALTHCHECK). */
static void command_text(const pc_imgconfig *cfg, const pc_run_facts *run, pc_buf *b)
{
    const pc_strv *parts[] = {&cfg->entrypoint, &cfg->cmd};
    size_t k = 0;
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < parts[p]->n; i++, k++) {
            if (k)
                pc_buf_add(b, " ", 1);
            pc_buf_puts(b, parts[p]->v[i] ? parts[p]->v[i] : "");
        }
    if (k)
        pc_buf_add(b, "\n", 1);
    for (size_t i = 0; i < cfg->env.n; i++) {
        pc_buf_puts(b, cfg->env.v[i] ? cfg->env.v[i] : "");
        pc_buf_add(b, "\n", 1);
    }
    for (size_t i = 0; run && i < run->nexecs; i++) {
        pc_buf_puts(b, run->execs[i] ? run->execs[i] : "");
        pc_buf_add(b, "\n", 1);
    }
    for (size_t i = 0; i < cfg->healthcheck.n; i++) {
        if (i)
            pc_buf_add(b, " ", 1);
        pc_buf_puts(b, cfg->healthcheck.v[i] ? cfg->healthcheck.v[i] : "");
    }
    if (cfg->healthcheck.n)
        pc_buf_add(b, "\n", 1);
}

static void tool_command(pc_check_ctx *c)
{
    pc_buf b = {0};
    pc_arena a = {0};
    pc_match *m = NULL;
    size_t n = 0;
    pc_err e = {{0}};
    if (!c->rules)
        return; /* no rules (`portcullis inspect`): nothing is matched anywhere */
    command_text(c->cfg, c->run, &b);
    if (b.oom) {
        pc_finding_lost(c->res); /* fail closed: a match may have been missed */
    } else if (b.len &&
               pc_yara_match_buf(c->rules, c->yara_timeout, b.p, b.len, &a, &m, &n, &e) < 0) {
        pc_check_report_scan_error(c, NULL, NULL,
                                   "the run's command line and environment could not be matched "
                                   "against the rules: %s",
                                   e.msg);
    }
    if (!b.oom && b.len) {
        pc_tool_install_text(c, b.p, b.len); /* apt-get install nmap, apk add socat */
        pc_tool_fetch_text(c, b.p, b.len);   /* curl URL | sh */
    }
    for (size_t i = 0; i < n; i++) {
        const char *tool = m[i].tool ? m[i].tool : m[i].rule;
        pc_tool_tag tag = {m[i].category, m[i].severity, m[i].signal};
        pc_check_report_tool(c, NULL, NULL, m[i].rule, &tag,
                             "the run's command line or environment: %s: %s (%s, severity %s)",
                             tool, m[i].desc ? m[i].desc : "matched a YARA rule",
                             m[i].category ? m[i].category : "other",
                             m[i].severity ? m[i].severity : "high");
    }
    pc_arena_free(&a);
    pc_buf_free(&b);
}

const pc_check pc_check_suspicious_tool = {
    .id = "suspicious-tool",
    .help = "A network or attack tool: a YARA rule matched a file, a program links a packet "
            "capture or injection library, or the package database lists a tool",
    .report_order = 80,
    .reads = PC_READS_FS | PC_READS_CONFIG,
    .ceiling = PC_ACTION_DENY,
    .config = tool_command,
    .node = tool_node,
};
