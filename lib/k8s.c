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

/* An integer field's value in 0..ID_MAX, or -1. */
static long long id_of(const pc_jval *v)
{
    return pc_jis(v, PC_JINT) && v->u.i >= 0 && v->u.i <= ID_MAX ? v->u.i : -1;
}

/* An id field: container's over pod's; 1 found, 0 absent, -1 bad. */
static int id_field(const rd *r, const pc_jval *csc, const pc_jval *psc, const char *key,
                    long long *out)
{
    const pc_jval *v = pc_jopt(csc, key);
    const char *at = "securityContext";
    if (!v) {
        v = pc_jopt(psc, key);
        at = "(pod) securityContext";
    }
    if (!v)
        return 0;
    if (id_of(v) < 0) {
        char f[96];
        snprintf(f, sizeof f, "%s.%s", at, key);
        return bad(r, f, "expected an integer 0..4294967294");
    }
    *out = id_of(v);
    return 1;
}

static int bool_field(const rd *r, const pc_jval *sc, const char *field, const char *key, int *out)
{
    const pc_jval *v = pc_jopt(sc, key);
    if (!v)
        return 0;
    if (!pc_jis_bool(v))
        return bad(r, field, "expected true or false");
    *out = v->type == PC_JTRUE;
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

static int read_env(const rd *r, const pc_jval *c, pc_runctx *rc, envs *e)
{
    const pc_jval *a = pc_jopt(c, "env");
    if (!a)
        return 0;
    if (!pc_jis(a, PC_JARR))
        return bad(r, "env", "expected an array");
    for (size_t i = 0; i < a->n; i++) {
        const pc_jval *ent = pc_jat(a, i);
        char f[64];
        snprintf(f, sizeof f, "env[%zu]", i);
        const pc_jval *name = pc_jopt(ent, "name"), *val = pc_jopt(ent, "value");
        if (!pc_jis(ent, PC_JOBJ) || !pc_jis(name, PC_JSTR) || !*pc_jstr(name) ||
            strchr(pc_jstr(name), '=') || (val && !pc_jis(val, PC_JSTR)))
            return bad(r, f, "expected {\"name\": NAME, \"value\": STRING}");
        /* valueFrom: not known before the pod runs; it hides an earlier
         * entry of that name from $(NAME) (left as written) */
        char *x = val ? expand(pc_jstr(val), e) : NULL;
        char *kv = !val ? pc_strdup(pc_jstr(name))
                   : x  ? pc_asprintf("%s=%s", pc_jstr(name), x)
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

/* An array of strings a (the field named field), each expanded from e, or
 * copied as it is when e is NULL; *n 0 when a is NULL or empty. On error
 * *out holds the *n strings copied so far (free_argv). */
static int read_strs(const rd *r, const pc_jval *a, const char *field, const envs *e, char ***out,
                     size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!a)
        return 0;
    if (!pc_jis(a, PC_JARR))
        return bad(r, field, "expected an array of strings");
    size_t len = a->n;
    if (len == 0)
        return 0;
    if (!(*out = pc_calloc(len, sizeof **out)))
        return oom(r);
    for (size_t i = 0; i < len; i++) {
        const pc_jval *s = pc_jat(a, i);
        if (!pc_jis(s, PC_JSTR) || strlen(s->u.s) != s->n)
            return bad(r, field, "expected an array of strings (without NUL)");
        if (!((*out)[i] = e ? expand(s->u.s, e) : pc_strdup(s->u.s)))
            return oom(r);
        (*n)++;
    }
    return 0;
}

/* command or args: a non-empty array of strings, expanded; *n 0 when unset. */
static int read_argv(const rd *r, const pc_jval *c, const char *key, const envs *e, char ***out,
                     size_t *n)
{
    return read_strs(r, pc_jopt(c, key), key, e, out, n);
}

static void free_argv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int read_caps(const rd *r, const pc_jval *csc, pc_runctx *rc)
{
    const pc_jval *caps = pc_jopt(csc, "capabilities");
    if (!caps)
        return 0;
    if (!pc_jis(caps, PC_JOBJ))
        return bad(r, "securityContext.capabilities", "expected an object");
    static const char *const keys[2] = {"add", "drop"};
    for (int k = 0; k < 2; k++) {
        const pc_jval *a = pc_jopt(caps, keys[k]);
        char f[64];
        snprintf(f, sizeof f, "securityContext.capabilities.%s", keys[k]);
        if (!a)
            continue;
        if (!pc_jis(a, PC_JARR))
            return bad(r, f, "expected an array of capability names");
        for (size_t i = 0; i < a->n; i++) {
            const char *s = pc_jstr(pc_jat(a, i));
            char err[256], what[128];
            if (!s)
                return bad(r, f, "expected an array of capability names");
            if (pc_runctx_set(rc, k ? "cap-drop" : "cap-add", s, err, sizeof err) != 0) {
                snprintf(what, sizeof what, "\"%.64s\" is not a capability name (NET_RAW, ALL)", s);
                return bad(r, f, what);
            }
        }
    }
    return 0;
}

static int read_groups(const rd *r, const pc_jval *psc, pc_runctx *rc)
{
    char num[32], err[256];
    const pc_jval *a = pc_jopt(psc, "supplementalGroups"), *fs = pc_jopt(psc, "fsGroup");
    if (a && !pc_jis(a, PC_JARR))
        return bad(r, "(pod) securityContext.supplementalGroups", "expected an array of gids");
    for (size_t i = 0; a && i < a->n; i++) {
        long long g = id_of(pc_jat(a, i));
        if (g < 0)
            return bad(r, "(pod) securityContext.supplementalGroups",
                       "expected integers 0..4294967294");
        snprintf(num, sizeof num, "%lld", g);
        if (pc_runctx_set(rc, "group-add", num, err, sizeof err) != 0)
            return oom(r);
    }
    if (fs) {
        if (id_of(fs) < 0)
            return bad(r, "(pod) securityContext.fsGroup", "expected an integer 0..4294967294");
        snprintf(num, sizeof num, "%lld", id_of(fs));
        if (pc_runctx_set(rc, "group-add", num, err, sizeof err) != 0)
            return oom(r);
    }
    return 0;
}

static int read_sc(const rd *r, const pc_jval *pod, const pc_jval *c, pc_runctx *rc)
{
    const pc_jval *psc = pc_jopt(pod, "securityContext"), *csc = pc_jopt(c, "securityContext");
    if (psc && !pc_jis(psc, PC_JOBJ))
        return bad(r, "(pod) securityContext", "expected an object");
    if (csc && !pc_jis(csc, PC_JOBJ))
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

/* The commands the kubelet runs inside the container besides its program:
 * the exec handlers of its probes and lifecycle hooks
 * (FIELD.exec.command, an array of strings the kubelet does not expand),
 * with the container's user and environment. */
static int read_execs(const rd *r, const pc_jval *c, pc_runctx *rc)
{
    static const char *const where[][2] = {{"livenessProbe", NULL},
                                           {"readinessProbe", NULL},
                                           {"startupProbe", NULL},
                                           {"lifecycle", "postStart"},
                                           {"lifecycle", "preStop"}};
    char name[64], err[256];
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        const pc_jval *h = pc_jopt(c, where[i][0]);
        if (h && where[i][1]) {
            if (!pc_jis(h, PC_JOBJ))
                return bad(r, where[i][0], "expected an object");
            h = pc_jopt(h, where[i][1]);
        }
        if (!h) /* the usual case: no name formatted for a handler that is not there */
            continue;
        snprintf(name, sizeof name, "%s%s%s", where[i][0], where[i][1] ? "." : "",
                 where[i][1] ? where[i][1] : "");
        if (!pc_jis(h, PC_JOBJ))
            return bad(r, name, "expected an object");
        const pc_jval *ex = pc_jopt(h, "exec"), *cmd = ex ? pc_jopt(ex, "command") : NULL;
        if (ex && !pc_jis(ex, PC_JOBJ))
            return bad(r, name, "exec: expected an object");
        if (!cmd)
            continue;
        snprintf(name + strlen(name), sizeof name - strlen(name), ".exec.command");
        char **v = NULL;
        size_t n = 0;
        int rc_ = read_strs(r, cmd, name, NULL, &v, &n); /* the kubelet expands nothing here */
        if (rc_ == 0 && pc_runctx_exec(rc, v, n, err, sizeof err) < 0)
            rc_ = oom(r);
        free_argv(v, n);
        if (rc_ < 0)
            return -1;
    }
    return 0;
}

/* The kind of the pod's volume named name ("configMap", "emptyDir", ...:
 * its one member besides "name"), or NULL when the pod has no such
 * volume (the API server refuses that pod; read as unknown). */
static const char *volume_kind(const pc_jval *pod, const char *name)
{
    const pc_jval *vols = pc_jopt(pod, "volumes");
    for (size_t i = 0; pc_jis(vols, PC_JARR) && i < vols->n; i++) {
        const pc_jval *v = pc_jat(vols, i);
        if (!pc_jis(v, PC_JOBJ) || !pc_jstr(pc_jopt(v, "name")) ||
            strcmp(pc_jstr(pc_jopt(v, "name")), name) != 0)
            continue;
        for (size_t k = 0; k < v->n; k++)
            if (strcmp(v->u.m[k].key, "name") != 0 && v->u.m[k].v.type != PC_JNULL)
                return v->u.m[k].key;
        return NULL;
    }
    return NULL;
}

/* volumeMounts: what the kubelet mounts over the image's filesystem. A
 * program or WORKDIR there is the volume's, not the image's. */
static int read_mounts(const rd *r, const pc_jval *pod, const pc_jval *c, pc_runctx *rc)
{
    const pc_jval *a = pc_jopt(c, "volumeMounts");
    char err[256];
    if (!a)
        return 0;
    if (!pc_jis(a, PC_JARR))
        return bad(r, "volumeMounts", "expected an array");
    for (size_t i = 0; i < a->n; i++) {
        const pc_jval *m = pc_jat(a, i);
        const pc_jval *name = pc_jopt(m, "name"), *path = pc_jopt(m, "mountPath");
        char f[64];
        snprintf(f, sizeof f, "volumeMounts[%zu]", i);
        if (!pc_jis(m, PC_JOBJ) || !pc_jis(name, PC_JSTR) || !pc_jis(path, PC_JSTR) ||
            !*pc_jstr(path))
            return bad(r, f, "expected {\"name\": NAME, \"mountPath\": PATH}");
        const char *kind = volume_kind(pod, pc_jstr(name));
        char *from = pc_asprintf("volume \"%.200s\" (%.64s)", pc_jstr(name),
                                 kind ? kind : "not among the pod's volumes");
        if (!from)
            return oom(r);
        int rc_ = pc_runctx_mount(rc, pc_jstr(path), from, err, sizeof err);
        free(from);
        if (rc_ < 0)
            return bad(r, f, err);
    }
    return 0;
}

static int read_container(const rd *r, const pc_jval *pod, const pc_jval *c, pc_runctx *rc)
{
    envs e = {0};
    char **cmd = NULL, **args = NULL, err[256];
    size_t ncmd = 0, nargs = 0;
    int ret = -1;
    const pc_jval *wd = pc_jopt(c, "workingDir");
    if (!pc_jis(c, PC_JOBJ)) {
        snprintf(r->err, r->errlen, "%.200s: expected an object", r->where);
        return -1;
    }
    if (read_sc(r, pod, c, rc) < 0 || read_env(r, c, rc, &e) < 0 ||
        read_argv(r, c, "command", &e, &cmd, &ncmd) < 0 ||
        read_argv(r, c, "args", &e, &args, &nargs) < 0 || read_execs(r, c, rc) < 0 ||
        read_mounts(r, pod, c, rc) < 0)
        goto out;
    if (wd && !pc_jis(wd, PC_JSTR)) {
        bad(r, "workingDir", "expected a string");
        goto out;
    }
    if (wd && *wd->u.s && pc_runctx_set(rc, "workdir", wd->u.s, err, sizeof err) != 0) {
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

int pc_k8s_runctx(const pc_jval *pod, const pc_jval *container, const char *where, pc_runctx *rc,
                  char *err, size_t errlen)
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

int pc_k8s_image_volume(const pc_jval *pod, size_t i, const char **name, const char **ref)
{
    const pc_jval *vols = pc_jopt(pod, "volumes");
    *name = "";
    *ref = NULL;
    if (!pc_jis(vols, PC_JARR) || i >= vols->n)
        return -1;
    const pc_jval *v = pc_jat(vols, i), *img = pc_jopt(v, "image");
    if (!img)
        return 0;
    const char *n = pc_jstr(pc_jopt(v, "name"));
    *name = n ? n : "";
    const pc_jval *r = pc_jopt(img, "reference");
    *ref = pc_jis(r, PC_JSTR) && r->n == strlen(r->u.s) ? r->u.s : NULL;
    return 1;
}
