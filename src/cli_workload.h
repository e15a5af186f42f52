/*
 * cli_workload.h — the containers a manifest's objects run
 * (cli_workload.c): for every object of a kind that holds a pod spec
 * (portcullis_k8s.h), every container with an image, with the run context
 * the kubelet will give it and a subject naming object and container.
 */
#ifndef PC_CLI_WORKLOAD_H
#define PC_CLI_WORKLOAD_H

#include <stddef.h>
#include "cli_manifest.h"
#include "portcullis.h"

typedef struct cli_run {
    char *image;  /* as the container names it */
    pc_runctx rc; /* its run; rc.subject "Deployment prod/web, container app" */
    char key[72]; /* pc_runctx_key(&rc) */
} cli_run;

typedef struct cli_runs {
    cli_run *v;
    size_t n, cap;
} cli_runs;

/* Append the runs of docs (read from the manifest name) to runs, in
 * document order, each pod spec's init, regular then ephemeral
 * containers. `kind: List` (and any *List with items) is expanded.
 * Documents without apiVersion and kind, and kinds that hold no pod spec
 * (Service, ConfigMap, ...) are skipped. A container without an image is
 * skipped (a workload controller may default it). 0, or -1 with
 * "NAME:LINE: KIND NS/NAME: FIELD: what is wrong" in err. */
int cli_runs_add(cli_runs *runs, const char *name, const cli_docs *docs, char *err, size_t errlen);

void cli_runs_free(cli_runs *runs);

#endif
