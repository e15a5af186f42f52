/*
 * cache_admin.c — looking at and trimming the facts cache: statistics,
 * least-recently-used eviction down to a byte budget, clearing. Entries
 * are ordered by mtime, which reads refresh.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cache/cache.h"
#include "pcx.h"

typedef struct ent {
    char name[96];
    uint64_t size;
    struct timespec mtime;
} ent;

typedef struct listing {
    ent *v;
    size_t n, cap;
    uint64_t bytes;
} listing;

static int is_entry(const char *name)
{
    size_t n = strlen(name);
    return n == 70 && strcmp(name + 64, ".facts") == 0;
}

/* Temporary files left by a crashed writer, older than an hour. */
static void drop_stale_tmp(const char *dir, const char *name, const struct stat *st)
{
    char path[4300];
    if (strncmp(name, ".tmp.", 5) != 0 || time(NULL) - st->st_mtime < 3600)
        return;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static int list_entries(const pc_cache *c, listing *l, pc_err *e)
{
    DIR *d = opendir(c->dir);
    struct dirent *de;
    if (!d)
        return pc_err_set(e, "cache directory %s: %s", c->dir, strerror(errno));
    while ((de = readdir(d))) {
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        drop_stale_tmp(c->dir, de->d_name, &st);
        if (!is_entry(de->d_name))
            continue;
        if (pc_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v) < 0) {
            closedir(d);
            return pc_err_set(e, "out of memory");
        }
        ent *x = &l->v[l->n++];
        memcpy(x->name, de->d_name, 71); /* is_entry: exactly 70 bytes */
        x->size = (uint64_t)st.st_size;
        x->mtime = st.st_mtim;
        l->bytes += x->size;
    }
    closedir(d);
    return 0;
}

int pc_cache_stats_get(const pc_cache *c, pc_cache_stats *st, pc_err *e)
{
    listing l = {0};
    if (list_entries(c, &l, e) < 0)
        return -1;
    st->entries = l.n;
    st->bytes = l.bytes;
    free(l.v);
    return 0;
}

static int older_first(const void *a, const void *b)
{
    const ent *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

int pc_cache_prune(const pc_cache *c, uint64_t max_bytes, pc_err *e)
{
    listing l = {0};
    char path[4300];
    if (list_entries(c, &l, e) < 0)
        return -1;
    if (l.n > 1)
        qsort(l.v, l.n, sizeof *l.v, older_first);
    for (size_t i = 0; i < l.n && l.bytes > max_bytes; i++) {
        snprintf(path, sizeof path, "%s/%s", c->dir, l.v[i].name);
        if (unlink(path) == 0 || errno == ENOENT)
            l.bytes -= l.v[i].size;
    }
    free(l.v);
    return 0;
}
