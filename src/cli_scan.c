/*
 * cli_scan.c — `portcullis scan`: flags to pc_options, one pc_ctx, one
 * pc_result per image (signed when --sign-key is given), one report, and
 * the exit code. With --sign-key the signing key process is forked first
 * and this process never holds the key (docs/privsep.md); a verdict that
 * cannot be signed has no attestation and the exit code is 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "cli_manifest.h"
#include "cli_scan.h"
#include "cli_workload.h"
#include "portcullis.h"
#include "pcx.h"

typedef struct cli {
    pc_options o;
    pc_format fmt;
    const char *output;
    const char *sign_key;
    uint64_t ttl;
    int inspect;            /* `portcullis inspect`: print the image as read, not a report */
    pc_runctx run;          /* how the image will be started: docker's run flags, the command */
    const char **manifests; /* --manifest FILE|-, in order (-f) */
    size_t nmanifests;
    int exit_code;    /* --exit-code: for a denied image (default 1) */
    int fail_on_warn; /* --fail-on warn: a warning fails too */
    char *creds;      /* --creds USER[:PASSWORD] (a copy: argv's is wiped), or NULL */
    char *token;      /* --registry-token or $PORTCULLIS_REGISTRY_TOKEN (a copy), or NULL */
} cli;

/* Keep a copy of a secret flag's value and wipe it from argv, so it is not
 * left in this process's command line (/proc/PID/cmdline, ps) for the
 * whole scan. Only narrows the window: the value was there at exec. */
static int take_secret(char **slot, char *arg)
{
    if (*slot) {
        explicit_bzero(*slot, strlen(*slot));
        free(*slot);
    }
    *slot = strdup(arg);
    explicit_bzero(arg, strlen(arg));
    if (!*slot)
        fprintf(stderr, "portcullis: out of memory\n");
    return *slot ? 0 : -1;
}

static void wipe_secret(char **slot)
{
    if (*slot) {
        explicit_bzero(*slot, strlen(*slot));
        free(*slot);
        *slot = NULL;
    }
}

/* --creds USER alone: the password is one line of standard input (what
 * `docker login --password-stdin` reads), never a prompt on a terminal
 * (the password would be echoed) and never when a manifest comes from
 * standard input. Then both flags go through pc_options_set; messages
 * never contain the secret. 0, or -1 after a message. */
static int resolve_secrets(cli *c, size_t stdins)
{
    char err[512], line[4097];
    if (c->creds && c->token) {
        fprintf(stderr, "portcullis: --creds and --registry-token: give one of them\n");
        return -1;
    }
    if (!c->creds && !c->token) {
        char *env = getenv("PORTCULLIS_REGISTRY_TOKEN");
        if (env && *env && !(c->token = strdup(env))) {
            fprintf(stderr, "portcullis: out of memory\n");
            return -1;
        }
        if (env) { /* the copy goes to the registry process: none stays here */
            explicit_bzero(env, strlen(env));
            unsetenv("PORTCULLIS_REGISTRY_TOKEN");
        }
    }
    if (c->creds && !strchr(c->creds, ':')) {
        if (stdins) {
            fprintf(stderr, "portcullis: --creds USER reads the password from standard input, "
                            "which --manifest - reads too: give --creds USER:PASSWORD\n");
            return -1;
        }
        if (isatty(STDIN_FILENO)) {
            fprintf(stderr, "portcullis: --creds USER: no password; give USER:PASSWORD or "
                            "pipe the password on standard input\n");
            return -1;
        }
        /* read(2), not stdio: no copy of the password stays in stdin's buffer */
        size_t n = 0;
        while (n < sizeof line - 1) {
            ssize_t r = read(STDIN_FILENO, line + n, sizeof line - 1 - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            n += (size_t)r;
            if (memchr(line + n - (size_t)r, '\n', (size_t)r))
                break;
        }
        line[n] = 0;
        char *eol = memchr(line, '\n', n);
        if (!eol && n == sizeof line - 1) {
            explicit_bzero(line, sizeof line);
            fprintf(stderr, "portcullis: --creds USER: the password on standard input is longer "
                            "than 4096 bytes\n");
            return -1;
        }
        if (eol)
            *eol = 0;
        size_t pl = strlen(line);
        if (pl && line[pl - 1] == '\r')
            line[pl - 1] = 0;
        char *both = pc_asprintf("%s:%s", c->creds, line);
        explicit_bzero(line, sizeof line);
        if (!both) {
            fprintf(stderr, "portcullis: out of memory\n");
            return -1;
        }
        wipe_secret(&c->creds);
        c->creds = both;
    }
    if ((c->creds && pc_options_set(&c->o, "creds", c->creds, err, sizeof err) < 0) ||
        (c->token && pc_options_set(&c->o, "registry-token", c->token, err, sizeof err) < 0)) {
        fprintf(stderr, "portcullis: %s\n", err);
        return -1;
    }
    return 0;
}

/* How bad an outcome is, to keep the worst of several images. */
enum { OUT_ALLOW, OUT_FAIL, OUT_SCAN, OUT_USAGE };

/* The outcome of one result: usage (no result: out of memory), could not
 * scan (said on stderr in one line, whatever -o is), failed, allowed. */
static int outcome(const cli *c, const char *image, const pc_result *r)
{
    if (!r) {
        fprintf(stderr, "portcullis: %s: out of memory\n", image);
        return OUT_USAGE;
    }
    if (r->scan_failed) {
        const char *why = "the image could not be scanned";
        for (size_t i = 0; i < r->nfindings; i++)
            if (r->findings[i].check && strcmp(r->findings[i].check, "scan-error") == 0 &&
                r->findings[i].message) {
                why = r->findings[i].message;
                break;
            }
        fprintf(stderr, "portcullis: %s: could not be scanned: ", image);
        for (const char *p = why; *p && p - why < 1000; p++) /* one line, no escapes */
            fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, stderr);
        fputc('\n', stderr);
        return OUT_SCAN;
    }
    if (r->denied)
        return OUT_FAIL;
    for (size_t i = 0; c->fail_on_warn && i < r->nfindings; i++)
        if (r->findings[i].action == PC_ACTION_WARN)
            return OUT_FAIL;
    return OUT_ALLOW;
}

static int exit_of(const cli *c, int worst)
{
    static const int codes[] = {EXIT_ALLOW, EXIT_DENY, EXIT_SCAN, EXIT_USAGE};
    return worst == OUT_FAIL ? c->exit_code : codes[worst];
}

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

/* name: the long flag getopt matched ("" for a short one). The scan
 * options go to pc_options_set, as portcullis-webhook's do; the CLI's own
 * flags are parsed here. */
static int parse_flag(cli *c, int opt, const char *name, const char *arg)
{
    char err[512];
    int rc = pc_options_set(&c->o, name, arg, err, sizeof err);
    if (rc == 1 && *name)
        rc = pc_runctx_set(&c->run, name, arg, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "portcullis: %s\n", err);
    if (rc != 1)
        return rc;
    switch (opt) {
    case 'f': {
        const char **m = pc_reallocarray(c->manifests, c->nmanifests + 1, sizeof *m);
        if (!m) {
            fprintf(stderr, "portcullis: out of memory\n");
            return -1;
        }
        c->manifests = m;
        m[c->nmanifests++] = arg;
        return 0;
    }
    case 'F':
        if (parse_format(arg, &c->fmt) == 0)
            return 0;
        fprintf(stderr, "portcullis: --format \"%s\": expected text, json or sarif\n", arg);
        return -1;
    case 'o':
        c->output = arg;
        return 0;
    case 'x': {
        uint64_t v;
        if (pc_parse_uint(arg, 255, &v) == 0 && v != EXIT_USAGE && v != EXIT_SCAN) {
            c->exit_code = (int)v;
            return 0;
        }
        fprintf(stderr,
                "portcullis: --exit-code \"%s\": expected 0 to 255, not 2 or 3 (usage "
                "error, could not scan)\n",
                arg);
        return -1;
    }
    case 'W':
        if (strcmp(arg, "deny") == 0 || strcmp(arg, "warn") == 0) {
            c->fail_on_warn = arg[0] == 'w';
            return 0;
        }
        fprintf(stderr, "portcullis: --fail-on \"%s\": expected deny or warn\n", arg);
        return -1;
    case 'k':
        c->sign_key = arg;
        return 0;
    case 'T':
        if (pc_parse_verdict_ttl(arg, &c->ttl) == 0)
            return 0;
        fprintf(stderr,
                "portcullis: --verdict-ttl \"%s\": expected a duration from 1s to 366d, like 24h\n",
                arg);
        return -1;
    default:
        cli_usage(stderr);
        return -1;
    }
}

static const struct option scan_opts[] = {
    {"policy", required_argument, 0, 'p'},
    {"exceptions", required_argument, 0, 'X'},
    {"format", required_argument, 0, 'F'},
    {"manifest", required_argument, 0, 'f'},
    {"output", required_argument, 0, 'o'},
    {"platform", required_argument, 0, 'P'},
    {"authfile", required_argument, 0, 'a'},
    {"creds", required_argument, 0, 'Q'},
    {"registry-token", required_argument, 0, 'K'},
    {"cert-dir", required_argument, 0, 'c'},
    {"tls-verify", required_argument, 0, 't'},
    {"cache-dir", required_argument, 0, 'C'},
    {"no-cache", no_argument, 0, 'N'},
    {"no-prefilter", no_argument, 0, 'Y'},
    {"progress", required_argument, 0, 'g'},
    {"jobs", required_argument, 0, 'j'},
    {"rules", required_argument, 0, 'r'},
    {"sign-key", required_argument, 0, 'k'},
    {"verdict-ttl", required_argument, 0, 'T'},
    {"cache-max-bytes", required_argument, 0, 'M'},
    {"user", required_argument, 0, 'u'},
    {"group-add", required_argument, 0, 'G'},
    {"cap-add", required_argument, 0, 'A'},
    {"cap-drop", required_argument, 0, 'D'},
    {"security-opt", required_argument, 0, 'S'},
    {"entrypoint", required_argument, 0, 'E'},
    {"workdir", required_argument, 0, 'w'},
    {"env", required_argument, 0, 'e'},
    {"volume", required_argument, 0, 'v'},
    {"mount", required_argument, 0, 'm'},
    {"tmpfs", required_argument, 0, 'R'},
    {"exit-code", required_argument, 0, 'x'},
    {"fail-on", required_argument, 0, 'W'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static int write_report(const cli *c, pc_result **res, size_t n)
{
    FILE *out = stdout;
    if (c->output && !(out = fopen(c->output, "w"))) {
        perror(c->output);
        return -1;
    }
    int color =
        !c->output && c->fmt == PC_FORMAT_TEXT && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    int rc = pc_report_write(out, c->fmt, (pc_result *const *)res, n, color);
    if (out != stdout && fclose(out) != 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "portcullis: writing the report failed\n");
    return rc;
}

/* `portcullis inspect IMAGE`: the view as JSON, or {"refused": true,
 * "error": ...} when portcullis refuses to read the image (exit 2). */
static int inspect_one(pc_ctx *ctx, const char *image)
{
    char *view = NULL;
    pc_result *r = pc_scan_view(ctx, image, &view);
    int code = EXIT_ALLOW;
    if (!r) {
        fprintf(stderr, "portcullis: out of memory\n");
        return EXIT_USAGE;
    }
    if (view) {
        fputs(view, stdout);
        fputc('\n', stdout);
    } else {
        const char *why = r->nfindings ? r->findings[0].message : "scan failed";
        fputs("{\"refused\": true, \"error\": \"", stdout);
        for (const char *p = why; *p; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', stdout);
            if ((unsigned char)*p < 0x20)
                fprintf(stdout, "\\u%04x", (unsigned char)*p);
            else
                fputc(*p, stdout);
        }
        fputs("\"}\n", stdout);
        fprintf(stderr, "portcullis: %s: %s\n", image, why);
        code = EXIT_USAGE;
    }
    free(view);
    pc_result_free(r);
    return code;
}

/* One (image, run) of the manifests: the first container asking for it
 * scans it, later ones share that scan. */
static int first_of(json_t *seen, const cli_run *r, size_t i, size_t *first)
{
    char *k = pc_asprintf("%s\n%s", r->key, r->image);
    json_t *had = k ? json_object_get(seen, k) : NULL;
    int rc = 0;
    if (had)
        *first = (size_t)json_integer_value(had);
    else if (!k || json_object_set_new(seen, k, json_integer((json_int_t)i)) < 0)
        rc = -1;
    else
        *first = i;
    free(k);
    return rc;
}

static int read_manifests(const cli *c, cli_runs *runs)
{
    char err[1024];
    for (size_t i = 0; i < c->nmanifests; i++) {
        cli_docs docs = {0};
        const char *name = strcmp(c->manifests[i], "-") == 0 ? "(stdin)" : c->manifests[i];
        int rc = cli_manifest_read(c->manifests[i], &docs, err, sizeof err);
        if (rc == 0)
            rc = cli_runs_add(runs, name, &docs, err, sizeof err);
        cli_docs_free(&docs);
        if (rc < 0) {
            fprintf(stderr, "portcullis: %s\n", err);
            return -1;
        }
    }
    if (runs->n == 0) {
        const char *one = strcmp(c->manifests[0], "-") == 0 ? "(stdin)" : c->manifests[0];
        fprintf(stderr, "portcullis: --manifest: no container with an image in %s\n",
                c->nmanifests > 1 ? "the manifests given" : one);
        return -1;
    }
    return 0;
}

/* `scan --manifest`: one result per container of the manifests, judged as
 * its object runs it. Each (image, run) is scanned once; each container's
 * entry is a view of that scan: a copy of the result struct whose other
 * fields stay the scan's (pc_report_write only reads them), with the
 * container's own subject and, with --sign-key, its own signature (the
 * signed payload names the subject). */
static int scan_manifests(const cli *c, pc_ctx *ctx, pc_signer *signer, const cli_runs *runs)
{
    char err[1024];
    size_t n = runs->n, *first = calloc(n, sizeof *first);
    pc_result **scans = calloc(n, sizeof *scans), *views = calloc(n, sizeof *views);
    pc_result **list = calloc(n, sizeof *list);
    json_t *seen = json_object();
    int code = EXIT_ALLOW, worst = OUT_ALLOW;
    size_t nlist = 0;
    if (!first || !scans || !views || !list || !seen) {
        fprintf(stderr, "portcullis: out of memory\n");
        code = EXIT_USAGE;
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (first_of(seen, &runs->v[i], i, &first[i]) < 0) {
            fprintf(stderr, "portcullis: out of memory\n");
            code = EXIT_USAGE;
            break;
        }
        if (first[i] == i)
            scans[i] = pc_scan_run(ctx, runs->v[i].image, &runs->v[i].rc);
        const pc_result *r = scans[first[i]];
        if (!r) {
            fprintf(stderr, "portcullis: out of memory\n");
            code = EXIT_USAGE;
            continue;
        }
        pc_result *v = &views[i];
        *v = *r;
        v->subject = runs->v[i].rc.subject;
        v->attestation = NULL;
        if (signer && pc_result_sign(v, signer, c->ttl, err, sizeof err) < 0) {
            fprintf(stderr, "portcullis: %s\n", err);
            code = EXIT_USAGE;
        }
        int o = outcome(c, runs->v[i].image, v);
        worst = o > worst ? o : worst;
        list[nlist++] = v;
    }
    if (nlist && write_report(c, list, nlist) < 0)
        code = EXIT_USAGE;
    if (code == EXIT_ALLOW)
        code = exit_of(c, worst);
    for (size_t i = 0; views && i < n; i++)
        free(views[i].attestation);
    for (size_t i = 0; scans && i < n; i++)
        pc_result_free(scans[i]);
    json_decref(seen);
    free(first);
    free(scans);
    free(views);
    free(list);
    return code;
}

/* Once the context is built, before any image is read: the filesystem
 * confined to what the scans read and write (the cache, the images'
 * layouts and archives, TMPDIR, the report's file, made now when it is
 * missing; docs/privsep.md), so a scanning process an image took over
 * opens no authfile, key or home file and writes nowhere else. 0, or -1
 * (said). */
static int confine_fs(const cli *c, char **images, size_t n, const cli_runs *runs)
{
    char err[1024];
    int abi = 0;
    if (c->output && !c->inspect) {
        /* (O_EXCL: an existing file, a FIFO too, is left as it is until
         * the report is written) */
        int fd = open(c->output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) {
            perror(c->output);
            return -1;
        }
        if (fd >= 0)
            close(fd);
    }
    pc_fsconfine *f = pc_fsconfine_new();
    if (f)
        (void)pc_fsconfine_allow_options(f, &c->o, 0); /* a failure fails apply */
    pc_fsconfine_net(f); /* no TCP port at all (pc-fetch makes the registry requests) */
    if (f && c->output && !c->inspect)
        (void)pc_fsconfine_allow(f, c->output, PC_FS_WRITE);
    /* a reference no transport takes is refused by its scan, with a message */
    for (size_t i = 0; f && i < n; i++)
        (void)pc_fsconfine_allow_image(f, images[i]);
    for (size_t i = 0; f && i < runs->n; i++)
        (void)pc_fsconfine_allow_image(f, runs->v[i].image);
    int rc = pc_fsconfine_apply(f, &abi, err, sizeof err);
    pc_fsconfine_free(f);
    if (rc < 0) {
        fprintf(stderr, "portcullis: %s\n", err);
        return -1;
    }
    return 0;
}

static int scan_all(cli *c, char **images, size_t n)
{
    char err[1024];
    pc_ctx *ctx;
    pc_signer *signer = NULL;
    /* the key process first: forked before any image, policy or rule is read */
    if (c->sign_key && pc_signer_load(c->sign_key, &signer, err, sizeof err) < 0) {
        fprintf(stderr, "portcullis: --sign-key %s\n", err);
        return EXIT_USAGE;
    }
    /* then the registry process, which gets the registry secrets */
    if (pc_fetch_start(&c->o.fetch, err, sizeof err) < 0) {
        fprintf(stderr, "portcullis: %s\n", err);
        pc_signer_free(signer);
        return EXIT_USAGE;
    }
    if (pc_privsep_drop() < 0) {
        fprintf(stderr, "portcullis: cannot set no_new_privs: %s\n", strerror(errno));
        pc_fetch_stop(c->o.fetch);
        pc_signer_free(signer);
        return EXIT_USAGE;
    }
    c->o.no_rules = c->inspect; /* the view holds no matches: compiling rules is wasted */
    /* nothing read yet but the command line: from here on no exec, no
     * ptrace, no sockets (pc-fetch makes the registry requests), ...
     * (docs/privsep.md) */
    if (pc_privsep_confine(0) < 0 && errno != ENOSYS) {
        fprintf(stderr, "portcullis: cannot install the scanning process's seccomp filter: %s\n",
                strerror(errno));
        pc_fetch_stop(c->o.fetch);
        pc_signer_free(signer);
        return EXIT_USAGE;
    }
    /* pc-fetch reads only the repositories of these images (--manifest:
     * of the manifests' containers, read first), with this run's
     * settings, and makes no other context */
    cli_runs runs = {0};
    const char **bind = NULL;
    if (c->nmanifests && read_manifests(c, &runs) < 0) {
        cli_runs_free(&runs);
        pc_fetch_stop(c->o.fetch);
        pc_signer_free(signer);
        return EXIT_USAGE;
    }
    if (c->nmanifests && !(bind = calloc(runs.n, sizeof *bind))) {
        fprintf(stderr, "portcullis: out of memory\n");
        cli_runs_free(&runs);
        pc_fetch_stop(c->o.fetch);
        pc_signer_free(signer);
        return EXIT_USAGE;
    }
    for (size_t i = 0; bind && i < runs.n; i++)
        bind[i] = runs.v[i].image;
    c->o.bind_images = bind ? bind : (const char *const *)images;
    c->o.nbind_images = bind ? runs.n : n;
    int made = pc_ctx_new(&c->o, &ctx, err, sizeof err);
    wipe_secret(&c->creds); /* handed to the registry process (or refused) */
    wipe_secret(&c->token);
    c->o.creds = c->o.registry_token = NULL;
    c->o.bind_images = NULL;
    c->o.nbind_images = 0;
    free(bind);
    if (made < 0 || confine_fs(c, images, n, &runs) < 0) {
        if (made < 0)
            fprintf(stderr, "portcullis: %s\n", err);
        else
            pc_ctx_free(ctx);
        cli_runs_free(&runs);
        pc_fetch_stop(c->o.fetch);
        pc_signer_free(signer);
        return EXIT_USAGE;
    }
    if (c->nmanifests) {
        int code = scan_manifests(c, ctx, signer, &runs);
        cli_runs_free(&runs);
        pc_ctx_free(ctx);
        pc_fetch_stop(c->o.fetch);
        pc_signer_free(signer);
        return code;
    }
    if (c->inspect) {
        int code = n == 1 ? inspect_one(ctx, images[0]) : EXIT_USAGE;
        if (n != 1)
            fprintf(stderr, "portcullis inspect: give exactly one image\n");
        pc_ctx_free(ctx);
        pc_fetch_stop(c->o.fetch);
        pc_signer_free(signer);
        return code;
    }
    pc_result **res = calloc(n, sizeof *res);
    int code = EXIT_ALLOW, worst = OUT_ALLOW;
    if (!res) {
        pc_ctx_free(ctx);
        pc_fetch_stop(c->o.fetch);
        pc_signer_free(signer);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        res[i] = pc_scan_run(ctx, images[i], &c->run);
        if (res[i] && signer && pc_result_sign(res[i], signer, c->ttl, err, sizeof err) < 0) {
            fprintf(stderr, "portcullis: %s\n", err);
            code = EXIT_USAGE;
        }
        int o = outcome(c, images[i], res[i]);
        worst = o > worst ? o : worst;
    }
    size_t ok = 0;
    while (ok < n && res[ok])
        ok++;
    if (write_report(c, res, ok) < 0 || ok < n)
        code = EXIT_USAGE;
    if (code == EXIT_ALLOW)
        code = exit_of(c, worst);
    for (size_t i = 0; i < n; i++)
        pc_result_free(res[i]);
    free(res);
    pc_ctx_free(ctx);
    pc_fetch_stop(c->o.fetch);
    pc_signer_free(signer);
    return code;
}

static int run(int argc, char **argv, int inspect)
{
    cli c = {.fmt = PC_FORMAT_TEXT, .ttl = 86400, .inspect = inspect};
    int opt;
    pc_options_init(&c.o);
    char *cache = cli_default_cache_dir();
    c.o.cache_dir = cache;
    c.o.cache_max_bytes = 2ull << 30;
    char *rules = cli_rules_dir(), pol[4200];
    snprintf(pol, sizeof pol, "%s/policies", rules ? rules : ".");
    c.o.policies_dir = pol;
    pc_runctx_init(&c.run);
    c.exit_code = EXIT_DENY;
    /* `IMAGE -- COMMAND ARG...`: what follows "--" is the command, as
     * docker run's arguments after the image; getopt sees what precedes it */
    int nopt = 1;
    while (nopt < argc && strcmp(argv[nopt], "--") != 0)
        nopt++;
    optind = 1;
    int li = -1; /* getopt_long sets it for a long flag only */
    while ((opt = getopt_long(nopt, argv, "o:hu:w:e:f:v:", scan_opts, &li)) != -1) {
        const char *name = li >= 0 && opt != '?' ? scan_opts[li].name
                           : opt == 'u'          ? "user"
                           : opt == 'w'          ? "workdir"
                           : opt == 'e'          ? "env"
                           : opt == 'v'          ? "volume"
                                                 : "";
        li = -1;
        if (opt == 'h')
            cli_usage(stdout);
        int bad = opt == 'Q'   ? take_secret(&c.creds, optarg)
                  : opt == 'K' ? take_secret(&c.token, optarg)
                  : opt == 'h' ? 0
                               : parse_flag(&c, opt, name, optarg);
        if (opt == 'h' || bad < 0) {
            pc_runctx_free(&c.run);
            free(c.manifests);
            free(rules);
            free(cache);
            wipe_secret(&c.creds);
            wipe_secret(&c.token);
            return opt == 'h' ? EXIT_ALLOW : EXIT_USAGE;
        }
    }
    int rc = EXIT_USAGE;
    char err[512];
    size_t stdins = 0;
    for (size_t i = 0; i < c.nmanifests; i++)
        stdins += strcmp(c.manifests[i], "-") == 0;
    if (resolve_secrets(&c, stdins) < 0) {
        /* said */
    } else if (c.nmanifests && inspect) {
        fprintf(stderr, "portcullis inspect: --manifest is for portcullis scan\n");
    } else if (c.nmanifests && (optind < nopt || nopt < argc)) {
        fprintf(stderr, "portcullis scan: --manifest names the images: give no IMAGE or "
                        "command with it\n");
    } else if (c.nmanifests && c.run.given) {
        fprintf(stderr, "portcullis scan: --manifest says how each container runs: run flags "
                        "(--user, --entrypoint, ...) do not go with it\n");
    } else if (stdins > 1) {
        fprintf(stderr, "portcullis scan: --manifest - (standard input) given twice\n");
    } else if (c.nmanifests) {
        if (!c.o.rules)
            c.o.rules = rules;
        rc = scan_all(&c, NULL, 0);
    } else if (optind >= nopt) {
        fprintf(stderr, "portcullis %s: no image given\n", inspect ? "inspect" : "scan");
        cli_usage(stderr);
    } else if (nopt < argc && (inspect || nopt - optind != 1)) {
        fprintf(stderr, "portcullis %s: a command after -- goes with exactly one image\n",
                inspect ? "inspect" : "scan");
    } else if (nopt < argc && pc_runctx_command(&c.run, argv + nopt + 1, (size_t)(argc - nopt - 1),
                                                err, sizeof err) < 0) {
        fprintf(stderr, "portcullis: %s\n", err);
    } else if (c.run.given && inspect) {
        fprintf(stderr,
                "portcullis inspect: run flags (--user, --entrypoint, a command, ...) do not "
                "change how an image is read\n");
    } else {
        if (!c.o.rules)
            c.o.rules = rules;
        rc = scan_all(&c, argv + optind, (size_t)(nopt - optind));
    }
    wipe_secret(&c.creds);
    wipe_secret(&c.token);
    pc_runctx_free(&c.run);
    free(c.manifests);
    free(rules);
    free(cache);
    return rc;
}

int cmd_scan(int argc, char **argv)
{
    return run(argc, argv, 0);
}

int cmd_inspect(int argc, char **argv)
{
    return run(argc, argv, 1);
}
