/*
 * yara_cache.c — the compiled-rules cache (see yara_cache.h).
 *
 * File: magic "PCRULES\0", rules digest[72], body sha256 digest[72],
 * u64 body length (little-endian), body = yr_rules_save_stream output.
 * Written to a temporary file and renamed, like the facts entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>
#include "cache/cache.h"
#include "pcx/sha256.h"
#include "pcx.h"
#include "yara/yara_cache.h"

#define MAGIC "PCRULES"
#define HDR (8 + 72 + 72 + 8)
#define MAX_RULES_FILE (64u << 20)

typedef struct memstream {
    pc_buf out;
    const unsigned char *in;
    size_t left;
} memstream;

static size_t ms_read(void *ptr, size_t size, size_t count, void *ud)
{
    memstream *m = ud;
    size_t n = 0;
    while (n < count && m->left >= size) {
        memcpy((char *)ptr + n * size, m->in, size);
        m->in += size;
        m->left -= size;
        n++;
    }
    return n;
}

static size_t ms_write(const void *ptr, size_t size, size_t count, void *ud)
{
    memstream *m = ud;
    size_t total;
    if (__builtin_mul_overflow(size, count, &total))
        return 0;
    pc_buf_add(&m->out, ptr, total);
    return m->out.oom ? 0 : count;
}

static int rules_dir(const char *cache_dir, char *out, size_t n)
{
    pc_err e;
    snprintf(out, n, "%s/rules", cache_dir);
    if (mkdir(out, 0700) < 0 && errno != EEXIST)
        return -1;
    return pc_cache_check_dir(out, &e);
}

static void header(unsigned char *h, const char *digest, const unsigned char *body, size_t len)
{
    char d[72];
    memset(h, 0, HDR);
    memcpy(h, MAGIC, 8);
    strncpy((char *)h + 8, digest, 71);
    pc_sha256_digest(body, len, d);
    memcpy(h + 80, d, 71);
    for (int i = 0; i < 8; i++)
        h[152 + i] = (unsigned char)((uint64_t)len >> (8 * i));
}

/* The body of CACHE/rules/<key>.<ext> after its header is checked;
 * malloc'd in *out (header included: the body starts at *out + HDR). */
static int blob_get(const char *cache_dir, const char *ext, const char *key, unsigned char **out,
                    size_t *len)
{
    char dir[4200], path[4400];
    struct stat st;
    if (rules_dir(cache_dir, dir, sizeof dir) < 0)
        return 0;
    snprintf(path, sizeof path, "%s/%s.%s", dir, key + 7, ext);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), hit = 0;
    if (fd < 0)
        return 0;
    unsigned char *buf = NULL, want[HDR];
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
        !(st.st_mode & 022) && st.st_size > HDR && st.st_size <= MAX_RULES_FILE &&
        (buf = malloc((size_t)st.st_size)) && pc_read_full(fd, buf, (size_t)st.st_size) == 0) {
        *len = (size_t)st.st_size - HDR;
        header(want, key, buf + HDR, *len);
        hit = memcmp(want, buf, HDR) == 0;
    }
    close(fd);
    if (!hit) {
        free(buf);
        return 0;
    }
    *out = buf;
    return 1;
}

static void blob_put(const char *cache_dir, const char *ext, const char *key,
                     const unsigned char *body, size_t len)
{
    char dir[4200], path[4400], tmp[4500];
    unsigned char h[HDR];
    if (rules_dir(cache_dir, dir, sizeof dir) < 0)
        return;
    header(h, key, body, len);
    snprintf(path, sizeof path, "%s/%s.%s", dir, key + 7, ext);
    snprintf(tmp, sizeof tmp, "%s/.tmp.%ld.%llx", dir, (long)getpid(),
             (unsigned long long)pc_now_ms());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        int ok = write(fd, h, HDR) == HDR && write(fd, body, len) == (ssize_t)len;
        ok &= close(fd) == 0;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
    }
}

int pc_rules_cache_load(const char *cache_dir, const char *digest, YR_RULES **out)
{
    unsigned char *buf;
    size_t len;
    if (!blob_get(cache_dir, "yarc", digest, &buf, &len))
        return 0;
    memstream m = {.in = buf + HDR, .left = len};
    YR_STREAM s = {.user_data = &m, .read = ms_read, .write = ms_write};
    int hit = yr_rules_load_stream(&s, out) == ERROR_SUCCESS;
    free(buf);
    return hit;
}

void pc_rules_cache_store(const char *cache_dir, const char *digest, YR_RULES **rules)
{
    memstream m;
    memset(&m, 0, sizeof m);
    YR_STREAM s = {.user_data = &m, .read = ms_read, .write = ms_write};
    YR_RULES *back = NULL;
    if (yr_rules_save_stream(*rules, &s) == ERROR_SUCCESS && !m.out.oom && m.out.p) {
        if (cache_dir)
            blob_put(cache_dir, "yarc", digest, (unsigned char *)m.out.p, m.out.len);
        m.in = (const unsigned char *)m.out.p;
        m.left = m.out.len;
        if (yr_rules_load_stream(&s, &back) == ERROR_SUCCESS) {
            yr_rules_destroy(*rules);
            *rules = back;
        }
    }
    pc_buf_free(&m.out);
}

int pc_rules_cache_get(const char *cache_dir, const char *ext, const char *key, unsigned char **out,
                       size_t *len)
{
    unsigned char *buf;
    if (!blob_get(cache_dir, ext, key, &buf, len))
        return 0;
    memmove(buf, buf + HDR, *len);
    *out = buf;
    return 1;
}

void pc_rules_cache_put(const char *cache_dir, const char *ext, const char *key,
                        const unsigned char *body, size_t len)
{
    blob_put(cache_dir, ext, key, body, len);
}
