/*
 * elfhead.h — what the first bytes of an executable say about how it
 * starts: ELF class, machine and PT_INTERP loader, or a script's shebang.
 */
#ifndef PC_ELFHEAD_H
#define PC_ELFHEAD_H

#include <stddef.h>
#include "layer/facts.h"

/* Fill ent->head, elf_machine, elf_class and interp from the file's head. */
void pc_head_parse(const unsigned char *p, size_t n, pc_entry *ent, pc_arena *arena);
/* How many leading bytes of an ELF file the head must hold to show its
 * program header table and its PT_INTERP path, when n bytes do not; 0
 * when they do (or it is not an ELF file the kernel would load). */
size_t pc_elf_head_need(const unsigned char *p, size_t n);
/* "x86_64", "aarch64", ... for an e_machine value; NULL when unknown. */
const char *pc_elf_machine_name(unsigned machine);
/* The e_machine an OCI architecture name runs ("amd64" → 62); 0 unknown. */
unsigned pc_elf_machine_for_arch(const char *arch);

#endif
