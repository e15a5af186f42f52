/*
 * fuzz_elfhead.c — libFuzzer target: the head of an executable in a
 * layer (lib/layer/elfhead.c: ELF class, machine, PT_INTERP, the dynamic
 * section's DT_NEEDED, DT_RPATH, DT_RUNPATH; a script's shebang). The input
 * is the head, in an exact-size buffer (also read as a head and a far
 * piece). Checked: an ELF head names class 1 or 2; the interpreter is a
 * NUL-terminated string; more is only asked for past the head and within
 * the limit; the needed names stay within PC_DT_NEEDED_MAX and
 * PC_DT_STR_MAX.
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
    size_t limit = size / 2 + 1, need = pc_elf_head_need(p, size / 2, limit);
    FZ_CHECK(need == 0 || (need > size / 2 && need <= limit), "need %zu", need);
    uint64_t off;
    size_t len;
    if (pc_elf_dyn_far(p, size / 2, size, &off, &len)) {
        FZ_CHECK(off >= size / 2 && off <= size && len <= size - off, "far %zu", len);
        pc_entry half;
        memset(&half, 0, sizeof half);
        pc_head_parse(p, size / 2, &half, &arena);
        pc_elf_dyn_parse_far(p, size / 2, p + off, off, len, &half, &arena);
    }
    size_t total = 0;
    for (size_t i = 0; i < ent.nneeded; i++)
        total += strlen(ent.needed[i]) + 1;
    FZ_CHECK(ent.nneeded <= PC_DT_NEEDED_MAX && total <= PC_DT_STR_MAX && (ent.dyn || !ent.nneeded),
             "needed %u", (unsigned)ent.nneeded);
    (void)pc_elf_machine_name(ent.elf_machine);
    pc_arena_free(&arena);
    free(p);
    return 0;
}
