/*
 * podspec.h — where each Kubernetes workload keeps its pod spec, and the
 * images in it.
 */
#ifndef WH_PODSPEC_H
#define WH_PODSPEC_H

#include <jansson.h>
#include "imagelist.h"

/* 1 when group/kind is an object kind the webhook reads: Pod,
 * ReplicationController, EphemeralContainers (core); Deployment,
 * ReplicaSet, StatefulSet, DaemonSet (apps, and extensions for the old
 * ones); Job, CronJob (batch). */
int wh_podspec_known(const char *group, const char *kind);

/* Append every image of obj's containers, initContainers and
 * ephemeralContainers to out, with JSON pointers into obj. A pod spec
 * that is absent has no images; a field of the wrong type, an image that
 * is not a string or is too long, or an unknown kind is an error naming
 * the field (-1). */
int wh_podspec_images(const char *group, const char *kind, json_t *obj, wh_image_list *out,
                      char *err, size_t errlen);

/* The metadata of the pods obj makes (a Pod's own, a workload's pod
 * template's; CronJob's is under spec.jobTemplate): its JSON pointer into
 * ptr ("/metadata", "/spec/template/metadata", ...) and the object there
 * in *meta (NULL when absent or null). -1 when the kind has no pod
 * metadata (EphemeralContainers), the path to it is missing or not made
 * of objects, or metadata is not an object. */
int wh_podspec_pod_metadata(const char *group, const char *kind, json_t *obj, char *ptr, size_t n,
                            json_t **meta);

#endif
