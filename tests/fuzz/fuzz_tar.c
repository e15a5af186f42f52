/*
 * fuzz_tar.c — libFuzzer target: the tar reader itself
 * (lib/layer/tarread.c pc_tar_next / pc_tar_read) over the input, with no
 * decompression and no layer rules in front of it. The archive is read
 * twice: once pulling every body in pieces of varying size, once skipping
 * bodies through a skip callback (as a seekable source does). Both passes
 * must see the same entries (name, link, type, numbers, PAX records) and
 * end the same way: reading a body or passing over it must not change
 * what comes next. A body never yields more than the entry's size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "tarread.h"

typedef struct src {
    const uint8_t *p;
    size_t left;
} src;

static ssize_t rd(void *ud, void *buf, size_t n, pc_err *e)
{
    src *s = ud;
    (void)e;
    if (n > s->left)
        n = s->left;
    memcpy(buf, s->p, n);
    s->p += n;
    s->left -= n;
    return (ssize_t)n;
}

static int sk(void *ud, uint64_t n, pc_err *e)
{
    src *s = ud;
    (void)e;
    if (n > s->left) {
        s->p += s->left;
        s->left = 0;
        return 0;
    }
    s->p += n;
    s->left -= (size_t)n;
    return 1;
}

#define MAXE 64

typedef struct seen {
    char *name, *link;
    int type;
    int64_t mode, uid, gid, size, maj, min;
    size_t nrecs, body;
    uint64_t rechash;
} seen;

static uint64_t hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 1099511628211ULL;
    return h;
}

/* One pass; returns the final pc_tar_next result (0 end, -1 error). */
static int pass(const uint8_t *d, size_t n, int skipping, seen *out, size_t *nout)
{
    src s = {d, n};
    pc_tar *t = pc_tar_new(rd, &s);
    pc_err e;
    pc_tar_hdr h;
    int r;
    static const size_t chunk[] = {1, 7, 512, 100, 4096, 3};
    unsigned char buf[4096];
    *nout = 0;
    if (!t)
        return -2;
    if (skipping)
        pc_tar_set_skip(t, sk);
    while ((r = pc_tar_next(t, &h, &e)) > 0) {
        FZ_CHECK(h.name && h.linkname && (h.nrecs == 0 || h.recs), "header fields");
        seen *x = *nout < MAXE ? &out[(*nout)++] : NULL;
        if (x) {
            x->name = strdup(h.name);
            x->link = strdup(h.linkname);
            x->type = h.typeflag;
            x->mode = h.mode, x->uid = h.uid, x->gid = h.gid, x->size = h.size;
            x->maj = h.devmajor, x->min = h.devminor;
            x->nrecs = h.nrecs;
            x->rechash = 1469598103934665603ULL;
            x->body = 0;
            for (size_t i = 0; i < h.nrecs; i++) {
                x->rechash = hash(x->rechash, h.recs[i].key, strlen(h.recs[i].key) + 1);
                x->rechash = hash(x->rechash, h.recs[i].val, h.recs[i].vlen);
                FZ_CHECK(pc_tar_rec_get(&h, h.recs[i].key), "record %s not found", h.recs[i].key);
            }
        }
        if (skipping)
            continue;
        size_t got = 0;
        for (size_t k = 0;; k++) {
            ssize_t m = pc_tar_read(t, buf, chunk[k % 6], &e);
            if (m <= 0) {
                if (m < 0)
                    goto done;
                break;
            }
            got += (size_t)m;
        }
        FZ_CHECK(h.size >= 0 && got <= (uint64_t)h.size, "body of %zu bytes, size %lld", got,
                 (long long)h.size);
        if (x)
            x->body = got;
    }
done:
    pc_tar_free(t);
    return r;
}

static void clear(seen *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].link);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static seen a[MAXE], b[MAXE];
    size_t na, nb;
    int ra = pass(data, size, 0, a, &na);
    int rb = pass(data, size, 1, b, &nb);
    /* reading stops at a truncated body (ra 1), skipping at the next
     * header; until then both passes agree entry by entry */
    size_t n = na < nb ? na : nb;
    if (ra <= 0) /* every body was read whole: skipping must end the same way */
        FZ_CHECK(rb == ra && na == nb, "%zu entries read (%d), %zu skipped (%d)", na, ra, nb, rb);
    for (size_t i = 0; i < n; i++)
        FZ_CHECK(strcmp(a[i].name, b[i].name) == 0 && strcmp(a[i].link, b[i].link) == 0 &&
                     a[i].type == b[i].type && a[i].mode == b[i].mode && a[i].uid == b[i].uid &&
                     a[i].gid == b[i].gid && a[i].size == b[i].size && a[i].maj == b[i].maj &&
                     a[i].min == b[i].min && a[i].nrecs == b[i].nrecs &&
                     a[i].rechash == b[i].rechash,
                 "entry %zu differs: \"%s\" read, \"%s\" skipped", i, a[i].name, b[i].name);
    clear(a, na);
    clear(b, nb);
    return 0;
}
