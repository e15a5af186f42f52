# Integration: `portcullis scan` on fixture images built at test time from
# fixtures/specs, through all three local transports, every check, the
# policy and the three report formats, and hostile inputs.
. "$PC_ROOT/tests/lib.sh"

for s in clean bad multiplatform whiteout zstd traversal truncated wrongdigest username-root noentry bomb; do
    build_fixture "$s" || exit 1
done

# --- clean image: allowed through every transport
for ref in "oci:$T/clean/oci:latest" "oci:$T/clean/oci" "oci-archive:$T/clean/image.oci.tar:latest" \
    "docker-archive:$T/clean/image.docker.tar"; do
    run "clean ${ref%%:*}" 0 "$PC" scan --format json "$ref"
    jq_true "clean ${ref%%:*} verdict" '.schema == "portcullis.scan/v1" and .verdict == "allow" and (.reports[0].findings | map(select(.action == "deny")) | length == 0)'
    jq_true "clean ${ref%%:*} digest+stats" '(.reports[0].digest | test("^sha256:[0-9a-f]{64}$")) and .reports[0].stats.layers >= 1 and .reports[0].stats.files > 0'
    jq_true "clean ${ref%%:*} user" '.reports[0].sandbox.user == "1001:1001" and .reports[0].sandbox.needs_root == false'
done
# the sandbox user is the policy's (restricted: 1001:1001); baseline keeps the image's USER
run "clean baseline" 0 "$PC" scan --policy baseline --format json "oci:$T/clean/oci:latest"
jq_true "clean baseline user" '.reports[0].sandbox.user == "1000:1000" and .reports[0].sandbox.needs_root == false'

# --- bad image: every check fires, exit 1
run "bad json" 1 "$PC" scan --format json "oci:$T/bad/oci:latest"
cp "$T/out" "$T/bad.json"
has() { jq_true "bad has $1 $2" "[.reports[0].findings[] | select(.check == \"$1\" and (.path // \"\" | test(\"$2\")))] | length >= 1" "$T/bad.json"; }
has root-user ''
has setuid-file '^/usr/bin/passwd$'
has setgid-file ''
has file-capability ''
has device-file '^/dev/sda$'
has world-writable ''
has privileged-port ''
has secret-in-env ''
jq_true "bad cap decoded" '[.reports[0].findings[] | select(.check == "file-capability") | .message | test("cap_net_raw")] | any' "$T/bad.json"
jq_true "bad layer digests" '[.reports[0].findings[] | select(.check == "setuid-file") | .layer | test("^sha256:")] | all' "$T/bad.json"
jq_true "bad actions restricted" '[.reports[0].findings[] | select(.check == "privileged-port" or .check == "secret-in-env" or .check == "world-writable") | .action == "warn"] | all' "$T/bad.json"
if grep -q 'abc123' "$T/bad.json"; then fail "secret value not leaked" "report contains the secret"; else pass "secret value not leaked"; fi

run "bad baseline" 1 "$PC" scan --policy baseline --format json "oci:$T/bad/oci:latest"
jq_true "baseline setuid warns" '([.reports[0].findings[] | select(.check == "setuid-file") | .action == "warn"] | all) and .reports[0].policy == "baseline"'

run "bad text" 1 "$PC" scan "oci-archive:$T/bad/image.oci.tar:latest"
grep_in "text names check and path" 'setuid-file.*/usr/bin/passwd' "$T/out"
if grep -q "$(printf '\033')" "$T/out"; then fail "no colour when not a TTY" "escape found"; else pass "no colour when not a TTY"; fi
run "bad sarif to file" 1 "$PC" scan --format sarif -o "$T/r.sarif" "docker-archive:$T/bad/image.docker.tar"
jq_true "sarif shape" '.version == "2.1.0" and (.runs[0].tool.driver.name == "portcullis") and ([.runs[0].results[].ruleId] | index("setuid-file") != null) and ([.runs[0].results[].message.text | length > 0] | all)' "$T/r.sarif"

# --- allow_paths and exemptions
cat >"$T/allow.json" <<'P'
{"name": "allow", "checks": {"root-user": {"action": "ignore"}, "setuid-file": {"action": "deny", "allow_paths": ["/usr/bin/*"]},
 "setgid-file": {"action": "ignore"}, "file-capability": {"action": "ignore"}, "device-file": {"action": "ignore"},
 "world-writable": {"action": "ignore"}, "privileged-port": {"action": "ignore"}, "secret-in-env": {"action": "ignore"}}}
P
run "allow_paths lets the image pass" 0 "$PC" scan --policy "$T/allow.json" --format json "oci:$T/bad/oci:latest"
cat >"$T/exempt.json" <<'P'
{"name": "exempt", "exempt_images": ["oci:*/bad/oci:*"]}
P
run "exempt image passes" 0 "$PC" scan --policy "$T/exempt.json" --format json "oci:$T/bad/oci:latest"
jq_true "exempt recorded" '.reports[0].exempt != null and .reports[0].verdict == "allow"'

# --- multi-layer semantics
run "whiteout" 1 "$PC" scan --format json "oci:$T/whiteout/oci:latest"
jq_true "whited-out setuid gone" '[.reports[0].findings[] | select(.check == "setuid-file") | .path] | (index("/a/suid1") == null and index("/d/suid2") == null)'
# containerd gives a hardlink entry's own mode to the inode it shares:
# the plain target becomes setuid too
jq_true "hardlink's setuid mode reaches its target" '[.reports[0].findings[] | select(.check == "setuid-file") | .path] | (index("/usr/bin/link") != null and index("/usr/bin/t") != null and index("/usr/bin/sx") != null)'

run "username maps to root" 1 "$PC" scan --format json "oci:$T/username-root/oci:latest"
jq_true "root via passwd" '[.reports[0].findings[] | select(.check == "root-user") | .message | test("maps to uid 0")] | any'
run "no entrypoint" 1 "$PC" scan --format json "oci:$T/noentry/oci:latest"
jq_true "missing-entrypoint" '[.reports[0].findings[].check] | index("missing-entrypoint") != null'
run "zstd + plain layers" 0 "$PC" scan --format json "oci:$T/zstd/oci:latest"

# --- platforms
run "index default amd64" 0 "$PC" scan --format json "oci:$T/multiplatform/oci:latest"
jq_true "picked amd64" '.reports[0].platform == "linux/amd64"'
run "index arm64" 1 "$PC" scan --platform linux/arm64 --format json "oci:$T/multiplatform/oci:latest"
jq_true "picked arm64" '(.reports[0].platform | startswith("linux/arm64")) and ([.reports[0].findings[].path] | index("/usr/bin/arm-only-suid") != null)'
run "index no match" 2 "$PC" scan --platform linux/s390x --format json "oci:$T/multiplatform/oci:latest"
jq_true "no-match lists platforms" '[.reports[0].findings[] | select(.check == "scan-error") | .message | test("linux/arm64")] | any'

# --- hostile input: each a clear scan-error, exit 2
bad_input() {
    run "$1" 2 "$PC" scan --format json ${3:-} "oci:$T/$1/oci:latest"
    jq_true "$1 scan-error" "([.reports[0].findings[] | select(.check == \"scan-error\") | .message | test(\"$2\")] | any) and .verdict == \"deny\""
}
bad_input traversal "escapes the image root"
bad_input truncated "truncated|unexpected end"
bad_input wrongdigest "digest mismatch: expected sha256:[0-9a-f]{64}, got sha256:"
cat >"$T/small.json" <<'P'
{"name": "small", "limits": {"max_layer_bytes": 104857600}}
P
start=$(date +%s)
/usr/bin/time -f "%M" -o "$T/rss" "$PC" scan --policy "$T/small.json" --format json "oci:$T/bomb/oci:latest" >"$T/out" 2>"$T/err"
rc=$?
secs=$(($(date +%s) - start))
[ $rc -eq 2 ] && pass "bomb exit 2" || fail "bomb exit 2" "exit $rc"
jq_true "bomb scan-error names the limit" '[.reports[0].findings[] | .message | test("max_layer_bytes")] | any'
rss=$(tail -1 "$T/rss")
[ "$secs" -lt 60 ] && pass "bomb stops quickly (${secs}s)" || fail "bomb stops quickly" "${secs}s"
[ "$rss" -lt 400000 ] && pass "bomb bounded RSS (${rss} KiB)" || fail "bomb bounded RSS" "${rss} KiB"

# --- usage errors
cat >"$T/typo.json" <<'P'
{"name": "typo", "checks": {"setuid-file": {"actoin": "deny"}}}
P
run "unknown policy key" 2 "$PC" scan --policy "$T/typo.json" "oci:$T/clean/oci:latest"
grep_in "policy error names key and file" 'typo.json.*actoin' "$T/err"
run "unknown policy name" 2 "$PC" scan --policy nosuch "oci:$T/clean/oci:latest"
run "bad format flag" 2 "$PC" scan --format xml "oci:$T/clean/oci:latest"
run "no image" 2 "$PC" scan
run "missing layout" 2 "$PC" scan --format json "oci:$T/nope:latest"
jq_true "missing layout is scan-error" '.reports[0].findings[0].check == "scan-error"'
run "version" 0 "$PC" version

# --- a report stays small: at most 1000 findings per check, then a summary
jq -n '{tag: "latest", images: [{config: {User: "1000", Entrypoint: ["/x"]},
  layers: [{entries: ([range(1500)] | map({path: "ww/f\(.)", type: "file", mode: "0666", content: "x"}))}]}]}' >"$T/many.json"
"$FB" "$T/many.json" "$T/many" >/dev/null 2>&1 || fail "build many" "fixture-builder failed"
run "many findings" 0 "$PC" scan --policy baseline --format json "oci:$T/many/oci:latest"
jq_true "capped at 1000 per check plus a summary" '([.reports[0].findings[] | select(.check == "world-writable")] | length == 1001) and ([.reports[0].findings[] | select(.check == "world-writable" and .path == null) | .message | test("500 more world-writable")] | any)'
