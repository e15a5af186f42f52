/*
 * test_attest.c — signed verdicts: a valid envelope verifies; a changed
 * verdict, another digest, another policy digest, an expired statement,
 * another key, a truncated envelope and a wrong payloadType each fail with
 * their reason; a world-readable key is refused.
 */
#include <jansson.h>
#include <openssl/evp.h>
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
    json_object_set_new(w, "payloadType", json_string("application/vnd.in-toto+json"));
    char *ws = json_dumps(w, JSON_COMPACT);
    CHECK(pc_verify_envelope(ws, strlen(ws), pub, NULL, err, sizeof err) == 1);
    CHECK_CONTAINS(err, "wrong payloadType");
    free(ws);
    json_decref(w);
    CHECK(pc_verify_envelope(env, n, "/nonexistent.pub", NULL, err, sizeof err) == 2);

    chmod(key2, 0644);
    pc_signer *s2 = NULL;
    CHECK(pc_signer_load(key2, &s2, err, sizeof err) == -1);
    CHECK_CONTAINS(err, "accessible by other users");
    CHECK(pc_signer_load(pub, &s2, err, sizeof err) == -1);

    free(r.attestation);
    pc_signer_free(s);
    sh("rm -rf %s", dir);
    TEST_MAIN_END();
}
