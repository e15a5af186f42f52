#!/bin/bash
# bench/inputs.sh — builds the benchmark's images from real Debian packages
# into one OCI layout, .cache/bench/images, and reuses it while this file is
# unchanged (its sha256 is the stamp).
#
# Tags in the layout: large, second, small (oci:.cache/bench/images:large).
#
#   large      5 gzip layers, about 1.1 GB uncompressed:
#              base (libc, coreutils, perl, python3.11, icu, git, passwd, ...),
#              toolchain (gcc-12, g++-12, binutils, libllvm15),
#              runtime (golang-1.19-go), headers (libboost1.74-dev),
#              tools (netcat-openbsd, socat, nmap, tcpdump, sudo, ping with
#              cap_net_raw+ep, a whiteout of the base's setuid chfn, /etc/passwd)
#   second     the large image's first 3 layers + one small layer (an app
#              dir with a renamed socat and a setgid helper)
#   small      one layer of about 16 MB (libc, busybox, passwd, netcat)
#
# .deb files are fetched with `apt-get download` into .cache/debs (shared
# with the integration tests; existing ones are reused), extracted with
# dpkg-deb -x, packed with GNU tar (xattrs kept, so setcap survives) and
# added with `umoci raw add-layer`, which gzips them.
#
# usage: bench/inputs.sh            (prints the layout path on its last line)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEBS="$ROOT/.cache/debs"
OUT="$ROOT/.cache/bench"
LAYOUT="$OUT/images"
STAMP=$(sha256sum "$0" | cut -c1-64)

L1="libc6 libc-bin libgcc-s1 libstdc++6 zlib1g libzstd1 liblzma5 libbz2-1.0 libssl3 openssl
libcrypt1 libselinux1 libpcre2-8-0 libacl1 libattr1 libcap2 libcap2-bin coreutils bash dash sed
grep gawk mawk findutils diffutils tar gzip xz-utils bzip2 util-linux mount libmount1 libblkid1
libsmartcols1 libuuid1 libudev1 libsystemd0 passwd login libpam-modules libpam0g libpam-runtime
apt libapt-pkg6.0 dpkg perl-base perl-modules-5.36 libperl5.36 python3.11-minimal
libpython3.11-minimal libpython3.11-stdlib python3.11 libicu72 libxml2 git curl libcurl4
ca-certificates libexpat1 libffi8 libsqlite3-0 libreadline8 libncursesw6 libtinfo6 libgmp10
libgnutls30 libp11-kit0 libidn2-0 libunistring2 libnghttp2-14 libssh2-1 libkrb5-3 libgcrypt20
libdb5.3 openssh-client libedit2 less procps libproc2-0 ncurses-bin"
L2="gcc-12 cpp-12 g++-12 libgcc-12-dev libstdc++-12-dev libc6-dev linux-libc-dev binutils
binutils-x86-64-linux-gnu libbinutils libctf0 libctf-nobfd0 libgprofng0 libasan8 libtsan2
liblsan0 libubsan1 libisl23 libmpc3 libmpfr6 libllvm15 libz3-4 libitm1 libquadmath0 libgomp1
libatomic1 libcc1-0 libjansson4"
L3="golang-1.19-go"
L4="libboost1.74-dev"
L5="netcat-openbsd socat nmap nmap-common tcpdump libpcap0.8 sudo iputils-ping liblinear4
liblua5.3-0 libpcre3 libblas3"
SMALL="libc6 busybox passwd netcat-openbsd libbsd0 libmd0"

if [ -f "$LAYOUT/.stamp" ] && [ "$(cat "$LAYOUT/.stamp")" = "$STAMP" ]; then
    echo "inputs: reusing $LAYOUT" >&2
    echo "$LAYOUT"
    exit 0
fi
for tool in apt-get dpkg-deb umoci tar setcap jq; do
    command -v $tool >/dev/null 2>&1 || { echo "inputs: $tool not installed" >&2; exit 2; }
done

# fetch PKG...: download the packages not yet in .cache/debs, in one apt-get
# call; `apt-get update` once if that fails (stale package lists)
fetch() {
    missing=""
    for p in "$@"; do
        ls "$DEBS"/"$p"_*.deb >/dev/null 2>&1 || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "inputs: apt-get download$missing" >&2
    # shellcheck disable=SC2086 # a list of package names
    (cd "$DEBS" && apt-get download -q $missing >/dev/null 2>&1) && return 0
    apt-get update -q >/dev/null 2>&1 || true
    # shellcheck disable=SC2086
    (cd "$DEBS" && apt-get download -q $missing) >&2 ||
        { echo "inputs: apt-get download failed for:$missing" >&2; exit 2; }
}

# deb PKG: the cached .deb of PKG (the newest, if several versions are cached)
deb() {
    find "$DEBS" -maxdepth 1 -name "${1}_*.deb" | sort -V | tail -1
}

# extract DIR PKG...: unpack the packages' data into DIR
extract() {
    d=$1
    shift
    mkdir -p "$d"
    for p in "$@"; do dpkg-deb -x "$(deb "$p")" "$d"; done
}

# add_layer TAG DIR: DIR becomes the next layer of TAG (created if new)
add_layer() {
    tar --xattrs --xattrs-include=security.capability --numeric-owner --owner=0 --group=0 \
        --sort=name -C "$2" -cf "$W/layer.tar" .
    umoci raw add-layer --image "$NEW:$1" "$W/layer.tar"
    rm -f "$W/layer.tar"
}

mkdir -p "$DEBS" "$OUT"
# shellcheck disable=SC2086
fetch $L1 $L2 $L3 $L4 $L5 $SMALL

W=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$W"' EXIT
NEW="$W/images"
umoci init --layout "$NEW"
PASSWD='root:x:0:0:root:/root:/bin/bash
app:x:1001:1001:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
'
GROUP='root:x:0:
shadow:x:42:
app:x:1001:
nogroup:x:65534:
'

echo "inputs: large image, layer 1/5 (base)" >&2
umoci new --image "$NEW:wip-large"
# shellcheck disable=SC2086
extract "$W/l1" $L1
add_layer wip-large "$W/l1"
rm -rf "$W/l1"
echo "inputs: layer 2/5 (toolchain)" >&2
# shellcheck disable=SC2086
extract "$W/l2" $L2
add_layer wip-large "$W/l2"
rm -rf "$W/l2"
echo "inputs: layer 3/5 (go runtime)" >&2
extract "$W/l3" $L3
add_layer wip-large "$W/l3"
rm -rf "$W/l3"
# the second image forks here: it shares layers 1-3
umoci tag --image "$NEW:wip-large" wip-base3
echo "inputs: layer 4/5 (headers)" >&2
extract "$W/l4" $L4
add_layer wip-large "$W/l4"
rm -rf "$W/l4"
echo "inputs: layer 5/5 (tools, setuid, capability, whiteout)" >&2
# shellcheck disable=SC2086
extract "$W/l5" $L5
ping=$(find "$W/l5" -name ping -type f | head -1)
[ -n "$ping" ] || { echo "inputs: iputils-ping has no ping binary" >&2; exit 2; }
setcap cap_net_raw+ep "$ping"
mkdir -p "$W/l5/etc" "$W/l5/usr/bin" "$W/l5/home/app"
printf '%s' "$PASSWD" >"$W/l5/etc/passwd"
printf '%s' "$GROUP" >"$W/l5/etc/group"
chown 1001:1001 "$W/l5/home/app"
: >"$W/l5/usr/bin/.wh.chfn" # deletes the base layer's setuid chfn
add_layer wip-large "$W/l5"
rm -rf "$W/l5"
umoci config --image "$NEW:wip-large" --tag large --config.user=app --config.workingdir=/home/app \
    --config.env=PATH=/usr/local/bin:/usr/bin:/bin --config.entrypoint=/usr/bin/python3.11
umoci rm --image "$NEW:wip-large"

echo "inputs: second image (large's layers 1-3 + one small layer)" >&2
mkdir -p "$W/s/opt/app" "$W/s/etc"
printf '#!/usr/bin/python3.11\nimport sys\nprint("hello from the app", sys.argv[1:])\n' >"$W/s/opt/app/app.py"
chmod 0755 "$W/s/opt/app/app.py"
extract "$W/x" socat coreutils
cp "$W/x/usr/bin/socat" "$W/s/opt/app/relay" # a renamed tool: only its content tells
cp "$W/x/bin/true" "$W/s/opt/app/report" 2>/dev/null || cp "$W/x/usr/bin/true" "$W/s/opt/app/report"
chmod 2755 "$W/s/opt/app/report"
rm -rf "$W/x"
printf '%s' "$PASSWD" >"$W/s/etc/passwd"
printf '%s' "$GROUP" >"$W/s/etc/group"
umoci tag --image "$NEW:wip-base3" wip-second
add_layer wip-second "$W/s"
rm -rf "$W/s"
umoci config --image "$NEW:wip-second" --tag second --config.user=app --config.workingdir=/opt/app \
    --config.env=PATH=/usr/local/bin:/usr/bin:/bin --config.entrypoint=/opt/app/app.py
umoci rm --image "$NEW:wip-second"
umoci rm --image "$NEW:wip-base3"

echo "inputs: small image" >&2
umoci new --image "$NEW:wip-small"
# shellcheck disable=SC2086
extract "$W/sm" $SMALL
mkdir -p "$W/sm/etc"
printf '%s' "$PASSWD" >"$W/sm/etc/passwd"
printf '%s' "$GROUP" >"$W/sm/etc/group"
add_layer wip-small "$W/sm"
rm -rf "$W/sm"
umoci config --image "$NEW:wip-small" --tag small --config.user=app --config.entrypoint=/bin/busybox \
    --config.cmd=sh
umoci rm --image "$NEW:wip-small"
umoci gc --layout "$NEW"

n=$(jq '[.manifests[].annotations."org.opencontainers.image.ref.name"] | sort | join(" ")' "$NEW/index.json")
[ "$n" = '"large second small"' ] || { echo "inputs: unexpected tags $n" >&2; exit 2; }
echo "$STAMP" >"$NEW/.stamp"
rm -rf "$LAYOUT"
mv "$NEW" "$LAYOUT"
echo "inputs: built $LAYOUT ($(du -sh "$LAYOUT" | cut -f1))" >&2
echo "$LAYOUT"
