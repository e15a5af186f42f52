/*
 * yaracond.h — does a rule's condition need one of the rule's strings?
 *
 * A rule is string-gated when its condition cannot be true unless at
 * least one of its own strings matched. The prefilter (prefilter.h) may
 * skip YARA for a file only when every reported rule is gated, so the
 * answer must never be "gated" for a condition that could be true without
 * a string: only known forms are accepted, anything else is "not gated".
 * The strings that gate it may be fewer than all its strings ("$a and $b"
 * is gated by $a alone): the prefilter looks for those only.
 */
#ifndef PC_YARACOND_H
#define PC_YARACOND_H

#include <stddef.h>
#include <stdint.h>
#include "yara/yarasrc.h"

/* 1 when rule r's condition is string-gated, with its gate set in keep
 * (r->nstrs bytes, keep[k] set for string k): the condition cannot be
 * true unless one of those strings matched. 0 when it is not gated (keep
 * undefined), -1 when out of memory. */
int pc_yaracond_gate(const ys_rule *r, unsigned char *keep);

/* Where string k of rule r can count at all: 1 with *at set when every
 * mention of it in the condition is "$k at N" with the same plain decimal
 * N, closed by `and`, `or`, ")" or the condition's end (no count, offset,
 * length, set, wildcard or `them` can name it): a match of $k anywhere
 * else changes nothing the condition says, so the prefilter need only
 * look for it there. 0 otherwise (also when $k is not mentioned). */
int pc_yaracond_anchor(const ys_rule *r, size_t k, uint64_t *at);

/* What a file starts with, as rules test it (uint32be(0) == 0x7f454c46,
 * uint16(0) == 0x2123 ...): one bit each. */
enum {
    PC_HEAD_ELF = 1,     /* 7f 45 4c 46 */
    PC_HEAD_SHEBANG = 2, /* "#!" */
    PC_HEAD_OTHER = 4,   /* anything else, files under 4 bytes included */
    PC_HEAD_ALL = 7
};

/* The heads of the files rule r can match: PC_HEAD_ALL but where its
 * condition needs one (`and`) of those tests to be true or false. */
unsigned pc_yaracond_heads(const ys_rule *r);

#endif
