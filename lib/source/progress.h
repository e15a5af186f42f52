/*
 * progress.h — per-layer download progress on stderr (bytes done / total).
 * On a terminal a small frame of lines is redrawn in place; otherwise
 * (only when asked for with --progress always) plain lines are printed
 * when a layer starts, now and then while it runs, and when it ends.
 * Every function accepts NULL (progress off) and is thread-safe.
 */
#ifndef PC_PROGRESS_H
#define PC_PROGRESS_H

#include <stdint.h>

typedef struct pc_progress pc_progress;

/* mode: 0 auto (only when fd is a terminal), 1 always, 2 never. NULL when
 * nothing is to be shown (or out of memory: progress is never essential). */
pc_progress *pc_progress_new(int mode, int fd, const char *title);

/* Register a layer (in image order) before any is started. */
void pc_progress_add(pc_progress *p, const char *digest, int64_t total);

/* Mark the first waiting layer with this digest as started; its slot, or -1. */
int pc_progress_start(pc_progress *p, const char *digest);
void pc_progress_bytes(pc_progress *p, int slot, uint64_t n);
void pc_progress_end(pc_progress *p, int slot, int ok);

/* Erase the frame (terminal) and free. */
void pc_progress_free(pc_progress *p);

#endif
