/*
 * err.c — filling pc_err. Messages are built with vsnprintf into the fixed
 * buffer, so an error never allocates and never overflows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "pcx.h"

int pc_err_set(pc_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int pc_err_prefix(pc_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    char pre[512], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    size_t n = strlen(pre);
    if (n > sizeof e->msg - 3)
        n = sizeof e->msg - 3;
    memcpy(e->msg, pre, n);
    memcpy(e->msg + n, ": ", 2);
    size_t room = sizeof e->msg - n - 3, ol = strnlen(old, sizeof old - 1);
    if (ol > room)
        ol = room;
    memcpy(e->msg + n + 2, old, ol);
    e->msg[n + 2 + ol] = 0;
    return -1;
}
