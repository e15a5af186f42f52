/*
 * cli_common.c — what the `portcullis` subcommands share: the usage text,
 * where rules and the cache live, parsing sizes and durations. Every
 * subcommand uses the public API only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "portcullis.h"

void cli_usage(FILE *f)
{
    fputs("usage: portcullis scan [options] IMAGE...\n"
          "       portcullis scan [options] [run flags] IMAGE [-- COMMAND [ARG...]]\n"
          "       portcullis scan [options] -f, --manifest FILE|- ...  (Kubernetes YAML/JSON)\n"
          "       portcullis inspect [scan options] IMAGE   (the image as read, JSON)\n"
          "       portcullis rules check [PATH]\n"
          "       portcullis cache stats|prune|clear [--cache-dir DIR] [--cache-max-bytes N]\n"
          "       portcullis verify --key PUB.pem [--image-digest D] [--policy-digest D] "
          "[--run-key K | --any-run] [--accept-deny] ENVELOPE|-\n"
          "       portcullis version\n"
          "\n"
          "IMAGE: [docker://]REF | oci:DIR[:TAG] | oci-archive:FILE[:TAG] | docker-archive:FILE\n"
          "\n"
          "scan options:\n"
          "  --policy FILE|NAME        policy file or built-in name (default: restricted)\n"
          "  --exceptions FILE         exceptions added to the policy's (README, Policies)\n"
          "  --exit-code N             exit code for a denied image (default 1; not 2 or 3)\n"
          "  --fail-on deny|warn       warn: an image with a warning fails too (default deny)\n"
          "  --rules PATH              YARA rules: a .yar file or a directory of them\n"
          "                            (default: the rules/ directory portcullis ships)\n"
          "  --format text|json|sarif  report format (default: text)\n"
          "  -o, --output FILE         write the report to FILE\n"
          "  -f, --manifest FILE|-     judge every container of these Kubernetes manifests as\n"
          "                            they run it (repeatable; no IMAGE or run flags with it)\n"
          "  --platform OS/ARCH[/VAR]  platform to pick from an index (default: linux/amd64)\n"
          "  --authfile FILE           registry credentials (docker config.json)\n"
          "  --creds USER[:PASSWORD]   credentials for the registry instead (USER alone: the\n"
          "                            password is read from standard input)\n"
          "  --registry-token TOKEN    a bearer token for the registry instead (also\n"
          "                            $PORTCULLIS_REGISTRY_TOKEN)\n"
          "  --cert-dir DIR            registry TLS certificates (certs.d layout)\n"
          "  --tls-verify=false        allow registries without verified TLS\n"
          "  --cache-dir DIR | --no-cache  layer facts cache (default ~/.cache/portcullis)\n"
          "  --cache-max-bytes N       evict least recently used layers above N (default 2G)\n"
          "  --sign-key FILE           sign each verdict (Ed25519 PEM; JSON \"attestation\")\n"
          "  --verdict-ttl DURATION    validity of signed verdicts (default 24h)\n"
          "  --progress auto|always|never  progress on stderr (auto: when it is a TTY)\n"
          "  --jobs N                  layers fetched and walked at once (default: cores)\n"
          "  --no-prefilter            run YARA on every candidate file (yara.prefilter false)\n"
          "\n"
          "run flags (how the image will be started, docker run's; the policy's sandbox\n"
          "section wins where it forces something):\n"
          "  -u, --user UID[:GID]|NAME[:GROUP]   --group-add GID\n"
          "  --cap-add CAP, --cap-drop CAP|ALL   --security-opt no-new-privileges\n"
          "  --entrypoint PROGRAM (drops the image's CMD)   -w, --workdir DIR\n"
          "  -e, --env NAME=VALUE   -- COMMAND ARG... (replaces CMD)\n"
          "  -v, --volume [SRC:]DST[:OPTS]   --mount type=T,source=S,target=D   --tmpfs DST\n",
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
