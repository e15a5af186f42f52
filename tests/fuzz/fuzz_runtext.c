/*
 * fuzz_runtext.c — libFuzzer target: the run's text as the package and
 * fetch signals read it (lib/check/runwords.c, tool_install.c,
 * tool_fetch.c). Input: the text (the run's argv joined, its environment
 * and its other commands, a line each). Checked: every word is non-empty,
 * shorter than PC_RUNWORD_MAX and holds no blank, quote or separator;
 * the readers record only findings of their own kind, with no path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "check/check.h"
#include "check/runwords.h"
#include "check/tool_fetch.h"
#include "check/tool_install.h"

static void on_word(void *ud, const char *w)
{
    size_t n = strlen(w);
    FZ_CHECK(n > 0 && n < PC_RUNWORD_MAX, "word of %zu bytes", n);
    FZ_CHECK(strcspn(w, " \t\r\n;&|()`'\"\\") == n || (w[0] == '$' && w[1] == '{'),
             "a separator in word \"%.40s\"", w);
    ++*(size_t *)ud;
}

static void on_sep(void *ud, pc_runsep kind)
{
    (void)ud;
    FZ_CHECK(kind == PC_RUNSEP_END || kind == PC_RUNSEP_PIPE || kind == PC_RUNSEP_SUBST,
             "separator kind %d", (int)kind);
}

static pc_toolpkgs *lists(void)
{
    static const struct {
        const char *rel, *text;
    } l[] = {
        {"packages/debian.tsv", "nmap\tscanner\thigh\tx\nsocat\trelay\tmedium\tx\n"},
        {"packages/alpine.tsv", "nmap\tscanner\thigh\tx\n"},
        {"packages/rpm.tsv", "nmap-ncat\trelay\thigh\tx\n"},
        {"packages/pypi.tsv", "impacket\texploitation\thigh\tx\n"},
        {"packages/rubygems.tsv", "evil-winrm\texploitation\thigh\tx\n"},
        {"packages/cargo.tsv", "rustscan\tscanner\thigh\tx\n"},
        {"packages/go.tsv", "github.com/ffuf/ffuf\tweb-attack\thigh\tx\n"},
    };
    pc_toolpkgs *t = pc_toolpkgs_new();
    pc_err e;
    for (size_t i = 0; t && i < sizeof l / sizeof l[0]; i++)
        FZ_CHECK(pc_toolpkgs_add(t, l[i].rel, l[i].rel, l[i].text, strlen(l[i].text), &e) == 0,
                 "%s", e.msg);
    if (t)
        pc_toolpkgs_done(t);
    return t;
}

extern const pc_check pc_check_suspicious_tool;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t words = 0;
    pc_runwords_cb cb = {on_word, on_sep, &words};
    pc_runwords((const char *)data, size, &cb);
    pc_toolpkgs *t = lists();
    if (!t)
        return 0;
    pc_result *r = calloc(1, sizeof *r); /* pc_result_free frees it */
    if (!r) {
        pc_toolpkgs_free(t);
        return 0;
    }
    pc_check_ctx c = {.check = &pc_check_suspicious_tool, .tools = t, .res = r};
    pc_tool_install_text(&c, (const char *)data, size);
    pc_tool_fetch_text(&c, (const char *)data, size);
    for (size_t i = 0; i < r->nfindings; i++) {
        const pc_finding *f = &r->findings[i];
        FZ_CHECK(f->path == NULL, "a finding with a path");
        FZ_CHECK(f->rule && (!strncmp(f->rule, "package:", 8) || !strcmp(f->rule, "run_fetch_exec")),
                 "rule %s", f->rule ? f->rule : "(null)");
    }
    pc_result_free(r);
    pc_toolpkgs_free(t);
    return 0;
}
