/*
 * cache.c — the on-disk side of the layer facts cache.
 *
 * File: DIR/facts/<sha256(layer digest, decode class, rules digest,
 *       version)>.facts
 *   header: magic "PCFACTS\0", u32 format, layer digest[72], rules
 *           digest[72], scanner version[16], u64 payload length,
 *           payload sha256[32], u32 decode class
 *   payload: cache_codec.c
 * Format 2 added the decode class and, in the payload, the codec and the
 * diff id; format 3 the head kinds execve refuses (ENOEXEC, a byte-order
 * mark before #!, a #! line the kernel cannot use). Files of an older
 * format no longer match any header and are misses.
 * Reads refresh the file's mtime, which is what least-recently-used
 * eviction sorts by.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cache/cache.h"
#include "portcullis.h"
#include "pcx/sha256.h"
#include "pcx.h"

#define MAGIC "PCFACTS"
#define FORMAT                                                                                     \
    7u /* 5: the matches' category and signal; 6: package databases; 7: the                        \
        * matches' archive member */
#define HDR (8 + 4 + 72 + 72 + 16 + 8 + 32 + 4)
#define MAX_FILE (1ull << 30)

int pc_cache_check_dir(const char *dir, pc_err *e)
{
    struct stat st;
    if (stat(dir, &st) < 0)
        return pc_err_set(e, "cache directory %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return pc_err_set(e, "cache directory %s: not a directory", dir);
    if (st.st_uid != geteuid())
        return pc_err_set(e,
                          "cache directory %s is owned by uid %u, not by us: refused (cached "
                          "facts decide verdicts)",
                          dir, (unsigned)st.st_uid);
    if (st.st_mode & 022)
        return pc_err_set(e,
                          "cache directory %s is writable by other users (mode %04o): refused "
                          "(cached facts decide verdicts)",
                          dir, (unsigned)(st.st_mode & 07777));
    return 0;
}

int pc_cache_open(pc_cache *c, const char *dir, uint64_t max_bytes, pc_err *e)
{
    memset(c, 0, sizeof *c);
    if (pc_mkdir_p(dir) < 0)
        return pc_err_set(e, "cache directory %s: %s", dir, strerror(errno));
    if (pc_cache_check_dir(dir, e) < 0)
        return -1;
    c->dir = pc_asprintf("%s/facts", dir);
    if (!c->dir)
        return pc_err_set(e, "out of memory");
    int bad = 0;
    if (mkdir(c->dir, 0700) < 0 && errno != EEXIST)
        bad = pc_err_set(e, "cache directory %s: %s", c->dir, strerror(errno));
    else
        bad = pc_cache_check_dir(c->dir, e); /* its own message, not a stale errno */
    if (bad < 0) {
        free(c->dir);
        c->dir = NULL;
        return -1;
    }
    c->max_bytes = max_bytes;
    return 0;
}

void pc_cache_close(pc_cache *c)
{
    free(c->dir);
    c->dir = NULL;
}

void pc_cache_key(const char *layer, pc_decode_class cls, const char *rules, char hex[65])
{
    char key[256], d[72];
    snprintf(key, sizeof key, "%s\n%s\n%s\n%s+%s", layer, pc_decode_class_name(cls),
             rules ? rules : "-", PC_VERSION, pc_reader_id());
    pc_sha256_digest(key, strlen(key), d);
    memcpy(hex, d + 7, 65);
}

static void entry_path(const pc_cache *c, const char *layer, pc_decode_class cls, const char *rules,
                       char *out, size_t n)
{
    char hex[65];
    pc_cache_key(layer, cls, rules, hex);
    snprintf(out, n, "%s/%s.facts", c->dir, hex);
}

/* The header of a payload of len bytes whose digest is d. */
static void header_of(unsigned char *h, const char *layer, pc_decode_class cls, const char *rules,
                      uint64_t len, const char d[72])
{
    memset(h, 0, HDR);
    memcpy(h, MAGIC, 8);
    h[8] = FORMAT & 0xff;
    strncpy((char *)h + 12, layer, 71);
    strncpy((char *)h + 84, rules ? rules : "-", 71);
    strncpy((char *)h + 156, PC_VERSION, 15);
    for (int i = 0; i < 8; i++)
        h[172 + i] = (unsigned char)(len >> (8 * i));
    for (int i = 0; i < 32; i++) {
        unsigned hi, lo;
        sscanf(d + 7 + 2 * i, "%1x%1x", &hi, &lo);
        h[180 + i] = (unsigned char)(hi << 4 | lo);
    }
    h[212] = (unsigned char)cls;
}

static void fill_header(unsigned char *h, const char *layer, pc_decode_class cls, const char *rules,
                        const unsigned char *payload, size_t len)
{
    char d[72];
    pc_sha256_digest(payload, len, d);
    header_of(h, layer, cls, rules, len, d);
}

int pc_cache_entry_decode(const unsigned char *buf, size_t n, const char *layer,
                          pc_decode_class cls, const char *rules, pc_layer_facts *f)
{
    unsigned char want[HDR];
    if (!buf || n < HDR || n > MAX_FILE)
        return 0;
    fill_header(want, layer, cls, rules, buf + HDR, n - HDR);
    if (memcmp(want, buf, HDR) != 0)
        return 0;
    pc_layer_facts_init(f);
    if (pc_facts_decode(buf + HDR, n - HDR, f) < 0) {
        pc_layer_facts_free(f);
        return 0;
    }
    memcpy(f->digest, layer, strnlen(layer, 71));
    f->digest[strnlen(layer, 71)] = 0;
    return 1;
}

int pc_cache_entry_encode(pc_decode_class cls, const char *rules, const pc_layer_facts *f,
                          unsigned char **out, size_t *outlen)
{
    unsigned char *buf = NULL;
    size_t len;
    *out = NULL;
    if (pc_facts_encode_lead(f, HDR, &buf, &len) < 0)
        return -1;
    if (len > MAX_FILE - HDR) {
        free(buf);
        return -1;
    }
    fill_header(buf, f->digest, cls, rules, buf + HDR, len);
    *out = buf;
    *outlen = HDR + len;
    return 0;
}

int pc_cache_get(const pc_cache *c, const char *layer, pc_decode_class cls, const char *rules,
                 pc_layer_facts *f)
{
    char path[4200];
    struct stat st;
    if (!c || !c->dir)
        return 0;
    entry_path(c, layer, cls, rules, path, sizeof path);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    unsigned char *buf = NULL;
    int hit = 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_size < HDR ||
        (uint64_t)st.st_size > MAX_FILE)
        goto out;
    size_t n = (size_t)st.st_size;
    if (!(buf = malloc(n)) || pc_read_full(fd, buf, n) < 0)
        goto out;
    if ((hit = pc_cache_entry_decode(buf, n, layer, cls, rules, f)))
        futimens(fd, NULL); /* recently used */
out:
    free(buf);
    close(fd);
    return hit;
}

/* The payload goes to the file as it is encoded, hashed on the way. */
typedef struct file_sink {
    int fd;
    pc_sha256 *h;
} file_sink;

static int to_file(void *ud, const void *p, size_t n)
{
    file_sink *fs = ud;
    pc_sha256_update(fs->h, p, n);
    return pc_write_full(fs->fd, p, n);
}

int pc_facts_write(int fd, const pc_layer_facts *f, char sha[72], uint64_t *len)
{
    file_sink fs = {.fd = fd, .h = pc_sha256_new()};
    *len = 0;
    if (!fs.h) {
        errno = ENOMEM;
        return -1;
    }
    int rc = pc_facts_encode_to(f, to_file, &fs, len);
    pc_sha256_final(fs.h, sha);
    pc_sha256_free(fs.h);
    return rc;
}

/* The header (which holds the payload's length and digest) is written
 * last, at the front. No copy of the whole entry is held. */
static int write_entry(int fd, pc_decode_class cls, const char *rules, const pc_layer_facts *f)
{
    unsigned char h[HDR] = {0};
    char d[72];
    uint64_t len = 0;
    int rc = pc_write_full(fd, h, HDR); /* the place of the header */
    if (rc == 0)
        rc = pc_facts_write(fd, f, d, &len);
    if (rc == 0 && len > MAX_FILE - HDR) {
        errno = EFBIG;
        rc = -1;
    }
    if (rc == 0) {
        header_of(h, f->digest, cls, rules, len, d);
        rc = lseek(fd, 0, SEEK_SET) == 0 ? pc_write_full(fd, h, HDR) : -1;
    }
    if (rc != 0 && errno == 0)
        errno = EIO;
    return rc;
}

int pc_cache_put(const pc_cache *c, pc_decode_class cls, const char *rules, const pc_layer_facts *f,
                 pc_err *e)
{
    char path[4200], tmp[4300];
    if (!c || !c->dir)
        return 0;
    entry_path(c, f->digest, cls, rules, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s/.tmp.%ld.%lx.%lx", c->dir, (long)getpid(),
             (unsigned long)(uintptr_t)f, (unsigned long)pc_now_ms());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd >= 0) {
        errno = 0;
        rc = write_entry(fd, cls, rules, f);
        if (close(fd) != 0)
            rc = -1;
        if (rc == 0 && rename(tmp, path) != 0)
            rc = -1;
        if (rc != 0) {
            int saved = errno;
            unlink(tmp);
            errno = saved;
        }
    }
    if (rc != 0)
        return pc_err_set(e, "cache: writing %s: %s", path, strerror(errno));
    if (c->max_bytes)
        pc_cache_prune(c, c->max_bytes, e);
    return 0;
}
