/*
 * carve.h — a program inside other bytes: an ELF executable appended to a
 * picture or a document, or after a few bytes of a decoded blob, which a
 * run cuts out with `tail -c +N` or `dd skip=N` and starts. Rules that
 * read an ELF file's header at offset 0 never see it there, so nested.c
 * reads each one found here as a member "(program at byte N)".
 *
 * A header counts when it is one the kernel would load: "\x7fELF", a
 * class (32 or 64 bits) and byte order, version 1, type EXEC or DYN, and
 * the header and program header sizes of its class.
 */
#ifndef PC_CARVE_H
#define PC_CARVE_H

#include <stddef.h>

/* 1 when the bytes start as an ELF file ("\x7fELF"). */
int pc_elf_head(const unsigned char *p, size_t n);

/* The offset of the next such header at or after from (from >= 1: a
 * header at 0 is the file's own), or n; n for an ELF file (its own
 * bytes are scanned as they are). */
size_t pc_carve_elf(const unsigned char *p, size_t n, size_t from);

/* 1 when p, not an ELF file itself, holds one after its start. */
int pc_carve_wants(const unsigned char *p, size_t n);

#endif
