#!/bin/sh
# Run libFuzzer targets one after another (never two at once), each for
# SECONDS on its corpus B/corpus/TARGET, and print a table of executions,
# seconds, rate and crashes. A crash, leak, timeout (30 s for one input)
# or out-of-memory (2 GiB) keeps the input under B/crashes/TARGET/ and
# fails the run; the log is B/logs/TARGET.log. The table is also written
# to B/fuzz-stats.md.
# usage: run.sh B SECONDS TARGET...
set -u
B=$1
SECS=$2
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$B/logs"
stats="$B/fuzz-stats.md"
printf '| target | executions | seconds | exec/s | crashes |\n| --- | ---: | ---: | ---: | ---: |\n' >"$stats"
failed=0
for t in "$@"; do
    bin="$B/$t"
    if [ ! -x "$bin" ]; then
        echo "fuzz: $bin missing" >&2
        failed=1
        continue
    fi
    mkdir -p "$B/corpus/$t" "$B/crashes/$t"
    case $t in
    fuzz_layer | fuzz_tar) opts="-max_len=262144 -dict=$HERE/tar.dict" ;;
    fuzz_layergen) opts="-max_len=4096" ;;
    fuzz_elfhead | fuzz_caps | fuzz_imageref) opts="-max_len=4096" ;;
    fuzz_upx) opts="-max_len=16384" ;;
    fuzz_regauth) opts="-max_len=8192" ;;
    fuzz_fetchwire) opts="-max_len=16500" ;;
    fuzz_passwd | fuzz_pkgdb) opts="-max_len=65536" ;;
    fuzz_cache) opts="-max_len=65536" ;;
    fuzz_yaml) opts="-max_len=65536 -dict=$HERE/yaml.dict" ;;
    *) opts="-max_len=65536 -dict=$HERE/json.dict" ;;
    esac
    echo "== $t (${SECS}s)"
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$SECS" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$B/crashes/$t/" $opts "$B/corpus/$t" >"$B/logs/$t.log" 2>&1
    rc=$?
    end=$(date +%s)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/logs/$t.log" | tail -n 1)
    crashes=$(ls "$B/crashes/$t" 2>/dev/null | wc -l)
    if [ "$rc" -ne 0 ]; then
        failed=1
        tail -n 40 "$B/logs/$t.log" >&2
        [ "$crashes" -gt 0 ] || crashes=1
    fi
    secs=$((end - start))
    rate=$(( ${execs:-0} / (secs > 0 ? secs : 1) ))
    printf '| %s | %s | %s | %s | %s |\n' "$t" "${execs:-?}" "$secs" "$rate" "$crashes" | tee -a "$stats"
done
echo
cat "$stats"
[ "$failed" -eq 0 ] || { echo "fuzz: FAILED (inputs under $B/crashes/)" >&2; exit 1; }
