# Integration: sandbox readiness (entrypoint-unrunnable, workdir-inaccessible,
# the report's sandbox object) on images built from real Debian packages
# (libc6, python3, bash, coreutils, iputils-ping and the libraries they
# link against; fetched into .cache/debs,
# extracted with dpkg-deb, layered with umoci) and on fixture-builder images
# for the foreign-architecture case. Every rule has a positive and a
# negative case; a well-built image has no finding at all.
#
# This script builds the images (one umoci layout, config variants as
# tags); what is expected of each scan is in tests/cases/sandbox/*.case,
# run at the end by tests/cases/run.sh with @LAYOUT@ (the layout) and
# @SBFIX@ (the fixture-builder images) defined.
. "$PC_ROOT/tests/lib.sh"

# fetch (tests/harness/util.sh): each package into $DEBS, .cache/debs
fetch_all libc6 python3.11-minimal python3-minimal bash coreutils iputils-ping dash \
    libtinfo6 zlib1g libexpat1 libcap2 libidn2-0 libunistring2 libselinux1 libpcre2-8-0 # one apt-get for all (each fetch below then finds its .deb)
for p in libc6 python3.11-minimal python3-minimal bash coreutils iputils-ping dash \
    libtinfo6 zlib1g libexpat1 libcap2 libidn2-0 libunistring2 libselinux1 libpcre2-8-0; do
    fetch "$p" || { fail "apt-get download $p" "no package"; exit 1; }
done
pass "apt-get download"
deb() { for p in "$@"; do dpkg-deb -x "$DEBS"/"$p"_*.deb "$R" || return 1; done; }
accounts() {
    mkdir -p "$R/etc"
    printf 'root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/app:/bin/bash\nother:x:1002:1002::/:/bin/bash\n' >"$R/etc/passwd"
    printf 'root:x:0:\napp:x:1000:\nother:x:1002:\ntools:x:2000:nobody,app\n' >"$R/etc/group"
}

L="$T/sb"
B="$T/bundle"
R="$B/rootfs"
umoci init --layout "$L" || { fail umoci "init failed"; exit 1; }
# new_image TAG: an empty image unpacked into $R, to fill and then commit
new_image() { umoci new --image "$L:$1" && umoci unpack --image "$L:$1" "$B" >/dev/null; }
commit() { umoci repack --image "$L:$1" "$B" && rm -rf "$B"; }
cfg() { # cfg FROM TAG umoci-config-flags...: a config-only variant
    from=$1 tag=$2
    shift 2
    umoci config --image "$L:$from" --tag "$tag" "$@" || fail "umoci config $tag" "failed"
}
PATHENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# base: a normal, well-built image (USER app, libc, python3, bash, coreutils)
new_image base && deb libc6 python3.11-minimal python3-minimal bash coreutils libtinfo6 zlib1g libexpat1 && accounts ||
    { fail base "build failed"; exit 1; }
ln -s bash "$R/bin/sh"
mkdir -p "$R/app" && printf '#!/bin/bash\necho hello\n' >"$R/app/hello.sh" && chmod 0755 "$R/app/hello.sh"
commit base || { fail base "repack failed"; exit 1; }
cfg base base-cfg --config.user=app --config.env="$PATHENV" --config.workingdir=/app

# extras: base + one layer with everything that goes wrong
umoci unpack --image "$L:base" "$B" >/dev/null || { fail extras "unpack failed"; exit 1; }
cp "$R/bin/bash" "$R/app/run" && chmod 0700 "$R/app/run"
cp "$R/bin/bash" "$R/app/suid" && chmod 4755 "$R/app/suid"
cp "$R/bin/bash" "$R/app/grp" && chown 0:2000 "$R/app/grp" && chmod 0750 "$R/app/grp"
ln -s /usr/bin/nope "$R/app/dangling"
ln -s ../../../../../../../usr/bin/python3 "$R/app/outside"
printf 'only on the host\n' >"$T/hostonly"
ln -s "/../../../..$T/hostonly" "$R/app/escape"
printf '#!/usr/bin/perl -w\nprint 1;\n' >"$R/app/perl.sh" && chmod 0755 "$R/app/perl.sh"
printf '#!/usr/bin/env python3\nprint(1)\n' >"$R/app/envpy" && chmod 0755 "$R/app/envpy"
echo "f0VMRgIBAQAAAAAAAAAAAAIAtwABAAAAeABAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAEAAOAABAAAAAAAAAAEAAAAFAAAAAAAAAAAAAAAAAEAAAAAAAAAAQAAAAAAAgQAAAAAAAACBAAAAAAAAAAAQAAAAAAAAuDwAAAAx/w8F" |
    base64 -d >"$T/arm64.elf" && cp "$T/arm64.elf" "$R/app/arm64" && chmod 0755 "$R/app/arm64"
deb libcap2 libidn2-0 libunistring2 && # what ping links against
    dpkg-deb -x "$DEBS"/iputils-ping_*.deb "$T/ping" && cp -p "$T/ping/bin/ping" "$R/app/ping" &&
    setcap cap_net_raw+ep "$R/app/ping" || { fail setcap "setcap failed"; exit 1; }
mkdir -p "$R/opt/secret" "$R/data" "$R/srv" && chmod 0700 "$R/opt/secret" "$R/data"
cp "$R/bin/bash" "$R/opt/secret/tool"
chown 0:2000 "$R/srv" && chmod 0750 "$R/srv"
commit extras || { fail extras "repack failed"; exit 1; }
cfg extras extras-cfg --config.user=app --config.env="$PATHENV" --config.workingdir=/app

# distroless: libc and python, no shell; noloader: python without libc;
# envonly: libc, coreutils (/usr/bin/env) and a python script, no python
new_image distroless && deb libc6 python3.11-minimal python3-minimal zlib1g libexpat1 && accounts && commit distroless &&
    cfg distroless dl-shell --config.user=app --config.env="$PATHENV" --config.cmd=/bin/sh --config.cmd=-c --config.cmd="python3 -V" &&
    cfg distroless dl-py --config.user=app --config.env="$PATHENV" --config.entrypoint=python3 ||
    { fail distroless "build failed"; exit 1; }
new_image noloader && deb python3.11-minimal python3-minimal && accounts && commit noloader &&
    cfg noloader noloader-py --config.user=app --config.env="$PATHENV" --config.entrypoint=python3 ||
    { fail noloader "build failed"; exit 1; }
new_image envonly && deb libc6 coreutils && accounts && mkdir -p "$R/app" &&
    printf '#!/usr/bin/env python3\nprint(1)\n' >"$R/app/envpy" && chmod 0755 "$R/app/envpy" && commit envonly &&
    cfg envonly envonly-py --config.user=app --config.env="$PATHENV" --config.entrypoint=/app/envpy ||
    { fail envonly "build failed"; exit 1; }

# needlib: ls (coreutils) needs libselinux.so.1 (DT_NEEDED). needlib-gone
# deletes it in a later layer (a whiteout); envonly-ls never had it; in
# needlib-symlink it lives in /opt/sel with a symlink where the loader
# looks; in needlib-ldpath it is only in /opt/sel, found through
# LD_LIBRARY_PATH. Each is started with runc below, to prove the prediction.
SO=lib/x86_64-linux-gnu/libselinux.so.1
new_image needlib && deb libc6 coreutils libselinux1 libpcre2-8-0 && accounts && commit needlib &&
    cfg needlib needlib-cfg --config.user=app --config.env="$PATHENV" --config.entrypoint=/bin/ls ||
    { fail needlib "build failed"; exit 1; }
umoci unpack --image "$L:needlib-cfg" "$B" >/dev/null && rm "$R/$SO" && commit needlib-gone ||
    { fail needlib-gone "build failed"; exit 1; }
umoci unpack --image "$L:needlib-cfg" "$B" >/dev/null && mkdir -p "$R/opt/sel" && mv "$R/$SO" "$R/opt/sel/" &&
    ln -s /opt/sel/libselinux.so.1 "$R/$SO" && commit needlib-symlink ||
    { fail needlib-symlink "build failed"; exit 1; }
umoci unpack --image "$L:needlib-cfg" "$B" >/dev/null && mkdir -p "$R/opt/sel" && mv "$R/$SO" "$R/opt/sel/" &&
    commit needlib-ldpath0 && cfg needlib-ldpath0 needlib-ldpath --config.env=LD_LIBRARY_PATH=/opt/sel ||
    { fail needlib-ldpath "build failed"; exit 1; }
# needlib-ldso(-gone): the same, ls started by the dynamic loader itself
# ("ld.so /bin/ls"), which maps ls's libraries as for any program
cfg needlib-cfg needlib-ldso --config.entrypoint=/lib64/ld-linux-x86-64.so.2 --config.entrypoint=/bin/ls &&
    cfg needlib-gone needlib-ldso-gone --config.entrypoint=/lib64/ld-linux-x86-64.so.2 --config.entrypoint=/bin/ls &&
    cfg needlib-gone needlib-ldso-argv0 --config.entrypoint=/lib64/ld-linux-x86-64.so.2 --config.entrypoint=--argv0 \
        --config.entrypoint=ls --config.cmd=/bin/ls &&
    cfg needlib-gone needlib-ldso-list --config.entrypoint=/lib64/ld-linux-x86-64.so.2 --config.entrypoint=--list \
        --config.cmd=/bin/ls ||
    { fail needlib-ldso "build failed"; exit 1; }
cfg envonly-py envonly-ls --config.entrypoint=/bin/ls
# bash (1.2 MB) without libtinfo6: its dynamic section lies past the first
# MiB, caught from the stream as it goes by
new_image nobash && deb libc6 bash && accounts && commit nobash &&
    cfg nobash nobash-cfg --config.user=app --config.env="$PATHENV" --config.entrypoint=/bin/bash \
        --config.cmd=-c --config.cmd="ls" ||
    { fail nobash "build failed"; exit 1; }

# execfmt: libc and dash as /bin/sh; programs the kernel may refuse to
# exec (no #!, a byte-order mark before #!, CRLF line endings, an empty
# file, a #! line whose interpreter path is cut at 255 bytes, dash with
# the type of a relocatable object or a program header size not its
# class's) and one it runs. Each is also started with runc below, to prove the prediction.
long=$(printf '%0300d' 0 | tr 0 a)
new_image execfmt && deb libc6 dash && accounts && ln -sf dash "$R/bin/sh" && mkdir -p "$R/app" &&
    printf '#!/bin/sh\necho good\n' >"$R/app/good" &&
    printf 'echo hi\n' >"$R/app/noshebang" &&
    printf '\357\273\277#!/bin/sh\necho hi\n' >"$R/app/bom" &&
    printf '#!/bin/sh\r\necho hi\r\n' >"$R/app/crlf" &&
    : >"$R/app/empty" &&
    printf '#!/%s\necho hi\n' "$long" >"$R/app/long" &&
    python3 - "$R/bin/dash" "$R/app" <<'PY' &&
import sys
b = open(sys.argv[1], "rb").read()
rel = bytearray(b); rel[16] = 1  # e_type REL
ph = bytearray(b); ph[54] = 57   # e_phentsize, not Elf64_Phdr's 56
open(sys.argv[2] + "/elfrel", "wb").write(rel)
open(sys.argv[2] + "/elfphent", "wb").write(ph)
PY
    chmod 0755 "$R/app/good" "$R/app/noshebang" "$R/app/bom" "$R/app/crlf" "$R/app/empty" "$R/app/long" \
        "$R/app/elfrel" "$R/app/elfphent" &&
    commit execfmt || { fail execfmt "build failed"; exit 1; }
for p in good noshebang bom crlf empty long elfrel elfphent; do
    cfg execfmt "exec-$p" --config.user=app --config.env="$PATHENV" --config.entrypoint="/app/$p"
done

# config-only variants, one tag per case of tests/cases/sandbox/
# a well-built image
cfg base-cfg py --config.entrypoint=python3
cfg py py-nopath --clear=config.env
cfg py py-badpath --config.env=PATH=/opt/bin:/usr/games
cfg py py-root --config.user=0
cfg base-cfg bash --config.entrypoint=/bin/bash
cfg base-cfg bash-c --config.cmd=bash --config.cmd=-c --config.cmd="echo hi"
cfg base-cfg shell --config.cmd=/bin/sh --config.cmd=-c --config.cmd="echo hi"
cfg base-cfg hello --config.entrypoint=./hello.sh
cfg hello hello-root --config.workingdir=/
# the program's own file
cfg extras-cfg run0700 --config.entrypoint=/app/run
cfg run0700 run0700-root --config.user=root
cfg extras-cfg dangling --config.entrypoint=/app/dangling
cfg extras-cfg outside --config.entrypoint=/app/outside
cfg extras-cfg escape --config.entrypoint=/app/escape
cfg extras-cfg secret --config.entrypoint=/opt/secret/tool
cfg secret secret-root --config.user=0
# USER resolved through /etc/group: app is in tools (2000), other is not
cfg extras-cfg grp --config.entrypoint=/app/grp
cfg grp grp-other --config.user=other
cfg grp grp-explicit --config.user=other:tools
# interpreters
cfg extras-cfg perl --config.entrypoint=/app/perl.sh
cfg extras-cfg envpy --config.entrypoint=/app/envpy
cfg extras-cfg arm --config.entrypoint=/app/arm64
# what the program is meant to gain
cfg extras-cfg ping --config.entrypoint=/app/ping
cfg extras-cfg suid --config.entrypoint=/app/suid
# WORKDIR
cfg extras-cfg wd-data --config.entrypoint=/bin/bash --config.workingdir=/data
cfg extras-cfg wd-missing --config.entrypoint=/bin/bash --config.workingdir=/nonexistent
cfg extras-cfg wd-srv --config.entrypoint=/bin/bash --config.workingdir=/srv
cfg wd-srv wd-srv-other --config.user=other

# foreign architecture, fixture-builder images (the ELF header is hand-made)
for arch in amd64 arm64; do
    cat >"$T/arch-$arch.json" <<SPEC
{"tag": "latest", "images": [{"platform": "linux/$arch",
  "config": {"User": "app", "Entrypoint": ["/app/tool"], "WorkingDir": "/app"},
  "layers": [{"entries": [
    {"path": "etc/passwd", "type": "file", "content": "root:x:0:0::/root:/bin/sh\\napp:x:1000:1000::/app:/bin/sh\\n"},
    {"path": "app", "type": "dir", "mode": "0755"},
    {"path": "app/tool", "type": "file", "mode": "0755", "from_file": "$T/arm64.elf"}]}]}]}
SPEC
    "$FB" "$T/arch-$arch.json" "$T/arch-$arch" >"$T/fb.log" 2>&1 || fail "fixture arch-$arch" "$(cat "$T/fb.log")"
done

# the scans and what each must report
sh "$PC_ROOT/tests/cases/run.sh" -D LAYOUT="$L" -D SBFIX="$T" "$PC_ROOT/tests/cases/sandbox"

# The exec-format predictions, proven: runc starts each execfmt variant as
# its umoci bundle says (USER app, the image's entrypoint); portcullis
# must call it unrunnable exactly when runc cannot exec it.
if command -v runc >/dev/null 2>&1; then
    for p in good noshebang bom crlf empty long elfrel elfphent; do
        rm -rf "$T/rb"
        umoci unpack --image "$L:exec-$p" "$T/rb" >/dev/null 2>&1 &&
            jq '.process.terminal = false' "$T/rb/config.json" >"$T/rb/c.json" &&
            mv "$T/rb/c.json" "$T/rb/config.json" || { fail "runc exec-$p" "bundle failed"; continue; }
        timeout 30 runc run -b "$T/rb" "pc-exec-$$-$p" </dev/null >"$T/runc.out" 2>&1
        rc=$?
        runc delete -f "pc-exec-$$-$p" >/dev/null 2>&1
        "$PC" scan --format json "oci:$L:exec-$p" >"$T/pc.json" 2>/dev/null
        said=$(jq '[.reports[0].findings[] | select(.check == "entrypoint-unrunnable")] | length' "$T/pc.json")
        if [ "$p" = good ]; then
            [ "$rc" -eq 0 ] && grep -q '^good$' "$T/runc.out" && [ "$said" = 0 ] &&
                pass "runc exec-$p: starts, and portcullis says runnable" ||
                fail "runc exec-$p" "runc rc=$rc ($(head -c 300 "$T/runc.out")), findings $said"
        else
            [ "$rc" -ne 0 ] && grep -q 'exec format error\|no such file or directory' "$T/runc.out" &&
                [ "$said" -ge 1 ] &&
                pass "runc exec-$p: exec fails ($(head -c 120 "$T/runc.out" | tr '\n' ' ')), and portcullis said so" ||
                fail "runc exec-$p" "runc rc=$rc ($(head -c 300 "$T/runc.out")), findings $said"
        fi
    done
    # DT_NEEDED, proven: the loader fails exactly where portcullis says a
    # library is nowhere in the image, and runs the program where it is
    # somewhere (a symlink to /opt, LD_LIBRARY_PATH)
    for v in needlib-cfg:libselinux.so.1 needlib-gone:libselinux.so.1 envonly-ls:libselinux.so.1 \
        needlib-symlink:libselinux.so.1 needlib-ldpath:libselinux.so.1 nobash-cfg:libtinfo.so.6 \
        needlib-ldso:libselinux.so.1 needlib-ldso-gone:libselinux.so.1 needlib-ldso-argv0:libselinux.so.1; do
        tag=${v%%:*} so=${v#*:}
        rm -rf "$T/rb"
        umoci unpack --image "$L:$tag" "$T/rb" >/dev/null 2>&1 &&
            jq '.process.terminal = false' "$T/rb/config.json" >"$T/rb/c.json" &&
            mv "$T/rb/c.json" "$T/rb/config.json" || { fail "runc $tag" "bundle failed"; continue; }
        timeout 30 runc run -b "$T/rb" "pc-need-$$-$tag" </dev/null >"$T/runc.out" 2>&1
        rc=$?
        runc delete -f "pc-need-$$-$tag" >/dev/null 2>&1
        "$PC" scan --format json "oci:$L:$tag" >"$T/pc.json" 2>/dev/null
        said=$(jq --arg so "$so" '[.reports[0].findings[] | select(.check == "entrypoint-unrunnable" and (.message | contains("needs " + $so + " (DT_NEEDED)")))] | length' "$T/pc.json")
        case $tag in
        needlib-gone | envonly-ls | nobash-cfg | needlib-ldso-gone | needlib-ldso-argv0)
            [ "$rc" -ne 0 ] && grep -q "error while loading shared libraries: $so" "$T/runc.out" &&
                [ "$said" = 1 ] &&
                pass "runc $tag: the loader fails ($(head -c 120 "$T/runc.out" | tr '\n' ' ')), and portcullis said so" ||
                fail "runc $tag" "runc rc=$rc ($(head -c 300 "$T/runc.out")), findings $said"
            ;;
        *)
            [ "$rc" -eq 0 ] && grep -q '^bin$' "$T/runc.out" && [ "$said" = 0 ] &&
                pass "runc $tag: ls runs, and portcullis says nothing is missing" ||
                fail "runc $tag" "runc rc=$rc ($(head -c 300 "$T/runc.out")), findings $said"
            ;;
        esac
    done
    # run flags: the argv runc is given is what portcullis judged
    # (--entrypoint replaces the program; a command only its arguments)
    for v in "entrypoint:/app/noshebang" "command:/app/noshebang"; do
        how=${v%%:*} arg=${v#*:}
        rm -rf "$T/rb"
        if [ "$how" = entrypoint ]; then
            args="[\"$arg\"]" flags="--entrypoint $arg" tail=""
        else
            args="[\"/app/good\", \"$arg\"]" flags="" tail="-- $arg"
        fi
        umoci unpack --image "$L:exec-good" "$T/rb" >/dev/null 2>&1 &&
            jq --argjson a "$args" '.process.terminal = false | .process.args = $a' "$T/rb/config.json" >"$T/rb/c.json" &&
            mv "$T/rb/c.json" "$T/rb/config.json" || { fail "runc $how" "bundle failed"; continue; }
        timeout 30 runc run -b "$T/rb" "pc-run-$$-$how" </dev/null >"$T/runc.out" 2>&1
        rc=$?
        runc delete -f "pc-run-$$-$how" >/dev/null 2>&1
        # shellcheck disable=SC2086
        "$PC" scan --format json $flags "oci:$L:exec-good" $tail >"$T/pc.json" 2>/dev/null
        said=$(jq '[.reports[0].findings[] | select(.check == "entrypoint-unrunnable")] | length' "$T/pc.json")
        if [ "$how" = entrypoint ]; then
            [ "$rc" -ne 0 ] && grep -q 'exec format error' "$T/runc.out" && [ "$said" -ge 1 ] &&
                pass "runc --entrypoint $arg: exec fails, and portcullis said so" ||
                fail "runc --entrypoint $arg" "runc rc=$rc ($(head -c 300 "$T/runc.out")), findings $said"
        else
            [ "$rc" -eq 0 ] && [ "$said" = 0 ] &&
                pass "runc IMAGE $arg: the entrypoint starts with it as an argument, and portcullis says runnable" ||
                fail "runc IMAGE $arg" "runc rc=$rc ($(head -c 300 "$T/runc.out")), findings $said"
        fi
    done
else
    fail runc "runc is not installed (scripts/deps.sh installs it)"
fi
