# Integration: the webhook's own image passes its own policy (issue 20).
# webhook/deploy/rootfs.sh assembles the image's files (the binaries, the
# libraries they load, the loader, rules, CA bundle, passwd naming uid
# 65532) from this build; umoci packs them into an OCI image with USER
# 65532:65532, no Docker engine involved. Then:
#   - `portcullis scan --policy restricted` allows it (exit 0), with no
#     finding at deny or warn: no setuid file, no shell, not root
#   - runc runs both binaries from the image as uid 65532, with only the
#     image's files: they start, find their rules and compile them
#   - the Dockerfile's runtime stage is an empty image that copies what
#     rootfs.sh wrote (the same files both ways)
. "$PC_ROOT/tests/lib.sh"
need_tools umoci runc jq ldd
isolate
D="$PC_ROOT/webhook/deploy"
sh "$D/rootfs.sh" "$PC_BUILD" "$T/rootfs" >"$T/rootfs.log" 2>&1 &&
    pass "rootfs.sh assembles the image's files" || { fail "rootfs.sh" "$(head -c 600 "$T/rootfs.log")"; exit 1; }
L="$T/img"
B="$T/bundle"
umoci init --layout "$L" && umoci new --image "$L:base" && umoci unpack --image "$L:base" "$B" >/dev/null ||
    { fail umoci "init failed"; exit 1; }
rm -rf "$B/rootfs" && cp -a "$T/rootfs" "$B/rootfs"
umoci repack --image "$L:base" "$B" >/dev/null && rm -rf "$B" &&
    umoci config --image "$L:base" --tag webhook --config.user=65532:65532 \
        --config.entrypoint=/usr/local/bin/portcullis-webhook --config.cmd=--help \
        --config.exposedports=8443/tcp ||
    { fail umoci "repack/config failed"; exit 1; }
pass "umoci packs it (USER 65532:65532, ENTRYPOINT portcullis-webhook)"

run "its own restricted policy allows it" 0 "$PC" scan --policy restricted --format json "oci:$L:webhook"
jq_true "verdict allow, nothing at deny or warn" '.reports[0].verdict == "allow" and ([.reports[0].findings[] | select(.action == "deny" or .action == "warn")] | length == 0)'
jq_true "runs as 65532, a program it has" '.reports[0].sandbox.user == "65532:65532" and .reports[0].sandbox.program == "/usr/local/bin/portcullis-webhook" and .reports[0].sandbox.needs_root == false'
jq_true "no shell in the image" '[.reports[0].findings[] | select(.path == "/bin/sh")] | length == 0'
run "baseline allows it too" 0 "$PC" scan --policy baseline "oci:$L:webhook"

# runc: the binaries start from the image's files alone, as uid 65532
in_runc() { # in_runc NAME ARGV-JSON
    rm -rf "$T/rb"
    umoci unpack --image "$L:webhook" "$T/rb" >/dev/null 2>&1 &&
        jq --argjson a "$2" '.process.terminal = false | .process.args = $a | .process.user = {uid: 65532, gid: 65532} | .process.cwd = "/"' \
            "$T/rb/config.json" >"$T/rb/c.json" && mv "$T/rb/c.json" "$T/rb/config.json" ||
        { fail "runc $1" "bundle failed"; return 1; }
    timeout 60 runc run -b "$T/rb" "pc-own-$$-$1" </dev/null >"$T/runc.out" 2>&1
    _rc=$?
    runc delete -f "pc-own-$$-$1" >/dev/null 2>&1
    return $_rc
}
in_runc ver '["/usr/local/bin/portcullis-webhook", "--version"]' && grep -q '^portcullis-webhook [0-9]' "$T/runc.out" &&
    pass "runc: portcullis-webhook --version starts as uid 65532" || fail "runc webhook --version" "$(head -c 600 "$T/runc.out")"
in_runc rules '["/usr/local/bin/portcullis", "rules", "check"]' && grep -q 'rules in [0-9]* files compiled, 0 warnings' "$T/runc.out" &&
    pass "runc: the image's rules are found and compile" || fail "runc rules check" "$(head -c 600 "$T/runc.out")"
in_runc install '["/usr/bin/install", "-m", "0400", "/etc/passwd", "/var/cache/portcullis/copy"]' &&
    pass "runc: the init container's install(1) runs from the image" || fail "runc install" "$(head -c 600 "$T/runc.out")"
grep -q '"/usr/bin/install"' "$D/base/deployment.yaml" && pass "the Deployment's init container uses that install(1)" ||
    fail "init container command" "not /usr/bin/install"
in_runc help '["/usr/local/bin/portcullis-webhook", "--help"]' && grep -q -- '--tls-cert' "$T/runc.out" &&
    pass "runc: the image's default command (--help) runs" || fail "runc --help" "$(head -c 600 "$T/runc.out")"

grep -q '^FROM scratch' "$D/Dockerfile" && grep -q 'rootfs.sh' "$D/Dockerfile" &&
    grep -q '^COPY --from=build /rootfs/ /' "$D/Dockerfile" && grep -q '^USER 65532:65532' "$D/Dockerfile" &&
    pass "Dockerfile: an empty image with rootfs.sh's files, USER 65532" || fail "Dockerfile" "not built from rootfs.sh"

# The Dockerfile's build stage installs the -dev package of every
# pkg-config module the binaries link (the Makefile's lists): a module
# missing there is a `docker build` that fails at the link.
mods=$(sed -n 's/^\(PKGS\|CLI_PKGS\) *= *//p' "$PC_ROOT/Makefile")
mods="$mods $(sed -n 's/^WH_LIBS *= *\$(shell pkg-config --libs \([^)2]*\) 2>.*/\1/p' "$PC_ROOT/Makefile")"
missing=""
for m in $mods; do
    pc="$(pkg-config --variable=pcfiledir "$m" 2>/dev/null)/$m.pc"
    pkg=$(dpkg -S "$pc" 2>/dev/null | sed -n '1s/:.*//p')
    grep -q "[[:space:]]$pkg[[:space:]]" "$D/Dockerfile" || missing="$missing $m(${pkg:-no package})"
done
[ -n "$mods" ] && [ -z "$missing" ] && pass "Dockerfile: the build stage installs every linked module's package ($(echo $mods | wc -w))" ||
    fail "Dockerfile build packages" "missing:${missing:- (no module list read from the Makefile)}"
