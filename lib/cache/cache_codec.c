/*
 * cache_codec.c — layer facts to bytes and back. Little-endian fixed-size
 * fields and length-prefixed strings (0xffffffff for NULL). The decoder
 * treats its input as hostile: every length is checked against what is
 * left before it is used, so a damaged file is rejected, never overread.
 *
 * Payload: u64 bytes, u64 entry count, the entries, then u8 codec and the
 * diff id (a string). An entry ends with its dynamic section: u8 dyn, u16
 * needed count (at most PC_DT_NEEDED_MAX, and only with dyn), the needed
 * strings, rpath and runpath; then its package database: u8 kind
 * (pc_pkgdb_kind, 0: none) and, for a database, u32 package count (at
 * most PC_PKGDB_MAX_PKGS) and each package's name and version.
 */
#include <stdlib.h>
#include <string.h>
#include "cache/cache.h"
#include "layer/elfhead.h"
#include "layer/pkgdb.h"
#include "pcx.h"

#define NIL 0xffffffffu

/* The encoder either runs twice, once with no buffer, counting the bytes,
 * then into one allocation of exactly that size (a layer's facts are
 * megabytes: no doubling slack, no second copy), or streams through a
 * small buffer into a sink (the cache file: no copy of the whole). */
#define SINK_BUF 65536
typedef struct enc {
    unsigned char *p; /* NULL: count only */
    size_t len, cap;
    int oom; /* out of memory, too long, or the sink failed */
    pc_facts_sink sink;
    void *ud;
    uint64_t sunk; /* bytes handed to the sink */
} enc;

static void flush(enc *w)
{
    if (!w->oom && w->len && w->sink(w->ud, w->p, w->len) < 0)
        w->oom = 1;
    w->sunk += w->len;
    w->len = 0;
}

static void add(enc *w, const void *s, size_t n)
{
    if (w->oom)
        return;
    if (w->sink) {
        if (w->len + n > w->cap)
            flush(w);
        if (n > w->cap) { /* a string bigger than the buffer: straight through */
            if (!w->oom && w->sink(w->ud, s, n) < 0)
                w->oom = 1;
            w->sunk += n;
        } else if (n) {
            memcpy(w->p + w->len, s, n);
            w->len += n;
        }
        return;
    }
    if (n > SIZE_MAX - w->len || (w->p && w->len + n > w->cap)) {
        w->oom = 1;
        return;
    }
    if (w->p && n)
        memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void put(enc *w, uint64_t v, int n)
{
    unsigned char tmp[8];
    for (int i = 0; i < n; i++)
        tmp[i] = (unsigned char)(v >> (8 * i));
    add(w, tmp, (size_t)n);
}

static void put_str(enc *w, const char *s, size_t len)
{
    if (!s) {
        put(w, NIL, 4);
        return;
    }
    if (len >= NIL) {
        w->oom = 1;
        return;
    }
    put(w, len, 4);
    add(w, s, len);
}

static void put_cstr(enc *w, const char *s)
{
    put_str(w, s, s ? strlen(s) : 0);
}

static void put_entry(enc *w, const pc_entry *e)
{
    put(w, e->type, 1);
    put(w, e->mode, 4);
    put(w, e->uid, 4);
    put(w, e->gid, 4);
    put(w, e->size, 8);
    put(w, e->devmajor, 4);
    put(w, e->devminor, 4);
    put(w, (uint64_t)(e->has_cap | (e->cap_bad << 1) | (e->cap.effective << 2)), 1);
    put(w, e->cap.permitted, 8);
    put(w, e->cap.inheritable, 8);
    put(w, e->cap.rootid, 4);
    put(w, e->head, 1);
    put(w, e->elf_machine, 2);
    put(w, e->elf_class, 1);
    put_cstr(w, e->path);
    put_cstr(w, e->link);
    put_cstr(w, e->interp);
    put_str(w, e->data, e->data_len);
    put(w, e->nmatches, 4);
    for (size_t i = 0; i < e->nmatches; i++) {
        put_cstr(w, e->matches[i].rule);
        put_cstr(w, e->matches[i].tool);
        put_cstr(w, e->matches[i].desc);
        put_cstr(w, e->matches[i].severity);
        put_cstr(w, e->matches[i].category);
        put_cstr(w, e->matches[i].signal);
        put_cstr(w, e->matches[i].member);
    }
    put(w, e->dyn, 1);
    put(w, e->dyn ? e->nneeded : 0, 2);
    for (size_t i = 0; e->dyn && i < e->nneeded; i++)
        put_cstr(w, e->needed[i]);
    put_cstr(w, e->rpath);
    put_cstr(w, e->runpath);
    put(w, e->pkgdb, 1);
    if (!e->pkgdb)
        return;
    put(w, e->npkgs, 4);
    for (size_t i = 0; i < e->npkgs; i++) {
        put_cstr(w, e->pkgs[i].name);
        put_cstr(w, e->pkgs[i].version);
    }
}

static void encode(enc *w, const pc_layer_facts *f)
{
    put(w, f->bytes, 8);
    put(w, f->nentries, 8);
    for (size_t i = 0; i < f->nentries && !w->oom; i++)
        put_entry(w, &f->entries[i]);
    put(w, (uint64_t)f->codec, 1);
    put_cstr(w, f->diff_id);
}

int pc_facts_encode_lead(const pc_layer_facts *f, size_t lead, unsigned char **out, size_t *len)
{
    enc w = {.len = lead};
    *out = NULL;
    encode(&w, f);
    if (w.oom || !(w.p = malloc(w.len ? w.len : 1)))
        return -1;
    w.cap = w.len;
    w.len = lead;
    encode(&w, f);
    if (w.oom || w.len != w.cap) { /* the facts changed between the passes: a bug */
        free(w.p);
        return -1;
    }
    *out = w.p;
    *len = w.len - lead;
    return 0;
}

int pc_facts_encode_to(const pc_layer_facts *f, pc_facts_sink sink, void *ud, uint64_t *len)
{
    enc w = {.sink = sink, .ud = ud, .cap = SINK_BUF};
    if (!(w.p = malloc(SINK_BUF)))
        return -1;
    encode(&w, f);
    flush(&w);
    free(w.p);
    *len = w.sunk;
    return w.oom ? -1 : 0;
}

int pc_facts_encode(const pc_layer_facts *f, unsigned char **out, size_t *len)
{
    return pc_facts_encode_lead(f, 0, out, len);
}

typedef struct dec {
    const unsigned char *p;
    size_t left;
    int bad;
    pc_arena *arena;
} dec;

static uint64_t get(dec *r, int n)
{
    uint64_t v = 0;
    if (r->bad || r->left < (size_t)n) {
        r->bad = 1;
        return 0;
    }
    for (int i = 0; i < n; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    r->left -= (size_t)n;
    return v;
}

static const char *get_str(dec *r, size_t *lenp)
{
    uint64_t n = get(r, 4);
    if (r->bad || n == NIL)
        return NULL;
    if (n > r->left) {
        r->bad = 1;
        return NULL;
    }
    char *s = pc_arena_strndup(r->arena, (const char *)r->p, (size_t)n);
    if (!s)
        r->bad = 1;
    r->p += n;
    r->left -= (size_t)n;
    if (lenp)
        *lenp = (size_t)n;
    return s;
}

static int get_matches(dec *r, pc_entry *e)
{
    uint64_t n = get(r, 4);
    if (r->bad || n > r->left / 16)
        return -1;
    if (n == 0)
        return 0;
    e->matches = pc_arena_alloc(r->arena, (size_t)n * sizeof *e->matches);
    if (!e->matches)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        pc_match *m = &e->matches[i];
        m->rule = get_str(r, NULL);
        m->tool = get_str(r, NULL);
        m->desc = get_str(r, NULL);
        m->severity = get_str(r, NULL);
        m->category = get_str(r, NULL);
        m->signal = get_str(r, NULL);
        m->member = get_str(r, NULL);
        if (r->bad || !m->rule)
            return -1;
    }
    e->nmatches = (size_t)n;
    return 0;
}

static int get_dynamic(dec *r, pc_entry *e)
{
    uint64_t dyn = get(r, 1), n = get(r, 2);
    if (r->bad || dyn > 1 || (!dyn && n) || n > PC_DT_NEEDED_MAX || n > r->left / 4)
        return -1;
    if (n) {
        e->needed = pc_arena_alloc(r->arena, (size_t)n * sizeof *e->needed);
        if (!e->needed)
            return -1;
        for (uint64_t i = 0; i < n; i++)
            if (!(e->needed[i] = get_str(r, NULL)) || !*e->needed[i])
                return -1;
    }
    e->dyn = (uint8_t)dyn;
    e->nneeded = (uint16_t)n;
    e->rpath = get_str(r, NULL);
    e->runpath = get_str(r, NULL);
    return r->bad ? -1 : 0;
}

static int get_packages(dec *r, pc_entry *e)
{
    uint64_t kind = get(r, 1);
    if (r->bad || kind > PC_PKGDB_LAST || (kind && e->type != PC_E_REG))
        return -1;
    if (kind == PC_PKGDB_NONE)
        return 0;
    uint64_t n = get(r, 4);
    if (r->bad || n > PC_PKGDB_MAX_PKGS || n > r->left / 8)
        return -1;
    pc_pkg *v = NULL;
    if (n && !(v = pc_arena_alloc(r->arena, (size_t)n * sizeof *v)))
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        v[i].name = get_str(r, NULL);
        v[i].version = get_str(r, NULL);
        if (r->bad || !v[i].name || !*v[i].name || !v[i].version)
            return -1;
    }
    e->pkgdb = (uint8_t)kind;
    e->npkgs = (uint32_t)n;
    e->pkgs = v;
    return 0;
}

static int get_entry(dec *r, pc_entry *e)
{
    uint64_t t = get(r, 1);
    if (t > PC_E_GLOBAL)
        return -1;
    e->type = (pc_etype)t;
    e->mode = (uint32_t)get(r, 4) & 07777;
    e->uid = (uint32_t)get(r, 4);
    e->gid = (uint32_t)get(r, 4);
    e->size = get(r, 8);
    e->devmajor = (uint32_t)get(r, 4);
    e->devminor = (uint32_t)get(r, 4);
    uint64_t flags = get(r, 1);
    e->has_cap = (int)(flags & 1);
    e->cap_bad = (int)((flags >> 1) & 1);
    e->cap.effective = (int)((flags >> 2) & 1);
    e->cap.permitted = get(r, 8);
    e->cap.inheritable = get(r, 8);
    e->cap.rootid = (uint32_t)get(r, 4);
    uint64_t head = get(r, 1);
    e->head = head <= PC_HEAD_LAST ? (pc_headkind)head : PC_HEAD_OTHER;
    e->elf_machine = (uint16_t)get(r, 2);
    e->elf_class = (uint8_t)get(r, 1);
    e->path = get_str(r, NULL);
    e->link = get_str(r, NULL);
    e->interp = get_str(r, NULL);
    e->data = get_str(r, &e->data_len);
    if (r->bad || !e->path)
        return -1;
    if (get_matches(r, e) < 0 || get_dynamic(r, e) < 0)
        return -1;
    return get_packages(r, e);
}

int pc_facts_decode(const unsigned char *p, size_t len, pc_layer_facts *f)
{
    dec r = {.p = p, .left = len, .arena = &f->arena};
    f->bytes = get(&r, 8);
    uint64_t n = get(&r, 8);
    /* an entry takes at least 86 bytes (57 of fixed fields, the six
     * string lengths, the match count and the package database kind; an
     * entry "a" is 87): refuse counts the data cannot hold */
    if (r.bad || n > r.left / 86 || pc_layer_facts_reserve(f, (size_t)n) < 0)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        pc_entry *e = pc_layer_facts_add(f);
        if (!e || get_entry(&r, e) < 0)
            return -1;
    }
    uint64_t codec = get(&r, 1);
    size_t dlen = 0;
    const char *diff = get_str(&r, &dlen);
    if (r.bad || codec > PC_COMP_ZSTD || !diff || dlen >= sizeof f->diff_id || strlen(diff) != dlen)
        return -1;
    f->codec = (int)codec;
    memcpy(f->diff_id, diff, dlen + 1);
    if (r.left != 0)
        return -1;
    pc_layer_facts_trim(f);
    return 0;
}
