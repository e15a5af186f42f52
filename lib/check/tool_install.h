/*
 * tool_install.h — suspicious-tool's package signal on the run's own
 * words: a command line that installs a tool package when the container
 * starts (`apt-get install -y nmap && nmap ...`, `apk add socat`) runs
 * that tool as surely as an image that ships it, though no file or
 * package database of the image holds it. Called by
 * check_suspicious_tool.c with the text the rules read.
 */
#ifndef PC_TOOL_INSTALL_H
#define PC_TOOL_INSTALL_H

#include <stddef.h>
#include "check/check.h"

/* One finding (no path, rule "package:NAME", signal "package") per
 * package that text's apt-get / apt / aptitude `install` or apk `add`
 * commands name and the tool package lists (rules/packages/) list for
 * that package manager. text: the run's argv joined by spaces, its
 * environment and its other commands, a line each. */
void pc_tool_install_text(pc_check_ctx *c, const char *text, size_t len);

#endif
