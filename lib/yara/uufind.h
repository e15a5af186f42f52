/*
 * uufind.h — a program or an archive carried as uuencoded text: a shell
 * archive (`shar`, which uuencodes every binary file and pipes it to
 * `uudecode` when it runs), or a file `uuencode` wrote. Like base64
 * (b64find.h), its bytes are no tool's bytes until the run decodes them;
 * nested.c scans what each body decodes to as a member "(uuencoded)".
 *
 * A body starts on the line after "begin MODE NAME" (MODE octal) and is
 * read line by line as uudecode reads it: each line's first character
 * gives its byte count (0-63, ' ' + n, '`' for 0), the characters after it
 * four for three bytes; it ends at a line of count 0, at "end", or at the
 * first line that is not such a line. A one-character prefix on every line
 * (shar's "X", taken off by `sed 's/^X//'` before uudecode) is taken off
 * too when the first line reads only without it. Only text is searched
 * (as for base64: not ELF, no NUL in the head).
 */
#ifndef PC_UUFIND_H
#define PC_UUFIND_H

#include <stddef.h>

/* A walk over p's uuencoded bodies. */
typedef struct pc_uu_it {
    const unsigned char *p;
    size_t n, at;
} pc_uu_it;

void pc_uu_begin(pc_uu_it *it, const unsigned char *p, size_t n);
/* The same over bytes of a file known to be text (pc_b64_text). */
void pc_uu_begin_text(pc_uu_it *it, const unsigned char *p, size_t n);
/* The next body that decodes to at least PC_B64_MIN bytes: its start (the
 * first line after "begin"), its length (*len, up to the end of its last
 * line) and its prefix length (*prefix: 0 or 1); NULL when none is left. */
const unsigned char *pc_uu_next(pc_uu_it *it, size_t *len, size_t *prefix);
/* 1 when p is text that holds such a body. */
int pc_uu_wants(const unsigned char *p, size_t n);
/* Decode a body into out (room for len / 4 * 3 + 3 bytes): the decoded
 * length. */
size_t pc_uu_decode(const unsigned char *body, size_t len, size_t prefix, unsigned char *out);

#endif
