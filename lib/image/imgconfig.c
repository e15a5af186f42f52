/*
 * imgconfig.c — parse the image config JSON. Docker and OCI both nest the
 * runtime settings under "config"; a wrong type is an error naming the
 * field, because a config we misread is a config we cannot judge.
 *
 * Fields are found as Go's encoding/json finds them (gojson.h), since that
 * is how the runtime reads the config: {"config":{"uſer":"0"}} names the
 * User, and a config that names one field twice ("User" and "user") is
 * refused rather than guessed at.
 */
#include <stdlib.h>
#include <string.h>
#include "image/gojson.h"
#include "image/imgconfig.h"
#include "pcx.h"

#define IN_ROOT "image config"
#define IN_CONFIG "image config: config"

static int strv_from_array(json_t *a, const char *field, pc_strv *out, pc_err *e)
{
    out->present = 1;
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a))
        return pc_err_set(e, "image config: config.%s: expected an array of strings", field);
    size_t n = json_array_size(a);
    out->v = pc_calloc(n ? n : 1, sizeof *out->v);
    if (!out->v)
        return pc_err_set(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(a, i);
        if (!json_is_string(s))
            return pc_err_set(e, "image config: config.%s[%zu]: expected a string", field, i);
        out->v[out->n++] = json_string_value(s);
    }
    return 0;
}

static int ports_from_object(json_t *o, pc_strv *out, pc_err *e)
{
    out->present = 1;
    if (!o || json_is_null(o))
        return 0;
    if (!json_is_object(o))
        return pc_err_set(e, "image config: config.ExposedPorts: expected an object");
    size_t n = json_object_size(o);
    out->v = pc_calloc(n ? n : 1, sizeof *out->v);
    if (!out->v)
        return pc_err_set(e, "out of memory");
    const char *k;
    json_t *val;
    json_object_foreach(o, k, val) out->v[out->n++] = k;
    return 0;
}

static int opt_string(json_t *o, const char *key, const char *where, const char **out, pc_err *e)
{
    json_t *v;
    *out = NULL;
    if (pc_gj_field(o, key, &v, *where ? IN_CONFIG : IN_ROOT, e) < 0)
        return -1;
    if (!v)
        return 0;
    if (!json_is_string(v))
        return pc_err_set(e, "image config: %s%s: expected a string", where, key);
    *out = json_string_value(v);
    return 0;
}

/* A list field of config: present (even as null) when a key names it. */
static int strv_field(json_t *cfg, const char *key, pc_strv *out, pc_err *e)
{
    json_t *v;
    int rc = pc_gj_field(cfg, key, &v, IN_CONFIG, e);
    return rc <= 0 ? rc : strv_from_array(v, key, out, e);
}

/* config.Healthcheck.Test, read as Docker's HealthConfig is (Go's
 * encoding/json: null or absent is none). */
static int read_healthcheck(json_t *cfg, pc_imgconfig *c, pc_err *e)
{
    json_t *hc, *test;
    int rc = pc_gj_field(cfg, "Healthcheck", &hc, IN_CONFIG, e);
    if (rc <= 0 || !hc)
        return rc < 0 ? -1 : 0;
    if (!json_is_object(hc))
        return pc_err_set(e, "image config: config.Healthcheck: expected an object");
    if ((rc = pc_gj_field(hc, "Test", &test, IN_CONFIG ".Healthcheck", e)) <= 0)
        return rc < 0 ? -1 : 0;
    return strv_from_array(test, "Healthcheck.Test", &c->healthcheck, e);
}

static int read_config(json_t *cfg, pc_imgconfig *c, pc_err *e)
{
    json_t *ports;
    int rc;
    if (opt_string(cfg, "User", "config.", &c->user, e) < 0 ||
        opt_string(cfg, "WorkingDir", "config.", &c->workdir, e) < 0 ||
        strv_field(cfg, "Entrypoint", &c->entrypoint, e) < 0 ||
        strv_field(cfg, "Cmd", &c->cmd, e) < 0 || strv_field(cfg, "Env", &c->env, e) < 0 ||
        (rc = pc_gj_field(cfg, "ExposedPorts", &ports, IN_CONFIG, e)) < 0 ||
        (rc > 0 && ports_from_object(ports, &c->ports, e) < 0) || read_healthcheck(cfg, c, e) < 0)
        return -1;
    return 0;
}

/* history: informative only (the runtime never reads it); a type Go's
 * Unmarshal refuses is refused by pc_gj_check_image below. -1 only when
 * out of memory. */
static int read_history(pc_imgconfig *c)
{
    json_t *h = NULL;
    pc_err ignored;
    if (pc_gj_field(c->root, "history", &h, IN_ROOT, &ignored) < 0 || !json_is_array(h))
        return 0;
    size_t n = json_array_size(h), k = 0;
    if (n == 0 || n > 4096)
        return 0;
    c->steps = pc_calloc(n, sizeof *c->steps);
    if (!c->steps)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *ent = json_array_get(h, i), *empty = NULL, *by = NULL;
        if (!json_is_object(ent) ||
            pc_gj_field(ent, "empty_layer", &empty, IN_ROOT, &ignored) < 0 ||
            pc_gj_field(ent, "created_by", &by, IN_ROOT, &ignored) < 0)
            continue;
        if (json_is_true(empty))
            continue;
        c->steps[k++] = json_is_string(by) ? json_string_value(by) : NULL;
    }
    c->nsteps = k;
    return 0;
}

int pc_imgconfig_parse(const char *json, size_t len, pc_imgconfig *c, pc_err *e)
{
    memset(c, 0, sizeof *c);
    c->root = pc_gj_load(json, len, IN_ROOT, e);
    if (!c->root)
        return -1;
    if (!json_is_object(c->root))
        return pc_err_set(e, "image config: not a JSON object");
    json_t *cfg;
    if (opt_string(c->root, "os", "", &c->os, e) < 0 ||
        opt_string(c->root, "architecture", "", &c->arch, e) < 0 ||
        opt_string(c->root, "variant", "", &c->variant, e) < 0 ||
        pc_gj_field(c->root, "config", &cfg, IN_ROOT, e) < 0)
        return -1;
    if (cfg && !json_is_object(cfg))
        return pc_err_set(e, "image config: config: expected an object");
    if (cfg && read_config(cfg, c, e) < 0)
        return -1;
    if (read_history(c) < 0)
        return pc_err_set(e, "out of memory");
    /* what was read, with its own messages; then the rest as a runtime reads it */
    return pc_gj_check_image(c->root, IN_ROOT, e);
}

void pc_imgconfig_free(pc_imgconfig *c)
{
    free(c->entrypoint.v);
    free(c->cmd.v);
    free(c->env.v);
    free(c->ports.v);
    free(c->healthcheck.v);
    free(c->steps);
    json_decref(c->root);
    memset(c, 0, sizeof *c);
}

const char *pc_imgconfig_env(const pc_imgconfig *c, const char *name)
{
    size_t n = strlen(name);
    const char *found = NULL;
    for (size_t i = 0; i < c->env.n; i++)
        if (strncmp(c->env.v[i], name, n) == 0 && c->env.v[i][n] == '=')
            found = c->env.v[i] + n + 1; /* the last one wins, as in the runtime */
    return found;
}
