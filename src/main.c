/*
 * main.c — the `portcullis` command line: find the subcommand in the table
 * below and run it. The subcommands (cli_scan.c, cli_admin.c) declare
 * their entry points in their own headers and share helpers through
 * cli.h (cli_common.c); none of them calls back into this file.
 * Exit codes (scan): 0 all allowed, 1 some image denied (--exit-code), 2
 * usage error, 3 an image that could not be scanned completely.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cli_admin.h"
#include "cli_scan.h"
#include "portcullis.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"scan", cmd_scan},   {"inspect", cmd_inspect}, {"rules", cmd_rules},
    {"cache", cmd_cache}, {"verify", cmd_verify},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0 ||
        strcmp(argv[1], "-V") == 0) {
        printf("portcullis %s\n", PC_VERSION);
        return EXIT_ALLOW;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        cli_usage(stdout);
        return EXIT_ALLOW;
    }
    fprintf(stderr, "portcullis: unknown command \"%s\"\n", argv[1]);
    cli_usage(stderr);
    return EXIT_USAGE;
}
