/*
 * verify.c — checking a signed verdict: the envelope's shape and payload
 * type (an in-toto statement, or until 1.0 the payload signed before it),
 * the Ed25519 signature over DSSE's pre-authentication encoding, the
 * validity window and the bindings the caller asks for (image digest:
 * the statement's subject; policy digest; run key). Every failure names its reason. A statement
 * that holds but says "deny" is not a success (PC_VERIFY_DENY, never 0): whoever only checks for 0
 * must not start a denied image.
 */
#define _XOPEN_SOURCE 700
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "attest/attest.h"
#include "portcullis.h"
#include "pcx.h"

#define MAX_ENVELOPE (1u << 20)

/* Canonical base64 (pc_base64_decode_strict) of at most MAX_ENVELOPE
 * characters; an empty string is refused. */
static unsigned char *unb64(const char *s, size_t *outlen)
{
    size_t n = strlen(s);
    char *o = NULL;
    if (n == 0 || n > MAX_ENVELOPE || pc_base64_decode_strict(s, n, &o, outlen) < 0)
        return NULL;
    return (unsigned char *)o;
}

static EVP_PKEY *load_pub(const char *path, pc_err *e)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        pc_err_set(e, "%s: cannot open the public key", path);
        return NULL;
    }
    EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        pc_err_set(e, "%s: not an Ed25519 public key in PEM form", path);
        return NULL;
    }
    return k;
}

static int sig_ok(EVP_PKEY *k, const unsigned char *m, size_t n, json_t *sigs)
{
    size_t i;
    json_t *s;
    json_array_foreach(sigs, i, s)
    {
        const char *v = json_string_value(json_object_get(s, "sig"));
        size_t sl = 0;
        unsigned char *sig = v ? unb64(v, &sl) : NULL;
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        int ok = sig && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
                 EVP_DigestVerify(md, sig, sl, m, n) == 1;
        EVP_MD_CTX_free(md);
        free(sig);
        if (ok)
            return 1;
    }
    return 0;
}

/* Whether "ALG:HEX" is one of the subject's digests. */
static int subject_has(json_t *subj, const char *digest)
{
    const char *colon = digest ? strchr(digest, ':') : NULL;
    size_t i;
    json_t *s;
    if (!colon)
        return 0;
    json_array_foreach(subj, i, s)
    {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(s, "digest"), k, v)
        {
            if (strlen(k) == (size_t)(colon - digest) && strncmp(k, digest, strlen(k)) == 0 &&
                strcmp(json_string_value(v), colon + 1) == 0)
                return 1;
        }
    }
    return 0;
}

/* The first subject digest as "ALG:HEX", for messages. */
static void subject_first(json_t *subj, char *out, size_t n)
{
    const char *k;
    json_t *v;
    snprintf(out, n, "(none)");
    json_object_foreach(json_object_get(json_array_get(subj, 0), "digest"), k, v)
    {
        snprintf(out, n, "%.16s:%.80s", k, json_string_value(v));
        break;
    }
}

/* 0 when the payload (a legacy payload, or an in-toto statement's
 * predicate with its subject) holds and says allow, 1 when it says deny,
 * -1 (with the reason) when it does not hold. With a subject, the image
 * digest binds against the subject's digests, and the predicate's
 * manifest digest must be one of them. */
static int check_payload(json_t *p, json_t *subj, const pc_verify_opts *o, pc_err *e)
{
    const char *exp = json_string_value(json_object_get(p, "expires_at"));
    const char *dg = json_string_value(json_object_get(p, "digest"));
    const char *md = json_string_value(json_object_get(p, "manifest_digest"));
    const char *pd = json_string_value(json_object_get(p, "policy_digest"));
    const char *v = json_string_value(json_object_get(p, "verdict"));
    struct tm tm = {0};
    if (!exp || !v || (strcmp(v, "allow") && strcmp(v, "deny")))
        return pc_err_set(e, "malformed payload: verdict or expires_at missing");
    const char *end = strptime(exp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return pc_err_set(e, "malformed payload: expires_at \"%.40s\"", exp);
    long long now = o && o->now ? o->now : (long long)time(NULL);
    if ((long long)timegm(&tm) <= now)
        return pc_err_set(e, "expired at %s", exp);
    if (subj && md && !subject_has(subj, md))
        return pc_err_set(e,
                          "malformed statement: the predicate's manifest digest %.80s is not "
                          "a subject digest",
                          md);
    if (subj && o && o->image_digest) {
        char first[104];
        subject_first(subj, first, sizeof first);
        if (!subject_has(subj, o->image_digest))
            return pc_err_set(e,
                              "digest %s does not match %s: the statement is about another image",
                              o->image_digest, first);
    } else if (o && o->image_digest) {
        int match =
            (dg && strcmp(dg, o->image_digest) == 0) || (md && strcmp(md, o->image_digest) == 0);
        if (!match)
            return pc_err_set(e, "digest %s does not match %.80s", o->image_digest,
                              md   ? md
                              : dg ? dg
                                   : "(none)");
    }
    if (o && o->policy_digest && (!pd || strcmp(pd, o->policy_digest) != 0))
        return pc_err_set(e, "policy digest %s does not match %.80s", o->policy_digest,
                          pd ? pd : "(none)");
    if (!o || !o->any_run) {
        char none[72];
        json_t *rk = json_object_get(p, "run_key");
        const char *got = json_string_value(rk), *want = o ? o->run_key : NULL;
        if (rk && !json_is_null(rk) && !got)
            return pc_err_set(e, "malformed payload: run_key");
        if (!want) {
            if (pc_runctx_key(NULL, none) < 0)
                return pc_err_set(e, "out of memory");
            want = none;
        }
        if (!got && pc_runctx_key(NULL, none) == 0)
            got = none; /* verdicts from before run keys judged no run context */
        if (!got || strcmp(got, want) != 0)
            return pc_err_set(e,
                              "run key %.80s does not match %.80s: the verdict judged another "
                              "run (user, command, capabilities) than the one asked about",
                              want, got ? got : "(none)");
    }
    return strcmp(v, "allow") == 0 ? 0 : 1;
}

/* As check_payload, after the envelope's shape and signature. */
static int verify_env(json_t *env, EVP_PKEY *k, const pc_verify_opts *o, pc_err *e)
{
    const char *type = json_string_value(json_object_get(env, "payloadType"));
    const char *p64 = json_string_value(json_object_get(env, "payload"));
    json_t *sigs = json_object_get(env, "signatures");
    if (!type || !p64 || !json_is_array(sigs) || json_array_size(sigs) == 0)
        return pc_err_set(e, "malformed envelope: payloadType, payload or signatures missing");
    int intoto = strcmp(type, PC_INTOTO_PAYLOAD_TYPE) == 0;
    if (!intoto && strcmp(type, PC_VERDICT_PAYLOAD_TYPE) != 0)
        return pc_err_set(e, "wrong payloadType \"%.100s\" (expected %s, or %s until 1.0)", type,
                          PC_INTOTO_PAYLOAD_TYPE, PC_VERDICT_PAYLOAD_TYPE);
    size_t pl = 0, ml = 0;
    unsigned char *payload = unb64(p64, &pl), *pae = NULL;
    if (!payload)
        return pc_err_set(e, "malformed envelope: payload is not base64");
    int rc = -1;
    if (pc_dsse_pae(type, payload, pl, &pae, &ml) < 0)
        pc_err_set(e, "out of memory");
    else if (!sig_ok(k, pae, ml, sigs))
        pc_err_set(e, "signature mismatch");
    else if (intoto) {
        json_t *st = NULL;
        char why[200];
        rc = pc_intoto_verdict_parse(payload, pl, &st, why, sizeof why) < 0
                 ? pc_err_set(e, "malformed payload: %s", why)
                 : check_payload(json_object_get(st, "predicate"), json_object_get(st, "subject"),
                                 o, e);
        json_decref(st);
    } else {
        json_error_t je;
        json_t *p = json_loadb((const char *)payload, pl, JSON_REJECT_DUPLICATES, &je);
        rc = p && json_is_object(p) ? check_payload(p, NULL, o, e)
                                    : pc_err_set(e, "malformed payload: not a JSON object");
        json_decref(p);
    }
    free(payload);
    free(pae);
    return rc;
}

int pc_verify_envelope(const char *envelope, size_t len, const char *pub, const pc_verify_opts *o,
                       char *err, size_t errlen)
{
    pc_err e = {{0}};
    json_error_t je;
    EVP_PKEY *k = load_pub(pub, &e);
    if (!k) {
        snprintf(err, errlen, "%s", e.msg);
        return PC_VERIFY_KEY;
    }
    json_t *env =
        len <= MAX_ENVELOPE ? json_loadb(envelope, len, JSON_REJECT_DUPLICATES, &je) : NULL;
    int rc = PC_VERIFY_INVALID, v = -1;
    if (!env || !json_is_object(env))
        pc_err_set(&e, "malformed envelope: not a JSON object");
    else
        v = verify_env(env, k, o, &e);
    if (v == 0)
        rc = PC_VERIFY_ALLOW;
    else if (v == 1)
        rc = PC_VERIFY_DENY;
    json_decref(env);
    EVP_PKEY_free(k);
    snprintf(err, errlen, "%s",
             rc == PC_VERIFY_ALLOW  ? "valid: allow"
             : rc == PC_VERIFY_DENY ? "valid: deny"
                                    : e.msg);
    return rc;
}
