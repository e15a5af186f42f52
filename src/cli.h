/*
 * cli.h — what the `portcullis` subcommands share (cli_common.c). The CLI
 * uses only the public header portcullis.h; these are its own small
 * helpers. The subcommands' entry points are in cli_scan.h and
 * cli_admin.h, called from main.c's command table.
 */
#ifndef PC_CLI_H
#define PC_CLI_H

#include <stdint.h>
#include <stdio.h>

/* scan: 0 every image allowed, 1 (--exit-code) one denied (or, with
 * --fail-on warn, warned), 2 usage error, 3 an image could not be scanned
 * completely (registry down, corrupt image: worth a retry, unlike 2). */
enum { EXIT_ALLOW = 0, EXIT_DENY = 1, EXIT_USAGE = 2, EXIT_SCAN = 3 };

void cli_usage(FILE *f);
/* The rules/ directory: $PORTCULLIS_DATADIR/rules, next to the build
 * tree, or the installed copy (malloc'd). */
char *cli_rules_dir(void);
/* $XDG_CACHE_HOME/portcullis, else ~/.cache/portcullis (malloc'd), or NULL. */
char *cli_default_cache_dir(void);

#endif
