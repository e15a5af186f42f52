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
