#!/bin/sh
# tool-packages.sh — write rules/packages/debian.tsv, the Debian packages
# that are attack or network tools (rules/README.md, "Package databases"),
# from this machine's apt metadata (`apt-cache dumpavail`; `apt-get update`
# is run once when the lists are empty).
#
#   sh scripts/tool-packages.sh [OUT]        (default rules/packages/debian.tsv)
#
# Columns: package, category, severity, why (tab-separated). Two sources:
#
# (a) CURATED below: attack and network tools by name, with a category and
#     severity of our own; why is "curated: REASON". It includes the
#     held-out packages of the tool rules (a list entry is not a content
#     rule: the package signal is one of the generic signals they measure).
#     A curated name apt does not know is reported on stderr and left out.
#
# (b) Debian's tags (debtags, the Tag: field), chosen by reading what each
#     selects in bookworm:
#       network::scanner + use::scanning            -> scanner, high
#           (nmap, hping3, ike-scan, pnscan, nbtscan, netdiscover, ...)
#       network::scanner + works-with::network-traffic -> sniffer, medium
#           (tcpdump, tshark, tcpflow, tcpick, pktstat, ...: packet monitors,
#           legitimate but dual use: a policy may allow the category)
#     why is "debtags TAG TAG" (the tags that selected it). Tags NOT used:
#       network::scanner alone: also ping, arping, mtr, avahi, bandwidth
#           meters (86 packages, most of them ordinary);
#       use::scanning alone: file-type detectors, spam and virus scanners,
#           document scanners;
#       security::ids, security::forensics, security::integrity,
#           security::log-analyzer: defenders' tools (fail2ban,
#           rkhunter, tripwire, psad, ...);
#       security::privacy: gpg, cryptsetup, wipe ... (tor and corkscrew,
#           the tools among them, are curated).
#     EXCLUDED below: what the tag rules select that is not a tool to flag
#     (service discovery, ping, bandwidth meters, documentation, a
#     library); a curated entry overrides its tag entry.
#
# NEVER lists packages that must not be in the list whatever the tags say
# (ordinary client and network tools); the script fails if one gets in.
set -eu
OUT=${1:-rules/packages/debian.tsv}

# package  category  severity  reason
CURATED='
nmap	scanner	high	network port scanner
ncat	relay	high	nmap netcat: connects, listens, relays and runs programs (--exec)
masscan	scanner	high	internet-scale asynchronous port scanner
zmap	scanner	high	internet-wide single-packet scanner
nbtscan	scanner	medium	NetBIOS name scanner
arp-scan	scanner	medium	ARP host discovery
ike-scan	scanner	high	IPsec VPN discovery and fingerprinting
sslscan	recon	medium	TLS configuration enumeration
nikto	web-attack	high	web server vulnerability scanner
hydra	bruteforce	high	online password brute forcer (THC Hydra)
medusa	bruteforce	high	parallel login brute forcer
ncrack	bruteforce	high	network authentication cracker
patator	bruteforce	high	multi-protocol brute forcer
john	password-cracker	high	John the Ripper password cracker
hashcat	password-cracker	high	GPU password hash cracker
ophcrack	password-cracker	high	Windows password cracker (rainbow tables)
ophcrack-cli	password-cracker	high	Windows password cracker (rainbow tables)
fcrackzip	password-cracker	high	zip password cracker
pdfcrack	password-cracker	high	PDF password cracker
rarcrack	password-cracker	high	archive password cracker
crunch	password-cracker	medium	wordlist generator for password cracking
aircrack-ng	wireless	high	WEP/WPA key cracking and wireless attack suite
reaver	wireless	high	WPS PIN brute force
pixiewps	wireless	high	offline WPS PIN attack
mdk4	wireless	high	802.11 attack tool (deauthentication, beacon flood)
mdk3	wireless	high	802.11 attack tool
cowpatty	wireless	high	WPA-PSK dictionary attack
bully	wireless	high	WPS brute force
kismet	wireless	medium	wireless sniffer and detector
weplab	wireless	high	WEP key cracker
btscanner	wireless	medium	Bluetooth device scanner
ettercap-common	mitm	high	ARP poisoning man-in-the-middle suite
ettercap-graphical	mitm	high	ARP poisoning man-in-the-middle suite
ettercap-text-only	mitm	high	ARP poisoning man-in-the-middle suite
bettercap	mitm	high	man-in-the-middle framework
dsniff	mitm	high	arpspoof, dnsspoof, macof, password sniffing
sslsplit	mitm	high	transparent TLS interception
yersinia	mitm	high	layer-2 protocol attacks (STP, DHCP, CDP, VTP)
mitmproxy	mitm	medium	intercepting HTTP(S) proxy
hunt	mitm	high	TCP session hijacking
thc-ipv6	protocol-attack	high	IPv6 protocol attack toolkit
hping3	packet-crafting	high	packet crafter and flooder
packeth	packet-crafting	high	Ethernet packet generator
packit	packet-crafting	high	packet injection and capture
nemesis	packet-crafting	high	packet crafting and injection
netwox	packet-crafting	high	network toolbox: spoofing, flooding, scanning
python3-scapy	packet-crafting	medium	interactive packet manipulation
tcpreplay	packet-injection	medium	replays captured traffic onto a network
sqlmap	web-attack	high	automatic SQL injection
wfuzz	web-attack	high	web application fuzzer
gobuster	web-attack	high	directory and DNS brute forcing
dirb	web-attack	high	web content brute forcing
ffuf	web-attack	high	web fuzzer
wapiti	web-attack	high	web application vulnerability scanner
whatweb	web-attack	medium	web technology fingerprinting
skipfish	web-attack	high	web application security scanner
fierce	recon	high	DNS reconnaissance
dnsrecon	recon	high	DNS enumeration
dnsenum	recon	high	DNS enumeration
onesixtyone	recon	high	SNMP community brute force scanner
theharvester	recon	high	e-mail, subdomain and host harvesting
amass	recon	high	attack surface mapping
p0f	recon	medium	passive OS fingerprinting
tor	anonymity	high	Tor onion router
torsocks	anonymity	high	runs programs through Tor
i2pd	anonymity	high	I2P anonymity network router
obfs4proxy	anonymity	high	pluggable transport hiding Tor traffic
onioncat	anonymity	high	IP tunnel over Tor hidden services
proxychains	anonymity	high	forces connections through proxy chains
proxychains4	anonymity	high	forces connections through proxy chains
iodine	tunnel	high	IPv4 over DNS tunnel
ptunnel	tunnel	high	TCP over ICMP tunnel
ptunnel-ng	tunnel	high	TCP over ICMP tunnel
dns2tcp	tunnel	high	TCP over DNS tunnel
corkscrew	tunnel	high	SSH through HTTP proxies
httptunnel	tunnel	high	TCP over HTTP tunnel
udptunnel	tunnel	medium	UDP over TCP tunnel
netcat-traditional	relay	high	netcat with -e (runs a program on a connection)
netcat-openbsd	relay	medium	netcat: connects, listens and relays
socat	relay	medium	multipurpose relay (listens, forks, runs programs)
redir	relay	medium	TCP port redirector
rinetd	relay	medium	TCP connection redirector
python3-pwntools	exploitation	high	exploit development framework
xmrig	miner	high	cryptocurrency miner
tcpdump	sniffer	medium	packet capture (dual use)
tshark	sniffer	medium	packet capture and dissection (dual use)
wireshark	sniffer	medium	packet capture and dissection (dual use)
termshark	sniffer	medium	packet capture user interface (dual use)
ngrep	sniffer	medium	grep over network traffic
iftop	sniffer	medium	per-connection bandwidth monitor (captures packets)
iptraf-ng	sniffer	medium	IP traffic monitor (captures packets)
netsniff-ng	sniffer	medium	packet capture and generation toolkit
tcpflow	sniffer	medium	TCP stream capture
driftnet	sniffer	high	extracts images from captured traffic
sniffit	sniffer	high	packet sniffer showing payloads
ssldump	sniffer	medium	SSL/TLS traffic analyser
'

# What the tag rules select that is not a tool to flag.
EXCLUDED='
avahi-daemon avahi-discover avahi-dnsconfd avahi-utils mdns-scan minissdpd
fping inetutils-ping inetutils-traceroute iputils-arping iputils-ping iputils-tracepath arping
mtr mtr-tiny bing httping dhcping
nload bmon bwbar cbm wmnd-snmp xfce4-netload-plugin
netwag-doc netwox-doc libnmap-parser-perl libtrace-tools wpagui linssid
arpwatch scamper
'

NEVER='curl openssh-client iproute2 dnsutils bind9-dnsutils iputils-ping iputils-arping iputils-tracepath'

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
apt-cache dumpavail >"$T/meta" 2>/dev/null || :
if ! grep -q '^Package:' "$T/meta"; then
    apt-get update >&2
    apt-cache dumpavail >"$T/meta"
fi
# one line per package: NAME<TAB>tag, tag, ... (continuation lines joined)
awk '
    /^Package:/ { if (p != "") print p "\t" t; p = $2; t = ""; intag = 0; next }
    /^Tag:/ { sub(/^Tag: */, ""); t = $0; intag = 1; next }
    /^[ \t]/ { if (intag) { s = $0; sub(/^[ \t]+/, " ", s); t = t s }; next }
    { intag = 0 }
    END { if (p != "") print p "\t" t }
' "$T/meta" | sort -u -t "$(printf '\t')" -k1,1 >"$T/tags"
cut -f1 "$T/tags" >"$T/known"

printf '%s\n' "$CURATED" | grep -v '^$' >"$T/curated"
: >"$T/out"
while IFS="$(printf '\t')" read -r pkg cat sev why; do
    if grep -qxF "$pkg" "$T/known"; then
        printf '%s\t%s\t%s\tcurated: %s\n' "$pkg" "$cat" "$sev" "$why" >>"$T/out"
    else
        echo "tool-packages: $pkg: not in the apt metadata, left out" >&2
    fi
done <"$T/curated"

# (b): the tag rules, less what is curated or excluded
printf '%s\n' $EXCLUDED >"$T/excluded"
cut -f1 "$T/curated" >>"$T/excluded"
awk -F '\t' -v ex="$T/excluded" '
    BEGIN { while ((getline l < ex) > 0) skip[l] = 1 }
    skip[$1] { next }
    {
        n = split($2, a, /, */); delete has
        for (i = 1; i <= n; i++) has[a[i]] = 1
        if (has["network::scanner"] && has["use::scanning"])
            print $1 "\tscanner\thigh\tdebtags network::scanner use::scanning"
        else if (has["network::scanner"] && has["works-with::network-traffic"])
            print $1 "\tsniffer\tmedium\tdebtags network::scanner works-with::network-traffic"
    }
' "$T/tags" >>"$T/out"

for p in $NEVER; do
    if cut -f1 "$T/out" | grep -qxF "$p"; then
        echo "tool-packages: $p must never be listed" >&2
        exit 1
    fi
done

mkdir -p "$(dirname "$OUT")"
{
    echo "# Generated by scripts/tool-packages.sh from the apt metadata of $(. /etc/os-release && echo "$PRETTY_NAME");"
    echo "# edit the script, not this file. Columns: package, category, severity, why (rules/README.md)."
    sort -t "$(printf '\t')" -k1,1 "$T/out"
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "tool-packages: $(grep -vc '^#' "$OUT") packages written to $OUT" >&2
