/*
 * test_source.c — the local image sources (oci:, oci-archive:,
 * docker-archive:) and manifest/index resolution, against images built at
 * test time by the real tools (umoci, skopeo) in a temporary directory.
 * Hand-made documents (a two-platform index, a bad media type, schema1,
 * broken JSON, tampered blobs, hostile archive member names) are written
 * next to them as blobs with correct digests, so each reaches the check it
 * is meant to reach.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "image.h"
#include "scanlimits.h"
#include "manifest.h"
#include "memstore.h"
#include "sha256.h"
#include "source.h"
#include "testfile.h"
#include "testlib.h"
#include "pcx.h"

static char T[512]; /* the temporary directory */

typedef struct fixture {
    char manifest[72], config[72], layer0[72], diff0[72];
    char *manifest_json;
} fixture;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc;
}

/* Store text as a blob of layout dir; its digest goes to out. */
static void add_blob(const char *dir, const char *text, char out[72])
{
    char path[1024];
    pc_sha256_digest(text, strlen(text), out);
    snprintf(path, sizeof path, "%s/%s/blobs/sha256/%s", T, dir, out + 7);
    write_bytes(path, text, strlen(text));
}

/* index.json of layout dir: one entry, tagged "x". mt may be NULL. */
static void set_index(const char *dir, const char *mt, const char *digest, size_t size)
{
    char path[1024], body[1024];
    snprintf(body, sizeof body,
             "{\"schemaVersion\":2,\"manifests\":[{%s%s%s\"digest\":\"%s\",\"size\":%zu,"
             "\"annotations\":{\"org.opencontainers.image.ref.name\":\"x\"}}]}",
             mt ? "\"mediaType\":\"" : "", mt ? mt : "", mt ? "\"," : "", digest, size);
    snprintf(path, sizeof path, "%s/%s/index.json", T, dir);
    write_bytes(path, body, strlen(body));
}

/* A fresh copy of the umoci layout to tamper with. */
static void copy_layout(const char *dir)
{
    CHECK(sh("rm -rf '%s/%s' && cp -r '%s/D' '%s/%s'", T, dir, T, T, dir) == 0);
}

/* Copy of s with the first occurrence of old replaced by new. */
static char *replace(const char *s, const char *old, const char *new)
{
    const char *p = strstr(s, old);
    CHECK(p != NULL);
    if (!p)
        return pc_strdup(s);
    return pc_asprintf("%.*s%s%s", (int)(p - s), s, new, p + strlen(old));
}

static pc_source_cfg make_cfg(pc_platform *plat, pc_limits *lim, const char *platform,
                              int explicit_)
{
    pc_limits_default(lim);
    CHECK(pc_platform_parse(platform, plat) == 0);
    pc_source_cfg cfg = {
        .platform = plat, .platform_explicit = explicit_, .limits = lim, .tls_verify = 1};
    return cfg;
}

/* Resolve ref ("oci:..." etc. relative to T) with cfg; 0 or -1 with e. */
static int resolve_cfg(const char *ref, const pc_source_cfg *cfg, pc_image *img, pc_err *e)
{
    const pc_source_ops *ops;
    const char *spec;
    void *st = NULL;
    char full[1024];
    const char *colon = strchr(ref, ':');
    snprintf(full, sizeof full, "%.*s:%s/%s", (int)(colon - ref), ref, T, colon + 1);
    memset(img, 0, sizeof *img);
    e->msg[0] = 0;
    if (pc_source_lookup(full, &ops, &spec, e) < 0 || ops->open(spec, cfg, &st, e) < 0)
        return -1;
    int rc = ops->resolve(st, img, e);
    ops->close(st);
    return rc;
}

static int resolve(const char *ref, const char *platform, pc_image *img, pc_err *e)
{
    pc_platform plat;
    pc_limits lim;
    pc_source_cfg cfg = make_cfg(&plat, &lim, platform, 0);
    return resolve_cfg(ref, &cfg, img, e);
}

/* The message ref fails with ("(resolved)" when it does not fail). */
static const char *fails(const char *ref, const char *platform, pc_err *e)
{
    pc_image img;
    int rc = resolve(ref, platform, &img, e);
    pc_image_free(&img);
    return rc == 0 ? "(resolved)" : e->msg;
}

/* Open ref again and read every layer: the bytes must hash to the digest
 * the layer walk will check (the diff_id when verify_diff is set). */
static void check_streams(const char *ref)
{
    pc_platform plat;
    pc_limits lim;
    pc_source_cfg cfg = make_cfg(&plat, &lim, "linux/amd64", 0);
    const pc_source_ops *ops;
    const char *spec;
    void *st = NULL;
    pc_image img = {0};
    pc_err e = {""};
    char full[1024];
    const char *colon = strchr(ref, ':');
    snprintf(full, sizeof full, "%.*s:%s/%s", (int)(colon - ref), ref, T, colon + 1);
    CHECK(pc_source_lookup(full, &ops, &spec, &e) == 0);
    CHECK(ops->open(spec, &cfg, &st, &e) == 0);
    CHECK(ops->resolve(st, &img, &e) == 0);
    for (size_t i = 0; i < img.nlayers; i++) {
        pc_stream *s = NULL;
        CHECK(ops->open_layer(st, &img.layers[i], &s, &e) == 0);
        if (!s)
            continue;
        pc_sha256 *h = pc_sha256_new();
        char buf[4096], got[72];
        ssize_t r;
        int64_t total = 0;
        while ((r = s->read(s, buf, sizeof buf, &e)) > 0) {
            pc_sha256_update(h, buf, (size_t)r);
            total += r;
        }
        CHECK(r == 0);
        pc_sha256_final(h, got);
        pc_sha256_free(h);
        s->close(s);
        CHECK(total == img.layers[i].d.size);
        CHECK_STR(got, img.layers[i].verify_diff ? img.layers[i].diff_id : img.layers[i].d.digest);
    }
    pc_image_free(&img);
    ops->close(st);
}

static int build_fixtures(void)
{
    const char *base = getenv("PC_WORK");
    snprintf(T, sizeof T, "%s/test_source.XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(T))
        return -1;
    return sh("cd '%s' && umoci init --layout D >/dev/null && umoci new --image D:t1 && "
              "printf 'hello\\n' > f1 && printf 'world\\n' > f2 && "
              "umoci insert --image D:t1 f1 /hello && umoci insert --image D:t1 f2 /world && "
              "umoci new --image D:other && "
              "skopeo --insecure-policy copy -q oci:D:t1 oci-archive:F.tar:t1 && "
              "skopeo --insecure-policy copy -q oci:D:t1 docker-archive:F2.tar:fixture:t1",
              T);
}

static void test_oci(fixture *fx)
{
    pc_image img;
    pc_err e;
    int rc = resolve("oci:D:t1", "linux/amd64", &img, &e);
    CHECK(rc == 0);
    if (rc < 0) {
        fprintf(stderr, "oci:D:t1: %s\n", e.msg);
        return;
    }
    CHECK(img.nlayers == 2);
    CHECK_STR(img.digest, img.manifest_digest);
    CHECK_STR(img.platform.os, "linux");
    CHECK_STR(img.platform.arch, "amd64");
    char d[72];
    pc_sha256_digest(img.config, img.config_len, d);
    CHECK_STR(d, img.config_digest);
    CHECK_CONTAINS(img.config, "\"diff_ids\"");
    for (size_t i = 0; i < img.nlayers; i++) {
        const pc_layer_desc *l = &img.layers[i];
        CHECK(l->comp == PC_COMP_GZIP);
        CHECK_STR(l->d.media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
        CHECK(pc_digest_check(l->d.digest, "layer", &e) == 0);
        CHECK(l->diff_id && pc_digest_check(l->diff_id, "diff_id", &e) == 0);
        CHECK(l->d.size > 0 && !l->verify_diff);
    }
    memcpy(fx->manifest, img.manifest_digest, 72);
    memcpy(fx->config, img.config_digest, 72);
    memcpy(fx->layer0, img.layers[0].d.digest, 72);
    memcpy(fx->diff0, img.layers[0].diff_id, 72);
    char path[1024];
    snprintf(path, sizeof path, "%s/D/blobs/sha256/%s", T, fx->manifest + 7);
    CHECK(pc_read_file(path, 1 << 20, &fx->manifest_json, NULL, &e) == 0);
    pc_image_free(&img);
    check_streams("oci:D:t1");
}

static void test_oci_tags(void)
{
    pc_err e;
    pc_image img;
    CHECK(resolve("oci:D:other", "linux/amd64", &img, &e) == 0);
    CHECK(img.nlayers == 0);
    pc_image_free(&img);
    const char *m = fails("oci:D", "linux/amd64", &e);
    CHECK_CONTAINS(m, "/D/index.json holds 2 manifests");
    CHECK_CONTAINS(m, "tags: t1, other");
    m = fails("oci:D:nope", "linux/amd64", &e);
    CHECK_CONTAINS(m, "no manifest tagged \"nope\"; tags: t1, other");
    CHECK_CONTAINS(fails("oci:nonexistent", "linux/amd64", &e), "No such file");
    CHECK_CONTAINS(fails("oci:D:", "linux/amd64", &e), "empty name");
    /* explicit platform that the single-manifest image is not */
    pc_platform plat;
    pc_limits lim;
    pc_source_cfg cfg = make_cfg(&plat, &lim, "linux/arm64", 1);
    CHECK(resolve_cfg("oci:D:t1", &cfg, &img, &e) < 0);
    CHECK_CONTAINS(e.msg, "not the requested platform linux/arm64");
    cfg = make_cfg(&plat, &lim, "linux/amd64", 0);
    lim.max_layers = 1;
    CHECK(resolve_cfg("oci:D:t1", &cfg, &img, &e) < 0);
    CHECK_CONTAINS(e.msg, "has 2 layers; the limit is 1");
    lim.max_layers = 100;
    lim.max_manifest_bytes = 100;
    CHECK(resolve_cfg("oci:D:t1", &cfg, &img, &e) < 0);
    CHECK_CONTAINS(e.msg, "exceeds the limit of 100");
    /* a config whose descriptor is over the limit is refused unread */
    cfg = make_cfg(&plat, &lim, "linux/amd64", 0);
    lim.max_config_bytes = 16;
    CHECK(resolve_cfg("oci:D:t1", &cfg, &img, &e) < 0);
    CHECK_CONTAINS(e.msg, " bytes; the limit is 16");
    CHECK_CONTAINS(e.msg, "config sha256:");
}

static void test_tampered(const fixture *fx)
{
    pc_err e;
    char path[1024], want[200];
    copy_layout("C1");
    snprintf(path, sizeof path, "%s/C1/blobs/sha256/%s", T, fx->config + 7);
    write_bytes(path, "{\"os\":\"linux\",\"architecture\":\"amd64\"}", 38);
    snprintf(want, sizeof want, "config %s digest mismatch: got sha256:", fx->config);
    CHECK_CONTAINS(fails("oci:C1:t1", "linux/amd64", &e), want);
    copy_layout("C2");
    snprintf(path, sizeof path, "%s/C2/blobs/sha256/%s", T, fx->manifest + 7);
    write_bytes(path, "{}", 2);
    snprintf(want, sizeof want, "manifest %s digest mismatch", fx->manifest);
    CHECK_CONTAINS(fails("oci:C2:t1", "linux/amd64", &e), want);
    /* a blob replaced by a symlink is refused, not followed */
    copy_layout("C3");
    CHECK(sh("cd '%s/C3/blobs/sha256' && mv %s real && ln -s real %s", T, fx->manifest + 7,
             fx->manifest + 7) == 0);
    CHECK_CONTAINS(fails("oci:C3:t1", "linux/amd64", &e), "symbolic links");
}

/* An index blob over the t1 manifest with the given platform entries. */
static void make_index(const fixture *fx, const char *dir, const char *mt, const char **plats,
                       size_t n, char out[72])
{
    pc_buf b = {0};
    pc_buf_printf(&b, "{\"schemaVersion\":2,%s%s%s\"manifests\":[", mt ? "\"mediaType\":\"" : "",
                  mt ? mt : "", mt ? "\"," : "");
    for (size_t i = 0; i < n; i++)
        pc_buf_printf(&b,
                      "%s{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                      "\"digest\":\"%s\",\"size\":%zu,\"platform\":%s}",
                      i ? "," : "", fx->manifest, strlen(fx->manifest_json), plats[i]);
    pc_buf_puts(&b, "]}");
    add_blob(dir, b.p, out);
    pc_buf_free(&b);
}

#define OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"

static void test_index(const fixture *fx)
{
    const char *plats[] = {
        "{\"architecture\":\"amd64\",\"os\":\"linux\"}",
        "{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}",
        "{\"architecture\":\"unknown\",\"os\":\"unknown\"}",
        "{\"architecture\":\"s390x\",\"os\":\"linux\"}",
    };
    char idx[72], msg[300];
    pc_err e;
    pc_image img;
    copy_layout("I1");
    make_index(fx, "I1", OCI_INDEX, plats, 4, idx);
    set_index("I1", OCI_INDEX, idx, 0);
    CHECK_CONTAINS(fails("oci:I1:x", "linux/arm64", &e), "size mismatch");
    char path[1024], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/I1/blobs/sha256/%s", T, idx + 7);
    CHECK(pc_read_file(path, 1 << 20, &text, &len, &e) == 0);
    free(text);
    set_index("I1", OCI_INDEX, idx, len);
    CHECK(resolve("oci:I1:x", "linux/arm64", &img, &e) == 0);
    CHECK_STR(img.digest, idx);
    CHECK_STR(img.manifest_digest, fx->manifest);
    CHECK_STR(img.platform.arch, "arm64");
    CHECK_STR(img.platform.variant, "v8");
    CHECK(img.nlayers == 2);
    pc_image_free(&img);
    CHECK(resolve("oci:I1:x", "linux/arm64/v8", &img, &e) == 0);
    pc_image_free(&img);
    CHECK(resolve("oci:I1:x", "linux/amd64", &img, &e) == 0);
    CHECK_STR(img.platform.arch, "amd64");
    pc_image_free(&img);
    snprintf(msg, sizeof msg,
             "no manifest for platform linux/ppc64le in index %s; available: linux/amd64, "
             "linux/arm64/v8, linux/s390x",
             idx);
    CHECK_STR(fails("oci:I1:x", "linux/ppc64le", &e), msg);
    CHECK_CONTAINS(fails("oci:I1:x", "linux/arm64/v7", &e), "no manifest for platform");
    CHECK_CONTAINS(fails("oci:I1:x", "linux/arm", &e), "no manifest for platform linux/arm in");
}

/* One tag over several platform entries in index.json itself. */
static void test_layout_platforms(const fixture *fx)
{
    char path[1024], body[2048];
    pc_err e;
    pc_image img;
    copy_layout("L1");
    const char *ent = "{\"mediaType\":\"" OCI_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu,"
                      "\"platform\":{\"os\":\"linux\",\"architecture\":\"%s\"},\"annotations\":"
                      "{\"org.opencontainers.image.ref.name\":\"multi\"}}";
    char a[512], b[512];
    snprintf(a, sizeof a, ent, fx->manifest, strlen(fx->manifest_json), "amd64");
    snprintf(b, sizeof b, ent, fx->manifest, strlen(fx->manifest_json), "arm64");
    snprintf(body, sizeof body, "{\"schemaVersion\":2,\"manifests\":[%s,%s]}", a, b);
    snprintf(path, sizeof path, "%s/L1/index.json", T);
    write_bytes(path, body, strlen(body));
    CHECK(resolve("oci:L1:multi", "linux/arm64", &img, &e) == 0);
    CHECK_STR(img.manifest_digest, fx->manifest);
    pc_image_free(&img);
    CHECK(resolve("oci:L1", "linux/amd64", &img, &e) == 0);
    pc_image_free(&img);
    CHECK_CONTAINS(fails("oci:L1", "linux/ppc64le", &e),
                   "/L1/index.json; available: linux/amd64, linux/arm64");
    /* the config says amd64: asking for arm64 explicitly is refused */
    pc_platform plat;
    pc_limits lim;
    pc_source_cfg cfg = make_cfg(&plat, &lim, "linux/arm64", 1);
    CHECK(resolve_cfg("oci:L1:multi", &cfg, &img, &e) < 0);
    CHECK_CONTAINS(e.msg, "the image is for linux/amd64");
}

static size_t blob_size(const char *dir, const char *digest)
{
    char path[1024], *text = NULL;
    size_t len = 0;
    pc_err e;
    snprintf(path, sizeof path, "%s/%s/blobs/sha256/%s", T, dir, digest + 7);
    CHECK(pc_read_file(path, 1 << 20, &text, &len, &e) == 0);
    free(text);
    return len;
}

static void test_index_shapes(const fixture *fx)
{
    const char *amd = "{\"architecture\":\"amd64\",\"os\":\"linux\"}";
    char idx[72], prev[72];
    pc_err e;
    pc_image img;
    /* no mediaType anywhere: "manifests" makes it an index */
    copy_layout("I2");
    make_index(fx, "I2", NULL, &amd, 1, idx);
    set_index("I2", NULL, idx, blob_size("I2", idx));
    CHECK(resolve("oci:I2:x", "linux/amd64", &img, &e) == 0);
    CHECK_STR(img.digest, idx);
    pc_image_free(&img);
    /* indexes of indexes: 4 levels resolve, 5 do not */
    copy_layout("I3");
    make_index(fx, "I3", OCI_INDEX, &amd, 1, prev);
    for (int level = 2; level <= 5; level++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[{\"mediaType\":"
                 "\"%s\",\"digest\":\"%s\",\"size\":%zu,\"platform\":%s}]}",
                 OCI_INDEX, OCI_INDEX, prev, blob_size("I3", prev), amd);
        add_blob("I3", body, idx);
        set_index("I3", OCI_INDEX, idx, blob_size("I3", idx));
        if (level == 4)
            CHECK(strcmp(fails("oci:I3:x", "linux/amd64", &e), "(resolved)") == 0);
        memcpy(prev, idx, sizeof prev);
    }
    CHECK_CONTAINS(fails("oci:I3:x", "linux/amd64", &e), "nested deeper than 4");
    /* a document that is both an index and a manifest */
    copy_layout("I4");
    char *amb = replace(fx->manifest_json, "\"layers\"", "\"manifests\":[],\"layers\"");
    add_blob("I4", amb, idx);
    set_index("I4", NULL, idx, strlen(amb));
    free(amb);
    CHECK_CONTAINS(fails("oci:I4:x", "linux/amd64", &e), "ambiguous");
}

/* Store a variant of the t1 manifest as tag x of a fresh layout dir. */
static const char *manifest_variant(const fixture *fx, const char *dir, const char *old,
                                    const char *new, const char *index_mt)
{
    static pc_err e;
    char d[72];
    copy_layout(dir);
    char *m = replace(fx->manifest_json, old, new);
    add_blob(dir, m, d);
    set_index(dir, index_mt, d, strlen(m));
    free(m);
    char ref[64];
    snprintf(ref, sizeof ref, "oci:%s:x", dir);
    return fails(ref, "linux/amd64", &e);
}

#define GZ "application/vnd.oci.image.layer.v1.tar+gzip"

static void test_bad_manifests(const fixture *fx)
{
    char d[72], want[200], field[100];
    pc_err e;
    CHECK_CONTAINS(manifest_variant(fx, "B1", GZ, "application/x-foo", NULL),
                   "layers[0]: unknown layer media type application/x-foo");
    CHECK_CONTAINS(
        manifest_variant(fx, "B2", GZ, "application/vnd.oci.image.layer.nondistributable.v1.tar",
                         NULL),
        "non-distributable layer media type application/vnd.oci.image.layer.nondistributable");
    snprintf(field, sizeof field, "\"digest\":\"%s\"", fx->layer0);
    snprintf(want, sizeof want, ": layers[0].digest: missing");
    CHECK_CONTAINS(manifest_variant(fx, "B3", field, "\"dgst\":\"x\"", NULL), want);
    CHECK_CONTAINS(manifest_variant(fx, "B4", "\"schemaVersion\":2", "\"schemaVersion\":1", NULL),
                   "Docker schema1 manifests are not supported");
    CHECK_CONTAINS(manifest_variant(fx, "B5", "\"schemaVersion\":2", "\"schemaVersion\":2",
                                    "application/vnd.docker.distribution.manifest.v1+prettyjws"),
                   "Docker schema1 manifests are not supported");
    CHECK_CONTAINS(manifest_variant(fx, "B6", "\"schemaVersion\":2",
                                    "\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\"",
                                    "application/vnd.docker.distribution.manifest.v2+json"),
                   "mediaType " OCI_MANIFEST " does not match the descriptor's "
                   "application/vnd.docker.distribution.manifest.v2+json");
    /* the same document under its own media type is fine */
    CHECK_STR(manifest_variant(fx, "B6", "\"schemaVersion\":2",
                               "\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\"",
                               OCI_MANIFEST),
              "(resolved)");
    char sized[200];
    snprintf(sized, sizeof sized, "%s,\"size\":%zu", field, blob_size("D", fx->layer0));
    snprintf(want, sizeof want, "%s,\"size\":-1", field);
    CHECK_CONTAINS(manifest_variant(fx, "B7", sized, want, NULL),
                   "layers[0].size: must be a non-negative integer");
    /* one layer for a config that lists two diff_ids */
    copy_layout("B8");
    char body[1024];
    snprintf(
        body, sizeof body,
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
        "\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}]}",
        fx->config, blob_size("D", fx->config), GZ, fx->layer0, blob_size("D", fx->layer0));
    add_blob("B8", body, d);
    set_index("B8", NULL, d, strlen(body));
    CHECK_CONTAINS(fails("oci:B8:x", "linux/amd64", &e), "lists 2 rootfs.diff_ids");
    /* index.json that is not JSON, and one with a hole */
    copy_layout("B9");
    char path[1024];
    snprintf(path, sizeof path, "%s/B9/index.json", T);
    write_bytes(path, "{\"schemaVersion\":2,\"manifests\":[", 32);
    CHECK_CONTAINS(fails("oci:B9:t1", "linux/amd64", &e), "/B9/index.json: invalid JSON");
    write_bytes(path, "{\"manifests\":[{\"size\":1}]}", 26);
    CHECK_CONTAINS(fails("oci:B9", "linux/amd64", &e),
                   "/B9/index.json: manifests[0].digest: missing");
    snprintf(path, sizeof path, "%s/B9/oci-layout", T);
    write_bytes(path, "{}", 2);
    CHECK_CONTAINS(fails("oci:B9", "linux/amd64", &e), "oci-layout: imageLayoutVersion: missing");
}

static void test_oci_archive(const fixture *fx)
{
    pc_image img;
    pc_err e;
    CHECK(resolve("oci-archive:F.tar:t1", "linux/amd64", &img, &e) == 0);
    CHECK_STR(img.manifest_digest, fx->manifest);
    CHECK_STR(img.config_digest, fx->config);
    CHECK(img.nlayers == 2);
    pc_image_free(&img);
    CHECK(resolve("oci-archive:F.tar", "linux/amd64", &img, &e) == 0);
    pc_image_free(&img);
    check_streams("oci-archive:F.tar");
    /* "./"-prefixed member names, as tar -C DIR . writes them */
    CHECK(sh("cd '%s/D' && tar -cf ../F3.tar .", T) == 0);
    CHECK(resolve("oci-archive:F3.tar:t1", "linux/amd64", &img, &e) == 0);
    CHECK_STR(img.manifest_digest, fx->manifest);
    pc_image_free(&img);
    check_streams("oci-archive:F3.tar:t1");
    CHECK_CONTAINS(fails("oci-archive:F3.tar", "linux/amd64", &e), "holds 2 manifests");
    CHECK(sh("cd '%s' && gzip -c F.tar > F4.tar", T) == 0);
    CHECK_CONTAINS(fails("oci-archive:F4.tar", "linux/amd64", &e), "F4.tar is compressed");
    /* hostile member names and duplicates, crafted with python's tarfile */
    CHECK(
        sh("cd '%s' && python3 -c \"import tarfile,io\n"
           "def add(t,n,d):\n i=tarfile.TarInfo(n); i.size=len(d); t.addfile(i,io.BytesIO(d))\n"
           "t=tarfile.open('E1.tar','w'); add(t,'oci-layout',b'{}'); add(t,'../evil',b'x')\n"
           "t.close()\n"
           "t=tarfile.open('E2.tar','w'); add(t,'index.json',b'{}'); add(t,'./index.json',b'{}')\n"
           "t.close()\"",
           T) == 0);
    CHECK_CONTAINS(fails("oci-archive:E1.tar", "linux/amd64", &e),
                   "member name \"../evil\" is not a plain relative path");
    CHECK_CONTAINS(fails("oci-archive:E2.tar", "linux/amd64", &e),
                   "member \"index.json\" appears more than once");
    CHECK_CONTAINS(fails("oci-archive:missing.tar", "linux/amd64", &e), "No such file");
}

static void test_docker_archive(const fixture *fx)
{
    pc_image img;
    pc_err e;
    int rc = resolve("docker-archive:F2.tar", "linux/amd64", &img, &e);
    CHECK(rc == 0);
    if (rc < 0)
        fprintf(stderr, "docker-archive: %s\n", e.msg);
    CHECK(img.nlayers == 2);
    CHECK_STR(img.manifest_digest, "");
    CHECK_STR(img.digest, img.config_digest);
    CHECK_STR(img.config_digest, fx->config);
    CHECK_STR(img.platform.arch, "amd64");
    for (size_t i = 0; i < img.nlayers; i++) {
        const pc_layer_desc *l = &img.layers[i];
        CHECK(l->comp == PC_COMP_NONE && l->verify_diff == 1 && l->locator != NULL);
        CHECK_STR(l->d.digest, l->diff_id);
        CHECK_STR(l->d.media_type, "application/vnd.docker.image.rootfs.diff.tar");
    }
    if (img.nlayers)
        CHECK_STR(img.layers[0].diff_id, fx->diff0);
    pc_image_free(&img);
    check_streams("docker-archive:F2.tar");
    CHECK(strcmp(fails("docker-archive:F2.tar:fixture:t1", "linux/amd64", &e), "(resolved)") == 0);
    CHECK(strcmp(fails("docker-archive:F2.tar:docker.io/library/fixture:t1", "linux/amd64", &e),
                 "(resolved)") == 0);
    CHECK(strcmp(fails("docker-archive:F2.tar:@0", "linux/amd64", &e), "(resolved)") == 0);
    CHECK_CONTAINS(fails("docker-archive:F2.tar:@1", "linux/amd64", &e), "out of range");
    CHECK_CONTAINS(fails("docker-archive:F2.tar:nope:x", "linux/amd64", &e),
                   "no image \"nope:x\" in manifest.json (images: docker.io/library/fixture:t1)");
    /* a config whose bytes no longer match its name; a gzip-stored layer */
    CHECK(sh("cd '%s' && mkdir X && tar -xf F2.tar -C X && printf ' ' >> X/%s.json && "
             "tar -cf F5.tar -C X . && rm -rf X",
             T, fx->config + 7) == 0);
    CHECK_CONTAINS(fails("docker-archive:F5.tar", "linux/amd64", &e),
                   "digest mismatch: got sha256:");
    CHECK(sh("cd '%s' && mkdir X && tar -xf F2.tar -C X && gzip -n X/%s.tar && "
             "mv X/%s.tar.gz X/%s.tar && tar -cf F6.tar -C X . && rm -rf X",
             T, fx->diff0 + 7, fx->diff0 + 7, fx->diff0 + 7) == 0);
    CHECK(resolve("docker-archive:F6.tar", "linux/amd64", &img, &e) == 0);
    CHECK(img.nlayers == 2 && img.layers[0].comp == PC_COMP_GZIP);
    if (img.nlayers)
        CHECK_STR(img.layers[0].d.media_type, "application/vnd.docker.image.rootfs.diff.tar.gzip");
    pc_image_free(&img);
}

static const char *lookup_err(const char *ref, pc_err *e)
{
    const pc_source_ops *ops;
    const char *spec;
    e->msg[0] = 0;
    return pc_source_lookup(ref, &ops, &spec, e) == 0 ? "(found)" : e->msg;
}

static void test_lookup(void)
{
    const pc_source_ops *ops;
    const char *spec;
    pc_err e;
    CHECK(pc_source_lookup("oci:/x:t", &ops, &spec, &e) == 0 && ops == &pc_source_oci);
    CHECK_STR(spec, "/x:t");
    CHECK(pc_source_lookup("oci-archive:f.tar", &ops, &spec, &e) == 0 &&
          ops == &pc_source_oci_archive);
    CHECK_STR(spec, "f.tar");
    CHECK(pc_source_lookup("docker-archive:f.tar", &ops, &spec, &e) == 0 &&
          ops == &pc_source_docker_archive);
    const char *registry[] = {
        "docker://alpine",         "alpine",         "alpine:3.19", "localhost:5000/a/b:1",
        "ghcr.io/a/b@sha256:0123", "registry:5000/x"};
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++) {
        CHECK_STR(lookup_err(registry[i], &e), "(found)");
        CHECK(pc_source_lookup(registry[i], &ops, &spec, &e) == 0 &&
              strcmp(ops->transport, "docker") == 0);
    }
    CHECK_CONTAINS(lookup_err("dir:/tmp/x", &e),
                   "unknown transport \"dir:\"; supported: docker://");
    CHECK_CONTAINS(lookup_err("ocii:/tmp/x", &e), "unknown transport \"ocii:\"");
    CHECK_CONTAINS(lookup_err("docker-daemon:alpine:latest", &e), "unknown transport");
    CHECK_CONTAINS(lookup_err("containers-storage:alpine", &e), "unknown transport");
    CHECK_CONTAINS(lookup_err("", &e), "empty image reference");
}

static void test_image_helpers(void)
{
    pc_platform p;
    char out[100];
    pc_err e;
    pc_compression c;
    CHECK(pc_platform_parse("linux/arm64/v8", &p) == 0);
    CHECK_STR(p.os, "linux");
    CHECK_STR(p.arch, "arm64");
    CHECK_STR(p.variant, "v8");
    pc_platform_format(&p, out, sizeof out);
    CHECK_STR(out, "linux/arm64/v8");
    CHECK(pc_platform_parse("linux/amd64", &p) == 0 && p.variant[0] == 0);
    pc_platform_format(&p, out, sizeof out);
    CHECK_STR(out, "linux/amd64");
    const char *bad[] = {
        "linux",        "linux/",    "/amd64",        "a/b/c/d",
        "linux/am d64", "linux//v8", "linux/amd64\n", "linux/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(pc_platform_parse(bad[i], &p) == -1);
    CHECK(pc_layer_media_type("application/vnd.oci.image.layer.v1.tar", &c, &e) == 0 &&
          c == PC_COMP_NONE);
    CHECK(pc_layer_media_type("application/vnd.oci.image.layer.v1.tar+zstd", &c, &e) == 0 &&
          c == PC_COMP_ZSTD);
    CHECK(pc_layer_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip", &c, &e) == 0 &&
          c == PC_COMP_GZIP);
    CHECK(pc_layer_media_type("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", &c,
                              &e) == -1);
    CHECK_CONTAINS(e.msg, "non-distributable layer media type");
    CHECK(pc_layer_media_type("text/\x1b[31mred", &c, &e) == -1);
    CHECK_STR(e.msg, "unknown layer media type text/?[31mred");
}

#define DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_V2 "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_CFG "application/vnd.docker.container.image.v1+json"

/* An image of its own (config for arch, manifest), for index tests. */
static void mem_image(const char *arch, char *config, size_t clen, char *manifest, size_t mlen,
                      char md[72])
{
    char cd[72];
    snprintf(config, clen,
             "{\"architecture\":\"%s\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
             "\"diff_ids\":[]}}",
             arch);
    pc_sha256_digest(config, strlen(config), cd);
    snprintf(manifest, mlen,
             "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
             "\"digest\":\"%s\",\"size\":%zu},\"layers\":[]}",
             DOCKER_V2, DOCKER_CFG, cd, strlen(config));
    pc_sha256_digest(manifest, strlen(manifest), md);
}

static void entry(char *out, size_t n, const char *md, const char *manifest, const char *plat)
{
    if (plat)
        snprintf(out, n, "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu,\"platform\":%s}",
                 DOCKER_V2, md, strlen(manifest), plat);
    else
        snprintf(out, n, "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}", DOCKER_V2, md,
                 strlen(manifest));
}

/* containerd's choice from an index, not a looser one: another amd64
 * variant is no match, an entry without a platform comes after every
 * match and its config must match, equals go in index order. */
static void test_index_choice(void)
{
    static char c1[256], m1[512], c2[256], m2[512], list[2048], e1[400], e2[400];
    char d1[72], d2[72];
    pc_image img;
    pc_err e;
    mem_image("amd64", c1, sizeof c1, m1, sizeof m1, d1);
    mem_image("amd64", c2, sizeof c2, m2, sizeof m2, d2);
    /* c2 must differ from c1 for distinct digests: give it a label */
    snprintf(c2, sizeof c2,
             "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"b\":\"2\"}},"
             "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
    {
        char cd[72];
        pc_sha256_digest(c2, strlen(c2), cd);
        snprintf(m2, sizeof m2,
                 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
                 "\"digest\":\"%s\",\"size\":%zu},\"layers\":[]}",
                 DOCKER_V2, DOCKER_CFG, cd, strlen(c2));
        pc_sha256_digest(m2, strlen(m2), d2);
    }
    mem_store m = {{c1, m1, c2, m2, list}, 5};
    static const char amd64[] = "{\"os\":\"linux\",\"architecture\":\"amd64\"}",
                      amd64_v3[] =
                          "{\"os\":\"linux\",\"architecture\":\"amd64\",\"variant\":\"v3\"}";
    /* an index of m1 with platform p1 (NULL: none), then (n == 2) m2 with
     * p2; the manifest taken (1 or 2), or 0 and the error */
    static const struct {
        const char *p1, *p2;
        int n, want;
        const char *err;
    } rows[] = {
        /* amd64/v3 first, then an entry without a platform: containerd
         * takes the latter (v3 is not linux/amd64 to it) */
        {amd64_v3, NULL, 2, 2, NULL},
        /* two matching entries: the first */
        {amd64, amd64, 2, 1, NULL},
        /* a match beats an earlier entry without a platform */
        {NULL, amd64, 2, 2, NULL},
        /* two entries without a platform: refused */
        {NULL, NULL, 2, 0, "ambiguous index"},
        /* only another variant: no match */
        {amd64_v3, NULL, 1, 0, "no manifest for platform"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        entry(e1, sizeof e1, d1, m1, rows[i].p1);
        entry(e2, sizeof e2, d2, m2, rows[i].p2);
        snprintf(list, sizeof list,
                 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[%s%s%s]}", DOCKER_LIST,
                 e1, rows[i].n == 2 ? "," : "", rows[i].n == 2 ? e2 : "");
        const char *r = mem_store_resolve(&m, "linux/amd64", &img, &e);
        if (rows[i].want) {
            CHECK_STR(r, "(resolved)");
            CHECK_STR(img.manifest_digest, rows[i].want == 1 ? d1 : d2);
            pc_image_free(&img);
        } else {
            CHECK_CONTAINS(r, rows[i].err);
        }
    }

    /* an entry without a platform whose config is for arm64: no match */
    mem_image("arm64", c1, sizeof c1, m1, sizeof m1, d1);
    entry(e1, sizeof e1, d1, m1, NULL);
    snprintf(list, sizeof list, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[%s]}",
             DOCKER_LIST, e1);
    CHECK_CONTAINS(mem_store_resolve(&m, "linux/amd64", &img, &e), "is not for linux/amd64");
}

static void test_memory_resolve(void)
{
    const char *config = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    char cd[72], md[72], manifest[512], list[1024];
    pc_sha256_digest(config, strlen(config), cd);
    snprintf(manifest, sizeof manifest,
             "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
             "\"digest\":\"%s\",\"size\":%zu},\"layers\":[]}",
             DOCKER_V2, DOCKER_CFG, cd, strlen(config));
    pc_sha256_digest(manifest, strlen(manifest), md);
    snprintf(list, sizeof list,
             "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[{\"mediaType\":\"%s\","
             "\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"os\":\"linux\",\"architecture\":"
             "\"arm\",\"variant\":\"v6\"}}]}",
             DOCKER_LIST, DOCKER_V2, md, strlen(manifest));
    mem_store m = {{config, manifest, list}, 3};
    pc_image img;
    pc_err e;
    /* no variant asked: the only arm entry (v6) is taken; the platform
     * comes from the list, since the config names none */
    CHECK_STR(mem_store_resolve(&m, "linux/arm", &img, &e), "(resolved)");
    CHECK_STR(img.platform.variant, "v6");
    CHECK_STR(img.manifest_digest, md);
    CHECK_STR(img.config_digest, cd);
    pc_image_free(&img);
    /* containerd's platforms.Only: arm/v7 also runs v6 (a lower variant),
     * arm/v5 does not run v6 */
    CHECK_STR(mem_store_resolve(&m, "linux/arm/v7", &img, &e), "(resolved)");
    pc_image_free(&img);
    CHECK_CONTAINS(mem_store_resolve(&m, "linux/arm/v5", &img, &e), "available: linux/arm/v6");
    /* a manifest on its own: the config must then name the platform */
    m.n = 2;
    CHECK_CONTAINS(mem_store_resolve(&m, "linux/amd64", &img, &e), "architecture: missing");
    /* an artifact, not an image */
    char *art = replace(manifest, DOCKER_CFG, "application/vnd.cncf.helm.config.v1+json");
    m.blobs[1] = art;
    CHECK_CONTAINS(mem_store_resolve(&m, "linux/amd64", &img, &e),
                   "is not a container image config");
    free(art);
    /* a lone index entry without a platform is followed */
    char *lone = replace(list,
                         ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
                         "\"variant\":\"v6\"}",
                         "");
    m.blobs[1] = manifest;
    m.blobs[2] = lone;
    m.n = 3;
    CHECK_CONTAINS(mem_store_resolve(&m, "linux/amd64", &img, &e), "architecture: missing");
    free(lone);
    m.blobs[0] = "[1,2]";
    m.n = 1;
    CHECK_CONTAINS(mem_store_resolve(&m, "linux/amd64", &img, &e), ": not a JSON object");
}

int main(void)
{
    fixture fx = {0};
    test_lookup();
    test_image_helpers();
    test_memory_resolve();
    test_index_choice();
    if (build_fixtures() != 0) {
        fprintf(stderr, "FAIL: could not build fixtures with umoci and skopeo (make deps)\n");
        t_fail++;
        TEST_MAIN_END();
    }
    test_oci(&fx);
    if (fx.manifest_json) {
        test_oci_tags();
        test_tampered(&fx);
        test_index(&fx);
        test_index_shapes(&fx);
        test_layout_platforms(&fx);
        test_bad_manifests(&fx);
        test_oci_archive(&fx);
        test_docker_archive(&fx);
    }
    free(fx.manifest_json);
    if (!getenv("PC_KEEP"))
        sh("rm -rf '%s'", T);
    TEST_MAIN_END();
}
