/*
 * keyfile.c — see keyfile.h. Only open, fstat, read and close: the system
 * calls a sealed key process may still make (seccomp.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "portcullis_keyproc.h"

void pc_keyfile_free(char *buf, size_t len)
{
    if (!buf)
        return;
    explicit_bzero(buf, len + 1);
    free(buf);
}

int pc_keyfile_path(char *dst, size_t cap, const char *path, char *err, size_t errlen)
{
    size_t n = strlen(path);
    if (n >= cap) {
        snprintf(err, errlen, "%.200s...: path too long", path);
        return -1;
    }
    memcpy(dst, path, n + 1);
    return 0;
}

int pc_keyfile_read(const char *path, const char *what, int owner_only, size_t max, char **out,
                    size_t *len, char *err, size_t errlen)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    *out = NULL;
    /* O_NONBLOCK: a FIFO in its place must not hang the key process */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        goto fail;
    }
    if (owner_only && (st.st_mode & 077)) {
        snprintf(err, errlen, "%s: %s is accessible by other users (mode %04o); chmod 600 it", path,
                 what, (unsigned)(st.st_mode & 07777));
        goto fail;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
        goto fail;
    }
    if (!(buf = malloc(max + 1))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, max + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
            goto fail;
        }
    }
    close(fd);
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    if (buf)
        pc_keyfile_free(buf, n < max ? n : max);
    return -1;
}
