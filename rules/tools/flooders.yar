/*
 * flooders.yar — packet crafting, injection and flooding: forge arbitrary
 * packets (spoofed sources, malformed headers) or flood a target.
 */

rule flooder_hping3
{
    meta:
        tool = "hping3"
        description = "TCP/IP packet crafter, flooder and scanner"
        severity = "high"
        category = "packet-crafting"
    strings:
        $usage = "usage: hping3 host [options]"
        $flood = "hping in flood mode, no replies will be shown"
        $stats = "--- %s hping statistic ---"
        $banner = "HPING %s (%s %s): %s set, %d headers + %d data bytes"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule flooder_nping
{
    meta:
        tool = "nping"
        description = "Nmap's packet generator, ping sweeper and echo server"
        severity = "high"
        category = "packet-crafting"
    strings:
        $usage = "Usage: nping [Probe mode] [Options] {target specification}"
        $url = "https://nmap.org/nping"
        $done = "Nping done: %lu %s pinged in %.2f seconds"
        $echo = "--echo-server <passphrase>"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule flooder_t50
{
    meta:
        tool = "t50"
        description = "mixed packet injector for multi-protocol flooding"
        severity = "high"
        category = "packet-crafting"
    strings:
        $banner = "T50 Experimental Mixed Packet Injector Tool"
        $launch = /\[INFO\] t50 [0-9.a-z]+ successfully launched/
        $err = "t50: Unknown error (not enough memory?)."
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule flooder_packit
{
    meta:
        tool = "packit"
        description = "packet capture and injection tool"
        severity = "high"
        category = "packet-crafting"
    strings:
        $usage = "usage: packit -m mode [-options] 'expression'"
        $site = "https://github.com/resurrecting-open-source-projects/packit"
    condition:
        uint32be(0) == 0x7f454c46 and all of them
}

rule flooder_sendip
{
    meta:
        tool = "sendip"
        description = "sends arbitrary hand-built IP packets"
        severity = "high"
        category = "packet-crafting"
    strings:
        $usage = "[-v] [-d data] [-h] [-f datafile] [-p module] [module options] hostname"
        $example = "sendip -p ipv4 -p tcp"
        $modules = "/sendip" fullword
    condition:
        uint32be(0) == 0x7f454c46 and $usage and ($example or $modules)
}

rule flooder_netsniff_ng_generators
{
    meta:
        tool = "mausezahn / trafgen"
        description = "netsniff-ng's packet generators, which craft and blast arbitrary frames"
        severity = "high"
        category = "packet-crafting"
    strings:
        $mz = "Mausezahn 0.40 - (C) 2007-2010 by Herbert Haas"
        $mz_tag = "unknown tag (check mausezahn version?)"
        $tg_usage = "Usage: trafgen [options] [packet]"
        $tg_about = "multithreaded zero-copy network packet generator"
    condition:
        uint32be(0) == 0x7f454c46 and (all of ($mz*) or all of ($tg*))
}
