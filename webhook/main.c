/*
 * main.c — the `portcullis-webhook` command: parse flags, fork the key
 * processes holding the serving certificate's key and the verdict signing
 * key (--sign-key, refused when others may read it; this process never
 * holds either, docs/privsep.md), give up gaining privileges, build the
 * one pc_ctx (policy loaded and checked before anything listens), start
 * the scan workers and the HTTPS server, then wait for SIGTERM/SIGINT.
 * Shutdown: not ready, stop accepting, let the requests in progress answer
 * (each is bounded by its deadline), drop queued scans, wait
 * --shutdown-timeout for running ones; scans still running after that are
 * abandoned by exiting.
 *
 * All state lives in the wh_server on main's stack; signals are blocked in
 * every thread and taken synchronously here with sigwait.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gen.h"
#include "redis.h"
#include "rediskey.h"
#include "redis_verdicts.h"
#include "http/log.h"
#include "sign.h"
#include "tes/tesproxy.h"
#include "tes/tesrun.h"
#include "http/tls.h"
#include "webhook.h"
#include "pcx.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef struct opts {
    wh_config cfg;
    pc_options po;
    uint64_t shutdown_ms;
    char rules[4200], policies[4300];
} opts;

static void usage(FILE *f)
{
    fputs(
        "usage: portcullis-webhook --tls-cert FILE --tls-key FILE [options]\n"
        "\n"
        "  --listen ADDR:PORT        where to serve HTTPS (default 0.0.0.0:8443; port 0: any)\n"
        "  --client-ca FILE          require client certificates signed by these CAs\n"
        "  --metrics-listen ADDR:PORT\n"
        "                            also serve GET /metrics in plain HTTP here (recommended;\n"
        "                            /metrics stays on the HTTPS port too)\n"
        "  --policy FILE|NAME        policy file or built-in name (default: restricted)\n"
        "  --exceptions FILE         exceptions added to the policy's (README, Policies)\n"
        "  --rules PATH              YARA rules file or directory (default: rules/)\n"
        "  --authfile FILE           registry credentials (docker config.json)\n"
        "  --cert-dir DIR            registry TLS certificates (certs.d layout)\n"
        "  --tls-verify=false        allow registries without verified TLS\n"
        "  --cache-dir DIR           layer facts cache\n"
        "  --redis-url URL           share layer facts between replicas on Redis:\n"
        "                            redis://[USER:PASSWORD@]HOST:PORT[/DB], or rediss://\n"
        "                            for TLS\n"
        "  --redis-ca FILE           rediss://: the CAs trusted for Redis' certificate\n"
        "                            (default: the system's)\n"
        "  --redis-cert FILE, --redis-cert-key FILE\n"
        "                            rediss://: a client certificate and its key\n"
        "  --redis-password-file FILE\n"
        "                            Redis' password from FILE (not in the URL)\n"
        "  --redis-key FILE          authenticate what is kept in Redis (HMAC-SHA256 with\n"
        "                            this 32 to 64 byte secret, shared by the replicas);\n"
        "                            verdicts and tag resolutions are shared only with it\n"
        "  --redis-wait DURATION     wait this long for another replica reading the same\n"
        "                            layer before reading it here (default 30s)\n"
        "  --platform OS/ARCH[/VAR]  platform to scan from an index (default linux/amd64)\n"
        "  --jobs N                  layers walked at once per scan (default 2)\n"
        "  --scan-workers N          scans at once (default 4)\n"
        "  --scan-queue N            scans waiting for a worker, at most (default 256)\n"
        "  --cache-size N            verdicts and tag resolutions kept (default 4096)\n"
        "  --tag-ttl DURATION        how long a tag's digest is trusted (default 30s)\n"
        "  --cache-ttl DURATION      how long a verdict is kept, here and on Redis (default 24h)\n"
        "  --deadline-margin DUR     answer this long before the apiserver's timeout (default 2s)\n"
        "  --default-timeout DUR     budget when a request has no ?timeout= (default 10s)\n"
        "  --max-body SIZE           largest request body (default 4M)\n"
        "  --max-connections N       connections at once (default 64)\n"
        "  --threads N               event-loop threads serving HTTPS (default: one per\n"
        "                            online CPU); requests waiting for a scan take none\n"
        "  --max-conns-per-ip N      connections at once from one client address (default\n"
        "                            16; 0: no limit); the apiserver's calls count too\n"
        "  --header-timeout DUR      TLS handshake, request line and headers must be in\n"
        "                            within this, however steadily sent (default 10s)\n"
        "  --client-timeout DUR      idle connection, or request body, limit (default 15s)\n"
        "  --shutdown-timeout DUR    wait for running scans on SIGTERM (default 20s)\n"
        "  --tes-upstream URL        gate a TES server: relay /ga4gh/tes/v1/... to URL, judging\n"
        "                            every new task's executor images first\n"
        "  --tes-start kubernetes|shell|docker\n"
        "                            how the TES backend starts an executor's command\n"
        "                            (default: the policy's sandbox.start)\n"
        "  --pin-digests             unpinned-image at warn denies on /validate and /imagereview\n"
        "                            (with the mutating webhook /mutate pinning images)\n"
        "  --sign-key FILE           sign verdicts (Ed25519 PEM, mode 0600 or 0400)\n"
        "  --verdict-ttl DURATION    how long a signed verdict is valid (default 24h)\n"
        "  --version, --help\n",
        f);
}

/* The rules/ directory (policies/ and YARA rules), found as the CLI
 * finds it. */
static void find_rules(char *out, size_t n)
{
    char *d = pc_default_rules_dir();
    snprintf(out, n, "%s", d ? d : "/usr/local/share/portcullis/rules");
    free(d);
}

static int bad(const char *flag, const char *arg, const char *want)
{
    fprintf(stderr, "portcullis-webhook: --%s \"%s\": expected %s\n", flag, arg, want);
    return -1;
}

static int num(const char *flag, const char *arg, unsigned lo, unsigned hi, unsigned *out)
{
    uint64_t v;
    if (pc_parse_uint(arg, hi, &v) < 0 || v < lo)
        return bad(flag, arg, "a number in range");
    *out = (unsigned)v;
    return 0;
}

static int dur(const char *flag, const char *arg, uint64_t *out)
{
    return pc_parse_duration(arg, 24 * 3600 * 1000ull, out) < 0
               ? bad(flag, arg, "a duration like 10s, 1m30s or 500ms")
               : 0;
}

static const struct option longopts[] = {
    {"tls-cert", required_argument, 0, 'c'},
    {"tls-key", required_argument, 0, 'k'},
    {"listen", required_argument, 0, 'l'},
    {"client-ca", required_argument, 0, 'C'},
    {"policy", required_argument, 0, 'p'},
    {"exceptions", required_argument, 0, 'X'},
    {"rules", required_argument, 0, 'r'},
    {"authfile", required_argument, 0, 'a'},
    {"cert-dir", required_argument, 0, 'd'},
    {"tls-verify", required_argument, 0, 't'},
    {"cache-dir", required_argument, 0, 'D'},
    {"redis-url", required_argument, 0, 'R'},
    {"redis-wait", required_argument, 0, 'W'},
    {"redis-key", required_argument, 0, 'Y'},
    {"redis-ca", required_argument, 0, 1000}, /* string flags: matched by name */
    {"redis-cert", required_argument, 0, 1001},
    {"redis-cert-key", required_argument, 0, 1002},
    {"redis-password-file", required_argument, 0, 1003},
    {"platform", required_argument, 0, 'P'},
    {"jobs", required_argument, 0, 'j'},
    {"scan-workers", required_argument, 0, 'w'},
    {"scan-queue", required_argument, 0, 'q'},
    {"cache-size", required_argument, 0, 's'},
    {"tag-ttl", required_argument, 0, 'T'},
    {"cache-ttl", required_argument, 0, 'A'},
    {"deadline-margin", required_argument, 0, 'm'},
    {"default-timeout", required_argument, 0, 'o'},
    {"max-body", required_argument, 0, 'b'},
    {"max-connections", required_argument, 0, 'n'},
    {"threads", required_argument, 0, 'N'},
    {"client-timeout", required_argument, 0, 'i'},
    {"header-timeout", required_argument, 0, 'H'},
    {"max-conns-per-ip", required_argument, 0, 'I'},
    {"shutdown-timeout", required_argument, 0, 'S'},
    {"tes-upstream", required_argument, 0, 'U'},
    {"tes-start", required_argument, 0, 'E'},
    {"pin-digests", no_argument, 0, 'Z'},
    {"sign-key", required_argument, 0, 'K'},
    {"verdict-ttl", required_argument, 0, 'L'},
    {"metrics-listen", required_argument, 0, 'M'},
    {"version", no_argument, 0, 'V'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

/* name: the long flag getopt matched. The scan options are parsed by the
 * library, as the CLI's are; the verdict cache's own flags here. */
static int flag_scan(opts *o, int c, const char *name, const char *arg)
{
    char err[512];
    unsigned u = 0;
    int rc = pc_options_set(&o->po, name, arg, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "portcullis-webhook: %s\n", err);
    if (rc != 1)
        return rc;
    switch (c) {
    case 'w':
        return num("scan-workers", arg, 1, 256, &o->cfg.scan.workers);
    case 'q':
        return num("scan-queue", arg, 1, 65536, &o->cfg.scan.max_queue);
    case 's':
        if (num("cache-size", arg, 1, 1000000, &u) < 0)
            return -1;
        o->cfg.scan.cache_entries = u;
        return 0;
    case 'T':
        return dur("tag-ttl", arg, &o->cfg.scan.tag_ttl_ms);
    case 'A':
        if (dur("cache-ttl", arg, &o->cfg.scan.ttl_ms) < 0)
            return -1;
        return o->cfg.scan.ttl_ms ? 0 : bad("cache-ttl", arg, "a duration above 0");
    }
    return 1; /* not a scan flag */
}

/* Pinning and signed verdicts (issue: verdicts that can't be dodged or forged). */
static int flag_verdicts(opts *o, int c, const char *arg)
{
    switch (c) {
    case 'Z':
        o->cfg.pin_digests = 1;
        return 0;
    case 'L':
        if (pc_parse_verdict_ttl(arg, &o->cfg.verdict_ttl_s) < 0)
            return bad("verdict-ttl", arg, "a duration from 1s to 366d, like 24h");
        return 0;
    }
    return 1; /* not one of these */
}

/* The flags whose value is kept as given. */
static const struct {
    const char *name;
    size_t off;
} string_flags[] = {
    {"tls-cert", offsetof(wh_config, tls_cert)},
    {"tls-key", offsetof(wh_config, tls_key)},
    {"listen", offsetof(wh_config, listen)},
    {"client-ca", offsetof(wh_config, client_ca)},
    {"sign-key", offsetof(wh_config, sign_key)},
    {"tes-upstream", offsetof(wh_config, tes_upstream)},
    {"redis-url", offsetof(wh_config, redis_url)},
    {"redis-key", offsetof(wh_config, redis_key)},
    {"redis-ca", offsetof(wh_config, redis_ca)},
    {"redis-cert", offsetof(wh_config, redis_cert)},
    {"redis-cert-key", offsetof(wh_config, redis_cert_key)},
    {"redis-password-file", offsetof(wh_config, redis_pw_file)},
    {"metrics-listen", offsetof(wh_config, metrics_listen)},
};

static int flag_string(opts *o, const char *name, const char *arg)
{
    for (size_t i = 0; i < sizeof string_flags / sizeof string_flags[0]; i++)
        if (strcmp(name, string_flags[i].name) == 0) {
            *(const char **)((char *)&o->cfg + string_flags[i].off) = arg;
            return 0;
        }
    return 1; /* not one of these */
}

static int flag(opts *o, int c, const char *name, const char *arg)
{
    int rc = flag_string(o, name, arg);
    if (rc == 1)
        rc = flag_scan(o, c, name, arg);
    if (rc == 1)
        rc = flag_verdicts(o, c, arg);
    if (rc != 1)
        return rc;
    switch (c) {
    case 'm':
        return dur("deadline-margin", arg, &o->cfg.margin_ms);
    case 'W':
        return dur("redis-wait", arg, &o->cfg.redis_wait_ms);
    case 'o':
        return dur("default-timeout", arg, &o->cfg.default_timeout_ms);
    case 'i':
        return dur("client-timeout", arg, &o->cfg.client_timeout_ms);
    case 'H':
        if (pc_parse_duration(arg, 3600 * 1000ull, &o->cfg.header_timeout_ms) < 0 ||
            o->cfg.header_timeout_ms < 1000)
            return bad("header-timeout", arg, "a duration from 1s to 1h, like 10s");
        return 0;
    case 'I':
        return num("max-conns-per-ip", arg, 0, 4096, &o->cfg.max_conns_per_ip);
    case 'S':
        return dur("shutdown-timeout", arg, &o->shutdown_ms);
    case 'E': {
        wh_tes_start st;
        if (wh_tes_start_parse(arg, &st) < 0)
            return bad("tes-start", arg, "kubernetes, shell or docker");
        o->cfg.tes_start = arg;
        return 0;
    }
    case 'n':
        return num("max-connections", arg, 1, 4096, &o->cfg.max_conns);
    case 'N':
        return num("threads", arg, 1, 256, &o->cfg.threads);
    case 'b':
        if (pc_parse_size(arg, 1ull << 30, &o->cfg.max_body) < 0 || o->cfg.max_body < 1024)
            return bad("max-body", arg, "a size from 1K to 1G, like 4M");
        return 0;
    default:
        usage(stderr);
        return -1;
    }
}

static void defaults(opts *o)
{
    memset(o, 0, sizeof *o);
    pc_options_init(&o->po);
    find_rules(o->rules, sizeof o->rules);
    snprintf(o->policies, sizeof o->policies, "%s/policies", o->rules);
    o->po.policies_dir = o->policies;
    o->po.rules = o->rules;
    o->po.progress = 2;
    o->cfg.listen = "0.0.0.0:8443";
    o->cfg.max_body = 4u << 20;
    o->cfg.max_conns = 64;
    o->cfg.max_conns_per_ip = 16;
    o->cfg.header_timeout_ms = 10000;
    o->cfg.client_timeout_ms = 15000;
    o->cfg.default_timeout_ms = 10000;
    o->cfg.margin_ms = 2000;
    o->cfg.scan = (wh_verdicts_cfg){4, 256, 4096, 30000, UINT64_C(86400000)};
    o->shutdown_ms = 20000;
    o->cfg.verdict_ttl_s = 24 * 3600;
    o->cfg.redis_wait_ms = 30000;
}

/* 0 to run, EXIT_OK for --help/--version, EXIT_USAGE on errors. */
static int parse(opts *o, int argc, char **argv)
{
    int c, li = -1; /* getopt_long sets it for a long flag only */
    defaults(o);
    while ((c = getopt_long(argc, argv, "h", longopts, &li)) != -1) {
        const char *name = li >= 0 && c != '?' ? longopts[li].name : "";
        li = -1;
        if (c == 'h' || c == 'V') {
            if (c == 'h')
                usage(stdout);
            else
                printf("portcullis-webhook %s\n", PC_VERSION);
            return EXIT_OK + 100;
        }
        if (flag(o, c, name, optarg) < 0)
            return EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "portcullis-webhook: unexpected argument \"%s\"\n", argv[optind]);
        return EXIT_USAGE;
    }
    unsigned jobs = o->po.jobs ? o->po.jobs : 2;
    if (o->cfg.scan.workers * jobs > 32) { /* libyara: 32 threads per compiled rules set */
        fprintf(stderr,
                "portcullis-webhook: --scan-workers (%u) times --jobs (%u) must be at most "
                "32, the threads libyara lets share one rules set\n",
                o->cfg.scan.workers, jobs);
        return EXIT_USAGE;
    }
    if (!o->cfg.tls_cert || !o->cfg.tls_key) {
        fprintf(stderr, "portcullis-webhook: --tls-cert and --tls-key are required (HTTPS only)\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    return 0;
}

static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The password in --redis-url's argument (argv: writable), once pc-redis
 * has it: starred, so neither this process's memory nor its command line
 * (ps, /proc/PID/cmdline) holds it. */
static void star_url_password(const char *url)
{
    char *p = strstr(url, "://"), *at;
    if (!p || !(at = strrchr(p += 3, '@')))
        return;
    char *colon = memchr(p, ':', (size_t)(at - p));
    char *from = colon ? colon + 1 : p;
    memset(from, '*', (size_t)(at - from));
}

/* --redis-url and the flags that go with it (key: --redis-key's key
 * process, started before anything untrusted was read; owned by
 * s->redis from here on); 0 or -1 (logged). */
static int setup_redis(wh_server *s, opts *o, wh_rediskey *key)
{
    char err[1024];
    const wh_config *c = &o->cfg;
    if (!c->redis_url) {
        if (!c->redis_ca && !c->redis_cert && !c->redis_cert_key && !c->redis_key &&
            !c->redis_pw_file)
            return 0;
        wh_logf("error", "--redis-ca, --redis-cert, --redis-cert-key, --redis-password-file "
                         "and --redis-key need --redis-url");
        return -1;
    }
    if (wh_redis_new(c->redis_url, 500, &s->metrics, &s->redis, err, sizeof err) < 0) {
        wh_logf("error", "%s", err); /* names flags and files, never a password */
        wh_rediskey_free(key);
        return -1;
    }
    wh_redis_set_key(s->redis, key);
    if (wh_redis_set_tls(s->redis, c->redis_ca, c->redis_cert, c->redis_cert_key, err, sizeof err) <
            0 ||
        (c->redis_pw_file &&
         wh_redis_set_password_file(s->redis, c->redis_pw_file, err, sizeof err) < 0) ||
        wh_redis_start(s->redis, err, sizeof err) < 0) {
        wh_logf("error", "%s", err); /* names flags and files, never a password */
        return -1;
    }
    star_url_password(c->redis_url);
    if (!c->redis_key)
        wh_logf("warn", "--redis-url without --redis-key: whoever can write to Redis can "
                        "change what the layers of an image are judged to hold; only layer "
                        "facts are shared (verdicts and tag resolutions need --redis-key)");
    else if (wh_redis_vstore(s->redis, c->redis_wait_ms, o->po.platform, &s->vstore) < 0) {
        wh_logf("error", "--redis-url: out of memory");
        return -1;
    }
    wh_redis_facts_store(s->redis, c->redis_wait_ms, &s->facts_store);
    atomic_store(&s->metrics.redis_up, 1);
    return 0;
}

/* Before the policy, the rules or anything a client sends is read, and
 * before any thread: the filesystem confined to what the webhook reads
 * and writes from now on (docs/privsep.md): the cache, TMPDIR, and for
 * policy reloads the directories of the policy, exceptions and rules
 * files (a ConfigMap update swaps a symlink there) and the policies
 * directory. The key files, the authfile, the Redis secrets and the
 * serving certificate (pc-tlskey reads it) stay out of reach. */
static int confine_fs(wh_server *s, const opts *o)
{
    char err[1024];
    pc_fsconfine *f = pc_fsconfine_new();
    const wh_config *c = &o->cfg;
    const char *secrets[] = {c->tls_key,        c->sign_key,      c->redis_key,
                             c->redis_cert_key, c->redis_pw_file, o->po.authfile};
    if (f)
        (void)pc_fsconfine_allow_options(f, &o->po, 1); /* a failure fails apply */
    for (size_t i = 0; f && i < sizeof secrets / sizeof secrets[0]; i++)
        (void)pc_fsconfine_secret(f, secrets[i]);
    /* TCP: the listeners' ports (0: an ephemeral one), the TES relay's
     * upstream and proxies, DNS over TCP; nothing else (the registry and
     * Redis are reached by pc-fetch and pc-redis) */
    unsigned ports[16];
    size_t np = wh_tesproxy_ports(s->tes_gate, ports, sizeof ports / sizeof ports[0]);
    pc_fsconfine_net(f);
    (void)pc_fsconfine_allow_port(f, 53, PC_NET_CONNECT);
    for (size_t i = 0; i < np; i++)
        (void)pc_fsconfine_allow_port(f, ports[i], PC_NET_CONNECT);
    const char *listens[] = {c->listen, c->metrics_listen};
    for (size_t i = 0; i < 2; i++) {
        struct sockaddr_storage ss;
        int v6 = 0;
        if (listens[i] && wh_parse_listen(listens[i], &ss, &v6) == 0)
            (void)pc_fsconfine_allow_port(f,
                                          ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                   : ((struct sockaddr_in *)&ss)->sin_port),
                                          PC_NET_BIND);
    }
    int rc = pc_fsconfine_apply(f, &s->landlock_abi, err, sizeof err);
    s->landlock_net = rc > 0 && pc_fsconfine_net_confined(f);
    const char *w = rc > 0 ? pc_fsconfine_warnings(f) : NULL;
    while (w && *w) { /* a secret the allowed paths reach: said, not refused */
        size_t n = strcspn(w, "\n");
        wh_logf("warn",
                "filesystem confinement: %.*s: keep secrets out of the policy's, "
                "rules', cache and temporary directories",
                (int)n, w);
        w += n + (w[n] == '\n');
    }
    pc_fsconfine_free(f);
    if (rc < 0) {
        wh_logf("error", "%s", err);
        return -1;
    }
    if (rc == 0)
        wh_logf("warn", "the kernel has no Landlock: the filesystem is not confined "
                        "(docs/privsep.md)");
    return 0;
}

static int setup(wh_server *s, opts *o)
{
    char err[1024];
    pc_err e;
    if (o->cfg.client_ca &&
        pc_read_file(o->cfg.client_ca, 4u << 20, &s->client_ca_pem, NULL, &e) < 0) {
        wh_logf("error", "--client-ca: %s", e.msg);
        return -1;
    }
    /* The key processes first, before any thread and anything untrusted:
     * they are forks of this process as it is now (docs/privsep.md). */
    if (wh_tls_new(o->cfg.tls_cert, o->cfg.tls_key, &s->metrics, &s->tls, err, sizeof err) < 0) {
        wh_logf("error", "%s", err);
        return -1;
    }
    if (o->cfg.sign_key && wh_signer_new(o->cfg.sign_key, o->cfg.verdict_ttl_s, &s->metrics,
                                         &s->signer, err, sizeof err) < 0) {
        wh_logf("error", "%s", err); /* names the file and what is wrong, never the key */
        return -1;
    }
    wh_rediskey *rkey = NULL;
    if (o->cfg.redis_url && o->cfg.redis_key &&
        wh_rediskey_new(o->cfg.redis_key, &rkey, err, sizeof err) < 0) {
        wh_logf("error", "%s", err); /* names the file and what is wrong, never the secret */
        return -1;
    }
    /* the registry process: the authfile and every registry request */
    if (pc_fetch_start(&o->po.fetch, err, sizeof err) < 0) {
        wh_logf("error", "%s", err);
        wh_rediskey_free(rkey);
        return -1;
    }
    s->fetch = o->po.fetch;
    if (pc_privsep_drop() < 0) {
        wh_logf("error", "cannot set no_new_privs");
        wh_rediskey_free(rkey);
        return -1;
    }
    /* before any thread: every thread inherits it (docs/privsep.md) */
    if (pc_privsep_confine(PC_CONFINE_NETWORK) < 0 && errno != ENOSYS) {
        wh_logf("error", "cannot install the seccomp filter: %s", strerror(errno));
        wh_rediskey_free(rkey);
        return -1;
    }
    if (setup_redis(s, o, rkey) < 0)
        return -1;
    if (o->cfg.tes_upstream && /* first: it sets libcurl up before any thread runs */
        wh_tesproxy_new(o->cfg.tes_upstream, &s->tes_gate, err, sizeof err) < 0) {
        wh_logf("error", "%s", err);
        return -1;
    }
    if (confine_fs(s, o) < 0)
        return -1;
    if (wh_gen_init(s, &o->po, err, sizeof err) < 0 || wh_server_start(s, err, sizeof err) < 0 ||
        wh_metrics_server_start(s, err, sizeof err) < 0) {
        wh_logf("error", "%s", err);
        return -1;
    }
    return 0;
}

static void log_listening(const wh_server *s, const pc_fetch *fetch)
{
    const pc_ctx *ctx = s->gen->ctx; /* the main thread: the only one that replaces it */
    json_t *f =
        json_pack("{s:s, s:i, s:s, s:s, s:b, s:i}", "listen", s->cfg.listen, "port", (int)s->port,
                  "policy", pc_ctx_policy_name(ctx), "policy_digest", pc_ctx_policy_digest(ctx),
                  "client_ca", s->client_ca_pem != NULL, "scan_workers", (int)s->cfg.scan.workers);
    if (f) {
        json_object_set_new(f, "pin_digests", json_boolean(s->cfg.pin_digests));
        json_object_set_new(f, "signing", json_boolean(s->signer != NULL));
        json_object_set_new(
            f, "key_processes",
            json_pack("{s:I, s:o, s:o}", "tls", (json_int_t)wh_tls_key_pid(s->tls), "signer",
                      s->signer ? json_integer((json_int_t)wh_signer_pid(s->signer)) : json_null(),
                      "redis_key",
                      s->redis && wh_redis_key_pid(s->redis) > 0
                          ? json_integer((json_int_t)wh_redis_key_pid(s->redis))
                          : json_null()));
        if (s->redis)
            json_object_set_new(f, "redis_process",
                                json_integer((json_int_t)wh_redis_conn_pid(s->redis)));
        json_object_set_new(f, "registry_process", json_integer((json_int_t)pc_fetch_pid(fetch)));
        json_object_set_new(f, "landlock_abi", json_integer(s->landlock_abi));
        json_object_set_new(f, "landlock_net", json_boolean(s->landlock_net));
        json_object_set_new(f, "max_connections", json_integer(s->cfg.max_conns));
        json_object_set_new(f, "threads", json_integer(s->threads));
        json_object_set_new(f, "max_conns_per_ip", json_integer(s->cfg.max_conns_per_ip));
        json_object_set_new(f, "header_timeout_ms",
                            json_integer((json_int_t)s->cfg.header_timeout_ms));
        if (s->metrics_mhd)
            json_object_set_new(f, "metrics_port", json_integer(s->metrics_port));
    }
    if (f && s->redis)
        json_object_set_new(f, "redis", json_string(wh_redis_where(s->redis)));
    if (f && s->tes_gate)
        json_object_set_new(f, "tes_upstream", json_string(wh_tesproxy_upstream(s->tes_gate)));
    if (f)
        json_object_set_new(f, "tes_start",
                            json_string(s->cfg.tes_start ? s->cfg.tes_start : pc_ctx_start(ctx)));
    wh_log("info", "listening", f);
}

int main(int argc, char **argv)
{
    opts o;
    wh_server s;
    sigset_t set;
    pc_malloc_tune();
    /* before any secret or image is read (docs/privsep.md) */
    if (pc_privsep_undumpable() < 0) {
        fprintf(stderr, "portcullis-webhook: cannot make the process undumpable: %s\n",
                strerror(errno));
        return 1;
    }
    int sig = 0, rc = parse(&o, argc, argv);
    if (rc)
        return rc >= 100 ? rc - 100 : rc;
    block_signals(&set); /* before any thread exists, so every thread inherits it */
    memset(&s, 0, sizeof s);
    s.cfg = o.cfg;
    wh_metrics_init(&s.metrics);
    if (setup(&s, &o) == 0) {
        atomic_store(&s.ready, 1);
        log_listening(&s, o.po.fetch);
        /* wait for a signal; meanwhile reload the policy when its files change */
        const struct timespec poll = {.tv_sec = 2};
        while ((sig = sigtimedwait(&set, NULL, &poll)) < 0)
            wh_gen_reload(&s, &o.po);
        wh_logf("info", "signal %d: shutting down", sig);
        rc = EXIT_OK;
    } else {
        rc = EXIT_FAIL;
    }
    atomic_store(&s.ready, 0);
    wh_metrics_server_stop(&s);
    wh_server_stop(&s);
    if (wh_gen_shutdown(&s, o.shutdown_ms) < 0) {
        wh_logf("warn", "scans still running after the shutdown timeout; exiting without them");
        fflush(stderr);
        _exit(rc);
    }
    wh_tls_free(s.tls);
    pc_fetch_stop(o.po.fetch); /* after the last context that used it */
    wh_signer_free(s.signer);
    wh_tesproxy_free(s.tes_gate);
    wh_redis_vstore_free(&s.vstore);
    wh_redis_free(s.redis);
    free(s.client_ca_pem);
    return rc;
}
