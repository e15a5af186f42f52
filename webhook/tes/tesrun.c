/*
 * tesrun.c — see tesrun.h: an executor's command, workdir and env as the
 * run contexts of its start semantics.
 *
 * Shell semantics. The backend runs `/bin/sh -c STRING`, STRING being
 * the command's words joined by single spaces, each quoted for sh when it
 * holds anything but [A-Za-z0-9_./:=@%+,-]: so sh sees the words the task
 * gave, unexpanded and unsplit. What sh then does with the first word is
 * judged too: leading NAME=VALUE words (unquoted, so sh takes them as
 * assignments) are environment for the command; `exec WORD` runs WORD;
 * a builtin or reserved word is run by sh itself and nothing more is
 * judged; anything else is a program sh looks up through PATH (the
 * assignments' PATH, else the env's, else the image's) and executes, as
 * runc would execute it in kubernetes semantics: that is the second run
 * context.
 */
#include <stdlib.h>
#include <string.h>
#include "tesrun.h"

static const char *const start_names[] = {"kubernetes", "shell", "docker"};

int wh_tes_start_parse(const char *name, wh_tes_start *out)
{
    for (size_t i = 0; name && i < sizeof start_names / sizeof start_names[0]; i++)
        if (strcmp(name, start_names[i]) == 0) {
            *out = (wh_tes_start)i;
            return 0;
        }
    return -1;
}

const char *wh_tes_start_name(wh_tes_start s)
{
    return (unsigned)s < sizeof start_names / sizeof start_names[0] ? start_names[s] : "unknown";
}

static int sh_safe(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c && strchr("_./:=@%+,-", c) != NULL);
}

static int all_safe(const char *s)
{
    for (; *s; s++)
        if (!sh_safe(*s))
            return 0;
    return 1;
}

void wh_tes_sh_quote(pc_buf *b, const char *arg)
{
    if (*arg && all_safe(arg)) {
        pc_buf_puts(b, arg);
        return;
    }
    pc_buf_puts(b, "'");
    for (const char *p = arg; *p; p++) {
        size_t n = strcspn(p, "'");
        pc_buf_add(b, p, n);
        p += n;
        if (!*p)
            break;
        pc_buf_puts(b, "'\\''");
    }
    pc_buf_puts(b, "'");
}

int wh_tes_sh_builtin(const char *word)
{
    /* dash's builtins and POSIX sh's reserved words; "!", "{" and "}"
     * are never reserved here: quoted, they are program names */
    static const char *const words[] = {
        ".",        ":",       "[",     "alias", "bg",    "break",  "cd",    "chdir", "command",
        "continue", "echo",    "eval",  "exec",  "exit",  "export", "false", "fc",    "fg",
        "getopts",  "hash",    "jobs",  "kill",  "local", "printf", "pwd",   "read",  "readonly",
        "return",   "set",     "shift", "test",  "times", "trap",   "true",  "type",  "ulimit",
        "umask",    "unalias", "unset", "wait",  "case",  "do",     "done",  "elif",  "else",
        "esac",     "fi",      "for",   "if",    "in",    "then",   "until", "while"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(word, words[i]) == 0)
            return 1;
    return 0;
}

/* An unquoted NAME=VALUE word: sh takes it as an assignment. */
static int assignment(const char *w)
{
    if (!((*w >= 'A' && *w <= 'Z') || (*w >= 'a' && *w <= 'z') || *w == '_') || !all_safe(w))
        return 0;
    size_t n = strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
    return w[n] == '=';
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* workdir and env (sorted by name: their order changes nothing, and the
 * run key should not either) into rc. */
static int set_common(pc_runctx *rc, const wh_tes_executor *e, char *err, size_t errlen)
{
    if (e->workdir && pc_runctx_set(rc, "workdir", e->workdir, err, errlen) != 0)
        return -1;
    size_t n = e->env ? json_object_size(e->env) : 0, k = 0;
    if (!n)
        return 0;
    const char **names = pc_calloc(n, sizeof *names), *name;
    json_t *v;
    int rc_ = names ? 0 : -1;
    json_object_foreach(e->env, name, v)
    {
        if (names && k < n)
            names[k++] = name;
    }
    if (names)
        qsort(names, k, sizeof *names, by_name);
    for (size_t i = 0; rc_ == 0 && i < k; i++) {
        char *kv =
            pc_asprintf("%s=%s", names[i], json_string_value(json_object_get(e->env, names[i])));
        rc_ = kv ? pc_runctx_set(rc, "env", kv, err, errlen) : -1;
        free(kv);
    }
    free(names);
    if (rc_ != 0 && !*err)
        snprintf(err, errlen, "out of memory");
    return rc_ != 0 ? -1 : 0;
}

/* The command's words (borrowed). NULL when out of memory. */
static char **words_of(json_t *command, size_t *n)
{
    size_t i;
    json_t *w;
    *n = json_array_size(command);
    char **v = pc_calloc(*n ? *n : 1, sizeof *v);
    json_array_foreach(command, i, w)
    {
        if (v)
            v[i] = (char *)json_string_value(w);
    }
    return v;
}

/* "/bin/sh -c STRING" as the entrypoint of run; the command's own program
 * (if sh executes one) as the entrypoint of prog. */
static int shell_runs(char **w, size_t n, pc_runctx *run, pc_runctx *prog, const wh_tes_executor *e,
                      char *err, size_t errlen)
{
    pc_buf s = {0};
    for (size_t i = 0; i < n; i++) {
        if (i)
            pc_buf_puts(&s, " ");
        wh_tes_sh_quote(&s, w[i]);
    }
    char *str = pc_buf_take(&s);
    char *sh[] = {"/bin/sh", "-c", str};
    if (!str || pc_runctx_entrypoint(run, sh, 3, err, errlen) < 0) {
        free(str);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(str);
    size_t k = 0;
    while (k < n && assignment(w[k]))
        k++;
    if (k + 1 < n && strcmp(w[k], "exec") == 0 && w[k + 1][0] != '-')
        k++;
    if (k == n || wh_tes_sh_builtin(w[k]))
        return 0;
    if (set_common(prog, e, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < n && assignment(w[i]); i++)
        if (pc_runctx_set(prog, "env", w[i], err, errlen) != 0)
            return -1;
    return pc_runctx_entrypoint(prog, w + k, n - k, err, errlen);
}

int wh_tes_runs(wh_tes_start start, const wh_tes_executor *e, pc_runctx *run, pc_runctx *prog,
                char *err, size_t errlen)
{
    pc_runctx_init(run);
    pc_runctx_init(prog);
    *err = 0;
    size_t n = 0;
    char **w = e->command ? words_of(e->command, &n) : NULL;
    int rc = e->command && !w ? -1 : set_common(run, e, err, errlen);
    if (rc == 0 && w) {
        if (start == WH_TES_KUBERNETES)
            rc = pc_runctx_entrypoint(run, w, n, err, errlen);
        else if (start == WH_TES_DOCKER)
            rc = pc_runctx_command(run, w, n, err, errlen);
        else
            rc = shell_runs(w, n, run, prog, e, err, errlen);
    }
    free(w);
    if (rc != 0) {
        if (!*err)
            snprintf(err, errlen, "out of memory");
        pc_runctx_free(run);
        pc_runctx_free(prog);
        return -1;
    }
    return 0;
}
