/*
 * test_decompress.c — how a layer's bytes are decoded, as containerd 1.6
 * decodes them: the first bytes choose gzip, zstd or raw whatever
 * compression the media type names (OCI ...layer.v1.tar: always raw);
 * bytes runtimes would disagree on are refused (compressed magic on an
 * OCI plain tar, bzip2 and xz anywhere); the diff id covers every decoded
 * byte, including what follows the tar's end-of-archive blocks, and a
 * corrupt tail or garbage after the last gzip member is an error. Gzip
 * cases run through ISA-L (when built with it) and through zlib.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include "layer.h"
#include "memstream.h"
#include "sha256.h"
#include "tarkit.h"
#include "testlib.h"

#define OCI_TAR "application/vnd.oci.image.layer.v1.tar"
#define OCI_GZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define OCI_ZST "application/vnd.oci.image.layer.v1.tar+zstd"
#define DOCKER_TAR "application/vnd.docker.image.rootfs.diff.tar"
#define DOCKER_GZ "application/vnd.docker.image.rootfs.diff.tar.gzip"

static size_t chunk = 1000; /* largest read the stream returns */

/* Two files, the end-of-archive blocks, then `tail` bytes of something else. */
static size_t make_tar(unsigned char *out, size_t tail)
{
    static const char tool[] = "#!/bin/sh\necho hi\n", motd[] = "hello\n";
    size_t n = ustar_file(out, "usr/bin/tool", 04755, tool, sizeof tool - 1);
    n += ustar_file(out + n, "etc/motd", 0644, motd, sizeof motd - 1);
    memset(out + n, 0, 1024);
    n += 1024;
    uint32_t x = 2463534242u; /* xorshift: incompressible, never a zero block */
    for (size_t i = 0; i < tail; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[n + i] = (unsigned char)(x | 1);
    }
    return n + tail;
}

static pc_limits lim;
static _Atomic uint64_t files, bytes;

static int walk_desc(const unsigned char *blob, size_t n, pc_layer_desc *ld, pc_layer_facts *f,
                     pc_err *e)
{
    pc_walk_cfg w = {.limits = &lim, .files_total = &files, .bytes_total = &bytes};
    files = bytes = 0;
    memset(e, 0, sizeof *e);
    mem_stream m;
    return pc_layer_walk(mem_stream_init(&m, blob, n, chunk), ld, &w, f, e);
}

static int walk(const unsigned char *blob, size_t n, const char *mt, pc_layer_facts *f, pc_err *e)
{
    pc_layer_desc ld = {.d = {.media_type = (char *)mt, .size = (int64_t)n}};
    pc_sha256_digest(blob, n, ld.d.digest);
    return walk_desc(blob, n, &ld, f, e);
}

/* Walks, expects success, the codec and the diff id of `plain`. */
static void expect_ok(const unsigned char *blob, size_t n, const char *mt, int codec,
                      const unsigned char *plain, size_t pn, const char *what)
{
    pc_layer_facts f;
    pc_err e;
    char want[72];
    pc_sha256_digest(plain, pn, want);
    int rc = walk(blob, n, mt, &f, &e);
    CHECK(rc == 0);
    if (rc != 0) {
        fprintf(stderr, "  %s: %s\n", what, e.msg);
        return;
    }
    CHECK(f.codec == codec);
    CHECK_STR(f.diff_id, want);
    CHECK(f.bytes == pn);
    CHECK(f.nentries == 2 && strcmp(f.entries[0].path, "usr/bin/tool") == 0 &&
          f.entries[0].mode == 04755);
    pc_layer_facts_free(&f);
}

static void expect_refused(const unsigned char *blob, size_t n, const char *mt, const char *kind,
                           const char *magic)
{
    pc_layer_facts f;
    pc_err e;
    char digest[72];
    pc_sha256_digest(blob, n, digest);
    CHECK(walk(blob, n, mt, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, digest); /* names the layer */
    CHECK_CONTAINS(e.msg, mt);     /* the declared type */
    CHECK_CONTAINS(e.msg, kind);   /* and what the bytes are */
    CHECK_CONTAINS(e.msg, magic);
    CHECK_CONTAINS(e.msg, "refused");
}

static unsigned char tar[1 << 17], gz[1 << 17], zs[1 << 17], buf[1 << 18];

static void test_sniffed(size_t tn, size_t gn, size_t zn)
{
    /* what the bytes are (and how the stream hands them over), what the
     * media type says */
    static const struct {
        int codec;
        const char *mt;
        size_t chunk;
        const char *what;
    } rows[] = {
        /* gzip- and zstd-labelled bytes go by their magic */
        {PC_COMP_ZSTD, OCI_GZ, 1000, "tar+gzip holding zstd"},
        {PC_COMP_ZSTD, DOCKER_GZ, 1000, "docker tar.gzip holding zstd"},
        {PC_COMP_GZIP, OCI_ZST, 1000, "tar+zstd holding gzip"},
        {PC_COMP_NONE, OCI_GZ, 1000, "tar+gzip holding a plain tar"},
        {PC_COMP_NONE, OCI_ZST, 1000, "tar+zstd holding a plain tar"},
        {PC_COMP_NONE, DOCKER_GZ, 1000, "docker tar.gzip holding a plain tar"},
        /* Docker's uncompressed type is "unknown" to containerd: sniffed */
        {PC_COMP_GZIP, DOCKER_TAR, 1000, "docker tar holding gzip"},
        {PC_COMP_ZSTD, DOCKER_TAR, 1000, "docker tar holding zstd"},
        {PC_COMP_NONE, DOCKER_TAR, 1000, "docker tar"},
        {PC_COMP_NONE, OCI_TAR, 1000, "oci tar"},
        {PC_COMP_GZIP, OCI_GZ, 1000, "tar+gzip"},
        {PC_COMP_ZSTD, OCI_ZST, 1000, "tar+zstd"},
        {PC_COMP_GZIP, NULL, 1000, "no media type"},
        /* the magic arrives a byte at a time */
        {PC_COMP_ZSTD, OCI_GZ, 1, "one-byte reads, zstd"},
        {PC_COMP_GZIP, OCI_ZST, 1, "one-byte reads, gzip"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int c = rows[i].codec;
        chunk = rows[i].chunk;
        expect_ok(c == PC_COMP_GZIP   ? gz
                  : c == PC_COMP_ZSTD ? zs
                                      : tar,
                  c == PC_COMP_GZIP   ? gn
                  : c == PC_COMP_ZSTD ? zn
                                      : tn,
                  rows[i].mt, c, tar, tn, rows[i].what);
    }
    chunk = 1000;
    /* a zstd skippable frame first is zstd too (containerd's zstdMatcher) */
    static const unsigned char skip[12] = {0x5e, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 'p', 'a', 'd', '!'};
    memcpy(buf, skip, sizeof skip);
    memcpy(buf + sizeof skip, zs, zn);
    expect_ok(buf, sizeof skip + zn, OCI_GZ, PC_COMP_ZSTD, tar, tn, "skippable frame");
    expect_refused(buf, sizeof skip + zn, OCI_TAR, "zstd", "5e 2a 4d 18");
    /* several gzip members are one stream */
    size_t half = 2048, g1 = gzip_bytes(tar, half, buf, sizeof buf);
    size_t g2 = gzip_bytes(tar + half, tn - half, buf + g1, sizeof buf - g1);
    expect_ok(buf, g1 + g2, DOCKER_GZ, PC_COMP_GZIP, tar, tn, "two gzip members");
}

static void test_refused(size_t gn, size_t zn)
{
    /* an OCI plain tar is read raw by containerd, decompressed by Docker */
    expect_refused(gz, gn, OCI_TAR, "gzip", "1f 8b 08");
    expect_refused(zs, zn, OCI_TAR, "zstd", "28 b5 2f fd");
    /* bzip2 and xz: Docker decompresses, containerd does not */
    static const unsigned char bz[] = "BZh91AY&SY\x01\x02\x03";
    static const unsigned char xz[] = {0xfd, '7',  'z',  'X',  'Z',  0, 0,
                                       4,    0xe6, 0xd6, 0xb4, 0x46, 0};
    const char *types[] = {OCI_TAR, OCI_GZ, OCI_ZST, DOCKER_TAR, DOCKER_GZ};
    for (int i = 0; i < 5; i++) {
        expect_refused(bz, sizeof bz - 1, types[i], "bzip2", "42 5a 68");
        expect_refused(xz, sizeof xz - 1, types[i], "xz", "fd 37 7a 58 5a 00");
    }
    /* a gzip magic too short to be one (containerd peeks): raw, fails as tar */
    pc_layer_facts f;
    pc_err e;
    CHECK(walk((const unsigned char *)"\x1f\x8b", 2, OCI_TAR, &f, &e) == -1);
    CHECK(strstr(e.msg, "refused") == NULL);
    /* an empty blob is an empty layer (containerd: docker/docker#18170) */
    CHECK(walk((const unsigned char *)"", 0, OCI_GZ, &f, &e) == 0);
    if (e.msg[0] == 0) {
        CHECK(f.nentries == 0 && f.codec == PC_COMP_NONE);
        CHECK_STR(f.diff_id,
                  "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        pc_layer_facts_free(&f);
    }
}

static void test_trailing(void)
{
    pc_layer_facts f;
    pc_err e;
    /* bytes after the end-of-archive blocks are in the diff id */
    size_t tn = make_tar(tar, 70000);
    size_t gn = gzip_bytes(tar, tn, gz, sizeof gz);
    size_t zn = ZSTD_compress(zs, sizeof zs, tar, tn, 3);
    CHECK(!ZSTD_isError(zn));
    expect_ok(tar, tn, OCI_TAR, PC_COMP_NONE, tar, tn, "raw tail");
    expect_ok(gz, gn, OCI_GZ, PC_COMP_GZIP, tar, tn, "gzip tail");
    expect_ok(zs, zn, OCI_ZST, PC_COMP_ZSTD, tar, tn, "zstd tail");

    /* docker-archive: no blob digest, the diff id is the digest */
    pc_layer_desc ld = {.d = {.media_type = DOCKER_GZ, .size = -1}, .verify_diff = 1};
    pc_sha256_digest(tar, tn, ld.d.digest);
    CHECK(walk_desc(gz, gn, &ld, &f, &e) == 0);
    if (!e.msg[0]) {
        CHECK_STR(f.diff_id, ld.d.digest);
        pc_layer_facts_free(&f);
    }
    pc_sha256_digest(tar, tn - 1, ld.d.digest); /* the tar without its last tail byte */
    CHECK(walk_desc(gz, gn, &ld, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "digest mismatch");

    /* a corrupt tail is an error though the tar reader never needed it */
    memcpy(buf, gz, gn);
    buf[gn - 6] ^= 0x40; /* the CRC-32 */
    CHECK(walk(buf, gn, OCI_GZ, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "gzip");
    memcpy(buf, gz, gn);
    buf[gn - 2000] ^= 0x40; /* deflate data of the tail */
    CHECK(walk(buf, gn, OCI_GZ, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "layer sha256:");
    /* zstd without a content checksum cannot tell; the diff id does */
    memcpy(buf, zs, zn);
    buf[zn - 2000] ^= 0x40;
    CHECK(walk(buf, zn, OCI_ZST, &f, &e) == 0);
    if (!e.msg[0]) {
        char want[72];
        pc_sha256_digest(tar, tn, want);
        CHECK(strcmp(f.diff_id, want) != 0);
        pc_layer_facts_free(&f);
    }
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    size_t zc = ZSTD_compress2(cc, buf, sizeof buf, tar, tn);
    ZSTD_freeCCtx(cc);
    CHECK(!ZSTD_isError(zc));
    buf[zc - 2] ^= 0x40; /* the content checksum */
    CHECK(walk(buf, zc, OCI_ZST, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "zstd");

    /* and garbage after the last gzip member or zstd frame is one too */
    memcpy(buf, gz, gn);
    memset(buf + gn, 0, 512);
    CHECK(walk(buf, gn + 512, OCI_GZ, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "trailing garbage");
    memcpy(buf + gn, "\x1f", 1);
    CHECK(walk(buf, gn + 1, OCI_GZ, &f, &e) == -1);
    memcpy(buf + gn, "\x1f\x8b\x08\0\0\0\0\0\0\3garbage", 17);
    CHECK(walk(buf, gn + 17, OCI_GZ, &f, &e) == -1);
    memcpy(buf, zs, zn);
    memcpy(buf + zn, "GARBAGE!", 8);
    CHECK(walk(buf, zn + 8, OCI_ZST, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "zstd");

    /* drained bytes still count against the layer limit */
    lim.max_layer_bytes = tn - 100;
    CHECK(walk(tar, tn, OCI_TAR, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "max_layer_bytes");
    pc_limits_default(&lim);
    lim.max_image_bytes = tn - 100;
    CHECK(walk(gz, gn, OCI_GZ, &f, &e) == -1);
    CHECK_CONTAINS(e.msg, "max_image_bytes");
    pc_limits_default(&lim);
}

int main(void)
{
    pc_limits_default(&lim);
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            setenv("PORTCULLIS_INFLATE", "zlib", 1);
        size_t tn = make_tar(tar, 0);
        size_t gn = gzip_bytes(tar, tn, gz, sizeof gz);
        size_t zn = ZSTD_compress(zs, sizeof zs, tar, tn, 3);
        CHECK(!ZSTD_isError(zn));
        test_sniffed(tn, gn, zn);
        test_refused(gn, zn);
        test_trailing();
    }
    TEST_MAIN_END();
}
