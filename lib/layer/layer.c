/*
 * layer.c — one layer, one pass: the unpacker (decompress.c) feeds the
 * tar reader (tarread.c, Go archive/tar's rules) through a read callback;
 * every entry becomes a pc_entry in the layer's facts, classified as
 * containerd's applier classifies it (whiteout names first, whatever the
 * type; entries naming the root ignored; types it cannot apply refused). Data is read only where it
 * matters (the head of executables, /etc/passwd and /etc/group, and what a content visitor asks
 * for) and otherwise skipped, never stored. A visitor pulls the rest of a file it wants through a
 * pc_file_reader, straight from the tar stream, in blocks of its own size.
 *
 * The digest is compared after the last byte; on mismatch the facts are
 * thrown away so nothing from an unverified layer is ever trusted.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "layer/decompress.h"
#include "layer/elfhead.h"
#include "layer/layer.h"
#include "layer/readahead.h"
#include "layer/pkgdb.h"
#include "layer/tarread.h"
#include "pcx.h"

#define PC_HEAD_BYTES 4096
#define PC_IDFILE_MAX (1u << 20)
#define PC_ELF_HEAD_MAX (1u << 20) /* how far an ELF head is read (PT_INTERP, PT_DYNAMIC) */
#define XATTR "SCHILY.xattr."

typedef struct walk {
    pc_unpack *u;
    pc_readahead *ra; /* the inflate thread (readahead.h); NULL: u is read here */
    const pc_walk_cfg *cfg;
    pc_layer_facts *f;
    pc_err *e;
    pc_tar *tar;
    unsigned char *data;
    size_t datacap;
    /* a dynamically linked ELF's dynamic section past its head (elfhead.h,
     * pc_elf_dyn_far): caught from the stream as its bytes go by, whoever
     * reads them. pos: the current entry's bytes read so far */
    uint64_t pos, tap_off;
    size_t tap_len, tap_got, tapcap;
    unsigned char *tap;
    pc_pkgdb *pk; /* the package database being read (pkgdb.h); NULL: the entry is none */
    pc_pkgdb *pkbuf;
} walk;

static ssize_t on_read(void *ud, void *buf, size_t n, pc_err *e)
{
    walk *w = ud;
    if (w->cfg->deadline_ms && pc_now_ms() > w->cfg->deadline_ms)
        return pc_err_set(e, "scan time limit exceeded (limits.timeout_seconds)");
    if (w->cfg->stop && atomic_load(w->cfg->stop))
        return pc_err_set(e, "cancelled");
    ssize_t r = w->ra ? pc_readahead_read(w->ra, buf, n, e) : pc_unpack_read(w->u, buf, n, e);
    if (r < 0)
        return -1;
    uint64_t max = w->cfg->limits->max_image_bytes;
    if (atomic_fetch_add(w->cfg->bytes_total, (uint64_t)r) + (uint64_t)r > max)
        return pc_err_set(e,
                          "image uncompressed size exceeds the limit of %llu bytes "
                          "(limits.max_image_bytes)",
                          (unsigned long long)max);
    return r;
}

/* Name-based whiteouts apply to every entry type, as in containerd's
 * applier: 1 classified, 0 not a whiteout, -1 error. */
static int classify_whiteout(walk *w, const char *norm, pc_entry *ent)
{
    const char *base = strrchr(norm, '/');
    size_t dirlen = base ? (size_t)(base - norm) : 0;
    base = base ? base + 1 : norm;
    if (strncmp(base, ".wh.", 4) != 0)
        return 0;
    if (strcmp(base, ".wh..wh..opq") == 0) {
        ent->type = PC_E_OPAQUE;
        ent->path = pc_arena_strndup(&w->f->arena, norm, dirlen);
        return ent->path ? 1 : pc_err_set(w->e, "out of memory");
    }
    const char *victim = base + 4;
    if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
        return pc_err_set(w->e, "entry \"%.300s\": malformed whiteout", norm);
    ent->type = PC_E_WHITEOUT;
    char *p = pc_arena_alloc(&w->f->arena, dirlen + strlen(victim) + 2);
    if (!p)
        return pc_err_set(w->e, "out of memory");
    memcpy(p, norm, dirlen);
    p[dirlen] = 0;
    if (dirlen)
        strcat(p, "/");
    strcat(p, victim);
    ent->path = p;
    return 1;
}

static int classify_type(walk *w, const pc_tar_hdr *h, const char *norm, pc_entry *ent)
{
    switch (h->typeflag) {
    case '0':
        ent->type = PC_E_REG;
        break;
    case '1':
        ent->type = PC_E_HARDLINK;
        break;
    case '2':
        ent->type = PC_E_SYMLINK;
        break;
    case '3':
        ent->type = PC_E_CHR;
        break;
    case '4':
        ent->type = PC_E_BLK;
        break;
    case '5':
        ent->type = PC_E_DIR;
        break;
    case '6':
        ent->type = PC_E_FIFO;
        break;
    case 'g':
        ent->type = PC_E_GLOBAL;
        break;
    default:
        return pc_err_set(w->e,
                          "entry \"%.300s\": tar type '%c' (0x%02x) is not applied by "
                          "container runtimes (containerd fails the layer)",
                          norm, h->typeflag > 32 && h->typeflag < 127 ? h->typeflag : '?',
                          (unsigned)h->typeflag & 0xff);
    }
    ent->path = pc_arena_strdup(&w->f->arena, norm);
    return ent->path ? 0 : pc_err_set(w->e, "out of memory");
}

static int read_links(walk *w, const pc_tar_hdr *h, pc_entry *ent, const char *name)
{
    if (ent->type == PC_E_HARDLINK) {
        char tmp[4096];
        const char *t = h->linkname;
        if (pc_path_normalise(t, tmp, sizeof tmp) < 0 || !*tmp)
            return pc_err_set(w->e, "entry \"%.300s\": hardlink target \"%.200s\" escapes the root",
                              name, t);
        ent->link = pc_arena_strdup(&w->f->arena, tmp);
        return ent->link ? 0 : pc_err_set(w->e, "out of memory");
    }
    if (ent->type == PC_E_SYMLINK) {
        ent->link = pc_arena_strdup(&w->f->arena, h->linkname);
        return ent->link ? 0 : pc_err_set(w->e, "out of memory");
    }
    return 0;
}

/* Extended attributes as containerd applies them (SCHILY.xattr.* PAX
 * records). Overlay's own attributes (an opaque marker, a redirect, a
 * metacopy) would change what the merged filesystem shows, and whether
 * they take effect depends on the node's filesystem: refused. */
static int read_xattrs(walk *w, const pc_tar_hdr *h, pc_entry *ent, const char *name)
{
    for (size_t i = 0; i < h->nrecs; i++) {
        const pc_tar_rec *r = &h->recs[i];
        if (strncmp(r->key, XATTR, sizeof XATTR - 1) != 0)
            continue;
        const char *x = r->key + sizeof XATTR - 1;
        if (strcmp(x, "security.capability") == 0) {
            ent->has_cap = 1;
            ent->cap_bad = pc_filecap_decode(r->val, r->vlen, &ent->cap) < 0;
        } else if (strncmp(x, "trusted.overlay.", 16) == 0 ||
                   strncmp(x, "user.overlay.", 13) == 0) {
            return pc_err_set(
                w->e,
                "entry \"%.300s\": extended attribute %.100s would change how "
                "overlayfs merges layers on some nodes and not on others; refusing it",
                name, x);
        }
    }
    return 0;
}

static int is_idfile(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    return strcmp(b, "passwd") == 0 || strcmp(b, "group") == 0;
}

/* Read the current entry's leading bytes into w->data until it holds up
 * to `want` (it holds `got` already); the count it holds now. */
static ssize_t read_head(walk *w, size_t got, size_t want)
{
    if (pc_grow((void **)&w->data, &w->datacap, want + 1, 1) < 0)
        return pc_err_set(w->e, "out of memory");
    while (got < want) {
        ssize_t r = pc_tar_read(w->tar, w->data + got, want - got, w->e);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    w->data[got] = 0;
    return (ssize_t)got;
}

struct pc_file_reader {
    walk *w;
    const char *name;
};

/* The current entry's next n bytes, just read into buf: the part of them
 * that lies in the dynamic section being caught is copied out. */
static void tap_bytes(walk *w, const unsigned char *buf, size_t n)
{
    uint64_t lo = w->pos, hi = w->pos + n, end = w->tap_off + w->tap_len;
    w->pos = hi;
    if (w->tap_len == 0 || hi <= w->tap_off || lo >= end)
        return;
    if (lo < w->tap_off)
        lo = w->tap_off;
    if (hi > end)
        hi = end;
    memcpy(w->tap + (lo - w->tap_off), buf + (lo - (w->pos - n)), (size_t)(hi - lo));
    w->tap_got += (size_t)(hi - lo);
}

/* The current entry's next n bytes went by, whoever read them: the
 * dynamic section being caught and the package database being read see
 * them. */
static int pass_on(walk *w, const unsigned char *buf, size_t n, const char *name)
{
    tap_bytes(w, buf, n);
    if (w->pk && pc_pkgdb_feed(w->pk, buf, n, w->e) < 0)
        return pc_err_prefix(w->e, "%.300s: package database", name);
    return 0;
}

ssize_t pc_file_read(pc_file_reader *r, void *buf, size_t n)
{
    ssize_t got = pc_tar_read(r->w->tar, buf, n, r->w->e);
    if (got < 0)
        pc_err_prefix(r->w->e, "%.300s", r->name);
    else if (pass_on(r->w, buf, (size_t)got, r->name) < 0)
        return -1;
    return got;
}

/* An ELF whose program headers, PT_INTERP path or dynamic section (and
 * the names it points at) lie past the head read so far: read on (the
 * stream goes forward only) up to PC_ELF_HEAD_MAX, so that the loader
 * execve will ask for, and the libraries that loader will look for, are
 * seen where they are. Each round asks for more (elfhead.h): the table,
 * then the path and the dynamic section, then the strings. */
static ssize_t more_elf_head(walk *w, const pc_entry *ent, ssize_t got)
{
    size_t limit = ent->size < PC_ELF_HEAD_MAX ? (size_t)ent->size : PC_ELF_HEAD_MAX;
    for (int round = 0; round < 3; round++) {
        size_t need = pc_elf_head_need(w->data, (size_t)got, limit);
        if (need <= (size_t)got)
            return got;
        if ((got = read_head(w, (size_t)got, need)) < 0)
            return -1;
        if ((size_t)got < need)
            return pc_err_set(w->e, "unexpected end of data");
    }
    return got;
}

/* A dynamically linked ELF whose dynamic section lies past the head read
 * (beyond PC_ELF_HEAD_MAX): catch those bytes (at most 64 KiB) as the
 * stream goes by, so big programs' libraries are known too. */
static int tap_start(walk *w, const pc_entry *ent, size_t got)
{
    uint64_t off;
    size_t len;
    w->pos = got;
    w->tap_len = w->tap_got = 0;
    if ((ent->head != PC_HEAD_ELF && ent->head != PC_HEAD_BADELF) || !ent->interp || ent->dyn ||
        !pc_elf_dyn_far(w->data, got, ent->size, &off, &len))
        return 0;
    if (pc_grow((void **)&w->tap, &w->tapcap, len, 1) < 0)
        return pc_err_set(w->e, "out of memory");
    w->tap_off = off;
    w->tap_len = len;
    return 0;
}

/* Read on to the end of the section being caught (what a visitor read is
 * caught already), then parse it with the head. */
static int tap_finish(walk *w, pc_entry *ent, size_t got, const char *name)
{
    unsigned char chunk[16384];
    if (w->tap_len == 0)
        return 0;
    while (w->tap_got < w->tap_len) {
        uint64_t left = w->tap_off + w->tap_len - w->pos;
        ssize_t r =
            pc_tar_read(w->tar, chunk, left < sizeof chunk ? (size_t)left : sizeof chunk, w->e);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        if (pass_on(w, chunk, (size_t)r, name) < 0)
            return -1;
    }
    size_t len = w->tap_len;
    w->tap_len = 0;
    if (w->tap_got < len)
        return 0; /* the file ended first: unknown */
    if (pc_elf_dyn_parse_far(w->data, got, w->tap, w->tap_off, len, ent, &w->f->arena) < 0)
        return pc_err_set(w->e, "out of memory");
    return 0;
}

/* A package database (pkgdb.h): refused over PC_PKGDB_MAX_BYTES, else
 * read as its bytes go by (pass_on), whoever reads them. */
static int pkgdb_start(walk *w, pc_entry *ent, const char *name)
{
    pc_pkgdb_kind kind = pc_pkgdb_kind_of(ent->path);
    w->pk = NULL;
    if (kind == PC_PKGDB_NONE)
        return 0;
    if (ent->size > PC_PKGDB_MAX_BYTES)
        return pc_err_set(w->e,
                          "%.300s: package database of %llu bytes is over the limit of %u MiB; "
                          "its packages cannot be judged",
                          name, (unsigned long long)ent->size, PC_PKGDB_MAX_BYTES >> 20);
    if (!w->pkbuf && !(w->pkbuf = malloc(sizeof *w->pkbuf)))
        return pc_err_set(w->e, "out of memory");
    pc_pkgdb_begin(w->pkbuf, kind, &w->f->arena);
    w->pk = w->pkbuf;
    return 0;
}

/* Read the rest of the database no one else read, and keep its packages. */
static int pkgdb_finish(walk *w, pc_entry *ent, const char *name)
{
    unsigned char chunk[16384];
    ssize_t r;
    while ((r = pc_tar_read(w->tar, chunk, sizeof chunk, w->e)) > 0)
        if (pass_on(w, chunk, (size_t)r, name) < 0)
            return -1;
    if (r < 0)
        return pc_err_prefix(w->e, "%.300s", name);
    int rc = pc_pkgdb_end(w->pk, ent, w->e);
    w->pk = NULL;
    return rc < 0 ? pc_err_prefix(w->e, "%.300s: package database", name) : 0;
}

/* Pull what the checks need out of a regular file's data. */
static int read_data(walk *w, pc_entry *ent, const char *name)
{
    const pc_file_visitor *v = w->cfg->visitor;
    uint64_t want = 0, vwant = v && ent->size ? v->want(v->ud, ent) : 0;
    int exec = (ent->mode & 0111) != 0;
    int idf =
        (is_idfile(ent->path) || w->cfg->keep_seq == ent->seq + 1) && ent->size <= PC_IDFILE_MAX;
    if (exec)
        want = PC_HEAD_BYTES;
    if (idf)
        want = PC_IDFILE_MAX;
    if (vwant > want)
        want = vwant;
    if (want > ent->size)
        want = ent->size;
    if (pkgdb_start(w, ent, name) < 0)
        return -1;
    if (want == 0 && !w->pk) {
        if (exec && ent->size == 0)
            ent->head = PC_HEAD_NOEXEC; /* execve of an empty file: ENOEXEC */
        return 0;
    }
    ssize_t got = read_head(w, 0, (size_t)want);
    if (got < 0)
        return pc_err_prefix(w->e, "%.300s", name);
    if ((uint64_t)got < want)
        return pc_err_set(w->e, "%.300s: unexpected end of data", name);
    if (exec && (got = more_elf_head(w, ent, got)) < 0)
        return pc_err_prefix(w->e, "%.300s", name);
    if (exec && pc_head_parse(w->data, (size_t)got, ent, &w->f->arena) < 0)
        return pc_err_set(w->e, "out of memory");
    if (exec && tap_start(w, ent, (size_t)got) < 0)
        return -1;
    if (w->pk && pc_pkgdb_feed(w->pk, w->data, (size_t)got, w->e) < 0)
        return pc_err_prefix(w->e, "%.300s: package database", name);
    if (idf) {
        ent->data = pc_arena_strndup(&w->f->arena, (const char *)w->data, (size_t)got);
        ent->data_len = (size_t)got;
        if (!ent->data)
            return pc_err_set(w->e, "out of memory");
    }
    if (vwant) {
        pc_file_reader rest = {w, name};
        if (v->visit(v->ud, w->f, ent, w->data, (size_t)got, &rest, w->e) < 0)
            return -1;
    }
    if (exec && tap_finish(w, ent, (size_t)got, name) < 0)
        return pc_err_prefix(w->e, "%.300s", name);
    return w->pk ? pkgdb_finish(w, ent, name) : 0;
}

static int count_limits(walk *w)
{
    const pc_limits *l = w->cfg->limits;
    if (atomic_fetch_add(w->cfg->files_total, 1) + 1 > l->max_files)
        return pc_err_set(w->e, "image has more than %llu entries (limits.max_files)",
                          (unsigned long long)l->max_files);
    return 0;
}

/* An owner as chown(2) sees Go's int: the low 32 bits; -1 would mean
 * "leave unchanged", which no image builder writes. */
static int owner_of(walk *w, int64_t v, uint32_t *out, const char *name)
{
    *out = (uint32_t)(uint64_t)v;
    if (*out == UINT32_MAX)
        return pc_err_set(w->e, "entry \"%.300s\": owner id %lld means \"unchanged\" to chown",
                          name, (long long)v);
    return 0;
}

static int one_entry(walk *w, const pc_tar_hdr *h)
{
    const char *name = h->name;
    char norm[4096];
    if (count_limits(w) < 0)
        return -1;
    if (pc_path_normalise(name, norm, sizeof norm) < 0)
        return pc_err_set(w->e, "entry \"%.300s\" escapes the image root (path traversal)", name);
    if (!*norm)
        return 0; /* the runtime ignores entries that name the root */
    pc_entry *ent = pc_layer_facts_add(w->f);
    if (!ent)
        return pc_err_set(w->e, "out of memory");
    int k = classify_whiteout(w, norm, ent);
    if (k < 0)
        return -1;
    if (k > 0)
        return 0;
    if (classify_type(w, h, norm, ent) < 0)
        return -1;
    if (ent->type == PC_E_GLOBAL)
        return 0;
    ent->mode = (uint32_t)((uint64_t)h->mode & 07777);
    if (owner_of(w, h->uid, &ent->uid, name) < 0 || owner_of(w, h->gid, &ent->gid, name) < 0)
        return -1;
    ent->size = ent->type == PC_E_REG ? (uint64_t)h->size : 0;
    ent->devmajor = (uint32_t)(uint64_t)h->devmajor;
    ent->devminor = (uint32_t)(uint64_t)h->devminor;
    if (read_links(w, h, ent, name) < 0 || read_xattrs(w, h, ent, name) < 0)
        return -1;
    if (ent->type == PC_E_REG)
        return read_data(w, ent, name);
    return 0;
}

static int walk_tar(walk *w)
{
    pc_tar_hdr h;
    int r;
    w->tar = pc_tar_new(on_read, w);
    if (!w->tar)
        return pc_err_set(w->e, "out of memory");
    while ((r = pc_tar_next(w->tar, &h, w->e)) > 0)
        if (one_entry(w, &h) < 0) {
            r = -1;
            break;
        }
    pc_tar_free(w->tar);
    w->tar = NULL;
    return r < 0 ? -1 : 0;
}

/* Big layers (and those of unknown size) get the inflate thread.
 * PORTCULLIS_READAHEAD=off never, =always for every layer: how the tests
 * prove both ways give the same facts and errors. */
static int readahead_wanted(const pc_layer_desc *ld)
{
    const char *v = getenv("PORTCULLIS_READAHEAD");
    if (v && strcmp(v, "off") == 0)
        return 0;
    if (v && strcmp(v, "always") == 0)
        return 1;
    return ld->d.size < 0 || ld->d.size >= (int64_t)PC_READAHEAD_MIN;
}

int pc_layer_walk(pc_stream *raw, const pc_layer_desc *ld, const pc_walk_cfg *cfg,
                  pc_layer_facts *out, pc_err *e)
{
    const pc_limits *l = cfg->limits;
    uint64_t cap = l->max_layer_bytes;
    walk w = {.cfg = cfg, .f = out, .e = e};
    char raw_digest[72], out_digest[72] = "";
    pc_layer_facts_init(out);
    memcpy(out->digest, ld->d.digest, sizeof out->digest);
    w.u = pc_unpack_new(raw, pc_layer_decode_class(ld->d.media_type), ld->d.media_type, ld->d.size,
                        cap);
    if (!w.u) {
        raw->close(raw);
        return pc_err_set(e, "out of memory");
    }
    int rc = pc_unpack_start(w.u, e) < 0 ? -1 : 0;
    /* a big layer is inflated on a thread of its own while this one walks
     * and matches; without the thread, the same bytes are read here */
    if (rc == 0 && readahead_wanted(ld))
        w.ra = pc_readahead_new(w.u);
    if (rc == 0)
        rc = walk_tar(&w);
    /* what follows the tar's end is decoded and hashed too, under the
     * same time and size limits */
    unsigned char sink[16384];
    ssize_t r = 0;
    while (rc == 0 && (r = on_read(&w, sink, sizeof sink, e)) > 0)
        ;
    pc_readahead_free(w.ra); /* u is this thread's again */
    w.ra = NULL;
    if (r < 0 || (rc == 0 && pc_unpack_finish(w.u, raw_digest, out_digest, e) < 0))
        rc = -1;
    if (rc < 0 && !ld->verify_diff && !(cfg->stop && atomic_load(cfg->stop))) {
        pc_err ignored;
        if (pc_unpack_raw_digest(w.u, raw_digest, &ignored) == 0 &&
            strcmp(raw_digest, ld->d.digest) != 0)
            pc_err_set(e, "digest mismatch: expected %s, got %s (%.300s)", ld->d.digest, raw_digest,
                       e->msg);
    }
    out->bytes = pc_unpack_out_bytes(w.u);
    out->codec = (int)pc_unpack_codec(w.u);
    pc_unpack_free(w.u);
    free(w.data);
    free(w.tap);
    if (w.pkbuf)
        pc_pkgdb_free(w.pkbuf);
    free(w.pkbuf);
    if (rc == 0) {
        const char *want = ld->d.digest;
        const char *got = ld->verify_diff ? out_digest : raw_digest;
        if (strcmp(want, got) != 0)
            rc = pc_err_set(e, "digest mismatch: expected %s, got %s", want, got);
        memcpy(out->diff_id, out_digest, sizeof out->diff_id);
    }
    if (rc < 0) {
        pc_err_prefix(e, "layer %s", ld->d.digest);
        pc_layer_facts_free(out);
    }
    return rc;
}
