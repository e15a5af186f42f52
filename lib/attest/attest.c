/*
 * attest.c — building and signing verdict statements. The payload is an
 * in-toto Statement v1 (subject: the image; predicate: the verdict) in
 * compact JSON with a fixed key order; the signature covers DSSE's
 * pre-authentication encoding of (payloadType, payload), so neither can
 * be swapped without breaking it. The signature itself is made by the
 * signing key process (signer.c, docs/privsep.md): this process builds
 * the payload and the envelope and never holds the key.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attest/attest.h"
#include "attest/signer.h"
#include "source/imageref.h"

static void rfc3339(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *fired_checks(const pc_result *r)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->nfindings; i++) {
        const pc_finding *f = &r->findings[i];
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen =
                strcmp(r->findings[j].check, f->check) == 0 && r->findings[j].action == f->action;
        if (!seen)
            json_array_append_new(
                a, json_pack("{s:s, s:s}", "check", f->check, "action", pc_action_name(f->action)));
    }
    return a;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* The verdict (the predicate; before in-toto, the whole payload). */
static json_t *verdict_predicate(const pc_result *r, time_t issued, uint64_t ttl)
{
    char iat[32], exp[32];
    time_t end = issued + (time_t)ttl;
    if (r->waived_until > 0 && r->waived_until < (long long)end)
        end = (time_t)r->waived_until; /* a waiver it rests on ends sooner */
    rfc3339(issued, iat);
    rfc3339(end, exp);
    json_t *o =
        json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s}", "image",
                  str_or_null(r->image), "digest", str_or_null(r->digest), "manifest_digest",
                  str_or_null(r->manifest_digest), "platform", str_or_null(r->platform), "verdict",
                  r->denied ? "deny" : "allow", "checks", fired_checks(r), "policy",
                  str_or_null(r->policy), "policy_digest", str_or_null(r->policy_digest),
                  "rules_digest", str_or_null(r->rules_digest), "scanner_version", PC_VERSION,
                  "issued_at", iat, "expires_at", exp);
    /* the run judged (pc_runctx_key): a verdict for one run is not one for another */
    if (o &&
        (json_object_set_new(o, "run_key", str_or_null(r->run_key[0] ? r->run_key : NULL)) < 0 ||
         (r->subject && json_object_set_new(o, "subject", json_string(r->subject)) < 0))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* One in-toto ResourceDescriptor: the repository and a "sha256:<hex>"
 * digest as {"sha256": "<hex>"}. */
static int add_subject(json_t *subj, const char *repo, const char *digest)
{
    json_t *d = json_object();
    const char *colon = digest ? strchr(digest, ':') : NULL;
    char alg[32];
    size_t al = colon ? (size_t)(colon - digest) : 0;
    if (!d)
        return -1;
    if (digest && (!colon || al == 0 || al >= sizeof alg)) {
        json_decref(d);
        return -1;
    }
    if (digest) {
        memcpy(alg, digest, al);
        alg[al] = 0;
        if (json_object_set_new(d, alg, json_string(colon + 1)) < 0) {
            json_decref(d);
            return -1;
        }
    }
    return json_array_append_new(subj, json_pack("{s:s, s:o}", "name", repo, "digest", d));
}

/* The subject: the image's repository (no tag, no digest) with its
 * manifest digest, and the digest the reference resolved to when that
 * differs (an index: what registries, cosign and Kyverno name the image
 * by). An image that was never resolved keeps an empty digest: no
 * --image-digest matches it. */
static json_t *verdict_subject(const pc_result *r)
{
    char repo[2 * 256 + 64];
    json_t *subj = json_array();
    const char *md = r->manifest_digest ? r->manifest_digest : r->digest;
    pc_image_repository(r->image, repo, sizeof repo);
    if (!subj || add_subject(subj, repo, md) < 0 ||
        (r->digest && md && strcmp(r->digest, md) != 0 && add_subject(subj, repo, r->digest) < 0)) {
        json_decref(subj);
        return NULL;
    }
    return subj;
}

char *pc_verdict_statement(const pc_result *r, time_t issued, uint64_t ttl)
{
    json_t *subj = verdict_subject(r), *pred = verdict_predicate(r, issued, ttl);
    json_t *o = subj && pred ? json_pack("{s:s, s:O, s:s, s:O}", "_type", PC_INTOTO_STATEMENT_TYPE,
                                         "subject", subj, "predicateType",
                                         PC_VERDICT_PREDICATE_TYPE, "predicate", pred)
                             : NULL;
    json_decref(subj);
    json_decref(pred);
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

int pc_result_sign(pc_result *r, pc_signer *s, uint64_t ttl, char *err, size_t errlen)
{
    unsigned char sig[64];
    char keyid[72], why[512] = "out of memory";
    char *payload = pc_verdict_statement(r, time(NULL), ttl), *p64 = NULL, *s64 = NULL;
    int rc = -1;
    free(r->attestation);
    r->attestation = NULL;
    if (payload &&
        pc_signer_sign_payload(s, (unsigned char *)payload, strlen(payload), sig, keyid, why,
                               sizeof why) == 0 &&
        (p64 = pc_base64_encode(payload, strlen(payload))) && (s64 = pc_base64_encode(sig, 64))) {
        json_t *env = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "payloadType", PC_INTOTO_PAYLOAD_TYPE,
                                "payload", p64, "signatures", "keyid", keyid, "sig", s64);
        r->attestation = env ? json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(env);
        rc = r->attestation ? 0 : -1;
    }
    if (rc < 0)
        snprintf(err, errlen, "signing the verdict failed: %s", why);
    free(payload);
    free(p64);
    free(s64);
    return rc;
}
