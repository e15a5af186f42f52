/*
 * test_fsview.c — the final filesystem view: replacement, whiteouts,
 * opaque directories, hardlinks, parent symlinks and lookup limits; and
 * the helpers it stands on (path normalisation, passwd parsing, ELF heads).
 */
#include <stdlib.h>
#include <string.h>
#include "elfhead.h"
#include "fsview.h"
#include "layer.h"
#include "passwd.h"
#include "testlib.h"

static pc_entry *add(pc_layer_facts *f, pc_etype t, const char *path, unsigned mode,
                     const char *link)
{
    pc_entry *e = pc_layer_facts_add(f);
    e->type = t;
    e->path = pc_arena_strdup(&f->arena, path);
    e->mode = mode;
    e->link = link ? pc_arena_strdup(&f->arena, link) : NULL;
    return e;
}

static const pc_node *get(const pc_fsview *v, const char *p)
{
    return pc_fsview_lookup(v, p, 0);
}

static void test_layers(void)
{
    pc_layer_facts l1, l2, l3;
    pc_fsview v;
    pc_err e = {{0}};
    pc_layer_facts_init(&l1);
    pc_layer_facts_init(&l2);
    pc_layer_facts_init(&l3);
    CHECK(pc_fsview_init(&v) == 0);
    add(&l1, PC_E_DIR, "a", 0755, NULL);
    add(&l1, PC_E_REG, "a/suid1", 04755, NULL);
    add(&l1, PC_E_REG, "d/suid2", 04755, NULL); /* implicit parent d */
    add(&l1, PC_E_REG, "d/sub/deep", 0644, NULL);
    add(&l1, PC_E_REG, "usr/bin/sx", 04711, NULL);
    add(&l1, PC_E_DIR, "usr/lib", 0700, NULL);
    add(&l1, PC_E_SYMLINK, "lib", 0777, "/usr/lib");
    CHECK(pc_fsview_apply(&v, &l1, 0, &e) == 0);
    CHECK(get(&v, "/d") && get(&v, "/d")->type == PC_E_DIR && !get(&v, "/d")->e);
    CHECK(get(&v, "/lib") && get(&v, "/lib")->type == PC_E_SYMLINK);

    add(&l2, PC_E_WHITEOUT, "a/suid1", 0, NULL);
    add(&l2, PC_E_OPAQUE, "d", 0, NULL);
    add(&l2, PC_E_REG, "d/new", 0644, NULL);
    /* a lower layer's symlink is not followed: a real directory hides it */
    add(&l2, PC_E_REG, "lib/libx.so", 0644, NULL);
    add(&l2, PC_E_REG, "usr/bin/t", 0755, NULL);
    pc_entry *hl = add(&l2, PC_E_HARDLINK, "usr/bin/link", 04755, "usr/bin/t");
    hl->uid = 0;
    CHECK(pc_fsview_apply(&v, &l2, 1, &e) == 0);
    CHECK(get(&v, "/a") != NULL);
    CHECK(get(&v, "/a/suid1") == NULL);
    CHECK(get(&v, "/d/suid2") == NULL);
    CHECK(get(&v, "/d/sub/deep") == NULL);
    CHECK(get(&v, "/d/new") != NULL);
    CHECK(get(&v, "/lib") && get(&v, "/lib")->type == PC_E_DIR);
    CHECK(get(&v, "/lib/libx.so") != NULL);
    CHECK(get(&v, "/usr/lib/libx.so") == NULL);
    /* the implicit directory copies the lower directory's metadata */
    CHECK(get(&v, "/usr/bin") && get(&v, "/usr/bin")->e == NULL);
    /* a hardlink's own mode lands on the inode: both names are setuid */
    const pc_node *ln = get(&v, "/usr/bin/link"), *tn = get(&v, "/usr/bin/t");
    CHECK(ln && ln->type == PC_E_REG && ln->e && (ln->e->mode & 04000) && ln->layer == 1);
    CHECK(tn && tn->e == ln->e);

    /* a file replaces a directory and its subtree; a whiteout followed by
     * an entry at the same path gives that entry */
    add(&l3, PC_E_REG, "a", 0600, NULL);
    add(&l3, PC_E_WHITEOUT, "d/new", 0, NULL);
    add(&l3, PC_E_REG, "d/new", 0600, NULL);
    CHECK(pc_fsview_apply(&v, &l3, 2, &e) == 0);
    CHECK(get(&v, "/a") && get(&v, "/a")->type == PC_E_REG);
    CHECK(get(&v, "/d/new") && get(&v, "/d/new")->layer == 2);
    char path[256];
    pc_node_path(get(&v, "/lib/libx.so"), path, sizeof path);
    CHECK_STR(path, "/lib/libx.so");
    pc_fsview_free(&v);
    pc_layer_facts_free(&l1);
    pc_layer_facts_free(&l2);
    pc_layer_facts_free(&l3);
}

/* Overlay rules that differ from naive extraction. */
static void test_overlay(void)
{
    pc_layer_facts l1, l2;
    pc_fsview v;
    pc_err e = {{0}};
    pc_layer_facts_init(&l1);
    pc_layer_facts_init(&l2);
    CHECK(pc_fsview_init(&v) == 0);
    add(&l1, PC_E_REG, "D/keep", 04755, NULL);
    add(&l1, PC_E_REG, "R/keep", 0644, NULL);
    add(&l1, PC_E_REG, "etc/passwd", 0644, NULL);
    add(&l1, PC_E_SYMLINK, "x", 0777, "/etc");
    add(&l1, PC_E_SYMLINK, "r", 0777, "/R");
    CHECK(pc_fsview_apply(&v, &l1, 0, &e) == 0);
    /* whiteout then directory in one layer: a plain directory merging
     * with the lower one */
    add(&l2, PC_E_WHITEOUT, "D", 0, NULL);
    add(&l2, PC_E_DIR, "D", 0755, NULL);
    /* an opaque marker at the root hides nothing */
    add(&l2, PC_E_OPAQUE, "", 0, NULL);
    /* a whiteout and an opaque marker under lower-layer symlinks leave the
     * targets alone */
    add(&l2, PC_E_WHITEOUT, "x/passwd", 0, NULL);
    add(&l2, PC_E_OPAQUE, "r", 0, NULL);
    /* a character device 0/0 is an overlay whiteout */
    pc_entry *c = add(&l2, PC_E_CHR, "R/keep", 0, NULL);
    c->devmajor = c->devminor = 0;
    CHECK(pc_fsview_apply(&v, &l2, 1, &e) == 0);
    CHECK(get(&v, "/D/keep") != NULL);
    CHECK(get(&v, "/etc/passwd") != NULL);
    CHECK(get(&v, "/x") && get(&v, "/x")->type == PC_E_DIR);
    CHECK(get(&v, "/r") && get(&v, "/r")->type == PC_E_DIR);
    CHECK(get(&v, "/R") && get(&v, "/R/keep") == NULL);
    pc_fsview_free(&v);
    pc_layer_facts_free(&l1);
    pc_layer_facts_free(&l2);

    /* the first layer applies whiteouts by deleting; later layers cannot
     * white out their own entries */
    pc_layer_facts_init(&l1);
    pc_layer_facts_init(&l2);
    CHECK(pc_fsview_init(&v) == 0);
    add(&l1, PC_E_REG, "f", 0644, NULL);
    add(&l1, PC_E_WHITEOUT, "f", 0, NULL);
    CHECK(pc_fsview_apply(&v, &l1, 0, &e) == 0);
    CHECK(get(&v, "/f") == NULL);
    add(&l2, PC_E_REG, "g", 0644, NULL);
    add(&l2, PC_E_WHITEOUT, "g", 0, NULL);
    CHECK(pc_fsview_apply(&v, &l2, 1, &e) == -1);
    CHECK_CONTAINS(e.msg, "mknod: file exists");
    pc_fsview_free(&v);
    pc_layer_facts_free(&l1);
    pc_layer_facts_free(&l2);
}

static void test_errors(void)
{
    /* every layer's facts are kept until the view is freed (its nodes
     * point at their entries and names) */
    pc_layer_facts l, kept[8];
    size_t nk = 0;
    pc_fsview v;
    pc_err e = {{0}};
    pc_layer_facts_init(&l);
    CHECK(pc_fsview_init(&v) == 0);
    add(&l, PC_E_SYMLINK, "loop1", 0777, "loop2");
    add(&l, PC_E_SYMLINK, "loop2", 0777, "loop1");
    add(&l, PC_E_SYMLINK, "up", 0777, "../../../../etc");
    add(&l, PC_E_REG, "etc/shadow", 0600, NULL);
    CHECK(pc_fsview_apply(&v, &l, 0, &e) == 0);
    CHECK(pc_fsview_lookup(&v, "/loop1/x", 1) == NULL);
    /* ".." never leaves the root */
    CHECK(pc_fsview_lookup(&v, "/up/shadow", 1) == get(&v, "/etc/shadow"));
    kept[nk++] = l;
    pc_layer_facts_init(&l);
    add(&l, PC_E_HARDLINK, "x", 0, "missing/file");
    CHECK(pc_fsview_apply(&v, &l, 1, &e) == -1);
    CHECK_CONTAINS(e.msg, "is not in the same layer");
    kept[nk++] = l;
    pc_layer_facts_init(&l);
    /* a hardlink to a lower layer's file fails containerd's apply */
    add(&l, PC_E_HARDLINK, "x", 0, "etc/shadow");
    CHECK(pc_fsview_apply(&v, &l, 1, &e) == -1);
    CHECK_CONTAINS(e.msg, "is not in the same layer");
    kept[nk++] = l;
    pc_layer_facts_init(&l);
    /* entries below a symlink of the same layer are refused */
    add(&l, PC_E_SYMLINK, "s", 0777, "/etc");
    add(&l, PC_E_REG, "s/x", 0644, NULL);
    CHECK(pc_fsview_apply(&v, &l, 1, &e) == -1);
    CHECK_CONTAINS(e.msg, "symlink made by the same layer");
    kept[nk++] = l;
    pc_layer_facts_init(&l);
    /* a lower file is hidden by a directory the layer needs... */
    add(&l, PC_E_REG, "etc/shadow/x", 0644, NULL);
    CHECK(pc_fsview_apply(&v, &l, 1, &e) == 0);
    CHECK(get(&v, "/etc/shadow") && get(&v, "/etc/shadow")->type == PC_E_DIR);
    kept[nk++] = l;
    pc_layer_facts_init(&l);
    /* ...but containerd cannot look for parent metadata through one */
    add(&l, PC_E_REG, "etc/shadow/x/y/z", 0644, NULL);
    CHECK(pc_fsview_apply(&v, &l, 2, &e) == -1);
    CHECK_CONTAINS(e.msg, "not a directory");
    pc_fsview_free(&v);
    pc_layer_facts_free(&l);
    for (size_t k = 0; k < nk; k++)
        pc_layer_facts_free(&kept[k]);
}

static void test_pathnorm(void)
{
    char out[64];
    CHECK(pc_path_normalise("./usr/bin/", out, sizeof out) == 0);
    CHECK_STR(out, "usr/bin");
    CHECK(pc_path_normalise("/etc//passwd", out, sizeof out) == 0);
    CHECK_STR(out, "etc/passwd");
    CHECK(pc_path_normalise("a/b/../c", out, sizeof out) == 0);
    CHECK_STR(out, "a/c");
    CHECK(pc_path_normalise("./", out, sizeof out) == 0);
    CHECK_STR(out, "");
    CHECK(pc_path_normalise("../../etc/evil", out, sizeof out) == -1);
    CHECK(pc_path_normalise("a/../../x", out, sizeof out) == -1);
    char big[200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK(pc_path_normalise(big, out, sizeof out) == -1);
}

static void test_passwd(void)
{
    const char *pw = "root:x:0:0:root:/root:/bin/sh\n# comment\nbroken\n"
                     "admin:x:0:10::/:/bin/sh\napp:x:1000:1001::/app:/sbin/nologin";
    uint32_t uid = 9, gid = 9;
    CHECK(pc_passwd_by_name(pw, strlen(pw), "admin", &uid, &gid) == 0 && uid == 0 && gid == 10);
    CHECK(pc_passwd_by_name(pw, strlen(pw), "app", &uid, &gid) == 0 && uid == 1000);
    CHECK(pc_passwd_by_name(pw, strlen(pw), "ap", &uid, &gid) == -1);
    CHECK(pc_passwd_by_name(pw, strlen(pw), "nobody", &uid, &gid) == -1);
    CHECK(pc_passwd_by_uid(pw, strlen(pw), 1000, &gid) == 0 && gid == 1001);
    CHECK(pc_parse_id("4294967295", 10, &uid) == -1);
    CHECK(pc_parse_id("12a", 3, &uid) == -1);
    const char *gr = "root:x:0:\nstaff:x:50:a,b\n";
    CHECK(pc_group_by_name(gr, strlen(gr), "staff", &gid) == 0 && gid == 50);
}

static void test_elfhead(void)
{
    unsigned char elf[256] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    pc_arena a = {0};
    pc_entry ent = {0};
    elf[16] = 2;  /* ET_EXEC */
    elf[18] = 62; /* x86_64 */
    elf[32] = 64; /* phoff */
    elf[54] = 56; /* phentsize */
    elf[56] = 1;  /* phnum */
    elf[64] = 3;  /* PT_INTERP */
    elf[64 + 8] = 200;
    elf[64 + 32] = 28;
    memcpy(elf + 200, "/lib64/ld-linux-x86-64.so.2", 28);
    pc_head_parse(elf, sizeof elf, &ent, &a);
    CHECK(ent.head == PC_HEAD_ELF && ent.elf_machine == 62);
    CHECK_STR(ent.interp, "/lib64/ld-linux-x86-64.so.2");
    /* an interp offset past the buffer is ignored, not read */
    pc_entry e2 = {0};
    elf[64 + 8] = 250;
    pc_head_parse(elf, sizeof elf, &e2, &a);
    CHECK(e2.head == PC_HEAD_ELF && e2.interp == NULL);
    pc_entry e3 = {0};
    const char *sh = "#! /usr/bin/env python3 \nprint(1)\n";
    pc_head_parse((const unsigned char *)sh, strlen(sh), &e3, &a);
    CHECK(e3.head == PC_HEAD_SCRIPT);
    CHECK_STR(e3.interp, "/usr/bin/env python3");
    CHECK(pc_elf_machine_for_arch("arm64") == 183);
    pc_arena_free(&a);
}

int main(void)
{
    test_layers();
    test_overlay();
    test_errors();
    test_pathnorm();
    test_passwd();
    test_elfhead();
    TEST_MAIN_END();
}
