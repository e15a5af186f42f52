/*
 * main.c — the `portcullis` command line: find the subcommand in the table
 * below and run it. The subcommands (cli_scan.c, cli_admin.c) declare
 * their entry points in their own headers and share helpers through
 * cli.h (cli_common.c); none of them calls back into this file.
 * Exit codes (scan): 0 all allowed, 1 some image denied (--exit-code), 2
 * usage error, 3 an image that could not be scanned completely.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_admin.h"
#include "cli_scan.h"
#include "pcx.h"
#include "portcullis.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"scan", cmd_scan},   {"inspect", cmd_inspect}, {"rules", cmd_rules},
    {"cache", cmd_cache}, {"verify", cmd_verify},
};

/* `portcullis version [--rules PATH]`: the version, then what a bug
 * report needs: the libraries, the rules (the shipped ones, or PATH: their
 * digest, as reports name it) and how it was built. */
static int cmd_version(int argc, char **argv)
{
    char libs[1024], err[512];
    const char *rules = NULL;
    if (argc == 3 && strcmp(argv[1], "--rules") == 0) {
        rules = argv[2];
    } else if (argc == 2 && strncmp(argv[1], "--rules=", 8) == 0) {
        rules = argv[1] + 8;
    } else if (argc != 1) {
        fprintf(stderr, "portcullis: usage: portcullis version [--rules PATH]\n");
        return EXIT_USAGE;
    }
    printf("portcullis %s\nreader: %s\n", PC_VERSION, pc_reader_id());
    pc_versions(libs, sizeof libs);
    printf("libraries: %s\n", libs);
    char *dir = rules ? strdup(rules) : cli_rules_dir();
    pc_rules_summary sum = {0};
    if (dir && pc_rules_check(dir, &sum, NULL, NULL, err, sizeof err) == 0)
        printf("rules: %s (%zu rules in %zu files, %s)\n", sum.digest, sum.rules, sum.files, dir);
    else
        printf("rules: not compiled (%s)\n", dir ? err : "no rules directory");
    free(dir);
    int abi = pc_fsconfine_abi();
    if (abi)
        printf("confinement: seccomp, Landlock ABI %d (files%s)\n", abi,
               abi >= 4 ? " and TCP" : "");
    else
        printf("confinement: seccomp; no Landlock here (the scanning process's files and TCP are "
               "not confined)\n");
#if defined(__clang__)
    printf("build: clang %s", __clang_version__);
#elif defined(__GNUC__)
    printf("build: gcc %s", __VERSION__);
#else
    printf("build: unknown compiler");
#endif
#if defined(__SANITIZE_ADDRESS__)
    printf(", AddressSanitizer");
#endif
    printf("\n");
    return EXIT_ALLOW;
}

int main(int argc, char **argv)
{
    pc_malloc_tune();
    /* before any secret or image is read (docs/privsep.md) */
    if (pc_privsep_undumpable() < 0) {
        fprintf(stderr, "portcullis: cannot make the process undumpable: %s\n", strerror(errno));
        return EXIT_SCAN;
    }
    if (argc < 2) {
        cli_usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0 ||
        strcmp(argv[1], "-V") == 0)
        return cmd_version(argc - 1, argv + 1);
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        cli_usage(stdout);
        return EXIT_ALLOW;
    }
    fprintf(stderr, "portcullis: unknown command \"%s\"\n", argv[1]);
    cli_usage(stderr);
    return EXIT_USAGE;
}
