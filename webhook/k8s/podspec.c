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
#include "pcx.h"

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
static int one_run(const pc_jval *pod, const pc_jval *c, const char *where, const char *image,
                   const char *ptr, const char *name, wh_image_list *out, char *err, size_t errlen)
{
    pc_runctx rc;
    char why[512];
    if (pc_k8s_runctx(pod, c, where, &rc, why, sizeof why) < 0)
        return wh_image_list_add_run(out, image, ptr, name, NULL, why, err, errlen);
    return wh_image_list_add_run(out, image, ptr, name, &rc, NULL, err, errlen);
}

static int one_container(const pc_jval *pod, const pc_jval *c, const char *where,
                         wh_image_list *out, char *err, size_t errlen)
{
    char ptr[512];
    if (!pc_jis(c, PC_JOBJ)) {
        snprintf(err, errlen, "%s: expected an object", where);
        return -1;
    }
    const pc_jval *img = pc_jget(c, "image"), *name = pc_jget(c, "name");
    if (pc_jis_none(img))
        return 0; /* templates may leave the image to be filled in later */
    if (!pc_jis(img, PC_JSTR)) {
        snprintf(err, errlen, "%s.image: expected a string", where);
        return -1;
    }
    if (!pc_jis_none(name) && !pc_jis(name, PC_JSTR)) {
        snprintf(err, errlen, "%s.name: expected a string", where);
        return -1;
    }
    const char *s = img->u.s;
    if (!*s)
        return 0;
    if (img->n > WH_MAX_IMAGE_LEN || strlen(s) != img->n) {
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
    return one_run(pod, c, where, s, ptr, pc_jstr(name), out, err, errlen);
}

/* "PREFIXLIST[i]" into where (256 bytes; prefix is under 128, list a
 * short name of pc_k8s_lists, i below WH_MAX_IMAGES): written directly,
 * not by snprintf, as this runs for every container of every review. */
static void where_name(char where[256], const char *prefix, const char *list, size_t i)
{
    size_t np = strlen(prefix), nl = strlen(list), k = 0;
    char d[24];
    int nd = 0;
    if (np + nl + sizeof d + 3 > 256) { /* not reached: the caller's sizes */
        snprintf(where, 256, "%s%s[%zu]", prefix, list, i);
        return;
    }
    do
        d[nd++] = (char)('0' + i % 10);
    while ((i /= 10) != 0);
    memcpy(where, prefix, np);
    memcpy(where + np, list, nl);
    k = np + nl;
    where[k++] = '[';
    while (nd)
        where[k++] = d[--nd];
    where[k++] = ']';
    where[k] = 0;
}

static int one_list(const pc_jval *spec, const char *prefix, const char *list, wh_image_list *out,
                    char *err, size_t errlen)
{
    char where[256];
    const pc_jval *a = pc_jget(spec, list);
    if (pc_jis_none(a))
        return 0;
    if (!pc_jis(a, PC_JARR)) {
        snprintf(err, errlen, "%s%s: expected an array", prefix, list);
        return -1;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (i >= WH_MAX_IMAGES) {
            snprintf(err, errlen, "%s%s: more than %d containers", prefix, list, WH_MAX_IMAGES);
            return -1;
        }
        where_name(where, prefix, list, i);
        if (one_container(spec, pc_jat(a, i), where, out, err, errlen) < 0)
            return -1;
    }
    return 0;
}

/* The images the pod mounts as volumes (volumes[].image.reference): an
 * image the pod brings in whose files reach its containers, but no
 * container runs it, so no run of it is judged: each is an entry denied
 * without a scan, saying why (fail closed). */
static int image_volumes(const pc_jval *spec, const char *prefix, wh_image_list *out, char *err,
                         size_t errlen)
{
    const char *name, *ref;
    int k;
    for (size_t i = 0; (k = pc_k8s_image_volume(spec, i, &name, &ref)) >= 0; i++) {
        if (k == 0)
            continue;
        char ptr[300], why[700], vname[128];
        size_t plen = strlen(prefix);
        snprintf(ptr, sizeof ptr, "/");
        for (size_t j = 0; j < plen && j + 2 < sizeof ptr; j++)
            ptr[j + 1] = prefix[j] == '.' ? '/' : prefix[j];
        ptr[plen < sizeof ptr - 1 ? plen + 1 : sizeof ptr - 1] = '\0';
        snprintf(ptr + strlen(ptr), sizeof ptr - strlen(ptr), "volumes/%zu/image/reference", i);
        pc_safe_str(name, vname, sizeof vname);
        if (!ref || !*ref || strlen(ref) > WH_MAX_IMAGE_LEN) {
            snprintf(err, errlen, "%svolumes[%zu].image.reference: expected an image reference",
                     prefix, i);
            return -1;
        }
        snprintf(why, sizeof why,
                 "%svolumes[%zu] (\"%s\") mounts this image into the pod's containers: an image "
                 "mounted as a volume is not judged (its files reach the containers, which can "
                 "copy and run them)",
                 prefix, i, vname);
        if (wh_image_list_add_run(out, ref, ptr, vname, NULL, why, err, errlen) < 0)
            return -1;
        out->v[out->n - 1].mounted = 1;
    }
    return 0;
}

int wh_podspec_images(const char *group, const char *kind, const pc_jval *obj, wh_image_list *out,
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
    if (!pc_jis(obj, PC_JOBJ)) {
        snprintf(err, errlen, "object: expected an object");
        return -1;
    }
    const pc_jval *spec = obj;
    for (int i = 0; i < PATH_MAX_STEPS && path[i]; i++) {
        plen += (size_t)snprintf(prefix + plen, sizeof prefix - plen, "%s.", path[i]);
        spec = pc_jget(spec, path[i]);
        if (pc_jis_none(spec))
            return 0;
        if (!pc_jis(spec, PC_JOBJ)) {
            snprintf(err, errlen, "%.*s: expected an object", (int)(plen - 1), prefix);
            return -1;
        }
    }
    for (size_t i = 0; i < PC_K8S_NLISTS; i++)
        if (one_list(spec, prefix, pc_k8s_lists[i], out, err, errlen) < 0)
            return -1;
    return image_volumes(spec, prefix, out, err, errlen);
}

int wh_podspec_pod_metadata(const char *group, const char *kind, const pc_jval *obj, char *ptr,
                            size_t n, const pc_jval **meta)
{
    const char *const *path = pc_k8s_spec_path(group, kind);
    int steps = 0;
    size_t len = 0;
    *meta = NULL;
    if (!path || !path[0] || n < 16)
        return -1;
    while (steps < PATH_MAX_STEPS && path[steps])
        steps++;
    const pc_jval *parent = obj; /* the object holding the pod spec holds the metadata too */
    ptr[0] = 0;
    for (int i = 0; i < steps - 1; i++) {
        parent = pc_jget(parent, path[i]);
        int w = snprintf(ptr + len, n - len, "/%s", path[i]);
        if (!pc_jis(parent, PC_JOBJ) || w < 0 || (size_t)w >= n - len)
            return -1;
        len += (size_t)w;
    }
    if (!pc_jis(parent, PC_JOBJ) || n - len <= strlen("/metadata"))
        return -1;
    memcpy(ptr + len, "/metadata", strlen("/metadata") + 1);
    const pc_jval *m = pc_jget(parent, "metadata");
    if (!pc_jis_none(m) && !pc_jis(m, PC_JOBJ))
        return -1;
    *meta = pc_jis(m, PC_JOBJ) ? m : NULL;
    return 0;
}
