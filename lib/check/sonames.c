/*
 * sonames.c — are a program's DT_NEEDED libraries anywhere in the image?
 *
 * The rule is deliberately conservative: a soname counts as present when
 * any path of the final filesystem ends in it, a regular file or a
 * symlink, wherever it is. So nothing the loader could find is reported
 * missing, whatever its search path says (glibc or musl, ld.so.conf and
 * its cache, LD_LIBRARY_PATH, DT_RPATH/DT_RUNPATH with $ORIGIN): a name
 * that is nowhere is one no loader finds. Libraries a GPU runtime mounts
 * into the container at start are not in the image by design, and the
 * vDSO is the kernel's: those names are left out (injected[] below).
 *
 * Cost: a few hash lookups in the usual library directories settle the
 * common case; the view is walked (once, comparing each node's name
 * against the sorted few names still unfound) only when one is not there.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "check/sonames.h"
#include "layer/elfhead.h"

/* Never looked for: the kernel's vDSO names (ld.so maps the vDSO itself,
 * linkers do not record it as DT_NEEDED, but a hand-made ELF could), and
 * the driver libraries the NVIDIA container toolkit (libnvidia-container,
 * the CDI specs of nvidia-ctk) bind-mounts from the host into a GPU
 * container: CUDA, NVML, the video, graphics and OptiX libraries, and on
 * WSL2 the dxcore libraries. An image built for GPUs links against them
 * and must not carry them. Patterns are fnmatch(3) globs. */
static const char *const injected[] =
    {
        "linux-vdso.so.1",     "linux-gate.so.1",      "linux-vdso32.so.1",
        "linux-vdso64.so.1",   "libcuda.so*",          "libcudadebugger.so*",
        "libnvidia-*.so*", /* -ml, -ptxjitcompiler, -nvvm, -opencl, -encode, -glcore, ... */
        "libnvcuvid.so*",      "libnvoptix.so*",       "libGLX_nvidia.so*",
        "libEGL_nvidia.so*",   "libGLESv2_nvidia.so*", "libGLESv1_CM_nvidia.so*",
        "libvdpau_nvidia.so*", "libdxcore.so*",        "libd3d12.so*",
        "libd3d12core.so*",
};

int pc_soname_injected(const char *soname)
{
    for (size_t i = 0; i < sizeof injected / sizeof injected[0]; i++)
        if (fnmatch(injected[i], soname, 0) == 0)
            return 1;
    return 0;
}

/* Where a library usually is: the loaders' default directories, with the
 * Debian multiarch ones (any other place is found by the walk). */
static const char *const libdirs[] = {
    "/lib",
    "/usr/lib",
    "/lib64",
    "/usr/lib64",
    "/usr/local/lib",
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib/i386-linux-gnu",
    "/usr/lib/i386-linux-gnu",
    "/lib/arm-linux-gnueabihf",
    "/usr/lib/arm-linux-gnueabihf",
    "/lib/powerpc64le-linux-gnu",
    "/usr/lib/powerpc64le-linux-gnu",
    "/lib/s390x-linux-gnu",
    "/usr/lib/s390x-linux-gnu",
    "/lib/riscv64-linux-gnu",
    "/usr/lib/riscv64-linux-gnu",
};

static const char *base_of(const char *s)
{
    const char *b = strrchr(s, '/');
    return b ? b + 1 : s;
}

static int counts(const pc_node *n)
{
    return n && (n->type == PC_E_REG || n->type == PC_E_SYMLINK);
}

/* dir/name names a file or symlink (dir of length dlen). */
static int in_dir(const pc_fsview *v, const char *dir, size_t dlen, const char *name)
{
    char path[4096];
    size_t nl = strlen(name);
    if (dlen == 0 || dir[0] != '/' || dlen + 1 + nl >= sizeof path)
        return 0;
    memcpy(path, dir, dlen);
    path[dlen] = '/';
    memcpy(path + dlen + 1, name, nl + 1);
    return counts(pc_fsview_lookup(v, path, 0));
}

/* In one of the directories of a DT_RPATH or DT_RUNPATH list (absolute
 * entries only: $ORIGIN and relative ones are left to the walk; only the
 * first 16, so a hostile list cannot make a scan slow). */
static int in_list(const pc_fsview *v, const char *list, const char *name)
{
    for (int k = 0; k < 16 && list && *list; k++) {
        size_t len = strcspn(list, ":");
        if (!memchr(list, '$', len) && in_dir(v, list, len, name))
            return 1;
        list += len + (list[len] == ':');
    }
    return 0;
}

static int quick_found(const pc_fsview *v, const pc_entry *e, const char *name)
{
    if (strchr(name, '/')) /* a path: the walk looks for its last component */
        return 0;
    for (size_t i = 0; i < sizeof libdirs / sizeof libdirs[0]; i++)
        if (in_dir(v, libdirs[i], strlen(libdirs[i]), name))
            return 1;
    return in_list(v, e->runpath, name) || in_list(v, e->rpath, name);
}

typedef struct want {
    const char *name, *base;
    size_t idx; /* its place among DT_NEEDED */
    int found, dup;
} want;

static int by_base(const void *a, const void *b)
{
    const want *x = a, *y = b;
    int c = strcmp(x->base, y->base);
    return c ? c : strcmp(x->name, y->name);
}

static int by_idx(const void *a, const void *b)
{
    const want *x = a, *y = b;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int base_key(const void *key, const void *elt)
{
    return strcmp(key, ((const want *)elt)->base);
}

/* Every node once (no paths built): mark the wanted names seen. */
static void walk_all(const pc_fsview *v, want *w, size_t nw)
{
    const pc_node *n = v->root->first;
    while (n) {
        if (counts(n)) {
            want *hit = bsearch(n->name, w, nw, sizeof *w, base_key);
            if (hit) {
                /* equal bases sit together: mark them all */
                for (want *x = hit; x >= w && strcmp(x->base, n->name) == 0; x--)
                    x->found = 1;
                for (want *x = hit + 1; x < w + nw && strcmp(x->base, n->name) == 0; x++)
                    x->found = 1;
            }
        }
        if (n->first) {
            n = n->first;
            continue;
        }
        while (n != v->root && !n->next)
            n = n->parent;
        n = n == v->root ? NULL : n->next;
    }
}

size_t pc_sonames_missing(const pc_fsview *v, const pc_entry *e, const char **missing)
{
    want w[PC_DT_NEEDED_MAX];
    size_t nw = 0, nmiss = 0;
    if (!e->dyn)
        return 0;
    for (size_t i = 0; i < e->nneeded && nw < PC_DT_NEEDED_MAX; i++) {
        const char *name = e->needed[i], *base = base_of(name);
        if (!*base || pc_soname_injected(base) || quick_found(v, e, name))
            continue;
        w[nw++] = (want){name, base, i, 0, 0};
    }
    if (nw == 0)
        return 0;
    qsort(w, nw, sizeof *w, by_base); /* equal names side by side: each once */
    for (size_t k = 1; k < nw; k++)
        w[k].dup = strcmp(w[k].name, w[k - 1].name) == 0;
    walk_all(v, w, nw);
    qsort(w, nw, sizeof *w, by_idx); /* in DT_NEEDED order */
    for (size_t k = 0; k < nw; k++)
        if (!w[k].found && !w[k].dup)
            missing[nmiss++] = w[k].name;
    return nmiss;
}
