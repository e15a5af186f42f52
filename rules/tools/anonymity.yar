/*
 * anonymity.yar — onion routing: a Tor client or relay in a container
 * hides where its traffic goes (command and control, exfiltration) or
 * offers the container's network to strangers; torsocks and torify force
 * any program's connections through Tor.
 */

rule anonymity_tor
{
    meta:
        tool = "tor"
        description = "Tor onion router (client, relay or onion service) and its tools (tor-resolve, tor-gencert)"
        severity = "high"
        category = "anonymity"
    strings:
        // tor
        $copyright = "The Tor Project, Inc."
        $bootstrap = "Bootstrapped %d%% (%s): %s"
        $torrc = "/etc/tor/torrc"
        $torrc_opts = "--list-torrc-options"
        $keygen = "'tor --keygen'"
        $onion = "Added ephemeral v3 onion service: %s"
        // tor-resolve
        $resolve = "Syntax: tor-resolve [-4] [-5] [-v] [-x] [-p port] hostname"
        $resolve_hs = "is a hidden service; those don't have IP addresses"
        // tor-gencert
        $gencert = "tor-gencert [-h|--help] [-v] [-r|--reuse] [--create-identity-key]"
        $gencert_key = "./authority_identity_key"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule anonymity_torsocks
{
    meta:
        tool = "torsocks"
        description = "LD_PRELOAD library that sends a program's connections and DNS lookups through Tor"
        severity = "high"
        category = "anonymity"
    strings:
        $conf = "/etc/tor/torsocks.conf"
        $conf_env = "TORSOCKS_CONF_FILE"
        $log = "torsocks[%ld]: "
        $tor_net = "on the Tor network"
        $setuid = "torsocks will not work on a setuid executable"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule anonymity_torsocks_scripts
{
    meta:
        tool = "torsocks / torify"
        description = "torsocks and torify wrapper scripts: run any program, or a whole shell, through Tor"
        severity = "high"
        category = "anonymity"
    strings:
        $wrapper = "Wrapper script for use of the torsocks(8) transparent socksification library"
        $lib = "LIB_NAME=\"libtorsocks\""
        $shell = "New torified shell coming right up..."
        $setuid = "torsocks will not work on a setuid executable"
        $torify = "torify is now just a wrapper around torsocks(1)"
        $torify_exec = "exec torsocks \"$@\""
    condition:
        uint32be(0) != 0x7f454c46 and 2 of them
}
