/*
 * spill.c — layer facts set aside in an unlinked file while the other
 * layers are read (spill.h). The encoding is cache_codec.c's, written as
 * it is made (one 64 KiB buffer) and hashed on the way; reading back
 * checks the digest before a byte is decoded, and the decoder checks
 * every field, as for a cache file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cache/cache.h"
#include "cache/spill.h"
#include "pcx/sha256.h"

int pc_spill_open(pc_spill *sp, const char *dir)
{
    sp->fd = -1;
    sp->end = 0;
    if (pthread_mutex_init(&sp->mu, NULL) != 0)
        return -1;
    int fd = pc_tmpfile(dir);
    sp->fd = fd;
    if (fd < 0) {
        pthread_mutex_destroy(&sp->mu);
        return -1;
    }
    return 0;
}

int pc_spill_put(pc_spill *sp, const pc_layer_facts *f, pc_spill_ref *ref)
{
    if (sp->fd < 0)
        return -1;
    uint64_t len = 0;
    int rc = -1;
    pthread_mutex_lock(&sp->mu);
    /* a put that failed half-way left bytes past end: they are written over */
    if (lseek(sp->fd, (off_t)sp->end, SEEK_SET) == (off_t)sp->end &&
        pc_facts_write(sp->fd, f, ref->sha, &len) == 0) {
        ref->off = sp->end;
        ref->len = len;
        sp->end += len;
        rc = 0;
    }
    pthread_mutex_unlock(&sp->mu);
    memcpy(ref->digest, f->digest, sizeof ref->digest);
    return rc;
}

int pc_spill_get(pc_spill *sp, const pc_spill_ref *ref, pc_layer_facts *f, pc_err *e)
{
    char d[72];
    pc_layer_facts_init(f);
    if (ref->len > SIZE_MAX)
        return pc_err_set(e, "layer %s: its set-aside facts are too large to read back",
                          ref->digest);
    size_t n = (size_t)ref->len;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf)
        return pc_err_set(e, "out of memory");
    int rd = -1;
    errno = EBADF;
    if (sp->fd >= 0) {
        pthread_mutex_lock(&sp->mu);
        errno = 0;
        rd = lseek(sp->fd, (off_t)ref->off, SEEK_SET) == (off_t)ref->off
                 ? pc_read_full(sp->fd, buf, n)
                 : -1;
        pthread_mutex_unlock(&sp->mu);
    }
    if (rd < 0) {
        int err = errno;
        free(buf);
        return pc_err_set(e, "layer %s: reading its set-aside facts back: %s", ref->digest,
                          err ? strerror(err) : "short read");
    }
    pc_sha256_digest(buf, n, d);
    int rc = strcmp(d, ref->sha) == 0 ? pc_facts_decode(buf, n, f) : -2;
    free(buf);
    if (rc < 0) {
        pc_layer_facts_free(f); /* and zeroed */
        return pc_err_set(e, "layer %s: its set-aside facts %s", ref->digest,
                          rc == -2 ? "changed on disk" : "do not decode");
    }
    memcpy(f->digest, ref->digest, sizeof f->digest);
    return 0;
}

void pc_spill_close(pc_spill *sp)
{
    if (sp->fd >= 0) {
        close(sp->fd);
        pthread_mutex_destroy(&sp->mu);
    }
    sp->fd = -1;
}
