/*
 * bruteforce.yar — password guessing and cracking: online login
 * brute-forcers and offline hash crackers.
 */

rule bruteforce_hydra
{
    meta:
        tool = "hydra"
        description = "THC Hydra, a parallel online login brute-forcer"
        severity = "high"
        category = "bruteforce"
    strings:
        $syntax = "Syntax: hydra [[[-l LOGIN|-L FILE] [-p PASS|-P FILE]] | [-C FILE]]"
        $url = "https://github.com/vanhauser-thc/thc-hydra"
        $proxy = "HYDRA_PROXY_HTTP"
        $example = "hydra -l user -P passlist.txt ftp://"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule bruteforce_medusa
{
    meta:
        tool = "medusa"
        description = "parallel, modular login brute-forcer (the program and its .mod modules)"
        severity = "high"
        category = "bruteforce"
    strings:
        $fn_connect = "medusaConnect"
        $fn_receive = "medusaReceive"
        $fn_send = "medusaSend"
        $module_usage = "Use \"-q\" option to display module usage."
        $banner = "SSH-2.0-MEDUSA"
        $summary = "reports an error in summaryUsage()"
    condition:
        uint32be(0) == 0x7f454c46 and 3 of them
}

rule bruteforce_ncrack
{
    meta:
        tool = "ncrack"
        description = "network authentication cracker from the Nmap project"
        severity = "high"
        category = "bruteforce"
    strings:
        $url = "http://ncrack.org"
        $env = "NCRACKDIR"
        $services = "ncrack-services"
        $home = "%s/.ncrack/%s"
        $data = "/usr/share/ncrack"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule bruteforce_john
{
    meta:
        tool = "john"
        description = "John the Ripper, an offline password hash cracker"
        severity = "high"
        category = "password-cracker"
    strings:
        $banner = "John the Ripper password cracker"
        $home = "Homepage: http://www.openwall.com/john/"
        $pot = "~/.john/john.pot"
        $conf = "/etc/john/john.conf"
        $list = "$JOHN/password.lst"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule bruteforce_patator
{
    meta:
        tool = "patator"
        description = "multi-purpose brute-forcer (Python script)"
        severity = "high"
        category = "bruteforce"
    strings:
        $git = "https://github.com/lanjelot/patator"
        $banner = "Patator %s (%s) with python-%s"
        $about = "Patator is a multi-purpose brute-forcer"
    condition:
        2 of them
}
