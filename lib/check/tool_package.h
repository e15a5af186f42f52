/*
 * tool_package.h — suspicious-tool's package signal: an installed package
 * that the tool package lists (rules/packages/NAME.tsv, yara/toolpkgs.h) name
 * is a finding, even before its files are read. Called by
 * check_suspicious_tool.c for every node of the final fs.
 */
#ifndef PC_TOOL_PACKAGE_H
#define PC_TOOL_PACKAGE_H

#include "check/check.h"

/* When path is a package database's (layer/pkgdb.h): one finding per
 * installed package the lists name, at path, in the layer that put the
 * database's final version there (rule "package:NAME", signal
 * "package"). A database at its path that was not read as one (a
 * symlink, a hardlink to a file of another path) is a scan-error.
 * pip's NAME-VERSION.dist-info / .egg-info in a site-packages directory
 * and gem's NAME-VERSION.gemspec in a specifications directory name one
 * installed package each (pypi.tsv, rubygems.tsv). */
void pc_tool_package_node(pc_check_ctx *c, const char *path, const pc_node *n);

#endif
