/*
 * log.h — the webhook's log: one JSON object per line on stderr.
 *
 * Every line has "ts" (UTC, RFC 3339 with milliseconds), "level" and
 * "msg"; a decision line adds the request (uid, namespace, kind, name,
 * operation, dry run, user name), the overall verdict with its reasons,
 * each image with its digests and verdict, and the duration. Nothing that
 * authenticates anyone is ever written: the webhook sees no credentials in
 * a review, and registry credentials stay inside libportcullis.
 */
#ifndef WH_LOG_H
#define WH_LOG_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>
#include "../k8s/decide.h"

/* Write {"ts","level","msg", ...fields} as one line; fields (an object,
 * may be NULL) is consumed. */
void wh_log(const char *level, const char *msg, json_t *fields);
/* A line with a formatted "msg" and no other fields. */
void wh_logf(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct wh_log_request {
    const char *endpoint; /* "validate", "imagereview" */
    const char *uid;      /* NULL for ImageReview */
    const char *namespace_;
    const char *kind, *name, *operation, *user;
    int dry_run;
    json_t *extra; /* more fields for the line (an object, not consumed), or NULL */
} wh_log_request;

/* The decision line for one answered review. */
/* ts as the "ts" of a line: UTC, 2006-01-02T15:04:05.000Z (gmtime_r's
 * calendar, without its time zone lock; years past 9999 as 9999-12-31T
 * 23:59:59.999Z, before 1970 as 1970-01-01T00:00:00.000Z). */
#define WH_LOG_TIME_LEN 32
void wh_log_time(char out[WH_LOG_TIME_LEN], const struct timespec *ts);

void wh_log_decision(const wh_log_request *rq, const wh_decision *d, uint64_t duration_ms);

#endif
