/*
 * webattack.yar — web application attack tools: SQL injection, web
 * fuzzers, directory/vhost brute-forcers. Strings from the Debian bookworm
 * packages sqlmap 1.7.2, wfuzz 3.1.0 and gobuster 3.5.0 (for gobuster also
 * the type names every build of the project carries, with or without the
 * /v3 module suffix).
 */

rule webattack_sqlmap
{
    meta:
        tool = "sqlmap"
        description = "automatic SQL injection and database takeover tool (its sqlmap.py / sqlmapapi.py entry points)"
        severity = "high"
        category = "web-attack"
    strings:
        $copyright = "sqlmap developers (https://sqlmap.org/)"
        $main = "Main function of sqlmap when running from command line"
        $install = "https://github.com/sqlmapproject/sqlmap/#installation"
        $api_server = "from lib.utils.api import server"
        $api_client = "from lib.utils.api import client"
    condition:
        uint32be(0) != 0x7f454c46 and uint16(0) == 0x2123 and
        $copyright and 1 of ($main, $install, $api_server, $api_client)
}

rule webattack_wfuzz
{
    meta:
        tool = "wfuzz"
        description = "web application fuzzer: brute-forces URLs, parameters, headers and logins (Python)"
        severity = "high"
        category = "web-attack"
    strings:
        $path = "sys.path.insert(0, \"/usr/share/wfuzz/\")"
        $banner = "help_banner2"
        $wfpayload = "wfpayload_usage"
        $bad_install = "FuzzExceptBadInstall"
        $clparser = "from .ui.console.clparser import CLParser"
        // console-script launchers: setuptools (Debian) and pip
        $easy = "load_entry_point('wfuzz=="
        $pip = "from wfuzz.wfuzz import main"
    condition:
        uint32be(0) != 0x7f454c46 and uint16(0) == 0x2123 and
        (3 of ($path, $banner, $wfpayload, $bad_install, $clparser) or $easy or $pip)
}

rule webattack_gobuster
{
    meta:
        tool = "gobuster"
        description = "directory, DNS subdomain, vhost and cloud bucket brute-forcer (Go)"
        severity = "high"
        category = "web-attack"
    strings:
        $module = "github.com/OJ/gobuster/"
        $dir = "gobusterdir.OptionsDir"
        $dns = "gobusterdns.OptionsDNS"
        $author = "by OJ Reeves (@TheColonial)"
        $start = "Starting gobuster in %s mode"
    condition:
        uint32be(0) == 0x7f454c46 and 3 of them
}

rule webattack_slowhttptest
{
    meta:
        tool = "slowhttptest"
        description = "slowhttptest: application-layer denial of service (Slowloris, slow POST, slow read, Apache range attack)"
        severity = "high"
        category = "web-attack"
    strings:
        $title = "slowhttptest, a tool to test for slow HTTP DoS vulnerabilities"
        $usage = "Usage: slowhttptest [options ...]"
        $range = "range attack a.k.a Apache killer"
    condition:
        uint32be(0) == 0x7f454c46 and any of them
}
