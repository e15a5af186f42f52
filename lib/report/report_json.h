/*
 * report_json.h — the portcullis.scan/v1 JSON report (report_json.c):
 * pc_report_to_json (portcullis_json.h) builds the document, report.c
 * writes it as every JSON format is written.
 */
#ifndef PC_REPORT_JSON_H
#define PC_REPORT_JSON_H

#include <stddef.h>
#include "portcullis_json.h"

#endif
