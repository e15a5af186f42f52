/*
 * facts.c — the per-layer facts container: a growable entry array whose
 * strings live in the layer's arena.
 */
#include <stdlib.h>
#include <string.h>
#include "layer/facts.h"
#include "pcx.h"

void pc_layer_facts_init(pc_layer_facts *f)
{
    memset(f, 0, sizeof *f);
}

void pc_layer_facts_free(pc_layer_facts *f)
{
    free(f->entries);
    pc_arena_free(&f->arena);
    memset(f, 0, sizeof *f);
}

pc_entry *pc_layer_facts_add(pc_layer_facts *f)
{
    if (pc_grow((void **)&f->entries, &f->cap, f->nentries + 1, sizeof *f->entries) < 0)
        return NULL;
    pc_entry *e = &f->entries[f->nentries];
    memset(e, 0, sizeof *e);
    e->seq = (uint32_t)f->nentries++;
    return e;
}

int pc_layer_facts_reserve(pc_layer_facts *f, size_t n)
{
    if (n <= f->cap)
        return 0;
    pc_entry *p = pc_reallocarray(f->entries, n, sizeof *p);
    if (!p)
        return -1;
    f->entries = p;
    f->cap = n;
    return 0;
}

void pc_layer_facts_trim(pc_layer_facts *f)
{
    if (f->cap <= f->nentries || f->nentries == 0)
        return;
    pc_entry *p = realloc(f->entries, f->nentries * sizeof *p); /* cannot overflow: it shrinks */
    if (!p)
        return; /* the larger array stays: nothing is lost */
    f->entries = p;
    f->cap = f->nentries;
}
