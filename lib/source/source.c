/*
 * source.c — from an image reference to the source that can read it, plus
 * the few helpers every source shares. The transport table below is the one
 * place a transport is registered: prefix → ops. A bare reference means the
 * registry, as in Docker; a prefix that looks like some other transport
 * (skopeo's dir:, docker-daemon:, a typo) is refused by name rather than
 * being sent to a registry as a strange image name.
 */
#include <stdlib.h>
#include <string.h>
#include "image/manifest.h"
#include "source/source.h"
#include "pcx.h"

static const struct {
    const char *prefix;
    const pc_source_ops *ops; /* NULL: not available in this build */
} transports[] = {
    {"docker://", &pc_source_docker}, /* the registry (and bare references); first on purpose */
    {"oci:", &pc_source_oci},
    {"oci-archive:", &pc_source_oci_archive},
    {"docker-archive:", &pc_source_docker_archive},
};

#define NTRANSPORTS (sizeof transports / sizeof transports[0])

/* skopeo transports we do not read; named so they never pass for "name:tag". */
static const char *const foreign[] = {"dir",    "docker-daemon", "containers-storage",
                                      "ostree", "sif",           "tarball"};

/* A Docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, optionally "@digest". */
static int is_tag(const char *s)
{
    size_t n = strcspn(s, "@");
    if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* "word:rest" where rest is not a tag or a port: a transport we lack. */
static int looks_like_transport(const char *ref)
{
    size_t n = strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-");
    if (n == 0 || ref[n] != ':')
        return 0;
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        if (strlen(foreign[i]) == n && strncmp(ref, foreign[i], n) == 0)
            return 1;
    }
    const char *rest = ref + n + 1;
    size_t digits = strspn(rest, "0123456789");
    if (digits > 0 && rest[digits] == '/')
        return 0; /* host:port/name */
    return !is_tag(rest);
}

static int transport_err(const char *ref, pc_err *e)
{
    char shown[64];
    pc_safe_str(ref, shown, sizeof shown);
    shown[strcspn(shown, ":")] = 0;
    return pc_err_set(e,
                      "unknown transport \"%s:\"; supported: docker://, oci:, oci-archive:, "
                      "docker-archive: (or a bare registry reference)",
                      shown);
}

int pc_source_lookup(const char *ref, const pc_source_ops **ops, const char **spec, pc_err *e)
{
    *ops = NULL;
    *spec = NULL;
    if (!ref || !*ref)
        return pc_err_set(e, "empty image reference");
    size_t pick = 0; /* bare reference: the registry */
    const char *rest = ref;
    for (size_t i = 0; i < NTRANSPORTS; i++) {
        size_t n = strlen(transports[i].prefix);
        if (strncmp(ref, transports[i].prefix, n) == 0) {
            pick = i;
            rest = ref + n;
            break;
        }
    }
    if (rest == ref && looks_like_transport(ref))
        return transport_err(ref, e);
    if (!transports[pick].ops)
        return pc_err_set(e, "registry transport not available yet");
    *ops = transports[pick].ops;
    *spec = rest;
    return 0;
}

void pc_safe_str(const char *s, char *out, size_t n)
{
    if (!out || n == 0)
        return;
    size_t i = 0;
    for (; s && s[i] && i + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[i] = 0;
}

size_t pc_limit_size(uint64_t v)
{
    return v >= (uint64_t)(SIZE_MAX - 1) ? SIZE_MAX - 1 : (size_t)v;
}

const pc_limits *pc_source_limits(const pc_source_cfg *cfg, pc_limits *storage)
{
    if (cfg && cfg->limits)
        return cfg->limits;
    pc_limits_default(storage);
    return storage;
}

void pc_cfg_copy_init(pc_cfg_copy *c, const pc_source_cfg *cfg)
{
    memset(c, 0, sizeof *c);
    if (cfg)
        c->cfg = *cfg;
    if (cfg && cfg->limits)
        c->limits = *cfg->limits;
    else
        pc_limits_default(&c->limits);
    if (cfg && cfg->platform) {
        c->platform = *cfg->platform;
    } else {
        memcpy(c->platform.os, "linux", 6);
        memcpy(c->platform.arch, "amd64", 6);
    }
    c->cfg.platform = &c->platform;
    c->cfg.limits = &c->limits;
    c->cfg.authfile = c->cfg.cert_dir = NULL; /* local sources need neither */
}

int pc_spec_split(const char *spec, const char *transport, char **path, char **sel, pc_err *e)
{
    *path = *sel = NULL;
    const char *colon = spec ? strchr(spec, ':') : NULL;
    size_t n = colon ? (size_t)(colon - spec) : (spec ? strlen(spec) : 0);
    if (n == 0)
        return pc_err_set(e, "%s: missing path (expected %s:PATH[:TAG])", transport, transport);
    if (colon && !colon[1])
        return pc_err_set(e, "%s:%s: empty name after ':'", transport, spec);
    *path = pc_strndup(spec, n);
    if (colon)
        *sel = pc_strdup(colon + 1);
    if (!*path || (colon && !*sel)) {
        free(*path);
        free(*sel);
        *path = *sel = NULL;
        return pc_err_set(e, "out of memory");
    }
    return 0;
}
