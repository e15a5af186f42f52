/*
 * imageref.c — parsing Docker image references into their four parts.
 *
 * The grammar is Docker's (distribution's reference package), checked by
 * small hand-written scanners rather than regular expressions:
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] component ( "/" component )*
 *   domain    := host [ ":" port ],  host := label ( "." label )* | "[" ipv6 "]"
 *   component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 * Normalisation follows `docker pull`: no domain means docker.io, a
 * single component on docker.io gets "library/", index.docker.io is
 * docker.io, and no tag and no digest means ":latest". Every part is
 * copied into a fixed-size field only after its length was checked.
 */
#include <stdio.h>
#include <string.h>
#include "source/imageref.h"
#include "pcx/sha256.h"

#define DEFAULT_DOMAIN "docker.io"

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int ref_err(pc_err *e, const char *ref, const char *why)
{
    char shown[200];
    pc_safe_str(ref, shown, sizeof shown);
    return pc_err_set(e, "invalid reference \"%s\": %s", shown, why);
}

/* One path component: alnum runs joined by ".", "_", "__" or "-"+. */
static int component_ok(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = 0;
        while (i < n && is_lower_alnum(s[i]))
            i++, run++;
        if (run == 0)
            return 0;
        if (i == n)
            return 1;
        size_t sep = i;
        if (s[i] == '.') {
            i++;
        } else if (s[i] == '_') {
            i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
        } else if (s[i] == '-') {
            while (i < n && s[i] == '-')
                i++;
        } else {
            return 0;
        }
        if (i == n || i == sep)
            return 0; /* a separator must be followed by alnum */
    }
    return n > 0;
}

static int path_ok(const char *s, const char *ref, pc_err *e)
{
    for (const char *c = s; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            return ref_err(e, ref, "repository name must be lowercase");
    while (*s) {
        size_t n = strcspn(s, "/");
        if (n == 0)
            return ref_err(e, ref, "empty path component");
        if (!component_ok(s, n))
            return ref_err(e, ref,
                           "invalid repository name component (allowed: a-z, 0-9, "
                           "and '.', '_', '__' or '-' between them)");
        s += n;
        if (*s == '/' && !*++s)
            return ref_err(e, ref, "repository name ends with '/'");
    }
    return 0;
}

/* host label: alnum, with '-' only inside. */
static int label_ok(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-')
            return 0;
    return 1;
}

static int host_ok(const char *s, size_t n)
{
    if (n >= 2 && s[0] == '[') {
        if (s[n - 1] != ']' || n == 2)
            return 0;
        return strspn(s + 1, "0123456789abcdefABCDEF:") == n - 2;
    }
    size_t i = 0;
    while (i <= n) {
        size_t k = 0;
        while (i + k < n && s[i + k] != '.')
            k++;
        if (!label_ok(s + i, k))
            return 0;
        i += k + 1;
    }
    return 1;
}

static int domain_ok(const char *d, const char *ref, pc_err *e)
{
    const char *colon = strrchr(d, ':');
    const char *bracket = strrchr(d, ']');
    if (colon && bracket && colon < bracket)
        colon = NULL; /* the ':' is inside an IPv6 address */
    size_t hn = colon ? (size_t)(colon - d) : strlen(d);
    if (!host_ok(d, hn))
        return ref_err(e, ref, "invalid registry host name");
    if (colon) {
        const char *p = colon + 1;
        size_t digits = strspn(p, "0123456789");
        long port = 0;
        for (size_t i = 0; i < digits && i < 6; i++)
            port = port * 10 + (p[i] - '0');
        if (digits == 0 || p[digits] || digits > 5 || port < 1 || port > 65535)
            return ref_err(e, ref, "invalid registry port");
    }
    return 0;
}

static int tag_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 128 || !(is_alnum(t[0]) || t[0] == '_'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
            return 0;
    return 1;
}

static int digest_part(const char *d, const char *ref, pc_imageref *r, pc_err *e)
{
    const char *colon = strchr(d, ':');
    if (!colon || colon == d)
        return ref_err(e, ref, "invalid digest format (expected sha256:<64 hex digits>)");
    if ((size_t)(colon - d) != 6 || strncmp(d, "sha256", 6) != 0)
        return ref_err(e, ref, "unsupported digest algorithm (only sha256)");
    if (pc_digest_check(d, "digest", NULL) < 0)
        return ref_err(e, ref, "invalid digest format (expected sha256:<64 lowercase hex digits>)");
    memcpy(r->digest, d, 72); /* checked: exactly 71 characters + NUL */
    return 0;
}

/* Split name into domain and path, Docker's way, and normalise. */
static int split_name(const char *name, const char *ref, pc_imageref *r, pc_err *e)
{
    const char *slash = strchr(name, '/');
    const char *rest = name;
    size_t dn = slash ? (size_t)(slash - name) : 0;
    int has_domain = 0;
    if (slash) {
        int upper = 0;
        for (size_t i = 0; i < dn; i++)
            upper |= name[i] >= 'A' && name[i] <= 'Z';
        has_domain = memchr(name, '.', dn) || memchr(name, ':', dn) || upper ||
                     (dn == 9 && strncmp(name, "localhost", 9) == 0);
    }
    if (has_domain) {
        if (dn == 0 || dn > PC_REF_NAME_MAX)
            return ref_err(e, ref, dn ? "registry host name too long" : "empty registry host");
        memcpy(r->domain, name, dn);
        r->domain[dn] = 0;
        rest = slash + 1;
        if (strcmp(r->domain, "index.docker.io") == 0)
            strcpy(r->domain, DEFAULT_DOMAIN);
    } else {
        strcpy(r->domain, DEFAULT_DOMAIN);
    }
    int library = strcmp(r->domain, DEFAULT_DOMAIN) == 0 && !strchr(rest, '/');
    size_t need = strlen(r->domain) + 1 + (library ? 8 : 0) + strlen(rest);
    if (need > PC_REF_NAME_MAX)
        return ref_err(e, ref, "repository name must not be more than 255 characters");
    size_t pre = library ? 8 : 0; /* need <= 255 was checked: both copies fit */
    memcpy(r->path, "library/", pre);
    memcpy(r->path + pre, rest, strlen(rest) + 1);
    if (!*rest)
        return ref_err(e, ref, "missing repository name");
    if (domain_ok(r->domain, ref, e) < 0)
        return -1;
    return path_ok(rest, ref, e);
}

static int is_hex64(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int pc_imageref_parse(const char *s, pc_imageref *r, pc_err *e)
{
    char name[PC_REF_NAME_MAX + 200];
    memset(r, 0, sizeof *r);
    if (!s || !*s)
        return pc_err_set(e, "invalid reference: empty image name");
    if (strlen(s) >= sizeof name)
        return ref_err(e, s, "reference too long");
    if (is_hex64(s))
        return ref_err(e, s, "a 64-character hexadecimal string is an image ID, not a name");
    strcpy(name, s);
    char *at = strchr(name, '@');
    if (at) {
        *at = 0;
        if (digest_part(at + 1, s, r, e) < 0)
            return -1;
    }
    char *slash = strrchr(name, '/'), *colon = strrchr(name, ':');
    if (colon && (!slash || colon > slash)) {
        *colon = 0;
        if (!tag_ok(colon + 1))
            return ref_err(e, s,
                           "invalid tag (allowed: A-Z a-z 0-9 _ . -, at most 128, "
                           "not starting with '.' or '-')");
        memcpy(r->tag, colon + 1, strlen(colon + 1) + 1);
    }
    if (!*name)
        return ref_err(e, s, "missing repository name");
    if (split_name(name, s, r, e) < 0)
        return -1;
    if (!r->tag[0] && !r->digest[0])
        strcpy(r->tag, "latest");
    return 0;
}

void pc_imageref_format(const pc_imageref *r, char *out, size_t n)
{
    snprintf(out, n, "%s/%s%s%s%s%s", r->domain, r->path, r->tag[0] ? ":" : "", r->tag,
             r->digest[0] ? "@" : "", r->digest);
}

void pc_imageref_repo(const pc_imageref *r, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", r->domain, r->path);
}

void pc_image_repository(const char *image, char *out, size_t n)
{
    pc_imageref r;
    pc_err e;
    const char *s = image ? image : "image";
    if (strncmp(s, "docker://", 9) == 0)
        s += 9;
    if (!strchr(s, ' ') && pc_imageref_parse(s, &r, &e) == 0) {
        pc_imageref_repo(&r, out, n);
        return;
    }
    snprintf(out, n, "%s", s);
    char *slash = strrchr(out, '/'), *colon = strrchr(out, ':');
    if (colon && slash && colon > slash) /* oci:DIR:TAG, oci-archive:FILE:TAG */
        *colon = 0;
}
