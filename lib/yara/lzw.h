/*
 * lzw.h — the "compress" format (.Z: LZW codes of 9 to 16 bits, the
 * magic 1f 9d), which gzip -d, zcat and uncompress all decode, so a file
 * an image carries in it is as much an archive as a .gz (unwrap.h). Read
 * as gzip's unlzw reads it: codes packed least significant bit first, in
 * groups of 8 codes whose padding is skipped when the code width grows or
 * a CLEAR code (block mode) resets the table.
 */
#ifndef PC_LZW_H
#define PC_LZW_H

#include <stddef.h>
#include <sys/types.h>
#include "yara/pullbuf.h"

typedef struct pc_lzw pc_lzw;

/* A decoder of what in holds from its position: the 3-byte header, then
 * the codes; NULL when out of memory or the header is not one (in is
 * borrowed and must outlive the decoder). */
pc_lzw *pc_lzw_new(pc_pullbuf *in);
/* Up to n decoded bytes: the count, 0 at the end, -1 on a code that
 * cannot be (what came before was returned). */
ssize_t pc_lzw_read(pc_lzw *z, unsigned char *out, size_t n);
void pc_lzw_free(pc_lzw *z);

#endif
