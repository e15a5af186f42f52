/*
 * imgconfig.h — the parts of an image config (the "config" object of the
 * OCI image configuration) that checks read, validated for type.
 */
#ifndef PC_IMGCONFIG_H
#define PC_IMGCONFIG_H

#include <jansson.h>
#include <stddef.h>
#include "pcx.h"

typedef struct pc_strv {
    const char **v;
    size_t n;
    int present; /* the key existed (even if null or empty) */
} pc_strv;

typedef struct pc_imgconfig {
    json_t *root;     /* owns every string below */
    const char *user; /* NULL when absent */
    pc_strv entrypoint, cmd, env, ports;
    /* config.Healthcheck.Test: what Docker runs inside the container to
     * check it (["CMD", ...], ["CMD-SHELL", "..."]); empty when absent */
    pc_strv healthcheck;
    const char *workdir; /* NULL when absent */
    const char *os, *arch, *variant;
    /* history[].created_by of the entries that made a layer (empty_layer
     * false), in layer order: the Dockerfile step of each layer; NULL
     * entries where a history entry names none. steps is NULL when the
     * history does not line up with the layers (then no step is named). */
    const char **steps;
    size_t nsteps;
} pc_imgconfig;

int pc_imgconfig_parse(const char *json, size_t len, pc_imgconfig *c, pc_err *e);
void pc_imgconfig_free(pc_imgconfig *c);
/* Value of NAME in Env ("NAME=value"), or NULL. */
const char *pc_imgconfig_env(const pc_imgconfig *c, const char *name);

#endif
