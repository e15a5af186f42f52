/*
 * arena.c — bump allocation in 64 KiB blocks (bigger requests get a block
 * of their own). Blocks are chained and freed together. An owner that
 * knows its need is small sets `block`: the first block has that size and
 * each next one twice the last, up to 64 KiB (a per-request document
 * then stays below glibc's 64 KiB free that consolidates the heap).
 */
#include <stdlib.h>
#include <string.h>
#include "pcx/arena.h"

#define PC_ARENA_BLOCK 65536

struct pc_arena_block {
    pc_arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char mem[];
};

void *pc_arena_alloc(pc_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0 || n > (size_t)1 << 40)
        return NULL;
    pc_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t bs =
            a->block && a->block < PC_ARENA_BLOCK ? (a->block + 15) & ~(size_t)15 : PC_ARENA_BLOCK;
        size_t size = n > bs ? n : bs;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        if (a->block && a->block < PC_ARENA_BLOCK && n <= bs)
            a->block *= 2;
        if (a->head && n > bs) {
            /* keep the current block at the head so its free space stays usable */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
        a->total += size;
    }
    void *p = b->mem + b->used;
    b->used += n;
    return p;
}

char *pc_arena_strndup(pc_arena *a, const char *s, size_t n)
{
    if (n == (size_t)-1)
        return NULL;
    char *p = pc_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *pc_arena_strdup(pc_arena *a, const char *s)
{
    return pc_arena_strndup(a, s, strlen(s));
}

void pc_arena_free(pc_arena *a)
{
    pc_arena_block *b = a->head;
    while (b) {
        pc_arena_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}
