/*
 * test_layer.c — the streaming layer walk on hostile bytes: corrupt and
 * truncated gzip/zstd, trailing garbage, a blob longer than its
 * descriptor, a wrong digest, too many files, garbage instead of tar,
 * whiteout classification and capability xattrs. Entries containerd's
 * applier refuses or cannot apply are refused with their reason: names
 * and hardlink targets that climb above the root, owner -1, overlay
 * xattrs, unknown entry types; a blob whose digest is right but whose
 * size is not its descriptor's; limits on bytes.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include "layer.h"
#include "memstream.h"
#include "sha256.h"
#include "tarkit.h"
#include "testlib.h"

static size_t make_tar(unsigned char *out, size_t cap, int nfiles)
{
    struct archive *a = archive_write_new();
    size_t used = 0;
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, out, cap, &used);
    for (int i = 0; i < nfiles; i++) {
        struct archive_entry *e = archive_entry_new();
        char name[64];
        snprintf(name, sizeof name,
                 i == 0   ? "usr/bin/ping"
                 : i == 1 ? "d/.wh.gone"
                 : i == 2 ? "d/.wh..wh..opq"
                          : "f%d",
                 i);
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0755);
        archive_entry_set_size(e, 5);
        if (i == 0) {
            static const unsigned char xa[20] = {0x01, 0, 0, 0x02, 0, 0x20, 0, 0};
            archive_entry_xattr_add_entry(e, "security.capability", xa, sizeof xa);
        }
        archive_write_header(a, e);
        archive_write_data(a, "hello", 5);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return used;
}

/* ---- hand-made ustar members (PAX records as 'x' headers) ---- */

typedef struct rawtar {
    unsigned char d[1 << 14];
    size_t len;
} rawtar;

static void raw_hdr(rawtar *t, const char *name, char type, const char *link, long uid)
{
    unsigned char *h = t->d + t->len;
    ustar_header(h, name, type, 0644, 0, link);
    if (uid >= 0)
        snprintf((char *)h + 108, 8, "%07o", (unsigned)uid & 07777777u);
    else
        memset(h + 108, 0xff, 8); /* base-256 -1 */
    ustar_checksum(h);
    t->len += 512;
}

/* One PAX record "key=value" for the next member. */
static void raw_pax(rawtar *t, const char *kv)
{
    char rec[300];
    size_t n = strlen(kv) + 4; /* "NN " + kv + "\n" with a two-digit length */
    if (n >= 100)
        n++;
    snprintf(rec, sizeof rec, "%zu %s\n", n, kv);
    n = strlen(rec);
    unsigned char *h = t->d + t->len;
    raw_hdr(t, "PaxHeader", 'x', NULL, 0);
    snprintf((char *)h + 124, 12, "%011zo", n);
    ustar_checksum(h);
    memcpy(t->d + t->len, rec, n);
    t->len += (n + 511) / 512 * 512;
}

static size_t raw_end(rawtar *t)
{
    memset(t->d + t->len, 0, 1024);
    t->len += 1024;
    return t->len;
}

static pc_limits lim;
static _Atomic uint64_t files, bytes;

static int walk(const unsigned char *blob, size_t n, pc_compression comp, int64_t size,
                const char *digest, pc_layer_facts *f, pc_err *e)
{
    pc_layer_desc ld = {.comp = comp};
    pc_walk_cfg w = {.limits = &lim, .files_total = &files, .bytes_total = &bytes};
    ld.d.size = size;
    if (digest)
        snprintf(ld.d.digest, sizeof ld.d.digest, "%s", digest);
    else
        pc_sha256_digest(blob, n, ld.d.digest);
    files = bytes = 0;
    memset(e, 0, sizeof *e);
    mem_stream m;
    return pc_layer_walk(mem_stream_init(&m, blob, n, 1000), &ld, &w, f, e);
}

/* A visitor that reads a file's rest in odd-sized blocks, all of it or
 * only its first `upto` bytes (as YARA's scan does, or gives up). */
typedef struct reader {
    uint64_t upto, seen;
} reader;

static uint64_t rd_want(void *ud, const pc_entry *ent)
{
    (void)ud;
    return ent->size ? 4096 : 0;
}

static int rd_visit(void *ud, pc_layer_facts *f, pc_entry *ent, const unsigned char *head,
                    size_t headlen, pc_file_reader *rest, pc_err *e)
{
    reader *r = ud;
    unsigned char buf[777];
    uint64_t at = headlen;
    (void)f, (void)ent, (void)head, (void)e;
    while (at < r->upto) {
        ssize_t k = pc_file_read(rest, buf, sizeof buf);
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        at += (uint64_t)k;
    }
    r->seen = at;
    return 0;
}

static int has_needed(const pc_entry *e, const char *name)
{
    for (size_t i = 0; i < e->nneeded; i++)
        if (strcmp(e->needed[i], name) == 0)
            return 1;
    return 0;
}

/* Real programs whose dynamic section lies past the first MiB (bash,
 * python3): its DT_NEEDED are caught from the stream as it goes by,
 * whether nobody else reads the file, a visitor reads all of it, or only
 * its start. */
static void test_far_dynamic(const char *path, const char *want)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "  (skipped: %s not here)\n", path);
        return;
    }
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)size), *tarb = malloc((size_t)size + 4096);
    if (!data || !tarb || fread(data, 1, (size_t)size, fp) != (size_t)size) {
        CHECK(0);
        fclose(fp);
        free(data);
        free(tarb);
        return;
    }
    fclose(fp);
    size_t n = ustar_file(tarb, "usr/bin/prog", 0755, data, (size_t)size);
    memset(tarb + n, 0, 1024);
    n += 1024;
    for (int mode = 0; mode < 3; mode++) {
        reader r = {mode == 1 ? UINT64_MAX : 1u << 20, 0};
        pc_file_visitor v = {rd_want, rd_visit, &r};
        pc_layer_desc ld = {.comp = PC_COMP_NONE};
        pc_walk_cfg w = {.limits = &lim,
                         .files_total = &files,
                         .bytes_total = &bytes,
                         .visitor = mode ? &v : NULL};
        pc_layer_facts f;
        pc_err e = {{0}};
        mem_stream m;
        ld.d.size = (int64_t)n;
        pc_sha256_digest(tarb, n, ld.d.digest);
        files = bytes = 0;
        CHECK(pc_layer_walk(mem_stream_init(&m, tarb, n, 100000), &ld, &w, &f, &e) == 0);
        const pc_entry *ent = f.nentries == 1 ? &f.entries[0] : NULL;
        CHECK(ent && ent->head == PC_HEAD_ELF && ent->interp && ent->dyn == 1 &&
              has_needed(ent, want) && has_needed(ent, "libm.so.6") + has_needed(ent, "libc.so.6"));
        if (mode == 1)
            CHECK(r.seen == (uint64_t)size); /* the visitor still got every byte */
        if (e.msg[0])
            fprintf(stderr, "%s\n", e.msg);
        pc_layer_facts_free(&f);
    }
    free(data);
    free(tarb);
}

int main(void)
{
    static unsigned char tar[1 << 16], gz[1 << 16], bad[1 << 17];
    pc_layer_facts f;
    pc_err e;
    pc_limits_default(&lim);
    size_t tn = make_tar(tar, sizeof tar, 6), gn = gzip_bytes(tar, tn, gz, sizeof gz);

    CHECK(walk(gz, gn, PC_COMP_GZIP, (int64_t)gn, NULL, &f, &e) == 0);
    CHECK(f.nentries == 6);
    CHECK(f.entries[0].has_cap && (f.entries[0].cap.permitted & (1ull << 13)));
    CHECK(f.entries[1].type == PC_E_WHITEOUT && strcmp(f.entries[1].path, "d/gone") == 0);
    CHECK(f.entries[2].type == PC_E_OPAQUE && strcmp(f.entries[2].path, "d") == 0);
    pc_layer_facts_free(&f);

    CHECK(walk(tar, tn, PC_COMP_NONE, (int64_t)tn, NULL, &f, &e) == 0);
    pc_layer_facts_free(&f);

    /* a flipped byte inside the deflate data */
    memcpy(bad, gz, gn);
    bad[gn / 2] ^= 0x55;
    CHECK(walk(bad, gn, PC_COMP_GZIP, (int64_t)gn, NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "layer sha256:");

    CHECK(walk(gz, gn / 2, PC_COMP_GZIP, (int64_t)(gn / 2), NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "truncated");

    memcpy(bad, gz, gn);
    memcpy(bad + gn, "GARBAGE!", 8);
    CHECK(walk(bad, gn + 8, PC_COMP_GZIP, (int64_t)gn + 8, NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "trailing");

    CHECK(walk(gz, gn, PC_COMP_GZIP, (int64_t)gn - 10, NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "larger than");

    CHECK(walk(gz, gn, PC_COMP_GZIP, (int64_t)gn,
               "sha256:0000000000000000000000000000000000000000000000000000000000000000", &f,
               &e) == -1);
    CHECK_CONTAINS(e.msg, "digest mismatch: expected sha256:0000");

    lim.max_files = 3;
    CHECK(walk(gz, gn, PC_COMP_GZIP, (int64_t)gn, NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "max_files");
    pc_limits_default(&lim);

    for (size_t i = 0; i < 4096; i++)
        bad[i] = (unsigned char)(i * 7 + 3);
    CHECK(walk(bad, 4096, PC_COMP_NONE, 4096, NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "invalid header block");

    size_t zn = ZSTD_compress(bad + 8192, 65536, tar, tn, 3);
    CHECK(!ZSTD_isError(zn));
    CHECK(walk(bad + 8192, zn, PC_COMP_ZSTD, (int64_t)zn, NULL, &f, &e) == 0);
    pc_layer_facts_free(&f);
    CHECK(walk(bad + 8192, zn - 20, PC_COMP_ZSTD, (int64_t)zn - 20, NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "zstd");

    lim.max_layer_bytes = 2048;
    CHECK(walk(gz, gn, PC_COMP_GZIP, (int64_t)gn, NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "max_layer_bytes");
    pc_limits_default(&lim);
    lim.max_image_bytes = 2048;
    CHECK(walk(gz, gn, PC_COMP_GZIP, (int64_t)gn, NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "max_image_bytes");
    pc_limits_default(&lim);

    /* the digest is right, the size is not the descriptor's: refused
     * whichever way it is wrong */
    CHECK(walk(gz, gn, PC_COMP_GZIP, (int64_t)gn + 10, NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "its descriptor declares");
    CHECK(walk(tar, tn, PC_COMP_NONE, (int64_t)tn + 1, NULL, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "its descriptor declares");

    /* entries a runtime must not apply, each refused with its reason */
    static const struct {
        const char *name, *link, *pax, *why;
        char type;
        long uid;
    } hostile[] = {
        {"../../etc/evil", NULL, NULL, "escapes the image root (path traversal)", '0', 0},
        {"a/../../etc/evil", NULL, NULL, "escapes the image root (path traversal)", '0', 0},
        {"usr/bin/sh", "../../etc/shadow", NULL,
         "hardlink target \"../../etc/shadow\" escapes the root", '1', 0},
        {"usr/bin/sh", "usr/../../x", NULL, "hardlink target \"usr/../../x\" escapes the root", '1',
         0},
        {"usr/bin/sh", "/", NULL, "hardlink target \"/\" escapes the root", '1', 0},
        {"owned", NULL, NULL, "owner id -1 means \"unchanged\" to chown", '0', -1},
        {"d", NULL, "SCHILY.xattr.trusted.overlay.opaque=y",
         "trusted.overlay.opaque would change how overlayfs", '5', 0},
        {"d", NULL, "SCHILY.xattr.user.overlay.redirect=/x",
         "user.overlay.redirect would change how overlayfs", '5', 0},
        {"odd", NULL, NULL, "tar type 'X' (0x58) is not applied by container runtimes", 'X', 0},
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        static rawtar rt;
        memset(&rt, 0, sizeof rt);
        raw_hdr(&rt, "usr", '5', NULL, 0);
        raw_hdr(&rt, "usr/bin", '5', NULL, 0);
        if (hostile[i].pax)
            raw_pax(&rt, hostile[i].pax);
        raw_hdr(&rt, hostile[i].name, hostile[i].type, hostile[i].link, hostile[i].uid);
        size_t rn = raw_end(&rt);
        int rc = walk(rt.d, rn, PC_COMP_NONE, (int64_t)rn, NULL, &f, &e);
        CHECK(rc == -1);
        if (rc == 0)
            pc_layer_facts_free(&f);
        CHECK_CONTAINS(e.msg, hostile[i].why);
    }
    /* and the same members without the hostile part are read */
    {
        static rawtar rt;
        memset(&rt, 0, sizeof rt);
        raw_hdr(&rt, "usr", '5', NULL, 0);
        raw_hdr(&rt, "usr/bin", '5', NULL, 0);
        raw_hdr(&rt, "usr/bin/real", '0', NULL, 0);
        raw_pax(&rt, "SCHILY.xattr.user.other=1");
        raw_hdr(&rt, "usr/bin/sh", '1', "usr/bin/../bin/real", 1000);
        size_t rn = raw_end(&rt);
        CHECK(walk(rt.d, rn, PC_COMP_NONE, (int64_t)rn, NULL, &f, &e) == 0);
        CHECK(f.nentries == 4 && f.entries[3].type == PC_E_HARDLINK && f.entries[3].uid == 1000);
        CHECK(f.nentries == 4 && f.entries[3].link &&
              strcmp(f.entries[3].link, "usr/bin/real") == 0);
        if (e.msg[0])
            fprintf(stderr, "%s\n", e.msg);
        pc_layer_facts_free(&f);
    }
    /* an ELF whose PT_INTERP path lies past the first 4 KiB: the walk reads
     * on to it (the loader execve asks for is judged where it is) */
    {
        static unsigned char elf[12000], lt[16384];
        memcpy(elf,
               "\x7f"
               "ELF\x02\x01\x01",
               7);
        elf[16] = 2; /* ET_EXEC */
        elf[18] = 62;
        elf[32] = 64; /* phoff */
        elf[54] = 56; /* phentsize */
        elf[56] = 1;  /* phnum */
        elf[64] = 3;  /* PT_INTERP at 9000, 15 bytes */
        elf[64 + 8] = 9000 & 0xff;
        elf[64 + 9] = 9000 >> 8;
        elf[64 + 32] = 15;
        memcpy(elf + 9000, "/lib/ld-far.so", 15);
        memcpy(elf + 11990, "tail", 4);
        size_t ln = ustar_file(lt, "far", 0755, elf, sizeof elf);
        memset(lt + ln, 0, 1024);
        ln += 1024;
        CHECK(walk(lt, ln, PC_COMP_NONE, (int64_t)ln, NULL, &f, &e) == 0);
        CHECK(f.nentries == 1 && f.entries[0].head == PC_HEAD_ELF && f.entries[0].interp &&
              strcmp(f.entries[0].interp, "/lib/ld-far.so") == 0);
        if (e.msg[0])
            fprintf(stderr, "%s\n", e.msg);
        pc_layer_facts_free(&f);
    }
    test_far_dynamic("/bin/bash", "libtinfo.so.6");
    test_far_dynamic("/usr/bin/python3.11", "libexpat.so.1");
    TEST_MAIN_END();
}
