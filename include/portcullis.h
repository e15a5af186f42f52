/*
 * portcullis.h — the one public header of libportcullis.
 *
 * A pc_ctx holds what is shared by every scan (the policy file, options);
 * it is read-only once built, so several threads may scan with one ctx. A
 * scan turns one image reference into a pc_result: the image's findings
 * after the policy was applied, its verdict and stats. Reports render
 * results. The policy file holds the scan profile (limits, YARA knobs),
 * the sandbox the image will run in, and the policy proper (actions,
 * allow lists, exemptions), which is applied last, by the verdict.
 */
#ifndef PORTCULLIS_H
#define PORTCULLIS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PC_VERSION "0.1.0"

typedef enum { PC_ACTION_IGNORE = 0, PC_ACTION_WARN = 1, PC_ACTION_DENY = 2 } pc_action;

typedef struct pc_finding {
    char *check; /* check id (docs/architecture.md), e.g. "setuid-file" */
    pc_action action;
    char *message;   /* one line, human readable */
    char *path;      /* absolute path in the final fs, or NULL */
    char *layer;     /* digest of the layer that put it there, or NULL */
    char *rule;      /* YARA rule name, or NULL */
    char *step;      /* the image history's created_by for its layer (the Dockerfile step
                      * that put it there), one line, or NULL */
    char *waived_by; /* the policy exception that waived it ("FILE: exceptions[i]: reason"):
                      * its action is then ignore, and reports still list it */
    int would_deny;  /* the policy's mode (warn, audit) lowered it from deny: enforce mode
                      * would deny it (audit: its action is ignore, reports still list it) */
    int neutralised; /* the judged run cannot use what it reports (a set-user-ID bit under
                      * no_new_privileges, file capabilities it is never granted); the
                      * policy's when_neutralised action applies */
    /* suspicious-tool only (NULL elsewhere): what the tool is and which
     * signal found it (rules/README.md) */
    char *category; /* "scanner", "sniffer", "packet-capture", ... */
    char *severity; /* "high", "medium" or "low" */
    char *signal;   /* "content" (a rule on the file's bytes), "capability" (what a program
                     * can do: DT_NEEDED of a packet library, a generic rule), "package"
                     * (the image's package database) */
} pc_finding;

/* What the image needs to run (the execution hints TES servers lack). */
typedef struct pc_sandbox_info {
    char *program; /* resolved program path, or NULL */
    char *user;    /* "uid:gid" the program would run as, or the raw USER */
    int needs_root;
    char **needs_caps; /* capability names, e.g. "cap_net_raw" */
    size_t nneeds_caps;
    unsigned *privileged_ports;
    size_t nprivileged_ports;
    char **argv; /* what will be executed: ENTRYPOINT then CMD, after the run's overrides */
    size_t nargv;
    int no_new_privileges; /* the judged run sets it (the policy's sandbox or the run) */
    const char *user_from; /* "image", "run" or "policy": who set the user (static string) */
    uint32_t *groups;      /* supplementary gids of the run */
    size_t ngroups;
    char **capabilities; /* the run's bounding set ("cap_chown", ...): what it may hold */
    size_t ncapabilities;
} pc_sandbox_info;

typedef struct pc_stats {
    unsigned layers;
    unsigned cached_layers; /* layers whose facts came from the cache (not read) */
    uint64_t files;
    uint64_t bytes; /* uncompressed tar bytes walked */
    uint64_t duration_ms;
} pc_stats;

typedef struct pc_result {
    char *image;           /* the reference as given */
    char *digest;          /* digest the reference resolved to (index or manifest) */
    char *manifest_digest; /* the platform manifest that was scanned */
    char *config_digest;
    char *platform; /* os/arch[/variant] of the scanned image */
    char *policy;   /* policy name */
    char *policy_digest;
    char *rules_digest; /* digest of the compiled YARA rules set, or NULL */
    char *exempt;       /* policy exemption that matched, or NULL */
    int denied;         /* verdict: 1 deny, 0 allow */
    int scan_failed;    /* the image could not be scanned completely */
    int findings_lost;  /* a finding could not be recorded (out of memory): always denied */
    int would_deny;     /* enforce mode would deny it (the policy's warn or audit mode did not) */
    pc_finding *findings;
    size_t nfindings, capfindings;
    pc_sandbox_info sandbox;
    pc_stats stats;
    char *attestation;      /* signed verdict (compact DSSE envelope JSON), or NULL */
    char *subject;          /* the run context's subject (pc_runctx), e.g. the pod's object and
                             * container, or NULL */
    char run_key[72];       /* pc_runctx_key of the judged run ("" when not computed) */
    long long waived_until; /* unix seconds: the earliest end of an exception that waived one
                             * of the findings, 0 if none did; a cache must not keep this
                             * verdict past it (the finding then counts again) */
} pc_result;

typedef struct pc_fetch pc_fetch; /* the registry process: pc_fetch_start */

typedef struct pc_options {
    const char *policy;       /* file path or built-in name; NULL: "restricted" */
    const char *policies_dir; /* where names resolve; NULL: PC_DATADIR/rules/policies */
    const char *exceptions;   /* an exceptions file added to the policy's, or NULL */
    const char *platform;     /* "os/arch[/variant]"; NULL: linux/amd64 */
    const char *rules;        /* YARA rules: a .yar file or a directory; NULL: PC_DATADIR/rules */
    const char *authfile;
    const char *creds;          /* "USER:PASSWORD" for the registry, over the authfile; or NULL */
    const char *registry_token; /* a bearer token sent as is, over the authfile; or NULL */
    const char *cert_dir;
    int tls_verify;           /* 1 (default) or 0 */
    const char *cache_dir;    /* NULL: no cache */
    uint64_t cache_max_bytes; /* evict least recently used entries above this; 0: no cap */
    unsigned jobs;            /* layers fetched and walked at once; 0: the number of cores */
    int progress;             /* 0 auto (stderr is a TTY), 1 always, 2 never */
    int no_prefilter;         /* 1: YARA scans every candidate file (yara.prefilter false) */
    int no_rules;             /* 1: compile no YARA rules: scans read images but match nothing
                               * (`portcullis inspect`, whose view holds no matches) */
    pc_fetch *fetch;          /* the registry process that makes this context's registry requests
                               * (given creds / registry_token are handed to it, not kept); NULL:
                               * this process makes them, with the secrets */
    /* With fetch: the images this context is for. Non-NULL (even with
     * nbind_images 0), the registry process opens for it only their
     * registries' repositories (told before any image is read, and sealed
     * at its first request), so a scanning process an image took over
     * cannot read other repositories with the user's credentials. NULL:
     * any (the webhook: images come with each review). */
    const char *const *bind_images;
    size_t nbind_images;
} pc_options;

typedef struct pc_ctx pc_ctx;

void pc_options_init(pc_options *o);
/* 1 when a --policy value names a file (it holds a '/' or ends in
 * ".json"), 0 when it is a built-in name looked up in the policies
 * directory: the one rule the loader, the webhook's reloads and the
 * filesystem confinement share. */
int pc_policy_is_file(const char *file_or_name);

/* The scan options as both tools take them on the command line: set the
 * one named by its long flag (without "--") from the flag's value. Flags:
 * policy, rules, platform, authfile, cert-dir, cache-dir (the value is
 * kept, not copied), creds (USER:PASSWORD, both non-empty) and
 * registry-token (kept, not copied; a refusal never repeats the value),
 * no-cache (value unused), tls-verify (true|false),
 * jobs (1 to 64), cache-max-bytes (a size, pcx.h), progress
 * (auto|always|never), no-prefilter (value unused). 0 when set; -1 when the value is refused, with
 * `--NAME "VALUE": expected ...` in err (the caller adds its own prefix);
 * 1 when NAME is not a scan option (o untouched). A tool offers the subset
 * its getopt table lists and parses its own flags itself. */
int pc_options_set(pc_options *o, const char *name, const char *value, char *err, size_t errlen);

/* The libraries this build reads images with, one line into buf:
 * "libarchive 3.6.2, yara 4.3.0, curl 7.88.1, OpenSSL 3.0.x, ...". */
void pc_versions(char *buf, size_t n);
/* 16 hex digits naming the library's sources: two builds with the same id
 * read images the same way. Cached layer facts and shared verdicts are
 * keyed by it (PC_VERSION does not change between commits). */
const char *pc_reader_id(void);

/* The shipped rules/ directory (YARA rules and policies/):
 * $PORTCULLIS_DATADIR/rules, the source tree a binary was built in, or the
 * installed copy. malloc'd. */
char *pc_default_rules_dir(void);

/* Build a context: loads and checks the policy and compiles the YARA rules
 * (once; every scan of the ctx shares them). On failure returns -1 and
 * writes a message naming what was wrong to err (for rules: FILE:LINE).
 * pc_ctx_new and pc_ctx_free initialise and finalise libyara, whose global
 * set-up is not thread-safe: create and free contexts from one thread. */
int pc_ctx_new(const pc_options *o, pc_ctx **out, char *err, size_t errlen);
void pc_ctx_free(pc_ctx *ctx);
const char *pc_ctx_policy_name(const pc_ctx *ctx);

/* A store of layer facts shared between processes (the webhook's Redis),
 * beside the --cache-dir files. It holds the cache's entries byte for
 * byte, under the same key (a hex SHA-256 of layer digest, decode class,
 * facts key and scanner version); what it returns is checked exactly as a
 * file is (header, key, length, SHA-256), so a corrupt or foreign value is
 * a miss. Every callback is called from scanning threads at once and must
 * be thread-safe; every one is best effort (a store that is down is a
 * miss, never an error). get: malloc'd bytes (*len set) or NULL. lock:
 * 1 when this process may walk the layer (it took the lock, or the store
 * is down), 0 when another holds it; the scan then polls get until the
 * entry appears or wait_ms passes, and walks the layer itself after that. */
typedef struct pc_facts_store {
    void *ud;
    unsigned char *(*get)(void *ud, const char *key, size_t *len);
    void (*put)(void *ud, const char *key, const unsigned char *p, size_t len);
    int (*lock)(void *ud, const char *key, uint64_t ttl_ms);
    void (*unlock)(void *ud, const char *key);
    uint64_t wait_ms; /* how long to wait for another holder's entry */
} pc_facts_store;
/* Use store (copied; NULL: none) for the scans of ctx from now on; set it
 * before the first scan. */
void pc_ctx_set_facts_store(pc_ctx *ctx, const pc_facts_store *store);

/* What the webhook and TES paths ask of the context (read-only, thread-safe). */
const char *pc_ctx_policy_digest(const pc_ctx *ctx);
/* Digest of the compiled YARA rules set, or NULL when the ctx has none. */
const char *pc_ctx_rules_digest(const pc_ctx *ctx);
/* How the policy's platform starts a command it is given (its
 * sandbox.start): "kubernetes" (the default), "shell" or "docker"; what a
 * TES executor's command means (docs/tes.md). */
const char *pc_ctx_start(const pc_ctx *ctx);
/* 1 when the policy exempts the namespace (exempt_namespaces). */
int pc_ctx_namespace_exempt(const pc_ctx *ctx, const char *ns);
/* The exempt_images glob matching the reference as given, or NULL; digest
 * entries are matched by pc_scan, which knows the digests. */
const char *pc_ctx_image_exempt(const pc_ctx *ctx, const char *ref);

/* Resolve a reference to the digest it names now (the index digest when
 * there is one, as pc_result.digest) without reading any layer: index or
 * manifest and config only, within the policy's time limit. 0, or -1 with
 * a message in err. */
int pc_resolve(const pc_ctx *ctx, const char *ref, char digest_out[72], char *err, size_t errlen);

/* Compile YARA rules (a .yar/.yara file, or a directory searched
 * recursively) exactly as pc_ctx_new does. diag (may be NULL) gets every
 * error and warning as one line, "FILE:LINE: message". 0 when the rules
 * compile (sum filled); -1 when they do not or cannot be read (err holds
 * the first error; sum still counts errors and warnings). */
typedef struct pc_rules_summary {
    size_t rules, files, errors, warnings;
    size_t packages, package_lists; /* the tool package lists (rules/packages/ *.tsv) */
    char digest[72];                /* "sha256:..." over the rule files and package lists, as in
                                       pc_result.rules_digest */
    char prefilter[160];            /* "on: N rules, M patterns" or "off: why" (the YARA
                                       prefilter, README "yara") */
} pc_rules_summary;
int pc_rules_check(const char *path, pc_rules_summary *sum,
                   void (*diag)(void *ud, const char *line), void *ud, char *err, size_t errlen);

/* Scan one image. Never NULL except on out-of-memory; a failed scan is a
 * result with scan_failed set and a scan-error finding. The result's
 * verdict is the policy applied to its findings (see pc_verdict_of). */
pc_result *pc_scan(const pc_ctx *ctx, const char *ref);
/* pc_scan, and also the image as portcullis reads it (`portcullis
 * inspect`): JSON text (malloc'd) with every path of the final filesystem,
 * the effective config and the user USER resolves to; *view is NULL when
 * the scan failed (the result says why). */
pc_result *pc_scan_view(const pc_ctx *ctx, const char *ref, char **view);
void pc_result_free(pc_result *r);

/* How the image will be started: what `docker run` flags, a pod's
 * container or a TES executor say over the image's config. The facts of
 * an image never depend on it (nothing is read again); the checks and the
 * verdict do. Precedence (lib/runctx.c, the one place it is applied): what
 * the policy's sandbox section forces (uid/gid, dropped capabilities,
 * no_new_privileges) wins over the run context, which wins over the
 * image's config. Docker's rules: an entrypoint replaces ENTRYPOINT and
 * drops the image's CMD; a command replaces CMD (the ENTRYPOINT stays). */
typedef struct pc_runctx {
    char *user; /* USER: "uid[:gid]" or "name[:group]"; NULL: the image's */
    char **entrypoint;
    size_t nentrypoint;
    int entrypoint_set; /* ENTRYPOINT replaced (and the image's CMD dropped) */
    char **cmd;
    size_t ncmd;
    int cmd_set;   /* CMD replaced */
    char *workdir; /* NULL: the image's WorkingDir */
    char **env;    /* "NAME=VALUE", over the image's Env */
    size_t nenv;
    /* other commands the run executes inside the container besides its
     * program (a pod's exec probes and lifecycle hooks), each one line, its
     * argv joined by spaces: matched against the rules like the command */
    char **execs;
    size_t nexecs;
    /* what the run mounts over the image's filesystem (a pod's
     * volumeMounts): mounts[i] an absolute, clean path, mount_from[i] what
     * is there ("volume \"scripts\" (configMap)"); a program or WORKDIR at
     * or beneath one is not the image's, and is not judged as missing */
    char **mounts;
    char **mount_from;
    size_t nmounts;
    uint32_t *group_add; /* supplementary gids added */
    size_t ngroup_add;
    uint64_t cap_add, cap_drop; /* bit n: capability n (ALL: every bit); relative to the
                                 * runtimes' default set, dropped then added (docker) */
    int no_new_privileges;      /* 1: set */
    char *group;                /* the group over whatever user results (runAsGroup); NULL: keep */
    int run_as_non_root;        /* 1: the kubelet refuses to start it as root (runAsNonRoot) */
    int privileged; /* every capability (docker --privileged, securityContext.privileged) */
    int read_only_rootfs;
    int given;     /* 1 once anything above was set */
    char *subject; /* who asks for this run, for reports ("Deployment prod/web, container
                    * app"); not part of the judgement nor of pc_runctx_key */
} pc_runctx;
void pc_runctx_init(pc_runctx *rc);
void pc_runctx_free(pc_runctx *rc);
/* One run flag by its long name, docker's: "user", "group-add" (a
 * number), "cap-add", "cap-drop" (a capability name, "NET_RAW" or
 * "CAP_NET_RAW", or ALL), "security-opt" (only "no-new-privileges"
 * [=true]), "entrypoint" (the program), "workdir", "env" (NAME=VALUE).
 * 0; -1 with a message naming the flag and value; 1: not a run flag. */
int pc_runctx_set(pc_runctx *rc, const char *name, const char *value, char *err, size_t errlen);
/* Something mounted at path (absolute, or taken from the root as the
 * runtime does; cleaned of "//", "." and ".."), from says what ("volume
 * \"NAME\" (configMap)"). 0; -1 with err (out of memory). */
int pc_runctx_mount(pc_runctx *rc, const char *path, const char *from, char *err, size_t errlen);
/* The command after the image (`docker run IMAGE CMD...`): replaces CMD. */
int pc_runctx_command(pc_runctx *rc, char *const *argv, size_t n, char *err, size_t errlen);
/* A whole entrypoint (a pod's `command`, a TES executor's command):
 * replaces ENTRYPOINT and drops the image's CMD, as --entrypoint does. */
int pc_runctx_entrypoint(pc_runctx *rc, char *const *argv, size_t n, char *err, size_t errlen);
/* Another command run inside the container (an exec probe, a lifecycle
 * hook): added to execs, its argv joined by spaces. */
int pc_runctx_exec(pc_runctx *rc, char *const *argv, size_t n, char *err, size_t errlen);
/* A deep copy of src into dst (dst initialised here). 0, or -1 when out of
 * memory (dst is then empty). */
int pc_runctx_copy(pc_runctx *dst, const pc_runctx *src);
/* "sha256:<hex>" over everything in rc that can change a judgement (the
 * subject excluded); rc NULL or empty gives the key of no run context.
 * What verdict caches and signed verdicts are keyed by, next to the image
 * digest. 0, or -1 when out of memory. */
int pc_runctx_key(const pc_runctx *rc, char out[72]);
/* The run context as JSON text (malloc'd, keys sorted), for reports and
 * signed verdicts; NULL when out of memory. */
char *pc_runctx_json(const pc_runctx *rc);
/* pc_scan, judged as the image will be started (rc NULL: as its config
 * says). */
pc_result *pc_scan_run(const pc_ctx *ctx, const char *ref, const pc_runctx *rc);
/* The result for a reference that could not be scanned at all (it did
 * not resolve, or there was no memory to scan it): one scan-error finding
 * saying msg, judged by the policy as pc_scan judges one. NULL only when
 * out of memory (callers must then deny). */
pc_result *pc_result_failed(const pc_ctx *ctx, const char *ref, const char *msg);

/* The verdict: the policy applied last, in one module (lib/verdict/).
 * pc_scan has applied it to the image's findings: each finding's action
 * is the policy's for its check (ignore under its allow_paths or
 * yara.ignore_rules), at most the check's ceiling, deny lowered to warn
 * when exempt_images matched (pc_result.exempt); ignored findings are
 * dropped; denied is 1 when a finding denies or one was lost. What
 * depends on how the image was named, unpinned-image, is judged for each
 * use by pc_verdict_of: one result may answer many references (the
 * webhook shares cached results), so it is never written into r. */
typedef struct pc_verdict_opts {
    const char *ref;        /* the reference the image was named by; NULL: r->image */
    int pin_digests;        /* unpinned-image at warn denies (portcullis-webhook --pin-digests) */
    const char *namespace_; /* the namespace of this use (webhook): exceptions naming
                             * namespaces apply to it; NULL: none */
} pc_verdict_opts;

typedef struct pc_verdict {
    int denied;         /* r->denied, or unpinned-image at deny */
    pc_action unpinned; /* unpinned-image's action; IGNORE: the reference is pinned, or the
                         * policy ignores unpinned-image */
} pc_verdict;

/* 1 when ref names its image by digest (its last '@' is followed by "sha256:"). */
int pc_ref_pinned(const char *ref);
/* The verdict for one use of r: unpinned-image (ref has no @sha256:) at
 * the policy's action, raised from warn to deny by pin_digests, lowered
 * from deny to warn when the policy exempts the image (r->exempt), as
 * every finding is. o may be NULL. r is not changed; r NULL (no scan)
 * denies. */
void pc_verdict_of(const pc_ctx *ctx, const pc_result *r, const pc_verdict_opts *o,
                   pc_verdict *out);
/* 1 when an exception naming namespaces waives f for this use (o's
 * namespace): the scan could not know the namespace, so pc_verdict_of
 * leaves such findings out of `denied`, and callers leave them out of
 * their messages. */
int pc_verdict_waived_here(const pc_ctx *ctx, const pc_result *r, const pc_verdict_opts *o,
                           const pc_finding *f);
/* The unpinned-image finding of v, as reports list it next to the scan's
 * (its strings are static: never free them). 0, or -1 when v has none. */
int pc_verdict_unpinned_finding(const pc_verdict *v, pc_finding *out);

typedef enum { PC_FORMAT_TEXT, PC_FORMAT_JSON, PC_FORMAT_SARIF } pc_format;

/* Render results. color: use ANSI colours (text only). 0 ok, -1 on write error. */
int pc_report_write(FILE *out, pc_format fmt, pc_result *const *results, size_t n, int color);

const char *pc_action_name(pc_action a);

/* The layer facts cache at dir: "stats" prints entries and bytes to out,
 * "prune" evicts least recently used entries down to max_bytes, "clear"
 * removes every entry. 0 ok, -1 error (message in err). */
int pc_cache_command(const char *dir, const char *cmd, uint64_t max_bytes, FILE *out, char *err,
                     size_t errlen);

/* Signed verdicts (Ed25519, DSSE). The private key never enters this
 * process: pc_signer_load forks a key process ("pc-signer",
 * docs/privsep.md) that reads the PEM file (refused unless only its owner
 * may read it), seals itself with seccomp and signs DSSE encodings of
 * verdict payloads, nothing else. Load the signer before reading any image
 * and before starting any thread, from the thread that outlives it
 * (main). When the key process is gone, every call below fails: nothing is
 * signed without it. */
typedef struct pc_signer pc_signer;
int pc_signer_load(const char *path, pc_signer **out, char *err, size_t errlen);
/* Stop the key process and free s. */
void pc_signer_free(pc_signer *s);
/* The public key as PEM (malloc'd), as the key process reports it; NULL
 * when the key process is gone (or out of memory). */
char *pc_signer_public_pem(pc_signer *s);
/* Have the key process read its key file again. 0: the file's key is in
 * service now; -1: the key in service stays and err says why. */
int pc_signer_reload(pc_signer *s, char *err, size_t errlen);
/* 1 while the key process runs; 0 once it is gone (why: how it ended). */
int pc_signer_alive(pc_signer *s, char *why, size_t whylen);
/* The key process's pid. */
long pc_signer_pid(const pc_signer *s);
/* Sign r's verdict into r->attestation, valid for ttl_seconds. -1 (and
 * r->attestation NULL) when it could not be signed. */
int pc_result_sign(pc_result *r, pc_signer *s, uint64_t ttl_seconds, char *err, size_t errlen);

/* The scanning process, first thing (before it reads a secret or an
 * image): not dumpable (PR_SET_DUMPABLE 0), so no other process of the
 * same user can ptrace it or read its memory through /proc/PID/mem,
 * /proc/PID/environ or process_vm_readv: not its registry process
 * pc-fetch, a credential helper or a key process, should one be
 * compromised, and nothing else the user runs. Only a process with
 * CAP_SYS_PTRACE can. No core dump is written. Its children inherit it.
 * 0 or -1. */
int pc_privsep_undumpable(void);

/* The scanning process, once its key processes run and before it reads
 * any image: it gives up gaining privileges (PR_SET_NO_NEW_PRIVS, so no
 * set-user-ID gain through exec, e.g. of a credential helper). 0 or -1. */
int pc_privsep_drop(void);

/* The scanning process, once its context is built and before it reads
 * any image (docs/privsep.md): a seccomp filter makes the system calls it
 * never needs fail with EPERM (ptrace, mount, namespaces, modules, bpf,
 * ...; without PC_CONFINE_EXEC also running programs and keyrings;
 * without PC_CONFINE_NETWORK also making a socket) for the calling
 * thread and every thread it starts later (and every program it runs).
 * The CLI gives 0, the webhook PC_CONFINE_NETWORK, the registry process
 * pc-fetch both (its credential helpers). 0, or -1 with errno set
 * (ENOSYS: an architecture without a filter, nothing installed). */
#define PC_CONFINE_NETWORK 1
#define PC_CONFINE_EXEC 2
int pc_privsep_confine(int flags);

/* The scanning process's filesystem confinement (Landlock; landlock.c,
 * docs/privsep.md): after pc_fsconfine_apply the process, every thread
 * it starts later and every child it forks later opens, lists, writes,
 * creates and removes files only beneath the paths allowed here (and
 * what libraries read at run time: /usr, /lib, CA bundles, the
 * resolver's files, /dev/null, TMPDIR, its own /proc/PID/stat, status
 * and fd); anything else fails with EACCES (the authfile, key files, the
 * user's home). PC_FS_READ: read files and list directories at or
 * beneath path; PC_FS_WRITE: also write, create, rename and remove there;
 * PC_FS_EXEC: read and map for execution (libraries). A path that does
 * not exist when apply runs is left out. */
#define PC_FS_READ 1u
#define PC_FS_WRITE 2u
#define PC_FS_EXEC 4u
typedef struct pc_fsconfine pc_fsconfine;
pc_fsconfine *pc_fsconfine_new(void); /* NULL: out of memory (apply refuses NULL) */
int pc_fsconfine_allow(pc_fsconfine *c, const char *path, unsigned how);
/* The directory path is in ("." for a bare name). */
int pc_fsconfine_allow_parent(pc_fsconfine *c, const char *path, unsigned how);
/* What a context built from o reads and writes while it scans: the cache
 * directory (read and write; made now when missing). reloads: also what building it again reads
 * (the webhook reloads its policy): the directories of the policy and
 * exceptions files, the rules (a directory, or a file's directory), the
 * policies directory and the shipped rules. */
int pc_fsconfine_allow_options(pc_fsconfine *c, const pc_options *o, int reloads);
/* What scanning ref reads: the directory of oci:DIR, the file of
 * oci-archive:FILE and docker-archive:FILE; nothing for docker:// (the
 * registry process reads it). -1 for a reference no transport takes. */
int pc_fsconfine_allow_image(pc_fsconfine *c, const char *ref);
/* TCP confined too (Landlock ABI 4 and later; an older kernel confines
 * only the filesystem): binding and connecting only to the ports allowed
 * here (bind port 0: an ephemeral port). UDP is not confined. */
#define PC_NET_BIND 1u
#define PC_NET_CONNECT 2u
void pc_fsconfine_net(pc_fsconfine *c);
int pc_fsconfine_allow_port(pc_fsconfine *c, unsigned port, unsigned how);
/* After apply: 1 when TCP was confined. */
int pc_fsconfine_net_confined(const pc_fsconfine *c);
/* A file that should stay out of the scanning process's reach (a key
 * file, the authfile, a password file): apply checks that no allowed path
 * holds it, and says so in pc_fsconfine_warnings otherwise. */
int pc_fsconfine_secret(pc_fsconfine *c, const char *path);
/* After apply: one line per secret an allowed path reaches ("FILE is
 * within DIR, which the scanning process may read"), or NULL. */
const char *pc_fsconfine_warnings(const pc_fsconfine *c);
/* Install it for the calling thread, which must be the process's only
 * one (Landlock confines the calling thread and its later threads and
 * children). 1: confined (*abi: the kernel's Landlock ABI); 0: the kernel
 * has no Landlock, nothing installed; -1 with err (nothing installed, or
 * no_new_privs set). */
int pc_fsconfine_apply(pc_fsconfine *c, int *abi, char *err, size_t errlen);
void pc_fsconfine_free(pc_fsconfine *c);
/* The running kernel's Landlock ABI (0: none, or refused here): what
 * pc_fsconfine_apply would confine with (4 and later: TCP too). */
int pc_fsconfine_abi(void);

/* The registry process (pc-fetch, docs/privsep.md): started before any
 * image, policy or rule is read, it holds every registry secret (the
 * authfile, credential helpers, --creds, --registry-token) and makes every
 * registry request of the contexts given it (pc_options.fetch), so the
 * process that parses images never has a password or a token. Stop it
 * after the last context that uses it is freed. */
int pc_fetch_start(pc_fetch **out, char *err, size_t errlen);
void pc_fetch_stop(pc_fetch *f);
long pc_fetch_pid(const pc_fetch *f);
/* 1 while it runs; 0 once it has ended, with how into why ("the registry
 * process pc-fetch (pid N) was killed by signal 9 (Killed)"): every
 * registry request fails from then on, and it is not restarted. */
int pc_fetch_alive(pc_fetch *f, char *why, size_t whylen);

typedef struct pc_verify_opts {
    const char *image_digest;  /* must equal the payload's digest or manifest_digest */
    const char *policy_digest; /* must equal the payload's policy_digest */
    /* must equal the payload's run_key (pc_runctx_key of the run it
     * judged; a payload without one judged no run context); NULL: the key
     * of no run context. A verdict for one run is not one for another. */
    const char *run_key;
    int any_run;   /* 1: skip the run binding (the caller checks it itself) */
    long long now; /* unix seconds; 0: the current time */
} pc_verify_opts;
/* What pc_verify_envelope found. Only PC_VERIFY_ALLOW (0) means "may
 * run": a statement that verifies but says deny is PC_VERIFY_DENY. */
enum {
    PC_VERIFY_ALLOW = 0,   /* valid, and the verdict is allow; err: "valid: allow" */
    PC_VERIFY_INVALID = 1, /* signature, type, window or a binding fails (reason in err) */
    PC_VERIFY_KEY = 2,     /* the public key could not be used */
    PC_VERIFY_DENY = 3,    /* valid, and the verdict is deny; err: "valid: deny" */
};
int pc_verify_envelope(const char *envelope, size_t len, const char *pubkey_pem_path,
                       const pc_verify_opts *o, char *err, size_t errlen);

#endif
