/*
 * checkid.c — names and one-line descriptions of the stable check ids.
 * The table order follows the pc_check_id enum.
 */
#include <string.h>
#include "check/checkid.h"

static const struct {
    const char *name, *help;
} ids[PC_CHK_COUNT] = {
    {"root-user", "The image runs as uid 0"},
    {"missing-entrypoint", "The image config has neither Entrypoint nor Cmd"},
    {"entrypoint-unrunnable", "The program the sandbox would start cannot run there"},
    {"workdir-inaccessible", "WORKDIR is missing or not searchable by the sandbox user"},
    {"setuid-file", "A regular file has the set-user-ID bit"},
    {"setgid-file", "A regular file has the set-group-ID bit"},
    {"file-capability", "A file carries a security.capability extended attribute"},
    {"suspicious-tool", "A YARA rule matched a file (network or attack tool)"},
    {"device-file", "A character or block device node is in the filesystem"},
    {"privileged-port", "The image exposes a port below 1024"},
    {"secret-in-env", "An environment variable looks like a credential"},
    {"world-writable", "A world-writable file or directory without the sticky bit"},
    {"unpinned-image", "The image reference has no @sha256 digest"},
    {"scan-error", "The image could not be fetched or scanned completely"},
};

const char *pc_check_id_name(pc_check_id id)
{
    return (unsigned)id < PC_CHK_COUNT ? ids[id].name : "unknown";
}

const char *pc_check_id_help(pc_check_id id)
{
    return (unsigned)id < PC_CHK_COUNT ? ids[id].help : "";
}

int pc_check_id_parse(const char *name)
{
    for (int i = 0; i < PC_CHK_COUNT; i++)
        if (strcmp(ids[i].name, name) == 0)
            return i;
    return -1;
}
