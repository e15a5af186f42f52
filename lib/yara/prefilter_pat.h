/*
 * prefilter_pat.h — a YARA string (yarasrc.h) as vectorscan expressions
 * that match wherever YARA's string could: a text string (nocase, wide,
 * ascii), a hex string (wildcards, nibbles, jumps, alternatives) or a
 * regular expression (i, s; compiled in prefilter mode). The expressions
 * may match more than YARA does (fullword is ignored), never less.
 * xor, base64 and wide regular expressions are not converted.
 */
#ifndef PC_PREFILTER_PAT_H
#define PC_PREFILTER_PAT_H

#include <stddef.h>
#include "yara/yarasrc.h"

typedef struct pf_expr {
    char *re;       /* the expression, bytes written as \xHH */
    unsigned flags; /* HS_FLAG_* */
} pf_expr;

/* out[0..*nout) (one or two: ascii, wide), each re to be freed. On -1 the
 * string cannot be prefiltered and *why says why (static text); nothing is
 * left allocated. */
int pc_pf_string_exprs(const ys_string *s, pf_expr out[2], size_t *nout, const char **why);

#endif
