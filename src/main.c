/*
 * main.c — the `portcullis` command line: dispatch to a subcommand, and
 * the helpers they share (usage, where rules and the cache live). Every
 * subcommand uses the public API only; sizes and durations are parsed by
 * pcx (pc_parse_size, pc_parse_verdict_ttl), as in portcullis-webhook.
 * Exit codes: 0 all allowed, 1 some image denied, 2 usage error or an
 * image that could not be scanned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "portcullis.h"

void cli_usage(FILE *f)
{
    fputs("usage: portcullis scan [options] IMAGE...\n"
          "       portcullis inspect [scan options] IMAGE   (the image as read, JSON)\n"
          "       portcullis rules check [PATH]\n"
          "       portcullis cache stats|prune|clear [--cache-dir DIR] [--cache-max-bytes N]\n"
          "       portcullis verify --key PUB.pem [--image-digest D] [--policy-digest D] "
          "[--accept-deny] ENVELOPE|-\n"
          "       portcullis version\n"
          "\n"
          "IMAGE: [docker://]REF | oci:DIR[:TAG] | oci-archive:FILE[:TAG] | docker-archive:FILE\n"
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
          "  --cache-dir DIR | --no-cache  layer facts cache (default ~/.cache/portcullis)\n"
          "  --cache-max-bytes N       evict least recently used layers above N (default 2G)\n"
          "  --sign-key FILE           sign each verdict (Ed25519 PEM; JSON \"attestation\")\n"
          "  --verdict-ttl DURATION    validity of signed verdicts (default 24h)\n"
          "  --progress auto|always|never  progress on stderr (auto: when it is a TTY)\n"
          "  --jobs N                  layers fetched and walked at once (default: cores)\n",
          f);
}

char *cli_rules_dir(void)
{
    return pc_default_rules_dir();
}

char *cli_default_cache_dir(void)
{
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char buf[4200];
    if (x && *x)
        snprintf(buf, sizeof buf, "%s/portcullis", x);
    else if (home && *home)
        snprintf(buf, sizeof buf, "%s/.cache/portcullis", home);
    else
        return NULL;
    return strdup(buf);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(argv[1], "inspect") == 0)
        return cmd_inspect(argc - 1, argv + 1);
    if (strcmp(argv[1], "rules") == 0)
        return cmd_rules(argc - 1, argv + 1);
    if (strcmp(argv[1], "cache") == 0)
        return cmd_cache(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("portcullis %s\n", PC_VERSION);
        return EXIT_ALLOW;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        cli_usage(stdout);
        return EXIT_ALLOW;
    }
    fprintf(stderr, "portcullis: unknown command \"%s\"\n", argv[1]);
    cli_usage(stderr);
    return EXIT_USAGE;
}
