/*
 * podspec.h — where each Kubernetes workload keeps its pod spec, and the
 * images in it, each as its container will run.
 */
#ifndef WH_PODSPEC_H
#define WH_PODSPEC_H

#include "portcullis_jdoc.h"
#include "imagelist.h"

/* 1 when group/kind is an object kind the webhook reads
 * (pc_k8s_spec_path): Pod, ReplicationController, PodTemplate,
 * EphemeralContainers (core); Deployment,
 * ReplicaSet, StatefulSet, DaemonSet (apps, and extensions for the old
 * ones); Job, CronJob (batch). */
int wh_podspec_known(const char *group, const char *kind);

/* Append every image of obj's containers, initContainers and
 * ephemeralContainers to out, with JSON pointers into obj, each with the
 * run context its container will have (pc_k8s_runctx: its
 * securityContext over the pod's, command, args, workingDir, env; no
 * subject). A container whose run context cannot be read gets run_error
 * naming the field instead (the caller denies it). A pod spec that is
 * absent has no images; a container that is not an object, an image that
 * is not a string or is too long, a name that is not a string, or an
 * unknown kind is an error naming the field (-1). */
int wh_podspec_images(const char *group, const char *kind, const pc_jval *obj, wh_image_list *out,
                      char *err, size_t errlen);

/* The metadata of the pods obj makes (a Pod's own, a workload's pod
 * template's; CronJob's is under spec.jobTemplate): its JSON pointer into
 * ptr ("/metadata", "/spec/template/metadata", ...) and the object there
 * in *meta (NULL when absent or null). -1 when the kind has no pod
 * metadata (EphemeralContainers), the path to it is missing or not made
 * of objects, or metadata is not an object. */
int wh_podspec_pod_metadata(const char *group, const char *kind, const pc_jval *obj, char *ptr,
                            size_t n, const pc_jval **meta);

#endif
