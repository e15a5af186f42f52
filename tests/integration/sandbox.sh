# Integration: sandbox readiness (entrypoint-unrunnable, workdir-inaccessible,
# the report's sandbox object) on images built from real Debian packages
# (libc6, python3, bash, coreutils, iputils-ping; fetched into .cache/debs,
# extracted with dpkg-deb, layered with umoci) and on fixture-builder images
# for the foreign-architecture case. Every rule has a positive and a
# negative case; a well-built image has no finding at all.
. "$PC_ROOT/tests/lib.sh"

DEBS="$PC_ROOT/.cache/debs"
mkdir -p "$DEBS"
fetch() {
    ls "$DEBS"/"$1"_*.deb >/dev/null 2>&1 && return 0
    (cd "$DEBS" && apt-get download "$1" >/dev/null 2>&1) ||
        { apt-get update -q >/dev/null 2>&1; (cd "$DEBS" && apt-get download "$1" >/dev/null 2>&1); }
}
for p in libc6 python3.11-minimal python3-minimal bash coreutils iputils-ping; do
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
new_image base && deb libc6 python3.11-minimal python3-minimal bash coreutils && accounts || { fail base "build failed"; exit 1; }
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
dpkg-deb -x "$DEBS"/iputils-ping_*.deb "$T/ping" && cp -p "$T/ping/bin/ping" "$R/app/ping" &&
    setcap cap_net_raw+ep "$R/app/ping" || { fail setcap "setcap failed"; exit 1; }
mkdir -p "$R/opt/secret" "$R/data" "$R/srv" && chmod 0700 "$R/opt/secret" "$R/data"
cp "$R/bin/bash" "$R/opt/secret/tool"
chown 0:2000 "$R/srv" && chmod 0750 "$R/srv"
commit extras || { fail extras "repack failed"; exit 1; }
cfg extras extras-cfg --config.user=app --config.env="$PATHENV" --config.workingdir=/app

# distroless: libc and python, no shell; noloader: python without libc;
# envonly: libc, coreutils (/usr/bin/env) and a python script, no python
new_image distroless && deb libc6 python3.11-minimal python3-minimal && accounts && commit distroless &&
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

# scan NAME TAG [portcullis options]: JSON report of oci:$L:TAG in $T/NAME.json
scan() {
    name=$1 tag=$2
    shift 2
    "$PC" scan --format json "$@" "oci:$L:$tag" >"$T/$name.json" 2>"$T/err"
    code=$?
    [ "$code" -le 1 ] || fail "$name" "exit $code: $(head -c 400 "$T/err")"
}
# eu NAME REGEX: exactly one entrypoint-unrunnable finding, its message matching
eu() { jq_true "$1: $2" "[.reports[0].findings[] | select(.check == \"entrypoint-unrunnable\")] | (length == 1 and (.[0].message | test(\"$2\")))" "$T/$1.json"; }
no_eu() { jq_true "$1: no entrypoint-unrunnable" '[.reports[0].findings[] | select(.check == "entrypoint-unrunnable")] | length == 0' "$T/$1.json"; }
wi() { jq_true "$1: $2" "[.reports[0].findings[] | select(.check == \"workdir-inaccessible\")] | (length == 1 and (.[0].message | test(\"$2\")) and .[0].action == \"${3:-warn}\")" "$T/$1.json"; }
no_wi() { jq_true "$1: no workdir-inaccessible" '[.reports[0].findings[] | select(.check == "workdir-inaccessible")] | length == 0' "$T/$1.json"; }

# --- a well-built image: nothing to say, under either policy
cfg base-cfg py --config.entrypoint=python3
scan py py
jq_true "python3 through PATH: allowed, no findings" '.verdict == "allow" and (.reports[0].findings | length == 0)' "$T/py.json"
jq_true "python3: sandbox object" '.reports[0].sandbox == {"program": "/usr/bin/python3.11", "user": "1001:1001", "needs_root": false, "needs_caps": [], "privileged_ports": []}' "$T/py.json"
scan py-base py --policy baseline
jq_true "python3 baseline: image user, no findings" '.verdict == "allow" and (.reports[0].findings | length == 0) and .reports[0].sandbox.user == "1000:1000"' "$T/py-base.json"
cfg py py-nopath --clear=config.env
scan py-nopath py-nopath
no_eu py-nopath
cfg py py-badpath --config.env=PATH=/opt/bin:/usr/games
scan py-badpath py-badpath
eu py-badpath 'entrypoint \"python3\": not found in PATH /opt/bin:/usr/games'
cfg base-cfg bash --config.entrypoint=/bin/bash
scan bash bash
jq_true "bash entrypoint: allowed, no findings" '.verdict == "allow" and (.reports[0].findings | length == 0) and .reports[0].sandbox.program == "/bin/bash"' "$T/bash.json"
cfg base-cfg bash-c --config.cmd=bash --config.cmd=-c --config.cmd="echo hi"
scan bash-c bash-c
no_eu bash-c
cfg base-cfg shell --config.cmd=/bin/sh --config.cmd=-c --config.cmd="echo hi"
scan shell shell
jq_true "shell form with /bin/sh: allowed" '.verdict == "allow" and (.reports[0].findings | length == 0) and .reports[0].sandbox.program == "/bin/bash"' "$T/shell.json"
cfg base-cfg hello --config.entrypoint=./hello.sh
scan hello hello
jq_true "relative script from WORKDIR: no finding" '(.reports[0].findings | length == 0) and .reports[0].sandbox.program == "/app/hello.sh"' "$T/hello.json"
cfg hello hello-root --config.workingdir=/
scan hello-root hello-root
eu hello-root 'entrypoint ./hello.sh: does not exist in the image'

# --- the program's own file
cfg extras-cfg run0700 --config.entrypoint=/app/run
scan run0700 run0700
eu run0700 '^entrypoint /app/run: mode 0700 owner 0:0, not executable by 1001:1001 \\(sandbox user\\)$'
jq_true "run0700: denied under restricted, needs root" '.verdict == "deny" and .reports[0].sandbox.needs_root == true and ([.reports[0].findings[] | select(.check == "entrypoint-unrunnable")][0] | .action == "deny" and .path == "/app/run" and (.layer | startswith("sha256:")))' "$T/run0700.json"
scan run0700-base run0700 --policy baseline
eu run0700-base 'not executable by 1000:1000 \\(image USER \"app\", groups 2000\\)'
jq_true "run0700 baseline: warn" '[.reports[0].findings[] | select(.check == "entrypoint-unrunnable") | .action] == ["warn"]' "$T/run0700-base.json"
cfg run0700 run0700-root --config.user=root
scan run0700-root run0700-root --policy baseline
no_eu run0700-root
cfg extras-cfg dangling --config.entrypoint=/app/dangling
scan dangling dangling
eu dangling 'entrypoint /app/dangling: dangling symlink to /usr/bin/nope \\(not in the image\\)'
cfg extras-cfg outside --config.entrypoint=/app/outside
scan outside outside
no_eu outside
jq_true "outside: resolved inside the root" '.reports[0].sandbox.program == "/usr/bin/python3.11"' "$T/outside.json"
cfg extras-cfg escape --config.entrypoint=/app/escape
scan escape escape
eu escape 'entrypoint /app/escape: dangling symlink to /.*hostonly \\(not in the image\\)'
cfg extras-cfg secret --config.entrypoint=/opt/secret/tool
scan secret secret
eu secret 'entrypoint /opt/secret/tool: directory /opt/secret mode 0700 owner 0:0 is not searchable by 1001:1001 \\(sandbox user\\)'
cfg secret secret-root --config.user=0
scan secret-root secret-root --policy baseline
no_eu secret-root

# --- USER resolved through /etc/group: app is in tools (2000), other is not
cfg extras-cfg grp --config.entrypoint=/app/grp
scan grp-base grp --policy baseline
no_eu grp-base
cfg grp grp-other --config.user=other
scan grp-other grp-other --policy baseline
eu grp-other 'entrypoint /app/grp: mode 0750 owner 0:2000, not executable by 1002:1002 \\(image USER \"other\"\\)'
cfg grp grp-explicit --config.user=other:tools
scan grp-explicit grp-explicit --policy baseline
no_eu grp-explicit
scan grp grp
eu grp 'not executable by 1001:1001 \\(sandbox user\\)'

# --- interpreters
cfg extras-cfg perl --config.entrypoint=/app/perl.sh
scan perl perl
eu perl 'entrypoint /app/perl.sh: interpreter /usr/bin/perl: does not exist in the image'
cfg extras-cfg envpy --config.entrypoint=/app/envpy
scan envpy envpy
no_eu envpy
scan envonly envonly-py
eu envonly 'entrypoint /app/envpy: #!/usr/bin/env python3: \"python3\" not found in PATH'
scan dl-shell dl-shell
jq_true "distroless shell form: finding on /bin/sh" '[.reports[0].findings[] | select(.check == "entrypoint-unrunnable")] | (length == 1 and .[0].path == "/bin/sh" and (.[0].message | test("shell-form command .* no /bin/sh")))' "$T/dl-shell.json"
scan dl-py dl-py
jq_true "distroless exec form: allowed" '.verdict == "allow" and (.reports[0].findings | length == 0)' "$T/dl-py.json"
scan noloader noloader-py
eu noloader 'entrypoint python3 -> /usr/bin/python3.11: dynamic loader /lib64/ld-linux-x86-64.so.2: does not exist in the image'
cfg extras-cfg arm --config.entrypoint=/app/arm64
scan arm arm
eu arm 'entrypoint /app/arm64: aarch64 binary in a linux/amd64 image'

# --- what the program is meant to gain
cfg extras-cfg ping --config.entrypoint=/app/ping
scan ping ping
eu ping 'entrypoint /app/ping: needs cap_net_raw \\(file capabilities cap_net_raw\\+ep\\), which the sandbox drops: execve fails with EPERM'
jq_true "ping: needs_caps" '.reports[0].sandbox.needs_caps == ["cap_net_raw"] and .reports[0].sandbox.program == "/app/ping"' "$T/ping.json"
cat >"$T/keepcaps.json" <<'P'
{"name": "keepcaps", "checks": {"file-capability": {"action": "ignore"}},
 "sandbox": {"uid": 1001, "gid": 1001, "dropped_caps": ["SYS_ADMIN"], "no_new_privileges": false}}
P
scan ping-keep ping --policy "$T/keepcaps.json"
no_eu ping-keep
jq_true "ping kept caps: needs_caps still listed" '.reports[0].sandbox.needs_caps == ["cap_net_raw"]' "$T/ping-keep.json"
scan ping-base ping --policy baseline
eu ping-base 'needs cap_net_raw'
cfg extras-cfg suid --config.entrypoint=/app/suid
scan suid suid
eu suid 'entrypoint /app/suid: set-user-ID 0 \\(mode 4755 owner 0:0\\) is ignored under no_new_privileges: it runs as 1001:1001 \\(sandbox user\\), not uid 0'
scan suid-base suid --policy baseline
no_eu suid-base

# --- WORKDIR
cfg extras-cfg wd-data --config.entrypoint=/bin/bash --config.workingdir=/data
scan wd-data wd-data
wi wd-data '^WORKDIR /data: mode 0700 owner 0:0, not searchable by 1001:1001 \\(sandbox user\\): relative paths fail'
no_eu wd-data
cfg extras-cfg wd-missing --config.entrypoint=/bin/bash --config.workingdir=/nonexistent
scan wd-missing wd-missing
wi wd-missing 'WORKDIR /nonexistent: does not exist in the image: the runtime creates it'
cat >"$T/strict.json" <<'P'
{"name": "strict", "checks": {"workdir-inaccessible": {"action": "deny"}}}
P
scan wd-missing-strict wd-missing --policy "$T/strict.json"
wi wd-missing-strict 'does not exist in the image' warn
scan wd-data-strict wd-data --policy "$T/strict.json"
jq_true "wd-data strict: not searchable denies" '[.reports[0].findings[] | select(.check == "workdir-inaccessible") | .action] == ["deny"]' "$T/wd-data-strict.json"
cfg extras-cfg wd-srv --config.entrypoint=/bin/bash --config.workingdir=/srv
scan wd-srv-base wd-srv --policy baseline
no_wi wd-srv-base
cfg wd-srv wd-srv-other --config.user=other
scan wd-srv-other wd-srv-other --policy baseline
wi wd-srv-other 'WORKDIR /srv: mode 0750 owner 0:2000, not searchable by 1002:1002'
scan wd-app bash
no_wi wd-app

# --- foreign architecture, fixture-builder images (the ELF header is hand-made)
for arch in amd64 arm64; do
    cat >"$T/arch-$arch.json" <<SPEC
{"tag": "latest", "images": [{"platform": "linux/$arch",
  "config": {"User": "app", "Entrypoint": ["/app/tool"], "WorkingDir": "/app"},
  "layers": [{"entries": [
    {"path": "etc/passwd", "type": "file", "content": "root:x:0:0::/root:/bin/sh\\napp:x:1000:1000::/app:/bin/sh\\n"},
    {"path": "app", "type": "dir", "mode": "0755"},
    {"path": "app/tool", "type": "file", "mode": "0755", "from_file": "$T/arm64.elf"}]}]}]}
SPEC
    "$FB" "$T/arch-$arch.json" "$T/arch-$arch" >"$T/fb.log" 2>&1 || { fail "fixture arch-$arch" "$(cat "$T/fb.log")"; continue; }
    "$PC" scan --format json --platform "linux/$arch" "oci:$T/arch-$arch/oci:latest" >"$T/arch-$arch.out.json"
done
eu arch-amd64.out 'entrypoint /app/tool: aarch64 binary in a linux/amd64 image'
jq_true "arm64 ELF in an arm64 image: allowed" '.verdict == "allow" and (.reports[0].findings | length == 0)' "$T/arch-arm64.out.json"

# --- the same facts in text and SARIF
"$PC" scan "oci:$L:ping" >"$T/ping.txt"
grep_in "text: sandbox line" '^  sandbox: program /app/ping, user 1001:1001, needs root: no, needs caps: cap_net_raw, privileged ports: none$' "$T/ping.txt"
grep_in "text: entrypoint finding" 'DENY  entrypoint-unrunnable  /app/ping  \(layer sha256:.*needs cap_net_raw' "$T/ping.txt"
"$PC" scan --format sarif "oci:$L:ping" "oci:$L:py" >"$T/ping.sarif"
jq_true "sarif: sandbox per image in run properties" '.runs[0].properties.images | (length == 2 and .[0].sandbox.needs_caps == ["cap_net_raw"] and .[0].sandbox.user == "1001:1001" and .[1].sandbox.program == "/usr/bin/python3.11" and .[1].verdict == "allow")' "$T/ping.sarif"
jq_true "sarif: entrypoint-unrunnable result" '[.runs[0].results[] | select(.ruleId == "entrypoint-unrunnable") | .level] == ["error"]' "$T/ping.sarif"
