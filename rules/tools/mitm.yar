/*
 * mitm.yar — man-in-the-middle frameworks: ARP/NDP/DNS spoofing, traffic
 * interception and on-the-fly TLS certificate forging, so that a container
 * can read and rewrite its neighbours' traffic, credentials included.
 *
 * ettercap is C (the ettercap binary, libettercap and its plugins);
 * bettercap is a Go program (Debian ships it), recognised by its module
 * path, which a Go binary keeps in its symbol and build-info tables even
 * when stripped; mitmproxy is Python, recognised by its entry scripts
 * (setuptools' load_entry_point form as Debian ships them, and pip's
 * "from mitmproxy.tools.main import ..." form). An entry script names its
 * distribution, so ordinary Python entry scripts do not match.
 */

rule mitm_ettercap
{
    meta:
        tool = "ettercap"
        description = "man-in-the-middle suite: ARP/ICMP/DHCP/NDP poisoning, SSL forging, credential sniffing, plugins for DNS spoofing and downgrades"
        severity = "high"
        category = "mitm"
    strings:
        // the ettercap program (text, curses and GTK front ends)
        $mitm = "--mitm <METHOD:ARGS>    perform a mitm attack"
        $nossl = "do not forge SSL certificates"
        $bridged = "You can't do mitm attacks in bridged sniffing mode !"
        $unoff = "Cannot use mitm attacks in unoffensive mode"
        // libettercap and libettercap-ui
        $reversed = "Reverse target matching can't be used with MITM attacks"
        $redir = "did you uncomment the redir_command_on command on your etter.conf file?"
        $site = "https://www.ettercap-project.org"
        $daemon_log = "./ettercap_demonized.log"
        $daemon_err = "ettercap errors during daemonization are reported below:"
        // a plugin (ec_dns_spoof.so, ...): linked against libettercap and registering itself
        $needed = "libettercap.so.0"
        $register = "plugin_register"
    condition:
        uint32be(0) == 0x7f454c46 and
        (2 of ($mitm, $nossl, $bridged, $unoff, $reversed, $redir, $site, $daemon_log, $daemon_err) or
         ($needed and $register))
}

rule mitm_bettercap
{
    meta:
        tool = "bettercap"
        description = "Go man-in-the-middle framework: ARP/NDP/DNS/DHCPv6 spoofing, HTTP(S) proxies with script injection, WiFi and BLE attacks"
        severity = "high"
        category = "mitm"
    strings:
        $arp = "github.com/bettercap/bettercap/modules/arp_spoof"
        $dns = "github.com/bettercap/bettercap/modules/dns_spoof"
        $session = "github.com/bettercap/bettercap/session"
        $history = "~/bettercap.history"
        $update = "A module to check for bettercap's updates."
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule mitm_mitmproxy
{
    meta:
        tool = "mitmproxy"
        description = "intercepting TLS proxy (mitmproxy, mitmdump, mitmweb): decrypts, records and rewrites HTTP(S) traffic"
        severity = "high"
        category = "mitm"
    strings:
        // setuptools entry script (Debian's /usr/bin/mitmproxy, mitmdump, mitmweb)
        $requires = "__requires__ = 'mitmproxy=="
        $entry = "load_entry_point('mitmproxy=="
        // pip / distlib entry script
        $pip = /from mitmproxy\.tools\.main import (mitmproxy|mitmdump|mitmweb)/
    condition:
        uint32be(0) != 0x7f454c46 and any of them
}

rule mitm_netsed
{
    meta:
        tool = "netsed"
        description = "netsed: relays a connection and rewrites its packets in transit"
        severity = "high"
        category = "mitm"
    strings:
        $usage = "Usage: netsed [option] proto lport rhost rport rule1 [ rule2 ... ]"
        $by = "netsed 1.2 by Julien VdG"
    condition:
        uint32be(0) == 0x7f454c46 and any of them
}
