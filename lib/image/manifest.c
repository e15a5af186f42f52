/*
 * manifest.c — from a top-level digest to a pc_image, for every source.
 *
 * Each blob is fetched through the source's pc_blob_read_fn with a size
 * cap, hashed and compared to the digest that named it, and only then
 * parsed (jansson, duplicate keys rejected). An index is narrowed to one
 * entry for the requested platform and followed (at most MAX_DEPTH levels);
 * a manifest yields its config (verified the same way) and its layers. The
 * parent document is released before a child is fetched, so memory stays
 * at one document plus the config. Every missing or mistyped field is an
 * error that names the document and the field ("layers[2].digest").
 *
 * Fields are found as Go's encoding/json finds them (gojson.h): "Layers"
 * is the layers field for a runtime, and a document that names one field
 * twice ("layers" and "Layers") is refused, as is one whose fields have
 * types the runtime's Go structs would not take.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "image/gojson.h"
#include "image/manifest.h"
#include "pcx/sha256.h"
#include "pcx.h"

#define MAX_DEPTH 4   /* index → index → ... → manifest */
#define MAX_LISTED 16 /* platforms / tags named in an error message */

static const char MT_OCI_INDEX[] = "application/vnd.oci.image.index.v1+json";
static const char MT_OCI_MANIFEST[] = "application/vnd.oci.image.manifest.v1+json";
static const char MT_DOCKER_LIST[] = "application/vnd.docker.distribution.manifest.list.v2+json";
static const char MT_DOCKER_V2[] = "application/vnd.docker.distribution.manifest.v2+json";
static const char MT_DOCKER_V1[] = "application/vnd.docker.distribution.manifest.v1+json";
static const char MT_DOCKER_V1_JWS[] = "application/vnd.docker.distribution.manifest.v1+prettyjws";
static const char MT_OCI_CONFIG[] = "application/vnd.oci.image.config.v1+json";
static const char MT_DOCKER_CONFIG[] = "application/vnd.docker.container.image.v1+json";

typedef enum { K_NONE, K_INDEX, K_MANIFEST, K_SCHEMA1, K_OTHER } doc_kind;

/* A descriptor as read from JSON; strings borrowed from the document. */
typedef struct desc {
    const char *mt, *digest;
    int64_t size;
    json_t *platform;
} desc;

/* The descriptor of the next document to fetch, owning its strings so the
 * parent document can be released first. */
typedef struct next_doc {
    char *mt;
    char digest[72];
    int64_t size;
    pc_platform plat;
    int has_plat;
    int check_config; /* picked from an index without a platform: the config must match */
} next_doc;

typedef struct resolver {
    pc_blob_read_fn rd;
    void *ctx;
    const pc_source_cfg *cfg;
    const pc_limits *lim;
    pc_platform want;
    pc_image *img;
} resolver;

static doc_kind kind_of(const char *mt)
{
    if (!mt)
        return K_NONE;
    if (!strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST))
        return K_INDEX;
    if (!strcmp(mt, MT_OCI_MANIFEST) || !strcmp(mt, MT_DOCKER_V2))
        return K_MANIFEST;
    if (!strcmp(mt, MT_DOCKER_V1) || !strcmp(mt, MT_DOCKER_V1_JWS))
        return K_SCHEMA1;
    return K_OTHER;
}

static json_t *parse_json(const char *buf, size_t len, const char *what, pc_err *e)
{
    json_t *root = pc_gj_load(buf, len, what, e);
    if (!root)
        return NULL;
    if (!json_is_object(root)) {
        json_decref(root);
        pc_err_set(e, "%s: not a JSON object", what);
        return NULL;
    }
    return root;
}

static int field_err(pc_err *e, const char *where, const char *path, const char *key,
                     const char *problem)
{
    return pc_err_set(e, "%s: %s%s%s: %s", where, path, *path ? "." : "", key, problem);
}

/* "WHERE: PATH", or WHERE for the document itself: what gojson calls it. */
static const char *at_path(char out[1100], const char *where, const char *path)
{
    snprintf(out, 1100, "%s%s%s", where, *path ? ": " : "", path);
    return out;
}

/* The struct field key of o as Go reads it (see gojson.h); 1 when a key
 * names it (*v NULL for a JSON null), 0 when none does, -1 when two do. */
static int get_field(json_t *o, const char *key, json_t **v, const char *where, const char *path,
                     pc_err *e)
{
    char w[1100];
    return pc_gj_field(o, key, v, at_path(w, where, path), e);
}

static int get_str(json_t *o, const char *key, int required, const char **out, const char *where,
                   const char *path, pc_err *e)
{
    json_t *v;
    *out = NULL;
    if (get_field(o, key, &v, where, path, e) < 0)
        return -1;
    if (!v)
        return required ? field_err(e, where, path, key, "missing") : 0;
    if (!json_is_string(v))
        return field_err(e, where, path, key, "must be a string");
    *out = json_string_value(v);
    return 0;
}

static int get_size(json_t *o, const char *key, int64_t *out, const char *where, const char *path,
                    pc_err *e)
{
    json_t *v;
    if (get_field(o, key, &v, where, path, e) < 0)
        return -1;
    if (!v)
        return field_err(e, where, path, key, "missing");
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return field_err(e, where, path, key, "must be a non-negative integer");
    *out = (int64_t)json_integer_value(v);
    return 0;
}

static int desc_parse(json_t *o, int mt_required, const char *where, const char *path, desc *d,
                      pc_err *e)
{
    memset(d, 0, sizeof *d);
    if (!o)
        return pc_err_set(e, "%s: %s: missing", where, path);
    if (!json_is_object(o))
        return pc_err_set(e, "%s: %s: must be an object", where, path);
    if (get_str(o, "mediaType", mt_required, &d->mt, where, path, e) < 0 ||
        get_str(o, "digest", 1, &d->digest, where, path, e) < 0)
        return -1;
    char what[256];
    snprintf(what, sizeof what, "%s: %s.digest", where, path);
    if (pc_digest_check(d->digest, what, e) < 0)
        return -1;
    if (get_size(o, "size", &d->size, where, path, e) < 0 ||
        get_field(o, "platform", &d->platform, where, path, e) < 0)
        return -1;
    return 0;
}

/* Fill p from platform strings, refusing what would not print or fit. */
static int plat_set(pc_platform *p, const char *os, const char *arch, const char *variant)
{
    char buf[128];
    if (strchr(os, '/') || strchr(arch, '/') || (variant && strchr(variant, '/')))
        return -1;
    int n = snprintf(buf, sizeof buf, "%s/%s%s%s", os, arch, variant && *variant ? "/" : "",
                     variant ? variant : "");
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    return pc_platform_parse(buf, p);
}

static int plat_from_json(json_t *o, const char *where, const char *path, pc_platform *p, pc_err *e)
{
    const char *os, *arch, *variant;
    if (!json_is_object(o))
        return pc_err_set(e, "%s: %s: must be an object", where, path);
    if (get_str(o, "os", 1, &os, where, path, e) < 0 ||
        get_str(o, "architecture", 1, &arch, where, path, e) < 0 ||
        get_str(o, "variant", 0, &variant, where, path, e) < 0)
        return -1;
    if (plat_set(p, os, arch, variant) < 0)
        return pc_err_set(e, "%s: %s: malformed platform", where, path);
    return 0;
}

static const char *norm_arch(const char *a)
{
    if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64"))
        return "amd64";
    if (!strcmp(a, "aarch64"))
        return "arm64";
    return a;
}

/* The variant an architecture implies when none is named. */
static const char *norm_variant(const char *arch, const char *v)
{
    if (*v)
        return v;
    if (!strcmp(arch, "arm64"))
        return "v8";
    if (!strcmp(arch, "arm"))
        return "v7";
    return v;
}

/* 0: no match; 1: os/arch match; 2: os/arch and (normalised) variant match. */
static int plat_match(const pc_platform *want, const pc_platform *got)
{
    const char *wa = norm_arch(want->arch), *ga = norm_arch(got->arch);
    if (strcmp(want->os, got->os) != 0 || strcmp(wa, ga) != 0)
        return 0;
    return strcmp(norm_variant(wa, want->variant), norm_variant(ga, got->variant)) == 0 ? 2 : 1;
}

int pc_platform_check(const pc_source_cfg *cfg, const pc_platform *got, pc_err *e)
{
    if (!cfg || !cfg->platform || !cfg->platform_explicit)
        return 0;
    int m = plat_match(cfg->platform, got);
    if (m == 2 || (m == 1 && !cfg->platform->variant[0]))
        return 0;
    char w[100], g[100];
    pc_platform_format(cfg->platform, w, sizeof w);
    pc_platform_format(got, g, sizeof g);
    return pc_err_set(e, "the image is for %s, not the requested platform %s", g, w);
}

int pc_blob_verify(const char *data, size_t len, const char *digest, int64_t size, const char *what,
                   pc_err *e)
{
    char got[72];
    pc_sha256_digest(data, len, got);
    if (!digest || strcmp(got, digest) != 0)
        return pc_err_set(e, "%s digest mismatch: got %s", what, got);
    if (size >= 0 && (uint64_t)size != (uint64_t)len)
        return pc_err_set(e, "%s size mismatch: the descriptor says %lld bytes, the blob has %zu",
                          what, (long long)size, len);
    return 0;
}

/* Fetch and verify one blob; the buffer is the caller's on success. */
static int fetch(const resolver *r, const char *digest, int64_t size, uint64_t limit,
                 const char *what, char **buf, size_t *len, pc_err *e)
{
    size_t max = pc_limit_size(limit);
    if (size >= 0 && (uint64_t)size > (uint64_t)max)
        return pc_err_set(e, "%s is %lld bytes; the limit is %zu", what, (long long)size, max);
    *buf = NULL;
    if (r->rd(r->ctx, digest, max, buf, len, e) < 0)
        return pc_err_prefix(e, "%s", what);
    if (pc_blob_verify(*buf, *len, digest, size, what, e) < 0) {
        free(*buf);
        *buf = NULL;
        return -1;
    }
    return 0;
}

/* Decide what a fetched document is. The document's own mediaType must
 * agree with the descriptor's, and a document that is both an index and a
 * manifest is refused: two readers must never see two different images. */
static int classify(json_t *root, const char *desc_mt, const char *where, doc_kind *out, pc_err *e)
{
    const char *mt;
    json_t *sv, *v;
    if (pc_gj_check_struct(root, pc_gj_manifest_fields, where, e) < 0 ||
        get_str(root, "mediaType", 0, &mt, where, "", e) < 0 ||
        get_field(root, "schemaVersion", &sv, where, "", e) < 0)
        return -1;
    if (sv && !json_is_integer(sv))
        return field_err(e, where, "", "schemaVersion", "must be an integer");
    if ((sv && json_integer_value(sv) == 1) || kind_of(mt) == K_SCHEMA1 ||
        kind_of(desc_mt) == K_SCHEMA1)
        return pc_err_set(e, "%s: Docker schema1 manifests are not supported", where);
    if (sv && json_integer_value(sv) != 2)
        return pc_err_set(e, "%s: schemaVersion %lld is not supported", where,
                          (long long)json_integer_value(sv));
    char a[120], b[120];
    pc_safe_str(mt, a, sizeof a);
    pc_safe_str(desc_mt, b, sizeof b);
    if (mt && desc_mt && strcmp(mt, desc_mt) != 0)
        return pc_err_set(e, "%s: mediaType %s does not match the descriptor's %s", where, a, b);
    /* a key counts even when its value is null: containerd's own check
     * (validateMediaType) counts it too */
    int has_idx = get_field(root, "manifests", &v, where, "", e) > 0;
    int has_img = get_field(root, "layers", &v, where, "", e) > 0 ||
                  get_field(root, "config", &v, where, "", e) > 0;
    if (has_idx && has_img)
        return pc_err_set(e, "%s: ambiguous document with both manifests and layers/config", where);
    doc_kind k = kind_of(mt ? mt : desc_mt);
    if (k == K_OTHER)
        return pc_err_set(e, "%s: unsupported media type %s", where, mt ? a : b);
    if (k == K_NONE && !has_idx && !has_img)
        return pc_err_set(e, "%s: neither an image index nor an image manifest", where);
    if (k == K_NONE)
        k = has_idx ? K_INDEX : K_MANIFEST;
    *out = k;
    return 0;
}

static int index_entry(json_t *arr, size_t i, const char *where, desc *d, pc_platform *p,
                       int *has_p, pc_err *e)
{
    char path[48], ppath[64];
    snprintf(path, sizeof path, "manifests[%zu]", i);
    if (desc_parse(json_array_get(arr, i), 0, where, path, d, e) < 0)
        return -1;
    *has_p = 0;
    if (!d->platform)
        return 0;
    snprintf(ppath, sizeof ppath, "%s.platform", path);
    if (plat_from_json(d->platform, where, ppath, p, e) < 0)
        return -1;
    *has_p = 1;
    return 0;
}

/* Attestation manifests (buildkit provenance, SBOMs) carry this platform. */
static int is_attestation(const pc_platform *p)
{
    return !strcmp(p->os, "unknown") && !strcmp(p->arch, "unknown");
}

static int no_match_err(const pc_platform *wantp, json_t *arr, const char *where, pc_err *e)
{
    pc_buf b = {0};
    size_t listed = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        desc d;
        pc_platform p;
        int hp;
        char one[100];
        if (index_entry(arr, i, where, &d, &p, &hp, NULL) < 0 || !hp || is_attestation(&p))
            continue;
        if (listed++ == MAX_LISTED) {
            pc_buf_puts(&b, ", ...");
            break;
        }
        pc_platform_format(&p, one, sizeof one);
        pc_buf_printf(&b, "%s%s", b.len ? ", " : "", one);
    }
    char want[100];
    pc_platform_format(wantp, want, sizeof want);
    pc_err_set(e, "no manifest for platform %s in %s; available: %s", want, where,
               b.p && !b.oom ? b.p : "none");
    pc_buf_free(&b);
    return -1;
}

static int next_from(const desc *d, const pc_platform *p, int has_p, next_doc *nx, pc_err *e)
{
    memset(nx, 0, sizeof *nx);
    if (d->mt && !(nx->mt = pc_strdup(d->mt)))
        return pc_err_set(e, "out of memory");
    memcpy(nx->digest, d->digest, sizeof nx->digest); /* checked: 71 chars + NUL */
    nx->size = d->size;
    if (has_p)
        nx->plat = *p;
    nx->has_plat = has_p;
    return 0;
}

/* How well got serves want, as containerd's platforms.Only orders it:
 * 0 an exact (normalised) match; for arm, 1.. a lower variant it also
 * runs (v8 runs v7, v6, v5; v7 runs v6, v5; v6 runs v5); -1 no match. A
 * different amd64 variant (v2, v3) is no match: containerd 1.6 does not
 * pick it for linux/amd64, and Docker does not either. */
static int plat_rank(const pc_platform *want, const pc_platform *got)
{
    const char *wa = norm_arch(want->arch), *ga = norm_arch(got->arch);
    if (strcmp(want->os, got->os) != 0 || strcmp(wa, ga) != 0)
        return -1;
    const char *wv = norm_variant(wa, want->variant), *gv = norm_variant(ga, got->variant);
    if (strcmp(wv, gv) == 0)
        return 0;
    if (strcmp(wa, "arm") != 0 || wv[0] != 'v' || gv[0] != 'v' || !wv[1] || !gv[1] || wv[2] ||
        gv[2])
        return -1;
    int w = wv[1] - '0', g = gv[1] - '0';
    return w > g && g >= 5 && w <= 8 ? w - g : -1;
}

#define RANK_UNPLAT 100 /* an entry naming no platform: after every match */

/* Pick the index entry the runtime pulls for want, as containerd's
 * images.Manifest does: the best-ranked matching entry, the first in index
 * order among equals; failing that, an entry that names no platform, whose
 * config then has to match (resolve_manifest checks it). Docker agrees
 * whenever a platform matches, and pulls nothing otherwise. Two entries
 * without a platform would need their configs read to choose: refused. */
static int select_entry(const pc_platform *want, json_t *arr, const char *where, next_doc *nx,
                        pc_err *e)
{
    size_t n = json_array_size(arr), pick = SIZE_MAX, unplat = 0;
    int best = -1;
    if (n == 0)
        return field_err(e, where, "", "manifests", "empty");
    for (size_t i = 0; i < n; i++) {
        desc d;
        pc_platform p;
        int hp;
        if (index_entry(arr, i, where, &d, &p, &hp, e) < 0)
            return -1;
        int rank = hp ? plat_rank(want, &p) : RANK_UNPLAT;
        unplat += !hp;
        if (rank >= 0 && (best < 0 || rank < best)) {
            best = rank;
            pick = i;
        }
    }
    if (pick == SIZE_MAX)
        return no_match_err(want, arr, where, e);
    if (best == RANK_UNPLAT && unplat > 1)
        return pc_err_set(e,
                          "%s: no entry names platform %s/%s and %zu entries name none; the "
                          "runtime would pick by reading their configs: refusing the ambiguous "
                          "index",
                          where, want->os, want->arch, unplat);
    desc d;
    pc_platform p;
    int hp;
    if (index_entry(arr, pick, where, &d, &p, &hp, e) < 0)
        return -1;
    if (next_from(&d, &p, hp, nx, e) < 0)
        return -1;
    nx->check_config = !hp;
    return 0;
}

/* The manifests array of an index; -1 when missing, ambiguous or not an array. */
static int get_manifests(json_t *root, const char *where, json_t **arr, pc_err *e)
{
    if (get_field(root, "manifests", arr, where, "", e) < 0)
        return -1;
    if (!*arr)
        return field_err(e, where, "", "manifests", "missing");
    if (!json_is_array(*arr))
        return field_err(e, where, "", "manifests", "must be an array");
    return 0;
}

static int index_step(const resolver *r, json_t *root, const char *where, next_doc *nx, pc_err *e)
{
    json_t *arr;
    if (get_manifests(root, where, &arr, e) < 0)
        return -1;
    return select_entry(&r->want, arr, where, nx, e);
}

static int layer_fill(pc_layer_desc *l, json_t *o, size_t i, const char *diff_id, const char *where,
                      pc_err *e)
{
    char path[48];
    desc d;
    snprintf(path, sizeof path, "layers[%zu]", i);
    if (desc_parse(o, 1, where, path, &d, e) < 0)
        return -1;
    if (pc_layer_media_type(d.mt, &l->comp, e) < 0)
        return pc_err_prefix(e, "%s: %s", where, path);
    l->d.media_type = pc_strdup(d.mt);
    l->diff_id = pc_strdup(diff_id);
    if (!l->d.media_type || !l->diff_id)
        return pc_err_set(e, "out of memory");
    memcpy(l->d.digest, d.digest, sizeof l->d.digest);
    l->d.size = d.size;
    return 0;
}

static int build_layers(const resolver *r, json_t *root, const char *where,
                        const pc_config_info *ci, pc_err *e)
{
    pc_image *img = r->img;
    json_t *arr;
    if (get_field(root, "layers", &arr, where, "", e) < 0)
        return -1;
    if (!arr)
        return field_err(e, where, "", "layers", "missing");
    if (!json_is_array(arr))
        return field_err(e, where, "", "layers", "must be an array");
    size_t n = json_array_size(arr);
    if ((uint64_t)n > r->lim->max_layers)
        return pc_err_set(e, "%s has %zu layers; the limit is %llu", where, n,
                          (unsigned long long)r->lim->max_layers);
    if (ci->ndiff_ids != n)
        return pc_err_set(e, "%s has %zu layers but config %s lists %zu rootfs.diff_ids", where, n,
                          img->config_digest, ci->ndiff_ids);
    img->layers = pc_calloc(n, sizeof *img->layers);
    if (!img->layers)
        return pc_err_set(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        img->nlayers = i + 1; /* zeroed, so a partial entry frees cleanly */
        if (layer_fill(&img->layers[i], json_array_get(arr, i), i, ci->diff_ids[i], where, e) < 0)
            return -1;
    }
    return 0;
}

static int load_config(const resolver *r, json_t *root, const char *where, pc_config_info *ci,
                       pc_err *e)
{
    desc cd;
    json_t *o;
    if (get_field(root, "config", &o, where, "", e) < 0 ||
        desc_parse(o, 1, where, "config", &cd, e) < 0)
        return -1;
    if (strcmp(cd.mt, MT_OCI_CONFIG) != 0 && strcmp(cd.mt, MT_DOCKER_CONFIG) != 0) {
        char shown[120];
        pc_safe_str(cd.mt, shown, sizeof shown);
        return pc_err_set(e, "%s: config.mediaType %s is not a container image config", where,
                          shown);
    }
    char what[96], *buf;
    size_t len;
    snprintf(what, sizeof what, "config %s", cd.digest);
    if (fetch(r, cd.digest, cd.size, r->lim->max_config_bytes, what, &buf, &len, e) < 0)
        return -1;
    if (pc_config_info_parse(buf, len, what, ci, e) < 0) {
        free(buf);
        return -1;
    }
    r->img->config = buf;
    r->img->config_len = len;
    memcpy(r->img->config_digest, cd.digest, sizeof r->img->config_digest);
    return 0;
}

static int resolve_manifest(const resolver *r, json_t *root, const next_doc *cur, const char *where,
                            pc_err *e)
{
    pc_config_info ci;
    memcpy(r->img->manifest_digest, cur->digest, sizeof r->img->manifest_digest);
    if (load_config(r, root, where, &ci, e) < 0)
        return -1;
    int rc = 0;
    if (cur->has_plat)
        r->img->platform = cur->plat;
    else if (ci.has_platform)
        r->img->platform = ci.platform;
    else
        rc = pc_err_set(e, "config %s: architecture: missing", r->img->config_digest);
    if (rc == 0 && cur->check_config) { /* containerd reads os/architecture only */
        pc_platform cp = ci.platform;
        cp.variant[0] = 0;
        if (!ci.has_platform || plat_rank(&r->want, &cp) != 0)
            rc = pc_err_set(e,
                            "%s: the index entry names no platform and config %s is not for "
                            "%s/%s",
                            where, r->img->config_digest, r->want.os, r->want.arch);
    }
    if (rc == 0)
        rc = pc_platform_check(r->cfg, &r->img->platform, e);
    if (rc == 0)
        rc = build_layers(r, root, where, &ci, e);
    pc_config_info_free(&ci);
    return rc;
}

/* Follow indexes down to one manifest; iterative, so nesting costs no stack. */
static int resolve_chain(const resolver *r, next_doc *cur, pc_err *e)
{
    for (int depth = 0; depth <= MAX_DEPTH; depth++) {
        char where[96], *buf;
        size_t len;
        doc_kind k = kind_of(cur->mt);
        snprintf(where, sizeof where, "%s %s", k == K_INDEX ? "index" : "manifest", cur->digest);
        if (fetch(r, cur->digest, cur->size, r->lim->max_manifest_bytes, where, &buf, &len, e) < 0)
            return -1;
        json_t *root = parse_json(buf, len, where, e);
        free(buf);
        if (!root || classify(root, cur->mt, where, &k, e) < 0) {
            json_decref(root);
            return -1;
        }
        snprintf(where, sizeof where, "%s %s", k == K_INDEX ? "index" : "manifest", cur->digest);
        if (k == K_MANIFEST) {
            /* what was read first, with its own messages; then the rest of
             * the document as a runtime's Go structs would take it */
            int rc = resolve_manifest(r, root, cur, where, e);
            if (rc == 0)
                rc = pc_gj_check_manifest(root, where, e);
            json_decref(root);
            return rc;
        }
        next_doc nx;
        int rc = index_step(r, root, where, &nx, e);
        if (rc == 0 && pc_gj_check_manifest(root, where, e) < 0) {
            free(nx.mt);
            rc = -1;
        }
        json_decref(root);
        if (rc < 0)
            return -1;
        free(cur->mt);
        *cur = nx;
    }
    return pc_err_set(e, "index %s: indexes nested deeper than %d levels", cur->digest, MAX_DEPTH);
}

int pc_manifest_resolve(pc_blob_read_fn rd, void *ctx, const char *media_type, const char *digest,
                        int64_t size, const pc_source_cfg *cfg, pc_image *img, pc_err *e)
{
    pc_limits storage;
    resolver r = {rd, ctx, cfg, pc_source_limits(cfg, &storage), {"linux", "amd64", ""}, img};
    memset(img, 0, sizeof *img);
    if (cfg && cfg->platform)
        r.want = *cfg->platform;
    if (pc_digest_check(digest, "manifest digest", e) < 0)
        return -1;
    next_doc cur;
    memset(&cur, 0, sizeof cur);
    if (media_type && !(cur.mt = pc_strdup(media_type)))
        return pc_err_set(e, "out of memory");
    memcpy(cur.digest, digest, sizeof cur.digest);
    memcpy(img->digest, digest, sizeof img->digest);
    cur.size = size;
    int rc = resolve_chain(&r, &cur, e);
    free(cur.mt);
    if (rc < 0)
        pc_image_free(img);
    return rc;
}

static int config_platform(json_t *root, const char *what, pc_config_info *ci, pc_err *e)
{
    const char *os, *arch, *variant;
    if (get_str(root, "os", 0, &os, what, "", e) < 0 ||
        get_str(root, "architecture", 0, &arch, what, "", e) < 0 ||
        get_str(root, "variant", 0, &variant, what, "", e) < 0)
        return -1;
    if (!os && !arch)
        return 0;
    if (!os || !arch)
        return field_err(e, what, "", os ? "architecture" : "os", "missing");
    if (plat_set(&ci->platform, os, arch, variant) < 0)
        return pc_err_set(e, "%s: malformed os/architecture/variant", what);
    ci->has_platform = 1;
    return 0;
}

static int config_diff_ids(json_t *root, const char *what, pc_config_info *ci, pc_err *e)
{
    json_t *rootfs, *ids;
    if (get_field(root, "rootfs", &rootfs, what, "", e) < 0)
        return -1;
    if (!rootfs)
        return field_err(e, what, "", "rootfs", "missing");
    if (!json_is_object(rootfs))
        return field_err(e, what, "", "rootfs", "must be an object");
    if (get_field(rootfs, "diff_ids", &ids, what, "rootfs", e) < 0)
        return -1;
    if (!ids)
        return field_err(e, what, "rootfs", "diff_ids", "missing");
    if (!json_is_array(ids))
        return field_err(e, what, "rootfs", "diff_ids", "must be an array");
    size_t n = json_array_size(ids);
    ci->diff_ids = pc_calloc(n, sizeof *ci->diff_ids);
    if (!ci->diff_ids)
        return pc_err_set(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(ids, i);
        char path[256];
        snprintf(path, sizeof path, "%s: rootfs.diff_ids[%zu]", what, i);
        if (!json_is_string(v))
            return pc_err_set(e, "%s: must be a string", path);
        if (pc_digest_check(json_string_value(v), path, e) < 0)
            return -1;
        if (!(ci->diff_ids[i] = pc_strdup(json_string_value(v))))
            return pc_err_set(e, "out of memory");
        ci->ndiff_ids = i + 1;
    }
    return 0;
}

int pc_config_info_parse(const char *json, size_t len, const char *what, pc_config_info *ci,
                         pc_err *e)
{
    memset(ci, 0, sizeof *ci);
    json_t *root = parse_json(json, len, what, e);
    if (!root)
        return -1;
    int rc = config_platform(root, what, ci, e);
    if (rc == 0)
        rc = config_diff_ids(root, what, ci, e);
    if (rc == 0)
        rc = pc_gj_check_image(root, what, e);
    json_decref(root);
    if (rc < 0)
        pc_config_info_free(ci);
    return rc;
}

void pc_config_info_free(pc_config_info *ci)
{
    if (!ci)
        return;
    for (size_t i = 0; i < ci->ndiff_ids; i++)
        free(ci->diff_ids[i]);
    free(ci->diff_ids);
    memset(ci, 0, sizeof *ci);
}

int pc_layout_check(const char *json, size_t len, const char *what, pc_err *e)
{
    const char *v;
    json_t *root = parse_json(json, len, what, e);
    if (!root)
        return -1;
    int rc = pc_gj_check_struct(root, pc_gj_layout_fields, what, e);
    if (rc == 0)
        rc = get_str(root, "imageLayoutVersion", 1, &v, what, "", e);
    json_decref(root);
    return rc;
}

/* One index.json entry and its tag (org.opencontainers.image.ref.name). */
static int layout_entry(json_t *arr, size_t i, const char *what, desc *d, const char **tag,
                        pc_err *e)
{
    char path[48];
    snprintf(path, sizeof path, "manifests[%zu]", i);
    json_t *o = json_array_get(arr, i), *ann;
    *tag = NULL;
    if (desc_parse(o, 0, what, path, d, e) < 0 ||
        get_field(o, "annotations", &ann, what, path, e) < 0)
        return -1;
    if (!ann)
        return 0;
    if (!json_is_object(ann))
        return field_err(e, what, path, "annotations", "must be an object");
    /* annotations is a map: its keys are exact, as in Go */
    json_t *name = json_object_get(ann, "org.opencontainers.image.ref.name");
    if (name && !json_is_string(name))
        return field_err(e, what, path, "annotations.org.opencontainers.image.ref.name",
                         "must be a string");
    *tag = name ? json_string_value(name) : NULL;
    return 0;
}

static int tags_err(json_t *arr, const char *what, const char *tag, pc_err *e)
{
    pc_buf b = {0};
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n && i <= MAX_LISTED; i++) {
        desc d;
        const char *name;
        char shown[80];
        if (i == MAX_LISTED) {
            pc_buf_puts(&b, ", ...");
            break;
        }
        if (layout_entry(arr, i, what, &d, &name, NULL) < 0)
            continue;
        pc_safe_str(name ? name : "(untagged)", shown, sizeof shown);
        pc_buf_printf(&b, "%s%s", b.len ? ", " : "", shown);
    }
    const char *list = b.p && !b.oom ? b.p : "none";
    char want[80];
    pc_safe_str(tag, want, sizeof want);
    if (tag)
        pc_err_set(e, "%s: no manifest tagged \"%s\"; tags: %s", what, want, list);
    else if (n == 0)
        pc_err_set(e, "%s: no manifests", what);
    else
        pc_err_set(e, "%s holds %zu manifests; name one with :TAG (tags: %s)", what, n, list);
    pc_buf_free(&b);
    return -1;
}

/* The index.json entries that name the wanted image: those tagged tag or,
 * with no tag, all of them when they share one name (one image in several
 * platforms). NULL with a message when none fit or the choice is unclear. */
static json_t *layout_candidates(json_t *arr, const char *what, const char *tag, pc_err *e)
{
    size_t n = json_array_size(arr);
    const char *first = NULL;
    int same = 1;
    json_t *c = json_array();
    if (!c) {
        pc_err_set(e, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        desc d;
        const char *name;
        if (layout_entry(arr, i, what, &d, &name, e) < 0)
            goto fail;
        if (i == 0)
            first = name;
        else if (!(first == name || (first && name && strcmp(first, name) == 0)))
            same = 0;
        if ((!tag || (name && strcmp(name, tag) == 0)) &&
            json_array_append(c, json_array_get(arr, i)) < 0) {
            pc_err_set(e, "out of memory");
            goto fail;
        }
    }
    if (json_array_size(c) == 0 || (!tag && !same)) {
        tags_err(arr, what, tag, e);
        goto fail;
    }
    return c;
fail:
    json_decref(c);
    return NULL;
}

/* One candidate is the image; several are its platforms. */
static int layout_choose(json_t *c, const char *what, const pc_platform *want, pc_desc *out,
                         pc_err *e)
{
    next_doc nx;
    desc d;
    const char *name;
    if (json_array_size(c) == 1) {
        if (layout_entry(c, 0, what, &d, &name, e) < 0 || next_from(&d, NULL, 0, &nx, e) < 0)
            return -1;
    } else if (select_entry(want, c, what, &nx, e) < 0) {
        return -1;
    }
    out->media_type = nx.mt;
    memcpy(out->digest, nx.digest, sizeof out->digest);
    out->size = nx.size;
    return 0;
}

int pc_layout_select(const char *json, size_t len, const char *what, const char *tag,
                     const pc_platform *want, pc_desc *out, pc_err *e)
{
    pc_platform dflt = {"linux", "amd64", ""};
    memset(out, 0, sizeof *out);
    json_t *root = parse_json(json, len, what, e);
    if (!root)
        return -1;
    json_t *arr, *c = NULL;
    int rc = get_manifests(root, what, &arr, e);
    if (rc == 0 && !(c = layout_candidates(arr, what, tag, e)))
        rc = -1;
    if (rc == 0)
        rc = layout_choose(c, what, want ? want : &dflt, out, e);
    if (rc == 0 && pc_gj_check_manifest(root, what, e) < 0) {
        free(out->media_type);
        memset(out, 0, sizeof *out);
        rc = -1;
    }
    json_decref(c);
    json_decref(root);
    return rc;
}
