/*
 * gojson.c — Go encoding/json's reading of struct-typed JSON objects.
 *
 * Go (1.21 and later) folds a key with the smallest rune of each
 * character's simple-fold orbit and compares it with the field's folded
 * name; earlier releases compared with equalFold functions to the same
 * effect. For the ASCII field names of the image formats that means: ASCII
 * letters match in either case, U+017F (ſ) matches s and S, U+212A (K)
 * matches k and K, and every other byte matches only itself. Each key in
 * document order assigns its field, so the last of several matching keys
 * wins, and for struct- and map-typed fields the values even merge. Rather
 * than model that, a field with more than one matching key is refused.
 */
#include <stdio.h>
#include <string.h>
#include "image/gojson.h"

#define MAX_FIELDS 48 /* per struct: the longest list below has 28 */
#define SHOWN_KEY 64  /* bytes of a key quoted in a message */
#define WHAT_MAX 1100 /* a prefix longer than pc_err's message is cut anyway */

const char *const pc_gj_descriptor_fields[] = {
    "mediaType", "digest", "size", "urls", "annotations", "data", "platform", "artifactType", NULL};
const char *const pc_gj_platform_fields[] = {
    "architecture", "os", "os.version", "os.features", "variant", "features", NULL};
const char *const pc_gj_manifest_fields[] = {"schemaVersion", "mediaType",    "config",
                                             "layers",        "manifests",    "subject",
                                             "annotations",   "artifactType", NULL};
const char *const pc_gj_layout_fields[] = {"imageLayoutVersion", NULL};
const char *const pc_gj_image_fields[] = {
    "created", "author", "architecture", "variant", "os", "os.version", "os.features", "config",
    "rootfs", "history",
    /* Docker's image.V1Image adds these */
    "id", "parent", "comment", "container", "container_config", "docker_version", "size", NULL};
const char *const pc_gj_image_config_fields[] = {
    "User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels",
    "StopSignal", "ArgsEscaped", "Memory", "MemorySwap", "CpuShares", "Healthcheck", "OnBuild",
    "Shell",
    /* the rest of Docker's container.Config */
    "Hostname", "Domainname", "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin",
    "StdinOnce", "Image", "NetworkDisabled", "MacAddress", "StopTimeout", NULL};
const char *const pc_gj_rootfs_fields[] = {"type", "diff_ids", NULL};
const char *const pc_gj_history_fields[] = {"created", "created_by",  "author",
                                            "comment", "empty_layer", NULL};
const char *const pc_gj_docker_save_fields[] = {"Config", "RepoTags",     "Layers",
                                                "Parent", "LayerSources", NULL};

/* A key for a message: bounded (whole UTF-8 characters), control bytes as '?'. */
static void show_key(const char *k, char out[SHOWN_KEY + 4])
{
    size_t len = strlen(k), n = len;
    if (n > SHOWN_KEY) {
        n = SHOWN_KEY;
        while (n > 0 && ((unsigned char)k[n] & 0xC0) == 0x80)
            n--; /* do not cut a character in two */
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    strcpy(out + n, n < len ? "..." : "");
}

/* The duplicate key as written, quotes included: jansson stops just past
 * it, so it is the string token that ends at pos. */
static const char *dup_key(const char *buf, size_t len, int pos, char shown[SHOWN_KEY + 4])
{
    char raw[SHOWN_KEY + 8];
    if (pos < 2 || (size_t)pos > len || buf[pos - 1] != '"')
        return "(unknown)";
    size_t start = (size_t)pos - 1;
    while (start > 0) {
        size_t bs = 0;
        start--;
        while (start > bs && buf[start - 1 - bs] == '\\')
            bs++;
        if (buf[start] == '"' && bs % 2 == 0)
            break;
    }
    size_t n = (size_t)pos - start;
    snprintf(raw, sizeof raw, "%.*s", (int)(n < SHOWN_KEY + 1 ? n : SHOWN_KEY + 1), buf + start);
    show_key(raw, shown);
    return shown;
}

json_t *pc_gj_load(const char *buf, size_t len, const char *what, pc_err *e)
{
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (root)
        return root;
    if (json_error_code(&je) == json_error_duplicate_key) {
        char shown[SHOWN_KEY + 4];
        pc_err_set(e, "%s: duplicate key %s (line %d, column %d)", what,
                   dup_key(buf, len, je.position, shown), je.line, je.column);
    } else {
        pc_err_set(e, "%s: invalid JSON: %s (line %d, column %d)", what, je.text, je.line,
                   je.column);
    }
    return NULL;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

int pc_gj_fold_eq(const char *key, const char *field)
{
    const unsigned char *k = (const unsigned char *)key, *f = (const unsigned char *)field;
    for (; *f; f++) {
        unsigned char fc = lower(*f);
        if (*k < 0x80) {
            if (lower(*k) != fc)
                return 0;
            k++;
        } else if (fc == 's' && k[0] == 0xC5 && k[1] == 0xBF) {
            k += 2; /* U+017F LATIN SMALL LETTER LONG S */
        } else if (fc == 'k' && k[0] == 0xE2 && k[1] == 0x84 && k[2] == 0xAA) {
            k += 3; /* U+212A KELVIN SIGN */
        } else {
            return 0;
        }
    }
    return *k == 0;
}

static int ambiguous(const char *a, const char *b, const char *field, const char *what, pc_err *e)
{
    char sa[SHOWN_KEY + 4], sb[SHOWN_KEY + 4];
    show_key(a, sa);
    show_key(b, sb);
    return pc_err_set(e,
                      "%s: keys \"%s\" and \"%s\" both set field %s (runtimes take the last one); "
                      "refusing the ambiguous document",
                      what, sa, sb, field);
}

int pc_gj_field(json_t *obj, const char *field, json_t **out, const char *what, pc_err *e)
{
    const char *k, *first = NULL;
    json_t *v, *found = NULL;
    *out = NULL;
    if (!json_is_object(obj))
        return 0;
    json_object_foreach(obj, k, v)
    {
        if (!pc_gj_fold_eq(k, field))
            continue;
        if (first)
            return ambiguous(first, k, field, what, e);
        first = k;
        found = v;
    }
    if (!first)
        return 0;
    *out = json_is_null(found) ? NULL : found;
    return 1;
}

static const char *type_name(json_type t)
{
    switch (t) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "a number";
    }
}

static int type_is(json_t *v, json_type t)
{
    if (t == JSON_TRUE || t == JSON_FALSE)
        return json_is_boolean(v);
    return json_typeof(v) == t;
}

int pc_gj_typed(json_t *obj, const char *field, json_type t, json_t **out, const char *what,
                pc_err *e)
{
    if (pc_gj_field(obj, field, out, what, e) < 0)
        return -1;
    if (*out && !type_is(*out, t)) {
        *out = NULL;
        return pc_err_set(e, "%s: field %s: expected %s", what, field, type_name(t));
    }
    return 0;
}

int pc_gj_string(json_t *obj, const char *field, const char **out, const char *what, pc_err *e)
{
    json_t *v;
    int rc = pc_gj_typed(obj, field, JSON_STRING, &v, what, e);
    *out = v ? json_string_value(v) : NULL;
    return rc;
}

int pc_gj_check_struct(json_t *obj, const char *const *fields, const char *what, pc_err *e)
{
    const char *seen[MAX_FIELDS] = {0}, *k;
    json_t *v;
    if (!json_is_object(obj))
        return 0;
    json_object_foreach(obj, k, v)
    {
        for (size_t i = 0; i < MAX_FIELDS && fields[i]; i++) {
            if (!pc_gj_fold_eq(k, fields[i]))
                continue;
            if (seen[i])
                return ambiguous(seen[i], k, fields[i], what, e);
            seen[i] = k;
            break; /* the field names of one struct never fold to each other */
        }
    }
    return 0;
}

/* "WHAT: FIELD" or, for an element, "WHAT: FIELD[I]" into out. */
static const char *at(char out[WHAT_MAX], const char *what, const char *field, const size_t *i)
{
    if (i)
        snprintf(out, WHAT_MAX, "%s: %s[%zu]", what, field, *i);
    else
        snprintf(out, WHAT_MAX, "%s: %s", what, field);
    return out;
}

/* Type checks of a struct's fields: {field, type} until a NULL field. */
typedef struct typed_field {
    const char *field;
    json_type type;
} typed_field;

static int check_types(json_t *obj, const typed_field *tf, const char *what, pc_err *e)
{
    json_t *v;
    for (; tf->field; tf++)
        if (pc_gj_typed(obj, tf->field, tf->type, &v, what, e) < 0)
            return -1;
    return 0;
}

/* A []string (or map[string]string's values): strings or nulls. */
static int check_strings(json_t *obj, const char *field, json_type t, const char *what, pc_err *e)
{
    json_t *c, *v;
    if (pc_gj_typed(obj, field, t, &c, what, e) < 0)
        return -1;
    if (!c)
        return 0;
    const char *k;
    size_t i;
    if (t == JSON_ARRAY) {
        json_array_foreach(c, i, v)
        {
            if (!json_is_string(v) && !json_is_null(v))
                return pc_err_set(e, "%s: field %s[%zu]: expected a string", what, field, i);
        }
    } else {
        json_object_foreach(c, k, v)
        {
            if (!json_is_string(v) && !json_is_null(v))
                return pc_err_set(e, "%s: field %s: expected an object of strings", what, field);
        }
    }
    return 0;
}

/* A struct-typed field: null or an object, checked by fn. */
static int check_nested(json_t *obj, const char *field, int (*fn)(json_t *, const char *, pc_err *),
                        const char *what, pc_err *e)
{
    json_t *v;
    char w[WHAT_MAX];
    if (pc_gj_typed(obj, field, JSON_OBJECT, &v, what, e) < 0)
        return -1;
    return v ? fn(v, at(w, what, field, NULL), e) : 0;
}

/* A slice of structs: null or an array of nulls and objects, each checked by fn. */
static int check_nested_array(json_t *obj, const char *field,
                              int (*fn)(json_t *, const char *, pc_err *), const char *what,
                              pc_err *e)
{
    json_t *a, *v;
    size_t i;
    char w[WHAT_MAX];
    if (pc_gj_typed(obj, field, JSON_ARRAY, &a, what, e) < 0)
        return -1;
    json_array_foreach(a, i, v)
    {
        if (json_is_null(v))
            continue;
        if (!json_is_object(v))
            return pc_err_set(e, "%s: field %s[%zu]: expected an object", what, field, i);
        if (fn(v, at(w, what, field, &i), e) < 0)
            return -1;
    }
    return 0;
}

static int check_platform(json_t *p, const char *what, pc_err *e)
{
    static const typed_field types[] = {
        {"architecture", JSON_STRING}, {"os", JSON_STRING}, {"os.version", JSON_STRING},
        {"variant", JSON_STRING},      {NULL, JSON_NULL},
    };
    if (pc_gj_check_struct(p, pc_gj_platform_fields, what, e) < 0 ||
        check_types(p, types, what, e) < 0 ||
        check_strings(p, "os.features", JSON_ARRAY, what, e) < 0 ||
        check_strings(p, "features", JSON_ARRAY, what, e) < 0)
        return -1;
    return 0;
}

int pc_gj_check_descriptor(json_t *d, const char *what, pc_err *e)
{
    static const typed_field types[] = {
        {"mediaType", JSON_STRING}, {"digest", JSON_STRING},       {"size", JSON_INTEGER},
        {"data", JSON_STRING},      {"artifactType", JSON_STRING}, {NULL, JSON_NULL},
    };
    if (pc_gj_check_struct(d, pc_gj_descriptor_fields, what, e) < 0 ||
        check_types(d, types, what, e) < 0 || check_strings(d, "urls", JSON_ARRAY, what, e) < 0 ||
        check_strings(d, "annotations", JSON_OBJECT, what, e) < 0)
        return -1;
    return check_nested(d, "platform", check_platform, what, e);
}

int pc_gj_check_manifest(json_t *root, const char *what, pc_err *e)
{
    static const typed_field types[] = {
        {"schemaVersion", JSON_INTEGER},
        {"mediaType", JSON_STRING},
        {"artifactType", JSON_STRING},
        {NULL, JSON_NULL},
    };
    if (pc_gj_check_struct(root, pc_gj_manifest_fields, what, e) < 0 ||
        check_types(root, types, what, e) < 0 ||
        check_strings(root, "annotations", JSON_OBJECT, what, e) < 0 ||
        check_nested(root, "config", pc_gj_check_descriptor, what, e) < 0 ||
        check_nested(root, "subject", pc_gj_check_descriptor, what, e) < 0 ||
        check_nested_array(root, "layers", pc_gj_check_descriptor, what, e) < 0 ||
        check_nested_array(root, "manifests", pc_gj_check_descriptor, what, e) < 0)
        return -1;
    return 0;
}

static int check_map_of_structs(json_t *obj, const char *field, const char *what, pc_err *e)
{
    json_t *m, *v;
    const char *k;
    if (pc_gj_typed(obj, field, JSON_OBJECT, &m, what, e) < 0)
        return -1;
    json_object_foreach(m, k, v)
    {
        if (!json_is_object(v) && !json_is_null(v))
            return pc_err_set(e, "%s: field %s: expected an object of objects", what, field);
    }
    return 0;
}

static int check_image_config(json_t *c, const char *what, pc_err *e)
{
    static const typed_field types[] = {
        {"User", JSON_STRING},      {"WorkingDir", JSON_STRING}, {"StopSignal", JSON_STRING},
        {"ArgsEscaped", JSON_TRUE}, {NULL, JSON_NULL},
    };
    /* Entrypoint, Cmd and Shell stay unchecked here: Docker also takes a
     * lone string for them (strslice.StrSlice). */
    if (pc_gj_check_struct(c, pc_gj_image_config_fields, what, e) < 0 ||
        check_types(c, types, what, e) < 0 || check_strings(c, "Env", JSON_ARRAY, what, e) < 0 ||
        check_strings(c, "Labels", JSON_OBJECT, what, e) < 0 ||
        check_map_of_structs(c, "ExposedPorts", what, e) < 0 ||
        check_map_of_structs(c, "Volumes", what, e) < 0)
        return -1;
    return 0;
}

static int check_rootfs(json_t *r, const char *what, pc_err *e)
{
    static const typed_field types[] = {{"type", JSON_STRING}, {NULL, JSON_NULL}};
    if (pc_gj_check_struct(r, pc_gj_rootfs_fields, what, e) < 0 ||
        check_types(r, types, what, e) < 0 || check_strings(r, "diff_ids", JSON_ARRAY, what, e) < 0)
        return -1;
    return 0;
}

static int check_history(json_t *h, const char *what, pc_err *e)
{
    static const typed_field types[] = {
        {"created", JSON_STRING}, {"created_by", JSON_STRING}, {"author", JSON_STRING},
        {"comment", JSON_STRING}, {"empty_layer", JSON_TRUE},  {NULL, JSON_NULL},
    };
    if (pc_gj_check_struct(h, pc_gj_history_fields, what, e) < 0 ||
        check_types(h, types, what, e) < 0)
        return -1;
    return 0;
}

int pc_gj_check_image(json_t *root, const char *what, pc_err *e)
{
    static const typed_field types[] = {
        {"created", JSON_STRING}, {"author", JSON_STRING}, {"architecture", JSON_STRING},
        {"variant", JSON_STRING}, {"os", JSON_STRING},     {"os.version", JSON_STRING},
        {NULL, JSON_NULL},
    };
    if (pc_gj_check_struct(root, pc_gj_image_fields, what, e) < 0 ||
        check_types(root, types, what, e) < 0 ||
        check_strings(root, "os.features", JSON_ARRAY, what, e) < 0 ||
        check_nested(root, "config", check_image_config, what, e) < 0 ||
        check_nested(root, "rootfs", check_rootfs, what, e) < 0 ||
        check_nested_array(root, "history", check_history, what, e) < 0)
        return -1;
    return 0;
}
