/*
 * decide.h — from the images of one review to one answer: allowed or not,
 * the denial message (image, check and path, one line, bounded), the
 * warnings (one short line each) and, per image, what was found. Shared
 * by /validate, /imagereview and (later) the TES endpoints.
 */
#ifndef WH_DECIDE_H
#define WH_DECIDE_H

#include <stddef.h>
#include <stdint.h>
#include "imagelist.h"
#include "../verdicts.h"

typedef enum {
    WH_IMG_ALLOW,
    WH_IMG_DENY,
    WH_IMG_EXEMPT,  /* exempt_images matched the reference; not scanned */
    WH_IMG_PENDING, /* deadline first: denied, "scan in progress, retry" */
    WH_IMG_BUSY,    /* no scan could be queued: denied, "retry" */
    WH_IMG_LOCAL,   /* a local transport (oci:, ...): denied, never read */
    WH_IMG_INVALID, /* its run context could not be read: denied, not scanned */
} wh_img_outcome;

typedef struct wh_image_decision {
    const wh_image *img; /* the first field naming this image and run (borrowed) */
    size_t uses;         /* how many fields name it, run the same way */
    wh_img_outcome outcome;
    wh_lookup lk;       /* the scan, when there is one */
    const char *exempt; /* exempt_images entry (borrowed from the ctx) */
    pc_verdict verdict; /* of the scan, for this reference (pc_verdict_of); zero: none */
    char *reason;       /* one line for logs: the deny reasons or "allowed" */
} wh_image_decision;

typedef struct wh_decision {
    int allowed;
    int namespace_exempt;
    wh_image_decision *imgs; /* one per distinct image string and run key */
    size_t nimgs;
    char *message;   /* when denied: names image, check, path; NULL when allowed */
    char **warnings; /* one short line each */
    size_t nwarnings;
    const pc_ctx *ctx;      /* borrowed from the input, for the reasons */
    const char *namespace_; /* borrowed: exceptions naming it waive findings here */
    /* the policy generation ctx belongs to, held until wh_decision_free, so
     * a reload cannot free ctx while the answer, the log line and the
     * counts still read it */
    struct wh_server *server;
    struct wh_gen *gen;
    void (*put_gen)(struct wh_server *, struct wh_gen *);
} wh_decision;

typedef struct wh_decide_in {
    /* the generation (wh_gen_get) that ctx and verdicts belong to, or NULL;
     * wh_decide takes the hold over: the decision keeps it until
     * wh_decision_free, and it is put back at once when wh_decide fails or
     * returns 1; put_gen (wh_gen_put) gives it back */
    struct wh_server *server;
    struct wh_gen *gen;
    void (*put_gen)(struct wh_server *, struct wh_gen *);
    const pc_ctx *ctx;
    wh_verdicts *verdicts;
    const char *namespace_; /* NULL: none (cluster-scoped or not given) */
    const wh_image_list *images;
    uint64_t deadline_ms; /* pc_now_ms clock */
    /* --pin-digests on a Kubernetes path: unpinned-image at warn becomes
     * deny (ignore stays ignore; a digest exemption still caps it at warn) */
    int pin_digests;
    /* answer from cached verdicts only, never waiting (the HTTP event
     * loop): wh_decide returns 1 when some image has none */
    int cached_only;
} wh_decide_in;

#define WH_MESSAGE_MAX 4096 /* bytes of a denial message */
#define WH_WARNING_MAX 120  /* bytes of one warning */
#define WH_WARNINGS_MAX 16  /* warnings per answer */

/* Decide; -1 only when out of memory, 1 when in->cached_only and some
 * image's verdict is not cached (d is then empty and safe to free, and
 * nothing was counted or started: decide again with cached_only 0). */
int wh_decide(const wh_decide_in *in, wh_decision *d);
void wh_decision_free(wh_decision *d);
/* A denied decision into portcullis_denials_total: once for each check
 * that denied some image (a finding at deny, unpinned-image; "scan-error",
 * and for images with no verdict "scan-pending", "scanner-busy",
 * "local-transport" or "invalid-run-context"), in d's namespace. Nothing
 * for an allowed one. */
void wh_decision_count(const wh_decision *d, wh_metrics *m);
/* "allow", "deny", "exempt", "pending", "busy", "local", "invalid". */
const char *wh_img_outcome_name(wh_img_outcome o);

#endif
