/*
 * options.c — the scan options both tools take on their command line
 * (`portcullis scan` and `portcullis-webhook`), parsed in one place:
 * pc_options_set maps a long flag name and its value to a pc_options
 * field, with one error message per flag, so the two tools accept the
 * same values and refuse the rest in the same words. Each tool keeps its
 * own getopt table (which flags it offers) and its own flags.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "portcullis.h"
#include "pcx.h"

/* The flags whose value is kept as given (the pointer, not a copy). */
static const struct {
    const char *name;
    size_t off;
} string_opts[] = {
    {"policy", offsetof(pc_options, policy)},
    {"rules", offsetof(pc_options, rules)},
    {"platform", offsetof(pc_options, platform)},
    {"authfile", offsetof(pc_options, authfile)},
    {"cert-dir", offsetof(pc_options, cert_dir)},
    {"cache-dir", offsetof(pc_options, cache_dir)},
    {"exceptions", offsetof(pc_options, exceptions)},
};

static int bad(const char *name, const char *value, const char *want, char *err, size_t errlen)
{
    snprintf(err, errlen, "--%s \"%s\": expected %s", name, value, want);
    return -1;
}

/* 0 auto, 1 always, 2 never (pc_options.progress); -1 for anything else. */
static int progress_mode(const char *s)
{
    static const char *const modes[] = {"auto", "always", "never"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, modes[i]) == 0)
            return i;
    return -1;
}

int pc_options_set(pc_options *o, const char *name, const char *value, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof string_opts / sizeof string_opts[0]; i++)
        if (strcmp(name, string_opts[i].name) == 0) {
            *(const char **)((char *)o + string_opts[i].off) = value;
            return 0;
        }
    /* secrets: a refusal names what is wrong, never the value */
    if (strcmp(name, "creds") == 0) {
        const char *colon = strchr(value, ':');
        if (!colon || colon == value || !colon[1]) {
            snprintf(err, errlen, "--creds: expected USER:PASSWORD (%s)",
                     !colon           ? "no ':' and no password"
                     : colon == value ? "the user name is empty"
                                      : "the password is empty");
            return -1;
        }
        o->creds = value;
        return 0;
    }
    if (strcmp(name, "registry-token") == 0) {
        for (const char *p = value; *p; p++)
            if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
                snprintf(err, errlen,
                         "--registry-token: a space or control character in the "
                         "token");
                return -1;
            }
        if (!*value) {
            snprintf(err, errlen, "--registry-token: the token is empty");
            return -1;
        }
        o->registry_token = value;
        return 0;
    }
    if (strcmp(name, "no-cache") == 0) {
        o->cache_dir = NULL;
        return 0;
    }
    if (strcmp(name, "no-prefilter") == 0) {
        o->no_prefilter = 1;
        return 0;
    }
    if (strcmp(name, "tls-verify") == 0) {
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            return bad(name, value, "true or false", err, errlen);
        o->tls_verify = strcmp(value, "true") == 0;
        return 0;
    }
    if (strcmp(name, "jobs") == 0) {
        uint64_t j;
        if (pc_parse_uint(value, 64, &j) < 0 || j < 1)
            return bad(name, value, "a number from 1 to 64", err, errlen);
        o->jobs = (unsigned)j;
        return 0;
    }
    if (strcmp(name, "cache-max-bytes") == 0) {
        if (pc_parse_size(value, UINT64_MAX, &o->cache_max_bytes) < 0)
            return bad(name, value, "a size like 2G", err, errlen);
        return 0;
    }
    if (strcmp(name, "progress") == 0) {
        int m = progress_mode(value);
        if (m < 0)
            return bad(name, value, "auto, always or never", err, errlen);
        o->progress = m;
        return 0;
    }
    return 1;
}
