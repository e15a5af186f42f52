/*
 * yarasrc.h — a small reader of YARA rule source, for the prefilter
 * (prefilter.h): each rule's name and flags, its strings (kind, raw
 * value, modifiers) and its condition as tokens.
 *
 * It is not a YARA compiler and need not accept everything libyara does:
 * source it does not understand is an error, and the prefilter then stays
 * off. What it does read is checked against libyara's compiled rules
 * (prefilter.c) before anything is trusted.
 */
#ifndef PC_YARASRC_H
#define PC_YARASRC_H

#include <stddef.h>
#include "pcx.h"

typedef enum ys_tokkind {
    YS_IDENT,  /* identifiers and keywords */
    YS_STRID,  /* $name, $name*, $ */
    YS_COUNT,  /* #name */
    YS_OFFSET, /* @name */
    YS_LENGTH, /* !name */
    YS_NUM,    /* a number as written (value in num when plain decimal) */
    YS_STR,    /* "..." */
    YS_REGEX,  /* /.../flags */
    YS_PUNCT   /* operators and punctuation, one to two characters */
} ys_tokkind;

typedef struct ys_tok {
    ys_tokkind kind;
    char text[72]; /* the token as written, cut at 71 bytes (cut is set) */
    int cut;
    long long num; /* YS_NUM: value of a plain decimal number, else -1 */
} ys_tok;

enum {
    YS_M_NOCASE = 1 << 0,
    YS_M_WIDE = 1 << 1,
    YS_M_ASCII = 1 << 2,
    YS_M_FULLWORD = 1 << 3,
    YS_M_PRIVATE = 1 << 4,
    YS_M_XOR = 1 << 5,
    YS_M_BASE64 = 1 << 6,
    YS_M_BASE64WIDE = 1 << 7,
    YS_M_RE_I = 1 << 8, /* /.../i */
    YS_M_RE_S = 1 << 9  /* /.../s */
};

typedef enum ys_strkind { YS_TEXT, YS_HEX, YS_REGEXP } ys_strkind;

typedef struct ys_string {
    char *id; /* "$name" or "$" */
    ys_strkind kind;
    /* YS_TEXT: the decoded bytes; YS_HEX: the text between the braces;
     * YS_REGEXP: the text between the slashes, escapes as written */
    unsigned char *val;
    size_t len;
    unsigned mods;
} ys_string;

typedef struct ys_rule {
    char *name;
    int is_private, is_global;
    int line;
    ys_string *strs;
    size_t nstrs, capstrs;
    ys_tok *cond;
    size_t ncond, capcond;
} ys_rule;

typedef struct ys_file {
    ys_rule *rules;
    size_t n, cap;
} ys_file;

/* Read one file of rules. On error -1 with "line N: message" in e. */
int pc_yarasrc_parse(const char *src, size_t len, ys_file *out, pc_err *e);
void pc_yarasrc_free(ys_file *f);

#endif
