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
    add(&l1, PC_E_SYMLINK, "lib", 0777, "/usr/lib");
    CHECK(pc_fsview_apply(&v, &l1, 0, &e) == 0);
    CHECK(get(&v, "/d") && get(&v, "/d")->type == PC_E_DIR && !get(&v, "/d")->e);
    CHECK(get(&v, "/lib") && get(&v, "/lib")->type == PC_E_SYMLINK);

    add(&l2, PC_E_WHITEOUT, "a/suid1", 0, NULL);
    add(&l2, PC_E_OPAQUE, "d", 0, NULL);
    add(&l2, PC_E_REG, "d/new", 0644, NULL);
    add(&l2, PC_E_REG, "lib/libx.so", 0644, NULL); /* through the symlink */
    add(&l2, PC_E_HARDLINK, "usr/bin/link", 0, "usr/bin/sx");
    CHECK(pc_fsview_apply(&v, &l2, 1, &e) == 0);
    CHECK(get(&v, "/a") != NULL);
    CHECK(get(&v, "/a/suid1") == NULL);
    CHECK(get(&v, "/d/suid2") == NULL);
    CHECK(get(&v, "/d/sub/deep") == NULL);
    CHECK(get(&v, "/d/new") != NULL);
    CHECK(get(&v, "/usr/lib/libx.so") != NULL);
    CHECK(pc_fsview_lookup(&v, "/lib/libx.so", 1) == get(&v, "/usr/lib/libx.so"));
    const pc_node *ln = get(&v, "/usr/bin/link");
    CHECK(ln && ln->type == PC_E_REG && ln->e && (ln->e->mode & 04000) && ln->layer == 1);

    /* a file replaces a directory and its subtree; a whiteout in the same
     * layer does not hide that layer's own entry */
    add(&l3, PC_E_REG, "a", 0600, NULL);
    add(&l3, PC_E_WHITEOUT, "d/new", 0, NULL);
    add(&l3, PC_E_REG, "d/new", 0600, NULL);
    CHECK(pc_fsview_apply(&v, &l3, 2, &e) == 0);
    CHECK(get(&v, "/a") && get(&v, "/a")->type == PC_E_REG);
    CHECK(get(&v, "/d/new") && get(&v, "/d/new")->layer == 2);
    char path[256];
    pc_node_path(get(&v, "/usr/lib/libx.so"), path, sizeof path);
    CHECK_STR(path, "/usr/lib/libx.so");
    pc_fsview_free(&v);
    pc_layer_facts_free(&l1);
    pc_layer_facts_free(&l2);
    pc_layer_facts_free(&l3);
}

static void test_errors(void)
{
    pc_layer_facts l;
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
    pc_layer_facts_free(&l);
    pc_layer_facts_init(&l);
    add(&l, PC_E_HARDLINK, "x", 0, "missing/file");
    CHECK(pc_fsview_apply(&v, &l, 1, &e) == -1);
    CHECK_CONTAINS(e.msg, "hardlink target \"missing/file\": does not exist");
    pc_layer_facts_free(&l);
    pc_layer_facts_init(&l);
    add(&l, PC_E_REG, "etc/shadow/x", 0644, NULL);
    CHECK(pc_fsview_apply(&v, &l, 1, &e) == -1);
    CHECK_CONTAINS(e.msg, "not a directory");
    pc_fsview_free(&v);
    pc_layer_facts_free(&l);
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
    test_errors();
    test_pathnorm();
    test_passwd();
    test_elfhead();
    TEST_MAIN_END();
}
