/*
 * tool_fetch.c — code the run downloads and runs (tool_fetch.h).
 *
 * Read as commands and words (runwords.h). A command's name is its first
 * word after VAR=value assignments and the commands that run the rest of
 * their arguments (sudo, env, exec, nohup, nice, timeout, busybox ...). A
 * downloader is curl, wget, fetch, aria2c or httpie's http/https; a
 * runner is a shell (sh, bash, dash, zsh, ksh, ash), an interpreter
 * (python, perl, ruby, node, php, lua, pwsh, tclsh) or eval, source and
 * `.`. Found:
 *
 * - a pipeline with a downloader in it and a runner after it (curl URL |
 *   sh, wget -qO- URL | gunzip | bash);
 * - a downloader's output substituted into a runner's words or taking the
 *   place of a command (sh -c "$(curl URL)", bash <(curl URL),
 *   eval `wget -O- URL`, $(curl URL)); not a variable's value
 *   (TOKEN=$(curl URL) stores it);
 * - a file a downloader wrote (-o FILE, -O FILE, --output[-document]
 *   FILE, > FILE) that a later command runs, hands to a runner as its
 *   program (sh FILE, python3 FILE; not as a later argument, which is
 *   data) or makes executable (chmod +x FILE, chmod 755 FILE).
 *
 * A shell's -c (sh -c TEXT, as the run's argv joined shows it) makes the
 * next word a command's name again.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "check/runwords.h"
#include "check/tool_fetch.h"

#define FILES_MAX 16

typedef struct {
    pc_check_ctx *c;
    /* the command being read */
    char name[PC_RUNWORD_MAX]; /* its name, "" before it */
    int nargs;                 /* words after the name */
    int after_prefix;          /* a prefix's option value is next (timeout 30, nice -n 5) */
    int out_next;              /* the next word is the downloader's output file */
    int chmod_x;               /* chmod with a mode that sets execute */
    int operand;               /* a runner's first operand (its program) was read */
    int assigning;             /* the last word before the name was VAR=value */
    /* the pipeline and substitution it is in */
    int pipe_downloads; /* a downloader ran earlier in this pipeline */
    int subst; /* this command's output is substituted (in a runner's words, or as a command) */
    int outer_runs; /* the command the substitution is in is a runner, or there is none */
    char files[FILES_MAX][PC_RUNWORD_MAX]; /* what downloaders wrote */
    int nfiles;
    int found[3]; /* each way reported once */
} reader;

static const char *base_of(const char *w)
{
    const char *b = strrchr(w, '/');
    return b ? b + 1 : w;
}

static int downloader(const char *name)
{
    static const char *const d[] = {"curl", "wget", "fetch", "aria2c", "http", "https", NULL};
    return pc_word_in(d, base_of(name));
}

static int runner(const char *name)
{
    static const char *const r[] = {"sh",   "bash",   "dash", "zsh",   "ksh",  "ash",  "mksh",
                                    "eval", "source", ".",    "perl",  "ruby", "node", "nodejs",
                                    "php",  "lua",    "pwsh", "tclsh", NULL};
    const char *b = base_of(name);
    if (!strncmp(b, "python", 6)) /* python, python3, python3.11 */
        return 1;
    return pc_word_in(r, b);
}

static int shell(const char *b)
{
    static const char *const sh[] = {"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "su", NULL};
    return pc_word_in(sh, b);
}

/* Words that leave the command's name still to come. */
static int prefix(const char *w)
{
    static const char *const p[] = {"sudo",  "doas",    "env",     "exec",   "nohup",   "nice",
                                    "time",  "command", "builtin", "stdbuf", "timeout", "busybox",
                                    "xargs", "then",    "do",      "else",   "!",       NULL};
    return pc_word_in(p, base_of(w));
}

static const char *strip_dot(const char *f)
{
    return !strncmp(f, "./", 2) ? f + 2 : f;
}

static int downloaded(const reader *r, const char *w)
{
    for (int i = 0; i < r->nfiles; i++)
        if (!strcmp(strip_dot(r->files[i]), strip_dot(w)))
            return 1;
    return 0;
}

static void report(reader *r, int way, const char *what)
{
    static const char *const ways[] = {
        "pipes what it downloads into a shell or interpreter",
        "runs what it downloads through command substitution",
        "runs or makes executable a file it downloaded",
    };
    if (r->found[way])
        return;
    r->found[way] = 1;
    pc_tool_tag tag = {"remote-code", "high", "content"};
    pc_check_report_tool(r->c, NULL, NULL, "run_fetch_exec", &tag,
                         "the run's command line or environment %s (%s): code fetched when it "
                         "starts, which no scan can read (category remote-code, severity high)",
                         ways[way], what);
}

static void add_file(reader *r, const char *w)
{
    if (r->nfiles < FILES_MAX && strcmp(w, "-") != 0 && strcmp(w, "/dev/null") != 0) {
        snprintf(r->files[r->nfiles], sizeof r->files[0], "%s", w);
        r->nfiles++;
    }
}

static void on_name(reader *r, const char *w)
{
    snprintf(r->name, sizeof r->name, "%s", w);
    if (downloaded(r, w)) {
        report(r, 2, w);
        return;
    }
    if (downloader(w)) {
        if (r->subst && r->outer_runs)
            report(r, 1, w);
        r->pipe_downloads = 1;
        return;
    }
    if (runner(w) && r->pipe_downloads)
        report(r, 0, w);
}

static void on_word(void *ud, const char *w)
{
    reader *r = ud;
    if (!r->name[0]) {
        if (r->after_prefix) {
            r->after_prefix = 0;
            if (isdigit((unsigned char)w[0]))
                return; /* timeout 30, nice -n 5 */
        }
        size_t n = strlen(w);
        int assignment = pc_runword_assignment(w, n) > 0;
        /* TOKEN=$(curl URL), ID=`curl URL`: the substitution is the value */
        r->assigning = assignment && (w[n - 1] == '$' || w[n - 1] == '=');
        if (assignment || prefix(w))
            return;
        if (w[0] == '-') {
            r->after_prefix = 1; /* sudo -u USER, env -u NAME, nice -n 5 */
            return;
        }
        on_name(r, w);
        return;
    }
    r->nargs++;
    const char *b = base_of(r->name);
    if (shell(b) && w[0] == '-' && w[1] != '-' && strchr(w, 'c')) {
        r->name[0] = 0; /* sh -c TEXT (the run's argv is joined): TEXT's command is next */
        r->nargs = r->operand = 0;
        return;
    }
    if (r->out_next) {
        r->out_next = 0;
        add_file(r, w);
        return;
    }
    if (downloader(r->name)) {
        /* curl's -o FILE, wget's -O FILE (also at the end of a cluster,
         * -sSLo FILE, or with the file attached, -oFILE) */
        char out = strcmp(b, "curl") == 0 ? 'o' : 'O';
        const char *o = w[0] == '-' && w[1] != '-' ? strchr(w + 1, out) : NULL;
        if (!strcmp(w, "--output") || !strcmp(w, "--output-document") || !strcmp(w, ">"))
            r->out_next = 1;
        else if (!strncmp(w, "--output=", 9) || !strncmp(w, "--output-document=", 18))
            add_file(r, strchr(w, '=') + 1);
        else if (w[0] == '>' && w[1])
            add_file(r, w + 1);
        else if (o && !o[1])
            r->out_next = 1;
        else if (o)
            add_file(r, o + 1);
        return;
    }
    if (!strcmp(b, "chmod")) {
        if (w[0] != '-' &&
            (strchr(w, 'x') || (isdigit((unsigned char)w[0]) && strpbrk(w, "1357"))) &&
            r->nargs == 1)
            r->chmod_x = 1;
        else if (r->chmod_x && downloaded(r, w))
            report(r, 2, w);
        return;
    }
    if (runner(r->name) && w[0] != '-' && !r->operand) {
        r->operand = 1; /* the program it runs; later words are that program's */
        if (downloaded(r, w))
            report(r, 2, w); /* sh /tmp/x.sh, python3 /tmp/x.py */
    }
}

static void on_sep(void *ud, pc_runsep kind)
{
    reader *r = ud;
    /* the substitution runs its output when it is a runner's words or
     * stands in a command's place (not as an assignment's value) */
    int outer_runs = r->name[0] ? runner(r->name) : !r->assigning;
    r->assigning = 0;
    r->name[0] = 0;
    r->nargs = r->after_prefix = r->out_next = r->chmod_x = r->operand = 0;
    switch (kind) {
    case PC_RUNSEP_PIPE:
        break; /* pipe_downloads carries on to the next stage */
    case PC_RUNSEP_SUBST:
        r->subst = 1;
        r->outer_runs = outer_runs;
        r->pipe_downloads = 0;
        break;
    case PC_RUNSEP_END:
        r->subst = r->outer_runs = r->pipe_downloads = 0;
        break;
    }
}

void pc_tool_fetch_text(pc_check_ctx *c, const char *text, size_t len)
{
    reader r = {.c = c};
    pc_runwords_cb cb = {on_word, on_sep, &r};
    pc_runwords_lines(text, len, &cb);
}
