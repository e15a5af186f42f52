# Integration: the SARIF reports portcullis writes pass Microsoft's SARIF
# Multitool (`sarif-multitool validate`: the SARIF 2.1.0 JSON schema and
# the SARIF rules), with no error-level result, across what can appear in
# one: allow and deny, two images in one file, a scan error, waived
# findings, workload subjects (--manifest). The Multitool is installed at
# test time from the npm registry (@microsoft/sarif-multitool, pinned) into
# .cache/npm-sarif, kept between runs; it ships a self-contained .NET binary per
# platform and validates without the network (run here in a network
# namespace of its own when unshare works). No npm or no registry is a
# FAIL, never a skip. A deliberately broken report must be refused, so a
# validator that checks nothing cannot pass.
. "$PC_ROOT/tests/lib.sh"
need_tools jq python3
DATA="$PC_ROOT/tests/cases/data"
NPM_PREFIX="$PC_ROOT/.cache/npm-sarif" # (integration/deploy installs into .cache/npm: suites in other lanes never share a prefix)
MT_VERSION=5.7.0
MT="$NPM_PREFIX/node_modules/.bin/sarif-multitool"

installed() {
    [ -x "$MT" ] && [ "$(jq -r .version "$NPM_PREFIX/node_modules/@microsoft/sarif-multitool/package.json" 2>/dev/null)" = "$MT_VERSION" ]
}
if installed; then
    pass "sarif-multitool $MT_VERSION already in .cache/npm-sarif"
elif ! command -v npm >/dev/null 2>&1; then
    fail "install sarif-multitool" "npm is not installed: the SARIF Multitool comes from the npm registry (apt-get install npm)"
    exit 1
elif mkdir -p "$NPM_PREFIX" && npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --no-save "@microsoft/sarif-multitool@$MT_VERSION" >"$T/npm.log" 2>&1 && installed; then
    pass "sarif-multitool $MT_VERSION installed from the npm registry into .cache/npm-sarif"
else
    fail "install sarif-multitool" "npm install @microsoft/sarif-multitool@$MT_VERSION failed (is the npm registry reachable?): $(tail -c 600 "$T/npm.log")"
    exit 1
fi
# npm may not run the package's postinstall (chmod u+x of the binary)
for b in "$NPM_PREFIX"/node_modules/@microsoft/sarif-multitool-*/Sarif.Multitool; do
    [ -f "$b" ] && chmod u+x "$b"
done
# validation needs no network: in a network namespace of its own when possible
OFFLINE=""
if unshare -n true 2>/dev/null; then
    OFFLINE="unshare -n"
fi

for s in bad clean nouser; do
    build_fixture "$s" || exit 1
done
run "clean" 0 "$PC" scan --format sarif -o "$T/clean.sarif" "oci:$T/clean/oci:latest"
run "bad" 1 "$PC" scan --format sarif -o "$T/bad.sarif" "oci:$T/bad/oci:latest"
run "two images in one file" 1 "$PC" scan --format sarif -o "$T/two.sarif" "oci:$T/clean/oci:latest" "oci:$T/bad/oci:latest"
jq_true "two images: two runs, two automation ids" '[.runs[].automationDetails.id] | length == 2 and .[0] != .[1]' "$T/two.sarif"
run "scan error" 3 "$PC" scan --format sarif -o "$T/err.sarif" "oci:$T/nope:latest"
run "waived findings and a run" 1 "$PC" scan --format sarif --exceptions "$DATA/exceptions-bad.json" --user 1000 -o "$T/waived.sarif" "oci:$T/bad/oci:latest"
jq_true "waived: suppressions present" '[.runs[].results[] | select(.suppressions)] | length >= 1' "$T/waived.sarif"
sed "s|IMAGE_DIR|$T|g" "$DATA/manifest/two-deployments.yaml" >"$T/m.yaml"
run "manifest subjects" 1 "$PC" scan --format sarif -o "$T/manifest.sarif" -f "$T/m.yaml"
# a broken copy: a result without its message (required by the schema)
jq 'del(.runs[0].results[0].message)' "$T/bad.sarif" >"$T/broken.sarif"

REPORTS="clean bad two err waived manifest"
# one run of the Multitool for every file (it takes seconds to start)
files=""
for r in $REPORTS broken; do files="$files $T/$r.sarif"; done
# shellcheck disable=SC2086
if $OFFLINE "$MT" validate -o "$T/validation.sarif" $files >"$T/mt.log" 2>&1 && [ -s "$T/validation.sarif" ]; then
    pass "sarif-multitool validate ran${OFFLINE:+ (no network)}"
else
    fail "sarif-multitool validate ran" "$(tail -c 800 "$T/mt.log")"
    exit 1
fi
# error-level results per file: a result's level, else its rule's default, else warning
python3 - "$T/validation.sarif" >"$T/levels.txt" <<'PY'
import json, sys, os
log = json.load(open(sys.argv[1]))
for run in log.get("runs", []):
    rules = run.get("tool", {}).get("driver", {}).get("rules", []) or []
    by_id = {r.get("id"): r for r in rules}
    for res in run.get("results", []) or []:
        rule = rules[res["ruleIndex"]] if isinstance(res.get("ruleIndex"), int) and res["ruleIndex"] < len(rules) else by_id.get(res.get("ruleId"), {})
        level = res.get("level") or rule.get("defaultConfiguration", {}).get("level") or "warning"
        locs = res.get("locations") or [{}]
        uri = locs[0].get("physicalLocation", {}).get("artifactLocation", {}).get("uri", "?")
        print(os.path.basename(uri), level, res.get("ruleId"))
    for inv in run.get("invocations", []) or []:
        if not inv.get("executionSuccessful", True):
            print("(tool) error execution-failed")
        for n in inv.get("toolExecutionNotifications", []) or []:
            if n.get("level") == "error":
                print("(tool) error", n.get("message", {}).get("text", "?"))
PY
for r in $REPORTS; do
    if grep -q "^$r.sarif error " "$T/levels.txt"; then
        fail "$r.sarif: no error from sarif-multitool" "$(grep -F "$r.sarif(" "$T/mt.log" | grep ': error ' | head -5)"
    else
        pass "$r.sarif: no error from sarif-multitool ($(grep -c "^$r.sarif " "$T/levels.txt") warnings or notes)"
    fi
done
grep_in "broken.sarif: refused by sarif-multitool" '^broken.sarif error JSON' "$T/levels.txt"
grep_none "sarif-multitool: no tool error" '^(tool) error' "$T/levels.txt"
