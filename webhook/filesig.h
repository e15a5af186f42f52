/*
 * filesig.h — "has this file changed on disk?" for files the webhook
 * reloads without a restart (TLS certificate and key, signing key): a
 * signature of device, inode, size and both timestamps, so an atomic
 * replace (a Secret update swaps a symlink) and an in-place write both show.
 */
#ifndef WH_FILESIG_H
#define WH_FILESIG_H

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

typedef struct wh_filesig {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
} wh_filesig;

/* 0 and s filled; -1 (s zeroed) when the file cannot be stat'ed. */
int wh_filesig_of(const char *path, wh_filesig *s);
int wh_filesig_eq(const wh_filesig *a, const wh_filesig *b);

#endif
