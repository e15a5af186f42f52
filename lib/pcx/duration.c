/*
 * duration.c — the one grammar of durations and sizes that every flag of
 * `portcullis` and `portcullis-webhook` takes (README, "Durations and
 * sizes"), so a value means the same in both tools. Durations are Go's
 * integer form (what the apiserver writes in ?timeout=) plus days, and a
 * bare integer counts seconds; sizes are an integer with an optional
 * binary K, M or G. Every multiplication and addition is checked against
 * overflow and against the caller's maximum before it is made.
 */
#include <stdio.h>
#include <string.h>
#include "pcx.h"

#define DURATION_MAX_CHARS 32

/* Digits at *s into *v (at least one); advances *s. */
static int digits(const char **s, uint64_t *v)
{
    const char *p = *s;
    uint64_t n = 0;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (n > (UINT64_MAX - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    *v = n;
    *s = p;
    return 0;
}

/* The unit at *s in milliseconds; advances *s. "ms" before "m". */
static int unit_ms(const char **s, uint64_t *mul)
{
    static const struct {
        const char *name;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);
        if (strncmp(*s, units[i].name, n) == 0) {
            *mul = units[i].ms;
            *s += n;
            return 0;
        }
    }
    return -1;
}

int pc_parse_duration(const char *s, uint64_t max_ms, uint64_t *ms)
{
    uint64_t total = 0, v, mul;
    if (!s || !*s || strnlen(s, DURATION_MAX_CHARS + 1) > DURATION_MAX_CHARS)
        return -1;
    if (s[strspn(s, "0123456789")] == 0) { /* a bare integer: seconds */
        if (digits(&s, &v) < 0 || v > max_ms / 1000)
            return -1;
        *ms = v * 1000;
        return 0;
    }
    while (*s) {
        if (digits(&s, &v) < 0 || unit_ms(&s, &mul) < 0 || v > max_ms / mul ||
            v * mul > max_ms - total)
            return -1;
        total += v * mul;
    }
    *ms = total;
    return 0;
}

int pc_parse_verdict_ttl(const char *s, uint64_t *seconds)
{
    uint64_t ms;
    if (pc_parse_duration(s, PC_VERDICT_TTL_MAX_S * 1000, &ms) < 0 || ms < 1000)
        return -1;
    *seconds = ms / 1000;
    return 0;
}

int pc_parse_size(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v, mul = 1;
    if (!s || digits(&s, &v) < 0)
        return -1;
    switch (*s) {
    case 'K':
    case 'k':
        mul = 1024;
        break;
    case 'M':
    case 'm':
        mul = 1024 * 1024;
        break;
    case 'G':
    case 'g':
        mul = 1024 * 1024 * 1024;
        break;
    }
    if (mul > 1)
        s++;
    if (*s || v > max / mul)
        return -1;
    *out = v * mul;
    return 0;
}

int pc_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (!s || digits(&s, &v) < 0 || *s || v > max)
        return -1;
    *out = v;
    return 0;
}

void pc_format_size(uint64_t v, char *out, size_t n)
{
    if (v < 1024)
        snprintf(out, n, "%llu B", (unsigned long long)v);
    else if (v < 1024 * 1024)
        snprintf(out, n, "%.1f KiB", (double)v / 1024);
    else if (v < 1024ull * 1024 * 1024)
        snprintf(out, n, "%.1f MiB", (double)v / (1024 * 1024));
    else
        snprintf(out, n, "%.2f GiB", (double)v / (1024.0 * 1024 * 1024));
}
