#!/bin/sh
# rootfs.sh BUILD_DIR OUT_DIR: the webhook image's whole filesystem, and
# nothing else: portcullis-webhook and portcullis, the shared libraries
# they load (as the dynamic loader resolves them here), the loader,
# install(1) for the Deployment's init container, the
# rules and policies, the CA bundle, and /etc/passwd and /etc/group naming
# the unprivileged user 65532 the image runs as. No shell, no package
# manager, no setuid file: the image passes its own `restricted` policy
# (tests/integration/ownimage.sh builds it with umoci and scans it). The
# Dockerfile runs this script in its build stage and copies OUT_DIR into
# an empty image, so both ways give the same files.
set -eu
B=$1
OUT=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$B/portcullis-webhook" ] && [ -x "$B/portcullis" ] || {
    echo "rootfs.sh: no $B/portcullis-webhook or $B/portcullis (build first)" >&2
    exit 2
}
rm -rf "$OUT"
mkdir -p "$OUT/usr/local/bin" "$OUT/usr/local/share/portcullis" "$OUT/etc/ssl/certs" "$OUT/var/cache/portcullis"
cp "$B/portcullis-webhook" "$B/portcullis" "$OUT/usr/local/bin/"
# install(1): the Deployment's init container copies the signing key with
# it (mode 0400, a file the webhook accepts); no shell comes with it
mkdir -p "$OUT/usr/bin"
cp -L /usr/bin/install "$OUT/usr/bin/install"
# every library the binaries load, and the loader, at the paths ldd names
for bin in "$B/portcullis-webhook" "$B/portcullis" /usr/bin/install; do
    ldd "$bin" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}'
done | sort -u | while read -r lib; do
    mkdir -p "$OUT$(dirname "$lib")"
    cp -L "$lib" "$OUT$lib"
    chmod 0644 "$OUT$lib"
done
# the loader must stay executable (the kernel maps it as the interpreter)
for l in "$OUT"/lib64/ld-linux-*.so.* "$OUT"/lib/ld-linux*.so.* "$OUT"/lib/*/ld-linux*.so.*; do
    [ -f "$l" ] && chmod 0755 "$l"
done
# /lib64 is a symlink on merged-/usr Debian; keep the loader path the binaries name
cp -r "$ROOT/rules" "$OUT/usr/local/share/portcullis/rules"
# rules/README.md documents the rules by quoting their strings and is not
# read at run time; every regular file is matched against the rules (the
# .yar files themselves are recognised as the scanner's own), so it stays out
rm -f "$OUT/usr/local/share/portcullis/rules/README.md"
find "$OUT/usr/local/share/portcullis" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
cp -L /etc/ssl/certs/ca-certificates.crt "$OUT/etc/ssl/certs/ca-certificates.crt"
chmod 0644 "$OUT/etc/ssl/certs/ca-certificates.crt"
printf 'nonroot:x:65532:65532:portcullis:/var/cache/portcullis:/nonexistent\n' >"$OUT/etc/passwd"
printf 'nonroot:x:65532:\n' >"$OUT/etc/group"
chmod 0644 "$OUT/etc/passwd" "$OUT/etc/group"
chmod 0755 "$OUT/usr/local/bin/portcullis-webhook" "$OUT/usr/local/bin/portcullis" "$OUT/usr/bin/install"
chmod 0700 "$OUT/var/cache/portcullis"
chown 65532:65532 "$OUT/var/cache/portcullis" # its home and cache, writable by it alone
find "$OUT" -type d ! -path "$OUT/var/cache/portcullis" -exec chmod 0755 {} +
