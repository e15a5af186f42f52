/*
 * check_privileged_port.c — privileged-port: ExposedPorts below 1024 ("80/tcp",
 * "53/udp", "443"). Binding them needs root or CAP_NET_BIND_SERVICE, which
 * a sandbox usually drops; the ports also go to the sandbox hints.
 */
#include <stdlib.h>
#include <string.h>
#include "check/check.h"
#include "fs/passwd.h"
#include "pcx.h"

static void note_port(pc_sandbox_info *s, unsigned port)
{
    for (size_t i = 0; i < s->nprivileged_ports; i++)
        if (s->privileged_ports[i] == port)
            return;
    unsigned *p = pc_reallocarray(s->privileged_ports, s->nprivileged_ports + 1, sizeof *p);
    if (!p)
        return;
    p[s->nprivileged_ports++] = port;
    s->privileged_ports = p;
}

static void ports_config(pc_check_ctx *c)
{
    for (size_t i = 0; i < c->cfg->ports.n; i++) {
        const char *spec = c->cfg->ports.v[i];
        size_t n = strcspn(spec, "/");
        uint32_t port;
        if (pc_parse_id(spec, n, &port) < 0 || port == 0 || port >= 1024)
            continue;
        pc_check_report(c, NULL, NULL, NULL,
                        "exposes privileged port %s (binding it needs root or "
                        "CAP_NET_BIND_SERVICE)",
                        spec);
        note_port(&c->res->sandbox, port);
    }
}

const pc_check pc_check_privileged_port = {
    .id = "privileged-port",
    .help = "The image exposes a port below 1024",
    .report_order = 100,
    .reads = PC_READS_CONFIG,
    .ceiling = PC_ACTION_DENY,
    .config = ports_config,
};
