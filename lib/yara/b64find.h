/*
 * b64find.h — a program or an archive carried as base64 text: a script
 * that runs `echo f0VMRg... | base64 -d > /tmp/x`, a heredoc, a Python
 * string handed to b64decode, or a .b64 file of its own. Its bytes are
 * no tool's bytes until the run decodes them, so the content scan would
 * never see them; nested.c scans what each run decodes to as a member
 * "(base64)".
 *
 * A run is a stretch of base64 letters and line breaks (`base64 -d`
 * ignores newlines; a backslash too, a shell line continuation), with
 * the stretches joined to it as string literals a language concatenates
 * ("AAA" "BBB", "AAA" + "BBB", b'...' over lines: Python, shell, Go, JS),
 * holding at least PC_B64_MIN bytes' worth of letters; it ends at padding
 * or at any other byte, and decodes from its first letter, as `base64 -d`
 * decodes what it is given (or as hex, or as \xHH escapes, when its
 * letters are only those: pc_enc_of). Lines may be indented (Python's
 * b64decode drops the blanks of an indented block). A run whose first
 * line starts after other bytes of that line (the "EOF" of `<<EOF`, the
 * last word of a self-extracting script's code, "begin-base64 644 f")
 * is also read from its second line: which of the two the run's decoder
 * is given, the bytes cannot say, and a shift by one letter makes every
 * byte after it another. Text is searched, and an ELF file held whole
 * (a compiled dropper's payload as a base64 string constant, which it
 * decodes and writes out: Go's encoding/base64, C's own decoder); not
 * other bytes with a NUL in their first PC_B64_HEAD.
 */
#ifndef PC_B64FIND_H
#define PC_B64FIND_H

#include <stddef.h>

#define PC_B64_MIN 64    /* decoded bytes below this are no program */
#define PC_B64_HEAD 1024 /* a NUL byte in this much of the head: no text */

/* A walk over p's runs (text, or an ELF file). */
typedef struct pc_b64_it {
    const unsigned char *p;
    size_t n, at;
    size_t alt, altlen; /* a run's second reading, from its second line (altlen 0: none) */
} pc_b64_it;

/* 1 when bytes starting with p[0..n) are text: not ELF, no NUL in
 * their first PC_B64_HEAD. */
int pc_b64_text(const unsigned char *p, size_t n);
/* A walk over p, which finds nothing in bytes that are neither text nor
 * an ELF file. */
void pc_b64_begin(pc_b64_it *it, const unsigned char *p, size_t n);
/* The same over bytes of a file known to be text (pc_b64_text of its
 * start): a part of it, read in blocks. */
void pc_b64_begin_text(pc_b64_it *it, const unsigned char *p, size_t n);
/* The next run: its start and its length in p (*runlen), or NULL. */
const unsigned char *pc_b64_next(pc_b64_it *it, size_t *runlen);

/* 1 when p is text or an ELF file that holds a run. */
int pc_b64_wants(const unsigned char *p, size_t n);

/* Decode a run (base64 letters; line breaks and joins skipped) into out (room for
 * runlen / 4 * 3 + 3 bytes): the decoded length. */
size_t pc_b64_decode(const unsigned char *run, size_t runlen, unsigned char *out);

/* A run's letters may be another text encoding of bytes, which its
 * decoder reads instead: hex digits only (`xxd -r -p`, Python's
 * bytes.fromhex), or "\xHH" escapes (bash's printf and echo -e,
 * Python's and C's string literals). */
typedef enum { PC_ENC_BASE64, PC_ENC_HEX, PC_ENC_ESCAPED } pc_enc_kind;

/* The run's kind; *runlen may shrink (a heredoc's end word after hex
 * lines is left out). */
pc_enc_kind pc_enc_of(const unsigned char *run, size_t *runlen);
/* "base64", "hex", "escaped" */
const char *pc_enc_name(pc_enc_kind k);
/* Decode a run as kind into out (room for runlen / 4 * 3 + 3 bytes, which
 * holds any kind's): the decoded length. */
size_t pc_enc_decode(pc_enc_kind k, const unsigned char *run, size_t runlen, unsigned char *out);
/* The offset in run[0..runlen) after skip letters of kind k's alphabet
 * (base64's or hex's: where a reading that skips them starts), or
 * runlen. */
size_t pc_enc_skip(const unsigned char *run, size_t runlen, size_t skip, pc_enc_kind k);
/* How many readings a run of kind k found in a program gets: a string
 * constant's letters join those of the strings stored before it (Go
 * stores them with nothing between), so a base64 run is read from each
 * of its first four letters, a hex run from its first two. */
size_t pc_enc_shifts(pc_enc_kind k);
/* 1 when what a run found in a program decodes to (d[0..n)) is worth
 * reading: it starts as a program, a script, a compressed stream (zlib's
 * too, as carve.h reads it) or an archive, holds one after its start
 * (carve.h), or is text (a command a
 * dropper hands to a shell). Most runs of letters in a program are its
 * own identifiers and data, which decode to none of these. */
int pc_enc_worth(const unsigned char *d, size_t n);

#endif
