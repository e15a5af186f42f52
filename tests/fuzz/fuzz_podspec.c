/*
 * fuzz_podspec.c — libFuzzer target: where each workload kind keeps its
 * pod spec and images (webhook/k8s/podspec.c). The first byte picks the
 * group/kind (or an unknown one) and the room given for the metadata
 * pointer; the rest is the object. Every image reported must be named by
 * its pointer and carry either its run context or why it could not be
 * read, and the pod metadata pointer must name the object returned. The
 * object is read as a pc_jdoc (what the webhook reads) and checked against
 * jansson's reading of the same bytes.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "fuzz_images.h"
#include "podspec.h"

static const char *const kinds[][2] = {
    {"", "Pod"},
    {"", "ReplicationController"},
    {"", "PodTemplate"},
    {"", "EphemeralContainers"},
    {"apps", "Deployment"},
    {"apps", "ReplicaSet"},
    {"apps", "StatefulSet"},
    {"apps", "DaemonSet"},
    {"extensions", "Deployment"},
    {"extensions", "ReplicaSet"},
    {"extensions", "DaemonSet"},
    {"batch", "Job"},
    {"batch", "CronJob"},
    {"batch", "Pod"},
    {"", "Service"},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *group = kinds[data[0] % NKINDS][0], *kind = kinds[data[0] % NKINDS][1];
    size_t room = (size_t)(data[0] >> 4) * 4; /* 0..60 bytes for the metadata pointer */
    json_t *obj = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
    pc_jdoc *doc = pc_jdoc_parse((const char *)data + 1, size - 1, 0, NULL, 0);
    FZ_CHECK(!doc || obj, "pc_jdoc accepted what jansson refuses");
    if (!obj || !doc) {
        json_decref(obj);
        return 0;
    }
    const pc_jval *root = pc_jdoc_root(doc);
    wh_image_list l = {0};
    char err[512];
    int known = wh_podspec_known(group, kind);
    int rc = wh_podspec_images(group, kind, root, &l, err, sizeof err);
    FZ_CHECK(known || rc < 0, "images of an unknown kind %s/%s", group, kind);
    if (rc == 0)
        fz_check_images(obj, &l);
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        const wh_image *e = &l.v[i];
        FZ_CHECK((e->run != NULL) != (e->run_error != NULL), "entry %zu: run %p, run_error %s", i,
                 (void *)e->run, e->run_error ? e->run_error : "(none)");
        FZ_CHECK(strncmp(e->runkey, "sha256:", 7) == 0 && strlen(e->runkey) == 71,
                 "entry %zu: run key %s", i, e->runkey);
        FZ_CHECK(!e->run || !e->run->subject, "entry %zu: a subject is set", i);
    }
    wh_image_list_free(&l);
    char *ptr = room ? malloc(room) : NULL;
    const pc_jval *meta = (const pc_jval *)1;
    if (wh_podspec_pod_metadata(group, kind, root, ptr, room, &meta) == 0) {
        json_t *at = ptr ? fz_json_pointer(obj, ptr) : NULL;
        FZ_CHECK(ptr && strlen(ptr) < room, "metadata pointer does not fit");
        FZ_CHECK(!meta || (json_is_object(at) && json_object_size(at) == meta->n),
                 "pointer %s is not the metadata", ptr);
    } else {
        FZ_CHECK(meta == NULL, "metadata left set on failure");
    }
    free(ptr);
    pc_jdoc_free(doc);
    json_decref(obj);
    return 0;
}
