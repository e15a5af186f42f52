# Integration: webhook replicas sharing layer facts on a real redis-server
# (issue 20): --redis-url with a password on 127.0.0.1, a real registry
# (TLS, htpasswd) whose access log shows every blob fetched, real
# AdmissionReviews over HTTPS.
#   - replica B answers from replica A's scan without fetching a layer blob
#   - single-flight: two fresh replicas asked about a new image at once
#     fetch each layer once in total
#   - a corrupt value in Redis is ignored (the layer is read again, the
#     verdict is right) and replaced
#   - Redis stopped: both keep answering correctly from their own scans,
#     portcullis_redis_up 0, /readyz says "redis": "down" and stays ready;
#     Redis back: used again
#   - the password is never logged; bad URLs are refused (rediss://:
#     tests/integration/redis_tls.sh)
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
need_tools redis-server redis-cli docker-registry skopeo openssl python3 htpasswd jq curl
isolate
pki_init || { fail "pki" "openssl failed"; exit 1; }
CERTS="$T/certs.d"
pki_certdir "$CERTS"
registry_user
registry_start registry --htpasswd "$T/htpasswd" --accesslog ||
    { fail "registry up" "$(head -c 2000 "$T/registry.log")"; exit 1; }
R=$REG_HOST
for f in bad clean zstd whiteout; do build_fixture "$f" || exit 1; done
registry_push bad app/bad:v1 && registry_push clean app/clean:v1 && registry_push zstd app/sf:v1 &&
    registry_push whiteout app/down:v1 || exit 1
write_authfile "$R"

# GET requests for the layer blobs of image REPO:TAG so far
layer_gets() {
    _lg_n=0
    for _lg_d in $(registry_manifest "$R/$1" | jq -r '.layers[].digest'); do
        _lg_c=$(grep -c "\"GET /v2/${1%%:*}/blobs/$_lg_d " "$T/registry.log")
        _lg_n=$((_lg_n + _lg_c))
    done
    echo "$_lg_n"
}
nlayers() { registry_manifest "$R/$1" | jq '.layers | length'; }

# --- Redis with a password
RP=$(free_port)
SECRET="redis-pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
redis_up() {
    spawn "$T/redis.log" redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no \
        --requirepass "$SECRET"
    REDIS_PID=$LAST_PID
    wait_up "$REDIS_PID" 30 sh -c "redis-cli -p $RP -a '$SECRET' --no-auth-warning PING 2>/dev/null | grep -q PONG" || { fail "redis up" "$(head -c 600 "$T/redis.log")"; exit 1; }
}
rcli() { redis-cli -p "$RP" -a "$SECRET" --no-auth-warning -n 2 "$@"; }
redis_up
pass "redis-server up (requirepass)"
URL="redis://:$SECRET@127.0.0.1:$RP/2"

review() { # review OUT UID IMAGE
    fill "$REQ/pod.json" "$T/$1.json" "$2" team-a "$3" "$3"
}
ready_field() { curl -s --cacert "$C/ca.crt" "$1/readyz" | jq -r ".$2"; }

webhook_start A --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" || exit 1
A=$WH_URL A_PID=$WH_PID
webhook_start B --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" || exit 1
B=$WH_URL B_PID=$WH_PID
jq_true "listening line names Redis without the password" "select(.msg == \"listening\") | .redis == \"127.0.0.1:$RP/2\"" "$T/A.log"

# --- B answers from A's scan
review bad1 uid-bad-1 "$R/app/bad:v1"
send "A scans bad" deny "$A/validate?timeout=30s" "$T/bad1.json"
n1=$(layer_gets app/bad:v1)
[ "$n1" -ge 1 ] && pass "A fetched the layers ($n1 GETs)" || fail "A fetched the layers" "$n1 GETs"
[ "$(rcli --scan --pattern 'portcullis:facts:*' | wc -l)" -ge "$(nlayers app/bad:v1)" ] &&
    pass "facts of every layer in Redis" || fail "facts in Redis" "$(rcli --scan --pattern 'portcullis:*')"
review bad2 uid-bad-2 "$R/app/bad:v1"
send "B judges bad too" deny "$B/validate?timeout=30s" "$T/bad2.json"
grep -q 'suspicious-tool\|setuid' "$T/out" && pass "B's answer names the findings" || fail "B's answer" "$(head -c 600 "$T/out")"
n2=$(layer_gets app/bad:v1)
[ "$n2" = "$n1" ] && pass "B fetched no layer blob (registry access log: $n1 GETs before and after)" ||
    fail "B fetched no layer blob" "$n1 GETs before, $n2 after"
[ "$(metric "$B" 'portcullis_redis_facts_lookups_total{result="hit"}')" -ge 1 ] &&
    pass "B counts Redis facts hits" || fail "B Redis hits" "$(curl -s --cacert "$C/ca.crt" "$B/metrics" | grep redis)"
[ "$(metric "$B" portcullis_redis_up)" = 1 ] && pass "portcullis_redis_up 1" || fail "redis_up" "not 1"
[ "$(ready_field "$B" redis)" = up ] && pass "/readyz: redis up" || fail "/readyz redis" "$(curl -s --cacert "$C/ca.crt" "$B/readyz")"

# --- single-flight: two fresh replicas, one new image, at once
webhook_start C --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" || exit 1
C1=$WH_URL C_PID=$WH_PID
webhook_start D --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" || exit 1
D1=$WH_URL D_PID=$WH_PID
review sf1 uid-sf-1 "$R/app/sf:v1"
review sf2 uid-sf-2 "$R/app/sf:v1"
python3 "$CLIENT" --url "$C1/validate?timeout=30s" --cacert "$C/ca.crt" --request "$T/sf1.json" >"$T/sf1.out" 2>&1 &
p1=$!
python3 "$CLIENT" --url "$D1/validate?timeout=30s" --cacert "$C/ca.crt" --request "$T/sf2.json" >"$T/sf2.out" 2>&1 &
p2=$!
wait $p1 && wait $p2 && pass "both replicas answered" || fail "both replicas answered" "$(cat "$T/sf1.out" "$T/sf2.out" | head -c 800)"
nsf=$(layer_gets app/sf:v1)
[ "$nsf" = "$(nlayers app/sf:v1)" ] && pass "single-flight: each layer fetched once across two replicas ($nsf GETs)" ||
    fail "single-flight" "$nsf GETs for $(nlayers app/sf:v1) layers"
[ "$(jq -r .allowed "$T/sf1.out")" = "$(jq -r .allowed "$T/sf2.out")" ] && [ "$(jq -r .allowed "$T/sf1.out")" != null ] &&
    pass "single-flight: both replicas gave the same verdict" || fail "single-flight verdicts" "differ"

# --- a corrupt value is ignored, and replaced
for k in $(rcli --scan --pattern 'portcullis:facts:*'); do rcli SET "$k" "not facts at all" >/dev/null; done
webhook_start E --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" || exit 1
E1=$WH_URL
n3=$(layer_gets app/bad:v1)
review bad3 uid-bad-3 "$R/app/bad:v1"
send "corrupt Redis value: still denied" deny "$E1/validate?timeout=30s" "$T/bad3.json"
n4=$(layer_gets app/bad:v1)
[ "$n4" -gt "$n3" ] && pass "corrupt value ignored: the layers were read again" || fail "corrupt value" "no new GETs ($n3 → $n4)"
bad_left=$(for k in $(rcli --scan --pattern 'portcullis:facts:*'); do rcli GET "$k"; done | grep -c '^not facts at all$')
[ "$bad_left" -lt "$(rcli --scan --pattern 'portcullis:facts:*' | wc -l)" ] && pass "corrupt values replaced by good facts" ||
    fail "corrupt values replaced" "$bad_left still corrupt"

# --- --redis-key: values carry an HMAC-SHA256; one written without the secret is a miss
printf '%s\n' "0123456789abcdef0123456789abcdef-$SECRET" >"$T/rkey" && chmod 0600 "$T/rkey"
grep -q 'without --redis-key' "$T/A.log" && pass "no --redis-key: a warning says Redis is trusted" || fail "no-key warning" "none in A.log"
webhook_start G --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" --redis-key "$T/rkey" || exit 1
G1=$WH_URL
n5=$(layer_gets app/bad:v1)
review key1 uid-key-1 "$R/app/bad:v1"
send "keyed replica denies bad" deny "$G1/validate?timeout=30s" "$T/key1.json"
n6=$(layer_gets app/bad:v1)
[ "$n6" -gt "$n5" ] && pass "--redis-key: values without its HMAC are not believed (layers read again)" ||
    fail "--redis-key unauthenticated values" "no new GETs ($n5 → $n6)"
keyed=0
for k in $(rcli --scan --pattern 'portcullis:facts:*'); do
    [ "$(rcli --raw GET "$k" | head -c 4)" = PCR1 ] && keyed=$((keyed + 1))
done
[ "$keyed" -ge 1 ] && pass "--redis-key: values are written with their MAC ($keyed)" || fail "keyed values" "none start with PCR1"
webhook_start H --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" --redis-key "$T/rkey" || exit 1
review key2 uid-key-2 "$R/app/bad:v1"
send "second keyed replica denies bad" deny "$WH_URL/validate?timeout=30s" "$T/key2.json"
n7=$(layer_gets app/bad:v1)
[ "$n7" = "$n6" ] && pass "--redis-key: a replica with the same secret takes the facts (no layer fetched)" ||
    fail "--redis-key shared" "$n6 → $n7 GETs"
printf 'tiny-secret-x\n' >"$T/shortkey"
"$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --listen 127.0.0.1:0 --redis-url "$URL" \
    --redis-key "$T/shortkey" >"$T/sk.out" 2>"$T/sk.err"
[ $? -ne 0 ] && grep -q -- '--redis-key' "$T/sk.err" && ! grep -q tiny-secret-x "$T/sk.err" &&
    pass "--redis-key: a short secret is refused without being printed" || fail "short key" "$(cat "$T/sk.err")"

# --- Redis down: each replica scans on its own; back: used again
stop_pid "$REDIS_PID" KILL >/dev/null 2>&1
wait_until 10 sh -c "! redis-cli -p $RP PING >/dev/null 2>&1" || true
review dn1 uid-dn-1 "$R/app/clean:v1"
send "Redis down: A still judges (clean allowed)" allow "$A/validate?timeout=30s" "$T/dn1.json"
review dn2 uid-dn-2 "$R/app/bad:v1"
fill "$REQ/pod.json" "$T/dn2.json" uid-dn-2 team-a "$R/app/down:v1" "$R/app/bad:v1"
send "Redis down: B still denies bad" deny "$B/validate?timeout=30s" "$T/dn2.json"
[ "$(metric "$A" portcullis_redis_up)" = 0 ] && pass "Redis down: portcullis_redis_up 0" || fail "redis_up 0" "$(metric "$A" portcullis_redis_up)"
[ "$(metric "$A" 'portcullis_errors_total{kind="redis"}')" -ge 1 ] && pass "Redis down: errors_total{kind=redis}" ||
    fail "errors_total redis" "$(curl -s --cacert "$C/ca.crt" "$A/metrics" | grep errors_total)"
[ "$(ready_field "$A" redis)" = down ] && [ "$(ready_field "$A" ready)" = true ] &&
    pass "Redis down: /readyz says so and stays ready" || fail "/readyz redis down" "$(curl -s --cacert "$C/ca.crt" "$A/readyz")"
redis_up
sleep 1.2 # (the one-second back-off after a failure)
fill "$REQ/pod.json" "$T/up1.json" uid-up-1 team-a "$R/app/down:v1" "$R/app/down:v1"
send "Redis back: A judges a new image" deny "$A/validate?timeout=30s" "$T/up1.json"
wait_until 10 sh -c "[ \"\$(curl -s --cacert '$C/ca.crt' '$A/metrics' | awk '\$1 == \"portcullis_redis_up\" {print \$2}')\" = 1 ]" &&
    pass "Redis back: portcullis_redis_up 1 again" || fail "redis back" "$(metric "$A" portcullis_redis_up)"
[ "$(rcli --scan --pattern 'portcullis:facts:*' | wc -l)" -ge 1 ] && pass "Redis back: facts written again" ||
    fail "facts after recovery" "none"

# --- secrets and bad URLs
grep -l -e "$SECRET" -e 0123456789abcdef0123456789abcdef "$T"/*.log "$T"/*.out 2>/dev/null | grep -v redis.log >"$T/leak" || true
[ -s "$T/leak" ] && fail "password never logged" "in $(cat "$T/leak")" || pass "password never logged"
for u in "redis://127.0.0.1" "redis://127.0.0.1:0" "http://x:1" "redis://h:1/x"; do
    "$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --listen 127.0.0.1:0 --redis-url "$u" >"$T/bad.out" 2>"$T/bad.err" &
    bp=$!
    wait_until 20 exited "$bp"
    wait "$bp"
    rc=$?
    [ "$rc" -ne 0 ] && grep -q -- '--redis-url' "$T/bad.err" && pass "refused: $u" || fail "refused: $u" "rc $rc $(head -c 300 "$T/bad.err")"
done
"$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --listen 127.0.0.1:0 --redis-url "redis://user:$SECRET@127.0.0.1:0" >"$T/bad.out" 2>"$T/bad.err"
grep -q "$SECRET" "$T/bad.err" && fail "bad URL message hides the password" "$(cat "$T/bad.err")" || pass "bad URL message hides the password"
