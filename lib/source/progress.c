/*
 * progress.c — the progress display for registry pulls.
 *
 * State is one slot per layer (digest, total, done, waiting/running/ok/
 * failed) behind a mutex, since layers are fetched by several threads.
 * Terminal mode redraws a frame: the cursor goes up over the previous
 * frame, each line is cleared and rewritten, and what is left below is
 * cleared; redraws are at most every REDRAW_MS unless a layer starts or
 * ends. A frame shows at most MAX_LINES layers (running ones first) and a
 * summary line. Plain mode prints a line per start and end and, for a
 * running layer, at most one line every PLAIN_EVERY_MS. Output is written
 * with write(2) in one piece per frame; stdout is never touched.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "source/progress.h"
#include "pcx.h"

#define REDRAW_MS 100
#define PLAIN_EVERY_MS 5000
#define MAX_LINES 12

enum { WAITING, RUNNING, OK, FAILED };

typedef struct slot {
    char id[13]; /* first 12 hex digits of the digest */
    int64_t total;
    uint64_t done, last_print;
    int state;
} slot;

struct pc_progress {
    pthread_mutex_t mu;
    int fd, tty;
    char title[200];
    slot *slots;
    size_t n, cap, drawn;
    uint64_t last_draw;
};

pc_progress *pc_progress_new(int mode, int fd, const char *title)
{
    int tty = isatty(fd);
    if (mode == 2 || (mode == 0 && !tty))
        return NULL;
    pc_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    p->fd = fd;
    p->tty = tty;
    snprintf(p->title, sizeof p->title, "%s", title ? title : "");
    return p;
}

void pc_progress_add(pc_progress *p, const char *digest, int64_t total)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    if (pc_grow((void **)&p->slots, &p->cap, p->n + 1, sizeof *p->slots) == 0) {
        slot *s = &p->slots[p->n++];
        memset(s, 0, sizeof *s);
        const char *hex = strchr(digest, ':');
        snprintf(s->id, sizeof s->id, "%s", hex ? hex + 1 : digest);
        s->total = total;
    }
    pthread_mutex_unlock(&p->mu);
}

static void slot_text(const slot *s, char *out, size_t n)
{
    char d[32], t[32];
    static const char *const names[] = {"waiting", "", "done", "failed"};
    pc_format_size(s->done, d, sizeof d);
    pc_format_size(s->total > 0 ? (uint64_t)s->total : 0, t, sizeof t);
    if (s->state == RUNNING && s->total > 0)
        snprintf(
            out, n, "%s  %s / %s  %3u%%", s->id, d, t,
            (unsigned)(s->done >= (uint64_t)s->total ? 100 : s->done * 100 / (uint64_t)s->total));
    else if (s->state == RUNNING)
        snprintf(out, n, "%s  %s", s->id, d);
    else
        snprintf(out, n, "%s  %s%s%s", s->id, names[s->state], s->state == OK ? " " : "",
                 s->state == OK ? t : "");
}

static void put(const pc_progress *p, const pc_buf *b)
{
    size_t off = 0;
    while (b->p && !b->oom && off < b->len) {
        ssize_t w = write(p->fd, b->p + off, b->len - off);
        if (w <= 0)
            return; /* progress is best effort */
        off += (size_t)w;
    }
}

/* Which slots a frame shows: running first, then the rest in order. */
static size_t frame_pick(const pc_progress *p, size_t *pick)
{
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < p->n && k < MAX_LINES; i++)
            if ((p->slots[i].state == RUNNING) == (pass == 0))
                pick[k++] = i;
    return k;
}

static void draw_tty(pc_progress *p)
{
    pc_buf b = {0};
    size_t pick[MAX_LINES], k = frame_pick(p, pick), ndone = 0;
    char line[160];
    for (size_t i = 0; i < p->n; i++)
        ndone += p->slots[i].state == OK;
    if (p->drawn)
        pc_buf_printf(&b, "\033[%zuA", p->drawn);
    pc_buf_printf(&b, "\r\033[K%s: %zu/%zu layers\n", p->title, ndone, p->n);
    for (size_t i = 0; i < k; i++) {
        slot_text(&p->slots[pick[i]], line, sizeof line);
        pc_buf_printf(&b, "\r\033[K  %s\n", line);
    }
    pc_buf_puts(&b, "\033[J");
    p->drawn = k + 1;
    put(p, &b);
    pc_buf_free(&b);
}

static void print_plain(pc_progress *p, slot *s)
{
    pc_buf b = {0};
    char line[160];
    slot_text(s, line, sizeof line);
    pc_buf_printf(&b, "%s: layer %s\n", p->title, line);
    put(p, &b);
    pc_buf_free(&b);
}

/* Show a change; force: a layer started or ended. Called with the lock. */
static void show(pc_progress *p, slot *s, int force)
{
    uint64_t now = pc_now_ms();
    if (p->tty) {
        if (force || now - p->last_draw >= REDRAW_MS) {
            p->last_draw = now;
            draw_tty(p);
        }
    } else if (force || now - s->last_print >= PLAIN_EVERY_MS) {
        s->last_print = now;
        print_plain(p, s);
    }
}

int pc_progress_start(pc_progress *p, const char *digest)
{
    if (!p)
        return -1;
    const char *hex = strchr(digest, ':');
    int found = -1;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->n && found < 0; i++) {
        slot *s = &p->slots[i];
        if (s->state == WAITING && strncmp(s->id, hex ? hex + 1 : digest, 12) == 0) {
            s->state = RUNNING;
            found = (int)i;
            show(p, s, 1);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return found;
}

void pc_progress_bytes(pc_progress *p, int i, uint64_t n)
{
    if (!p || i < 0)
        return;
    pthread_mutex_lock(&p->mu);
    if ((size_t)i < p->n) {
        p->slots[i].done += n;
        show(p, &p->slots[i], 0);
    }
    pthread_mutex_unlock(&p->mu);
}

void pc_progress_end(pc_progress *p, int i, int ok)
{
    if (!p || i < 0)
        return;
    pthread_mutex_lock(&p->mu);
    if ((size_t)i < p->n && p->slots[i].state == RUNNING) {
        p->slots[i].state = ok ? OK : FAILED;
        show(p, &p->slots[i], 1);
    }
    pthread_mutex_unlock(&p->mu);
}

void pc_progress_free(pc_progress *p)
{
    if (!p)
        return;
    if (p->tty && p->drawn) {
        char buf[32];
        pc_buf b = {0};
        snprintf(buf, sizeof buf, "\033[%zuA\r\033[J", p->drawn);
        pc_buf_puts(&b, buf);
        put(p, &b);
        pc_buf_free(&b);
    }
    pthread_mutex_destroy(&p->mu);
    free(p->slots);
    free(p);
}
