/*
 * fsview.c — the final filesystem as a tree of nodes.
 *
 * Each directory keeps its children in a doubly linked list (cheap removal
 * of whole subtrees for whiteouts); one hash table keyed by (parent node,
 * name) finds a child in O(1) even in directories with thousands of
 * entries. Nodes point at the pc_entry of the layer that created them, so
 * the view costs one node per path and copies no metadata; a node named
 * by an entry points at the base name in the entry's path, and a merged
 * node at its upper node's name, so only the parents a layer makes copy
 * theirs. Nodes come from the view's arena: no allocation overhead per
 * node; a deleted node's bytes are freed with the view. That keeps memory
 * bounded by what was applied: every node is made for an entry of a layer
 * (or a parent directory one of them needs), at most once per apply.
 *
 * Path resolution follows symlinks inside the root only: ".." at the root
 * stays at the root and absolute targets restart at the root, exactly as
 * the runtime's chroot-style resolution does.
 */
#include <stdlib.h>
#include <string.h>
#include "fs/fsview.h"

#define PC_FS_PATH_MAX 8192

static uint32_t name_hash(const char *name, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * 16777619u;
    return h;
}

static size_t slot_of(const pc_fsview *v, const pc_node *parent, uint32_t nh)
{
    uint64_t h = ((uint64_t)(uintptr_t)parent >> 4) * 0x9E3779B97F4A7C15ULL ^ nh;
    return (size_t)(h ^ (h >> 29)) & (v->tabsize - 1);
}

static pc_node *child_find_h(const pc_fsview *v, const pc_node *dir, const char *name, size_t len,
                             uint32_t nh)
{
    for (pc_node *n = v->tab[slot_of(v, dir, nh)]; n; n = n->hnext)
        if (n->nhash == nh && n->parent == dir && n->nlen == len && memcmp(n->name, name, len) == 0)
            return n;
    return NULL;
}

static pc_node *child_find(const pc_fsview *v, const pc_node *dir, const char *name, size_t len)
{
    return child_find_h(v, dir, name, len, name_hash(name, len));
}

/* Grow the table to at least want slots (a power of two), in one pass. */
static int table_reserve(pc_fsview *v, size_t want)
{
    size_t nsize = v->tabsize;
    while (nsize < want) {
        if (nsize > SIZE_MAX / 2 / sizeof *v->tab)
            return -1;
        nsize *= 2;
    }
    if (nsize == v->tabsize)
        return 0;
    pc_node **nt = calloc(nsize, sizeof *nt), **old = v->tab;
    if (!nt)
        return -1;
    size_t osize = v->tabsize;
    v->tab = nt;
    v->tabsize = nsize;
    for (size_t i = 0; i < osize; i++) {
        pc_node *n = old[i];
        while (n) {
            pc_node *next = n->hnext;
            size_t h = slot_of(v, n->parent, n->nhash);
            n->hnext = nt[h];
            nt[h] = n;
            n = next;
        }
    }
    free(old);
    return 0;
}

/* A node named name[0..len). keep: name is NUL-terminated at len and
 * lives as long as the view (an entry's path in a layer's facts, a name
 * in an upper tree): the node points at it; else it is copied after the
 * node. */
static pc_node *node_new_h(pc_fsview *v, pc_node *dir, const char *name, size_t len, uint32_t nh,
                           int keep)
{
    if (v->count >= v->tabsize && table_reserve(v, v->tabsize * 2) < 0)
        return NULL;
    pc_node *n =
        len < UINT32_MAX ? pc_arena_alloc(&v->arena, sizeof *n + (keep ? 0 : len + 1)) : NULL;
    if (!n)
        return NULL;
    memset(n, 0, sizeof *n);
    if (keep) {
        n->name = name;
    } else {
        char *nm = (char *)(n + 1);
        memcpy(nm, name, len);
        nm[len] = 0;
        n->name = nm;
    }
    n->nlen = (uint32_t)len;
    n->nhash = nh;
    n->parent = dir;
    n->depth = dir->depth + 1;
    n->next = dir->first;
    if (dir->first)
        dir->first->prev = n;
    dir->first = n;
    size_t h = slot_of(v, dir, nh);
    n->hnext = v->tab[h];
    v->tab[h] = n;
    v->count++;
    return n;
}

/* A node named by a copy of name[0..len). */
static pc_node *node_new(pc_fsview *v, pc_node *dir, const char *name, size_t len)
{
    return node_new_h(v, dir, name, len, name_hash(name, len), 0);
}

/* An entry's base name, looked up, then (when missing) named by: its
 * length and hash computed once. */
typedef struct entry_name {
    const char *s; /* in the entry's path: the layer's facts keep it */
    size_t len;
    uint32_t hash;
} entry_name;

static entry_name base_of(const char *base)
{
    size_t len = strlen(base);
    return (entry_name){base, len, name_hash(base, len)};
}

static pc_node *base_find(const pc_fsview *v, const pc_node *dir, entry_name b)
{
    return child_find_h(v, dir, b.s, b.len, b.hash);
}

static pc_node *base_new(pc_fsview *v, pc_node *dir, entry_name b)
{
    return node_new_h(v, dir, b.s, b.len, b.hash, 1);
}

static void node_unlink(pc_fsview *v, pc_node *n)
{
    pc_node **pp = &v->tab[slot_of(v, n->parent, n->nhash)];
    v->memo_dir = NULL; /* the remembered directory may be gone */
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = n->hnext;
    if (n->prev)
        n->prev->next = n->next;
    else
        n->parent->first = n->next;
    if (n->next)
        n->next->prev = n->prev;
    v->count--;
}

/* Delete n and everything below it, without recursion. */
static void subtree_delete(pc_fsview *v, pc_node *top)
{
    pc_node *cur = top;
    for (;;) {
        while (cur->first)
            cur = cur->first;
        pc_node *up = cur->parent;
        int done = cur == top;
        node_unlink(v, cur); /* its bytes stay in the arena until the view is freed */
        if (done)
            return;
        cur = up;
    }
}

int pc_fsview_init(pc_fsview *v)
{
    memset(v, 0, sizeof *v);
    v->tabsize = 1024;
    v->tab = calloc(v->tabsize, sizeof *v->tab);
    v->root = calloc(1, sizeof *v->root + 1);
    if (!v->tab || !v->root) {
        free(v->tab);
        free(v->root);
        memset(v, 0, sizeof *v);
        return -1;
    }
    v->root->name = (const char *)(v->root + 1);
    v->root->type = PC_E_DIR;
    v->root->parent = v->root;
    return 0;
}

void pc_fsview_free(pc_fsview *v)
{
    if (!v->root)
        return;
    free(v->root);
    free(v->tab);
    for (size_t i = 0; i < v->nuppers; i++)
        pc_fsview_free(&v->uppers[i]);
    free(v->uppers);
    pc_arena_free(&v->arena);
    memset(v, 0, sizeof *v);
}

enum { R_OK_, R_MISSING, R_NOTDIR, R_LOOP, R_TOOLONG, R_NOMEM, R_DENIED };
_Static_assert((int)R_MISSING == (int)PC_LOOKUP_MISSING && (int)R_NOTDIR == (int)PC_LOOKUP_NOTDIR &&
                   (int)R_LOOP == (int)PC_LOOKUP_LOOP && (int)R_TOOLONG == (int)PC_LOOKUP_TOOLONG &&
                   (int)R_NOMEM == (int)PC_LOOKUP_NOMEM && (int)R_DENIED == (int)PC_LOOKUP_DENIED,
               "resolver codes are the public lookup codes");

/* A caller's view of a lookup (pc_fsview_lookup_walk): asked before every
 * name looked up in a directory, told where the walk stopped. */
typedef struct walk_hook {
    pc_fsview_dir_fn fn;
    void *ud;
    pc_node *at; /* the directory the walk was in when it stopped */
} walk_hook;

typedef struct resolver {
    char buf[PC_FS_PATH_MAX];
    size_t pos; /* next unread byte of buf */
    int hops;
} resolver;

/* Replace the unread path with target + "/" + rest. */
static int splice_link(resolver *r, const char *target)
{
    char tmp[PC_FS_PATH_MAX];
    size_t tl = strlen(target), rl = strlen(r->buf + r->pos);
    if (tl + rl + 2 > sizeof tmp)
        return R_TOOLONG;
    memcpy(tmp, target, tl);
    tmp[tl] = '/';
    memcpy(tmp + tl + 1, r->buf + r->pos, rl + 1);
    memcpy(r->buf, tmp, tl + rl + 2);
    r->pos = 0;
    return R_OK_;
}

static pc_node *mkdir_implicit(pc_fsview *v, pc_node *cur, const char *comp, size_t len,
                               uint32_t layer)
{
    pc_node *c = node_new(v, cur, comp, len);
    if (c) {
        c->type = PC_E_DIR;
        c->layer = layer;
    }
    return c;
}

/* Ask the hook before a name is looked up in dir; remember where we are. */
static int hook_allows(walk_hook *hook, pc_node *dir)
{
    hook->at = dir;
    return hook->fn(hook->ud, dir) != 0;
}

/* Walk `path` from the root. create: make missing components as
 * directories (a runtime's MkdirAll) and require every one to be a
 * directory, for finding the parent of a new entry. */
static int resolve(pc_fsview *v, const char *path, int follow_last, int create, uint32_t layer,
                   walk_hook *hook, pc_node **out)
{
    resolver r;
    size_t pl = strlen(path);
    if (pl >= sizeof r.buf)
        return R_TOOLONG;
    memcpy(r.buf, path, pl + 1);
    r.pos = 0;
    r.hops = 0;
    pc_node *cur = v->root;
    for (;;) {
        while (r.buf[r.pos] == '/')
            r.pos++;
        if (!r.buf[r.pos]) {
            *out = cur;
            return R_OK_;
        }
        const char *comp = r.buf + r.pos;
        size_t len = strcspn(comp, "/"), after = r.pos + len;
        r.pos = after;
        while (r.buf[after] == '/')
            after++;
        int last = r.buf[after] == 0;
        if (hook && !hook_allows(hook, cur))
            return R_DENIED;
        if (len == 1 && comp[0] == '.')
            continue;
        if (len == 2 && comp[0] == '.' && comp[1] == '.') {
            cur = cur->parent;
            continue;
        }
        pc_node *c = child_find(v, cur, comp, len);
        if (!c) {
            if (!create)
                return R_MISSING;
            if (cur->depth + 1 > PC_FS_MAX_DEPTH)
                return R_TOOLONG;
            if (!(c = mkdir_implicit(v, cur, comp, len, layer)))
                return R_NOMEM;
        }
        if (c->type == PC_E_SYMLINK && (!last || follow_last || create)) {
            /* a merged view's node has e; a layer's upper tree, its inode */
            const pc_entry *m = c->e ? c->e : c->ino ? c->ino->e : NULL;
            const char *t = m && m->link ? m->link : "";
            if (++r.hops > PC_FS_MAX_LINKS)
                return R_LOOP;
            if (!*t)
                return R_MISSING;
            if (t[0] == '/')
                cur = v->root;
            int k = splice_link(&r, t);
            if (k)
                return k;
            continue;
        }
        if ((create || !last) && c->type != PC_E_DIR)
            return R_NOTDIR;
        cur = c;
    }
}

static int resolve_err(int k, const char *what, const char *path, pc_err *e)
{
    static const char *why[] = {"",
                                "does not exist",
                                "is not a directory",
                                "has too many levels of symbolic links",
                                "is too long or deep",
                                "out of memory",
                                "is not searchable"};
    return pc_err_set(e, "%s \"%.300s\": %s", what, path, why[k]);
}

static void split_path(const char *path, char *dir, size_t dirlen, const char **base)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    *base = slash ? slash + 1 : path;
    if (dirlen == 0)
        return;
    if (n >= dirlen)
        n = dirlen - 1;
    memcpy(dir, path, n);
    dir[n] = 0;
}

/* ---- one layer's upper directory, as containerd's applier fills it ---- */

static pc_inode *inode_new(pc_fsview *v, const pc_entry *e)
{
    pc_inode *i = pc_arena_alloc(&v->arena, sizeof *i);
    if (i)
        i->e = e;
    return i;
}

/* The metadata containerd gives a parent directory it has to make
 * (mkparent): that of the same path in the nearest lower layer that has
 * it, resolved inside that layer alone; a non-directory there, or no
 * layer having it, means 0755 root. A path that cannot be resolved in a
 * lower layer (a file used as a directory) fails containerd's apply. */
static int lower_dir_meta(const pc_fsview *v, const char *path, const pc_entry **out, pc_err *e)
{
    *out = NULL;
    for (size_t i = v->nuppers; i-- > 0;) {
        pc_node *n = NULL;
        int k = resolve(&v->uppers[i], path, 1, 0, 0, NULL, &n);
        if (k == R_MISSING)
            continue;
        if (k != R_OK_)
            return resolve_err(k, "directory the layer needs", path, e);
        if (n->type == PC_E_DIR && n->ino)
            *out = n->ino->e;
        return 0;
    }
    return 0;
}

/* containerd's parent handling for an entry: every component must be a
 * directory of this layer, or missing (then made, with lower metadata).
 * A symlink made by the same layer is refused: no image builder writes
 * entries below a symlink it also wrote, and the runtimes resolve such
 * paths differently. */
static int upper_mkdirs(pc_fsview *v, pc_fsview *u, const char *path, uint32_t layer, pc_node **out,
                        pc_err *e)
{
    size_t plen = strlen(path);
    if (u->memo_dir && plen == u->memo_len && memcmp(path, u->memo_path, plen) == 0) {
        *out = u->memo_dir; /* checked when remembered; nothing deleted since */
        return 0;
    }
    pc_node *cur = u->root;
    const char *p = path;
    while (*p) {
        size_t len = strcspn(p, "/");
        pc_node *c = child_find(u, cur, p, len);
        size_t upto = (size_t)(p - path) + len;
        if (!c) {
            char prefix[PC_FS_PATH_MAX];
            const pc_entry *meta;
            if (upto >= sizeof prefix || cur->depth + 1 > PC_FS_MAX_DEPTH)
                return pc_err_set(e, "path \"%.300s\" is too long or deep", path);
            memcpy(prefix, path, upto);
            prefix[upto] = 0;
            if (lower_dir_meta(v, prefix, &meta, e) < 0)
                return -1;
            if (!(c = node_new(u, cur, p, len)) || !(c->ino = inode_new(v, meta)))
                return pc_err_set(e, "out of memory");
            c->type = PC_E_DIR;
            c->layer = layer;
        } else if (c->type == PC_E_SYMLINK) {
            return pc_err_set(e,
                              "\"%.*s\" is a symlink made by the same layer and \"%.300s\" "
                              "lies below it; refusing the ambiguous layer",
                              (int)upto, path, path);
        } else if (c->type != PC_E_DIR) {
            return pc_err_set(e,
                              "\"%.*s\" is not a directory but \"%.300s\" lies below it "
                              "(containerd fails to apply the layer)",
                              (int)upto, path, path);
        }
        cur = c;
        p += len;
        while (*p == '/')
            p++;
    }
    *out = cur;
    return 0;
}

/* Remember d as the directory dir names (dir: a prefix of path, which
 * lives as long as the layer's facts): the next entry in it skips the
 * walk. Any deletion forgets it (node_unlink). */
static void remember_dir(pc_fsview *u, const char *path, const char *dir, pc_node *d)
{
    u->memo_path = path;
    u->memo_len = strlen(dir);
    u->memo_dir = d;
}

/* The first layer's opaque marker (applied without overlay): containerd
 * removes what the layer did not name itself, i.e. the parents it made. */
static void naive_opaque(pc_fsview *u, pc_node *dir)
{
    pc_node *c = dir->first;
    while (c) {
        pc_node *next = c->next;
        if (!(c->flags & PC_NODE_EXPLICIT))
            subtree_delete(u, c);
        else if (c->type == PC_E_DIR)
            naive_opaque(u, c);
        c = next;
    }
}

static int upper_whiteout(pc_fsview *v, pc_fsview *u, const pc_entry *ent, uint32_t layer,
                          pc_err *e)
{
    char dir[PC_FS_PATH_MAX];
    const char *base;
    pc_node *d;
    if (ent->type == PC_E_OPAQUE) {
        if (upper_mkdirs(v, u, ent->path, layer, &d, e) < 0)
            return -1;
        if (layer == 0)
            naive_opaque(u, d);
        else if (d != u->root) /* overlayfs never treats a layer's root as opaque */
            d->flags |= PC_NODE_OPAQUE;
        return 0;
    }
    split_path(ent->path, dir, sizeof dir, &base);
    if (upper_mkdirs(v, u, dir, layer, &d, e) < 0)
        return -1;
    entry_name b = base_of(base);
    pc_node *c = base_find(u, d, b);
    if (layer == 0) { /* the first layer: whiteouts delete within it */
        if (c)
            subtree_delete(u, c);
        return 0;
    }
    if (c)
        return pc_err_set(e,
                          "whiteout of \"%.300s\" follows an entry of the same layer at that "
                          "path (containerd fails to apply it: mknod: file exists)",
                          ent->path);
    if (!(c = base_new(u, d, b)) || !(c->ino = inode_new(v, ent)))
        return pc_err_set(e, "out of memory");
    c->type = PC_E_WHITEOUT;
    c->layer = layer;
    return 0;
}

/* A hardlink names an inode of the same layer (containerd links inside
 * the upper directory; a target in a lower layer fails the apply) and
 * then gives that inode its own owner, mode and capability: chown(2)
 * drops the old capability, the entry's xattrs set the new one. */
static int upper_hardlink(pc_fsview *v, pc_fsview *u, const pc_entry *ent, pc_node **tgt, pc_err *e)
{
    char dir[PC_FS_PATH_MAX];
    const char *base;
    pc_node *d = NULL, *t = NULL;
    split_path(ent->link, dir, sizeof dir, &base);
    d = u->root;
    for (const char *p = dir; *p && d;) {
        size_t len = strcspn(p, "/");
        d = child_find(u, d, p, len);
        if (d && d->type == PC_E_SYMLINK)
            return pc_err_set(e, "hardlink \"%.300s\": target \"%.300s\" lies below a symlink",
                              ent->path, ent->link);
        if (d && d->type != PC_E_DIR)
            d = NULL;
        p += len;
        while (*p == '/')
            p++;
    }
    if (d)
        t = child_find(u, d, base, strlen(base));
    if (!t || t->type == PC_E_WHITEOUT)
        return pc_err_set(e,
                          "hardlink \"%.300s\": target \"%.300s\" is not in the same layer "
                          "(containerd fails to apply the layer)",
                          ent->path, ent->link);
    if (t->type == PC_E_DIR || t->type == PC_E_SYMLINK)
        return pc_err_set(e, "hardlink \"%.300s\" points at %s \"%.300s\"", ent->path,
                          t->type == PC_E_DIR ? "directory" : "symlink", ent->link);
    pc_entry *m = pc_arena_alloc(&v->arena, sizeof *m);
    if (!m)
        return pc_err_set(e, "out of memory");
    *m = *t->ino->e;
    m->mode = ent->mode;
    m->uid = ent->uid;
    m->gid = ent->gid;
    m->has_cap = ent->has_cap;
    m->cap_bad = ent->cap_bad;
    m->cap = ent->cap;
    t->ino->e = m;
    *tgt = t;
    return 0;
}

static int upper_entry(pc_fsview *v, pc_fsview *u, const pc_entry *ent, uint32_t layer, pc_err *e)
{
    char dir[PC_FS_PATH_MAX];
    const char *base;
    pc_node *d, *t = NULL;
    if (ent->type == PC_E_WHITEOUT || ent->type == PC_E_OPAQUE)
        return upper_whiteout(v, u, ent, layer, e);
    split_path(ent->path, dir, sizeof dir, &base);
    if (upper_mkdirs(v, u, dir, layer, &d, e) < 0)
        return -1;
    remember_dir(u, ent->path, dir, d);
    entry_name b = base_of(base);
    pc_node *c = base_find(u, d, b);
    if (c && !(c->type == PC_E_DIR && ent->type == PC_E_DIR)) {
        subtree_delete(u, c);
        c = NULL;
    }
    if (ent->type == PC_E_GLOBAL)
        return 0; /* containerd removed what was there, and writes nothing */
    if (c) {      /* a directory over a directory of the same layer: new metadata */
        c->ino->e = ent;
        c->flags |= PC_NODE_EXPLICIT;
        return 0;
    }
    if (ent->type == PC_E_HARDLINK && upper_hardlink(v, u, ent, &t, e) < 0)
        return -1;
    if (!(c = base_new(u, d, b)))
        return pc_err_set(e, "out of memory");
    c->layer = layer;
    c->flags = PC_NODE_EXPLICIT;
    if (t) {
        c->ino = t->ino;
        c->type = t->type;
    } else {
        if (!(c->ino = inode_new(v, ent)))
            return pc_err_set(e, "out of memory");
        c->type = ent->type;
    }
    return 0;
}

/* ---- overlayfs: merge a layer's upper tree over the lower view ---- */

static int is_whiteout(const pc_node *c)
{
    if (c->type == PC_E_WHITEOUT)
        return 1;
    const pc_entry *m = c->ino ? c->ino->e : NULL;
    return c->type == PC_E_CHR && m && m->devmajor == 0 && m->devminor == 0;
}

static int merge(pc_fsview *v, const pc_node *udir, pc_node *mdir, pc_err *e)
{
    for (const pc_node *c = udir->first; c; c = c->next) {
        size_t len = c->nlen;
        pc_node *m = child_find_h(v, mdir, c->name, len, c->nhash);
        if (is_whiteout(c)) {
            if (m)
                subtree_delete(v, m);
            continue;
        }
        int keep = m && c->type == PC_E_DIR && m->type == PC_E_DIR && !(c->flags & PC_NODE_OPAQUE);
        if (m && !keep) {
            subtree_delete(v, m);
            m = NULL;
        }
        if (!m && !(m = node_new_h(v, mdir, c->name, len, c->nhash, 1)))
            return pc_err_set(e, "out of memory");
        m->e = c->ino ? c->ino->e : NULL;
        m->type = c->type;
        m->layer = c->layer;
        if (c->type == PC_E_DIR && merge(v, c, m, e) < 0)
            return -1;
    }
    return 0;
}

int pc_fsview_apply(pc_fsview *v, const pc_layer_facts *f, uint32_t layer, pc_err *e)
{
    if (layer != v->nuppers)
        return pc_err_set(e, "layer %u applied out of order", (unsigned)layer);
    pc_fsview *ups = realloc(v->uppers, (v->nuppers + 1) * sizeof *ups);
    if (!ups)
        return pc_err_set(e, "out of memory");
    v->uppers = ups;
    pc_fsview *u = &ups[v->nuppers];
    if (pc_fsview_init(u) < 0)
        return pc_err_set(e, "out of memory");
    /* one table growth each, to the size this layer can bring (an entry
     * makes at most one node in the upper tree, plus made parents) */
    size_t want = f->nentries + f->nentries / 4;
    if (table_reserve(u, want) < 0 ||
        (v->count + want >= v->count && table_reserve(v, v->count + want) < 0)) {
        pc_fsview_free(u);
        return pc_err_set(e, "out of memory");
    }
    for (size_t i = 0; i < f->nentries; i++)
        if (upper_entry(v, u, &f->entries[i], layer, e) < 0) {
            pc_fsview_free(u);
            return pc_err_prefix(e, "layer %s", f->digest);
        }
    u->memo_dir = NULL;
    v->nuppers++;
    if (merge(v, u->root, v->root, e) < 0)
        return pc_err_prefix(e, "layer %s", f->digest);
    return 0;
}

const pc_node *pc_fsview_lookup(const pc_fsview *v, const char *path, int follow_last)
{
    pc_node *n = NULL;
    if (resolve((pc_fsview *)v, path, follow_last, 0, 0, NULL, &n) != R_OK_)
        return NULL;
    return n;
}

pc_lookup_status pc_fsview_lookup_walk(const pc_fsview *v, const char *path, int follow_last,
                                       pc_fsview_dir_fn fn, void *ud, const pc_node **out,
                                       const pc_node **at)
{
    pc_node *n = NULL;
    walk_hook hook = {.fn = fn, .ud = ud, .at = v->root};
    int k = resolve((pc_fsview *)v, path, follow_last, 0, 0, fn ? &hook : NULL, &n);
    *out = k == R_OK_ ? n : NULL;
    if (at)
        *at = hook.at;
    return (pc_lookup_status)k;
}

int pc_fsview_walk(const pc_fsview *v, pc_fsview_visit_fn fn, void *ud)
{
    static const size_t maxlen = PC_FS_PATH_MAX;
    char path[PC_FS_PATH_MAX];
    size_t lens[PC_FS_MAX_DEPTH + 2];
    const pc_node *n = v->root->first;
    int rc = 0;
    lens[0] = 0;
    while (n) {
        size_t base = lens[n->depth - 1], nl = strlen(n->name);
        int fits = base + 1 + nl < maxlen && n->depth <= PC_FS_MAX_DEPTH;
        if (fits) {
            path[base] = '/';
            memcpy(path + base + 1, n->name, nl + 1);
            lens[n->depth] = base + 1 + nl;
            fn(ud, path, n);
        } else {
            rc = -1; /* never skipped silently: the caller fails the scan */
        }
        if (fits && n->first && n->depth < PC_FS_MAX_DEPTH) {
            n = n->first;
            continue;
        }
        if (fits && n->first)
            rc = -1;
        while (n != v->root && !n->next)
            n = n->parent;
        n = n == v->root ? NULL : n->next;
    }
    return rc;
}

void pc_node_path(const pc_node *n, char *buf, size_t len)
{
    const pc_node *chain[PC_FS_MAX_DEPTH + 1];
    size_t k = 0, pos = 0;
    for (; n->depth > 0 && k <= PC_FS_MAX_DEPTH; n = n->parent)
        chain[k++] = n;
    if (len == 0)
        return;
    if (k == 0 && len > 1)
        buf[pos++] = '/';
    while (k > 0) {
        const char *nm = chain[--k]->name;
        size_t nl = strlen(nm);
        if (pos + 1 + nl >= len)
            break;
        buf[pos++] = '/';
        memcpy(buf + pos, nm, nl);
        pos += nl;
    }
    buf[pos] = 0;
}

uint32_t pc_node_mode(const pc_node *n)
{
    return n->e ? n->e->mode : 0755;
}

uint32_t pc_node_uid(const pc_node *n)
{
    return n->e ? n->e->uid : 0;
}

uint32_t pc_node_gid(const pc_node *n)
{
    return n->e ? n->e->gid : 0;
}
