/*
 * fsview.c — the final filesystem as a tree of nodes.
 *
 * Each directory keeps its children in a doubly linked list (cheap removal
 * of whole subtrees for whiteouts); one hash table keyed by (parent node,
 * name) finds a child in O(1) even in directories with thousands of
 * entries. Nodes point at the pc_entry of the layer that created them, so
 * the view costs one small allocation per path and copies no metadata.
 *
 * Path resolution follows symlinks inside the root only: ".." at the root
 * stays at the root and absolute targets restart at the root, exactly as
 * the runtime's chroot-style resolution does.
 */
#include <stdlib.h>
#include <string.h>
#include "fsview.h"

#define PC_FS_PATH_MAX 8192

static size_t hash_of(const pc_node *parent, const char *name, size_t len)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)parent;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 29));
}

static pc_node *child_find(const pc_fsview *v, const pc_node *dir, const char *name, size_t len)
{
    pc_node *n = v->tab[hash_of(dir, name, len) & (v->tabsize - 1)];
    for (; n; n = n->hnext)
        if (n->parent == dir && strncmp(n->name, name, len) == 0 && n->name[len] == 0)
            return n;
    return NULL;
}

static int rehash(pc_fsview *v)
{
    size_t nsize = v->tabsize * 2;
    pc_node **nt = calloc(nsize, sizeof *nt);
    if (!nt)
        return -1;
    for (size_t i = 0; i < v->tabsize; i++) {
        pc_node *n = v->tab[i];
        while (n) {
            pc_node *next = n->hnext;
            size_t h = hash_of(n->parent, n->name, strlen(n->name)) & (nsize - 1);
            n->hnext = nt[h];
            nt[h] = n;
            n = next;
        }
    }
    free(v->tab);
    v->tab = nt;
    v->tabsize = nsize;
    return 0;
}

static pc_node *node_new(pc_fsview *v, pc_node *dir, const char *name, size_t len)
{
    if (v->count >= v->tabsize && rehash(v) < 0)
        return NULL;
    pc_node *n = calloc(1, sizeof *n + len + 1);
    if (!n)
        return NULL;
    char *nm = (char *)(n + 1);
    memcpy(nm, name, len);
    nm[len] = 0;
    n->name = nm;
    n->parent = dir;
    n->depth = dir->depth + 1;
    n->next = dir->first;
    if (dir->first)
        dir->first->prev = n;
    dir->first = n;
    size_t h = hash_of(dir, name, len) & (v->tabsize - 1);
    n->hnext = v->tab[h];
    v->tab[h] = n;
    v->count++;
    return n;
}

static void node_unlink(pc_fsview *v, pc_node *n)
{
    pc_node **pp = &v->tab[hash_of(n->parent, n->name, strlen(n->name)) & (v->tabsize - 1)];
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
        node_unlink(v, cur);
        free(cur);
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
    while (v->root->first)
        subtree_delete(v, v->root->first);
    free(v->root);
    free(v->tab);
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
            const char *t = c->e && c->e->link ? c->e->link : "";
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
    if (n >= dirlen)
        n = dirlen - 1;
    memcpy(dir, path, n);
    dir[n] = 0;
    *base = slash ? slash + 1 : path;
}

static int apply_delete(pc_fsview *v, const pc_entry *ent)
{
    char dir[PC_FS_PATH_MAX];
    const char *base;
    pc_node *d;
    if (ent->type == PC_E_OPAQUE) {
        if (resolve(v, ent->path, 1, 0, 0, NULL, &d) == R_OK_ && d->type == PC_E_DIR)
            while (d->first)
                subtree_delete(v, d->first);
        return 0;
    }
    split_path(ent->path, dir, sizeof dir, &base);
    if (resolve(v, dir, 1, 0, 0, NULL, &d) != R_OK_ || d->type != PC_E_DIR)
        return 0;
    pc_node *c = child_find(v, d, base, strlen(base));
    if (c)
        subtree_delete(v, c);
    return 0;
}

static int apply_entry(pc_fsview *v, const pc_entry *ent, uint32_t layer, pc_err *e)
{
    char dir[PC_FS_PATH_MAX];
    const char *base;
    pc_node *d, *target = NULL;
    const pc_entry *meta = ent;
    pc_etype type = ent->type;
    if (!*ent->path) {
        v->root->e = ent;
        v->root->layer = layer;
        return 0;
    }
    if (ent->type == PC_E_HARDLINK) {
        int k = resolve(v, ent->link, 0, 0, 0, NULL, &target);
        if (k != R_OK_)
            return resolve_err(k, "hardlink target", ent->link, e);
        if (target->type == PC_E_DIR)
            return pc_err_set(e, "hardlink \"%.300s\" points at directory \"%.300s\"", ent->path,
                              ent->link);
        meta = target->e;
        type = target->type;
    }
    split_path(ent->path, dir, sizeof dir, &base);
    int k = resolve(v, dir, 1, 1, layer, NULL, &d);
    if (k != R_OK_)
        return resolve_err(k, "parent directory of", ent->path, e);
    pc_node *c = child_find(v, d, base, strlen(base));
    if (c && !(type == PC_E_DIR && c->type == PC_E_DIR)) {
        if (c == target)
            return 0; /* a file hardlinked to itself */
        subtree_delete(v, c);
        c = NULL;
    }
    if (!c && !(c = node_new(v, d, base, strlen(base))))
        return pc_err_set(e, "out of memory");
    c->e = meta;
    c->type = type;
    c->layer = layer;
    return 0;
}

int pc_fsview_apply(pc_fsview *v, const pc_layer_facts *f, uint32_t layer, pc_err *e)
{
    for (size_t i = 0; i < f->nentries; i++)
        if (f->entries[i].type == PC_E_WHITEOUT || f->entries[i].type == PC_E_OPAQUE)
            apply_delete(v, &f->entries[i]);
    for (size_t i = 0; i < f->nentries; i++) {
        const pc_entry *ent = &f->entries[i];
        if (ent->type == PC_E_WHITEOUT || ent->type == PC_E_OPAQUE)
            continue;
        if (apply_entry(v, ent, layer, e) < 0)
            return pc_err_prefix(e, "layer %s", f->digest);
    }
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

void pc_fsview_walk(const pc_fsview *v, pc_fsview_visit_fn fn, void *ud)
{
    static const size_t maxlen = PC_FS_PATH_MAX;
    char path[PC_FS_PATH_MAX];
    size_t lens[PC_FS_MAX_DEPTH + 2];
    const pc_node *n = v->root->first;
    lens[0] = 0;
    while (n) {
        size_t base = lens[n->depth - 1], nl = strlen(n->name);
        if (base + 1 + nl < maxlen) {
            path[base] = '/';
            memcpy(path + base + 1, n->name, nl + 1);
            lens[n->depth] = base + 1 + nl;
            fn(ud, path, n);
        }
        if (n->first && n->depth < PC_FS_MAX_DEPTH) {
            n = n->first;
            continue;
        }
        while (n != v->root && !n->next)
            n = n->parent;
        n = n == v->root ? NULL : n->next;
    }
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
