/*
 * cli.h — what the `portcullis` subcommands share. The CLI uses only the
 * public header portcullis.h; these are its own small helpers.
 */
#ifndef PC_CLI_H
#define PC_CLI_H

#include <stdint.h>
#include <stdio.h>

enum { EXIT_ALLOW = 0, EXIT_DENY = 1, EXIT_USAGE = 2 };

void cli_usage(FILE *f);
/* The rules/ directory: $PORTCULLIS_DATADIR/rules, next to the build
 * tree, or the installed copy (malloc'd). */
char *cli_rules_dir(void);
/* $XDG_CACHE_HOME/portcullis, else ~/.cache/portcullis (malloc'd), or NULL. */
char *cli_default_cache_dir(void);

int cmd_scan(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
