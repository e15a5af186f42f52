/*
 * portcullis_k8s.h — Kubernetes objects as runs: where a workload kind
 * keeps its pod spec, and the run context (portcullis.h's pc_runctx) of
 * one container of a pod spec, as the kubelet and the container runtime
 * will start it. Shared by the webhook (/validate, /mutate) and
 * `portcullis scan --manifest`, so a deploy is judged the same way in CI
 * and at admission. Objects are read from a pc_jdoc (portcullis_jdoc.h),
 * the reading jansson's strict parse would give.
 */
#ifndef PORTCULLIS_K8S_H
#define PORTCULLIS_K8S_H

#include <stddef.h>
#include "portcullis.h"
#include "portcullis_jdoc.h"

/* The keys from an object of this API group ("" for core, "apps", ...)
 * and kind to its pod spec, NULL-terminated (Pod: {"spec"}; CronJob:
 * {"spec","jobTemplate","spec","template","spec"}); an empty list for a
 * kind whose object is itself a container holder (the pre-1.23
 * EphemeralContainers object); NULL for a kind that holds no pod spec. */
const char *const *pc_k8s_spec_path(const char *group, const char *kind);

/* The container lists of a pod spec, in the order the kubelet starts
 * them: initContainers, containers, ephemeralContainers. */
#define PC_K8S_NLISTS 3
extern const char *const pc_k8s_lists[PC_K8S_NLISTS];

/* The run context of container (an element of one of the lists of pod,
 * a pod spec; pod may be NULL) into rc (initialised here):
 *   user      container securityContext.runAsUser, else the pod's;
 *   group     runAsGroup, container over pod;
 *   runAsNonRoot, container over pod (the kubelet's refusals: run-refused);
 *   group_add the pod's supplementalGroups and fsGroup;
 *   caps      the container's capabilities.add / drop (relative to the
 *             runtime's default set), privileged;
 *   no_new_privileges  allowPrivilegeEscalation: false;
 *   read_only readOnlyRootFilesystem;
 *   entrypoint `command` (non-empty) replaces ENTRYPOINT and drops CMD;
 *   cmd       `args` (non-empty) replaces CMD;
 *   workdir   workingDir (absolute; runc refuses a relative one);
 *   env       env[].value over the image's Env; $(VAR) references in
 *             command, args and env values expanded from the entries
 *             before them, `$$` as `$`, as the kubelet does (a reference
 *             to an unknown or valueFrom variable stays as written).
 * where names the container for messages ("spec.containers[0]"). 0, or
 * -1 with "WHERE.FIELD: what is wrong" in err (rc then empty); a field of
 * the pod's securityContext is named in the pod spec that holds where's
 * list: "spec.securityContext.runAsUser (pod level, for spec.containers[0])". */
int pc_k8s_runctx(const pc_jval *pod, const pc_jval *container, const char *where, pc_runctx *rc,
                  char *err, size_t errlen);

/* volumes[i] of pod spec pod when it mounts an image (the image volume
 * source, volumes[].image.reference: the kubelet pulls that image and
 * mounts its files into the containers that mount the volume, so it is
 * an image the pod brings in): 1 with *name (the volume's, or "") and
 * *ref (the reference, or NULL when it is not a string: refuse the pod);
 * 0 when volumes[i] is another kind of volume; -1 past the last one. */
int pc_k8s_image_volume(const pc_jval *pod, size_t i, const char **name, const char **ref);

#endif
