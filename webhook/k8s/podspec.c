/*
 * podspec.c — see podspec.h. Where a kind keeps its pod spec is
 * pc_k8s_spec_path's table (lib/k8s.c, shared with `scan --manifest`);
 * how a container runs is pc_k8s_runctx. Reading never recurses: it
 * follows that fixed path, then walks the fixed container lists, so the
 * shape of a hostile object cannot make it do more work than the number
 * of containers, which imagelist caps.
 */
#include <stdio.h>
#include <string.h>
#include "podspec.h"
#include "portcullis_k8s.h"

#define PATH_MAX_STEPS 6 /* keys from an object to its pod spec, at most */

int wh_podspec_known(const char *group, const char *kind)
{
    return pc_k8s_spec_path(group, kind) != NULL;
}

/* Add image (at JSON pointer ptr, container name) with the run context
 * of its container c of pod spec pod or, when the container's fields
 * cannot be read, the reason recorded on the entry (denied, not refused:
 * the review is well formed enough to answer). -1 only when out of
 * memory or past the image limit. */
static int one_run(json_t *pod, json_t *c, const char *where, const char *image, const char *ptr,
                   const char *name, wh_image_list *out, char *err, size_t errlen)
{
    pc_runctx rc;
    char why[512];
    if (pc_k8s_runctx(pod, c, where, &rc, why, sizeof why) < 0)
        return wh_image_list_add_run(out, image, ptr, name, NULL, why, err, errlen);
    int ret = wh_image_list_add_run(out, image, ptr, name, &rc, NULL, err, errlen);
    pc_runctx_free(&rc);
    return ret;
}

static int one_container(json_t *pod, json_t *c, const char *where, wh_image_list *out, char *err,
                         size_t errlen)
{
    char ptr[512];
    if (!json_is_object(c)) {
        snprintf(err, errlen, "%s: expected an object", where);
        return -1;
    }
    json_t *img = json_object_get(c, "image"), *name = json_object_get(c, "name");
    if (!img || json_is_null(img))
        return 0; /* templates may leave the image to be filled in later */
    if (!json_is_string(img)) {
        snprintf(err, errlen, "%s.image: expected a string", where);
        return -1;
    }
    if (name && !json_is_null(name) && !json_is_string(name)) {
        snprintf(err, errlen, "%s.name: expected a string", where);
        return -1;
    }
    const char *s = json_string_value(img);
    if (!*s)
        return 0;
    if (json_string_length(img) > WH_MAX_IMAGE_LEN || strlen(s) != json_string_length(img)) {
        snprintf(err, errlen, "%s.image: longer than %d bytes or not a plain string", where,
                 WH_MAX_IMAGE_LEN);
        return -1;
    }
    /* where is "spec.containers[3]"; the pointer is "/spec/containers/3/image" */
    size_t k = 0;
    for (const char *p = where; *p && k + 8 < sizeof ptr; p++) {
        if (p == where || *p == '.' || *p == '[')
            ptr[k++] = '/';
        if (*p != '.' && *p != '[' && *p != ']')
            ptr[k++] = *p;
    }
    memcpy(ptr + k, "/image", 7);
    return one_run(pod, c, where, s, ptr, json_string_value(name), out, err, errlen);
}

static int one_list(json_t *spec, const char *prefix, const char *list, wh_image_list *out,
                    char *err, size_t errlen)
{
    char where[256];
    json_t *a = json_object_get(spec, list);
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a)) {
        snprintf(err, errlen, "%s%s: expected an array", prefix, list);
        return -1;
    }
    size_t i;
    json_t *c;
    json_array_foreach(a, i, c)
    {
        if (i >= WH_MAX_IMAGES) {
            snprintf(err, errlen, "%s%s: more than %d containers", prefix, list, WH_MAX_IMAGES);
            return -1;
        }
        snprintf(where, sizeof where, "%s%s[%zu]", prefix, list, i);
        if (one_container(spec, c, where, out, err, errlen) < 0)
            return -1;
    }
    return 0;
}

int wh_podspec_images(const char *group, const char *kind, json_t *obj, wh_image_list *out,
                      char *err, size_t errlen)
{
    char prefix[128] = "";
    size_t plen = 0;
    const char *const *path = pc_k8s_spec_path(group, kind);
    if (!path) {
        snprintf(err, errlen, "unknown object kind \"%.64s\" in group \"%.64s\"", kind ? kind : "",
                 group ? group : "");
        return -1;
    }
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "object: expected an object");
        return -1;
    }
    json_t *spec = obj;
    for (int i = 0; i < PATH_MAX_STEPS && path[i]; i++) {
        plen += (size_t)snprintf(prefix + plen, sizeof prefix - plen, "%s.", path[i]);
        spec = json_object_get(spec, path[i]);
        if (!spec || json_is_null(spec))
            return 0;
        if (!json_is_object(spec)) {
            snprintf(err, errlen, "%.*s: expected an object", (int)(plen - 1), prefix);
            return -1;
        }
    }
    for (size_t i = 0; i < PC_K8S_NLISTS; i++)
        if (one_list(spec, prefix, pc_k8s_lists[i], out, err, errlen) < 0)
            return -1;
    return 0;
}

int wh_podspec_pod_metadata(const char *group, const char *kind, json_t *obj, char *ptr, size_t n,
                            json_t **meta)
{
    const char *const *path = pc_k8s_spec_path(group, kind);
    int steps = 0;
    size_t len = 0;
    *meta = NULL;
    if (!path || !path[0] || n < 16)
        return -1;
    while (steps < PATH_MAX_STEPS && path[steps])
        steps++;
    json_t *parent = obj; /* the object holding the pod spec holds the metadata too */
    ptr[0] = 0;
    for (int i = 0; i < steps - 1; i++) {
        parent = json_object_get(parent, path[i]);
        int w = snprintf(ptr + len, n - len, "/%s", path[i]);
        if (!json_is_object(parent) || w < 0 || (size_t)w >= n - len)
            return -1;
        len += (size_t)w;
    }
    if (!json_is_object(parent) || n - len <= strlen("/metadata"))
        return -1;
    memcpy(ptr + len, "/metadata", strlen("/metadata") + 1);
    json_t *m = json_object_get(parent, "metadata");
    if (m && !json_is_null(m) && !json_is_object(m))
        return -1;
    *meta = json_is_object(m) ? m : NULL;
    return 0;
}
