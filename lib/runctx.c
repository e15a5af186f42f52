/*
 * runctx.c — the run context (portcullis.h's pc_runctx): docker's flags
 * parsed into it, and applied to an image's config and to the policy's
 * sandbox in one place (pc_effective_build), with the precedence
 * portcullis.h states: what the policy forces, then the run context, then
 * the image's config.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fs/sandbox.h"
#include "layer/caps.h"
#include "pcx/sha256.h"
#include "portcullis_json.h"
#include "pcx.h"
#include "runctx.h"

void pc_runctx_init(pc_runctx *rc)
{
    memset(rc, 0, sizeof *rc);
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void pc_runctx_free(pc_runctx *rc)
{
    if (!rc)
        return;
    free(rc->user);
    free(rc->workdir);
    free_strv(rc->entrypoint, rc->nentrypoint);
    free_strv(rc->cmd, rc->ncmd);
    free_strv(rc->env, rc->nenv);
    free_strv(rc->execs, rc->nexecs);
    free_strv(rc->mounts, rc->nmounts);
    free_strv(rc->mount_from, rc->nmounts);
    free(rc->group_add);
    free(rc->group);
    free(rc->subject);
    pc_runctx_init(rc);
}

static int oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* Append a copy of s to (*v, *n). */
static int push(char ***v, size_t *n, const char *s)
{
    char **nv = pc_reallocarray(*v, *n + 1, sizeof **v);
    if (!nv)
        return -1;
    *v = nv;
    if (!(nv[*n] = pc_strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

static int replace(char **field, const char *v)
{
    char *c = pc_strdup(v);
    if (!c)
        return -1;
    free(*field);
    *field = c;
    return 0;
}

/* *v becomes a copy of src[0..k) (what it held is freed). 0, or -1 when
 * out of memory (*v then holds what was copied so far). */
static int replace_strv(char ***v, size_t *n, char *const *src, size_t k)
{
    free_strv(*v, *n);
    *v = NULL;
    *n = 0;
    for (size_t i = 0; i < k; i++)
        if (push(v, n, src[i]) < 0)
            return -1;
    return 0;
}

static int caps(const char *name, const char *v, uint64_t *bits, char *err, size_t errlen)
{
    if (strcasecmp(v, "ALL") == 0) {
        *bits = UINT64_MAX;
        return 0;
    }
    int cap = pc_cap_from_name(v);
    if (cap < 0) {
        snprintf(err, errlen, "--%s \"%.64s\": not a capability name (NET_RAW, CAP_NET_RAW, ALL)",
                 name, v);
        return -1;
    }
    *bits |= UINT64_C(1) << cap;
    return 0;
}

static int docker_mount(pc_runctx *rc, const char *name, const char *v, char *err, size_t errlen);

int pc_runctx_set(pc_runctx *rc, const char *name, const char *value, char *err, size_t errlen)
{
    const char *v = value ? value : "";
    int rc_ = 0;
    if (strcmp(name, "user") == 0) {
        if (!*v || strlen(v) > 256) {
            snprintf(err, errlen, "--user \"%.64s\": expected UID[:GID] or NAME[:GROUP]", v);
            return -1;
        }
        rc_ = replace(&rc->user, v);
    } else if (strcmp(name, "group-add") == 0) {
        uint64_t g;
        if (pc_parse_uint(v, UINT32_MAX - 1, &g) < 0) {
            snprintf(err, errlen, "--group-add \"%.64s\": expected a numeric gid", v);
            return -1;
        }
        uint32_t *ng = pc_reallocarray(rc->group_add, rc->ngroup_add + 1, sizeof *ng);
        if (!ng)
            return oom(err, errlen);
        rc->group_add = ng;
        ng[rc->ngroup_add++] = (uint32_t)g;
    } else if (strcmp(name, "cap-add") == 0 || strcmp(name, "cap-drop") == 0) {
        if (caps(name, v, name[4] == 'a' ? &rc->cap_add : &rc->cap_drop, err, errlen) < 0)
            return -1;
    } else if (strcmp(name, "security-opt") == 0) {
        if (strcmp(v, "no-new-privileges") != 0 && strcmp(v, "no-new-privileges=true") != 0 &&
            strcmp(v, "no-new-privileges:true") != 0) {
            snprintf(err, errlen,
                     "--security-opt \"%.64s\": only no-new-privileges is understood (a run "
                     "portcullis cannot judge is refused)",
                     v);
            return -1;
        }
        rc->no_new_privileges = 1;
    } else if (strcmp(name, "entrypoint") == 0) {
        char *one[1] = {(char *)v}; /* "" clears ENTRYPOINT, as docker's --entrypoint "" */
        rc->entrypoint_set = 1;
        rc_ = replace_strv(&rc->entrypoint, &rc->nentrypoint, one, *v ? 1 : 0);
    } else if (strcmp(name, "group") == 0) {
        uint64_t g;
        if (pc_parse_uint(v, UINT32_MAX - 1, &g) < 0) {
            snprintf(err, errlen, "--group \"%.64s\": expected a numeric gid", v);
            return -1;
        }
        rc_ = replace(&rc->group, v);
    } else if (strcmp(name, "privileged") == 0) {
        rc->privileged = 1;
    } else if (strcmp(name, "read-only") == 0) {
        rc->read_only_rootfs = 1;
    } else if (strcmp(name, "run-as-non-root") == 0) {
        rc->run_as_non_root = 1;
    } else if (strcmp(name, "workdir") == 0) {
        if (*v != '/') {
            snprintf(err, errlen, "--workdir \"%.64s\": expected an absolute path", v);
            return -1;
        }
        rc_ = replace(&rc->workdir, v);
    } else if (strcmp(name, "env") == 0) {
        const char *eq = strchr(v, '=');
        if (!eq || eq == v) {
            snprintf(err, errlen, "--env \"%.64s\": expected NAME=VALUE", v);
            return -1;
        }
        rc_ = push(&rc->env, &rc->nenv, v);
    } else if (strcmp(name, "volume") == 0 || strcmp(name, "mount") == 0 ||
               strcmp(name, "tmpfs") == 0) {
        return docker_mount(rc, name, v, err, errlen);
    } else {
        return 1;
    }
    if (rc_ < 0)
        return oom(err, errlen);
    rc->given = 1;
    return 0;
}

int pc_runctx_command(pc_runctx *rc, char *const *argv, size_t n, char *err, size_t errlen)
{
    rc->cmd_set = 1;
    rc->given = 1;
    return replace_strv(&rc->cmd, &rc->ncmd, argv, n) < 0 ? oom(err, errlen) : 0;
}

int pc_runctx_entrypoint(pc_runctx *rc, char *const *argv, size_t n, char *err, size_t errlen)
{
    rc->entrypoint_set = 1;
    rc->given = 1;
    return replace_strv(&rc->entrypoint, &rc->nentrypoint, argv, n) < 0 ? oom(err, errlen) : 0;
}

int pc_runctx_exec(pc_runctx *rc, char *const *argv, size_t n, char *err, size_t errlen)
{
    pc_buf b = {0};
    if (n == 0)
        return 0; /* nothing to run */
    for (size_t i = 0; i < n; i++) {
        if (i)
            pc_buf_add(&b, " ", 1);
        pc_buf_puts(&b, argv[i] ? argv[i] : "");
    }
    int failed = b.oom || push(&rc->execs, &rc->nexecs, b.p ? b.p : "") < 0;
    pc_buf_free(&b);
    if (failed)
        return oom(err, errlen);
    rc->given = 1;
    return 0;
}

/* "/" + path cleaned as Go's filepath.Clean does (the runtimes clean a
 * mount's destination so): "//", "." and a trailing '/' dropped, ".."
 * taking the component before it, none above the root. -1: too long. */
static int clean_abs(const char *path, char *out, size_t n)
{
    size_t len = 0;
    out[len++] = '/';
    while (*path) {
        size_t k = strcspn(path, "/");
        if (k == 0 || (k == 1 && path[0] == '.')) {
            /* nothing */
        } else if (k == 2 && path[0] == '.' && path[1] == '.') {
            while (len > 1 && out[len - 1] != '/')
                len--;
            if (len > 1)
                len--; /* the '/' before it */
        } else {
            if (len + (len > 1) + k + 1 > n)
                return -1;
            if (len > 1)
                out[len++] = '/';
            memcpy(out + len, path, k);
            len += k;
        }
        path += k + (path[k] == '/');
    }
    out[len] = '\0';
    return 0;
}

int pc_runctx_mount(pc_runctx *rc, const char *path, const char *from, char *err, size_t errlen)
{
    char clean[PC_SB_PATH_MAX];
    size_t n = rc->nmounts;
    /* (the runtime joins a relative mount path to the root) */
    if (clean_abs(path ? path : "", clean, sizeof clean) < 0) {
        snprintf(err, errlen, "mount path too long: \"%.200s...\"", path);
        return -1;
    }
    if (push(&rc->mounts, &rc->nmounts, clean) < 0)
        return oom(err, errlen);
    rc->nmounts = n; /* (both arrays grow together) */
    if (push(&rc->mount_from, &rc->nmounts, from ? from : "") < 0) {
        free(rc->mounts[n]);
        return oom(err, errlen);
    }
    rc->given = 1;
    return 0;
}

/* The value of key in docker's --mount list ("type=bind,source=/x,
 * target=/y,readonly"), copied into out; "" when absent. */
static void mount_field(const char *v, const char *const *keys, char *out, size_t n)
{
    out[0] = '\0';
    while (*v) {
        size_t len = strcspn(v, ",");
        const char *eq = memchr(v, '=', len);
        for (size_t k = 0; eq && keys[k]; k++)
            if ((size_t)(eq - v) == strlen(keys[k]) && strncmp(v, keys[k], strlen(keys[k])) == 0)
                snprintf(out, n, "%.*s", (int)(len - (size_t)(eq - v) - 1), eq + 1);
        v += len + (v[len] == ',');
    }
}

/* docker run's -v/--volume [SRC:]DST[:OPTS], --mount type=T,source=S,
 * target=D[,...] and --tmpfs DST[:OPTS]: what is mounted where, as docker
 * reads them (a destination must be absolute). */
static int docker_mount(pc_runctx *rc, const char *name, const char *v, char *err, size_t errlen)
{
    char dst[PC_SB_PATH_MAX], src[512], type[64], from[700];
    if (name[0] == 'v') {
        const char *c1 = strchr(v, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c1) { /* an anonymous volume */
            snprintf(dst, sizeof dst, "%s", v);
            snprintf(from, sizeof from, "an anonymous volume");
        } else {
            size_t dl = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
            snprintf(dst, sizeof dst, "%.*s", (int)(dl < sizeof dst ? dl : sizeof dst - 1), c1 + 1);
            snprintf(src, sizeof src, "%.*s", (int)(c1 - v < 500 ? c1 - v : 500), v);
            snprintf(from, sizeof from, "%s \"%s\"",
                     src[0] == '/' || src[0] == '.' ? "bind mount of" : "volume", src);
        }
    } else if (name[0] == 't') {
        snprintf(dst, sizeof dst, "%.*s", (int)strcspn(v, ":"), v);
        snprintf(from, sizeof from, "a tmpfs");
    } else {
        static const char *const tkeys[] = {"target", "destination", "dst", NULL};
        static const char *const skeys[] = {"source", "src", NULL};
        static const char *const ykeys[] = {"type", NULL};
        mount_field(v, tkeys, dst, sizeof dst);
        mount_field(v, skeys, src, sizeof src);
        mount_field(v, ykeys, type, sizeof type);
        if (!*src)
            snprintf(from, sizeof from, "a %s mount", *type ? type : "volume");
        else
            snprintf(from, sizeof from, "%s mount of \"%s\"", *type ? type : "volume", src);
    }
    if (dst[0] != '/') {
        snprintf(err, errlen, "--%s \"%.64s\": the destination must be an absolute path", name, v);
        return -1;
    }
    return pc_runctx_mount(rc, dst, from, err, errlen);
}

static int dup_str(char **dst, const char *src)
{
    *dst = NULL;
    return src && !(*dst = pc_strdup(src)) ? -1 : 0;
}

int pc_runctx_copy(pc_runctx *dst, const pc_runctx *src)
{
    *dst = *src;
    dst->user = dst->workdir = dst->group = dst->subject = NULL;
    dst->entrypoint = dst->cmd = dst->env = dst->execs = dst->mounts = dst->mount_from = NULL;
    dst->nentrypoint = dst->ncmd = dst->nenv = dst->nexecs = dst->nmounts = 0;
    dst->group_add = NULL;
    int bad = dup_str(&dst->user, src->user) | dup_str(&dst->workdir, src->workdir) |
              dup_str(&dst->group, src->group) | dup_str(&dst->subject, src->subject) |
              replace_strv(&dst->entrypoint, &dst->nentrypoint, src->entrypoint, src->nentrypoint) |
              replace_strv(&dst->cmd, &dst->ncmd, src->cmd, src->ncmd) |
              replace_strv(&dst->env, &dst->nenv, src->env, src->nenv) |
              replace_strv(&dst->execs, &dst->nexecs, src->execs, src->nexecs);
    size_t nm = 0, nf = 0; /* (the two arrays share one count: equal, or both dropped) */
    bad |= replace_strv(&dst->mounts, &nm, src->mounts, src->nmounts) |
           replace_strv(&dst->mount_from, &nf, src->mount_from, src->nmounts);
    if (nm != nf) {
        free_strv(dst->mounts, nm);
        free_strv(dst->mount_from, nf);
        dst->mounts = dst->mount_from = NULL;
        nm = 0;
        bad = 1;
    }
    dst->nmounts = nm;
    if (!bad && src->ngroup_add) {
        dst->group_add = pc_calloc(src->ngroup_add, sizeof *dst->group_add);
        if (dst->group_add)
            memcpy(dst->group_add, src->group_add, src->ngroup_add * sizeof *dst->group_add);
        bad = !dst->group_add;
    }
    if (bad) {
        pc_runctx_free(dst);
        return -1;
    }
    return 0;
}

static json_t *strv_json(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, pc_json_string(v[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *caps_json(uint64_t bits)
{
    json_t *a = json_array();
    if (a && bits == UINT64_MAX)
        json_array_append_new(a, json_string("ALL"));
    else
        for (int c = 0; a && c < PC_CAP_MAX; c++)
            if ((bits >> c) & 1) {
                const char *name = pc_cap_name(c);
                json_array_append_new(a, name ? json_string(name) : json_integer(c));
            }
    return a;
}

/* Every field that changes a judgement; the subject only when asked. */
static json_t *runctx_obj(const pc_runctx *rc, int with_subject)
{
    json_t *o = json_object(), *g = json_array();
    if (!o || !g) {
        json_decref(o);
        json_decref(g);
        return NULL;
    }
    for (size_t i = 0; i < rc->ngroup_add; i++)
        json_array_append_new(g, json_integer(rc->group_add[i]));
    int bad =
        json_object_set_new(o, "user", pc_json_string(rc->user)) |
        json_object_set_new(o, "group", pc_json_string(rc->group)) |
        json_object_set_new(o, "group_add", g) |
        json_object_set_new(o, "entrypoint",
                            rc->entrypoint_set ? strv_json(rc->entrypoint, rc->nentrypoint)
                                               : json_null()) |
        json_object_set_new(o, "cmd", rc->cmd_set ? strv_json(rc->cmd, rc->ncmd) : json_null()) |
        json_object_set_new(o, "workdir", pc_json_string(rc->workdir)) |
        json_object_set_new(o, "env", strv_json(rc->env, rc->nenv)) |
        json_object_set_new(o, "cap_add", caps_json(rc->cap_add)) |
        json_object_set_new(o, "cap_drop", caps_json(rc->cap_drop)) |
        json_object_set_new(o, "no_new_privileges", json_boolean(rc->no_new_privileges)) |
        json_object_set_new(o, "run_as_non_root", json_boolean(rc->run_as_non_root)) |
        json_object_set_new(o, "privileged", json_boolean(rc->privileged)) |
        json_object_set_new(o, "read_only_rootfs", json_boolean(rc->read_only_rootfs));
    if (rc->nexecs) /* absent when none: the keys of runs without them are unchanged */
        bad |= json_object_set_new(o, "execs", strv_json(rc->execs, rc->nexecs));
    if (rc->nmounts) { /* absent when none, as execs */
        json_t *m = json_array();
        for (size_t i = 0; m && i < rc->nmounts; i++) {
            json_t *e = json_object(); /* (strings as pc_json_string keeps any byte) */
            bad |= !e || json_object_set_new(e, "from", pc_json_string(rc->mount_from[i])) |
                             json_object_set_new(e, "path", pc_json_string(rc->mounts[i])) |
                             json_array_append_new(m, e);
        }
        bad |= json_object_set_new(o, "mounts", m);
    }
    if (with_subject)
        bad |= json_object_set_new(o, "subject", pc_json_string(rc->subject));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static char *runctx_text(const pc_runctx *rc, int with_subject)
{
    pc_runctx none;
    pc_runctx_init(&none);
    json_t *o = runctx_obj(rc && rc->given ? rc : &none, with_subject);
    char *s = o ? json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

char *pc_runctx_json(const pc_runctx *rc)
{
    return runctx_text(rc, 1);
}

static void key_strv(pc_buf *b, char *const *v, size_t n)
{
    pc_buf_add(b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            pc_buf_add(b, ",", 1);
        pc_buf_json_str(b, v[i]);
    }
    pc_buf_add(b, "]", 1);
}

static void key_caps(pc_buf *b, uint64_t bits)
{
    if (bits == UINT64_MAX) {
        pc_buf_puts(b, "[\"ALL\"]");
        return;
    }
    pc_buf_add(b, "[", 1);
    int first = 1;
    for (int c = 0; c < PC_CAP_MAX; c++)
        if ((bits >> c) & 1) {
            const char *name = pc_cap_name(c);
            if (!first)
                pc_buf_add(b, ",", 1);
            first = 0;
            if (name) {
                pc_buf_json_str(b, name);
            } else {
                char n[16];
                pc_buf_add(b, n, (size_t)snprintf(n, sizeof n, "%d", c));
            }
        }
    pc_buf_add(b, "]", 1);
}

/* The text pc_runctx_key hashes, written directly: byte for byte what
 * json_dumps(runctx_obj(rc, 0), JSON_SORT_KEYS | JSON_COMPACT) gives (the
 * members in strcmp order, strings as pc_json_string and jansson write
 * them), without building the object (this runs for every container of
 * every admission review). Keys are shared through Redis and signed into
 * verdicts: unit/test_runctx asserts the equality with jansson's text. */
static void key_text(const pc_runctx *rc, pc_buf *b)
{
    pc_buf_puts(b, "{\"cap_add\":");
    key_caps(b, rc->cap_add);
    pc_buf_puts(b, ",\"cap_drop\":");
    key_caps(b, rc->cap_drop);
    pc_buf_puts(b, ",\"cmd\":");
    if (rc->cmd_set)
        key_strv(b, rc->cmd, rc->ncmd);
    else
        pc_buf_puts(b, "null");
    pc_buf_puts(b, ",\"entrypoint\":");
    if (rc->entrypoint_set)
        key_strv(b, rc->entrypoint, rc->nentrypoint);
    else
        pc_buf_puts(b, "null");
    pc_buf_puts(b, ",\"env\":");
    key_strv(b, rc->env, rc->nenv);
    if (rc->nexecs) {
        pc_buf_puts(b, ",\"execs\":");
        key_strv(b, rc->execs, rc->nexecs);
    }
    pc_buf_puts(b, ",\"group\":");
    pc_buf_json_str(b, rc->group);
    pc_buf_puts(b, ",\"group_add\":[");
    for (size_t i = 0; i < rc->ngroup_add; i++) {
        char n[16];
        pc_buf_add(
            b, n,
            (size_t)snprintf(n, sizeof n, i ? ",%lu" : "%lu", (unsigned long)rc->group_add[i]));
    }
    pc_buf_puts(b, "]");
    if (rc->nmounts) {
        pc_buf_puts(b, ",\"mounts\":[");
        for (size_t i = 0; i < rc->nmounts; i++) {
            pc_buf_puts(b, i ? ",{\"from\":" : "{\"from\":");
            pc_buf_json_str(b, rc->mount_from[i]);
            pc_buf_puts(b, ",\"path\":");
            pc_buf_json_str(b, rc->mounts[i]);
            pc_buf_puts(b, "}");
        }
        pc_buf_puts(b, "]");
    }
    pc_buf_puts(b, ",\"no_new_privileges\":");
    pc_buf_puts(b, rc->no_new_privileges ? "true" : "false");
    pc_buf_puts(b, ",\"privileged\":");
    pc_buf_puts(b, rc->privileged ? "true" : "false");
    pc_buf_puts(b, ",\"read_only_rootfs\":");
    pc_buf_puts(b, rc->read_only_rootfs ? "true" : "false");
    pc_buf_puts(b, ",\"run_as_non_root\":");
    pc_buf_puts(b, rc->run_as_non_root ? "true" : "false");
    pc_buf_puts(b, ",\"user\":");
    pc_buf_json_str(b, rc->user);
    pc_buf_puts(b, ",\"workdir\":");
    pc_buf_json_str(b, rc->workdir);
    pc_buf_add(b, "}", 1);
}

int pc_runctx_key(const pc_runctx *rc, char out[72])
{
    pc_runctx none;
    pc_runctx_init(&none);
    pc_buf b = {0};
    /* one allocation for a usual run's text (about 220 bytes without
     * commands), not a doubling from 8; under glibc's 1008 bytes, where a
     * request would first consolidate every freed small chunk */
    if (pc_grow((void **)&b.p, &b.cap, 512, 1) < 0)
        b.oom = 1;
    key_text(rc && rc->given ? rc : &none, &b);
    if (b.oom || !b.p) {
        pc_buf_free(&b);
        return -1;
    }
    pc_sha256_digest(b.p, b.len, out);
    pc_buf_free(&b);
    return 0;
}

static const char **strv_copy(char *const *v, size_t n)
{
    const char **out = pc_calloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        out[i] = v[i];
    return out;
}

/* The image's Env with the run context's NAME=VALUE entries over it. */
static const char **env_merge(const pc_strv *img, char *const *add, size_t nadd, size_t *n)
{
    if (nadd > SIZE_MAX / 2 - img->n)
        return NULL;
    const char **out = pc_calloc(img->n + nadd + 1, sizeof *out);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < img->n; i++) {
        size_t nl = strcspn(img->v[i], "=");
        int over = 0;
        for (size_t j = 0; j < nadd && !over; j++)
            over = strncmp(add[j], img->v[i], nl) == 0 && add[j][nl] == '=';
        if (!over)
            out[k++] = img->v[i];
    }
    for (size_t j = 0; j < nadd; j++) {
        size_t nl = strcspn(add[j], "=");
        int later = 0; /* the last of several same-named entries wins, as docker's */
        for (size_t m = j + 1; m < nadd && !later; m++)
            later = strncmp(add[m], add[j], nl) == 0 && add[m][nl] == '=';
        if (!later)
            out[k++] = add[j];
    }
    *n = k;
    return out;
}

/* The capabilities containerd's CRI and Docker give a container by
 * default (their shared default set); --cap-add/--cap-drop and a pod's
 * capabilities.add/drop are relative to it. */
static uint64_t runtime_default_caps(void)
{
    static const char *const names[] = {"CHOWN",   "DAC_OVERRIDE", "FSETID",           "FOWNER",
                                        "MKNOD",   "NET_RAW",      "SETGID",           "SETUID",
                                        "SETFCAP", "SETPCAP",      "NET_BIND_SERVICE", "SYS_CHROOT",
                                        "KILL",    "AUDIT_WRITE"};
    uint64_t bits = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int c = pc_cap_from_name(names[i]);
        if (c >= 0 && c < PC_CAP_MAX)
            bits |= UINT64_C(1) << c;
    }
    return bits;
}

/* USER with its group part replaced by group ("runAsGroup"). */
static char *with_group(const char *user, const char *group)
{
    size_t ul = strcspn(user ? user : "", ":");
    return pc_asprintf("%.*s:%s", (int)ul, user ? user : "", group);
}

int pc_effective_build(pc_effective *x, const pc_imgconfig *img, const pc_sandbox_spec *forced,
                       const pc_runctx *rc)
{
    memset(x, 0, sizeof *x);
    x->cfg = *img;
    x->sandbox = *forced;
    x->run.image_user = img->user ? img->user : "";
    x->run.user_from = forced->uid >= 0 ? PC_USER_FROM_POLICY : PC_USER_FROM_IMAGE;
    uint64_t bounding = runtime_default_caps();
    if (rc && rc->given) {
        /* docker's order: drop (ALL: everything), then add; privileged: all */
        bounding = rc->privileged ? UINT64_MAX : (bounding & ~rc->cap_drop) | rc->cap_add;
        x->run.run_as_non_root = rc->run_as_non_root;
        x->run.privileged = rc->privileged;
        x->run.execs = rc->execs;
        x->run.nexecs = rc->nexecs;
        x->run.mounts = rc->mounts;
        x->run.mount_from = rc->mount_from;
        x->run.nmounts = rc->nmounts;
    }
    /* what the policy drops stays dropped: the run cannot add it back */
    x->sandbox.dropped_caps = forced->dropped_caps | ~bounding;
    if (!rc || !rc->given)
        return 0;
    if (rc->user) {
        x->cfg.user = rc->user;
        if (x->run.user_from == PC_USER_FROM_IMAGE) {
            x->run.user_from = PC_USER_FROM_RUN;
            x->sandbox.user_from_run = 1;
        }
    }
    if (rc->group) {
        if (!(x->user = with_group(x->cfg.user, rc->group)))
            return -1;
        x->cfg.user = x->user;
    }
    if (rc->workdir)
        x->cfg.workdir = rc->workdir;
    if (rc->entrypoint_set) {
        if (!(x->ep = strv_copy(rc->entrypoint, rc->nentrypoint)))
            return -1;
        x->cfg.entrypoint = (pc_strv){x->ep, rc->nentrypoint, 1};
        x->cfg.cmd = (pc_strv){NULL, 0, 1}; /* a new entrypoint drops the image's CMD */
    }
    if (rc->cmd_set) {
        if (!(x->cmd = strv_copy(rc->cmd, rc->ncmd)))
            return -1;
        x->cfg.cmd = (pc_strv){x->cmd, rc->ncmd, 1};
    }
    if (rc->nenv) {
        size_t n = 0;
        if (!(x->env = env_merge(&img->env, rc->env, rc->nenv, &n)))
            return -1;
        x->cfg.env = (pc_strv){x->env, n, 1};
    }
    if (rc->ngroup_add) {
        size_t n = forced->nsupplementary_gids;
        if (rc->ngroup_add > SIZE_MAX / 2 - n ||
            !(x->gids = pc_calloc(n + rc->ngroup_add, sizeof *x->gids)))
            return -1;
        if (n)
            memcpy(x->gids, forced->supplementary_gids, n * sizeof *x->gids);
        memcpy(x->gids + n, rc->group_add, rc->ngroup_add * sizeof *x->gids);
        x->sandbox.supplementary_gids = x->gids;
        x->sandbox.nsupplementary_gids = n + rc->ngroup_add;
    }
    /* privileged: no_new_privs is never set (runc, containerd) */
    x->sandbox.no_new_privileges =
        forced->no_new_privileges || (rc->no_new_privileges && !rc->privileged);
    return 0;
}

void pc_effective_free(pc_effective *x)
{
    free(x->ep);
    free(x->cmd);
    free(x->env);
    free(x->gids);
    free(x->user);
    memset(x, 0, sizeof *x);
}
