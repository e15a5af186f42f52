/*
 * log.c — see log.h. A line is built as a jansson object ("ts", "level"
 * and "msg" first, then its fields) and dumped compact into one buffer
 * (on the stack when it fits, as nearly every line does) with its
 * newline, then written with one write(2) (under stderr's stdio lock only
 * when longer than PIPE_BUF, see write_line): lines from concurrent
 * requests, and anything else written to stderr through stdio, never
 * interleave, and each line reaches the file or pipe before the call
 * returns (no stdio buffering or formatting in between).
 * Strings from requests and images go through pc_json_string (invalid
 * UTF-8 becomes U+FFFD) so a hostile byte can neither break the JSON nor
 * forge a second line.
 */
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "pcx.h"
#include "portcullis_json.h"

#define LINE_STACK 8192 /* lines up to this long need no allocation */
#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v)
        json_object_set_new(o, k, pc_json_string(v));
}

/* n's decimal digits, width of them at least (zeros before), at out;
 * returns the end. */
static char *put_uint(char *out, uint64_t n, int width)
{
    char d[20];
    int k = 0;
    do {
        d[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (k < width)
        d[k++] = '0';
    while (k)
        *out++ = d[--k];
    return out;
}

void wh_log_time(char out[WH_LOG_TIME_LEN], const struct timespec *ts)
{
    if (ts->tv_sec < 0) {
        memcpy(out, "1970-01-01T00:00:00.000Z", 25);
        return;
    }
    uint64_t secs = (uint64_t)ts->tv_sec, days = secs / 86400, sod = secs % 86400;
    /* days from 0000-03-01, in 400-year eras of 146097 days; a year of
     * the era from its day (the leap days of 4, 100 and 400 years taken
     * out), then the month from March (153 days in 5 months) */
    uint64_t z = days + 719468, era = z / 146097, doe = z % 146097;
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    uint64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    uint64_t year = yoe + era * 400 + (month <= 2);
    if (year > 9999) {
        memcpy(out, "9999-12-31T23:59:59.999Z", 25);
        return;
    }
    char *t = put_uint(out, year, 4);
    *t++ = '-';
    t = put_uint(t, month, 2);
    *t++ = '-';
    t = put_uint(t, day, 2);
    *t++ = 'T';
    t = put_uint(t, sod / 3600, 2);
    *t++ = ':';
    t = put_uint(t, sod / 60 % 60, 2);
    *t++ = ':';
    t = put_uint(t, sod % 60, 2);
    *t++ = '.';
    t = put_uint(t, (uint64_t)ts->tv_nsec / 1000000u % 1000u, 3);
    *t++ = 'Z';
    *t = 0;
}

static void timestamp(char out[WH_LOG_TIME_LEN])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    wh_log_time(out, &ts);
}

/* A line's object with its "ts", "level" and "msg", or NULL when out of
 * memory. */
static json_t *line_start(const char *level, const char *msg)
{
    char ts[WH_LOG_TIME_LEN];
    json_t *o = json_object();
    timestamp(ts);
    if (o) {
        set_str(o, "ts", ts);
        set_str(o, "level", level);
        set_str(o, "msg", msg);
    }
    return o;
}

/* All of p (n bytes) to stderr in one write(2) where the kernel takes it
 * whole (it may take less: the rest follows, still under the lock). A
 * failed write is dropped, as fputs would.
 * A line of at most PIPE_BUF bytes is written without stderr's stdio lock:
 * one write(2) of it is never interleaved with another (a pipe, as a
 * container's stderr is, takes it whole, and a regular file's offset is
 * locked for each write), nor with a line of this process's stdio, which
 * also goes out in one write(2). Taking the lock for it made the event
 * loops wait on each other's log writes (a futex sleep and wake for about
 * two answers in three under load). A longer line, which a pipe may
 * split, keeps the lock. */
static void write_line(const char *p, size_t n)
{
    if (n <= PIPE_BUF) {
        ssize_t k;
        while ((k = write(fileno(stderr), p, n)) < 0 && errno == EINTR)
            ;
        if (k <= 0 || (size_t)k == n)
            return;
        p += k; /* taken in part (a signal, a full non-blocking pipe): the rest as below */
        n -= (size_t)k;
    }
    flockfile(stderr);
    while (n > 0) {
        ssize_t k = write(fileno(stderr), p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        p += k;
        n -= (size_t)k;
    }
    funlockfile(stderr);
}

/* Dump o as one line and consume it. */
static void emit(json_t *o)
{
    char stack[LINE_STACK], *line = stack;
    size_t n = o ? json_dumpb(o, stack, sizeof stack - 1, DUMP_FLAGS) : 0;
    if (n >= sizeof stack - 1) { /* did not fit (json_dumpb says how long it is) */
        line = n < SIZE_MAX - 1 ? malloc(n + 1) : NULL;
        size_t again = line ? json_dumpb(o, line, n, DUMP_FLAGS) : 0;
        if (again != n)
            n = 0;
    }
    json_decref(o);
    if (n == 0) {
        if (line != stack)
            free(line);
        static const char oom[] =
            "{\"level\":\"error\",\"msg\":\"out of memory writing a log line\"}\n";
        write_line(oom, sizeof oom - 1);
        return;
    }
    line[n] = '\n';
    write_line(line, n + 1);
    if (line != stack)
        free(line);
}

void wh_log(const char *level, const char *msg, json_t *fields)
{
    json_t *o = line_start(level, msg);
    if (o && json_is_object(fields))
        json_object_update(o, fields);
    json_decref(fields);
    emit(o);
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

/* The decision line written directly, without building a jansson object:
 * the same bytes as the jansson dump of the same fields (compact, in
 * order; strings escaped as jansson escapes them by pc_buf_json_str, bytes
 * that are not UTF-8 replaced by U+FFFD as pc_json_string does, NULL
 * members left out as set_str leaves them out). */

/* ,"key": (key a literal, never escaped) */
#define PUT_KEY(b, key) pc_buf_add((b), ",\"" key "\":", sizeof(",\"" key "\":") - 1)
/* ,"key":"value" when v is not NULL */
#define PUT_FIELD(b, key, v)                                                                       \
    do {                                                                                           \
        const char *v_ = (v);                                                                      \
        if (v_) {                                                                                  \
            PUT_KEY(b, key);                                                                       \
            pc_buf_json_str((b), v_);                                                              \
        }                                                                                          \
    } while (0)
#define PUT_BOOL(b, key, v) put_bool((b), ",\"" key "\":", sizeof(",\"" key "\":") - 1, (v))

static void put_bool(pc_buf *b, const char *key, size_t klen, int v)
{
    pc_buf_add(b, key, klen);
    if (v)
        pc_buf_add(b, "true", 4);
    else
        pc_buf_add(b, "false", 5);
}

static void put_image(pc_buf *b, const wh_image_decision *x)
{
    const pc_result *r = wh_verdict_result(x->lk.v);
    pc_buf_add(b, "{", 1);
    size_t start = b->len;
    PUT_FIELD(b, "image", x->img->image);
    PUT_FIELD(b, "container", x->img->container);
    if (r) {
        PUT_FIELD(b, "digest", r->digest);
        PUT_FIELD(b, "manifest_digest", r->manifest_digest);
        PUT_FIELD(b, "run_key", r->run_key[0] ? r->run_key : NULL);
        PUT_FIELD(b, "effective_user", r->sandbox.user);
        PUT_FIELD(b, "user_from", r->sandbox.user_from);
        PUT_BOOL(b, "would_deny", r->would_deny);
    } else if (!x->img->run_error) {
        PUT_FIELD(b, "run_key", x->img->runkey);
    }
    PUT_FIELD(b, "run_error", x->img->run_error);
    PUT_FIELD(b, "verdict", wh_img_outcome_name(x->outcome));
    PUT_BOOL(b, "cached", x->lk.cached);
    PUT_BOOL(b, "shared", x->lk.joined);
    PUT_FIELD(b, "reason", x->reason);
    /* every member was written with a leading comma: drop the first */
    if (!b->oom && b->len > start && b->p[start] == ',') {
        memmove(b->p + start, b->p + start + 1, b->len - start);
        b->len--;
    }
    pc_buf_add(b, "}", 1);
}

static void log_decision_direct(const wh_log_request *rq, const wh_decision *d,
                                uint64_t duration_ms)
{
    char ts[WH_LOG_TIME_LEN], num[96]; /* two 20-digit numbers and their keys fit */
    pc_buf b = {0};
    /* one allocation for a usual line (a Pod's is under 1 KB), not a doubling from 8 */
    if (pc_grow((void **)&b.p, &b.cap, 2048, 1) < 0)
        b.oom = 1;
    timestamp(ts);
    pc_buf_add(&b, "{\"ts\":", 6);
    pc_buf_json_str(&b, ts);
    PUT_FIELD(&b, "level", "info");
    PUT_FIELD(&b, "msg", "decision");
    PUT_FIELD(&b, "endpoint", rq->endpoint);
    PUT_FIELD(&b, "uid", rq->uid);
    PUT_FIELD(&b, "namespace", rq->namespace_);
    PUT_FIELD(&b, "kind", rq->kind);
    PUT_FIELD(&b, "name", rq->name);
    PUT_FIELD(&b, "operation", rq->operation);
    PUT_FIELD(&b, "user", rq->user);
    PUT_BOOL(&b, "dry_run", rq->dry_run);
    PUT_FIELD(&b, "verdict", d->allowed ? "allow" : "deny");
    PUT_BOOL(&b, "namespace_exempt", d->namespace_exempt);
    PUT_KEY(&b, "reasons");
    pc_buf_add(&b, "[", 1);
    int first = 1;
    for (size_t i = 0; i < d->nimgs; i++)
        if (d->imgs[i].outcome != WH_IMG_ALLOW && d->imgs[i].outcome != WH_IMG_EXEMPT) {
            if (!first)
                pc_buf_add(&b, ",", 1);
            pc_buf_json_str(&b, d->imgs[i].reason);
            first = 0;
        }
    pc_buf_add(&b, "]", 1);
    PUT_KEY(&b, "images");
    pc_buf_add(&b, "[", 1);
    for (size_t i = 0; i < d->nimgs; i++) {
        if (i)
            pc_buf_add(&b, ",", 1);
        put_image(&b, &d->imgs[i]);
    }
    pc_buf_add(&b, "]", 1);
    char *t = num;
    memcpy(t, ",\"warnings\":", 12);
    t = put_uint(t + 12, (uint64_t)d->nwarnings, 1);
    memcpy(t, ",\"duration_ms\":", 15);
    t = put_uint(t + 15, duration_ms, 1);
    memcpy(t, "}\n", 2);
    pc_buf_add(&b, num, (size_t)(t + 2 - num));
    if (b.oom || !b.p) {
        pc_buf_free(&b);
        static const char oom[] =
            "{\"level\":\"error\",\"msg\":\"out of memory writing a decision\"}\n";
        write_line(oom, sizeof oom - 1);
        return;
    }
    write_line(b.p, b.len);
    pc_buf_free(&b);
}

void wh_log_decision(const wh_log_request *rq, const wh_decision *d, uint64_t duration_ms)
{
    if (!rq->extra) { /* fields of its own would merge into the line: jansson's path */
        log_decision_direct(rq, d, duration_ms);
        return;
    }
    /* the line's own object: no copy of the fields into another one */
    json_t *f = line_start("info", "decision"), *imgs = json_array(), *reasons = json_array();
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
    emit(f);
}
