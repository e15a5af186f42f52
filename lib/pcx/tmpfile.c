/*
 * tmpfile.c — pc_tmpfile (pcx.h): a file with no name, for bytes set
 * aside while a scan goes on (the spill of layer facts, a member held
 * whole).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "pcx.h"

int pc_tmpfile(const char *dir)
{
    if (!dir || !*dir)
        dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        /* a filesystem without O_TMPFILE: a name of our own, gone at once */
        char path[4200];
        if ((size_t)snprintf(path, sizeof path, "%s/.pc-tmp.XXXXXX", dir) < sizeof path &&
            (fd = mkostemp(path, O_CLOEXEC)) >= 0)
            unlink(path);
    }
    return fd;
}
