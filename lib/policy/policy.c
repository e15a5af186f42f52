/*
 * policy.c — what the verdict asks of a policy: a check's action at a
 * path (allow_paths), ignored YARA rules, exempt images and namespaces.
 * policy_file.c loads and frees the file the policy comes from.
 */
#include <fnmatch.h>
#include <string.h>
#include "policy/policy.h"

pc_action pc_policy_action(const pc_policy *p, pc_check_id id, const char *path)
{
    return pc_policy_action_n(p, id, path, 0);
}

pc_action pc_policy_action_n(const pc_policy *p, pc_check_id id, const char *path, int neutralised)
{
    return pc_policy_action_c(p, id, path, neutralised, NULL);
}

pc_action pc_policy_action_c(const pc_policy *p, pc_check_id id, const char *path, int neutralised,
                             const char *category)
{
    if (!p || (unsigned)id >= PC_CHK_COUNT)
        return PC_ACTION_DENY;
    const pc_check_policy *cp = &p->checks[id];
    for (size_t i = 0; path && i < cp->nallow_paths; i++)
        if (fnmatch(cp->allow_paths[i], path, 0) == 0)
            return PC_ACTION_IGNORE;
    if (neutralised && cp->has_when_neutralised)
        return cp->when_neutralised;
    int k = pc_tool_category_index(category);
    return k >= 0 && cp->has_category[k] ? cp->category[k] : cp->action;
}

pc_mode pc_policy_mode(const pc_policy *p, pc_check_id id)
{
    pc_mode m = p && (unsigned)id < PC_CHK_COUNT ? p->checks[id].mode : PC_MODE_UNSET;
    /* an image that could not be read fails closed unless scan-error's own
     * mode says otherwise: the policy's mode never lowers it */
    if (m == PC_MODE_UNSET && id == pc_check_id_parse("scan-error"))
        m = PC_MODE_ENFORCE;
    if (m == PC_MODE_UNSET)
        m = p ? p->mode : PC_MODE_ENFORCE;
    return m == PC_MODE_UNSET ? PC_MODE_ENFORCE : m;
}

int pc_policy_ignores_rule(const pc_policy *p, const char *rule)
{
    for (size_t i = 0; p && rule && i < p->nignore_rules; i++)
        if (strcmp(p->ignore_rules[i], rule) == 0)
            return 1;
    return 0;
}

const char *pc_policy_exempt_image(const pc_policy *p, const char *ref, const char *const *digests,
                                   size_t ndigests)
{
    for (size_t i = 0; p && i < p->nexempt_images; i++) {
        const char *ent = p->exempt_images[i];
        if (strncmp(ent, "sha256:", 7) != 0) {
            if (ref && fnmatch(ent, ref, 0) == 0)
                return ent;
            continue;
        }
        for (size_t j = 0; digests && j < ndigests; j++)
            if (digests[j] && strcmp(ent, digests[j]) == 0)
                return ent;
    }
    return NULL;
}

int pc_policy_exempt_namespace(const pc_policy *p, const char *ns)
{
    /* globs (fnmatch): namespace names have no '/', so "team-*" is plain */
    for (size_t i = 0; p && ns && i < p->nexempt_namespaces; i++)
        if (fnmatch(p->exempt_namespaces[i], ns, 0) == 0)
            return 1;
    return 0;
}
