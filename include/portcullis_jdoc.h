/*
 * portcullis_jdoc.h — a read-only JSON document: one parse into one
 * arena, then lookups. It accepts exactly what jansson's
 * json_loadb(JSON_REJECT_DUPLICATES) accepts (RFC 8259 text whose top
 * level is an object or an array; strict UTF-8 with no overlong forms,
 * surrogates or code points past U+10FFFF; escapes with surrogate pairs
 * joined; integers in the range of long long, reals that do not overflow;
 * no duplicate keys; no key holding U+0000; no string holding U+0000
 * unless PC_JDOC_ALLOW_NUL; at most 2048 levels of values) and reads the
 * same values, so readers ported from jansson see the same document (the
 * differential test is unit/test_jdoc). What it saves is jansson's
 * allocation per value and hash table per object: a review read by the
 * webhook costs one arena block.
 *
 * Strings are NUL-terminated copies with their length (n); an object's
 * members are sorted by key (bytes, then length) for binary search, so
 * they are not in document order. Every value lives as long as its
 * document.
 */
#ifndef PORTCULLIS_JDOC_H
#define PORTCULLIS_JDOC_H

#include <stddef.h>

typedef enum pc_jtype {
    PC_JNULL,
    PC_JFALSE,
    PC_JTRUE,
    PC_JINT,
    PC_JREAL,
    PC_JSTR,
    PC_JARR,
    PC_JOBJ
} pc_jtype;

typedef struct pc_jval pc_jval;
typedef struct pc_jmem pc_jmem;

struct pc_jval {
    pc_jtype type;
    size_t n; /* PC_JSTR: bytes (without the NUL); PC_JARR: elements; PC_JOBJ: members */
    union {
        long long i;
        double d;
        const char *s;
        const pc_jval *a;
        const pc_jmem *m;
    } u;
};

struct pc_jmem {
    const char *key; /* NUL-terminated, never holds U+0000 */
    size_t klen;
    pc_jval v;
};

typedef struct pc_jdoc pc_jdoc;

#define PC_JDOC_ALLOW_NUL 1u   /* strings may hold U+0000 (\u0000); keys never */
#define PC_JDOC_MAX_DEPTH 2048 /* values nested deeper are refused, as jansson does */

/* Parse len bytes; NULL with "what (line L, column C)" in err when the
 * text is not accepted or memory ran out. */
pc_jdoc *pc_jdoc_parse(const char *buf, size_t len, unsigned flags, char *err, size_t errlen);
const pc_jval *pc_jdoc_root(const pc_jdoc *d);
void pc_jdoc_free(pc_jdoc *d);

/* A jansson object or array as a document (written and parsed back, with
 * PC_JDOC_ALLOW_NUL); NULL with err set. */
struct json_t;
pc_jdoc *pc_jdoc_from_json(const struct json_t *v, char *err, size_t errlen);

/* o[key]: NULL when o is NULL or not an object, or has no such key. */
const pc_jval *pc_jget(const pc_jval *o, const char *key);
const pc_jval *pc_jgetn(const pc_jval *o, const char *key, size_t klen);
/* o[key] when it is there and not null: the value of an optional field. */
const pc_jval *pc_jopt(const pc_jval *o, const char *key);
/* a[i]: NULL when a is NULL or not an array, or i is past its end. */
const pc_jval *pc_jat(const pc_jval *a, size_t i);
/* The string, or NULL when v is NULL or not a string. */
const char *pc_jstr(const pc_jval *v);
/* Deep equality as jansson's json_equal: same types, same values. */
int pc_jequal(const pc_jval *a, const pc_jval *b);

static inline int pc_jis(const pc_jval *v, pc_jtype t)
{
    return v && v->type == t;
}
static inline int pc_jis_bool(const pc_jval *v)
{
    return v && (v->type == PC_JTRUE || v->type == PC_JFALSE);
}
/* Absent or null: the reading of an optional field. */
static inline int pc_jis_none(const pc_jval *v)
{
    return !v || v->type == PC_JNULL;
}

#endif
