/*
 * toolcat.c — see toolcat.h.
 */
#include <string.h>
#include "check/toolcat.h"

const char *const pc_tool_categories[PC_TOOLCAT_COUNT] = {
    "relay",           "scanner",        "sniffer",          "mitm",        "packet-crafting",
    "protocol-attack", "tunnel",         "anonymity",        "bruteforce",  "password-cracker",
    "web-attack",      "wireless",       "exploitation",     "recon",       "reverse-shell",
    "miner",           "packet-capture", "packet-injection", "remote-code", "opaque",
    "other",
};

int pc_tool_category_index(const char *name)
{
    for (int i = 0; name && i < PC_TOOLCAT_COUNT; i++)
        if (strcmp(pc_tool_categories[i], name) == 0)
            return i;
    return -1;
}
