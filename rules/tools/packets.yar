/*
 * packets.yar — packet crafting and replay: send arbitrary, forged or
 * recorded traffic (rewritten addresses, replayed sessions) from the
 * container onto its network.
 *
 * scapy is Python, recognised by its entry scripts (setuptools'
 * load_entry_point form as Debian ships /usr/bin/scapy, and pip's
 * "from scapy.main import interact" / UTscapy forms). An entry script
 * names its distribution, so ordinary Python entry scripts do not match.
 */

rule packet_tcpreplay_suite
{
    meta:
        tool = "tcpreplay"
        description = "replays and rewrites captured traffic onto the network (tcpreplay, tcpreplay-edit, tcprewrite, tcpprep, tcpbridge, tcpliveplay)"
        severity = "high"
        category = "packet-crafting"
    strings:
        $suite = "The entire Tcpreplay Suite is licensed under the GPLv3"
        $klassen = "<tcpreplay at appneta dot com>"
        $device = "is not a valid Tcpreplay device"
        $cache = "not a tcpprep cache file"
        $manual = "please see the Tcpreplay Manual at:"
        $site = "http://tcpreplay.appneta.com"
        $liveplay = "Usage: tcpliveplay <eth0/eth1> <file.pcap>"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule packet_scapy
{
    meta:
        tool = "scapy"
        description = "interactive packet forging, sniffing and injection (scapy, UTscapy entry scripts)"
        severity = "high"
        category = "packet-crafting"
    strings:
        // setuptools entry script (Debian's /usr/bin/scapy)
        $requires = "__requires__ = 'scapy=="
        $entry = "load_entry_point('scapy=="
        // pip / distlib entry scripts
        $pip = "from scapy.main import interact"
        $pip_ut = "from scapy.tools.UTscapy import main"
    condition:
        uint32be(0) != 0x7f454c46 and any of them
}
