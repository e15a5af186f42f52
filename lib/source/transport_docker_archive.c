/*
 * transport_docker_archive.c — the docker-archive:FILE[:REPO:TAG|:@N]
 * transport: the tar `docker save` (or skopeo) writes. manifest.json lists
 * images as {Config, RepoTags, Layers}, each a path inside the tar.
 *
 * There is no registry manifest, so nothing names the layers by their
 * compressed digest. What is trusted instead is the config: its sha256 is
 * the image id (and must match a hex name such as "<hex>.json"), and its
 * rootfs.diff_ids name each layer's uncompressed tar. Every layer is
 * therefore marked verify_diff: the layer walk hashes the uncompressed
 * stream and compares it to the diff_id. Layers are usually plain tars,
 * but newer tools may store them compressed, so the first bytes are sniffed.
 *
 * `docker load` decodes manifest.json with Go's encoding/json, so its keys
 * are read as Go reads them (gojson.h): "layers" is the Layers field, and
 * an entry that names one field twice is refused.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "image/gojson.h"
#include "image/manifest.h"
#include "pcx/sha256.h"
#include "source/source.h"
#include "source/spec.h"
#include "source/source_tar.h"
#include "pcx.h"

#define MAX_LISTED 16

typedef struct dar_src {
    pc_tar_index *tar;
    char *file, *sel;
    pc_cfg_copy c;
} dar_src;

/* Docker's defaults, so "fixture:t1" and "docker.io/library/fixture:t1" agree. */
static int norm_ref(const char *in, char *out, size_t n)
{
    const char *slash = strchr(in, '/'), *last = strrchr(in, '/');
    size_t dl = slash ? (size_t)(slash - in) : 0;
    int domain = slash && (memchr(in, '.', dl) || memchr(in, ':', dl) ||
                           (dl == 9 && !strncmp(in, "localhost", 9)));
    int hub = domain && dl == 9 && !strncmp(in, "docker.io", 9);
    const char *path = domain ? slash + 1 : in;
    int tagged = strchr(last ? last + 1 : in, ':') || strchr(in, '@');
    const char *pre =
        (!domain || hub) ? (strchr(path, '/') ? "docker.io/" : "docker.io/library/") : "";
    int r = snprintf(out, n, "%s%s%s", pre, (!domain || hub) ? path : in, tagged ? "" : ":latest");
    return r < 0 || (size_t)r >= n ? -1 : 0;
}

/* An entry's RepoTags (entries are checked first: see check_entries). */
static json_t *repo_tags(json_t *entry)
{
    json_t *tags;
    return pc_gj_field(entry, "RepoTags", &tags, "manifest.json", NULL) > 0 ? tags : NULL;
}

static int ref_matches(json_t *entry, const char *want)
{
    json_t *tags = repo_tags(entry);
    char a[1024], b[1024];
    if (!json_is_array(tags) || norm_ref(want, a, sizeof a) < 0)
        return 0;
    for (size_t i = 0; i < json_array_size(tags); i++) {
        const char *t = json_string_value(json_array_get(tags, i));
        if (t && norm_ref(t, b, sizeof b) == 0 && strcmp(a, b) == 0)
            return 1;
    }
    return 0;
}

/* "images: a, b, @2" — what the caller could have named. */
static void list_images(json_t *arr, pc_buf *b)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *tags = repo_tags(json_array_get(arr, i));
        size_t nt = json_is_array(tags) ? json_array_size(tags) : 0;
        char shown[160];
        if (i == MAX_LISTED) {
            pc_buf_puts(b, ", ...");
            return;
        }
        for (size_t k = 0; k < nt && k < 4; k++) {
            pc_safe_str(json_string_value(json_array_get(tags, k)), shown, sizeof shown);
            pc_buf_printf(b, "%s%s", b->len ? ", " : "", shown[0] ? shown : "?");
        }
        if (nt == 0)
            pc_buf_printf(b, "%s@%zu", b->len ? ", " : "", i);
    }
}

static int pick_err(const dar_src *st, json_t *arr, pc_err *e)
{
    pc_buf b = {0};
    char shown[160];
    list_images(arr, &b);
    pc_safe_str(st->sel, shown, sizeof shown);
    const char *list = b.p && !b.oom ? b.p : "none";
    if (st->sel)
        pc_err_set(e, "%s: no image \"%s\" in manifest.json (images: %s)", st->file, shown, list);
    else
        pc_err_set(e, "%s holds %zu images; name one with FILE:REPO:TAG or FILE:@N (images: %s)",
                   st->file, json_array_size(arr), list);
    pc_buf_free(&b);
    return -1;
}

static int pick_entry(const dar_src *st, json_t *arr, json_t **out, pc_err *e)
{
    size_t n = json_array_size(arr);
    if (n == 0)
        return pc_err_set(e, "%s: manifest.json lists no images", st->file);
    if (!st->sel) {
        *out = json_array_get(arr, 0);
        return n == 1 ? 0 : pick_err(st, arr, e);
    }
    if (st->sel[0] == '@') {
        const char *d = st->sel + 1;
        size_t len = strlen(d), idx = 0;
        if (len == 0 || len > 6 || strspn(d, "0123456789") != len)
            return pc_err_set(e, "docker-archive: malformed image index \"%.20s\"", st->sel);
        for (size_t i = 0; i < len; i++)
            idx = idx * 10 + (size_t)(d[i] - '0');
        if (idx >= n)
            return pc_err_set(e, "%s: image @%zu out of range (%zu images)", st->file, idx, n);
        *out = json_array_get(arr, idx);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (ref_matches(json_array_get(arr, i), st->sel)) {
            *out = json_array_get(arr, i);
            return 0;
        }
    }
    return pick_err(st, arr, e);
}

/* "<64 hex>" or "<64 hex>.json" as the last path component names the digest. */
static int expected_digest(const char *name, char out[72])
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t n = strlen(base);
    if (n == 69 && strcmp(base + 64, ".json") == 0)
        n = 64;
    if (n != 64 || strspn(base, "0123456789abcdef") < 64)
        return 0;
    memcpy(out, "sha256:", 7);
    memcpy(out + 7, base, 64);
    out[71] = 0;
    return 1;
}

/* "FILE: manifest.json" into out. */
static const char *in_manifest(const dar_src *st, char out[1100])
{
    snprintf(out, 1100, "%s: manifest.json", st->file);
    return out;
}

/* The field key of entry as Go reads it; NULL for a JSON null. */
static int entry_field(const dar_src *st, json_t *entry, const char *key, json_t **v, pc_err *e)
{
    char what[1100];
    return pc_gj_field(entry, key, v, in_manifest(st, what), e) < 0 ? -1 : 0;
}

static int entry_str(const dar_src *st, json_t *entry, const char *key, const char **out, pc_err *e)
{
    json_t *v;
    *out = NULL;
    if (entry_field(st, entry, key, &v, e) < 0)
        return -1;
    *out = json_string_value(v);
    if (!v)
        return pc_err_set(e, "%s: manifest.json: %s: missing", st->file, key);
    if (!*out)
        return pc_err_set(e, "%s: manifest.json: %s: must be a string", st->file, key);
    return 0;
}

static int load_config(const dar_src *st, json_t *entry, pc_image *img, pc_config_info *ci,
                       pc_err *e)
{
    const char *name;
    char *buf, got[72], want[72], shown[160], what[96];
    size_t len;
    if (entry_str(st, entry, "Config", &name, e) < 0 ||
        pc_tar_index_read(st->tar, name, pc_limit_size(st->c.limits.max_config_bytes), &buf, &len,
                          e) < 0)
        return -1;
    pc_sha256_digest(buf, len, got);
    pc_safe_str(name, shown, sizeof shown);
    if (expected_digest(name, want) && strcmp(got, want) != 0) {
        free(buf);
        return pc_err_set(e, "%s: config %s digest mismatch: got %s", st->file, shown, got);
    }
    snprintf(what, sizeof what, "config %s", got);
    if (pc_config_info_parse(buf, len, what, ci, e) < 0) {
        free(buf);
        return -1;
    }
    img->config = buf;
    img->config_len = len;
    memcpy(img->config_digest, got, sizeof got);
    memcpy(img->digest, got, sizeof got);
    if (!ci->has_platform)
        return pc_err_set(e, "%s: architecture: missing", what);
    img->platform = ci->platform;
    return pc_platform_check(&st->c.cfg, &img->platform, e);
}

/* Compression by magic number: docker save writes plain tars, newer tools
 * may not, and there is no media type to say which. */
static void sniff(const unsigned char *b, size_t n, pc_compression *comp, const char **mt)
{
    *comp = PC_COMP_NONE;
    *mt = "application/vnd.docker.image.rootfs.diff.tar";
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
        *comp = PC_COMP_GZIP;
        *mt = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    } else if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
        *comp = PC_COMP_ZSTD;
        *mt = "application/vnd.oci.image.layer.v1.tar+zstd";
    }
}

static int layer_fill(const dar_src *st, json_t *v, size_t i, const char *diff_id, pc_layer_desc *l,
                      pc_err *e)
{
    const char *path = json_string_value(v), *resolved, *mt;
    unsigned char magic[4];
    size_t got;
    uint64_t size;
    if (!path)
        return pc_err_set(e, "%s: manifest.json: Layers[%zu]: must be a string", st->file, i);
    if (pc_tar_index_find(st->tar, path, &size, &resolved, e) < 0 ||
        pc_tar_index_peek(st->tar, resolved, magic, sizeof magic, &got, e) < 0)
        return pc_err_prefix(e, "Layers[%zu]", i);
    if (size > (uint64_t)INT64_MAX)
        return pc_err_set(e, "%s: Layers[%zu]: too large", st->file, i);
    sniff(magic, got, &l->comp, &mt);
    l->d.media_type = pc_strdup(mt);
    l->diff_id = pc_strdup(diff_id);
    l->locator = pc_strdup(resolved);
    if (!l->d.media_type || !l->diff_id || !l->locator)
        return pc_err_set(e, "out of memory");
    memcpy(l->d.digest, diff_id, sizeof l->d.digest); /* checked: 71 chars + NUL */
    l->d.size = (int64_t)size;
    l->verify_diff = 1;
    return 0;
}

static int build_layers(const dar_src *st, json_t *entry, pc_image *img, const pc_config_info *ci,
                        pc_err *e)
{
    json_t *arr;
    if (entry_field(st, entry, "Layers", &arr, e) < 0)
        return -1;
    if (!arr)
        return pc_err_set(e, "%s: manifest.json: Layers: missing", st->file);
    if (!json_is_array(arr))
        return pc_err_set(e, "%s: manifest.json: Layers: must be an array", st->file);
    size_t n = json_array_size(arr);
    if ((uint64_t)n > st->c.limits.max_layers)
        return pc_err_set(e, "%s: the image has %zu layers; the limit is %llu", st->file, n,
                          (unsigned long long)st->c.limits.max_layers);
    if (n != ci->ndiff_ids)
        return pc_err_set(e, "%s: manifest.json lists %zu layers but config %s has %zu diff_ids",
                          st->file, n, img->config_digest, ci->ndiff_ids);
    img->layers = pc_calloc(n, sizeof *img->layers);
    if (!img->layers)
        return pc_err_set(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        img->nlayers = i + 1; /* zeroed, so a partial entry frees cleanly */
        if (layer_fill(st, json_array_get(arr, i), i, ci->diff_ids[i], &img->layers[i], e) < 0)
            return -1;
    }
    return 0;
}

static json_t *read_manifest_json(const dar_src *st, pc_err *e)
{
    char *buf, what[1100];
    size_t len;
    if (pc_tar_index_read(st->tar, "manifest.json", pc_limit_size(st->c.limits.max_manifest_bytes),
                          &buf, &len, e) < 0)
        return NULL;
    json_t *root = pc_gj_load(buf, len, in_manifest(st, what), e);
    free(buf);
    if (!root)
        return NULL;
    if (!json_is_array(root)) {
        json_decref(root);
        pc_err_set(e, "%s: manifest.json: not a JSON array", st->file);
        return NULL;
    }
    return root;
}

/* Every entry as `docker load` takes it: an object whose fields are named
 * once each, RepoTags a list of strings (picking reads every entry's), the
 * fields nothing here reads of the types Go wants. Config and Layers are
 * checked as the chosen entry is read. */
static int check_entries(const dar_src *st, json_t *arr, pc_err *e)
{
    json_t *entry, *v, *s;
    const char *str;
    size_t i, k;
    json_array_foreach(arr, i, entry)
    {
        char what[1100];
        snprintf(what, sizeof what, "%s: manifest.json[%zu]", st->file, i);
        if (!json_is_object(entry))
            return pc_err_set(e, "%s: manifest.json: entries must be objects", st->file);
        if (pc_gj_check_struct(entry, pc_gj_docker_save_fields, what, e) < 0 ||
            pc_gj_string(entry, "Parent", &str, what, e) < 0 ||
            pc_gj_typed(entry, "LayerSources", JSON_OBJECT, &v, what, e) < 0 ||
            pc_gj_typed(entry, "RepoTags", JSON_ARRAY, &v, what, e) < 0)
            return -1;
        json_array_foreach(v, k, s)
        {
            if (!json_is_string(s))
                return pc_err_set(e, "%s: field RepoTags[%zu]: expected a string", what, k);
        }
    }
    return 0;
}

static int dar_resolve(void *state, pc_image *img, pc_err *e)
{
    const dar_src *st = state;
    pc_config_info ci = {0};
    json_t *entry = NULL;
    memset(img, 0, sizeof *img);
    json_t *root = read_manifest_json(st, e);
    if (!root)
        return -1;
    int rc = check_entries(st, root, e);
    if (rc == 0)
        rc = pick_entry(st, root, &entry, e);
    if (rc == 0)
        rc = load_config(st, entry, img, &ci, e);
    if (rc == 0)
        rc = build_layers(st, entry, img, &ci, e);
    pc_config_info_free(&ci);
    json_decref(root);
    if (rc < 0)
        pc_image_free(img);
    return rc;
}

static void dar_close(void *state)
{
    dar_src *st = state;
    if (!st)
        return;
    pc_tar_index_free(st->tar);
    free(st->file);
    free(st->sel);
    free(st);
}

static int dar_open(const char *spec, const pc_source_cfg *cfg, void **state, pc_err *e)
{
    *state = NULL;
    dar_src *st = calloc(1, sizeof *st);
    if (!st)
        return pc_err_set(e, "out of memory");
    pc_cfg_copy_init(&st->c, cfg);
    int rc = pc_spec_split(spec, "docker-archive", &st->file, &st->sel, e);
    if (rc == 0)
        rc = pc_tar_index_open(st->file, &st->tar, e);
    if (rc < 0) {
        dar_close(st);
        return -1;
    }
    *state = st;
    return 0;
}

static int dar_open_layer(void *state, const pc_layer_desc *l, pc_stream **out, pc_err *e)
{
    const dar_src *st = state;
    *out = NULL;
    if (!l->locator)
        return pc_err_set(e, "layer %s: no archive member recorded", l->d.digest);
    return pc_tar_index_stream(st->tar, l->locator, out, e);
}

const pc_source_ops pc_source_docker_archive = {
    .transport = "docker-archive",
    .prefix = "docker-archive:",
    .listed = 3,
    .open = dar_open,
    .resolve = dar_resolve,
    .open_layer = dar_open_layer,
    .close = dar_close,
};
