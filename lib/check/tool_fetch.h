/*
 * tool_fetch.h — suspicious-tool on code the run fetches and runs when it
 * starts: `curl URL | sh`, `sh -c "$(wget -qO- URL)"`, `bash <(curl URL)`,
 * `curl -o /tmp/x URL && chmod +x /tmp/x && /tmp/x`. What runs then is
 * nowhere in the image or the run for a scan to read, so the run is
 * judged on doing it (category remote-code). Called by
 * check_suspicious_tool.c with the text the rules read.
 */
#ifndef PC_TOOL_FETCH_H
#define PC_TOOL_FETCH_H

#include <stddef.h>
#include "check/check.h"

/* One finding (no path, rule "run_fetch_exec", category "remote-code",
 * severity high, signal "content") per way text runs what it downloads. */
void pc_tool_fetch_text(pc_check_ctx *c, const char *text, size_t len);

#endif
