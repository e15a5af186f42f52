/*
 * test_cache.c — the layer facts cache: round trip, misses for corrupt,
 * truncated and foreign entries, refusing unsafe directories, LRU
 * eviction, and concurrent writers never leaving a half entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cache.h"
#include "testlib.h"
#include "util.h"

static const char *L1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
static const char *R1 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

static void make_facts(pc_layer_facts *f, const char *digest, size_t n)
{
    pc_layer_facts_init(f);
    snprintf(f->digest, sizeof f->digest, "%s", digest);
    f->bytes = 12345;
    for (size_t i = 0; i < n; i++) {
        pc_entry *e = pc_layer_facts_add(f);
        char p[64];
        snprintf(p, sizeof p, "usr/bin/f%zu", i);
        e->path = pc_arena_strdup(&f->arena, p);
        e->type = i % 3 == 0 ? PC_E_SYMLINK : PC_E_REG;
        e->link = e->type == PC_E_SYMLINK ? pc_arena_strdup(&f->arena, "../lib/x") : NULL;
        e->mode = 04755;
        e->uid = (uint32_t)i;
        e->has_cap = i == 1;
        e->cap.permitted = 1ull << 13;
        e->cap.effective = 1;
        e->head = PC_HEAD_ELF;
        e->elf_machine = 62;
        e->interp = pc_arena_strdup(&f->arena, "/lib64/ld-linux-x86-64.so.2");
        if (i == 2) {
            e->data = pc_arena_strdup(&f->arena, "root:x:0:0::/:/bin/sh\n");
            e->data_len = strlen(e->data);
            e->matches = pc_arena_alloc(&f->arena, sizeof *e->matches);
            e->matches[0] = (pc_match){pc_arena_strdup(&f->arena, "netcat_openbsd"),
                                       pc_arena_strdup(&f->arena, "nc"), NULL, NULL};
            e->nmatches = 1;
        }
    }
}

static int same(const pc_layer_facts *a, const pc_layer_facts *b)
{
    if (a->nentries != b->nentries || a->bytes != b->bytes || strcmp(a->digest, b->digest))
        return 0;
    for (size_t i = 0; i < a->nentries; i++) {
        const pc_entry *x = &a->entries[i], *y = &b->entries[i];
        if (strcmp(x->path, y->path) || x->type != y->type || x->mode != y->mode ||
            x->uid != y->uid || x->has_cap != y->has_cap || x->cap.permitted != y->cap.permitted ||
            x->nmatches != y->nmatches || x->data_len != y->data_len || (!x->link) != (!y->link) ||
            (x->link && strcmp(x->link, y->link)) || strcmp(x->interp, y->interp))
            return 0;
        if (x->nmatches && strcmp(x->matches[0].rule, y->matches[0].rule))
            return 0;
    }
    return 1;
}

static void flip_byte(const char *dir, long off)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "f=$(ls %s/facts/*.facts | head -1); printf 'X' | dd of=\"$f\" bs=1 seek=%ld "
             "conv=notrunc status=none",
             dir, off);
    CHECK(system(cmd) == 0);
}

static void test_roundtrip(const char *dir)
{
    pc_cache c;
    pc_err e = {{0}};
    pc_layer_facts f, g;
    CHECK(pc_cache_open(&c, dir, 0, &e) == 0);
    make_facts(&f, L1, 50);
    CHECK(pc_cache_get(&c, L1, R1, &g) == 0);
    CHECK(pc_cache_put(&c, R1, &f, &e) == 0);
    CHECK(pc_cache_get(&c, L1, R1, &g) == 1);
    CHECK(same(&f, &g));
    pc_layer_facts_free(&g);
    CHECK(pc_cache_get(&c, L1, L1, &g) == 0); /* other rules digest */
    flip_byte(dir, 300);                      /* payload byte: checksum */
    CHECK(pc_cache_get(&c, L1, R1, &g) == 0);
    CHECK(pc_cache_put(&c, R1, &f, &e) == 0);
    flip_byte(dir, 20); /* header: layer digest */
    CHECK(pc_cache_get(&c, L1, R1, &g) == 0);
    CHECK(pc_cache_put(&c, R1, &f, &e) == 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "for f in %s/facts/*.facts; do truncate -s 250 $f; done", dir);
    CHECK(system(cmd) == 0);
    CHECK(pc_cache_get(&c, L1, R1, &g) == 0);
    pc_layer_facts_free(&f);
    pc_cache_close(&c);
}

static void test_decode_garbage(void)
{
    unsigned char buf[512];
    pc_layer_facts f;
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(rand() % (int)sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)rand();
        if (n >= 16 && round % 2) /* plausible counts */
            memset(buf + 8, 0, 8), buf[8] = (unsigned char)(rand() % 4);
        pc_layer_facts_init(&f);
        pc_facts_decode(buf, n, &f); /* must not crash or overread (ASan) */
        pc_layer_facts_free(&f);
    }
    CHECK(1);
}

static void test_unsafe_dir(const char *base)
{
    char d[700];
    pc_cache c;
    pc_err e = {{0}};
    snprintf(d, sizeof d, "%s/shared", base);
    CHECK(mkdir(d, 0777) == 0 && chmod(d, 0777) == 0);
    CHECK(pc_cache_open(&c, d, 0, &e) == -1);
    CHECK_CONTAINS(e.msg, "writable by other users");
}

static void test_prune(const char *dir)
{
    pc_cache c;
    pc_err e = {{0}};
    pc_cache_stats st;
    CHECK(pc_cache_open(&c, dir, 0, &e) == 0);
    char dg[80];
    for (int i = 0; i < 5; i++) {
        pc_layer_facts f;
        snprintf(dg, sizeof dg, "sha256:%064d", i);
        make_facts(&f, dg, 20);
        CHECK(pc_cache_put(&c, R1, &f, &e) == 0);
        pc_layer_facts_free(&f);
        usleep(20000);
    }
    CHECK(pc_cache_stats_get(&c, &st, &e) == 0 && st.entries == 5);
    pc_layer_facts g;
    snprintf(dg, sizeof dg, "sha256:%064d", 0);
    CHECK(pc_cache_get(&c, dg, R1, &g) == 1); /* entry 0 is now the most recent */
    pc_layer_facts_free(&g);
    CHECK(pc_cache_prune(&c, st.bytes / 2, &e) == 0);
    CHECK(pc_cache_stats_get(&c, &st, &e) == 0 && st.entries < 5 && st.entries >= 1);
    CHECK(pc_cache_get(&c, dg, R1, &g) == 1);
    pc_layer_facts_free(&g);
    CHECK(pc_cache_prune(&c, 0, &e) == 0);
    CHECK(pc_cache_stats_get(&c, &st, &e) == 0 && st.entries == 0);
    pc_cache_close(&c);
}

static void test_concurrent(const char *dir)
{
    pc_cache c;
    pc_err e = {{0}};
    CHECK(pc_cache_open(&c, dir, 0, &e) == 0);
    for (int k = 0; k < 4; k++) {
        if (fork() == 0) {
            pc_layer_facts f, g;
            int bad = 0;
            make_facts(&f, L1, 2000);
            for (int i = 0; i < 20; i++) {
                pc_cache_put(&c, R1, &f, &e);
                if (pc_cache_get(&c, L1, R1, &g)) {
                    bad |= !same(&f, &g);
                    pc_layer_facts_free(&g);
                }
            }
            pc_layer_facts_free(&f);
            _exit(bad);
        }
    }
    int ok = 1, status;
    while (wait(&status) > 0)
        ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
    CHECK(ok);
    pc_cache_close(&c);
}

int main(void)
{
    char base[] = "/tmp/pc-cache-test.XXXXXX", dir[600];
    CHECK(mkdtemp(base) != NULL);
    snprintf(dir, sizeof dir, "%s/c", base);
    test_roundtrip(dir);
    test_decode_garbage();
    test_unsafe_dir(base);
    snprintf(dir, sizeof dir, "%s/p", base);
    test_prune(dir);
    snprintf(dir, sizeof dir, "%s/w", base);
    test_concurrent(dir);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
