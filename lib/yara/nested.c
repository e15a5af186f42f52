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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "yara/nested.h"
#include "yara/unwrap.h"

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

typedef struct walk {
    pc_nest *n;
    const pc_nest_ops *ops;
    pc_err *e;
    uint64_t budget;  /* decoded bytes left */
    uint32_t members; /* members left */
    int64_t size;     /* the streamed file's size (-1: not known) */
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

static int inspect(walk *w, int depth, pc_pull_fn pull, void *pud, int clear, int tail);
static int inspect_mem(walk *w, int depth, const unsigned char *p, size_t n, int clear);
static int member(walk *w, int depth, const char *name, pc_pull_fn pull, void *pud, int64_t size,
                  int stored_clear);

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

int pc_nest_wants_stream(const unsigned char *data, size_t len)
{
    return pc_unwrap_sniff(data, len) != PC_WRAP_NONE ||
           pc_members_sniff(data, len) != PC_ARC_NONE ||
           (len >= 2 && data[0] == '#' && data[1] == '!'); /* (an archive may follow: stub) */
}

int pc_nest_wants(const unsigned char *data, size_t len)
{
    return pc_nest_wants_stream(data, len) || (len >= 4 && memcmp(data, rpm_lead, 4) == 0);
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

/* Decoded bytes, within the walk's budget: past it the stream "fails",
 * which ends the archive where it is. */
static ssize_t unwrap_pull(void *ud, void *buf, size_t n)
{
    unsrc *s = ud;
    if (s->w->budget == 0)
        return -1;
    if (n > s->w->budget)
        n = (size_t)s->w->budget;
    ssize_t r = pc_unwrap_read(s->u, buf, n);
    if (r > 0)
        s->w->budget -= (uint64_t)r;
    return r;
}

static ssize_t members_pull(void *ud, void *buf, size_t n)
{
    return pc_members_read(ud, buf, n);
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

/* One member of level depth: read into its buffer, scanned, and opened
 * when it is an archive itself; one too large for the buffer is scanned
 * as a stream. stored_clear: the member's bytes are bytes of its archive
 * as they are (tar, ar) and the archive's scan found no rule string in
 * them, so scanning them again would find none either: the member is only
 * opened (a compressed member is new bytes). 0 (also when the member's
 * bytes end early: what came is scanned), -1 when a scan failed. */
static int member(walk *w, int depth, const char *name, pc_pull_fn pull, void *pud, int64_t size,
                  int stored_clear)
{
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
    if ((more || got > whole) && stored_clear) {
        /* too large to open, and nothing to find in its bytes */
    } else if (more || got > whole) { /* over whole_max: in blocks, the first one held */
        src rest = {&extra, more, 0, more ? pull : NULL, pud};
        rc = w->ops->scan_stream(w->ops->ud, w->chain, n->buf[depth], got, src_pull, &rest,
                                 more ? size : (int64_t)got, w->e);
    } else {
        int clear = stored_clear;
        if (got && !stored_clear)
            rc = w->ops->scan_mem(w->ops->ud, w->chain, n->buf[depth], got, &clear, w->e);
        if (rc == 0 && depth + 1 < PC_NEST_DEPTH)
            rc = inspect_mem(w, depth + 1, n->buf[depth], got, clear);
    }
    w->chain[old] = 0;
    return rc;
}

static ssize_t members_rest_pull(void *ud, void *buf, size_t n)
{
    return pc_members_rest(ud, buf, n);
}

static ssize_t unwrap_rest_pull(void *ud, void *buf, size_t n)
{
    return pc_unwrap_rest(((unsrc *)ud)->u, buf, n);
}

/* tail: the source's bytes were not scanned as they are (a file too
 * large to read whole, opened as a stream), so what follows where the
 * reading stopped (the archive's end, damage, a limit) is scanned as
 * bytes, as a member named for it. */
static int members(walk *w, int depth, pc_arc_kind kind, const unsigned char *pre, size_t prelen,
                   pc_pull_fn pull, void *pud, int clear, int tail)
{
    pc_members *m = pc_members_new(kind, pre, prelen, pull, pud);
    const char *name;
    int64_t size;
    int rc = 0;
    if (!m)
        return oom(w);
    while (rc == 0 && w->members && pc_members_next(m, &name, &size) == 1) {
        w->members--;
        rc = member(w, depth, name, members_pull, m, size, clear && kind != PC_ARC_ZIP);
    }
    if (rc == 0 && tail)
        rc = member(w, depth, "(bytes after the archive)", members_rest_pull, m, -1, 0);
    pc_members_free(m);
    return rc;
}

/* A manual page (roff: a comment, .TH, .Dd or .so first), what man(1)
 * renders and nothing runs: Debian's and Alpine's are all gzipped, and
 * netcat's documents the FIFO reverse shell it can serve. */
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
    unsrc us = {pc_unwrap_new(codec, pre, prelen, pull, pud), w};
    unsigned char peek[PC_MEMBERS_SNIFF];
    int rc;
    if (!us.u)
        return oom(w);
    size_t pl = pull_full(unwrap_pull, &us, peek, sizeof peek);
    pc_arc_kind kind = pc_members_sniff(peek, pl);
    if (kind != PC_ARC_NONE) {
        rc = members(w, depth, kind, peek, pl, unwrap_pull, &us, 0, 0);
    } else if (is_roff(peek, pl)) {
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
    pc_unwrap_free(us.u);
    return rc;
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
        rc = inspect(w, depth, src_pull, &rest, 0, tail);
    }
    free(buf);
    return rc;
}

/* Pass over one RPM header structure (its 16-byte intro, its index and
 * its data) from s; pad: to the next multiple of 8 (the signature's). */
static int rpm_header(src *s, int pad)
{
    unsigned char h[16], sink[4096];
    if (pull_full(src_pull, s, h, 16) != 16 || h[0] != 0x8e || h[1] != 0xad || h[2] != 0xe8)
        return -1;
    uint64_t n = (uint64_t)pc_be32(h + 8) * 16 + pc_be32(h + 12);
    if (n > (256u << 20))
        return -1;
    if (pad)
        n += (8 - (16 + n) % 8) % 8;
    while (n) {
        size_t k = n < sizeof sink ? (size_t)n : sizeof sink;
        if (pull_full(src_pull, s, sink, k) != k)
            return -1;
        n -= k;
    }
    return 0;
}

/* An .rpm: its lead (96 bytes) and two headers, then the payload (a
 * compressed cpio), opened as a file of its own. */
static int rpm(walk *w, int depth, const unsigned char *peek, size_t pl, pc_pull_fn pull, void *pud,
               int tail)
{
    src s = {peek, pl, 0, pull, pud};
    unsigned char lead[96];
    if (pull_full(src_pull, &s, lead, sizeof lead) != sizeof lead || rpm_header(&s, 1) < 0 ||
        rpm_header(&s, 0) < 0)
        return 0; /* not one to follow */
    return inspect(w, depth, src_pull, &s, 0, tail);
}

/* clear: data's own scan found no rule string in it. A tar's or an ar's
 * members are its bytes as they are, so they hold none either (every
 * reported rule needs one of its strings: prefilter.h) and are not
 * scanned again, only opened; a zip's may be deflated, and are read. */
static int inspect(walk *w, int depth, pc_pull_fn pull, void *pud, int clear, int tail)
{
    unsigned char peek[PC_MEMBERS_SNIFF];
    size_t pl = pull_full(pull, pud, peek, sizeof peek);
    if (pl >= 4 && memcmp(peek, rpm_lead, 4) == 0)
        return rpm(w, depth, peek, pl, pull, pud, tail);
    pc_wrap_codec codec = pc_unwrap_sniff(peek, pl);
    if (codec != PC_WRAP_NONE)
        return decoded(w, depth, codec, peek, pl, pull, pud, tail);
    pc_arc_kind kind = pc_members_sniff(peek, pl);
    if (kind == PC_ARC_NONE)
        return tail && pl >= 2 && peek[0] == '#' && peek[1] == '!'
                   ? stub(w, depth, peek, pl, pull, pud, tail)
                   : 0;
    return members(w, depth, kind, peek, pl, pull, pud, clear, tail);
}

/* Bytes in memory, scanned as they are already: a script is opened where
 * its archive starts, in place. */
static int inspect_mem(walk *w, int depth, const unsigned char *p, size_t n, int clear)
{
    size_t off = 0;
    if (n >= 2 && p[0] == '#' && p[1] == '!') {
        if (!(off = stub_end(p, n)))
            return 0;
        clear = 0; /* (what follows a script is read from its start, as a new file) */
    }
    src s = {p + off, n - off, 0, NULL, NULL};
    return inspect(w, depth, src_pull, &s, clear, 0);
}

static walk walk_of(pc_nest *n, const pc_nest_ops *ops, pc_err *e)
{
    walk w = {.n = n,
              .ops = ops,
              .e = e,
              .budget = ops->budget ? ops->budget : PC_NEST_BUDGET,
              .members = ops->max_members ? ops->max_members : PC_NEST_MEMBERS,
              .size = -1};
    return w;
}

int pc_nest_inspect(pc_nest *n, const pc_nest_ops *ops, const unsigned char *data, size_t len,
                    int clear, pc_err *e)
{
    walk w = walk_of(n, ops, e);
    return inspect_mem(&w, 0, data, len, clear);
}

int pc_nest_inspect_stream(pc_nest *n, const pc_nest_ops *ops, const unsigned char *pre,
                           size_t prelen, pc_pull_fn pull, void *ud, int64_t size, pc_err *e)
{
    walk w = walk_of(n, ops, e);
    src s = {pre, prelen, 0, pull, ud};
    w.size = size;
    return inspect(&w, 0, src_pull, &s, 0, 1);
}
