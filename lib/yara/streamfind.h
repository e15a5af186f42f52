/*
 * streamfind.h — where a compressed stream inside a file that is read in
 * blocks (over yara.max_file_bytes: a Go program with its payload
 * embedded, gzip'd) ends, found as the file's bytes go by. carve.h finds
 * such streams in a file held whole; a file read in blocks is never whole,
 * so yara_scan.c pushes its bytes from each candidate (carve.h's magic
 * numbers, as the decoder sniffs them) through the codec's decoder, output
 * dropped, and keeps the bytes the decoder consumed: the stream alone,
 * whatever lies around it. Those bytes are opened as any file's after the
 * block scan (nested.h).
 *
 * The decoders are the push interfaces of the libraries unwrap.c reads
 * with (zlib, liblzma, libzstd, libbz2, liblz4), within the same memory
 * limit: a stream that asks for more ends there (as a stream found inside
 * other bytes does in nested.c), and so does damage. One stream is read
 * (one gzip member, one xz stream, one zstd or lz4 frame): what follows it
 * is a candidate of its own.
 */
#ifndef PC_STREAMFIND_H
#define PC_STREAMFIND_H

#include <stddef.h>
#include <stdint.h>

typedef struct pc_sfind pc_sfind;

pc_sfind *pc_sfind_new(void);
void pc_sfind_free(pc_sfind *f);

/* Start a decoder on the stream that starts at p (n bytes of it at hand,
 * at least what carve.h's sniff needs): 1, or 0 when no stream of the
 * codecs starts there, -1 when out of memory. */
int pc_sfind_start(pc_sfind *f, const unsigned char *p, size_t n);

/* Push the stream's next n bytes (the first push begins at the stream's
 * first byte): how many of them belong to it; *ended: 1 once the stream
 * ended (its end, damage, the memory limit), then the rest is not its. */
size_t pc_sfind_push(pc_sfind *f, const unsigned char *p, size_t n, int *ended);

/* Bytes decoded so far. */
uint64_t pc_sfind_out(const pc_sfind *f);

/* Drop the decoder (pc_sfind_start may start another). */
void pc_sfind_stop(pc_sfind *f);

#endif
