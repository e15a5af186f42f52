/*
 * policy.h — one policy file, three parts that go to three stages:
 *
 *   pc_profile (profile.h)  limits, YARA knobs: what a scan runs with;
 *                           sources, layer walk, YARA, the facts key
 *   pc_run     (run.h)      the sandbox the image will run in; the checks
 *   pc_policy  (here)       actions, allow lists, exemptions; applied last,
 *                           by the verdict (verdict/) and nowhere upstream
 *
 * Loaded from JSON (rules/policies/NAME.json or a file), strictly: unknown
 * keys and wrong types are errors naming the key and the file. Read-only
 * once loaded.
 */
#ifndef PC_POLICY_H
#define PC_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "check/checkid.h"
#include "check/toolcat.h"
#include "pcx.h"
#include "profile/profile.h"
#include "profile/run.h"
#include "policy/exception.h"
#include "portcullis.h"

/* How a deny is enforced (issue 19's rollout modes). */
typedef enum { PC_MODE_UNSET = 0, PC_MODE_ENFORCE, PC_MODE_WARN, PC_MODE_AUDIT } pc_mode;

typedef struct pc_check_policy {
    pc_action action;
    pc_mode mode;               /* UNSET: the policy's */
    int has_when_neutralised;   /* when_neutralised was given */
    pc_action when_neutralised; /* the action for a finding the run neutralises */
    char **allow_paths;         /* fnmatch(3) globs, flags 0, against absolute paths */
    size_t nallow_paths;
    /* categories: the action per tool category (check/toolcat.h) of the
     * findings that carry one (suspicious-tool); has_category[i] when given */
    unsigned char has_category[PC_TOOLCAT_COUNT];
    pc_action category[PC_TOOLCAT_COUNT];
} pc_check_policy;

typedef struct pc_policy {
    char *name;
    char digest[72]; /* sha256 of the policy file bytes */
    pc_check_policy checks[PC_CHK_COUNT];
    pc_mode mode;        /* enforce (default), warn: a deny is a warning, audit: allowed silently */
    char **ignore_rules; /* yara.ignore_rules: YARA rule names whose matches are dropped */
    size_t nignore_rules;
    char **exempt_images; /* fnmatch globs on the reference, or "sha256:..." digests */
    size_t nexempt_images;
    char **exempt_namespaces; /* webhook */
    size_t nexempt_namespaces;
    pc_exception *exceptions; /* in order: the first that applies waives */
    size_t nexceptions;
} pc_policy;

typedef struct pc_policy_file {
    pc_profile profile;
    pc_run run;
    pc_policy policy;
} pc_policy_file;

/* file_or_name: a path (contains '/' or ends in .json) or a built-in name
 * looked up as policies_dir/NAME.json. */
int pc_policy_file_load(const char *file_or_name, const char *policies_dir, pc_policy_file **out,
                        pc_err *e);
/* origin names the source in messages (a file path). */
int pc_policy_file_parse(const char *text, size_t len, const char *origin, pc_policy_file **out,
                         pc_err *e);
void pc_policy_file_free(pc_policy_file *f);

/* The policy's own action for a finding of check `id` at `path` (NULL for
 * none): IGNORE when path matches one of the check's allow_paths. The
 * verdict (verdict/) combines it with the finding's ceiling and the
 * exemptions. */
pc_action pc_policy_action(const pc_policy *p, pc_check_id id, const char *path);
/* The same for a finding the run neutralises (pc_finding.neutralised):
 * the check's when_neutralised action when the policy gives one. */
pc_action pc_policy_action_n(const pc_policy *p, pc_check_id id, const char *path, int neutralised);
/* The same for a finding of a tool category (NULL: none): the check's
 * categories action for it when the policy gives one (allow_paths first,
 * when_neutralised after). */
pc_action pc_policy_action_c(const pc_policy *p, pc_check_id id, const char *path, int neutralised,
                             const char *category);
/* The mode a deny of check id is enforced in (the check's, else the policy's). */
pc_mode pc_policy_mode(const pc_policy *p, pc_check_id id);
/* 1 when the YARA rule is in yara.ignore_rules. */
int pc_policy_ignores_rule(const pc_policy *p, const char *rule);
/* The exempt_images entry matching the reference or one of the digests, or NULL. */
const char *pc_policy_exempt_image(const pc_policy *p, const char *ref, const char *const *digests,
                                   size_t ndigests);
/* Append the exceptions of an exceptions file (`{"exceptions": [...]}` or
 * the bare array) to f, and fold the file's bytes into its digest. 0, or
 * -1 with a message naming the file and key. */
int pc_policy_file_add_exceptions(pc_policy_file *f, const char *path, pc_err *e);
/* 1 when the namespace is exempt. */
int pc_policy_exempt_namespace(const pc_policy *p, const char *ns);

#endif
