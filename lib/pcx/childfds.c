/*
 * childfds.c — a forked helper process's descriptors (pcx.h).
 */
#include <fcntl.h>
#include <unistd.h>
#include "pcx.h"

int pc_child_fds(int sock, int at)
{
    int hi = fcntl(sock, F_DUPFD, at + 10), null = open("/dev/null", O_RDWR);
    if (hi < 0 || null < 0)
        return -1;
    for (int fd = 0; fd <= 2; fd++)
        if (fd < 2 || fcntl(2, F_GETFD) < 0) /* stderr stays, for sanitizer reports */
            dup2(null, fd);
    if (dup2(hi, at) != at)
        return -1;
    if (close_range((unsigned)at + 1, ~0U, 0) < 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = at + 1; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
            close((int)fd);
    }
    return 0;
}
