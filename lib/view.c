/*
 * view.c — the final filesystem and the effective config as one JSON
 * object, in the schema the runtime oracle (tests/oracle) prints, so the
 * two readings can be compared path by path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "view.h"

typedef struct view_walk {
    json_t *files;
    json_t *groups; /* pc_entry address -> first path, for hardlink groups */
    int failed;
} view_walk;

static const char *type_name(pc_etype t)
{
    switch (t) {
    case PC_E_REG:
        return "reg";
    case PC_E_DIR:
        return "dir";
    case PC_E_SYMLINK:
        return "symlink";
    case PC_E_CHR:
        return "chr";
    case PC_E_BLK:
        return "blk";
    case PC_E_FIFO:
        return "fifo";
    default:
        return "other";
    }
}

/* The capability as permitted/inheritable/effective/rootid, the form both
 * sides of a comparison can produce from the raw xattr. */
static void cap_text(const pc_entry *m, char *buf, size_t n)
{
    if (m->cap_bad)
        snprintf(buf, n, "malformed");
    else
        snprintf(buf, n, "p=%llx i=%llx e=%d r=%u", (unsigned long long)m->cap.permitted,
                 (unsigned long long)m->cap.inheritable, m->cap.effective ? 1 : 0,
                 (unsigned)m->cap.rootid);
}

static void visit(void *ud, const char *path, const pc_node *n)
{
    view_walk *w = ud;
    const pc_entry *m = n->e;
    json_t *o = json_object();
    uint32_t mode = n->type == PC_E_SYMLINK ? 0777 : pc_node_mode(n);
    if (!o || json_object_set_new(w->files, path, o) < 0) {
        w->failed = 1;
        return;
    }
    int bad = json_object_set_new(o, "type", json_string(type_name(n->type))) |
              json_object_set_new(o, "mode", json_integer(mode & 07777)) |
              json_object_set_new(o, "uid", json_integer(pc_node_uid(n))) |
              json_object_set_new(o, "gid", json_integer(pc_node_gid(n)));
    if (m && n->type == PC_E_REG)
        bad |= json_object_set_new(o, "size", json_integer((json_int_t)m->size));
    if (m && n->type == PC_E_SYMLINK)
        bad |= json_object_set_new(o, "link", json_string(m->link ? m->link : ""));
    if (m && (n->type == PC_E_CHR || n->type == PC_E_BLK))
        bad |= json_object_set_new(
            o, "dev", json_pack("[II]", (json_int_t)m->devmajor, (json_int_t)m->devminor));
    if (m && m->has_cap) {
        char c[128];
        cap_text(m, c, sizeof c);
        bad |= json_object_set_new(o, "cap", json_string(c));
    }
    if (m && n->type == PC_E_REG) {
        char key[32];
        snprintf(key, sizeof key, "%p", (const void *)m);
        json_t *g = json_object_get(w->groups, key);
        if (!g)
            bad |= json_object_set_new(w->groups, key, json_pack("[s]", path));
        else
            bad |= json_array_append_new(g, json_string(path));
    }
    if (bad)
        w->failed = 1;
}

/* Hardlink groups: every name of an inode seen more than once gets the
 * smallest of its names. */
static int mark_groups(view_walk *w)
{
    const char *k;
    json_t *g;
    json_object_foreach(w->groups, k, g)
    {
        size_t n = json_array_size(g);
        if (n < 2)
            continue;
        const char *least = NULL;
        for (size_t i = 0; i < n; i++) {
            const char *p = json_string_value(json_array_get(g, i));
            if (!least || strcmp(p, least) < 0)
                least = p;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *f = json_object_get(w->files, json_string_value(json_array_get(g, i)));
            if (!f || json_object_set_new(f, "hardlinks", json_string(least)) < 0)
                return -1;
        }
    }
    return 0;
}

static json_t *strv_json(const pc_strv *v)
{
    if (!v->v)
        return json_null();
    json_t *a = json_array();
    for (size_t i = 0; a && i < v->n; i++)
        if (json_array_append_new(a, json_string(v->v[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *config_json(const pc_imgconfig *c)
{
    json_t *o = json_object(), *ports = json_null();
    if (!o)
        return NULL;
    if (c->ports.v && c->ports.n) {
        const char **sorted = malloc(c->ports.n * sizeof *sorted);
        if (!sorted) {
            json_decref(o);
            return NULL;
        }
        memcpy(sorted, c->ports.v, c->ports.n * sizeof *sorted);
        qsort(sorted, c->ports.n, sizeof *sorted, cmp_str);
        pc_strv s = {.v = sorted, .n = c->ports.n, .present = 1};
        ports = strv_json(&s);
        free(sorted);
    }
    int bad = json_object_set_new(o, "User", json_string(c->user ? c->user : "")) |
              json_object_set_new(o, "Entrypoint", strv_json(&c->entrypoint)) |
              json_object_set_new(o, "Cmd", strv_json(&c->cmd)) |
              json_object_set_new(o, "WorkingDir", json_string(c->workdir ? c->workdir : "")) |
              json_object_set_new(o, "Env", strv_json(&c->env)) |
              json_object_set_new(o, "ExposedPorts", ports);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int pc_view_json(const pc_fsview *fs, const pc_imgconfig *cfg, long long user_uid,
                 long long user_gid, const char *user_err, char **out, pc_err *e)
{
    view_walk w = {.files = json_object(), .groups = json_object()};
    json_t *root = json_object(), *cj = config_json(cfg);
    json_t *user =
        user_err ? json_pack("{ss}", "error", user_err)
                 : json_pack("{sIsI}", "uid", (json_int_t)user_uid, "gid", (json_int_t)user_gid);
    *out = NULL;
    if (w.files && w.groups)
        w.failed |= pc_fsview_walk(fs, visit, &w) < 0;
    int bad = !root || !cj || !user || !w.files || !w.groups || w.failed || mark_groups(&w) < 0;
    if (!bad)
        bad = json_object_set_new(root, "error", json_null()) |
              json_object_set_new(root, "refused", json_false()) |
              json_object_set(root, "files", w.files) | json_object_set(root, "config", cj) |
              json_object_set(root, "user", user);
    if (!bad)
        *out = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(1));
    json_decref(root);
    json_decref(cj);
    json_decref(user);
    json_decref(w.files);
    json_decref(w.groups);
    if (!*out)
        return pc_err_set(e, "out of memory");
    return 0;
}
