/*
 * check.h — a check is one file, lib/check/check_<id>.c, that defines one
 * row: a const pc_check named pc_check_<id> (dashes become underscores)
 * carrying everything about it — its id, its help text, its place in
 * reports, what it reads, the highest action it may get, its callbacks.
 * The Makefile lists every check_*.c file in $(B)/gen/checklist.h and
 * checks.c builds the table from that list, so adding a check touches the
 * new file and the policies (the JSON files in rules/policies), nothing else.
 *
 * The driver (pc_checks_run) resolves the image's USER and the sandbox
 * user once, fills the report's sandbox facts about them, and hands every
 * check the same read-only inputs. A check reads only its inputs, never
 * another check's findings or sandbox facts, so the rows run in any order.
 */
#ifndef PC_CHECK_H
#define PC_CHECK_H

#include <stdarg.h>
#include "check/checkid.h"
#include "fs/fsview.h"
#include "fs/sandbox.h"
#include "image/image.h"
#include "image/imgconfig.h"
#include "profile/run.h"
#include "yara/toolpkgs.h"
#include "yara/yara_rules.h"
#include "portcullis.h"

/* What a check reads; the driver hands it only these (the rest is NULL). */
#define PC_READS_CONFIG 1u /* the image config (ctx cfg) */
#define PC_READS_FS 2u     /* the final filesystem (ctx fs; needed for a node callback) */
#define PC_READS_USERS 4u  /* the resolved image and sandbox users (ctx users) */

typedef struct pc_check pc_check;

typedef struct pc_check_ctx {
    const pc_check *check;          /* the row being run: findings are its */
    const pc_imgconfig *cfg;        /* PC_READS_CONFIG */
    const pc_fsview *fs;            /* PC_READS_FS */
    const pc_users *users;          /* PC_READS_USERS */
    const pc_sandbox_spec *sandbox; /* the effective sandbox: the policy's, with the run's */
    const pc_run_facts *run;        /* what is known of the run itself (profile/run.h) */
    const pc_image *img;            /* platform and layers */
    const char *const *layers;      /* digest per layer index */
    const pc_toolpkgs *tools;       /* the tool package lists (rules/packages), or NULL */
    const pc_rules *rules;          /* the compiled YARA rules, or NULL (none) */
    uint64_t yara_timeout;          /* yara.timeout_seconds, for what the checks match */
    pc_result *res;                 /* findings (pc_check_report) and sandbox facts */
} pc_check_ctx;

struct pc_check {
    const char *id;                  /* the stable id, "root-user" */
    const char *help;                /* one line: SARIF rule text, docs */
    unsigned report_order;           /* findings are listed by ascending report_order, then id */
    unsigned reads;                  /* PC_READS_* */
    pc_action ceiling;               /* the highest action its findings may get */
    void (*config)(pc_check_ctx *c); /* once, may be NULL */
    void (*node)(pc_check_ctx *c, const char *path, const pc_node *n); /* per node, may be NULL */
};

/* The run's mount (c->run->mounts) that path is at or beneath, the
 * deepest one: its index, or -1 (mounts.c). What is there is not the
 * image's: a program or WORKDIR on it is not judged from the image. */
long pc_check_mount(const pc_check_ctx *c, const char *path);

/* NULL-terminated: every row, in the order of checklist.h (checks.c). */
extern const pc_check *const pc_checks[];

/* The row of an id (by number or by name), or NULL. */
const pc_check *pc_check_row(pc_check_id id);
const pc_check *pc_check_find(const char *name);

/* Everything the checks look at. */
typedef struct pc_check_input {
    const pc_imgconfig *cfg;
    const pc_fsview *fs;
    const pc_sandbox_spec *sandbox;
    const pc_run_facts *run;
    const pc_image *img;
    const char *const *layers;
    const pc_toolpkgs *tools; /* may be NULL: no tool package lists */
    const pc_rules *rules;    /* may be NULL: no YARA rules */
    uint64_t yara_timeout;    /* yara.timeout_seconds */
} pc_check_input;

/* Resolve the users once, fill r->sandbox's user, needs_root and program,
 * then run every row of rows (NULL-terminated, any order): config
 * callbacks, then one walk of the fs for the node callbacks. When the
 * users cannot be resolved (out of memory) the checks that read them are
 * not run and the result is marked lost: the verdict is deny. */
void pc_checks_run(const pc_check *const *rows, const pc_check_input *in, pc_result *r);

/* Record a finding of c's check. Its action starts at the row's ceiling;
 * the policy picks the action at or below it later. The layer is the
 * digest of the layer that put the node there. Returns -1 on OOM (the
 * result is then marked lost, so the verdict is deny). */
int pc_check_report(pc_check_ctx *c, const char *path, const char *layer, const char *rule,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same, at most cap whatever the row's ceiling (a missing WORKDIR,
 * which the runtime creates, is at most a warning). */
int pc_check_report_capped(pc_check_ctx *c, pc_action cap, const char *path, const char *layer,
                           const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The same, for what the run neutralises (pc_finding.neutralised): a
 * set-user-ID bit under no_new_privileges, file capabilities it is never
 * granted. The policy's when_neutralised action applies to it. */
int pc_check_report_neutralised(pc_check_ctx *c, const char *path, const char *layer,
                                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The finding recorder behind the calls above and below (finding.c): at
 * most cap and the row's ceiling; -1 when out of memory (r marked lost). */
int pc_finding_addv(pc_result *r, const pc_check *row, pc_action cap, const char *path,
                    const char *layer, const char *rule, const char *fmt, va_list ap);
/* A finding of check id outside a check (the scanner's scan-error; checks.c). */
int pc_finding_add(pc_result *r, pc_check_id id, const char *path, const char *layer,
                   const char *rule, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Free a finding's strings (not the finding). */
void pc_finding_clear(pc_finding *f);
/* Mark r as having lost a finding: the verdict is deny. Returns -1. */
int pc_finding_lost(pc_result *r);

/* A scan-error finding from inside a check (what it had to read could not
 * be read): a deny whatever the check's ceiling; -1 on OOM (r marked lost). */
int pc_check_report_scan_error(pc_check_ctx *c, const char *path, const char *layer,
                               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* What a suspicious-tool finding is about: category, severity and the
 * signal that fired (pc_finding). NULL members: "other", "high" (an
 * unrated rule is taken as serious), "content". */
typedef struct pc_tool_tag {
    const char *category, *severity, *signal;
} pc_tool_tag;
/* A suspicious-tool finding with its tag; -1 on OOM (r marked lost). */
int pc_check_report_tool(pc_check_ctx *c, const char *path, const char *layer, const char *rule,
                         const pc_tool_tag *tag, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

const char *pc_check_layer(const pc_check_ctx *c, const pc_node *n);

#endif
