/*
 * procstat.c — see procstat.h. /proc/self/stat's fields are counted from
 * after the last ')' (the command name may hold spaces and parentheses):
 * utime and stime (14, 15) in clock ticks, starttime (22) in ticks since
 * boot, vsize (23) in bytes, rss (24) in pages; boot time is /proc/stat's
 * "btime" line.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "procstat.h"

static int read_small(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    size_t got = fread(buf, 1, n - 1, f);
    fclose(f);
    buf[got] = 0;
    return got ? 0 : -1;
}

static int64_t boot_time(void)
{
    char buf[8192];
    if (read_small("/proc/stat", buf, sizeof buf) < 0)
        return -1;
    const char *p = strstr(buf, "\nbtime ");
    return p ? strtoll(p + 7, NULL, 10) : -1;
}

static uint64_t count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    uint64_t n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n ? n - 1 : 0; /* not the directory's own descriptor */
}

int wh_procstat_read(wh_procstat *out)
{
    char buf[2048];
    memset(out, 0, sizeof *out);
    if (read_small("/proc/self/stat", buf, sizeof buf) < 0)
        return -1;
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    /* field 3 (state) starts 2 bytes after ')'; collect fields 3..24 */
    unsigned long long f[25] = {0};
    char *save = NULL;
    int i = 3;
    for (char *tok = strtok_r(p + 2, " ", &save); tok && i <= 24;
         tok = strtok_r(NULL, " ", &save), i++)
        f[i] = i == 3 ? 0 : strtoull(tok, NULL, 10);
    if (i <= 24)
        return -1;
    long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    if (tck <= 0 || page <= 0)
        return -1;
    out->cpu_seconds = (double)(f[14] + f[15]) / (double)tck;
    out->vsize_bytes = f[23];
    out->rss_bytes = f[24] * (uint64_t)page;
    int64_t bt = boot_time();
    if (bt > 0)
        out->start_time = (double)bt + (double)f[22] / (double)tck;
    out->open_fds = count_fds();
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        out->max_fds = (uint64_t)rl.rlim_cur;
    return 0;
}
