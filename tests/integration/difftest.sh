# Integration: differential test of portcullis's reading of images against
# containerd's own code (tests/difftest/README.md). Every hand-written case
# in tests/difftest/cases, each image read by the containerd oracle and by
# `portcullis inspect --no-cache` and compared; the gzip/tar polyglot
# (class 10: one blob declared tar+gzip by one manifest and tar by another)
# is also scanned one image after the other through a shared --cache-dir
# (`inspect` and `scan`): the second answer must be the uncached one or a
# refusal, never the first image's cached facts. Then a fixed-seed sample
# of 250 random images (the whole suite's budget is 15 minutes on two
# cores; PC_DIFFTEST_RANDOM / PC_DIFFTEST_SEED change it). A
# failing random image's spec is kept in $PC_WORK/difftest-failures; the
# seed rebuilds it: tests/difftest/gen.py random --seed N --out DIR.
set -u
out="$PC_WORK/difftest.out"
sh "$PC_ROOT/tests/difftest/run.sh" "$PC_BUILD" --random "${PC_DIFFTEST_RANDOM:-250}" \
    --seed "${PC_DIFFTEST_SEED:-1}" --jobs "${PC_DIFFTEST_JOBS:-$(nproc)}" --keep "$PC_WORK/difftest-failures" >"$out" 2>&1
rc=$?
# tests/run.sh puts this script's name in front; run.sh already says difftest/
sed -E 's#^(PASS|FAIL|SKIP) difftest/#\1 #' "$out"

# Every fixture image the other tests build (fixtures/specs: hostile ones
# included) goes through both readers too (the oracle only when portcullis
# reads the image: what it refuses cannot be allowed).
oracle="$PC_WORK/difftest-oracle"
fx="$PC_WORK/difftest-fixtures"
mkdir -p "$fx"
if sh "$PC_ROOT/tests/oracle/build.sh" "$oracle" >/dev/null 2>&1; then
    for spec in "$PC_ROOT"/fixtures/specs/*.json; do
        name=$(basename "$spec" .json)
        if ! "$PC_BUILD/fixture-builder" "$spec" "$fx/$name" >/dev/null 2>&1; then
            echo "FAIL fixture/$name: fixture-builder failed"
            rc=1
            continue
        fi
        "$PC_BUILD/portcullis" inspect --no-cache "oci:$fx/$name/oci:latest" \
            >"$fx/$name.pc.json" 2>/dev/null
        # a refusal is never an allow, whatever the runtime reads: the
        # oracle is not run then (it would unpack the bomb: most of a minute)
        if jq -e '.refused == true' "$fx/$name.pc.json" >/dev/null 2>&1; then
            echo "PASS fixture/$name (portcullis refused: $(jq -r '.error' "$fx/$name.pc.json" | cut -c1-100))"
            continue
        fi
        "$oracle/pcoracle" "$fx/$name/oci" >"$fx/$name.oracle.json" 2>/dev/null
        if res=$(python3 "$PC_ROOT/tests/oracle/compare.py" "$fx/$name.oracle.json" \
            "$fx/$name.pc.json" 2>&1); then
            note=$(echo "$res" | head -1 | cut -c1-120)
            echo "PASS fixture/$name (${note:-views agree})"
        else
            echo "FAIL fixture/$name"
            echo "$res" | head -20 | sed 's/^/    /'
            rc=1
        fi
    done
else
    echo "FAIL fixture/oracle: tests/oracle/build.sh failed"
    rc=1
fi
exit $rc
