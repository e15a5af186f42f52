/*
 * fuzz_elfhead.c — libFuzzer target: the head of an executable in a
 * layer (lib/layer/elfhead.c: ELF class, machine, PT_INTERP; a script's
 * shebang). The input is the head, in an exact-size buffer. Checked: an
 * ELF head names class 1 or 2; the interpreter is a NUL-terminated string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "elfhead.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *p = fz_memdup(data, size);
    if (!p)
        return 0;
    pc_entry ent;
    pc_arena arena = {0};
    memset(&ent, 0, sizeof ent);
    pc_head_parse(p, size, &ent, &arena);
    FZ_CHECK(ent.head != PC_HEAD_ELF || ent.elf_class == 1 || ent.elf_class == 2, "ELF class %u",
             ent.elf_class);
    if (ent.interp)
        FZ_CHECK(strlen(ent.interp) < 1u << 20, "interp");
    (void)pc_elf_machine_name(ent.elf_machine);
    pc_arena_free(&arena);
    free(p);
    return 0;
}
