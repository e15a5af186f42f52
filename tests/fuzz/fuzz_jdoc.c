/*
 * fuzz_jdoc.c — libFuzzer target: the read-only JSON document
 * (lib/pcx/jdoc.c) against jansson's json_loadb(JSON_REJECT_DUPLICATES),
 * with and without PC_JDOC_ALLOW_NUL (JSON_ALLOW_NUL). Both must accept
 * or both refuse, except that an input holding a raw NUL byte is refused
 * by pc_jdoc whatever jansson does; an accepted document must convert to
 * a tree json_equal to jansson's, find every key jansson has through
 * pc_jgetn and pc_jget, end its arrays where jansson's end, and be
 * pc_jequal to itself parsed again; a refusal has a message with its
 * line. The input is read as it is, then as the contents of a string
 * and of a key (each rule of strings met without a quote to find first),
 * each time in a buffer of its exact size, so a read past the end is an
 * ASan report.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "../unit/jdoc_json.h"
#include "portcullis_jdoc.h"

/* The lookups: every key of jansson's objects found (the key with a byte
 * more is found only if jansson has it), every array ends where
 * jansson's does. (Values are compared by json_equal.) */
static void walk(json_t *j, const pc_jval *v)
{
    FZ_CHECK(v, "missing value");
    if (json_is_array(j)) {
        FZ_CHECK(pc_jis(v, PC_JARR) && v->n == json_array_size(j), "array size");
        for (size_t i = 0; i < v->n; i++)
            walk(json_array_get(j, i), pc_jat(v, i));
        FZ_CHECK(!pc_jat(v, v->n), "pc_jat past the end");
    } else if (json_is_object(j)) {
        const char *key;
        size_t klen;
        json_t *jv;
        FZ_CHECK(pc_jis(v, PC_JOBJ) && v->n == json_object_size(j), "object size");
        json_object_keylen_foreach(j, key, klen, jv)
        {
            const pc_jval *m = pc_jgetn(v, key, klen);
            FZ_CHECK(m && pc_jget(v, key) == m, "key of %zu bytes not found", klen);
            walk(jv, m);
            char probe[64];
            if (klen + 1 < sizeof probe) {
                memcpy(probe, key, klen);
                probe[klen] = 'a';
                probe[klen + 1] = 0;
                FZ_CHECK(!pc_jgetn(v, probe, klen + 1) == !json_object_getn(j, probe, klen + 1),
                         "a longer key found differently");
            }
        }
    } else {
        FZ_CHECK(!pc_jat(v, 0) && !pc_jget(v, ""), "lookup in a scalar");
        FZ_CHECK(!pc_jstr(v) == !json_is_string(j), "pc_jstr");
    }
}

static void one(const char *buf, size_t size, unsigned flags)
{
    char err[256] = "";
    pc_jdoc *d = pc_jdoc_parse(buf, size, flags, err, sizeof err);
    if (!d)
        FZ_CHECK(err[0] && strstr(err, "(line "), "refusal without its place: \"%s\"", err);
    if (memchr(buf, 0, size)) {
        FZ_CHECK(!d, "pc_jdoc accepts a raw NUL (flags %u)", flags);
        return;
    }
    json_error_t jerr;
    json_t *j = json_loadb(buf, size, JSON_REJECT_DUPLICATES | (flags ? JSON_ALLOW_NUL : 0), &jerr);
    FZ_CHECK(!d == !j, "flags %u: pc_jdoc %s (%s), jansson %s (%s)", flags,
             d ? "accepts" : "refuses", err, j ? "accepts" : "refuses", j ? "" : jerr.text);
    if (d) {
        const pc_jval *root = pc_jdoc_root(d);
        json_t *c = to_json(root);
        FZ_CHECK(c && json_equal(j, c), "values differ (flags %u)", flags);
        walk(j, root);
        pc_jdoc *again = pc_jdoc_parse(buf, size, flags, NULL, 0);
        FZ_CHECK(again && pc_jequal(root, pc_jdoc_root(again)), "not pc_jequal to itself");
        pc_jdoc_free(again);
        json_decref(c);
    }
    json_decref(j);
    pc_jdoc_free(d);
}

/* The input between pre and post, in a buffer of its exact size. */
static void wrapped(const uint8_t *data, size_t size, const char *pre, const char *post,
                    unsigned flags)
{
    size_t a = strlen(pre), b = strlen(post);
    char *buf = malloc(a + size + b);
    if (!buf)
        return;
    memcpy(buf, pre, a);
    if (size)
        memcpy(buf + a, data, size);
    memcpy(buf + a + size, post, b);
    one(buf, a + size + b, flags);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = (char *)fz_memdup(data, size);
    if (!buf)
        return 0;
    one(buf, size, 0);
    one(buf, size, PC_JDOC_ALLOW_NUL);
    free(buf);
    /* every byte inside a string, then inside a key: the escapes and
     * UTF-8 rules see the whole input without a quote to reach first */
    wrapped(data, size, "[\"", "\"]", PC_JDOC_ALLOW_NUL);
    wrapped(data, size, "{\"", "\":0}", 0);
    return 0;
}
