/*
 * cli_scan.h — portcullis scan and portcullis inspect (cli_scan.c): each takes
 * the subcommand's arguments (argv[0] is its name) and returns the exit code.
 */
#ifndef PC_CLI_SCAN_H
#define PC_CLI_SCAN_H

int cmd_scan(int argc, char **argv);
int cmd_inspect(int argc, char **argv);

#endif
