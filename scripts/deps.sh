#!/bin/sh
# Install the Debian packages the build and the tests need, only when missing.
# `sh scripts/deps.sh bench` adds what only the benches use (nginx and wrk,
# bench/webhook.sh).
set -eu
pkgs="gcc make pkg-config libarchive-dev libjansson-dev zlib1g-dev libzstd-dev liblzma-dev libbz2-dev liblz4-dev libssl-dev nettle-dev
libcurl4-openssl-dev libyara-dev libvectorscan-dev libyaml-dev libmicrohttpd-dev libgnutls28-dev libhiredis-dev redis-server libisal-dev yara skopeo umoci docker-registry
openssl curl gzip zstd lz4 squashfs-tools genisoimage gcab lzop arj lrzip rzip zpaq age shc libarchive-tools python3 python3-yaml python3-jsonpatch python3-jsonschema jq time libcap2-bin apache2-utils binutils
golang-go golang-k8s-sigs-yaml-dev golang-gopkg-yaml.v2-dev golang-github-containerd-containerd-dev golang-github-opencontainers-image-spec-dev golang-github-opencontainers-runc-dev runc makeself sharutils strace gdb"
[ "${1:-}" = bench ] && pkgs="$pkgs nginx-light wrk"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || true
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
