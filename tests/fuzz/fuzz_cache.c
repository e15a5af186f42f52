/*
 * fuzz_cache.c — libFuzzer target: a facts cache payload
 * (lib/cache/cache_codec.c pc_facts_decode). The cache directory is ours,
 * but its files are checked before a byte is believed, and the decoder
 * takes them as hostile. Checked: what decodes encodes, and that encoding
 * decodes to facts that encode to the same bytes (the codec is a fixed
 * point after one round), with every string inside the arena.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cache.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *p = fz_memdup(data, size);
    if (!p)
        return 0;
    pc_layer_facts f, g;
    pc_layer_facts_init(&f);
    pc_layer_facts_init(&g);
    if (pc_facts_decode(p, size, &f) == 0) {
        unsigned char *e1 = NULL, *e2 = NULL;
        size_t l1 = 0, l2 = 0;
        for (size_t i = 0; i < f.nentries; i++)
            FZ_CHECK(f.entries[i].path && f.entries[i].type <= PC_E_GLOBAL && f.entries[i].seq == i,
                     "entry %zu", i);
        FZ_CHECK(pc_facts_encode(&f, &e1, &l1) == 0, "decoded facts do not encode");
        FZ_CHECK(pc_facts_decode(e1, l1, &g) == 0, "encoded facts do not decode");
        FZ_CHECK(pc_facts_encode(&g, &e2, &l2) == 0 && l1 == l2 && memcmp(e1, e2, l1) == 0,
                 "codec is not a fixed point");
        FZ_CHECK(g.nentries == f.nentries && g.bytes == f.bytes && g.codec == f.codec &&
                     strcmp(g.diff_id, f.diff_id) == 0,
                 "facts changed in a round trip");
        free(e1);
        free(e2);
    }
    pc_layer_facts_free(&f);
    pc_layer_facts_free(&g);
    free(p);
    return 0;
}
