/*
 * checkid.h — the stable check ids (docs/architecture.md) ("root-user", ...) as
 * small integers, for the policy's per-check table and the report order.
 *
 * The ids are not written down here: every row of the check table (one
 * file lib/check/check_<id>.c each, listed by the generated checklist.h)
 * carries its own. An id's number is its row's place in reports: rows
 * sorted by report_order, then by name. So 0 .. PC_CHK_COUNT-1 is the
 * order findings are listed in, whatever order the files were found in.
 */
#ifndef PC_CHECKID_H
#define PC_CHECKID_H

/* checklist.h ($(B)/gen, written by the Makefile) is PC_CHECK(name) once
 * per file lib/check/check_<name>.c. */
enum {
    PC_CHK_COUNT = 0
#define PC_CHECK(name) +1
#include "checklist.h"
#undef PC_CHECK
};

typedef int pc_check_id; /* 0 .. PC_CHK_COUNT-1 */

/* "root-user", ...; "unknown" for a number that is no id. */
const char *pc_check_id_name(pc_check_id id);
/* -1 when the name is not a check id. */
int pc_check_id_parse(const char *name);
/* One-line description for reports (SARIF rule text); "" for no id. */
const char *pc_check_id_help(pc_check_id id);

/* The one id the scanner emits itself when a scan cannot finish. */
#define PC_CHK_SCAN_ERROR pc_check_id_parse("scan-error")

#endif
