/*
 * yara_rules.h — the YARA rules set: compiled once per process from a .yar
 * file or a directory of them (searched recursively for *.yar and *.yara;
 * other files, such as the JSON policies, are skipped), then shared
 * read-only by every scanning thread.
 *
 * A directory may also hold the tool package lists, packages/debian.tsv
 * and packages/alpine.tsv (toolpkgs.h), read with the rules.
 *
 * Compile errors and warnings, and errors of the package lists, are
 * collected as "FILE:LINE: message" lines. The rules digest is sha256 over
 * the sorted list of rule files and package lists: for each file its path
 * relative to the rules root, a NUL, its length as 8 bytes big-endian and
 * its bytes. Results can be cached and audited by it.
 *
 * Rules may use the external variables filename, filepath (strings),
 * filemode and fileuid (integers); yara_scan.c sets them per file.
 *
 * libyara must be initialised (yr_initialize) by the caller around every
 * use: pc_ctx does it for scans, pc_rules_check for the CLI.
 */
#ifndef PC_YARA_RULES_H
#define PC_YARA_RULES_H

#include <stddef.h>
#include "pcx.h"

#define PC_RULES_MAX_FILES 10000
#define PC_RULES_MAX_FILE_BYTES (16u << 20)
#define PC_RULES_MAX_DEPTH 16

typedef struct pc_rules pc_rules;
typedef struct pc_toolpkgs pc_toolpkgs;
typedef struct pc_prefilter pc_prefilter;
struct YR_RULES;

/* Every error and warning of one compilation, in order. */
typedef struct pc_rules_diag {
    char **lines; /* "FILE:LINE: message" or "FILE:LINE: warning: message" */
    size_t n, cap;
    size_t nerrors, nwarnings;
    int oom; /* a line could not be stored */
} pc_rules_diag;

void pc_rules_diag_free(pc_rules_diag *d);

/* Compile path. diag (may be NULL) receives every error and warning. On
 * failure returns -1 and e holds the first error ("FILE:LINE: message")
 * and the number of errors; nothing is returned in *out. A path without a
 * single rule file is an error. */
int pc_rules_compile(const char *path, pc_rules **out, pc_rules_diag *diag, pc_err *e);
/* As pc_rules_compile, but the compiled set is kept in cache_dir (a
 * checked cache directory, see yara_cache.h) under the rules digest and
 * loaded from there next time instead of compiling again. The prefilter
 * (prefilter.h) is built only when prefilter is 1: a scan whose profile
 * turns it off never uses it (pc_rules_prefilter is then NULL). */
int pc_rules_compile_cached(const char *path, const char *cache_dir, int prefilter, pc_rules **out,
                            pc_err *e);
void pc_rules_free(pc_rules *r);

/* "sha256:<64 hex>" over the rule files (see above). */
const char *pc_rules_digest(const pc_rules *r);
size_t pc_rules_nrules(const pc_rules *r);
size_t pc_rules_nfiles(const pc_rules *r);
/* The tool package lists (never NULL for a loaded set; may be empty). */
const pc_toolpkgs *pc_rules_toolpkgs(const pc_rules *r);
/* The compiled rules, for creating scanners (one per thread). */
struct YR_RULES *pc_rules_yr(const pc_rules *r);
/* The prefilter built with the rules (prefilter.h); NULL when it was not
 * asked for or could not be built, which means every file goes to YARA. */
const pc_prefilter *pc_rules_prefilter(const pc_rules *r);
/* 1 when the n bytes at p are byte for byte one of the YARA source files
 * r was compiled from. Rules hold the strings they look for, so an image
 * that carries these rules (portcullis' own) would match them; such a file
 * is inert text (no line of it runs as a command) and its matches are
 * dropped. Any other file, a rules file of another version included, is
 * judged as usual. */
int pc_rules_own_source(const pc_rules *r, const void *p, size_t n);

#endif
