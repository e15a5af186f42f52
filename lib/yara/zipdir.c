/*
 * zipdir.c — see zipdir.h. Positions in p are size_t; positions in the
 * archive (base + a position in p) are uint64_t, checked against
 * wraparound once (base + n) and never computed past it. concat, which
 * may be negative and whose size a zip64 offset can push past int64_t,
 * is kept as a sign and a magnitude, so an offset moved by it is moved
 * exactly (as Python's integers move it) or refused.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pcx.h"
#include "yara/zipdir.h"

#define ZIP_LOCAL 0x04034b50u
#define ZIP_CENTRAL 0x02014b50u
#define ZIP_END 0x06054b50u
#define ZIP64_END 0x06064b50u
#define ZIP64_LOC 0x07064b50u

#define LOC_LEN 30                /* local header, before its name and extra field */
#define CEN_LEN 46                /* central directory entry, before name, extra, comment */
#define END_LEN 22                /* end of central directory record, before its comment */
#define Z64END_LEN 56             /* zip64 end record, no extensible data */
#define Z64LOC_LEN 20             /* zip64 end record locator */
#define END_WINDOW PC_ZIPDIR_TAIL /* where Python looks for the end record */

static int say(int rc, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int say(int rc, char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* The end record: 1 with *at (its position in p), 0 when there is none
 * (Python's _EndRecData gives None), -1 when its comment does not fit. */
static int find_end(const unsigned char *p, size_t n, size_t *at)
{
    if (n >= END_LEN && pc_le32(p + n - END_LEN) == ZIP_END && pc_le16(p + n - 2) == 0) {
        *at = n - END_LEN;
        return 1;
    }
    if (n < 4)
        return 0;
    size_t lo = n > END_WINDOW ? n - END_WINDOW : 0;
    if (!memmem(p + lo, n - lo, "PK\5\6", 4))
        return 0; /* (most files: one fast pass) */
    for (size_t i = n - 4 + 1; i-- > lo;) {
        if (pc_le32(p + i) != ZIP_END)
            continue;
        /* the last signature, as Python's rfind: one too close to the end
         * to hold the record is no record, even with another before it */
        if (n - i < END_LEN)
            return 0;
        *at = i;
        return pc_le16(p + i + 20) <= n - i - END_LEN ? 1 : -1;
    }
    return 0;
}

/* The zip64 extra field (id 1) of an entry, as Python's _decodeExtra
 * reads every field of x[0..xlen): 0, or -1 when a field runs past the
 * extra data or a value the entry needs is missing. */
static int zip64_extra(const unsigned char *x, size_t xlen, uint64_t *usize, uint64_t *csize,
                       uint64_t *lho)
{
    size_t i = 0;
    while (xlen - i >= 4) {
        size_t id = pc_le16(x + i), len = pc_le16(x + i + 2);
        if (len > xlen - i - 4)
            return -1;
        const unsigned char *v = x + i + 4;
        size_t at = 0;
        if (id == 1) {
            if (*usize == 0xffffffffu || *usize == UINT64_MAX) {
                if (len - at < 8)
                    return -1;
                *usize = pc_le64(v + at);
                at += 8;
            }
            if (*csize == 0xffffffffu) {
                if (len - at < 8)
                    return -1;
                *csize = pc_le64(v + at);
                at += 8;
            }
            if (*lho == 0xffffffffu) {
                if (len - at < 8)
                    return -1;
                *lho = pc_le64(v + at);
            }
        }
        i += 4 + len;
    }
    return 0;
}

/* The name for messages, appended to d's names block at *used (its
 * offset kept in e->name until the block stops moving); -1 when out of
 * memory. */
static int set_name(pc_zipdir *d, size_t *cap, size_t *used, pc_zipent *e, const unsigned char *s,
                    size_t n)
{
    const unsigned char *nul = memchr(s, 0, n);
    size_t upto = nul ? (size_t)(nul - s) : n; /* Python's zipfile cuts the name there */
    e->dir = upto > 0 && s[upto - 1] == '/';
    static const char none[] = "(no name)";
    size_t k = n == 0 ? sizeof none - 1 : n > PC_MEMBERS_NAME_MAX ? PC_MEMBERS_NAME_MAX : n;
    if (pc_grow((void **)&d->names, cap, *used + k + 1, 1) < 0)
        return -1;
    char *o = d->names + *used;
    for (size_t i = 0; i < k; i++)
        o[i] = n == 0 ? none[i] : s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i];
    o[k] = 0;
    e->name = (const char *)(uintptr_t)*used; /* (made a pointer once all are in) */
    *used += k + 1;
    return 0;
}

int pc_zipdir_read(const unsigned char *p, size_t n, uint64_t base, size_t max_entries,
                   pc_zipdir *d, char *why, size_t whylen)
{
    d->v = NULL;
    d->n = 0;
    d->names = NULL;
    if (why && whylen)
        why[0] = 0;
    if (base > UINT64_MAX - n)
        return say(-1, why, whylen, "the bytes run past 2^64");
    uint64_t arc_end = base + n;
    size_t e;
    int rc = find_end(p, n, &e);
    if (rc == 0)
        return say(0, why, whylen, "no end of central directory record");
    if (rc < 0)
        return say(-1, why, whylen,
                   "the end of central directory record's comment runs past "
                   "the archive's end");

    /* zip64: the locator right before the end record, the record right
     * before the locator (Python assumes no extensible data) */
    uint64_t cd_size = pc_le32(p + e + 12), cd_off = pc_le32(p + e + 16);
    size_t before = e; /* bytes of p before the records that follow the directory */
    if (e >= Z64LOC_LEN && pc_le32(p + e - Z64LOC_LEN) == ZIP64_LOC) {
        const unsigned char *l = p + e - Z64LOC_LEN;
        if (pc_le32(l + 4) != 0 || pc_le32(l + 16) > 1)
            return say(-1, why, whylen, "the zip64 locator names another disk");
        if (e - Z64LOC_LEN < Z64END_LEN)
            return say(-1, why, whylen, "the zip64 end record starts before the bytes");
        const unsigned char *r = l - Z64END_LEN;
        if (pc_le32(r) != ZIP64_END)
            return say(-1, why, whylen, "no zip64 end record before its locator");
        cd_size = pc_le64(r + 40);
        cd_off = pc_le64(r + 48);
        before = e - Z64LOC_LEN - Z64END_LEN;
    }
    if (cd_size > before)
        return say(-1, why, whylen,
                   "the central directory (%llu bytes) is larger than what comes before its end "
                   "record",
                   (unsigned long long)cd_size);
    size_t pos = before - (size_t)cd_size, end = before;

    /* concat: where the directory is less where its offset says */
    uint64_t at = base + pos, shift;
    int neg = cd_off > at;
    shift = neg ? cd_off - at : at - cd_off;

    size_t cap = 0, ncap = 0, nused = 0;
    while (pos < end) {
        size_t k = d->n + 1; /* for messages: entries count from 1 */
        if (d->n >= max_entries) {
            say(-1, why, whylen, "more than %zu central directory entries", max_entries);
            goto bad;
        }
        if (end - pos < CEN_LEN) {
            say(-1, why, whylen, "central directory entry %zu runs past the directory's end", k);
            goto bad;
        }
        const unsigned char *c = p + pos;
        if (pc_le32(c) != ZIP_CENTRAL) {
            say(-1, why, whylen, "central directory entry %zu has no signature", k);
            goto bad;
        }
        size_t nlen = pc_le16(c + 28), xlen = pc_le16(c + 30), clen = pc_le16(c + 32);
        if (end - pos - CEN_LEN < nlen + xlen + clen) {
            say(-1, why, whylen, "central directory entry %zu runs past the directory's end", k);
            goto bad;
        }
        if (pc_grow((void **)&d->v, &cap, d->n + 1, sizeof *d->v) < 0) {
            say(-1, why, whylen, "out of memory");
            goto bad;
        }
        pc_zipent *ent = &d->v[d->n];
        memset(ent, 0, sizeof *ent);
        ent->flags = pc_le16(c + 8);
        ent->method = pc_le16(c + 10);
        ent->csize = pc_le32(c + 20);
        ent->usize = pc_le32(c + 24);
        uint64_t lho = pc_le32(c + 42);
        if (zip64_extra(c + CEN_LEN + nlen, xlen, &ent->usize, &ent->csize, &lho) < 0) {
            say(-1, why, whylen, "central directory entry %zu has a corrupt extra field", k);
            goto bad;
        }
        if (neg ? lho < shift : lho > UINT64_MAX - shift) {
            say(-1, why, whylen,
                "central directory entry %zu: its local header offset is outside the archive", k);
            goto bad;
        }
        lho = neg ? lho - shift : lho + shift;
        if (lho >= arc_end) {
            say(-1, why, whylen,
                "central directory entry %zu: its local header is past the archive's end", k);
            goto bad;
        }
        ent->lho = lho;
        if (set_name(d, &ncap, &nused, ent, c + CEN_LEN, nlen) < 0) {
            say(-1, why, whylen, "out of memory");
            goto bad;
        }
        d->n++;
        pos += CEN_LEN + nlen + xlen + clen;
    }
    for (size_t i = 0; i < d->n; i++)
        d->v[i].name = d->names + (uintptr_t)d->v[i].name;
    return 1;
bad:
    pc_zipdir_free(d);
    return -1;
}

int pc_zipdir_ends(const unsigned char *p, size_t n)
{
    size_t e;
    if (find_end(p, n, &e) != 1)
        return 0;
    /* An empty directory: no entries on this disk or in all, a directory
     * of 0 bytes and no zip64 locator before the record. Python's zipfile
     * reads 0 bytes of directory, zipimport reads the end record where the
     * first entry would be and stops, unzip counts 0 entries: no reader
     * finds a member. The templates of a zip writer's constants in a
     * library's data look so (D's libgphobos). */
    int z64 = e >= Z64LOC_LEN && pc_le32(p + e - Z64LOC_LEN) == ZIP64_LOC;
    return z64 || pc_le16(p + e + 8) != 0 || pc_le16(p + e + 10) != 0 || pc_le32(p + e + 12) != 0;
}

void pc_zipdir_free(pc_zipdir *d)
{
    if (!d)
        return;
    free(d->v);
    free(d->names);
    d->v = NULL;
    d->names = NULL;
    d->n = 0;
}

int pc_zipdir_data(const unsigned char *p, size_t n, uint64_t base, const pc_zipent *ent,
                   uint64_t *off)
{
    if (base > UINT64_MAX - n || ent->lho < base || ent->lho - base > n)
        return -1;
    size_t h = (size_t)(ent->lho - base);
    if (n - h < LOC_LEN || pc_le32(p + h) != ZIP_LOCAL)
        return -1;
    size_t skip = LOC_LEN + (size_t)pc_le16(p + h + 26) + pc_le16(p + h + 28);
    if (n - h < skip || ent->csize > n - h - skip)
        return -1;
    *off = base + h + skip;
    return 0;
}
