/*
 * verdict.c — see verdict.h: the one rule (judge), applied to a scan's
 * findings (pc_verdict_apply, last step of pc_scan) and to one use of a
 * scanned image under a reference (pc_verdict_judge: unpinned-image).
 *
 * pc_verdict_apply never allocates except for the one summary finding per
 * check over PC_FINDINGS_PER_CHECK; when that fails the finding is lost
 * (findings_lost), which denies: nothing here can turn into an allow.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check/check.h"
#include "verdict/verdict.h"
#include "pcx.h"

#define UNPINNED_MESSAGE "no @sha256: digest in the reference; the tag can move"

/* What the rule needs to know about one finding. */
typedef struct judged {
    pc_check_id id;
    pc_action ceiling;
    const char *path, *rule;
    const char *category; /* a tool finding's category, or NULL */
    int neutralised;
    int raise_warn;     /* pin_digests, for unpinned-image */
    const char *exempt; /* the exempt_images entry that matched, or NULL */
} judged;

static pc_action judge(const pc_policy *p, const judged *j)
{
    pc_action a = pc_policy_action_c(p, j->id, j->path, j->neutralised, j->category);
    if (a > j->ceiling)
        a = j->ceiling;
    if (j->rule && pc_policy_ignores_rule(p, j->rule))
        a = PC_ACTION_IGNORE;
    if (j->raise_warn && a == PC_ACTION_WARN)
        a = PC_ACTION_DENY;
    if (a == PC_ACTION_DENY && j->exempt)
        a = PC_ACTION_WARN;
    return a;
}

static int finding_cmp(const void *a, const void *b)
{
    const pc_finding *x = a, *y = b;
    int k = pc_check_id_parse(x->check) - pc_check_id_parse(y->check);
    if (k)
        return k;
    k = strcmp(x->path ? x->path : "", y->path ? y->path : "");
    if (k)
        return k;
    return strcmp(x->rule ? x->rule : "", y->rule ? y->rule : "");
}

/* After the kept findings of one check (r->findings[0..keep)), the summary
 * of the `dropped` ones not listed, at their strongest action. */
static void add_summary(pc_result *r, size_t *keep, size_t dropped, pc_action worst)
{
    pc_finding *last = &r->findings[*keep - 1];
    int id = pc_check_id_parse(last->check);
    size_t before = r->nfindings;
    r->nfindings = *keep; /* append the summary right after this check's findings */
    if (pc_finding_add(r, (pc_check_id)id, NULL, NULL, NULL,
                       "%zu more %s findings not listed (at most %d per check)", dropped,
                       last->check, PC_FINDINGS_PER_CHECK) == 0)
        r->findings[(*keep)++].action = worst;
    r->nfindings = before;
}

/* Keep at most PC_FINDINGS_PER_CHECK findings per check (sorted input) and
 * say how many more there were, with the strongest action among them, so
 * an image with a million world-writable files still has a small report. */
static void cap_findings(pc_result *r)
{
    size_t keep = 0, i = 0;
    while (i < r->nfindings) {
        size_t j = i, dropped = 0;
        pc_action worst = PC_ACTION_IGNORE;
        while (j < r->nfindings && strcmp(r->findings[j].check, r->findings[i].check) == 0) {
            if (j - i < PC_FINDINGS_PER_CHECK) {
                r->findings[keep++] = r->findings[j];
            } else {
                dropped++;
                worst = r->findings[j].action > worst ? r->findings[j].action : worst;
                pc_finding_clear(&r->findings[j]);
            }
            j++;
        }
        if (dropped)
            add_summary(r, &keep, dropped, worst);
        i = j;
    }
    r->nfindings = keep;
}

/* exempt_images against the reference as given and every digest it resolved to. */
static const char *exemption(const pc_policy *p, const pc_result *r)
{
    const char *digests[3] = {r->digest, r->manifest_digest, r->config_digest};
    const char *ds[3];
    size_t nd = 0;
    for (int i = 0; i < 3; i++)
        if (digests[i])
            ds[nd++] = digests[i];
    return pc_policy_exempt_image(p, r->image, ds, nd);
}

/* The policy's exceptions over r's findings (namespace: none, at scan
 * time): a matching one waives the finding (action ignore, waived_by
 * naming it; the finding stays listed); an expired one that would have
 * says so in the message. Allocation failures leave the finding as it
 * was: it is never waived without its waiver being named. */
static void apply_exceptions(const pc_policy *p, pc_result *r, pc_finding *f)
{
    if (!p->nexceptions || f->action == PC_ACTION_IGNORE)
        return;
    const char *ds[3] = {r->digest, r->manifest_digest, r->config_digest};
    pc_exception_subject s = {r->image, ds, 3, NULL, (long long)time(NULL)};
    const pc_exception *expired = NULL;
    const pc_exception *x = pc_exception_match(p->exceptions, p->nexceptions, &s, f, &expired);
    if (x) {
        if ((f->waived_by = pc_asprintf("%s: %s", x->id, x->reason))) {
            f->action = PC_ACTION_IGNORE;
            if (x->expires_at && (!r->waived_until || x->expires_at < r->waived_until))
                r->waived_until = x->expires_at;
        }
    } else if (expired) {
        char *m = pc_asprintf("%s (exception %s expired on %s: no longer waived)", f->message,
                              expired->id, expired->expires);
        if (m) {
            free(f->message);
            f->message = m;
        }
    }
}

/* The policy's mode for a deny: warn lowers it to a warning, audit to
 * nothing the client sees; both keep that enforce mode would deny. */
static void apply_mode(const pc_policy *p, pc_result *r, pc_finding *f)
{
    if (f->action != PC_ACTION_DENY)
        return;
    pc_mode m = pc_policy_mode(p, pc_check_id_parse(f->check));
    if (m == PC_MODE_ENFORCE)
        return;
    f->would_deny = r->would_deny = 1;
    f->action = m == PC_MODE_WARN ? PC_ACTION_WARN : PC_ACTION_IGNORE;
}

void pc_verdict_apply(const pc_policy *p, pc_result *r)
{
    const char *ex = exemption(p, r);
    size_t keep = 0;
    free(r->exempt);
    r->exempt = ex ? pc_strdup(ex) : NULL;
    r->denied = 0;
    r->waived_until = 0;
    for (size_t i = 0; i < r->nfindings; i++) {
        pc_finding *f = &r->findings[i];
        judged j = {(pc_check_id)pc_check_id_parse(f->check),
                    f->action,
                    f->path,
                    f->rule,
                    f->category,
                    f->neutralised,
                    0,
                    ex};
        f->action = judge(p, &j);
        apply_exceptions(p, r, f);
        apply_mode(p, r, f);
        if (f->action == PC_ACTION_IGNORE && !f->waived_by && !f->would_deny) {
            pc_finding_clear(f);
            continue;
        }
        r->denied |= f->action == PC_ACTION_DENY;
        r->findings[keep++] = *f;
    }
    r->nfindings = keep;
    if (keep > 1)
        qsort(r->findings, keep, sizeof *r->findings, finding_cmp);
    cap_findings(r);
    if (r->findings_lost) /* fail closed: what was lost may have been a deny */
        r->denied = 1;
}

int pc_ref_pinned(const char *ref)
{
    const char *at = ref ? strrchr(ref, '@') : NULL;
    return at && strncmp(at + 1, "sha256:", 7) == 0;
}

int pc_verdict_ns_waived(const pc_policy *p, const pc_result *r, const char *ns,
                         const pc_finding *f)
{
    if (!ns || !p->nexceptions || f->action == PC_ACTION_IGNORE)
        return 0;
    const char *ds[3] = {r->digest, r->manifest_digest, r->config_digest};
    pc_exception_subject s = {r->image, ds, 3, ns, (long long)time(NULL)};
    const pc_exception *expired = NULL;
    const pc_exception *x = pc_exception_match(p->exceptions, p->nexceptions, &s, f, &expired);
    return x && x->nnamespaces; /* entries without namespaces were applied by the scan */
}

void pc_verdict_judge(const pc_policy *p, const pc_result *r, const pc_verdict_opts *o,
                      pc_verdict *out)
{
    const char *ref = o && o->ref ? o->ref : r ? r->image : NULL;
    judged j = {pc_check_id_parse("unpinned-image"),
                PC_ACTION_DENY,
                NULL,
                NULL,
                NULL,
                0,
                o && o->pin_digests,
                r ? r->exempt : NULL};
    out->unpinned = pc_ref_pinned(ref) ? PC_ACTION_IGNORE : judge(p, &j);
    int denied = !r || r->denied;
    if (r && denied && !r->findings_lost && o && o->namespace_) {
        /* the scan's deny, less what a namespace exception waives here */
        denied = 0;
        for (size_t i = 0; i < r->nfindings && !denied; i++)
            denied = r->findings[i].action == PC_ACTION_DENY &&
                     !pc_verdict_ns_waived(p, r, o->namespace_, &r->findings[i]);
    }
    out->denied = denied || out->unpinned == PC_ACTION_DENY;
}

int pc_verdict_unpinned_finding(const pc_verdict *v, pc_finding *out)
{
    memset(out, 0, sizeof *out);
    if (v->unpinned == PC_ACTION_IGNORE)
        return -1;
    out->check = (char *)pc_check_id_name(pc_check_id_parse("unpinned-image"));
    out->action = v->unpinned;
    out->message = UNPINNED_MESSAGE;
    return 0;
}
