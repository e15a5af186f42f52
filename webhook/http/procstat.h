/*
 * procstat.h — the process metrics every Prometheus exporter shows
 * (process_cpu_seconds_total, process_resident_memory_bytes,
 * process_open_fds, process_start_time_seconds, ...), read from /proc/self
 * at scrape time: nothing is kept between scrapes.
 */
#ifndef WH_PROCSTAT_H
#define WH_PROCSTAT_H

#include <stdint.h>

typedef struct wh_procstat {
    double cpu_seconds;   /* user + system */
    uint64_t rss_bytes;   /* resident set */
    uint64_t vsize_bytes; /* virtual memory */
    uint64_t open_fds;    /* entries of /proc/self/fd */
    uint64_t max_fds;     /* RLIMIT_NOFILE soft limit */
    double start_time;    /* Unix seconds */
} wh_procstat;

/* 0, or -1 when /proc/self could not be read (then out is zeroed). */
int wh_procstat_read(wh_procstat *out);

#endif
