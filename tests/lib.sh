# Shell helpers for integration tests (sourced). Each assertion prints one
# "PASS name" or "FAIL name: why" line; tests/run.sh counts them.
# The small helpers every suite may use (processes, bounded waits,
# free_port, fetch, fill, metric, ...) are in tests/harness/util.sh,
# sourced here; `harness pki registry webhook` sources the modules that
# make a PKI, start registries and webhooks (tests/harness/*.sh). Every
# process started through them is killed when the suite exits.
set -u
PC="$PC_BUILD/portcullis"
FB="$PC_BUILD/fixture-builder"
T=$(mktemp -d "$PC_WORK/t.XXXXXX")
. "$PC_ROOT/tests/harness/util.sh"
trap harness_cleanup EXIT
trap 'harness_cleanup; trap - EXIT; exit 1' INT TERM HUP PIPE

# harness MODULE...: sources tests/harness/MODULE.sh (pki, registry, webhook; in that order)
harness() {
    for _hm in "$@"; do
        . "$PC_ROOT/tests/harness/$_hm.sh"
    done
}

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# run NAME EXPECTED_EXIT CMD...: runs CMD, keeps stdout in $T/out, stderr in $T/err
run() {
    name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" = "$want" ]; then
        pass "$name (exit $want)"
    else
        fail "$name" "exit $got, expected $want; stderr: $(head -c 600 "$T/err"); stdout: $(head -c 600 "$T/out")"
    fi
}

# jq_true NAME FILTER [FILE]: the jq filter must yield true on the JSON in FILE ($T/out)
jq_true() {
    f=${3:-$T/out}
    if [ "$(jq -e "$2" "$f" 2>/dev/null)" = "true" ]; then
        pass "$1"
    else
        fail "$1" "jq '$2' is not true on: $(head -c 1500 "$f")"
    fi
}

# grep_in NAME PATTERN FILE
grep_in() {
    if grep -qE -- "$2" "$3"; then pass "$1"; else fail "$1" "/$2/ not in $3: $(head -c 800 "$3")"; fi
}

# grep_none NAME [-F] PATTERN FILE...: no line of any FILE matches PATTERN
# (an extended regular expression; with -F a fixed string, as for a
# secret, which is never printed); a FILE missing or empty fails too:
# there was nothing to check
grep_none() {
    _gn_name=$1 _gn_how=-E
    shift
    [ "$1" = -F ] && { _gn_how=-F; shift; }
    _gn_pat=$1
    shift
    for _gn_f in "$@"; do
        [ -s "$_gn_f" ] || { fail "$_gn_name" "$_gn_f is missing or empty: nothing to check"; return; }
    done
    if grep -q "$_gn_how" -e "$_gn_pat" "$@"; then
        fail "$_gn_name" "found in $(grep -l "$_gn_how" -e "$_gn_pat" "$@" | tr '\n' ' ')"
    else
        pass "$_gn_name"
    fi
}

# build_fixture SPEC_NAME: builds fixtures/specs/SPEC_NAME.json into $T/SPEC_NAME
build_fixture() {
    "$FB" "$PC_ROOT/fixtures/specs/$1.json" "$T/$1" >"$T/fb.log" 2>&1 ||
        { echo "FAIL build-$1: $(cat "$T/fb.log")"; return 1; }
}

# files_image NAME DIR MODE FILE...: an image $T/NAME (tag latest, user
# 1000, entrypoint /bin/true) holding each FILE of DIR at /opt/FILE with
# MODE, in one gzip layer
files_image() {
    _fi_name=$1 _fi_dir=$2 _fi_mode=$3
    shift 3
    jq -n --arg d "$_fi_dir" --arg m "$_fi_mode" --arg f "$*" '{tag: "latest", images: [{platform: "linux/amd64",
        config: {User: "1000", Entrypoint: ["/bin/true"]},
        layers: [{compression: "gzip", entries: ([{path: "opt", type: "dir", mode: "0755"}] +
            [$f | split(" ")[] | {path: "opt/\(.)", type: "file", mode: $m, from_file: "\($d)/\(.)"}])}]}]}' \
        >"$T/$_fi_name.json"
    "$FB" "$T/$_fi_name.json" "$T/$_fi_name" >"$T/fb.log" 2>&1 || fail "build $_fi_name" "$(head -c 600 "$T/fb.log")"
}

# tools_only: writes $T/tools-only.json, a policy that judges the image's
# files (missing and unrunnable entrypoints ignored)
tools_only() {
    printf '{"name": "tools-only", "checks": {"missing-entrypoint": {"action": "ignore"}, "entrypoint-unrunnable": {"action": "ignore"}}}\n' >"$T/tools-only.json"
}

# fresh_cache: prints a new, empty cache directory for one scan
# (`"$PC" scan --cache-dir "$(fresh_cache)" ...`) that holds the shipped
# rules compiled once per test run: every layer is read, as with
# --no-cache, but the rules are not compiled again (seconds a scan under
# ASan). Tests of --no-cache itself use --no-cache. If the seed cannot be
# made, the directory is just empty (the scan compiles the rules).
fresh_cache() {
    _seed="$PC_WORK/rules-seed"
    if [ ! -f "$_seed/done" ]; then
        mkdir -p "$_seed"
        ( # one suite makes the seed; suites in other lanes wait for it
            flock 9
            [ -f "$_seed/done" ] && exit 0
            printf '%s\n' '{"tag": "latest", "images": [{"config": {"User": "1000", "Entrypoint": ["/x"]},
                "layers": [{"entries": [{"path": "x", "type": "file", "mode": "0755", "content": "#!/bin/sh\n"}]}]}]}' \
                >"$_seed/spec.json" &&
                "$FB" "$_seed/spec.json" "$_seed/img" >/dev/null 2>&1
            "$PC" scan --cache-dir "$_seed/c" "oci:$_seed/img/oci:latest" >/dev/null 2>&1
            ls "$_seed"/c/rules/*.yarc "$_seed"/c/rules/*.hsdb >/dev/null 2>&1 && : >"$_seed/done"
        ) 9>"$PC_WORK/rules-seed.lock"
    fi
    _fc=$(mktemp -d "$T/cache.XXXXXX")
    [ -f "$_seed/done" ] && cp -pR "$_seed/c/rules" "$_fc/"
    echo "$_fc"
}
