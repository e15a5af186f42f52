/*
 * members.c — see members.h. All three formats read through one input
 * buffer over the pull stream, so a reader that took more than it needed
 * (zip's inflate ends inside a buffer) leaves the rest for the next
 * header. Tar goes through tarread.c (Go's rules: what a program of the
 * image would get from Go's reader, and close to GNU tar's); zip and ar
 * are read here by their headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "layer/tarread.h"
#include "yara/members.h"
#include "yara/pullbuf.h"
#include "yara/unwrap.h"

#define ZIP_LOCAL 0x04034b50u
#define ZIP_CENTRAL 0x02014b50u
#define ZIP_END 0x06054b50u
#define ZIP_DESC 0x08074b50u

struct pc_members {
    pc_arc_kind kind;
    pc_pullbuf b; /* the archive's bytes */
    int bad;      /* the archive could not be followed: no more members */
    char name[PC_MEMBERS_NAME_MAX + 1];
    /* the current member */
    int64_t remain; /* bytes of stored data (zip stored, ar) or of raw input (zip deflate) left */
    int pad;        /* ar: a byte of padding after an odd-sized member; cpio: alignment */
    int inflating;  /* zip: a deflate stream is open on z */
    pc_unwrap *unw; /* zip: a bzip2, zstd or xz member's decoder (over its remain bytes) */
    int zend;       /* zip: the deflate stream ended */
    int desc;       /* zip: a data descriptor follows the data */
    z_stream z;
    pc_tar *tar;
    /* zip: where each member was found (pc_members_zip_spans) */
    pc_zip_span *spans;
    size_t nspans, spancap;
    int span_open; /* the last span's end is not known yet */
    uint64_t cd_at;
    size_t memlimit; /* a zip member's decoder's */
    /* zip: an encrypted member's local header, what is read in place of
     * its data (members.h) */
    unsigned char enc[30 + PC_MEMBERS_NAME_MAX + 1024];
    size_t enc_len, enc_pos;
    int enc_on;
    char why[PC_MEMBERS_NAME_MAX + 128]; /* pc_members_bound */
};

static ssize_t tar_pull(void *ud, void *buf, size_t n, pc_err *e)
{
    pc_members *m = ud;
    size_t got = pc_pullbuf_read(&m->b, buf, n);
    if (got == 0 && m->b.err)
        return pc_err_set(e, "read error");
    return (ssize_t)got;
}

/* ---- sniffing */

static uint64_t octal(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == 0))
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
        v = v * 8 + (uint64_t)(p[i] - '0');
    return v;
}

static int tar_header(const unsigned char *p, size_t n)
{
    if (n < 512 || p[0] == 0)
        return 0;
    uint64_t sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += i >= 148 && i < 156 ? ' ' : p[i];
    unsigned char ck = p[148];
    return (ck == ' ' || ck == 0 || (ck >= '0' && ck <= '7')) && octal(p + 148, 8) == sum;
}

pc_arc_kind pc_members_sniff(const unsigned char *p, size_t n)
{
    if (n >= 4 && pc_le32(p) == ZIP_LOCAL)
        return PC_ARC_ZIP;
    if (n >= 8 && memcmp(p, "!<arch>\n", 8) == 0)
        return PC_ARC_AR;
    if (tar_header(p, n))
        return PC_ARC_TAR;
    if (n >= 6 && (!memcmp(p, "070701", 6) || !memcmp(p, "070702", 6) || !memcmp(p, "070707", 6)))
        return PC_ARC_CPIO;
    return PC_ARC_NONE;
}

const char *pc_members_kind_name(pc_arc_kind k)
{
    return k == PC_ARC_TAR    ? "tar"
           : k == PC_ARC_ZIP  ? "zip"
           : k == PC_ARC_AR   ? "ar"
           : k == PC_ARC_CPIO ? "cpio"
                              : "data";
}

pc_members *pc_members_new(pc_arc_kind k, const unsigned char *pre, size_t prelen, pc_pull_fn fn,
                           void *ud)
{
    if (prelen > PC_MEMBERS_SNIFF || k == PC_ARC_NONE)
        return NULL;
    pc_members *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->kind = k;
    m->cd_at = UINT64_MAX;
    m->memlimit = PC_UNWRAP_MEMLIMIT;
    pc_pullbuf_init(&m->b, pre, prelen, fn, ud);
    if (k == PC_ARC_TAR && !(m->tar = pc_tar_new(tar_pull, m))) {
        free(m);
        return NULL;
    }
    if (k == PC_ARC_AR &&
        (pc_pullbuf_read(&m->b, m->name, 8) != 8 || memcmp(m->name, "!<arch>\n", 8) != 0))
        m->bad = 1;
    return m;
}

static void zip_close(pc_members *m)
{
    if (m->inflating)
        inflateEnd(&m->z);
    m->inflating = 0;
    m->enc_on = 0;
    pc_unwrap_free(m->unw);
    m->unw = NULL;
}

/* The current member's bytes as they are stored (ar, cpio, zip stored),
 * or a zip member's compressed bytes, no further than its size says. */
static ssize_t stored_read(void *ud, void *buf, size_t n)
{
    pc_members *m = ud;
    if (m->remain <= 0)
        return 0;
    if ((uint64_t)m->remain < n)
        n = (size_t)m->remain;
    size_t got = pc_pullbuf_read(&m->b, buf, n);
    m->remain -= (int64_t)got;
    return got ? (ssize_t)got : -1;
}

pc_wrap_codec pc_members_zip_codec(uint16_t method)
{
    return method == 8    ? PC_WRAP_DEFLATE
           : method == 12 ? PC_WRAP_BZIP2
           : method == 14 ? PC_WRAP_ZIPLZMA
           : method == 93 ? PC_WRAP_ZSTD
           : method == 95 ? PC_WRAP_XZ
                          : PC_WRAP_NONE;
}

void pc_members_free(pc_members *m)
{
    if (!m)
        return;
    zip_close(m);
    pc_tar_free(m->tar);
    free(m->spans);
    free(m);
}

void pc_members_memlimit(pc_members *m, size_t memlimit)
{
    m->memlimit = memlimit;
}

size_t pc_members_memusage(const pc_members *m)
{
    return sizeof *m + pc_unwrap_memusage(m->unw) + (m->inflating ? 48u << 10 : 0);
}

int pc_members_sealed(const pc_members *m)
{
    return m->enc_on;
}

const char *pc_members_bound(const pc_members *m)
{
    return m->why[0] ? m->why : NULL;
}

size_t pc_members_zip_spans(const pc_members *m, const pc_zip_span **v, uint64_t *cd_at)
{
    *v = m->spans;
    *cd_at = m->cd_at;
    return m->nspans;
}

static uint64_t at(const pc_members *m)
{
    return m->b.base + m->b.pos;
}

static void set_name(pc_members *m, const char *s, size_t n)
{
    if (n == 0 || !*s) {
        memcpy(m->name, "(no name)", sizeof "(no name)");
        return;
    }
    n = n > PC_MEMBERS_NAME_MAX ? PC_MEMBERS_NAME_MAX : n;
    memcpy(m->name, s, n);
    m->name[n] = 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)m->name[i] < 0x20 || m->name[i] == 0x7f)
            m->name[i] = '?'; /* a name is for messages: no control bytes */
}

/* ---- tar */

static int tar_next(pc_members *m, const char **name, int64_t *size)
{
    pc_tar_hdr h;
    pc_err e = {{0}};
    int rc;
    while ((rc = pc_tar_next(m->tar, &h, &e)) == 1) {
        if (h.typeflag != '0' && h.typeflag != '7')
            continue;
        set_name(m, h.name, strlen(h.name));
        *name = m->name;
        *size = h.size;
        return 1;
    }
    return rc;
}

/* ---- ar (and so .deb) */

static int ar_next(pc_members *m, const char **name, int64_t *size)
{
    unsigned char h[60];
    for (;;) {
        if (pc_pullbuf_skip(&m->b, (uint64_t)m->remain + (uint64_t)m->pad) < 0)
            return -1;
        m->remain = m->pad = 0;
        size_t got = pc_pullbuf_read(&m->b, h, sizeof h);
        if (got == 0 && !m->b.err)
            return 0;
        if (got != sizeof h || h[58] != '`' || h[59] != '\n')
            return -1;
        uint64_t len = 0;
        for (int i = 48; i < 58 && h[i] >= '0' && h[i] <= '9'; i++)
            len = len * 10 + (uint64_t)(h[i] - '0');
        m->remain = (int64_t)len;
        m->pad = (int)(len & 1);
        size_t n = 16;
        while (n && h[n - 1] == ' ')
            n--;
        if (n >= 3 && memcmp(h, "#1/", 3) == 0) { /* BSD: the name leads the data */
            uint64_t k = 0;
            for (int i = 3; i < 16 && h[i] >= '0' && h[i] <= '9'; i++)
                k = k * 10 + (uint64_t)(h[i] - '0');
            char bsd[PC_MEMBERS_NAME_MAX + 1];
            size_t take = k > PC_MEMBERS_NAME_MAX ? PC_MEMBERS_NAME_MAX : (size_t)k;
            if (k > len || pc_pullbuf_read(&m->b, bsd, take) != take ||
                pc_pullbuf_skip(&m->b, k - take) < 0)
                return -1;
            set_name(m, bsd, strnlen(bsd, take));
            m->remain -= (int64_t)k;
        } else {
            if (n && h[n - 1] == '/' && n > 1)
                n--; /* GNU "name/" */
            if (n == 1 && h[0] == '/')
                continue; /* the symbol table */
            if (n >= 2 && h[0] == '/' && (h[1] == '/' || h[1] == 'S'))
                continue; /* GNU's long-name table, /SYM64/ */
            set_name(m, (const char *)h, n);
        }
        *name = m->name;
        *size = m->remain;
        return 1;
    }
}

/* ---- cpio (newc and crc: hex fields, 4-byte alignment; odc: octal, none) */

static int field(const unsigned char *p, size_t n, int base, uint64_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = p[i] >= '0' && p[i] <= '9'   ? p[i] - '0'
                : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
                : p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10
                                             : 99;
        if (d >= base)
            return -1;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return 0;
}

static int cpio_next(pc_members *m, const char **name, int64_t *size)
{
    unsigned char h[110];
    char nm[PC_MEMBERS_NAME_MAX + 1];
    for (;;) {
        if (pc_pullbuf_skip(&m->b, (uint64_t)m->remain + (uint64_t)m->pad) < 0)
            return -1;
        m->remain = m->pad = 0;
        if (pc_pullbuf_read(&m->b, h, 6) != 6)
            return m->b.err ? -1 : 0;
        int odc = memcmp(h, "070707", 6) == 0;
        if (!odc && memcmp(h, "070701", 6) != 0 && memcmp(h, "070702", 6) != 0)
            return -1;
        size_t hl = odc ? 76 : 110;
        uint64_t mode, nsize, fsize;
        if (pc_pullbuf_read(&m->b, h + 6, hl - 6) != hl - 6 ||
            field(odc ? h + 18 : h + 14, odc ? 6 : 8, odc ? 8 : 16, &mode) < 0 ||
            field(odc ? h + 59 : h + 94, odc ? 6 : 8, odc ? 8 : 16, &nsize) < 0 ||
            field(odc ? h + 65 : h + 54, odc ? 11 : 8, odc ? 8 : 16, &fsize) < 0 || nsize == 0 ||
            nsize > 1u << 16 || fsize > INT64_MAX)
            return -1;
        size_t take = nsize > PC_MEMBERS_NAME_MAX ? PC_MEMBERS_NAME_MAX : (size_t)nsize;
        size_t npad = odc ? 0 : (4 - (hl + nsize) % 4) % 4;
        if (pc_pullbuf_read(&m->b, nm, take) != take ||
            pc_pullbuf_skip(&m->b, nsize - take + npad) < 0)
            return -1;
        nm[take] = 0;
        if (strcmp(nm, "TRAILER!!!") == 0)
            return 0;
        m->remain = (int64_t)fsize;
        m->pad = odc ? 0 : (int)((4 - fsize % 4) % 4);
        if ((mode & 0170000) != 0100000 || fsize == 0)
            continue; /* not a regular file, or a hardlink's empty copy */
        set_name(m, nm, strlen(nm));
        *name = m->name;
        *size = m->remain;
        return 1;
    }
}

/* ---- zip */

/* The member before: its data read or passed over, its descriptor too. */
static int zip_finish(pc_members *m)
{
    unsigned char sink[4096];
    if (m->inflating && !m->zend && m->remain < 0) { /* no size: inflate to its end */
        while (!m->zend)
            if (pc_members_read(m, sink, sizeof sink) <= 0 && !m->zend)
                return -1;
    }
    zip_close(m);
    if (m->remain > 0 && pc_pullbuf_skip(&m->b, (uint64_t)m->remain) < 0)
        return -1;
    m->remain = 0;
    if (m->span_open)
        m->spans[m->nspans - 1].end = at(m);
    m->span_open = 0;
    if (!m->desc)
        return 0;
    m->desc = 0;
    /* crc, then 4- or 8-byte sizes (zip64), after an optional signature:
     * which one is told by where the next header starts */
    size_t got = pc_pullbuf_have(&m->b, 28);
    const unsigned char *d = m->b.buf + m->b.pos;
    size_t sig = got >= 4 && pc_le32(d) == ZIP_DESC ? 4 : 0;
    static const size_t lens[2] = {12, 20};
    for (int i = 0; i < 2; i++) {
        const unsigned char *at = d + sig + lens[i];
        if (sig + lens[i] + 4 <= got &&
            (pc_le32(at) == ZIP_LOCAL || pc_le32(at) == ZIP_CENTRAL || pc_le32(at) == ZIP_END)) {
            m->b.pos += sig + lens[i];
            return 0;
        }
    }
    return -1;
}

static void zip64_sizes(const unsigned char *x, size_t xlen, uint64_t *usize, uint64_t *csize)
{
    for (size_t i = 0; i + 4 <= xlen;) {
        uint16_t id = pc_le16(x + i), len = pc_le16(x + i + 2);
        const unsigned char *p = x + i + 4;
        if (i + 4 + len > xlen)
            return;
        size_t at = 0;
        if (id == 1) {
            if (*usize == 0xffffffffu && at + 8 <= len)
                *usize = pc_le64(p + at), at += 8;
            if (*csize == 0xffffffffu && at + 8 <= len)
                *csize = pc_le64(p + at);
            return;
        }
        i += 4 + (size_t)len;
    }
}

/* Remember where a member's local header and data are. */
static int zip_span(pc_members *m, uint64_t lho, uint16_t method)
{
    if (m->nspans == PC_MEMBERS_SPANS) {
        m->span_open = 0; /* (no more kept: a directory entry past them is taken as not walked) */
        return 0;
    }
    if (m->nspans == m->spancap) {
        size_t cap = m->spancap ? m->spancap * 2 : 16;
        pc_zip_span *v = cap > SIZE_MAX / sizeof *v ? NULL : realloc(m->spans, cap * sizeof *v);
        if (!v) {
            snprintf(m->why, sizeof m->why, "out of memory");
            return -1;
        }
        m->spans = v;
        m->spancap = cap;
    }
    m->spans[m->nspans++] = (pc_zip_span){lho, at(m), UINT64_MAX, method};
    m->span_open = 1;
    return 0;
}

/* An APK Signing Block (Android's signature schemes v2 and later):
 * between a zip's last member and its central directory, "u64 size,
 * ID-value pairs, u64 size, APK Sig Block 42", size counting what
 * follows its first field. Android's verifier finds it from the
 * directory's offset; unzip, Python, Java and Go read the directory and
 * never look at it. Passed over when it is whole and the directory comes
 * right after it: 1. Anything else is no such block: 0, nothing read;
 * -1 when it read as one up to a part that is not (the zip cannot be
 * followed, as before). Its bytes are scanned with the file's own. */
#define APK_SIG_MAGIC "APK Sig Block 42"
#define APK_SIG_MAX (64u << 20)
static int zip_apk_sig_block(pc_pullbuf *b)
{
    unsigned char foot[24];
    if (pc_pullbuf_have(b, 8) < 8)
        return 0;
    uint64_t size = pc_le64(b->buf + b->pos);
    if (size < sizeof foot || size > APK_SIG_MAX)
        return 0;
    if (pc_pullbuf_skip(b, 8 + size - sizeof foot) < 0 ||
        pc_pullbuf_read(b, foot, sizeof foot) != sizeof foot || pc_le64(foot) != size ||
        memcmp(foot + 8, APK_SIG_MAGIC, 16) != 0 || pc_pullbuf_have(b, 4) < 4 ||
        pc_le32(b->buf + b->pos) != ZIP_CENTRAL)
        return -1;
    return 1;
}

static int zip_next(pc_members *m, const char **name, int64_t *size)
{
    unsigned char h[30], x[1024];
    char nm[PC_MEMBERS_NAME_MAX + 1];
    for (;;) {
        if (zip_finish(m) < 0)
            return -1;
        size_t got = pc_pullbuf_have(&m->b, 4);
        uint64_t lho = at(m);
        const unsigned char *sig = m->b.buf + m->b.pos;
        if (got < 4 || pc_le32(sig) == ZIP_CENTRAL || pc_le32(sig) == ZIP_END) {
            if (got >= 4)
                m->cd_at = lho; /* (left unread: the caller may read the directory) */
            return got == 0 || got >= 4 ? 0 : -1;
        }
        if (pc_le32(sig) != ZIP_LOCAL && m->nspans > 0) {
            int apk = zip_apk_sig_block(&m->b);
            if (apk < 0)
                return -1;
            if (apk > 0)
                continue; /* the directory is next */
        }
        if (pc_pullbuf_read(&m->b, h, 30) != 30 || pc_le32(h) != ZIP_LOCAL)
            return -1;
        uint16_t flags = pc_le16(h + 6), method = pc_le16(h + 8), nlen = pc_le16(h + 26),
                 xlen = pc_le16(h + 28);
        uint64_t csize = pc_le32(h + 18), usize = pc_le32(h + 22);
        size_t take = nlen > PC_MEMBERS_NAME_MAX ? PC_MEMBERS_NAME_MAX : nlen;
        size_t xtake = xlen > sizeof x ? sizeof x : xlen;
        if (pc_pullbuf_read(&m->b, nm, take) != take || pc_pullbuf_skip(&m->b, nlen - take) < 0 ||
            pc_pullbuf_read(&m->b, x, xtake) != xtake || pc_pullbuf_skip(&m->b, xlen - xtake) < 0)
            return -1;
        if (zip_span(m, lho, method) < 0)
            return -1;
        zip64_sizes(x, xtake, &usize, &csize);
        int known = !(flags & 8) || csize != 0;
        m->desc = (flags & 8) != 0;
        m->remain = known ? (int64_t)(csize & INT64_MAX) : -1;
        int dir = take && nm[take - 1] == '/';
        pc_wrap_codec codec = method == 8 ? PC_WRAP_NONE : pc_members_zip_codec(method);
        int readable = method == 8 || ((method == 0 || codec != PC_WRAP_NONE) && known);
        set_name(m, nm, take);
        if (!(flags & 1) && !dir && method != 0 && method != 8 && codec == PC_WRAP_NONE) {
            /* (unzip reads shrink, reduce, implode and deflate64; 7-Zip more) */
            snprintf(m->why, sizeof m->why,
                     "member %s: zip compression method %u, which portcullis does not decode",
                     m->name, method);
            return -1;
        }
        if (dir && !known && method == 8 && !(flags & 1)) {
            /* a directory deflated with a data descriptor (Java's
             * ZipOutputStream writes them): its empty stream is inflated
             * to its end, as for a member, to find the next header */
            memset(&m->z, 0, sizeof m->z);
            if (inflateInit2(&m->z, -MAX_WBITS) != Z_OK)
                return -1;
            m->inflating = 1;
            m->zend = 0;
            continue;
        }
        if ((flags & 1) || !readable || dir) {
            if (!known)
                return -1; /* no way to find where the next header starts */
            if (dir || !(flags & 1))
                continue; /* a directory: passed over */
            /* encrypted: its data cannot be read; its local header is read
             * in its place (what rules/tools/opaque.yar matches) */
            memcpy(m->enc, h, 30);
            memcpy(m->enc + 30, nm, take);
            memcpy(m->enc + 30 + take, x, xtake);
            m->enc_len = 30 + take + xtake;
            m->enc_pos = 0;
            m->enc_on = 1;
            *name = m->name;
            *size = (int64_t)m->enc_len;
            return 1;
        }
        *name = m->name;
        if (method == 8) {
            memset(&m->z, 0, sizeof m->z);
            if (inflateInit2(&m->z, -MAX_WBITS) != Z_OK)
                return -1;
            m->inflating = 1;
            m->zend = 0;
            *size = -1; /* (decoded to its end, whatever the header says) */
        } else if (codec != PC_WRAP_NONE) {
            if (!(m->unw = pc_unwrap_new_within(codec, NULL, 0, stored_read, m, m->memlimit)))
                return -1;
            *size = -1;
        } else {
            *size = m->remain;
        }
        return 1;
    }
}

static ssize_t zip_inflate(pc_members *m, void *buf, size_t n)
{
    m->z.next_out = buf;
    m->z.avail_out = n > 1u << 30 ? 1u << 30 : (unsigned)n;
    unsigned out0 = m->z.avail_out;
    while (m->z.avail_out == out0 && !m->zend) {
        if (m->remain == 0 || !pc_pullbuf_have(&m->b, 1))
            return -1; /* the input ended inside the stream */
        size_t avail = m->b.len - m->b.pos;
        if (m->remain > 0 && (uint64_t)m->remain < avail)
            avail = (size_t)m->remain;
        m->z.next_in = m->b.buf + m->b.pos;
        m->z.avail_in = (unsigned)avail;
        int rc = inflate(&m->z, Z_NO_FLUSH);
        size_t used = avail - m->z.avail_in;
        m->b.pos += used;
        if (m->remain > 0)
            m->remain -= (int64_t)used;
        if (rc == Z_STREAM_END)
            m->zend = 1;
        else if (rc != Z_OK)
            return -1;
    }
    return (ssize_t)(out0 - m->z.avail_out);
}

int pc_members_next(pc_members *m, const char **name, int64_t *size)
{
    if (m->b.err || m->bad)
        return -1;
    int rc = m->kind == PC_ARC_TAR    ? tar_next(m, name, size)
             : m->kind == PC_ARC_AR   ? ar_next(m, name, size)
             : m->kind == PC_ARC_CPIO ? cpio_next(m, name, size)
                                      : zip_next(m, name, size);
    if (rc < 0)
        m->bad = 1;
    return rc;
}

ssize_t pc_members_rest(pc_members *m, void *buf, size_t n)
{
    return pc_pullbuf_rest(&m->b, buf, n);
}

ssize_t pc_members_read(pc_members *m, void *buf, size_t n)
{
    if (m->b.err || m->bad)
        return -1;
    if (m->kind == PC_ARC_TAR) {
        pc_err e = {{0}};
        return pc_tar_read(m->tar, buf, n, &e);
    }
    if (m->inflating)
        return m->zend ? 0 : zip_inflate(m, buf, n);
    if (m->enc_on) {
        size_t k = m->enc_len - m->enc_pos < n ? m->enc_len - m->enc_pos : n;
        memcpy(buf, m->enc + m->enc_pos, k);
        m->enc_pos += k;
        return (ssize_t)k;
    }
    if (m->unw) {
        ssize_t r = pc_unwrap_read(m->unw, buf, n);
        if (r < 0 && pc_unwrap_over(m->unw) && !m->why[0])
            snprintf(m->why, sizeof m->why,
                     "member %s: its data needs more memory to decode than portcullis allows",
                     m->name);
        return r;
    }
    return stored_read(m, buf, n);
}
