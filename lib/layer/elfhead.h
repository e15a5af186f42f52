/*
 * elfhead.h — what the first bytes of an executable say about how it
 * starts: ELF class, machine and PT_INTERP loader, or a script's shebang.
 */
#ifndef PC_ELFHEAD_H
#define PC_ELFHEAD_H

#include <stddef.h>
#include "layer/facts.h"

/* Bounds on what is kept of a dynamic section: more DT_NEEDED entries, or
 * more bytes of DT_NEEDED, DT_RPATH and DT_RUNPATH strings (NULs
 * included), make it unknown (ent->dyn 0). */
#define PC_DT_NEEDED_MAX 256
#define PC_DT_STR_MAX 16384

/* Fill ent->head, elf_machine, elf_class and interp from the file's head,
 * and for an ELF with a PT_INTERP the dyn, needed, rpath and runpath of
 * its dynamic section when the head holds it. -1 when out of memory (then
 * the entry must not be trusted), else 0. */
int pc_head_parse(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena);
/* The layout and byte order binfmt_elf reads an ELF header at p (n bytes,
 * "\x7fELF" first) in: it checks e_type (EXEC or DYN), the machine and
 * e_phentsize (its own program header's size), never the class, byte
 * order and version bytes, e_version or e_ehsize, so a program whose
 * bytes 4-6 lie still runs. Each reading is tried, the one the header
 * names first: 1 with *c64 (64-bit layout) and *be for the first with an
 * executable's e_type and its layout's e_phentsize; 0 when none has. */
int pc_elf_exec_reading(const unsigned char *p, size_t n, int *be, int *c64);
/* How many leading bytes of an ELF file the head must hold to show more of
 * what pc_head_parse reads (its program header table, its PT_INTERP path,
 * and for a dynamically linked one its dynamic section and the strings
 * DT_NEEDED, DT_RPATH and DT_RUNPATH name), when n bytes do not: always
 * more than n and at most limit; 0 when nothing more within limit would
 * show anything (or it is not an ELF file the kernel would load). Called
 * again with the longer head, it may ask for more (at most three rounds:
 * the table, then the path and the dynamic section, then the strings).
 * When the dynamic section lies past limit, it asks for the segment that
 * maps the ELF header instead (where DT_STRTAB points), for
 * pc_elf_dyn_parse_far. */
size_t pc_elf_head_need(const unsigned char *p, size_t n, size_t limit);
/* A dynamically linked ELF whose dynamic section lies past its head (n
 * bytes at p, holding the program header table) and past what
 * pc_elf_head_need asks for: 1 with the section's file offset (>= n) and
 * length (at most 64 KiB), within the file's fsize bytes, to be read from
 * further on in the stream; else 0. */
int pc_elf_dyn_far(const unsigned char *p, size_t n, uint64_t fsize, uint64_t *off, size_t *len);
/* After pc_head_parse of the head (p, n) left ent->dyn 0: its dynamic
 * section from the qn bytes at q (file offset qoff), the names it points at
 * being in either piece. -1 out of memory, else 0 (ent->dyn 1 when read). */
int pc_elf_dyn_parse_far(const unsigned char *p, size_t n, const unsigned char *q, uint64_t qoff,
                         size_t qn, pc_entry *ent, pc_arena *arena);
/* "x86_64", "aarch64", ... for an e_machine value; NULL when unknown. */
const char *pc_elf_machine_name(unsigned machine);
/* The e_machine an OCI architecture name runs ("amd64" → 62); 0 unknown. */
unsigned pc_elf_machine_for_arch(const char *arch);

#endif
