/*
 * mounts.c — pc_check_mount (check.h): what the run mounts over a path
 * of the image's filesystem (a pod's volumeMounts, pc_runctx.mounts).
 */
#include <string.h>
#include "check/check.h"
#include "layer/layer.h"

long pc_check_mount(const pc_check_ctx *c, const char *path)
{
    char clean[PC_SB_PATH_MAX];
    const pc_run_facts *r = c->run;
    long best = -1;
    size_t best_len = 0;
    if (!r || !r->nmounts || !path)
        return -1;
    if (pc_path_normalise(path, clean + 1, sizeof clean - 1) < 0)
        return -1; /* (judged as the image has it, or not) */
    clean[0] = '/';
    for (size_t i = 0; i < r->nmounts; i++) {
        const char *m = r->mounts[i];
        size_t n = strlen(m);
        if (n == 1) /* "/": everything */
            n = 0;
        if (strncmp(clean, m, n) == 0 && (clean[n] == '/' || clean[n] == '\0') &&
            (best < 0 || n >= best_len)) {
            best = (long)i; /* the deepest mount covers; of equals, the later one */
            best_len = n;
        }
    }
    return best;
}
