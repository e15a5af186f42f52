/*
 * jdoc_json.h — a pc_jval as a jansson value, for the tests that compare
 * pc_jdoc's reading with jansson's (unit/test_jdoc, fuzz_jdoc): strings
 * keep their length (U+0000 included), members their keys.
 */
#ifndef PC_TEST_JDOC_JSON_H
#define PC_TEST_JDOC_JSON_H

#include <jansson.h>
#include "portcullis_jdoc.h"

static inline json_t *to_json(const pc_jval *v)
{
    json_t *r;
    switch (v->type) {
    case PC_JNULL:
        return json_null();
    case PC_JFALSE:
        return json_false();
    case PC_JTRUE:
        return json_true();
    case PC_JINT:
        return json_integer(v->u.i);
    case PC_JREAL:
        return json_real(v->u.d);
    case PC_JSTR:
        return json_stringn_nocheck(v->u.s, v->n);
    case PC_JARR:
        r = json_array();
        for (size_t i = 0; r && i < v->n; i++)
            if (json_array_append_new(r, to_json(&v->u.a[i])) < 0) {
                json_decref(r);
                return NULL;
            }
        return r;
    case PC_JOBJ:
        r = json_object();
        for (size_t i = 0; r && i < v->n; i++) {
            const pc_jmem *m = &v->u.m[i];
            if (json_object_setn_new_nocheck(r, m->key, m->klen, to_json(&m->v)) < 0) {
                json_decref(r);
                return NULL;
            }
        }
        return r;
    }
    return NULL;
}

#endif
