/*
 * scanners.yar — port and network scanners: they map hosts and services
 * of the network a container can reach.
 */

rule scanner_nmap
{
    meta:
        tool = "nmap"
        description = "network mapper: host discovery, port and service scanning, OS fingerprinting"
        severity = "high"
        category = "scanner"
    strings:
        $usage = "Usage: nmap [Scan Type(s)] [Options] {target specification}"
        $macdb = "Cannot find nmap-mac-prefixes: Ethernet vendor correlation will not be performed"
        $resume = "Cannot use --resume with other options. Usage: nmap --resume <filename>"
        $setuid = "WARNING: Running Nmap setuid, as you are doing, is a major security risk."
        $example = "nmap -v -sn 192.168.0.0/16 10.0.0.0/8"
        $env = "NMAPDIR"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule scanner_masscan
{
    meta:
        tool = "masscan"
        description = "asynchronous Internet-scale port scanner"
        severity = "high"
        category = "scanner"
    strings:
        $usage = "Usage: masscan [Options] -p{Target-Ports} {Target-IP-Ranges}"
        $url = "https://github.com/robertdavidgraham/masscan"
        $about = "MASSCAN is a fast port scanner."
        $format = "masscan/1.1"
        $banner = "Masscan version %s ( %s )"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule scanner_zmap
{
    meta:
        tool = "zmap"
        description = "single-packet Internet-wide port scanner"
        severity = "high"
        category = "scanner"
    strings:
        $usage = "Usage: zmap [OPTION]... [SUBNETS]..."
        $blacklist = "ZMap is currently using the default blacklist located at"
        $thread = "zmap main thread started"
        $example = "zmap -p 80 (scan the Internet for hosts on tcp/80"
        $conf = "/etc/zmap/zmap.conf"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule scanner_arp_scan
{
    meta:
        tool = "arp-scan"
        description = "ARP host discovery on the local network"
        severity = "medium"
        category = "scanner"
    strings:
        $usage = "Usage: arp-scan [options] [hosts...]"
        $raw = "arp-scan uses raw sockets, which requires privileges"
        $caps = "arp-scan is capabilities aware."
        $data = "/usr/share/arp-scan"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule scanner_nbtscan
{
    meta:
        tool = "nbtscan"
        description = "NetBIOS name scanner for Windows/Samba hosts"
        severity = "medium"
        category = "scanner"
    strings:
        $usage = "nbtscan [-v] [-d] [-e] [-l] [-t timeout]"
        $stdin = "makes nbtscan take IP addresses from stdin"
        $example = "nbtscan -r 192.168.1.0/24"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule scanner_netdiscover
{
    meta:
        tool = "netdiscover"
        description = "active/passive ARP reconnaissance"
        severity = "medium"
        category = "scanner"
    strings:
        $author = "Jaime Penalba <jpenalbae@gmail.com>"
        $usage = "[-i device] [-r range | -l file | -p] [-m file] [-F filter]"
        $name = "netdiscover" fullword
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}
