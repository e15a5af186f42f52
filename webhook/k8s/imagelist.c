/*
 * imagelist.c — see imagelist.h: a growable array of owned copies with a
 * hard cap, so a review listing thousands of containers is refused before
 * it costs more than a few kilobytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "imagelist.h"

/* Append copies with run key runkey (72 bytes, copied). */
static int add_keyed(wh_image_list *l, const char *image, const char *pointer,
                     const char *container, const char *runkey, char *err, size_t errlen)
{
    if (l->n >= WH_MAX_IMAGES) {
        snprintf(err, errlen, "more than %d images in one review", WH_MAX_IMAGES);
        return -1;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        wh_image *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    wh_image *e = &l->v[l->n];
    memset(e, 0, sizeof *e);
    memcpy(e->runkey, runkey, sizeof e->runkey);
    e->image = strdup(image);
    e->pointer = strdup(pointer ? pointer : "");
    e->container = strdup(container ? container : "");
    if (!e->image || !e->pointer || !e->container) {
        free(e->image);
        free(e->pointer);
        free(e->container);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->n++;
    return 0;
}

int wh_image_list_add(wh_image_list *l, const char *image, const char *pointer,
                      const char *container, char *err, size_t errlen)
{
    if (!l->have_nokey) {
        if (pc_runctx_key(NULL, l->nokey) < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        l->have_nokey = 1;
    }
    return add_keyed(l, image, pointer, container, l->nokey, err, errlen);
}

/* Give entry i a copy of rc (its subject dropped) with run key runkey
 * (copied), or, runkey NULL, the key computed from the copy. */
static int set_run_keyed(wh_image_list *l, size_t i, const pc_runctx *rc, const char *runkey,
                         char *err, size_t errlen)
{
    wh_image *e = &l->v[i];
    pc_runctx *c = malloc(sizeof *c);
    if (!c || pc_runctx_copy(c, rc) < 0) {
        free(c);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(c->subject);
    c->subject = NULL;
    if (runkey)
        memcpy(e->runkey, runkey, sizeof e->runkey);
    else if (pc_runctx_key(c, e->runkey) < 0) {
        pc_runctx_free(c);
        free(c);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (e->run) {
        pc_runctx_free(e->run);
        free(e->run);
    }
    e->run = c;
    return 0;
}

int wh_image_list_set_run(wh_image_list *l, size_t i, const pc_runctx *rc, char *err, size_t errlen)
{
    return set_run_keyed(l, i, rc, NULL, err, errlen);
}

int wh_image_list_set_run_error(wh_image_list *l, size_t i, const char *msg, char *err,
                                size_t errlen)
{
    char *m = strdup(msg);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(l->v[i].run_error);
    l->v[i].run_error = m;
    return 0;
}

/* Remove the last entry (never an entry without the run it was given). */
static void drop_last(wh_image_list *l)
{
    wh_image *x = &l->v[--l->n];
    free(x->image);
    free(x->pointer);
    free(x->container);
    free(x->run_error);
    if (x->run) {
        pc_runctx_free(x->run);
        free(x->run);
    }
}

int wh_image_list_add_run(wh_image_list *l, const char *image, const char *pointer,
                          const char *container, pc_runctx *rc, const char *run_error, char *err,
                          size_t errlen)
{
    if (!rc) {
        if (wh_image_list_add(l, image, pointer, container, err, errlen) < 0)
            return -1;
        if (run_error && wh_image_list_set_run_error(l, l->n - 1, run_error, err, errlen) < 0) {
            drop_last(l);
            return -1;
        }
        return 0;
    }
    /* the key is computed once, from rc as the entry keeps it (no key of
     * "no run context" first, to be overwritten) */
    static const char unset[72] = "";
    pc_runctx *c = malloc(sizeof *c);
    if (!c || add_keyed(l, image, pointer, container, unset, err, errlen) < 0) {
        if (!c)
            snprintf(err, errlen, "out of memory");
        free(c);
        pc_runctx_free(rc);
        return -1;
    }
    *c = *rc; /* taken: rc owns nothing from here on */
    pc_runctx_init(rc);
    free(c->subject);
    c->subject = NULL;
    wh_image *e = &l->v[l->n - 1];
    e->run = c; /* owned by the entry before anything can fail */
    if (pc_runctx_key(c, e->runkey) < 0) {
        drop_last(l);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int wh_image_list_add_copy(wh_image_list *l, const wh_image *e, char *err, size_t errlen)
{
    /* e->runkey is the key of e->run (or of none): copied, not recomputed */
    if (add_keyed(l, e->image, e->pointer, e->container, e->runkey, err, errlen) < 0)
        return -1;
    if ((e->run && set_run_keyed(l, l->n - 1, e->run, e->runkey, err, errlen) < 0) ||
        (e->run_error && wh_image_list_set_run_error(l, l->n - 1, e->run_error, err, errlen) < 0)) {
        drop_last(l); /* never a copy without its run */
        return -1;
    }
    l->v[l->n - 1].mounted = e->mounted;
    return 0;
}

int wh_image_list_has_run(const wh_image_list *l, const wh_image *e)
{
    for (size_t i = 0; !e->run_error && i < l->n; i++)
        if (!l->v[i].run_error && strcmp(l->v[i].image, e->image) == 0 &&
            strcmp(l->v[i].runkey, e->runkey) == 0)
            return 1;
    return 0;
}

void wh_image_list_free(wh_image_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].image);
        free(l->v[i].pointer);
        free(l->v[i].container);
        free(l->v[i].run_error);
        if (l->v[i].run) {
            pc_runctx_free(l->v[i].run);
            free(l->v[i].run);
        }
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}
