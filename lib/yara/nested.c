/*
 * nested.c — see nested.h. A walk goes depth first: the file's codec or
 * archive format is sniffed, its members are read one at a time into the
 * buffer of their level (a member larger than whole_max is handed over
 * as a stream instead, and not opened further), scanned, and opened in
 * turn when they are compressed or archives themselves. All reading is
 * pull: the decoder pulls from memory (a file read whole) or the layer
 * stream, the archive reader from the decoder, the scanner from the
 * archive reader, so no level holds more than its buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "yara/b64find.h"
#include "yara/uufind.h"
#include "yara/carve.h"
#include "yara/upx.h"
#include "yara/nested.h"
#include "yara/unwrap.h"
#include "yara/zipdir.h"

/* A level buffer above this is mapped, not malloc'ed, and unmapped after
 * the file (pc_nest_trim): glibc keeps freed heap memory of that size
 * (its mmap threshold rises to the largest block freed), and a scan's
 * peak memory is at its end, long after the archives were read. */
#define MAP_ABOVE (128u << 10)

struct pc_nest {
    unsigned char *buf[PC_NEST_DEPTH]; /* a member of each level, read whole */
    size_t cap[PC_NEST_DEPTH];
};

static void level_free(pc_nest *n, int i)
{
    if (n->cap[i] > MAP_ABOVE)
        munmap(n->buf[i], n->cap[i]);
    else
        free(n->buf[i]);
    n->buf[i] = NULL;
    n->cap[i] = 0;
}

/* Room for want bytes at level i; -1 when out of memory. */
static int level_reserve(pc_nest *n, int i, size_t want)
{
    if (n->cap[i] >= want)
        return 0;
    level_free(n, i);
    void *p = NULL;
    if (want > MAP_ABOVE) {
        p = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p = p == MAP_FAILED ? NULL : p;
    } else {
        p = malloc(want);
    }
    if (!p)
        return -1;
    n->buf[i] = p;
    n->cap[i] = want;
    return 0;
}

#define PC_NEST_LIVE (2 * PC_NEST_DEPTH + 2) /* decoders (or readers) open at once, at most */

typedef struct walk {
    pc_nest *n;
    const pc_nest_ops *ops;
    pc_err *e;
    uint64_t budget, budget0;   /* decoded bytes left, and at the start */
    uint64_t members, members0; /* members left, and at the start */
    int64_t size;               /* the streamed file's size (-1: not known) */
    /* the decoders and zip readers open (the levels above the one read):
     * what they hold counts against PC_NEST_MEMPOOL */
    pc_unwrap *dec[PC_NEST_LIVE]; /* a level: its codec's, a zip member's */
    pc_members *arc[PC_NEST_LIVE];
    int ndec, narc;
    int fatal; /* a bound was met: the file fails (e says which) */
    /* inside a compressed stream found after other bytes' start (carve):
     * a decoder's memory bound there ends the stream as damage would (a
     * false start on chance bytes, a fuzz corpus, asks for anything) */
    int carving;
    char chain[PC_NEST_CHAIN];
} walk;

/* bytes in memory, then (when fn is set) a pull stream */
typedef struct src {
    const unsigned char *p;
    size_t len, pos;
    pc_pull_fn fn;
    void *ud;
} src;

typedef struct unsrc {
    pc_unwrap *u;
    walk *w;
} unsrc;

static int inspect(walk *w, int depth, pc_pull_fn pull, void *pud, int tail,
                   const unsigned char *mem, size_t memlen);
static int inspect_mem(walk *w, int depth, const unsigned char *p, size_t n, size_t carve_from);
static int member(walk *w, int depth, const char *name, pc_pull_fn pull, void *pud, int64_t size,
                  int how);
/* member()'s how: an encrypted member's header in place of its bytes,
 * never opened (MB_SEALED) */
#define MB_SEALED 2

pc_nest *pc_nest_new(void)
{
    return calloc(1, sizeof(pc_nest));
}

void pc_nest_free(pc_nest *n)
{
    if (!n)
        return;
    for (int i = 0; i < PC_NEST_DEPTH; i++)
        level_free(n, i);
    free(n);
}

void pc_nest_trim(pc_nest *n, size_t keep)
{
    for (int i = 0; n && i < PC_NEST_DEPTH; i++)
        if (n->cap[i] > keep)
            level_free(n, i);
}

static const unsigned char rpm_lead[4] = {0xed, 0xab, 0xee, 0xdb};

/* A JDK module (.jmod): "JM", version 1.0, then a zip (its offsets from
 * the zip's start); a JDK image holds dozens, some over 20 MB. */
static int is_jmod(const unsigned char *p, size_t n)
{
    return n >= 8 && p[0] == 'J' && p[1] == 'M' && p[2] == 1 && p[3] == 0 &&
           pc_members_sniff(p + 4, n - 4) == PC_ARC_ZIP;
}

/* A Chrome extension (.crx): "Cr24", its format (2: key and signature
 * lengths; 3: a header's length), then a zip whose offsets count from its
 * own start, as Chrome reads it (unzip and Python find it after the
 * header too). Where the zip starts, or 0 when this is not one. */
static size_t crx_zip_at(const unsigned char *p, size_t n)
{
    if (n < 16 || memcmp(p, "Cr24", 4) != 0)
        return 0;
    uint32_t v = pc_le32(p + 4);
    uint64_t at = v == 3   ? 12 + (uint64_t)pc_le32(p + 8)
                  : v == 2 ? 16 + (uint64_t)pc_le32(p + 8) + pc_le32(p + 12)
                           : 0;
    return at && at <= PC_NEST_CRX ? (size_t)at : 0;
}

int pc_nest_wants(const unsigned char *data, size_t len)
{
    return pc_unwrap_sniff(data, len) != PC_WRAP_NONE || is_jmod(data, len) ||
           crx_zip_at(data, len) || pc_members_sniff(data, len) != PC_ARC_NONE ||
           (len >= 2 && data[0] == '#' && data[1] == '!') || /* (an archive may follow: stub) */
           (len >= 4 && memcmp(data, rpm_lead, 4) == 0);
}

static ssize_t src_pull(void *ud, void *buf, size_t n)
{
    src *s = ud;
    if (s->pos < s->len) {
        size_t k = s->len - s->pos < n ? s->len - s->pos : n;
        memcpy(buf, s->p + s->pos, k);
        s->pos += k;
        return (ssize_t)k;
    }
    return s->fn ? s->fn(s->ud, buf, n) : 0;
}

/* A bound met: what is inside cannot all be read, and a program of the
 * image that unpacks it has no such bound, so the file fails (a
 * scan-error) rather than pass on what came before. Always -1. */
static int bound(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bound(walk *w, const char *fmt, ...)
{
    if (w->fatal)
        return -1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->fatal = 1;
    if (w->chain[0])
        return pc_err_set(w->e, "archive member %s: %s", w->chain, msg);
    return pc_err_set(w->e, "%s", msg);
}

/* Decoded bytes, within the walk's budget: more than it, or a decoder at
 * its memory bound, is a bound met (the stream then "fails"). */
static ssize_t unwrap_pull(void *ud, void *buf, size_t n)
{
    unsrc *s = ud;
    walk *w = s->w;
    unsigned char one;
    if (w->fatal)
        return -1;
    if (w->budget == 0) { /* the end, or more than the budget */
        buf = &one;
        n = 1;
    }
    if (n > w->budget && w->budget)
        n = (size_t)w->budget;
    ssize_t r = pc_unwrap_read(s->u, buf, n);
    if (r > 0 && w->budget == 0) {
        char sz[32];
        pc_format_size(w->budget0, sz, sizeof sz);
        return bound(w, "decodes to more than %s (limits.max_layer_bytes)", sz);
    }
    if (r < 0 && pc_unwrap_over(s->u) && !w->carving)
        return bound(w, "its compressed data needs more memory to decode than portcullis allows");
    if (r > 0)
        w->budget -= (uint64_t)r;
    return r;
}

static ssize_t members_pull(void *ud, void *buf, size_t n)
{
    return pc_members_read(ud, buf, n);
}

static ssize_t members_rest_pull(void *ud, void *buf, size_t n)
{
    return pc_members_rest(ud, buf, n);
}

/* Up to n bytes from fn, fewer only at its end or error. */
static size_t pull_full(pc_pull_fn fn, void *ud, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = fn(ud, buf + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static int oom(walk *w)
{
    return pc_err_set(w->e, "out of memory while opening an archive");
}

/* Append " > name" (or name first) to the chain; the old length. */
static size_t chain_push(walk *w, const char *name)
{
    size_t old = strlen(w->chain);
    snprintf(w->chain + old, sizeof w->chain - old, "%s%s", old && *name ? " > " : "", name);
    return old;
}

static size_t stub_end(const unsigned char *p, size_t n);

/* 1 when bytes start as what the walk opens: a compressed stream, an
 * archive, an .rpm, or a script with an archive after it. */
static int openable(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == '#' && p[1] == '!')
        return stub_end(p, n) != 0;
    return pc_nest_wants(p, n);
}

static int too_deep(walk *w)
{
    return bound(w, "archives nested more than %d levels deep", PC_NEST_DEPTH);
}

/* One member of level depth: read into its buffer, scanned, and opened
 * when it is an archive itself; one too large for the buffer is scanned
 * as a stream, or, when it is an archive itself, opened as one (as a file
 * too large to read whole is). Every member is scanned, also one stored
 * as it is in a tar that was scanned whole: a rule may hold for the member
 * (its own filesize, its own head) and not for the archive. how &
 * MB_SEALED: scanned, never opened. 0 (also when the member's bytes end
 * early: what came is scanned), -1 when a scan failed or a bound was met. */
static int member(walk *w, int depth, const char *name, pc_pull_fn pull, void *pud, int64_t size,
                  int how)
{
    int opens = !(how & MB_SEALED);
    pc_nest *n = w->n;
    size_t whole = w->ops->whole_max, first = w->ops->first_block;
    size_t cap = whole > first ? whole : first; /* read whole, or at least a first block */
    size_t want = size >= 0 && (uint64_t)size < cap ? (size_t)size : cap;
    if (want == 0)
        return 0;
    if (level_reserve(n, depth, want) < 0)
        return oom(w);
    size_t got = pull_full(pull, pud, n->buf[depth], want);
    unsigned char extra;
    int more =
        got == cap && (size < 0 || (uint64_t)size > got) && pull_full(pull, pud, &extra, 1) == 1;
    size_t old = chain_push(w, name);
    int rc = 0;
    if (w->fatal) {
        rc = -1; /* (a bound met while its bytes were read) */
    } else if ((more || got > whole) && opens && openable(n->buf[depth], got)) {
        src rest = {&extra, more, 0, more ? pull : NULL, pud};
        src s = {n->buf[depth], got, 0, src_pull, &rest};
        rc = depth + 1 < PC_NEST_DEPTH ? inspect(w, depth + 1, src_pull, &s, 1, NULL, 0)
                                       : too_deep(w);
    } else if (more || got > whole) { /* over whole_max: in blocks, the first one held */
        src rest = {&extra, more, 0, more ? pull : NULL, pud};
        rc = w->ops->scan_stream(w->ops->ud, w->chain, n->buf[depth], got, src_pull, &rest,
                                 more ? size : (int64_t)got, w->e);
    } else {
        size_t inner_at = 1;
        if (got)
            rc = w->ops->scan_mem(w->ops->ud, w->chain, n->buf[depth], got, &inner_at, w->e);
        if (rc == 0 && opens && depth + 1 < PC_NEST_DEPTH)
            rc = inspect_mem(w, depth + 1, n->buf[depth], got, inner_at);
        else if (rc == 0 && opens &&
                 (openable(n->buf[depth], got) || pc_zipdir_ends(n->buf[depth], got)))
            rc = too_deep(w); /* (a zip after other bytes too: inspect_mem reads it) */
    }
    w->chain[old] = 0;
    return rc < 0 || w->fatal ? -1 : 0;
}

static ssize_t unwrap_rest_pull(void *ud, void *buf, size_t n)
{
    return pc_unwrap_rest(((unsrc *)ud)->u, buf, n);
}

/* A decoder just made (NULL: out of memory) is open: 0, or -1 (e filled,
 * the decoder freed). */
static int push_dec(walk *w, pc_unwrap *u)
{
    if (!u)
        return oom(w);
    if (w->ndec == PC_NEST_LIVE) {
        pc_unwrap_free(u);
        return too_deep(w);
    }
    w->dec[w->ndec++] = u;
    return 0;
}

/* The memory bound of a decoder opened now: what the decoders and zip
 * readers open above it leave of PC_NEST_MEMPOOL (they have read their
 * headers, so they hold what they will hold), at most a decoder's full
 * bound (unwrap.h). */
static size_t memlimit(const walk *w)
{
    size_t used = 0;
    for (int i = 0; i < w->ndec; i++)
        used += pc_unwrap_memusage(w->dec[i]);
    for (int i = 0; i < w->narc; i++)
        used += pc_members_memusage(w->arc[i]);
    size_t left = used < PC_NEST_MEMPOOL ? PC_NEST_MEMPOOL - used : 0;
    return left < PC_UNWRAP_MEMLIMIT ? left : PC_UNWRAP_MEMLIMIT;
}

static int count_member(walk *w)
{
    if (w->members == 0)
        return bound(w, "holds more than %llu members (limits.max_files)",
                     (unsigned long long)w->members0);
    w->members--;
    return 0;
}

/* Where a zip directory entry is among the spans the walk went through
 * (sorted by where they start): 1 when the walk read its data as the
 * entry says (the same header, method and compressed length). */
static int walked(const pc_zip_span *v, size_t n, const pc_zipent *z)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].lho < z->lho)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].lho == z->lho && v[lo].method == z->method && v[lo].end != UINT64_MAX &&
           v[lo].end - v[lo].data == z->csize;
}

/* A zip member the walk did not read as its directory entry says (a gap
 * before its header, a header that lies about its method or length):
 * read from the archive in memory as unzip and Python read it. */
static int zip_entry(walk *w, int depth, const pc_zipent *z, const unsigned char *mem,
                     size_t memlen, size_t lim)
{
    uint64_t off;
    if (pc_zipdir_data(mem, memlen, 0, z, &off) < 0)
        return 0; /* (no reader gets its data either) */
    if (count_member(w) < 0)
        return -1;
    /* encrypted: its local header in place of its bytes, as the walk reads it */
    if (z->flags & 1) {
        src hdr = {mem + z->lho, (size_t)(off - z->lho), 0, NULL, NULL};
        return member(w, depth, z->name, src_pull, &hdr, (int64_t)hdr.len, MB_SEALED);
    }
    src raw = {mem + off, (size_t)z->csize, 0, NULL, NULL};
    if (z->method == 0)
        return member(w, depth, z->name, src_pull, &raw, (int64_t)z->csize, 0);
    pc_wrap_codec c = pc_members_zip_codec(z->method);
    if (c == PC_WRAP_NONE)
        return bound(w, "zip member %s: compression method %u, which portcullis does not decode",
                     z->name, z->method);
    unsrc us = {pc_unwrap_new_within(c, NULL, 0, src_pull, &raw, lim), w};
    if (push_dec(w, us.u) < 0)
        return -1;
    int rc = member(w, depth, z->name, unwrap_pull, &us, -1, 0);
    w->ndec--;
    pc_unwrap_free(us.u);
    return rc;
}

/* The rest of a streamed zip from its central directory on, at most
 * PC_NEST_ZIPDIR bytes: into *buf (malloc'ed), its length; -1 when over. */
static int zip_rest(walk *w, pc_members *m, unsigned char **buf, size_t *len)
{
    size_t cap = 64u << 10, n = 0;
    unsigned char *b = malloc(cap);
    if (!b)
        return oom(w);
    for (;;) {
        if (n == cap) {
            if (cap >= PC_NEST_ZIPDIR) {
                free(b);
                return bound(w,
                             "the zip's central directory and what follows it are %u MiB or more",
                             PC_NEST_ZIPDIR >> 20);
            }
            unsigned char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return oom(w);
            }
            b = nb;
            cap *= 2;
        }
        ssize_t r = pc_members_rest(m, b + n, cap - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* A zip's central directory (zipdir.h), what unzip, Python and Java go
 * by, held against the walk by local headers, what streaming readers go
 * by. In memory (mem), an entry the walk did not read as it says is read
 * by the entry; streamed, the directory comes last, when the members are
 * gone: such an entry, or a walk that could not reach the directory, is a
 * bound. tail: scan what follows the walk as bytes (a streamed file). */
static int zip_directory(walk *w, int depth, pc_members *m, int walk_rc, const unsigned char *mem,
                         size_t memlen, int tail, size_t lim)
{
    const pc_zip_span *sp;
    uint64_t cd_at;
    size_t ns = pc_members_zip_spans(m, &sp, &cd_at);
    pc_zipdir d = {0};
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = 0;
    if (!mem && cd_at == UINT64_MAX && walk_rc < 0)
        return bound(w, "the zip cannot be followed to its central directory as it streams by "
                        "(unzip, going by the directory, may read members past the damage)");
    if (!mem && cd_at == UINT64_MAX)
        return tail ? member(w, depth, "(bytes after the archive)", members_rest_pull, m, -1, 0)
                    : 0;
    if (!mem) {
        if (zip_rest(w, m, &buf, &len) < 0)
            return -1;
        src s = {buf, len, 0, NULL, NULL};
        if (tail)
            rc = member(w, depth, "(bytes after the archive)", src_pull, &s, (int64_t)len, 0);
    }
    /* a directory that cannot be read (damage: Go's and Python's own test
     * archives hold such) is read by no program that goes by it; what the
     * walk read is what the others get */
    int got = rc == 0 ? mem ? pc_zipdir_read(mem, memlen, 0, SIZE_MAX, &d, NULL, 0)
                            : pc_zipdir_read(buf, len, cd_at, SIZE_MAX, &d, NULL, 0)
                      : 0;
    int have = got == 1;
    for (size_t i = 0; have && rc == 0 && i < d.n; i++) {
        const pc_zipent *z = &d.v[i];
        if (z->dir || walked(sp, ns, z))
            continue;
        rc = mem ? zip_entry(w, depth, z, mem, memlen, lim)
                 : bound(w,
                         "zip member %s is not where the archive's local headers lead (its "
                         "central directory entry says byte %llu): unzip would read it, and it "
                         "cannot be read as the archive streams by",
                         z->name, (unsigned long long)z->lho);
    }
    pc_zipdir_free(&d);
    free(buf);
    return rc;
}

/* tail: the source's bytes were not scanned as they are (a file too
 * large to read whole, opened as a stream), so what follows where the
 * reading stopped (the archive's end, damage, a limit) is scanned as
 * bytes, as a member named for it. mem: the archive is these bytes, held
 * (a zip's directory is then read from them). */
static int members(walk *w, int depth, pc_arc_kind kind, const unsigned char *pre, size_t prelen,
                   pc_pull_fn pull, void *pud, int tail, const unsigned char *mem, size_t memlen)
{
    pc_members *m = pc_members_new(kind, pre, prelen, pull, pud);
    const char *name;
    int64_t size;
    int rc = 0, r;
    if (!m)
        return oom(w);
    if (w->narc == PC_NEST_LIVE) {
        pc_members_free(m);
        return too_deep(w);
    }
    size_t lim = memlimit(w);
    pc_members_memlimit(m, lim);
    w->arc[w->narc++] = m; /* (one a level, and an .rpm's cpio) */
    while ((r = pc_members_next(m, &name, &size)) == 1 && (rc = count_member(w)) == 0 &&
           (rc = member(w, depth, name, members_pull, m, size,
                        pc_members_sealed(m) ? MB_SEALED : 0)) == 0)
        ;
    if (rc == 0 && pc_members_bound(m))
        rc = bound(w, "%s", pc_members_bound(m));
    if (rc == 0 && kind == PC_ARC_ZIP)
        rc = zip_directory(w, depth, m, r, mem, memlen, tail, lim);
    else if (rc == 0 && tail)
        rc = member(w, depth, "(bytes after the archive)", members_rest_pull, m, -1, 0);
    w->narc--;
    pc_members_free(m);
    return rc;
}

/* A manual page (roff: a comment, .TH, .Dd or .so first), what man(1)
 * renders: Debian's and Alpine's are all gzipped, and netcat's documents
 * the FIFO reverse shell it can serve. Passed over only where man looks
 * (ops->manual): sh runs a file that starts ".TH x" as well (the line
 * fails, the next runs). */
static int is_roff(const unsigned char *p, size_t n)
{
    static const char *const lead[] = {".\\\"", "'\\\"", ".TH ", ".Dd ", ".so "};
    for (size_t i = 0; i < sizeof lead / sizeof lead[0]; i++)
        if (n >= strlen(lead[i]) && memcmp(p, lead[i], strlen(lead[i])) == 0)
            return 1;
    return 0;
}

/* A compressed file: an archive inside is walked, a manual page passed
 * over, anything else is one member named by the codec. */
static int decoded(walk *w, int depth, pc_wrap_codec codec, const unsigned char *pre, size_t prelen,
                   pc_pull_fn pull, void *pud, int tail)
{
    unsrc us = {pc_unwrap_new_within(codec, pre, prelen, pull, pud, memlimit(w)), w};
    unsigned char peek[PC_MEMBERS_SNIFF];
    int rc;
    if (push_dec(w, us.u) < 0)
        return -1;
    size_t pl = pull_full(unwrap_pull, &us, peek, sizeof peek);
    pc_arc_kind kind = pc_members_sniff(peek, pl);
    if (kind != PC_ARC_NONE) {
        rc = members(w, depth, kind, peek, pl, unwrap_pull, &us, 0, NULL, 0);
    } else if (depth == 0 && w->ops->manual && is_roff(peek, pl)) {
        rc = 0;
    } else {
        char name[32];
        snprintf(name, sizeof name, "(%s)", pc_unwrap_name(codec));
        src s = {peek, pl, 0, unwrap_pull, &us};
        rc = member(w, depth, name, src_pull, &s, -1, 0);
    }
    if (rc == 0 && tail) {
        while (pull_full(unwrap_pull, &us, peek, sizeof peek) > 0)
            ; /* (the decoded rest, if a member stopped early: to the stream's end) */
        rc = member(w, depth, "(bytes after the compressed stream)", unwrap_rest_pull, &us, -1, 0);
    }
    w->ndec--;
    pc_unwrap_free(us.u);
    return rc < 0 || w->fatal ? -1 : 0;
}

/* What a script's archive starts with: a compressed stream (makeself's
 * tar.gz, .tar.xz, ...) or a zip (zipapp, jar); cheap enough to try at
 * every line of a script. */
static int opens(const unsigned char *p, size_t n)
{
    return pc_unwrap_sniff(p, n) != PC_WRAP_NONE ||
           (n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4);
}

/* Where the archive after a script starts (on a line of its own, within
 * PC_NEST_STUB bytes), or 0. */
static size_t stub_end(const unsigned char *p, size_t n)
{
    size_t lim = n < PC_NEST_STUB ? n : PC_NEST_STUB;
    for (const unsigned char *nl = memchr(p, '\n', lim); nl;
         nl = memchr(nl + 1, '\n', lim - (size_t)(nl + 1 - p)))
        if (nl + 1 < p + lim && opens(nl + 1, n - (size_t)(nl + 1 - p)))
            return (size_t)(nl + 1 - p);
    return 0;
}

/* A script with an archive after it (a self-extracting installer made by
 * makeself, a Python zipapp, an executable jar's launch script): the
 * archive starts on a line of its own within PC_NEST_STUB bytes. Opened
 * from there; in a file opened as a stream (tail), the script itself and
 * a script with no archive are scanned as members, as their bytes were
 * not. */
static int stub(walk *w, int depth, const unsigned char *peek, size_t pl, pc_pull_fn pull,
                void *pud, int tail)
{
    unsigned char *buf = malloc(PC_NEST_STUB);
    if (!buf)
        return oom(w);
    memcpy(buf, peek, pl);
    size_t got = pl + pull_full(pull, pud, buf + pl, PC_NEST_STUB - pl), off = stub_end(buf, got);
    int rc = 0;
    src s = {buf, off ? off : got, 0, off ? NULL : pull, pud};
    if (tail && off) /* the script itself, a member of its own */
        rc = member(w, depth, "(script before the archive)", src_pull, &s, (int64_t)off, 0);
    else if (tail) /* no archive: the file, as it is ("" names no member) */
        rc = member(w, depth, "", src_pull, &s, depth ? -1 : w->size, 0);
    if (rc == 0 && off) {
        src rest = {buf + off, got - off, 0, pull, pud};
        rc = inspect(w, depth, src_pull, &rest, tail, NULL, 0);
    }
    free(buf);
    return rc;
}

/* The bytes an .rpm's reader passes over, kept when the file is read as a
 * stream (its bytes are then not scanned as they are): at most
 * PC_NEST_RPMHDR. */
typedef struct tee {
    src *s;
    unsigned char *buf; /* NULL: not kept */
    size_t len, cap;
    int over;
} tee;

static ssize_t tee_pull(void *ud, void *buf, size_t n)
{
    tee *t = ud;
    ssize_t r = src_pull(t->s, buf, n);
    if (r <= 0 || !t->buf || t->over)
        return r;
    if ((size_t)r > PC_NEST_RPMHDR - t->len) {
        t->over = 1;
        return -1;
    }
    if (t->len + (size_t)r > t->cap) {
        size_t cap = t->cap * 2 > t->len + (size_t)r ? t->cap * 2 : t->len + (size_t)r;
        unsigned char *nb = realloc(t->buf, cap);
        if (!nb) {
            t->over = 2;
            return -1;
        }
        t->buf = nb;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, buf, (size_t)r);
    t->len += (size_t)r;
    return r;
}

/* Pass over one RPM header structure (its 16-byte intro, its index and
 * its data) from t; pad: to the next multiple of 8 (the signature's). */
static int rpm_header(tee *t, int pad)
{
    unsigned char h[16], sink[4096];
    if (pull_full(tee_pull, t, h, 16) != 16 || h[0] != 0x8e || h[1] != 0xad || h[2] != 0xe8)
        return -1;
    uint64_t n = (uint64_t)pc_be32(h + 8) * 16 + pc_be32(h + 12);
    if (n > (256u << 20))
        return -1;
    if (pad)
        n += (8 - (16 + n) % 8) % 8;
    while (n) {
        size_t k = n < sizeof sink ? (size_t)n : sizeof sink;
        if (pull_full(tee_pull, t, sink, k) != k)
            return -1;
        n -= k;
    }
    return 0;
}

/* An .rpm: its lead (96 bytes) and two headers, then the payload (a
 * compressed cpio), opened as a file of its own. Read as a stream (tail),
 * the lead and headers (its scriptlets: what rpm -i runs) are scanned as
 * a member of their own, "(rpm headers)". */
static int rpm(walk *w, int depth, const unsigned char *peek, size_t pl, pc_pull_fn pull, void *pud,
               int tail)
{
    src s = {peek, pl, 0, pull, pud};
    tee t = {&s, tail ? malloc(64u << 10) : NULL, 0, 64u << 10, 0};
    unsigned char lead[96];
    int rc = 0;
    if (tail && !t.buf)
        return oom(w);
    int ok = pull_full(tee_pull, &t, lead, sizeof lead) == sizeof lead && rpm_header(&t, 1) == 0 &&
             rpm_header(&t, 0) == 0;
    if (t.over == 2)
        rc = oom(w);
    else if (t.over)
        rc = bound(w, "the .rpm's headers are over %u MiB", PC_NEST_RPMHDR >> 20);
    else if (tail) {
        src hs = {t.buf, t.len, 0, ok ? NULL : pull, pud}; /* (not one: all of it as bytes) */
        rc =
            member(w, depth, ok ? "(rpm headers)" : "", src_pull, &hs, ok ? (int64_t)t.len : -1, 0);
    }
    free(t.buf);
    if (rc == 0 && ok)
        rc = inspect(w, depth, src_pull, &s, tail, NULL, 0);
    return rc;
}

/* A Chrome extension: its zip read as any zip, from where it starts (a
 * file read whole: what it holds is read from memory too); streamed
 * (tail), the header before it is scanned as a member of its own, as its
 * bytes were not. Not followed by a zip: the file, as it is. */
static int crx(walk *w, int depth, const unsigned char *peek, size_t pl, size_t at, pc_pull_fn pull,
               void *pud, int tail, const unsigned char *mem, size_t memlen)
{
    size_t want = at + PC_MEMBERS_SNIFF;
    unsigned char *buf = malloc(want);
    if (!buf)
        return oom(w);
    memcpy(buf, peek, pl);
    size_t got = pl + pull_full(pull, pud, buf + pl, want - pl);
    int zip = got > at && pc_members_sniff(buf + at, got - at) == PC_ARC_ZIP;
    src s = {buf, zip ? at : got, 0, zip ? NULL : pull, pud};
    int rc = 0;
    if (tail)
        rc = member(w, depth, zip ? "(crx header)" : "", src_pull, &s,
                    zip     ? (int64_t)at
                    : depth ? -1
                            : w->size,
                    0);
    if (rc == 0 && zip)
        rc = members(w, depth, PC_ARC_ZIP, buf + at, got - at, pull, pud, tail,
                     mem && memlen > at ? mem + at : NULL, mem && memlen > at ? memlen - at : 0);
    free(buf);
    return rc;
}

static int inspect(walk *w, int depth, pc_pull_fn pull, void *pud, int tail,
                   const unsigned char *mem, size_t memlen)
{
    unsigned char peek[PC_MEMBERS_SNIFF];
    size_t pl = pull_full(pull, pud, peek, sizeof peek);
    if (pl >= 4 && memcmp(peek, rpm_lead, 4) == 0)
        return rpm(w, depth, peek, pl, pull, pud, tail);
    pc_wrap_codec codec = pc_unwrap_sniff(peek, pl);
    if (codec != PC_WRAP_NONE)
        return decoded(w, depth, codec, peek, pl, pull, pud, tail);
    if (is_jmod(peek, pl))
        return members(w, depth, PC_ARC_ZIP, peek + 4, pl - 4, pull, pud, tail,
                       mem ? mem + 4 : NULL, mem ? memlen - 4 : 0);
    size_t crx_at = crx_zip_at(peek, pl);
    if (crx_at)
        return crx(w, depth, peek, pl, crx_at, pull, pud, tail, mem, memlen);
    pc_arc_kind kind = pc_members_sniff(peek, pl);
    if (kind == PC_ARC_NONE)
        return tail && pl >= 2 && peek[0] == '#' && peek[1] == '!'
                   ? stub(w, depth, peek, pl, pull, pud, tail)
                   : 0;
    return members(w, depth, kind, peek, pl, pull, pud, tail, mem, memlen);
}

/* CPython's compiled code (.pyc): its 2-byte magic, "\r\n", and a code
 * object (marshal's 'c', with or without its reference flag) after the
 * header of its version (16 bytes since 3.7, 12 in 3.3-3.6, 8 before). */
static int is_pyc(const unsigned char *p, size_t n)
{
    if (n < 17 || p[2] != '\r' || p[3] != '\n')
        return 0;
    for (size_t i = 8; i <= 16; i += 4)
        if ((p[i] & 0x7f) == 'c')
            return 1;
    return 0;
}

/* A zip after other bytes (an ELF, a script, a picture: what the walk does
 * not open by its start) is read by its central directory, as unzip and
 * Python's zipimport read it (python3 FILE runs its __main__.py). In a
 * .pyc, a zip is a bytes constant of the code (CPython's test_zipfile
 * holds one with an encrypted member): its members are read, but an
 * encrypted one is not reported as opaque, since the code can hold and
 * decrypt any encrypted bytes without a zip around them. */
static int zip_tail(walk *w, int depth, const unsigned char *p, size_t n)
{
    pc_zipdir d = {0};
    int rc = 0;
    if (pc_zipdir_read(p, n, 0, SIZE_MAX, &d, NULL, 0) != 1)
        return 0;
    size_t lim = memlimit(w);
    int code = is_pyc(p, n);
    for (size_t i = 0; rc == 0 && i < d.n; i++)
        if (!d.v[i].dir && !(code && (d.v[i].flags & 1)))
            rc = zip_entry(w, depth, &d.v[i], p, n, lim);
    pc_zipdir_free(&d);
    return rc;
}

/* One reading of a run (its kind k, from r): decoded and read as a
 * member "(base64)", "(hex)" or "(escaped)"; what it decodes to tried as
 * zlib or raw deflate too. sieve (a run in a program): only when what it
 * decodes to is worth reading (pc_enc_worth). */
static int one_run(walk *w, int depth, const unsigned char *r, size_t len, pc_enc_kind k, int sieve)
{
    unsigned char *d = malloc(len / 4 * 3 + 3);
    if (!d)
        return oom(w);
    size_t dl = pc_enc_decode(k, r, len, d);
    if (sieve && !pc_enc_worth(d, dl)) { /* (a program's own letters: b64find.h) */
        free(d);
        return 0;
    }
    if (count_member(w) < 0) { /* (each reading is read as a member: limits.max_files) */
        free(d);
        return -1;
    }
    char name[16];
    snprintf(name, sizeof name, "(%s)", pc_enc_name(k));
    src s = {d, dl, 0, NULL, NULL};
    int rc = member(w, depth, name, src_pull, &s, (int64_t)dl, 0);
    /* what a script decodes from text is often zlib's
     * (zlib.decompress(b64decode(...)), PHP's gzuncompress): any header
     * of it (one zlib itself writes is tried as any bytes' start is,
     * when the member is read); or raw deflate, which has no header
     * (PHP's gzinflate, zlib.decompress(data, -15)): tried on what
     * opens as nothing else (a first block of a type deflate has);
     * bytes that are no deflate end at once */
    pc_wrap_codec inner = PC_WRAP_NONE;
    if (pc_unwrap_zlib(d, dl))
        inner = pc_unwrap_zlib_std(d, dl) ? PC_WRAP_NONE : PC_WRAP_ZLIB;
    else if (dl > 0 && (d[0] & 6) != 6 && !pc_nest_wants(d, dl))
        inner = PC_WRAP_DEFLATE;
    if (rc == 0 && !w->fatal && inner != PC_WRAP_NONE) {
        size_t old = chain_push(w, name);
        src z = {d, dl, 0, NULL, NULL};
        rc = decoded(w, depth, inner, NULL, 0, src_pull, &z, 0);
        w->chain[old] = 0;
    }
    free(d);
    return rc;
}

/* A program or an archive as base64 text in bytes held whole
 * (b64find.h): each run is decoded and read as a member "(base64)", as
 * the run's `base64 -d` would give it; a run of hex digits or of "\xHH"
 * escapes is decoded as such: "(hex)", "(escaped)". In an ELF file, where
 * a string constant's letters join those of the strings stored before it
 * (Go stores them with nothing between), where the payload starts is not
 * known: a base64 run is also read from its second, third and fourth
 * letter, a hex run from its second, so one reading is aligned with it. */
static int b64_runs(walk *w, int depth, const unsigned char *p, size_t n)
{
    pc_b64_it it;
    size_t len = 0;
    const unsigned char *r;
    int rc = 0, elf = pc_elf_head(p, n) || (depth == 0 && w->ops->b64_shifted);
    pc_b64_begin(&it, p, n);
    while (rc == 0 && !w->fatal && (r = pc_b64_next(&it, &len)) != NULL) {
        pc_enc_kind k = pc_enc_of(r, &len);
        size_t shifts = elf ? pc_enc_shifts(k) : 1;
        for (size_t sh = 0; rc == 0 && !w->fatal && sh < shifts; sh++) {
            size_t o = pc_enc_skip(r, len, sh, k);
            if (len - o >= PC_B64_MIN) /* (what is left still holds a program's worth) */
                rc = one_run(w, depth, r + o, len - o, k, elf);
        }
    }
    return rc < 0 || w->fatal ? -1 : 0;
}

/* Uuencoded bodies in bytes held whole (uufind.h: a shar archive, a
 * uuencode file): each decoded and read as a member "(uuencoded)". */
static int uu_runs(walk *w, int depth, const unsigned char *p, size_t n)
{
    pc_uu_it it;
    size_t len = 0, prefix = 0;
    const unsigned char *r;
    int rc = 0;
    pc_uu_begin(&it, p, n);
    while (rc == 0 && (r = pc_uu_next(&it, &len, &prefix)) != NULL) {
        if (count_member(w) < 0)
            return -1;
        unsigned char *d = malloc(len / 4 * 3 + 3);
        if (!d)
            return oom(w);
        size_t dl = pc_uu_decode(r, len, prefix, d);
        src s = {d, dl, 0, NULL, NULL};
        rc = member(w, depth, "(uuencoded)", src_pull, &s, (int64_t)dl, 0);
        free(d);
    }
    return rc;
}

/* Programs and compressed streams inside other bytes (carve.h), in bytes
 * that were not opened as an archive (an ELF file's too: a dropper's
 * payload in its data): a program is read from its header to the end as a
 * member "(program at byte N)", a stream is opened there as any file's
 * ("(at byte N) > (gzip)"); more than PC_NEST_CARVES programs (each is
 * read to the end of the bytes) or PC_NEST_STREAMS streams is a bound;
 * a stream whose decoder asks for more memory than the bound ends there
 * (walk.carving). from: where the first may be (the scan's prefilter saw
 * a magic number there first). */
static int carve(walk *w, int depth, const unsigned char *p, size_t n, size_t from)
{
    int rc = 0, progs = 0, streams = 0, stream;
    pc_carve_it ci;
    pc_carve_begin(&ci, p, n, from);
    for (size_t at = pc_carve_at(&ci, 1, &stream); rc == 0 && !w->fatal && at < n;
         at = pc_carve_at(&ci, at + 1, &stream)) {
        if (stream ? ++streams > PC_NEST_STREAMS : ++progs > PC_NEST_CARVES)
            return bound(w, "holds more than %d %s after its start",
                         stream ? PC_NEST_STREAMS : PC_NEST_CARVES,
                         stream ? "compressed streams" : "programs");
        if (count_member(w) < 0) /* (each is read as a member: limits.max_files) */
            return -1;
        char name[48];
        src s = {p + at, n - at, 0, NULL, NULL};
        unsigned long long named = at + (depth == 0 ? w->ops->carve_base : 0);
        if (stream) {
            snprintf(name, sizeof name, "(at byte %llu)", named);
            size_t old = chain_push(w, name);
            w->carving++;
            rc = pc_unwrap_zlib_std(p + at, n - at) /* (zlib: never sniffed, carve.h says) */
                     ? decoded(w, depth, PC_WRAP_ZLIB, NULL, 0, src_pull, &s, 0)
                     : inspect(w, depth, src_pull, &s, 0, NULL, 0);
            w->carving--;
            w->chain[old] = 0;
        } else {
            snprintf(name, sizeof name, "(program at byte %llu)", named);
            rc = member(w, depth, name, src_pull, &s, (int64_t)(n - at), 0);
        }
    }
    return rc;
}

/* A program packed by UPX (upx.h): what its loader rebuilds in memory when
 * it starts is read as a member "(unpacked by UPX)"; a packed program that
 * cannot be unpacked is a bound met (a scan-error), as its bytes hold none
 * of what runs. */
static int upx(walk *w, int depth, const unsigned char *p, size_t n)
{
    unsigned char *d = NULL;
    size_t dl = 0;
    pc_err why = {{0}};
    uint64_t max = w->budget < PC_NEST_UPX_MAX ? w->budget : PC_NEST_UPX_MAX;
    int r = pc_upx_unpack(p, n, max, &d, &dl, &why);
    if (r == 0)
        return 0;
    if (r < 0)
        return bound(w, "%s", why.msg);
    w->budget -= dl; /* (dl <= max <= budget) */
    if (depth == 0 && w->ops->whole_file && w->ops->unpacked)
        w->ops->unpacked(w->ops->ud, d, dl);
    int rc = count_member(w);
    if (rc == 0) {
        src s = {d, dl, 0, NULL, NULL};
        rc = member(w, depth, "(unpacked by UPX)", src_pull, &s, (int64_t)dl, 0);
    }
    free(d);
    return rc;
}

/* Bytes in memory, scanned as they are already: a script is opened where
 * its archive starts, in place; bytes not opened are searched for
 * programs inside them from carve_from on; base64 runs and uuencoded
 * bodies are decoded. */
static int inspect_mem(walk *w, int depth, const unsigned char *p, size_t n, size_t carve_from)
{
    int script = n >= 2 && p[0] == '#' && p[1] == '!', rc;
    size_t off = script ? stub_end(p, n) : 0;
    int plain = script ? off == 0 : !pc_nest_wants(p, n); /* nothing opened at its start */
    if (plain) {
        rc = zip_tail(w, depth, p, n);
    } else {
        src s = {p + off, n - off, 0, NULL, NULL};
        rc = inspect(w, depth, src_pull, &s, 0, p + off, n - off);
    }
    if (rc == 0 && !w->fatal && plain && pc_upx_sniff(p, n))
        rc = upx(w, depth, p, n);
    if (rc == 0 && !w->fatal && plain)
        rc = carve(w, depth, p, n, carve_from);
    if (rc == 0 && !w->fatal && plain && pc_unwrap_zlib_std(p, n)) {
        /* a zlib stream at the bytes' start with one of the headers zlib
         * writes (pigz -z, a .zlib file a script inflates): tried too */
        src z = {p, n, 0, NULL, NULL};
        rc = decoded(w, depth, PC_WRAP_ZLIB, NULL, 0, src_pull, &z, 0);
    }
    if (rc == 0 && !w->fatal)
        rc = b64_runs(w, depth, p, n);
    return rc < 0 || w->fatal ? -1 : uu_runs(w, depth, p, n);
}

static walk walk_of(pc_nest *n, const pc_nest_ops *ops, pc_err *e)
{
    walk w = {.n = n,
              .ops = ops,
              .e = e,
              .budget = ops->budget ? ops->budget : PC_NEST_BUDGET,
              .members = ops->max_members ? ops->max_members : PC_NEST_MEMBERS,
              .size = -1};
    w.budget0 = w.budget;
    w.members0 = w.members;
    if (ops->chain_base)
        snprintf(w.chain, sizeof w.chain, "%s", ops->chain_base);
    return w;
}

int pc_nest_inspect(pc_nest *n, const pc_nest_ops *ops, const unsigned char *data, size_t len,
                    pc_err *e)
{
    walk w = walk_of(n, ops, e);
    int rc = inspect_mem(&w, 0, data, len, ops->carve_from ? ops->carve_from : 1);
    return rc < 0 || w.fatal ? -1 : 0;
}

int pc_nest_unpack(pc_nest *n, const pc_nest_ops *ops, const unsigned char *data, size_t len,
                   pc_err *e)
{
    walk w = walk_of(n, ops, e);
    int rc = upx(&w, 0, data, len);
    return rc < 0 || w.fatal ? -1 : 0;
}

int pc_nest_inspect_stream(pc_nest *n, const pc_nest_ops *ops, const unsigned char *pre,
                           size_t prelen, pc_pull_fn pull, void *ud, int64_t size, pc_err *e)
{
    walk w = walk_of(n, ops, e);
    src s = {pre, prelen, 0, pull, ud};
    w.size = size;
    int rc = inspect(&w, 0, src_pull, &s, 1, NULL, 0);
    return rc < 0 || w.fatal ? -1 : 0;
}
