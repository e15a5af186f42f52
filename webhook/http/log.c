/*
 * log.c — see log.h. A line is built as a jansson object and dumped
 * compact with a newline into one buffer, then written with a single
 * fputs: stdio locks the stream per call, so lines from concurrent
 * requests never interleave. Strings from requests and images go through
 * pc_json_string (invalid UTF-8 becomes U+FFFD) so a hostile byte can
 * neither break the JSON nor forge a second line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "log.h"
#include "portcullis_json.h"

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v)
        json_object_set_new(o, k, pc_json_string(v));
}

static void timestamp(char *out, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + k, n - k, ".%03ldZ", ts.tv_nsec / 1000000L);
}

void wh_log(const char *level, const char *msg, json_t *fields)
{
    char ts[64];
    json_t *o = json_object();
    timestamp(ts, sizeof ts);
    if (o) {
        set_str(o, "ts", ts);
        set_str(o, "level", level);
        set_str(o, "msg", msg);
        if (json_is_object(fields))
            json_object_update(o, fields);
    }
    json_decref(fields);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!line) {
        fputs("{\"level\":\"error\",\"msg\":\"out of memory writing a log line\"}\n", stderr);
        return;
    }
    fprintf(stderr, "%s\n", line);
    free(line);
}

void wh_logf(const char *level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wh_log(level, msg, NULL);
}

static json_t *image_json(const wh_image_decision *x)
{
    const pc_result *r = wh_verdict_result(x->lk.v);
    json_t *o = json_object();
    if (!o)
        return NULL;
    set_str(o, "image", x->img->image);
    set_str(o, "container", x->img->container);
    if (r) {
        set_str(o, "digest", r->digest);
        set_str(o, "manifest_digest", r->manifest_digest);
        /* the judged run: its key, and who it runs as (the effective user) */
        set_str(o, "run_key", r->run_key[0] ? r->run_key : NULL);
        set_str(o, "effective_user", r->sandbox.user);
        set_str(o, "user_from", r->sandbox.user_from);
        /* the policy's warn or audit mode let through what enforce would deny */
        json_object_set_new(o, "would_deny", json_boolean(r->would_deny));
    } else if (!x->img->run_error) {
        set_str(o, "run_key", x->img->runkey);
    }
    set_str(o, "run_error", x->img->run_error);
    set_str(o, "verdict", wh_img_outcome_name(x->outcome));
    json_object_set_new(o, "cached", json_boolean(x->lk.cached));
    json_object_set_new(o, "shared", json_boolean(x->lk.joined));
    set_str(o, "reason", x->reason);
    return o;
}

void wh_log_decision(const wh_log_request *rq, const wh_decision *d, uint64_t duration_ms)
{
    json_t *f = json_object(), *imgs = json_array(), *reasons = json_array();
    if (!f || !imgs || !reasons) {
        json_decref(f), json_decref(imgs), json_decref(reasons);
        wh_log("error", "out of memory writing a decision", NULL);
        return;
    }
    set_str(f, "endpoint", rq->endpoint);
    set_str(f, "uid", rq->uid);
    set_str(f, "namespace", rq->namespace_);
    set_str(f, "kind", rq->kind);
    set_str(f, "name", rq->name);
    set_str(f, "operation", rq->operation);
    set_str(f, "user", rq->user);
    json_object_set_new(f, "dry_run", json_boolean(rq->dry_run));
    set_str(f, "verdict", d->allowed ? "allow" : "deny");
    json_object_set_new(f, "namespace_exempt", json_boolean(d->namespace_exempt));
    for (size_t i = 0; i < d->nimgs; i++) {
        json_array_append_new(imgs, image_json(&d->imgs[i]));
        if (d->imgs[i].outcome != WH_IMG_ALLOW && d->imgs[i].outcome != WH_IMG_EXEMPT)
            json_array_append_new(reasons, pc_json_string(d->imgs[i].reason));
    }
    json_object_set_new(f, "reasons", reasons);
    json_object_set_new(f, "images", imgs);
    json_object_set_new(f, "warnings", json_integer((json_int_t)d->nwarnings));
    json_object_set_new(f, "duration_ms", json_integer((json_int_t)duration_ms));
    if (json_is_object(rq->extra))
        json_object_update(f, rq->extra);
    wh_log("info", "decision", f);
}
