/*
 * test_mutate.c — the parts of /mutate and signed verdicts that need no
 * server: the pinned form of a reference (and what is never pinned), RFC
 * 6901 escaping, the annotation operation for metadata absent, without
 * annotations, with null annotations and with annotations (checked by
 * applying the operation by hand), the pod metadata pointer of every
 * kind, and the webhook's signer: a key others may read is refused, a
 * verdict it signs verifies with its public key (and names the image
 * given), a replaced key file is picked up and a bad replacement is not.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "mutate.h"
#include "podspec.h"
#include "sign.h"
#include "testlib.h"

#define DIGEST "sha256:b9ee959daf97e13cf40aa7d7beb64ee580471aff1b264e31acaaf9d707a44add"

static void test_pin(void)
{
    char *p = NULL;
    CHECK(wh_mutate_pin("reg.example:5000/app:v1", DIGEST, &p) == 1);
    CHECK_STR(p, "reg.example:5000/app:v1@" DIGEST);
    free(p);
    CHECK(wh_mutate_pin("nginx", DIGEST, &p) == 1);
    CHECK_STR(p, "nginx@" DIGEST);
    free(p);
    CHECK(wh_mutate_pin("app:v1@" DIGEST, DIGEST, &p) == 0 && !p);  /* already pinned */
    CHECK(wh_mutate_pin("app@sha512:abcd", DIGEST, &p) == 0 && !p); /* some other digest */
    CHECK(wh_mutate_pin("", DIGEST, &p) == 0 && !p);                /* nothing to pin */
    CHECK(wh_mutate_pin("app:v1", "sha256:1234", &p) == 0 && !p);   /* short digest */
    CHECK(wh_mutate_pin("app:v1", "", &p) == 0 && !p);              /* did not resolve */
    CHECK(wh_mutate_pin("app:v1", "md5:" DIGEST, &p) == 0 && !p);   /* wrong algorithm */
    CHECK(wh_mutate_pin("app:v1",
                        "sha256:B9EE959DAF97E13CF40AA7D7BEB64EE580471AFF1B264E31ACAAF9D707A44ADD",
                        &p) == 0);
}

static void test_escape(void)
{
    char *e = wh_json_pointer_escape("portcullis.io/verdicts");
    CHECK_STR(e, "portcullis.io~1verdicts");
    free(e);
    e = wh_json_pointer_escape("a~b/c~/");
    CHECK_STR(e, "a~0b~1c~0~1");
    free(e);
    e = wh_json_pointer_escape("");
    CHECK_STR(e, "");
    free(e);
}

/* The one operation appended for this metadata, as compact JSON. */
static char *annotation_op(const char *meta_json)
{
    json_t *patch = json_array();
    pc_jdoc *meta = meta_json ? pc_jdoc_parse(meta_json, strlen(meta_json), 0, NULL, 0) : NULL;
    CHECK(!meta_json || meta);
    CHECK(wh_mutate_annotation_op(patch, "/spec/template/metadata", pc_jdoc_root(meta),
                                  WH_VERDICTS_ANNOTATION, "[]") == 0);
    CHECK(json_array_size(patch) == 1);
    char *s = json_dumps(json_array_get(patch, 0), JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(patch);
    pc_jdoc_free(meta);
    return s;
}

static void test_annotation_op(void)
{
    char *s = annotation_op(NULL);
    CHECK_STR(s, "{\"op\":\"add\",\"path\":\"/spec/template/metadata\","
                 "\"value\":{\"annotations\":{\"portcullis.io/verdicts\":\"[]\"}}}");
    free(s);
    s = annotation_op("{\"labels\":{\"app\":\"web\"}}");
    CHECK_STR(s, "{\"op\":\"add\",\"path\":\"/spec/template/metadata/annotations\","
                 "\"value\":{\"portcullis.io/verdicts\":\"[]\"}}");
    free(s);
    s = annotation_op("{\"annotations\":null}");
    CHECK_STR(s, "{\"op\":\"add\",\"path\":\"/spec/template/metadata/annotations\","
                 "\"value\":{\"portcullis.io/verdicts\":\"[]\"}}");
    free(s);
    s = annotation_op("{\"annotations\":{\"team\":\"a\"}}");
    CHECK_STR(s, "{\"op\":\"add\",\"path\":"
                 "\"/spec/template/metadata/annotations/portcullis.io~1verdicts\","
                 "\"value\":\"[]\"}");
    free(s);
}

static void check_meta(const char *group, const char *kind, const char *obj, const char *want_ptr,
                       int want_meta)
{
    char ptr[128];
    pc_jdoc *o = pc_jdoc_parse(obj, strlen(obj), 0, NULL, 0);
    const pc_jval *meta = NULL;
    int rc = wh_podspec_pod_metadata(group, kind, pc_jdoc_root(o), ptr, sizeof ptr, &meta);
    if (!want_ptr) {
        CHECK(rc < 0);
    } else {
        CHECK(rc == 0);
        CHECK_STR(rc == 0 ? ptr : NULL, want_ptr);
        CHECK((meta != NULL) == want_meta);
    }
    pc_jdoc_free(o);
}

static void test_pod_metadata(void)
{
    const char *tmpl = "{\"spec\":{\"template\":{\"metadata\":{},\"spec\":{}}}}";
    check_meta("", "Pod", "{\"metadata\":{\"name\":\"p\"},\"spec\":{}}", "/metadata", 1);
    check_meta("", "Pod", "{\"spec\":{}}", "/metadata", 0);
    check_meta("", "Pod", "{\"metadata\":null,\"spec\":{}}", "/metadata", 0);
    check_meta("", "Pod", "{\"metadata\":[],\"spec\":{}}", NULL, 0);
    check_meta("apps", "Deployment", tmpl, "/spec/template/metadata", 1);
    check_meta("apps", "StatefulSet", tmpl, "/spec/template/metadata", 1);
    check_meta("apps", "DaemonSet", tmpl, "/spec/template/metadata", 1);
    check_meta("apps", "ReplicaSet", tmpl, "/spec/template/metadata", 1);
    check_meta("", "ReplicationController", tmpl, "/spec/template/metadata", 1);
    check_meta("batch", "Job", "{\"spec\":{\"template\":{\"spec\":{}}}}", "/spec/template/metadata",
               0);
    check_meta("batch", "CronJob",
               "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"metadata\":{\"labels\":{}},"
               "\"spec\":{}}}}}}",
               "/spec/jobTemplate/spec/template/metadata", 1);
    check_meta("batch", "CronJob", "{\"spec\":{}}", NULL, 0); /* no template: nothing to annotate */
    check_meta("", "EphemeralContainers", "{\"ephemeralContainers\":[]}", NULL, 0);
    check_meta("", "Service", "{}", NULL, 0);
}

static int write_key(const char *path, mode_t mode)
{
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = NULL;
    int ok = c && EVP_PKEY_keygen_init(c) == 1 && EVP_PKEY_keygen(c, &k) == 1 &&
             (f = fopen(tmp, "w")) && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
    if (f)
        fclose(f);
    EVP_PKEY_free(k);
    EVP_PKEY_CTX_free(c);
    return ok && chmod(tmp, mode) == 0 && rename(tmp, path) == 0 ? 0 : -1;
}

static int verifies(const char *env, const char *pub_pem, const char *dir)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/pub.pem", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(pub_pem, f);
    fclose(f);
    pc_verify_opts o = {.image_digest = DIGEST};
    return pc_verify_envelope(env, strlen(env), path, &o, err, sizeof err);
}

/* The signer's public key once it differs from `old` (NULL: at once), or
 * the old one after 5 s: the key file is looked at once a second at most,
 * so a change shows within about a second of being made. */
static char *pem_changed(wh_signer *s, const char *old)
{
    char *pem = NULL;
    for (int i = 0; i < 250; i++) {
        free(pem);
        pem = wh_signer_public_pem(s);
        if (!pem || !old || strcmp(pem, old) != 0)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
    }
    return pem;
}

static void test_signer(void)
{
    char dir[] = "/tmp/pc-test-mutate.XXXXXX", key[512], err[512] = "";
    wh_metrics m;
    wh_signer *s = NULL;
    wh_metrics_init(&m);
    CHECK(mkdtemp(dir) != NULL);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    CHECK(write_key(key, 0644) == 0);
    CHECK(wh_signer_new(key, 3600, &m, &s, err, sizeof err) < 0 && !s);
    CHECK_CONTAINS(err, "accessible by other users");
    CHECK(write_key(key, 0600) == 0);
    CHECK(wh_signer_new(key, 3600, &m, &s, err, sizeof err) == 0 && s);
    if (!s)
        return;
    pc_result r = {0};
    r.image = "reg/app:v1";
    r.digest = r.manifest_digest = DIGEST;
    r.platform = "linux/amd64";
    r.policy = "restricted";
    r.policy_digest = DIGEST;
    char *env = wh_signer_sign(s, &r, "reg/app:v1@" DIGEST), *pub1 = wh_signer_public_pem(s);
    CHECK(env && pub1 && !r.attestation);
    CHECK(env && pub1 && verifies(env, pub1, dir) == 0);
    json_t *e = env ? json_loads(env, 0, NULL) : NULL;
    const char *p64 = json_string_value(json_object_get(e, "payload"));
    unsigned char payload[4096] = {0};
    if (p64 && strlen(p64) < 5000)
        EVP_DecodeBlock(payload, (const unsigned char *)p64, (int)strlen(p64));
    CHECK_CONTAINS((char *)payload, "\"image\":\"reg/app:v1@" DIGEST "\"");
    json_decref(e);
    CHECK(write_key(key, 0600) == 0);
    char *pub2 = pem_changed(s, pub1), *env2 = wh_signer_sign(s, &r, NULL);
    CHECK(pub2 && pub1 && strcmp(pub1, pub2) != 0);
    CHECK(atomic_load(&m.sign_key_reloads) == 1);
    CHECK(env2 && pub2 && verifies(env2, pub2, dir) == 0);
    CHECK(env2 && pub1 && verifies(env2, pub1, dir) == 1);
    CHECK(write_key(key, 0640) == 0); /* refused: the key in service stays */
    for (int i = 0; i < 250 && atomic_load(&m.errors[WH_ERR_SIGN_KEY_RELOAD]) == 0; i++) {
        free(wh_signer_public_pem(s)); /* until the refusal is counted */
        nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
    }
    char *pub3 = wh_signer_public_pem(s);
    CHECK(pub3 && pub2 && strcmp(pub2, pub3) == 0);
    CHECK(atomic_load(&m.errors[WH_ERR_SIGN_KEY_RELOAD]) == 1);
    free(env), free(env2), free(pub1), free(pub2), free(pub3);
    wh_signer_free(s);
    unlink(key);
    snprintf(key, sizeof key, "%s/pub.pem", dir);
    unlink(key);
    rmdir(dir);
}

int main(void)
{
    test_pin();
    test_escape();
    test_annotation_op();
    test_pod_metadata();
    test_signer();
    TEST_MAIN_END();
}
