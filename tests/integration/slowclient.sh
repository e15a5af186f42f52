# Integration: slow clients cannot lock portcullis-webhook out. Real TLS
# against the real binary (tests/webhook/slowclient.py drives the clients;
# PKI, registry and webhooks from tests/harness/). Every dripper
# sends a byte a second, far below the idle timeout (--client-timeout 60s
# here), so only the absolute deadlines can end it:
#  1. one address opens more connections than there are slots, dripping
#     header bytes (and raw TLS handshakes): --max-conns-per-ip holds it
#     to its share at accept, a legitimate client from another address
#     gets /healthz and /validate answered throughout, and every dripper
#     is cut at --header-timeout (not before, and long before the idle
#     timeout);
#  2. without a per-address limit, drippers hold every slot: the header
#     deadline frees them, and the legitimate client waiting in the
#     listen backlog is answered within the deadline and a bound;
#  3. a keep-alive connection that got an answer and then drips its next
#     request's headers is cut at --header-timeout after the answer;
#  3b. a client that pipelines requests and never reads is cut as soon as
#     its socket cannot take an answer;
#  3c. TLS handshakes stalled half-way cost no CPU while they wait, and
#     complete when their bytes come;
#  4. a client dripping its BODY gets 408 once --client-timeout has passed
#     since its headers, and the connection is closed; one whose request
#     was refused from its head (404) and whose body is only being thrown
#     away gets that answer at the same deadline.
# Waits are on events (a condition in the driver, a bounded poll here); the
# time bounds are generous (seconds), the deadlines are a few seconds.
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
registry_up

SC="$PC_ROOT/tests/webhook/slowclient.py"
HT=3 # --header-timeout, seconds
for a in 127.0.0.2 127.0.0.3 127.0.0.4; do # sources: the legitimate client, and attackers (fresh addresses)
    python3 -c "import socket; socket.create_connection(('127.0.0.1', 1), source_address=('$a', 0))" 2>&1 |
        grep -q "Cannot assign" && { fail "loopback $a" "not usable as a source address"; exit 1; }
done

build_fixture clean || exit 1
registry_push clean app/clean:v1 || exit 1
CLEAN_D="sha256:$(registry_digest "$R/app/clean:v1")"
write_authfile "$R"
fill "$REQ/pod.json" "$T/pod.json" uid-slow team-a "$R/app/clean@$CLEAN_D" "$R/app/clean@$CLEAN_D"
# check NAME JQ-FILTER: on $T/out (the driver's JSON), with $ht the deadline
check() {
    if [ "$(jq -e --argjson ht "$HT" "$2" "$T/out" 2>/dev/null)" = "true" ]; then
        pass "$1"
    else
        fail "$1" "jq '$2' is not true on: $(head -c 3000 "$T/out")"
    fi
}

# --- the flags: bad values are usage errors
run "--header-timeout below 1s refused" 2 "$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --header-timeout 500ms
grep_in "--header-timeout: says what it wants" 'header-timeout "500ms": expected a duration from 1s' "$T/err"
run "--max-conns-per-ip not a number refused" 2 "$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --max-conns-per-ip -1
grep_in "--max-conns-per-ip: says what it wants" 'max-conns-per-ip "-1": expected a number' "$T/err"

# --- 1. one address, more connections than slots: per-address limit + header deadline
webhook_start P --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --max-connections 24 \
    --max-conns-per-ip 8 --header-timeout ${HT}s --client-timeout 60s || exit 1
P=$WH_URL
P_PID=$WH_PID
jq_true "listening line names the limits" 'select(.msg == "listening") | .max_connections == 24 and .max_conns_per_ip == 8 and .header_timeout_ms == 3000' "$T/P.log"
python3 "$CLIENT" --url "$P/validate?timeout=20s" --cacert "$C/ca.crt" --request "$T/pod.json" \
    --expect allow >"$T/warm.out" 2>&1 && pass "warm: the image scanned once" || fail "warm" "$(head -c 800 "$T/warm.out")"
python3 "$SC" attack --port "${P##*:}" --cacert "$C/ca.crt" --conns 30 --source 127.0.0.4 --raw 4 --raw-source 127.0.0.3 \
    --held 12 --interval 1 --duration 25 --validate "$T/pod.json" >"$T/out" 2>"$T/err" ||
    fail "attack 1 ran" "$(head -c 800 "$T/err")"
cp "$T/out" "$T/attack1.json"
check "per-address limit: 8 of 30 header drippers held, all 4 handshake drippers (another address)" \
    '.held_when_probing == 12 and ([.drippers[] | select(.kind == "headers" and .accepted)] | length) == 8 and ([.drippers[] | select(.kind == "tls" and .accepted)] | length) == 4'
check "per-address limit: the other 22 refused at once" '.refused == 22 and ([.drippers[] | select(.kind == "headers" and (.accepted | not)) | .refused != null] | length == 22)'
check "every held dripper dripped more than one byte" '[.drippers[] | select(.accepted) | .sent > 1] | all'
check "every header dripper cut by the header deadline, not before it" \
    '[.drippers[] | select(.kind == "headers" and .accepted) | .t_cut != null and (.t_cut - .t_connect) >= ($ht - 0.5) and (.t_cut - .t_held) <= ($ht + 5)] | (length == 8 and all)'
check "every TLS handshake dripper cut by the header deadline, not before it" \
    '[.drippers[] | select(.kind == "tls") | .t_cut != null and (.t_cut - .t_connect) >= ($ht - 0.5) and (.t_cut - .t_connect) <= ($ht + 5)] | (length == 4 and all)'
check "legitimate /healthz answered throughout, each within 5s" \
    '[.probes[] | select(.what == "healthz")] | (length >= 3 and ([.[] | .status == 200 and .latency < 5] | all))'
check "legitimate /validate answered during the attack within 5s" \
    '[.probes[] | select(.what == "validate") | .status == 200 and .latency < 5] == [true]'
cut=$(metric "$P" 'portcullis_errors_total{kind="slow_client"}')
[ "${cut:-0}" -ge 12 ] && pass "cut connections counted as slow_client ($cut)" || fail "slow_client counted" "got ${cut:-none}"
grep_in "cut connections logged with the client address" '"msg":"http: connection from 127.0.0.4 closed: no complete request head within 3000 ms' "$T/P.log"

# --- 2. no per-address limit: drippers hold every slot; the deadline frees them
webhook_start Q --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --max-connections 16 \
    --max-conns-per-ip 0 --header-timeout ${HT}s --client-timeout 60s || exit 1
Q=$WH_URL
python3 "$SC" attack --port "${Q##*:}" --cacert "$C/ca.crt" --conns 24 --held 16 \
    --interval 1 --duration 25 >"$T/out" 2>"$T/err" || fail "attack 2 ran" "$(head -c 800 "$T/err")"
cp "$T/out" "$T/attack2.json"
check "every slot held by a dripper when the legitimate client came" '.held_when_probing == 16'
check "legitimate /healthz answered within the deadline and a bound" \
    '[.probes[] | select(.what == "healthz")] | (length >= 1 and ([.[] | .status == 200] | all) and .[0].latency < ($ht + 5))'
check "every dripper cut (those queued too, at their own deadline)" \
    '[.drippers[] | .accepted and .t_cut != null and (.t_cut - .t_held) <= ($ht + 5)] | (length == 24 and all)'
curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" "$Q/healthz" >"$T/code"
grep_in "the webhook still answers after the attack" '^200$' "$T/code"

# --- 3. keep-alive: the deadline starts again after each answer
python3 "$SC" keepalive --port "${P##*:}" --cacert "$C/ca.crt" --interval 1 --duration 20 >"$T/out" 2>"$T/err" ||
    fail "keepalive ran" "$(head -c 800 "$T/err")"
check "keep-alive: first request answered" '.status == "HTTP/1.1 200 OK"'
check "keep-alive: next request's dripped head cut at the deadline after the answer" \
    '.t_cut != null and (.t_cut - .t_answer) >= ($ht - 0.5) and (.t_cut - .t_answer) <= ($ht + 5) and .sent > 1'

# --- 3b. a client that pipelines requests and never reads its answers:
# each answer is held to go out as one TLS record (onerecord.h); once the
# socket cannot take one, the connection is shut down at once (not held
# until --client-timeout, 60s here), and what was sent before is whole
python3 "$SC" nonreader --port "${P##*:}" --cacert "$C/ca.crt" --duration 40 >"$T/out" 2>"$T/err" ||
    fail "nonreader ran" "$(head -c 800 "$T/err")"
check "non-reader: cut soon after its answers stopped going out, not at the idle timeout" \
    '.t_cut != null and (.t_cut - .t_stopped) <= 20 and .end != "timeout"'
check "non-reader: the answers before the cut are whole and in order (no TLS error but a truncated last record)" \
    '.answers >= 1 and (.end == "eof" or .end == "reset" or .end == "tls-eof")'
curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" "$P/healthz" >"$T/code"
grep_in "the webhook still answers after the non-reader" '^200$' "$T/code"

# --- 3c. TLS handshakes that stop half-way wait off the event loops
# (handshake.c): libmicrohttpd would call the handshake again and again
# (recv EAGAIN, epoll_wait(0)), a whole CPU per loop, until the header
# deadline. Four connections hold part of a ClientHello for 2s (under
# --header-timeout, 3s): the webhook's CPU over 1.5s of it stays near
# zero (a loop spinning is about 150 clock ticks in that time), and each
# handshake then completes and is answered
rm -f "$T/held"
python3 "$SC" stall --port "${P##*:}" --cacert "$C/ca.crt" --conns 4 --hold 2 --marker "$T/held" \
    --duration 20 >"$T/out" 2>"$T/err" &
SPID=$!
i=0
while [ ! -s "$T/held" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(awk '{print $14 + $15}' "/proc/$P_PID/stat")
sleep 1.5
t1=$(awk '{print $14 + $15}' "/proc/$P_PID/stat")
wait $SPID || fail "stall ran" "$(head -c 800 "$T/err")"
[ -s "$T/held" ] && [ $((t1 - t0)) -le 20 ] && pass "stalled handshakes: no CPU spent waiting ($((t1 - t0)) ticks in 1.5s)" ||
    fail "stalled handshakes: no CPU spent waiting" "$((t1 - t0)) clock ticks in 1.5s (held: $(cat "$T/held" 2>/dev/null))"
check "stalled handshakes: each completes once its bytes come, and is answered" \
    '.statuses == ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"]'

# --- 4. a dripped body: 408 after --client-timeout (3s), connection closed
webhook_start B --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --client-timeout 3s || exit 1
B=$WH_URL
python3 "$SC" body --port "${B##*:}" --cacert "$C/ca.crt" --interval 0.5 --duration 20 >"$T/out" 2>"$T/err" ||
    fail "body drip ran" "$(head -c 800 "$T/err")"
check "dripped body: 408 Request Timeout" '.reply == "HTTP/1.1 408 Request Timeout"'
check "dripped body: 408 after the body deadline, within a bound" '(.t_reply - .t_headers) >= 2.5 and (.t_reply - .t_headers) <= 10 and .sent > 2'
check "dripped body: 408 body is a Kubernetes Status" '(.body | fromjson | .kind == "Status" and .code == 408 and (.message | contains("not received in time")))'
[ "$(metric "$B" 'portcullis_errors_total{kind="slow_client"}')" = 1 ] && pass "408 counted as slow_client" ||
    fail "408 counted" "$(metric "$B" 'portcullis_errors_total{kind="slow_client"}')"
# a refused request (404, no certificate needed) whose body is read only to
# be thrown away is no way to stay either: its answer at the body deadline
python3 "$SC" body --port "${B##*:}" --cacert "$C/ca.crt" --path /nope --interval 0.5 --duration 20 >"$T/out" 2>"$T/err" ||
    fail "refused body drip ran" "$(head -c 800 "$T/err")"
check "refused request's dripped body: its 404 at the body deadline" \
    '.reply == "HTTP/1.1 404 Not Found" and (.t_reply - .t_headers) >= 2.5 and (.t_reply - .t_headers) <= 10 and (.body | fromjson | .code == 404)'

# --- shutdown: clean exit after all that
webhook_stop "$WH_PID" && pass "SIGTERM: clean exit" || fail "SIGTERM: clean exit" "exit $?"
