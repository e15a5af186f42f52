/*
 * policy_file.c — loading a policy file from JSON, strictly, into its three
 * parts (policy.h): the scan profile (limits, yara knobs), the run (the
 * sandbox) and the policy (checks, yara.ignore_rules, exemptions).
 *
 * Parsing walks each JSON object once (each_key) and hands every key to
 * the object's key function, so a key that no branch claims is an unknown
 * key by construction. Every message names the origin file and the key path
 * ("policy.json: checks.setuid-file.actoin: unknown key"). A fresh policy
 * starts from fail-closed defaults (every check deny, pc_profile_default)
 * and the JSON overrides only what it names. The parsed pc_policy_file owns
 * all its strings and arrays; pc_policy_file_free releases a partially
 * built one too.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include "layer/caps.h"
#include "policy/policy.h"
#include "pcx/sha256.h"
#include "pcx.h"

#define POLICY_MAX_BYTES ((size_t)1 << 20)
#define ID_MAX INT64_C(4294967294) /* (uint32_t)-1 means "no change" to the kernel */
#define NAME_MAX_LEN 128
#define KEYPATH_LEN 256
#define BUILTIN_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_-"

#define EXTENDS_DEPTH 8 /* a policy, its parent, ... at most this deep */

/* The chain of files being loaded through `extends`, for cycles and depth. */
typedef struct chain {
    const char *policies_dir; /* where built-in names resolve */
    const char *files[EXTENDS_DEPTH + 1];
    int n;
} chain;

/* What every parse step needs: the origin for messages and the error sink. */
typedef struct pctx {
    const char *origin;
    pc_err *e;
    chain *ch;
    pc_buf *included; /* bytes of files the policy includes, for its digest */
} pctx;

static int bad(const pctx *c, const char *path, const char *what)
{
    return pc_err_set(c->e, "%s: %s: %s", c->origin, path, what);
}

static int unknown_key(const pctx *c, const char *path, const char *known)
{
    return pc_err_set(c->e, "%s: %s: unknown key (expected one of: %s)", c->origin, path, known);
}

/* Finish a key path written by snprintf: a truncated one ends in "...", and
 * control bytes show as '?' so a key quoted in a message cannot put escape
 * sequences on a terminal. */
static void path_done(char *buf, size_t n, int written)
{
    if (written < 0)
        snprintf(buf, n, "?");
    else if ((size_t)written >= n && n >= 4)
        memcpy(buf + n - 4, "...", 4);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

/* "parent.key", or "key" at the top level. */
static void keypath(char *buf, size_t n, const char *parent, const char *key)
{
    int w = parent ? snprintf(buf, n, "%s.%s", parent, key) : snprintf(buf, n, "%s", key);
    path_done(buf, n, w);
}

static void indexpath(char *buf, size_t n, const char *parent, size_t i)
{
    path_done(buf, n, snprintf(buf, n, "%s[%zu]", parent, i));
}

/* One key of an object (kp: its key path): 0, -1 with the error set, or 1
 * when the object has no such key. */
typedef int (*key_fn)(const pctx *c, const char *key, json_t *v, const char *kp, void *ud);

/* Walk the object at path (NULL: the top level) once, handing each key to
 * fn; a key fn does not claim is an unknown key, reported with known. */
static int each_key(const pctx *c, json_t *obj, const char *path, const char *known, key_fn fn,
                    void *ud)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        char kp[KEYPATH_LEN];
        keypath(kp, sizeof kp, path, key);
        int r = fn(c, key, v, kp, ud);
        if (r == 1)
            r = unknown_key(c, kp, known);
        if (r < 0)
            return -1;
    }
    return 0;
}

static int get_u64(const pctx *c, json_t *v, const char *path, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return bad(c, path, "expected a non-negative integer");
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_bool(const pctx *c, json_t *v, const char *path, int *out)
{
    if (!json_is_boolean(v))
        return bad(c, path, "expected true or false");
    *out = json_is_true(v);
    return 0;
}

/* A uid or gid: null means the image's own USER (-1). */
static int get_id(const pctx *c, json_t *v, const char *path, int64_t *out)
{
    if (json_is_null(v)) {
        *out = -1;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > ID_MAX)
        return bad(c, path, "expected null or an integer 0..4294967294");
    *out = (int64_t)json_integer_value(v);
    return 0;
}

/* A non-empty string without control characters (it reaches reports and logs).
 * jansson rejects \u0000 by default, so strlen is the whole string. */
static int get_str(const pctx *c, json_t *v, const char *path, const char **out)
{
    if (!json_is_string(v) || json_string_length(v) == 0)
        return bad(c, path, "expected a non-empty string");
    const char *s = json_string_value(v);
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return bad(c, path, "control characters are not allowed");
    *out = s;
    return 0;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Extra validation of one array element; NULL for none. */
typedef int (*str_check)(const pctx *c, const char *s, const char *path);

static int get_strv(const pctx *c, json_t *v, const char *path, str_check chk, char ***out,
                    size_t *nout)
{
    if (!json_is_array(v))
        return bad(c, path, "expected an array of strings");
    free_strv(*out, *nout);
    size_t n = json_array_size(v);
    char **arr = pc_calloc(n, sizeof *arr);
    *out = arr;
    *nout = 0;
    if (!arr)
        return bad(c, path, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char ip[KEYPATH_LEN];
        const char *s;
        indexpath(ip, sizeof ip, path, i);
        if (get_str(c, json_array_get(v, i), ip, &s) < 0 || (chk && chk(c, s, ip) < 0))
            return -1;
        if (!(arr[i] = pc_strdup(s)))
            return bad(c, ip, "out of memory");
        *nout = i + 1;
    }
    return 0;
}

/* allow_paths are matched against absolute paths: a relative glob never matches. */
static int check_abs_glob(const pctx *c, const char *s, const char *path)
{
    return s[0] == '/' ? 0 : bad(c, path, "expected an absolute path glob (starting with '/')");
}

static int check_exempt_image(const pctx *c, const char *s, const char *path)
{
    if (strncmp(s, "sha256:", 7) != 0)
        return 0;
    char what[KEYPATH_LEN + 256];
    snprintf(what, sizeof what, "%s: %s", c->origin, path);
    return pc_digest_check(s, what, c->e);
}

static int parse_action(const pctx *c, json_t *v, const char *path, pc_action *out)
{
    const char *s = json_string_value(v); /* NULL when not a string */
    if (s && strcmp(s, "deny") == 0)
        *out = PC_ACTION_DENY;
    else if (s && strcmp(s, "warn") == 0)
        *out = PC_ACTION_WARN;
    else if (s && strcmp(s, "ignore") == 0)
        *out = PC_ACTION_IGNORE;
    else
        return bad(c, path, "expected \"deny\", \"warn\" or \"ignore\"");
    return 0;
}

static int parse_mode(const pctx *c, json_t *v, const char *path, pc_mode *out)
{
    const char *s = json_string_value(v);
    if (s && strcmp(s, "enforce") == 0)
        *out = PC_MODE_ENFORCE;
    else if (s && strcmp(s, "warn") == 0)
        *out = PC_MODE_WARN;
    else if (s && strcmp(s, "audit") == 0)
        *out = PC_MODE_AUDIT;
    else
        return bad(c, path, "expected \"enforce\", \"warn\" or \"audit\"");
    return 0;
}

/* categories: {"sniffer": "warn", ...}, each a known tool category. */
static int category_key(const pctx *c, const char *key, json_t *v, const char *kp, void *ud)
{
    pc_check_policy *cp = ud;
    int k = pc_tool_category_index(key);
    if (k < 0)
        return 1;
    cp->has_category[k] = 1;
    return parse_action(c, v, kp, &cp->category[k]);
}

static int parse_categories(const pctx *c, json_t *v, const char *path, pc_check_policy *cp)
{
    if (!json_is_object(v))
        return bad(c, path, "expected an object of tool categories");
    char known[512] = "";
    size_t used = 0;
    for (int i = 0; i < PC_TOOLCAT_COUNT && used < sizeof known; i++) {
        int w = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                         pc_tool_categories[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    return each_key(c, v, path, known, category_key, cp);
}

static int check_key(const pctx *c, const char *key, json_t *v, const char *kp, void *ud)
{
    pc_check_policy *cp = ud;
    if (strcmp(key, "mode") == 0)
        return parse_mode(c, v, kp, &cp->mode);
    if (strcmp(key, "action") == 0)
        return parse_action(c, v, kp, &cp->action);
    if (strcmp(key, "when_neutralised") == 0) {
        cp->has_when_neutralised = 1;
        return parse_action(c, v, kp, &cp->when_neutralised);
    }
    if (strcmp(key, "allow_paths") == 0)
        return get_strv(c, v, kp, check_abs_glob, &cp->allow_paths, &cp->nallow_paths);
    if (strcmp(key, "categories") == 0)
        return parse_categories(c, v, kp, cp);
    return 1;
}

static int parse_check(const pctx *c, json_t *obj, const char *path, pc_check_policy *cp)
{
    if (!json_is_object(obj))
        return bad(c, path, "expected an object");
    return each_key(c, obj, path, "action, allow_paths, when_neutralised, mode, categories",
                    check_key, cp);
}

static int unknown_check(const pctx *c, const char *path)
{
    char known[512] = "";
    size_t used = 0;
    for (int i = 0; i < PC_CHK_COUNT && used < sizeof known; i++) {
        int w = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                         pc_check_id_name((pc_check_id)i));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return pc_err_set(c->e, "%s: %s: unknown check id (known: %s)", c->origin, path, known);
}

static int checks_key(const pctx *c, const char *key, json_t *v, const char *kp, void *ud)
{
    pc_policy *p = ud;
    int id = pc_check_id_parse(key);
    return id < 0 ? unknown_check(c, kp) : parse_check(c, v, kp, &p->checks[id]);
}

static int parse_checks(const pctx *c, json_t *obj, pc_policy *p)
{
    if (!json_is_object(obj))
        return bad(c, "checks", "expected an object keyed by check id");
    return each_key(c, obj, "checks", NULL, checks_key, p);
}

static uint64_t *limit_field(pc_limits *l, const char *key)
{
    if (strcmp(key, "max_layer_bytes") == 0)
        return &l->max_layer_bytes;
    if (strcmp(key, "max_image_bytes") == 0)
        return &l->max_image_bytes;
    if (strcmp(key, "max_files") == 0)
        return &l->max_files;
    if (strcmp(key, "max_layers") == 0)
        return &l->max_layers;
    if (strcmp(key, "max_manifest_bytes") == 0)
        return &l->max_manifest_bytes;
    if (strcmp(key, "max_config_bytes") == 0)
        return &l->max_config_bytes;
    if (strcmp(key, "timeout_seconds") == 0)
        return &l->timeout_seconds;
    return NULL;
}

static int limits_key(const pctx *c, const char *key, json_t *v, const char *kp, void *ud)
{
    uint64_t *field = limit_field(ud, key);
    return field ? get_u64(c, v, kp, field) : 1;
}

static int parse_limits(const pctx *c, json_t *obj, pc_limits *l)
{
    if (!json_is_object(obj))
        return bad(c, "limits", "expected an object");
    return each_key(c, obj, "limits",
                    "max_layer_bytes, max_image_bytes, max_files, max_layers, "
                    "max_manifest_bytes, max_config_bytes, timeout_seconds",
                    limits_key, l);
}

/* The yara section: its knobs belong to the profile, ignore_rules (an
 * allow list) to the policy. */
static int yara_key(const pctx *c, const char *key, json_t *v, const char *kp, void *ud)
{
    pc_policy_file *f = ud;
    pc_yara_profile *y = &f->profile.yara;
    if (strcmp(key, "max_file_bytes") == 0)
        return get_u64(c, v, kp, &y->max_file_bytes);
    if (strcmp(key, "scan_all_files") == 0)
        return get_bool(c, v, kp, &y->scan_all_files);
    if (strcmp(key, "ignore_rules") == 0)
        return get_strv(c, v, kp, NULL, &f->policy.ignore_rules, &f->policy.nignore_rules);
    if (strcmp(key, "timeout_seconds") == 0)
        return get_u64(c, v, kp, &y->timeout_seconds);
    if (strcmp(key, "prefilter") == 0)
        return get_bool(c, v, kp, &y->prefilter);
    return 1;
}

static int parse_yara(const pctx *c, json_t *obj, pc_policy_file *f)
{
    if (!json_is_object(obj))
        return bad(c, "yara", "expected an object");
    return each_key(c, obj, "yara",
                    "max_file_bytes, scan_all_files, ignore_rules, timeout_seconds, prefilter",
                    yara_key, f);
}

static int parse_caps(const pctx *c, json_t *v, const char *path, uint64_t *out)
{
    if (!json_is_array(v))
        return bad(c, path, "expected an array of capability names");
    uint64_t bits = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        char ip[KEYPATH_LEN];
        const char *s;
        indexpath(ip, sizeof ip, path, i);
        if (get_str(c, json_array_get(v, i), ip, &s) < 0)
            return -1;
        if (strcasecmp(s, "ALL") == 0) {
            bits = UINT64_MAX;
            continue;
        }
        int cap = pc_cap_from_name(s);
        if (cap < 0)
            return pc_err_set(c->e, "%s: %s: unknown capability \"%.64s\"", c->origin, ip, s);
        bits |= UINT64_C(1) << cap;
    }
    *out = bits;
    return 0;
}

static int parse_gids(const pctx *c, json_t *v, const char *path, pc_sandbox_spec *sb)
{
    if (!json_is_array(v))
        return bad(c, path, "expected an array of integers");
    free(sb->supplementary_gids);
    sb->supplementary_gids = NULL;
    sb->nsupplementary_gids = 0;
    size_t n = json_array_size(v);
    if (!(sb->supplementary_gids = pc_calloc(n, sizeof *sb->supplementary_gids)))
        return bad(c, path, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char ip[KEYPATH_LEN];
        json_t *g = json_array_get(v, i);
        indexpath(ip, sizeof ip, path, i);
        if (!json_is_integer(g) || json_integer_value(g) < 0 || json_integer_value(g) > ID_MAX)
            return bad(c, ip, "expected an integer 0..4294967294");
        sb->supplementary_gids[i] = (uint32_t)json_integer_value(g);
        sb->nsupplementary_gids = i + 1;
    }
    return 0;
}

static int sandbox_key(const pctx *c, const char *key, json_t *v, const char *kp, void *ud)
{
    pc_sandbox_spec *sb = ud;
    if (strcmp(key, "uid") == 0)
        return get_id(c, v, kp, &sb->uid);
    if (strcmp(key, "gid") == 0)
        return get_id(c, v, kp, &sb->gid);
    if (strcmp(key, "supplementary_gids") == 0)
        return parse_gids(c, v, kp, sb);
    if (strcmp(key, "dropped_caps") == 0)
        return parse_caps(c, v, kp, &sb->dropped_caps);
    if (strcmp(key, "no_new_privileges") == 0)
        return get_bool(c, v, kp, &sb->no_new_privileges);
    if (strcmp(key, "start") == 0) {
        const char *s;
        if (get_str(c, v, kp, &s) < 0)
            return -1;
        if (pc_start_parse(s, &sb->start) < 0)
            return bad(c, kp, "expected \"kubernetes\", \"shell\" or \"docker\"");
        return 0;
    }
    return 1;
}

static int parse_sandbox(const pctx *c, json_t *obj, pc_sandbox_spec *sb)
{
    if (!json_is_object(obj))
        return bad(c, "sandbox", "expected an object");
    return each_key(c, obj, "sandbox",
                    "uid, gid, supplementary_gids, dropped_caps, no_new_privileges, start",
                    sandbox_key, sb);
}

/* ---- exceptions ---- */

static int check_check_id(const pctx *c, const char *s, const char *path)
{
    return pc_check_id_parse(s) >= 0 ? 0 : unknown_check(c, path);
}

static int check_image_glob(const pctx *c, const char *s, const char *path)
{
    if (strncmp(s, "sha256:", 7) == 0)
        return check_exempt_image(c, s, path);
    if (strchr(s, '@') || strlen(s) > 512)
        return bad(c, path, "expected a repository glob (no tag or digest) or a sha256: digest");
    return 0;
}

/* "YYYY-MM-DD": it applies until the end of that day, UTC. */
static int parse_expires(const pctx *c, json_t *v, const char *path, pc_exception *x)
{
    const char *s;
    struct tm tm = {0};
    if (get_str(c, v, path, &s) < 0)
        return -1;
    const char *end = strptime(s, "%Y-%m-%d", &tm);
    if (!end || *end || strlen(s) != 10)
        return bad(c, path, "expected a date YYYY-MM-DD");
    x->expires_at = (long long)timegm(&tm) + 86400;
    if (!(x->expires = pc_strdup(s)))
        return bad(c, path, "out of memory");
    return 0;
}

static int exception_key(const pctx *c, const char *key, json_t *v, const char *kp, void *ud)
{
    pc_exception *x = ud;
    if (strcmp(key, "images") == 0)
        return get_strv(c, v, kp, check_image_glob, &x->images, &x->nimages);
    if (strcmp(key, "namespaces") == 0)
        return get_strv(c, v, kp, NULL, &x->namespaces, &x->nnamespaces);
    if (strcmp(key, "checks") == 0)
        return get_strv(c, v, kp, check_check_id, &x->checks, &x->nchecks);
    if (strcmp(key, "paths") == 0)
        return get_strv(c, v, kp, check_abs_glob, &x->paths, &x->npaths);
    if (strcmp(key, "rules") == 0)
        return get_strv(c, v, kp, NULL, &x->rules, &x->nrules);
    if (strcmp(key, "reason") == 0) {
        const char *s;
        if (get_str(c, v, kp, &s) < 0)
            return -1;
        free(x->reason);
        return (x->reason = pc_strdup(s)) ? 0 : bad(c, kp, "out of memory");
    }
    if (strcmp(key, "expires") == 0)
        return parse_expires(c, v, kp, x);
    return 1;
}

static int parse_exception(const pctx *c, json_t *obj, const char *path, pc_exception *x)
{
    if (!json_is_object(obj))
        return bad(c, path, "expected an object");
    if (each_key(c, obj, path, "images, namespaces, checks, paths, rules, reason, expires",
                 exception_key, x) < 0)
        return -1;
    if (!x->reason)
        return bad(c, path, "reason: missing (every exception says why)");
    if (!x->nimages && !x->nnamespaces)
        return bad(c, path, "expected images or namespaces (an exception is scoped)");
    for (size_t i = 0; i < x->nimages; i++) {
        char *g = pc_exception_image_glob(x->images[i]);
        if (!g)
            return bad(c, path, "out of memory");
        free(x->images[i]);
        x->images[i] = g;
    }
    if (!(x->id = pc_asprintf("%s: %s", c->origin, path)))
        return bad(c, path, "out of memory");
    return 0;
}

/* Entries are added to those the policy already has (a parent's). */
static int parse_exceptions(const pctx *c, json_t *arr, const char *kp, pc_policy *p)
{
    if (!json_is_array(arr))
        return bad(c, kp, "expected an array of exceptions, or the path of an exceptions file");
    size_t n = json_array_size(arr);
    if (n > 4096)
        return bad(c, kp, "more than 4096 exceptions");
    pc_exception *v = pc_reallocarray(p->exceptions, p->nexceptions + n + 1, sizeof *v);
    if (!v)
        return bad(c, kp, "out of memory");
    p->exceptions = v;
    for (size_t i = 0; i < n; i++) {
        char ip[KEYPATH_LEN];
        indexpath(ip, sizeof ip, kp, i);
        pc_exception *x = &p->exceptions[p->nexceptions];
        memset(x, 0, sizeof *x);
        p->nexceptions++; /* freed with the policy even when half parsed */
        if (parse_exception(c, json_array_get(arr, i), ip, x) < 0)
            return -1;
    }
    return 0;
}

/* An exceptions file: {"exceptions": [...]} or the bare array. */
static int load_exceptions_file(const pctx *c, const char *path, pc_policy *p, char **text,
                                size_t *len)
{
    if (pc_read_file(path, POLICY_MAX_BYTES, text, len, c->e) < 0)
        return -1;
    json_error_t je;
    json_t *root = json_loadb(*text, *len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return pc_err_set(c->e, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    pctx fc = {path, c->e, c->ch, NULL};
    json_t *arr = root;
    int r = 0;
    if (json_is_object(root)) {
        arr = json_object_get(root, "exceptions");
        if (!arr || json_object_size(root) != 1)
            r = pc_err_set(c->e, "%s: expected {\"exceptions\": [...]} or an array", path);
    }
    if (r == 0)
        r = parse_exceptions(&fc, arr, "exceptions", p);
    json_decref(root);
    return r;
}

int pc_policy_file_add_exceptions(pc_policy_file *f, const char *path, pc_err *e)
{
    pctx c = {path, e, NULL, NULL};
    char *text = NULL;
    size_t len = 0;
    int r = load_exceptions_file(&c, path, &f->policy, &text, &len);
    if (r == 0) {
        char *both = pc_asprintf("%s\nexceptions\n%.*s", f->policy.digest, (int)len, text);
        if (both) {
            pc_sha256_digest(both, strlen(both), f->policy.digest);
            free(both);
        } else {
            r = pc_err_set(e, "%s: out of memory", path);
        }
    }
    free(text);
    return r;
}

/* "exceptions": the entries, or an exceptions file relative to the policy. */
static int exceptions_key(const pctx *c, json_t *v, const char *kp, pc_policy *p)
{
    if (!json_is_string(v))
        return parse_exceptions(c, v, kp, p);
    const char *name = json_string_value(v), *slash = strrchr(c->origin, '/');
    char *path = name[0] != '/' && slash
                     ? pc_asprintf("%.*s/%s", (int)(slash - c->origin), c->origin, name)
                     : pc_strdup(name);
    char *text = NULL;
    size_t len = 0;
    int r = path ? load_exceptions_file(c, path, p, &text, &len) : bad(c, kp, "out of memory");
    if (r == 0 && c->included) { /* the digest covers what was included */
        pc_buf_printf(c->included, "\n%s\n", path);
        pc_buf_add(c->included, text, len);
    }
    free(text);
    free(path);
    return r;
}

static int parse_name(const pctx *c, json_t *v, pc_policy *p)
{
    const char *s;
    if (get_str(c, v, "name", &s) < 0)
        return -1;
    if (strlen(s) > NAME_MAX_LEN)
        return bad(c, "name", "longer than 128 bytes");
    free(p->name);
    if (!(p->name = pc_strdup(s)))
        return bad(c, "name", "out of memory");
    return 0;
}

/* Each top-level section to the part it belongs to (policy.h). */
static int top_key(const pctx *c, const char *key, json_t *v, const char *kp, void *ud)
{
    pc_policy_file *f = ud;
    pc_policy *p = &f->policy;
    if (strcmp(key, "name") == 0)
        return parse_name(c, v, p);
    if (strcmp(key, "description") == 0)
        return json_is_string(v) ? 0 : bad(c, kp, "expected a string");
    if (strcmp(key, "checks") == 0)
        return parse_checks(c, v, p);
    if (strcmp(key, "exempt_images") == 0)
        return get_strv(c, v, kp, check_exempt_image, &p->exempt_images, &p->nexempt_images);
    if (strcmp(key, "exempt_namespaces") == 0)
        return get_strv(c, v, kp, NULL, &p->exempt_namespaces, &p->nexempt_namespaces);
    if (strcmp(key, "limits") == 0)
        return parse_limits(c, v, &f->profile.limits);
    if (strcmp(key, "yara") == 0)
        return parse_yara(c, v, f);
    if (strcmp(key, "sandbox") == 0)
        return parse_sandbox(c, v, &f->run.sandbox);
    if (strcmp(key, "extends") == 0)
        return json_is_string(v) ? 0 : bad(c, kp, "expected a built-in name or a file path");
    if (strcmp(key, "exceptions") == 0)
        return exceptions_key(c, v, kp, p);
    if (strcmp(key, "mode") == 0)
        return parse_mode(c, v, kp, &p->mode);
    return 1;
}

static int parse_top(const pctx *c, json_t *root, pc_policy_file *f)
{
    return each_key(c, root, NULL,
                    "name, description, extends, mode, checks, exceptions, exempt_images, "
                    "exempt_namespaces, limits, yara, sandbox",
                    top_key, f);
}

/* Fail closed: a check the policy does not mention denies. */
static void file_defaults(pc_policy_file *f)
{
    for (int i = 0; i < PC_CHK_COUNT; i++)
        f->policy.checks[i].action = PC_ACTION_DENY;
    pc_profile_default(&f->profile);
    f->run.sandbox.uid = -1;
    f->run.sandbox.gid = -1;
}

/* The basename of origin without ".json"; "policy" when that is empty. */
static char *name_from_origin(const char *origin)
{
    const char *base = origin ? strrchr(origin, '/') : NULL;
    base = base ? base + 1 : origin ? origin : "";
    size_t n = strlen(base);
    if (n >= 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    if (n > NAME_MAX_LEN)
        n = NAME_MAX_LEN;
    return n ? pc_strndup(base, n) : pc_strdup("policy");
}

static int load_in(const char *file_or_name, chain *ch, pc_policy_file **out, pc_err *e);

/* "extends": the parent, loaded whole, becomes the starting point instead
 * of the defaults; the policy then overrides only what it names. A
 * relative path is taken from the directory of the policy that names it. */
static int inherit(const pctx *c, const char *parent, pc_policy_file *f, char digest[72])
{
    char *path = NULL;
    const char *slash = strrchr(c->origin, '/');
    if (parent[0] != '/' && (strchr(parent, '/') || strstr(parent, ".json")) && slash) {
        if (!(path = pc_asprintf("%.*s/%s", (int)(slash - c->origin), c->origin, parent)))
            return pc_err_set(c->e, "%s: out of memory", c->origin);
    }
    pc_policy_file *p = NULL;
    int r = load_in(path ? path : parent, c->ch, &p, c->e);
    free(path);
    if (r < 0)
        return pc_err_prefix(c->e, "%s: extends \"%.200s\"", c->origin, parent);
    memcpy(digest, p->policy.digest, 72);
    free(p->policy.name); /* the child names itself (or takes its file's name) */
    p->policy.name = NULL;
    *f = *p;
    free(p);
    return 0;
}

static int parse_root(const pctx *c, json_t *root, const char *origin, pc_policy_file *f,
                      char parent_digest[72])
{
    if (!json_is_object(root))
        return pc_err_set(c->e, "%s: expected a JSON object at the top level", c->origin);
    json_t *ext = json_object_get(root, "extends");
    parent_digest[0] = 0;
    if (ext && json_is_string(ext)) {
        if (inherit(c, json_string_value(ext), f, parent_digest) < 0)
            return -1;
    } else {
        file_defaults(f);
    }
    if (parse_top(c, root, f) < 0)
        return -1;
    if (!f->policy.name && !(f->policy.name = name_from_origin(origin)))
        return pc_err_set(c->e, "%s: out of memory", c->origin);
    return 0;
}

static int parse_in(const char *text, size_t len, const char *origin, chain *ch,
                    pc_policy_file **out, pc_err *e)
{
    pc_buf included = {0};
    pctx c = {origin ? origin : "(policy)", e, ch, &included};
    *out = NULL;
    if (!text)
        return pc_err_set(e, "%s: no policy text", c.origin);
    if (len > POLICY_MAX_BYTES)
        return pc_err_set(e, "%s: %zu bytes exceeds the limit of %zu", c.origin, len,
                          POLICY_MAX_BYTES);
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return pc_err_set(e, "%s:%d:%d: %s", c.origin, je.line, je.column, je.text);
    pc_policy_file *f = pc_calloc(1, sizeof *f);
    char parent[72];
    int r =
        f ? parse_root(&c, root, origin, f, parent) : pc_err_set(e, "%s: out of memory", c.origin);
    json_decref(root);
    if (r == 0 && included.oom)
        r = pc_err_set(e, "%s: out of memory", c.origin);
    if (r < 0) {
        pc_buf_free(&included);
        pc_policy_file_free(f);
        return -1;
    }
    if (parent[0] || included.len) {
        /* the digest covers the whole chain and what it includes: a parent or
         * an exceptions file that changes changes it */
        char *both =
            pc_asprintf("%s\n%.*s%s", parent, (int)len, text, included.p ? included.p : "");
        if (!both) {
            pc_buf_free(&included);
            pc_policy_file_free(f);
            return pc_err_set(e, "%s: out of memory", c.origin);
        }
        pc_sha256_digest(both, strlen(both), f->policy.digest);
        free(both);
    } else {
        pc_sha256_digest(text, len, f->policy.digest);
    }
    pc_buf_free(&included);
    *out = f;
    return 0;
}

int pc_policy_file_parse(const char *text, size_t len, const char *origin, pc_policy_file **out,
                         pc_err *e)
{
    chain ch = {.policies_dir = NULL}; /* extends takes file paths only here */
    return parse_in(text, len, origin, &ch, out, e);
}

static int is_policy_file(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0 &&
           strspn(d->d_name, BUILTIN_CHARS) == n - 5;
}

/* "unknown policy" with the names that do exist, so a typo is easy to fix. */
static int unknown_builtin(const char *name, const char *dir, pc_err *e)
{
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, is_policy_file, alphasort);
    if (n < 0)
        return pc_err_set(e, "unknown policy \"%s\": cannot list %s: %s", name, dir,
                          strerror(errno));
    pc_buf b = {0};
    for (int i = 0; i < n; i++) {
        if (b.len)
            pc_buf_puts(&b, ", ");
        pc_buf_add(&b, ents[i]->d_name, strlen(ents[i]->d_name) - 5);
        free(ents[i]);
    }
    free(ents);
    pc_err_set(e, "unknown policy \"%s\" (policies in %s: %s)", name, dir,
               b.oom ? "(out of memory)"
               : b.p ? b.p
                     : "none");
    pc_buf_free(&b);
    return -1;
}

static int resolve_builtin(const char *name, const char *dir, char **path, pc_err *e)
{
    size_t n = strlen(name);
    *path = NULL;
    if (n > NAME_MAX_LEN || strspn(name, BUILTIN_CHARS) != n)
        return pc_err_set(e,
                          "policy \"%.*s\": not a built-in name ([a-z0-9_-]+); "
                          "give a path to load a file",
                          NAME_MAX_LEN, name);
    if (!dir)
        return pc_err_set(e, "policy \"%s\": no policies directory to look it up in", name);
    if (!(*path = pc_asprintf("%s/%s.json", dir, name)))
        return pc_err_set(e, "policy \"%s\": out of memory", name);
    struct stat st;
    if (stat(*path, &st) == 0 || errno != ENOENT)
        return 0; /* pc_read_file reports any other problem with the file */
    free(*path);
    *path = NULL;
    return unknown_builtin(name, dir, e);
}

int pc_policy_file_load(const char *file_or_name, const char *policies_dir, pc_policy_file **out,
                        pc_err *e)
{
    chain ch = {.policies_dir = policies_dir};
    return load_in(file_or_name, &ch, out, e);
}

/* Refuse a file already in the chain (a cycle) or a chain too deep. */
static int chain_push(chain *ch, const char *path, pc_err *e)
{
    char *real = realpath(path, NULL);
    const char *key = real ? real : path;
    for (int i = 0; i < ch->n; i++)
        if (strcmp(ch->files[i], key) == 0) {
            pc_err_set(e, "%s: extends itself (a cycle of extends)", path);
            free(real);
            return -1;
        }
    if (ch->n >= EXTENDS_DEPTH) {
        free(real);
        return pc_err_set(e, "%s: more than %d policies deep in extends", path, EXTENDS_DEPTH);
    }
    ch->files[ch->n] = real ? real : pc_strdup(path);
    if (!ch->files[ch->n])
        return pc_err_set(e, "%s: out of memory", path);
    ch->n++;
    return 0;
}

static void chain_pop(chain *ch)
{
    free((char *)ch->files[--ch->n]);
}

int pc_policy_is_file(const char *file_or_name)
{
    size_t n = strlen(file_or_name);
    return strchr(file_or_name, '/') || (n >= 5 && strcmp(file_or_name + n - 5, ".json") == 0);
}

static int load_in(const char *file_or_name, chain *ch, pc_policy_file **out, pc_err *e)
{
    const char *policies_dir = ch->policies_dir;
    *out = NULL;
    if (!file_or_name || !*file_or_name)
        return pc_err_set(e, "no policy given");
    char *path = NULL;
    if (pc_policy_is_file(file_or_name)) {
        if (!(path = pc_strdup(file_or_name)))
            return pc_err_set(e, "%s: out of memory", file_or_name);
    } else if (resolve_builtin(file_or_name, policies_dir, &path, e) < 0) {
        return -1;
    }
    char *text = NULL;
    size_t len = 0;
    if (chain_push(ch, path, e) < 0) {
        free(path);
        return -1;
    }
    int r = pc_read_file(path, POLICY_MAX_BYTES, &text, &len, e);
    if (r == 0)
        r = parse_in(text, len, path, ch, out, e);
    chain_pop(ch);
    free(text);
    free(path);
    return r;
}

void pc_policy_file_free(pc_policy_file *f)
{
    if (!f)
        return;
    pc_policy *p = &f->policy;
    free(p->name);
    for (int i = 0; i < PC_CHK_COUNT; i++)
        free_strv(p->checks[i].allow_paths, p->checks[i].nallow_paths);
    free_strv(p->ignore_rules, p->nignore_rules);
    free_strv(p->exempt_images, p->nexempt_images);
    free_strv(p->exempt_namespaces, p->nexempt_namespaces);
    for (size_t i = 0; i < p->nexceptions; i++)
        pc_exception_free(&p->exceptions[i]);
    free(p->exceptions);
    free(f->run.sandbox.supplementary_gids);
    free(f);
}
