/*
 * prefilter.h — a multi-pattern prefilter in front of YARA: vectorscan
 * databases holding the strings that gate each reported rule (and, for
 * files scanned in blocks, all its strings), scanned over a file before
 * YARA is. When it finds none of them, no
 * reported rule can match the file and YARA need not run: the findings
 * are the same, the bytes that match nothing go by at vectorscan's speed.
 *
 * That is sound only when every reported (non-private) rule is
 * string-gated (yaracond.h): its condition cannot be true unless one of
 * its gate strings matched (all its strings for "any of them", one of
 * them for "$a and $b"). The rules' source is read (yarasrc.h) and
 * checked against libyara's compiled rules (names, flags, strings, and
 * the bytes of every literal string); a rule that is not gated, a string
 * that cannot be converted (prefilter_pat.h), a mismatch, or a vectorscan
 * compile error leaves the prefilter off for the whole set, with the
 * reason in pc_prefilter_status. Any scan error means "scan with YARA".
 */
#ifndef PC_PREFILTER_H
#define PC_PREFILTER_H

#include <stddef.h>

struct YR_RULES;
typedef struct pc_prefilter pc_prefilter;
typedef struct pc_prefilter_scratch pc_prefilter_scratch;

/* One rule file, in the order it was compiled. */
typedef struct pc_pf_source {
    const char *name; /* for messages */
    const char *data;
    size_t len;
} pc_pf_source;

/* Build the prefilter of yr, compiled from src[0..n). NULL only when out
 * of memory; an unusable set gives an inactive prefilter. */
pc_prefilter *pc_prefilter_new(struct YR_RULES *yr, const pc_pf_source *src, size_t n);
void pc_prefilter_free(pc_prefilter *pf);

/* pc_prefilter_new in a child process (prefilter_proc.c), so the
 * compiler's peak memory stays out of this one; built here when that
 * fails. The same prefilter either way. */
pc_prefilter *pc_prefilter_build(struct YR_RULES *yr, const pc_pf_source *src, size_t n);

/* An inactive prefilter whose status is status (cut at 511 bytes). */
pc_prefilter *pc_prefilter_off(const char *status);

/* Kept in the rules cache (yara_cache.h) under pc_prefilter_cache_key:
 * an active prefilter as bytes (save; -1 when inactive or on error), and
 * back (load; NULL for anything it cannot use: then it is built again). */
void pc_prefilter_cache_key(const char *rules_digest, char out[72]);
int pc_prefilter_save(const pc_prefilter *pf, unsigned char **out, size_t *len);
pc_prefilter *pc_prefilter_load(const unsigned char *buf, size_t len);

/* 1 when files may be skipped with it. */
int pc_prefilter_active(const pc_prefilter *pf);
/* "on: N rules, M patterns" or "off: why". */
const char *pc_prefilter_status(const pc_prefilter *pf);

/* Per-thread scratch space; NULL for an inactive prefilter or on error
 * (then every file goes to YARA). */
pc_prefilter_scratch *pc_prefilter_scratch_new(const pc_prefilter *pf);
void pc_prefilter_scratch_free(pc_prefilter_scratch *s);

/* Which database a file goes through, from its first n bytes (n >= 4
 * when the file has them): 0 when it starts as ELF does, 1 for any other
 * file, shorter ones included (yaracond.h's heads). */
int pc_prefilter_head(const unsigned char *p, size_t n);

/* 0 when no reported rule can match buf; 1 when YARA must scan it (a
 * string may match, the prefilter is off, or anything failed). head is
 * the file's (pc_prefilter_head of its first bytes). A whole file (block
 * 0) is looked at for the strings that gate the rules (yaracond.h); one
 * block of a file scanned in blocks (block 1) for every string of the
 * rules, as YARA must be given each block where any of them occurs: a
 * block passed over takes its strings with it. */
int pc_prefilter_needs_scan(const pc_prefilter *pf, pc_prefilter_scratch *s, int head, int block,
                            const unsigned char *buf, size_t len);

/* pc_prefilter_needs_scan of a whole file, in the same pass also where
 * carve.h need look for a program or a compressed stream inside it
 * (*inner_at: a little before the first of its magic numbers after byte
 * 0; len when there is none; 1 when not known: the prefilter is off or
 * failed). zlib's headers are not among them: carve.h looks for those. */
int pc_prefilter_whole(const pc_prefilter *pf, pc_prefilter_scratch *s, const unsigned char *buf,
                       size_t len, size_t *inner_at);

/* pc_prefilter_needs_scan of one block of a file scanned in blocks
 * (block 1), which also calls each(ud, offset) for every magic number of
 * pc_carve_magics before PC_CARVE_ZLIB that starts in buf (in the order of their ends, once
 * each): 0 or 1 as pc_prefilter_needs_scan says; -1 when it could not
 * look (the prefilter is off or failed: scan the block, and look for the
 * magic numbers another way). */
int pc_prefilter_block(const pc_prefilter *pf, pc_prefilter_scratch *s, int head,
                       const unsigned char *buf, size_t len, void (*each)(void *ud, size_t at),
                       void *ud);

#endif
