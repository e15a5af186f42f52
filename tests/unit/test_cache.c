/*
 * test_cache.c — the layer facts cache: round trip, misses for corrupt,
 * truncated and foreign entries, refusing unsafe directories (another
 * user's, group- or world-writable) and entries another user wrote, LRU
 * eviction, and concurrent writers never leaving a half entry. Facts are
 * keyed by how the blob is decoded too (a blob cached as sniffed is not
 * the answer for a raw read), and a scan refuses a layer, cached or not,
 * whose diff id is not the one its config lists, and counts cached layers
 * against the policy's limits. Run as root (another owner is made with
 * chown), as the whole suite is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cache.h"
#include "spill.h"
#include "ctx.h"
#include "sha256.h"
#include "tarkit.h"
#include "testfile.h"
#include "testlib.h"
#include "pcx.h"

static const char *L1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
static const char *R1 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
static const char *D1 = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
#define SNIFF PC_DECODE_SNIFF
#define RAW PC_DECODE_RAW

static void make_facts(pc_layer_facts *f, const char *digest, size_t n)
{
    pc_layer_facts_init(f);
    snprintf(f->digest, sizeof f->digest, "%s", digest);
    f->bytes = 12345;
    snprintf(f->diff_id, sizeof f->diff_id, "%s", D1);
    f->codec = PC_COMP_ZSTD;
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
        if (i % 4 == 1) { /* a dynamic section: DT_NEEDED, DT_RUNPATH */
            e->dyn = 1;
            e->nneeded = 2;
            e->needed = pc_arena_alloc(&f->arena, 2 * sizeof *e->needed);
            e->needed[0] = pc_arena_strdup(&f->arena, "libfoo.so.1");
            e->needed[1] = pc_arena_strdup(&f->arena, "libc.so.6");
            e->runpath = pc_arena_strdup(&f->arena, "$ORIGIN/../lib");
        }
        if (i == 2) {
            e->data = pc_arena_strdup(&f->arena, "root:x:0:0::/:/bin/sh\n");
            e->data_len = strlen(e->data);
            e->matches = pc_arena_alloc(&f->arena, sizeof *e->matches);
            e->matches[0] = (pc_match){pc_arena_strdup(&f->arena, "netcat_openbsd"),
                                       pc_arena_strdup(&f->arena, "nc"),
                                       NULL,
                                       NULL,
                                       pc_arena_strdup(&f->arena, "relay"),
                                       NULL,
                                       pc_arena_strdup(&f->arena, "t.tgz > bin/nc")};
            e->nmatches = 1;
        }
    }
}

static int same(const pc_layer_facts *a, const pc_layer_facts *b)
{
    if (a->nentries != b->nentries || a->bytes != b->bytes || strcmp(a->digest, b->digest) ||
        strcmp(a->diff_id, b->diff_id) || a->codec != b->codec)
        return 0;
    for (size_t i = 0; i < a->nentries; i++) {
        const pc_entry *x = &a->entries[i], *y = &b->entries[i];
        if (strcmp(x->path, y->path) || x->type != y->type || x->mode != y->mode ||
            x->uid != y->uid || x->has_cap != y->has_cap || x->cap.permitted != y->cap.permitted ||
            x->nmatches != y->nmatches || x->data_len != y->data_len || (!x->link) != (!y->link) ||
            (x->link && strcmp(x->link, y->link)) || strcmp(x->interp, y->interp))
            return 0;
        if (x->nmatches &&
            (strcmp(x->matches[0].rule, y->matches[0].rule) ||
             (!x->matches[0].category) != (!y->matches[0].category) ||
             (x->matches[0].category && strcmp(x->matches[0].category, y->matches[0].category)) ||
             x->matches[0].signal || y->matches[0].signal || !y->matches[0].member ||
             strcmp(x->matches[0].member, y->matches[0].member)))
            return 0;
        if (x->dyn != y->dyn || x->nneeded != y->nneeded || (!x->runpath) != (!y->runpath) ||
            (x->runpath && strcmp(x->runpath, y->runpath)) || (!x->rpath) != (!y->rpath))
            return 0;
        for (size_t k = 0; k < x->nneeded; k++)
            if (strcmp(x->needed[k], y->needed[k]))
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
    CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 0);
    CHECK(pc_cache_put(&c, SNIFF, R1, &f, &e) == 0);
    CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 1);
    CHECK(same(&f, &g));
    pc_layer_facts_free(&g);
    CHECK(pc_cache_get(&c, L1, SNIFF, L1, &g) == 0); /* other rules digest */
    flip_byte(dir, 300);                             /* payload byte: checksum */
    CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 0);
    CHECK(pc_cache_put(&c, SNIFF, R1, &f, &e) == 0);
    flip_byte(dir, 20); /* header: layer digest */
    CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 0);
    CHECK(pc_cache_put(&c, SNIFF, R1, &f, &e) == 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "for f in %s/facts/*.facts; do truncate -s 250 $f; done", dir);
    CHECK(system(cmd) == 0);
    CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 0);
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
    /* every strict prefix of a real encoding is refused, never half read */
    pc_layer_facts g;
    unsigned char *enc = NULL;
    size_t len = 0, accepted = 0;
    make_facts(&g, L1, 20);
    CHECK(pc_facts_encode(&g, &enc, &len) == 0 && len > 0);
    for (size_t k = 0; enc && k < len; k++) {
        pc_layer_facts_init(&f);
        accepted += pc_facts_decode(enc, k, &f) == 0;
        pc_layer_facts_free(&f);
    }
    CHECK(accepted == 0);
    pc_layer_facts_init(&f);
    CHECK(enc && pc_facts_decode(enc, len, &f) == 0 && f.nentries == 20);
    pc_layer_facts_free(&f);
    pc_layer_facts_free(&g);
    free(enc);
}

/* The dynamic section's fields are bounds-checked: a needed count over
 * PC_DT_NEEDED_MAX, a count without dyn, a dyn flag other than 0 or 1, or
 * an empty soname are refused. */
static void test_decode_dynamic(void)
{
    pc_layer_facts f, g;
    unsigned char *enc = NULL;
    size_t len = 0;
    make_facts(&g, L1, 2); /* entry 1 has needed libfoo.so.1, libc.so.6 */
    CHECK(pc_facts_encode(&g, &enc, &len) == 0);
    unsigned char *at = enc ? memmem(enc, len, "libfoo.so.1", 11) : NULL;
    CHECK(at != NULL);
    if (!at) {
        pc_layer_facts_free(&g);
        free(enc);
        return;
    }
    size_t cnt = (size_t)(at - enc) - 4 - 2, dyn = cnt - 1;
    CHECK(enc[dyn] == 1 && enc[cnt] == 2 && enc[cnt + 1] == 0);
    pc_layer_facts_init(&f);
    CHECK(pc_facts_decode(enc, len, &f) == 0 && f.entries[1].dyn == 1 && f.entries[1].nneeded == 2);
    CHECK_STR(f.entries[1].needed[0], "libfoo.so.1");
    CHECK_STR(f.entries[1].runpath, "$ORIGIN/../lib");
    pc_layer_facts_free(&f);
    struct {
        size_t off;
        unsigned char v;
    } bad[] = {{dyn, 2}, {dyn, 0}, {cnt + 1, 1} /* 258 */, {cnt, 0xff}, {at - enc - 4, 0}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        unsigned char old = enc[bad[k].off];
        enc[bad[k].off] = bad[k].v;
        pc_layer_facts_init(&f);
        CHECK(pc_facts_decode(enc, len, &f) == -1);
        pc_layer_facts_free(&f);
        enc[bad[k].off] = old;
    }
    pc_layer_facts_free(&g);
    free(enc);
}

/* A directory of MODE (and owner uid, when not -1) must be refused with
 * a message containing why; the same directory made safe is accepted. */
static void unsafe_dir(const char *base, const char *name, mode_t mode, long uid, const char *why)
{
    char d[700];
    pc_cache c;
    pc_err e = {{0}};
    snprintf(d, sizeof d, "%s/%s", base, name);
    CHECK(mkdir(d, 0700) == 0 && chmod(d, mode) == 0);
    if (uid >= 0)
        CHECK(chown(d, (uid_t)uid, (gid_t)-1) == 0);
    CHECK(pc_cache_open(&c, d, 0, &e) == -1);
    CHECK_CONTAINS(e.msg, why);
    memset(&e, 0, sizeof e);
    CHECK(pc_cache_check_dir(d, &e) == -1);
    CHECK_CONTAINS(e.msg, why);
    CHECK(chown(d, geteuid(), (gid_t)-1) == 0 && chmod(d, 0755) == 0);
    CHECK(pc_cache_open(&c, d, 0, &e) == 0);
    pc_cache_close(&c);
}

static void test_unsafe_dir(const char *base)
{
    unsafe_dir(base, "shared", 0777, -1, "writable by other users (mode 0777)");
    unsafe_dir(base, "group", 0770, -1, "writable by other users (mode 0770)");
    unsafe_dir(base, "world", 0703, -1, "writable by other users (mode 0703)");
    unsafe_dir(base, "theirs", 0700, 65534, "is owned by uid 65534, not by us");
    /* the facts/ directory inside a safe one is checked too */
    char d[700], facts[760];
    pc_cache c;
    pc_err e = {{0}};
    snprintf(d, sizeof d, "%s/inner", base);
    snprintf(facts, sizeof facts, "%s/facts", d);
    CHECK(mkdir(d, 0700) == 0 && mkdir(facts, 0700) == 0 && chmod(facts, 0770) == 0);
    CHECK(pc_cache_open(&c, d, 0, &e) == -1);
    /* refused; the message names facts/ and the real reason, not the
     * EEXIST of the mkdir that found it there */
    CHECK_CONTAINS(e.msg, "inner/facts");
    CHECK_CONTAINS(e.msg, "writable by other users (mode 0770)");
    CHECK(strstr(e.msg, "File exists") == NULL);
}

/* An entry another user wrote (or could have replaced) is not used. */
static void test_foreign_entry(const char *dir)
{
    pc_cache c;
    pc_err e = {{0}};
    pc_layer_facts f, g;
    glob_t gl;
    char pat[700];
    CHECK(pc_cache_open(&c, dir, 0, &e) == 0);
    make_facts(&f, L1, 3);
    CHECK(pc_cache_put(&c, SNIFF, R1, &f, &e) == 0);
    CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 1);
    pc_layer_facts_free(&g);
    snprintf(pat, sizeof pat, "%s/facts/*.facts", dir);
    CHECK(glob(pat, 0, NULL, &gl) == 0 && gl.gl_pathc == 1);
    if (gl.gl_pathc == 1) {
        CHECK(chown(gl.gl_pathv[0], 65534, (gid_t)-1) == 0);
        CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 0);
    }
    globfree(&gl);
    pc_layer_facts_free(&f);
    pc_cache_close(&c);
}

/* A memory sink for pc_facts_encode_to; fail_at: the call that fails (0:
 * none). */
typedef struct msink {
    unsigned char *p;
    size_t len, cap;
    int calls, fail_at;
} msink;

static int to_mem(void *ud, const void *p, size_t n)
{
    msink *m = ud;
    if (++m->calls == m->fail_at || pc_grow((void **)&m->p, &m->cap, m->len + n, 1) < 0)
        return -1;
    memcpy(m->p + m->len, p, n);
    m->len += n;
    return 0;
}

/* The cache file is written as the facts are encoded (one 64 KiB buffer,
 * hashed on the way, the header last): it holds exactly the bytes of the
 * in-memory encoding a shared store gets, and reads back as the same
 * facts. Large enough to flush many times, with one string bigger than
 * the buffer. A sink that fails fails the encoding. */
static void test_streamed(const char *dir)
{
    pc_cache c;
    pc_err e = {{0}};
    pc_layer_facts f, g;
    unsigned char *mem = NULL, *file = NULL, *whole = NULL;
    size_t mlen = 0, wlen = 0, flen = 0;
    uint64_t slen = 0;
    CHECK(pc_cache_open(&c, dir, 0, &e) == 0);
    make_facts(&f, L1, 3000);
    size_t big = 100000;
    char *data = pc_arena_alloc(&f.arena, big);
    CHECK(data != NULL);
    if (data) {
        memset(data, 'p', big);
        f.entries[7].data = data;
        f.entries[7].data_len = big;
    }
    CHECK(pc_facts_encode(&f, &mem, &mlen) == 0 && mlen > 4 * 65536);
    msink ms = {0};
    CHECK(pc_facts_encode_to(&f, to_mem, &ms, &slen) == 0);
    CHECK(slen == mlen && ms.len == mlen && ms.calls > 4);
    CHECK(mem && ms.p && mlen == ms.len && memcmp(mem, ms.p, mlen) == 0);
    CHECK(pc_cache_entry_encode(SNIFF, R1, &f, &whole, &wlen) == 0 && wlen > mlen);
    CHECK(whole && mem && memcmp(whole + (wlen - mlen), mem, mlen) == 0);
    CHECK(pc_cache_put(&c, SNIFF, R1, &f, &e) == 0);
    char path[800];
    glob_t gl;
    snprintf(path, sizeof path, "%s/facts/*.facts", dir);
    CHECK(glob(path, 0, NULL, &gl) == 0 && gl.gl_pathc == 1);
    if (gl.gl_pathc == 1)
        CHECK(pc_read_file(gl.gl_pathv[0], 64u << 20, (char **)&file, &flen, &e) == 0);
    globfree(&gl);
    CHECK(file && whole && flen == wlen && memcmp(file, whole, wlen) == 0);
    CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 1);
    CHECK(same(&f, &g) && g.nentries == 3000 && g.entries[7].data_len == big);
    pc_layer_facts_free(&g);
    msink bad = {.fail_at = 3};
    CHECK(pc_facts_encode_to(&f, to_mem, &bad, &slen) == -1);
    free(bad.p);
    free(ms.p);
    free(mem);
    free(file);
    free(whole);
    pc_layer_facts_free(&f);
    pc_cache_close(&c);
}

/* A cold scan sets walked layers aside (spill.c): each reads back as the
 * facts it was, whatever was spilled after it; a byte changed in the file
 * or a reference past its end fails the read, never gives other facts;
 * and a spill that cannot be opened declines every put (the scan keeps
 * the facts in memory). */
static void test_spill(const char *base)
{
    pc_spill sp, none;
    pc_spill_ref r1, r2, bad;
    pc_layer_facts f1, f2, g;
    pc_err e = {{0}};
    char nodir[700];
    snprintf(nodir, sizeof nodir, "%s/no-such-dir", base);
    CHECK(pc_spill_open(&none, nodir) == -1 && none.fd == -1);
    make_facts(&f1, L1, 40);
    CHECK(pc_spill_put(&none, &f1, &r1) == -1);
    pc_spill_close(&none);
    CHECK(pc_spill_open(&sp, base) == 0 && sp.fd >= 0);
    make_facts(&f2, R1, 3000); /* more than one 64 KiB piece of encoding */
    f2.entries[5].data = "x";
    f2.entries[5].data_len = 1;
    CHECK(pc_spill_put(&sp, &f1, &r1) == 0 && r1.off == 0 && r1.len > 0);
    CHECK(pc_spill_put(&sp, &f2, &r2) == 0 && r2.off == r1.len && r2.len > 65536);
    CHECK(pc_spill_get(&sp, &r2, &g, &e) == 0 && same(&f2, &g));
    CHECK(g.entries[5].data_len == 1 && g.entries[5].data[0] == 'x');
    pc_layer_facts_free(&g);
    CHECK(pc_spill_get(&sp, &r1, &g, &e) == 0 && same(&f1, &g));
    pc_layer_facts_free(&g);
    /* nothing of the spill is in the directory */
    char cmd[800];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s | grep spill)\"", base);
    CHECK(system(cmd) == 0);
    bad = r1;
    bad.len = r1.len + r2.len + 1; /* past the end */
    CHECK(pc_spill_get(&sp, &bad, &g, &e) == -1 && strstr(e.msg, "reading its set-aside facts"));
    CHECK(g.nentries == 0);
    unsigned char x = 0;
    CHECK(pread(sp.fd, &x, 1, (off_t)(r1.off + r1.len / 2)) == 1);
    x ^= 0x40;
    CHECK(pwrite(sp.fd, &x, 1, (off_t)(r1.off + r1.len / 2)) == 1);
    CHECK(pc_spill_get(&sp, &r1, &g, &e) == -1 && strstr(e.msg, "changed on disk"));
    CHECK(strstr(e.msg, L1) != NULL && g.nentries == 0);
    CHECK(pc_spill_get(&sp, &r2, &g, &e) == 0 && same(&f2, &g)); /* the other is whole */
    pc_layer_facts_free(&g);
    pc_spill_close(&sp);
    pc_spill_close(&sp);
    CHECK(pc_spill_get(&sp, &r2, &g, &e) == -1);
    pc_layer_facts_free(&f1);
    pc_layer_facts_free(&f2);
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
        CHECK(pc_cache_put(&c, SNIFF, R1, &f, &e) == 0);
        pc_layer_facts_free(&f);
    }
    /* ages set explicitly (entry i written i minutes after the first), not
     * waited for: least recently used is entry 0 */
    glob_t gl;
    char pat[700];
    snprintf(pat, sizeof pat, "%s/facts/*.facts", dir);
    CHECK(glob(pat, 0, NULL, &gl) == 0 && gl.gl_pathc == 5);
    for (int i = 0; i < 5; i++) {
        snprintf(dg, sizeof dg, "sha256:%064d", i);
        for (size_t k = 0; k < gl.gl_pathc; k++) { /* the file whose header names dg */
            char head[100] = {0};
            FILE *fp = fopen(gl.gl_pathv[k], "rb");
            if (fp && fread(head, 1, 83, fp) == 83 && strncmp(head + 12, dg, 71) == 0) {
                struct timespec t[2] = {{.tv_sec = time(NULL) - 3600 + 60 * i},
                                        {.tv_sec = time(NULL) - 3600 + 60 * i}};
                CHECK(utimensat(AT_FDCWD, gl.gl_pathv[k], t, 0) == 0);
            }
            if (fp)
                fclose(fp);
        }
    }
    globfree(&gl);
    CHECK(pc_cache_stats_get(&c, &st, &e) == 0 && st.entries == 5);
    pc_layer_facts g;
    snprintf(dg, sizeof dg, "sha256:%064d", 0);
    CHECK(pc_cache_get(&c, dg, SNIFF, R1, &g) == 1); /* entry 0 is now the most recent */
    pc_layer_facts_free(&g);
    CHECK(pc_cache_prune(&c, st.bytes / 2, &e) == 0);
    CHECK(pc_cache_stats_get(&c, &st, &e) == 0 && st.entries < 5 && st.entries >= 1);
    CHECK(pc_cache_get(&c, dg, SNIFF, R1, &g) == 1);
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
                pc_cache_put(&c, SNIFF, R1, &f, &e);
                if (pc_cache_get(&c, L1, SNIFF, R1, &g)) {
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

/* The decode class is part of the key: what a blob read sniffed gave is
 * not what a raw read of it gives. Old-format files are misses. */
static void test_decode_class(const char *dir)
{
    pc_cache c;
    pc_err e = {{0}};
    pc_layer_facts f, g;
    CHECK(pc_cache_open(&c, dir, 0, &e) == 0);
    make_facts(&f, L1, 5);
    CHECK(pc_cache_put(&c, SNIFF, R1, &f, &e) == 0);
    CHECK(pc_cache_get(&c, L1, RAW, R1, &g) == 0);
    CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 1);
    CHECK(same(&f, &g) && g.codec == PC_COMP_ZSTD);
    CHECK_STR(g.diff_id, D1);
    pc_layer_facts_free(&g);
    f.codec = PC_COMP_NONE; /* the raw read of the same blob */
    f.diff_id[7] = 'a';
    CHECK(pc_cache_put(&c, RAW, R1, &f, &e) == 0);
    CHECK(pc_cache_get(&c, L1, RAW, R1, &g) == 1);
    CHECK(g.codec == PC_COMP_NONE && g.diff_id[7] == 'a');
    pc_layer_facts_free(&g);
    CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 1);
    CHECK(g.codec == PC_COMP_ZSTD && g.diff_id[7] == '3');
    pc_layer_facts_free(&g);
    /* the same file claiming format 1 (before diff ids were stored) */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "for f in %s/facts/*.facts; do printf '\\001' | dd of=\"$f\" bs=1 seek=8 "
             "conv=notrunc status=none; done",
             dir);
    CHECK(system(cmd) == 0);
    CHECK(pc_cache_get(&c, L1, SNIFF, R1, &g) == 0);
    CHECK(pc_cache_get(&c, L1, RAW, R1, &g) == 0);
    pc_layer_facts_free(&f);
    pc_cache_close(&c);
}

/* ---- a scan through the cache: a hand-made OCI layout ---- */

#define MANIFEST "application/vnd.oci.image.manifest.v1+json"

static void write_file(const char *dir, const char *name, const char *text)
{
    write_in(dir, name, text, strlen(text));
}

/* One file, the end-of-archive blocks, then bytes hashed into the diff id. */
static size_t one_file_tar(unsigned char *out)
{
    memset(out, 0, 5 * 512);
    ustar_file(out, "hello", 0644, "hello\n", 6);
    memcpy(out + 4 * 512, "after the end", 13);
    return 5 * 512;
}

/* Image "good" lists the layer's true diff id, image "bad" another one.
 * Returns the layer digest in layer[]. */
static void make_layout(const char *layout, char layer[72])
{
    char path[1024], diff[72], cfg_d[72], man_d[2][72], doc[4096], entry[2][400];
    unsigned char tar[4096];
    size_t tn = one_file_tar(tar);
    snprintf(path, sizeof path, "mkdir -p %s/blobs/sha256", layout);
    CHECK(system(path) == 0);
    write_file(layout, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    write_blob(layout, tar, tn, layer);
    pc_sha256_digest(tar, tn, diff);
    for (int k = 0; k < 2; k++) {
        int cn = snprintf(doc, sizeof doc,
                          "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":"
                          "\"1000\",\"Entrypoint\":[\"/hello\"]},\"rootfs\":{\"type\":\"layers\","
                          "\"diff_ids\":[\"%s\"]}}",
                          k == 0 ? diff : D1);
        write_blob(layout, doc, (size_t)cn, cfg_d);
        int mn = snprintf(doc, sizeof doc,
                          "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
                          "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
                          "\"size\":%d},\"layers\":[{\"mediaType\":\"application/"
                          "vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu}]}",
                          MANIFEST, cfg_d, cn, layer, tn);
        write_blob(layout, doc, (size_t)mn, man_d[k]);
        snprintf(entry[k], sizeof entry[k],
                 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%d,\"annotations\":{"
                 "\"org.opencontainers.image.ref.name\":\"%s\"}}",
                 MANIFEST, man_d[k], mn, k == 0 ? "good" : "bad");
    }
    snprintf(doc, sizeof doc, "{\"schemaVersion\":2,\"manifests\":[%s,%s]}", entry[0], entry[1]);
    write_file(layout, "index.json", doc);
}

static pc_ctx *make_ctx_policy(const char *base, const char *cache, const char *policy)
{
    char rules[700], pol[700], err[512];
    const char *root = getenv("PC_ROOT");
    snprintf(rules, sizeof rules, "%s/none.yar", base);
    FILE *fp = fopen(rules, "w");
    if (fp) {
        fputs("rule nothing { condition: false }\n", fp);
        fclose(fp);
    }
    snprintf(pol, sizeof pol, "%s/rules/policies", root ? root : ".");
    pc_options o;
    pc_options_init(&o);
    o.rules = rules;
    o.policies_dir = pol;
    o.policy = policy;
    o.cache_dir = cache;
    o.jobs = 1;
    pc_ctx *ctx = NULL;
    if (pc_ctx_new(&o, &ctx, err, sizeof err) < 0)
        fprintf(stderr, "pc_ctx_new: %s\n", err);
    CHECK(ctx != NULL);
    return ctx;
}

static pc_ctx *make_ctx(const char *base, const char *cache)
{
    return make_ctx_policy(base, cache, NULL);
}

/* Scan; 1 when it failed with a message containing `want` (NULL: 1 when it
 * did not fail). *cached gets how many layers came from the cache. */
static int scan_says(const pc_ctx *ctx, const char *ref, const char *want, unsigned *cached)
{
    pc_result *r = pc_scan(ctx, ref);
    int ok = 0;
    if (!r)
        return 0;
    *cached = r->stats.cached_layers;
    if (!want) {
        ok = !r->scan_failed;
    } else if (r->scan_failed) {
        for (size_t i = 0; i < r->nfindings; i++)
            if (strcmp(r->findings[i].check, "scan-error") == 0 &&
                strstr(r->findings[i].message, want))
                ok = 1;
    }
    if (!ok)
        for (size_t i = 0; i < r->nfindings; i++)
            fprintf(stderr, "  %s: %s: %s\n", ref, r->findings[i].check, r->findings[i].message);
    pc_result_free(r);
    return ok;
}

static void test_scan_diff_id(const char *base)
{
    char layout[700], cache[700], good[800], bad[800], layer[72], want[300];
    unsigned cached = 99;
    snprintf(layout, sizeof layout, "%s/layout", base);
    snprintf(cache, sizeof cache, "%s/scan-cache", base);
    snprintf(good, sizeof good, "oci:%s:good", layout);
    snprintf(bad, sizeof bad, "oci:%s:bad", layout);
    make_layout(layout, layer);
    snprintf(want, sizeof want, "layer %s: uncompressed digest sha256:", layer);
    pc_ctx *ctx = make_ctx(base, cache), *nocache = make_ctx(base, NULL);
    if (!ctx || !nocache)
        return;
    /* a wrong diff id in the config: refused when the layer is read... */
    CHECK(scan_says(nocache, bad, want, &cached) && cached == 0);
    CHECK(scan_says(nocache, bad, "does not match the config's rootfs.diff_ids[0] sha256:3333",
                    &cached));
    CHECK(scan_says(ctx, good, NULL, &cached) && cached == 0);
    CHECK(scan_says(ctx, good, NULL, &cached) && cached == 1);
    /* ...and when its facts come from the cache */
    CHECK(scan_says(ctx, bad, want, &cached) && cached == 1);
    /* a cached entry whose diff id is not the config's is refused */
    pc_layer_facts f;
    pc_err e = {{0}};
    CHECK(pc_cache_get(&ctx->cache, layer, SNIFF, ctx->facts_key, &f) == 0); /* cached as raw */
    CHECK(pc_cache_get(&ctx->cache, layer, RAW, ctx->facts_key, &f) == 1);
    if (f.diff_id[0]) {
        f.diff_id[70] = f.diff_id[70] == '0' ? '1' : '0';
        CHECK(pc_cache_put(&ctx->cache, RAW, ctx->facts_key, &f, &e) == 0);
        pc_layer_facts_free(&f);
    }
    CHECK(scan_says(ctx, good, want, &cached) && cached == 1);
    pc_ctx_free(nocache);
    pc_ctx_free(ctx);
}

/* Layers answered from the cache count against the policy's limits as
 * layers read do: a warm scan under tighter limits is refused too. */
static void test_cached_limits(const char *base)
{
    char layout[700], cache[700], good[800], pol[2][700], layer[72];
    unsigned cached = 99;
    static const char *const limits[2] = {"{\"limits\": {\"max_files\": 0}}",
                                          "{\"limits\": {\"max_image_bytes\": 100}}"};
    static const char *const why[2] = {"limits.max_files", "limits.max_image_bytes"};
    snprintf(layout, sizeof layout, "%s/layout-limits", base);
    snprintf(cache, sizeof cache, "%s/limits-cache", base);
    snprintf(good, sizeof good, "oci:%s:good", layout);
    make_layout(layout, layer);
    pc_ctx *warm = make_ctx(base, cache);
    CHECK(warm && scan_says(warm, good, NULL, &cached) && cached == 0);
    CHECK(warm && scan_says(warm, good, NULL, &cached) && cached == 1);
    pc_ctx_free(warm);
    for (int k = 0; k < 2; k++) {
        snprintf(pol[k], sizeof pol[k], "%s/limits%d.json", base, k);
        write_file(base, strrchr(pol[k], '/') + 1, limits[k]);
        pc_ctx *cold = make_ctx_policy(base, NULL, pol[k]),
               *tight = make_ctx_policy(base, cache, pol[k]);
        if (!cold || !tight) {
            pc_ctx_free(cold);
            pc_ctx_free(tight);
            continue;
        }
        CHECK(scan_says(cold, good, why[k], &cached) && cached == 0);
        CHECK(scan_says(tight, good, why[k], &cached) && cached == 1);
        pc_ctx_free(cold);
        pc_ctx_free(tight);
    }
}

/* pc_ctx_source_cfg: what a scan and a resolve (pc_resolve: the
 * webhook's tag lookups) open a source with, credentials included. */
static void test_source_cfg(const char *base)
{
    char rules[700], err[512];
    snprintf(rules, sizeof rules, "%s/none.yar", base);
    const char *root = getenv("PC_ROOT");
    char pol[700];
    snprintf(pol, sizeof pol, "%s/rules/policies", root ? root : ".");
    for (int k = 0; k < 2; k++) {
        pc_options o;
        pc_options_init(&o);
        o.rules = rules;
        o.policies_dir = pol;
        o.creds = k == 0 ? "user:s3cret" : NULL;
        o.registry_token = k == 1 ? "tok3n" : NULL;
        o.cert_dir = "/etc/portcullis/certs.d";
        o.tls_verify = 1;
        pc_ctx *ctx = NULL;
        if (pc_ctx_new(&o, &ctx, err, sizeof err) < 0)
            fprintf(stderr, "pc_ctx_new: %s\n", err);
        CHECK(ctx != NULL);
        if (!ctx)
            continue;
        pc_source_cfg c;
        pc_ctx_source_cfg(ctx, 12345, 2, &c);
        if (k == 0)
            CHECK(c.creds && strcmp(c.creds, "user:s3cret") == 0 && !c.registry_token);
        else
            CHECK(c.registry_token && strcmp(c.registry_token, "tok3n") == 0 && !c.creds);
        CHECK(c.creds_host && c.creds_host_len > 0 && c.creds_host[0] == 0);
        CHECK(c.cert_dir && strcmp(c.cert_dir, o.cert_dir) == 0 && c.tls_verify == 1);
        CHECK(c.deadline_ms == 12345 && c.progress == 2 && c.limits && c.platform);
        CHECK(c.pool == ctx->pool && c.tokens == ctx->tokens);
        pc_ctx_free(ctx);
    }
}

/* The key names the build's reader: 16 hex digits of the library's
 * sources (the Makefile's readerid.h), after the version. */
static void test_key_reader(void)
{
    const char *id = pc_reader_id();
    CHECK(strlen(id) == 16 && strspn(id, "0123456789abcdef") == 16);
    char key[512], d[72], hex[65];
    snprintf(key, sizeof key, "%s\n%s\n%s\n%s+%s", L1, pc_decode_class_name(SNIFF), R1, PC_VERSION,
             id);
    pc_sha256_digest(key, strlen(key), d);
    pc_cache_key(L1, SNIFF, R1, hex);
    CHECK_STR(hex, d + 7);
}

int main(void)
{
    char base[] = "/tmp/pc-cache-test.XXXXXX", dir[600];
    CHECK(mkdtemp(base) != NULL);
    snprintf(dir, sizeof dir, "%s/c", base);
    test_roundtrip(dir);
    test_decode_garbage();
    test_decode_dynamic();
    test_key_reader();
    test_unsafe_dir(base);
    snprintf(dir, sizeof dir, "%s/s", base);
    test_streamed(dir);
    test_spill(base);
    snprintf(dir, sizeof dir, "%s/p", base);
    test_prune(dir);
    snprintf(dir, sizeof dir, "%s/w", base);
    test_concurrent(dir);
    snprintf(dir, sizeof dir, "%s/k", base);
    test_decode_class(dir);
    snprintf(dir, sizeof dir, "%s/o", base);
    test_foreign_entry(dir);
    test_scan_diff_id(base);
    test_cached_limits(base);
    test_source_cfg(base);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    CHECK(system(cmd) == 0);
    TEST_MAIN_END();
}
