/*
 * decompress.h — the first stages of the layer pipeline: raw blob bytes are
 * counted against the descriptor size and hashed as they arrive, then
 * inflated (gzip via zlib, zstd via libzstd, or passed through) into the
 * tar bytes that libarchive reads. The output is capped, so a
 * decompression bomb stops at the limit instead of running for minutes.
 */
#ifndef PC_DECOMPRESS_H
#define PC_DECOMPRESS_H

#include <stdint.h>
#include <sys/types.h>
#include "err.h"
#include "image.h"
#include "stream.h"

typedef struct pc_unpack pc_unpack;

/* raw is owned by the unpacker. expect_size < 0: unknown. max_out: cap on
 * uncompressed bytes. hash_out: also hash the uncompressed bytes. */
pc_unpack *pc_unpack_new(pc_stream *raw, pc_compression comp, int64_t expect_size, uint64_t max_out,
                         int hash_out);
/* Uncompressed bytes; 0 at the end of the (last) compressed frame, -1 on error. */
ssize_t pc_unpack_read(pc_unpack *u, void *buf, size_t n, pc_err *e);
/* Drain what is left (the tar end blocks, padding), check the size and
 * write the digests of the raw and (when asked) uncompressed streams. */
int pc_unpack_finish(pc_unpack *u, char raw_digest[72], char out_digest[72], pc_err *e);
uint64_t pc_unpack_out_bytes(const pc_unpack *u);
void pc_unpack_free(pc_unpack *u);

#endif
