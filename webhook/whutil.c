/*
 * whutil.c — see whutil.h. Every size computation here is checked before
 * it is used: the buffer refuses to grow past SIZE_MAX/2, the file reader
 * refuses files above its cap before allocating, the parsers refuse
 * values that would overflow.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "whutil.h"

uint64_t wh_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int buf_reserve(wh_buf *b, size_t extra)
{
    if (b->oom || extra > SIZE_MAX / 2 - b->len - 1)
        return b->oom = 1, -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return b->oom = 1, -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

void wh_buf_add(wh_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void wh_buf_puts(wh_buf *b, const char *s)
{
    wh_buf_add(b, s, strlen(s));
}

void wh_buf_printf(wh_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void wh_buf_free(wh_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

char *wh_buf_take(wh_buf *b)
{
    char *p = b->oom ? NULL : b->p;
    if (!p && !b->oom)
        p = calloc(1, 1);
    if (b->oom)
        free(b->p);
    memset(b, 0, sizeof *b);
    return p;
}

int wh_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        snprintf(err, errlen, "%s: %s", path,
                 S_ISREG(st.st_mode) ? "larger than the limit" : "not a regular file");
        close(fd);
        return -1;
    }
    size_t n = (size_t)st.st_size, got = 0;
    char *p = malloc(n + 1);
    while (p && got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!p || got != n) {
        snprintf(err, errlen, "%s: %s", path, p ? "short read" : "out of memory");
        free(p);
        return -1;
    }
    p[n] = 0;
    *out = p;
    if (len)
        *len = n;
    return 0;
}

/* One "NUMBERunit" step of a duration; advances *s. */
static int duration_part(const char **s, uint64_t *ms)
{
    const char *p = *s;
    uint64_t v = 0, mul;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (p[0] == 'm' && p[1] == 's')
        mul = 1, p += 2;
    else if (*p == 'h')
        mul = 3600000, p++;
    else if (*p == 'm')
        mul = 60000, p++;
    else if (*p == 's')
        mul = 1000, p++;
    else
        return -1;
    if (v > UINT64_MAX / mul)
        return -1;
    *ms = v * mul;
    *s = p;
    return 0;
}

int wh_parse_duration(const char *s, uint64_t max_ms, uint64_t *ms)
{
    uint64_t total = 0, part;
    if (!s || !*s || strlen(s) > 32)
        return -1;
    while (*s) {
        if (duration_part(&s, &part) < 0 || part > max_ms - total)
            return -1;
        total += part;
    }
    *ms = total;
    return 0;
}

int wh_parse_size(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024 * 1024 * 1024, end++;
    if (errno || *end || v > max / mul)
        return -1;
    *out = (uint64_t)v * mul;
    return 0;
}

void wh_one_line(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

void wh_cut_utf8(char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n <= max || max < 4)
        return;
    size_t cut = max - 3;
    /* back up over continuation bytes so no sequence is split */
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    memcpy(s + cut, "...", 4);
}

char *wh_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}
