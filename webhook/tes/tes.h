/*
 * tes.h — GA4GH TES v1.1 tasks: what each executor would run, and the
 * answer to "may it run?", shared by POST /tes/validate and the gate in
 * front of a TES server (tesproxy.c).
 *
 * A task is read along fixed paths only (executors[].image, .command,
 * .workdir, .env, .stdin, .stdout, .stderr; name); each executor's image
 * goes into a wh_image_list (pointer /executors/N/image) with the run
 * context its backend's start semantics give it (tesrun.h), is judged by
 * wh_decide exactly as a container image is (same cache, same shared
 * scans, same deadline), and comes back as one executor object per
 * executor, in task order.
 */
#ifndef WH_TES_H
#define WH_TES_H

#include <jansson.h>
#include <stddef.h>
#include "../k8s/decide.h"
#include "../k8s/imagelist.h"
#include "../webhook.h"
#include "tesrun.h"

#define WH_TES_PATH_MAX 4096 /* bytes of workdir, stdin, stdout, stderr */

typedef struct wh_tes_task {
    json_t *root;
    /* images.v[i], i < nexec: executors[i].image run as that executor
     * starts; from nexec on: the programs of executors' commands judged
     * on their own (shell semantics; wh_tes_executor.twin says whose) */
    wh_image_list images;
    size_t nexec;
    wh_tes_executor *exec; /* nexec of them */
    wh_tes_start start;
    const char *name; /* tesTask.name when a string (borrowed from root), or NULL */
    /* inputs[].content: files the task writes into the container from its
     * own text (borrowed from root); matched against the rules with each
     * executor's run, like a command it runs */
    const char **contents;
    size_t ncontents;
    size_t content_bytes; /* their sum */
    /* what the backend puts into every executor's container before it
     * starts: inputs[].path (files and directories) and volumes[] (empty
     * directories), with what each is ("TES input inputs[0]"): a program
     * or workdir there is not the image's (pc_runctx.mounts) */
    const char **mounts; /* borrowed from root */
    char **mount_from;
    size_t nmounts;
} wh_tes_task;

/* Read a tesTask from body, its executors started under start. -1 with a
 * message naming the field ("executors[1].image: missing",
 * "executors[0].stdout: expected an absolute path") when it is not one,
 * -2 when out of memory; t is then empty. */
int wh_tes_parse(const char *body, size_t len, wh_tes_start start, wh_tes_task *t, char *err,
                 size_t errlen);
void wh_tes_task_free(wh_tes_task *t);

/* One executor of the answer: {"index","image","start","argv","program",
 * "user","command","digest","verdict","reason","findings","sandbox",
 * "attestation"} (finding and sandbox objects as in the scan report;
 * "argv", "program" and "user" the judged run's, from its sandbox), at
 * most max_findings findings ("findings_omitted" counts the rest). x is
 * the executor's decision; prog, or NULL, that of its command's program
 * judged on its own (shell semantics): then "command" is {"argv",
 * "program","verdict","reason","attestation"} of that judgement, its
 * findings join the executor's (those the first has are not repeated),
 * and the executor is denied when either is. "attestation" is a signed
 * verdict (the DSSE envelope, as in the scan report) when signer is
 * given and the image was scanned, else null. Everything said about one
 * executor is built here. */
json_t *wh_tes_executor_json(size_t index, const char *image, const char *start,
                             const wh_image_decision *x, const wh_image_decision *prog,
                             size_t max_findings, wh_signer *signer);

/* Parse the task in rq's body, judge it and fill out: 200 with the answer
 * {"allowed","message","warnings","executors"} (*allowed set), or 400
 * naming the malformed field, or 500. Executors start as --tes-start
 * says, else as the policy's sandbox.start. Logs the decision as endpoint.
 * 0 when judged, -1 when out holds a refusal. */
int wh_tes_judge(wh_server *s, const wh_http_req *rq, const char *endpoint, wh_reply *out,
                 int *allowed);

/* POST /tes/validate. */
void wh_route_tes_validate(wh_server *s, const wh_http_req *rq, wh_reply *out);

#endif
