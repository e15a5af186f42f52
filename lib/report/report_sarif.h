/*
 * report_sarif.h — the SARIF 2.1.0 log for code scanning (report_sarif.c):
 * the document, or NULL when out of memory; report.c writes it as every
 * JSON format is written.
 */
#ifndef PC_REPORT_SARIF_H
#define PC_REPORT_SARIF_H

#include <stddef.h>
#include <jansson.h>
#include "portcullis.h"

json_t *pc_report_to_sarif(pc_result *const *results, size_t n);

#endif
