/*
 * gotools.yar — offensive tools written in Go (and a few in Rust), found by
 * what every build of them carries: Go binaries keep their packages' import
 * paths in the symbol and line tables (stripped or not, renamed or not:
 * only an obfuscating build such as garble hides them), so a module path
 * names its tool. Rust binaries keep their crate's name in panic locations
 * and their own banner. The tools' module paths are the ones the projects
 * publish; the same paths are in packages/go.tsv, for what a run installs.
 * (ffuf is one of the held-out packages of rules/corpus/held-out.txt: no
 * content rule names it.)
 */

rule scanner_go_tools
{
    meta:
        tool = "nuclei / naabu / httpx / zgrab2 / fingerprintx"
        description = "Go network and vulnerability scanner: port scans, HTTP probing, service fingerprinting, template-driven exploitation checks"
        severity = "high"
        category = "scanner"
    strings:
        $nuclei = "github.com/projectdiscovery/nuclei/"
        $naabu = "github.com/projectdiscovery/naabu/"
        $httpx = "github.com/projectdiscovery/httpx/"
        $zgrab2 = "github.com/zmap/zgrab2"
        $fpx = "github.com/praetorian-inc/fingerprintx/"
    condition:
        uint32be(0) == 0x7f454c46 and any of them
}

rule recon_go_tools
{
    meta:
        tool = "subfinder / katana / dnsx / amass / gau / hakrawler / gowitness / pspy"
        description = "Go reconnaissance tool: subdomain and URL discovery, crawling, screenshots, or (pspy) watching other users' processes for privilege escalation"
        severity = "medium"
        category = "recon"
    strings:
        $subfinder = "github.com/projectdiscovery/subfinder/"
        $katana = "github.com/projectdiscovery/katana/"
        $dnsx = "github.com/projectdiscovery/dnsx/"
        $amass = "github.com/owasp-amass/amass/"
        $amass_old = "github.com/OWASP/Amass/"
        $gau = "github.com/lc/gau/"
        $hakrawler = "github.com/hakluke/hakrawler"
        $gowitness = "github.com/sensepost/gowitness/"
        $pspy = "github.com/DominicBreuker/pspy/"
    condition:
        uint32be(0) == 0x7f454c46 and any of them
}

rule webattack_go_tools
{
    meta:
        tool = "dalfox"
        description = "dalfox: Go XSS scanner and parameter analyser"
        severity = "high"
        category = "web-attack"
    strings:
        $dalfox = "github.com/hahwul/dalfox/"
    condition:
        uint32be(0) == 0x7f454c46 and $dalfox
}

rule bruteforce_kerbrute
{
    meta:
        tool = "kerbrute"
        description = "Kerberos user enumeration and password spraying against Active Directory"
        severity = "high"
        category = "bruteforce"
    strings:
        $module = "github.com/ropnop/kerbrute/"
    condition:
        uint32be(0) == 0x7f454c46 and $module
}

rule exploit_go_c2
{
    meta:
        tool = "sliver / merlin / Mythic poseidon / interactsh"
        description = "command-and-control implant or server (Sliver, Merlin, Mythic's poseidon agent), or an out-of-band interaction server for blind exploitation (interactsh)"
        severity = "high"
        category = "exploitation"
    strings:
        $sliver = "github.com/bishopfox/sliver/"
        $sliver2 = "github.com/BishopFox/sliver/"
        $merlin = "github.com/Ne0nd0g/merlin"
        $poseidon = "github.com/MythicAgents/poseidon/"
        $interactsh = "github.com/projectdiscovery/interactsh/"
    condition:
        uint32be(0) == 0x7f454c46 and any of them
}

rule scanner_rustscan
{
    meta:
        tool = "RustScan"
        description = "RustScan: fast port scanner that hands open ports to nmap"
        severity = "high"
        category = "scanner"
    strings:
        $url = "https://github.com/RustScan/RustScan"
        $crate = /rustscan-[0-9]+\.[0-9]+\.[0-9]+\/src\//
        $banner = "The Modern Day Port Scanner."
    condition:
        uint32be(0) == 0x7f454c46 and any of them
}

rule webattack_feroxbuster
{
    meta:
        tool = "feroxbuster"
        description = "feroxbuster: recursive web content discovery (forced browsing)"
        severity = "high"
        category = "web-attack"
    strings:
        $url = "https://github.com/epi052/feroxbuster"
        $crate = /feroxbuster-[0-9]+\.[0-9]+\.[0-9]+\/src\//
        $config = "ferox-config.toml"
    condition:
        uint32be(0) == 0x7f454c46 and any of them
}
