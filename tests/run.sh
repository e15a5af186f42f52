#!/bin/sh
# The one test runner: every unit binary, then every integration script,
# against the sanitized build in $1 (default build/asan). Sanitizer
# reports are written to files; any such file fails the run. Ends with
# "N passed, N failed".
#
#   sh tests/run.sh [BUILD [SUITE...]]
#
# SUITE names one unit binary or integration script (unit/test_cache,
# test_cache, integration/registry, registry.sh, ...); without any, all of
# them run. With PC_TEST_LANES=1, integration/difftest runs in a lane of
# its own beside the others (one core) and is reported at the end.
#
# Every suite must run at least the number of checks tests/expected-counts
# gives it (CHECKs of a unit binary, PASS/FAIL lines of a script): a suite
# that ran fewer, that is missing, or that has no line there fails, so a
# test that silently stops early, a loop that runs zero times or a deleted
# suite cannot pass as "0 failed". After adding or removing checks, run
#   PC_UPDATE_COUNTS=1 make test     (or: PC_UPDATE_COUNTS=1 sh tests/run.sh B SUITE...)
# which rewrites the lines of the suites that ran and passed with the
# counts they ran, and review the diff of tests/expected-counts.
set -u
B=${1:-build/asan}
[ $# -gt 0 ] && shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -d "$B" ] || { echo "tests/run.sh: build directory $B does not exist (make test builds it)" >&2; exit 2; }
B=$(cd "$B" && pwd)
COUNTS="$ROOT/tests/expected-counts"
WORK=$(mktemp -d /tmp/portcullis-test.XXXXXX)
SAN="$WORK/sanitizer"
mkdir -p "$SAN"
# (a 32 MiB quarantine of freed memory instead of 256: still catches a use
# after free in everything a test does, without the page faults that made
# compiling the rules and the prefilter take seconds in every process)
export ASAN_OPTIONS="log_path=$SAN/asan:detect_leaks=1:abort_on_error=0:exitcode=86:quarantine_size_mb=32"
export UBSAN_OPTIONS="log_path=$SAN/ubsan:print_stacktrace=1:halt_on_error=1:exitcode=86"
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp"
# Debian's python3, whose modules scripts/deps.sh installs, even when
# another python3 comes first in PATH (a pyenv shim costs about a second
# a start, and the suites start python3 hundreds of times)
if [ -x /usr/bin/python3 ]; then
    mkdir -p "$WORK/bin" && ln -s /usr/bin/python3 "$WORK/bin/python3" && PATH="$WORK/bin:$PATH"
    export PATH
fi
export PC_BUILD="$B" PC_ROOT="$ROOT" PC_WORK="$WORK"
export PORTCULLIS_DATADIR="$ROOT"
export XDG_CACHE_HOME="$WORK/xdg-cache" # tests never share a cache with the user
pass=0
fail=0
RAN="$WORK/ran-counts" # "SUITE COUNT OK" per suite run
: >"$RAN"
TIMES="$WORK/times" # "SECONDS SUITE" per suite run, for the summary
: >"$TIMES"
T0=$(date +%s)

# The suites to run: "unit/test_x" and "integration/x", in run order.
if [ $# -eq 0 ]; then
    SUITES=$(
        for t in "$B"/tests/test_*; do [ -x "$t" ] && echo "unit/$(basename "$t")"; done
        for t in tests/integration/*.sh; do [ -f "$t" ] && echo "integration/$(basename "$t" .sh)"; done
    )
    ALL=1
else
    SUITES=$(for s in "$@"; do
        s=${s#tests/}
        s=${s%.sh}
        case $s in
        unit/* | integration/*) echo "$s" ;;
        test_*) echo "unit/$s" ;;
        *) echo "integration/$s" ;;
        esac
    done)
    ALL=0
fi

expected() { # SUITE: its minimum count, or nothing
    [ -f "$COUNTS" ] && awk -v s="$1" '$1 == s { print $2; exit }' "$COUNTS"
}

# judge SUITE COUNT SUITE-OK: the count against tests/expected-counts
judge() {
    echo "$1 $2 $3" >>"$RAN"
    want=$(expected "$1")
    if [ -z "$want" ]; then
        if [ "${PC_UPDATE_COUNTS:-}" != 1 ]; then
            fail=$((fail + 1))
            echo "FAIL $1: no expected count in tests/expected-counts (ran $2 checks; PC_UPDATE_COUNTS=1 adds it)"
        fi
    elif [ "$2" -lt "$want" ]; then
        fail=$((fail + 1))
        echo "FAIL $1: ran $2 checks, expected at least $want (tests/expected-counts)"
    fi
}

# integration_result NAME RC: count and print what the script's log says
integration_result() {
    log="$WORK/$1.log"
    p=$(grep -c '^PASS ' "$log")
    f=$(grep -c '^FAIL ' "$log")
    pass=$((pass + p))
    fail=$((fail + f))
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
        fail=$((fail + 1))
        echo "FAIL $1: script exited $2"
    fi
    grep -E '^(PASS|FAIL) ' "$log" | sed -E "s#^(PASS|FAIL) #\1 $1/#"
    if [ "$f" -gt 0 ] || [ "$2" -ne 0 ]; then
        echo "---- $1 log (tail) ----"
        tail -60 "$log" | sed 's/^/    /'
    fi
    ok=0
    [ "$f" -eq 0 ] && [ "$2" -eq 0 ] && ok=1
    judge "integration/$1" $((p + f)) $ok
}

# PC_TEST_LANES=1: the differential test (long and CPU-bound: images
# built and read by two readers) runs in a lane of its own beside the
# other suites, on one core (PC_DIFFTEST_JOBS=1), and is reported at the
# end. Off by default: on two cores the lane and the others slow each
# other down more than they overlap.
LANE=
if [ "${PC_TEST_LANES:-0}" = 1 ] && echo "$SUITES" | grep -qx integration/difftest && [ "$(echo "$SUITES" | wc -l)" -gt 1 ] &&
    [ -f tests/integration/difftest.sh ]; then
    LANE=integration/difftest
    (
        l0=$(date +%s)
        PC_DIFFTEST_JOBS=1 sh tests/integration/difftest.sh >"$WORK/difftest.log" 2>&1
        echo $? >"$WORK/difftest.rc"
        echo "$(($(date +%s) - l0)) integration/difftest (own lane)" >>"$TIMES"
    ) &
    LANE_PID=$!
fi

for s in $SUITES; do
    t_start=$(date +%s)
    case $s in
    unit/*)
        name=${s#unit/}
        t="$B/tests/$name"
        if [ ! -x "$t" ]; then
            fail=$((fail + 1))
            echo "FAIL $s: $t not built"
            continue
        fi
        if out=$("$t" 2>&1); then
            ok=1
        else
            ok=0
        fi
        # the binary's own last line: "N passed, N failed" (testlib.h)
        n=$(echo "$out" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' | tail -1)
        got=$(echo "${n:-0 0}" | awk '{ print $1 + $2 }')
        if [ $ok = 1 ]; then
            pass=$((pass + 1))
            echo "PASS $s ($got checks)"
        else
            fail=$((fail + 1))
            echo "FAIL $s"
            echo "$out" | tail -40 | sed 's/^/    /'
        fi
        judge "$s" "$got" $ok
        ;;
    integration/*)
        name=${s#integration/}
        t="tests/integration/$name.sh"
        if [ ! -f "$t" ]; then
            fail=$((fail + 1))
            echo "FAIL $s: $t does not exist"
            continue
        fi
        if [ "$s" = "$LANE" ]; then
            continue # already running beside the others
        fi
        sh "$t" >"$WORK/$name.log" 2>&1
        integration_result "$name" $?
        ;;
    esac
    [ "$s" = "$LANE" ] || echo "$(($(date +%s) - t_start)) $s" >>"$TIMES"
done
if [ -n "$LANE" ]; then
    wait "$LANE_PID"
    integration_result difftest "$(cat "$WORK/difftest.rc" 2>/dev/null || echo 1)"
fi

# every suite the counts file lists must exist (a full run only)
if [ $ALL = 1 ] && [ -f "$COUNTS" ]; then
    for s in $(awk '!/^#/ && NF == 2 { print $1 }' "$COUNTS"); do
        if ! grep -q "^$s " "$RAN"; then
            fail=$((fail + 1))
            echo "FAIL $s: listed in tests/expected-counts but not found (not built, or deleted)"
        fi
    done
fi

if [ "${PC_UPDATE_COUNTS:-}" = 1 ]; then
    # header comments kept; one "SUITE COUNT" line per suite, sorted; a
    # suite that failed keeps its old count; on a full run, suites that
    # no longer exist are dropped
    {
        [ -f "$COUNTS" ] && sed -n '/^#/!q; p' "$COUNTS"
        {
            [ -f "$COUNTS" ] && awk '!/^#/ && NF == 2' "$COUNTS" | while read -r s c; do
                if line=$(grep "^$s " "$RAN"); then
                    set -- $line
                    [ "$3" = 1 ] && echo "$s $2" || echo "$s $c"
                elif [ $ALL = 0 ]; then
                    echo "$s $c"
                fi
            done
            while read -r s c ok; do
                [ "$ok" = 1 ] && ! awk -v s="$s" '$1 == s { f = 1 } END { exit !f }' "$COUNTS" 2>/dev/null &&
                    echo "$s $c"
            done <"$RAN"
        } | LC_ALL=C sort -u -k1,1
    } >"$WORK/counts.new"
    mv "$WORK/counts.new" "$COUNTS"
    echo "tests/expected-counts updated: review it with git diff"
fi

for s in "$SAN"/*; do
    [ -f "$s" ] || continue
    fail=$((fail + 1))
    echo "FAIL sanitizer report $(basename "$s"):"
    head -40 "$s" | sed 's/^/    /'
done
# where the time went (the suite's budget is 15 minutes on 2 cores)
echo "slowest suites (of $(($(date +%s) - T0))s in all):"
sort -rn "$TIMES" | head -12 | awk '{ printf "    %4ds %s\n", $1, $2 }'
rm -rf "$WORK"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
