/*
 * admission.h — Kubernetes AdmissionReview (admission.k8s.io/v1 and
 * v1beta1): reading a review into the images to judge, and writing the
 * answer in the version it was asked in.
 */
#ifndef WH_ADMISSION_H
#define WH_ADMISSION_H

#include <jansson.h>
#include "portcullis_jdoc.h"
#include "decide.h"
#include "imagelist.h"

typedef struct wh_admission {
    pc_jdoc *doc;            /* the parsed review; the strings below point into it */
    const pc_jval *req;      /* its request object */
    const char *api_version; /* "admission.k8s.io/v1" or "admission.k8s.io/v1beta1" */
    const char *uid, *operation;
    const char *group, *version, *kind; /* request.kind */
    const char *sub_resource;           /* "" when none */
    const char *namespace_, *name;      /* NULL when absent; name falls back to generateName */
    const char *user;                   /* userInfo.username, or NULL */
    int dry_run;
    wh_image_list images; /* to judge: on UPDATE only runs oldObject did not have */
    size_t unchanged;     /* containers skipped because oldObject ran them the same way */
} wh_admission;

/* Read a review. -1 with a message fit for an HTTP 400 (what is wrong
 * and where: "request.uid: missing", "request.kind: unknown object kind
 * \"Service\"", ...); then a is empty. */
int wh_admission_parse(const char *body, size_t len, wh_admission *a, char *err, size_t errlen);
void wh_admission_free(wh_admission *a);

struct wh_server;
struct wh_http_req;
struct wh_reply;
struct wh_decision;
/* Parse a review and decide its images (shared by /validate and /mutate).
 * -1 when the answer (400 or 500) was already written; nothing to free.
 * 0: the caller owns a and d and frees both. */
int wh_admission_decide(struct wh_server *s, const struct wh_http_req *rq, const char *endpoint,
                        int pin_digests, wh_admission *a, struct wh_decision *d,
                        struct wh_reply *out);

/* The AdmissionReview answer for decision d (compact JSON, malloc'd), or
 * NULL when out of memory. */
char *wh_admission_response(const wh_admission *a, const wh_decision *d);

#endif
