/*
 * cli_admin.h — portcullis rules, cache and verify (cli_admin.c): each takes
 * the subcommand's arguments (argv[0] is its name) and returns the exit code.
 */
#ifndef PC_CLI_ADMIN_H
#define PC_CLI_ADMIN_H

int cmd_rules(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
