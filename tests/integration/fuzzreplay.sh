# Integration: every fuzz target (tests/fuzz/fuzz_*.c), built without
# libFuzzer by `make test` (tests/fuzz/replay.c, the test build's
# sanitizers), runs over its seeds (scripts/fuzz-seeds.sh, made here with
# the test build), the inputs kept in tests/fuzz/regress/, and fixed
# deterministic mutants of them. A target's own checks (FZ_CHECK) or a
# sanitizer report fail the suite: a target whose expectations went stale,
# or a parser that fails an input that once broke it, is seen by
# `make test`, not only by the next `make fuzz`. One PASS/FAIL line per
# target, plus the checks that every target was built and ran its kept
# inputs.
#   PC_FUZZ_MUTANTS  mutants of each input (default 200)
#   PC_FUZZ_SECONDS  bound on each target's mutant phase (default 6)
. "$PC_ROOT/tests/lib.sh"

R="$PC_BUILD/replay"
M=${PC_FUZZ_MUTANTS:-200}
S=${PC_FUZZ_SECONDS:-6}

# the seeds: fixtures, difftest's cases and 3 random images, requests, ...
if PC_SEEDS_BUILD="$PC_BUILD" sh "$PC_ROOT/scripts/fuzz-seeds.sh" "$T/fz" 3 >"$T/seeds.log" 2>&1; then
    pass "seeds made"
else
    fail "seeds made" "$(tail -c 800 "$T/seeds.log")"
fi

built=0 missing=""
for src in "$PC_ROOT"/tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    if [ -x "$R/$t" ]; then built=$((built + 1)); else missing="$missing $t"; fi
done
[ -z "$missing" ] && pass "every target built for replay ($built)" ||
    fail "every target built for replay" "missing in $R:$missing (make test builds them: make B=... replay)"

for src in "$PC_ROOT"/tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    [ -x "$R/$t" ] || continue
    # the length bounds of tests/fuzz/run.sh
    case $t in
    fuzz_layergen | fuzz_elfhead | fuzz_caps | fuzz_imageref) len=4096 ;;
    fuzz_upx) len=16384 ;;
    fuzz_regauth) len=8192 ;;
    fuzz_fetchwire) len=16500 ;;
    fuzz_layer | fuzz_tar) len=262144 ;;
    *) len=65536 ;;
    esac
    dirs="$T/fz/corpus/$t"
    kept=0
    if [ -d "$PC_ROOT/tests/fuzz/regress/$t" ]; then
        dirs="$dirs $PC_ROOT/tests/fuzz/regress/$t"
        kept=$(find "$PC_ROOT/tests/fuzz/regress/$t" -type f | wc -l)
    fi
    mkdir -p "$T/fz/corpus/$t"
    # shellcheck disable=SC2086
    "$R/$t" -m "$M" -t "$S" -l "$len" $dirs >"$T/$t.out" 2>"$T/$t.err"
    rc=$?
    line=$(tail -n 1 "$T/$t.out")
    n=$(echo "$line" | sed -n 's/^replay: \([0-9]*\) inputs, \([0-9]*\) mutants$/\1/p')
    if [ "$rc" = 0 ] && [ -n "$n" ] && [ "$n" -ge $((kept + 2)) ]; then
        pass "$t: ${line#replay: } (of them $kept kept in tests/fuzz/regress)"
    else
        fail "$t" "exit $rc, \"$line\" (want at least $((kept + 2)) inputs); $(tail -c 1500 "$T/$t.err")"
    fi
done

# The driver itself: a target's failed check fails the run, and a mutant
# is made and run. A scratch target whose check refuses inputs starting
# "BAD": the input "BAD" aborts as it is; from "BAE" alone, the mutants
# reach it (one bit away), the same mutant on every run.
cat >"$T/t.c" <<'XEOF'
#include "fuzz.h"
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FZ_CHECK(!(size >= 3 && memcmp(data, "BAD", 3) == 0), "input starts BAD");
    return 0;
}
XEOF
if cc -I"$PC_ROOT/tests/fuzz" -o "$T/t" "$T/t.c" "$PC_ROOT/tests/fuzz/replay.c" 2>"$T/cc.err"; then
    mkdir -p "$T/in1" "$T/in2"
    printf BAD >"$T/in1/x"
    printf BAE >"$T/in2/x"
    "$T/t" "$T/in1" >/dev/null 2>"$T/t1.err"
    rc=$?
    [ "$rc" -ne 0 ] && grep -q "fuzz check failed: .*input starts BAD" "$T/t1.err" &&
        pass "a failed check in a seed fails the replay (exit $rc)" ||
        fail "a failed check in a seed fails the replay" "exit $rc: $(head -c 400 "$T/t1.err")"
    "$T/t" -m 0 "$T/in2" >"$T/t2.out" 2>&1 && grep -q "^replay: 3 inputs, 0 mutants$" "$T/t2.out" &&
        pass "the seed alone passes (3 inputs: it, the empty and the random one)" ||
        fail "the seed alone passes" "$(head -c 400 "$T/t2.out")"
    "$T/t" -m 5000 "$T/in2" >/dev/null 2>"$T/t3.err"
    rc=$?
    "$T/t" -m 5000 "$T/in2" >/dev/null 2>"$T/t4.err"
    [ "$rc" -ne 0 ] && grep -q "input starts BAD" "$T/t3.err" && cmp -s "$T/t3.err" "$T/t4.err" &&
        pass "a mutant one bit away is found, the same way twice (exit $rc)" ||
        fail "a mutant one bit away is found" "exit $rc: $(head -c 400 "$T/t3.err")"
else
    fail "the scratch target builds" "$(head -c 600 "$T/cc.err")"
fi
out=$("$T/t" -m 0 /nonexistent 2>&1)
rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "cannot stat: /nonexistent" &&
    pass "a missing input is an error, named (exit 2)" ||
    fail "a missing input is an error" "exit $rc: $out"
