/*
 * toolsig.c — see toolsig.h. A program that links libpcap can capture
 * every packet its network namespace sees; one that links libnet, libtins
 * or libcrafter builds and sends raw packets; libnetfilter_queue hands it
 * packets in flight to rewrite or drop. Ordinary software does not link
 * them (the false-positive study is in rules/README.md); the few programs
 * that do are network monitors, which a policy can allow by category.
 *
 * Shared libraries (no PT_INTERP) are not reported: a plug-in that links
 * libpcap is reported through the program that loads it, if that program
 * links it too, and otherwise by the content rules.
 */
#include <string.h>
#include "check/toolsig.h"

typedef struct soname_sig {
    const char *prefix; /* DT_NEEDED starts with it ("libpcap.so" matches .0.8 and .1) */
    const char *rule, *category, *severity, *what;
} soname_sig;

static const soname_sig sigs[] = {
    {"libpcap.so", "capability_libpcap", "packet-capture", "medium",
     "links libpcap: captures the packets of the network it is attached to"},
    {"libnids.so", "capability_libnids", "packet-capture", "high",
     "links libnids: reassembles other hosts' TCP streams from captured packets"},
    {"libwireshark.so", "capability_libwireshark", "packet-capture", "medium",
     "links Wireshark's dissectors: decodes captured traffic"},
    {"libnet.so", "capability_libnet", "packet-injection", "high",
     "links libnet: builds and injects raw packets (spoofing, flooding)"},
    {"libtins.so", "capability_libtins", "packet-injection", "high",
     "links libtins: crafts, sends and sniffs raw packets"},
    {"libcrafter.so", "capability_libcrafter", "packet-injection", "high",
     "links libcrafter: crafts and injects raw packets"},
    {"libnetfilter_queue.so", "capability_libnetfilter_queue", "packet-injection", "medium",
     "links libnetfilter_queue: takes packets in flight from the kernel to rewrite or drop"},
};

void pc_toolsig_needed(pc_check_ctx *c, const char *path, const pc_node *n)
{
    const pc_entry *e = n->e;
    if ((e->head != PC_HEAD_ELF && e->head != PC_HEAD_BADELF) || !e->interp || !e->dyn)
        return;
    for (size_t s = 0; s < sizeof sigs / sizeof sigs[0]; s++) {
        size_t plen = strlen(sigs[s].prefix);
        for (size_t i = 0; i < e->nneeded; i++) {
            const char *so = e->needed[i];
            /* "libnet.so" is libnet.so.1 or .9, never libnetfilter_*.so */
            if (strncmp(so, sigs[s].prefix, plen) != 0 || (so[plen] != 0 && so[plen] != '.'))
                continue;
            pc_tool_tag tag = {sigs[s].category, sigs[s].severity, "capability"};
            pc_check_report_tool(c, path, pc_check_layer(c, n), sigs[s].rule, &tag,
                                 "%s %s (%s, severity %s)", so, sigs[s].what, sigs[s].category,
                                 sigs[s].severity);
            break;
        }
    }
}
