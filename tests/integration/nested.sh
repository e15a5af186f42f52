# Integration: tools an image carries inside compressed files and
# archives (lib/yara/nested.c): real netcat, socat and nmap binaries from
# Debian packages, gzipped, xz'ed, lzma'ed, bzip2'ed and zstd'ed (by
# Python's and zstd's own encoders), in a tar.gz, a deflated zip, a stored
# zip, a zip written as a stream (data descriptors), an ar, an .rpm (xz'ed
# cpio), in a zip in a tar.xz, after an installer script or a zipapp's
# shebang, in archives over max_file_bytes (opened as they stream), and
# nmap's own .deb as apt downloads it. Each must be found by
# the tool's rule, with the member named; a truncated archive still gives
# what came before the damage; the finding comes back the same from the
# facts cache; benign archives (gzipped man pages and changelogs of real
# packages, a tar.gz of coreutils) give none; a run that unpacks a tool
# and starts it is judged by what the archive holds.
. "$PC_ROOT/tests/lib.sh"

fetch_all netcat-openbsd socat nmap coreutils ncompress 7zip libgphobos3 lzip
for p in netcat-openbsd socat nmap coreutils ncompress 7zip libgphobos3 lzip; do
    mkdir -p "$T/x/$p" && dpkg-deb -x "$DEBS"/"$p"_*.deb "$T/x/$p" || fail "unpack $p" "dpkg-deb failed"
done
NC="$T/x/netcat-openbsd/bin/nc.openbsd"
SOCAT="$T/x/socat/usr/bin/socat"
A="$T/arc"
mkdir -p "$A"

# an .rpm as rpmbuild lays it out: its lead, a signature header, a header
# (its data: a scriptlet), then the payload; newc: a cpio in newc form
cat >"$T/rpmkit.py" <<'E'
def newc(files):
    o = b''
    for i, (name, blob, mode) in enumerate(files + [('TRAILER!!!', b'', 0)]):
        nb = name.encode() + b'\0'
        o += b'070701' + b''.join(b'%08X' % v for v in (i + 1, mode, 0, 0, 1, 0, len(blob), 0, 0, 0, 0, len(nb), 0))
        o += nb + b'\0' * ((4 - (110 + len(nb)) % 4) % 4) + blob + b'\0' * ((4 - len(blob) % 4) % 4)
    return o
def rpm(payload, script=b''):
    sig = b'\x8e\xad\xe8\x01' + b'\0' * 4 + (1).to_bytes(4, 'big') + (3).to_bytes(4, 'big') + b'\0' * 19
    sig += b'\0' * ((8 - len(sig) % 8) % 8)
    hdr = b'\x8e\xad\xe8\x01' + b'\0' * 8 + len(script).to_bytes(4, 'big') + script
    return b'\xed\xab\xee\xdb\x03\x00' + b'\0' * 90 + sig + hdr + payload
E
export PYTHONPATH="$T"
# every codec, and the formats, written by Python's standard library
python3 - "$NC" "$SOCAT" "$T/x/coreutils/bin/ls" "$A" <<'E' || fail "write archives" "python3 failed"
import bz2, gzip, io, lzma, os, sys, tarfile, zipfile
nc, socat, ls, out = sys.argv[1:5]
data = open(nc, 'rb').read()
open(os.path.join(out, 'nc.gz'), 'wb').write(gzip.compress(data))
open(os.path.join(out, 'nc.xz'), 'wb').write(lzma.compress(data))
open(os.path.join(out, 'nc.lzma'), 'wb').write(lzma.compress(data, format=lzma.FORMAT_ALONE))
open(os.path.join(out, 'nc.bz2'), 'wb').write(bz2.compress(data))
with tarfile.open(os.path.join(out, 'tools.tar.gz'), 'w:gz') as t:
    t.add(nc, arcname='opt/bin/helper')
with zipfile.ZipFile(os.path.join(out, 'socat.zip'), 'w', zipfile.ZIP_DEFLATED) as z:
    z.write(socat, 'bin/relay')
# zip members bzip2'ed (method 12) and LZMA'ed (method 14), as unzip and 7-Zip read them
for method, fname in ((zipfile.ZIP_BZIP2, 'bzip2.zip'), (zipfile.ZIP_LZMA, 'lzma.zip')):
    with zipfile.ZipFile(os.path.join(out, fname), 'w', method) as z:
        z.writestr('README', 'nothing to see\n')
        z.write(nc, 'bin/agent')
with zipfile.ZipFile(os.path.join(out, 'stored.zip'), 'w', zipfile.ZIP_STORED) as z:
    z.writestr('README', 'nothing to see\n')
    z.write(nc, 'lib/libhelper.so')
# a zip written to a pipe: sizes in data descriptors after each member
class Pipe(io.RawIOBase):
    def __init__(self): self.b = bytearray()
    def writable(self): return True
    def write(self, x): self.b += x; return len(x)
p = Pipe()
with zipfile.ZipFile(p, 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open('first.txt', 'w') as f: f.write(b'plain text\n' * 100)
    with z.open('x/agent', 'w') as f: f.write(data)
open(os.path.join(out, 'stream.zip'), 'wb').write(bytes(p.b))
# a zip (the socat one) inside a tar.xz: two levels
with tarfile.open(os.path.join(out, 'bundle.tar.xz'), 'w:xz') as t:
    t.add(os.path.join(out, 'socat.zip'), arcname='vendor/socat.zip')
# truncated: the tool, then a second member cut in the middle
with tarfile.open(os.path.join(out, 'cut.tar.gz'), 'w:gz') as t:
    t.add(nc, arcname='a/nc')
    t.add(socat, arcname='b/socat')
raw = open(os.path.join(out, 'cut.tar.gz'), 'rb').read()
open(os.path.join(out, 'cut.tar.gz'), 'wb').write(raw[:len(raw) * 3 // 4])
# over max_file_bytes (4 MiB): opened as they stream by, never held whole
pad = os.urandom(6 << 20)
with tarfile.open(os.path.join(out, 'big.tar.gz'), 'w:gz') as t:
    ti = tarfile.TarInfo('data/blob'); ti.size = len(pad); t.addfile(ti, io.BytesIO(pad))
    t.add(nc, arcname='bin/helper')
with zipfile.ZipFile(os.path.join(out, 'big.zip'), 'w', zipfile.ZIP_STORED) as z:
    z.writestr('pad', pad)
    z.write(socat, 'relay')
# a program appended after a big gzip stream: what follows the stream is scanned as bytes
open(os.path.join(out, 'tail.gz'), 'wb').write(gzip.compress(pad) + data)
# a script with its archive after it: a makeself-style installer (small,
# and over max_file_bytes), a Python zipapp
run_hdr = b'#!/bin/sh\n# self-extracting\nskip=4\ntail -n +$skip "$0" | tar xzf - -C /tmp && exec /tmp/tool "$@"\n'
b = io.BytesIO()
with tarfile.open(fileobj=b, mode='w:gz') as t:
    t.add(nc, arcname='./tool')
open(os.path.join(out, 'installer.run'), 'wb').write(run_hdr + b.getvalue())
b = io.BytesIO()
with tarfile.open(fileobj=b, mode='w:gz') as t:
    ti = tarfile.TarInfo('./pad'); ti.size = len(pad); t.addfile(ti, io.BytesIO(pad))
    t.add(socat, arcname='./tool')
open(os.path.join(out, 'big-installer.run'), 'wb').write(run_hdr + b.getvalue())
b = io.BytesIO()
with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
    z.write(nc, 'bin/nc')
    z.writestr('__main__.py', 'import os\nos.execv("bin/nc", ["nc"])\n')
open(os.path.join(out, 'app.pyz'), 'wb').write(b'#!/usr/bin/env python3\n' + b.getvalue())
# an .rpm (lead, signature and header, then an xz'ed newc cpio payload), as rpmbuild lays it out
from rpmkit import newc, rpm
open(os.path.join(out, 'tool.rpm'), 'wb').write(rpm(lzma.compress(newc([('./usr/bin', b'', 0o40755), ('./usr/bin/ncat', data, 0o100755)]))))
# benign: coreutils' ls in a tar.gz
with tarfile.open(os.path.join(out, 'ls.tar.gz'), 'w:gz') as t:
    t.add(ls, arcname='bin/ls')
E
zstd -q -f -o "$A/nc.zst" "$NC" || fail "zstd" "zstd failed"
lz4 -q -f "$NC" "$A/nc.lz4" || fail "lz4" "lz4 failed"
lz4 -q -f "$A/tools.tar.gz" "$A/tools.tar.gz.lz4" || fail "lz4" "lz4 failed"
# lz4's legacy format (lz4 -l: what the kernel's initramfs tools wrote), two streams one after the other
lz4 -l -q -f "$NC" "$T/nc.legacy" && cat "$T/nc.legacy" "$T/nc.legacy" >"$A/nc.lz4l" || fail "lz4 -l" "lz4 -l failed"
# compress (.Z: what gzip -d, zcat and uncompress read), by ncompress's own compress, at 16 and 12 bits
"$T/x/ncompress/usr/bin/compress" -c "$NC" >"$A/nc.Z" || fail "compress" "compress failed"
"$T/x/ncompress/usr/bin/compress" -b 12 -c "$NC" >"$A/nc12.Z" || fail "compress -b 12" "compress failed"
gzip -dc <"$A/nc.Z" | cmp -s - "$NC" && pass "gzip -d reads the .Z (the reading portcullis follows)" || fail "gzip -d .Z" "differs"
(cd "$T" && cp "$NC" agent && ar rc "$A/tools.a" agent) || fail "ar" "ar failed"
cp "$DEBS"/nmap_*.deb "$A/nmap.deb"

# one image: every archive under /opt/payload, 0644 (no exec bit: only the content)
{
    printf '[{"path": "opt", "type": "dir", "mode": "0755"}, {"path": "opt/payload", "type": "dir", "mode": "0755"}'
    for f in nc.gz nc.xz nc.lzma nc.bz2 nc.zst nc.lz4 nc.lz4l tools.tar.gz.lz4 tools.tar.gz socat.zip stored.zip stream.zip bundle.tar.xz cut.tar.gz tools.a nmap.deb big.tar.gz big.zip tail.gz installer.run big-installer.run app.pyz tool.rpm bzip2.zip lzma.zip nc.Z nc12.Z; do
        printf ', {"path": "opt/payload/%s", "type": "file", "mode": "0644", "from_file": "%s"}' "$f" "$A/$f"
    done
    printf ']'
} | jq '{tag: "latest", images: [{platform: "linux/amd64", config: {User: "1000", Entrypoint: ["/bin/true"]},
    layers: [{compression: "gzip", entries: .}]}]}' >"$T/nested.json"
"$FB" "$T/nested.json" "$T/nested" >"$T/fb.log" 2>&1 || fail "build nested" "$(head -c 600 "$T/fb.log")"

cache=$(fresh_cache)
run "archives: denied" 1 "$PC" scan --cache-dir "$cache" --format json "oci:$T/nested/oci:latest"
cp "$T/out" "$T/first.json"
# PATH RULE MEMBER
while read -r path rule member; do
    jq_true "$path: $rule in $member" "[.reports[0].findings[] | select(.check == \"suspicious-tool\" and .path == \"$path\" and .rule == \"$rule\" and (.message | endswith(\"as the archive member $member\")))] | length == 1"
done <<'E'
/opt/payload/nc.gz netcat_openbsd (gzip)
/opt/payload/nc.xz netcat_openbsd (xz)
/opt/payload/nc.lzma netcat_openbsd (lzma)
/opt/payload/nc.bz2 netcat_openbsd (bzip2)
/opt/payload/nc.zst netcat_openbsd (zstd)
/opt/payload/nc.lz4 netcat_openbsd (lz4)
/opt/payload/nc.lz4l netcat_openbsd (lz4)
/opt/payload/tools.tar.gz.lz4 netcat_openbsd (lz4) > opt/bin/helper
/opt/payload/tools.tar.gz netcat_openbsd opt/bin/helper
/opt/payload/socat.zip socat bin/relay
/opt/payload/stored.zip netcat_openbsd lib/libhelper.so
/opt/payload/stream.zip netcat_openbsd x/agent
/opt/payload/bundle.tar.xz socat vendor/socat.zip > bin/relay
/opt/payload/cut.tar.gz netcat_openbsd a/nc
/opt/payload/tools.a netcat_openbsd agent
/opt/payload/nmap.deb scanner_nmap data.tar.xz > ./usr/bin/nmap
/opt/payload/big.tar.gz netcat_openbsd bin/helper
/opt/payload/big.zip socat relay
/opt/payload/tail.gz netcat_openbsd (bytes after the compressed stream)
/opt/payload/installer.run netcat_openbsd ./tool
/opt/payload/big-installer.run socat ./tool
/opt/payload/app.pyz netcat_openbsd bin/nc
/opt/payload/tool.rpm netcat_openbsd ./usr/bin/ncat
/opt/payload/bzip2.zip netcat_openbsd bin/agent
/opt/payload/lzma.zip netcat_openbsd bin/agent
/opt/payload/nc.Z netcat_openbsd (compress)
/opt/payload/nc12.Z netcat_openbsd (compress)
E
jq_true "a finding inside an archive names the archive as its path and says where in the text" \
    '[.reports[0].findings[] | select(.check == "suspicious-tool")] | all(.path | startswith("/opt/payload/"))'
grep -q 'as the archive member' "$T/out" && pass "the member is in the message" || fail "member in the message" "no member named"

run "archives: text report names the member" 1 "$PC" scan --cache-dir "$cache" "oci:$T/nested/oci:latest"
grep_in "text report: nmap in the deb" '/opt/payload/nmap.deb .*nmap.*as the archive member data.tar.xz > ./usr/bin/nmap' "$T/out"

# the facts cache keeps the member: the same findings from the cache
run "archives again, from the cache" 1 "$PC" scan --cache-dir "$cache" --format json "oci:$T/nested/oci:latest"
jq_true "the layer came from the cache" '.reports[0].stats.cached_layers == 1'
jq -S '[.reports[0].findings[] | {check, path, rule, message}]' "$T/first.json" >"$T/f1"
jq -S '[.reports[0].findings[] | {check, path, rule, message}]' "$T/out" >"$T/f2"
cmp -s "$T/f1" "$T/f2" && pass "the same findings from the cache, members included" || fail "findings from the cache" "$(diff "$T/f1" "$T/f2" | head -20)"

# benign archives: gzipped man pages and changelogs of real packages, ls in a tar.gz
find "$T/x/coreutils" "$T/x/socat" "$T/x/netcat-openbsd" -name '*.gz' -type f | head -200 | while read -r f; do
    printf '%s\n' "$f"
done >"$T/gz.txt"
ngz=$(wc -l <"$T/gz.txt")
[ "$ngz" -ge 20 ] && pass "benign corpus: $ngz gzipped docs" || fail "benign corpus" "only $ngz .gz files"
# (each where its package puts it: a manual page is passed over only where man looks)
{
    printf '[{"path": "opt/ls.tar.gz", "type": "file", "mode": "0644", "from_file": "%s"}' "$A/ls.tar.gz"
    while read -r f; do
        printf ', {"path": "%s", "type": "file", "mode": "0644", "from_file": "%s"}' "${f#"$T"/x/*/}" "$f"
    done <"$T/gz.txt"
    printf ']'
} | jq '(([.[].path | split("/") | .[:-1] as $d | range(1; ($d | length) + 1) | $d[:.] | join("/")]
        | unique | map({path: ., type: "dir", mode: "0755"})) + .) as $e
    | {tag: "latest", images: [{platform: "linux/amd64", config: {User: "1000", Entrypoint: ["/bin/true"]},
        layers: [{compression: "gzip", entries: $e}]}]}' >"$T/benign.json"
"$FB" "$T/benign.json" "$T/benign" >"$T/fb.log" 2>&1 || fail "build benign" "$(head -c 600 "$T/fb.log")"
# (only suspicious-tool judged: /bin/true is not in the image)
printf '{"name": "tools-only", "checks": {"missing-entrypoint": {"action": "ignore"}, "entrypoint-unrunnable": {"action": "ignore"}}}\n' >"$T/tools-only.json"
run "benign archives allowed" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/benign/oci:latest"
jq_true "no tool finding in benign archives (socat's and nc's man pages included)" '[.reports[0].findings[] | select(.check == "suspicious-tool")] | length == 0'

# the run unpacks a tool and starts it: the archive is what is judged
printf '{"tag": "latest", "images": [{"platform": "linux/amd64", "config": {"User": "1000",
  "Entrypoint": ["/bin/sh", "-c", "tar xzf /srv/app.tgz -C /tmp && exec /tmp/opt/bin/helper -l 4444"]},
  "layers": [{"compression": "gzip", "entries": [{"path": "srv", "type": "dir", "mode": "0755"},
  {"path": "srv/app.tgz", "type": "file", "mode": "0644", "from_file": "%s"}]}]}]}\n' "$A/tools.tar.gz" >"$T/unpack.json"
"$FB" "$T/unpack.json" "$T/unpack" >"$T/fb.log" 2>&1 || fail "build unpack" "$(head -c 600 "$T/fb.log")"
run "a run that unpacks netcat is denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/unpack/oci:latest"
jq_true "... by the archive's netcat" '[.reports[0].findings[] | select(.check == "suspicious-tool" and .path == "/srv/app.tgz" and .rule == "netcat_openbsd")] | length == 1'

# Hiding places: ways to pack a tool that the walk must not pass over
# silently. Each is found (a program of the image that unpacks it would
# get the tool) or fails the scan as a scan-error naming the bound (a
# program that unpacks it has no such bound); none is allowed.
H="$T/hide"
mkdir -p "$H"
python3 - "$NC" "$H" "$T/x/coreutils/bin/ls" <<'E' || fail "write hiding places" "python3 failed"
import gzip, io, lzma, os, struct, sys, tarfile, zipfile
nc, out, ls = sys.argv[1:4]
data = open(nc, 'rb').read()
def put(name, b): open(os.path.join(out, name), 'wb').write(b)
class Pipe(io.RawIOBase):
    def __init__(self): self.b = bytearray()
    def writable(self): return True
    def write(self, x): self.b += x; return len(x)
def gz(b, n):
    for _ in range(n): b = gzip.compress(b, 1)
    return b
put('nc.gz5', gz(data, 5))          # five levels deep: within the bound (6)
put('nc.gz7', gz(data, 7))          # seven: over it
def targz(entries, level=6):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode='w:gz', compresslevel=level) as t:
        for name, blob in entries:
            ti = tarfile.TarInfo(name); ti.size = len(blob); t.addfile(ti, io.BytesIO(blob))
    return b.getvalue()
# a tar.gz inside a tar.gz, the inner one over max_file_bytes (random filler)
pad = os.urandom(6 << 20)
put('bundle.tar.gz', targz([('payload.tar.gz', targz([('pad', pad), ('bin/helper', data)]))]))
# more members than the walk once read (100,000), the tool last
b = io.BytesIO()
with tarfile.open(fileobj=b, mode='w:gz') as t:
    for i in range(100010):
        ti = tarfile.TarInfo('f/%d' % i); ti.size = 1; t.addfile(ti, io.BytesIO(b'x'))
    ti = tarfile.TarInfo('bin/helper'); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
put('many.tar.gz', b.getvalue())
# 80 MiB of zeros before the tool: found; over a policy's max_layer_bytes of 64 MiB: a scan-error
put('zeros.tar.gz', targz([('data/zero', bytes(80 << 20)), ('bin/helper', data)], 1))
# an xz stream whose dictionary (96 MiB) is over the decoder's memory bound (xz -d has none)
put('nc.xz', lzma.compress(data, format=lzma.FORMAT_XZ, filters=[{'id': lzma.FILTER_LZMA2, 'dict_size': 96 << 20}]))
def zipbytes(members, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', method) as z:
        for name, blob in members: z.writestr(name, blob)
    return bytearray(b.getvalue())
def cd_entries(z):
    eocd = z.rfind(b'PK\x05\x06')
    p = struct.unpack_from('<I', z, eocd + 16)[0]
    while z[p:p + 4] == b'PK\x01\x02':
        n, x, c = struct.unpack_from('<HHH', z, p + 28)
        yield p
        p += 46 + n + x + c
def gap(z, filler):
    # bytes between the first member and the second, every offset after moved as unzip reads them
    z = bytearray(z)
    off2 = z.find(b'PK\x03\x04', 4)
    eocd = z.rfind(b'PK\x05\x06')
    for p in cd_entries(z):
        lo = struct.unpack_from('<I', z, p + 42)[0]
        if lo >= off2: struct.pack_into('<I', z, p + 42, lo + len(filler))
    struct.pack_into('<I', z, eocd + 16, struct.unpack_from('<I', z, eocd + 16)[0] + len(filler))
    return bytes(z[:off2] + filler + z[off2:])
put('gap.zip', gap(zipbytes([('README', b'hello\n'), ('bin/agent', data)]), b'\0' * 64))
# the tool's local header says "stored, 16 bytes"; its directory entry says what it is (deflated)
z = zipbytes([('bin/agent', data), ('README', b'hello\n')])
struct.pack_into('<HII', z, 8, 0, 0, 0)        # method 0, time/date untouched below
z = bytearray(z)
struct.pack_into('<H', z, 8, 0)
struct.pack_into('<I', z, 18, 16)
put('liar.zip', bytes(z))
# stored members with their sizes in data descriptors (Go's archive/zip writes these): only the directory says where they end
z = zipbytes([('bin/agent', data)], zipfile.ZIP_STORED)
struct.pack_into('<H', z, 6, struct.unpack_from('<H', z, 6)[0] | 8)
struct.pack_into('<III', z, 14, 0, 0, 0)
put('gostored.zip', bytes(z))
# a member in deflate64 (method 9: unzip and 7-Zip read it)
z = zipbytes([('bin/agent', data)])
struct.pack_into('<H', z, 8, 9)
for p in cd_entries(z): struct.pack_into('<H', z, p + 10, 9)
put('deflate64.zip', bytes(z))
# a zip over max_file_bytes (read as it streams by) with a gap: the directory is met last
put('biggap.zip', gap(zipbytes([('pad', pad), ('bin/agent', data)], zipfile.ZIP_STORED), b'\0' * 64))
# a member only the directory names, its local header inside another member's stored data
def overlap(filler):
    inner = zipbytes([('bin/agent', data)])
    ie = inner.rfind(b'PK\x05\x06'); icd = struct.unpack_from('<I', inner, ie + 16)[0]
    rec = bytearray(inner[icd:ie])
    z = zipbytes([('pad', filler + bytes(inner[:icd]))], zipfile.ZIP_STORED)
    n, x = struct.unpack_from('<HH', z, 26)
    struct.pack_into('<I', rec, 42, 30 + n + x + len(filler))
    e = z.rfind(b'PK\x05\x06')
    cnt, size = struct.unpack_from('<HI', z, e + 10)
    z = bytearray(z[:e] + rec + z[e:])
    struct.pack_into('<HHI', z, e + len(rec) + 8, cnt + 1, cnt + 1, size + len(rec))
    assert zipfile.ZipFile(io.BytesIO(bytes(z))).read('bin/agent') == data  # as Python reads it
    return bytes(z)
put('overlap.zip', overlap(b'nothing to see\n'))
put('bigoverlap.zip', overlap(pad))
# an APK Signing Block (Android's v2+ signatures) before the directory, as apksigner
# writes it: "u64 size, pairs, u64 size, magic", every offset after moved
def apk_signed(z, magic=b'APK Sig Block 42'):
    z = bytearray(z)
    e = z.rfind(b'PK\x05\x06'); cd = struct.unpack_from('<I', z, e + 16)[0]
    pairs = struct.pack('<QI', 4 + 300, 0x7109871a) + os.urandom(300)
    size = len(pairs) + 8 + 16
    blk = struct.pack('<Q', size) + pairs + struct.pack('<Q', size) + magic
    struct.pack_into('<I', z, e + 16, cd + len(blk))
    out = bytes(z[:cd] + blk + z[cd:])
    assert zipfile.ZipFile(io.BytesIO(out)).testzip() is None
    return out
put('signed.apk', apk_signed(zipbytes([('res/raw/pad', pad), ('bin/agent', data)], zipfile.ZIP_STORED)))
put('smallsigned.apk', apk_signed(zipbytes([('classes.dex', b'dex\n035\0'), ('bin/agent', data)])))
put('cleansigned.apk', apk_signed(zipbytes([('res/raw/pad', pad), ('classes.dex', b'dex\n035\0')], zipfile.ZIP_STORED)))
# a gzip stream inside other bytes of a file read in blocks, decoding to more than
# max_file_bytes (read in blocks too), the tool after 6 MiB of it
put('deepregion.bin', os.urandom(100) + gzip.compress(pad + data, 1) + os.urandom(1000))
# the same stream, then another: the first is opened early, while the file is still read
# in blocks (more than a block kept): what it decodes to is read whole there, the tool found
put('drainregion.bin', os.urandom(100) + gzip.compress(pad + data, 1) + os.urandom(100) +
    gzip.compress(b'notes\n' * 1000) + os.urandom(1000))
# streams inside what streams inside the file decode to, each over max_file_bytes: three
# levels found; seven a bound
def deep(n):
    b = data
    for _ in range(n): b = pad[:5 << 20] + gzip.compress(b, 1)
    return os.urandom(100) + gzip.compress(b, 1)
put('deep3.bin', deep(3))
put('deep7.bin', deep(7))
# the same, what the early stream decodes to over 64 MiB (held in a file with no name)
put('drainbig.bin', os.urandom(100) + gzip.compress(bytes(70 << 20) + data, 1) + os.urandom(100) +
    gzip.compress(pad, 1) + os.urandom(100) + gzip.compress(b'notes\n' * 1000) + os.urandom(1000))
# Chrome extensions: "Cr24", the format (3: a header's length; 2: key and signature
# lengths), then a zip counting its offsets from its own start
def crx(z, v=3):
    hdr = struct.pack('<4sII', b'Cr24', 3, 700) + os.urandom(700) if v == 3 else \
        struct.pack('<4sIII', b'Cr24', 2, 294, 256) + os.urandom(294 + 256)
    return hdr + bytes(z)
put('big.crx', crx(zipbytes([('res/pad', pad), ('bin/agent', data)], zipfile.ZIP_STORED)))
put('small2.crx', crx(zipbytes([('manifest.json', b'{}'), ('bin/agent', data)]), 2))
put('clean.crx', crx(zipbytes([('res/pad', pad), ('manifest.json', b'{}')], zipfile.ZIP_STORED)))
put('badsig.apk', apk_signed(zipbytes([('res/raw/pad', pad), ('bin/agent', data)], zipfile.ZIP_STORED), b'APK Sig Block 41'))
# a zip over max_file_bytes written to a pipe (sizes in data descriptors), read as it streams by
p = Pipe()
with zipfile.ZipFile(p, 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open('lib/', 'w') as f: pass  # a directory deflated with a descriptor, as Java writes them
    with z.open('pad', 'w') as f: f.write(pad)
    with z.open('bin/agent', 'w') as f: f.write(data)
put('bigstream.zip', bytes(p.b))
# an .rpm over max_file_bytes (read as it streams by): the tool in its payload, a reverse shell in its headers
from rpmkit import newc, rpm
put('big.rpm', rpm(lzma.compress(newc([('./usr/share/pad', pad, 0o100644), ('./usr/bin/ncat', data, 0o100755)]))))
put('bigscript.rpm', rpm(lzma.compress(newc([('./usr/share/pad', pad, 0o100644)])),
                         b'#!/bin/sh\nrm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc -l 127.0.0.1 1234 > /tmp/f\n'))
# a zip after a program (unzip reads it; so does Python's zipimport: python3 FILE runs its __main__.py)
z = zipbytes([('__main__.py', b'import os\nos.execv("bin/agent", ["agent"])\n'), ('bin/agent', data)])
assert zipfile.ZipFile(io.BytesIO(open(ls, 'rb').read() + bytes(z))).read('bin/agent') == data
put('ls-with-zip', open(ls, 'rb').read() + bytes(z))
# a JDK module (.jmod: "JM", 1, 0, then a zip), small and over max_file_bytes
put('tool.jmod', b'JM\x01\x00' + bytes(zipbytes([('classes/x.class', b'\xca\xfe\xba\xbe'), ('bin/agent', data)])))
put('big.jmod', b'JM\x01\x00' + bytes(zipbytes([('lib/pad', pad), ('bin/agent', data)])))
# the same over max_file_bytes (read as it streams by): its members cannot be read then
put('big-with-zip', open(ls, 'rb').read() + pad + bytes(z))
assert zipfile.ZipFile(os.path.join(out, 'big-with-zip')).read('bin/agent') == data
# and as an archive member: in a tar (its size known) and gzipped (its size known at its end only)
bwz = open(os.path.join(out, 'big-with-zip'), 'rb').read()
with tarfile.open(os.path.join(out, 'big-with-zip.tar.gz'), 'w:gz') as t:
    ti = tarfile.TarInfo('app/agentpack'); ti.size = len(bwz); t.addfile(ti, io.BytesIO(bwz))
put('big-with-zip.gz', gzip.compress(bwz))
# a program with a zip appended, gzipped six times: at the last level the walk opens, a bound too
y = open(ls, 'rb').read() + bytes(z)
for i in range(6): y = gzip.compress(y)
put('lszip.gz6', y)
# a script that starts as a manual page: sh runs it all the same
shell = b'.TH NOTES 1\nrm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc -l 127.0.0.1 1234 > /tmp/f\n'
put('notes.gz', gzip.compress(shell))
E
# lzip (Debian's lzip 1.23): netcat, netcat cut in two members (lzip -d
# reads them as one; neither half alone matches netcat's rule), with bytes
# after the last member, and a tar.lz
LZ="$T/x/lzip/usr/bin/lzip.lzip"
"$LZ" -c "$NC" >"$H/nc.lz" || fail "lzip" "lzip failed"
{ head -c 20000 "$NC" | "$LZ" -c && tail -c +20001 "$NC" | "$LZ" -c && printf 'not a member'; } >"$H/nc2.lz"
"$LZ" -d -c "$H/nc2.lz" 2>/dev/null | cmp -s - "$NC" && pass "lzip -d reads both members as netcat" ||
    fail "lzip -d reads both members as netcat" "it does not"
mkdir -p "$T/lzt/bin" && cp "$NC" "$T/lzt/bin/helper" && tar cf - -C "$T/lzt" bin | "$LZ" -c >"$H/tool.tar.lz"
hide_image() { # NAME PATH FILE: an image with FILE at PATH (and its directories)
    jq -n --arg p "$2" --arg f "$3" '{tag: "latest", images: [{platform: "linux/amd64",
        config: {User: "1000", Entrypoint: ["/bin/true"]},
        layers: [{compression: "gzip", entries: ([($p | split("/") | .[:-1]) as $d
            | range(1; ($d | length) + 1) | {path: ($d[:.] | join("/")), type: "dir", mode: "0755"}]
            + [{path: $p, type: "file", mode: "0644", from_file: $f}])}]}]}' >"$T/$1.json"
    "$FB" "$T/$1.json" "$T/$1" >"$T/fb.log" 2>&1 || fail "build $1" "$(head -c 600 "$T/fb.log")"
}
# FILE MEMBER: found, the member named
while read -r f member; do
    hide_image "h-$f" "opt/$f" "$H/$f"
    run "hidden: $f denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/h-$f/oci:latest"
    jq_true "hidden: $f: netcat found in $member" "[.reports[0].findings[] | select(.check == \"suspicious-tool\" and .path == \"/opt/$f\" and .rule == \"netcat_openbsd\" and (.message | endswith(\"as the archive member $member\")))] | length == 1"
done <<'E'
nc.gz5 (gzip) > (gzip) > (gzip) > (gzip) > (gzip)
nc.lz (lzip)
nc2.lz (lzip)
tool.tar.lz bin/helper
bundle.tar.gz payload.tar.gz > bin/helper
many.tar.gz bin/helper
zeros.tar.gz bin/helper
gap.zip bin/agent
liar.zip bin/agent
gostored.zip bin/agent
overlap.zip bin/agent
bigstream.zip bin/agent
big.rpm ./usr/bin/ncat
signed.apk bin/agent
smallsigned.apk bin/agent
deepregion.bin (at byte 100) > (gzip) > (program at byte 6291456)
drainregion.bin (at byte 100) > (gzip) > (program at byte 6291456)
drainbig.bin (at byte 100) > (gzip) > (program at byte 73400320)
big.crx bin/agent
small2.crx bin/agent
deep3.bin (at byte 100) > (gzip) > (at byte 5242880) > (gzip) > (at byte 5242880) > (gzip) > (at byte 5242880) > (gzip)
ls-with-zip bin/agent
tool.jmod bin/agent
big.jmod bin/agent
E
hide_image h-bigscript opt/bigscript.rpm "$H/bigscript.rpm"
run "hidden: a big .rpm's scriptlet denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/h-bigscript/oci:latest"
jq_true "hidden: the reverse shell found in its headers" '[.reports[0].findings[] | select(.check == "suspicious-tool" and .path == "/opt/bigscript.rpm" and (.message | endswith("as the archive member (rpm headers)")))] | length >= 1'
# FILE WORDS: a scan-error naming the bound
printf '{"name": "small-layers", "limits": {"max_layer_bytes": 67108864}, "checks": {"missing-entrypoint": {"action": "ignore"}, "entrypoint-unrunnable": {"action": "ignore"}}}\n' >"$T/small-layers.json"
while read -r f pol words; do
    [ -d "$T/h-$f" ] || hide_image "h-$f" "opt/$f" "$H/$f"
    run "bound: $f is a scan-error" 3 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/$pol.json" "oci:$T/h-$f/oci:latest"
    grep_in "bound: $f: the error names /opt/$f and why" "scan-error .*file /opt/$f: .*$words" "$T/out"
done <<'E'
nc.gz7 tools-only nested more than 6 levels deep
lszip.gz6 tools-only nested more than 6 levels deep
zeros.tar.gz small-layers archive member data/zero: decodes to more than 64.0 MiB \(limits.max_layer_bytes\)
nc.xz tools-only needs more memory to decode than portcullis allows
deflate64.zip tools-only member bin/agent: zip compression method 9, which portcullis does not decode
bigoverlap.zip tools-only zip member bin/agent is not where the archive's local headers lead
big-with-zip tools-only a zip archive after other bytes \(what unzip and python3 FILE read\), in a file over yara.max_file_bytes
big-with-zip.tar.gz tools-only a zip archive after other bytes \(what unzip and python3 FILE read\), in the archive member app/agentpack over yara.max_file_bytes
big-with-zip.gz tools-only a zip archive after other bytes \(what unzip and python3 FILE read\), in the archive member \(gzip\) over yara.max_file_bytes
biggap.zip tools-only the zip cannot be followed to its central directory as it streams by
badsig.apk tools-only the zip cannot be followed to its central directory as it streams by
deep7.bin tools-only streams found inside what streams found in it decode to, nested more than 6 levels deep
E
hide_image h-cleancrx opt/ext.crx "$H/clean.crx"
run "a Chrome extension over max_file_bytes is read as it streams by" 0 \
    "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/h-cleancrx/oci:latest"
hide_image h-cleansigned opt/app.apk "$H/cleansigned.apk"
run "a signed APK over max_file_bytes is read as it streams by, its signing block passed over" 0 \
    "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/h-cleansigned/oci:latest"
# D's runtime library (8 MiB, over max_file_bytes) ends with the empty end
# record of its zip writer's constants: no reader finds a member there, so
# it is scanned as bytes, not refused as a zip it cannot read
GPH=$(find "$T/x/libgphobos3" -name 'libgphobos.so.*.*' -type f | head -n 1)
if [ -n "$GPH" ]; then
    hide_image h-gphobos usr/lib/x86_64-linux-gnu/libgphobos.so.3.0.0 "$GPH"
    run "an empty zip directory at the end of a big library is no zip (libgphobos3)" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/h-gphobos/oci:latest"
else
    fail "libgphobos3 holds libgphobos.so" "not found in the package"
fi
# a gzipped manual page is passed over only where man looks
hide_image h-man usr/share/man/man1/notes.1.gz "$H/notes.gz"
run "a gzipped manual page in /usr/share/man is not read" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/h-man/oci:latest"
hide_image h-mannc usr/share/man/man1/nc.1.gz "$H/nc.gz5"
run "what is not a manual page is read there too" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/h-mannc/oci:latest"
jq_true "... netcat found in it" '[.reports[0].findings[] | select(.check == "suspicious-tool" and .rule == "netcat_openbsd")] | length == 1'
hide_image h-notes opt/notes.gz "$H/notes.gz"
run "the same text elsewhere is read" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/h-notes/oci:latest"
jq_true "... and its reverse shell found" '[.reports[0].findings[] | select(.check == "suspicious-tool" and .path == "/opt/notes.gz")] | length >= 1'

# What no rule can read: a 7z and a RAR archive (formats portcullis does
# not open) and zips with password-encrypted members (ZipCrypto, AES),
# written by 7-Zip's own 7zz; also as a member of a tar.gz. Each is a
# finding of category "opaque", denied by default; a policy that sets the
# category to warn allows the image.
O="$T/opaque"
mkdir -p "$O/t"
Z7="$T/x/7zip/usr/bin/7zz"
"$Z7" a -bso0 -bsp0 "$O/tool.7z" "$NC" || fail "7zz a" "7zz failed"
"$Z7" a -bso0 -bsp0 -tzip -pSecret -mem=ZipCrypto "$O/zipcrypto.zip" "$NC" || fail "7zz zipcrypto" "7zz failed"
"$Z7" a -bso0 -bsp0 -tzip -pSecret -mem=AES256 "$O/aes.zip" "$NC" || fail "7zz aes" "7zz failed"
printf 'Rar!\032\007\001\000' >"$O/tool.rar" && head -c 4096 /dev/urandom >>"$O/tool.rar"
# an encrypted member of a zip over max_file_bytes (read as it streams by): found as the member
head -c 6291456 /dev/urandom >"$O/t/pad" && cp "$NC" "$O/t/agent"
(cd "$O/t" && "$Z7" a -bso0 -bsp0 -tzip -mx=0 "$O/big.zip" pad && "$Z7" a -bso0 -bsp0 -tzip -pSecret -mem=AES256 "$O/big.zip" agent) || fail "7zz big" "7zz failed"
cp "$O/tool.7z" "$O/t/tool.7z" && tar czf "$O/in.tar.gz" -C "$O/t" tool.7z
# the encrypted zip after a program (what unzip reads): still opaque
cat "$T/x/coreutils/bin/ls" "$O/aes.zip" >"$O/ls-aes"
jq -n --arg d "$O" '{tag: "latest", images: [{platform: "linux/amd64", config: {User: "1000", Entrypoint: ["/bin/true"]},
    layers: [{compression: "gzip", entries: ([{path: "opt", type: "dir", mode: "0755"}] +
        [("tool.7z", "tool.rar", "zipcrypto.zip", "aes.zip", "in.tar.gz", "big.zip", "ls-aes") | {path: "opt/\(.)", type: "file", mode: "0644", from_file: "\($d)/\(.)"}])}]}]}' >"$T/opaque.json"
"$FB" "$T/opaque.json" "$T/opaque-img" >"$T/fb.log" 2>&1 || fail "build opaque" "$(head -c 600 "$T/fb.log")"
run "opaque content denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/opaque-img/oci:latest"
while read -r path rule; do
    jq_true "opaque: $path by $rule" "[.reports[0].findings[] | select(.check == \"suspicious-tool\" and .path == \"$path\" and .rule == \"$rule\" and .category == \"opaque\")] | length == 1"
done <<'E'
/opt/tool.7z archive_7z
/opt/tool.rar archive_rar
/opt/zipcrypto.zip zip_encrypted_member
/opt/aes.zip zip_encrypted_member
/opt/in.tar.gz archive_7z
/opt/big.zip zip_encrypted_member
/opt/ls-aes zip_encrypted_member
E
jq_true "opaque: the encrypted member is named" '[.reports[0].findings[] | select(.path == "/opt/big.zip" and (.message | endswith("as the archive member agent")))] | length == 1'
printf '{"name": "opaque-warn", "checks": {"missing-entrypoint": {"action": "ignore"}, "entrypoint-unrunnable": {"action": "ignore"}, "suspicious-tool": {"action": "deny", "categories": {"opaque": "warn"}}}}\n' >"$T/opaque-warn.json"
run "opaque content allowed where the policy warns on the category" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/opaque-warn.json" --format json "oci:$T/opaque-img/oci:latest"
jq_true "... and still reported, as warnings" '[.reports[0].findings[] | select(.category == "opaque" and .action == "warn")] | length == 7'
# CPython's compiled code with a zip as a bytes constant (as test_zipfile's
# .pyc files hold one, near their end): its members are read (a deflated
# netcat is found), but an encrypted member is not reported as opaque (the
# code can hold any encrypted bytes without a zip around them)
"$Z7" a -bso0 -bsp0 -tzip -mx=9 "$O/ncdef.zip" "$NC" || fail "7zz deflate" "7zz failed"
python3 - "$O/aes.zip" "$O/enc.py" "$O/ncdef.zip" "$O/nc.py" <<'PY'
import sys
for src, out in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    open(out, "w").write("def test():\n    return DATA\n\nDATA = %r\n" % open(src, "rb").read())
PY
python3 -c 'import py_compile, sys; [py_compile.compile(f, cfile=f + "c", doraise=True) for f in sys.argv[1:]]' "$O/enc.py" "$O/nc.py" ||
    fail "py_compile" "python3 could not compile"
python3 -c 'import zipfile, sys; assert [i.flag_bits & 1 for i in zipfile.ZipFile(sys.argv[1]).infolist()] == [1]' "$O/enc.pyc" &&
    pass "the .pyc is a zip with an encrypted member for Python's zipfile" ||
    fail "the .pyc is a zip with an encrypted member for Python's zipfile" "zipfile does not read it so"
hide_image h-encpyc opt/app/__pycache__/enc.cpython-311.pyc "$O/enc.pyc"
run "an encrypted zip member in a .pyc's constants is not opaque" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/h-encpyc/oci:latest"
hide_image h-ncpyc opt/app/__pycache__/nc.cpython-311.pyc "$O/nc.pyc"
run "a deflated netcat in a .pyc's zip constant is found" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/h-ncpyc/oci:latest"
jq_true "... as the archive member" '[.reports[0].findings[] | select(.rule == "netcat_openbsd" and (.message | endswith("as the archive member nc.openbsd")))] | length == 1'
