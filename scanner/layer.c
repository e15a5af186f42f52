/*
 * layer.c — one layer, one pass: the unpacker (decompress.c) feeds
 * libarchive's tar reader through a read callback; every entry becomes a
 * pc_entry in the layer's facts. Data is read only where it matters (the
 * head of executables, /etc/passwd and /etc/group, and what a content
 * visitor asks for) and otherwise skipped, never stored. A visitor pulls
 * the rest of a file it wants through a pc_file_reader, straight from the
 * tar stream, in blocks of its own size.
 *
 * The digest is compared after the last byte; on mismatch the facts are
 * thrown away so nothing from an unverified layer is ever trusted.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "decompress.h"
#include "elfhead.h"
#include "layer.h"
#include "util.h"

#define PC_HEAD_BYTES 4096
#define PC_IDFILE_MAX (1u << 20)

typedef struct walk {
    pc_unpack *u;
    const pc_walk_cfg *cfg;
    pc_layer_facts *f;
    pc_err *e;
    int failed; /* e holds our own message */
    unsigned char buf[65536];
    unsigned char *data;
    size_t datacap;
} walk;

static la_ssize_t on_read(struct archive *a, void *ud, const void **out)
{
    walk *w = ud;
    (void)a;
    if (w->cfg->deadline_ms && pc_now_ms() > w->cfg->deadline_ms) {
        pc_err_set(w->e, "scan time limit exceeded (limits.timeout_seconds)");
        w->failed = 1;
        return -1;
    }
    if (w->cfg->stop && atomic_load(w->cfg->stop)) {
        pc_err_set(w->e, "cancelled");
        w->failed = 1;
        return -1;
    }
    ssize_t r = pc_unpack_read(w->u, w->buf, sizeof w->buf, w->e);
    if (r < 0) {
        w->failed = 1;
        return -1;
    }
    uint64_t max = w->cfg->limits->max_image_bytes;
    if (atomic_fetch_add(w->cfg->bytes_total, (uint64_t)r) + (uint64_t)r > max) {
        pc_err_set(w->e, "image uncompressed size exceeds the limit of %llu bytes "
                         "(limits.max_image_bytes)",
                   (unsigned long long)max);
        w->failed = 1;
        return -1;
    }
    *out = w->buf;
    return r;
}

static int fail_archive(walk *w, struct archive *a, const char *where)
{
    if (w->failed)
        return pc_err_prefix(w->e, "%s", where);
    return pc_err_set(w->e, "%s: corrupt tar stream: %s", where,
                      archive_error_string(a) ? archive_error_string(a) : "unknown error");
}

static int classify(walk *w, struct archive_entry *ae, const char *norm, pc_entry *ent)
{
    const char *base = strrchr(norm, '/');
    size_t dirlen = base ? (size_t)(base - norm) : 0;
    base = base ? base + 1 : norm;
    if (strncmp(base, ".wh.", 4) == 0) {
        if (strcmp(base, ".wh..wh..opq") == 0) {
            ent->type = PC_E_OPAQUE;
            ent->path = pc_arena_strndup(&w->f->arena, norm, dirlen);
            return ent->path ? 1 : -1;
        }
        if (strncmp(base, ".wh..wh.", 8) == 0)
            return 0; /* aufs metadata: not part of the filesystem */
        const char *victim = base + 4;
        if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
            return pc_err_set(w->e, "entry \"%s\": malformed whiteout", norm);
        ent->type = PC_E_WHITEOUT;
        char *p = pc_arena_alloc(&w->f->arena, dirlen + strlen(victim) + 2);
        if (!p)
            return -1;
        memcpy(p, norm, dirlen);
        p[dirlen] = 0;
        if (dirlen)
            strcat(p, "/");
        strcat(p, victim);
        ent->path = p;
        return 1;
    }
    ent->path = pc_arena_strdup(&w->f->arena, norm);
    if (!ent->path)
        return -1;
    switch (archive_entry_filetype(ae)) {
    case AE_IFREG:
        ent->type = archive_entry_hardlink(ae) ? PC_E_HARDLINK : PC_E_REG;
        break;
    case AE_IFDIR:
        ent->type = PC_E_DIR;
        break;
    case AE_IFLNK:
        ent->type = PC_E_SYMLINK;
        break;
    case AE_IFCHR:
        ent->type = PC_E_CHR;
        break;
    case AE_IFBLK:
        ent->type = PC_E_BLK;
        break;
    case AE_IFIFO:
        ent->type = PC_E_FIFO;
        break;
    default:
        if (archive_entry_hardlink(ae)) {
            ent->type = PC_E_HARDLINK;
            break;
        }
        return 0; /* sockets and unknown types carry nothing we check */
    }
    return 1;
}

static int read_links(walk *w, struct archive_entry *ae, pc_entry *ent, const char *name)
{
    if (ent->type == PC_E_HARDLINK) {
        char tmp[4096];
        const char *t = archive_entry_hardlink(ae);
        if (!t || pc_path_normalise(t, tmp, sizeof tmp) < 0 || !*tmp)
            return pc_err_set(w->e, "entry \"%s\": hardlink target \"%.200s\" escapes the root",
                              name, t ? t : "");
        ent->link = pc_arena_strdup(&w->f->arena, tmp);
        return ent->link ? 0 : -1;
    }
    if (ent->type == PC_E_SYMLINK) {
        const char *t = archive_entry_symlink(ae);
        ent->link = pc_arena_strdup(&w->f->arena, t ? t : "");
        return ent->link ? 0 : -1;
    }
    return 0;
}

static void read_xattrs(struct archive_entry *ae, pc_entry *ent)
{
    const char *name;
    const void *val;
    size_t len;
    archive_entry_xattr_reset(ae);
    while (archive_entry_xattr_next(ae, &name, &val, &len) == ARCHIVE_OK) {
        if (strcmp(name, "security.capability") != 0)
            continue;
        ent->has_cap = 1;
        ent->cap_bad = pc_filecap_decode(val, len, &ent->cap) < 0;
    }
}

static int is_idfile(const char *path)
{
    return strcmp(path, "etc/passwd") == 0 || strcmp(path, "etc/group") == 0;
}

/* Read up to `want` leading bytes of the current entry into w->data. */
static ssize_t read_head(walk *w, struct archive *a, size_t want)
{
    if (pc_grow((void **)&w->data, &w->datacap, want + 1, 1) < 0)
        return pc_err_set(w->e, "out of memory");
    size_t got = 0;
    while (got < want) {
        la_ssize_t r = archive_read_data(a, w->data + got, want - got);
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
    struct archive *a;
    const char *name;
};

ssize_t pc_file_read(pc_file_reader *r, void *buf, size_t n)
{
    la_ssize_t got = archive_read_data(r->a, buf, n);
    if (got < 0) {
        fail_archive(r->w, r->a, r->name);
        return -1;
    }
    return (ssize_t)got;
}

/* Pull what the checks need out of a regular file's data. */
static int read_data(walk *w, struct archive *a, pc_entry *ent, const char *name)
{
    const pc_file_visitor *v = w->cfg->visitor;
    uint64_t want = 0, vwant = v && ent->size ? v->want(v->ud, ent) : 0;
    int exec = (ent->mode & 0111) != 0;
    int idf = is_idfile(ent->path);
    if (exec)
        want = PC_HEAD_BYTES;
    if (idf)
        want = PC_IDFILE_MAX;
    if (vwant > want)
        want = vwant;
    if (want > ent->size)
        want = ent->size;
    if (want == 0)
        return 0;
    ssize_t got = read_head(w, a, (size_t)want);
    if (got < 0)
        return fail_archive(w, a, name);
    if (exec)
        pc_head_parse(w->data, (size_t)got, ent, &w->f->arena);
    if (idf && (ent->size <= PC_IDFILE_MAX)) {
        ent->data = pc_arena_strndup(&w->f->arena, (const char *)w->data, (size_t)got);
        ent->data_len = (size_t)got;
        if (!ent->data)
            return pc_err_set(w->e, "out of memory");
    }
    if (vwant) {
        pc_file_reader rest = {w, a, name};
        if (v->visit(v->ud, w->f, ent, w->data, (size_t)got, &rest, w->e) < 0)
            return -1;
    }
    return 0;
}

static int count_limits(walk *w)
{
    const pc_limits *l = w->cfg->limits;
    if (atomic_fetch_add(w->cfg->files_total, 1) + 1 > l->max_files)
        return pc_err_set(w->e, "image has more than %llu entries (limits.max_files)",
                          (unsigned long long)l->max_files);
    return 0;
}

static int one_entry(walk *w, struct archive *a, struct archive_entry *ae)
{
    const char *name = archive_entry_pathname(ae);
    char norm[4096];
    if (!name)
        return pc_err_set(w->e, "entry without a name");
    if (count_limits(w) < 0)
        return -1;
    if (pc_path_normalise(name, norm, sizeof norm) < 0)
        return pc_err_set(w->e, "entry \"%.300s\" escapes the image root (path traversal)", name);
    if (!*norm && archive_entry_filetype(ae) != AE_IFDIR)
        return pc_err_set(w->e, "entry \"%.300s\" names the root but is not a directory", name);
    pc_entry *ent = pc_layer_facts_add(w->f);
    if (!ent)
        return pc_err_set(w->e, "out of memory");
    int k = classify(w, ae, norm, ent);
    if (k <= 0) {
        w->f->nentries--;
        return k < 0 ? (w->e->msg[0] ? -1 : pc_err_set(w->e, "out of memory")) : 0;
    }
    if (ent->type == PC_E_WHITEOUT || ent->type == PC_E_OPAQUE)
        return 0;
    ent->mode = (uint32_t)archive_entry_perm(ae) & 07777;
    ent->uid = (uint32_t)archive_entry_uid(ae);
    ent->gid = (uint32_t)archive_entry_gid(ae);
    ent->size = archive_entry_size(ae) > 0 ? (uint64_t)archive_entry_size(ae) : 0;
    ent->devmajor = (uint32_t)archive_entry_rdevmajor(ae);
    ent->devminor = (uint32_t)archive_entry_rdevminor(ae);
    if (read_links(w, ae, ent, name) < 0)
        return -1;
    read_xattrs(ae, ent);
    if (ent->type == PC_E_REG)
        return read_data(w, a, ent, name);
    return 0;
}

static int walk_tar(walk *w)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    int rc = 0, r;
    if (!a)
        return pc_err_set(w->e, "out of memory");
    archive_read_support_format_tar(a);
    archive_read_support_format_empty(a);
    if (archive_read_open(a, w, NULL, on_read, NULL) != ARCHIVE_OK) {
        rc = fail_archive(w, a, "tar");
        goto out;
    }
    while ((r = archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
        if (r < ARCHIVE_WARN) {
            rc = fail_archive(w, a, "tar");
            goto out;
        }
        if (one_entry(w, a, ae) < 0) {
            rc = -1;
            goto out;
        }
    }
out:
    archive_read_free(a);
    return rc;
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
    w.u = pc_unpack_new(raw, ld->comp, ld->d.size, cap, ld->verify_diff);
    if (!w.u) {
        raw->close(raw);
        return pc_err_set(e, "out of memory");
    }
    int rc = walk_tar(&w);
    if (rc == 0 && pc_unpack_finish(w.u, raw_digest, out_digest, e) < 0)
        rc = -1;
    out->bytes = pc_unpack_out_bytes(w.u);
    pc_unpack_free(w.u);
    free(w.data);
    if (rc == 0) {
        const char *want = ld->d.digest;
        const char *got = ld->verify_diff ? out_digest : raw_digest;
        if (strcmp(want, got) != 0)
            rc = pc_err_set(e, "digest mismatch: expected %s, got %s", want, got);
    }
    if (rc < 0) {
        pc_err_prefix(e, "layer %s", ld->d.digest);
        pc_layer_facts_free(out);
    }
    return rc;
}
