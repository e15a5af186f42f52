/*
 * yara_match.c — see yara_match.h.
 */
#include <limits.h>
#include <string.h>
#include <yara.h>
#include "yara/yara_match.h"

static const char *meta_string(const YR_RULE *rule, const char *name)
{
    const YR_META *meta;
    yr_rule_metas_foreach(rule, meta)
    {
        if (meta->type == META_TYPE_STRING && strcmp(meta->identifier, name) == 0)
            return meta->string;
    }
    return NULL;
}

static const char *arena_dup(pc_arena *a, const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *p = pc_arena_strdup(a, s);
    *oom |= p == NULL;
    return p;
}

int pc_yara_matches_of(const YR_RULE *const *hits, size_t n, pc_arena *a, pc_match **out)
{
    size_t bytes;
    *out = NULL;
    if (n == 0)
        return 0;
    if (__builtin_mul_overflow(n, sizeof(pc_match), &bytes))
        return -1;
    pc_match *m = pc_arena_alloc(a, bytes);
    int oom = m == NULL;
    for (size_t i = 0; m && i < n; i++) {
        const YR_RULE *r = hits[i];
        m[i].rule = arena_dup(a, r->identifier, &oom);
        m[i].tool = arena_dup(a, meta_string(r, "tool"), &oom);
        m[i].desc = arena_dup(a, meta_string(r, "description"), &oom);
        m[i].severity = arena_dup(a, meta_string(r, "severity"), &oom);
        m[i].category = arena_dup(a, meta_string(r, "category"), &oom);
        m[i].signal = arena_dup(a, meta_string(r, "signal"), &oom);
        m[i].member = NULL;
    }
    if (oom)
        return -1;
    *out = m;
    return 0;
}

int pc_yara_hits_cb(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *ud)
{
    pc_yara_hits *h = ud;
    (void)ctx;
    if (msg != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;
    if (pc_grow((void **)&h->v, &h->cap, h->n + 1, sizeof *h->v) < 0) {
        h->oom = 1;
        return CALLBACK_ERROR;
    }
    h->v[h->n++] = data;
    return CALLBACK_CONTINUE;
}

int pc_yara_match_buf(const pc_rules *r, uint64_t timeout_s, const void *p, size_t n, pc_arena *a,
                      pc_match **out, size_t *nout, pc_err *e)
{
    YR_SCANNER *yr = NULL;
    pc_yara_hits h = {0};
    *out = NULL;
    *nout = 0;
    if (yr_scanner_create(pc_rules_yr(r), &yr) != ERROR_SUCCESS)
        return pc_err_set(e, "out of memory in the YARA scan");
    yr_scanner_set_callback(yr, pc_yara_hits_cb, &h);
    yr_scanner_set_timeout(yr, pc_yara_timeout(timeout_s));
    yr_scanner_set_flags(yr, 0);
    int rc = ERROR_INSUFFICIENT_MEMORY;
    if (yr_scanner_define_string_variable(yr, "filepath", "") == ERROR_SUCCESS &&
        yr_scanner_define_string_variable(yr, "filename", "") == ERROR_SUCCESS &&
        yr_scanner_define_integer_variable(yr, "filemode", 0) == ERROR_SUCCESS &&
        yr_scanner_define_integer_variable(yr, "fileuid", 0) == ERROR_SUCCESS)
        rc = yr_scanner_scan_mem(yr, (const uint8_t *)p, n);
    yr_scanner_destroy(yr);
    if (rc == ERROR_SUCCESS && !h.oom && pc_yara_matches_of(h.v, h.n, a, out) < 0)
        h.oom = 1;
    free(h.v);
    if (rc == ERROR_SCAN_TIMEOUT)
        return pc_err_set(e, "the YARA scan did not finish within %llu s (yara.timeout_seconds)",
                          (unsigned long long)timeout_s);
    if (rc != ERROR_SUCCESS || h.oom)
        return rc == ERROR_SUCCESS || rc == ERROR_INSUFFICIENT_MEMORY || h.oom
                   ? pc_err_set(e, "out of memory in the YARA scan")
                   : pc_err_set(e, "YARA scan failed (libyara error %d)", rc);
    *nout = h.n;
    return 0;
}

int pc_yara_timeout(uint64_t seconds)
{
    return seconds > INT_MAX ? INT_MAX : (int)seconds;
}
