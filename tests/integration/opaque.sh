# Integration: filesystem images and archive formats portcullis does not
# open (rules/tools/opaque.yar), each written by its own tool around a real
# netcat from Debian: a squashfs image (mksquashfs, gzip and xz), an
# AppImage (a program with a squashfs appended), an ISO 9660 image
# (genisoimage), a cabinet (gcab), an lzop stream (lzop), a xar archive
# and an LHA archive (bsdtar reads both), an ARJ archive (arj), lrzip,
# rzip and ZPAQ (zpaq) streams, a file encrypted by openssl enc (binary
# and base64) and one by age (binary and armored). For each, the tool
# that unpacks or decrypts it gives netcat back byte for byte (what the
# run could do), and the scan reports the file as category "opaque":
# denied by default, allowed where the policy warns on the category; also
# as a member of a tar.gz and as an image over max_file_bytes (read in
# blocks). A program those formats store uncompressed (ISO, cabinet, LHA
# -lh0-), or in compressed streams of their own (a squashfs's xz or zlib,
# a xar's zlib, rzip's bzip2), is found inside them too. Benign files that share a magic
# number's bytes elsewhere, or start like a header and are none, give
# nothing.
. "$PC_ROOT/tests/lib.sh"

fetch_all netcat-openbsd
mkdir -p "$T/x" && dpkg-deb -x "$DEBS"/netcat-openbsd_*.deb "$T/x" || fail "unpack netcat-openbsd" "dpkg-deb failed"
NC="$T/x/bin/nc.openbsd"
for t in mksquashfs unsquashfs genisoimage gcab lzop bsdtar arj lrzip rzip zpaq openssl age age-keygen shc; do
    command -v "$t" >/dev/null 2>&1 || fail "$t installed" "not on PATH (scripts/deps.sh installs it)"
done
O="$T/o"
mkdir -p "$O/d" "$O/big" "$O/out"
cp "$NC" "$O/d/agent"

# same NAME FILE: FILE is netcat's bytes
same() {
    if cmp -s "$NC" "$2"; then pass "$1"; else fail "$1" "$2 is not netcat"; fi
}

mksquashfs "$O/d" "$O/tool.sqfs" -quiet -noappend >/dev/null 2>&1 || fail "mksquashfs" "failed"
mksquashfs "$O/d" "$O/tool-xz.sqfs" -comp xz -quiet -noappend >/dev/null 2>&1 || fail "mksquashfs -comp xz" "failed"
rm -rf "$O/out/sq" && unsquashfs -q -d "$O/out/sq" "$O/tool.sqfs" >/dev/null 2>&1
same "unsquashfs gives netcat back" "$O/out/sq/agent"
# an AppImage (type 2): a program whose ELF header carries "AI" 2 at
# offset 8, the squashfs image after it
cp /bin/true "$O/tool.AppImage"
printf 'AI\002' | dd of="$O/tool.AppImage" bs=1 seek=8 conv=notrunc status=none
off=$(stat -c %s "$O/tool.AppImage")
cat "$O/tool.sqfs" >>"$O/tool.AppImage"
rm -rf "$O/out/ai" && unsquashfs -q -o "$off" -d "$O/out/ai" "$O/tool.AppImage" >/dev/null 2>&1
same "the AppImage's appended image gives netcat back (unsquashfs -o)" "$O/out/ai/agent"
genisoimage -quiet -R -o "$O/tool.iso" "$O/d" >/dev/null 2>&1 || fail "genisoimage" "failed"
rm -rf "$O/out/iso" && mkdir -p "$O/out/iso" && bsdtar -xf "$O/tool.iso" -C "$O/out/iso"
same "bsdtar gives netcat back from the ISO" "$O/out/iso/agent"
(cd "$O/d" && gcab -c "$O/tool.cab" agent) || fail "gcab -c" "failed"
rm -rf "$O/out/cab" && mkdir -p "$O/out/cab" && (cd "$O/out/cab" && gcab -x "$O/tool.cab" >/dev/null)
same "gcab gives netcat back" "$O/out/cab/agent"
lzop -q -o "$O/tool.lzo" "$O/d/agent" || fail "lzop" "failed"
lzop -q -d -c "$O/tool.lzo" >"$O/out/lzo"
same "lzop gives netcat back" "$O/out/lzo"
bsdtar -cf "$O/tool.xar" --format xar -C "$O/d" agent || fail "bsdtar xar" "failed"
rm -rf "$O/out/xar" && mkdir -p "$O/out/xar" && bsdtar -xf "$O/tool.xar" -C "$O/out/xar"
same "bsdtar gives netcat back from the xar" "$O/out/xar/agent"
# LHA, level 0, stored (-lh0-): the header as the format lays it out
python3 - "$O/d/agent" "$O/tool.lzh" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
def crc16(b):
    c = 0
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
    return c
name = b"agent"
body = b"-lh0-" + struct.pack("<IIIBBB", len(data), len(data), 0x5A210000, 0x20, 0, len(name)) + name + struct.pack("<H", crc16(data))
hdr = bytes([len(body), sum(body) & 0xFF]) + body
open(sys.argv[2], "wb").write(hdr + data + b"\0")
PY
rm -rf "$O/out/lzh" && mkdir -p "$O/out/lzh" && bsdtar -xf "$O/tool.lzh" -C "$O/out/lzh"
same "bsdtar gives netcat back from the LHA archive" "$O/out/lzh/agent"
(cd "$O/d" && arj a "$O/tool.arj" agent >/dev/null) || fail "arj a" "failed"
rm -rf "$O/out/arj" && mkdir -p "$O/out/arj" && arj e -y "$O/tool.arj" "$O/out/arj/" >/dev/null
same "arj gives netcat back" "$O/out/arj/agent"
lrzip -q -o "$O/tool.lrz" "$O/d/agent" >/dev/null 2>&1 || fail "lrzip" "failed"
lrzip -q -d -o "$O/out/lrz" "$O/tool.lrz" >/dev/null 2>&1
same "lrzip gives netcat back" "$O/out/lrz"
rzip -k -o "$O/tool.rz" "$O/d/agent" || fail "rzip" "failed"
rzip -d -k -o "$O/out/rz" "$O/tool.rz"
same "rzip gives netcat back" "$O/out/rz"
(cd "$O/d" && zpaq a "$O/tool.zpaq" agent >/dev/null 2>&1) || fail "zpaq a" "failed"
rm -rf "$O/out/zpaq" && zpaq x "$O/tool.zpaq" -to "$O/out/zpaq" >/dev/null 2>&1
same "zpaq gives netcat back" "$O/out/zpaq/agent"
# encrypted: openssl enc with a salt ("Salted__", the salt, the cipher
# text), age to an X25519 recipient, binary and armored (-a); the
# password and the key are what an image would hold
openssl enc -aes-256-cbc -pbkdf2 -salt -pass pass:x -in "$O/d/agent" -out "$O/tool.enc" || fail "openssl enc" "failed"
openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:x -in "$O/tool.enc" -out "$O/out/enc"
same "openssl enc -d gives netcat back" "$O/out/enc"
# a salt of text: openssl enc -S writes no header; with one put before
# it, openssl enc -d reads the salt from the file
openssl enc -aes-256-cbc -pbkdf2 -S 4142434445464748 -pass pass:x -in "$O/d/agent" -out "$O/raw.enc" || fail "openssl enc -S" "failed"
{ printf 'Salted__ABCDEFGH'; cat "$O/raw.enc"; } >"$O/tool-text-salt.enc"
openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:x -in "$O/tool-text-salt.enc" -out "$O/out/enc-text-salt"
same "openssl enc -d gives netcat back (a salt of text)" "$O/out/enc-text-salt"
# the same as base64 text (-a), read as the member (base64)
openssl enc -aes-256-cbc -pbkdf2 -salt -a -pass pass:x -in "$O/d/agent" -out "$O/tool.enc.b64" || fail "openssl enc -a" "failed"
openssl enc -d -a -aes-256-cbc -pbkdf2 -pass pass:x -in "$O/tool.enc.b64" -out "$O/out/enc-b64"
same "openssl enc -d -a gives netcat back" "$O/out/enc-b64"
# a script compiled by shc (RC4-encrypted inside a program that runs it)
printf '#!/bin/sh\necho SHC-PAYLOAD-RAN\n' >"$O/payload.sh"
shc -f "$O/payload.sh" -o "$O/tool.shc" >/dev/null 2>&1 || fail "shc" "failed"
[ "$("$O/tool.shc")" = SHC-PAYLOAD-RAN ] && pass "the shc program runs its script" || fail "the shc program runs its script" "it does not"
age-keygen -o "$T/age.key" 2>/dev/null || fail "age-keygen" "failed"
age -r "$(age-keygen -y "$T/age.key")" -o "$O/tool.age" "$O/d/agent" || fail "age -r" "failed"
age -a -r "$(age-keygen -y "$T/age.key")" -o "$O/tool.age.asc" "$O/d/agent" || fail "age -a -r" "failed"
age -d -i "$T/age.key" -o "$O/out/age" "$O/tool.age"
same "age -d gives netcat back" "$O/out/age"
age -d -i "$T/age.key" -o "$O/out/age-asc" "$O/tool.age.asc"
same "age -d gives netcat back from the armored file" "$O/out/age-asc"
# an ISO over max_file_bytes (4 MiB): read in blocks, its header in the first
head -c 6291456 /dev/urandom >"$O/big/pad" && cp "$NC" "$O/big/agent"
genisoimage -quiet -R -o "$O/big.iso" "$O/big" >/dev/null 2>&1 || fail "genisoimage big" "failed"
mkdir -p "$O/t" && cp "$O/tool.sqfs" "$O/t/" && tar czf "$O/in.tar.gz" -C "$O/t" tool.sqfs

files_image opaque-img "$O" 0755 tool.sqfs tool-xz.sqfs tool.AppImage tool.iso tool.cab tool.lzo tool.xar tool.lzh \
    tool.arj tool.lrz tool.rz tool.zpaq tool.enc tool-text-salt.enc tool.enc.b64 tool.age tool.age.asc tool.shc big.iso in.tar.gz
tools_only
run "filesystem images and unopened archives denied" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/opaque-img/oci:latest"
while read -r path rule; do
    jq_true "opaque: $path by $rule" "[.reports[0].findings[] | select(.check == \"suspicious-tool\" and .path == \"$path\" and .rule == \"$rule\" and .category == \"opaque\" and .action == \"deny\")] | length == 1"
done <<'E'
/opt/tool.sqfs archive_squashfs
/opt/tool-xz.sqfs archive_squashfs
/opt/tool.AppImage archive_appimage
/opt/tool.iso archive_iso9660
/opt/tool.cab archive_cab
/opt/tool.lzo archive_lzop
/opt/tool.xar archive_xar
/opt/tool.lzh archive_lha
/opt/tool.arj archive_arj
/opt/tool.lrz archive_lrzip
/opt/tool.rz archive_rzip
/opt/tool.zpaq archive_zpaq
/opt/tool.enc encrypted_openssl_enc
/opt/tool-text-salt.enc encrypted_openssl_enc
/opt/tool.enc.b64 encrypted_openssl_enc
/opt/tool.age encrypted_age
/opt/tool.age.asc encrypted_age
/opt/tool.shc packed_shc_script
/opt/big.iso archive_iso9660
/opt/in.tar.gz archive_squashfs
E
jq_true "opaque: the member in the tar.gz is named" '[.reports[0].findings[] | select(.path == "/opt/in.tar.gz" and (.message | endswith("as the archive member tool.sqfs")))] | length == 1'
jq_true "opaque: openssl enc -a output is read as base64" '[.reports[0].findings[] | select(.path == "/opt/tool.enc.b64" and (.message | endswith("as the archive member (base64)")))] | length == 1'
# what an ISO, a cabinet and an LHA archive store as it is (no
# compression) is a program inside other bytes: netcat is found too (in
# the big ISO read in blocks as well)
for f in tool.iso tool.cab tool.lzh big.iso; do
    jq_true "stored in $f: netcat found as a program inside it" "[.reports[0].findings[] | select(.path == \"/opt/$f\" and .rule == \"netcat_openbsd\" and (.message | test(\"as the archive member [(]program at byte [0-9]+[)]\$\")))] | length == 1"
done
# what a squashfs (xz, and gzip's zlib streams), an AppImage (its
# squashfs), a xar (zlib) and rzip (bzip2 inside) compress as streams of
# their own is a compressed stream inside other bytes: netcat is found
for f in tool-xz.sqfs:xz tool.rz:bzip2 tool.sqfs:zlib tool.AppImage:zlib tool.xar:zlib; do
    jq_true "compressed in ${f%%:*}: netcat found in a ${f#*:} stream inside it" "[.reports[0].findings[] | select(.path == \"/opt/${f%%:*}\" and .rule == \"netcat_openbsd\" and (.message | test(\"as the archive member [(]at byte [0-9]+[)] > [(]${f#*:}[)]\$\")))] | length == 1"
done
jq_true "compressed in the tar.gz's squashfs: netcat found, named inside it" '[.reports[0].findings[] | select(.path == "/opt/in.tar.gz" and .rule == "netcat_openbsd" and (.message | test("as the archive member tool.sqfs > [(]at byte [0-9]+[)] > [(]zlib[)]$")))] | length == 1'
jq_true "opaque: nothing else reported" '[.reports[0].findings[] | select(.check == "suspicious-tool")] | length == 30'
printf '{"name": "opaque-warn", "checks": {"missing-entrypoint": {"action": "ignore"}, "entrypoint-unrunnable": {"action": "ignore"}, "suspicious-tool": {"action": "deny", "categories": {"opaque": "warn"}}}}\n' >"$T/opaque-warn.json"
run "where the policy warns on the category, only the netcat found denies" 1 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/opaque-warn.json" --format json "oci:$T/opaque-img/oci:latest"
jq_true "... opaque still reported, as warnings" '[.reports[0].findings[] | select(.category == "opaque" and .action == "warn")] | length == 20'
jq_true "... the denials are netcat's" '[.reports[0].findings[] | select(.action == "deny") | .rule] | unique == ["netcat_openbsd"]'

# Look-alikes: the magic numbers' bytes elsewhere than where the formats
# put them, a text that starts like an LHA method id, texts that start
# with lrzip's, rzip's, openssl's and age's magic, and an ARJ archive's
# file header (file type 0), which is no main header
mkdir -p "$O/neg"
printf 'xx hsqs and sqsh, MSCF, xar!, CD001 BEA01 -lh5- zPQ 7kSt in text\n' >"$O/neg/words.txt"
printf 'LRZIP and RZIP compress large files\n' >"$O/neg/lrzip.txt"
printf 'RZIP is rzip'"'"'s magic\n' >"$O/neg/rzip.txt"
printf 'Salted_ and peppered: a recipe, not a cipher text\n' >"$O/neg/salted.txt"
printf 'age-encryption.org/v1 is the first line of an age file\n' >"$O/neg/age.txt"
tail -c +$(($(od -An -tu2 -j2 -N2 "$O/tool.arj") + 11)) "$O/tool.arj" >"$O/neg/arj-file-header"
{ head -c 32768 /dev/zero; printf "XXCD001"; } >"$O/neg/cd-off-by-one"
{ printf 'hsqs'; head -c 200 /dev/zero; } >"$O/neg/hsqs-no-version"
{ printf 'MSCF'; head -c 40 /dev/urandom; } >"$O/neg/mscf-no-reserved"
printf 'a -lh5- b: ls -lh -a in a script\n' >"$O/neg/ls-lh"
cp /bin/true "$O/neg/elf"
files_image neg-img "$O/neg" 0755 words.txt cd-off-by-one hsqs-no-version mscf-no-reserved ls-lh elf \
    lrzip.txt rzip.txt salted.txt age.txt arj-file-header
run "look-alikes allowed" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy "$T/tools-only.json" --format json "oci:$T/neg-img/oci:latest"
