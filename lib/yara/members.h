/*
 * members.h — the files inside an archive an image carries (tar, zip,
 * ar: a .deb is an ar of tar streams; cpio: an .rpm's payload, an
 * initramfs), read one after the other from a
 * pull stream, so the content scan can look at each (nested.h). Only
 * regular files are returned; directories, links and the archive's own
 * tables are passed over.
 *
 * Reading is best effort and never trusted further than the bytes go: a
 * member whose size is not known before its data (zip's data descriptor)
 * is read to the end of its deflate stream; anything the reader cannot
 * follow (a damaged header, an encrypted member whose end it cannot find)
 * ends the walk (-1). Zip is read by its local headers, as a stream; the
 * walk keeps where it found each member (pc_members_zip_spans) so that the
 * caller can hold it against the central directory, which is what
 * unzip, Python and Java read (zipdir.h). A password-encrypted zip
 * member cannot be read: its local header is given in place of its bytes
 * (so that a rule can say what it is: rules/tools/opaque.yar). What no
 * program would stop at
 * is a bound, not damage: a zip member in a compression method this
 * reader does not decode, or whose decoder would need more memory than
 * allowed (unwrap.h), ends the walk with pc_members_bound saying why.
 */
#ifndef PC_MEMBERS_H
#define PC_MEMBERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "yara/pullbuf.h" /* pc_pull_fn */
#include "yara/unwrap.h"  /* pc_wrap_codec */

#define PC_MEMBERS_SNIFF 512 /* bytes pc_members_sniff wants (a tar header) */
#define PC_MEMBERS_NAME_MAX 255
#define PC_MEMBERS_SPANS ((16u << 20) / 46 + 1) /* zip spans kept (46: a directory entry) */

typedef enum { PC_ARC_NONE = 0, PC_ARC_TAR, PC_ARC_ZIP, PC_ARC_AR, PC_ARC_CPIO } pc_arc_kind;

/* The archive format the bytes start with: a tar header whose checksum
 * holds (ustar, GNU or V7), a zip local header, ar's global header, or a
 * cpio header (newc, crc or odc: the ASCII forms). */
pc_arc_kind pc_members_sniff(const unsigned char *p, size_t n);
const char *pc_members_kind_name(pc_arc_kind k); /* "tar", "zip", "ar", "cpio" */

typedef struct pc_members pc_members;

/* A reader of the archive made of pre[0..prelen) (bytes already pulled,
 * copied) then what fn gives. NULL when out of memory or prelen is over
 * PC_MEMBERS_SNIFF. */
pc_members *pc_members_new(pc_arc_kind k, const unsigned char *pre, size_t prelen, pc_pull_fn fn,
                           void *ud);
/* The next regular file: 1 (*name valid until the next call, *size its
 * length or -1 when the archive does not say), 0 at the end, -1 when the
 * archive cannot be followed further. */
int pc_members_next(pc_members *m, const char **name, int64_t *size);
/* The current member's bytes: count, 0 at its end, -1 on error. */
ssize_t pc_members_read(pc_members *m, void *buf, size_t n);
/* After the walk ended (next gave 0 or -1, or the caller stopped): the
 * bytes the reader had not consumed, then the rest of the stream. */
ssize_t pc_members_rest(pc_members *m, void *buf, size_t n);
void pc_members_free(pc_members *m);
/* The decoder of a zip compression method: 8 deflate, 12 bzip2, 14
 * LZMA, 93 zstd, 95 xz (what unzip, 7-Zip and Python's zipfile write);
 * NONE for stored (0) and the rest. */
pc_wrap_codec pc_members_zip_codec(uint16_t method);
/* The memory bound of a zip member's decoder (unwrap.h; the default is
 * PC_UNWRAP_MEMLIMIT). */
void pc_members_memlimit(pc_members *m, size_t memlimit);
/* The memory the reader holds (its buffer, a zip member's decoder's). */
size_t pc_members_memusage(const pc_members *m);
/* 1 when the current member is an encrypted zip member's local header,
 * read in place of its bytes (not to be opened as an archive). */
int pc_members_sealed(const pc_members *m);
/* Why the walk stopped at a bound (see above; "member X: ..."), or NULL
 * when it did not. */
const char *pc_members_bound(const pc_members *m);

/* A zip member as the walk found it: its local header, and its data from
 * data to end (stream offsets from the archive's first byte), as read. */
typedef struct pc_zip_span {
    uint64_t lho, data, end;
    uint16_t method;
} pc_zip_span;
/* The zip members walked so far (every local header, also the ones passed
 * over, up to PC_MEMBERS_SPANS: as many entries as a 16 MiB central
 * directory holds), in order; *cd_at: where the walk met the central directory (or
 * the end record), UINT64_MAX when it did not. */
size_t pc_members_zip_spans(const pc_members *m, const pc_zip_span **v, uint64_t *cd_at);

#endif
