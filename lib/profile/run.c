/*
 * run.c — the names of run.h's start semantics.
 */
#include <string.h>
#include "profile/run.h"

static const char *const start_names[] = {"kubernetes", "shell", "docker"};

int pc_start_parse(const char *s, pc_start *out)
{
    for (size_t i = 0; i < sizeof start_names / sizeof start_names[0]; i++)
        if (strcmp(s, start_names[i]) == 0) {
            *out = (pc_start)i;
            return 0;
        }
    return -1;
}

const char *pc_start_name(pc_start s)
{
    return (unsigned)s < sizeof start_names / sizeof start_names[0] ? start_names[s] : "unknown";
}
