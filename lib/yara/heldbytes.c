/*
 * heldbytes.c — see heldbytes.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "pcx.h"
#include "yara/heldbytes.h"

void pc_held_init(pc_held *h, size_t mem_max)
{
    memset(h, 0, sizeof *h);
    h->mem_max = mem_max;
    h->fd = -1;
}

/* What memory held, moved to a file with no name (pc_tmpfile). */
static int to_file(pc_held *h)
{
    int fd = pc_tmpfile(NULL);
    if (fd < 0)
        return -1;
    if (pc_write_full(fd, h->mem, h->len) < 0) {
        close(fd);
        return -1;
    }
    free(h->mem);
    h->mem = NULL;
    h->cap = 0;
    h->fd = fd;
    return 0;
}

int pc_held_add(pc_held *h, const void *p, size_t n)
{
    if (n > SIZE_MAX - h->len || h->map)
        return -1;
    if (h->fd < 0 && h->len + n > h->mem_max && to_file(h) < 0)
        return -1;
    if (h->fd >= 0) {
        if (pc_write_full(h->fd, p, n) < 0)
            return -1;
        h->len += n;
        return 0;
    }
    if (pc_grow((void **)&h->mem, &h->cap, h->len + n, 1) < 0)
        return -1;
    if (n)
        memcpy(h->mem + h->len, p, n);
    h->len += n;
    return 0;
}

const unsigned char *pc_held_bytes(pc_held *h)
{
    if (h->fd < 0)
        return h->mem ? h->mem : (const unsigned char *)"";
    if (!h->map) {
        void *m = h->len ? mmap(NULL, h->len, PROT_READ, MAP_PRIVATE, h->fd, 0) : MAP_FAILED;
        if (m == MAP_FAILED)
            return NULL;
        h->map = m;
    }
    return h->map;
}

void pc_held_free(pc_held *h)
{
    if (h->map)
        munmap(h->map, h->len);
    if (h->fd >= 0)
        close(h->fd);
    free(h->mem);
    pc_held_init(h, h->mem_max);
}
