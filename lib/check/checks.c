/*
 * checks.c — the table of checks and the driver that runs them.
 *
 * The table is not written by hand: the Makefile lists every file
 * lib/check/check_<name>.c as PC_CHECK(name) in checklist.h, and each such
 * file defines the row pc_check_<name>. An id's number (checkid.h) is its
 * row's place in reports, computed from the rows' report_order, so the
 * order of the list does not matter anywhere.
 *
 * The driver resolves the users once (pc_users_resolve: the image's USER
 * through its own /etc/passwd and /etc/group, and the sandbox user of the
 * policy's profile), writes the sandbox facts that follow from them, and
 * gives each check a context with only what its row says it reads.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check/check.h"
#include "layer/caps.h"
#include "pcx.h"

#define PC_CHECK(name) extern const pc_check pc_check_##name;
#include "checklist.h"
#undef PC_CHECK

const pc_check *const pc_checks[PC_CHK_COUNT + 1] = {
#define PC_CHECK(name) &pc_check_##name,
#include "checklist.h"
#undef PC_CHECK
    NULL,
};

/* ---- ids ---- */

static int listed_before(const pc_check *a, const pc_check *b)
{
    if (a->report_order != b->report_order)
        return a->report_order < b->report_order;
    return strcmp(a->id, b->id) < 0;
}

/* The row's place in reports: its id number. */
static int position(const pc_check *row)
{
    int n = 0;
    for (int i = 0; pc_checks[i]; i++)
        n += listed_before(pc_checks[i], row);
    return n;
}

const pc_check *pc_check_find(const char *name)
{
    for (int i = 0; name && pc_checks[i]; i++)
        if (strcmp(pc_checks[i]->id, name) == 0)
            return pc_checks[i];
    return NULL;
}

const pc_check *pc_check_row(pc_check_id id)
{
    if (id < 0 || id >= PC_CHK_COUNT)
        return NULL;
    for (int i = 0; pc_checks[i]; i++)
        if (position(pc_checks[i]) == id)
            return pc_checks[i];
    return NULL;
}

int pc_check_id_parse(const char *name)
{
    const pc_check *row = pc_check_find(name);
    return row ? position(row) : -1;
}

const char *pc_check_id_name(pc_check_id id)
{
    const pc_check *row = pc_check_row(id);
    return row ? row->id : "unknown";
}

const char *pc_check_id_help(pc_check_id id)
{
    const pc_check *row = pc_check_row(id);
    return row ? row->help : "";
}

/* ---- the driver ---- */

typedef struct run {
    const pc_check *const *rows;
    const pc_check_input *in;
    const pc_users *users; /* NULL: they could not be resolved */
    pc_result *res;
} run;

/* The context of one row: only what it reads. 0 when it cannot run. */
static int ctx_for(const run *x, const pc_check *row, pc_check_ctx *c)
{
    if ((row->reads & PC_READS_USERS) && !x->users)
        return 0;
    *c = (pc_check_ctx){
        .check = row,
        .cfg = (row->reads & PC_READS_CONFIG) ? x->in->cfg : NULL,
        .fs = (row->reads & PC_READS_FS) ? x->in->fs : NULL,
        .users = (row->reads & PC_READS_USERS) ? x->users : NULL,
        .sandbox = x->in->sandbox,
        .run = x->in->run,
        .img = x->in->img,
        .layers = x->in->layers,
        .tools = x->in->tools,
        .rules = x->in->rules,
        .yara_timeout = x->in->yara_timeout,
        .res = x->res,
    };
    return 1;
}

static void visit_node(void *ud, const char *path, const pc_node *n)
{
    const run *x = ud;
    pc_check_ctx c;
    for (int i = 0; x->rows[i]; i++)
        if (x->rows[i]->node && (x->rows[i]->reads & PC_READS_FS) && ctx_for(x, x->rows[i], &c))
            x->rows[i]->node(&c, path, n);
}

static void set_str(char **field, char *v)
{
    if (!v)
        return; /* a report fact, not a finding: it stays as it was */
    free(*field);
    *field = v;
}

/* The argv the runtime executes: ENTRYPOINT then CMD (a report fact: when
 * there is no memory for it, the report shows none). */
static void fill_argv(pc_sandbox_info *s, const pc_strv *ep, const pc_strv *cmd)
{
    size_t n = ep->n + cmd->n;
    if (s->argv || n == 0 || n < ep->n || !(s->argv = pc_calloc(n, sizeof *s->argv)))
        return;
    for (size_t i = 0; i < n; i++) {
        const char *a = i < ep->n ? ep->v[i] : cmd->v[i - ep->n];
        if (!(s->argv[s->nargv] = pc_strdup(a ? a : "")))
            return;
        s->nargv++;
    }
}

/* What the users say about the sandbox: the user it starts the program as
 * (the sandbox user, else the image's reading, else the raw USER), and
 * whether that needs root (the image's USER is uid 0). The program starts
 * as what the config names; entrypoint-unrunnable replaces it with the
 * file it finds. */
static void fill_sandbox(const pc_check_input *in, const pc_users *u, pc_result *r)
{
    pc_sandbox_info *s = &r->sandbox;
    const pc_strv *ep = &in->cfg->entrypoint, *cmd = &in->cfg->cmd;
    const char *prog = ep->n ? ep->v[0] : cmd->n ? cmd->v[0] : NULL;
    if (prog && !s->program)
        s->program = pc_strdup(prog);
    s->no_new_privileges = in->sandbox->no_new_privileges != 0;
    fill_argv(s, ep, cmd);
    if (!u)
        return;
    const char *raw = u->user;
    size_t ulen = strcspn(raw, ":");
    int root_name = ulen == 4 && memcmp(raw, "root", 4) == 0;
    if (!*raw || (!u->image_ok && root_name)) {
        set_str(&s->user, pc_strdup("0:0"));
        s->needs_root = 1;
    } else if (u->image_ok) {
        set_str(&s->user, pc_asprintf("%u:%u", u->image.uid, u->image.gid));
        s->needs_root = u->image.uid == 0;
    } else {
        set_str(&s->user, pc_strdup(raw));
    }
    if (u->sandbox.resolved)
        set_str(&s->user, pc_strdup(u->sandbox.id));
    if (u->sandbox.ngroups && !s->groups &&
        (s->groups = pc_calloc(u->sandbox.ngroups, sizeof *s->groups))) {
        memcpy(s->groups, u->sandbox.groups, u->sandbox.ngroups * sizeof *s->groups);
        s->ngroups = u->sandbox.ngroups;
    }
}

/* The run's bounding set by name (a report fact, like argv). */
static void fill_caps(pc_sandbox_info *s, uint64_t dropped)
{
    size_t n = 0;
    for (int c = 0; c < PC_CAP_MAX; c++)
        n += !((dropped >> c) & 1) && pc_cap_name(c);
    if (s->capabilities || n == 0 || !(s->capabilities = pc_calloc(n, sizeof *s->capabilities)))
        return;
    for (int c = 0; c < PC_CAP_MAX; c++)
        if (!((dropped >> c) & 1) && pc_cap_name(c)) {
            if (!(s->capabilities[s->ncapabilities] = pc_strdup(pc_cap_name(c))))
                return;
            s->ncapabilities++;
        }
}

void pc_checks_run(const pc_check *const *rows, const pc_check_input *in, pc_result *r)
{
    pc_users users;
    run x = {.rows = rows, .in = in, .users = &users, .res = r};
    pc_check_ctx c;
    if (pc_users_resolve(&users, in->fs, in->cfg->user, in->sandbox) < 0) {
        x.users = NULL; /* fail closed: what they would have found may deny */
        pc_finding_lost(r);
    }
    fill_sandbox(in, x.users, r);
    fill_caps(&r->sandbox, in->sandbox->dropped_caps);
    static const char *const from[] = {"image", "run", "policy"};
    r->sandbox.user_from = from[in->run ? in->run->user_from : PC_USER_FROM_IMAGE];
    for (int i = 0; rows[i]; i++)
        if (rows[i]->config && ctx_for(&x, rows[i], &c))
            rows[i]->config(&c);
    if (pc_fsview_walk(in->fs, visit_node, &x) < 0)
        pc_finding_add(r, PC_CHK_SCAN_ERROR, NULL, NULL, NULL,
                       "the final filesystem has a path too long or deep to check");
    pc_users_free(&users);
}

int pc_finding_add(pc_result *r, pc_check_id id, const char *path, const char *layer,
                   const char *rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pc_finding_addv(r, pc_check_row(id), PC_ACTION_DENY, path, layer, rule, fmt, ap);
    va_end(ap);
    return rc;
}
