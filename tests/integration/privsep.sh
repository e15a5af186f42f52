# Integration: privilege separation (docs/privsep.md). The CLI and the
# webhook run their private keys in key processes: a signed scan still
# verifies; the scanning process holds no byte of either key (its
# /proc/PID/mem searched for the raw private value, big- and
# little-endian, the DER and every PEM line: tests/webhook/memscan.py)
# while each key process holds its own key and not the other's; key
# processes are sealed (seccomp mode 2, no_new_privs) and the scanning
# side has no_new_privs; the webhook keeps signing across a rotated
# signing key (new key at /verdict-key, new verdicts verify with it and
# not with the old one) and a rotated TLS key; a killed key process makes
# signing fail closed (CLI: no attestation, exit 2; webhook: /mutate and
# /tes/validate answer 500, /verdict-key, /healthz and /readyz 503, logged
# once), and a killed TLS key process ends TLS handshakes. The CLI and the
# webhook are not dumpable: run as nobody, another nobody process cannot
# open their memory (a dumpable one's it can).
# Needs root (reading another process's memory; key processes are not
# dumpable).
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
registry_up

MS="$PC_ROOT/tests/webhook/memscan.py"
[ "$(id -u)" = 0 ] || { fail "root" "privsep.sh reads /proc/PID/mem of other processes"; exit 1; }

build_fixture clean || exit 1
registry_push clean app/clean:v1 || exit 1
CLEAN="$R/app/clean:v1"
CLEAN_D="sha256:$(registry_digest "$CLEAN")"
write_authfile "$R"

newkey() { # NAME: $T/NAME.pem (0600) and $T/NAME.pub
    openssl genpkey -algorithm ed25519 -out "$T/$1.pem" 2>/dev/null && chmod 600 "$T/$1.pem" &&
        openssl pkey -in "$T/$1.pem" -pubout -out "$T/$1.pub" 2>/dev/null
}
newkey sign
newkey sign2

# memscan NAME KEY PID WANT: WANT "none" (no form of the key), or "key"
# (the private value itself, in either byte order)
memscan() {
    python3 "$MS" "$2" "$3" >"$T/ms.json" 2>"$T/ms.err" || {
        fail "$1" "memscan failed: $(cat "$T/ms.err")"
        return
    }
    if [ "$4" = none ]; then
        jq_true "$1" ".\"$3\" == []" "$T/ms.json"
    else
        jq_true "$1" ".\"$3\" | index(\"private-be\") != null or index(\"private-le\") != null" "$T/ms.json"
    fi
}
# sealed NAME PID COMM: a key process: its name, seccomp filter mode, no_new_privs
sealed() {
    if [ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$3" ] && [ "$(status_of "$2" Seccomp)" = 2 ] &&
        [ "$(status_of "$2" NoNewPrivs)" = 1 ]; then
        pass "$1"
    else
        fail "$1" "comm $(cat "/proc/$2/comm" 2>/dev/null), $(grep -E 'Seccomp:|NoNewPrivs:' "/proc/$2/status" 2>/dev/null | tr '\n' ' ')"
    fi
}

# --- CLI: (a) a signed scan verifies; (b) while the process that scanned
# and had the verdict signed waits to write its report (into a FIFO), its
# memory holds no form of the key; the key process's does
mkfifo "$T/report.fifo"
"$PC" scan --cache-dir "$(fresh_cache)" --sign-key "$T/sign.pem" --format json -o "$T/report.fifo" \
    "oci:$T/clean/oci:latest" 2>"$T/cli.err" &
CLI=$!
blocked() { # the CLI in openat(2) of the FIFO: scanned and signed
    [ "$(cat "/proc/$CLI/wchan" 2>/dev/null)" = wait_for_partner ] && [ -n "$(pgrep -P "$CLI" -x pc-signer)" ]
}
if wait_until 30 blocked; then
    SIGNER=$(pgrep -P "$CLI" -x pc-signer)
    sealed "cli: key process pc-signer sealed" "$SIGNER" pc-signer
    [ "$(status_of "$CLI" NoNewPrivs)" = 1 ] && pass "cli: scanning process has no_new_privs" ||
        fail "cli: scanning process has no_new_privs" "$(status_of "$CLI" NoNewPrivs)"
    memscan "cli: the scanning process holds no form of the signing key" "$T/sign.pem" "$CLI" none
    memscan "cli: the key process holds the signing key" "$T/sign.pem" "$SIGNER" key
else
    fail "cli: blocked on its report" "$(cat "/proc/$CLI/syscall" 2>&1) $(cat "$T/cli.err")"
fi
cat "$T/report.fifo" >"$T/cli.json"
wait "$CLI"
rc=$?
[ "$rc" = 0 ] && pass "cli: signed scan allowed (exit 0)" || fail "cli: signed scan" "exit $rc: $(cat "$T/cli.err")"
jq '.reports[0].attestation' "$T/cli.json" >"$T/cli-env.json"
run "cli: (a) the signed verdict verifies" 0 "$PC" verify --key "$T/sign.pub" \
    --image-digest "$(jq -r '.reports[0].manifest_digest' "$T/cli.json")" "$T/cli-env.json"
run "cli: and not with another key" 1 "$PC" verify --key "$T/sign2.pub" "$T/cli-env.json"

# --- CLI: (d) the key process killed mid-scan (while a credential helper
# holds the scan up): the verdict is not signed, exit 2, the report has no
# attestation
blocking_helper
PATH="$T/bin:$PATH" "$PC" scan --cache-dir "$(fresh_cache)" --cert-dir "$CERTS" --authfile "$T/blocking-auth.json" \
    --sign-key "$T/sign.pem" --format json -o "$T/killed.json" "$CLEAN" 2>"$T/killed.err" &
CLI=$!
if wait_until 30 test -e "$T/helper.started"; then
    SIGNER=$(pgrep -P "$CLI" -x pc-signer)
    kill -KILL "$SIGNER"
fi
: >"$T/helper.go"
wait "$CLI"
rc=$?
[ "$rc" = 2 ] && pass "cli: (d) key process killed: exit 2" || fail "cli: key process killed: exit 2" "exit $rc: $(cat "$T/killed.err")"
grep_in "cli: the error says the key process was killed" 'signing the verdict failed: key process pc-signer \(pid [0-9]+\) was killed by signal 9' "$T/killed.err"
jq_true "cli: the verdict is there, unsigned" '.reports[0].attestation == null and .reports[0].verdict != null and (.reports[0].digest | startswith("sha256:"))' "$T/killed.json"

# --- the webhook: key processes, what each holds
webhook_start W --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --sign-key "$T/sign.pem" \
    --verdict-ttl 1h || exit 1
WP=$WH_PID
W=$WH_URL
TLSKP=$(listened W key_processes.tls)
SIGNKP=$(listened W key_processes.signer)
[ "$(status_of "$TLSKP" PPid)" = "$WP" ] && [ "$(status_of "$SIGNKP" PPid)" = "$WP" ] &&
    pass "webhook: the listening line names its two key processes" ||
    fail "webhook: key processes" "tls $TLSKP signer $SIGNKP webhook $WP"
sealed "webhook: pc-tlskey sealed" "$TLSKP" pc-tlskey
sealed "webhook: pc-signer sealed" "$SIGNKP" pc-signer
[ "$(status_of "$WP" NoNewPrivs)" = 1 ] && pass "webhook: no_new_privs" ||
    fail "webhook: no_new_privs" "$(status_of "$WP" NoNewPrivs)"

# mutate NAME UID OUT: a pod of the clean image through /mutate, its
# annotation's envelopes in OUT (a JSON array)
# (asked again while the answer is "scan ... in progress, retry", 10 s)
mutate_once() { # UID: the answer in $T/UID.out, the status in $code
    code=$(curl -s -o "$T/$1.out" -w '%{http_code}' --cacert "$C/ca.crt" \
        -H 'Content-Type: application/json' --data-binary @"$T/$1.json" "$W/mutate?timeout=10s")
    ! grep -q 'in progress, retry' "$T/$1.out"
}
mutate() {
    fill "$REQ/pod.json" "$T/$2.json" "$2" team-a "$CLEAN" "$CLEAN"
    wait_until 10 mutate_once "$2"
    jq '.response.patch | @base64d | fromjson | [.[] | select(.path | test("annotations")) | .value
        | if type == "object" then .["portcullis.io/verdicts"] else . end | fromjson | .[]]' \
        "$T/$2.out" >"$3" 2>/dev/null
    [ "$code" = 200 ] && [ "$(jq length "$3" 2>/dev/null)" -ge 1 ] && pass "$1" ||
        fail "$1" "HTTP $code: $(head -c 600 "$T/$2.out")"
}

mutate "webhook: /mutate signs" uid-1 "$T/ann1.json"
curl -s --cacert "$C/ca.crt" "$W/verdict-key" >"$T/vk1.pem"
cmp -s "$T/vk1.pem" "$T/sign.pub" && pass "webhook: /verdict-key from the key process" ||
    fail "webhook: /verdict-key" "$(head -c 300 "$T/vk1.pem")"
# (a pod's envelopes each judged its container's run: any run is accepted here)
VERIFY_RUN=--any-run
verify_all "webhook: (a) the annotation verifies" "$T/ann1.json" "$T/vk1.pem" "$CLEAN_D" 0
memscan "webhook: (b) the scanning process holds no form of the signing key" "$T/sign.pem" "$WP" none
memscan "webhook: (b) nor of the TLS key" "$C/server.key" "$WP" none
memscan "webhook: pc-signer holds the signing key" "$T/sign.pem" "$SIGNKP" key
memscan "webhook: pc-tlskey holds the TLS key" "$C/server.key" "$TLSKP" key
memscan "webhook: pc-signer has no TLS key" "$C/server.key" "$SIGNKP" none
memscan "webhook: pc-tlskey has no signing key" "$T/sign.pem" "$TLSKP" none

# --- (c) rotation: the signing key file replaced (as a Secret update does)
cp "$T/sign2.pem" "$T/sign.pem.new"
mv "$T/sign.pem.new" "$T/sign.pem"
served() { curl -s --cacert "$C/ca.crt" "$W/verdict-key" >"$T/vk2.pem" && cmp -s "$T/vk2.pem" "$T/sign2.pub"; }
wait_until 10 served && pass "webhook: (c) the rotated key is served at /verdict-key" ||
    fail "webhook: rotated key served" "$(head -c 300 "$T/vk2.pem")"
mutate "webhook: /mutate after the rotation" uid-2 "$T/ann2.json"
verify_all "webhook: (c) new verdicts verify with the new key" "$T/ann2.json" "$T/sign2.pub" "$CLEAN_D" 0
verify_all "webhook: (c) and not with the old one" "$T/ann2.json" "$T/sign.pub" "$CLEAN_D" 1
VERIFY_RUN=""
[ "$(status_of "$SIGNKP" PPid)" = "$WP" ] && pass "webhook: the same key process reloaded it" ||
    fail "webhook: same key process" "pc-signer $SIGNKP gone"
memscan "webhook: the scanning process holds no form of the new signing key" "$T/sign2.pem" "$WP" none
memscan "webhook: pc-signer holds the new signing key" "$T/sign2.pem" "$SIGNKP" key

# the TLS key and certificate replaced (on V, which serves copies, so
# that W's files stay): served from the next handshake, the new key in
# pc-tlskey only
pki_issue server2 "IP:127.0.0.1,DNS:localhost"
NEWFP=$(openssl x509 -in "$C/server2.crt" -noout -fingerprint -sha256)
cp "$C/server.key" "$T/wv.key"
cp "$C/server.crt" "$T/wv.crt"
webhook_start V --cache-dir "$(fresh_cache)" --tls-cert "$T/wv.crt" --tls-key "$T/wv.key" || exit 1
VP=$WH_PID
V=$WH_URL
VTLS=$(listened V key_processes.tls)
cp "$C/server2.key" "$T/wv.key.new"
cp "$C/server2.crt" "$T/wv.crt.new"
mv "$T/wv.key.new" "$T/wv.key"
mv "$T/wv.crt.new" "$T/wv.crt"
served_cert() {
    echo | openssl s_client -connect "127.0.0.1:${V##*:}" -CAfile "$C/ca.crt" 2>/dev/null |
        openssl x509 -noout -fingerprint -sha256 2>/dev/null | grep -qF "$NEWFP"
}
wait_until 10 served_cert && curl -s -o /dev/null --cacert "$C/ca.crt" "$V/healthz" &&
    pass "webhook: (c) the rotated TLS key and certificate are served" ||
    fail "webhook: rotated TLS key served" "$(tail -3 "$T/V.log")"
[ "$(status_of "$VTLS" PPid)" = "$VP" ] && pass "webhook: the same TLS key process loaded it" ||
    fail "webhook: same TLS key process" "pc-tlskey $VTLS gone"
memscan "webhook: the scanning process holds no form of the new TLS key" "$C/server2.key" "$VP" none
memscan "webhook: pc-tlskey holds the new TLS key" "$C/server2.key" "$VTLS" key

# --- (d) the signing key process killed: signing fails closed
kill -KILL "$SIGNKP"
code=$(curl -s -o "$T/dead.out" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
    --data-binary @"$T/uid-1.json" "$W/mutate?timeout=10s")
[ "$code" = 500 ] && ! grep -q '"patch"' "$T/dead.out" && pass "webhook: (d) /mutate: 500, no patch" ||
    fail "webhook: /mutate with the signer dead" "HTTP $code: $(head -c 400 "$T/dead.out")"
fill_task "$REQ/tes/one-executor.json" "$T/tes-one.json" "$CLEAN"
code=$(curl -s -o "$T/dead-tes.out" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
    --data-binary @"$T/tes-one.json" "$W/tes/validate?timeout=10s")
[ "$code" = 500 ] && ! grep -q '"allowed": *true' "$T/dead-tes.out" && pass "webhook: (d) /tes/validate: 500, not allowed" ||
    fail "webhook: /tes/validate with the signer dead" "HTTP $code: $(head -c 400 "$T/dead-tes.out")"
for p in verdict-key healthz readyz; do
    code=$(curl -s -o "$T/dead-$p.out" -w '%{http_code}' --cacert "$C/ca.crt" "$W/$p")
    [ "$code" = 503 ] && pass "webhook: (d) /$p: 503" || fail "webhook: /$p with the signer dead" "HTTP $code: $(head -c 300 "$T/dead-$p.out")"
done
grep_in "webhook: /healthz says why" 'signing key process is gone' "$T/dead-healthz.out"
[ "$(grep -c 'verdicts cannot be signed any more' "$T/W.log")" = 1 ] &&
    pass "webhook: the signer's end logged once" || fail "webhook: the signer's end logged once" "$(grep -c 'cannot be signed' "$T/W.log") lines"
grep_in "webhook: the log says how it ended" 'key process pc-signer \(pid [0-9]+\) was killed by signal 9' "$T/W.log"
curl -s --cacert "$C/ca.crt" "$W/metrics" >"$T/m"
grep_in "webhook: key_process error counted" '^portcullis_errors_total\{kind="key_process"\} 1$' "$T/m"
grep_in "webhook: failed signatures counted" '^portcullis_errors_total\{kind="sign"\} [1-9]' "$T/m"
code=$(curl -s -o "$T/val.out" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
    --data-binary @"$T/uid-1.json" "$W/validate?timeout=10s")
[ "$code" = 200 ] && jq -e '.response.allowed == true' "$T/val.out" >/dev/null &&
    pass "webhook: /validate (no signature needed) still answers" || fail "webhook: /validate" "HTTP $code"

# --- the TLS key process killed: no handshake completes
kill -KILL "$VTLS"
curl -s -o /dev/null --cacert "$C/ca.crt" "$V/healthz"
rc=$?
[ "$rc" != 0 ] && pass "webhook: pc-tlskey killed: TLS handshakes fail (curl exit $rc)" ||
    fail "webhook: pc-tlskey killed" "a handshake succeeded"

for p in "$WP" "$VP"; do kill -TERM "$p"; done
rcs=""
for p in "$WP" "$VP"; do wait "$p"; rcs="$rcs$?"; done
[ "$rcs" = 00 ] && pass "webhooks with dead key processes exit cleanly" || fail "clean exit" "exit codes $rcs"
leak=""
for k in "$T/sign.pem" "$T/sign2.pem" "$C/server.key" "$C/server2.key"; do
    body=$(sed -n 2p "$k")
    grep -qF "$body" "$T/W.log" "$T/V.log" "$T/cli.err" "$T/killed.err" && leak="$leak $k"
done
[ -z "$leak" ] && pass "no key in the logs" || fail "no key in the logs" "$leak"

# --- the scanning process is not dumpable: no other process of its user
# (a compromised pc-fetch or credential helper, anything else the user
# runs) can read its memory or ptrace it. As nobody: the CLI, while it
# waits to write its report, and the webhook, listening; a dumpable
# process of the same user (sleep) is the control: its memory opens.
# (outside $PC_WORK, which only root may enter)
ND=$(mktemp -d /tmp/portcullis-nd.XXXXXX)
chmod 755 "$ND"
# (the binaries and the rules copied too: the tree may be where nobody
# cannot go)
mkdir -p "$ND/bin" "$ND/data" "$ND/cache" && cp "$PC" "$WH" "$ND/bin/" && cp -r "$PC_ROOT/rules" "$ND/data/" &&
    cp -r "$T/clean" "$ND/clean" && cp "$C/server.crt" "$C/server.key" "$ND/" &&
    chmod -R a+rX "$ND" && chown 65534:65534 "$ND/cache"
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups env PORTCULLIS_DATADIR=$ND/data"
# opens PID: nobody can open /proc/PID/mem (as ptrace would be allowed)
opens() { $AS_NOBODY python3 -c 'import sys; open("/proc/%s/mem" % sys.argv[1], "rb").close()' "$1" 2>/dev/null; }
$AS_NOBODY sleep 60 &
SLEEPER=$!
track "$SLEEPER"
wait_until 10 opens "$SLEEPER" && pass "control: nobody opens the memory of its own dumpable process" ||
    fail "control: nobody opens its own dumpable process's memory" "$($AS_NOBODY python3 -c 'import sys; open("/proc/%s/mem" % sys.argv[1], "rb")' "$SLEEPER" 2>&1 | tail -1)"
kill "$SLEEPER" 2>/dev/null
mkfifo "$ND/report.fifo" && chmod 666 "$ND/report.fifo"
$AS_NOBODY "$ND/bin/portcullis" scan --no-cache --format json -o "$ND/report.fifo" "oci:$ND/clean/oci" 2>"$T/nd-cli.err" &
NDCLI=$!
track "$NDCLI"
# (in portcullis, opening the FIFO: not setpriv, env or the loader, which
# open files too while they are still dumpable)
nd_blocked() {
    [ "$(cat "/proc/$NDCLI/comm" 2>/dev/null)" = portcullis ] &&
        [ "$(cat "/proc/$NDCLI/wchan" 2>/dev/null)" = wait_for_partner ]
}
if wait_until 30 nd_blocked; then
    [ "$(status_of "$NDCLI" Uid | cut -f1)" = 65534 ] && ! opens "$NDCLI" &&
        pass "CLI as nobody: another process of nobody cannot open its memory" ||
        fail "CLI as nobody: its memory" "uid $(status_of "$NDCLI" Uid), opened: $(opens "$NDCLI" && echo yes)"
else
    fail "CLI as nobody: blocked on its report" "$(cat "$T/nd-cli.err")"
fi
timeout 30 cat "$ND/report.fifo" >"$T/nd.json"
wait "$NDCLI"
rc=$?
[ "$rc" = 0 ] && jq -e '.reports[0].verdict == "allow"' "$T/nd.json" >/dev/null &&
    pass "CLI as nobody: the scan itself is unchanged (allowed, exit 0)" ||
    fail "CLI as nobody: the scan" "exit $rc: $(head -c 400 "$T/nd-cli.err")"
$AS_NOBODY "$ND/bin/portcullis-webhook" --listen 127.0.0.1:0 --tls-cert "$ND/server.crt" --tls-key "$ND/server.key" \
    --cache-dir "$ND/cache" >"$T/ND.out" 2>"$T/ND.log" &
NDWH=$!
track "$NDWH"
nd_listening() { [ -n "$(jq -r 'select(.msg == "listening") | .port' "$T/ND.log" 2>/dev/null | head -1)" ]; }
if wait_until 30 nd_listening; then
    [ "$(status_of "$NDWH" Uid | cut -f1)" = 65534 ] && ! opens "$NDWH" &&
        pass "webhook as nobody: another process of nobody cannot open its memory" ||
        fail "webhook as nobody: its memory" "uid $(status_of "$NDWH" Uid), opened: $(opens "$NDWH" && echo yes)"
else
    fail "webhook as nobody: listening" "$(head -c 600 "$T/ND.log")"
fi
kill -TERM "$NDWH"
wait "$NDWH"
rm -rf "$ND"
