/*
 * tes.c — see tes.h, and the POST /tes/validate route.
 *
 * Reading a task. The body is parsed with jansson (duplicate keys
 * refused, depth bounded by the parser, trailing bytes refused) and read
 * along fixed paths only: executors[] and, per executor, image, command,
 * workdir, env, stdin, stdout, stderr; and inputs[].content, the inline
 * files an executor may run (their text goes with every executor's run
 * context into the rules, like the command itself). The same bytes may then go to a
 * TES server whose JSON reader differs from ours, so anything two readers
 * could disagree on is refused rather than guessed: a key that differs
 * from one of those only in case (Go's encoding/json matches keys
 * case-insensitively, folding 'ſ' (long s) to 's' and 'K' (Kelvin sign)
 * to 'k'), duplicate keys, a NUL in a string. A value of the wrong type,
 * a relative workdir or stdin/stdout/stderr path, an empty command, an
 * env name that is empty or holds '=': 400 naming executors[i].field.
 *
 * Judging. Each executor's image is judged as its backend starts it
 * (tesrun.h): its entry of the image list carries that run context, and
 * under shell semantics a second entry judges the command's own program.
 * wh_decide judges each distinct (image, run) once; the answer then walks
 * the executors in task order and looks up each executor's own
 * decisions, so two executors running one image the same way both say
 * so. The denial message names, per denied executor, its index, its
 * image, the program(s) judged and the denying checks with their paths
 * (the decisions' one-line reasons). Findings in the answer are bounded:
 * TES_FINDINGS_TOTAL over the whole answer, so a task listing one hostile
 * image 512 times stays small.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../gen.h"
#include "../http/log.h"
#include "portcullis_json.h"
#include "../sign.h"
#include "tes.h"
#include "pcx.h"

#define TES_FINDINGS_TOTAL 4096 /* finding objects in one answer, at most */
#define TES_FINDINGS_MIN 8      /* per executor, whatever the task's size */
/* inputs[].content: every executor's run is judged with the task's inline
 * files, so their bytes times the executors are bounded (TES asks servers
 * to take at least 128 KiB per input) */
#define TES_CONTENT_MAX (1u << 20)
#define TES_CONTENT_JUDGED (32u << 20)
#define TES_FINDINGS_MAX 256 /* per executor */
#define TES_NAME_LOG_MAX 256 /* bytes of tesTask.name in the log */

static int say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* key folded the way a lenient reader would match it: ASCII lower case,
 * U+017F (long s) as 's', U+212A (Kelvin sign) as 'k'. 0 when it does
 * not fit in out (then it cannot match a short key). */
static int fold_key(const char *key, char *out, size_t n)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p; w++) {
        if (w + 1 >= n)
            return 0;
        if (p[0] == 0xC5 && p[1] == 0xBF) {
            out[w] = 's', p += 2;
        } else if (p[0] == 0xE2 && p[1] == 0x84 && p[2] == 0xAA) {
            out[w] = 'k', p += 3;
        } else {
            out[w] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            p++;
        }
    }
    out[w] = 0;
    return 1;
}

/* -1 when obj has a key another reader could take for `want`. */
static int lookalike_key(json_t *obj, const char *want, const char *where, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    char folded[32];
    json_object_foreach(obj, k, v)
    {
        if (strcmp(k, want) != 0 && fold_key(k, folded, sizeof folded) && strcmp(folded, want) == 0)
            return say(err, errlen,
                       "%s%s\"%.40s\": differs from \"%s\" only in case; refused as ambiguous",
                       where, *where ? "." : "", k, want);
    }
    return 0;
}

static const char *const executor_keys[] = {"image", "command", "workdir", "env",
                                            "stdin", "stdout",  "stderr"};

/* A string (NULL when absent or null) without NUL bytes, at most max bytes. */
static int opt_string(json_t *e, const char *key, const char *where, size_t max, const char **out,
                      char *err, size_t errlen)
{
    json_t *v = json_object_get(e, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return say(err, errlen, "%s.%s: expected a string", where, key);
    size_t n = json_string_length(v);
    if (n > max || strlen(json_string_value(v)) != n)
        return say(err, errlen, "%s.%s: longer than %zu bytes or holding a NUL byte", where, key,
                   max);
    *out = json_string_value(v);
    return 0;
}

/* workdir, stdin, stdout, stderr: absolute paths inside the container. */
static int opt_path(json_t *e, const char *key, const char *where, const char **out, char *err,
                    size_t errlen)
{
    if (opt_string(e, key, where, WH_TES_PATH_MAX, out, err, errlen) < 0)
        return -1;
    if (*out && (*out)[0] != '/')
        return say(err, errlen, "%s.%s: \"%.64s\": expected an absolute path", where, key, *out);
    return 0;
}

static int read_command(json_t *e, const char *where, wh_tes_executor *x, char *err, size_t errlen)
{
    json_t *c = json_object_get(e, "command"), *w;
    size_t j;
    if (!c || json_is_null(c))
        return 0; /* the image's own ENTRYPOINT and CMD */
    if (!json_is_array(c))
        return say(err, errlen, "%s.command: expected an array of strings", where);
    if (json_array_size(c) == 0)
        return say(err, errlen, "%s.command: empty (omit it to run the image's ENTRYPOINT and CMD)",
                   where);
    json_array_foreach(c, j, w)
    {
        if (!json_is_string(w))
            return say(err, errlen, "%s.command[%zu]: expected a string", where, j);
        if (strlen(json_string_value(w)) != json_string_length(w))
            return say(err, errlen, "%s.command[%zu]: holds a NUL byte", where, j);
    }
    x->command = c;
    return 0;
}

static int read_env(json_t *e, const char *where, wh_tes_executor *x, char *err, size_t errlen)
{
    json_t *env = json_object_get(e, "env"), *v;
    const char *k;
    if (!env || json_is_null(env))
        return 0;
    if (!json_is_object(env))
        return say(err, errlen, "%s.env: expected an object of strings", where);
    json_object_foreach(env, k, v)
    {
        if (!*k || strchr(k, '='))
            return say(err, errlen, "%s.env.\"%.40s\": not a variable name (empty, or holding '=')",
                       where, k);
        if (!json_is_string(v))
            return say(err, errlen, "%s.env.%.40s: expected a string", where, k);
        if (strlen(json_string_value(v)) != json_string_length(v))
            return say(err, errlen, "%s.env.%.40s: holds a NUL byte", where, k);
    }
    x->env = env;
    return 0;
}

/* executors[i]: its image into t->images, the rest into t->exec[i]. -2
 * when out of memory. */
static int read_executor(wh_tes_task *t, size_t i, json_t *e, char *err, size_t errlen)
{
    char where[40], ptr[48];
    wh_tes_executor *x = &t->exec[i];
    snprintf(where, sizeof where, "executors[%zu]", i);
    if (!json_is_object(e))
        return say(err, errlen, "%s: expected an object (a tesExecutor)", where);
    for (size_t k = 0; k < sizeof executor_keys / sizeof executor_keys[0]; k++)
        if (lookalike_key(e, executor_keys[k], where, err, errlen) < 0)
            return -1;
    json_t *img = json_object_get(e, "image");
    if (!img || json_is_null(img))
        return say(err, errlen, "%s.image: missing", where);
    if (!json_is_string(img))
        return say(err, errlen, "%s.image: expected a string", where);
    const char *s = json_string_value(img);
    size_t n = json_string_length(img);
    if (n == 0)
        return say(err, errlen, "%s.image: empty", where);
    if (n > WH_MAX_IMAGE_LEN || strlen(s) != n)
        return say(err, errlen, "%s.image: longer than %d bytes or holding a NUL byte", where,
                   WH_MAX_IMAGE_LEN);
    if (read_command(e, where, x, err, errlen) < 0 || read_env(e, where, x, err, errlen) < 0 ||
        opt_path(e, "workdir", where, &x->workdir, err, errlen) < 0 ||
        opt_path(e, "stdin", where, &x->stdin_path, err, errlen) < 0 ||
        opt_path(e, "stdout", where, &x->stdout_path, err, errlen) < 0 ||
        opt_path(e, "stderr", where, &x->stderr_path, err, errlen) < 0)
        return -1;
    snprintf(ptr, sizeof ptr, "/executors/%zu/image", i);
    return wh_image_list_add(&t->images, s, ptr, where, err, errlen) < 0 ? -2 : 0;
}

/* One path the backend fills before the executors start (what: where
 * the task names it). */
static int add_mount(wh_tes_task *t, const char *path, const char *what)
{
    const char **m = pc_reallocarray(t->mounts, t->nmounts + 1, sizeof *m);
    if (!m)
        return -1;
    t->mounts = m;
    char **f = pc_reallocarray(t->mount_from, t->nmounts + 1, sizeof *f);
    if (!f)
        return -1;
    t->mount_from = f;
    if (!(f[t->nmounts] = pc_asprintf("TES %s", what)))
        return -1;
    m[t->nmounts++] = path;
    return 0;
}

/* volumes: directories the backend makes and shares between executors. */
static int read_volumes(wh_tes_task *t, char *err, size_t errlen)
{
    json_t *v = json_object_get(t->root, "volumes"), *x;
    size_t i;
    if (lookalike_key(t->root, "volumes", "", err, errlen) < 0)
        return -1;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return say(err, errlen, "volumes: expected an array of absolute paths");
    json_array_foreach(v, i, x)
    {
        char where[40];
        snprintf(where, sizeof where, "volumes[%zu]", i);
        const char *p = json_string_value(x);
        if (!p || p[0] != '/' || strlen(p) > WH_TES_PATH_MAX || strlen(p) != json_string_length(x))
            return say(err, errlen, "%s: expected an absolute path", where);
        if (add_mount(t, p, where) < 0)
            return say(err, errlen, "out of memory"), -2;
    }
    return 0;
}

/* inputs[].content: the text of the files the task places in the
 * container itself (TES v1.1: "if content is not empty, url must be
 * ignored"), which a command may run (sh /data/job.sh). Other fields of an
 * input are not read. */
static int read_inputs(wh_tes_task *t, char *err, size_t errlen)
{
    json_t *in = json_object_get(t->root, "inputs"), *x;
    size_t i;
    if (lookalike_key(t->root, "inputs", "", err, errlen) < 0)
        return -1;
    if (!in || json_is_null(in))
        return 0;
    if (!json_is_array(in))
        return say(err, errlen, "inputs: expected an array");
    if (json_array_size(in) && !(t->contents = calloc(json_array_size(in), sizeof *t->contents)))
        return say(err, errlen, "out of memory"), -2;
    json_array_foreach(in, i, x)
    {
        char where[40];
        const char *c = NULL;
        snprintf(where, sizeof where, "inputs[%zu]", i);
        if (!json_is_object(x))
            return say(err, errlen, "%s: expected an object (a tesInput)", where);
        if (lookalike_key(x, "content", where, err, errlen) < 0 ||
            opt_string(x, "content", where, SIZE_MAX, &c, err, errlen) < 0)
            return -1;
        if (c && *c) {
            t->contents[t->ncontents++] = c;
            t->content_bytes += strlen(c);
        }
        const char *path = NULL;
        if (lookalike_key(x, "path", where, err, errlen) < 0 ||
            opt_path(x, "path", where, &path, err, errlen) < 0)
            return -1;
        if (path && add_mount(t, path, where) < 0)
            return say(err, errlen, "out of memory"), -2;
    }
    if (t->content_bytes > TES_CONTENT_MAX)
        return say(err, errlen,
                   "inputs[].content: %zu bytes of inline files; at most %u (they are judged "
                   "with every executor's run)",
                   t->content_bytes, TES_CONTENT_MAX);
    return 0;
}

/* The task's inline inputs, and the paths it fills, into a run context
 * of one of its executors. */
static int add_contents(const wh_tes_task *t, pc_runctx *rc, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->ncontents; i++) {
        char *one[] = {(char *)t->contents[i]};
        if (pc_runctx_exec(rc, one, 1, err, errlen) < 0)
            return -1;
    }
    for (size_t i = 0; i < t->nmounts; i++)
        if (pc_runctx_mount(rc, t->mounts[i], t->mount_from[i], err, errlen) < 0)
            return -1;
    return 0;
}

/* Executor i's run contexts onto its image entry, and (shell semantics)
 * its command's program as one more entry. -1 when that would pass
 * WH_MAX_IMAGES, -2 when out of memory. */
static int plan_executor(wh_tes_task *t, size_t i, char *err, size_t errlen)
{
    pc_runctx run, prog;
    char where[40];
    int rc = 0;
    if (wh_tes_runs(t->start, &t->exec[i], &run, &prog, err, errlen) < 0)
        return -2;
    if (add_contents(t, &run, err, errlen) < 0 ||
        (prog.given && add_contents(t, &prog, err, errlen) < 0)) {
        pc_runctx_free(&run);
        pc_runctx_free(&prog);
        return -2;
    }
    if (run.given && wh_image_list_set_run(&t->images, i, &run, err, errlen) < 0)
        rc = -2;
    if (rc == 0 && prog.given) {
        snprintf(where, sizeof where, "executors[%zu]", i);
        size_t k = t->images.n;
        if (k >= WH_MAX_IMAGES)
            rc = say(err, errlen,
                     "executors: more than %d runs to judge (under shell semantics an "
                     "executor's command is judged as a program of its own too)",
                     WH_MAX_IMAGES);
        else if (wh_image_list_add(&t->images, t->images.v[i].image, t->images.v[i].pointer, where,
                                   err, errlen) < 0 ||
                 wh_image_list_set_run(&t->images, k, &prog, err, errlen) < 0)
            rc = -2;
        else
            t->exec[i].twin = k;
    }
    pc_runctx_free(&run);
    pc_runctx_free(&prog);
    return rc;
}

static int read_task(wh_tes_task *t, char *err, size_t errlen)
{
    if (!json_is_object(t->root))
        return say(err, errlen, "request body: expected a JSON object (a TES v1.1 tesTask)");
    if (lookalike_key(t->root, "executors", "", err, errlen) < 0)
        return -1;
    json_t *ex = json_object_get(t->root, "executors"), *e;
    size_t i;
    if (!ex || json_is_null(ex))
        return say(err, errlen, "executors: missing (a tesTask runs at least one executor)");
    if (!json_is_array(ex))
        return say(err, errlen, "executors: expected an array");
    if (json_array_size(ex) == 0)
        return say(err, errlen, "executors: empty (a tesTask runs at least one executor)");
    if (json_array_size(ex) > WH_MAX_IMAGES)
        return say(err, errlen, "executors: more than %d", WH_MAX_IMAGES);
    t->exec = calloc(json_array_size(ex), sizeof *t->exec);
    if (!t->exec)
        return say(err, errlen, "out of memory"), -2;
    int irc = read_inputs(t, err, errlen);
    if (irc == 0)
        irc = read_volumes(t, err, errlen);
    if (irc < 0)
        return irc;
    /* an executor's run, and under shell semantics its command's own */
    if (t->content_bytes && json_array_size(ex) > TES_CONTENT_JUDGED / 2 / t->content_bytes)
        return say(err, errlen,
                   "inputs[].content: %zu bytes of inline files for %zu executors; at most %u "
                   "bytes judged in all (each executor's run is judged with them)",
                   t->content_bytes, json_array_size(ex), TES_CONTENT_JUDGED);
    json_array_foreach(ex, i, e)
    {
        int rc = read_executor(t, i, e, err, errlen);
        if (rc < 0)
            return rc;
        t->nexec++;
    }
    for (i = 0; i < t->nexec; i++) {
        int rc = plan_executor(t, i, err, errlen);
        if (rc < 0)
            return rc;
    }
    t->name = json_string_value(json_object_get(t->root, "name"));
    return 0;
}

int wh_tes_parse(const char *body, size_t len, wh_tes_start start, wh_tes_task *t, char *err,
                 size_t errlen)
{
    json_error_t je;
    memset(t, 0, sizeof *t);
    t->start = start;
    t->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!t->root)
        return say(err, errlen, "request body is not valid JSON: %s (line %d, column %d)", je.text,
                   je.line, je.column);
    int rc = read_task(t, err, errlen);
    if (rc < 0)
        wh_tes_task_free(t);
    return rc;
}

void wh_tes_task_free(wh_tes_task *t)
{
    json_decref(t->root);
    wh_image_list_free(&t->images);
    free(t->exec);
    free(t->contents);
    for (size_t i = 0; i < t->nmounts; i++)
        free(t->mount_from[i]);
    free(t->mounts);
    free(t->mount_from);
    memset(t, 0, sizeof *t);
}

static int img_ok(const wh_image_decision *x)
{
    return x->outcome == WH_IMG_ALLOW || x->outcome == WH_IMG_EXEMPT;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_finding(const pc_finding *a, const pc_finding *b)
{
    return same_str(a->check, b->check) && same_str(a->path, b->path) &&
           same_str(a->message, b->message);
}

/* 1 when r holds a finding like f (or f is like x's unpinned-image). */
static int already(const wh_image_decision *x, const pc_finding *f)
{
    const pc_result *r = x ? wh_verdict_result(x->lk.v) : NULL;
    pc_finding u;
    for (size_t i = 0; r && i < r->nfindings; i++)
        if (pc_report_finding_shown(&r->findings[i]) && same_finding(&r->findings[i], f))
            return 1;
    return r && pc_verdict_unpinned_finding(&x->verdict, &u) == 0 && same_finding(&u, f);
}

static int add_finding(json_t *a, const pc_finding *f, size_t max, size_t *omitted)
{
    if (json_array_size(a) >= max) {
        (*omitted)++;
        return 0;
    }
    return json_array_append_new(a, pc_finding_to_json(f));
}

/* The shown findings of x's scan (warn and deny, as the scan report shows
 * them), plus unpinned-image when the verdict has it, appended to a;
 * those `like` (another decision) has already are left out. */
static int add_findings(json_t *a, const wh_image_decision *x, const wh_image_decision *like,
                        size_t max, size_t *omitted)
{
    const pc_result *r = wh_verdict_result(x->lk.v);
    for (size_t i = 0; r && i < r->nfindings; i++) {
        if (!pc_report_finding_shown(&r->findings[i]) || already(like, &r->findings[i]))
            continue;
        if (add_finding(a, &r->findings[i], max, omitted) < 0)
            return -1;
    }
    pc_finding f;
    if (r && pc_verdict_unpinned_finding(&x->verdict, &f) == 0 && !already(like, &f))
        return add_finding(a, &f, max, omitted);
    return 0;
}

static json_t *findings_json(const wh_image_decision *x, const wh_image_decision *prog, size_t max,
                             size_t *omitted)
{
    json_t *a = json_array();
    if (a && (add_findings(a, x, NULL, max, omitted) < 0 ||
              (prog && add_findings(a, prog, x, max, omitted) < 0))) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* The signed verdict of a scanned image (its DSSE envelope), or null: no
 * key, not scanned, or the scan failed. NULL when signing failed. */
static json_t *attestation_json(wh_signer *signer, const pc_result *r, const char *image)
{
    if (!signer || !r || r->scan_failed)
        return json_null();
    char *env = wh_signer_sign(signer, r, image);
    json_t *v = env ? json_loads(env, 0, NULL) : NULL;
    free(env);
    return v;
}

static json_t *argv_json(const pc_result *r)
{
    if (!r)
        return json_null();
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->sandbox.nargv; i++)
        if (json_array_append_new(a, pc_json_string(r->sandbox.argv[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* The executor's reason: x's, prog's, or both (a part of prog's that x's
 * has already is not repeated). malloc'd; NULL when out of memory. */
static char *merged_reason(const wh_image_decision *x, const wh_image_decision *prog)
{
    const char *rx = x->reason ? x->reason : "denied";
    if (!prog || img_ok(prog))
        return pc_strdup(rx);
    const char *rp = prog->reason ? prog->reason : "denied";
    if (img_ok(x))
        return pc_strdup(rp);
    pc_buf b = {0};
    pc_buf_puts(&b, rx);
    for (const char *p = rp; *p;) {
        size_t n = strcspn(p, ";");
        int seen = 0;
        for (const char *q = rx; *q && !seen;) {
            size_t m = strcspn(q, ";");
            seen = m == n && memcmp(p, q, n) == 0;
            q += m + (q[m] == ';') + (q[m] == ';' && q[m + 1] == ' ');
        }
        if (!seen)
            pc_buf_printf(&b, "; %.*s", (int)n, p);
        p += n + (p[n] == ';') + (p[n] == ';' && p[n + 1] == ' ');
    }
    return pc_buf_take(&b);
}

/* "command": what prog judged, or null. */
static json_t *command_json(const wh_image_decision *prog, const char *image, wh_signer *signer)
{
    if (!prog)
        return json_null();
    const pc_result *r = wh_verdict_result(prog->lk.v);
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "argv", argv_json(r));
    bad |= json_object_set_new(o, "program", pc_json_string(r ? r->sandbox.program : NULL));
    bad |= json_object_set_new(o, "verdict", json_string(img_ok(prog) ? "allow" : "deny"));
    bad |= json_object_set_new(o, "reason", pc_json_string(prog->reason));
    bad |= json_object_set_new(o, "attestation", attestation_json(signer, r, image));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *wh_tes_executor_json(size_t index, const char *image, const char *start,
                             const wh_image_decision *x, const wh_image_decision *prog,
                             size_t max_findings, wh_signer *signer)
{
    const pc_result *r = wh_verdict_result(x->lk.v);
    int ok = img_ok(x) && (!prog || img_ok(prog));
    size_t omitted = 0;
    char *reason = merged_reason(x, prog);
    json_t *o = reason ? json_object() : NULL;
    int bad = 0;
    if (!o) {
        free(reason);
        return NULL;
    }
    bad |= json_object_set_new(o, "index", json_integer((json_int_t)index));
    bad |= json_object_set_new(o, "image", pc_json_string(image));
    bad |= json_object_set_new(o, "start", pc_json_string(start));
    bad |= json_object_set_new(o, "argv", argv_json(r));
    bad |= json_object_set_new(o, "program", pc_json_string(r ? r->sandbox.program : NULL));
    bad |= json_object_set_new(o, "user", pc_json_string(r ? r->sandbox.user : NULL));
    /* the run judged, as its signed verdict binds it (verify --run-key) */
    bad |=
        json_object_set_new(o, "run_key", pc_json_string(r && r->run_key[0] ? r->run_key : NULL));
    bad |= json_object_set_new(o, "command", command_json(prog, image, signer));
    bad |= json_object_set_new(o, "digest", pc_json_string(r ? r->digest : NULL));
    bad |= json_object_set_new(o, "verdict", json_string(ok ? "allow" : "deny"));
    bad |= json_object_set_new(o, "reason", pc_json_string(reason));
    bad |= json_object_set_new(o, "findings", findings_json(x, prog, max_findings, &omitted));
    bad |= json_object_set_new(o, "sandbox", r ? pc_sandbox_to_json(&r->sandbox) : json_null());
    bad |= json_object_set_new(o, "attestation", attestation_json(signer, r, image));
    if (omitted)
        bad |= json_object_set_new(o, "findings_omitted", json_integer((json_int_t)omitted));
    free(reason);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The decision of one entry of the image list: same image, same run. */
static const wh_image_decision *decision_of(const wh_decision *d, const wh_image *e)
{
    for (size_t i = 0; i < d->nimgs; i++)
        if (strcmp(d->imgs[i].img->image, e->image) == 0 &&
            strcmp(d->imgs[i].img->runkey, e->runkey) == 0)
            return &d->imgs[i];
    return NULL;
}

/* Executor i's decision, and its command program's (or NULL). 0, or -1
 * when one is missing (then the executor cannot be answered). */
static int decisions(const wh_tes_task *t, const wh_decision *d, size_t i,
                     const wh_image_decision **x, const wh_image_decision **prog)
{
    size_t k = t->exec[i].twin;
    *x = decision_of(d, &t->images.v[i]);
    *prog = k ? decision_of(d, &t->images.v[k]) : NULL;
    return *x && (!k || *prog) ? 0 : -1;
}

static const char *program_of(const wh_image_decision *x)
{
    const pc_result *r = x ? wh_verdict_result(x->lk.v) : NULL;
    return r ? r->sandbox.program : NULL;
}

/* "allowed: 2 executors" or "denied: executor 1 (image "...", program
 * "..."): check path; ..." */
static char *tes_message(const wh_tes_task *t, const wh_decision *d)
{
    pc_buf b = {0};
    size_t n = t->nexec, k = 0;
    if (d->allowed) {
        pc_buf_printf(&b, "allowed: %zu executor%s", n, n == 1 ? "" : "s");
        if (d->nwarnings)
            pc_buf_printf(&b, ", %zu warning%s", d->nwarnings, d->nwarnings == 1 ? "" : "s");
    }
    for (size_t i = 0; !d->allowed && i < n && b.len <= WH_MESSAGE_MAX; i++) {
        const wh_image_decision *x, *prog;
        if (decisions(t, d, i, &x, &prog) < 0) {
            pc_buf_printf(&b, "%sexecutor %zu: not judged", k++ ? " | " : "denied: ", i);
            continue;
        }
        if (img_ok(x) && (!prog || img_ok(prog)))
            continue;
        const char *p = program_of(x), *cp = program_of(prog);
        char *why = merged_reason(x, prog);
        pc_buf_printf(&b, "%sexecutor %zu (image \"%s\"", k++ ? " | " : "denied: ", i,
                      t->images.v[i].image);
        if (p)
            pc_buf_printf(&b, ", program \"%s\"", p);
        if (cp)
            pc_buf_printf(&b, ", command program \"%s\"", cp);
        pc_buf_printf(&b, "): %s", why ? why : "denied");
        free(why);
    }
    char *m = pc_buf_take(&b);
    if (m) {
        pc_one_line(m);
        pc_cut_utf8(m, WH_MESSAGE_MAX);
    }
    return m;
}

static json_t *executors_json(const wh_tes_task *t, const wh_decision *d, wh_signer *signer)
{
    size_t n = t->nexec, per = n ? TES_FINDINGS_TOTAL / n : TES_FINDINGS_MAX;
    per = per < TES_FINDINGS_MIN   ? TES_FINDINGS_MIN
          : per > TES_FINDINGS_MAX ? TES_FINDINGS_MAX
                                   : per;
    const char *start = wh_tes_start_name(t->start);
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        const wh_image_decision *x, *prog;
        json_t *e =
            decisions(t, d, i, &x, &prog) < 0
                ? NULL
                : wh_tes_executor_json(i, t->images.v[i].image, start, x, prog, per, signer);
        if (json_array_append_new(a, e) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The warnings, each once (an image judged for two runs warns twice). */
static json_t *warnings_json(const wh_decision *d)
{
    json_t *w = json_array();
    for (size_t i = 0; w && i < d->nwarnings; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(d->warnings[i], d->warnings[j]) == 0;
        if (!seen && json_array_append_new(w, pc_json_string(d->warnings[i])) < 0) {
            json_decref(w);
            return NULL;
        }
    }
    return w;
}

/* The answer document; NULL when out of memory. */
static json_t *answer_json(const wh_tes_task *t, const wh_decision *d, wh_signer *signer)
{
    char *msg = tes_message(t, d);
    json_t *doc = json_object(), *w = warnings_json(d);
    int bad = !msg || !doc || !w;
    if (!bad) {
        bad |= json_object_set_new(doc, "allowed", json_boolean(d->allowed));
        bad |= json_object_set_new(doc, "message", pc_json_string(msg));
        bad |= json_object_set_new(doc, "warnings", w);
        w = NULL;
        bad |= json_object_set_new(doc, "executors", executors_json(t, d, signer));
    }
    free(msg);
    json_decref(w);
    if (bad) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static void log_decision(const char *endpoint, const wh_tes_task *t, const wh_decision *d,
                         uint64_t start_ms)
{
    char name[TES_NAME_LOG_MAX + 1];
    if (t->name) {
        snprintf(name, sizeof name, "%s", t->name);
        pc_one_line(name);
        pc_cut_utf8(name, TES_NAME_LOG_MAX);
    }
    json_t *extra = json_pack("{s:I, s:s}", "executors", (json_int_t)t->nexec, "start",
                              wh_tes_start_name(t->start));
    wh_log_request lr = {
        .endpoint = endpoint, .kind = "tesTask", .name = t->name ? name : NULL, .extra = extra};
    wh_log_decision(&lr, d, pc_now_ms() - start_ms);
    json_decref(extra);
}

int wh_tes_judge(wh_server *s, const wh_http_req *rq, const char *endpoint, wh_reply *out,
                 int *allowed)
{
    wh_tes_task t;
    wh_decision d;
    char err[512];
    wh_tes_start start;
    *allowed = 0;
    wh_gen *g = wh_gen_get(s);
    if (!g || wh_tes_start_parse(s->cfg.tes_start ? s->cfg.tes_start : pc_ctx_start(g->ctx),
                                 &start) < 0) {
        wh_gen_put(s, g);
        wh_metrics_error(&s->metrics, WH_ERR_INTERNAL); /* fail closed: never guess */
        wh_reply_error(out, 500, "unknown TES start semantics");
        return -1;
    }
    int rc = wh_tes_parse(rq->body, rq->len, start, &t, err, sizeof err);
    if (rc < 0) {
        wh_gen_put(s, g);
        wh_metrics_error(&s->metrics, rc == -2 ? WH_ERR_INTERNAL : WH_ERR_BAD_REQUEST);
        wh_logf("warn", "%s: bad request: %s", endpoint, err);
        wh_reply_error(out, rc == -2 ? 503 : 400, "%s", err);
        return -1;
    }
    wh_decide_in in = {.server = s,
                       .gen = g,
                       .put_gen = wh_gen_put,
                       .ctx = g->ctx,
                       .verdicts = g->verdicts,
                       .images = &t.images,
                       .deadline_ms = wh_request_deadline(s, rq),
                       .cached_only = !rq->may_wait};
    rc = wh_decide(&in, &d); /* d holds g now */
    if (rc == 1) {           /* a verdict to wait for: again on a request worker */
        wh_tes_task_free(&t);
        out->defer = 1;
        return -1;
    }
    if (rc < 0) {
        wh_tes_task_free(&t);
        wh_metrics_error(&s->metrics, WH_ERR_INTERNAL);
        wh_reply_error(out, 503, "out of memory");
        return -1;
    }
    wh_reply_json(out, 200, answer_json(&t, &d, s->signer));
    *allowed = out->status == 200 && d.allowed;
    out->verdict = out->status != 200 ? WH_V_ERROR : d.allowed ? WH_V_ALLOW : WH_V_DENY;
    log_decision(endpoint, &t, &d, rq->start_ms);
    wh_decision_free(&d);
    wh_tes_task_free(&t);
    return out->status == 200 ? 0 : -1;
}

void wh_route_tes_validate(wh_server *s, const wh_http_req *rq, wh_reply *out)
{
    int allowed;
    wh_tes_judge(s, rq, "tes-validate", out, &allowed);
}
