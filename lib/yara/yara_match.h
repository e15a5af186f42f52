/*
 * yara_match.h — YARA rules that matched, as pc_match entries (rule name
 * and metas, copied into an arena), and the rules over a buffer that is
 * not a file of the image: the command line and environment a run starts
 * with (check_suspicious_tool.c).
 */
#ifndef PC_YARA_MATCH_H
#define PC_YARA_MATCH_H

#include <stddef.h>
#include <stdint.h>
#include "pcx.h"
#include "pcx/arena.h"
#include "layer/facts.h"
#include "yara/yara_rules.h"

struct YR_RULE;
struct YR_SCAN_CONTEXT;

/* The rules a scan matched, gathered by pc_yara_hits_cb (a YR_SCANNER
 * callback whose user data is the pc_yara_hits); oom: one was lost. */
typedef struct pc_yara_hits {
    const struct YR_RULE **v;
    size_t n, cap;
    int oom;
} pc_yara_hits;
int pc_yara_hits_cb(struct YR_SCAN_CONTEXT *ctx, int msg, void *data, void *ud);

/* n matched rules as n pc_match entries in a (*out NULL when n is 0);
 * -1 when out of memory. */
int pc_yara_matches_of(const struct YR_RULE *const *hits, size_t n, pc_arena *a, pc_match **out);

/* Every rule of r that matches the n bytes at p, in a (a scanner of its
 * own: safe from any thread). The externals are those of a file with no
 * name, mode 0 and owner 0. timeout_s bounds the scan (0: none). 0, or -1
 * with the reason in e (libyara's error, the timeout, out of memory): the
 * caller fails closed. */
int pc_yara_match_buf(const pc_rules *r, uint64_t timeout_s, const void *p, size_t n, pc_arena *a,
                      pc_match **out, size_t *nout, pc_err *e);

/* Seconds as libyara's scanner timeout takes them (an int: clamped). */
int pc_yara_timeout(uint64_t seconds);

#endif
