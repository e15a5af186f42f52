/*
 * tesrun.h — how a TES backend starts an executor, as the run contexts
 * its verdict is judged on (include/portcullis.h, pc_runctx).
 *
 * A backend's start semantics (--tes-start, else the policy's
 * sandbox.start) say what an executor's command replaces:
 *   kubernetes  command replaces ENTRYPOINT and drops CMD (a pod's
 *               `command`); the program judged is command[0];
 *   shell       ENTRYPOINT becomes ["/bin/sh", "-c", COMMAND] (the
 *               command's words joined by spaces, each quoted for sh),
 *               CMD dropped: the program started is /bin/sh, and
 *               command[0] is judged as well, as a second run in
 *               kubernetes semantics, unless sh runs it itself (a
 *               builtin or reserved word);
 *   docker      command replaces CMD, ENTRYPOINT stays (`docker run
 *               IMAGE COMMAND...`).
 * workdir and env are part of every run context (the second one's too:
 * env may change PATH, through which sh finds command[0]).
 */
#ifndef WH_TESRUN_H
#define WH_TESRUN_H

#include <jansson.h>
#include <stddef.h>
#include "portcullis.h"
#include "pcx.h"

typedef enum { WH_TES_KUBERNETES, WH_TES_SHELL, WH_TES_DOCKER } wh_tes_start;

/* "kubernetes", "shell", "docker": 0 and *out set; -1 otherwise. */
int wh_tes_start_parse(const char *name, wh_tes_start *out);
const char *wh_tes_start_name(wh_tes_start s);

/* One executor as tes.c read it (every pointer borrowed from the task's
 * JSON, every value checked: strings without NUL, paths absolute). */
typedef struct wh_tes_executor {
    json_t *command;     /* a non-empty array of strings, or NULL: the image's default */
    const char *workdir; /* or NULL: the image's WorkingDir */
    json_t *env;         /* an object of strings (names without '='), or NULL */
    const char *stdin_path, *stdout_path, *stderr_path; /* or NULL */
    size_t twin; /* index in the task's images of command[0] judged as the program
                  * (shell semantics), 0 when there is none */
} wh_tes_executor;

/* arg as one sh word, appended to b: as is when it is non-empty and every
 * byte is in [A-Za-z0-9_./:=@%+,-], else in single quotes (a quote as
 * '\''). */
void wh_tes_sh_quote(pc_buf *b, const char *arg);
/* 1 when sh runs word itself: a POSIX sh (dash) builtin or reserved word. */
int wh_tes_sh_builtin(const char *word);

/* The run contexts of executor e started under start. *run (initialised
 * here) is how it starts; *prog (initialised here) is, under shell
 * semantics, the command's own program judged as the one started
 * (prog->given is 0 when there is none: no command, only assignments, or
 * a builtin). 0, or -1 with a message (out of memory); both are then
 * empty. */
int wh_tes_runs(wh_tes_start start, const wh_tes_executor *e, pc_runctx *run, pc_runctx *prog,
                char *err, size_t errlen);

#endif
