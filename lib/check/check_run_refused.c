/*
 * check_run_refused.c — run-refused: the kubelet will refuse to start the
 * container as it is run. Today one rule, runAsNonRoot, judged as the
 * kubelet does (verifyRunAsNonRoot) on what the container runtime tells it
 * about the image: a runAsUser the run or the platform sets is judged by
 * its number; otherwise the image config's USER, its part before ':', read
 * as Go's strconv.ParseInt reads it: empty means root, a number is the uid
 * (0 is root), anything else is a name the kubelet cannot verify, so it
 * refuses even when the image's /etc/passwd gives that name a safe uid.
 */
#include <stdint.h>
#include <string.h>
#include "check/check.h"

/* Go's strconv.ParseInt(s[:n], 10, 64): 1 and *v when it parses. */
static int go_parse_int(const char *s, size_t n, int64_t *v)
{
    size_t i = 0;
    int neg = 0;
    uint64_t acc = 0;
    if (n && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        acc = acc * 10 + (uint64_t)(s[i] - '0');
        if (acc > (uint64_t)INT64_MAX + (uint64_t)neg)
            return 0;
    }
    *v = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return 1;
}

static void nonroot_config(pc_check_ctx *c)
{
    const pc_run_facts *run = c->run;
    if (!run || !run->run_as_non_root)
        return;
    const char *u = c->cfg->user ? c->cfg->user : "";
    size_t ulen = strcspn(u, ":");
    int64_t uid = 0;
    if (run->user_from == PC_USER_FROM_POLICY) {
        if (c->sandbox->uid == 0)
            pc_check_report(c, NULL, NULL, NULL,
                            "runAsNonRoot is set and the platform's runAsUser is 0: the kubelet "
                            "refuses to start the container (runAsUser breaks non-root policy)");
        return;
    }
    if (run->user_from == PC_USER_FROM_RUN) {
        if (!go_parse_int(u, ulen, &uid))
            pc_check_report(c, NULL, NULL, NULL,
                            "runAsNonRoot is set and the run's user \"%s\" is not a number: the "
                            "kubelet cannot verify it is not root and refuses to start the "
                            "container",
                            u);
        else if (uid == 0)
            pc_check_report(c, NULL, NULL, NULL,
                            "runAsNonRoot is set and runAsUser is 0: the kubelet refuses to "
                            "start the container (runAsUser breaks non-root policy)");
        return;
    }
    const char *img = run->image_user ? run->image_user : "";
    size_t ilen = strcspn(img, ":");
    if (ilen == 0)
        pc_check_report(c, NULL, NULL, NULL,
                        "runAsNonRoot is set, no runAsUser, and the image has %s: the image "
                        "will run as root, so the kubelet refuses to start the container",
                        *img ? "USER with an empty user part" : "no USER");
    else if (!go_parse_int(img, ilen, &uid))
        pc_check_report(c, NULL, NULL, NULL,
                        "runAsNonRoot is set, no runAsUser, and the image's USER \"%.*s\" is "
                        "non-numeric: the kubelet cannot verify the user is non-root and "
                        "refuses to start the container (set runAsUser, or a numeric USER)",
                        (int)ilen, img);
    else if (uid == 0)
        pc_check_report(c, NULL, NULL, NULL,
                        "runAsNonRoot is set, no runAsUser, and the image's USER \"%s\" is uid "
                        "0: the image will run as root, so the kubelet refuses to start the "
                        "container",
                        img);
}

const pc_check pc_check_run_refused = {
    .id = "run-refused",
    .help = "The kubelet will refuse to start the container as it is run (runAsNonRoot)",
    .report_order = 15,
    .reads = PC_READS_CONFIG,
    .ceiling = PC_ACTION_DENY,
    .config = nonroot_config,
};
