/*
 * report.h — internal interface of the report writers.
 *
 * pc_report_write (portcullis.h) dispatches to one writer per format; the
 * JSON objects they share with the webhook are in portcullis_json.h.
 *
 * Strings in a report come from hostile images (paths, rule names, env
 * names), so every writer passes them through the UTF-8 decoder below:
 * JSON gets U+FFFD for bytes that are not UTF-8, text escapes anything a
 * terminal would act on.
 */
#ifndef PC_REPORT_H
#define PC_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include "portcullis_json.h"

int pc_report_write_json(FILE *out, pc_result *const *results, size_t n);
int pc_report_write_text(FILE *out, pc_result *const *results, size_t n, int color);
int pc_report_write_sarif(FILE *out, pc_result *const *results, size_t n);

#endif
