/*
 * report_sarif.h — the SARIF 2.1.0 log for code scanning (report_sarif.c).
 * 0 when written, -1 on a write error or out of memory.
 */
#ifndef PC_REPORT_SARIF_H
#define PC_REPORT_SARIF_H

#include <stddef.h>
#include <stdio.h>
#include "portcullis.h"

int pc_report_write_sarif(FILE *out, pc_result *const *results, size_t n);

#endif
