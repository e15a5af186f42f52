/*
 * cli_admin.c — the small subcommands: `rules check`, `cache
 * stats|prune|clear` and `verify` (a signed verdict).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_admin.h"
#include "portcullis.h"
#include "pcx.h"

static void print_diag(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "%s\n", line);
}

/* portcullis rules check [PATH]: compile the rules as a scan would and
 * report every error and warning with file:line; 0 they compile, 2 not. */
int cmd_rules(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "usage: portcullis rules check [PATH]\n");
        return EXIT_USAGE;
    }
    char *dflt = argc == 3 ? NULL : cli_rules_dir(), err[1024];
    const char *path = argc == 3 ? argv[2] : dflt;
    pc_rules_summary sum;
    if (!path) {
        fprintf(stderr, "portcullis: out of memory\n");
        return EXIT_USAGE;
    }
    int rc = pc_rules_check(path, &sum, print_diag, NULL, err, sizeof err);
    if (rc == 0) {
        printf("%s: %zu rules in %zu files compiled, %zu warnings; rules digest %s; "
               "%zu tool packages in %zu lists\n",
               path, sum.rules, sum.files, sum.warnings, sum.digest, sum.packages,
               sum.package_lists);
        printf("prefilter: %s\n", sum.prefilter);
    } else if (sum.errors) {
        fprintf(stderr, "portcullis: %s: %zu error(s), %zu warning(s)\n", path, sum.errors,
                sum.warnings);
    } else {
        fprintf(stderr, "portcullis: %s\n", err);
    }
    free(dflt);
    return rc == 0 ? EXIT_ALLOW : EXIT_USAGE;
}

static const struct option cache_opts[] = {
    {"cache-dir", required_argument, 0, 'C'},
    {"cache-max-bytes", required_argument, 0, 'M'},
    {0, 0, 0, 0},
};

/* portcullis cache stats|prune|clear [--cache-dir DIR] [--cache-max-bytes N] */
int cmd_cache(int argc, char **argv)
{
    char *dflt = cli_default_cache_dir(), err[1024];
    const char *dir = dflt;
    uint64_t max = 2ull << 30;
    int opt, rc = EXIT_USAGE;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", cache_opts, NULL)) != -1) {
        if (opt == 'C')
            dir = optarg;
        else if (opt != 'M' || pc_parse_size(optarg, UINT64_MAX, &max) < 0)
            goto usage;
    }
    if (optind != argc - 1 || !dir)
        goto usage;
    rc = pc_cache_command(dir, argv[optind], max, stdout, err, sizeof err) == 0 ? EXIT_ALLOW
                                                                                : EXIT_USAGE;
    if (rc)
        fprintf(stderr, "portcullis cache: %s\n", err);
    free(dflt);
    return rc;
usage:
    fprintf(stderr, "usage: portcullis cache stats|prune|clear [--cache-dir DIR] "
                    "[--cache-max-bytes N]\n");
    free(dflt);
    return EXIT_USAGE;
}

static const struct option verify_opts[] = {
    {"key", required_argument, 0, 'k'},
    {"image-digest", required_argument, 0, 'i'},
    {"policy-digest", required_argument, 0, 'p'},
    {"accept-deny", no_argument, 0, 'a'},
    {"run-key", required_argument, 0, 'r'},
    {"any-run", no_argument, 0, 'A'},
    {0, 0, 0, 0},
};

static char *read_input(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t cap = 1 << 20, n = 0;
    char *buf = f ? malloc(cap + 1) : NULL;
    if (buf) {
        n = fread(buf, 1, cap + 1, f);
        if (n > cap || ferror(f)) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = 0;
        }
    }
    if (f && f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

/* A valid statement whose verdict is deny: not 0, which runtimes and TES
 * servers read as "may run", and not 1 (invalid), so auditors can tell. */
enum { EXIT_VERIFIED_DENY = 3 };

/* portcullis verify --key PUB.pem [--image-digest D] [--policy-digest D]
 *     [--run-key K | --any-run] [--accept-deny] ENVELOPE|-
 * 0 valid and allow (or deny with --accept-deny), 3 valid and deny, 1
 * invalid (the reason on stderr), 2 usage. stdout: "valid: VERDICT". */
int cmd_verify(int argc, char **argv)
{
    pc_verify_opts o = {0};
    const char *key = NULL;
    char err[1024];
    int opt, accept_deny = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", verify_opts, NULL)) != -1) {
        if (opt == 'k')
            key = optarg;
        else if (opt == 'i')
            o.image_digest = optarg;
        else if (opt == 'p')
            o.policy_digest = optarg;
        else if (opt == 'a')
            accept_deny = 1;
        else if (opt == 'r')
            o.run_key = optarg;
        else if (opt == 'A')
            o.any_run = 1;
        else
            key = NULL, optind = argc + 1;
    }
    if (!key || optind != argc - 1) {
        fprintf(stderr, "usage: portcullis verify --key PUB.pem [--image-digest D] "
                        "[--policy-digest D] [--run-key K | --any-run] [--accept-deny] "
                        "ENVELOPE|-\n");
        return EXIT_USAGE;
    }
    size_t len;
    char *env = read_input(argv[optind], &len);
    if (!env) {
        fprintf(stderr, "portcullis verify: cannot read %s (at most 1 MiB)\n", argv[optind]);
        return EXIT_USAGE;
    }
    int rc = pc_verify_envelope(env, len, key, &o, err, sizeof err);
    free(env);
    switch (rc) {
    case PC_VERIFY_ALLOW:
        printf("%s\n", err);
        return EXIT_ALLOW;
    case PC_VERIFY_DENY:
        printf("%s\n", err);
        if (accept_deny)
            return EXIT_ALLOW;
        fprintf(stderr, "portcullis verify: the signed verdict is deny: the image must not run "
                        "(--accept-deny exits 0 for it)\n");
        return EXIT_VERIFIED_DENY;
    case PC_VERIFY_INVALID:
        fprintf(stderr, "portcullis verify: invalid: %s\n", err);
        return EXIT_DENY;
    default:
        fprintf(stderr, "portcullis verify: %s\n", err);
        return EXIT_USAGE;
    }
}
