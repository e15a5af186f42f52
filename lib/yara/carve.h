/*
 * carve.h — a program inside other bytes: an ELF executable appended to a
 * picture or a document, after a few bytes of a decoded blob, or in the
 * data of another program (a dropper that writes its payload out and
 * starts it), which a run cuts out with `tail -c +N` or `dd skip=N` (or
 * writes out) and starts. Rules that read an ELF file's header at offset
 * 0 never see it there, so nested.c reads each one found here as a member
 * "(program at byte N)".
 *
 * A header counts when it is one the kernel would load: "\x7fELF", type
 * EXEC or DYN and the program header size of a layout (32 or 64 bits, in
 * either byte order), read as elfhead.h's pc_elf_exec_reading reads it
 * (the kernel reads neither the class, byte order and version bytes nor
 * e_version or e_ehsize, so they prove nothing).
 */
#ifndef PC_CARVE_H
#define PC_CARVE_H

#include <stddef.h>
#include <stdint.h>

/* 1 when the bytes start as an ELF file ("\x7fELF"). */
int pc_elf_head(const unsigned char *p, size_t n);

/* 1 when p[0..n) starts with such a header for a processor (the kernel's
 * own architectures and those qemu-user runs; not a GPU's or BPF's code
 * object): what a file read in blocks keeps to read as a program. */
int pc_elf_cpu(const unsigned char *p, size_t n);

/* The bytes such a program spans from its header (*end): the end of its
 * program headers' file ranges and of its section header table (as
 * UINT64_MAX when it does not fit). 1 when known; 0 when p[0..n) does not
 * yet hold its program headers (*end: the bytes it must hold); -1 when
 * the kernel would not load it (no header of its kind, no program
 * headers, more than 64 KiB of them). */
int pc_elf_extent(const unsigned char *p, size_t n, uint64_t *end);

/* The offset of the next such header at or after from (from >= 1: a
 * header at 0 is the file's own), or n. */
size_t pc_carve_elf(const unsigned char *p, size_t n, size_t from);

/* 1 when p[0..n) starts as a program, a script, a compressed stream or
 * an archive: what a dropper writes out and starts or unpacks. */
int pc_carve_payload(const unsigned char *p, size_t n);

/* 1 when a zlib stream with a header zlib writes starts at p and what it
 * decodes to starts as a program, a script, a compressed stream or an
 * archive (or p[0..n) ends before that is known, the decoder still
 * going); 0 when it is not such a stream. */
int pc_carve_zlib(const unsigned char *p, size_t n);

/* The offset of the next program (as pc_carve_elf) or compressed stream
 * (gzip, xz, zstd, bzip2, lz4 or lzip, as its decoder would start on it,
 * or zlib as pc_carve_zlib says: a dropper's payload in its data, an
 * archive after a picture) after byte 0, or n; *stream: 1 for a stream.
 * from: where the first of those but zlib may be (a caller's search saw
 * none of their magic numbers before it; 1: not known); zlib's headers,
 * two bytes that chance puts everywhere, are looked for from byte 1. */
size_t pc_carve_next(const unsigned char *p, size_t n, size_t from, int *stream);

/* The same as a walk over p[0..n), from where it left off: each magic
 * number's next place is kept, so a file with many (a decoy before each
 * stream) is searched once for each magic, not once for each place. */
#define PC_CARVE_MAGICS 12
#define PC_CARVE_ZLIB 7 /* the first of zlib's headers in pc_carve_magics: the rest are */
#define PC_CARVE_UNSEEN ((size_t)-2)
typedef struct pc_carve_it {
    const unsigned char *p;
    size_t n;
    size_t strong; /* the others are looked for from here (pc_carve_next's from) */
    size_t next[PC_CARVE_MAGICS];
} pc_carve_it;
void pc_carve_begin(pc_carve_it *it, const unsigned char *p, size_t n, size_t strong);
/* The next program or stream at or after from (from >= 1), or n. */
size_t pc_carve_at(pc_carve_it *it, size_t from, int *stream);
/* The next place at or after from where magic k of pc_carve_magics
 * occurs (all of zlib's headers at once for k == PC_CARVE_ZLIB, none for
 * the other zlib ones), or n: a candidate, before its decoder's say. */
size_t pc_carve_find(const unsigned char *p, size_t n, size_t from, size_t k);

/* 1 when one of those streams starts at p (n bytes at hand). */
int pc_carve_stream(const unsigned char *p, size_t n);

/* The magic numbers pc_carve_next looks for (*m, with their lengths in
 * *len): their count. A caller that saw none of those before
 * PC_CARVE_ZLIB after byte 0 need not look for them. */
size_t pc_carve_magics(const char *const **m, const size_t **len);

#endif
