/*
 * protocol.yar — attacks on specific network protocols: SIP/VoIP scanning
 * and password cracking, IKE/IPsec VPN fingerprinting and pre-shared-key
 * cracking, and MAC address spoofing.
 *
 * macchanger is category mitm (severity medium): in a container its use is
 * to take over another host's link-layer identity (bypass MAC filters and
 * MAC-based ACLs, impersonate a neighbour for interception), not the
 * privacy of a laptop user; it needs CAP_NET_ADMIN and does nothing on its
 * own, hence medium. A policy can allow it by rule name or category.
 *
 * sipvicious is Python, recognised by its entry scripts (svmap, svwar,
 * svcrack, svcrash, svreport: setuptools' load_entry_point form as Debian
 * ships them, pip's "from sipvicious.svmap import main" form) and by the
 * header and author line of its modules (older releases ran the modules
 * themselves as scripts, svmap.py ...).
 */

rule protocol_sipvicious
{
    meta:
        tool = "sipvicious"
        description = "SIP/VoIP attack suite: svmap scans for PBXs, svwar enumerates extensions, svcrack brute-forces their passwords"
        severity = "high"
        category = "protocol-attack"
    strings:
        $requires = "__requires__ = 'sipvicious=="
        $entry = "load_entry_point('sipvicious=="
        $pip = /from sipvicious\.sv(map|war|crack|crash|report) import main/
        $header = /# (svmap\.py|svwar\.py|svcrash\.py) - SIPvicious|# SIPvicious password cracker|# SIPVicious report engine/
        $author = "Sandro Gauci <sandro@enablesecurity.com>"
    condition:
        uint32be(0) != 0x7f454c46 and ($requires or $entry or $pip or ($header and $author))
}

rule protocol_ike_scan
{
    meta:
        tool = "ike-scan"
        description = "IKE/IPsec VPN discovery and fingerprinting; captures aggressive-mode pre-shared-key hashes for offline cracking"
        severity = "high"
        category = "protocol-attack"
    strings:
        $usage = "Usage: ike-scan [options] [hosts...]"
        $site = "http://www.nta-monitor.com/tools/ike-scan/"
        $github = "https://github.com/royhills/ike-scan"
        $pskcrack = "--pskcrack[=<f>] or -P[<f>] Crack aggressive mode pre-shared keys."
        $psk_params = "IKE PSK parameters (g_xr:g_xi:cky_r:cky_i:sai_b:idir_b:ni_b:nr_b:hash_r):"
        $root = "ike-scan must be suid root to bind to ports below 1024"
    condition:
        uint32be(0) == 0x7f454c46 and ($usage or $pskcrack or $psk_params or $root) and
        2 of them
}

rule protocol_psk_crack
{
    meta:
        tool = "psk-crack"
        description = "ike-scan's offline cracker for IKE aggressive-mode pre-shared keys (dictionary and brute force)"
        severity = "high"
        category = "password-cracker"
    strings:
        $usage = "Usage: psk-crack [options] <psk-parameters-file>"
        $start = "Starting psk-crack [%s]"
        $end = "Ending psk-crack: %lu iterations in %.3f seconds"
        $nortel = "Specify username for Nortel Contivity PSK cracking."
        $site = "http://www.nta-monitor.com/tools/ike-scan/"
    condition:
        uint32be(0) == 0x7f454c46 and ($usage or $start or $end or $nortel) and 2 of them
}

rule protocol_sipcrack
{
    meta:
        tool = "sipcrack / sipdump"
        description = "sniffs SIP digest logins off the network (sipdump) and cracks their passwords (sipcrack)"
        severity = "high"
        category = "password-cracker"
    strings:
        $crack_usage = "Usage: sipcrack [OPTIONS] [ -s | -w <wordlist> ] <dump file>"
        $crack_sniffed = "file containing logins sniffed by SIPdump"
        $crack_start = "* Starting bruteforce against user '%s' (%s: '%s')"
        $crack_banner = "SIPcrack %s "
        $dump_usage = "Usage: sipdump [OPTIONS] <dump file>"
        $dump_login = "* Dumped login from %s -> %s (User: '%s')"
        $dump_exit = "* Exiting, sniffed %u logins"
        $dump_banner = "SIPdump %s "
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule protocol_macchanger
{
    meta:
        tool = "macchanger"
        description = "GNU MAC Changer: sets a random or chosen MAC address on an interface (impersonation, MAC filter bypass)"
        severity = "medium"
        category = "mitm"
    strings:
        $usage = "Usage: macchanger [options] device"
        $name = "GNU MAC changer %s"
        $bia = "Pretend to be a burned-in-address"
        $fail = "[ERROR] Could not change MAC: interface up or insufficient permissions"
        $bugs = "https://github.com/alobbs/macchanger/issues"
        $oui = "/usr/share/macchanger/OUI.list"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}
