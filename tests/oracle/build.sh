#!/bin/sh
# Build the test-only containerd oracle into OUTDIR/pcoracle, offline,
# against Debian's packaged Go sources (GOPATH mode, no module download).
# Skips the build when OUTDIR/pcoracle is newer than every source file here.
#
#   tests/oracle/build.sh OUTDIR
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
outdir=$1
here=$(cd "$(dirname "$0")" && pwd)
gopath=${PCORACLE_GOPATH:-/usr/share/gocode}
out="$outdir/pcoracle"

if ! command -v go >/dev/null 2>&1; then
    echo "pcoracle build: the Go toolchain is missing (apt-get install golang-go)" >&2
    exit 1
fi
for pkg in github.com/containerd/containerd/archive \
           github.com/opencontainers/image-spec/specs-go/v1 \
           github.com/opencontainers/runc/libcontainer/user; do
    if [ ! -d "$gopath/src/$pkg" ]; then
        echo "pcoracle build: Go sources for $pkg not found under $gopath/src" >&2
        echo "  (apt-get install golang-github-containerd-containerd-dev" \
             "golang-github-opencontainers-image-spec-dev golang-github-opencontainers-runc-dev)" >&2
        exit 1
    fi
done

mkdir -p "$outdir"
if [ -x "$out" ]; then
    stale=$(find "$here" -maxdepth 1 \( -name '*.go' -o -name build.sh \) -newer "$out" | head -n 1)
    if [ -z "$stale" ]; then
        exit 0
    fi
fi

# The build cache must be writable even when HOME is unset or read-only.
if [ -z "${GOCACHE:-}" ]; then
    if [ -n "${HOME:-}" ] && mkdir -p "$HOME/.cache/go-build" 2>/dev/null; then
        GOCACHE=$HOME/.cache/go-build
    else
        GOCACHE=$(cd "$outdir" && pwd)/.pcoracle-gocache
    fi
fi
export GOCACHE

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT INT TERM
(
    cd "$here"
    GO111MODULE=off GOPATH="$gopath" GOFLAGS= GOPROXY=off CGO_ENABLED=0 \
        go build -o "$tmp" .
) || { echo "pcoracle build: go build failed" >&2; exit 1; }
mv -f "$tmp" "$out"
trap - EXIT INT TERM
echo "built $out" >&2
