/*
 * decompress.h — the first stages of the layer pipeline: raw blob bytes are
 * counted against the descriptor size and hashed as they arrive, then
 * decoded into the tar bytes the tar reader reads, and those are hashed
 * too (the diff id). How to decode is decided by the first bytes, as
 * containerd 1.6 decides it: a SNIFF layer is gunzipped when it starts
 * with gzip's magic, unzstd'ed when it starts with zstd's (or a zstd
 * skippable frame), else read raw, whatever compression its media type
 * names; a RAW layer (OCI ...layer.v1.tar) is read as it is. Bytes that
 * container runtimes would decode differently are refused: compressed
 * magic on a RAW layer (Docker decompresses every layer it pulls), and
 * bzip2 or xz magic on any layer (Docker decompresses those, containerd
 * does not). The output is capped, so a decompression bomb stops at the
 * limit instead of running for minutes.
 */
#ifndef PC_DECOMPRESS_H
#define PC_DECOMPRESS_H

#include <stdint.h>
#include <sys/types.h>
#include "pcx.h"
#include "image/image.h"
#include "source/stream.h"

typedef struct pc_unpack pc_unpack;

/* raw is owned by the unpacker. media_type (borrowed, may be NULL) only
 * names the layer's declared type in messages. expect_size < 0: unknown.
 * max_out: cap on uncompressed bytes. */
pc_unpack *pc_unpack_new(pc_stream *raw, pc_decode_class cls, const char *media_type,
                         int64_t expect_size, uint64_t max_out);
/* Sniff the first bytes and choose the codec, or refuse the layer. Done by
 * the first pc_unpack_read if not called before; calling it first gives
 * the refusal without anything else in the way. */
int pc_unpack_start(pc_unpack *u, pc_err *e);
/* Uncompressed bytes; 0 at the end of the (last) compressed frame, -1 on error. */
ssize_t pc_unpack_read(pc_unpack *u, void *buf, size_t n, pc_err *e);
/* Drain what is left (the tar end blocks, padding and anything after the
 * end of the archive: decoded, hashed and limited like the rest), check
 * the size and write the digests of the raw and uncompressed streams. */
int pc_unpack_finish(pc_unpack *u, char raw_digest[72], char out_digest[72], pc_err *e);
/* The codec the bytes chose (valid after pc_unpack_start). */
pc_compression pc_unpack_codec(const pc_unpack *u);
/* After a failure: read the rest of the blob undecoded and give its
 * digest, so a corrupted blob is reported as what it is (a digest
 * mismatch) rather than as whatever its decoded bytes broke. */
int pc_unpack_raw_digest(pc_unpack *u, char raw_digest[72], pc_err *e);
uint64_t pc_unpack_out_bytes(const pc_unpack *u);
/* on 1: pc_unpack_read no longer hashes what it returns; whoever takes
 * the bytes hashes each one, once and in order, with pc_unpack_hash_out
 * (the inflate thread, readahead.c, leaves the uncompressed digest to the
 * thread that walks the tar: the work of one big layer is split more
 * evenly). on 0: pc_unpack_read hashes again. */
void pc_unpack_out_hash_by_caller(pc_unpack *u, int on);
void pc_unpack_hash_out(pc_unpack *u, const void *buf, size_t n);
void pc_unpack_free(pc_unpack *u);

#endif
