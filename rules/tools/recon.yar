/*
 * recon.yar — reconnaissance: passive OS fingerprinting, DNS enumeration,
 * TLS configuration auditing. Strings from the Debian bookworm packages
 * p0f 3.09b, dnsenum 1.3.1 and sslscan 2.0.7.
 */

rule recon_p0f
{
    meta:
        tool = "p0f"
        description = "passive OS/application fingerprinting of the hosts whose traffic it sees"
        severity = "medium"
        category = "recon"
    strings:
        $usage = "Usage: p0f [ ...options... ]"
        $author = "by Michal Zalewski <lcamtuf@coredump.cx>"
        $db = "/etc/p0f/p0f.fp"
        $api = "Inconsistent p0f_api_query state"
        $module = "Unrecognized fingerprinting module '%s'"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule recon_dnsenum
{
    meta:
        tool = "dnsenum"
        description = "DNS enumeration: zone transfers, subdomain brute force, whois and reverse sweeps (Perl)"
        severity = "high"
        category = "recon"
    strings:
        $program = "my $program = 'dnsenum';"
        $wordlist = "/usr/share/dnsenum/dns.txt"
        $what = "multithread script to enumerate information on a domain"
        $axfr = "Perform axfr queries on nameservers"
        $usage = "dnsenum [options] <domain>"
    condition:
        uint32be(0) != 0x7f454c46 and uint16(0) == 0x2123 and 2 of them
}

rule recon_sslscan
{
    meta:
        tool = "sslscan"
        description = "TLS server configuration auditor (protocols, ciphers, Heartbleed); dual-use audit tool"
        severity = "low"
        category = "recon"
    strings:
        $xml = "web=\"http://github.com/rbsec/sslscan\""
        $provider = "provider=\"sslscan\""
        $heartbleed = "Do not check for OpenSSL Heartbleed (CVE-2014-0160)"
        $testing = "Testing SSL server %s%s%s on port %s%d%s"
        $ciphers = "Supported Server Cipher(s):"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule recon_wafw00f
{
    meta:
        tool = "wafw00f"
        description = "wafw00f: fingerprints the web application firewall in front of a site, the first step to evading it"
        severity = "medium"
        category = "recon"
    strings:
        $dev = "WAFW00F Developers"
        $import = "from wafw00f.manager import load_plugins"
    condition:
        uint32be(0) != 0x7f454c46 and any of them
}

rule recon_smbmap
{
    meta:
        tool = "smbmap"
        description = "smbmap: enumerates SMB shares and their permissions across a network, runs commands over SMB"
        severity = "high"
        category = "recon"
    strings:
        $class = "class SMBMap()"
        $ex = "$ smbmap -u jsmith -p password1 -d workgroup -H 192.168.0.1"
    condition:
        uint32be(0) != 0x7f454c46 and any of them
}
