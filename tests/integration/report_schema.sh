# Integration: every JSON report portcullis writes validates against the
# published schema, docs/report.schema.json (JSON Schema 2020-12, checked
# with Debian's python3-jsonschema), across what can appear in one: deny
# and allow, a scan error, a signed verdict, waived and audited findings,
# a run context and workload subjects (--manifest). The schema is strict
# (no unknown keys), so a key added to a report without the schema fails
# here.
. "$PC_ROOT/tests/lib.sh"
SCHEMA="$PC_ROOT/docs/report.schema.json"
DATA="$PC_ROOT/tests/cases/data"

validate() { # NAME FILE
    if python3 - "$SCHEMA" "$2" >"$T/v.err" 2>&1 <<'PY'; then
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
doc = json.load(open(sys.argv[2]))
errs = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
for e in errs[:5]:
    print("/".join(str(p) for p in e.path), e.message)
sys.exit(1 if errs else 0)
PY
        pass "$1: valid portcullis.scan/v1"
    else
        fail "$1" "$(head -c 600 "$T/v.err")"
    fi
}

for s in bad clean nouser; do
    "$FB" "$PC_ROOT/fixtures/specs/$s.json" "$T/$s" >/dev/null 2>&1 || fail "build $s" "fixture-builder failed"
done
openssl genpkey -algorithm ed25519 -out "$T/k.pem" 2>/dev/null && chmod 600 "$T/k.pem"

run "bad" 1 "$PC" scan --format json -o "$T/bad.json" "oci:$T/bad/oci:latest"
validate "deny" "$T/bad.json"
run "clean, signed, two images" 1 "$PC" scan --format json --sign-key "$T/k.pem" -o "$T/two.json" "oci:$T/clean/oci:latest" "oci:$T/bad/oci:latest"
validate "signed, two images" "$T/two.json"
jq_true "signed: an attestation per image" '[.reports[].attestation.payloadType] | length == 2' "$T/two.json"
run "scan error" 3 "$PC" scan --format json -o "$T/err.json" "oci:$T/nope:latest"
validate "scan error" "$T/err.json"
run "exceptions and a run" 1 "$PC" scan --format json --exceptions "$DATA/exceptions-bad.json" --user 1000 --cap-add NET_ADMIN -o "$T/waived.json" "oci:$T/bad/oci:latest"
validate "waived, run context" "$T/waived.json"
jq_true "waived: has a waived finding and a run key" '[.reports[0].findings[] | select(.waived_by)] | length >= 1' "$T/waived.json"
run "audit mode" 0 "$PC" scan --format json --policy "$DATA/mode-audit.json" -o "$T/audit.json" "oci:$T/bad/oci:latest"
validate "audit" "$T/audit.json"
sed "s|IMAGE_DIR|$T|g" "$DATA/manifest/two-deployments.yaml" >"$T/m.yaml"
run "manifest" 1 "$PC" scan --format json -o "$T/manifest.json" -f "$T/m.yaml"
validate "manifest subjects" "$T/manifest.json"
jq_true "manifest: subjects" '[.reports[].subject] | length == 2' "$T/manifest.json"
# the schema really is strict: an unknown key, a wrong type, a missing key
jq '.reports[0].extra = 1' "$T/bad.json" >"$T/x1.json"
jq '.reports[0].findings[0].action = "block"' "$T/bad.json" >"$T/x2.json"
jq 'del(.reports[0].sandbox.argv)' "$T/bad.json" >"$T/x3.json"
for x in x1 x2 x3; do
    if python3 -c "
import json, sys, jsonschema
s = json.load(open('$SCHEMA')); d = json.load(open('$T/$x.json'))
sys.exit(0 if list(jsonschema.Draft202012Validator(s).iter_errors(d)) else 1)"; then
        pass "schema refuses $x"
    else
        fail "schema refuses $x" "a broken report validated"
    fi
done
