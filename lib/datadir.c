/*
 * datadir.c — where the shipped rules/ (YARA rules and policies/) live:
 * $PORTCULLIS_DATADIR/rules, else the rules/ folder of the source tree a
 * binary was built in (build/ or build/asan/ next to it), else the
 * installed copy. The CLI and the webhook both ask here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ctx.h"
#include "portcullis.h"

char *pc_default_rules_dir(void)
{
    char exe[4096], buf[4200];
    struct stat st;
    const char *env = getenv("PORTCULLIS_DATADIR");
    if (env && strlen(env) < 4000) {
        snprintf(buf, sizeof buf, "%s/rules", env);
        return strdup(buf);
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        static const char *const ups[] = {"/../rules", "/../../rules"};
        for (int i = 0; i < 2; i++) {
            snprintf(buf, sizeof buf, "%s%s/policies", exe, ups[i]);
            if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode)) {
                snprintf(buf, sizeof buf, "%s%s", exe, ups[i]);
                return strdup(buf);
            }
        }
    }
    return strdup(PC_DATADIR "/rules");
}
