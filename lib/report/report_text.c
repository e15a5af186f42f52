/*
 * report_text.c — the human-readable report, grouped by image:
 *
 *   IMAGE (DIGEST, PLATFORM, policy NAME): DENY
 *     DENY  setuid-file  /usr/bin/passwd  (layer sha256:abcd1234ef01…)  message
 *     WARN  privileged-port  message
 *     sandbox: program /usr/bin/python3.11, user 1001:1001, needs root: no, needs caps: none,
 *       privileged ports: none            (one line)
 *     3 layers, 1234 files, 5.4 MiB, 12 ms
 *
 *   N image(s): N allowed, N denied
 *
 * Deny findings come before warn findings; within each, scanner order.
 * Paths, rule names and messages come from the image, so everything a
 * terminal would act on (control characters, C1, bidi overrides, bytes
 * that are not UTF-8) is printed as \xNN: a hostile file name can neither
 * inject escape codes nor make a path look like another one.
 */
#include <stdint.h>
#include <string.h>
#include "report/report.h"
#include "pcx.h"

#define ANSI_RED "\x1b[31m"
#define ANSI_YELLOW "\x1b[33m"
#define ANSI_GREEN "\x1b[32m"
#define ANSI_RESET "\x1b[0m"

static int unsafe_cp(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Print at most max bytes of s, escaping what unsafe_cp rejects. */
static void put_safe_n(FILE *out, const char *s, size_t max)
{
    size_t i = 0;
    while (i < max && s[i]) {
        uint32_t cp;
        size_t n = pc_utf8_decode(s + i, &cp);
        if (n > 0 && n <= max - i && !unsafe_cp(cp)) {
            fwrite(s + i, 1, n, out);
            i += n;
            continue;
        }
        size_t k = n ? n : 1;
        if (k > max - i)
            k = max - i;
        for (size_t j = 0; j < k; j++)
            fprintf(out, "\\x%02x", (unsigned char)s[i + j]);
        i += k;
    }
}

static void put_safe(FILE *out, const char *s)
{
    put_safe_n(out, s, SIZE_MAX);
}

static void put_word(FILE *out, const char *word, const char *ansi, int color)
{
    if (color)
        fprintf(out, "%s%s%s", ansi, word, ANSI_RESET);
    else
        fputs(word, out);
}

/* "sha256:" and the first 12 hex digits: enough to tell layers apart. */
static void put_layer(FILE *out, const char *layer)
{
    const char *hex = strchr(layer, ':');
    hex = hex ? hex + 1 : layer;
    if (strlen(hex) <= 12) {
        put_safe(out, layer);
        return;
    }
    put_safe_n(out, layer, (size_t)(hex - layer) + 12);
    fputs("\xe2\x80\xa6", out); /* … */
}

static void write_header(FILE *out, const pc_result *r, int color)
{
    const char *parts[3] = {r->digest, r->platform, r->policy};
    const char *sep = " (";
    put_safe(out, r->image ? r->image : "(unnamed image)");
    if (r->subject) {
        fputs(" [", out);
        put_safe(out, r->subject);
        fputc(']', out);
    }
    for (int i = 0; i < 3; i++) {
        if (!parts[i])
            continue;
        fputs(sep, out);
        if (i == 2)
            fputs("policy ", out);
        put_safe(out, parts[i]);
        sep = ", ";
    }
    if (sep[0] == ',')
        fputc(')', out);
    fputs(": ", out);
    if (r->denied)
        put_word(out, "DENY", ANSI_RED, color);
    else
        put_word(out, "ALLOW", ANSI_GREEN, color);
    fputc('\n', out);
    if (r->exempt) {
        fputs("  exempt by policy: ", out);
        put_safe(out, r->exempt);
        fputc('\n', out);
    }
}

static void write_finding(FILE *out, const pc_finding *f, int color)
{
    fputs("  ", out);
    if (f->action == PC_ACTION_DENY)
        put_word(out, "DENY", ANSI_RED, color);
    else if (f->action == PC_ACTION_WARN)
        put_word(out, "WARN", ANSI_YELLOW, color);
    else if (f->waived_by)
        put_word(out, "WAIVED", "", color);
    else
        put_word(out, "AUDIT", "", color);
    fputs("  ", out);
    put_safe(out, f->check ? f->check : "unknown");
    if (f->path) {
        fputs("  ", out);
        put_safe(out, f->path);
    }
    if (f->layer || f->rule) {
        fputs("  (", out);
        if (f->layer) {
            fputs("layer ", out);
            put_layer(out, f->layer);
        }
        if (f->rule) {
            fputs(f->layer ? ", rule " : "rule ", out);
            put_safe(out, f->rule);
        }
        if (f->step) {
            fputs(", step ", out);
            put_safe(out, f->step);
        }
        fputc(')', out);
    }
    if (f->message) {
        fputs("  ", out);
        put_safe(out, f->message);
    }
    if (f->would_deny)
        fputs("  [would deny: the policy's mode does not enforce it]", out);
    if (f->waived_by) {
        fputs("  [waived by ", out);
        put_safe(out, f->waived_by);
        fputc(']', out);
    }
    fputc('\n', out);
}

/* What the image needs to run, the report's sandbox object on one line. */
static void write_sandbox(FILE *out, const pc_sandbox_info *s)
{
    fputs("  sandbox: program ", out);
    put_safe(out, s->program ? s->program : "(none)");
    fputs(", user ", out);
    put_safe(out, s->user ? s->user : "(unknown)");
    fprintf(out, ", needs root: %s, needs caps: ", s->needs_root ? "yes" : "no");
    for (size_t i = 0; i < s->nneeds_caps; i++) {
        if (i)
            fputc(',', out);
        put_safe(out, s->needs_caps[i]);
    }
    if (s->nneeds_caps == 0)
        fputs("none", out);
    fputs(", privileged ports: ", out);
    for (size_t i = 0; i < s->nprivileged_ports; i++)
        fprintf(out, "%s%u", i ? "," : "", s->privileged_ports[i]);
    if (s->nprivileged_ports == 0)
        fputs("none", out);
    fputs("\n  run:", out);
    for (size_t i = 0; i < s->nargv; i++) {
        fputc(' ', out);
        put_safe(out, s->argv[i]);
    }
    if (s->nargv == 0)
        fputs(" (no program)", out);
    if (s->no_new_privileges)
        fputs(" (no_new_privileges)", out);
    fprintf(out, "\n  as: user from the %s, groups ", s->user_from ? s->user_from : "image");
    for (size_t i = 0; i < s->ngroups; i++)
        fprintf(out, "%s%u", i ? "," : "", s->groups[i]);
    if (s->ngroups == 0)
        fputs("none", out);
    fputs(", capabilities ", out);
    for (size_t i = 0; i < s->ncapabilities; i++) {
        if (i)
            fputc(',', out);
        put_safe(out, s->capabilities[i]);
    }
    if (s->ncapabilities == 0)
        fputs("none", out);
    fputc('\n', out);
}

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

static void write_image(FILE *out, const pc_result *r, int color)
{
    static const pc_action order[3] = {PC_ACTION_DENY, PC_ACTION_WARN, PC_ACTION_IGNORE};
    size_t shown = 0;
    write_header(out, r, color);
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; r->findings && i < r->nfindings; i++) {
            if (r->findings[i].action != order[pass] || !pc_report_finding_shown(&r->findings[i]))
                continue;
            write_finding(out, &r->findings[i], color);
            shown++;
        }
    }
    if (shown == 0)
        fputs("  no findings\n", out);
    if (!r->scan_failed)
        write_sandbox(out, &r->sandbox);
    const pc_stats *st = &r->stats;
    char size[32];
    pc_format_size(st->bytes, size, sizeof size);
    fprintf(out, "  %u layer%s (%u from cache), %llu file%s, %s, %llu ms\n", st->layers,
            plural(st->layers), st->cached_layers, (unsigned long long)st->files, plural(st->files),
            size, (unsigned long long)st->duration_ms);
}

int pc_report_write_text(FILE *out, pc_result *const *results, size_t n, int color)
{
    size_t denied = 0;
    for (size_t i = 0; i < n; i++) {
        write_image(out, results[i], color);
        fputc('\n', out);
        denied += results[i]->denied != 0;
    }
    fprintf(out, "%zu image(s): %zu allowed, %zu denied\n", n, n - denied, denied);
    return ferror(out) ? -1 : 0;
}
