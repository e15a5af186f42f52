/*
 * intoto.c — the one statement shape a verdict key signs and a verifier
 * accepts: an in-toto Statement v1 (https://in-toto.io/Statement/v1)
 * whose predicateType is portcullis' verdict type. The key process checks
 * it before signing, so a process that asks for signatures cannot get the
 * verdict key to vouch for another kind of statement (provenance, SBOM,
 * ...) under the in-toto payload type; verify.c reads statements with
 * the same rules.
 */
#include <stdio.h>
#include <string.h>
#include "attest/attest.h"

static int subject_ok(json_t *subj)
{
    size_t i;
    json_t *s;
    if (!json_is_array(subj) || json_array_size(subj) == 0)
        return 0;
    json_array_foreach(subj, i, s)
    {
        json_t *d = json_object_get(s, "digest");
        const char *k;
        json_t *v;
        if (!json_is_object(s) || !json_is_string(json_object_get(s, "name")) || !json_is_object(d))
            return 0;
        json_object_foreach(d, k, v)
        {
            if (!json_is_string(v))
                return 0;
        }
    }
    return 1;
}

int pc_intoto_verdict_parse(const unsigned char *body, size_t len, json_t **root, char *why,
                            size_t whylen)
{
    json_error_t je;
    json_t *o = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    const char *t = json_string_value(json_object_get(o, "_type"));
    const char *pt = json_string_value(json_object_get(o, "predicateType"));
    const char *bad = NULL;
    if (!json_is_object(o))
        bad = "not a JSON object (without duplicate keys)";
    else if (!t || strcmp(t, PC_INTOTO_STATEMENT_TYPE) != 0)
        bad = "_type is not " PC_INTOTO_STATEMENT_TYPE;
    else if (!pt || strcmp(pt, PC_VERDICT_PREDICATE_TYPE) != 0)
        bad = "predicateType is not " PC_VERDICT_PREDICATE_TYPE;
    else if (!subject_ok(json_object_get(o, "subject")))
        bad = "subject is not a non-empty array of {name, digest}";
    else if (!json_is_object(json_object_get(o, "predicate")))
        bad = "predicate is not an object";
    if (bad) {
        snprintf(why, whylen, "in-toto statement: %s", bad);
        json_decref(o);
        return -1;
    }
    if (root)
        *root = o;
    else
        json_decref(o);
    return 0;
}
