/*
 * check_scan_error.c — scan-error: the image could not be fetched or
 * scanned completely. The scanner records it itself (scan.c, the check
 * driver) when the pipeline stops, so the row has no callbacks; it is here
 * so that policies may name the id and reports describe it. Listed last.
 */
#include "check/check.h"

const pc_check pc_check_scan_error = {
    .id = "scan-error",
    .help = "The image could not be fetched or scanned completely",
    .report_order = 1000,
    .ceiling = PC_ACTION_DENY,
};
