#!/bin/sh
# `make demo`: build two fixture images and scan them — a clean one
# (allowed, exit 0) and a bad one (denied, exit 1) — showing both reports.
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
D="$ROOT/$B/demo"
rm -rf "$D"
mkdir -p "$D"
for s in clean bad; do
    "$ROOT/$B/fixture-builder" "$ROOT/fixtures/specs/$s.json" "$D/$s" || exit 1
done
export PORTCULLIS_DATADIR="$ROOT"
echo "== portcullis scan oci:$B/demo/clean/oci:latest"
"$ROOT/$B/portcullis" scan "oci:$D/clean/oci:latest"
c=$?
echo "   exit code $c (0: allowed)"
echo
echo "== portcullis scan oci-archive:$B/demo/bad/image.oci.tar:latest"
"$ROOT/$B/portcullis" scan "oci-archive:$D/bad/image.oci.tar:latest"
b=$?
echo "   exit code $b (1: denied)"
echo
echo "== the same, as JSON (first report's findings)"
"$ROOT/$B/portcullis" scan --format json "docker-archive:$D/bad/image.docker.tar" | head -40
[ "$c" -eq 0 ] && [ "$b" -eq 1 ]
