/*
 * pcx.h — the small helpers the library and both tools share (as curl's
 * curlx): errors, checked allocation, bounded file reading, a growable
 * string. Defined in lib/pcx/; the tools link them from libportcullis.
 */
#ifndef PCX_H
#define PCX_H

#include <stddef.h>
#include <stdint.h>

typedef struct pc_err {
    char msg[1024];
} pc_err;

/* printf-style; always returns -1 so callers can `return pc_err_set(...)`. */
int pc_err_set(pc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the existing message: "prefix: old message". Returns -1. */
int pc_err_prefix(pc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* calloc-like: NULL on overflow or out of memory. */
void *pc_calloc(size_t n, size_t size);
/* realloc an array to n elements of size bytes; NULL (old kept) on overflow. */
void *pc_reallocarray(void *p, size_t n, size_t size);
/* Grow *arr (element size `size`) so it has room for `need` elements. */
int pc_grow(void **arr, size_t *cap, size_t need, size_t size);
char *pc_strdup(const char *s);
char *pc_strndup(const char *s, size_t n);
char *pc_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copy a hostile string for a message: bounded, control bytes shown as '?'
 * (lib/pcx/safestr.c). */
void pc_safe_str(const char *s, char *out, size_t n);

/* Read a whole file of at most max bytes (NUL-terminated copy). */
int pc_read_file(const char *path, size_t max, char **out, size_t *len, pc_err *e);

/* Monotonic milliseconds. */
uint64_t pc_now_ms(void);

/* Growable string. */
typedef struct pc_buf {
    char *p;
    size_t len, cap;
    int oom;
} pc_buf;
void pc_buf_add(pc_buf *b, const char *s, size_t n);
void pc_buf_puts(pc_buf *b, const char *s);
void pc_buf_printf(pc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pc_buf_free(pc_buf *b);

#endif
