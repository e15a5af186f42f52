/*
 * yara_scan.h — the YARA content visitor. One pc_yara_scan per worker
 * thread, each with its own YR_SCANNER made from the shared, read-only
 * compiled rules; plugged into a layer walk as its pc_file_visitor.
 *
 * Which regular files are scanned: ELF files (by magic), scripts (by
 * shebang) and any file with an exec bit; every regular file when the
 * scan profile says yara.scan_all_files. A file up to yara.max_file_bytes is
 * scanned whole; a larger one goes by in bounded, overlapping blocks
 * pulled from the tar stream, so memory never grows with file size, and
 * buffers above PC_YARA_OWN come from the scan's pool of big buffers (at
 * most one per worker). A
 * scan that takes longer than yara.timeout_seconds fails the layer (a
 * file that could not be scanned is a scan-error, never a pass). Matches
 * become pc_match entries (rule name, meta tool, description, severity)
 * on the file's pc_entry, in the layer's arena.
 */
#ifndef PC_YARA_SCAN_H
#define PC_YARA_SCAN_H

#include <stddef.h>
#include "pcx.h"
#include "layer/layer.h"
#include "profile/profile.h"
#include "yara/yara_rules.h"

/* Bytes kept from one block to the next, so a match that straddles a
 * block boundary is still found: YARA's own limit on the length of a
 * string match (YR_RE_SCAN_LIMIT). */
#define PC_YARA_OVERLAP 4096
/* Size of the first block of a file over max_file_bytes (the block the
 * conditions see): max_file_bytes, within these. */
#define PC_YARA_BLOCK_MIN (64u << 10)
#define PC_YARA_BLOCK_MAX (8u << 20)
/* A worker's own buffer: files up to this size are read into it while
 * every big buffer is held, and the blocks after the first of a
 * block-scanned file are (at most this size each; any size above
 * PC_YARA_OVERLAP finds the same matches). Anything bigger (a whole file
 * up to max_file_bytes, the first block) goes into one of the scan's big
 * buffers (pc_yara_pool), so a scan holds at most as many big buffers as
 * the pool has, whatever the image. */
#define PC_YARA_OWN (1u << 20)

typedef struct pc_yara_scan pc_yara_scan;
/* The big buffers the workers of one scan share, one holder at a time each. */
typedef struct pc_yara_pool pc_yara_pool;
#define PC_YARA_POOL_MAX 64 /* --jobs' own maximum */

/* nbufs big buffers (1 to PC_YARA_POOL_MAX), each allocated when first
 * held: NULL when out of memory. */
pc_yara_pool *pc_yara_pool_new(size_t nbufs);
void pc_yara_pool_free(pc_yara_pool *p);

/* prof must outlive the scanner, and pool (NULL: a big buffer of its own)
 * too. */
int pc_yara_scan_new(const pc_rules *rules, const pc_yara_profile *prof, pc_yara_pool *pool,
                     pc_yara_scan **out, pc_err *e);
void pc_yara_scan_free(pc_yara_scan *s);
/* Bytes given to YARA so far (whole files and blocks the prefilter did not
 * clear, overlaps counted): for tests and figures. */
uint64_t pc_yara_scan_yara_bytes(const pc_yara_scan *s);
/* Fill v so that a layer walk feeds files to s. */
void pc_yara_scan_visitor(pc_yara_scan *s, pc_file_visitor *v);
/* The bounds of what is read inside one file's archives (nested.h):
 * decoded bytes and members; meeting one fails the file. 0 keeps
 * nested.h's default. A scan sets limits.max_layer_bytes and
 * limits.max_files. */
void pc_yara_scan_archive_bounds(pc_yara_scan *s, uint64_t bytes, uint64_t members);

/* libyara's timeout for a block-scanned file of size bytes whose first
 * block is block bytes: per_block seconds (yara.timeout_seconds) for each
 * block-sized part of it, since libyara's timer runs over the whole
 * iteration, reading the blocks from the layer included. 0 stays 0 (no
 * timeout); saturates at INT_MAX. The scan's own deadline
 * (limits.timeout_seconds) bounds it too. */
int pc_yara_blocks_timeout(uint64_t per_block, uint64_t size, size_t block);

/* 1 when the file is one the profile has scanned (head: its first bytes). */
int pc_yara_wants(const pc_yara_profile *prof, const pc_entry *ent, const unsigned char *head,
                  size_t len);

#endif
