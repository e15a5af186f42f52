# Integration: the layout of docs/architecture.md holds (scripts/check-layout.sh
# over this tree and the objects of $PC_BUILD: one PASS/FAIL line per rule),
# and each rule fails on a scratch tree that breaks it.
. "$PC_ROOT/tests/lib.sh"

sh "$PC_ROOT/scripts/check-layout.sh" "$PC_BUILD" >"$T/layout.out" 2>&1
rc=$?
cat "$T/layout.out"
if [ "$rc" = 0 ]; then pass "check-layout exits 0"; else fail "check-layout exits 0" "exit $rc"; fi

# A scratch tree breaking each rule once.
S="$T/bad"
mkdir -p "$S/include" "$S/lib/pcx" "$S/lib/image" "$S/lib/layer" "$S/src"
printf '#include "layer/layer.h"\n' >"$S/lib/image/image.h"
printf '#include "image/image.h"\n' >"$S/lib/layer/layer.h"
printf '#include "../lib/pcx/util.h"\n' >"$S/src/main.c"
: >"$S/lib/pcx/util.h"
PC_LAYOUT_ROOT="$S" sh "$PC_ROOT/scripts/check-layout.sh" >"$T/bad.out" 2>&1
bad_rc=$?
[ "$bad_rc" = 1 ] && pass "a broken tree exits 1" || fail "a broken tree exits 1" "exit $bad_rc: $(cat "$T/bad.out")"
grep_in "boundary: src/ including a lib/ header" '^    src/main.c:1: .* is lib/pcx/util.h' "$T/bad.out"
grep_in "cycles: two headers including each other" '^    lib/(image/image|layer/layer).h -> .* -> lib/(image/image|layer/layer).h$' "$T/bad.out"
grep_in "stages: image including the later stage layer" 'lib/image/image.h:1: stage image includes lib/layer/layer.h of the later stage layer' "$T/bad.out"
grep_in "stages: layer may include image" '^FAIL stages: .*\(1\)$' "$T/bad.out"

# Two objects that call each other: a circle of calls.
O="$T/objs/obj/lib/x"
mkdir -p "$O"
mkdir -p "$S/lib/x"
printf 'int pc_b(void);\nint pc_a(void) { return pc_b(); }\n' >"$S/lib/x/a.c"
printf 'int pc_a(void);\nint pc_b(void) { return pc_a(); }\n' >"$S/lib/x/b.c"
if cc -c "$S/lib/x/a.c" -o "$O/a.o" && cc -c "$S/lib/x/b.c" -o "$O/b.o"; then
    PC_LAYOUT_ROOT="$S" sh "$PC_ROOT/scripts/check-layout.sh" "$T/objs" >"$T/calls.out" 2>&1
    grep_in "calls: two objects calling each other" '^    lib/x/(a|b).c -> lib/x/(a|b).c -> lib/x/(a|b).c$' "$T/calls.out"
else
    fail "calls: two objects calling each other" "cc failed"
fi
