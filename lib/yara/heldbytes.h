/*
 * heldbytes.h — bytes gathered to be read whole: in memory up to a bound,
 * past it in an unlinked file of the process's own (TMPDIR, else /tmp),
 * mapped read-only once complete. For what must be searched whole but
 * may be larger than memory should hold (a member over max_file_bytes
 * met while a file's own search is still going on: yara_scan.c's
 * drain_member).
 */
#ifndef PC_HELDBYTES_H
#define PC_HELDBYTES_H

#include <stddef.h>

typedef struct pc_held {
    unsigned char *mem; /* the bytes, while they are held in memory */
    size_t len, cap;
    size_t mem_max; /* past this many, they go to the file */
    int fd;         /* -1: in memory */
    void *map;      /* pc_held_bytes' mapping of the file */
} pc_held;

void pc_held_init(pc_held *h, size_t mem_max);
/* Add n bytes: 0, or -1 (out of memory, no file to be had, a write
 * failed, or more than SIZE_MAX in all). */
int pc_held_add(pc_held *h, const void *p, size_t n);
/* The bytes added, in one piece (NULL when the file cannot be mapped),
 * valid until pc_held_free. */
const unsigned char *pc_held_bytes(pc_held *h);
void pc_held_free(pc_held *h);

#endif
