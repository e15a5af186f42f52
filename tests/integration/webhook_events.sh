# Integration: portcullis-webhook's event loops never wait for a scan
# (issue 20). Real TLS against the real binary, a real registry behind
# tests/webhook/slowproxy.py holding the layer blobs of app/slow and
# app/shared back ($DELAY s each), tests/webhook/overlap.py driving the
# clients. With --threads 1 (one event loop for every connection):
#  1. while reviews wait for a held-back scan (their connections
#     suspended: portcullis_requests_waiting says so), reviews of a cached
#     image on other keep-alive connections are all answered, every one of
#     them before the first waiting review (the order of completion, not a
#     time, is asserted); the waiting ones are then answered too, allowed,
#     from one shared scan; cached answers are never deferred;
#  2. a client that resets its connection while its review waits leaves
#     nothing behind: the review ends, its scan's verdict is kept, the
#     webhook answers on (the sanitizer build reports any leak or misuse
#     at exit);
#  3. SIGTERM while a review waits: the webhook resumes it before stopping
#     libmicrohttpd (which aborts when a connection is still suspended),
#     and exits 0;
#  4. --threads: a usage error when out of range; the listening line
#     names the threads serving.
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
registry_up

DELAY=2
OV="$PC_ROOT/tests/webhook/overlap.py"
for f in clean zstd whiteout; do build_fixture "$f" || exit 1; done
registry_push clean app/clean:v1 && registry_push zstd app/slow:v1 && registry_push whiteout app/shared:v1 || exit 1
P_PROXY=$(free_port)
write_authfile "$R" "127.0.0.1:$P_PROXY"
spawn "$T/proxy.out" python3 "$PC_ROOT/tests/webhook/slowproxy.py" --port "$P_PROXY" \
    --tls-cert "$C/server.crt" --tls-key "$C/server.key" --upstream "https://$R" --cafile "$C/ca.crt" \
    --slow "$(for i in slow shared; do registry_manifest "$R/app/$i:v1" | jq -r '.layers[].digest'; done | paste -sd, -)" \
    --delay $DELAY --log "$T/proxy.log"
wait_up "$LAST_PID" 30 answers "https://127.0.0.1:$P_PROXY/v2/" --cacert "$C/ca.crt" ||
    { fail "slow proxy up" "$(cat "$T/proxy.out")"; exit 1; }
CLEAN_D="sha256:$(registry_digest "$R/app/clean:v1")"
fill "$REQ/pod.json" "$T/fast.json" uid-fast team-a "$R/app/clean@$CLEAN_D" "$R/app/clean@$CLEAN_D"
# (both containers run the same way: one run, one scan per image)
for i in slow shared; do
    fill "$REQ/pod.json" "$T/r.json" "uid-$i" team-a "127.0.0.1:$P_PROXY/app/$i:v1" "127.0.0.1:$P_PROXY/app/$i:v1"
    jq 'del(.request.object.spec.initContainers[0].command)' "$T/r.json" >"$T/$i.json"
done
# check NAME JQ-FILTER: on $T/out (overlap.py's JSON)
check() {
    if [ "$(jq -e "$2" "$T/out" 2>/dev/null)" = "true" ]; then
        pass "$1"
    else
        fail "$1" "jq '$2' is not true on: $(head -c 3000 "$T/out")"
    fi
}

# --- 4. the flag
run "--threads 0 refused" 2 "$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --threads 0
grep_in "--threads: says what it wants" 'threads "0": expected a number' "$T/err"
run "--threads 257 refused" 2 "$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --threads 257

webhook_start E --tls-cert "$C/server.crt" --tls-key "$C/server.key" --threads 1 || exit 1
E=$WH_URL
E_PID=$WH_PID
jq_true "listening line names one thread" 'select(.msg == "listening") | .threads == 1' "$T/E.log"
send "warm: the cached image scanned once" allow "$E/validate?timeout=20s" "$T/fast.json"
send "a cached review is answered" allow "$E/validate?timeout=20s" "$T/fast.json"
[ "$(metric "$E" portcullis_requests_deferred_total)" = 1 ] &&
    pass "only the review that scanned was deferred to a request worker" ||
    fail "cached answers inline" "deferred: $(metric "$E" portcullis_requests_deferred_total)"

# --- 1. cached answers on one event loop while reviews wait for a scan
python3 "$OV" overlap --port "$WH_PORT" --cacert "$C/ca.crt" --slow "$T/slow.json" --fast "$T/fast.json" \
    --slow-conns 3 --fast-conns 4 --fast-requests 8 >"$T/out" 2>"$T/err" ||
    fail "overlap ran" "$(head -c 800 "$T/err")"
cp "$T/out" "$T/overlap.json"
check "the 3 waiting reviews were seen waiting on request workers" '.t_waiting != null'
check "all 32 cached reviews answered 200, allowed" '[.fast[] | .status == 200 and .allowed == true] | (length == 32 and all)'
check "every cached review answered before the first waiting one" '.fast_last_done < .slow_first_done'
echo "    (cached reviews done $(jq '.slow_first_done - .fast_last_done | . * 1000 | floor' "$T/out") ms before the first waiting one)"
check "the waiting reviews answered 200, allowed, after the scan" '[.slow[] | .status == 200 and .allowed == true] | (length == 3 and all)'
[ "$(metric "$E" portcullis_requests_deferred_total)" = 4 ] &&
    pass "deferred: the warm-up and the 3 waiting reviews, no cached one" ||
    fail "deferred count" "$(metric "$E" portcullis_requests_deferred_total), want 4"
[ "$(metric "$E" portcullis_requests_waiting)" = 0 ] && pass "nothing left waiting" ||
    fail "nothing left waiting" "$(metric "$E" portcullis_requests_waiting)"
got=$(grep -c '^GET /v2/app/slow/blobs/.* slow 200$' "$T/proxy.log")
want=$(registry_manifest "$R/app/slow:v1" | jq '.layers | length')
[ "$got" = "$want" ] && pass "the waiting reviews shared one scan ($got layer fetches)" ||
    fail "one shared scan" "$got fetches for $want layers"

# --- 2. a client that goes away while its review waits
python3 "$OV" drop --port "$WH_PORT" --cacert "$C/ca.crt" --slow "$T/shared.json" >"$T/out" 2>"$T/err" ||
    fail "drop ran" "$(head -c 800 "$T/err")"
check "the dropped review was waiting when its client reset" '.waiting_seen == true'
wait_until 40 sh -c "[ \"\$(curl -s --cacert '$C/ca.crt' '$E/metrics' | awk '\$1 == \"portcullis_requests_waiting\" { print \$2 }')\" = 0 ]" &&
    pass "the dropped review ended (nothing waiting)" || fail "dropped review ended" "still waiting"
send "the webhook answers after the dropped client" allow "$E/validate?timeout=20s" "$T/fast.json"
send "the dropped review's scan was kept" deny "$E/validate?timeout=20s" "$T/shared.json"
[ "$(metric "$E" portcullis_requests_deferred_total)" = 5 ] &&
    pass "the dropped review's verdict answered from the cache, not deferred" ||
    fail "dropped review's verdict cached" "deferred: $(metric "$E" portcullis_requests_deferred_total), want 5"

# --- 3. SIGTERM while a review waits (the init container's own run of the
# slow image: a scan of its own)
fill "$REQ/pod.json" "$T/slow2.json" uid-slow2 team-a "127.0.0.1:$P_PROXY/app/slow:v1" "127.0.0.1:$P_PROXY/app/slow:v1"
python3 "$CLIENT" --url "$E/validate?timeout=30s" --cacert "$C/ca.crt" --request "$T/slow2.json" \
    >"$T/s.out" 2>&1 &
CL=$!
wait_until 30 sh -c "[ \"\$(curl -s --cacert '$C/ca.crt' '$E/metrics' | awk '\$1 == \"portcullis_requests_waiting\" { print \$2 }')\" = 1 ]" &&
    pass "a review waits on a request worker" || fail "a review waits" "$(metric "$E" portcullis_requests_waiting)"
webhook_stop "$E_PID"
rc=$?
[ $rc = 0 ] && pass "SIGTERM with a suspended connection (and after a dropped client): clean exit" ||
    fail "SIGTERM while waiting" "exit $rc: $(tail -c 600 "$T/E.log")"
grep_none "libmicrohttpd never aborted on a suspended connection" -F 'suspended connections' "$T/E.log"
wait "$CL" 2>/dev/null || : # (its answer is not judged: the server was stopping)
