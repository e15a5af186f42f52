/*
 * test_gojson.c — the image documents read the way a runtime's Go
 * encoding/json reads them: keys folded onto struct fields (any case, "ſ"
 * for s, the Kelvin sign for k), a field named by two keys refused (Go
 * would take the last), exact duplicate keys refused, null as absent,
 * wrong types refused, maps kept exact; and end to end through the image
 * config, manifest, index, OCI layout and docker-archive readers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gojson.h"
#include "imgconfig.h"
#include "manifest.h"
#include "memstore.h"
#include "sha256.h"
#include "source.h"
#include "testfile.h"
#include "testlib.h"
#include "pcx.h"

#define LONG_S "\xc5\xbf"     /* U+017F LATIN SMALL LETTER LONG S, in UTF-8 */
#define KELVIN "\xe2\x84\xaa" /* U+212A KELVIN SIGN */
#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define GZ "application/vnd.oci.image.layer.v1.tar+gzip"

static const char D1[] = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
static const char D2[] = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

static void test_fold(void)
{
    CHECK(pc_gj_fold_eq("layers", "layers"));
    CHECK(pc_gj_fold_eq("Layers", "layers"));
    CHECK(pc_gj_fold_eq("LAYERS", "layers"));
    CHECK(pc_gj_fold_eq("lAyErS", "layers"));
    CHECK(pc_gj_fold_eq("user", "User"));
    CHECK(pc_gj_fold_eq("u" LONG_S "er", "User"));
    CHECK(pc_gj_fold_eq("LAYER" LONG_S, "layers"));
    CHECK(pc_gj_fold_eq(LONG_S LONG_S "x", "ssx"));
    CHECK(pc_gj_fold_eq("Wor" KELVIN "ingDir", "WorkingDir"));
    CHECK(pc_gj_fold_eq("OS.Version", "os.version"));
    CHECK(pc_gj_fold_eq("DIFF_IDS", "diff_ids"));
    /* only s and k have non-ASCII fold partners */
    CHECK(!pc_gj_fold_eq(LONG_S "ize", "dize"));
    CHECK(!pc_gj_fold_eq(KELVIN "ey", "sey"));
    CHECK(!pc_gj_fold_eq("\xc4\xb1mage", "image")); /* U+0131 dotless i */
    CHECK(!pc_gj_fold_eq("\xc4\xb0mage", "image")); /* U+0130 dotted I */
    CHECK(!pc_gj_fold_eq("\xef\xbd\x8c"
                         "ayers",
                         "layers")); /* fullwidth l */
    CHECK(!pc_gj_fold_eq("layer", "layers"));
    CHECK(!pc_gj_fold_eq("layersx", "layers"));
    CHECK(!pc_gj_fold_eq("", "layers"));
    CHECK(!pc_gj_fold_eq("os_version", "os.version"));
    CHECK(!pc_gj_fold_eq("diff-ids", "diff_ids"));
}

static json_t *load(const char *s, pc_err *e)
{
    e->msg[0] = 0;
    return pc_gj_load(s, strlen(s), "doc", e);
}

static void test_load(void)
{
    pc_err e;
    json_t *j = load("{\"a\":1,\"A\":2}", &e);
    CHECK(j != NULL); /* case variants are two keys to jansson: the field look-up judges them */
    json_decref(j);
    CHECK(load("{\"a\":1,\"a\":2}", &e) == NULL);
    CHECK_STR(e.msg, "doc: duplicate key \"a\" (line 1, column 10)");
    CHECK(load("{\"x\":[{\"b\":{\"c\":1,\"c\":2}}]}", &e) == NULL);
    CHECK_CONTAINS(e.msg, "doc: duplicate key \"c\"");
    /* written differently, the same key */
    CHECK(load("{\"L\\u0061yers\":[],\"Layers\":[]}", &e) == NULL);
    CHECK_CONTAINS(e.msg, "doc: duplicate key \"Layers\"");
    CHECK(load("{\"a\":", &e) == NULL);
    CHECK_CONTAINS(e.msg, "doc: invalid JSON: ");
    j = load("[1,2]", &e);
    CHECK(json_is_array(j));
    json_decref(j);
}

/* A document naming a key of n x's twice is refused; the message shows
 * the key bounded. */
static void dup_long_key(size_t n, pc_err *e)
{
    char doc[500], key[201];
    memset(key, 'x', n);
    key[n] = 0;
    snprintf(doc, sizeof doc, "{\"%s\":1,\"%s\":2}", key, key);
    CHECK(load(doc, e) == NULL);
    CHECK_CONTAINS(e->msg, "doc: duplicate key \"xxxxxxxxxxxxxxxxxxxxxxxxx");
    CHECK_CONTAINS(e->msg, "x... (line 1, column");
    CHECK(strlen(e->msg) < 120);
}

static void test_field(void)
{
    pc_err e;
    json_t *v, *j = load("{\"Layers\":[1],\"mediaType\":null,\"u" LONG_S "er\":\"0\","
                         "\"digest\":\"a\",\"Digest\":\"b\",\"size\":\"5\"}",
                         &e);
    CHECK(j != NULL);
    CHECK(pc_gj_field(j, "layers", &v, "doc", &e) == 1 && json_is_array(v));
    CHECK(pc_gj_field(j, "User", &v, "doc", &e) == 1 && json_is_string(v));
    CHECK_STR(json_string_value(v), "0");
    /* null: the key is there, the value is absent */
    CHECK(pc_gj_field(j, "mediaType", &v, "doc", &e) == 1 && v == NULL);
    CHECK(pc_gj_field(j, "config", &v, "doc", &e) == 0 && v == NULL);
    CHECK(pc_gj_field(j, "digest", &v, "doc", &e) == -1 && v == NULL);
    CHECK_STR(e.msg, "doc: keys \"digest\" and \"Digest\" both set field digest (runtimes take "
                     "the last one); refusing the ambiguous document");
    CHECK(pc_gj_field(json_array_get(json_object_get(j, "Layers"), 0), "x", &v, "doc", &e) == 0);
    /* types */
    const char *s;
    CHECK(pc_gj_typed(j, "size", JSON_INTEGER, &v, "doc", &e) == -1 && v == NULL);
    CHECK_STR(e.msg, "doc: field size: expected an integer");
    CHECK(pc_gj_typed(j, "layers", JSON_OBJECT, &v, "doc", &e) == -1);
    CHECK_STR(e.msg, "doc: field layers: expected an object");
    CHECK(pc_gj_string(j, "mediaType", &s, "doc", &e) == 0 && s == NULL);
    CHECK(pc_gj_string(j, "user", &s, "doc", &e) == 0);
    CHECK_STR(s, "0");
    CHECK(pc_gj_string(j, "layers", &s, "doc", &e) == -1 && s == NULL);
    CHECK_STR(e.msg, "doc: field layers: expected a string");
    /* the whole struct: digest is named twice */
    CHECK(pc_gj_check_struct(j, pc_gj_descriptor_fields, "doc", &e) == -1);
    CHECK_CONTAINS(e.msg, "both set field digest");
    json_decref(j);
    /* unknown keys are no field's: ignored */
    j = load("{\"digest\":\"a\",\"digests\":1,\"Dig\":2,\"x\":{\"Digest\":3}}", &e);
    CHECK(pc_gj_check_struct(j, pc_gj_descriptor_fields, "doc", &e) == 0);
    json_decref(j);
    /* a long key is shown bounded */
    dup_long_key(200, &e);
    CHECK_CONTAINS(e.msg, "x... (line 1, column 408)");
    CHECK(load("{\"a\\\"\\\\\":1,\"a\\\"\\\\\":2}", &e) == NULL);
    CHECK_STR(e.msg, "doc: duplicate key \"a\\\"\\\\\" (line 1, column 18)");
    dup_long_key(100, &e);
    j = load("{\"user\":1,\"US\\u001bER\":2,\"USER\":3}", &e);
    CHECK(pc_gj_field(j, "user", &v, "doc", &e) == -1);
    CHECK_CONTAINS(e.msg, "keys \"user\" and \"USER\"");
    json_decref(j);
}

/* pc_imgconfig_parse on json: the message (or "(ok)"); c is kept on success. */
static const char *imgconfig(const char *json, pc_imgconfig *c, pc_err *e)
{
    e->msg[0] = 0;
    int rc = pc_imgconfig_parse(json, strlen(json), c, e);
    if (rc < 0)
        pc_imgconfig_free(c);
    return rc < 0 ? e->msg : "(ok)";
}

static void test_imgconfig(void)
{
    pc_imgconfig c;
    pc_err e;
    CHECK_STR(imgconfig("{\"config\":{\"User\":\"app\",\"user\":\"root\"}}", &c, &e),
              "image config: config: keys \"User\" and \"user\" both set field User (runtimes "
              "take the last one); refusing the ambiguous document");
    CHECK_STR(imgconfig("{\"Config\":{\"User\":\"0\"}}", &c, &e), "(ok)");
    CHECK_STR(c.user, "0");
    pc_imgconfig_free(&c);
    CHECK_STR(imgconfig("{\"config\":{\"u" LONG_S "er\":\"0\"}}", &c, &e), "(ok)");
    CHECK_STR(c.user, "0");
    pc_imgconfig_free(&c);
    CHECK_STR(imgconfig("{\"CONFIG\":{\"USER\":\"0\",\"ENTRYPOINT\":[\"/bin/sh\"],\"cmd\":[\"-c\"],"
                        "\"env\":[\"A=1\"],\"exposedports\":{\"22/tcp\":{}},\"Wor" KELVIN
                        "ingDir\":\"/w\"},\"OS\":\"linux\",\"ArchitecturE\":\"amd64\"}",
                        &c, &e),
              "(ok)");
    CHECK_STR(c.user, "0");
    CHECK(c.entrypoint.n == 1 && c.cmd.n == 1 && c.env.n == 1 && c.ports.n == 1);
    CHECK_STR(c.workdir, "/w");
    CHECK_STR(c.os, "linux");
    CHECK_STR(c.arch, "amd64");
    CHECK_STR(pc_imgconfig_env(&c, "A"), "1");
    pc_imgconfig_free(&c);
    /* Docker's HEALTHCHECK: the command it runs inside the container */
    CHECK_STR(imgconfig("{\"config\":{\"Healthcheck\":{\"Test\":[\"CMD\",\"/bin/check\"],"
                        "\"Interval\":30000000000}}}",
                        &c, &e),
              "(ok)");
    CHECK(c.healthcheck.n == 2 && strcmp(c.healthcheck.v[1], "/bin/check") == 0);
    pc_imgconfig_free(&c);
    CHECK_STR(imgconfig("{\"config\":{\"healthcheck\":{\"test\":[\"CMD-SHELL\",\"x\"]}}}", &c, &e),
              "(ok)");
    CHECK(c.healthcheck.n == 2);
    pc_imgconfig_free(&c);
    CHECK_STR(imgconfig("{\"config\":{\"Healthcheck\":null}}", &c, &e), "(ok)");
    CHECK(c.healthcheck.n == 0);
    pc_imgconfig_free(&c);
    CHECK_STR(imgconfig("{\"config\":{\"Healthcheck\":{\"Test\":\"x\"}}}", &c, &e),
              "image config: config.Healthcheck.Test: expected an array of strings");
    CHECK_STR(imgconfig("{\"config\":{\"Healthcheck\":[]}}", &c, &e),
              "image config: config.Healthcheck: expected an object");
    /* two config objects would merge in Go: refused */
    CHECK_CONTAINS(
        imgconfig("{\"config\":{\"User\":\"app\"},\"Config\":{\"Cmd\":[\"x\"]}}", &c, &e),
        "image config: keys \"config\" and \"Config\" both set field config");
    CHECK_CONTAINS(imgconfig("{\"config\":{\"User\":\"a\",\"User\":\"b\"}}", &c, &e),
                   "image config: duplicate key \"User\"");
    /* null is absent; a list given as null is there but empty */
    CHECK_STR(imgconfig("{\"config\":{\"User\":null,\"Entrypoint\":null}}", &c, &e), "(ok)");
    CHECK(c.user == NULL && c.entrypoint.present && c.entrypoint.n == 0 && !c.cmd.present);
    pc_imgconfig_free(&c);
    CHECK_STR(imgconfig("{\"config\":null,\"os\":null}", &c, &e), "(ok)");
    CHECK(c.user == NULL && c.os == NULL);
    pc_imgconfig_free(&c);
    /* wrong types: Go's Unmarshal fails, so the runtime would not run it */
    CHECK_STR(imgconfig("{\"config\":{\"user\":5}}", &c, &e),
              "image config: config.User: expected a string");
    CHECK_STR(imgconfig("{\"config\":[]}", &c, &e), "image config: config: expected an object");
    CHECK_STR(imgconfig("{\"config\":{\"StopSignal\":9}}", &c, &e),
              "image config: config: field StopSignal: expected a string");
    CHECK_STR(imgconfig("{\"config\":{\"ExposedPorts\":{\"80/tcp\":1}}}", &c, &e),
              "image config: config: field ExposedPorts: expected an object of objects");
    CHECK_STR(imgconfig("{\"config\":{\"Labels\":{\"a\":[]}}}", &c, &e),
              "image config: config: field Labels: expected an object of strings");
    CHECK_STR(imgconfig("{\"history\":{}}", &c, &e),
              "image config: field history: expected an array");
    CHECK_STR(imgconfig("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[5]}}", &c, &e),
              "image config: rootfs: field diff_ids[0]: expected a string");
    /* fields portcullis does not read are checked for ambiguity too */
    CHECK_CONTAINS(
        imgconfig("{\"history\":[{},{\"created_by\":\"a\",\"Created_By\":\"b\"}]}", &c, &e),
        "image config: history[1]: keys \"created_by\" and \"Created_By\" both set "
        "field created_by");
    CHECK_CONTAINS(imgconfig("{\"config\":{\"Healthcheck\":{},\"HEALTHCHECK\":{}}}", &c, &e),
                   "both set field Healthcheck");
    CHECK_CONTAINS(imgconfig("{\"rootfs\":{\"diff_ids\":[],\"DIFF_IDS\":[]}}", &c, &e),
                   "image config: rootfs: keys");
    /* maps keep exact keys: two labels, two ports */
    CHECK_STR(imgconfig("{\"config\":{\"Labels\":{\"a\":\"1\",\"A\":\"2\"},"
                        "\"ExposedPorts\":{\"80/tcp\":{},\"80/TCP\":null}}}",
                        &c, &e),
              "(ok)");
    CHECK(c.ports.n == 2);
    pc_imgconfig_free(&c);
    /* Docker's lone-string Cmd is left to the Cmd reader, which refuses it */
    CHECK_STR(imgconfig("{\"config\":{\"Cmd\":\"sh\"}}", &c, &e),
              "image config: config.Cmd: expected an array of strings");
}

static void test_config_info(void)
{
    pc_config_info ci;
    pc_err e;
    const char *ok = "{\"ARCHITECTURE\":\"arm64\",\"O" LONG_S "\":\"linux\",\"Variant\":\"v8\","
                     "\"RootFS\":{\"type\":\"layers\",\"Diff_IDs\":[\""
                     "sha256:1111111111111111111111111111111111111111111111111111111111111111"
                     "\"]}}";
    CHECK(pc_config_info_parse(ok, strlen(ok), "config x", &ci, &e) == 0);
    CHECK(ci.has_platform && ci.ndiff_ids == 1);
    CHECK_STR(ci.platform.os, "linux");
    CHECK_STR(ci.platform.arch, "arm64");
    pc_config_info_free(&ci);
    const char *amb = "{\"os\":\"linux\",\"architecture\":\"amd64\",\"Architecture\":\"arm64\","
                      "\"rootfs\":{\"diff_ids\":[]}}";
    CHECK(pc_config_info_parse(amb, strlen(amb), "config x", &ci, &e) == -1);
    CHECK_CONTAINS(e.msg, "config x: keys \"architecture\" and \"Architecture\" both set field "
                          "architecture");
    const char *amb2 = "{\"rootfs\":{\"diff_ids\":[],\"diff_ids\":[]}}";
    CHECK(pc_config_info_parse(amb2, strlen(amb2), "config x", &ci, &e) == -1);
    CHECK_CONTAINS(e.msg, "config x: duplicate key \"diff_ids\"");
    const char *amb3 = "{\"rootfs\":{\"diff_ids\":[]},\"ROOTFS\":{\"diff_ids\":[]}}";
    CHECK(pc_config_info_parse(amb3, strlen(amb3), "config x", &ci, &e) == -1);
    CHECK_CONTAINS(e.msg, "both set field rootfs");
}

/* A config with two diff_ids, then a manifest whose top-level fields are
 * `fields` (%s: the config descriptor, then the layers). */
static char *manifest(const char *config, const char *fields)
{
    char cd[72];
    pc_sha256_digest(config, strlen(config), cd);
    char *cdesc = pc_asprintf("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}", OCI_CONFIG,
                              cd, strlen(config));
    char *layers = pc_asprintf("[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":1},"
                               "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":2}]",
                               GZ, D1, GZ, D2);
    char *m = pc_asprintf(fields, cdesc, layers);
    free(cdesc);
    free(layers);
    return m;
}

/* What resolving manifest `fields` (see manifest()) gives; nlayers to *n. */
static const char *try_manifest(const char *fields, size_t *n, pc_err *e)
{
    static const char config[] =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
        "\"diff_ids\":[\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
        "\"sha256:2222222222222222222222222222222222222222222222222222222222222222\"]}}";
    char *m = manifest(config, fields);
    mem_store s = {{config, m}, 2};
    pc_image img;
    const char *r = mem_store_resolve(&s, "linux/amd64", &img, e);
    *n = img.nlayers;
    pc_image_free(&img);
    free(m);
    return r;
}

static void test_manifest(void)
{
    pc_err e;
    size_t n;
    const char *head = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\",";
    char f[512];
    snprintf(f, sizeof f, "%s\"config\":%%s,\"layers\":%%s}", head);
    CHECK_STR(try_manifest(f, &n, &e), "(resolved)");
    CHECK(n == 2);
    /* LAYERS alone is the layers field */
    snprintf(f, sizeof f, "%s\"Config\":%%s,\"LAYERS\":%%s}", head);
    CHECK_STR(try_manifest(f, &n, &e), "(resolved)");
    CHECK(n == 2);
    /* fields after config and layers, and what is said of them */
    static const struct {
        const char *extra, *said;
    } rows[] = {
        /* layers and Layers: a runtime takes the last, jansson the first */
        {"\"Layers\":[]",
         "keys \"layers\" and \"Layers\" both set field layers (runtimes take the last one)"},
        {"\"layer" LONG_S "\":[]", "both set field layers"},
        {"\"layers\":[]", "duplicate key \"layers\""},
        {"\"CONFIG\":null", "both set field config"},
        /* fields portcullis does not read: still one key each, still typed */
        {"\"subject\":{\"digest\":\"a\",\"DIGEST\":\"b\"}",
         ": subject: keys \"digest\" and \"DIGEST\""},
        {"\"annotations\":[]", ": field annotations: expected an object"},
        {"\"annotations\":{\"a\":\"1\",\"A\":\"2\"}", "(resolved)"},
        /* "manifests": null still makes the document an index too (as in containerd) */
        {"\"Manifests\":null", "ambiguous document with both manifests and"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        snprintf(f, sizeof f, "%s\"config\":%%s,\"layers\":%%s,%s}", head, rows[i].extra);
        if (strcmp(rows[i].said, "(resolved)") == 0)
            CHECK_STR(try_manifest(f, &n, &e), rows[i].said);
        else
            CHECK_CONTAINS(try_manifest(f, &n, &e), rows[i].said);
    }
    /* inside a descriptor */
    snprintf(f, sizeof f,
             "%s\"config\":%%s,\"layers\":[{\"mediaType\":\"" GZ "\",\"digest\":\"%s\","
             "\"Digest\":\"%s\",\"size\":1},{\"mediaType\":\"" GZ "\",\"digest\":\"%s\","
             "\"size\":2}]}",
             head, D1, D2, D2);
    CHECK_CONTAINS(try_manifest(f, &n, &e), ": layers[0]: keys \"digest\" and \"Digest\"");
}

/* An index over one manifest, with top-level and entry fields from fmt
 * (%s: manifest digest, %zu: its size). */
static const char *try_index(const char *fmt, pc_err *e)
{
    static const char config[] =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[]}}";
    char cd[72], md[72];
    pc_sha256_digest(config, strlen(config), cd);
    char *m = pc_asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
                          "\"%s\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[]}",
                          OCI_MANIFEST, OCI_CONFIG, cd, strlen(config));
    pc_sha256_digest(m, strlen(m), md);
    char *idx = pc_asprintf(fmt, md, strlen(m));
    mem_store s = {{config, m, idx}, 3};
    pc_image img;
    const char *r = mem_store_resolve(&s, "linux/amd64", &img, e);
    pc_image_free(&img);
    free(m);
    free(idx);
    return r;
}

static void test_index(void)
{
    pc_err e;
    CHECK_STR(try_index("{\"schemaVersion\":2,\"mediaType\":\"" OCI_INDEX "\",\"manifests\":"
                        "[{\"mediaType\":\"" OCI_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu,"
                        "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
                        &e),
              "(resolved)");
    /* folded keys everywhere */
    CHECK_STR(try_index("{\"SchemaVersion\":2,\"MediaType\":\"" OCI_INDEX "\",\"MANIFESTS\":"
                        "[{\"MEDIATYPE\":\"" OCI_MANIFEST "\",\"Digest\":\"%s\",\"" LONG_S
                        "ize\":%zu,\"Platform\":{\"OS\":\"linux\",\"Architecture\":\"amd64\"}}]}",
                        &e),
              "(resolved)");
    CHECK_CONTAINS(try_index("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"%s\",\"size\":%zu,"
                             "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}],"
                             "\"Manifests\":[]}",
                             &e),
                   "keys \"manifests\" and \"Manifests\" both set field manifests");
    CHECK_CONTAINS(try_index("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"%s\",\"size\":%zu,"
                             "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\","
                             "\"Architecture\":\"arm64\"}}]}",
                             &e),
                   "platform: keys \"architecture\" and \"Architecture\"");
    /* a null platform is no platform (the config names it) */
    CHECK_STR(try_index("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"%s\",\"size\":%zu,"
                        "\"platform\":null}]}",
                        &e),
              "(resolved)");
    CHECK_CONTAINS(try_index("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"%s\",\"size\":%zu,"
                             "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\","
                             "\"os.features\":\"x\"}}]}",
                             &e),
                   "manifests[0]: platform: field os.features: expected an array");
}

static void test_layout(void)
{
    pc_err e;
    pc_desc d;
    pc_platform want = {"linux", "amd64", ""};
    char doc[1024];
    snprintf(doc, sizeof doc,
             "{\"schemaVersion\":2,\"Manifests\":[{\"mediaType\":\"" OCI_MANIFEST "\","
             "\"digest\":\"%s\",\"size\":3,\"Annotations\":{\"org.opencontainers.image.ref."
             "name\":\"t1\"}}]}",
             D1);
    CHECK(pc_layout_select(doc, strlen(doc), "index.json", "t1", &want, &d, &e) == 0);
    CHECK_STR(d.digest, D1);
    free(d.media_type);
    /* annotation keys are exact: a folded ref.name is another annotation */
    snprintf(doc, sizeof doc,
             "{\"manifests\":[{\"digest\":\"%s\",\"size\":3,\"annotations\":"
             "{\"ORG.opencontainers.image.ref.name\":\"t1\"}}]}",
             D1);
    CHECK(pc_layout_select(doc, strlen(doc), "index.json", "t1", &want, &d, &e) == -1);
    CHECK_CONTAINS(e.msg, "no manifest tagged \"t1\"");
    snprintf(doc, sizeof doc,
             "{\"manifests\":[{\"digest\":\"%s\",\"size\":3,\"annotations\":"
             "{\"org.opencontainers.image.ref.name\":\"t1\"},\"ANNOTATIONS\":{}}]}",
             D1);
    CHECK(pc_layout_select(doc, strlen(doc), "index.json", "t1", &want, &d, &e) == -1);
    CHECK_CONTAINS(e.msg, "index.json: manifests[0]: keys \"annotations\" and \"ANNOTATIONS\"");
    const char *one = "{\"ImageLayoutVersion\":\"1.0.0\"}";
    CHECK(pc_layout_check(one, strlen(one), "oci-layout", &e) == 0);
    const char *two = "{\"imageLayoutVersion\":\"1.0.0\",\"imagelayoutversion\":\"9\"}";
    CHECK(pc_layout_check(two, strlen(two), "oci-layout", &e) == -1);
    CHECK_CONTAINS(e.msg, "both set field imageLayoutVersion");
}

static char T[256];

/* Resolve a docker-archive tar of T/x/ with manifest.json text mj. */
static const char *try_archive(const char *mj, size_t *n, pc_err *e)
{
    char cmd[1024], ref[512];
    write_in(T, "x/manifest.json", mj, strlen(mj));
    snprintf(cmd, sizeof cmd, "tar -cf '%s/a.tar' -C '%s/x' .", T, T);
    CHECK(system(cmd) == 0);
    snprintf(ref, sizeof ref, "docker-archive:%s/a.tar", T);
    const pc_source_ops *ops;
    const char *spec;
    void *st = NULL;
    pc_platform plat = {"linux", "amd64", ""};
    pc_limits lim;
    pc_limits_default(&lim);
    pc_source_cfg cfg = {.platform = &plat, .limits = &lim, .tls_verify = 1};
    pc_image img;
    memset(&img, 0, sizeof img);
    e->msg[0] = 0;
    *n = 0;
    if (pc_source_lookup(ref, &ops, &spec, e) < 0 || ops->open(spec, &cfg, &st, e) < 0)
        return e->msg;
    int rc = ops->resolve(st, &img, e);
    *n = img.nlayers;
    pc_image_free(&img);
    ops->close(st);
    return rc == 0 ? "(resolved)" : e->msg;
}

static void test_docker_archive(void)
{
    char cmd[600], layer[1024] = {0}, diff[72], config[512], mj[512];
    snprintf(T, sizeof T, "/tmp/pc-gojson-XXXXXX");
    if (!mkdtemp(T)) {
        CHECK(0);
        return;
    }
    snprintf(cmd, sizeof cmd, "mkdir '%s/x'", T);
    CHECK(system(cmd) == 0);
    write_in(T, "x/l.tar", layer, sizeof layer); /* an empty tar */
    pc_sha256_digest(layer, sizeof layer, diff);
    snprintf(config, sizeof config,
             "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
             "\"diff_ids\":[\"%s\"]}}",
             diff);
    write_in(T, "x/c.json", config, strlen(config));
    pc_err e;
    size_t n;
    CHECK_STR(try_archive("[{\"Config\":\"c.json\",\"RepoTags\":[\"a:1\"],\"Layers\":[\"l.tar\"]}]",
                          &n, &e),
              "(resolved)");
    CHECK(n == 1);
    CHECK_STR(try_archive("[{\"config\":\"c.json\",\"repotags\":[\"a:1\"],\"LAYER" LONG_S
                          "\":[\"l.tar\"]}]",
                          &n, &e),
              "(resolved)");
    CHECK(n == 1);
    CHECK_CONTAINS(
        try_archive("[{\"Config\":\"c.json\",\"Layers\":[\"l.tar\"],\"layers\":[]}]", &n, &e),
        "manifest.json[0]: keys \"Layers\" and \"layers\" both set field Layers");
    snprintf(mj, sizeof mj,
             "[{\"Config\":\"c.json\",\"Layers\":[\"l.tar\"]},{\"Config\":\"c.json\","
             "\"RepoTags\":[\"b:1\"],\"REPOTAGS\":[\"a:1\"],\"Layers\":[]}]");
    CHECK_CONTAINS(try_archive(mj, &n, &e), "manifest.json[1]: keys \"RepoTags\" and \"REPOTAGS\"");
    CHECK_CONTAINS(try_archive("[{\"Config\":\"c.json\",\"RepoTags\":[1],\"Layers\":[]}]", &n, &e),
                   "manifest.json[0]: field RepoTags[0]: expected a string");
    CHECK_CONTAINS(try_archive("[{\"Config\":\"c.json\",\"Config\":\"d\",\"Layers\":[]}]", &n, &e),
                   "manifest.json: duplicate key \"Config\"");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", T);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    test_fold();
    test_load();
    test_field();
    test_imgconfig();
    test_config_info();
    test_manifest();
    test_index();
    test_layout();
    test_docker_archive();
    TEST_MAIN_END();
}
