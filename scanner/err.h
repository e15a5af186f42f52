/*
 * err.h — the one error carrier: every failing call fills a pc_err with a
 * human message that names what was wrong and where, and returns -1.
 */
#ifndef PC_ERR_H
#define PC_ERR_H

#include <stddef.h>

typedef struct pc_err {
    char msg[1024];
} pc_err;

/* printf-style; always returns -1 so callers can `return pc_err_set(...)`. */
int pc_err_set(pc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the existing message: "prefix: old message". Returns -1. */
int pc_err_prefix(pc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
