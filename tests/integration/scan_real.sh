# Integration: images built by other tools (umoci, skopeo) from real Debian
# packages. passwd ships setuid/setgid binaries; ping gets cap_net_raw with
# setcap; a second layer deletes one setuid binary (umoci writes the
# whiteout) and adds /etc/passwd. Downloads are cached in .cache/debs.
. "$PC_ROOT/tests/lib.sh"

fetch_all passwd iputils-ping # one apt-get for all (each fetch below then finds its .deb)
for p in passwd iputils-ping; do
    fetch "$p" && pass "apt-get download $p" || { fail "apt-get download $p" "no package"; exit 1; }
done

L="$T/lay"
umoci init --layout "$L" && umoci new --image "$L:base" && umoci unpack --image "$L:base" "$T/b" >/dev/null || { fail umoci "init/unpack failed"; exit 1; }
for d in "$DEBS"/passwd_*.deb "$DEBS"/iputils-ping_*.deb; do dpkg-deb -x "$d" "$T/b/rootfs"; done
setcap cap_net_raw+ep "$T/b/rootfs/bin/ping" || { fail setcap "setcap failed"; exit 1; }
umoci repack --image "$L:base" "$T/b" || { fail umoci "repack failed"; exit 1; }
umoci config --image "$L:base" --tag base-user --config.user=nobody --config.entrypoint=/bin/ping
# layer 2: delete chfn (a whiteout), add an /etc/passwd
rm -rf "$T/b"
umoci unpack --image "$L:base" "$T/b" >/dev/null
rm "$T/b/rootfs/usr/bin/chfn"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/usr/sbin/nologin\ntoor:x:0:0::/:/bin/sh\n' >"$T/b/rootfs/etc/passwd"
umoci repack --image "$L:v2" "$T/b" || { fail umoci "repack v2 failed"; exit 1; }
umoci config --image "$L:v2" --tag v2 --config.user=nobody --config.entrypoint=/bin/ping
umoci config --image "$L:v2" --tag toor --config.user=toor
skopeo copy -q "oci:$L:v2" "oci-archive:$T/v2.tar:v2" && skopeo copy -q "oci:$L:v2" "docker-archive:$T/v2-docker.tar:real:v2" ||
    { fail skopeo "copy failed"; exit 1; }

run "umoci base" 1 "$PC" scan --format json "oci:$L:base-user"
jq_true "base: setuid from the .deb" '[.reports[0].findings[] | select(.check == "setuid-file") | .path] | (index("/usr/bin/passwd") != null and index("/usr/bin/chfn") != null)'
jq_true "base: setgid chage" '[.reports[0].findings[] | select(.check == "setgid-file") | .path] | index("/usr/bin/chage") != null'
jq_true "base: ping capability" '[.reports[0].findings[] | select(.check == "file-capability" and .path == "/bin/ping") | .message | test("cap_net_raw")] | any'
jq_true "base: unresolvable user" '[.reports[0].findings[] | select(.check == "root-user") | .message | test("nobody")] | any'

for ref in "oci:$L:v2" "oci-archive:$T/v2.tar:v2" "docker-archive:$T/v2-docker.tar"; do
    n=${ref%%:*}
    run "v2 $n" 1 "$PC" scan --format json "$ref"
    jq_true "v2 $n: whiteout hides chfn" '[.reports[0].findings[] | select(.check == "setuid-file") | .path] | (index("/usr/bin/chfn") == null and index("/usr/bin/passwd") != null)'
    jq_true "v2 $n: nobody is not root" '([.reports[0].findings[] | select(.check == "root-user")] | length == 0) and .reports[0].sandbox.user == "65534:65534" and .reports[0].sandbox.user_from == "image" and .reports[0].stats.layers == 2'
    jq_true "v2 $n: ping capability from layer 1" '[.reports[0].findings[] | select(.check == "file-capability")] | length == 1'
done
# baseline judges the image's own USER: nobody, resolved through the v2 /etc/passwd
run "v2 baseline" 1 "$PC" scan --policy baseline --format json "oci:$L:v2"
jq_true "v2 baseline: nobody is 65534:65534" '.reports[0].sandbox.user == "65534:65534"'
run "toor" 1 "$PC" scan --format json "oci:$L:toor"
jq_true "toor maps to uid 0" '[.reports[0].findings[] | select(.check == "root-user") | .message | test("toor.*uid 0")] | any'

# igzip (ISA-L) and zlib must give the very same facts
run "inflate isal" 1 "$PC" scan --cache-dir "$(fresh_cache)" --format json "oci:$L:v2"
jq -c '.reports[0] | {findings, stats: (.stats | del(.duration_ms))}' "$T/out" >"$T/isal.json"
run "inflate zlib" 1 env PORTCULLIS_INFLATE=zlib "$PC" scan --cache-dir "$(fresh_cache)" --format json "oci:$L:v2"
jq -c '.reports[0] | {findings, stats: (.stats | del(.duration_ms))}' "$T/out" >"$T/zlib.json"
if cmp -s "$T/isal.json" "$T/zlib.json"; then pass "igzip and zlib facts identical"; else fail "igzip and zlib facts identical" "$(diff "$T/isal.json" "$T/zlib.json" | head -5)"; fi

# the inflate thread (readahead) and inflating on the walking thread give
# the very same facts, and the very same error on a broken layer
for ra in always off; do
    run "readahead $ra" 1 env PORTCULLIS_READAHEAD=$ra "$PC" scan --cache-dir "$(fresh_cache)" --format json "oci:$L:v2"
    jq -c '.reports[0] | {findings, stats: (.stats | del(.duration_ms))}' "$T/out" >"$T/ra-$ra.json"
done
if cmp -s "$T/ra-always.json" "$T/ra-off.json" && cmp -s "$T/ra-always.json" "$T/isal.json"; then
    pass "readahead and direct facts identical"
else
    fail "readahead and direct facts identical" "$(diff "$T/ra-always.json" "$T/ra-off.json" | head -5)"
fi
# a layer whose deflate stream breaks in the middle: the error, with and
# without the thread, is the digest mismatch of the blob
BL="$T/broken"
cp -r "$L" "$BL"
big=$(ls -S "$BL"/blobs/sha256/ | head -1)
chmod u+w "$BL/blobs/sha256/$big"
sz=$(stat -c %s "$BL/blobs/sha256/$big")
printf 'XXXXXXXXXXXXXXXX' | dd of="$BL/blobs/sha256/$big" bs=1 seek=$((sz / 2)) conv=notrunc 2>/dev/null
for ra in always off; do
    PORTCULLIS_READAHEAD=$ra "$PC" scan --cache-dir "$(fresh_cache)" --format json "oci:$BL:v2" >/dev/null 2>"$T/ra-err-$ra"
    echo $? >>"$T/ra-err-$ra"
done
if grep -q 'digest mismatch' "$T/ra-err-always" && cmp -s "$T/ra-err-always" "$T/ra-err-off"; then
    pass "readahead: a broken layer fails as without it"
else
    fail "readahead: a broken layer fails as without it" "$(cat "$T/ra-err-always" "$T/ra-err-off" | head -6)"
fi
