/*
 * exception.h — scoped, expiring waivers (the policy's "exceptions"):
 * which image (a normalised repository glob or a digest), namespace,
 * check, path and YARA rule an entry waives, why, and until when. The
 * verdict asks which entry waives a finding; reports name it.
 */
#ifndef PC_EXCEPTION_H
#define PC_EXCEPTION_H

#include <stddef.h>
#include <stdint.h>
#include "portcullis.h"

typedef struct pc_exception {
    char **images; /* repository globs, normalised as Docker does; or "sha256:..." */
    size_t nimages;
    char **namespaces; /* globs (webhook only) */
    size_t nnamespaces;
    char **checks; /* check ids; none: every check */
    size_t nchecks;
    char **paths; /* absolute path globs (fnmatch); none: any path (and none) */
    size_t npaths;
    char **rules; /* YARA rule names; none: any */
    size_t nrules;
    char *reason;         /* required */
    char *expires;        /* "YYYY-MM-DD" as written, or NULL */
    long long expires_at; /* unix seconds: it applies before this (the end of that day, UTC) */
    char *id;             /* "FILE: exceptions[i]", for reports */
} pc_exception;

void pc_exception_free(pc_exception *x);

/* The image glob as matched: "nginx" is "docker.io/library/nginx",
 * "team/app" "docker.io/team/app"; a first component with '.' or ':', or
 * "localhost", is a registry. malloc'd; NULL when out of memory. */
char *pc_exception_image_glob(const char *glob);

/* '*' and '?' never match '/', "**" matches anything: 1 on a match. */
int pc_glob_match(const char *pat, const char *s);

/* What a finding is judged against. */
typedef struct pc_exception_subject {
    const char *ref;            /* the reference as given */
    const char *const *digests; /* what it resolved to */
    size_t ndigests;
    const char *namespace_; /* NULL: none known (entries naming namespaces never match) */
    long long now;          /* unix seconds */
} pc_exception_subject;

/* The first entry of v that waives f, or NULL; *expired gets the first
 * entry that would have but has expired (or NULL). */
const pc_exception *pc_exception_match(const pc_exception *v, size_t n,
                                       const pc_exception_subject *s, const pc_finding *f,
                                       const pc_exception **expired);

#endif
