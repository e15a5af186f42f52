/*
 * test_attest.c — signed verdicts: an in-toto statement (its subject the
 * image's repository and manifest digest, the index digest too) verifies;
 * a changed verdict, another digest, another policy digest, an expired
 * statement, another key, a truncated envelope and a wrong payloadType
 * each fail with their reason; a verdict in the form signed before
 * in-toto still verifies, with the same bindings; statements of another
 * predicateType or whose predicate names a digest that is not a subject
 * fail even when signed by the key; a world-readable key is refused.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "attest.h"
#include "testlib.h"

static char dir[] = "/tmp/pc-attest.XXXXXX";

static void sh(const char *fmt, const char *a)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, fmt, a, a, a);
    CHECK(system(cmd) == 0);
}

/* Replace the envelope's payload with one where "allow" became "deny". */
static char *tamper(const char *env)
{
    json_t *o = json_loads(env, 0, NULL);
    const char *p64 = json_string_value(json_object_get(o, "payload"));
    unsigned char buf[8192];
    int n = EVP_DecodeBlock(buf, (const unsigned char *)p64, (int)strlen(p64));
    buf[n > 0 ? n : 0] = 0;
    char *hit = strstr((char *)buf, "\"allow\"");
    size_t len = strlen((char *)buf);
    if (hit)
        memcpy(hit, "\"deny\" ", 7); /* same length; still JSON */
    char out[12000];
    EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
    json_object_set_new(o, "payload", json_string(out));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* An envelope of (type, payload) signed with the private key at path,
 * as a signer other than the key process would make it. */
static char *sign_raw(const char *path, const char *type, const char *payload)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    unsigned char *pae = NULL, sig[64];
    size_t pl = 0, sl = sizeof sig;
    char *out = NULL;
    if (f)
        fclose(f);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (k && md &&
        pc_dsse_pae(type, (const unsigned char *)payload, strlen(payload), &pae, &pl) == 0 &&
        EVP_DigestSignInit(md, NULL, NULL, NULL, k) == 1 &&
        EVP_DigestSign(md, sig, &sl, pae, pl) == 1) {
        char *p64 = pc_base64_encode(payload, strlen(payload)), *s64 = pc_base64_encode(sig, sl);
        json_t *env = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "payloadType", type, "payload", p64,
                                "signatures", "keyid", "", "sig", s64);
        out = json_dumps(env, JSON_COMPACT);
        json_decref(env);
        free(p64);
        free(s64);
    }
    free(pae);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    CHECK(out != NULL);
    return out;
}

/* The envelope's payload, parsed. */
static json_t *payload_of(const char *env)
{
    json_t *o = json_loads(env, 0, NULL);
    const char *p64 = json_string_value(json_object_get(o, "payload"));
    char *raw = NULL;
    size_t n = 0;
    json_t *p = NULL;
    if (p64 && pc_base64_decode_strict(p64, strlen(p64), &raw, &n) == 0)
        p = json_loadb(raw, n, 0, NULL);
    free(raw);
    json_decref(o);
    return p;
}

static int verify_str(const char *env, const char *pub, const pc_verify_opts *o, char *err,
                      size_t errlen)
{
    return pc_verify_envelope(env, strlen(env), pub, o, err, errlen);
}

/* Verdicts in the form signed before in-toto (payloadType
 * application/vnd.portcullis.verdict.v1+json, the verdict as the whole
 * payload) keep verifying during the transition, with every binding. */
static void test_legacy(const char *key, const char *pub)
{
    char err[1024];
    const char *legacy =
        "{\"_type\":\"https://portcullis.io/verdict/v1\",\"image\":\"docker://127.0.0.1:5000/"
        "app:v1\",\"digest\":\"sha256:aaaa000000000000000000000000000000000000000000000000000000"
        "000000\",\"manifest_digest\":\"sha256:bbbb00000000000000000000000000000000000000000000000"
        "0000000000000\",\"platform\":\"linux/amd64\",\"verdict\":\"allow\",\"checks\":[],"
        "\"policy\":\"restricted\",\"policy_digest\":\"sha256:cccc\",\"rules_digest\":null,"
        "\"scanner_version\":\"0.1.0\",\"issued_at\":\"2026-01-01T00:00:00Z\",\"expires_at\":"
        "\"2099-01-01T00:00:00Z\",\"run_key\":null}";
    char *env = sign_raw(key, PC_VERDICT_PAYLOAD_TYPE, legacy);
    pc_verify_opts o = {
        .image_digest = "sha256:bbbb000000000000000000000000000000000000000000000000000000000000",
        .policy_digest = "sha256:cccc"};
    CHECK(verify_str(env, pub, &o, err, sizeof err) == 0);
    CHECK_CONTAINS(err, "valid: allow");
    o.image_digest = "sha256:dddd000000000000000000000000000000000000000000000000000000000000";
    CHECK(verify_str(env, pub, &o, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "does not match");
    char *t = tamper(env);
    CHECK(verify_str(t, pub, NULL, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "signature mismatch");
    free(t);
    free(env);
    /* the legacy payload under the in-toto type: signed, but not a statement */
    env = sign_raw(key, PC_INTOTO_PAYLOAD_TYPE, legacy);
    CHECK(verify_str(env, pub, NULL, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "malformed payload: in-toto statement: _type");
    free(env);
}

/* Statements the verdict key signed but that are not verdicts about this
 * image: refused whatever the signature says. */
static void test_foreign_statements(const char *key, const char *pub)
{
    char err[1024];
    const char *other_type =
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"r\",\"digest\":"
        "{\"sha256\":\"bbbb\"}}],\"predicateType\":\"https://slsa.dev/provenance/v1\","
        "\"predicate\":{\"verdict\":\"allow\",\"expires_at\":\"2099-01-01T00:00:00Z\"}}";
    char *env = sign_raw(key, PC_INTOTO_PAYLOAD_TYPE, other_type);
    CHECK(verify_str(env, pub, NULL, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "predicateType is not https://portcullis.io/verdict/v1");
    free(env);
    /* the predicate names a manifest the subject does not: inconsistent */
    const char *mismatch =
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"r\",\"digest\":"
        "{\"sha256\":\"bbbb\"}}],\"predicateType\":\"https://portcullis.io/verdict/v1\","
        "\"predicate\":{\"manifest_digest\":\"sha256:eeee\",\"verdict\":\"allow\",\"expires_at\":"
        "\"2099-01-01T00:00:00Z\"}}";
    env = sign_raw(key, PC_INTOTO_PAYLOAD_TYPE, mismatch);
    pc_verify_opts any = {.any_run = 1};
    CHECK(verify_str(env, pub, &any, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "is not a subject digest");
    free(env);
    /* duplicate keys: one reader's predicateType is not another's */
    const char *dup =
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"r\",\"digest\":"
        "{\"sha256\":\"bbbb\"}}],\"predicateType\":\"https://portcullis.io/verdict/v1\","
        "\"predicateType\":\"https://slsa.dev/provenance/v1\",\"predicate\":{}}";
    env = sign_raw(key, PC_INTOTO_PAYLOAD_TYPE, dup);
    CHECK(verify_str(env, pub, &any, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "malformed payload: in-toto statement: not a JSON object");
    free(env);
}

/* expires_at is issued + ttl, or sooner: the end of an exception that
 * waived one of the findings (pc_result.waived_until). */
static void test_waiver_end(void)
{
    pc_result r = {0};
    r.image = "docker://127.0.0.1:5000/app:v1";
    r.manifest_digest = "sha256:bbbb000000000000000000000000000000000000000000000000000000000000";
    const time_t issued = 1767225600; /* 2026-01-01T00:00:00Z */
    const long long ends[] = {0, 1767229200, 1767312000, 1767398400};
    const char *want[] = {"2026-01-02T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-02T00:00:00Z",
                          "2026-01-02T00:00:00Z"};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        r.waived_until = ends[i];
        char *st = pc_verdict_statement(&r, issued, 86400);
        json_t *o = st ? json_loads(st, 0, NULL) : NULL;
        const char *exp =
            json_string_value(json_object_get(json_object_get(o, "predicate"), "expires_at"));
        CHECK_STR(exp, want[i]);
        json_decref(o);
        free(st);
    }
}

int main(void)
{
    char err[1024], key[600], pub[600], key2[600], pub2[600];
    CHECK(mkdtemp(dir) != NULL);
    sh("cd %s && openssl genpkey -algorithm ed25519 -out k.pem && chmod 600 k.pem && openssl "
       "pkey -in k.pem -pubout -out k.pub && openssl genpkey -algorithm ed25519 -out k2.pem && "
       "chmod 600 k2.pem && openssl pkey -in k2.pem -pubout -out k2.pub",
       dir);
    snprintf(key, sizeof key, "%s/k.pem", dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    snprintf(key2, sizeof key2, "%s/k2.pem", dir);
    snprintf(pub2, sizeof pub2, "%s/k2.pub", dir);

    pc_signer *s = NULL;
    CHECK(pc_signer_load(key, &s, err, sizeof err) == 0);
    char *pem = pc_signer_public_pem(s);
    CHECK_CONTAINS(pem, "BEGIN PUBLIC KEY");
    free(pem);
    pc_result r = {0};
    pc_finding f = {.check = "world-writable", .action = PC_ACTION_WARN, .message = "m"};
    r.image = "docker://127.0.0.1:5000/app:v1";
    r.digest = "sha256:aaaa000000000000000000000000000000000000000000000000000000000000";
    r.manifest_digest = "sha256:bbbb000000000000000000000000000000000000000000000000000000000000";
    r.platform = "linux/amd64";
    r.policy = "restricted";
    r.policy_digest = "sha256:cccc000000000000000000000000000000000000000000000000000000000000";
    r.findings = &f;
    r.nfindings = 1;
    CHECK(pc_result_sign(&r, s, 3600, err, sizeof err) == 0);
    const char *env = r.attestation;
    size_t n = strlen(env);
    /* an in-toto Statement v1 in a DSSE envelope */
    json_t *envj = json_loads(env, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(envj, "payloadType")),
              "application/vnd.in-toto+json");
    json_decref(envj);
    json_t *st = payload_of(env);
    CHECK_STR(json_string_value(json_object_get(st, "_type")), "https://in-toto.io/Statement/v1");
    CHECK_STR(json_string_value(json_object_get(st, "predicateType")),
              "https://portcullis.io/verdict/v1");
    json_t *sj = json_object_get(st, "subject");
    CHECK(json_array_size(sj) == 2); /* the manifest, then the index it came from */
    CHECK_STR(json_string_value(json_object_get(json_array_get(sj, 0), "name")),
              "127.0.0.1:5000/app");
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_array_get(sj, 0), "digest"), "sha256")),
              "bbbb000000000000000000000000000000000000000000000000000000000000");
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_array_get(sj, 1), "digest"), "sha256")),
              "aaaa000000000000000000000000000000000000000000000000000000000000");
    json_t *pred = json_object_get(st, "predicate");
    CHECK_STR(json_string_value(json_object_get(pred, "verdict")), "allow");
    CHECK_STR(json_string_value(json_object_get(pred, "policy_digest")), r.policy_digest);
    CHECK(json_object_get(pred, "expires_at") && json_object_get(pred, "run_key"));
    json_decref(st);
    pc_verify_opts o = {.image_digest = r.manifest_digest, .policy_digest = r.policy_digest};
    CHECK(pc_verify_envelope(env, n, pub, &o, err, sizeof err) == 0);
    o.image_digest = r.digest; /* the index digest binds too */
    CHECK(pc_verify_envelope(env, n, pub, &o, err, sizeof err) == 0);

    char *t = tamper(env);
    CHECK(pc_verify_envelope(t, strlen(t), pub, NULL, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "signature mismatch");
    free(t);
    o.image_digest = "sha256:dddd000000000000000000000000000000000000000000000000000000000000";
    CHECK(pc_verify_envelope(env, n, pub, &o, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "does not match");
    /* the right image under another policy: refused too */
    o.image_digest = r.manifest_digest;
    o.policy_digest = "sha256:eeee000000000000000000000000000000000000000000000000000000000000";
    CHECK(pc_verify_envelope(env, n, pub, &o, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "policy digest sha256:eeee");
    pc_verify_opts later = {.now = (long long)time(NULL) + 7200};
    CHECK(pc_verify_envelope(env, n, pub, &later, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "expired at");
    CHECK(pc_verify_envelope(env, n, pub2, NULL, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "signature mismatch");
    CHECK(pc_verify_envelope(env, n / 2, pub, NULL, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "malformed envelope");
    json_t *w = json_loads(env, 0, NULL);
    json_object_set_new(w, "payloadType", json_string("application/json"));
    char *ws = json_dumps(w, JSON_COMPACT);
    CHECK(pc_verify_envelope(ws, strlen(ws), pub, NULL, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "wrong payloadType");
    free(ws);
    json_decref(w);
    CHECK(pc_verify_envelope(env, n, "/nonexistent.pub", NULL, err, sizeof err) == 2);
    test_legacy(key, pub);
    test_foreign_statements(key, pub);

    chmod(key2, 0644);
    pc_signer *s2 = NULL;
    CHECK(pc_signer_load(key2, &s2, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "accessible by other users");
    CHECK(pc_signer_load(pub, &s2, err, sizeof err) == -1);

    free(r.attestation);
    pc_signer_free(s);
    sh("rm -rf %s", dir);
    test_waiver_end();
    TEST_MAIN_END();
}
