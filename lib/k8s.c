/*
 * k8s.c — portcullis_k8s.h: the workload kinds and a container's run.
 *
 * The table is the one place a workload kind is registered. Reading a
 * container never recurses and looks at fixed keys only, so a hostile
 * object costs no more than its size; every value is type-checked and a
 * value of the wrong type is an error naming it (a review the apiserver
 * accepted never has one; a manifest in CI might).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pcx.h"
#include "portcullis_k8s.h"

#define PATH_STEPS 6
#define ID_MAX 4294967294LL
#define EXPAND_MAX 65536 /* bytes of one expanded string */

static const struct {
    const char *group, *kind;
    const char *path[PATH_STEPS]; /* NULL-terminated keys to the pod spec */
} kinds[] = {
    {"", "Pod", {"spec"}},
    {"", "ReplicationController", {"spec", "template", "spec"}},
    {"", "PodTemplate", {"template", "spec"}},
    {"", "EphemeralContainers", {NULL}}, /* the pods/ephemeralcontainers object before 1.23 */
    {"apps", "Deployment", {"spec", "template", "spec"}},
    {"apps", "ReplicaSet", {"spec", "template", "spec"}},
    {"apps", "StatefulSet", {"spec", "template", "spec"}},
    {"apps", "DaemonSet", {"spec", "template", "spec"}},
    {"extensions", "Deployment", {"spec", "template", "spec"}},
    {"extensions", "ReplicaSet", {"spec", "template", "spec"}},
    {"extensions", "DaemonSet", {"spec", "template", "spec"}},
    {"batch", "Job", {"spec", "template", "spec"}},
    {"batch", "CronJob", {"spec", "jobTemplate", "spec", "template", "spec"}},
};

const char *const pc_k8s_lists[PC_K8S_NLISTS] = {"initContainers", "containers",
                                                 "ephemeralContainers"};

const char *const *pc_k8s_spec_path(const char *group, const char *kind)
{
    for (size_t i = 0; group && kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].group, group) == 0 && strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].path;
    return NULL;
}

typedef struct rd {
    const char *where;
    char *err;
    size_t errlen;
} rd;

/* "WHERE.FIELD: what"; a pod-level FIELD ("(pod) securityContext...") is
 * named where it is, in the pod spec that holds WHERE's list:
 * "spec.securityContext.runAsUser (pod level, for spec.containers[0])". */
static int bad(const rd *r, const char *field, const char *what)
{
    static const char pod[] = "(pod) ";
    if (strncmp(field, pod, sizeof pod - 1) == 0) {
        const char *dot = strrchr(r->where, '.');
        int plen = dot && dot - r->where < 200 ? (int)(dot - r->where) + 1 : 0;
        snprintf(r->err, r->errlen, "%.*s%s%s (pod level, for %.200s): %s", plen, r->where,
                 plen ? "" : "pod spec.", field + sizeof pod - 1, r->where, what);
        return -1;
    }
    snprintf(r->err, r->errlen, "%.200s.%s: %s", r->where, field, what);
    return -1;
}

/* obj[key] when it is there and not null. */
static json_t *get(json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return v && !json_is_null(v) ? v : NULL;
}

/* An id field: container's over pod's; 1 found, 0 absent, -1 bad. */
static int id_field(const rd *r, json_t *csc, json_t *psc, const char *key, long long *out)
{
    json_t *v = get(csc, key);
    const char *at = "securityContext";
    if (!v) {
        v = get(psc, key);
        at = "(pod) securityContext";
    }
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > ID_MAX) {
        char f[96];
        snprintf(f, sizeof f, "%s.%s", at, key);
        return bad(r, f, "expected an integer 0..4294967294");
    }
    *out = json_integer_value(v);
    return 1;
}

static int bool_field(const rd *r, json_t *sc, const char *field, const char *key, int *out)
{
    json_t *v = get(sc, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return bad(r, field, "expected true or false");
    *out = json_is_true(v);
    return 1;
}

/* The kubelet's $(VAR) expansion over the env entries known so far. */
typedef struct envs {
    char **v; /* "NAME=VALUE", or "NAME" for a valueFrom entry (not known yet) */
    size_t n;
} envs;

/* The last definition of name wins; a valueFrom one is unknown (NULL). */
static const char *env_get(const envs *e, const char *name, size_t nlen)
{
    for (size_t i = e->n; i-- > 0;)
        if (strncmp(e->v[i], name, nlen) == 0 && (e->v[i][nlen] == '=' || !e->v[i][nlen]))
            return e->v[i][nlen] ? e->v[i] + nlen + 1 : NULL;
    return NULL;
}

static char *expand(const char *s, const envs *e)
{
    pc_buf b = {0};
    for (const char *p = s; *p;) {
        if (b.len > EXPAND_MAX) {
            pc_buf_free(&b);
            return NULL;
        }
        if (p[0] != '$') {
            size_t k = strcspn(p, "$");
            pc_buf_add(&b, p, k);
            p += k;
        } else if (p[1] == '$') {
            pc_buf_add(&b, "$", 1);
            p += 2;
        } else if (p[1] == '(' && strchr(p + 2, ')')) {
            const char *name = p + 2, *end = strchr(name, ')');
            const char *val = env_get(e, name, (size_t)(end - name));
            if (val)
                pc_buf_puts(&b, val);
            else
                pc_buf_add(&b, p, (size_t)(end + 1 - p));
            p = end + 1;
        } else {
            pc_buf_add(&b, p, 1);
            p++;
        }
    }
    return pc_buf_take(&b);
}

static int oom(const rd *r)
{
    snprintf(r->err, r->errlen, "out of memory");
    return -1;
}

static int read_env(const rd *r, json_t *c, pc_runctx *rc, envs *e)
{
    json_t *a = get(c, "env");
    if (!a)
        return 0;
    if (!json_is_array(a))
        return bad(r, "env", "expected an array");
    size_t i;
    json_t *ent;
    json_array_foreach(a, i, ent)
    {
        char f[64];
        snprintf(f, sizeof f, "env[%zu]", i);
        json_t *name = get(ent, "name"), *val = get(ent, "value");
        if (!json_is_object(ent) || !json_is_string(name) || !*json_string_value(name) ||
            strchr(json_string_value(name), '=') || (val && !json_is_string(val)))
            return bad(r, f, "expected {\"name\": NAME, \"value\": STRING}");
        /* valueFrom: not known before the pod runs; it hides an earlier
         * entry of that name from $(NAME) (left as written) */
        char *x = val ? expand(json_string_value(val), e) : NULL;
        char *kv = !val ? pc_strdup(json_string_value(name))
                   : x  ? pc_asprintf("%s=%s", json_string_value(name), x)
                        : NULL;
        free(x);
        char **nv = kv ? pc_reallocarray(e->v, e->n + 1, sizeof *nv) : NULL;
        if (!nv) {
            free(kv);
            return oom(r);
        }
        e->v = nv;
        e->v[e->n++] = kv;
        char err[256];
        if (val && pc_runctx_set(rc, "env", kv, err, sizeof err) != 0)
            return bad(r, f, err);
    }
    return 0;
}

/* command or args: a non-empty array of strings, expanded; *n 0 when unset. */
static int read_argv(const rd *r, json_t *c, const char *key, const envs *e, char ***out, size_t *n)
{
    json_t *a = get(c, key);
    *out = NULL;
    *n = 0;
    if (!a)
        return 0;
    if (!json_is_array(a))
        return bad(r, key, "expected an array of strings");
    size_t len = json_array_size(a);
    if (len == 0)
        return 0;
    if (!(*out = pc_calloc(len, sizeof **out)))
        return oom(r);
    for (size_t i = 0; i < len; i++) {
        json_t *s = json_array_get(a, i);
        if (!json_is_string(s) || strlen(json_string_value(s)) != json_string_length(s))
            return bad(r, key, "expected an array of strings (without NUL)");
        if (!((*out)[i] = expand(json_string_value(s), e)))
            return oom(r);
        (*n)++;
    }
    return 0;
}

static void free_argv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int read_caps(const rd *r, json_t *csc, pc_runctx *rc)
{
    json_t *caps = get(csc, "capabilities");
    if (!caps)
        return 0;
    if (!json_is_object(caps))
        return bad(r, "securityContext.capabilities", "expected an object");
    static const char *const keys[2] = {"add", "drop"};
    for (int k = 0; k < 2; k++) {
        json_t *a = get(caps, keys[k]);
        char f[64];
        snprintf(f, sizeof f, "securityContext.capabilities.%s", keys[k]);
        if (!a)
            continue;
        if (!json_is_array(a))
            return bad(r, f, "expected an array of capability names");
        size_t i;
        json_t *s;
        json_array_foreach(a, i, s)
        {
            char err[256], what[128];
            if (!json_is_string(s))
                return bad(r, f, "expected an array of capability names");
            if (pc_runctx_set(rc, k ? "cap-drop" : "cap-add", json_string_value(s), err,
                              sizeof err) != 0) {
                snprintf(what, sizeof what, "\"%.64s\" is not a capability name (NET_RAW, ALL)",
                         json_string_value(s));
                return bad(r, f, what);
            }
        }
    }
    return 0;
}

static int read_groups(const rd *r, json_t *psc, pc_runctx *rc)
{
    char num[32], err[256];
    json_t *a = get(psc, "supplementalGroups"), *fs = get(psc, "fsGroup");
    if (a && !json_is_array(a))
        return bad(r, "(pod) securityContext.supplementalGroups", "expected an array of gids");
    size_t i;
    json_t *g;
    json_array_foreach(a, i, g)
    {
        if (!json_is_integer(g) || json_integer_value(g) < 0 || json_integer_value(g) > ID_MAX)
            return bad(r, "(pod) securityContext.supplementalGroups",
                       "expected integers 0..4294967294");
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(g));
        if (pc_runctx_set(rc, "group-add", num, err, sizeof err) != 0)
            return oom(r);
    }
    if (fs) {
        if (!json_is_integer(fs) || json_integer_value(fs) < 0 || json_integer_value(fs) > ID_MAX)
            return bad(r, "(pod) securityContext.fsGroup", "expected an integer 0..4294967294");
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(fs));
        if (pc_runctx_set(rc, "group-add", num, err, sizeof err) != 0)
            return oom(r);
    }
    return 0;
}

static int read_sc(const rd *r, json_t *pod, json_t *c, pc_runctx *rc)
{
    json_t *psc = get(pod, "securityContext"), *csc = get(c, "securityContext");
    if (psc && !json_is_object(psc))
        return bad(r, "(pod) securityContext", "expected an object");
    if (csc && !json_is_object(csc))
        return bad(r, "securityContext", "expected an object");
    long long uid = 0, gid = 0;
    int hu = id_field(r, csc, psc, "runAsUser", &uid), hg = 0;
    if (hu < 0 || (hg = id_field(r, csc, psc, "runAsGroup", &gid)) < 0)
        return -1;
    char num[32], err[256];
    if (hu) {
        snprintf(num, sizeof num, "%lld", uid);
        if (pc_runctx_set(rc, "user", num, err, sizeof err) != 0)
            return oom(r);
    }
    if (hg) {
        snprintf(num, sizeof num, "%lld", gid);
        if (pc_runctx_set(rc, "group", num, err, sizeof err) != 0)
            return oom(r);
    }
    int nonroot = 0, priv = 0, ape = 1, ro = 0;
    int own = bool_field(r, csc, "securityContext.runAsNonRoot", "runAsNonRoot", &nonroot);
    if (own < 0 || (own == 0 && bool_field(r, psc, "(pod) securityContext.runAsNonRoot",
                                           "runAsNonRoot", &nonroot) < 0))
        return -1;
    if (bool_field(r, csc, "securityContext.privileged", "privileged", &priv) < 0 ||
        bool_field(r, csc, "securityContext.allowPrivilegeEscalation", "allowPrivilegeEscalation",
                   &ape) < 0 ||
        bool_field(r, csc, "securityContext.readOnlyRootFilesystem", "readOnlyRootFilesystem",
                   &ro) < 0)
        return -1;
    if ((nonroot && pc_runctx_set(rc, "run-as-non-root", "", err, sizeof err) != 0) ||
        (priv && pc_runctx_set(rc, "privileged", "", err, sizeof err) != 0) ||
        (!ape && pc_runctx_set(rc, "security-opt", "no-new-privileges", err, sizeof err) != 0) ||
        (ro && pc_runctx_set(rc, "read-only", "", err, sizeof err) != 0))
        return oom(r);
    if (read_caps(r, csc, rc) < 0 || read_groups(r, psc, rc) < 0)
        return -1;
    return 0;
}

static int read_container(const rd *r, json_t *pod, json_t *c, pc_runctx *rc)
{
    envs e = {0};
    char **cmd = NULL, **args = NULL, err[256];
    size_t ncmd = 0, nargs = 0;
    int ret = -1;
    json_t *wd = get(c, "workingDir");
    if (!json_is_object(c)) {
        snprintf(r->err, r->errlen, "%.200s: expected an object", r->where);
        return -1;
    }
    if (read_sc(r, pod, c, rc) < 0 || read_env(r, c, rc, &e) < 0 ||
        read_argv(r, c, "command", &e, &cmd, &ncmd) < 0 ||
        read_argv(r, c, "args", &e, &args, &nargs) < 0)
        goto out;
    if (wd && !json_is_string(wd)) {
        bad(r, "workingDir", "expected a string");
        goto out;
    }
    if (wd && *json_string_value(wd) &&
        pc_runctx_set(rc, "workdir", json_string_value(wd), err, sizeof err) != 0) {
        bad(r, "workingDir", "not an absolute path: runc refuses to start the container");
        goto out;
    }
    if ((ncmd && pc_runctx_entrypoint(rc, cmd, ncmd, err, sizeof err) < 0) ||
        (nargs && pc_runctx_command(rc, args, nargs, err, sizeof err) < 0)) {
        oom(r);
        goto out;
    }
    ret = 0;
out:
    free_argv(cmd, ncmd);
    free_argv(args, nargs);
    free_argv(e.v, e.n);
    return ret;
}

int pc_k8s_runctx(json_t *pod, json_t *container, const char *where, pc_runctx *rc, char *err,
                  size_t errlen)
{
    rd r = {where ? where : "container", err, errlen};
    pc_runctx_init(rc);
    if (read_container(&r, pod, container, rc) < 0) {
        pc_runctx_free(rc);
        return -1;
    }
    rc->given = 1; /* a pod always says how it runs, even when it says nothing */
    return 0;
}
