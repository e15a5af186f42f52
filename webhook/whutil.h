/*
 * whutil.h — the small checked helpers the webhook shares: a monotonic
 * clock, a growable string, a capped file reader, Go-style durations
 * ("10s", "1m30s", "500ms", as the apiserver writes ?timeout=), byte sizes
 * ("4M") and the two string shapers every message goes through: one line
 * (no control characters) and a length cut that never splits a UTF-8
 * sequence.
 */
#ifndef WH_UTIL_H
#define WH_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Monotonic milliseconds. */
uint64_t wh_now_ms(void);

/* Growable NUL-terminated string; oom is sticky: once an append failed,
 * the buffer stays as it was and every later append is a no-op. */
typedef struct wh_buf {
    char *p;
    size_t len, cap;
    int oom;
} wh_buf;
void wh_buf_add(wh_buf *b, const char *s, size_t n);
void wh_buf_puts(wh_buf *b, const char *s);
void wh_buf_printf(wh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wh_buf_free(wh_buf *b);
/* Hand over the string (NULL when out of memory); the buffer is reset. */
char *wh_buf_take(wh_buf *b);

/* Read a whole file of at most max bytes into a NUL-terminated copy. */
int wh_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen);

/* "10s", "1m30s", "500ms", "2h" (units h, m, s, ms; integers) → ms.
 * -1 when malformed or above max_ms. */
int wh_parse_duration(const char *s, uint64_t max_ms, uint64_t *ms);
/* "4194304", "64K", "4M", "1G" → bytes; -1 when malformed or above max. */
int wh_parse_size(const char *s, uint64_t max, uint64_t *out);

/* Replace control characters (and DEL) with '?': one line, no escapes. */
void wh_one_line(char *s);
/* Cut s to at most max bytes on a UTF-8 boundary, ending in "..." when cut
 * (max >= 4). */
void wh_cut_utf8(char *s, size_t max);

/* strdup that is NULL-safe (NULL in, NULL out). */
char *wh_strdup(const char *s);

#endif
