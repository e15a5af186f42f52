/*
 * yara_scan.c — running the compiled rules over the files of a layer as
 * the tar stream goes by (see yara_scan.h for which files and why).
 *
 * Small files (up to yara.max_file_bytes) are gathered into one buffer
 * and scanned with yr_scanner_scan_mem: YARA sees the whole file, modules
 * included. Larger files are fed through a YR_MEMORY_BLOCK_ITERATOR that
 * pulls the next block from the tar stream when YARA asks for it. Each
 * block repeats the last PC_YARA_OVERLAP bytes of the one before, so no
 * string match is lost at a boundary (YARA drops the duplicates), and the
 * first block is kept aside: once YARA has walked every block it evaluates
 * the conditions, and then the iterator offers the first block only, so
 * uint32(0), filesize and module headers still work. That relies on libyara
 * walking the blocks once, in order, before evaluating anything (libyara
 * 4.x does; test_yara checks it).
 *
 * Memory: a whole file above PC_YARA_OWN and the first block of a
 * block-scanned file go into one of the scan's big buffers (pc_yara_pool:
 * one per worker that walks a layer, each held by one worker at a time;
 * a worker waits only while every one is held, which a caller that makes
 * fewer buffers than workers allows). A smaller file goes into a big
 * buffer too when one is free, else into the worker's own buffer (at
 * most PC_YARA_OWN bytes), which also holds the blocks after the first.
 * So a scan's YARA buffers are workers x (max_file_bytes + PC_YARA_OWN)
 * at most, whatever the image. (One big buffer for the whole scan kept
 * memory lower, but the workers of a large image then waited for it
 * 0.7 s of a 1.8 s scan: bench/README.md.)
 *
 * The prefilter (prefilter.h, yara.prefilter) runs over every whole file
 * and every block before YARA sees it: a file it clears is not given to
 * YARA, nor is a block after the first (YARA finds strings in each block
 * on its own, so a block holding no string of the rules its file can
 * match, the blocks' database, adds no match: leaving it out changes no
 * match and no offset; the conditions only ever see the first block and
 * filesize, as above). When the first block is clear too,
 * the blocks are read and checked before YARA starts: a file clear
 * throughout (most big binaries) is never given to YARA at all; otherwise
 * YARA gets the first block (for uint32(0) and the like) and the blocks
 * the prefilter did not clear. Big files were most of the bytes YARA
 * scanned on images with toolchains.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>
#include "pcx.h"
#include "yara/b64find.h"
#include "yara/heldbytes.h"
#include "yara/unwrap.h"
#include "yara/uufind.h"
#include "yara/carve.h"
#include "yara/upx.h"
#include "layer/elfhead.h"
#include "yara/nested.h"
#include "yara/zipdir.h"
#include "yara/prefilter.h"
#include "yara/streamfind.h"
#include "yara/yara_match.h"
#include "yara/yara_scan.h"

#define PC_YARA_SNIFF 512    /* "\x7fELF", "#!", and what opens as an archive (a tar header) */
#define PC_YARA_CANDS 256    /* magic numbers of one block kept from the prefilter's pass */
#define PC_YARA_TXSLACK 256u /* a run this close to what is read may go on */
#define PC_YARA_MAGICS 12    /* pc_carve_magics' count, at most */
#define PC_YARA_UNSEEN ((size_t)-2)
#define PC_YARA_TXKEEP 4096u /* read back from a block's end for the next */
#define PC_YARA_STREAM 1
#define PC_YARA_PROG 2
#define PC_YARA_REGION_MAX (64u << 20) /* one stream or program kept from a file read in blocks */
/* One run of base64, hex or escapes (with its lines) or one uuencoded body
 * of a file read in blocks, while it goes on: at most (a JavaScript
 * bundle inlines its WebAssembly, megabytes of it, as one base64 run). */
#define PC_YARA_TXRUN_MAX (32u << 20)
#define PC_YARA_PER_REGION                                                                         \
    8192u /* bytes read in blocks for each region kept, past PC_NEST_STREAMS */

struct pc_yara_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t n;                   /* buffers (at most PC_YARA_POOL_MAX) */
    int busy[PC_YARA_POOL_MAX]; /* a worker holds buf[i] */
    unsigned char *buf[PC_YARA_POOL_MAX];
    size_t cap[PC_YARA_POOL_MAX];
};

/* A region of bytes kept from a file read in blocks (streamfind.h,
 * block_text), opened after its block scan. */
typedef struct sreg {
    uint64_t at;     /* where the stream starts in the file */
    size_t off, len; /* its bytes in cap (a stream's or program's after a byte of its own) */
    int text; /* lines of text holding an encoded run (block_text); 2: a run alone, from an ELF file
               */
    char *member; /* the archive member it was found in (its chain), or NULL: the file */
} sreg;

struct pc_yara_scan {
    YR_SCANNER *yr;
    const pc_yara_profile *prof;
    const pc_rules *rules;
    const pc_prefilter *pf;
    pc_prefilter_scratch *pfs; /* NULL: every file goes to YARA */
    pc_yara_pool *pool;        /* the big buffers: shared, or own_pool */
    pc_yara_pool *own_pool;
    size_t slot;        /* the big buffer held (while a file is scanned) */
    unsigned char *buf; /* the worker's own: a file up to PC_YARA_OWN, or a later block */
    size_t bufcap;
    uint64_t yara_bytes;  /* bytes given to YARA (pc_yara_scan_yara_bytes) */
    pc_yara_hits hits;    /* the rules the current file matched */
    char path[4100];      /* "/" + the entry's path (at most 4095 bytes) */
    pc_nest *nest;        /* the buffers of archives opened inside a file (nested.h) */
    unsigned char *nroll; /* the later blocks of a member too large to read whole */
    size_t nrollcap;
    uint64_t nest_bytes, nest_members; /* pc_yara_scan_archive_bounds */
    size_t inner_at; /* after scan_mem: carve.h looks from here (prefilter.h; 1: not known) */
    /* Compressed streams inside a file read in blocks (streamfind.h): the
     * decoder that finds where the current one ends, and the bytes of each
     * one found (in cap: a byte of its own, then the stream's), opened
     * once the file's blocks are scanned. */
    pc_sfind *sf;
    unsigned char *cap;
    size_t caplen, capcap;
    sreg *reg;
    size_t nreg, capreg;
    uint64_t cpos;  /* candidates before this offset of the file are done */
    uint64_t fed;   /* the current stream's bytes were pushed up to here */
    uint64_t start; /* where the current stream starts */
    int active;     /* sf is in a stream (PC_YARA_STREAM), or a program is kept (PC_YARA_PROG) */
    uint64_t pend;  /* where the program ends (UINT64_MAX: not known before pneed) */
    uint64_t pneed; /* its program headers are kept once its bytes reach here */
    int sover; /* a bound met: more stream bytes than a block, or streams than PC_NEST_STREAMS */
    size_t regoff; /* where the current stream's region starts in cap */
    /* Text runs (base64, hex, escapes, uuencode) in a text file read in
     * blocks: the file's bytes [txbase, txbase + txlen) not yet done with,
     * from the line where a run that may go on into the next block starts
     * (block_text); runs ending before txdone were kept already. */
    unsigned char *tx;
    size_t txlen, txcap;
    uint64_t txbase, txdone;
    int txover;        /* a run longer than PC_YARA_TXRUN_MAX: a bound */
    int txbin;         /* the file read in blocks is an ELF file: a run is kept alone */
    int draining;      /* the regions are being opened: none is added meanwhile */
    int ddepth;        /* drain_member calls open, one inside another */
    pc_layer_facts *f; /* the file being scanned, while its archive members are */
    pc_entry *ent;
    /* Regions opened while the file's blocks are still being scanned
     * (drain): when more than keep_max would be kept, those complete are
     * opened with a scanner, archive reader and block buffer of their own,
     * the file's scan going on after. */
    YR_SCANNER *yr2;
    pc_yara_hits hits2;
    pc_nest *nest2;
    unsigned char *nroll2;
    size_t nroll2cap;
    const char *member;    /* the member being read in blocks (nest_scan_stream), or NULL */
    pc_layer_facts *top_f; /* the image's file being scanned (ys_visit) */
    pc_entry *top_ent;
    uint64_t seen;  /* bytes of it (or of its members) read in blocks so far */
    size_t nregall; /* regions kept from it, opened or not */
    /* A program packed by UPX read in blocks (upx.h): its bytes kept as
     * they are read (upx, upxlen), to be unpacked after its block scan;
     * upxover: more than PC_NEST_UPX_MAX of them (1), or out of memory (2). */
    int upxed, upxover;
    int upxoom; /* what a packed program of the image needs could not be kept (on_unpacked) */
    unsigned char *upx;
    size_t upxlen, upxcap;
    int dfail; /* a region opened early failed: derr says why */
    pc_err derr;
};

/* Streaming state of one block-scanned file. */
typedef struct blockit {
    pc_yara_scan *s;
    pc_pull_fn pull; /* the bytes after the head */
    void *pud;
    int soft; /* a read error ends the file (an archive member) instead of failing it */
    const unsigned char *head;
    size_t headlen, headpos; /* head bytes not yet handed out */
    YR_MEMORY_BLOCK first, cur;
    uint64_t pos, size;  /* bytes consumed; the file's size */
    unsigned char *roll; /* the blocks after the first */
    size_t rsize;
    int eval;            /* every block was offered: from now on only the first */
    int filter;          /* blocks after the first go through the prefilter */
    int pfhead;          /* the file's head for it (pc_prefilter_head of the first block) */
    int pending;         /* cur was read (and not cleared) before YARA started */
    int sized;           /* size is the file's (else: read until the stream ends) */
    unsigned char *tail; /* NULL, or the file's last PC_ZIPDIR_TAIL bytes, as they come */
    size_t taillen;
    int ended;  /* the stream was read to its end */
    int failed; /* the tar stream failed; the message is in the walk's error */
    int inner;  /* look for compressed streams inside (a file of the image, read in blocks) */
    int text;   /* and for text runs (its first bytes are text: b64find.h) */
    int upx;    /* every byte read is kept in s->upx (a program packed by UPX) */
    size_t cand[PC_YARA_CANDS]; /* magic numbers (carve.h) in the block looked at */
    size_t ncand;
    int cand_over;                /* more than PC_YARA_CANDS of them: looked for with memmem */
    size_t mnext[PC_YARA_MAGICS]; /* then: each magic number's next place (next_cand) */
} blockit;

int pc_yara_blocks_timeout(uint64_t per_block, uint64_t size, size_t block)
{
    uint64_t parts = block ? size / block + (size % block != 0) : 1;
    if (parts == 0)
        parts = 1;
    if (per_block == 0)
        return 0;
    if (per_block > INT_MAX || parts > INT_MAX / per_block)
        return INT_MAX;
    return (int)(per_block * parts);
}

pc_yara_pool *pc_yara_pool_new(size_t nbufs)
{
    pc_yara_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n = nbufs < 1 ? 1 : nbufs > PC_YARA_POOL_MAX ? PC_YARA_POOL_MAX : nbufs;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void pc_yara_pool_free(pc_yara_pool *p)
{
    if (!p)
        return;
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    for (size_t i = 0; i < p->n; i++)
        free(p->buf[i]);
    free(p);
}

/* The index of a big buffer no worker holds, or p->n. */
static size_t pool_free_slot(const pc_yara_pool *p)
{
    size_t i = 0;
    while (i < p->n && p->busy[i])
        i++;
    return i;
}

/* Hold a big buffer until pool_give; waits while other workers of the
 * scan hold every one (each is reading and scanning one file, which ends:
 * the walk's deadline and yara.timeout_seconds bound it). */
static size_t pool_take(pc_yara_pool *p)
{
    pthread_mutex_lock(&p->mu);
    size_t i;
    while ((i = pool_free_slot(p)) == p->n)
        pthread_cond_wait(&p->cv, &p->mu);
    p->busy[i] = 1;
    pthread_mutex_unlock(&p->mu);
    return i;
}

/* Hold a big buffer if one is free: its index, or p->n when none is. */
static size_t pool_try(pc_yara_pool *p)
{
    pthread_mutex_lock(&p->mu);
    size_t i = pool_free_slot(p);
    if (i < p->n)
        p->busy[i] = 1;
    pthread_mutex_unlock(&p->mu);
    return i;
}

static void pool_give(pc_yara_pool *p, size_t i)
{
    pthread_mutex_lock(&p->mu);
    p->busy[i] = 0;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int pc_yara_scan_new(const pc_rules *rules, const pc_yara_profile *prof, pc_yara_pool *pool,
                     pc_yara_scan **out, pc_err *e)
{
    pc_yara_scan *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return pc_err_set(e, "out of memory");
    if (!pool && !(pool = s->own_pool = pc_yara_pool_new(1))) {
        free(s);
        return pc_err_set(e, "out of memory");
    }
    s->pool = pool;
    if (yr_scanner_create(pc_rules_yr(rules), &s->yr) != ERROR_SUCCESS) {
        pc_yara_pool_free(s->own_pool);
        free(s);
        return pc_err_set(e, "cannot create a YARA scanner (out of memory)");
    }
    s->prof = prof;
    s->rules = rules;
    if (prof->prefilter) {
        s->pf = pc_rules_prefilter(rules);
        s->pfs = pc_prefilter_scratch_new(s->pf); /* NULL when off or on error */
    }
    yr_scanner_set_callback(s->yr, pc_yara_hits_cb, &s->hits);
    yr_scanner_set_flags(s->yr, 0);
    yr_scanner_set_timeout(s->yr, pc_yara_timeout(prof->timeout_seconds));
    *out = s;
    return 0;
}

static void regs_clear(pc_yara_scan *s);

void pc_yara_scan_free(pc_yara_scan *s)
{
    if (!s)
        return;
    yr_scanner_destroy(s->yr);
    if (s->yr2)
        yr_scanner_destroy(s->yr2);
    pc_nest_free(s->nest2);
    free(s->nroll2);
    free(s->hits2.v);
    pc_prefilter_scratch_free(s->pfs);
    free(s->upx);
    pc_yara_pool_free(s->own_pool);
    pc_nest_free(s->nest);
    pc_sfind_free(s->sf);
    free(s->tx);
    regs_clear(s);
    free(s->cap);
    free(s->reg);
    free(s->nroll);
    free(s->buf);
    free(s->hits.v);
    free(s);
}

int pc_yara_wants(const pc_yara_profile *prof, const pc_entry *ent, const unsigned char *head,
                  size_t len)
{
    if (ent->type != PC_E_REG || ent->size == 0)
        return 0;
    if (prof->scan_all_files || (ent->mode & 0111))
        return 1;
    if (pc_elf_head(head, len))
        return 1;
    return len >= 2 && head[0] == '#' && head[1] == '!';
}

/* Make room for n bytes; the old contents need not survive. */
static int reserve(unsigned char **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    free(*buf);
    *buf = malloc(n ? n : 1);
    *cap = *buf ? n : 0;
    return *buf ? 0 : -1;
}

/* Read up to n bytes: what is left of the head, then the tar stream. */
static ssize_t file_pull(void *ud, void *buf, size_t n)
{
    return pc_file_read(ud, buf, n);
}

/* Keep what of p (n bytes at the stream's offset it->pos) lies in the
 * file's last PC_ZIPDIR_TAIL bytes; in a stream of unknown size (a
 * decoded member), the last PC_ZIPDIR_TAIL bytes so far. */
static void tail_keep(blockit *it, const unsigned char *p, size_t n)
{
    uint64_t from = it->size > PC_ZIPDIR_TAIL ? it->size - PC_ZIPDIR_TAIL : 0;
    if (it->tail && !it->sized) {
        if (n >= PC_ZIPDIR_TAIL) {
            memcpy(it->tail, p + n - PC_ZIPDIR_TAIL, PC_ZIPDIR_TAIL);
            it->taillen = PC_ZIPDIR_TAIL;
            return;
        }
        if (it->taillen + n > PC_ZIPDIR_TAIL) {
            size_t drop = it->taillen + n - PC_ZIPDIR_TAIL;
            memmove(it->tail, it->tail + drop, it->taillen - drop);
            it->taillen -= drop;
        }
        memcpy(it->tail + it->taillen, p, n);
        it->taillen += n;
        return;
    }
    if (!it->tail || !it->sized || it->pos + n <= from || it->pos >= it->size)
        return;
    size_t skip = it->pos < from ? (size_t)(from - it->pos) : 0;
    size_t off = (size_t)(it->pos + skip - from), k = n - skip;
    if (k > PC_ZIPDIR_TAIL - off)
        k = PC_ZIPDIR_TAIL - off;
    memcpy(it->tail + off, p + skip, k);
    if (off + k > it->taillen)
        it->taillen = off + k;
}

/* Give back what upx_keep kept (up to 64 MiB: after each such file). */
static void upx_drop(pc_yara_scan *s)
{
    free(s->upx);
    s->upx = NULL;
    s->upxlen = s->upxcap = 0;
}

/* The bytes of a program packed by UPX read in blocks, kept whole (at
 * most PC_NEST_UPX_MAX) to be unpacked after its block scan. */
static void upx_keep(pc_yara_scan *s, const unsigned char *p, size_t n)
{
    if (s->upxover || n == 0)
        return;
    if (n > PC_NEST_UPX_MAX - s->upxlen) {
        s->upxover = 1;
        return;
    }
    if (pc_grow((void **)&s->upx, &s->upxcap, s->upxlen + n, 1) < 0) {
        s->upxover = 2;
        return;
    }
    memcpy(s->upx + s->upxlen, p, n);
    s->upxlen += n;
}

static ssize_t src_read(blockit *it, unsigned char *dst, size_t n)
{
    size_t got = 0;
    if (it->headpos < it->headlen) {
        size_t k = it->headlen - it->headpos < n ? it->headlen - it->headpos : n;
        memcpy(dst, it->head + it->headpos, k);
        it->headpos += k;
        got = k;
    }
    while (got < n) {
        ssize_t r = it->pull(it->pud, dst + got, n - got);
        if (r < 0 && it->soft) {
            it->size = it->pos + got; /* the member ends where its archive broke */
            break;
        }
        if (r < 0) {
            it->failed = 1;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    tail_keep(it, dst, got);
    if (it->upx)
        upx_keep(it->s, dst, got);
    return (ssize_t)got;
}

static const uint8_t *block_data(YR_MEMORY_BLOCK *b)
{
    return b->context;
}

static YR_MEMORY_BLOCK *it_first(YR_MEMORY_BLOCK_ITERATOR *yi)
{
    blockit *it = yi->context;
    return &it->first;
}

/* Read the next overlapping block from the stream into cur; NULL at the
 * end (or on a read error: last_error set). */
static YR_MEMORY_BLOCK *read_block(blockit *it, YR_MEMORY_BLOCK_ITERATOR *yi)
{
    if (it->pos >= it->size)
        return NULL;
    const YR_MEMORY_BLOCK *prev = it->cur.size ? &it->cur : &it->first;
    size_t keep = prev->size < PC_YARA_OVERLAP ? prev->size : PC_YARA_OVERLAP;
    memmove(it->roll, (const unsigned char *)prev->context + prev->size - keep, keep);
    ssize_t got = src_read(it, it->roll + keep, it->rsize - keep);
    if (got <= 0) {
        if (got < 0)
            yi->last_error = ERROR_COULD_NOT_READ_FILE;
        it->ended = got == 0;
        return NULL;
    }
    it->cur.base = it->pos - keep;
    it->cur.size = keep + (size_t)got;
    it->cur.context = it->roll;
    it->cur.fetch_data = block_data;
    it->pos += (uint64_t)got;
    return &it->cur;
}

static void cand_add(void *ud, size_t at)
{
    blockit *it = ud;
    if (it->ncand < PC_YARA_CANDS)
        it->cand[it->ncand++] = at;
    else
        it->cand_over = 1;
}

/* The first candidate at or after from in d[0..n) (an offset in the
 * block; SIZE_MAX: none): from the prefilter's list (ascending, *ci the
 * first not passed), or, when it could not give them all (the prefilter
 * is off, or the block had more than PC_YARA_CANDS), by memmem, each
 * magic number's next place kept in it->mnext so no byte is searched
 * twice for one; zlib's headers, which the prefilter does not look for,
 * always so (carve.h). */
static size_t next_cand(blockit *it, const unsigned char *d, size_t n, size_t from, size_t *ci)
{
    const char *const *m;
    const size_t *len;
    size_t nm = pc_carve_magics(&m, &len), best = SIZE_MAX;
    if (!it->cand_over) {
        while (*ci < it->ncand && it->cand[*ci] < from)
            (*ci)++;
        best = *ci < it->ncand ? it->cand[*ci] : SIZE_MAX;
    }
    for (size_t k = it->cand_over ? 0 : PC_CARVE_ZLIB; k < nm && k < PC_YARA_MAGICS; k++) {
        if (it->mnext[k] == PC_YARA_UNSEEN || (it->mnext[k] != SIZE_MAX && it->mnext[k] < from)) {
            size_t q = pc_carve_find(d, n, from, k);
            it->mnext[k] = q < n ? q : SIZE_MAX;
        }
        if (it->mnext[k] < best)
            best = it->mnext[k];
    }
    return best;
}

static size_t block_size(const pc_yara_profile *prof);

/* What a file read in blocks may keep of its streams and runs, and what
 * one run may need kept while it goes on: a block's worth, and the next
 * block read (the first is the largest). */
static size_t keep_max(const pc_yara_scan *s)
{
    return block_size(s->prof) + PC_YARA_OWN + PC_YARA_TXKEEP;
}

static int drain(pc_yara_scan *s);

/* Keep n bytes of the current stream or program or of a text region: at
 * most keep_max at once, the regions complete opened first when more
 * would be kept (drain); what is left, the stream or program being kept,
 * up to PC_YARA_REGION_MAX (more is a bound). */
static int sf_keep(pc_yara_scan *s, const unsigned char *p, size_t n)
{
    size_t lim = keep_max(s);
    if (n > lim || s->caplen > lim - n) {
        if (drain(s) < 0)
            return -1;
        if (s->top_ent && lim < PC_YARA_REGION_MAX)
            lim = PC_YARA_REGION_MAX; /* (one region: nothing else is kept) */
    }
    if (n > lim || s->caplen > lim - n) {
        s->sover = 1;
        return -1;
    }
    if (pc_grow((void **)&s->cap, &s->capcap, s->caplen + n, 1) < 0)
        return -1;
    if (n)
        memcpy(s->cap + s->caplen, p, n);
    s->caplen += n;
    return 0;
}

/* Forget the regions kept (opened, or not to be). */
static void regs_clear(pc_yara_scan *s)
{
    for (size_t i = 0; i < s->nreg; i++)
        free(s->reg[i].member);
    s->nreg = 0;
}

/* A region of cap, len bytes from off, to open after the block scan
 * (or before, drain). At most PC_NEST_STREAMS in a file, or one for each
 * PC_YARA_PER_REGION bytes of it (a GPU library holds thousands of
 * compressed kernels). */
static int reg_add(pc_yara_scan *s, uint64_t at, size_t off, size_t len, int text)
{
    size_t n = s->nreg;
    if (s->nregall >= PC_NEST_STREAMS && s->nregall >= s->seen / PC_YARA_PER_REGION) {
        s->sover = 1;
        return -1;
    }
    char *member = NULL;
    if (pc_grow((void **)&s->reg, &s->capreg, n + 1, sizeof *s->reg) < 0 ||
        (s->member && !(member = strdup(s->member))))
        return -1;
    s->reg[n] = (sreg){at, off, len, text, member};
    s->nreg++;
    s->nregall++;
    return 0;
}

/* The current stream or program ended at s->fed: a stream is kept when
 * it decoded to anything (a decoder's false start on chance bytes is
 * dropped), a program always. */
static int sf_finish(pc_yara_scan *s)
{
    int prog = s->active == PC_YARA_PROG;
    s->active = 0;
    s->cpos = s->fed > s->start ? s->fed : s->start + 1;
    if (!prog && pc_sfind_out(s->sf) == 0) {
        s->caplen = s->regoff;
        return 0;
    }
    return reg_add(s, s->start, s->regoff, s->caplen - s->regoff, 0);
}

/* The current program (carve.h) through the block ending at the file's
 * offset end (d: its bytes from base): its bytes are kept up to its
 * extent (pc_elf_extent), known once its program headers are kept.
 * *ended when it ends in the block. -1 when out of memory or a bound is
 * met. */
static int prog_push(pc_yara_scan *s, const unsigned char *d, uint64_t base, uint64_t end,
                     int *ended)
{
    for (;;) {
        uint64_t from = s->fed > base ? s->fed : base;
        uint64_t stop = s->pend != UINT64_MAX ? s->pend : s->pneed;
        uint64_t to = stop < end ? stop : end;
        if (from < to) {
            if (sf_keep(s, d + (from - base), (size_t)(to - from)) < 0)
                return -1;
            s->fed = to;
        }
        if (s->pend != UINT64_MAX || s->fed < s->pneed)
            break;
        uint64_t x = 0;
        const unsigned char *p = s->cap + s->regoff + 1;
        if (pc_elf_extent(p, s->caplen - s->regoff - 1, &x) != 1)
            x = s->fed - s->start; /* (cannot be: its header was read when it began) */
        s->pend = pc_add_sat(s->start, x);
        if (s->fed > s->pend) { /* (kept past its end) */
            s->caplen -= (size_t)(s->fed - s->pend);
            s->fed = s->pend;
        }
    }
    *ended = s->pend != UINT64_MAX && s->fed >= s->pend;
    return 0;
}

/* A program (pc_elf_cpu) at the file's offset c, its header at q (left
 * bytes in the block from it): kept from here on (prog_push). 0 when it
 * is none the kernel would load. */
static int prog_start(pc_yara_scan *s, const unsigned char *q, size_t left, uint64_t c)
{
    uint64_t x = 0;
    int r = pc_elf_extent(q, left, &x);
    if (r < 0)
        return 0;
    unsigned char own = 0;
    if (sf_keep(s, &own, 1) < 0) /* (which may open the regions before it: drain) */
        return -1;
    s->regoff = s->caplen - 1;
    s->active = PC_YARA_PROG;
    s->start = s->fed = c;
    s->pend = r == 1 ? pc_add_sat(c, x) : UINT64_MAX;
    s->pneed = r == 1 ? 0 : pc_add_sat(c, x);
    return 1;
}

static int cand_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* A block of a file read in blocks, d[0..n) at offset base of the file
 * (its first bytes repeat the last ones of the block before): the
 * current stream or program goes on through it, and each candidate after
 * the last (carve.h's magic numbers: a program the kernel loads for a
 * processor, pc_elf_cpu; a stream, as the decoders sniff them) starts a
 * new one (streamfind.h, prog_push). last: the file ends with it. -1 when
 * out of memory or a bound is met (s->sover). */
static int block_streams(blockit *it, const unsigned char *d, uint64_t base, size_t n, int last)
{
    pc_yara_scan *s = it->s;
    uint64_t end = base + n;
    size_t ci = 0;
    for (size_t k = 0; k < PC_YARA_MAGICS; k++)
        it->mnext[k] = PC_YARA_UNSEEN;
    if (!it->cand_over)
        qsort(it->cand, it->ncand, sizeof *it->cand, cand_cmp);
    for (;;) {
        if (s->active == PC_YARA_PROG) {
            int ended = 0;
            if (prog_push(s, d, base, end, &ended) < 0)
                return -1;
            if (!ended && !last)
                return 0;
            if (sf_finish(s) < 0)
                return -1;
        } else if (s->active) {
            uint64_t from = s->fed > base ? s->fed : base;
            int ended = 0;
            size_t k = from < end
                           ? pc_sfind_push(s->sf, d + (from - base), (size_t)(end - from), &ended)
                           : 0;
            if (sf_keep(s, d + (from - base), k) < 0)
                return -1;
            s->fed = from + k;
            if (!ended && !last)
                return 0;
            if (sf_finish(s) < 0)
                return -1;
        }
        uint64_t from = s->cpos > base ? s->cpos - base : 0;
        if (base + from < 1)
            from = 1 - base; /* (byte 0 is the file's own start) */
        size_t o = next_cand(it, d, n, (size_t)from, &ci);
        uint64_t c = o == SIZE_MAX ? UINT64_MAX : base + o;
        if (c == UINT64_MAX || (!last && end - c < 64)) { /* (a program's header: 64) */
            uint64_t keep = c != UINT64_MAX ? c : end > 16 ? end - 16 : 0;
            if (keep > s->cpos)
                s->cpos = keep; /* (what the next block's first bytes repeat: looked at again) */
            return 0;
        }
        s->cpos = c + 1;
        if (pc_elf_cpu(d + (c - base), (size_t)(end - c))) {
            if (prog_start(s, d + (c - base), (size_t)(end - c), c) < 0)
                return -1;
            continue;
        }
        if (!pc_carve_stream(d + (c - base), (size_t)(end - c)))
            continue;
        if (!s->sf && !(s->sf = pc_sfind_new()))
            return -1;
        int st = pc_sfind_start(s->sf, d + (c - base), (size_t)(end - c));
        if (st < 0)
            return -1;
        if (st == 0)
            continue;
        unsigned char own = 0;
        if (sf_keep(s, &own, 1) < 0)
            return -1;
        s->regoff = s->caplen - 1;
        s->active = PC_YARA_STREAM;
        s->start = s->fed = c;
    }
}

/* Keep the text region buf[from, to) (buf: the file's bytes from bbase). */
static void reverse(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        unsigned char t = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = t;
    }
}

static int tx_region(pc_yara_scan *s, const unsigned char *buf, uint64_t bbase, size_t from,
                     size_t to)
{
    size_t n = to - from;
    if (sf_keep(s, buf + from, n) < 0)
        return -1;
    size_t off = s->caplen - n;
    if (s->active) {
        /* a stream or program is being kept: its bytes stay in one piece,
         * after this region's (the two rotated in place) */
        unsigned char *a = s->cap + s->regoff;
        size_t alen = off - s->regoff;
        reverse(a, alen);
        reverse(a + alen, n);
        reverse(a, alen + n);
        off = s->regoff;
        s->regoff += n;
    }
    return reg_add(s, bbase + from, off, n, s->txbin ? 2 : 1);
}

/* The start of the line that holds buf[at] (buf's start at the most). */
static size_t tx_line(const pc_yara_scan *s, const unsigned char *buf, size_t at)
{
    if (s->txbin)
        return at; /* (an ELF file: the run alone; its lines may be megabytes) */
    while (at > 0 && buf[at - 1] != '\n')
        at--;
    return at;
}

/* The runs of buf[0..n) (the file's bytes from bbase) that end in it are
 * kept; the offset from which what a run that may go on needs is, or
 * the start of the last PC_YARA_TXKEEP bytes. */
/* A run in a program read in blocks is kept only when one of its
 * readings decodes to what is worth reading (b64find.h: most runs of
 * letters in a program are its own, and a big one holds thousands): 1,
 * 0, or -1 when out of memory. */
static int bin_run_worth(const unsigned char *r, size_t len)
{
    size_t n = len;
    pc_enc_kind k = pc_enc_of(r, &n);
    unsigned char *d = malloc(n / 4 * 3 + 3);
    int worth = 0;
    if (!d)
        return -1;
    for (size_t sh = 0; !worth && sh < pc_enc_shifts(k); sh++) {
        size_t o = pc_enc_skip(r, n, sh, k);
        worth = n - o >= PC_B64_MIN && pc_enc_worth(d, pc_enc_decode(k, r + o, n - o, d));
    }
    free(d);
    return worth;
}

static ssize_t tx_runs(pc_yara_scan *s, const unsigned char *buf, size_t n, uint64_t bbase,
                       int last)
{
    size_t keep = n > PC_YARA_TXKEEP ? n - PC_YARA_TXKEEP : 0;
    const unsigned char *r;
    size_t len, pre;
    pc_b64_it bi;
    pc_b64_begin_text(&bi, buf, n);
    while ((r = pc_b64_next(&bi, &len)) != NULL) {
        size_t from = (size_t)(r - buf), to = from + len;
        if (bbase + to <= s->txdone)
            continue; /* (kept already, or the second reading of a run kept) */
        if (!last && to + PC_YARA_TXSLACK > n) {
            size_t l = tx_line(s, buf, from);
            keep = l < keep ? l : keep; /* may go on */
            break;
        }
        int w = s->txbin ? bin_run_worth(buf + from, len) : 1;
        if (w < 0)
            return -1;
        if (w && tx_region(s, buf, bbase, tx_line(s, buf, from), to) < 0)
            return -1;
        s->txdone = bbase + to;
    }
    if (s->txbin)
        return (ssize_t)keep; /* (uuencoded bodies: text only) */
    pc_uu_it ui;
    pc_uu_begin_text(&ui, buf, n);
    while ((r = pc_uu_next(&ui, &len, &pre)) != NULL) {
        size_t from = (size_t)(r - buf), to = from + len;
        size_t l = from > 0 ? tx_line(s, buf, from - 1) : 0; /* its "begin" line */
        if (bbase + to <= s->txdone)
            continue;
        if (!last && to + PC_YARA_TXSLACK > n) {
            keep = l < keep ? l : keep;
            break;
        }
        if (tx_region(s, buf, bbase, l, to) < 0)
            return -1;
        s->txdone = bbase + to;
    }
    return (ssize_t)keep;
}

/* A block of a text file read in blocks (its first bytes repeat the last
 * ones of the block before): each run of base64, hex or escapes
 * (b64find.h) and each uuencoded body (uufind.h) that ends in it is kept
 * with its lines, to be opened after the block scan as the same text in
 * a file held whole would be. What a run that may go on into the next
 * block needs (from its line's start, or the last PC_YARA_TXKEEP bytes)
 * is kept in tx, and the next block's new bytes join it there. last: the
 * file ends here (d may be NULL, n 0: what tx holds ends it). */
static int block_text(blockit *it, const unsigned char *d, uint64_t base, size_t n, int last)
{
    pc_yara_scan *s = it->s;
    size_t lim = keep_max(s);
    if (lim < PC_YARA_TXRUN_MAX)
        lim = PC_YARA_TXRUN_MAX;
    const unsigned char *buf = d;
    size_t blen = n;
    uint64_t bbase = base;
    if (s->txlen) { /* the new bytes after those kept */
        uint64_t have = s->txbase + s->txlen, end = base + n;
        size_t add = end > have ? (size_t)(end - have) : 0;
        if (have < base || s->txlen + add > lim) {
            s->txover = 1; /* (a run that goes on over PC_YARA_TXRUN_MAX) */
            return -1;
        }
        if (pc_grow((void **)&s->tx, &s->txcap, s->txlen + add, 1) < 0)
            return -1;
        if (add)
            memcpy(s->tx + s->txlen, d + (n - add), add);
        s->txlen += add;
        buf = s->tx;
        blen = s->txlen;
        bbase = s->txbase;
    }
    if (blen == 0)
        return 0;
    ssize_t keep = tx_runs(s, buf, blen, bbase, last);
    if (keep < 0)
        return -1;
    size_t k = last ? blen : (size_t)keep;
    if (buf == s->tx) {
        memmove(s->tx, s->tx + k, blen - k);
        s->txlen = blen - k;
    } else {
        if (blen - k && pc_grow((void **)&s->tx, &s->txcap, blen - k, 1) < 0)
            return -1;
        if (blen - k)
            memcpy(s->tx, buf + k, blen - k);
        s->txlen = blen - k;
    }
    s->txbase = bbase + k;
    return 0;
}

/* A new stream of bytes read in blocks (a file, or a member too large to
 * read whole): nothing of it found yet; with regions, the file's regions
 * too (a new file of the image). */
static void inner_reset(pc_yara_scan *s, int regions)
{
    if (regions) {
        regs_clear(s);
        s->caplen = s->nregall = 0;
        s->seen = 0;
        s->dfail = 0;
    }
    s->cpos = s->fed = s->start = 0;
    s->active = 0;
    s->txlen = 0;
    s->txbase = s->txdone = 0;
    s->txbin = 0;
}

static int block_text(blockit *it, const unsigned char *d, uint64_t base, size_t n, int last);

/* The blocks ended (the bytes' end, or where a member's stream broke):
 * the stream being followed ends there, and runs that reach the end are
 * kept. -1 when out of memory or a bound is met. */
static int inner_end(blockit *it)
{
    pc_yara_scan *s = it->s;
    if (it->inner && s->active && sf_finish(s) < 0)
        return -1;
    if (it->text && s->txlen && block_text(it, NULL, s->txbase + s->txlen, 0, 1) < 0)
        return -1;
    if (it->text)
        s->txlen = 0;
    return 0;
}

/* The prefilter over one block (if on), and the streams inside it (if
 * looked for): 1 when YARA must be given the block, -1 on a failure. */
static int block_seen(blockit *it, const unsigned char *d, uint64_t base, size_t n, int last)
{
    pc_yara_scan *s = it->s;
    int need = 1;
    it->ncand = 0;
    it->cand_over = !it->filter;
    if (it->inner || it->text)
        s->seen += n;
    if (it->filter) {
        int r =
            pc_prefilter_block(s->pf, s->pfs, it->pfhead, d, n, it->inner ? cand_add : NULL, it);
        need = r != 0;
        if (r < 0)
            it->cand_over = 1; /* (no candidates from it: by hand) */
    }
    if (it->inner && block_streams(it, d, base, n, last) < 0)
        return -1;
    if (it->text && block_text(it, d, base, n, last) < 0)
        return -1;
    return need;
}

/* The next block YARA is to scan: the next one read, or with the
 * prefilter, the next one it does not clear (the ones it clears are read
 * and passed over); NULL at the end. */
static YR_MEMORY_BLOCK *next_block(blockit *it, YR_MEMORY_BLOCK_ITERATOR *yi)
{
    YR_MEMORY_BLOCK *b;
    while ((b = read_block(it, yi)) != NULL) {
        int need = it->filter || it->inner
                       ? block_seen(it, (const unsigned char *)b->context, (uint64_t)b->base,
                                    b->size, it->pos >= it->size)
                       : 1;
        if (need < 0) {
            yi->last_error = ERROR_INSUFFICIENT_MEMORY;
            return NULL;
        }
        if (need)
            return b;
    }
    return NULL;
}

static YR_MEMORY_BLOCK *it_next(YR_MEMORY_BLOCK_ITERATOR *yi)
{
    blockit *it = yi->context;
    YR_MEMORY_BLOCK *b = NULL;
    if (it->eval)
        return NULL;
    if (it->pending) {
        it->pending = 0;
        b = &it->cur;
    } else {
        b = next_block(it, yi);
    }
    if (!b)
        it->eval = 1;
    else
        it->s->yara_bytes += b->size;
    return b;
}

static uint64_t it_size(YR_MEMORY_BLOCK_ITERATOR *yi)
{
    return ((blockit *)yi->context)->size;
}

static size_t block_size(const pc_yara_profile *prof)
{
    uint64_t b = prof->max_file_bytes;
    if (b < PC_YARA_BLOCK_MIN)
        b = PC_YARA_BLOCK_MIN;
    if (b > PC_YARA_BLOCK_MAX)
        b = PC_YARA_BLOCK_MAX;
    return (size_t)b;
}

/* A file over max_file_bytes: the first block now (in the big buffer,
 * held by the caller), the rest as YARA asks (in the worker's own). */
static int blocks_run(pc_yara_scan *s, blockit *itp, size_t bsize, int *failed, int *zipped);

static int scan_blocks(pc_yara_scan *s, const pc_entry *ent, const unsigned char *head,
                       size_t headlen, pc_file_reader *rest, int *failed, int *zipped)
{
    unsigned char **big = &s->pool->buf[s->slot];
    size_t *bigcap = &s->pool->cap[s->slot];
    size_t bsize = block_size(s->prof);
    blockit it = {.s = s,
                  .pull = file_pull,
                  .pud = rest,
                  .head = head,
                  .headlen = headlen,
                  .size = ent->size,
                  .sized = 1,
                  .inner = 1};
    it.rsize = bsize < PC_YARA_OWN ? bsize : PC_YARA_OWN;
    inner_reset(s, 0);
    /* text runs: in text, and in an ELF file (a dropper's string constant) */
    it.text = pc_b64_text(head, headlen) || pc_elf_head(head, headlen);
    s->txbin = pc_elf_head(head, headlen);
    if (reserve(big, bigcap, bsize) < 0 || reserve(&s->buf, &s->bufcap, it.rsize) < 0 ||
        !(it.tail = malloc(PC_ZIPDIR_TAIL)))
        return ERROR_INSUFFICIENT_MEMORY;
    it.roll = s->buf;
    ssize_t got = src_read(&it, *big, bsize);
    if (got < 0) {
        free(it.tail);
        *failed = 1;
        return ERROR_COULD_NOT_READ_FILE;
    }
    it.first = (YR_MEMORY_BLOCK){
        .size = (size_t)got, .base = 0, .context = *big, .fetch_data = block_data};
    it.pos = (uint64_t)got;
    s->upxed = pc_upx_sniff(*big, (size_t)got);
    if (s->upxed) { /* (kept from here on, as they are read: src_read) */
        it.upx = 1;
        if (ent->size > PC_NEST_UPX_MAX)
            s->upxover = 1;
        else if (!(s->upx = malloc((size_t)ent->size)))
            s->upxover = 2;
        else
            s->upxcap = (size_t)ent->size; /* (room for it all at once: no doubling past it) */
        upx_keep(s, *big, (size_t)got);
    }
    int rc = blocks_run(s, &it, bsize, failed, zipped);
    free(it.tail);
    if (rc == ERROR_SUCCESS && !*failed && inner_end(&it) < 0)
        rc = ERROR_INSUFFICIENT_MEMORY;
    return rc;
}

/* The blocks of a file whose first block is in it->first: YARA over the
 * ones the prefilter does not clear. */
/* *zipped (when not NULL): the file was read to its end, and its last
 * bytes (it->tail) end as a zip archive does. */
static void tail_done(const blockit *it, int *zipped)
{
    if (zipped)
        *zipped =
            it->tail && (it->pos >= it->size || it->ended) && pc_zipdir_ends(it->tail, it->taillen);
}

static int blocks_run(pc_yara_scan *s, blockit *itp, size_t bsize, int *failed, int *zipped)
{
    blockit it = *itp;
    uint64_t got = it.first.size;
    unsigned char *first = (unsigned char *)(uintptr_t)it.first.context;
    YR_MEMORY_BLOCK_ITERATOR yi = {.context = &it,
                                   .first = it_first,
                                   .next = it_next,
                                   .file_size = it_size,
                                   .last_error = ERROR_SUCCESS};
    it.filter = s->pfs != NULL;
    it.pfhead = pc_prefilter_head(first, (size_t)got); /* YARA reads uint32be(0) there */
    if (!it.sized)
        yi.file_size = NULL; /* filesize is undefined, as for a stream */
    int need =
        it.filter || it.inner ? block_seen(&it, first, 0, (size_t)got, it.pos >= it.size) : 1;
    if (need < 0)
        return ERROR_INSUFFICIENT_MEMORY;
    if (!need) {
        /* the first block is clear: is any later one not? */
        if (!next_block(&it, &yi)) {
            *failed = it.failed;
            tail_done(&it, zipped);
            if (yi.last_error != ERROR_SUCCESS)
                return yi.last_error;
            return ERROR_SUCCESS; /* clear throughout: nothing to find */
        }
        it.pending = 1; /* YARA: the first block, then this one */
    }
    s->yara_bytes += got;
    /* libyara's timer runs over the whole iteration, the reading of every
     * block from the layer included: the budget grows with the file */
    yr_scanner_set_timeout(s->yr, pc_yara_blocks_timeout(s->prof->timeout_seconds, it.size, bsize));
    int rc = yr_scanner_scan_mem_blocks(s->yr, &yi);
    yr_scanner_set_timeout(s->yr, pc_yara_timeout(s->prof->timeout_seconds));
    *failed = it.failed;
    tail_done(&it, zipped);
    return rc;
}

uint64_t pc_yara_scan_yara_bytes(const pc_yara_scan *s)
{
    return s->yara_bytes;
}

/* YARA over a whole file, unless the prefilter shows no reported rule can
 * match it (prefilter.h): then there is nothing to find. s->inner_at: where
 * a program inside it may start (the prefilter's pass saw ELF's magic
 * there first; 1: not known). */
static int scan_mem(pc_yara_scan *s, const unsigned char *data, size_t len)
{
    s->inner_at = 1;
    if (s->pfs && !pc_prefilter_whole(s->pf, s->pfs, data, len, &s->inner_at))
        return ERROR_SUCCESS;
    s->yara_bytes += len;
    int rc = yr_scanner_scan_mem(s->yr, data, len);
    if (rc == ERROR_SUCCESS && s->hits.n && pc_rules_own_source(s->rules, data, len))
        s->hits.n = 0; /* a copy of the rules themselves (pc_rules_own_source) */
    return rc;
}

/* A file up to max_file_bytes, scanned whole: in the big buffer when the
 * caller holds it (always above PC_YARA_OWN), else in the worker's own. */
static int scan_whole(pc_yara_scan *s, const pc_entry *ent, const unsigned char *head,
                      size_t headlen, pc_file_reader *rest, int held, int *failed,
                      const unsigned char **data, size_t *len)
{
    size_t size = (size_t)ent->size;
    if (headlen >= size) {
        *data = head;
        *len = size;
        return scan_mem(s, head, size);
    }
    unsigned char **buf = held ? &s->pool->buf[s->slot] : &s->buf;
    size_t *cap = held ? &s->pool->cap[s->slot] : &s->bufcap;
    if (reserve(buf, cap, size) < 0)
        return ERROR_INSUFFICIENT_MEMORY;
    memcpy(*buf, head, headlen);
    blockit it = {.pull = file_pull, .pud = rest};
    ssize_t got = src_read(&it, *buf + headlen, size - headlen);
    if (got < 0) {
        *failed = 1;
        return ERROR_COULD_NOT_READ_FILE;
    }
    *data = *buf;
    *len = headlen + (size_t)got;
    return scan_mem(s, *buf, *len);
}

static int set_externals(pc_yara_scan *s, const pc_entry *ent)
{
    snprintf(s->path, sizeof s->path, "/%s", ent->path);
    const char *base = strrchr(s->path, '/') + 1;
    if (yr_scanner_define_string_variable(s->yr, "filepath", s->path) != ERROR_SUCCESS ||
        yr_scanner_define_string_variable(s->yr, "filename", base) != ERROR_SUCCESS ||
        yr_scanner_define_integer_variable(s->yr, "filemode", ent->mode) != ERROR_SUCCESS ||
        yr_scanner_define_integer_variable(s->yr, "fileuid", ent->uid) != ERROR_SUCCESS)
        return -1;
    return 0;
}

/* A program packed by UPX is unpacked (nested.c, upx.h) from a file of
 * the image however large (its bytes kept as it is read in blocks), and
 * from an archive member only when held whole. */
static const char upx_blocks[] =
    "a program packed by UPX, over yara.max_file_bytes: what its loader unpacks when it runs "
    "is read only from a member read whole (a max_file_bytes over its size reads it)";

static int scan_failed(const pc_yara_scan *s, int rc, int blocks, pc_err *e);
static int record(pc_yara_scan *s, pc_layer_facts *f, pc_entry *ent, pc_err *e);

/* Add the rules an archive member matched to the entry's matches, each
 * with the member's name; a rule the entry already has is not repeated. */
static int record_member(pc_yara_scan *s, const char *member, pc_err *e)
{
    pc_entry *ent = s->ent;
    pc_match *m = NULL, *all;
    size_t n = 0, bytes;
    for (size_t i = 0; i < s->hits.n; i++) {
        size_t j = 0;
        while (j < ent->nmatches && strcmp(ent->matches[j].rule, s->hits.v[i]->identifier) != 0)
            j++;
        if (j == ent->nmatches)
            s->hits.v[n++] = s->hits.v[i];
    }
    if (n == 0)
        return 0;
    if (pc_yara_matches_of(s->hits.v, n, &s->f->arena, &m) < 0 ||
        __builtin_add_overflow(ent->nmatches, n, &bytes) ||
        __builtin_mul_overflow(bytes, sizeof *all, &bytes) ||
        !(all = pc_arena_alloc(&s->f->arena, bytes)))
        return pc_err_set(e, "out of memory");
    const char *mem = *member ? pc_arena_strdup(&s->f->arena, member) : NULL; /* "": the file */
    if (*member && !mem)
        return pc_err_set(e, "out of memory");
    if (ent->nmatches)
        memcpy(all, ent->matches, ent->nmatches * sizeof *all);
    for (size_t i = 0; i < n; i++) {
        all[ent->nmatches + i] = m[i];
        all[ent->nmatches + i].member = mem;
    }
    ent->matches = all;
    ent->nmatches += n;
    return 0;
}

static int member_failed(pc_yara_scan *s, const char *member, int rc, pc_err *e)
{
    pc_err why = {{0}};
    scan_failed(s, rc, 0, &why);
    return pc_err_set(e, "%s, in the archive member %s", why.msg, member);
}

/* nested.h: a member read whole */
static int nest_scan_mem(void *ud, const char *member, const unsigned char *p, size_t n,
                         size_t *inner_at, pc_err *e)
{
    pc_yara_scan *s = ud;
    s->hits.n = 0;
    s->hits.oom = 0;
    int rc = scan_mem(s, p, n);
    *inner_at = s->inner_at;
    if (rc != ERROR_SUCCESS)
        return member_failed(s, member, rc, e);
    return record_member(s, member, e);
}

static pc_nest_ops nest_ops_of(pc_yara_scan *s, int streamed, uint64_t base, const char *chain);

/* A member over max_file_bytes met while regions are opened early
 * (drain): the file's own search for what it holds goes on after, so
 * this one's cannot follow it in blocks. Read whole instead (in memory up
 * to PC_YARA_REGION_MAX, as one region kept, past that in a file with no
 * name: heldbytes.h; the decoded bytes' bound is the archive reader's),
 * scanned as a member held whole is, and what it holds after its start
 * opened there and then with an archive reader of its own (at most
 * PC_NEST_DEPTH of them at once). */
static int drain_member(pc_yara_scan *s, const char *member, const unsigned char *first,
                        size_t firstlen, pc_pull_fn pull, void *pud, pc_err *e)
{
    if (s->ddepth >= PC_NEST_DEPTH)
        return pc_err_set(e, "archives nested more than %d levels deep, in the archive member %s",
                          PC_NEST_DEPTH, member);
    unsigned char chunk[65536];
    pc_held h;
    pc_held_init(&h, PC_YARA_REGION_MAX);
    int rc = pc_held_add(&h, first, firstlen);
    for (ssize_t r = 1; rc == 0 && r > 0;) {
        r = pull(pud, chunk, sizeof chunk);
        if (r < 0) {
            pc_held_free(&h);
            return pc_err_set(e, "the archive member %s could not be read to its end", member);
        }
        rc = pc_held_add(&h, chunk, (size_t)r);
    }
    const unsigned char *p = rc == 0 ? pc_held_bytes(&h) : NULL;
    if (!p) {
        pc_held_free(&h);
        return pc_err_set(e,
                          "the archive member %s, over yara.max_file_bytes and found while more "
                          "than a block of the file's streams and runs waited, could not be held "
                          "whole (out of memory, or no temporary file)",
                          member);
    }
    size_t inner_at; /* (kept in s->inner_at too: nest_ops_of's carve_from) */
    if (nest_scan_mem(s, member, p, h.len, &inner_at, e) < 0) {
        pc_held_free(&h);
        return -1;
    }
    pc_nest *nest = pc_nest_new();
    if (!nest) {
        pc_held_free(&h);
        return pc_err_set(e, "out of memory in the YARA scan, in the archive member %s", member);
    }
    pc_nest_ops ops = nest_ops_of(s, 0, 0, member);
    pc_err why = {{0}};
    s->ddepth++;
    rc = pc_nest_inspect(nest, &ops, p, h.len, &why);
    s->ddepth--;
    pc_nest_free(nest);
    pc_held_free(&h);
    return rc < 0 ? pc_err_set(e, "%s", why.msg) : 0;
}

/* nested.h: a member over max_file_bytes, in blocks (its first bytes are
 * the first block) */
static int nest_scan_stream(void *ud, const char *member, const unsigned char *first,
                            size_t firstlen, pc_pull_fn pull, void *pud, int64_t size, pc_err *e)
{
    pc_yara_scan *s = ud;
    int failed = 0;
    size_t rsize = block_size(s->prof) < PC_YARA_OWN ? block_size(s->prof) : PC_YARA_OWN;
    if (s->draining) /* (the file's own search goes on after: drain_member) */
        return drain_member(s, member, first, firstlen, pull, pud, e);
    if (reserve(&s->nroll, &s->nrollcap, rsize) < 0)
        return pc_err_set(e, "out of memory in the YARA scan, in the archive member %s", member);
    blockit it = {.s = s,
                  .pull = pull,
                  .pud = pud,
                  .soft = 1,
                  .size = size >= 0 ? (uint64_t)size : UINT64_MAX,
                  .sized = size >= 0,
                  .roll = s->nroll,
                  .rsize = rsize,
                  .tail = malloc(PC_ZIPDIR_TAIL),
                  .inner = !s->draining,
                  .text = !s->draining &&
                          (pc_b64_text(first, firstlen) || pc_elf_head(first, firstlen))};
    if (!it.tail)
        return pc_err_set(e, "out of memory in the YARA scan, in the archive member %s", member);
    if (!s->draining) {    /* (while regions are opened, the file's own state stays) */
        inner_reset(s, 0); /* (its regions join the file's: opened after the file's walk) */
        s->txbin = pc_elf_head(first, firstlen);
    }
    tail_keep(&it, first, firstlen);
    it.pos = firstlen;
    it.first = (YR_MEMORY_BLOCK){
        .size = firstlen, .base = 0, .context = (void *)(uintptr_t)first, .fetch_data = block_data};
    s->hits.n = 0;
    s->hits.oom = 0;
    int zipped = 0;
    const char *outer = s->member;
    s->member = member; /* (what is kept from it names it: reg_add) */
    int rc = blocks_run(s, &it, block_size(s->prof), &failed, &zipped);
    free(it.tail);
    if (rc == ERROR_SUCCESS && inner_end(&it) < 0)
        rc = ERROR_INSUFFICIENT_MEMORY;
    s->member = outer;
    if (rc != ERROR_SUCCESS)
        return member_failed(s, member, rc, e);
    if (pc_upx_sniff(first, firstlen)) /* as for a file of the image (ys_visit) */
        return pc_err_set(e, "%s, in the archive member %s", upx_blocks, member);
    if (zipped) /* as for a file of the image (ys_visit): unzip and python3 FILE read it */
        return pc_err_set(e,
                          "a zip archive after other bytes (what unzip and python3 FILE read), "
                          "in the archive member %s over yara.max_file_bytes: its members cannot "
                          "be read as it streams by (a max_file_bytes over its size reads it "
                          "whole)",
                          member);
    return record_member(s, member, e);
}

/* the tar stream after a file's head; a failure of it is the walk's (it
 * says why), not the archive's */
typedef struct layersrc {
    pc_file_reader *rest;
    int failed;
} layersrc;

static ssize_t layer_pull(void *ud, void *buf, size_t n)
{
    layersrc *ls = ud;
    ssize_t r = pc_file_read(ls->rest, buf, n);
    ls->failed |= r < 0;
    return r;
}

/* Where man(1) looks for manual pages (a gzipped one is not opened:
 * nested.h). */
static int is_manual(const char *path)
{
    return strncmp(path, "/usr/share/man/", 15) == 0 ||
           strncmp(path, "/usr/local/share/man/", 21) == 0 || strncmp(path, "/usr/man/", 9) == 0;
}

/* Open a compressed file or archive and scan what it holds (nested.h):
 * from memory (p, n: the file read whole, or a region kept from it, found
 * in the archive member chain when not NULL), or with stream set, as the
 * file streams from the layer after its head (p, n). 0 or -1 (a failed tar stream is the walk's to
 * report: stream->failed; else e filled). */
/* nested.h: a program of the image packed by UPX (the file itself) needs
 * what its unpacked program needs: the stub maps that program's PT_INTERP
 * and the loader its DT_NEEDED libraries, so they are the file's own
 * (entrypoint-unrunnable, the capability signals), as elfhead.h reads
 * them from the unpacked bytes. Out of memory fails the file (upxoom). */
static void on_unpacked(void *ud, const unsigned char *p, size_t n)
{
    pc_yara_scan *s = ud;
    pc_entry *ent = s->top_ent, h;
    if (!ent || !s->top_f || ent->interp)
        return;
    memset(&h, 0, sizeof h);
    if (pc_head_parse(p, n, &h, &s->top_f->arena) < 0) {
        s->upxoom = 1;
        return;
    }
    if (!h.interp)
        return; /* (a static program: it needs nothing more) */
    ent->interp = h.interp;
    ent->dyn = h.dyn;
    ent->needed = h.needed;
    ent->nneeded = h.nneeded;
    ent->rpath = h.rpath;
    ent->runpath = h.runpath;
}

/* The archive reader's view of the scan: streamed (the file as it comes
 * from the layer) or not, names' offsets from base, inside chain. */
static pc_nest_ops nest_ops_of(pc_yara_scan *s, int streamed, uint64_t base, const char *chain)
{
    return (pc_nest_ops){.scan_mem = nest_scan_mem,
                         .scan_stream = nest_scan_stream,
                         .ud = s,
                         .whole_max = (size_t)s->prof->max_file_bytes,
                         .first_block = block_size(s->prof), /* as a big file's first block */
                         .budget = s->nest_bytes,
                         .max_members = s->nest_members,
                         .manual = is_manual(s->path),
                         .carve_from = streamed ? 0 : s->inner_at,
                         .carve_base = base,
                         .chain_base = chain,
                         .unpacked = on_unpacked};
}

/* open_nested's how: the bytes are the image's file itself (held whole),
 * a text run kept alone from an ELF file read in blocks, or the image's
 * file, a program packed by UPX read in blocks, to be unpacked only
 * (pc_nest_unpack) */
#define NEST_FILE 1
#define NEST_BIN_RUN 2
#define NEST_UPX 3

static int open_nested(pc_yara_scan *s, pc_layer_facts *f, pc_entry *ent, const unsigned char *p,
                       size_t n, layersrc *stream, uint64_t base, const char *chain, int how,
                       pc_err *e)
{
    pc_nest_ops ops = nest_ops_of(s, stream != NULL, base, chain);
    ops.b64_shifted = how == NEST_BIN_RUN;
    ops.whole_file = how == NEST_FILE || how == NEST_UPX;
    pc_err why = {{0}};
    if (!s->nest && !(s->nest = pc_nest_new()))
        return pc_err_set(e, "file %s: out of memory in the YARA scan", s->path);
    s->f = f;
    s->ent = ent;
    int rc = stream            ? pc_nest_inspect_stream(s->nest, &ops, p, n, layer_pull, stream,
                                                        (int64_t)ent->size, &why)
             : how == NEST_UPX ? pc_nest_unpack(s->nest, &ops, p, n, &why)
                               : pc_nest_inspect(s->nest, &ops, p, n, &why);
    pc_nest_trim(s->nest, 128u << 10);
    s->f = NULL;
    s->ent = NULL;
    if (rc < 0 && !(stream && stream->failed))
        return pc_err_set(e, "file %s: %s", s->path, why.msg);
    return rc < 0 ? -1 : 0;
}

/* A program packed by UPX read in blocks, its bytes kept (upx_keep):
 * what its loader unpacks is read as from a file held whole. */
static int scan_upx(pc_yara_scan *s, pc_layer_facts *f, pc_entry *ent, pc_err *e)
{
    int rc;
    if (s->upxover == 1)
        rc = pc_err_set(e,
                        "file %s: a program packed by UPX longer than portcullis holds to unpack "
                        "(%u MiB)",
                        s->path, PC_NEST_UPX_MAX >> 20);
    else if (s->upxover)
        rc = pc_err_set(e, "file %s: out of memory in the YARA scan", s->path);
    else
        rc = open_nested(s, f, ent, s->upx, s->upxlen, NULL, 0, NULL, NEST_UPX, e);
    return rc;
}

/* A compressed file or archive over max_file_bytes: opened as it streams
 * from the layer, never held whole; what follows the archive is scanned as
 * bytes. 0 or -1 (*failed: the tar stream failed; else e filled). */
static int scan_archive(pc_yara_scan *s, pc_layer_facts *f, pc_entry *ent,
                        const unsigned char *head, size_t headlen, pc_file_reader *rest,
                        int *failed, pc_err *e)
{
    layersrc ls = {rest, 0};
    size_t n = headlen < ent->size ? headlen : (size_t)ent->size;
    int rc = open_nested(s, f, ent, head, n, &ls, 0, NULL, 0, e);
    *failed = ls.failed;
    return rc;
}

/* A file read whole (and just given to scan_mem, which set s->inner_at):
 * opened when it is a compressed file or an archive, or holds text
 * encodings, programs or compressed streams after its start. */
static int scan_nested(pc_yara_scan *s, pc_layer_facts *f, pc_entry *ent, const unsigned char *data,
                       size_t len, pc_err *e)
{
    int stream; /* (zlib's headers are looked for from byte 1: carve.h) */
    s->inner_at = pc_carve_next(data, len, s->inner_at, &stream);
    return pc_nest_wants(data, len) || pc_zipdir_ends(data, len) || pc_b64_wants(data, len) ||
                   pc_uu_wants(data, len) || pc_unwrap_zlib_std(data, len) || s->inner_at < len ||
                   pc_upx_sniff(data, len)
               ? open_nested(s, f, ent, data, len, NULL, 0, NULL, NEST_FILE, e)
               : 0;
}

/* The compressed streams found inside a file read in blocks
 * (streamfind.h, block_streams), each opened as the stream inside other
 * bytes it is (nested.h: "(at byte N) > (gzip)"), N its offset in the
 * file. */
/* A buffer grown over PC_YARA_OWN by one file is given back after it. */
static void give_back(unsigned char **buf, size_t *cap)
{
    if (*cap > PC_YARA_OWN) {
        free(*buf);
        *buf = NULL;
        *cap = 0;
    }
}

/* A region kept (reg_add) opened as the stream, program or text it is,
 * its names starting with the member it was found in. */
static int open_region(pc_yara_scan *s, pc_layer_facts *f, pc_entry *ent,
                       const unsigned char *bytes, const sreg *r, pc_err *e)
{
    s->inner_at = r->text ? r->len : 1; /* (a stream: its byte of its own, then it) */
    return open_nested(s, f, ent, bytes + r->off, r->len, NULL, r->text ? 0 : r->at - 1, r->member,
                       r->text == 2 ? NEST_BIN_RUN : 0, e);
}

#define SWAP(T, a, b)                                                                              \
    do {                                                                                           \
        T t_ = (a);                                                                                \
        (a) = (b);                                                                                 \
        (b) = t_;                                                                                  \
    } while (0)

/* The scanner, archive reader and block buffer of regions opened while
 * the file's own are in use (drain), swapped in and out. */
static void swap_own(pc_yara_scan *s)
{
    SWAP(YR_SCANNER *, s->yr, s->yr2);
    SWAP(pc_yara_hits, s->hits, s->hits2); /* (both scanners report into s->hits) */
    SWAP(pc_nest *, s->nest, s->nest2);
    SWAP(unsigned char *, s->nroll, s->nroll2);
    SWAP(size_t, s->nrollcap, s->nroll2cap);
}

/* The regions complete (all but the stream or program being kept) are
 * opened now, while the file's blocks are still being scanned (from
 * sf_keep, between two of YARA's blocks: its scanner, the archive reader
 * of the member being read and its block buffer are in use, so these have
 * their own), and their bytes given back. 0 when there were none to open
 * or they were opened; -1 when one failed (s->derr says why). */
static int drain(pc_yara_scan *s)
{
    size_t done = s->active ? s->regoff : s->caplen;
    if (s->draining || s->nreg == 0 || !s->top_ent)
        return 0;
    if (!s->yr2) {
        if (yr_scanner_create(pc_rules_yr(s->rules), &s->yr2) != ERROR_SUCCESS) {
            s->yr2 = NULL;
            s->dfail = 1;
            return pc_err_set(&s->derr, "file %s: out of memory in the YARA scan", s->path);
        }
        yr_scanner_set_callback(s->yr2, pc_yara_hits_cb, &s->hits);
        yr_scanner_set_flags(s->yr2, 0);
        yr_scanner_set_timeout(s->yr2, pc_yara_timeout(s->prof->timeout_seconds));
    }
    if (!s->nest2 && !(s->nest2 = pc_nest_new())) {
        s->dfail = 1;
        return pc_err_set(&s->derr, "file %s: out of memory in the YARA scan", s->path);
    }
    pc_layer_facts *f = s->f;
    pc_entry *ent = s->ent;
    size_t inner_at = s->inner_at;
    swap_own(s);
    s->draining = 1;
    int rc = set_externals(s, s->top_ent) < 0
                 ? pc_err_set(&s->derr, "file %s: out of memory in the YARA scan", s->path)
                 : 0;
    for (size_t i = 0; rc == 0 && i < s->nreg; i++)
        rc = open_region(s, s->top_f, s->top_ent, s->cap, &s->reg[i], &s->derr);
    s->draining = 0;
    swap_own(s);
    s->f = f;
    s->ent = ent;
    s->inner_at = inner_at;
    if (rc < 0) {
        s->dfail = 1;
        return -1;
    }
    memmove(s->cap, s->cap + done, s->caplen - done);
    s->caplen -= done;
    if (s->active)
        s->regoff -= done;
    regs_clear(s);
    return 0;
}

/* The regions kept from a file read in blocks (and from its members read
 * in blocks), opened once its blocks are scanned, in rounds: a round
 * takes the regions kept so far, and their bytes, out of the scan's
 * state and opens them from there, so that what a member of one read in
 * blocks holds after its start (a program, a compressed stream, an
 * encoded run) is kept meanwhile, as a region of the next round, as for
 * a member of a file held whole. Bounded as every region is
 * (PC_NEST_STREAMS, and the file's decoded bytes). */
static int scan_streams(pc_yara_scan *s, pc_layer_facts *f, pc_entry *ent, pc_err *e)
{
    int rc = 0, round = 0;
    pc_sfind_stop(s->sf);
    while (rc == 0 && s->nreg > 0) {
        if (++round > PC_NEST_DEPTH) /* (a stream that decodes to itself, or near) */
            return pc_err_set(e,
                              "file %s: streams found inside what streams found in it decode "
                              "to, nested more than %d levels deep",
                              s->path, PC_NEST_DEPTH);
        sreg *reg = s->reg;
        size_t nreg = s->nreg;
        unsigned char *bytes = s->cap;
        s->reg = NULL;
        s->nreg = s->capreg = 0;
        s->cap = NULL;
        s->caplen = s->capcap = 0;
        for (size_t i = 0; rc == 0 && i < nreg; i++)
            rc = open_region(s, f, ent, bytes, &reg[i], e);
        for (size_t i = 0; i < nreg; i++)
            free(reg[i].member);
        free(reg);
        free(bytes);
        if (rc == 0 && s->dfail) /* (a region of the next round opened early: drain) */
            rc = pc_err_set(e, "%s", s->derr.msg);
    }
    if (rc < 0)
        return -1;
    give_back(&s->tx, &s->txcap);
    give_back(&s->cap, &s->capcap);
    s->caplen = 0;
    regs_clear(s);
    return 0;
}

/* Copy the matched rules into the layer's arena, onto the entry. */
static int record(pc_yara_scan *s, pc_layer_facts *f, pc_entry *ent, pc_err *e)
{
    pc_match *m = NULL, *all;
    size_t bytes;
    if (s->hits.n == 0)
        return 0;
    if (pc_yara_matches_of(s->hits.v, s->hits.n, &f->arena, &m) < 0)
        return pc_err_set(e, "out of memory");
    if (ent->nmatches) { /* (its members' found while it was read: drain) after its own */
        if (__builtin_add_overflow(ent->nmatches, s->hits.n, &bytes) ||
            __builtin_mul_overflow(bytes, sizeof *all, &bytes) ||
            !(all = pc_arena_alloc(&f->arena, bytes)))
            return pc_err_set(e, "out of memory");
        memcpy(all, m, s->hits.n * sizeof *all);
        memcpy(all + s->hits.n, ent->matches, ent->nmatches * sizeof *all);
        m = all;
    }
    ent->matches = m;
    ent->nmatches += s->hits.n;
    return 0;
}

static int scan_failed(const pc_yara_scan *s, int rc, int blocks, pc_err *e)
{
    if (s->dfail) /* (a region opened while the file was read in blocks) */
        return pc_err_set(e, "%s", s->derr.msg);
    if (rc == ERROR_SCAN_TIMEOUT)
        return pc_err_set(e,
                          "file %s: the YARA scan did not finish within %llu s%s "
                          "(yara.timeout_seconds)",
                          s->path, (unsigned long long)s->prof->timeout_seconds,
                          blocks ? " per block of max_file_bytes" : "");
    if (rc == ERROR_INSUFFICIENT_MEMORY && s->txover)
        return pc_err_set(e,
                          "file %s: holds a run of base64, hex or uuencoded text longer than "
                          "portcullis decodes in bytes read in blocks (%u MiB with its lines)",
                          s->path, PC_YARA_TXRUN_MAX >> 20);
    if (rc == ERROR_INSUFFICIENT_MEMORY && s->sover)
        return pc_err_set(e,
                          "file %s: holds more programs, compressed streams and encoded runs "
                          "after its start than portcullis reads in bytes read in blocks (%d, "
                          "or one for each %u bytes; a stream or program at most %u MiB long)",
                          s->path, PC_NEST_STREAMS, PC_YARA_PER_REGION, PC_YARA_REGION_MAX >> 20);
    if (rc == ERROR_INSUFFICIENT_MEMORY || s->hits.oom)
        return pc_err_set(e, "file %s: out of memory in the YARA scan", s->path);
    return pc_err_set(e, "file %s: YARA scan failed (libyara error %d)", s->path, rc);
}

static uint64_t ys_want(void *ud, const pc_entry *ent)
{
    (void)ud;
    return ent->size ? PC_YARA_SNIFF : 0;
}

static int ys_visit(void *ud, pc_layer_facts *f, pc_entry *ent, const unsigned char *head,
                    size_t headlen, pc_file_reader *rest, pc_err *e)
{
    pc_yara_scan *s = ud;
    int failed = 0, rc;
    if (!pc_yara_wants(s->prof, ent, head, headlen))
        return 0;
    if (ent->size > SIZE_MAX / 2)
        return pc_err_set(e, "file /%s: too large to scan", ent->path);
    s->hits.n = 0;
    s->hits.oom = 0;
    if (set_externals(s, ent) < 0)
        return pc_err_set(e, "file %s: out of memory in the YARA scan", s->path);
    inner_reset(s, 1);
    s->top_f = f;
    s->top_ent = ent;
    s->sover = s->txover = 0;
    /* The big buffer is held for the file's whole scan, and given back on
     * every path. A file that fits the worker's own buffer uses the big one
     * too when no other worker has it: a worker alone (one layer, --jobs 1)
     * never makes its own buffer but for the blocks of a block-scanned file. */
    int blocks = ent->size > s->prof->max_file_bytes;
    if (blocks && pc_nest_wants(head, headlen)) {
        int arc = scan_archive(s, f, ent, head, headlen, rest, &failed, e);
        if (!failed && arc == 0) /* (what its members read in blocks held) */
            arc = scan_streams(s, f, ent, e);
        return failed ? -1 : arc; /* (a failed tar stream: the walk already said why) */
    }
    int held = 0;
    s->upxed = s->upxover = s->upxoom = 0;
    s->upxlen = 0;
    if (blocks || (ent->size > PC_YARA_OWN && ent->size > headlen)) {
        s->slot = pool_take(s->pool);
        held = 1;
    } else if (ent->size > headlen) {
        s->slot = pool_try(s->pool);
        held = s->slot < s->pool->n;
    }
    const unsigned char *data = NULL;
    size_t len = 0;
    int zipped = 0;
    if (!blocks)
        rc = scan_whole(s, ent, head, headlen, rest, held, &failed, &data, &len);
    else
        rc = scan_blocks(s, ent, head, headlen, rest, &failed, &zipped);
    if (!failed && rc == ERROR_SUCCESS) {
        rc = record(s, f, ent, e) < 0 ? -1 : 0;
        if (rc == 0 && zipped) /* (unzip and python3 FILE read it; nothing here can, streamed) */
            rc = pc_err_set(e,
                            "file %s: a zip archive after other bytes (what unzip and python3 "
                            "FILE read), in a file over yara.max_file_bytes: its members cannot "
                            "be read as the file streams by (a max_file_bytes over the file's "
                            "size reads it whole)",
                            s->path);
        if (rc == 0 && s->upxed) /* (its loader unpacks it in memory: upx.h) */
            rc = scan_upx(s, f, ent, e);
        /* the file's bytes are still in the buffer: what it holds */
        if (rc == 0 && data && scan_nested(s, f, ent, data, len, e) < 0)
            rc = -1;
        if (rc == 0 && s->upxoom)
            rc = pc_err_set(e, "file %s: out of memory in the YARA scan", s->path);
        if (rc == 0 && scan_streams(s, f, ent, e) < 0) /* (a file in blocks, members too) */
            rc = -1;
        if (held)
            pool_give(s->pool, s->slot);
        upx_drop(s); /* (also when it was not unpacked: an error before) */
        return rc;
    }
    if (held)
        pool_give(s->pool, s->slot);
    upx_drop(s); /* (a failed scan: what was kept of a packed program) */
    if (failed)
        return -1; /* the tar stream failed: the walk already said why */
    return scan_failed(s, rc, blocks, e);
}

void pc_yara_scan_archive_bounds(pc_yara_scan *s, uint64_t bytes, uint64_t members)
{
    s->nest_bytes = bytes;
    s->nest_members = members;
}

void pc_yara_scan_visitor(pc_yara_scan *s, pc_file_visitor *v)
{
    v->want = ys_want;
    v->visit = ys_visit;
    v->ud = s;
}
