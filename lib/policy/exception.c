/*
 * exception.c — see exception.h. Image references are matched in
 * Docker's normal form (source/imageref.h), repository only: a tag or a
 * digest in the reference does not change which repository it is, so
 * "nginx" matches "nginx:1.25", "docker.io/library/nginx@sha256:..." and
 * nothing at "nginx.evil.example/x". Globs are matched with a table, never
 * by backtracking, so a hostile pattern or reference costs at most the
 * product of their lengths.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "policy/exception.h"
#include "source/imageref.h"
#include "pcx.h"

#define GLOB_MAX 1024

void pc_exception_free(pc_exception *x)
{
    char ***lists[] = {&x->images, &x->namespaces, &x->checks, &x->paths, &x->rules};
    size_t *ns[] = {&x->nimages, &x->nnamespaces, &x->nchecks, &x->npaths, &x->nrules};
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        for (size_t i = 0; i < *ns[k]; i++)
            free((*lists[k])[i]);
        free(*lists[k]);
    }
    free(x->reason);
    free(x->expires);
    free(x->id);
    memset(x, 0, sizeof *x);
}

char *pc_exception_image_glob(const char *glob)
{
    if (strncmp(glob, "sha256:", 7) == 0)
        return pc_strdup(glob);
    size_t first = strcspn(glob, "/");
    int host = glob[first] == '/' && (memchr(glob, '.', first) || memchr(glob, ':', first) ||
                                      (first == 9 && strncmp(glob, "localhost", 9) == 0));
    if (host)
        return pc_strdup(glob);
    if (!glob[first] && strncmp(glob, "**", 2) != 0)
        return pc_asprintf("docker.io/library/%s", glob);
    if (strncmp(glob, "**", 2) == 0 || strncmp(glob, "*/", 2) == 0)
        return pc_strdup(glob); /* already spans the registry */
    return pc_asprintf("docker.io/%s", glob);
}

int pc_glob_match(const char *pat, const char *s)
{
    size_t np = strlen(pat), ns = strlen(s);
    if (np > GLOB_MAX || ns > GLOB_MAX)
        return 0;
    /* m[j]: pat[0..i) matches s[0..j) */
    unsigned char *m = calloc(ns + 1, 1), *next = calloc(ns + 1, 1);
    int ok = 0;
    if (!m || !next)
        goto out;
    m[0] = 1;
    for (size_t i = 0; i < np;) {
        int star2 = pat[i] == '*' && pat[i + 1] == '*';
        memset(next, 0, ns + 1);
        if (pat[i] == '*') {
            /* next[j]: some k <= j with m[k], and (one star) no '/' in s[k..j) */
            int run = 0;
            for (size_t j = 0; j <= ns; j++) {
                if (!star2 && j > 0 && s[j - 1] == '/')
                    run = 0;
                if (m[j])
                    run = 1;
                next[j] = (unsigned char)run;
            }
            i += star2 ? 2 : 1;
        } else {
            for (size_t j = 0; j < ns; j++)
                if (m[j] && (pat[i] == '?' ? s[j] != '/' : pat[i] == s[j]))
                    next[j + 1] = 1;
            i++;
        }
        unsigned char *t = m;
        m = next;
        next = t;
    }
    ok = m[ns];
out:
    free(m);
    free(next);
    return ok;
}

static int any(char *const *v, size_t n, const char *s, int (*eq)(const char *, const char *))
{
    for (size_t i = 0; i < n; i++)
        if (s && eq(v[i], s))
            return 1;
    return 0;
}

static int same(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static int path_glob(const char *pat, const char *s)
{
    return fnmatch(pat, s, 0) == 0;
}

/* The repository a reference names, normalised; the reference itself
 * for transports that are not registry references (oci:, ...). */
static void repo_of(const char *ref, char *out, size_t n)
{
    pc_imageref r;
    pc_err e;
    const char *s = strncmp(ref, "docker://", 9) == 0 ? ref + 9 : ref;
    if (pc_imageref_parse(s, &r, &e) == 0)
        pc_imageref_repo(&r, out, n);
    else
        snprintf(out, n, "%s", ref);
}

static int image_matches(const pc_exception *x, const pc_exception_subject *s)
{
    char repo[2 * PC_REF_NAME_MAX + 8];
    repo_of(s->ref ? s->ref : "", repo, sizeof repo);
    for (size_t i = 0; i < x->nimages; i++) {
        const char *g = x->images[i];
        if (strncmp(g, "sha256:", 7) == 0) {
            for (size_t d = 0; d < s->ndigests; d++)
                if (s->digests[d] && strcmp(g, s->digests[d]) == 0)
                    return 1;
        } else if (pc_glob_match(g, repo)) {
            return 1;
        }
    }
    return 0;
}

static int applies(const pc_exception *x, const pc_exception_subject *s, const pc_finding *f)
{
    if (x->nimages && !image_matches(x, s))
        return 0;
    if (x->nnamespaces &&
        (!s->namespace_ || !any(x->namespaces, x->nnamespaces, s->namespace_, pc_glob_match)))
        return 0;
    if (x->nchecks && !any(x->checks, x->nchecks, f->check, same))
        return 0;
    if (x->npaths && !any(x->paths, x->npaths, f->path, path_glob))
        return 0;
    if (x->nrules && !any(x->rules, x->nrules, f->rule, same))
        return 0;
    return 1;
}

const pc_exception *pc_exception_match(const pc_exception *v, size_t n,
                                       const pc_exception_subject *s, const pc_finding *f,
                                       const pc_exception **expired)
{
    *expired = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!applies(&v[i], s, f))
            continue;
        if (v[i].expires_at && s->now >= v[i].expires_at) {
            if (!*expired)
                *expired = &v[i];
            continue;
        }
        return &v[i];
    }
    return NULL;
}
