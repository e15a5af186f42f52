/*
 * tunnels.yar — tunnelling and pivoting: carry traffic out through DNS,
 * ICMP or a chain of proxies, or expose the internal network to a remote
 * operator. Ordinary VPN, SSH and HTTP proxy software is not flagged.
 *
 * chisel, frp, gost and ligolo-ng are Go programs. A Go binary keeps the
 * import paths of its packages in its symbol and build-info tables even
 * when stripped, so their module paths identify them.
 */

rule tunnel_iodine
{
    meta:
        tool = "iodine"
        description = "IP over DNS tunnel (client iodine, server iodined)"
        severity = "high"
        category = "tunnel"
    strings:
        $client = "iodine IP over DNS tunneling client"
        $server = "iodine IP over DNS tunneling server"
        $pass_c = "IODINE_PASS"
        $pass_s = "IODINED_PASS"
        $badip = "maybe iodined -c will help"
        $topdomain = "[nameserver] topdomain"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule tunnel_ptunnel
{
    meta:
        tool = "ptunnel"
        description = "TCP over ICMP echo tunnel (ptunnel, ptunnel-ng)"
        severity = "high"
        category = "tunnel"
    strings:
        $start = "Starting ptunnel v %d.%.2d."
        $usage = "-p <addr> -lp <port> -da <dest_addr> -dp <dest_port>"
        $exit = "ptunnel is exiting."
        $ng = /ptunnel-ng [0-9]+\.[0-9]+/
        $ng_log = "/var/log/ptunnel.log"
        $ng_lib = "/var/lib/ptunnel"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule tunnel_dns2tcp
{
    meta:
        tool = "dns2tcp"
        description = "TCP over DNS tunnel (dns2tcpc, dns2tcpd)"
        severity = "high"
        category = "tunnel"
    strings:
        $banner = "dns2tcp v%s ( http://www.hsc.fr/ )"
        $rc_c = ".dns2tcprc"
        $rc_d = ".dns2tcpdrc"
        $fg = "dns2tcpd will run in foreground"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule tunnel_proxychains
{
    meta:
        tool = "proxychains"
        description = "forces any program's connections through a chain of SOCKS/HTTP proxies"
        severity = "medium"
        category = "anonymity"
    strings:
        $tag = "[proxychains]"
        $conf4 = "/etc/proxychains4.conf"
        $conf = "/etc/proxychains.conf"
        $env = "PROXYCHAINS_CONF_FILE"
        $lib = "libproxychains.so"
        $sym = "proxychains_proxy_offset"
        $daemon = "Proxychains-NG remote dns daemon"
        $daemon_usage = "-i listenip -p port -r remotesubnet"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule tunnel_go_pivots
{
    meta:
        tool = "chisel / frp / gost / ligolo-ng"
        description = "Go tunnelling and pivoting tool: reverse tunnels and SOCKS into the container's network"
        severity = "high"
        category = "tunnel"
    strings:
        $chisel = "github.com/jpillora/chisel/"
        $frp = "github.com/fatedier/frp/"
        $gost = "github.com/ginuerzh/gost"
        $gost3 = "github.com/go-gost/x/"
        $ligolo = "github.com/nicocha30/ligolo-ng/"
    condition:
        uint32be(0) == 0x7f454c46 and any of them
}
