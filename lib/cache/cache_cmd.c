/*
 * cache_cmd.c — the public face of the cache for `portcullis cache`:
 * stats, prune to a byte budget, clear.
 */
#include <stdio.h>
#include <string.h>
#include "cache/cache.h"
#include "portcullis.h"

int pc_cache_command(const char *dir, const char *cmd, uint64_t max_bytes, FILE *out, char *err,
                     size_t errlen)
{
    pc_err e = {{0}};
    pc_cache c;
    pc_cache_stats st;
    int rc = -1;
    if (pc_cache_open(&c, dir, 0, &e) < 0) {
        snprintf(err, errlen, "%s", e.msg);
        return -1;
    }
    if (strcmp(cmd, "stats") == 0)
        rc = pc_cache_stats_get(&c, &st, &e);
    else if (strcmp(cmd, "prune") == 0 || strcmp(cmd, "clear") == 0)
        rc = pc_cache_prune(&c, cmd[0] == 'c' ? 0 : max_bytes, &e) == 0
                 ? pc_cache_stats_get(&c, &st, &e)
                 : -1;
    else
        pc_err_set(&e, "unknown cache command \"%s\" (stats, prune, clear)", cmd);
    if (rc == 0)
        fprintf(out, "cache %s: %llu layer entries, %llu bytes\n", dir,
                (unsigned long long)st.entries, (unsigned long long)st.bytes);
    else
        snprintf(err, errlen, "%s", e.msg);
    pc_cache_close(&c);
    return rc;
}
