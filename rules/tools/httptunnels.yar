/*
 * httptunnels.yar — tunnels that carry a TCP stream (or a shell) inside
 * HTTP requests, through web proxies and firewalls that allow only HTTP.
 */

rule tunnel_httptunnel
{
    meta:
        tool = "httptunnel"
        description = "bidirectional TCP tunnel over HTTP requests (client htc, server hts)"
        severity = "high"
        category = "tunnel"
    strings:
        $htc = "Set up a httptunnel connection to PORT at HOST"
        $hts = "Listen for incoming httptunnel connections at PORT"
        $modes = "one of --device, --forward-port or --stdin-stdout must be used."
        $htc_start = "htc (%s) %s started with arguments:"
        $hts_start = "hts (%s) %s started with arguments:"
        $padding = "padding to a buffering proxy"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}
