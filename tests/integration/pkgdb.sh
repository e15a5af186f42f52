# Integration: the package database signal of suspicious-tool (rules/README.md,
# "Package databases"). Images hold REAL databases: stanzas of this
# machine's /var/lib/dpkg/status, stanzas apt-cache shows for nmap, hydra,
# john and tcpdump written as dpkg writes installed (or removed) packages,
# a distroless status.d stanza and an Alpine installed database. Asserts
# the findings (rule package:NAME, path, layer, message with category and
# severity), none for a removed package or a database a later layer
# replaces or deletes, zero for this machine's whole status file, a
# scan-error for a malformed database and for a symlink in a database's
# place, the same findings from the facts cache, the lists in the rules
# digest, a malformed list stopping the scan with FILE:LINE, and every
# entry of rules/packages/debian.tsv known to apt (its debtags too).
. "$PC_ROOT/tests/lib.sh"

TAB=$(printf '\t')
# layer JSON: one layer of the given entries (JSON array on stdin)
layer() { jq -c '{compression: "gzip", entries: .}'; }
# image SPEC_OUT LAYER_FILE...
image() {
    out=$1
    shift
    cat "$@" | jq -s '{tag: "latest", images: [{platform: "linux/amd64",
        config: {User: "1000", Entrypoint: ["/bin/sh"]}, layers: .}]}' >"$out"
}
build() { # build NAME SPEC
    "$FB" "$2" "$T/$1" >"$T/fb.log" 2>&1 || { fail "build $1" "$(head -c 600 "$T/fb.log")"; return 1; }
}
scan() { # scan NAME IMAGE [ARGS...]: JSON report in $T/out
    n=$1 img=$2
    shift 2
    "$PC" scan --cache-dir "$(fresh_cache)" "$@" --format json "oci:$T/$img/oci:latest" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}
# package findings of $T/out as "PATH RULE" lines
pkg_hits() { jq -r '.reports[0].findings[] | select(.check == "suspicious-tool" and (.rule // "" | startswith("package:"))) | "\(.path) \(.rule)"' "$T/out" | sort; }
layer_digest() { # layer_digest IMAGE INDEX: the digest of layer INDEX (from the OCI layout)
    m=$(jq -r '.manifests[0].digest' "$T/$1/oci/index.json" | sed 's/sha256://')
    jq -r ".layers[$2].digest" "$T/$1/oci/blobs/sha256/$m"
}

# ---- real stanzas
# ordinary: the first 25 installed stanzas of this machine's status file
awk -v RS= -v ORS='\n\n' '/\nStatus: install ok installed/ && n++ < 25' /var/lib/dpkg/status >"$T/ordinary"
[ "$(grep -c '^Package:' "$T/ordinary")" -eq 25 ] && pass "25 real stanzas of /var/lib/dpkg/status" ||
    fail "real stanzas" "$(grep -c '^Package:' "$T/ordinary") read"
# installed STATUS PKG: apt's record of PKG as dpkg's status file keeps it
installed() {
    apt-cache show --no-all-versions "$2" | awk -v st="$1" -v RS= '{print; exit}' |
        grep -v -e '^Filename:' -e '^Size:' -e '^MD5sum:' -e '^SHA256:' -e '^Description-md5:' |
        sed "/^Package:/a Status: $1"
    echo
}
{
    cat "$T/ordinary"
    installed "install ok installed" nmap
    installed "hold ok installed" hydra
    installed "deinstall ok config-files" john
} >"$T/status"
grep -q '^Package: nmap$' "$T/status" && grep -q '^ ' "$T/status" && pass "status holds nmap, with continuation lines" ||
    fail "status file" "no nmap stanza"
nmap_version=$(apt-cache show --no-all-versions nmap | sed -n 's/^Version: //p' | head -1)
apt-cache show --no-all-versions tcpdump | awk -v RS= '{print; exit}' >"$T/status.d-tcpdump"
cat >"$T/apk" <<'EOF'
C:Q1rHGhwYCAHHXOkfoyHHSTrsd8qE4=
P:musl
V:1.2.4-r2
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1697019370
c:d6481e2d9f7f2df55f4cf25bde4b4d77c1caa8c2
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1Zk0JsbdoIpJ2tunZUqG1tJ6ejTs=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=

C:Q1m4bQIT0K+Q4dYPoqx6X4xmFw6Qg=
P:nmap
V:7.94-r0
A:x86_64
S:2021364
I:5378048
T:network exploration tool and security/port scanner
U:https://nmap.org/
L:custom:nmap
o:nmap
t:1690000000
D:so:libc.musl-x86_64.so.1 so:libcrypto.so.3 so:libgcc_s.so.1 so:libpcap.so.1
F:usr
F:usr/bin
R:nmap
a:0:0:755
Z:Q1xWqD5pZmvWZ0uuYSqF5l02kVdzE=

C:Q1Fz0CgqpY1pNZJhs1n06SmXvOCY0=
P:tor
V:0.4.8.9-r0
A:x86_64
T:Anonymous network router to improve privacy on the Internet
D:/bin/sh so:libc.musl-x86_64.so.1

EOF
jq -n --arg s "$T/status" --arg d "$T/status.d-tcpdump" \
    '[{path: "var/lib/dpkg/status", type: "file", mode: "0644", from_file: $s},
      {path: "var/lib/dpkg/status.d/tcpdump", type: "file", mode: "0644", from_file: $d},
      {path: "var/lib/dpkg/status.d/tcpdump.md5sums", type: "file", mode: "0644", content: "d41d8cd98f00b204e9800998ecf8427e  usr/bin/tcpdump\n"}]' | layer >"$T/l-dpkg.json"
jq -n --arg a "$T/apk" '[{path: "lib/apk/db/installed", type: "file", mode: "0644", from_file: $a}]' | layer >"$T/l-apk.json"
image "$T/tools.json" "$T/l-dpkg.json" "$T/l-apk.json"
build tools "$T/tools.json" || exit 1

# ---- the findings
scan tools tools
[ "$(cat "$T/rc")" = 1 ] && pass "tool packages: denied (exit 1)" || fail "tool packages exit" "$(cat "$T/rc"): $(head -c 600 "$T/err")"
cp "$T/out" "$T/tools-report.json"
pkg_hits >"$T/hits"
printf '%s\n' "/lib/apk/db/installed package:nmap" "/lib/apk/db/installed package:tor" \
    "/var/lib/dpkg/status package:hydra" "/var/lib/dpkg/status package:nmap" \
    "/var/lib/dpkg/status.d/tcpdump package:tcpdump" >"$T/want"
if cmp -s "$T/hits" "$T/want"; then pass "exactly the installed tool packages are found"; else
    fail "package findings" "got: $(tr '\n' ',' <"$T/hits") want: $(tr '\n' ',' <"$T/want")"; fi
grep_none "no finding for a removed package (john: deinstall ok config-files)" 'package:john' "$T/hits"
grep_none "no finding for ordinary packages" 'package:(adduser|apt|base-files|bash|libc6)$' "$T/hits"
l0=$(layer_digest tools 0)
l1=$(layer_digest tools 1)
jq_true "dpkg findings name the layer of the database" "[.reports[0].findings[] | select(.path == \"/var/lib/dpkg/status\") | .layer == \"$l0\"] | (length == 2 and all)"
jq_true "apk findings name the layer of the database" "[.reports[0].findings[] | select(.path == \"/lib/apk/db/installed\") | .layer == \"$l1\"] | (length == 2 and all)"
jq_true "nmap message: version, dpkg, why, category, severity" \
    "[.reports[0].findings[] | select(.rule == \"package:nmap\" and .path == \"/var/lib/dpkg/status\") | .message] == [\"nmap $nmap_version installed by dpkg: curated: network port scanner (category scanner, severity high)\"]"
jq_true "apk message" '[.reports[0].findings[] | select(.rule == "package:tor") | .message] == ["tor 0.4.8.9-r0 installed by apk: curated: Tor onion router (category anonymity, severity high)"]'
jq_true "held package is installed (hydra: hold ok installed)" '[.reports[0].findings[] | select(.rule == "package:hydra") | .message | test("^hydra .* installed by dpkg: .*category bruteforce")] == [true]'
jq_true "dual-use monitor: sniffer, medium" '[.reports[0].findings[] | select(.rule == "package:tcpdump") | .message | test("category sniffer, severity medium")] == [true]'
jq_true "package findings deny" '[.reports[0].findings[] | select(.rule // "" | startswith("package:")) | .action == "deny"] | all'
jq_true "tag: category, severity and signal package on every package finding" \
    '[.reports[0].findings[] | select(.rule // "" | startswith("package:")) | .signal == "package"] | (length == 5 and all)'
jq_true "tag: nmap scanner/high, tcpdump sniffer/medium, tor anonymity" \
    '[.reports[0].findings[] | select(.rule == "package:nmap" or .rule == "package:tcpdump" or .rule == "package:tor") | "\(.rule) \(.category) \(.severity)"] | sort | unique == ["package:nmap scanner high", "package:tcpdump sniffer medium", "package:tor anonymity high"]'

# ---- the same from the facts cache (codec round trip)
mkdir -p "$T/cache"
"$PC" scan --cache-dir "$T/cache" --format json "oci:$T/tools/oci:latest" >"$T/c1.json" 2>"$T/err"
"$PC" scan --cache-dir "$T/cache" --format json "oci:$T/tools/oci:latest" >"$T/out" 2>"$T/err"
jq_true "second scan reads both layers from the cache" '.reports[0].stats.cached_layers == 2'
pkg_hits >"$T/hits-cached"
cmp -s "$T/hits-cached" "$T/want" && pass "cached facts give the same package findings" ||
    fail "cached findings" "$(tr '\n' ',' <"$T/hits-cached")"

# ---- a later layer replaces the status file and deletes the apk database
jq -n --arg o "$T/ordinary" '[{path: "var/lib/dpkg/status", type: "file", mode: "0644", from_file: $o},
      {path: "var/lib/dpkg/status.d/.wh.tcpdump", type: "file", content: ""},
      {path: "lib/apk/db/.wh.installed", type: "file", content: ""}]' | layer >"$T/l-replace.json"
image "$T/replaced.json" "$T/l-dpkg.json" "$T/l-apk.json" "$T/l-replace.json"
build replaced "$T/replaced.json" || exit 1
scan replaced replaced
jq_true "replaced and deleted databases: no package finding, no scan-error" \
    '[.reports[0].findings[] | select((.rule // "" | startswith("package:")) or .check == "scan-error")] == []'

# ---- this machine's whole status file: ordinary packages only (and,
# appended to it, nmap: the one finding shows the whole file was read)
jq -n '[{path: "var/lib/dpkg/status", type: "file", mode: "0644", from_file: "/var/lib/dpkg/status"}]' | layer >"$T/l-real.json"
image "$T/real.json" "$T/l-real.json"
build real "$T/real.json" || exit 1
scan real real
jq_true "real /var/lib/dpkg/status: read ($(grep -c '^Package:' /var/lib/dpkg/status) stanzas), zero suspicious-tool findings, no scan-error" \
    '[.reports[0].findings[] | select(.check == "suspicious-tool" or .check == "scan-error")] == []'
{
    cat /var/lib/dpkg/status
    echo
    installed "install ok installed" nmap
} >"$T/real-nmap"
jq -n --arg s "$T/real-nmap" '[{path: "var/lib/dpkg/status", type: "file", mode: "0644", from_file: $s}]' | layer >"$T/l-real2.json"
image "$T/real2.json" "$T/l-real2.json"
build real2 "$T/real2.json" || exit 1
scan real2 real2
jq_true "real status file with nmap appended: exactly package:nmap" \
    '[.reports[0].findings[] | select(.check == "suspicious-tool" or .check == "scan-error") | .rule] == ["package:nmap"]'

# ---- unreadable databases fail closed
printf 'Package: nmap\nStatus: install ok installed\nthis line is no field\n' >"$T/bad-status"
jq -n --arg b "$T/bad-status" '[{path: "var/lib/dpkg/status", type: "file", mode: "0644", from_file: $b}]' | layer >"$T/l-bad.json"
image "$T/bad.json" "$T/l-bad.json"
build bad "$T/bad.json" || exit 1
scan bad bad
[ "$(cat "$T/rc")" != 0 ] && pass "malformed database: not allowed" || fail "malformed database" "exit 0"
jq_true "malformed database: a scan-error naming the file and line" \
    '[.reports[0].findings[] | select(.check == "scan-error") | .message | test("var/lib/dpkg/status: package database: line 3: not a field")] | any'
jq -n '[{path: "var/lib/dpkg/status", type: "symlink", target: "/tmp/elsewhere"}]' | layer >"$T/l-link.json"
image "$T/link.json" "$T/l-dpkg.json" "$T/l-link.json"
build link "$T/link.json" || exit 1
scan link link
jq_true "a symlink in the database's place: scan-error" \
    '[.reports[0].findings[] | select(.check == "scan-error" and .path == "/var/lib/dpkg/status") | .message | test("is a symlink")] == [true]'

# ---- the lists: in the rules digest, malformed ones stop the scan
run "rules check counts the lists" 0 "$PC" rules check "$PC_ROOT/rules"
grep_in "rules check: tool packages in 7 lists" '; [0-9]+ tool packages in 7 lists$' "$T/out"
d1=$(sed -n 's/.*rules digest \(sha256:[0-9a-f]*\).*/\1/p' "$T/out")
jq_true "report's rules digest is rules check's" ".reports[0].rules_digest == \"$d1\"" "$T/tools-report.json"
cp -r "$PC_ROOT/rules" "$T/rules2"
printf 'zmap-extra\tscanner\thigh\tcurated: test\n' >>"$T/rules2/packages/alpine.tsv"
run "rules check, a list changed" 0 "$PC" rules check "$T/rules2"
d2=$(sed -n 's/.*rules digest \(sha256:[0-9a-f]*\).*/\1/p' "$T/out")
[ -n "$d2" ] && [ "$d1" != "$d2" ] && pass "a list change changes the rules digest" || fail "digest" "$d1 vs $d2"
printf 'nmap\tscanner\thigh\tcurated: first\nnmap\tscanner\thigh\tcurated: again\n' >"$T/rules2/packages/alpine.tsv"
run "malformed list: rules check fails" 2 "$PC" rules check "$T/rules2"
grep_in "rules check names FILE:LINE" 'rules2/packages/alpine.tsv:2: package nmap is listed twice' "$T/err"
run "malformed list: the scan does not start" 2 "$PC" scan --rules "$T/rules2" "oci:$T/tools/oci:latest"
grep_in "scan names FILE:LINE" 'alpine.tsv:2: ' "$T/err"
rm "$T/rules2/packages/alpine.tsv"
printf 'nmap\tscanner\thigh\tcurated: x\n' >"$T/rules2/packages/alpine-extra.tsv"
run "an unknown list file stops the scan" 2 "$PC" scan --rules "$T/rules2" "oci:$T/tools/oci:latest"
grep_in "unknown list named" 'alpine-extra.tsv:0: not a package list' "$T/err"

# ---- every entry of debian.tsv is a package apt knows; tagged ones carry their tags
grep -v '^#' "$PC_ROOT/rules/packages/debian.tsv" >"$T/deb.tsv"
n=$(wc -l <"$T/deb.tsv")
[ "$n" -ge 80 ] && pass "debian.tsv: $n packages" || fail "debian.tsv size" "$n"
apt-cache show --no-all-versions $(cut -f1 "$T/deb.tsv") >"$T/apt.txt" 2>"$T/apt.err"
awk '/^Package:/ { p = $2 } /^Tag:/ { t = $0; intag = 1; print p "\t" t; next }
     /^[ \t]/ && intag { print p "\t" $0; next } { intag = 0 }' "$T/apt.txt" >"$T/apt-tags"
missing=""
for p in $(cut -f1 "$T/deb.tsv"); do
    grep -q "^Package: $p\$" "$T/apt.txt" || missing="$missing $p"
done
[ -z "$missing" ] && pass "every debian.tsv entry is in the apt metadata" || fail "debian.tsv entries unknown to apt" "$missing"
untagged=""
ntag=0
while IFS="$TAB" read -r p cat sev why; do
    case $why in debtags\ *) ;; *) continue ;; esac
    ntag=$((ntag + 1))
    for tag in ${why#debtags }; do
        grep "^$p$TAB" "$T/apt-tags" | grep -q -- "$tag" || untagged="$untagged $p:$tag"
    done
done <"$T/deb.tsv"
[ "$ntag" -gt 0 ] && [ -z "$untagged" ] && pass "$ntag tag-selected entries carry their tags" ||
    fail "debtags entries" "$ntag tagged; without their tag:$untagged"
grep_none "never listed: curl, openssh-client, iproute2, dnsutils, iputils-*" \
    '^(curl|openssh-client|iproute2|dnsutils|bind9-dnsutils|iputils-[a-z]+)\b' "$T/deb.tsv"
awk -F '\t' '$2 == "sniffer" && ($1 == "tcpdump" || $1 == "tshark" || $1 == "iftop") && $3 == "medium"' "$T/deb.tsv" >"$T/monitors"
[ "$(wc -l <"$T/monitors")" -eq 3 ] && pass "tcpdump, tshark, iftop: sniffer, medium" || fail "monitors" "$(cat "$T/monitors")"
# the script writes what is committed
sh "$PC_ROOT/scripts/tool-packages.sh" "$T/regen.tsv" 2>"$T/regen.err"
if cmp -s "$T/regen.tsv" "$PC_ROOT/rules/packages/debian.tsv"; then pass "scripts/tool-packages.sh reproduces debian.tsv"; else
    fail "tool-packages.sh" "differs: $(diff "$T/regen.tsv" "$PC_ROOT/rules/packages/debian.tsv" | head -c 600)"; fi
