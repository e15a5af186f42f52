/*
 * fuzz_manifest.c — libFuzzer target: an image's JSON documents as a
 * registry or an image layout serves them, resolved from the top-level
 * digest down to a config and layers (lib/image/manifest.c, with gojson.c
 * and imgconfig.c under it). Every blob is verified by digest before it
 * is parsed, so the input names its documents by placeholder:
 *
 *   CONTROL FZ_SEP DOC1 FZ_SEP DOC2 ... (at most 6 documents)
 *
 * In DOCk, "@@N" becomes the 64 hex digits of DOCN's SHA-256 and "$$N"
 * its length, for N > k (documents are finished from the last one back),
 * so an index can name a manifest and a manifest its config. DOC1 is the
 * top-level document. CONTROL's bytes pick the media type the caller
 * expects, the platform asked for (and whether explicitly), and whether
 * the top-level size is known.
 *
 * Checked, on success: the config is the blob its digest names, there is
 * one layer per rootfs.diff_id, every layer digest and diff id is a
 * well-formed sha256 digest and every layer media type is one the layer
 * reader takes; the config then also parses as the checks read it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "imgconfig.h"
#include "manifest.h"
#include "sha256.h"

#define NDOCS 6

typedef struct docs {
    char *d[NDOCS + 1]; /* 1-based */
    size_t n[NDOCS + 1];
    char dg[NDOCS + 1][72];
    size_t count;
} docs;

static int rd(void *ctx, const char *digest, size_t max, char **out, size_t *len, pc_err *e)
{
    docs *ds = ctx;
    for (size_t i = 1; i <= ds->count; i++)
        if (strcmp(ds->dg[i], digest) == 0) {
            if (ds->n[i] > max)
                return pc_err_set(e, "blob over the limit");
            *out = fz_strndup(ds->d[i], ds->n[i]);
            *len = ds->n[i];
            return *out ? 0 : pc_err_set(e, "out of memory");
        }
    return pc_err_set(e, "blob unknown");
}

/* DOCk with its placeholders replaced (documents after k are final). */
static char *finish(const docs *ds, size_t k, const uint8_t *p, size_t n, size_t *outn)
{
    char *o = malloc(n * 32 + 1); /* "@@N" (3 bytes) → 64 bytes at most */
    size_t w = 0;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (i + 2 < n && (p[i] == '@' || p[i] == '$') && p[i + 1] == p[i] && p[i + 2] > '0' + k &&
            p[i + 2] <= '0' + ds->count) {
            size_t t = (size_t)(p[i + 2] - '0');
            if (p[i] == '@') {
                memcpy(o + w, ds->dg[t] + 7, 64);
                w += 64;
            } else {
                w += (size_t)sprintf(o + w, "%zu", ds->n[t]);
            }
            i += 2;
            continue;
        }
        o[w++] = (char)p[i];
    }
    o[w] = 0;
    *outn = w;
    return o;
}

static const char *const types[] = {NULL,
                                    "application/vnd.oci.image.index.v1+json",
                                    "application/vnd.oci.image.manifest.v1+json",
                                    "application/vnd.docker.distribution.manifest.list.v2+json",
                                    "application/vnd.docker.distribution.manifest.v2+json",
                                    "application/vnd.docker.distribution.manifest.v1+prettyjws",
                                    "application/octet-stream"};
static const pc_platform plats[] = {{"linux", "amd64", ""},   {"linux", "arm64", "v8"},
                                    {"linux", "arm", "v7"},   {"linux", "arm64", ""},
                                    {"windows", "amd64", ""}, {"linux", "386", ""}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[NDOCS + 1];
    size_t len[NDOCS + 1];
    size_t got = fz_split(data, size, NDOCS + 1, part, len);
    if (got < 2)
        return 0;
    fz c = {part[0], len[0]};
    unsigned mt = fz_pick(&c, sizeof types / sizeof types[0]);
    unsigned pl = fz_u8(&c), flags = fz_u8(&c);
    docs ds = {.count = got - 1};
    for (size_t k = ds.count; k >= 1; k--) {
        ds.d[k] = finish(&ds, k, part[k], len[k], &ds.n[k]);
        if (!ds.d[k])
            goto out;
        pc_sha256_digest(ds.d[k], ds.n[k], ds.dg[k]);
    }
    pc_limits lim;
    pc_limits_default(&lim);
    lim.max_layers = 1 + (flags >> 4); /* 1..16: the limit is reached too */
    pc_source_cfg cfg = {.platform = &plats[pl % (sizeof plats / sizeof plats[0])],
                         .platform_explicit = (pl & 0x80) != 0,
                         .limits = &lim};
    pc_image img;
    pc_err e;
    int64_t top = (flags & 1) ? (int64_t)ds.n[1] : -1;
    int rc = pc_manifest_resolve(rd, &ds, types[mt], ds.dg[1], top, &cfg, &img, &e);
    FZ_LOG("resolve: %d %s\n", rc, rc ? e.msg : "");
    if (rc == 0) {
        FZ_CHECK(img.config && pc_blob_verify(img.config, img.config_len, img.config_digest, -1,
                                              "config", &e) == 0,
                 "config is not its blob");
        FZ_CHECK(strcmp(img.digest, ds.dg[1]) == 0, "image digest is not the one asked for");
        FZ_CHECK(img.nlayers <= lim.max_layers, "%zu layers over the limit", img.nlayers);
        pc_config_info ci;
        FZ_CHECK(pc_config_info_parse(img.config, img.config_len, "config", &ci, &e) == 0 &&
                     ci.ndiff_ids == img.nlayers,
                 "%zu layers, config: %s", img.nlayers, e.msg);
        pc_config_info_free(&ci);
        for (size_t i = 0; i < img.nlayers; i++) {
            const pc_layer_desc *l = &img.layers[i];
            pc_compression comp;
            FZ_CHECK(pc_digest_check(l->d.digest, "layer", NULL) == 0 && l->diff_id &&
                         pc_digest_check(l->diff_id, "diff id", NULL) == 0,
                     "layer %zu digests", i);
            FZ_CHECK(pc_layer_media_type(l->d.media_type, &comp, &e) == 0,
                     "layer %zu media type %s", i, l->d.media_type);
        }
        pc_imgconfig ic;
        pc_imgconfig_parse(img.config, img.config_len, &ic, &e);
        pc_imgconfig_free(&ic);
        pc_image_free(&img);
    }
out:
    for (size_t k = 1; k <= NDOCS; k++)
        free(ds.d[k]);
    return 0;
}
