/*
 * finding.c — appending findings to a result. Messages are formatted here
 * once; the policy later sets each finding's action.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "check/check.h"
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

int pc_finding_add(pc_result *r, pc_check_id id, const char *path, const char *layer,
                   const char *rule, const char *fmt, ...)
{
    if (pc_grow((void **)&r->findings, &r->capfindings, r->nfindings + 1, sizeof *r->findings) < 0)
        return lost(r);
    pc_finding *f = &r->findings[r->nfindings];
    va_list ap;
    char *msg = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    f->check = pc_strdup(pc_check_id_name(id));
    f->message = n < 0 ? NULL : msg;
    f->path = pc_strdup(path);
    f->layer = pc_strdup(layer);
    f->rule = pc_strdup(rule);
    f->action = PC_ACTION_DENY; /* a ceiling: a check may lower it, the policy picks below it */
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
    free(f->check);
    free(f->message);
    free(f->path);
    free(f->layer);
    free(f->rule);
}

const char *pc_check_layer(const pc_check_ctx *c, const pc_node *n)
{
    return n->layer < c->img->nlayers ? c->layers[n->layer] : NULL;
}

const char *pc_check_idfile(const pc_check_ctx *c, const char *path, size_t *len)
{
    const pc_node *n = pc_fsview_lookup(c->fs, path, 1);
    if (!n || !n->e || !n->e->data)
        return NULL;
    *len = n->e->data_len;
    return n->e->data;
}
