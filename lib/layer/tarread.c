/*
 * tarread.c — Go archive/tar's reading rules, in C.
 *
 * A layer is what the runtime's reader makes of it, so every rule here is
 * the rule of Go's reader (the one containerd and Docker use): a header is
 * a 512-byte block whose checksum (unsigned or signed sum) must match; its
 * magic decides the format (USTAR/PAX, GNU, STAR, V7) and so where the
 * name prefix is; numbers are octal with leading and trailing NULs and
 * spaces trimmed, or base-256; PAX 'x' records apply to the next entry and
 * a second 'x' replaces the first; a 'g' header is an entry of its own; a
 * GNU long name or link ('L'/'K') wins over a PAX path; links, symlinks,
 * devices, directories and FIFOs have no body whatever their size says;
 * the archive ends at EOF on a block boundary, at two zero blocks, or at
 * one zero block followed by EOF.
 */
#include <stdlib.h>
#include <string.h>
#include "layer/tarread.h"

#define BLK 512
#define MAX_SPECIAL (1u << 20) /* Go's maxSpecialFileSize */

struct pc_tar {
    pc_tar_read_fn fn;
    pc_tar_skip_fn skipfn;
    void *ud;
    int64_t remain; /* body bytes of the current entry not yet read */
    int64_t pad;    /* padding after it */
    int ended;
    unsigned char blk[BLK];
    char *name, *link;
    pc_tar_rec *recs; /* pending or current PAX records */
    size_t nrecs, reccap;
};

pc_tar *pc_tar_new(pc_tar_read_fn fn, void *ud)
{
    pc_tar *t = calloc(1, sizeof *t);
    if (t) {
        t->fn = fn;
        t->ud = ud;
    }
    return t;
}

void pc_tar_set_skip(pc_tar *t, pc_tar_skip_fn fn)
{
    t->skipfn = fn;
}

static void recs_clear(pc_tar *t)
{
    for (size_t i = 0; i < t->nrecs; i++) {
        free(t->recs[i].key);
        free(t->recs[i].val);
    }
    t->nrecs = 0;
}

void pc_tar_free(pc_tar *t)
{
    if (!t)
        return;
    recs_clear(t);
    free(t->recs);
    free(t->name);
    free(t->link);
    free(t);
}

/* Read exactly n bytes: n, 0 at a clean EOF before any byte, -2 at EOF
 * after some, -1 on error. */
static ssize_t read_full(pc_tar *t, void *buf, size_t n, pc_err *e)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = t->fn(t->ud, (char *)buf + got, n - got, e);
        if (r < 0)
            return -1;
        if (r == 0)
            return got ? -2 : 0;
        got += (size_t)r;
    }
    return (ssize_t)n;
}

/* Skip n bytes; 1 done, 0 EOF before the end, -1 error. */
static int skip(pc_tar *t, int64_t n, pc_err *e)
{
    unsigned char tmp[4096];
    if (t->skipfn)
        return t->skipfn(t->ud, (uint64_t)n, e);
    while (n > 0) {
        size_t want = n > (int64_t)sizeof tmp ? sizeof tmp : (size_t)n;
        ssize_t r = t->fn(t->ud, tmp, want, e);
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        n -= r;
    }
    return 1;
}

int pc_go_parse_int(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0;
    if (len && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return -1;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (!neg && v > (uint64_t)INT64_MAX)
        return -1;
    if (neg && v > (uint64_t)INT64_MAX + 1)
        return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* Go's parser.parseString: the bytes up to the first NUL. */
static size_t field_len(const unsigned char *b, size_t n)
{
    const unsigned char *z = memchr(b, 0, n);
    return z ? (size_t)(z - b) : n;
}

/* Go's parseOctal: trim NULs and spaces on both ends, cut at a NUL,
 * ParseUint base 8. *bad set on a syntax or range error. */
static int64_t parse_octal(const unsigned char *b, size_t n, int *bad)
{
    size_t s = 0, end = n;
    while (s < end && (b[s] == ' ' || b[s] == 0))
        s++;
    while (end > s && (b[end - 1] == ' ' || b[end - 1] == 0))
        end--;
    if (s == end)
        return 0;
    size_t l = field_len(b + s, end - s);
    uint64_t v = 0;
    if (l == 0) {
        *bad = 1;
        return 0;
    }
    for (size_t i = 0; i < l; i++) {
        unsigned char c = b[s + i];
        if (c < '0' || c > '7' || (v >> 61) != 0) {
            *bad = 1;
            return 0;
        }
        v = v * 8 + (uint64_t)(c - '0');
    }
    return (int64_t)v;
}

/* Go's parseNumeric: base-256 when the top bit of the first byte is set. */
static int64_t parse_numeric(const unsigned char *b, size_t n, int *bad)
{
    if (n > 0 && (b[0] & 0x80)) {
        unsigned char inv = (b[0] & 0x40) ? 0xff : 0;
        uint64_t x = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = b[i] ^ inv;
            if (i == 0)
                c &= 0x7f;
            if ((x >> 56) > 0) {
                *bad = 1;
                return 0;
            }
            x = x << 8 | c;
        }
        if ((x >> 63) > 0) {
            *bad = 1;
            return 0;
        }
        return inv ? (int64_t)~x : (int64_t)x;
    }
    return parse_octal(b, n, bad);
}

enum { F_UNKNOWN = 0, F_V7 = 2, F_USTAR = 4 | 8, F_GNU = 16, F_STAR = 32 };

static int block_format(const unsigned char *b)
{
    int bad = 0;
    int64_t want = parse_octal(b + 148, 8, &bad);
    int64_t u = 0, sgn = 0;
    for (int i = 0; i < BLK; i++) {
        unsigned char c = (i >= 148 && i < 156) ? ' ' : b[i];
        u += c;
        sgn += (signed char)c;
    }
    if (bad || (want != u && want != sgn))
        return F_UNKNOWN;
    if (memcmp(b + 257, "ustar\0", 6) == 0)
        return memcmp(b + 508, "tar\0", 4) == 0 ? F_STAR : F_USTAR;
    if (memcmp(b + 257, "ustar ", 6) == 0 && memcmp(b + 263, " \0", 2) == 0)
        return F_GNU;
    return F_V7;
}

static int is_zero(const unsigned char *b)
{
    for (int i = 0; i < BLK; i++)
        if (b[i])
            return 0;
    return 1;
}

static int set_str(char **dst, const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return -1;
    memcpy(p, s, n);
    p[n] = 0;
    free(*dst);
    *dst = p;
    return 0;
}

typedef struct raw_hdr {
    int typeflag;
    int64_t mode, uid, gid, size, devmajor, devminor;
} raw_hdr;

/* Unpack t->blk into h and t->name/t->link (Go's readHeader after the
 * format check). */
static int unpack_header(pc_tar *t, int format, raw_hdr *h, pc_err *e)
{
    const unsigned char *b = t->blk;
    int bad = 0;
    h->typeflag = b[156];
    h->size = parse_numeric(b + 124, 12, &bad);
    h->mode = parse_numeric(b + 100, 8, &bad);
    h->uid = parse_numeric(b + 108, 8, &bad);
    h->gid = parse_numeric(b + 116, 8, &bad);
    (void)parse_numeric(b + 136, 12, &bad); /* mtime: must parse */
    h->devmajor = h->devminor = 0;
    char prefix[160];
    size_t plen = 0;
    if (format > F_V7) {
        h->devmajor = parse_numeric(b + 329, 8, &bad);
        h->devminor = parse_numeric(b + 337, 8, &bad);
        if (format == F_USTAR) {
            plen = field_len(b + 345, 155);
            memcpy(prefix, b + 345, plen);
        } else if (format == F_STAR) {
            plen = field_len(b + 345, 131);
            memcpy(prefix, b + 345, plen);
            (void)parse_numeric(b + 476, 12, &bad);
            (void)parse_numeric(b + 488, 12, &bad);
        } else { /* GNU: atime/ctime; a pre-Go-1.8 writer's prefix when they do not parse */
            int bad2 = 0;
            if (b[345])
                (void)parse_numeric(b + 345, 12, &bad2);
            if (b[357])
                (void)parse_numeric(b + 357, 12, &bad2);
            if (bad2) {
                size_t l = field_len(b + 345, 155), ascii = 1;
                for (size_t i = 0; i < l; i++)
                    if (b[345 + i] >= 0x80)
                        ascii = 0;
                if (ascii) {
                    plen = l;
                    memcpy(prefix, b + 345, plen);
                }
            }
        }
    }
    if (bad)
        return pc_err_set(e, "tar header: malformed numeric field");
    size_t nl = field_len(b, 100), ll = field_len(b + 157, 100);
    char name[260];
    size_t off = 0;
    if (plen) {
        memcpy(name, prefix, plen);
        name[plen] = '/';
        off = plen + 1;
    }
    memcpy(name + off, b, nl);
    if (set_str(&t->name, name, off + nl) < 0 || set_str(&t->link, (const char *)b + 157, ll) < 0)
        return pc_err_set(e, "out of memory");
    return 0;
}

/* Read a special file's body (PAX records, GNU long names): at most
 * MAX_SPECIAL bytes, as Go's readSpecialFile. *out is malloc'd, NUL-ended. */
static int read_special(pc_tar *t, int64_t size, char **out, size_t *len, pc_err *e)
{
    if (size < 0)
        return pc_err_set(e, "tar header: negative size");
    if (size > (int64_t)MAX_SPECIAL)
        return pc_err_set(e, "tar: extended header of %lld bytes is over 1 MiB", (long long)size);
    char *buf = malloc((size_t)size + 1);
    if (!buf)
        return pc_err_set(e, "out of memory");
    ssize_t r = size ? read_full(t, buf, (size_t)size, e) : 0;
    if (r < 0 || (size && r == 0)) {
        free(buf);
        return r == -1 ? -1 : pc_err_set(e, "tar: truncated extended header");
    }
    buf[size] = 0;
    t->remain = 0;
    t->pad = (BLK - size % BLK) % BLK;
    *out = buf;
    *len = (size_t)size;
    return 0;
}

static int grow_recs(pc_tar *t)
{
    if (t->nrecs < t->reccap)
        return 0;
    size_t ncap = t->reccap ? t->reccap * 2 : 8;
    pc_tar_rec *n = realloc(t->recs, ncap * sizeof *n);
    if (!n)
        return -1;
    t->recs = n;
    t->reccap = ncap;
    return 0;
}

static int rec_put(pc_tar *t, const char *k, size_t kl, const char *v, size_t vl)
{
    for (size_t i = 0; i < t->nrecs; i++)
        if (strlen(t->recs[i].key) == kl && memcmp(t->recs[i].key, k, kl) == 0) {
            char *nv = malloc(vl + 1);
            if (!nv)
                return -1;
            memcpy(nv, v, vl);
            nv[vl] = 0;
            free(t->recs[i].val);
            t->recs[i].val = nv;
            t->recs[i].vlen = vl;
            return 0;
        }
    if (grow_recs(t) < 0)
        return -1;
    pc_tar_rec *r = &t->recs[t->nrecs];
    r->key = malloc(kl + 1);
    r->val = malloc(vl + 1);
    if (!r->key || !r->val) {
        free(r->key);
        free(r->val);
        return -1;
    }
    memcpy(r->key, k, kl);
    r->key[kl] = 0;
    memcpy(r->val, v, vl);
    r->val[vl] = 0;
    r->vlen = vl;
    t->nrecs++;
    return 0;
}

static int has_nul(const char *s, size_t n)
{
    return memchr(s, 0, n) != NULL;
}

/* Go's parsePAX: "LEN key=value\n" records; the last of a key wins. */
static int parse_pax(pc_tar *t, const char *s, size_t n, pc_err *e)
{
    recs_clear(t);
    while (n > 0) {
        const char *sp = memchr(s, ' ', n);
        int64_t len;
        if (!sp || pc_go_parse_int(s, (size_t)(sp - s), &len) < 0 || len < 5 || (uint64_t)len > n)
            return pc_err_set(e, "tar: malformed PAX record");
        size_t after = (size_t)(sp - s) + 1, last = (size_t)len - 1;
        if (after >= last || s[last] != '\n')
            return pc_err_set(e, "tar: malformed PAX record");
        const char *rec = s + after, *eq = memchr(rec, '=', last - after);
        if (!eq || eq == rec)
            return pc_err_set(e, "tar: malformed PAX record");
        size_t kl = (size_t)(eq - rec), vl = last - after - kl - 1;
        const char *v = eq + 1;
        int strv = (kl == 4 && memcmp(rec, "path", 4) == 0) ||
                   (kl == 8 && memcmp(rec, "linkpath", 8) == 0) ||
                   (kl == 5 && (memcmp(rec, "uname", 5) == 0 || memcmp(rec, "gname", 5) == 0));
        if (strv ? has_nul(v, vl) : has_nul(rec, kl))
            return pc_err_set(e, "tar: malformed PAX record");
        if (kl >= 11 && memcmp(rec, "GNU.sparse.", 11) == 0)
            return pc_err_set(e, "tar: sparse files are not supported (PAX %.*s)", (int)kl, rec);
        if (rec_put(t, rec, kl, v, vl) < 0)
            return pc_err_set(e, "out of memory");
        s += len;
        n -= (size_t)len;
    }
    return 0;
}

const pc_tar_rec *pc_tar_rec_get(const pc_tar_hdr *h, const char *key)
{
    for (size_t i = 0; i < h->nrecs; i++)
        if (strcmp(h->recs[i].key, key) == 0)
            return &h->recs[i];
    return NULL;
}

/* Go's parsePAXTime: only whether it parses matters here. */
static int pax_time_ok(const char *v, size_t n)
{
    const char *dot = memchr(v, '.', n);
    size_t sl = dot ? (size_t)(dot - v) : n;
    int64_t secs;
    if (pc_go_parse_int(v, sl, &secs) < 0)
        return 0;
    for (size_t i = sl + 1; dot && i < n; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    return 1;
}

/* Go's mergePAX: records with an empty value keep the header's value. */
static int merge_pax(pc_tar *t, raw_hdr *h, pc_err *e)
{
    for (size_t i = 0; i < t->nrecs; i++) {
        const pc_tar_rec *r = &t->recs[i];
        int ok = 1;
        int64_t v;
        if (r->vlen == 0)
            continue;
        if (strcmp(r->key, "path") == 0) {
            if (set_str(&t->name, r->val, r->vlen) < 0)
                return pc_err_set(e, "out of memory");
        } else if (strcmp(r->key, "linkpath") == 0) {
            if (set_str(&t->link, r->val, r->vlen) < 0)
                return pc_err_set(e, "out of memory");
        } else if (strcmp(r->key, "uid") == 0 || strcmp(r->key, "gid") == 0 ||
                   strcmp(r->key, "size") == 0) {
            ok = pc_go_parse_int(r->val, r->vlen, &v) == 0;
            if (ok)
                *(r->key[0] == 'u' ? &h->uid : r->key[0] == 'g' ? &h->gid : &h->size) = v;
        } else if (strcmp(r->key, "atime") == 0 || strcmp(r->key, "mtime") == 0 ||
                   strcmp(r->key, "ctime") == 0) {
            ok = pax_time_ok(r->val, r->vlen);
        }
        if (!ok)
            return pc_err_set(e, "tar: malformed PAX %s record \"%.40s\"", r->key, r->val);
    }
    return 0;
}

static int header_only(int type)
{
    return type == '1' || type == '2' || type == '3' || type == '4' || type == '5' || type == '6';
}

/* The next header block: 1 read, 0 end of archive, -1 error. */
static int next_block(pc_tar *t, pc_err *e)
{
    if (t->remain > 0) {
        int k = skip(t, t->remain, e);
        if (k <= 0)
            return k < 0 ? -1 : pc_err_set(e, "tar: unexpected end of stream in an entry's data");
    }
    t->remain = 0;
    if (t->pad > 0) {
        int k = skip(t, t->pad, e);
        if (k < 0)
            return -1;
        if (k == 0)
            return 0; /* Go: EOF inside the padding ends the archive */
    }
    t->pad = 0;
    ssize_t r = read_full(t, t->blk, BLK, e);
    if (r == 0)
        return 0;
    if (r < 0)
        return r == -1 ? -1 : pc_err_set(e, "tar: unexpected end of stream in a header");
    if (!is_zero(t->blk))
        return 1;
    r = read_full(t, t->blk, BLK, e);
    if (r == 0)
        return 0;
    if (r < 0)
        return r == -1 ? -1 : pc_err_set(e, "tar: unexpected end of stream in a header");
    if (is_zero(t->blk))
        return 0;
    return pc_err_set(e, "tar: a zero block followed by a header (Go's reader refuses this)");
}

static void fill(pc_tar *t, const raw_hdr *h, pc_tar_hdr *out)
{
    out->name = t->name;
    out->linkname = t->link;
    out->typeflag = h->typeflag;
    out->mode = h->mode;
    out->uid = h->uid;
    out->gid = h->gid;
    out->size = h->size;
    out->devmajor = h->devmajor;
    out->devminor = h->devminor;
    out->recs = t->recs;
    out->nrecs = t->nrecs;
}

int pc_tar_next(pc_tar *t, pc_tar_hdr *out, pc_err *e)
{
    char *longname = NULL, *longlink = NULL;
    int rc = -1;
    if (t->ended)
        return 0;
    recs_clear(t);
    for (;;) {
        int k = next_block(t, e);
        if (k <= 0) {
            t->ended = 1;
            rc = k;
            break;
        }
        int format = block_format(t->blk);
        raw_hdr h;
        if (format == F_UNKNOWN) {
            pc_err_set(e, "tar: invalid header block (checksum or format)");
            break;
        }
        if (unpack_header(t, format, &h, e) < 0)
            break;
        int64_t body = header_only(h.typeflag) ? 0 : h.size;
        if (body < 0) {
            pc_err_set(e, "tar: entry \"%.200s\" has a negative size", t->name);
            break;
        }
        t->remain = body;
        t->pad = (BLK - body % BLK) % BLK;
        if (h.typeflag == 'x' || h.typeflag == 'g') {
            char *buf;
            size_t len;
            if (read_special(t, body, &buf, &len, e) < 0)
                break;
            k = parse_pax(t, buf, len, e);
            free(buf);
            if (k < 0)
                break;
            if (h.typeflag == 'x')
                continue;
            if (merge_pax(t, &h, e) < 0)
                break;
            fill(t, &h, out); /* a global header is an entry of its own */
            out->size = 0;
            rc = 1;
            break;
        }
        if (h.typeflag == 'L' || h.typeflag == 'K') {
            char *buf;
            size_t len;
            if (read_special(t, body, &buf, &len, e) < 0)
                break;
            buf[field_len((unsigned char *)buf, len)] = 0;
            char **slot = h.typeflag == 'L' ? &longname : &longlink;
            free(*slot);
            *slot = buf;
            continue;
        }
        if (h.typeflag == 'S') {
            pc_err_set(e, "tar: entry \"%.200s\": GNU sparse files are not supported", t->name);
            break;
        }
        if (merge_pax(t, &h, e) < 0)
            break;
        if (longname && *longname && set_str(&t->name, longname, strlen(longname)) < 0) {
            pc_err_set(e, "out of memory");
            break;
        }
        if (longlink && *longlink && set_str(&t->link, longlink, strlen(longlink)) < 0) {
            pc_err_set(e, "out of memory");
            break;
        }
        if (h.typeflag == 0) {
            size_t nl = strlen(t->name);
            h.typeflag = nl && t->name[nl - 1] == '/' ? '5' : '0';
        }
        body = header_only(h.typeflag) ? 0 : h.size;
        if (body < 0) {
            pc_err_set(e, "tar: entry \"%.200s\" has a negative size", t->name);
            break;
        }
        t->remain = body;
        t->pad = (BLK - body % BLK) % BLK;
        fill(t, &h, out);
        rc = 1;
        break;
    }
    free(longname);
    free(longlink);
    return rc;
}

ssize_t pc_tar_read(pc_tar *t, void *buf, size_t n, pc_err *e)
{
    if (t->remain <= 0)
        return 0;
    if ((int64_t)n > t->remain)
        n = (size_t)t->remain;
    ssize_t r = t->fn(t->ud, buf, n, e);
    if (r < 0)
        return -1;
    if (r == 0)
        return pc_err_set(e, "tar: unexpected end of stream in an entry's data");
    t->remain -= r;
    return r;
}
