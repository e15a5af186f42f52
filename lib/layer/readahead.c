/*
 * readahead.c — the inflate thread of one layer (readahead.h).
 *
 * A ring of PC_READAHEAD_BUFS buffers under one mutex: the producer fills
 * the slot at tail while it holds no lock, the consumer copies out of the
 * slot at head. The producer stops at the end of the stream, at an error
 * (kept, and handed to the consumer after every byte read before it), or
 * when told to stop. The producer inflates and hashes the compressed
 * bytes; the consumer hashes the uncompressed ones as it takes them
 * (pc_unpack_out_hash_by_caller), so a big layer's SHA-256 work is split
 * between the two threads.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "layer/readahead.h"

struct pc_readahead {
    pc_unpack *u;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *buf[PC_READAHEAD_BUFS];
    size_t len[PC_READAHEAD_BUFS];
    size_t head, tail, count; /* slots: next to read, next to fill, filled */
    size_t off;               /* bytes of the head slot already read */
    int eof, failed, stop;
    pc_err err; /* the producer's error, when failed */
};

static void *producer(void *arg)
{
    pc_readahead *ra = arg;
    pthread_mutex_lock(&ra->mu);
    for (;;) {
        while (ra->count == PC_READAHEAD_BUFS && !ra->stop)
            pthread_cond_wait(&ra->cv, &ra->mu);
        if (ra->stop)
            break;
        size_t slot = ra->tail;
        pthread_mutex_unlock(&ra->mu);
        pc_err e = {0};
        ssize_t r = pc_unpack_read(ra->u, ra->buf[slot], PC_READAHEAD_BUF, &e);
        pthread_mutex_lock(&ra->mu);
        if (r < 0) {
            ra->err = e;
            ra->failed = 1;
        } else if (r == 0) {
            ra->eof = 1;
        } else {
            ra->len[slot] = (size_t)r;
            ra->tail = (slot + 1) % PC_READAHEAD_BUFS;
            ra->count++;
        }
        pthread_cond_broadcast(&ra->cv);
        if (r <= 0)
            break;
    }
    pthread_mutex_unlock(&ra->mu);
    return NULL;
}

static void release(pc_readahead *ra)
{
    for (size_t i = 0; i < PC_READAHEAD_BUFS; i++)
        free(ra->buf[i]);
    pthread_cond_destroy(&ra->cv);
    pthread_mutex_destroy(&ra->mu);
    free(ra);
}

pc_readahead *pc_readahead_new(pc_unpack *u)
{
    pc_readahead *ra = calloc(1, sizeof *ra);
    if (!ra)
        return NULL;
    ra->u = u;
    if (pthread_mutex_init(&ra->mu, NULL) != 0) {
        free(ra);
        return NULL;
    }
    if (pthread_cond_init(&ra->cv, NULL) != 0) {
        pthread_mutex_destroy(&ra->mu);
        free(ra);
        return NULL;
    }
    for (size_t i = 0; i < PC_READAHEAD_BUFS; i++)
        if (!(ra->buf[i] = malloc(PC_READAHEAD_BUF))) {
            release(ra);
            return NULL;
        }
    pc_unpack_out_hash_by_caller(u, 1); /* pc_readahead_read hashes, on the consumer */
    if (pthread_create(&ra->tid, NULL, producer, ra) != 0) {
        pc_unpack_out_hash_by_caller(u, 0);
        release(ra);
        return NULL;
    }
    return ra;
}

ssize_t pc_readahead_read(pc_readahead *ra, void *buf, size_t n, pc_err *e)
{
    pthread_mutex_lock(&ra->mu);
    while (ra->count == 0 && !ra->eof && !ra->failed)
        pthread_cond_wait(&ra->cv, &ra->mu);
    ssize_t r = 0;
    if (ra->count > 0) {
        size_t left = ra->len[ra->head] - ra->off;
        size_t c = n < left ? n : left;
        memcpy(buf, ra->buf[ra->head] + ra->off, c);
        ra->off += c;
        if (ra->off == ra->len[ra->head]) {
            ra->off = 0;
            ra->head = (ra->head + 1) % PC_READAHEAD_BUFS;
            ra->count--;
            pthread_cond_broadcast(&ra->cv);
        }
        r = (ssize_t)c;
    } else if (ra->failed) {
        *e = ra->err;
        r = -1;
    }
    pthread_mutex_unlock(&ra->mu);
    if (r > 0) /* every byte handed out, in order: the uncompressed digest */
        pc_unpack_hash_out(ra->u, buf, (size_t)r);
    return r;
}

void pc_readahead_free(pc_readahead *ra)
{
    if (!ra)
        return;
    pthread_mutex_lock(&ra->mu);
    ra->stop = 1;
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
    pthread_join(ra->tid, NULL);
    pc_unpack_out_hash_by_caller(ra->u, 0); /* u is the caller's again, hashing included */
    release(ra);
}
