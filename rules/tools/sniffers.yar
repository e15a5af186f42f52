/*
 * sniffers.yar — packet capture and sniffing: read other hosts' traffic,
 * credentials included, wherever the container's network allows it.
 * Capture libraries (libpcap) are not flagged, only the tools.
 */

rule sniffer_tcpdump
{
    meta:
        tool = "tcpdump"
        description = "packet capture and protocol decoder"
        severity = "high"
        category = "sniffer"
    strings:
        $usage = /Usage: %s \[-[A-Za-z#]{15,40}\] \[ -B size \] \[ -c count \]/
        $list = "list-data-link-types"
        $dropped = "%u packet%s dropped by kernel"
        $listening = "listening on %s"
        $name = "tcpdump" fullword
    condition:
        uint32be(0) == 0x7f454c46 and $usage and 2 of ($list, $dropped, $listening, $name)
}

rule sniffer_wireshark_cli
{
    meta:
        tool = "tshark / dumpcap"
        description = "Wireshark's command-line packet capture"
        severity = "high"
        category = "sniffer"
    strings:
        $tshark = "Usage: tshark [options] ..."
        $dumpcap = "Usage: dumpcap [options] ..."
        $combs = "Gerald Combs <gerald@wireshark.org>"
        $site = "See https://www.wireshark.org for more information."
    condition:
        uint32be(0) == 0x7f454c46 and ($tshark or $dumpcap) and ($combs or $site)
}

rule sniffer_ngrep
{
    meta:
        tool = "ngrep"
        description = "grep over live network traffic"
        severity = "high"
        category = "sniffer"
    strings:
        $usage = "usage: ngrep <-h"
        $help = "is help/usage"
        $dump = "<-IO pcap_dump>"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule sniffer_netsniff_ng
{
    meta:
        tool = "netsniff-ng"
        description = "zero-copy packet sniffer"
        severity = "high"
        category = "sniffer"
    strings:
        $usage = "Usage: netsniff-ng [options] [filter-expression]"
        $site = "http://www.netsniff-ng.org"
        $bugs = "https://github.com/netsniff-ng/netsniff-ng/issues"
    condition:
        uint32be(0) == 0x7f454c46 and $usage and ($site or $bugs)
}

rule sniffer_dsniff_suite
{
    meta:
        tool = "dsniff"
        description = "password sniffing, ARP/DNS spoofing and man-in-the-middle tools"
        severity = "high"
        category = "mitm"
    strings:
        $usage = /Usage: (arpspoof|dnsspoof|dsniff|filesnarf|macof|mailsnarf|msgsnarf|sshmitm|sshow|tcpkill|tcpnice|urlsnarf|webmitm|webspy) [\[-]/
        $version = "Version: 2.4"
        $services = "dsniff.services"
        $magic = "dsniff.magic"
        $sshow = "Usage: sshow [-d] [-i interface | -p pcapfile]"
        $webspy = "Usage: %s [-i interface | -p pcapfile] host"
        $mozilla = "_MOZILLA_VERSION"
    condition:
        uint32be(0) == 0x7f454c46 and
        (($usage and ($version or $services or $magic)) or $sshow or ($webspy and $mozilla))
}
