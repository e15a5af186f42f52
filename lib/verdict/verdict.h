/*
 * verdict.h — the policy applied last, in one place. Everything upstream
 * (sources, layer walk, YARA, checks) runs with the profile and the run
 * (policy.h) and records findings with a ceiling; only this module reads
 * the policy's actions, allow lists and exemptions.
 *
 * The rule, for one finding (judge() in verdict.c, the only copy):
 *   1. the policy's action for its check, IGNORE when its path matches the
 *      check's allow_paths;
 *   2. at most the finding's ceiling (its action on entry: what the check
 *      allows, e.g. warn for a missing WORKDIR);
 *   3. IGNORE when its YARA rule is in yara.ignore_rules;
 *   4. for unpinned-image only: warn raised to deny by pin_digests;
 *   5. deny lowered to warn when exempt_images matched the image.
 * Ignored findings are dropped; the image is denied when a finding denies
 * or a finding was lost (findings_lost: what was lost may have been a
 * deny). A failed scan is one scan-error finding, judged by the same rule
 * (denied unless the policy makes scan-error a warn).
 *
 * Whether the reference is pinned is judged per use (the public
 * pc_verdict_of), because one scan result may answer many references.
 */
#ifndef PC_VERDICT_H
#define PC_VERDICT_H

#include "policy/policy.h"
#include "portcullis.h"

/* At most this many findings per check are listed; the rest are counted
 * in one summary finding at their strongest action. */
#define PC_FINDINGS_PER_CHECK 1000

/* Judge r's findings (each f->action is its ceiling on entry): set r->exempt
 * (matched on r->image and the digests), every finding's action, drop the
 * ignored ones, sort, bound each check's list, set r->denied. */
void pc_verdict_apply(const pc_policy *p, pc_result *r);

/* pc_verdict_of with the policy itself (what pc_verdict_of does with the
 * ctx's policy). r NULL: no scan to go by, denied. */
/* 1 when an exception naming namespaces waives f in namespace ns. */
int pc_verdict_ns_waived(const pc_policy *p, const pc_result *r, const char *ns,
                         const pc_finding *f);
void pc_verdict_judge(const pc_policy *p, const pc_result *r, const pc_verdict_opts *o,
                      pc_verdict *out);

#endif
