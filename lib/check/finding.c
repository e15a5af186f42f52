/*
 * finding.c — appending findings to a result. Messages are formatted here
 * once; a finding's action starts at its check's ceiling and the policy
 * later picks the action at or below it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check/check.h"
#include "check/toolcat.h"
#include "pcx.h"

/* A finding that cannot be recorded must not turn into an allow: the
 * result remembers the loss and the verdict is deny whatever the policy
 * says (scan.c). */
static int lost(pc_result *r)
{
    r->findings_lost = 1;
    r->scan_failed = 1;
    return -1;
}

int pc_finding_lost(pc_result *r)
{
    return lost(r);
}

int pc_finding_addv(pc_result *r, const pc_check *row, pc_action cap, const char *path,
                    const char *layer, const char *rule, const char *fmt, va_list ap)
{
    if (!row)
        return lost(r);
    if (pc_grow((void **)&r->findings, &r->capfindings, r->nfindings + 1, sizeof *r->findings) < 0)
        return lost(r);
    pc_finding *f = &r->findings[r->nfindings];
    char *msg = NULL;
    int n = vasprintf(&msg, fmt, ap);
    f->check = pc_strdup(row->id);
    f->message = n < 0 ? NULL : msg;
    f->path = pc_strdup(path);
    f->layer = pc_strdup(layer);
    f->rule = pc_strdup(rule);
    f->action = row->ceiling < cap ? row->ceiling : cap;
    f->neutralised = 0;
    f->would_deny = 0;
    f->waived_by = NULL;
    f->step = NULL;
    f->category = f->severity = f->signal = NULL;
    if (!f->check || !f->message || (path && !f->path) || (layer && !f->layer) ||
        (rule && !f->rule)) {
        pc_finding_clear(f);
        return lost(r);
    }
    r->nfindings++;
    return 0;
}

void pc_finding_clear(pc_finding *f)
{
    free(f->step);
    free(f->category);
    free(f->severity);
    free(f->signal);
    free(f->waived_by);
    free(f->check);
    free(f->message);
    free(f->path);
    free(f->layer);
    free(f->rule);
}

int pc_check_report(pc_check_ctx *c, const char *path, const char *layer, const char *rule,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pc_finding_addv(c->res, c->check, PC_ACTION_DENY, path, layer, rule, fmt, ap);
    va_end(ap);
    return rc;
}

int pc_check_report_capped(pc_check_ctx *c, pc_action cap, const char *path, const char *layer,
                           const char *rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pc_finding_addv(c->res, c->check, cap, path, layer, rule, fmt, ap);
    va_end(ap);
    return rc;
}

int pc_check_report_neutralised(pc_check_ctx *c, const char *path, const char *layer,
                                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pc_finding_addv(c->res, c->check, PC_ACTION_DENY, path, layer, NULL, fmt, ap);
    va_end(ap);
    if (rc == 0)
        c->res->findings[c->res->nfindings - 1].neutralised = 1;
    return rc;
}

/* The scanner's own scan-error row (check_scan_error.c), named directly:
 * the table (checks.c) calls the checks, so they cannot ask it. */
extern const pc_check pc_check_scan_error;

int pc_check_report_scan_error(pc_check_ctx *c, const char *path, const char *layer,
                               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc =
        pc_finding_addv(c->res, &pc_check_scan_error, PC_ACTION_DENY, path, layer, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int pc_check_report_tool(pc_check_ctx *c, const char *path, const char *layer, const char *rule,
                         const pc_tool_tag *tag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pc_finding_addv(c->res, c->check, PC_ACTION_DENY, path, layer, rule, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
    pc_finding *f = &c->res->findings[c->res->nfindings - 1];
    /* a rule of one's own may name anything: an unknown category is
     * "other", an unknown severity "high", an unknown signal "content" */
    const char *cat = tag ? tag->category : NULL, *sev = tag ? tag->severity : NULL;
    const char *sig = tag ? tag->signal : NULL;
    f->category = pc_strdup(pc_tool_category_index(cat) >= 0 ? cat : "other");
    f->severity = pc_strdup(sev && (!strcmp(sev, "medium") || !strcmp(sev, "low")) ? sev : "high");
    f->signal =
        pc_strdup(sig && (!strcmp(sig, "capability") || !strcmp(sig, "package")) ? sig : "content");
    if (!f->category || !f->severity || !f->signal) {
        pc_finding_clear(f);
        c->res->nfindings--;
        return pc_finding_lost(c->res);
    }
    return 0;
}

const char *pc_check_layer(const pc_check_ctx *c, const pc_node *n)
{
    return n->layer < c->img->nlayers ? c->layers[n->layer] : NULL;
}
