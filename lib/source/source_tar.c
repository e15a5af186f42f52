/*
 * source_tar.c — an index over the members of an uncompressed tar.
 *
 * tarread.c parses the headers as Go's archive/tar does (ustar, pax, GNU
 * long names); after each header the bytes consumed so far are where the
 * member's data begins, since an uncompressed tar stores it contiguously.
 * Data is skipped, never read, so indexing a 10 GB archive reads only its
 * headers. The table is sorted by normalised name; a duplicate name is an
 * error, because two readers that pick different copies would see two
 * different images. Symlinks and hardlinks (docker save uses both) are
 * followed at lookup, a bounded number of hops, and never out of the
 * archive. Member bytes are read with pread on a dup of the archive fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "source/source_tar.h"
#include "layer/tarread.h"
#include "pcx.h"

#define MAX_MEMBERS 200000
#define MAX_NAME 1024
#define MAX_HOPS 16

typedef struct member {
    char *name;
    char *link; /* symlink target as stored, or normalised hardlink target */
    int hard;
    uint64_t off, size;
} member;

struct pc_tar_index {
    int fd;
    char *path;
    uint64_t file_size;
    member *m;
    size_t n, cap;
};

/* What the tar reader reads through: pread at our own offset, skip by
 * moving it. */
typedef struct reader {
    int fd;
    uint64_t pos, size;
} reader;

static ssize_t rd_read(void *ud, void *buf, size_t n, pc_err *e)
{
    reader *r = ud;
    for (;;) {
        ssize_t k = pread(r->fd, buf, n, (off_t)r->pos);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return pc_err_set(e, "read failed: %s", strerror(errno));
        r->pos += (uint64_t)k;
        return k;
    }
}

static int rd_skip(void *ud, uint64_t n, pc_err *e)
{
    reader *r = ud;
    (void)e;
    if (n > r->size - r->pos) {
        r->pos = r->size;
        return 0;
    }
    r->pos += n;
    return 1;
}

/* Normalise a path inside the archive: "." and empty components vanish;
 * ".." pops a component when allowed, else (or at the root) fails. */
static int norm_path(const char *in, int allow_dotdot, char *out, size_t n)
{
    size_t len = 0;
    if (in[0] == '/')
        return -1;
    out[0] = 0;
    while (*in) {
        size_t c = strcspn(in, "/");
        if (c == 2 && in[0] == '.' && in[1] == '.') {
            if (!allow_dotdot || len == 0)
                return -1;
            char *slash = strrchr(out, '/');
            len = slash ? (size_t)(slash - out) : 0;
            out[len] = 0;
        } else if (c > 0 && !(c == 1 && in[0] == '.')) {
            if (len + (len ? 1 : 0) + c >= n)
                return -1;
            if (len)
                out[len++] = '/';
            memcpy(out + len, in, c);
            len += c;
            out[len] = 0;
        }
        in += c;
        while (*in == '/')
            in++;
    }
    return 0;
}

static int member_cmp(const void *a, const void *b)
{
    return strcmp(((const member *)a)->name, ((const member *)b)->name);
}

static int bad_name(const pc_tar_index *t, const char *what, const char *name, pc_err *e)
{
    char shown[160];
    pc_safe_str(name, shown, sizeof shown);
    return pc_err_set(e, "%s: %s \"%s\" is not a plain relative path", t->path, what, shown);
}

/* Record a regular file or link; other entry types are not looked up. */
static int add_member(pc_tar_index *t, const reader *r, const pc_tar_hdr *h, pc_err *e)
{
    const char *raw = h->name;
    int hard = h->typeflag == '1', sym = h->typeflag == '2', reg = h->typeflag == '0';
    char name[MAX_NAME], link[MAX_NAME];
    if (norm_path(raw, 0, name, sizeof name) < 0)
        return bad_name(t, "member name", raw, e);
    if (!hard && !sym && !reg)
        return 0;
    if (!name[0])
        return bad_name(t, "member name", raw, e);
    if (t->n >= MAX_MEMBERS)
        return pc_err_set(e, "%s: more than %d members", t->path, MAX_MEMBERS);
    if (pc_grow((void **)&t->m, &t->cap, t->n + 1, sizeof *t->m) < 0)
        return pc_err_set(e, "out of memory");
    member *m = &t->m[t->n];
    memset(m, 0, sizeof *m);
    if (hard && norm_path(h->linkname, 0, link, sizeof link) < 0)
        return bad_name(t, "hardlink target", h->linkname, e);
    if (sym) {
        if (strlen(h->linkname) >= MAX_NAME)
            return bad_name(t, "symlink target", h->linkname, e);
        memcpy(link, h->linkname, strlen(h->linkname) + 1);
    }
    if (reg) {
        if (h->size < 0 || r->pos > t->file_size || (uint64_t)h->size > t->file_size - r->pos)
            return bad_name(t, "member (truncated)", raw, e);
        m->off = r->pos;
        m->size = (uint64_t)h->size;
    }
    m->hard = hard;
    m->name = pc_strdup(name);
    m->link = (hard || sym) ? pc_strdup(link) : NULL;
    t->n++; /* counted now so a failed strdup is still freed */
    if (!m->name || ((hard || sym) && !m->link))
        return pc_err_set(e, "out of memory");
    return 0;
}

/* Every header, read as Go's archive/tar reads them (the reader of docker
 * load and of the OCI archive tools), so the members we find are theirs. */
static int index_members(pc_tar_index *t, pc_err *e)
{
    reader r = {.fd = t->fd, .size = t->file_size};
    pc_tar *tar = pc_tar_new(rd_read, &r);
    pc_tar_hdr h;
    int k;
    if (!tar)
        return pc_err_set(e, "out of memory");
    pc_tar_set_skip(tar, rd_skip);
    while ((k = pc_tar_next(tar, &h, e)) > 0)
        if (add_member(t, &r, &h, e) < 0)
            break;
    pc_tar_free(tar);
    if (k < 0 && !strstr(e->msg, t->path))
        pc_err_prefix(e, "%s: not a readable tar", t->path);
    return k == 0 ? 0 : -1;
}

/* Compressed archives would need decompressing to reach a member; say so
 * plainly instead of letting the tar reader fail on the first header. */
static int refuse_compressed(const pc_tar_index *t, pc_err *e)
{
    unsigned char b[6] = {0};
    ssize_t n = pread(t->fd, b, sizeof b, 0);
    int gz = n >= 2 && b[0] == 0x1f && b[1] == 0x8b;
    int zst = n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd;
    int xz = n >= 6 && !memcmp(b,
                               "\xfd"
                               "7zXZ\0",
                               6);
    int bz = n >= 3 && !memcmp(b, "BZh", 3);
    if (gz || zst || xz || bz)
        return pc_err_set(e, "%s is compressed; only an uncompressed tar is read", t->path);
    return 0;
}

static int check_unique(const pc_tar_index *t, pc_err *e)
{
    for (size_t i = 1; i < t->n; i++) {
        if (strcmp(t->m[i - 1].name, t->m[i].name) == 0) {
            char shown[160];
            pc_safe_str(t->m[i].name, shown, sizeof shown);
            return pc_err_set(e, "%s: member \"%s\" appears more than once", t->path, shown);
        }
    }
    return 0;
}

static int open_file(pc_tar_index *t, const char *path, pc_err *e)
{
    struct stat st;
    t->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (t->fd < 0)
        return pc_err_set(e, "%s: %s", path, strerror(errno));
    if (fstat(t->fd, &st) < 0 || !S_ISREG(st.st_mode))
        return pc_err_set(e, "%s: not a regular file", path);
    t->file_size = (uint64_t)st.st_size;
    return 0;
}

int pc_tar_index_open(const char *path, pc_tar_index **out, pc_err *e)
{
    *out = NULL;
    pc_tar_index *t = calloc(1, sizeof *t);
    if (!t)
        return pc_err_set(e, "out of memory");
    t->fd = -1;
    if (!(t->path = pc_strdup(path))) {
        free(t);
        return pc_err_set(e, "out of memory");
    }
    if (open_file(t, path, e) < 0 || refuse_compressed(t, e) < 0 || index_members(t, e) < 0) {
        pc_tar_index_free(t);
        return -1;
    }
    if (t->n)
        qsort(t->m, t->n, sizeof *t->m, member_cmp);
    if (check_unique(t, e) < 0) {
        pc_tar_index_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

void pc_tar_index_free(pc_tar_index *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->m[i].name);
        free(t->m[i].link);
    }
    free(t->m);
    free(t->path);
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

static const member *lookup(const pc_tar_index *t, const char *name)
{
    member key = {.name = (char *)name};
    if (t->n == 0)
        return NULL;
    return bsearch(&key, t->m, t->n, sizeof *t->m, member_cmp);
}

/* Where a symlink at `from` pointing to `target` leads, inside the archive. */
static int follow_symlink(const char *from, const char *target, char *out, size_t n)
{
    char joined[2 * MAX_NAME + 2];
    const char *slash = strrchr(from, '/');
    size_t dl = slash ? (size_t)(slash - from) : 0;
    if (target[0] == '/' || dl + 1 + strlen(target) >= sizeof joined)
        return -1;
    memcpy(joined, from, dl);
    joined[dl] = '/';
    memcpy(joined + dl + 1, target, strlen(target) + 1);
    return norm_path(joined, 1, out, n);
}

static const member *find(const pc_tar_index *t, const char *name, pc_err *e)
{
    char cur[MAX_NAME], next[MAX_NAME], shown[160];
    pc_safe_str(name, shown, sizeof shown);
    if (norm_path(name, 0, cur, sizeof cur) < 0 || !cur[0]) {
        bad_name(t, "member name", name, e);
        return NULL;
    }
    for (int hop = 0; hop <= MAX_HOPS; hop++) {
        const member *m = lookup(t, cur);
        if (!m) {
            pc_err_set(e, "%s: no member \"%s\"", t->path, shown);
            return NULL;
        }
        if (!m->link)
            return m;
        if (m->hard)
            memcpy(next, m->link, strlen(m->link) + 1);
        else if (follow_symlink(m->name, m->link, next, sizeof next) < 0 || !next[0]) {
            pc_err_set(e, "%s: member \"%s\" links outside the archive", t->path, shown);
            return NULL;
        }
        memcpy(cur, next, sizeof cur);
    }
    pc_err_set(e, "%s: member \"%s\": too many links", t->path, shown);
    return NULL;
}

int pc_tar_index_find(const pc_tar_index *t, const char *name, uint64_t *size,
                      const char **resolved, pc_err *e)
{
    const member *m = find(t, name, e);
    if (!m)
        return -1;
    if (size)
        *size = m->size;
    if (resolved)
        *resolved = m->name;
    return 0;
}

typedef struct member_stream {
    pc_stream s;
    int fd;
    uint64_t pos, left;
} member_stream;

static ssize_t ms_read(pc_stream *s, void *buf, size_t n, pc_err *e)
{
    member_stream *m = (member_stream *)s;
    if (m->left == 0)
        return 0;
    if (n > m->left)
        n = (size_t)m->left;
    for (;;) {
        ssize_t r = pread(m->fd, buf, n, (off_t)m->pos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return pc_err_set(e, "read: %s", strerror(errno));
        if (r == 0)
            return pc_err_set(e, "archive member ends early (was the archive truncated?)");
        m->pos += (uint64_t)r;
        m->left -= (uint64_t)r;
        return r;
    }
}

static void ms_close(pc_stream *s)
{
    member_stream *m = (member_stream *)s;
    close(m->fd);
    free(m);
}

int pc_tar_index_stream(const pc_tar_index *t, const char *name, pc_stream **out, pc_err *e)
{
    const member *m = find(t, name, e);
    if (!m)
        return -1;
    member_stream *ms = calloc(1, sizeof *ms);
    if (!ms)
        return pc_err_set(e, "out of memory");
    ms->fd = fcntl(t->fd, F_DUPFD_CLOEXEC, 0);
    if (ms->fd < 0) {
        free(ms);
        return pc_err_set(e, "%s: %s", t->path, strerror(errno));
    }
    ms->s.read = ms_read;
    ms->s.close = ms_close;
    ms->pos = m->off;
    ms->left = m->size;
    *out = &ms->s;
    return 0;
}

int pc_tar_index_read(const pc_tar_index *t, const char *name, size_t max, char **out, size_t *len,
                      pc_err *e)
{
    uint64_t size;
    pc_stream *s;
    char shown[160];
    pc_safe_str(name, shown, sizeof shown);
    if (pc_tar_index_find(t, name, &size, NULL, e) < 0)
        return -1;
    if (size > (uint64_t)max)
        return pc_err_set(e, "%s: member \"%s\" is %llu bytes; the limit is %zu", t->path, shown,
                          (unsigned long long)size, max);
    if (pc_tar_index_stream(t, name, &s, e) < 0)
        return -1;
    int rc = pc_stream_slurp(s, max, out, len, e);
    s->close(s);
    return rc < 0 ? pc_err_prefix(e, "%s: member \"%s\"", t->path, shown) : 0;
}

int pc_tar_index_peek(const pc_tar_index *t, const char *name, void *buf, size_t n, size_t *got,
                      pc_err *e)
{
    const member *m = find(t, name, e);
    if (!m)
        return -1;
    if (n > m->size)
        n = (size_t)m->size;
    *got = 0;
    while (*got < n) {
        ssize_t r = pread(t->fd, (char *)buf + *got, n - *got, (off_t)(m->off + *got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return pc_err_set(e, "%s: read failed", t->path);
        *got += (size_t)r;
    }
    return 0;
}
