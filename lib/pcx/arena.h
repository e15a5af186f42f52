/*
 * arena.h — a bump allocator for the many small strings of one layer's
 * facts: allocation is a pointer increment, freeing is one call.
 */
#ifndef PC_ARENA_H
#define PC_ARENA_H

#include <stddef.h>

typedef struct pc_arena_block pc_arena_block;
typedef struct pc_arena {
    pc_arena_block *head;
    size_t total;
    size_t block; /* the next block's size: 0 for 64 KiB; a smaller one doubles up to it */
} pc_arena;

void *pc_arena_alloc(pc_arena *a, size_t n);
char *pc_arena_strndup(pc_arena *a, const char *s, size_t n);
char *pc_arena_strdup(pc_arena *a, const char *s);
void pc_arena_free(pc_arena *a);

#endif
