# tests/harness/webhook.sh — portcullis-webhook for the tests (sourced
# after tests/harness/registry.sh). POSIX sh.
#
#   webhook_start NAME ARGS...  portcullis-webhook --listen 127.0.0.1:0
#                               --cert-dir $CERTS --authfile $T/auth.json
#                               ARGS..., its log (stderr) in $T/NAME.log;
#                               returns once the "listening" line names the
#                               port and /healthz answers; sets WH_PID,
#                               WH_PORT, WH_URL (https://127.0.0.1:PORT).
#                               A FAIL line and 1 when it does not (30 s)
#   webhook_stop PID            SIGTERM, and PID's exit status
#   metrics_port NAME           the --metrics-listen port NAME's "listening"
#                               line names (empty without the flag)
#   tes_upstream_start PORT RECORD
#                               tests/webhook/tes_upstream.py (a recording
#                               TES server, plain HTTP) on PORT; sets
#                               TES_PID; a FAIL line and 1 unless it answers
#   send NAME EXPECT URL FILE [client.py args]
#                               one review through tests/webhook/client.py,
#                               checked as the apiserver does; EXPECT is
#                               allow, deny or an HTTP status; PASS or FAIL;
#                               its JSON answer in $T/out
#   verify_all NAME FILE KEY DIGEST WANT [TEXT]
#                               every envelope of the JSON array FILE through
#                               `portcullis verify --key KEY --image-digest
#                               DIGEST` (and --policy-digest $POLICY_D when
#                               set) exits WANT (and says TEXT); PASS or FAIL.
#                               $VERIFY_RUN, when set, is passed too
#                               (--any-run, --run-key K): a pod's envelopes
#                               each judged its container's run
WH="$PC_BUILD/portcullis-webhook"
REQ="$PC_ROOT/fixtures/requests"
CLIENT="$PC_ROOT/tests/webhook/client.py"

# the port from the "listening" log line
_wh_port() {
    WH_PORT=$(jq -r 'select(.msg == "listening") | .port' "$1" 2>/dev/null | head -1)
    [ -n "$WH_PORT" ]
}

webhook_start() {
    _ws_name=$1
    shift
    WH_PORT="" WH_URL=""
    "$WH" --listen 127.0.0.1:0 --cert-dir "$CERTS" --authfile "$T/auth.json" "$@" \
        >"$T/$_ws_name.out" 2>"$T/$_ws_name.log" &
    WH_PID=$!
    track "$WH_PID"
    # (readiness only: whatever certificate it serves, the tests verify it)
    if wait_up "$WH_PID" 30 _wh_port "$T/$_ws_name.log" &&
        wait_up "$WH_PID" 30 answers "https://127.0.0.1:$WH_PORT/healthz" --insecure; then
        WH_URL="https://127.0.0.1:$WH_PORT"
        return 0
    fi
    fail "start $_ws_name" "$(head -c 800 "$T/$_ws_name.log")"
    return 1
}

webhook_stop() { stop_pid "$1" TERM; }

# listened NAME FIELD: a field of webhook NAME's "listening" log line (a
# jq path: port, key_processes.tls, ...), empty when it has none
listened() { jq -r "select(.msg == \"listening\") | .$2 // empty" "$T/$1.log" 2>/dev/null | head -1; }

metrics_port() { listened "$1" metrics_port; }

# killed_unhealthy NAME URL PID WORD: kill the webhook's helper process
# PID; its /healthz must answer 503 naming WORD (within 10 s: the end is
# seen once the process is reaped)
unhealthy() { [ "$(curl -s -o "$T/hz.out" -w '%{http_code}' --cacert "$C/ca.crt" "$1/healthz")" = 503 ] && grep -q "$2" "$T/hz.out"; }
killed_unhealthy() {
    [ -n "$3" ] && kill -9 "$3" && wait_until 10 unhealthy "$2" "$4" && pass "$1" ||
        fail "$1" "pid '$3': $(cat "$T/hz.out" 2>/dev/null)"
}

tes_upstream_start() {
    spawn "$T/tes_upstream.out" python3 "$PC_ROOT/tests/webhook/tes_upstream.py" --port "$1" --record "$2"
    TES_PID=$LAST_PID
    wait_up "$TES_PID" 30 answers "http://127.0.0.1:$1/ga4gh/tes/v1/service-info" ||
        { fail "TES upstream up" "$(cat "$T/tes_upstream.out")"; return 1; }
}

send() {
    _sd_name=$1 _sd_want=$2 _sd_url=$3 _sd_file=$4
    shift 4
    case $_sd_want in
    allow | deny) set -- --expect "$_sd_want" "$@" ;;
    *) set -- --expect-http "$_sd_want" "$@" ;;
    esac
    if python3 "$CLIENT" --url "$_sd_url" --cacert "$C/ca.crt" --request "$_sd_file" "$@" >"$T/out" 2>"$T/err"; then
        pass "$_sd_name ($_sd_want)"
    else
        fail "$_sd_name" "$(head -c 1200 "$T/out") $(head -c 300 "$T/err")"
    fi
}

verify_all() {
    _va_n=$(jq length "$2" 2>/dev/null || echo 0)
    _va_bad=""
    [ "$_va_n" -ge 1 ] 2>/dev/null || { _va_bad="no envelopes in $2"; _va_n=0; }
    _va_i=0
    while [ $_va_i -lt "$_va_n" ]; do
        # shellcheck disable=SC2086 # VERIFY_RUN: flags, no spaces in their values
        if [ -n "${POLICY_D:-}" ]; then
            jq -c ".[$_va_i]" "$2" | "$PC" verify --key "$3" --image-digest "$4" --policy-digest "$POLICY_D" \
                ${VERIFY_RUN:-} - >"$T/v.out" 2>&1
        else
            jq -c ".[$_va_i]" "$2" | "$PC" verify --key "$3" --image-digest "$4" ${VERIFY_RUN:-} - >"$T/v.out" 2>&1
        fi
        _va_rc=$?
        [ "$_va_rc" = "$5" ] || _va_bad="$_va_bad envelope $_va_i: exit $_va_rc $(head -c 300 "$T/v.out")"
        [ -z "${6:-}" ] || grep -q "$6" "$T/v.out" || _va_bad="$_va_bad envelope $_va_i: no \"$6\": $(head -c 300 "$T/v.out")"
        _va_i=$((_va_i + 1))
    done
    [ -z "$_va_bad" ] && pass "$1 ($_va_n envelopes)" || fail "$1" "$_va_bad"
}
