/*
 * portcullis.h — the one public header of libportcullis.
 *
 * A pc_ctx holds what is shared by every scan (policy, options); it is
 * read-only once built, so several threads may scan with one ctx. A scan
 * turns one image reference into a pc_result: the image's findings after
 * the policy was applied, its verdict and stats. Reports render results.
 */
#ifndef PORTCULLIS_H
#define PORTCULLIS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PC_VERSION "0.1.0"

typedef enum { PC_ACTION_IGNORE = 0, PC_ACTION_WARN = 1, PC_ACTION_DENY = 2 } pc_action;

typedef struct pc_finding {
    char *check;   /* check id from DESIGN.md, e.g. "setuid-file" */
    pc_action action;
    char *message; /* one line, human readable */
    char *path;    /* absolute path in the final fs, or NULL */
    char *layer;   /* digest of the layer that put it there, or NULL */
    char *rule;    /* YARA rule name, or NULL */
} pc_finding;

/* What the image needs to run (the execution hints TES servers lack). */
typedef struct pc_sandbox_info {
    char *program;          /* resolved program path, or NULL */
    char *user;             /* "uid:gid" the program would run as, or the raw USER */
    int needs_root;
    char **needs_caps;      /* capability names, e.g. "cap_net_raw" */
    size_t nneeds_caps;
    unsigned *privileged_ports;
    size_t nprivileged_ports;
} pc_sandbox_info;

typedef struct pc_stats {
    unsigned layers;
    uint64_t files;
    uint64_t bytes; /* uncompressed tar bytes walked */
    uint64_t duration_ms;
} pc_stats;

typedef struct pc_result {
    char *image;           /* the reference as given */
    char *digest;          /* digest the reference resolved to (index or manifest) */
    char *manifest_digest; /* the platform manifest that was scanned */
    char *config_digest;
    char *platform;        /* os/arch[/variant] of the scanned image */
    char *policy;          /* policy name */
    char *policy_digest;
    char *rules_digest;    /* digest of the compiled YARA rules set, or NULL */
    char *exempt;          /* policy exemption that matched, or NULL */
    int denied;            /* verdict: 1 deny, 0 allow */
    int scan_failed;       /* the image could not be scanned completely */
    pc_finding *findings;
    size_t nfindings, capfindings;
    pc_sandbox_info sandbox;
    pc_stats stats;
} pc_result;

typedef struct pc_options {
    const char *policy;       /* file path or built-in name; NULL: "restricted" */
    const char *policies_dir; /* where names resolve; NULL: PC_DATADIR/rules/policies */
    const char *platform;     /* "os/arch[/variant]"; NULL: linux/amd64 */
    const char *rules;        /* YARA rules path (file or directory) or NULL */
    const char *authfile;
    const char *cert_dir;
    int tls_verify;           /* 1 (default) or 0 */
    const char *cache_dir;    /* NULL: no cache */
    unsigned jobs;            /* layers fetched and walked at once; 0: 2 */
    int progress;             /* 0 auto (stderr is a TTY), 1 always, 2 never */
} pc_options;

typedef struct pc_ctx pc_ctx;

void pc_options_init(pc_options *o);

/* Build a context: loads and checks the policy. On failure returns -1 and
 * writes a message naming what was wrong to err. */
int pc_ctx_new(const pc_options *o, pc_ctx **out, char *err, size_t errlen);
void pc_ctx_free(pc_ctx *ctx);
const char *pc_ctx_policy_name(const pc_ctx *ctx);

/* Scan one image. Never NULL except on out-of-memory; a failed scan is a
 * result with scan_failed set and a scan-error finding. */
pc_result *pc_scan(const pc_ctx *ctx, const char *ref);
void pc_result_free(pc_result *r);

typedef enum { PC_FORMAT_TEXT, PC_FORMAT_JSON, PC_FORMAT_SARIF } pc_format;

/* Render results. color: use ANSI colours (text only). 0 ok, -1 on write error. */
int pc_report_write(FILE *out, pc_format fmt, pc_result *const *results, size_t n, int color);

const char *pc_action_name(pc_action a);

#endif
