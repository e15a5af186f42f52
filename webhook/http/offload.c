/*
 * offload.c — see offload.h.
 */
#include "offload.h"
#include <pthread.h>
#include <stdlib.h>

struct wh_offload {
    pthread_mutex_t mu;
    pthread_cond_t idle; /* running fell to 0 */
    unsigned running, max;
    int stopping;
};

typedef struct task {
    wh_offload *o;
    void (*fn)(void *arg);
    void *arg;
} task;

int wh_offload_new(unsigned max, wh_offload **out)
{
    wh_offload *o = calloc(1, sizeof *o);
    *out = NULL;
    if (!o)
        return -1;
    if (pthread_mutex_init(&o->mu, NULL) != 0) {
        free(o);
        return -1;
    }
    if (pthread_cond_init(&o->idle, NULL) != 0) {
        pthread_mutex_destroy(&o->mu);
        free(o);
        return -1;
    }
    o->max = max;
    *out = o;
    return 0;
}

static void *task_main(void *p)
{
    task t = *(task *)p;
    free(p);
    t.fn(t.arg); /* calls wh_offload_done */
    return NULL;
}

int wh_offload_run(wh_offload *o, void (*fn)(void *arg), void *arg)
{
    task *t = malloc(sizeof *t);
    pthread_attr_t at;
    pthread_t th;
    if (!t)
        return -1;
    *t = (task){o, fn, arg};
    pthread_mutex_lock(&o->mu);
    if (o->stopping || o->running >= o->max) {
        pthread_mutex_unlock(&o->mu);
        free(t);
        return -1;
    }
    o->running++;
    pthread_mutex_unlock(&o->mu);
    int ok = pthread_attr_init(&at) == 0;
    if (ok) {
        ok = pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) == 0 &&
             pthread_create(&th, &at, task_main, t) == 0;
        pthread_attr_destroy(&at);
    }
    if (!ok) {
        free(t);
        wh_offload_done(o);
        return -1;
    }
    return 0;
}

void wh_offload_done(wh_offload *o)
{
    pthread_mutex_lock(&o->mu);
    if (--o->running == 0)
        pthread_cond_broadcast(&o->idle);
    pthread_mutex_unlock(&o->mu);
}

void wh_offload_drain(wh_offload *o)
{
    pthread_mutex_lock(&o->mu);
    o->stopping = 1;
    while (o->running)
        pthread_cond_wait(&o->idle, &o->mu);
    pthread_mutex_unlock(&o->mu);
}

void wh_offload_free(wh_offload *o)
{
    if (!o)
        return;
    pthread_cond_destroy(&o->idle);
    pthread_mutex_destroy(&o->mu);
    free(o);
}
