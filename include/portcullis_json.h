/*
 * portcullis_json.h — the JSON objects of a scan report (jansson), for the
 * webhook: a finding looks the same in `portcullis scan --format json` and
 * in a TES validation answer because both build it here.
 *
 * Strings in a report come from hostile images (paths, rule names, env
 * names): every builder passes them through pc_utf8_decode (pcx.h), so
 * JSON gets U+FFFD for bytes that are not UTF-8.
 */
#ifndef PORTCULLIS_JSON_H
#define PORTCULLIS_JSON_H

#include <jansson.h>
#include <stdint.h>
#include "portcullis.h"

/* {"check","action","message","path","layer","rule"}; NULL strings are null. */
json_t *pc_finding_to_json(const pc_finding *f);
/* {"program","user","needs_root","needs_caps","privileged_ports"}. */
json_t *pc_sandbox_to_json(const pc_sandbox_info *s);
/* One entry of "reports" in the portcullis.scan/v1 schema (docs/architecture.md); ignored findings
 * left out. */
json_t *pc_result_to_json(const pc_result *r);
/* The whole portcullis.scan/v1 document. */
json_t *pc_report_to_json(pc_result *const *results, size_t n);

/* A JSON string (s NULL: JSON null); bytes that are not UTF-8 become
 * U+FFFD instead of failing. NULL only when out of memory. */
json_t *pc_json_string(const char *s);

/* A finding that reports show: warn or deny (ignore is never rendered). */
int pc_report_finding_shown(const pc_finding *f);

#endif
