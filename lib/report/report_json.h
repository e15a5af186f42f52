/*
 * report_json.h — the portcullis.scan/v1 JSON report (report_json.c).
 * 0 when written, -1 on a write error or out of memory.
 */
#ifndef PC_REPORT_JSON_H
#define PC_REPORT_JSON_H

#include <stddef.h>
#include <stdio.h>
#include "portcullis.h"

int pc_report_write_json(FILE *out, pc_result *const *results, size_t n);

#endif
