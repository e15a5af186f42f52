/*
 * upx.h — a program packed by UPX: an ELF file whose loadable bytes are
 * compressed behind a small loader that rebuilds them in memory when the
 * program starts. No rule that reads the file sees the program that runs
 * (a packed netcat holds none of netcat's strings), so nested.c reads
 * what this unpacks as a member "(unpacked by UPX)".
 *
 * The packed file, as UPX writes it for Linux: the ELF header and program
 * headers of the loader; then its pack header (l_info: a checksum, the
 * magic "UPX!", the loader's size, UPX's version and the format) and the
 * packed program's header (p_info: an id, the program's size, UPX's block
 * size); then blocks, each a 12-byte b_info (size unpacked, size packed,
 * method, filter id, filter parameter, unused; little-endian) and its
 * packed bytes, up to a b_info of size 0. The first block is the
 * program's own ELF header and program headers; the next ones are the
 * file bytes of its PT_LOAD segments in their order (the first one's
 * without the headers already given); blocks after those (none, from
 * UPX 3.9x) are read after the program, as far as they unpack. A block
 * packed no smaller is
 * stored (its two sizes equal). Methods read: NRV2B, NRV2D and NRV2E with
 * 32-bit bit buffers (UPX's defaults), and LZMA (--lzma). The filter UPX
 * applies to code before packing (its id in b_info, the call and jump
 * targets of x86 code made absolute) is undone for the x86 filters
 * 0x46 and 0x49; other filters' bytes are given as they are (strings and
 * data are untouched by every filter, code is not).
 *
 * The magic and the loader's version strings prove nothing: they are
 * what a packer's user changes so that `upx -d` refuses the file, and the
 * loader never reads them. So a file is read as packed when the bytes
 * after its program headers lead through valid blocks to an ELF header;
 * one that carries the magic there and does not is a packed program this
 * cannot read.
 */
#ifndef PC_UPX_H
#define PC_UPX_H

#include <stddef.h>
#include <stdint.h>
#include "pcx.h"

/* 1 when an ELF file starting at p[0..n) (its head: at least the bytes
 * after its program headers and the first block) is one UPX packed: its
 * pack header's magic where UPX writes it, or a first block there that
 * unpacks to an ELF header. Not 1 for a file pc_upx_unpack says 0 of. */
int pc_upx_sniff(const unsigned char *p, size_t n);

/* Unpack an ELF file p[0..n) packed by UPX into *out (malloc'd, *outlen
 * bytes: the program's file, its ELF header and each PT_LOAD segment's
 * bytes at their offsets, zeros between them, then what blocks after the
 * segments unpack to), at most max bytes.
 * 1 when unpacked; 0 when the file is not one UPX packed (nothing
 * allocated); -1 when it is (its pack header's magic, or a first block
 * that unpacks to an ELF header) but cannot be unpacked: e says why (a
 * method not read, damaged or truncated blocks, more than max bytes,
 * out of memory). */
int pc_upx_unpack(const unsigned char *p, size_t n, uint64_t max, unsigned char **out,
                  size_t *outlen, pc_err *e);

#endif
