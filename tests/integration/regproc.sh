# Integration: the registry process (pc-fetch, docs/privsep.md). Registry
# secrets live only there, never in the process that parses images: while
# a CLI scan waits to write its report (into a FIFO), and after the
# webhook reviewed a pod, the scanning process's /proc/PID/mem holds no
# password, no "user:password" in base64 and no registry token, whether
# they came from an authfile, from --creds with the password on standard
# input, or from $PORTCULLIS_REGISTRY_TOKEN; the registry process holds
# them (the search finds them where they are). pc-fetch is a child of the
# scanning process with no_new_privs, and a scan whose registry process is
# killed fails closed (exit 3, scan-error naming it, never allowed); a
# webhook whose pc-fetch is killed answers /healthz 503 naming it, logs it
# once and denies a new image with a scan-error. The scanning process
# itself runs under its seccomp filter (CLI and webhook), and so does
# pc-fetch (its own list: sockets, programs and keyrings left).
# Needs root (the registry process is not dumpable).
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
registry_up

MS="$PC_ROOT/tests/webhook/memscan.py"
[ "$(id -u)" = 0 ] || { fail "root" "regproc.sh reads /proc/PID/mem of other processes"; exit 1; }

build_fixture clean || exit 1
registry_push clean app/clean:v1 || exit 1
registry_push clean app/other:v1 || exit 1
CLEAN="$R/app/clean:v1"
write_authfile "$R"
TOKEN="tok-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf 'password\t%s\nbasic\t%s\ntoken\t%s\tPORTCULLIS_REGISTRY_TOKEN\n' "$PASS" "$(b64 "$USER_NAME:$PASS")" "$TOKEN" \
    >"$T/secrets.tsv"
# A sanitizer runtime reads /proc/self/environ into a buffer of its own at
# start, which no program can wipe: under AddressSanitizer (make test) a
# copy of the environment block ("token@envcopy": NAME=VALUE, off the
# stack) is all the scanning process may hold of the token; without it,
# nothing at all
if ldd "$PC" 2>/dev/null | grep -q libasan; then
    NONE='[.[] | select(endswith("@envcopy") | not)] == []'
else
    NONE='. == []'
fi

# secrets NAME PID WANT: WANT "none" (no secret in its memory) or a jq
# test on the names found
secrets() {
    python3 "$MS" --secrets "$T/secrets.tsv" "$2" >"$T/ms.json" 2>"$T/ms.err" || {
        fail "$1" "memscan failed: $(cat "$T/ms.err")"
        return
    }
    if [ "$3" = none ]; then
        jq_true "$1" ".\"$2\" | $NONE" "$T/ms.json"
    else
        jq_true "$1" ".\"$2\" | $3" "$T/ms.json"
    fi
}

# cli NAME WANT_EXIT FETCH_HOLDS [VAR=VALUE...] -- SCAN_ARGS...: a scan
# (its report into a FIFO, stdin from $T/stdin); while it waits to write,
# the scanning process holds no secret and pc-fetch holds FETCH_HOLDS
cli() {
    _n=$1 _want=$2 _holds=$3
    shift 3
    _env=""
    while [ "$1" != -- ]; do _env="$_env $1"; shift; done
    shift
    rm -f "$T/report.fifo"
    mkfifo "$T/report.fifo"
    env $_env "$PC" scan --cache-dir "$(fresh_cache)" --cert-dir "$CERTS" --format json \
        -o "$T/report.fifo" "$@" <"$T/stdin" 2>"$T/cli.err" &
    CLI=$!
    # (waiting in the FIFO's open: not any openat, the loader's at start
    # among them, before a secret was read)
    blocked() { [ "$(cat "/proc/$CLI/wchan" 2>/dev/null)" = wait_for_partner ]; }
    if wait_until 30 blocked; then
        FETCH=$(pgrep -P "$CLI" -x pc-fetch)
        [ -n "$FETCH" ] && [ "$(status_of "$FETCH" NoNewPrivs)" = 1 ] && [ "$(status_of "$FETCH" Seccomp)" = 2 ] &&
            pass "$_n: pc-fetch is the scan's child, with no_new_privs and its seccomp filter" ||
            fail "$_n: pc-fetch" "children: $(pgrep -P "$CLI" -l | tr '\n' ' ')"
        [ "$(status_of "$CLI" Seccomp)" = 2 ] && [ "$(status_of "$CLI" NoNewPrivs)" = 1 ] &&
            pass "$_n: the scanning process is confined (seccomp filter, no_new_privs)" ||
            fail "$_n: the scanning process is confined" "$(grep -E 'Seccomp:|NoNewPrivs:' "/proc/$CLI/status" | tr '\n' ' ')"
        secrets "$_n: the scanning process holds no registry secret" "$CLI" none
        secrets "$_n: pc-fetch holds the registry secret" "$FETCH" "$_holds"
    else
        fail "$_n: blocked on its report" "$(cat "/proc/$CLI/syscall" 2>&1) $(cat "$T/cli.err")"
    fi
    cat "$T/report.fifo" >"$T/cli.json"
    wait "$CLI"
    _rc=$?
    [ "$_rc" = "$_want" ] && pass "$_n: exit $_want" || fail "$_n: exit $_want" "exit $_rc: $(cat "$T/cli.err")"
}

: >"$T/stdin"
cli "authfile" 0 'index("basic") != null' -- --authfile "$T/auth.json" "$CLEAN"
jq_true "authfile: allowed from the registry" '.reports[0].verdict == "allow" and .reports[0].scan_failed != true' "$T/cli.json"
printf '%s\n' "$PASS" >"$T/stdin"
cli "--creds USER, password on stdin" 0 'index("password") != null' -- --creds "$USER_NAME" "$CLEAN"
: >"$T/stdin"
cli "--creds USER:PASSWORD" 0 'index("password") != null' -- --creds "$USER_NAME:$PASS" "$CLEAN"
# a token the Basic registry refuses: the scan fails, the token stayed out
cli "PORTCULLIS_REGISTRY_TOKEN" 3 'index("token") != null' "PORTCULLIS_REGISTRY_TOKEN=$TOKEN" -- "$CLEAN"
grep_in "the refused token: unauthorized" 'unauthorized' "$T/cli.err"
grep_none "the token is in no message" -F "$TOKEN" "$T/cli.err" "$T/cli.json"

# --- pc-fetch killed while a credential helper it runs holds the scan up:
# the image is not allowed, and the error names the registry process
blocking_helper
PATH="$T/bin:$PATH" "$PC" scan --cache-dir "$(fresh_cache)" --cert-dir "$CERTS" --authfile "$T/blocking-auth.json" \
    --format json -o "$T/killed.json" "$CLEAN" 2>"$T/killed.err" &
CLI=$!
if wait_until 30 test -e "$T/helper.started"; then
    HELPER_PARENT=$(pgrep -f docker-credential-pcblock | head -1)
    HELPER_PARENT=$(status_of "$HELPER_PARENT" PPid)
    [ "$(cat "/proc/$HELPER_PARENT/comm" 2>/dev/null)" = pc-fetch ] &&
        pass "the credential helper runs under pc-fetch" ||
        fail "the credential helper runs under pc-fetch" "its parent is $(cat "/proc/$HELPER_PARENT/comm" 2>&1)"
    kill -KILL "$(pgrep -P "$CLI" -x pc-fetch)"
else
    fail "credential helper started" "$(cat "$T/killed.err")"
fi
wait "$CLI"
rc=$?
: >"$T/helper.go"
[ "$rc" = 3 ] && pass "pc-fetch killed: exit 3" || fail "pc-fetch killed: exit 3" "exit $rc: $(cat "$T/killed.err")"
grep_in "pc-fetch killed: the error names it" 'the registry process pc-fetch \(pid [0-9]+\) was killed by signal 9' "$T/killed.err"
jq_true "pc-fetch killed: not allowed, a scan-error" \
    '.reports[0].verdict != "allow" and ([.reports[0].findings[] | select(.check == "scan-error")] | length) == 1' "$T/killed.json"

# --- the webhook: its registry process, and what each holds after a review
webhook_start W --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" || exit 1
WP=$WH_PID
W=$WH_URL
RP=$(listened W registry_process)
[ "$(status_of "$RP" PPid)" = "$WP" ] && [ "$(cat "/proc/$RP/comm")" = pc-fetch ] &&
    [ "$(status_of "$RP" NoNewPrivs)" = 1 ] && [ "$(status_of "$RP" Seccomp)" = 2 ] &&
    pass "webhook: the listening line names its registry process (no_new_privs, seccomp filter)" ||
    fail "webhook: registry process" "registry_process $RP webhook $WP"
fill "$REQ/pod.json" "$T/pod.json" uid-1 team-a "$CLEAN" "$CLEAN"
review() {
    code=$(curl -s -o "$T/val.out" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
        --data-binary @"$T/pod.json" "$W/validate?timeout=10s")
    ! grep -q 'in progress, retry' "$T/val.out"
}
wait_until 20 review
[ "$code" = 200 ] && jq -e '.response.allowed == true' "$T/val.out" >/dev/null &&
    pass "webhook: the pod is reviewed from the registry (allowed)" || fail "webhook: review" "HTTP $code: $(head -c 400 "$T/val.out")"
[ "$(status_of "$WP" Seccomp)" = 2 ] && pass "webhook: confined (seccomp filter)" ||
    fail "webhook: confined" "$(grep -E 'Seccomp:' "/proc/$WP/status")"
secrets "webhook: the scanning process holds no registry secret" "$WP" none
secrets "webhook: pc-fetch holds the authfile's secret" "$RP" 'index("basic") != null'
# pc-fetch killed: no registry image can be read any more, so the webhook
# says it is unhealthy (the kubelet restarts it), logs it once, and a pod
# of an image it has not judged is not allowed
killed_unhealthy "webhook: pc-fetch killed: /healthz 503 says why" "$W" "$RP" \
    'registry process pc-fetch (pid [0-9]*) was killed by signal 9'
curl -s -o /dev/null --cacert "$C/ca.crt" "$W/readyz"
[ "$(grep -c 'no registry image can be read any more' "$T/W.log")" = 1 ] &&
    pass "webhook: pc-fetch's end logged once" || fail "webhook: pc-fetch's end logged once" "$(grep -c 'no registry image' "$T/W.log") lines"
fill "$REQ/pod.json" "$T/pod.json" uid-2 team-a "$R/app/other:v1" "$R/app/other:v1"
wait_until 20 review
jq_true "webhook: pc-fetch dead: a new image is denied, a scan-error naming it" \
    '.response.allowed == false and (.response.status.message | test("scan-error.*registry process pc-fetch"))' "$T/val.out"
kill -TERM "$WP"
wait "$WP"
rc=$?
[ "$rc" = 0 ] && pass "webhook: clean exit" || fail "webhook: clean exit" "exit $rc"
grep_none "no secret in the webhook's log" -F "$PASS" "$T/W.log"
