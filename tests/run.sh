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
# them run, in PC_TEST_JOBS lanes at once (default: the cores, at most 4;
# PC_TEST_JOBS=1 runs them one after the other).
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

# The suites run in lanes (PC_TEST_JOBS, default the number of cores, at
# most 4): each lane takes the next suite nobody has claimed (a mkdir
# claim under $WORK/claim), so the long ones (the LONG list, first in the
# queue) start at once and the short ones fill in around them. Most
# suites wait on servers, sockets and child processes more than they
# compute, so one lane left a second core idle half the time. Suites are
# independent: each has its own temporary directory and free ports; what
# they share (.cache/debs, the rules seed) is taken under a lock
# (tests/harness/util.sh, tests/lib.sh), and each npm user has its own
# prefix (.cache/npm, .cache/npm-sarif). Results are reported here,
# in queue order, as each suite ends.
LONG="integration/yara integration/difftest integration/registry integration/sandbox
integration/redis_tls integration/webhook integration/redis integration/pinning integration/tes
integration/slowclient integration/privsep integration/conns"
QUEUE=$(
    for l in $LONG; do echo "$SUITES" | grep -qx "$l" && echo "$l"; done
    for s in $SUITES; do echo " $LONG " | tr '\n' ' ' | grep -q " $s " || echo "$s"; done
)
JOBS=${PC_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $JOBS in '' | *[!0-9]*) JOBS=1 ;; esac
[ "$JOBS" -lt 1 ] && JOBS=1
[ "$JOBS" -gt 4 ] && JOBS=4
RES="$WORK/res"
mkdir -p "$WORK/claim" "$RES"

key_of() { echo "$1" | tr / _; }

# run_suite SUITE: runs it; its output in $RES/KEY.out, its exit status in
# $RES/KEY.rc (written last: the reporter waits for it)
run_suite() {
    k=$(key_of "$1")
    t0=$(date +%s)
    case $1 in
    unit/*) t="$B/tests/${1#unit/}" ;;
    *) t="tests/integration/${1#integration/}.sh" ;;
    esac
    if [ ! -e "$t" ]; then
        echo missing >"$RES/$k.rc"
        return
    fi
    case $1 in
    unit/*) "$t" >"$RES/$k.out" 2>&1 </dev/null ;;
    *) sh "$t" >"$RES/$k.out" 2>&1 </dev/null ;;
    esac
    rc=$?
    echo "$(($(date +%s) - t0)) $1" >>"$TIMES"
    echo $rc >"$RES/$k.rc.tmp" && mv "$RES/$k.rc.tmp" "$RES/$k.rc"
}

lane() {
    for s in $QUEUE; do
        mkdir "$WORK/claim/$(key_of "$s")" 2>/dev/null || continue
        run_suite "$s"
    done
}

LANES=
i=0
while [ $i -lt "$JOBS" ]; do
    lane &
    LANES="$LANES $!"
    i=$((i + 1))
done

# wait_for KEY: until the suite's exit status is written; 1 when every
# lane is gone without writing it (it cannot come any more)
wait_for() {
    while [ ! -f "$RES/$1.rc" ]; do
        alive=0
        for p in $LANES; do kill -0 "$p" 2>/dev/null && alive=1; done
        if [ $alive = 0 ]; then
            [ -f "$RES/$1.rc" ] && return 0
            return 1
        fi
        sleep 1
    done
}

for s in $QUEUE; do
    k=$(key_of "$s")
    if ! wait_for "$k"; then
        fail=$((fail + 1))
        echo "FAIL $s: its lane ended without running it"
        continue
    fi
    rc=$(cat "$RES/$k.rc")
    case $s in
    unit/*)
        if [ "$rc" = missing ]; then
            fail=$((fail + 1))
            echo "FAIL $s: $B/tests/${s#unit/} not built"
            continue
        fi
        # the binary's own last line: "N passed, N failed" (testlib.h)
        n=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' "$RES/$k.out" | tail -1)
        got=$(echo "${n:-0 0}" | awk '{ print $1 + $2 }')
        if [ "$rc" = 0 ]; then
            ok=1
            pass=$((pass + 1))
            echo "PASS $s ($got checks)"
        else
            ok=0
            fail=$((fail + 1))
            echo "FAIL $s"
            tail -40 "$RES/$k.out" | sed 's/^/    /'
        fi
        judge "$s" "$got" $ok
        ;;
    integration/*)
        name=${s#integration/}
        if [ "$rc" = missing ]; then
            fail=$((fail + 1))
            echo "FAIL $s: tests/integration/$name.sh does not exist"
            continue
        fi
        mv "$RES/$k.out" "$WORK/$name.log"
        integration_result "$name" "$rc"
        ;;
    esac
done
wait

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
