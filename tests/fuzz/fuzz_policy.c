/*
 * fuzz_policy.c — libFuzzer target: a policy file (lib/policy/policy_file.c).
 * Policies come from the operator (--policy, the webhook's config), not
 * from images, but a policy file may be shared or edited by many hands
 * and must never crash the reader. A policy that parses is queried: the
 * action of every check for a path, rule ignores, image and namespace
 * exemptions. Checked: actions are one of the three; the digest is set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_strndup(data, size);
    if (!s)
        return 0;
    pc_policy_file *f = NULL;
    pc_err e;
    if (pc_policy_file_parse(s, size, "fuzz.json", &f, &e) == 0) {
        const pc_policy *p = &f->policy;
        FZ_CHECK(strncmp(p->digest, "sha256:", 7) == 0, "policy without a digest");
        for (int i = 0; i < PC_CHK_COUNT; i++) {
            pc_action a = pc_policy_action(p, (pc_check_id)i, "/usr/bin/su");
            FZ_CHECK(a == PC_ACTION_IGNORE || a == PC_ACTION_WARN || a == PC_ACTION_DENY,
                     "action %d", (int)a);
            (void)pc_policy_action(p, (pc_check_id)i, NULL);
        }
        const char *dg[] = {
            "sha256:0000000000000000000000000000000000000000000000000000000000000000"};
        (void)pc_policy_exempt_image(p, "docker.io/library/nginx:latest", dg, 1);
        (void)pc_policy_exempt_namespace(p, "kube-system");
        (void)pc_policy_ignores_rule(p, "miner");
        pc_policy_file_free(f);
    } else {
        FZ_CHECK(memchr(e.msg, 0, sizeof e.msg) && e.msg[0], "refused without a message");
    }
    free(s);
    return 0;
}
