#!/bin/sh
# The one test runner: every unit binary, then every integration script,
# against the sanitized build in $1 (default build/asan). Sanitizer
# reports are written to files; any such file fails the run. Ends with
# "N passed, N failed".
set -u
B=${1:-build/asan}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
B=$(cd "$B" && pwd)
WORK=$(mktemp -d /tmp/portcullis-test.XXXXXX)
SAN="$WORK/sanitizer"
mkdir -p "$SAN"
export ASAN_OPTIONS="log_path=$SAN/asan:detect_leaks=1:abort_on_error=0:exitcode=86"
export UBSAN_OPTIONS="log_path=$SAN/ubsan:print_stacktrace=1:halt_on_error=1:exitcode=86"
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp"
export PC_BUILD="$B" PC_ROOT="$ROOT" PC_WORK="$WORK"
export PORTCULLIS_DATADIR="$ROOT"
export XDG_CACHE_HOME="$WORK/xdg-cache" # tests never share a cache with the user
pass=0
fail=0
for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    if out=$("$t" 2>&1); then
        pass=$((pass + 1))
        echo "PASS unit/$name"
    else
        fail=$((fail + 1))
        echo "FAIL unit/$name"
        echo "$out" | tail -40 | sed 's/^/    /'
    fi
done
for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    log="$WORK/$name.log"
    sh "$t" >"$log" 2>&1
    rc=$?
    p=$(grep -c '^PASS ' "$log")
    f=$(grep -c '^FAIL ' "$log")
    pass=$((pass + p))
    fail=$((fail + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        fail=$((fail + 1))
        echo "FAIL $name: script exited $rc"
    fi
    grep -E '^(PASS|FAIL) ' "$log" | sed -E "s#^(PASS|FAIL) #\1 $name/#"
    if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ]; then
        echo "---- $name log (tail) ----"
        tail -60 "$log" | sed 's/^/    /'
    fi
done
for s in "$SAN"/*; do
    [ -f "$s" ] || continue
    fail=$((fail + 1))
    echo "FAIL sanitizer report $(basename "$s"):"
    head -40 "$s" | sed 's/^/    /'
done
rm -rf "$WORK"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
