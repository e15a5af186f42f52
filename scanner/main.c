/*
 * main.c — the `portcullis` command line. It parses flags, builds one
 * pc_ctx, scans each image with the public API only and maps the results
 * to a report and an exit code: 0 all allowed, 1 some image denied, 2 a
 * usage error or an image that could not be scanned.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "portcullis.h"

enum { EXIT_ALLOW = 0, EXIT_DENY = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
    fputs("usage: portcullis scan [options] IMAGE...\n"
          "       portcullis rules check [PATH]\n"
          "       portcullis version\n"
          "\n"
          "IMAGE: oci:DIR[:TAG] | oci-archive:FILE[:TAG] | docker-archive:FILE\n"
          "\n"
          "scan options:\n"
          "  --policy FILE|NAME        policy file or built-in name (default: restricted)\n"
          "  --rules PATH              YARA rules: a .yar file or a directory of them\n"
          "                            (default: the rules/ directory portcullis ships)\n"
          "  --format text|json|sarif  report format (default: text)\n"
          "  -o, --output FILE         write the report to FILE\n"
          "  --platform OS/ARCH[/VAR]  platform to pick from an index (default: linux/amd64)\n"
          "  --authfile FILE           registry credentials (docker config.json)\n"
          "  --cert-dir DIR            registry TLS certificates (certs.d layout)\n"
          "  --tls-verify=false        allow registries without verified TLS\n"
          "  --cache-dir DIR | --no-cache\n"
          "  --progress auto|always|never  progress on stderr (auto: when it is a TTY)\n"
          "  --jobs N                  layers fetched and walked at once (default 2)\n",
          f);
}

/* The rules/ directory: $PORTCULLIS_DATADIR/rules, next to the build tree,
 * or the installed copy. */
static char *find_rules_dir(void)
{
    char exe[4096], buf[4200];
    struct stat st;
    const char *env = getenv("PORTCULLIS_DATADIR");
    if (env) {
        snprintf(buf, sizeof buf, "%s/rules", env);
        return strdup(buf);
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        const char *ups[] = {"/../rules", "/../../rules"};
        for (int i = 0; i < 2; i++) {
            snprintf(buf, sizeof buf, "%s%s/policies", exe, ups[i]);
            if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode)) {
                snprintf(buf, sizeof buf, "%s%s", exe, ups[i]);
                return strdup(buf);
            }
        }
    }
    return strdup("/usr/local/share/portcullis/rules");
}

typedef struct cli {
    pc_options o;
    pc_format fmt;
    const char *output;
} cli;

static int parse_format(const char *s, pc_format *f)
{
    if (strcmp(s, "text") == 0)
        *f = PC_FORMAT_TEXT;
    else if (strcmp(s, "json") == 0)
        *f = PC_FORMAT_JSON;
    else if (strcmp(s, "sarif") == 0)
        *f = PC_FORMAT_SARIF;
    else
        return -1;
    return 0;
}

static int parse_flag(cli *c, int opt, const char *arg)
{
    switch (opt) {
    case 'p':
        c->o.policy = arg;
        return 0;
    case 'f':
        if (parse_format(arg, &c->fmt) == 0)
            return 0;
        fprintf(stderr, "portcullis: --format \"%s\": expected text, json or sarif\n", arg);
        return -1;
    case 'o':
        c->output = arg;
        return 0;
    case 'P':
        c->o.platform = arg;
        return 0;
    case 'a':
        c->o.authfile = arg;
        return 0;
    case 'c':
        c->o.cert_dir = arg;
        return 0;
    case 't':
        if (strcmp(arg, "true") == 0 || strcmp(arg, "false") == 0) {
            c->o.tls_verify = strcmp(arg, "true") == 0;
            return 0;
        }
        fprintf(stderr, "portcullis: --tls-verify \"%s\": expected true or false\n", arg);
        return -1;
    case 'C':
        c->o.cache_dir = arg;
        return 0;
    case 'N':
        c->o.cache_dir = NULL;
        return 0;
    case 'g':
        if (strcmp(arg, "auto") == 0 || strcmp(arg, "always") == 0 || strcmp(arg, "never") == 0) {
            c->o.progress = arg[0] == 'a' && arg[1] == 'u' ? 0 : arg[1] == 'l' ? 1 : 2;
            return 0;
        }
        fprintf(stderr, "portcullis: --progress \"%s\": expected auto, always or never\n", arg);
        return -1;
    case 'j': {
        char *end;
        unsigned long j = strtoul(arg, &end, 10);
        if (*arg && !*end && j >= 1 && j <= 64) {
            c->o.jobs = (unsigned)j;
            return 0;
        }
        fprintf(stderr, "portcullis: --jobs \"%s\": expected a number from 1 to 64\n", arg);
        return -1;
    }
    case 'r':
        c->o.rules = arg;
        return 0;
    case 'k':
        fprintf(stderr, "portcullis: --%s is not available in this version yet\n", "sign-key");
        return -1;
    default:
        usage(stderr);
        return -1;
    }
}

static const struct option scan_opts[] = {
    {"policy", required_argument, 0, 'p'},   {"format", required_argument, 0, 'f'},
    {"output", required_argument, 0, 'o'},   {"platform", required_argument, 0, 'P'},
    {"authfile", required_argument, 0, 'a'}, {"cert-dir", required_argument, 0, 'c'},
    {"tls-verify", required_argument, 0, 't'}, {"cache-dir", required_argument, 0, 'C'},
    {"no-cache", no_argument, 0, 'N'},       {"progress", required_argument, 0, 'g'},
    {"jobs", required_argument, 0, 'j'},
    {"rules", required_argument, 0, 'r'},    {"sign-key", required_argument, 0, 'k'},
    {"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
};

static int write_report(const cli *c, pc_result **res, size_t n)
{
    FILE *out = stdout;
    if (c->output && !(out = fopen(c->output, "w"))) {
        perror(c->output);
        return -1;
    }
    int color = !c->output && c->fmt == PC_FORMAT_TEXT && isatty(STDOUT_FILENO) &&
                !getenv("NO_COLOR");
    int rc = pc_report_write(out, c->fmt, (pc_result *const *)res, n, color);
    if (out != stdout && fclose(out) != 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "portcullis: writing the report failed\n");
    return rc;
}

static int scan_all(cli *c, char **images, size_t n)
{
    char err[1024];
    pc_ctx *ctx;
    if (pc_ctx_new(&c->o, &ctx, err, sizeof err) < 0) {
        fprintf(stderr, "portcullis: %s\n", err);
        return EXIT_USAGE;
    }
    pc_result **res = calloc(n, sizeof *res);
    int code = EXIT_ALLOW;
    if (!res) {
        pc_ctx_free(ctx);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        res[i] = pc_scan(ctx, images[i]);
        if (!res[i] || res[i]->scan_failed)
            code = EXIT_USAGE;
        else if (res[i]->denied && code == EXIT_ALLOW)
            code = EXIT_DENY;
    }
    size_t ok = 0;
    while (ok < n && res[ok])
        ok++;
    if (write_report(c, res, ok) < 0 || ok < n)
        code = EXIT_USAGE;
    for (size_t i = 0; i < n; i++)
        pc_result_free(res[i]);
    free(res);
    pc_ctx_free(ctx);
    return code;
}

static int cmd_scan(int argc, char **argv)
{
    cli c = {.fmt = PC_FORMAT_TEXT};
    int opt;
    pc_options_init(&c.o);
    char *rules = find_rules_dir(), pol[4200];
    snprintf(pol, sizeof pol, "%s/policies", rules ? rules : ".");
    c.o.policies_dir = pol;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", scan_opts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            free(rules);
            return EXIT_ALLOW;
        }
        if (parse_flag(&c, opt, optarg) < 0) {
            free(rules);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "portcullis scan: no image given\n");
        usage(stderr);
        free(rules);
        return EXIT_USAGE;
    }
    if (!c.o.rules)
        c.o.rules = rules;
    int rc = scan_all(&c, argv + optind, (size_t)(argc - optind));
    free(rules);
    return rc;
}

static void print_diag(void *ud, const char *line)
{
    (void)ud;
    fprintf(stderr, "%s\n", line);
}

/* portcullis rules check [PATH]: compile the rules as a scan would and
 * report every error and warning with file:line; 0 they compile, 2 not. */
static int cmd_rules(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || strcmp(argv[1], "check") != 0) {
        fprintf(stderr, "usage: portcullis rules check [PATH]\n");
        return EXIT_USAGE;
    }
    char *dflt = argc == 3 ? NULL : find_rules_dir(), err[1024];
    const char *path = argc == 3 ? argv[2] : dflt;
    pc_rules_summary sum;
    if (!path) {
        fprintf(stderr, "portcullis: out of memory\n");
        return EXIT_USAGE;
    }
    int rc = pc_rules_check(path, &sum, print_diag, NULL, err, sizeof err);
    if (rc == 0)
        printf("%s: %zu rules in %zu files compiled, %zu warnings; rules digest %s\n", path,
               sum.rules, sum.files, sum.warnings, sum.digest);
    else if (sum.errors)
        fprintf(stderr, "portcullis: %s: %zu error(s), %zu warning(s)\n", path, sum.errors,
                sum.warnings);
    else
        fprintf(stderr, "portcullis: %s\n", err);
    free(dflt);
    return rc == 0 ? EXIT_ALLOW : EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(argv[1], "rules") == 0)
        return cmd_rules(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("portcullis %s\n", PC_VERSION);
        return EXIT_ALLOW;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return EXIT_ALLOW;
    }
    fprintf(stderr, "portcullis: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
