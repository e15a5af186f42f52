/*
 * fsview.h — the final filesystem as the node will see it: each layer is
 * applied as containerd's applier does with the overlay snapshotter (into
 * its own empty upper directory, so a lower layer's symlink is never
 * followed; whiteouts become overlay whiteouts, opaque markers an opaque
 * directory; a hardlink's own mode, owner and capability apply to the
 * inode it shares), and the uppers are merged as the kernel's overlayfs
 * merges its lower directories. What containerd would fail to apply is an
 * error here too. Checks read only this view.
 */
#ifndef PC_FSVIEW_H
#define PC_FSVIEW_H

#include <stddef.h>
#include <stdint.h>
#include "pcx.h"
#include "layer/facts.h"

#define PC_FS_MAX_DEPTH 1024
#define PC_FS_MAX_LINKS 40 /* symlinks followed per lookup, as Linux's MAXSYMLINKS */

typedef struct pc_node pc_node;
typedef struct pc_inode {
    const pc_entry *e; /* current metadata; NULL: an implicit directory (0755, root) */
} pc_inode;

struct pc_node {
    pc_node *parent, *first, *next, *prev; /* directory tree */
    pc_node *hnext;                        /* hash chain keyed by (parent, name) */
    const char *name;
    const pc_entry *e; /* metadata; NULL for a directory no layer named */
    pc_inode *ino;     /* in a layer's upper tree: the inode this name shares */
    pc_etype type;     /* effective type: a hardlink has its target's type */
    uint32_t layer;    /* index of the layer that put it there */
    uint32_t depth;
    uint32_t nlen;  /* strlen(name) */
    uint32_t nhash; /* hash of the name alone (the table mixes in the parent) */
    uint8_t flags;  /* in a layer's upper tree: PC_NODE_* */
};

#define PC_NODE_EXPLICIT 1 /* named by an entry of the layer (not a made parent) */
#define PC_NODE_OPAQUE 2   /* made opaque by a .wh..wh..opq marker */

typedef struct pc_fsview pc_fsview;
struct pc_fsview {
    pc_node *root;
    pc_node **tab;
    size_t tabsize, count;
    pc_arena arena;    /* nodes, inodes and the metadata hardlinks give them */
    pc_fsview *uppers; /* every applied layer's own upper tree, bottom first */
    size_t nuppers;
    /* in a layer's upper tree while it is filled: the parent directory of
     * the last entry (the first memo_len bytes of memo_path), valid until
     * a node is deleted; tar entries come directory by directory */
    const char *memo_path;
    size_t memo_len;
    pc_node *memo_dir;
};

int pc_fsview_init(pc_fsview *v);
void pc_fsview_free(pc_fsview *v);
/* Apply one layer's facts on top of the view; layers must come in order,
 * the first one first (it is applied as containerd applies a first layer:
 * whiteouts delete within it). The facts must outlive the view: its nodes
 * point at their entries and at the names in their paths. */
int pc_fsview_apply(pc_fsview *v, const pc_layer_facts *f, uint32_t layer, pc_err *e);

/* Resolve an absolute or root-relative path inside the view, following
 * symlinks in every component (and in the last one when follow_last),
 * never leaving the root. NULL when missing or a loop/limit was hit. */
const pc_node *pc_fsview_lookup(const pc_fsview *v, const char *path, int follow_last);

typedef enum {
    PC_LOOKUP_OK,
    PC_LOOKUP_MISSING,
    PC_LOOKUP_NOTDIR, /* a component on the way is not a directory */
    PC_LOOKUP_LOOP,   /* more than PC_FS_MAX_LINKS symlinks */
    PC_LOOKUP_TOOLONG,
    PC_LOOKUP_NOMEM,
    PC_LOOKUP_DENIED, /* the callback refused a directory */
} pc_lookup_status;

/* Return non-zero when a name may be looked up in dir (search permission). */
typedef int (*pc_fsview_dir_fn)(void *ud, const pc_node *dir);

/* As pc_fsview_lookup, but asks fn (may be NULL) about every directory
 * before a name is looked up in it, as the kernel checks search permission
 * on each directory of a path walk, symlink targets included. *out is the
 * node on PC_LOOKUP_OK, else NULL; *at (may be NULL) the directory the
 * walk was in when it ended: the refused one for PC_LOOKUP_DENIED, the
 * one lacking the name for PC_LOOKUP_MISSING. */
pc_lookup_status pc_fsview_lookup_walk(const pc_fsview *v, const char *path, int follow_last,
                                       pc_fsview_dir_fn fn, void *ud, const pc_node **out,
                                       const pc_node **at);

/* Visit every node but the root, depth first, with its absolute path.
 * -1 when some node could not be visited (path or depth beyond the
 * limits): the caller must not take the walk as complete. */
typedef void (*pc_fsview_visit_fn)(void *ud, const char *path, const pc_node *n);
int pc_fsview_walk(const pc_fsview *v, pc_fsview_visit_fn fn, void *ud);

/* Absolute path of a node into buf. */
void pc_node_path(const pc_node *n, char *buf, size_t len);
uint32_t pc_node_mode(const pc_node *n);
uint32_t pc_node_uid(const pc_node *n);
uint32_t pc_node_gid(const pc_node *n);

#endif
