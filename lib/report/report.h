/*
 * report.h — the report writers, one per format, each declared in its own
 * header and called by pc_report_write (report.c). The JSON objects they
 * share with the webhook are in portcullis_json.h; the helpers every
 * writer uses (action names, which findings are shown) are in action.c,
 * so the dispatcher and the writers never call each other both ways.
 *
 * Strings in a report come from hostile images (paths, rule names, env
 * names), so every writer passes them through a strict UTF-8 decoder:
 * JSON gets U+FFFD for bytes that are not UTF-8, text escapes anything a
 * terminal would act on.
 */
#ifndef PC_REPORT_H
#define PC_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include "portcullis_json.h"
#include "report/report_json.h"
#include "report/report_sarif.h"
#include "report/report_text.h"

#endif
