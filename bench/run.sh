#!/bin/sh
# bench/run.sh — `make bench`: portcullis against the pipeline a user would
# script, on images built from real Debian packages (see bench/README.md).
#
#   1. bench/inputs.sh builds (or reuses) the images in .cache/bench/images;
#   2. bench/registry.sh starts a TLS registry on 127.0.0.1 and the images
#      are pushed to it (its storage is kept in .cache/bench/registry);
#   3. bench/measure.py runs every row, prints the table and the targets,
#      and writes BUILD/bench.json;
#   4. bench/webhook.sh: the webhook's cached verdicts against nginx.
#
# usage: sh bench/run.sh [BUILD]      (BUILD: build/, with release binaries)
# env:   BENCH_RUNS=N  runs per row (default 3, at least 3)
#        BENCH_KEEP=1  keep the temporary directory (caches, logs)
#        BENCH_PROFILE=1  also perf-record one cold scan (BUILD/bench-profile.txt)
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $B in /*) BUILD=$B ;; *) BUILD="$ROOT/$B" ;; esac
PC="$BUILD/portcullis"
[ -x "$PC" ] || { echo "bench: $PC missing (make all)" >&2; exit 2; }
# setuid bits and setcap in the inputs, umoci unpack in the pipeline
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (setcap, chown, umoci unpack)" >&2; exit 2; }
for tool in python3 skopeo umoci yara getcap setcap gzip sha256sum jq dpkg-deb tar; do
    command -v $tool >/dev/null 2>&1 || { echo "bench: $tool not installed (scripts/deps.sh)" >&2; exit 2; }
done
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='127.0.0.1,localhost' NO_PROXY='127.0.0.1,localhost'

LAYOUT=$(bash "$ROOT/bench/inputs.sh" | tail -1)
if [ -z "$LAYOUT" ] || [ ! -f "$LAYOUT/index.json" ]; then
    echo "bench: building the inputs failed" >&2
    exit 2
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-bench.XXXXXX")
. "$ROOT/bench/registry.sh"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    reg_stop
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Others rebuild build/ while the bench runs: every row uses this snapshot.
cp "$PC" "$W/portcullis" || exit 2
PC="$W/portcullis"

# The registry's storage follows the inputs: rebuilt inputs, fresh storage.
STORE="$ROOT/.cache/bench/registry"
if [ "$(cat "$STORE/.stamp" 2>/dev/null)" != "$(cat "$LAYOUT/.stamp")" ]; then
    rm -rf "$STORE"
    mkdir -p "$STORE"
fi
REG_ARGS=""
if ! command -v docker-registry >/dev/null 2>&1; then
    echo "bench: docker-registry not installed: docker:// rows are n/a, the pipeline reads oci:" >&2
elif reg_start "$W/reg" "$STORE"; then
    ok=1
    for tag in large second small; do
        reg_push "oci:$LAYOUT:$tag" "bench/$tag:v1" >"$W/push.log" 2>&1 ||
            { echo "bench: push $tag failed: $(head -c 400 "$W/push.log")" >&2; ok=0; break; }
    done
    if [ $ok = 1 ]; then
        cp "$LAYOUT/.stamp" "$STORE/.stamp"
        echo "bench: registry $REG_HOST has bench/large:v1, bench/second:v1, bench/small:v1" >&2
        REG_ARGS="--registry $REG_HOST --cert-dir $REG_CERTS --reg-log $REG_LOG --reg-store $STORE"
    fi
else
    echo "bench: the registry did not start: $(head -c 400 "$W/reg/registry.log")" >&2
fi

set -- --root "$ROOT" --pc "$PC" --layout "$LAYOUT" --rules "$ROOT/rules" --runs "${BENCH_RUNS:-3}" \
    --work "$W" --json "$BUILD/bench.json"
[ "${BENCH_KEEP:-0}" = 1 ] && set -- "$@" --keep-caches
[ "${BENCH_PROFILE:-0}" = 1 ] && set -- "$@" --profile "$BUILD/bench-profile.txt"
# shellcheck disable=SC2086
python3 "$ROOT/bench/measure.py" "$@" $REG_ARGS
rc=$?
# the webhook against nginx (issue 20): its own registry and fixture
echo
sh "$ROOT/bench/webhook.sh" "$BUILD" || { echo "bench: the webhook bench broke" >&2; [ $rc != 0 ] || rc=2; }
exit $rc
