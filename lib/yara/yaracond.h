/*
 * yaracond.h — does a rule's condition need one of the rule's strings?
 *
 * A rule is string-gated when its condition cannot be true unless at
 * least one of its own strings matched. The prefilter (prefilter.h) may
 * skip YARA for a file only when every reported rule is gated, so the
 * answer must never be "gated" for a condition that could be true without
 * a string: only known forms are accepted, anything else is "not gated".
 */
#ifndef PC_YARACOND_H
#define PC_YARACOND_H

#include <stddef.h>
#include "yara/yarasrc.h"

/* 1 when the condition (its tokens, yarasrc.h) is string-gated, else 0. */
int pc_yaracond_gated(const ys_tok *t, size_t n);

#endif
