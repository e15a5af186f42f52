/*
 * transport_docker.c — the docker://REF transport (and bare references): an
 * image in a registry, read over the OCI distribution API.
 *
 * open() parses and normalises the reference, finds credentials for its
 * registry and builds the registry client; nothing goes over the network
 * yet. With a registry process (pc_source_cfg.fetch: the CLI and the
 * webhook) the client, and the credentials, live there (registry/fetch.h)
 * and this file holds none. resolve() fetches the manifest the reference names (by tag, or by
 * digest, which must then match the bytes) and hands its computed digest
 * to pc_manifest_resolve. That walks index → platform manifest → config
 * through blob_read, which serves the already-fetched top document from a
 * one-entry cache, fetches documents an index listed from /manifests/
 * (it remembers the digests under each "manifests" array it served), and
 * everything else (the config) from /blobs/. open_layer() streams a layer
 * from /blobs/ without buffering it; it is called from several threads at
 * once, and everything it touches (registry client, progress) is either
 * read-only after resolve() or locked.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "image/gojson.h"
#include "source/imageref.h"
#include "image/manifest.h"
#include "source/progress.h"
#include "registry/credpick.h"
#include "registry/fetch.h"
#include "registry/registry.h"
#include "pcx/sha256.h"
#include "source/source.h"
#include "source/spec.h"
#include "pcx.h"

#define MAX_CHILDREN 4096 /* manifests listed by the indexes of one image */

typedef struct docker_src {
    pc_cfg_copy c;
    pc_imageref ref;
    char shown[600];    /* normalised reference, for messages and progress */
    pc_registry *reg;   /* the client in this process, or */
    pc_fetch_reg *freg; /* the registry process's */
    pc_progress *prog;
    char *top; /* the manifest the reference named, until resolve() takes it */
    size_t top_len;
    char top_digest[72];
    char (*children)[72]; /* digests listed under "manifests" of documents served */
    size_t nchildren, capchildren;
} docker_src;

static void docker_close(void *state)
{
    docker_src *st = state;
    if (!st)
        return;
    pc_registry_free(st->reg);
    pc_fetch_reg_free(st->freg);
    pc_progress_free(st->prog);
    free(st->top);
    free(st->children);
    free(st);
}

static int docker_open(const char *spec, const pc_source_cfg *cfg, void **state, pc_err *e)
{
    *state = NULL;
    docker_src *st = calloc(1, sizeof *st);
    if (!st)
        return pc_err_set(e, "out of memory");
    pc_cfg_copy_init(&st->c, cfg);
    int rc = pc_imageref_parse(spec, &st->ref, e);
    if (rc == 0)
        pc_imageref_format(&st->ref, st->shown, sizeof st->shown);
    if (rc == 0 && cfg && cfg->fetch) {
        /* the registry process finds the credentials and makes the requests */
        rc = pc_fetch_reg_new(cfg->fetch, cfg->fetch_ctx, st->ref.domain, st->ref.path,
                              cfg->cert_dir, cfg->authfile, cfg->tls_verify, cfg->deadline_ms,
                              &st->freg, e);
    } else if (rc == 0) {
        pc_creds creds;
        rc = cfg ? pc_creds_pick(cfg->creds, cfg->registry_token, cfg->creds_host,
                                 cfg->creds_host_len, cfg->authfile, st->ref.domain, &creds, e)
                 : pc_creds_pick(NULL, NULL, NULL, 0, NULL, st->ref.domain, &creds, e);
        if (rc >= 0) {
            pc_registry_cfg rcfg = {.domain = st->ref.domain,
                                    .repo = st->ref.path,
                                    .cert_dir = cfg ? cfg->cert_dir : NULL,
                                    .tls_verify = cfg ? cfg->tls_verify : 1,
                                    .deadline_ms = cfg ? cfg->deadline_ms : 0,
                                    .creds = rc == 0 ? &creds : NULL,
                                    .pool = cfg ? cfg->pool : NULL,
                                    .tokens = cfg ? cfg->tokens : NULL};
            rc = pc_registry_new(&rcfg, &st->reg, e);
        }
        pc_creds_free(&creds);
    }
    if (rc < 0) {
        docker_close(st);
        return -1;
    }
    st->prog = pc_progress_new(cfg ? cfg->progress : 0, STDERR_FILENO, st->shown);
    *state = st;
    return 0;
}

/* The registry client's requests, in this process or the registry
 * process's (fetch.h) */
static int reg_manifest(docker_src *st, const char *ref, size_t max, char **buf, size_t *len,
                        char digest[72], char *mt, size_t mtn, pc_err *e)
{
    return st->freg ? pc_fetch_reg_manifest(st->freg, ref, max, buf, len, digest, mt, mtn, e)
                    : pc_registry_manifest(st->reg, ref, max, buf, len, digest, mt, mtn, e);
}

static int reg_blob(docker_src *st, const char *digest, size_t max, char **buf, size_t *len,
                    pc_err *e)
{
    return st->freg ? pc_fetch_reg_blob(st->freg, digest, max, buf, len, e)
                    : pc_registry_blob(st->reg, digest, max, buf, len, e);
}

static int reg_blob_open(docker_src *st, const char *digest, int64_t size, pc_stream **out,
                         pc_err *e)
{
    return st->freg ? pc_fetch_reg_blob_open(st->freg, digest, size, out, e)
                    : pc_registry_blob_open(st->reg, digest, size, out, e);
}

static int is_child(const docker_src *st, const char *digest)
{
    for (size_t i = 0; i < st->nchildren; i++)
        if (strcmp(st->children[i], digest) == 0)
            return 1;
    return 0;
}

/* Remember the digests an index lists: they are fetched from /manifests/.
 * Keys are found as manifest.c finds them (gojson.h); unparseable or
 * ambiguous documents are left to manifest.c to report. */
static void note_children(docker_src *st, const char *doc, size_t len)
{
    json_t *root = pc_gj_load(doc, len, "index", NULL), *arr, *dv;
    if (pc_gj_field(root, "manifests", &arr, "index", NULL) < 0)
        arr = NULL;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (pc_gj_field(json_array_get(arr, i), "digest", &dv, "index", NULL) < 0)
            continue;
        const char *d = json_string_value(dv);
        if (!d || pc_digest_check(d, "digest", NULL) < 0 || is_child(st, d))
            continue;
        if (st->nchildren >= MAX_CHILDREN || pc_grow((void **)&st->children, &st->capchildren,
                                                     st->nchildren + 1, sizeof *st->children) < 0)
            break;
        memcpy(st->children[st->nchildren++], d, 72);
    }
    json_decref(root);
}

static int blob_read(void *ctx, const char *digest, size_t max, char **out, size_t *len, pc_err *e)
{
    docker_src *st = ctx;
    if (st->top && strcmp(digest, st->top_digest) == 0) {
        if (st->top_len > max)
            return pc_err_set(e, "%zu bytes exceeds the limit of %zu", st->top_len, max);
        *out = st->top;
        *len = st->top_len;
        st->top = NULL;
        return 0;
    }
    if (!is_child(st, digest))
        return reg_blob(st, digest, max, out, len, e);
    char got[72], mt[128];
    if (reg_manifest(st, digest, max, out, len, got, mt, sizeof mt, e) < 0)
        return -1;
    note_children(st, *out, *len);
    return 0;
}

/* The Content-Type, when it is a type manifest.c knows; else let the
 * document's own mediaType speak (some registries send application/json). */
static const char *known_type(const char *mt)
{
    static const char *const types[] = {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(mt, types[i]) == 0)
            return mt;
    return NULL;
}

static int docker_resolve(void *state, pc_image *img, pc_err *e)
{
    docker_src *st = state;
    const char *want = st->ref.digest[0] ? st->ref.digest : st->ref.tag;
    char mt[128];
    memset(img, 0, sizeof *img);
    free(st->top);
    st->top = NULL;
    if (reg_manifest(st, want, pc_limit_size(st->c.limits.max_manifest_bytes), &st->top,
                     &st->top_len, st->top_digest, mt, sizeof mt, e) < 0)
        return -1;
    note_children(st, st->top, st->top_len);
    int rc = pc_manifest_resolve(blob_read, st, known_type(mt), st->top_digest,
                                 (int64_t)st->top_len, &st->c.cfg, img, e);
    free(st->top);
    st->top = NULL;
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < img->nlayers; i++)
        pc_progress_add(st->prog, img->layers[i].d.digest, img->layers[i].d.size);
    return 0;
}

/* A layer stream that reports its bytes to the progress display. */
typedef struct prog_stream {
    pc_stream s;
    pc_stream *inner;
    pc_progress *p;
    int slot, ended;
} prog_stream;

static ssize_t prog_read(pc_stream *s, void *buf, size_t n, pc_err *e)
{
    prog_stream *ps = (prog_stream *)s;
    ssize_t r = ps->inner->read(ps->inner, buf, n, e);
    if (r > 0)
        pc_progress_bytes(ps->p, ps->slot, (uint64_t)r);
    if (r <= 0 && !ps->ended) {
        ps->ended = 1;
        pc_progress_end(ps->p, ps->slot, r == 0);
    }
    return r;
}

static void prog_close(pc_stream *s)
{
    prog_stream *ps = (prog_stream *)s;
    if (!ps->ended)
        pc_progress_end(ps->p, ps->slot, 0);
    ps->inner->close(ps->inner);
    free(ps);
}

static int docker_open_layer(void *state, const pc_layer_desc *l, pc_stream **out, pc_err *e)
{
    docker_src *st = state;
    pc_stream *raw;
    *out = NULL;
    if (reg_blob_open(st, l->d.digest, l->d.size, &raw, e) < 0)
        return -1;
    if (!st->prog) {
        *out = raw;
        return 0;
    }
    prog_stream *ps = calloc(1, sizeof *ps);
    if (!ps) {
        raw->close(raw);
        return pc_err_set(e, "out of memory");
    }
    ps->s.read = prog_read;
    ps->s.close = prog_close;
    ps->inner = raw;
    ps->p = st->prog;
    ps->slot = pc_progress_start(st->prog, l->d.digest);
    *out = &ps->s;
    return 0;
}

const pc_source_ops pc_source_docker = {
    .transport = "docker",
    .prefix = "docker://",
    .bare = 1,
    .listed = 0,
    .open = docker_open,
    .resolve = docker_resolve,
    .open_layer = docker_open_layer,
    .close = docker_close,
};
