/*
 * report_text.h — the human-readable report, ANSI colours when color is set (report_text.c).
 * 0 when written, -1 on a write error or out of memory.
 */
#ifndef PC_REPORT_TEXT_H
#define PC_REPORT_TEXT_H

#include <stddef.h>
#include <stdio.h>
#include "portcullis.h"

int pc_report_write_text(FILE *out, pc_result *const *results, size_t n, int color);

#endif
