/*
 * imagelist.h — the images a review asks about, each with where it was
 * found: the JSON pointer of its "image" field (what a JSON Patch would
 * rewrite), the container name and the container list it is in. The
 * AdmissionReview, ImageReview and TES readers all fill one of these, so
 * deciding, logging and (later) patching share one shape.
 */
#ifndef WH_IMAGELIST_H
#define WH_IMAGELIST_H

#include <stddef.h>
#include "portcullis.h"

#define WH_MAX_IMAGES 512     /* more image fields than this in one review: refused */
#define WH_MAX_IMAGE_LEN 1024 /* longer image strings: refused */

typedef struct wh_image {
    char *image;     /* the reference exactly as written */
    char *pointer;   /* JSON pointer of the image field, e.g. /spec/containers/0/image */
    char *container; /* container name, or "" */
    pc_runctx *run;  /* how it will be started (owned), or NULL: as its config says */
    char runkey[72]; /* pc_runctx_key of run (that of no run context when run is NULL) */
    /* why the run context could not be read ("spec.containers[0].
     * securityContext.runAsUser: expected ..."), or NULL: the entry is
     * denied without a scan (fail closed), never grouped with another */
    char *run_error;
    int mounted; /* an image the pod mounts as a volume (run_error says so): no run of it */
} wh_image;

typedef struct wh_image_list {
    wh_image *v;
    size_t n, cap;
    /* pc_runctx_key of no run context, computed once per list (each
     * computation dumps and hashes a JSON text); valid when have_nokey */
    char nokey[72];
    int have_nokey;
} wh_image_list;

/* Append copies. -1 (with a message) when out of memory or past WH_MAX_IMAGES. */
int wh_image_list_add(wh_image_list *l, const char *image, const char *pointer,
                      const char *container, char *err, size_t errlen);
/* Give entry i the run context rc (copied; its subject dropped: cached
 * verdicts are shared between workloads). -1 with a message when out of
 * memory. */
int wh_image_list_set_run(wh_image_list *l, size_t i, const pc_runctx *rc, char *err,
                          size_t errlen);
/* Mark entry i's run context unreadable: msg (copied) says why. -1 when
 * out of memory. */
int wh_image_list_set_run_error(wh_image_list *l, size_t i, const char *msg, char *err,
                                size_t errlen);
/* Append copies with the run context rc or, rc NULL, none: then
 * run_error (copied, may be NULL) says why the run context could not be
 * read. rc is taken, not copied (its subject dropped, its key computed
 * once): on return, success or not, *rc is empty and owns nothing (a
 * review's containers each build one; a deep copy per container was a
 * few dozen allocations per review). -1 with a message when out of
 * memory or past WH_MAX_IMAGES (nothing appended). */
int wh_image_list_add_run(wh_image_list *l, const char *image, const char *pointer,
                          const char *container, pc_runctx *rc, const char *run_error, char *err,
                          size_t errlen);
/* Append a copy of e (its run context, run key and run error too: the
 * key is copied, not computed again). */
int wh_image_list_add_copy(wh_image_list *l, const wh_image *e, char *err, size_t errlen);
/* 1 when some entry is the same run as e: the same image string and run
 * key, neither with a run error (an unreadable run is never "the same"). */
int wh_image_list_has_run(const wh_image_list *l, const wh_image *e);
void wh_image_list_free(wh_image_list *l);

#endif
