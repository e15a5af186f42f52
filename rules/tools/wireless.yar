/*
 * wireless.yar — WiFi attack tools: monitor mode, capture of handshakes
 * and IVs, deauthentication and packet injection, rogue access points,
 * WEP/WPA key cracking and WPS PIN attacks. A container has no business
 * with them; one that ships them is a staging point for attacks on the
 * radio networks around its host.
 */

rule wireless_aircrack_ng
{
    meta:
        tool = "aircrack-ng"
        description = "WiFi attack suite (aircrack-ng, airodump-ng, aireplay-ng, airbase-ng, airdecap-ng, packetforge-ng, besside-ng ...): capture, injection, rogue AP, WEP/WPA cracking"
        severity = "high"
        category = "wireless"
    strings:
        $site = "https://www.aircrack-ng.org"
        $author = "Thomas d'Otreppe"
        $usage = /[Uu]sage: (aircrack|airdecap|airdecloak|airodump|aireplay|airbase|airtun|airserv|airolib|airventriloquist|makeivs|packetforge|easside|wesside|tkiptun|buddy)-ng /
        $osdep = "libaircrack-osdep-"
        $wpa = "Run aircrack on %s for WPA key"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule wireless_aircrack_ng_scripts
{
    meta:
        tool = "aircrack-ng (airmon-ng, dcrack)"
        description = "aircrack-ng's scripts: airmon-ng puts WiFi interfaces into monitor mode, dcrack distributes WPA cracking"
        severity = "high"
        category = "wireless"
    strings:
        $airmon_usage = "usage: %s <start|stop|check> <interface> [channel or frequency]"
        $airmon_kill = "airmon-ng check kill"
        $airmon_vif = "(mac80211 monitor mode vif enabled for [%s]%s on [%s]%smon)"
        $dcrack_usage = "Usage: dcrack.py [MODE]"
        $dcrack_cap = "\"dcrack.cap\""
        $dcrack_cmd = "[\"aircrack-ng\", \"-w\""
    condition:
        uint32be(0) != 0x7f454c46 and 2 of them
}

rule wireless_reaver
{
    meta:
        tool = "reaver / wash"
        description = "WPS PIN brute force and Pixie Dust attack (reaver) and WPS access point scanner (wash, the same binary)"
        severity = "high"
        category = "wireless"
    strings:
        $reaver = "Reaver v%s WiFi Protected Setup Attack Tool"
        $wash = "Wash v%s WiFi Protected Setup Scan Tool"
        $copyright = "Tactical Network Solutions, Craig Heffner"
        $pixie = "[+] Pixiewps: success: setting pin to %s"
        $pin = "-p, --pin=<wps pin>"
        $state = "/var/lib/reaver"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule wireless_mdk3
{
    meta:
        tool = "mdk3"
        description = "WiFi protocol attacks: deauthentication and beacon floods, SSID and MAC-filter brute force, WPA downgrade"
        severity = "high"
        category = "wireless"
    strings:
        $ex = "e.g. : mdk3 ath0 p -b a -p SSID"
        $wpa = "WPA Downgrade Attack successful."
        $cap = "WARNING: mdk3 has now captured more than"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule wireless_bully
{
    meta:
        tool = "bully"
        description = "bully: online brute force of a WiFi access point's WPS PIN"
        severity = "high"
        category = "wireless"
    strings:
        $bully = "Bully %s - WPS vulnerability assessment utility"
        $crack = "Average time to crack is %d hours, %d minutes, %d seconds"
    condition:
        uint32be(0) == 0x7f454c46 and all of them
}
