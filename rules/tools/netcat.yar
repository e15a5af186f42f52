/*
 * netcat.yar — netcat and its variants: raw TCP/UDP pipes that can listen,
 * relay, and (most of them) hand a shell to whoever connects.
 *
 * Every rule needs two or more of its tool's own usage or error strings in
 * an ELF file, so renamed and stripped copies match and a single shared
 * phrase does not.
 *
 * busybox: Debian's busybox (and Alpine's) include the nc applet, so
 * `busybox nc -l -p 4444 -e /bin/sh` works in any image that ships them.
 * A busybox binary is flagged when it carries the nc applet (its option
 * string, or "nc" in the applet name table), and not otherwise. An image
 * that needs busybox anyway can ignore the rule by name
 * (yara.ignore_rules: ["netcat_busybox_applet"]) or allow the path.
 */

rule netcat_openbsd
{
    meta:
        tool = "netcat (OpenBSD)"
        description = "listens, relays and port-scans; with a FIFO it serves a remote shell"
        severity = "high"
        category = "relay"
    strings:
        $usage_z = "Zero-I/O mode [used for scanning]"
        $usage_x = "Proxy protocol: \"4\", \"5\" (SOCKS) or \"connect\""
        $usage_t = "Answer TELNET negotiation"
        $usage_ports = "Port numbers can be individual or ranges: lo-hi [inclusive]"
        $err_zl = "cannot use -z and -l"
        $err_lk = "must use -l with -k"
        $tmp = "/tmp/nc-XXXXXX"
    condition:
        uint32be(0) == 0x7f454c46 and 3 of them
}

rule netcat_traditional
{
    meta:
        tool = "netcat (traditional)"
        description = "Hobbit's netcat 1.10; listens and port-scans, and -e/-c run a program for the remote peer"
        severity = "high"
        category = "relay"
    strings:
        $usage_z = "zero-I/O mode [used for scanning]"
        $usage_e = "program to exec after connect [dangerous!!]"
        $usage_l = "listen for inbound:"
        $usage_hy = "hyphens in port names must be backslash escaped"
        $err_poop = "gethostpoop fuxored"
        $err_netfd = "nnetfd reuseaddr failed"
        $err_hop = "invalid hop pointer %d, must be multiple of 4 <= 28"
    condition:
        uint32be(0) == 0x7f454c46 and 3 of them
}

rule netcat_ncat
{
    meta:
        tool = "ncat"
        description = "Nmap's netcat; listens, brokers and relays connections and runs a shell for the peer (--exec, --sh-exec)"
        severity = "high"
        category = "relay"
    strings:
        $usage = "Usage: ncat [options] [hostname] [port]"
        $broker = "Enable Ncat's connection brokering mode"
        $chat = "Start a simple Ncat chat server"
        $url = "https://nmap.org/ncat"
        $env = "NCAT_PROXY_AUTH"
        $shexec = "Only one of --exec, --sh-exec, and --lua-exec is allowed."
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule netcat_busybox_applet
{
    meta:
        tool = "busybox nc"
        description = "busybox with the nc applet; `busybox nc -l -p PORT -e /bin/sh` serves a remote shell"
        severity = "medium"
        category = "relay"
    strings:
        $busybox = "BusyBox v"
        $multicall = "multi-call binary"
        /* the nc applet's getopt string (nc server and extras enabled) */
        $nc_opts = "lp:w:i:f:e:"
        /* "nc" between two other names in the sorted applet name table */
        $nc_applet = /\x00[a-z][a-z0-9_.\-]{0,15}\x00nc\x00[a-z][a-z0-9_.\-]{0,15}\x00/
    condition:
        uint32be(0) == 0x7f454c46 and $busybox and $multicall and ($nc_opts or $nc_applet)
}
