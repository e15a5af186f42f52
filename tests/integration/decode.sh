# Integration: layers decoded as containerd 1.6 decodes them, through the
# CLI, on images the fixture builder mislabels on purpose: the bytes, not
# the media type, choose gzip/zstd/raw; an OCI plain tar with compressed
# bytes and bzip2/xz layers are refused; every layer's uncompressed digest
# (trailing bytes after the tar's end included) must be the config's diff
# id, whether the layer is read or answered from the cache.
. "$PC_ROOT/tests/lib.sh"

C="$T/cache"
TRAIL=$(printf 'bytes after the end-of-archive blocks\n' | base64 -w0)
ENTRY='[{"path": "app/run", "type": "file", "mode": "0755", "content": "#!/bin/sh\n"}]'

# spec NAME MEDIA_TYPES LAYERS_JSON: writes $T/NAME.json and builds $T/NAME
spec() {
    printf '{"tag": "latest", "media_types": "%s", "images": [{"platform": "linux/amd64", "config": {"User": "1000", "Entrypoint": ["/app/run"]}, "layers": %s}]}\n' \
        "$2" "$3" >"$T/$1.json"
    "$FB" "$T/$1.json" "$T/$1" >"$T/fb.log" 2>&1 || { fail "build $1" "$(cat "$T/fb.log")"; return 1; }
}

# scan_ok NAME REF [ARGS...]: the scan must not fail (verdict aside)
scan_ok() {
    name=$1 ref=$2
    shift 2
    "$PC" scan --format json "$@" "$ref" >"$T/out" 2>"$T/err"
    jq_true "$name: no scan-error" '.reports[0].findings | map(.check) | index("scan-error") == null'
}

# scan_err NAME PATTERN REF [ARGS...]: a scan-error whose message matches PATTERN (exit 3: could not scan)
scan_err() {
    name=$1 pat=$2 ref=$3
    shift 3
    run "$name" 3 "$PC" scan --format json "$@" "$ref"
    jq_true "$name: scan-error /$pat/" "[.reports[0].findings[] | select(.check == \"scan-error\") | .message | test(\"$pat\")] | any"
}

spec mislabelled oci "[
  {\"compression\": \"zstd\", \"media_type\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"entries\": $ENTRY},
  {\"compression\": \"none\", \"media_type\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"trailing_base64\": \"$TRAIL\", \"entries\": [{\"path\": \"b\", \"type\": \"file\"}]},
  {\"compression\": \"gzip\", \"media_type\": \"application/vnd.oci.image.layer.v1.tar+zstd\", \"trailing_base64\": \"$TRAIL\", \"entries\": [{\"path\": \"c\", \"type\": \"file\"}]},
  {\"compression\": \"gzip\", \"media_type\": \"application/vnd.docker.image.rootfs.diff.tar\", \"entries\": [{\"path\": \"d\", \"type\": \"file\"}]}]" || exit 1
scan_ok "mislabelled layers decode by their bytes" "oci:$T/mislabelled/oci:latest" --cache-dir "$C"
jq_true "mislabelled: all read" '.reports[0].stats.layers == 4 and .reports[0].stats.cached_layers == 0'
scan_ok "mislabelled, warm" "oci:$T/mislabelled/oci:latest" --cache-dir "$C"
jq_true "mislabelled: warm from the cache" '.reports[0].stats.cached_layers == 4'
scan_ok "docker-archive with trailing bytes (diff id verified)" "docker-archive:$T/mislabelled/image.docker.tar" --cache-dir "$(fresh_cache)"

spec ocigz oci '[{"compression": "gzip", "media_type": "application/vnd.oci.image.layer.v1.tar", "entries": [{"path": "a", "type": "file"}]}]' || exit 1
scan_err "OCI plain tar holding gzip refused" "vnd.oci.image.layer.v1.tar .*gzip-compressed .*1f 8b 08.*refused" "oci:$T/ocigz/oci:latest" --cache-dir "$(fresh_cache)"
spec ocizst oci '[{"compression": "zstd", "media_type": "application/vnd.oci.image.layer.v1.tar", "entries": [{"path": "a", "type": "file"}]}]' || exit 1
scan_err "OCI plain tar holding zstd refused" "zstd-compressed .*28 b5 2f fd.*refused" "oci:$T/ocizst/oci:latest" --cache-dir "$(fresh_cache)"
spec bz oci '[{"compression": "bzip2", "entries": [{"path": "a", "type": "file"}]}]' || exit 1
scan_err "bzip2 layer refused" "bzip2-compressed .*42 5a 68.*refused" "oci:$T/bz/oci:latest" --cache-dir "$(fresh_cache)"
spec xz docker '[{"compression": "xz", "entries": [{"path": "a", "type": "file"}]}]' || exit 1
scan_err "xz layer (docker type) refused" "rootfs.diff.tar, .*xz-compressed .*fd 37 7a 58 5a 00.*refused" "oci:$T/xz/oci:latest" --cache-dir "$(fresh_cache)"
spec xzgz oci '[{"compression": "xz", "media_type": "application/vnd.oci.image.layer.v1.tar+gzip", "entries": [{"path": "a", "type": "file"}]}]' || exit 1
scan_err "xz layer labelled gzip refused" "xz-compressed" "oci:$T/xzgz/oci:latest" --cache-dir "$(fresh_cache)"

# the same layer blob, once under a config with its true diff id, once
# under one that names another: refused read, and refused from the cache
spec gooddiff oci "[{\"compression\": \"gzip\", \"trailing_base64\": \"$TRAIL\", \"entries\": $ENTRY}]" || exit 1
spec baddiff oci "[{\"compression\": \"gzip\", \"trailing_base64\": \"$TRAIL\", \"diff_id\": \"sha256:0000000000000000000000000000000000000000000000000000000000000000\", \"entries\": $ENTRY}]" || exit 1
scan_err "wrong diff id refused (read)" "uncompressed digest sha256:[0-9a-f]{64} does not match the config's rootfs.diff_ids\\\\[0\\\\] sha256:0000" "oci:$T/baddiff/oci:latest" --cache-dir "$(fresh_cache)"
# the same with the inflate thread, which leaves the uncompressed digest
# to the walking thread: the same digest, the same refusal
run "wrong diff id refused (read, inflate thread)" 3 env PORTCULLIS_READAHEAD=always "$PC" scan --format json --cache-dir "$(fresh_cache)" "oci:$T/baddiff/oci:latest"
cp "$T/out" "$T/ra-always.json"
run "wrong diff id refused (read, no inflate thread)" 3 env PORTCULLIS_READAHEAD=off "$PC" scan --format json --cache-dir "$(fresh_cache)" "oci:$T/baddiff/oci:latest"
jq_true "inflate thread or not: the same uncompressed digest in the refusal" "[.reports[0].findings[] | select(.check == \"scan-error\") | .message] == $(jq -c '[.reports[0].findings[] | select(.check == "scan-error") | .message]' "$T/ra-always.json") and ([.reports[0].findings[] | .message] | any(test(\"uncompressed digest sha256:[0-9a-f]{64} does not match\")))"
scan_ok "true diff id, cold" "oci:$T/gooddiff/oci:latest" --cache-dir "$C"
scan_err "wrong diff id refused (cached)" "does not match the config's rootfs.diff_ids" "oci:$T/baddiff/oci:latest" --cache-dir "$C"
jq_true "wrong diff id: the layer came from the cache" '.reports[0].stats.cached_layers == 1'

# The view from the cache. With two jobs or more a warm scan applies each
# layer as it comes from the cache while the others are still decoded
# (lib/scan.c); a cold one applies them after the walk. Both must judge
# the same view (whiteouts, an opaque directory, a hardlink's own mode),
# with one job or several, and an image containerd fails to apply must
# fail the same way read and cached.
norm='.reports[0] | {verdict, sandbox, findings: [.findings[] | {check, path, layer, message}] | sort_by(.check, .path)}'
spec wo oci "$(jq -c '.images[0].layers' "$PC_ROOT/fixtures/specs/whiteout.json")" || exit 1
WC1=$(fresh_cache)
WC3=$(fresh_cache)
"$PC" scan --format json --jobs 1 --cache-dir "$WC1" "oci:$T/wo/oci:latest" >"$T/wo-ref.json" 2>"$T/err"
jq -S "$norm" "$T/wo-ref.json" >"$T/wo-ref.norm"
jq_true_file() { jq -e "$2" "$3" >/dev/null 2>&1 && pass "$1" || fail "$1" "$(head -c 400 "$3")"; }
jq_true_file "whiteouts: the cold one-job scan finds the hardlink's setuid, not the whited-out ones" \
    '[.reports[0].findings[] | select(.check == "setuid-file") | .path] | (index("/usr/bin/link") != null and index("/a/suid1") == null and index("/d/suid2") == null)' "$T/wo-ref.json"
for r in "1 $WC1 warm" "3 $WC3 cold" "3 $WC3 warm" "4 $WC1 warm"; do
    set -- $r
    "$PC" scan --format json --jobs "$1" --cache-dir "$2" "oci:$T/wo/oci:latest" >"$T/wo.json" 2>"$T/err"
    jq -S "$norm" "$T/wo.json" >"$T/wo.norm"
    cached=$(jq '.reports[0].stats.cached_layers' "$T/wo.json")
    want=$([ "$3" = warm ] && echo 3 || echo 0)
    cmp -s "$T/wo.norm" "$T/wo-ref.norm" && [ "$cached" = "$want" ] &&
        pass "whiteouts, --jobs $1, $3: the same verdict, findings and sandbox ($cached layers cached)" ||
        fail "whiteouts, --jobs $1, $3" "cached $cached (want $want); $(diff "$T/wo-ref.norm" "$T/wo.norm" | head -c 600)"
done
spec badlink oci '[{"compression": "gzip", "entries": [{"path": "app", "type": "dir", "mode": "0755"}, {"path": "app/run", "type": "file", "mode": "0755", "content": "#!/bin/sh\n"}]},
  {"compression": "gzip", "entries": [{"path": "app/link", "type": "hardlink", "target": "app/run"}]},
  {"compression": "gzip", "entries": [{"path": "app/c", "type": "file", "content": "c\n"}]}]' || exit 1
BC=$(fresh_cache)
scan_err "hardlink to a lower layer: refused (read)" "hardlink \\\"app/link\\\": target \\\"app/run\\\" is not in the same layer" "oci:$T/badlink/oci:latest" --jobs 3 --cache-dir "$BC"
jq -c '[.reports[0].findings[] | select(.check == "scan-error") | .message]' "$T/out" >"$T/badlink-cold"
scan_err "hardlink to a lower layer: refused (cached, applied as the layers come)" "is not in the same layer" "oci:$T/badlink/oci:latest" --jobs 3 --cache-dir "$BC"
# (the refusal comes while applying the second layer, so both lower ones
# came from the cache; the third may not have been loaded when it stopped)
jq_true "hardlink to a lower layer: the same refusal read and cached, the layers from the cache" \
    ".reports[0].stats.cached_layers >= 2 and [.reports[0].findings[] | select(.check == \"scan-error\") | .message] == $(cat "$T/badlink-cold")"
