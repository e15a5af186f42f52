# Integration: the scanning process's filesystem confinement (Landlock,
# docs/privsep.md). The real CLI and the real webhook, with their secrets
# (the authfile, the signing key, the TLS key, a file in the user's home)
# each in a directory of its own and TMPDIR a directory of the test's:
# while each runs, gdb attaches to it and calls open(2) inside the process,
# as code an image took over would. The secrets, /etc/shadow and a write
# into the home fail with EACCES; what the process needs (its cache, its
# policy's directory, TMPDIR) opens. Scans and reviews still work, the
# serving certificate rotates (pc-tlskey reads it: the webhook may not
# open the Secret's directory), and a secret placed where the webhook may
# read is said in its log. Needs root (gdb attaches to a process that is
# not dumpable) and gdb.
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
registry_up
[ "$(id -u)" = 0 ] || { fail "root" "fsconfine.sh attaches gdb to processes that are not dumpable"; exit 1; }
command -v gdb >/dev/null 2>&1 || { fail "gdb" "not installed (scripts/deps.sh)"; exit 1; }

build_fixture clean || exit 1
registry_push clean app/clean:v1 || exit 1
CLEAN="$R/app/clean:v1"
write_authfile "$R"

mkdir -p "$T/secret" "$T/tls" "$T/home" "$T/pol" "$T/tmp" "$T/o"
openssl genpkey -algorithm ed25519 -out "$T/secret/sign.pem" 2>/dev/null && chmod 600 "$T/secret/sign.pem" ||
    { fail "signing key" "openssl failed"; exit 1; }
echo 'export SECRET=1' >"$T/home/.bashrc"
printf '{"name": "team", "extends": "restricted"}\n' >"$T/pol/policy.json"
# the TLS Secret as the kubelet mounts it: files through a ..data symlink
mkdir -p "$T/tls/..v1"
cp "$C/server.crt" "$T/tls/..v1/tls.crt" && cp "$C/server.key" "$T/tls/..v1/tls.key"
ln -s ..v1 "$T/tls/..data" && ln -s ..data/tls.crt "$T/tls/tls.crt" && ln -s ..data/tls.key "$T/tls/tls.key"
export TMPDIR="$T/tmp"

# opened NAME PID PATH FLAGS WANT: open(PATH, FLAGS, 0600) called inside
# PID by gdb; WANT "EACCES" (-1, errno 13) or "fd" (a descriptor, closed)
opened() {
    gdb -nx -batch -p "$2" -ex "call (int)open(\"$3\", $4, 384)" \
        -ex 'call (int)*(int *)__errno_location()' >"$T/gdb.out" 2>"$T/gdb.err"
    _op_got=$(sed -n 's/^\$[0-9]* = //p' "$T/gdb.out" | tr '\n' ' ')
    set -- "$1" "$2" "$3" "$4" "$5" $_op_got
    if [ "$5" = EACCES ] && [ "${6:-}" = -1 ] && [ "${7:-}" = 13 ]; then
        pass "$1"
    elif [ "$5" = fd ] && [ "${6:--1}" -ge 0 ] 2>/dev/null; then
        gdb -nx -batch -p "$2" -ex "call (int)close($6)" >/dev/null 2>&1
        pass "$1"
    else
        fail "$1" "open: ${6:-?}, errno ${7:-?} (want $5); $(tail -c 300 "$T/gdb.err")"
    fi
}

# gdb's calls leave the path strings they pass allocated inside the
# process: LeakSanitizer (make test's build) would call them leaks, so the
# two processes gdb calls into run without its exit check
NOLEAKS="${ASAN_OPTIONS:-}:detect_leaks=0"

# (connect(2) by its number: gdb's call of libc's connect passes the
# address wrongly, EINVAL)
case $(uname -m) in
aarch64) SYS_CONNECT=203 ;;
*) SYS_CONNECT=42 ;;
esac
# connects NAME PID PORT WANT: socket(2) and connect(2) to 127.0.0.1:PORT
# called inside PID by gdb; WANT the errno (13: EACCES, Landlock's
# refusal; 111: ECONNREFUSED, let through to a port nothing listens on)
connects() {
    _cn_be=$(( (($3 & 255) << 8) | ($3 >> 8) ))
    gdb -nx -batch -p "$2" -ex 'set $a = (char *)malloc(16)' -ex 'set {short}$a = 2' \
        -ex "set {unsigned short}(\$a + 2) = $_cn_be" -ex 'set {unsigned int}($a + 4) = 0x0100007f' \
        -ex 'set {long}($a + 8) = 0' -ex 'set $s = (int)socket(2, 1, 0)' \
        -ex "call (long)syscall($SYS_CONNECT, \$s, \$a, 16)" -ex 'call (int)*(int *)__errno_location()' \
        -ex 'call (int)close($s)' >"$T/gdb.out" 2>"$T/gdb.err"
    _cn_got=$(sed -n 's/^\$[0-9]* = //p' "$T/gdb.out" | tr '\n' ' ')
    set -- "$1" "$2" "$3" "$4" $_cn_got
    [ "${5:-}" = -1 ] && [ "${6:-}" = "$4" ] && pass "$1" ||
        fail "$1" "connect: ${5:-?}, errno ${6:-?} (want $4); $(tail -c 300 "$T/gdb.err")"
}

# --- the CLI, held up in its scan: pc-fetch's credential helper waits
# (the filesystem is confined once the context is built, before an image
# is read)
blocking_helper
ASAN_OPTIONS=$NOLEAKS PATH="$T/bin:$PATH" "$PC" scan --cache-dir "$T/cache-cli" --cert-dir "$CERTS" --authfile "$T/blocking-auth.json" \
    --sign-key "$T/secret/sign.pem" -o "$T/o/report.txt" "$CLEAN" 2>"$T/cli.err" &
CLI=$!
track "$CLI"
if wait_until 30 test -e "$T/helper.started"; then
    opened "cli: the authfile: EACCES" "$CLI" "$T/auth.json" 0 EACCES
    opened "cli: the signing key (pc-signer holds it): EACCES" "$CLI" "$T/secret/sign.pem" 0 EACCES
    opened "cli: a file in the home, for writing: EACCES" "$CLI" "$T/home/.bashrc" 1 EACCES
    opened "cli: a new file in the home: EACCES" "$CLI" "$T/home/planted" 65 EACCES
    opened "cli: /etc/shadow (root's process): EACCES" "$CLI" /etc/shadow 0 EACCES
    opened "cli: an image it was not asked for: EACCES" "$CLI" "$T/clean/oci/index.json" 0 EACCES
    opened "cli: its cache: a new file opens" "$CLI" "$T/cache-cli/probe" 65 fd
    opened "cli: TMPDIR: a new file opens" "$CLI" "$T/tmp/probe" 65 fd
    opened "cli: the report's file opens for writing" "$CLI" "$T/o/report.txt" 1 fd
else
    fail "cli: held up by the credential helper" "$(cat "$T/cli.err")"
fi
: >"$T/helper.go"
wait "$CLI"
rc=$?
[ "$rc" = 0 ] && pass "cli: the scan then ends, allowed (exit 0)" || fail "cli: the scan then ends" "exit $rc: $(cat "$T/cli.err")"
grep_in "cli: its report written" 'ALLOW' "$T/o/report.txt"
[ ! -e "$T/home/planted" ] && pass "cli: nothing was planted in the home" || fail "cli: nothing planted" "the file exists"

# --- the CLI's scans work confined: a registry image (through pc-fetch,
# with the authfile) signed, and an oci: layout, reports into new files
run "cli: a signed registry scan, confined" 0 "$PC" scan --cache-dir "$T/cache-cli" --cert-dir "$CERTS" \
    --authfile "$T/auth.json" --sign-key "$T/secret/sign.pem" --format json -o "$T/o/reg.json" "$CLEAN"
jq_true "cli: its report, signed" '.reports[0].attestation != null and .reports[0].verdict == "allow"' "$T/o/reg.json"
run "cli: an oci: layout, confined (no cache)" 0 "$PC" scan --no-cache -o "$T/o/oci.txt" \
    "oci:$T/clean/oci:latest"
grep_in "cli: the layout's report written" 'ALLOW' "$T/o/oci.txt"
run "cli: a report into a directory that does not exist: refused before the scan" 2 "$PC" scan \
    --no-cache -o "$T/o/none/r.txt" "oci:$T/clean/oci:latest"

# --- the webhook: secrets out of reach while it serves
SAVED_ASAN=${ASAN_OPTIONS:-}
export ASAN_OPTIONS="$NOLEAKS"
webhook_start W --cache-dir "$T/cache-wh" --tls-cert "$T/tls/tls.crt" --tls-key "$T/tls/tls.key" \
    --sign-key "$T/secret/sign.pem" --policy "$T/pol/policy.json" || exit 1
export ASAN_OPTIONS="$SAVED_ASAN"
WP=$WH_PID
ABI=$(listened W landlock_abi)
[ "${ABI:-0}" -ge 1 ] 2>/dev/null && pass "webhook: confined (Landlock ABI $ABI)" ||
    fail "webhook: confined" "landlock_abi ${ABI:-missing}"
opened "webhook: the authfile: EACCES" "$WP" "$T/auth.json" 0 EACCES
opened "webhook: the TLS key: EACCES" "$WP" "$T/tls/tls.key" 0 EACCES
opened "webhook: the TLS certificate (pc-tlskey reads it): EACCES" "$WP" "$T/tls/tls.crt" 0 EACCES
opened "webhook: the signing key: EACCES" "$WP" "$T/secret/sign.pem" 0 EACCES
opened "webhook: a file in the home: EACCES" "$WP" "$T/home/.bashrc" 0 EACCES
opened "webhook: its policy's directory: a file opens" "$WP" "$T/pol/policy.json" 0 fd
opened "webhook: but not for writing" "$WP" "$T/pol/policy.json" 1 EACCES
opened "webhook: its cache: a new file opens" "$WP" "$T/cache-wh/probe" 65 fd
[ "$(listened W landlock_net)" = true ] && pass "webhook: TCP confined too" ||
    fail "webhook: TCP confined too" "landlock_net $(listened W landlock_net)"
connects "webhook: TCP to the registry (pc-fetch's job): EACCES" "$WP" "$REG_PORT" 13
connects "webhook: TCP to its own port: EACCES" "$WP" "$WH_PORT" 13
connects "webhook: TCP to port 53 (DNS) let through" "$WP" 53 111
grep_none "webhook: no secret within reach, none said" 'filesystem confinement' "$T/W.log"
fill "$REQ/pod.json" "$T/r.json" uid-1 team-a "$CLEAN" "$CLEAN"
send "webhook: a review judged, confined" allow "$WH_URL/validate?timeout=30s" "$T/r.json"
# a Secret update: the kubelet swaps ..data to a new directory
pki_issue rotated "IP:127.0.0.1,DNS:localhost" || fail "rotated certificate" "openssl failed"
mkdir -p "$T/tls/..v2" && cp "$C/rotated.crt" "$T/tls/..v2/tls.crt" && cp "$C/rotated.key" "$T/tls/..v2/tls.key"
ln -s ..v2 "$T/tls/..data.new" && mv -T "$T/tls/..data.new" "$T/tls/..data"
served_rotated() {
    echo | openssl s_client -connect "127.0.0.1:$WH_PORT" -CAfile "$C/ca.crt" 2>/dev/null |
        openssl x509 -noout -subject 2>/dev/null | grep -q 'CN *= *rotated'
}
wait_until 15 served_rotated && pass "webhook: the rotated certificate is served" ||
    fail "webhook: the rotated certificate is served" "$(grep -i tls "$T/W.log" | tail -3)"
printf '{"name": "team-v2", "extends": "restricted"}\n' >"$T/pol/policy.new"
mv "$T/pol/policy.new" "$T/pol/policy.json"
policy_is() { curl -s --cacert "$C/ca.crt" "$WH_URL/readyz" | jq -e '.policy == "team-v2"' >/dev/null; }
wait_until 15 policy_is && pass "webhook: the policy replaced in its directory reloads" ||
    fail "webhook: the policy reloads" "$(grep -i policy "$T/W.log" | tail -3)"
webhook_stop "$WP" && pass "webhook: clean exit" || fail "webhook: clean exit" "exit $?"

# --- a secret where the webhook may read (the policy's directory) is said
cp "$C/server.key" "$T/pol/tls.key"
webhook_start X --cache-dir "$T/cache-wh" --tls-cert "$C/server.crt" --tls-key "$T/pol/tls.key" \
    --policy "$T/pol/policy.json" || exit 1
grep_in "webhook: a key beside the policy is said" \
    "filesystem confinement: $T/pol/tls.key is within $T/pol, which the scanning process may read" "$T/X.log"
webhook_stop "$WH_PID" || true
