/*
 * cli_manifest.c — cli_manifest.h: a manifest file to one JSON value per
 * document, as `kubectl apply -f` reads it.
 *
 * Kubernetes reads YAML with sigs.k8s.io/yaml: go-yaml v2 decodes each
 * document and the result is marshalled to JSON. This converter follows
 * go-yaml v2's typing of plain (unquoted, untagged) scalars (resolve.go):
 *   true:  y Y yes Yes YES true True TRUE on On ON
 *   false: n N no No NO false False FALSE off Off OFF
 *   null:  (empty) ~ null Null NULL
 *   int:   after dropping '_': Go's ParseInt base 0 — 10, 0x1F, 0o17,
 *          0b101, and a leading 0 is octal (0755 is 493); a value above
 *          int64 is refused (JSON here holds int64)
 *   float: [-+]?(.N|N[.N])([eE][-+]?N); an integral float is an integer
 *          (JSON has one number type: `1e3` and `1.0` arrive as 1000 and 1);
 *          .inf/.nan are refused (JSON cannot hold them: sigs.k8s.io/yaml
 *          fails too); an exponent beyond double range stays a string
 *   anything else, and every quoted or block scalar: a string.
 * Timestamps (2024-01-02) stay strings as written (go-yaml v2 makes them
 * times, which JSON then writes as RFC 3339 text: a string either way).
 * Tags: !!str makes a string; !!int, !!float, !!bool, !!null must resolve
 * to their type; other tags are refused. Keys are strings; an int or bool
 * key becomes its text, as sigs.k8s.io/yaml converts it; a null, float or
 * collection key is refused. The merge key `<<` (a mapping or a list of
 * mappings) is applied as go-yaml v2's strict decoder does: every key once.
 *
 * Refused, with FILE:LINE: a key given twice in one mapping (go-yaml v2
 * strict, kustomize and the API server's strict field validation refuse
 * it; plain go-yaml keeps the last value, so readers of one manifest would
 * disagree), more than CLI_MANIFEST_MAX_ALIASES alias uses or aliases
 * adding more than CLI_MANIFEST_MAX_ALIAS_NODES nodes to one file ("a
 * billion laughs"), nesting deeper than CLI_MANIFEST_MAX_DEPTH, files
 * larger than CLI_MANIFEST_MAX_BYTES, and NUL characters in scalars.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "cli_manifest.h"
#include "pcx.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

typedef struct anchor {
    char *name;
    json_t *v;
    size_t nodes;
    int height;
} anchor;

/* An open mapping or sequence. */
typedef struct frame {
    json_t *v;
    char *key;    /* mapping: the key whose value comes next; NULL: a key comes next */
    int merge;    /* mapping: that key is the merge key << */
    char *anchor; /* the collection's anchor, registered when it ends */
    size_t nodes; /* nodes in it so far, itself included */
    int height;   /* 1 + the height of its highest child */
    size_t line;
} frame;

typedef struct yb {
    const char *name;
    const char *text;
    size_t len;
    char *err;
    size_t errlen;
    frame st[CLI_MANIFEST_MAX_DEPTH];
    int n;
    anchor *an;
    size_t nan, capan;
    size_t aliases, alias_nodes;
    json_t *root;
    size_t doc_line; /* where the document's root starts */
    cli_docs *out;
} yb;

static int fail(yb *b, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(yb *b, size_t line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(b->err, b->errlen, "%s:%zu: yaml: %s", b->name, line, msg);
    return -1;
}

static int add_doc(cli_docs *d, json_t *v, size_t line)
{
    if (pc_grow((void **)&d->v, &d->cap, d->n + 1, sizeof *d->v) < 0)
        return -1;
    d->v[d->n].v = v;
    d->v[d->n].line = line;
    d->n++;
    return 0;
}

void cli_docs_free(cli_docs *d)
{
    for (size_t i = 0; i < d->n; i++)
        json_decref(d->v[i].v);
    free(d->v);
    memset(d, 0, sizeof *d);
}

/* ---- plain scalars: go-yaml v2's resolve() ---- */

enum { T_STR, T_NULL, T_BOOL, T_INT, T_FLOAT, T_BAD };

static const struct {
    const char *s;
    int type, b;
} words[] = {
    {"y", T_BOOL, 1},     {"Y", T_BOOL, 1},     {"yes", T_BOOL, 1},   {"Yes", T_BOOL, 1},
    {"YES", T_BOOL, 1},   {"true", T_BOOL, 1},  {"True", T_BOOL, 1},  {"TRUE", T_BOOL, 1},
    {"on", T_BOOL, 1},    {"On", T_BOOL, 1},    {"ON", T_BOOL, 1},    {"n", T_BOOL, 0},
    {"N", T_BOOL, 0},     {"no", T_BOOL, 0},    {"No", T_BOOL, 0},    {"NO", T_BOOL, 0},
    {"false", T_BOOL, 0}, {"False", T_BOOL, 0}, {"FALSE", T_BOOL, 0}, {"off", T_BOOL, 0},
    {"Off", T_BOOL, 0},   {"OFF", T_BOOL, 0},   {"", T_NULL, 0},      {"~", T_NULL, 0},
    {"null", T_NULL, 0},  {"Null", T_NULL, 0},  {"NULL", T_NULL, 0},  {".nan", T_BAD, 0},
    {".NaN", T_BAD, 0},   {".NAN", T_BAD, 0},   {".inf", T_BAD, 0},   {".Inf", T_BAD, 0},
    {".INF", T_BAD, 0},   {"+.inf", T_BAD, 0},  {"+.Inf", T_BAD, 0},  {"+.INF", T_BAD, 0},
    {"-.inf", T_BAD, 0},  {"-.Inf", T_BAD, 0},  {"-.INF", T_BAD, 0},
};

typedef struct scalar {
    int type;
    int b;
    long long i;
    double d;
} scalar;

static int digit_of(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/* Go's strconv.ParseUint(s, 0, 64) without underscores: 0 and the value,
 * -1 when s is not one, -2 when it is but does not fit. */
static int parse_uint0(const char *s, unsigned long long *out)
{
    int base = 10;
    if (!*s)
        return -1;
    if (s[0] == '0') {
        size_t l = strlen(s);
        char p = (char)(s[1] | 0x20);
        if (l >= 3 && p == 'b')
            base = 2, s += 2;
        else if (l >= 3 && p == 'o')
            base = 8, s += 2;
        else if (l >= 3 && p == 'x')
            base = 16, s += 2;
        else
            base = 8, s += 1;
    }
    unsigned long long v = 0;
    int over = 0;
    for (; *s; s++) {
        int d = digit_of(*s);
        if (d >= base)
            return -1;
        if (v > (~0ull - (unsigned)d) / (unsigned)base)
            over = 1;
        else
            v = v * (unsigned)base + (unsigned)d;
    }
    *out = v;
    return over ? -2 : 0;
}

/* yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int float_syntax(const char *s)
{
    size_t k = 0;
    if (*s == '+' || *s == '-')
        s++;
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9')
            s++, k++;
        if (!k)
            return 0;
    } else {
        while (*s >= '0' && *s <= '9')
            s++, k++;
        if (!k)
            return 0;
        if (*s == '.')
            for (s++; *s >= '0' && *s <= '9';)
                s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        k = 0;
        while (*s >= '0' && *s <= '9')
            s++, k++;
        if (!k)
            return 0;
    }
    return *s == 0;
}

/* strtod as Go's ParseFloat: 0, or -1 when the value overflows (ErrRange:
 * go-yaml then keeps the text as a string). */
static int to_double(const char *s, double *d)
{
    errno = 0;
    char *end;
    *d = strtod(s, &end);
    if (*end || (errno == ERANGE && isinf(*d)))
        return -1;
    return 0;
}

/* The type and value of plain scalar s (go-yaml v2's resolve). 0, or -1
 * when out of memory. */
static int resolve(const char *s, scalar *r)
{
    memset(r, 0, sizeof *r);
    r->type = T_STR;
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (strcmp(s, words[k].s) == 0) {
            r->type = words[k].type;
            r->b = words[k].b;
            return 0;
        }
    char c = s[0];
    if (c == '.') {
        if (float_syntax(s) && to_double(s, &r->d) == 0)
            r->type = T_FLOAT;
        return 0;
    }
    if (!(c == '+' || c == '-' || (c >= '0' && c <= '9')))
        return 0;
    char *plain = pc_strdup(s); /* the text without '_' */
    if (!plain)
        return -1;
    size_t n = 0;
    for (const char *p = s; *p; p++)
        if (*p != '_')
            plain[n++] = *p;
    plain[n] = 0;
    /* ParseInt: an optional sign, then ParseUint's syntax */
    const char *u = plain;
    int neg = 0;
    if (*u == '+' || *u == '-')
        neg = *u++ == '-';
    unsigned long long v;
    int rc = parse_uint0(u, &v);
    if (rc == 0 && (neg ? v <= (1ull << 63) : v < (1ull << 63))) {
        r->type = T_INT;
        r->i = neg ? (v == (1ull << 63) ? (long long)(-9223372036854775807LL - 1) : -(long long)v)
                   : (long long)v;
    } else if (rc == 0 && !neg && u == plain) {
        r->type = T_BAD; /* a uint64 beyond int64: JSON here cannot hold it */
    } else if (float_syntax(plain) && to_double(plain, &r->d) == 0) {
        r->type = T_FLOAT;
    }
    free(plain);
    return 0;
}

static json_t *float_json(double d)
{
    /* JSON has one number: Go writes an integral float without a fraction
     * (1e3 as 1000), and Kubernetes reads that as an integer */
    if (d == floor(d) && fabs(d) <= 9007199254740992.0) /* 2^53: exact */
        return json_integer((json_int_t)d);
    return json_real(d);
}

static json_t *scalar_json(const scalar *r, const char *s, size_t len)
{
    switch (r->type) {
    case T_NULL:
        return json_null();
    case T_BOOL:
        return json_boolean(r->b);
    case T_INT:
        return json_integer(r->i);
    case T_FLOAT:
        return float_json(r->d);
    default:
        return json_stringn(s, len);
    }
}

static const char *type_name(int t)
{
    static const char *const names[] = {"str", "null", "bool", "int", "float", "bad"};
    return names[t];
}

/* The value of a scalar event: NULL with err set when refused. */
static json_t *scalar_value(yb *b, const yaml_event_t *ev, scalar *r)
{
    const char *s = (const char *)ev->data.scalar.value, *tag = (const char *)ev->data.scalar.tag;
    size_t len = ev->data.scalar.length, line = ev->start_mark.line + 1;
    char shown[80];
    pc_safe_str(s, shown, sizeof shown);
    memset(r, 0, sizeof *r);
    r->type = T_STR;
    if (strlen(s) != len) {
        fail(b, line, "a NUL character in a scalar");
        return NULL;
    }
    if (!tag && !ev->data.scalar.plain_implicit) {
        /* quoted or block: a string */
    } else if (!tag) {
        if (resolve(s, r) < 0) {
            fail(b, line, "out of memory");
            return NULL;
        }
    } else if (strcmp(tag, TAG_PREFIX "str") == 0) {
        /* !!str */
    } else if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0 &&
               (strcmp(tag + strlen(TAG_PREFIX), "int") == 0 ||
                strcmp(tag + strlen(TAG_PREFIX), "float") == 0 ||
                strcmp(tag + strlen(TAG_PREFIX), "bool") == 0 ||
                strcmp(tag + strlen(TAG_PREFIX), "null") == 0)) {
        const char *want = tag + strlen(TAG_PREFIX);
        if (resolve(s, r) < 0) {
            fail(b, line, "out of memory");
            return NULL;
        }
        if (strcmp(want, "float") == 0 && r->type == T_INT) {
            r->type = T_FLOAT;
            r->d = (double)r->i;
        }
        if (r->type != T_BAD && strcmp(type_name(r->type), want) != 0) {
            fail(b, line, "cannot decode !!%s \"%s\" as a !!%s", type_name(r->type), shown, want);
            return NULL;
        }
    } else {
        char t[80];
        pc_safe_str(tag, t, sizeof t);
        fail(b, line, "tag %s is not supported (only !!str, !!int, !!float, !!bool, !!null)", t);
        return NULL;
    }
    if (r->type == T_BAD) {
        fail(b, line, "\"%s\": a number JSON cannot hold (Kubernetes refuses it too)", shown);
        return NULL;
    }
    json_t *v = scalar_json(r, s, len);
    if (!v)
        fail(b, line, "out of memory (or a string that is not UTF-8)");
    return v;
}

/* ---- building documents from events ---- */

static anchor *find_anchor(yb *b, const char *name)
{
    for (size_t i = b->nan; i-- > 0;)
        if (strcmp(b->an[i].name, name) == 0)
            return &b->an[i];
    return NULL;
}

static void clear_anchors(yb *b)
{
    for (size_t i = 0; i < b->nan; i++) {
        free(b->an[i].name);
        json_decref(b->an[i].v);
    }
    b->nan = 0;
}

static int add_anchor(yb *b, const char *name, json_t *v, size_t nodes, int height, size_t line)
{
    anchor *a = find_anchor(b, name);
    if (!a) {
        if (pc_grow((void **)&b->an, &b->capan, b->nan + 1, sizeof *b->an) < 0)
            return fail(b, line, "out of memory");
        a = &b->an[b->nan];
        memset(a, 0, sizeof *a);
        if (!(a->name = pc_strdup(name)))
            return fail(b, line, "out of memory");
        b->nan++;
    }
    json_decref(a->v);
    a->v = json_incref(v);
    a->nodes = nodes;
    a->height = height;
    return 0;
}

static int set_key(yb *b, json_t *obj, const char *key, json_t *v, size_t line)
{
    if (json_object_get(obj, key)) {
        char k[80];
        pc_safe_str(key, k, sizeof k);
        json_decref(v);
        return fail(b, line, "key \"%s\" given twice in one mapping", k);
    }
    if (json_object_set_new(obj, key, v) < 0)
        return fail(b, line, "out of memory (or a key that is not UTF-8)");
    return 0;
}

/* `<<: V`: V's keys into obj (V a mapping or a list of mappings). */
static int merge(yb *b, json_t *obj, json_t *v, size_t line)
{
    json_t *one[1] = {v};
    json_t **maps = one;
    size_t n = 1;
    if (json_is_array(v)) {
        n = json_array_size(v);
        maps = NULL;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *m = maps ? maps[i] : json_array_get(v, i);
        if (!json_is_object(m))
            return fail(b, line, "the merge key << needs a mapping or a list of mappings");
        const char *k;
        json_t *x;
        json_object_foreach(m, k, x)
        {
            if (set_key(b, obj, k, json_incref(x), line) < 0)
                return -1;
        }
    }
    return 0;
}

/* Place a finished value (reference stolen) where the open collection
 * expects one, or make it the document's root. */
static int put(yb *b, json_t *v, size_t nodes, int height, size_t line)
{
    if (b->n == 0) {
        json_decref(b->root);
        b->root = v;
        if (!json_is_object(v) && !json_is_array(v))
            b->doc_line = line;
        return 0;
    }
    frame *f = &b->st[b->n - 1];
    f->nodes += nodes;
    if (height + 1 > f->height)
        f->height = height + 1;
    if (json_is_array(f->v)) {
        if (json_array_append_new(f->v, v) < 0)
            return fail(b, line, "out of memory");
        return 0;
    }
    int rc;
    if (f->merge)
        rc = merge(b, f->v, v, line), json_decref(v);
    else
        rc = set_key(b, f->v, f->key, v, line);
    free(f->key);
    f->key = NULL;
    f->merge = 0;
    return rc;
}

/* Does the open collection expect a key? */
static int wants_key(const yb *b)
{
    return b->n > 0 && json_is_object(b->st[b->n - 1].v) && !b->st[b->n - 1].key &&
           !b->st[b->n - 1].merge;
}

static int take_key(yb *b, json_t *k, int is_merge, size_t line)
{
    frame *f = &b->st[b->n - 1];
    char num[32];
    const char *s = NULL;
    if (is_merge) {
        f->merge = 1;
        json_decref(k);
        return 0;
    }
    if (json_is_string(k)) {
        s = json_string_value(k);
        if (strlen(s) != json_string_length(k))
            s = NULL;
    } else if (json_is_integer(k)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(k));
        s = num;
    } else if (json_is_boolean(k)) {
        s = json_is_true(k) ? "true" : "false";
    }
    if (!s) {
        json_decref(k);
        return fail(b, line, "a mapping key must be a string, an integer or a boolean");
    }
    f->key = pc_strdup(s);
    json_decref(k);
    if (!f->key)
        return fail(b, line, "out of memory");
    return 0;
}

static int on_scalar(yb *b, const yaml_event_t *ev)
{
    size_t line = ev->start_mark.line + 1;
    const char *s = (const char *)ev->data.scalar.value, *tag = (const char *)ev->data.scalar.tag;
    scalar r;
    if (wants_key(b) && ((!tag && ev->data.scalar.plain_implicit && strcmp(s, "<<") == 0) ||
                         (tag && strcmp(tag, TAG_PREFIX "merge") == 0)))
        return take_key(b, NULL, 1, line);
    json_t *v = scalar_value(b, ev, &r);
    if (!v)
        return -1;
    const char *aname = (const char *)ev->data.scalar.anchor;
    if (aname && add_anchor(b, aname, v, 1, 0, line) < 0) {
        json_decref(v);
        return -1;
    }
    if (wants_key(b))
        return take_key(b, v, 0, line);
    return put(b, v, 1, 0, line);
}

static int on_alias(yb *b, const yaml_event_t *ev)
{
    size_t line = ev->start_mark.line + 1;
    const char *name = (const char *)ev->data.alias.anchor;
    char shown[80];
    pc_safe_str(name, shown, sizeof shown);
    anchor *a = find_anchor(b, name);
    if (!a)
        return fail(b, line, "alias *%s names no anchor before it", shown);
    if (++b->aliases > CLI_MANIFEST_MAX_ALIASES)
        return fail(b, line, "more than %d aliases in one file", CLI_MANIFEST_MAX_ALIASES);
    if (a->nodes > CLI_MANIFEST_MAX_ALIAS_NODES - b->alias_nodes)
        return fail(b, line, "aliases expand to more than %d nodes (an alias bomb?)",
                    CLI_MANIFEST_MAX_ALIAS_NODES);
    b->alias_nodes += a->nodes;
    if (b->n + a->height > CLI_MANIFEST_MAX_DEPTH)
        return fail(b, line, "nested deeper than %d levels (through alias *%s)",
                    CLI_MANIFEST_MAX_DEPTH, shown);
    json_t *v = json_deep_copy(a->v);
    if (!v)
        return fail(b, line, "out of memory");
    if (wants_key(b))
        return take_key(b, v, 0, line);
    return put(b, v, a->nodes, a->height, line);
}

static int on_start(yb *b, const yaml_event_t *ev, int is_map)
{
    size_t line = ev->start_mark.line + 1;
    const char *tag =
        (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
    const char *aname =
        (const char *)(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
    if (wants_key(b))
        return fail(b, line, "a %s as a mapping key is not supported",
                    is_map ? "mapping" : "sequence");
    if (tag && strcmp(tag, is_map ? TAG_PREFIX "map" : TAG_PREFIX "seq") != 0) {
        char t[80];
        pc_safe_str(tag, t, sizeof t);
        return fail(b, line, "tag %s is not supported here", t);
    }
    if (b->n >= CLI_MANIFEST_MAX_DEPTH)
        return fail(b, line, "nested deeper than %d levels", CLI_MANIFEST_MAX_DEPTH);
    if (b->n == 0)
        b->doc_line = line; /* a document's line: where its root starts */
    frame *f = &b->st[b->n];
    memset(f, 0, sizeof *f);
    f->v = is_map ? json_object() : json_array();
    f->anchor = aname ? pc_strdup(aname) : NULL;
    f->nodes = 1;
    f->height = 1;
    f->line = line;
    if (!f->v || (aname && !f->anchor)) {
        json_decref(f->v);
        free(f->anchor);
        return fail(b, line, "out of memory");
    }
    b->n++;
    return 0;
}

static int on_end(yb *b, const yaml_event_t *ev)
{
    frame f = b->st[--b->n];
    size_t line = ev->start_mark.line + 1;
    int rc = 0;
    if (f.anchor)
        rc = add_anchor(b, f.anchor, f.v, f.nodes, f.height, f.line);
    free(f.anchor);
    free(f.key);
    if (rc < 0) {
        json_decref(f.v);
        return -1;
    }
    return put(b, f.v, f.nodes, f.height, line);
}

static void drop_frames(yb *b)
{
    while (b->n > 0) {
        frame *f = &b->st[--b->n];
        json_decref(f->v);
        free(f->key);
        free(f->anchor);
    }
    json_decref(b->root);
    b->root = NULL;
}

/* The line of text (0-based index line) starts with blanks holding a tab. */
static int tab_indented(const char *text, size_t len, size_t line)
{
    size_t i = 0;
    for (size_t l = 0; l < line && i < len; i++)
        if (text[i] == '\n')
            l++;
    for (; i < len && (text[i] == ' ' || text[i] == '\t'); i++)
        if (text[i] == '\t')
            return 1;
    return 0;
}

static int parse_error(yb *b, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR) {
        snprintf(b->err, b->errlen, "%s: out of memory", b->name);
        return -1;
    }
    const yaml_mark_t *m = &p->problem_mark;
    const char *tab =
        tab_indented(b->text, b->len, m->line) ? "; YAML does not allow tabs for indentation" : "";
    snprintf(b->err, b->errlen, "%s:%zu:%zu: yaml: %s%s%s%s%s", b->name, m->line + 1, m->column + 1,
             p->problem ? p->problem : "syntax error", p->context ? " (" : "",
             p->context ? p->context : "", p->context ? ")" : "", tab);
    return -1;
}

static int parse_yaml(yb *b)
{
    yaml_parser_t p;
    yaml_event_t ev;
    int rc = 0, done = 0;
    if (!yaml_parser_initialize(&p)) {
        snprintf(b->err, b->errlen, "%s: out of memory", b->name);
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)b->text, b->len);
    while (!done && rc == 0) {
        if (!yaml_parser_parse(&p, &ev)) {
            rc = parse_error(b, &p);
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            clear_anchors(b); /* anchors are per document */
            break;
        case YAML_DOCUMENT_END_EVENT:
            if (b->root && !json_is_null(b->root)) {
                if (add_doc(b->out, b->root, b->doc_line) < 0) {
                    rc = fail(b, b->doc_line, "out of memory");
                    break;
                }
                b->root = NULL;
            }
            json_decref(b->root);
            b->root = NULL;
            break;
        case YAML_SCALAR_EVENT:
            rc = on_scalar(b, &ev);
            break;
        case YAML_ALIAS_EVENT:
            rc = on_alias(b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            rc = on_start(b, &ev, ev.type == YAML_MAPPING_START_EVENT);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = on_end(b, &ev);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    drop_frames(b);
    clear_anchors(b);
    free(b->an);
    yaml_parser_delete(&p);
    return rc;
}

/* ---- JSON streams ---- */

static int too_deep(json_t *v, int depth)
{
    if (!json_is_object(v) && !json_is_array(v))
        return 0;
    if (depth > CLI_MANIFEST_MAX_DEPTH)
        return 1;
    size_t i;
    const char *k;
    json_t *x;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            if (too_deep(x, depth + 1))
                return 1;
        }
    } else {
        json_object_foreach(v, k, x)
        {
            if (too_deep(x, depth + 1))
                return 1;
        }
    }
    return 0;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int parse_json(const char *name, const char *text, size_t len, cli_docs *out, char *err,
                      size_t errlen)
{
    size_t pos = 0, line = 1;
    for (;;) {
        for (; pos < len && is_blank(text[pos]); pos++)
            line += text[pos] == '\n';
        if (pos == len)
            return 0;
        json_error_t je;
        json_t *v =
            json_loadb(text + pos, len - pos, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
        if (!v) {
            snprintf(err, errlen, "%s:%zu: json: %s", name, line + (size_t)je.line - 1, je.text);
            return -1;
        }
        if (too_deep(v, 1)) {
            json_decref(v);
            snprintf(err, errlen, "%s:%zu: json: nested deeper than %d levels", name, line,
                     CLI_MANIFEST_MAX_DEPTH);
            return -1;
        }
        if (add_doc(out, v, line) < 0) {
            json_decref(v);
            snprintf(err, errlen, "%s: out of memory", name);
            return -1;
        }
        size_t used = (size_t)je.position;
        if (used == 0 || used > len - pos)
            used = len - pos;
        for (size_t i = pos; i < pos + used; i++)
            line += text[i] == '\n';
        pos += used;
    }
}

int cli_manifest_parse(const char *name, const char *text, size_t len, cli_docs *out, char *err,
                       size_t errlen)
{
    if (len > CLI_MANIFEST_MAX_BYTES) {
        snprintf(err, errlen, "%s: larger than %u bytes", name, CLI_MANIFEST_MAX_BYTES);
        return -1;
    }
    size_t i = 0;
    while (i < len && is_blank(text[i]))
        i++;
    if (i < len && text[i] == '{')
        return parse_json(name, text, len, out, err, errlen);
    yb b;
    memset(&b, 0, sizeof b);
    b.name = name;
    b.text = text;
    b.len = len;
    b.err = err;
    b.errlen = errlen;
    b.out = out;
    return parse_yaml(&b);
}

int cli_manifest_read(const char *path, cli_docs *out, char *err, size_t errlen)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "(stdin)" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    pc_buf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= CLI_MANIFEST_MAX_BYTES)
        pc_buf_add(&b, chunk, got);
    int bad = ferror(f);
    if (!is_stdin)
        fclose(f);
    int rc = -1;
    if (bad)
        snprintf(err, errlen, "%s: read failed", name);
    else if (b.len > CLI_MANIFEST_MAX_BYTES)
        snprintf(err, errlen, "%s: larger than %u bytes", name, CLI_MANIFEST_MAX_BYTES);
    else if (b.oom)
        snprintf(err, errlen, "%s: out of memory", name);
    else
        rc = cli_manifest_parse(name, b.p ? b.p : "", b.len, out, err, errlen);
    pc_buf_free(&b);
    return rc;
}
