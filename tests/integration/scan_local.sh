# Integration: `portcullis scan` on fixture images built at test time from
# fixtures/specs, through all three local transports, every check, the
# policy and the three report formats, and hostile inputs.
#
# Those scans are plain "command, exit status, JSON fragments" checks and
# live in tests/cases/scan-*.case (the integration/cases suite); what stays
# here builds its input at test time.
. "$PC_ROOT/tests/lib.sh"

# --- a report stays small: at most 1000 findings per check, then a summary
jq -n '{tag: "latest", images: [{config: {User: "1000", Entrypoint: ["/x"]},
  layers: [{entries: ([range(1500)] | map({path: "ww/f\(.)", type: "file", mode: "0666", content: "x"}))}]}]}' >"$T/many.json"
"$FB" "$T/many.json" "$T/many" >/dev/null 2>&1 || fail "build many" "fixture-builder failed"
run "many findings" 0 "$PC" scan --policy baseline --format json "oci:$T/many/oci:latest"
jq_true "capped at 1000 per check plus a summary" '([.reports[0].findings[] | select(.check == "world-writable")] | length == 1001) and ([.reports[0].findings[] | select(.check == "world-writable" and .path == null) | .message | test("500 more world-writable")] | any)'

# --- a cold scan sets each walked layer aside in an unlinked file of its
# own (TMPDIR without a cache directory, the cache directory with one)
# and reads it back for the final filesystem: the findings are those of a
# scan that keeps the layers in memory (no TMPDIR to write in) and of a
# warm scan, and nothing is left behind
build_fixture whiteout || exit 0
IMG="oci:$T/whiteout/oci:latest"
spill_findings() { # NAME: the findings of the report in $T/out, in one order, to $T/NAME
    jq -S '[.reports[0].findings[] | {check, path, message, layer}] | sort_by(.check, .path, .message)' \
        "$T/out" >"$T/$1" 2>/dev/null || fail "$1" "no report"
}
mkdir -p "$T/spill" "$T/spill-cache"
run "cold, set aside in TMPDIR" 1 env TMPDIR="$T/spill" ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
    strace -f -qq -y -e trace=write -o "$T/spill.trace" "$PC" scan --no-cache --format json "$IMG"
spill_findings f-tmp
grep -q "write([0-9]*<$T/spill/[^>]*>(deleted)" "$T/spill.trace" &&
    pass "the layers went to an unlinked file in TMPDIR" ||
    fail "the layers went to an unlinked file in TMPDIR" "$(grep -c . "$T/spill.trace") writes, none to it"
[ -z "$(ls -A "$T/spill")" ] && pass "nothing left in TMPDIR" || fail "nothing left in TMPDIR" "$(ls -A "$T/spill")"
run "cold, no TMPDIR to write in: in memory" 1 env TMPDIR="$T/no-such-dir" "$PC" scan --no-cache --format json "$IMG"
spill_findings f-mem
cmp -s "$T/f-tmp" "$T/f-mem" && pass "same findings set aside and in memory" ||
    fail "same findings set aside and in memory" "$(diff "$T/f-tmp" "$T/f-mem" | head -c 600)"
jq_true "every layer applied, whiteouts included" '[.[] | select(.check == "setuid-file") | .path] == ["/usr/bin/link", "/usr/bin/sx", "/usr/bin/t"]' "$T/f-tmp"
run "cold, set aside in the cache directory" 1 "$PC" scan --cache-dir "$T/spill-cache" --format json "$IMG"
spill_findings f-cold
run "warm" 1 "$PC" scan --cache-dir "$T/spill-cache" --format json "$IMG"
jq_true "warm: every layer from the cache" '.reports[0].stats.cached_layers == 3'
spill_findings f-warm
cmp -s "$T/f-tmp" "$T/f-cold" && cmp -s "$T/f-tmp" "$T/f-warm" && pass "same findings cold and warm with a cache" ||
    fail "same findings cold and warm with a cache" "$(diff "$T/f-tmp" "$T/f-warm" | head -c 600)"
[ -z "$(find "$T/spill-cache" -name '.spill*')" ] && pass "nothing left in the cache directory" ||
    fail "nothing left in the cache directory" "$(find "$T/spill-cache" -name '.spill*')"
