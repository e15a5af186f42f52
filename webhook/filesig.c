/*
 * filesig.c — file change signatures (see filesig.h).
 */
#include <string.h>
#include "filesig.h"

int wh_filesig_of(const char *path, wh_filesig *s)
{
    struct stat st;
    memset(s, 0, sizeof *s);
    if (stat(path, &st) < 0)
        return -1;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    s->size = st.st_size;
    s->mtim = st.st_mtim;
    s->ctim = st.st_ctim;
    return 0;
}

int wh_filesig_eq(const wh_filesig *a, const wh_filesig *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtim.tv_sec == b->mtim.tv_sec && a->mtim.tv_nsec == b->mtim.tv_nsec &&
           a->ctim.tv_sec == b->ctim.tv_sec && a->ctim.tv_nsec == b->ctim.tv_nsec;
}
