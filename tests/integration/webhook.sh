# Integration: portcullis-webhook over real HTTPS (a CA made here) in front
# of a real registry (docker-registry with TLS and htpasswd auth) holding
# fixture images pushed with skopeo. Reviews come from fixtures/requests
# (placeholders filled with sed) and are checked by tests/webhook/client.py
# the way the apiserver checks them. Covered: every object kind in v1 and
# v1beta1, init/ephemeral containers, UPDATE, allow/deny/warn, exemptions,
# unpinned-image, ImageReview, malformed bodies (400/413/415), 404/405,
# a registry that is down, the deadline against a slowed registry
# (tests/webhook/slowproxy.py) and the cached answer on retry, one shared
# scan under concurrent requests (proved with /metrics), tags that move,
# mTLS, certificate rotation, slow clients, logs, shutdown. Every process
# started here is killed on exit. The PKI, the registry and the webhooks
# come from tests/harness/.
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
registry_up
# the apiserver's client certificate, for webhook B's mTLS
pki_issue client "DNS:apiserver" || { fail "pki" "client certificate: openssl failed"; exit 1; }

# --- fixture images in the registry, and the slow front (layer blobs of
# app/slow and app/shared are held 3s)
P_PROXY=$(free_port)
P_DOWN=$(free_port) # nothing ever listens here
registry_fixtures "$P_PROXY" && registry_push clean app/moving:v1 || exit 1
pass "registry up, fixtures pushed"
SHARED_LAYERS=$(registry_manifest "$R/app/shared:v1" | jq '.layers | length')

# --- policies: restricted plus exemptions; a lenient one for the second webhook
jq '.name = "webhook-test" | .exempt_namespaces = ["trusted"] | .exempt_images = ["127.0.0.1:*/exempt/*"]' \
    "$PC_ROOT/rules/policies/restricted.json" >"$T/policy.json"
jq '.name = "lenient" | .checks["scan-error"].action = "warn" | .checks["unpinned-image"].action = "deny"' \
    "$PC_ROOT/rules/policies/restricted.json" >"$T/lenient.json"

# --- webhook A (plain TLS) and B (mTLS, lenient policy); port 0: the log says which
cp "$C/server.crt" "$T/wh.crt"
cp "$C/server.key" "$T/wh.key"
webhook_start A --tls-cert "$T/wh.crt" --tls-key "$T/wh.key" --policy "$T/policy.json" \
    --tag-ttl 5s --deadline-margin 1s --jobs 4 --max-body 1M --client-timeout 4s \
    --metrics-listen 127.0.0.1:0 || exit 1
A_PID=$WH_PID
A=$WH_URL
webhook_start B --tls-cert "$C/server.crt" --tls-key "$C/server.key" --policy "$T/lenient.json" \
    --client-ca "$C/ca.crt" --metrics-listen 127.0.0.1:0 || exit 1
B_PID=$WH_PID
B=$WH_URL
pass "webhooks up"

# --- probes and metrics
code=$(curl -s -o "$T/body" -w '%{http_code}' --cacert "$C/ca.crt" "$A/healthz")
[ "$code" = 200 ] && pass "healthz 200" || fail "healthz" "$code"
curl -s --cacert "$C/ca.crt" "$A/readyz" >"$T/out"
jq_true "readyz: policy loaded" '.ready == true and .policy == "webhook-test" and (.policy_digest | startswith("sha256:"))'
curl -s --cacert "$C/ca.crt" "$A/metrics" >"$T/metrics"
grep_in "metrics: Prometheus text" '^# TYPE portcullis_scan_duration_seconds histogram$' "$T/metrics"
code=$(curl -s -o /dev/null -w '%{http_code}' --http1.1 "http://127.0.0.1:${A##*:}/healthz")
[ "$code" != 200 ] && pass "plain HTTP refused" || fail "plain HTTP refused" "got $code"

# --- every object kind, v1 and v1beta1: the container, the init container,
# both clean (one client run for all 48 reviews)
: >"$T/batch"
n=0
batch() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$T/batch"; }
for kind in pod deployment replicaset statefulset daemonset job cronjob replicationcontroller; do
    for ver in v1 v1beta1; do
        sed "s#\"admission.k8s.io/v1\"#\"admission.k8s.io/$ver\"#" "$REQ/$kind.json" >"$T/tmpl.json"
        n=$((n + 1))
        fill "$T/tmpl.json" "$T/k$n-a.json" "uid-$n-a" team-a "$BAD" "$CLEAN"
        batch "$kind $ver: bad container" deny "$A/validate?timeout=10s" "$T/k$n-a.json"
        fill "$T/tmpl.json" "$T/k$n-b.json" "uid-$n-b" team-a "$CLEAN" "$BAD"
        batch "$kind $ver: bad init container" deny "$A/validate?timeout=10s" "$T/k$n-b.json"
        fill "$T/tmpl.json" "$T/k$n-c.json" "uid-$n-c" team-a "$CLEAN" "$CLEAN"
        batch "$kind $ver: clean" allow "$A/validate?timeout=10s" "$T/k$n-c.json"
    done
done
python3 "$CLIENT" --cacert "$C/ca.crt" --batch "$T/batch" --results "$T/kinds.json"
jq_true "every kind and version answered in its version" '[.[] | .body.apiVersion] | (map(select(. == "admission.k8s.io/v1")) | length == 24) and (map(select(. == "admission.k8s.io/v1beta1")) | length == 24)' "$T/kinds.json"
jq_true "every kind: denial names image, check and path" "[.[] | select(.name | endswith(\": bad container\")) | .message | contains(\"image \\\"$BAD\\\"\") and contains(\"setuid-file /usr/bin/passwd\") and contains(\"root-user\")] | length == 16 and all" "$T/kinds.json"
jq_true "every kind: init container judged and named" '[.[] | select(.name | endswith(": bad init container")) | .message | contains("container \"init\"")] | length == 16 and all' "$T/kinds.json"
jq_true "every kind: clean allowed with an unpinned-image warning" '[.[] | select(.name | endswith(": clean")) | .allowed == true and ([.warnings[] | test("unpinned-image")] | any)] | length == 16 and all' "$T/kinds.json"
fill "$REQ/cronjob-v1beta1.json" "$T/r.json" uid-cj-beta team-a "$BAD" "$CLEAN"
send "batch/v1beta1 CronJob in a v1beta1 review" deny "$A/validate" "$T/r.json"
jq_true "v1beta1 answer in v1beta1" '.body.apiVersion == "admission.k8s.io/v1beta1"'
jq_true "warn findings become warnings" '([.warnings[] | test("world-writable /data")] | any) and ([.warnings[] | length <= 120] | all)'

# --- UPDATE (only new images), pods/ephemeralcontainers, generateName, dryRun
fill "$REQ/deployment-update.json" "$T/r.json" uid-up-1 team-a "$CLEAN" "" "$BAD"
send "UPDATE keeping an admitted image" allow "$A/validate" "$T/r.json"
fill "$REQ/deployment-update.json" "$T/r.json" uid-up-2 team-a "$BAD" "" "$CLEAN"
send "UPDATE adding a bad image" deny "$A/validate" "$T/r.json"
fill "$REQ/pod-ephemeralcontainers.json" "$T/r.json" uid-eph team-a "$BAD" "" "$CLEAN"
send "kubectl debug with a bad image" deny "$A/validate" "$T/r.json"
jq_true "ephemeral container named" '.message | contains("container \"debugger\"")'
fill "$REQ/pod-generatename.json" "$T/r.json" uid-gen team-a "$CLEAN" "$CLEAN"
send "generateName pod" allow "$A/validate" "$T/r.json"
fill "$REQ/pod.json" "$T/r.json" uid-dry team-a "$BAD" "$CLEAN"
sed -i 's#"dryRun": false#"dryRun": true#' "$T/r.json"
send "dryRun judged the same" deny "$A/validate" "$T/r.json"

# --- exemptions, pinning, local transports
fill "$REQ/pod.json" "$T/r.json" uid-ns trusted "$BAD" "$BAD"
send "exempt namespace" allow "$A/validate" "$T/r.json"
fill "$REQ/pod.json" "$T/r.json" uid-exi team-a "$R/exempt/never-pushed:v1" "$CLEAN"
send "exempt image (not scanned)" allow "$A/validate" "$T/r.json"
fill "$REQ/pod.json" "$T/r.json" uid-pin team-a "$R/app/clean@$CLEAN_DIGEST" "$R/app/clean@$CLEAN_DIGEST"
send "pinned image" allow "$A/validate" "$T/r.json"
jq_true "pinned: no unpinned-image warning" '[.warnings[] | test("unpinned-image")] | any | not'
fill "$REQ/pod.json" "$T/r.json" uid-local team-a "oci:$T/clean/oci:latest" "$CLEAN"
send "local transport refused" deny "$A/validate" "$T/r.json"
jq_true "local transport message" '.message | contains("not a registry reference")'

# --- ImageReview
fill "$REQ/imagereview.json" "$T/r.json" - team-a "$CLEAN" "$CLEAN"
send "ImageReview clean" allow "$A/imagereview" "$T/r.json"
jq_true "ImageReview audit annotations" ".body.status.auditAnnotations.images | contains(\"$CLEAN_DIGEST\")"
fill "$REQ/imagereview.json" "$T/r.json" - team-a "$CLEAN" "$BAD"
send "ImageReview bad" deny "$A/imagereview" "$T/r.json"
jq_true "ImageReview reason names the check" '.message | contains("setuid-file /usr/bin/passwd")'
fill "$REQ/imagereview.json" "$T/r.json" - trusted "$BAD" "$BAD"
send "ImageReview exempt namespace" allow "$A/imagereview" "$T/r.json"

# --- malformed requests
: >"$T/batch"
for f in "$REQ"/malformed/*.json; do
    m=$(basename "$f" .json)
    batch "malformed $m" 400 "$A/$(case $m in imagereview*) echo imagereview ;; *) echo validate ;; esac)" "$f"
done
python3 "$CLIENT" --cacert "$C/ca.crt" --batch "$T/batch" --results "$T/malformed.json"
says() { # FILE-NAME TEXT: the 400 message for that sample names what is wrong
    jq_true "malformed $1: message says \"$2\"" "[.[] | select(.name == \"malformed $1\") | .message | contains(\"$2\")] == [true]" "$T/malformed.json"
}
says not-json "not valid JSON"
says truncated "not valid JSON"
says wrong-version "apiVersion: expected admission.k8s.io/v1 or admission.k8s.io/v1beta1"
says wrong-kind "kind: expected AdmissionReview"
says no-request "request: missing"
says no-uid "request.uid: missing"
says unknown-kind 'unknown object kind \"Service\"'
says image-not-string "spec.containers[0].image: expected a string"
says object-not-object "request.object: missing or not an object"
says imagereview-no-spec "spec: missing"
fill "$REQ/pod.json" "$T/r.json" uid-ct team-a "$CLEAN" "$CLEAN"
send "wrong Content-Type" 415 "$A/validate" "$T/r.json" --content-type text/plain
# the request head lives in libmicrohttpd's 32 KiB connection pool
# (server.c, WH_CONN_POOL): a 20 KB header is judged, a 40 KB one is 431
pad=$(head -c 20000 /dev/zero | tr '\0' a)
code=$(curl -s -o "$T/body" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
    -H "X-Pad: $pad" --data-binary @"$T/r.json" "$A/validate")
[ "$code" = 200 ] && jq -e '.response.uid == "uid-ct"' "$T/body" >/dev/null &&
    pass "20 KB request header: judged" || fail "20 KB request header" "HTTP $code $(head -c 300 "$T/body")"
pad=$pad$pad
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
    -H "X-Pad: $pad" --data-binary @"$T/r.json" "$A/validate")
[ "$code" = 431 ] && pass "40 KB request header (431)" || fail "40 KB request header" "HTTP $code"
# a keep-alive answer is held to go out as one TLS record (onerecord.h)
# and sent when libmicrohttpd completes the request: a connection closed
# after its answer (the client asked, or HTTP/1.0) still gets all of it,
# and several answers on one connection arrive whole and in order
for how in "--http1.0" "-H Connection:close"; do
    # shellcheck disable=SC2086 # $how: curl flags, split on purpose
    code=$(curl -s -o "$T/body" -w '%{http_code}' --cacert "$C/ca.crt" $how -H 'Content-Type: application/json' \
        --data-binary @"$T/r.json" "$A/validate")
    [ "$code" = 200 ] && jq -e '.response.uid == "uid-ct" and .response.allowed == true' "$T/body" >/dev/null &&
        pass "answer then close ($how): whole" || fail "answer then close ($how)" "HTTP $code $(head -c 300 "$T/body")"
done
# both TLS versions the webhook speaks complete their handshake (its
# reads go through handshake.c's park until the client's Finished is in)
for v in 1.2 1.3; do
    code=$(curl -s -o "$T/body" -w '%{http_code}' --cacert "$C/ca.crt" --tlsv$v --tls-max $v \
        -H 'Content-Type: application/json' --data-binary @"$T/r.json" "$A/validate")
    [ "$code" = 200 ] && jq -e '.response.uid == "uid-ct"' "$T/body" >/dev/null &&
        pass "TLS $v: handshake and answer" || fail "TLS $v: handshake and answer" "HTTP $code $(head -c 300 "$T/body")"
done
fill "$REQ/pod.json" "$T/r2.json" uid-ka2 team-a "$CLEAN" "$CLEAN"
curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary @"$T/r.json" "$A/validate" \
    -o "$T/ka1" -w '%{num_connects}' --next --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
    --data-binary @"$T/r2.json" "$A/validate" -o "$T/ka2" -w '%{num_connects}' --next --cacert "$C/ca.crt" \
    "$A/healthz" -o "$T/ka3" -w '%{num_connects}\n' >"$T/kan"
[ "$(tr -d '\n' <"$T/kan")" = 100 ] && jq -e '.response.uid == "uid-ct"' "$T/ka1" >/dev/null &&
    jq -e '.response.uid == "uid-ka2"' "$T/ka2" >/dev/null && [ -s "$T/ka3" ] &&
    pass "three answers on one keep-alive connection, whole and in order" ||
    fail "keep-alive answers" "connects $(tr '\n' ' ' <"$T/kan"); $(head -c 200 "$T/ka1") / $(head -c 200 "$T/ka2")"
head -c 1200000 /dev/zero | tr '\0' ' ' >"$T/big.json"
send "oversized body" 413 "$A/validate" "$T/big.json"
code=$(curl -s -o "$T/body" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary @"$T/big.json" "$A/validate")
[ "$code" = 413 ] && pass "oversized chunked body (413)" || fail "oversized chunked body" "HTTP $code"
send "unknown path" 404 "$A/nope" "$T/r.json"
send "GET /validate" 405 "$A/validate" "$T/r.json" --method GET
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "["; for (i = 0; i < 5000; i++) printf "]" }' >"$T/deep.json"
send "deeply nested JSON" 400 "$A/validate" "$T/deep.json"

# --- a slow client is cut off by --client-timeout (4s), not waited for
start=$(date +%s)
python3 - "${A##*:}" "$C/ca.crt" >"$T/slow.out" 2>&1 <<'PY'
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="127.0.0.1")
s.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
s.settimeout(30)
try:
    print("closed" if s.recv(4096) == b"" else "answered")
except Exception as e:
    print("closed", type(e).__name__)
PY
secs=$(($(date +%s) - start))
grep -q closed "$T/slow.out" && [ $secs -le 12 ] && pass "slow client dropped (${secs}s)" ||
    fail "slow client dropped" "$(cat "$T/slow.out") after ${secs}s"

# --- registry down: scan-error, denied, fail closed, said so
fill "$REQ/pod.json" "$T/r.json" uid-down team-a "127.0.0.1:$P_DOWN/app/x:v1" "$CLEAN"
send "registry down" deny "$A/validate" "$T/r.json"
jq_true "registry down: message says so" '.message | contains("scan-error") and contains("unreachable") and contains("fail closed")'

# --- cached verdicts: a repeat is a cache hit
hits=$(metric "$A" portcullis_cache_hits_total)
fill "$REQ/pod.json" "$T/r.json" uid-again team-a "$CLEAN" "$CLEAN"
send "repeat request" allow "$A/validate" "$T/r.json"
[ "$(metric "$A" portcullis_cache_hits_total)" -gt "$hits" ] && pass "repeat answered from cache" ||
    fail "repeat answered from cache" "hits stayed $hits"

# --- a tag that moves: trusted for --tag-ttl (5s), then resolved again
t_mv=$(now_ms) # the tag is resolved after this
fill "$REQ/pod.json" "$T/r.json" uid-mv1 team-a "$R/app/moving:v1" "$CLEAN"
send "moving tag, first" allow "$A/validate" "$T/r.json"
registry_push bad app/moving:v1
fill "$REQ/pod.json" "$T/r.json" uid-mv2 team-a "$R/app/moving:v1" "$CLEAN"
send "moving tag within the TTL (cached digest)" allow "$A/validate" "$T/r.json"
# ask until the webhook resolves the tag again (the bad image denied), at
# most 15 s; that must not be before the TTL has run out
fill "$REQ/pod.json" "$T/mv.json" uid-mv-poll team-a "$R/app/moving:v1" "$CLEAN"
tag_resolved_again() {
    curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary @"$T/mv.json" \
        "$A/validate" | jq -e '.response.allowed == false' >/dev/null 2>&1
}
if wait_until 15 tag_resolved_again; then
    ms=$(($(now_ms) - t_mv))
    [ $ms -ge 5000 ] && pass "moved tag's old digest trusted for the whole --tag-ttl (${ms} ms)" ||
        fail "moved tag's old digest trusted for the whole --tag-ttl" "resolved again after ${ms} ms"
else
    fail "moved tag resolved again after the TTL" "still allowed after 15 s"
fi
fill "$REQ/pod.json" "$T/r.json" uid-mv3 team-a "$R/app/moving:v1" "$CLEAN"
send "moving tag after the TTL" deny "$A/validate" "$T/r.json"

# --- deadline: a slowed registry, ?timeout=3s, margin 1s → "in progress" at ~2s
SLOWIMG="127.0.0.1:$P_PROXY/app/slow:v1"
fill "$REQ/pod.json" "$T/r.json" uid-dl1 team-a "$SLOWIMG" "$SLOWIMG"
send "scan outlives the deadline" deny "$A/validate?timeout=3s" "$T/r.json"
jq_true "deadline message" ".message | contains(\"scan of $SLOWIMG in progress, retry\")"
jq_true "answered inside the apiserver timeout" '.ms < 3000'
wait_until 90 scans_idle "$A" # generous: the slowed scan takes longer on a loaded machine
hits=$(metric "$A" portcullis_cache_hits_total)
fill "$REQ/pod.json" "$T/r.json" uid-dl2 team-a "$SLOWIMG" "$SLOWIMG"
send "retry after the background scan" allow "$A/validate?timeout=3s" "$T/r.json"
jq_true "retry answered at once" '.ms < 1000'
[ "$(metric "$A" portcullis_cache_hits_total)" -gt "$hits" ] && pass "retry was a cache hit" ||
    fail "retry was a cache hit" "hits stayed $hits"
[ "$(metric "$A" portcullis_deadline_exceeded_total)" -ge 1 ] && pass "deadline counted" ||
    fail "deadline counted" "portcullis_deadline_exceeded_total is 0"

# --- concurrent requests for one new image share one scan
started=$(metric "$A" portcullis_scans_started_total)
joins=$(metric "$A" portcullis_scan_joins_total)
SHIMG="127.0.0.1:$P_PROXY/app/shared:v1"
fill "$REQ/pod.json" "$T/r0.json" uid-sh team-a "$SHIMG" "$SHIMG"
# (both containers run the same way, so one run: without its own command
# the init container shares the app container's verdict; two runs of one
# image are two scans, webhook_run.sh)
jq 'del(.request.object.spec.initContainers[0].command)' "$T/r0.json" >"$T/r.json"
if python3 "$CLIENT" --url "$A/validate?timeout=20s" --cacert "$C/ca.crt" --request "$T/r.json" \
    --expect deny --parallel 6 >"$T/par.out" 2>&1; then
    pass "6 concurrent reviews answered"
else
    fail "6 concurrent reviews answered" "$(head -c 1500 "$T/par.out")"
fi
d_started=$(($(metric "$A" portcullis_scans_started_total) - started))
d_joins=$(($(metric "$A" portcullis_scan_joins_total) - joins))
[ "$d_started" = 1 ] && [ "$d_joins" -ge 5 ] && pass "one shared scan (started +$d_started, joined +$d_joins)" ||
    fail "one shared scan" "started +$d_started, joined +$d_joins"
got=$(grep -c '^GET /v2/app/shared/blobs/.* slow 200$' "$T/proxy.log")
[ "$got" = "$SHARED_LAYERS" ] && pass "each slow layer fetched once ($got)" ||
    fail "each slow layer fetched once" "$got fetches for $SHARED_LAYERS layers: $(cat "$T/proxy.log")"

# --- webhook B: mTLS, scan-error as warn, unpinned-image as deny
fill "$REQ/pod.json" "$T/r.json" uid-b1 team-a "$CLEAN" "$CLEAN"
send "mTLS: no client certificate" 401 "$B/validate" "$T/r.json"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" "$B/healthz")
[ "$code" = 200 ] && pass "mTLS: probes need no certificate" || fail "mTLS: probes" "$code"
CC="--cert $C/client.crt --key $C/client.key"
send "mTLS: unpinned denied by policy" deny "$B/validate" "$T/r.json" $CC
jq_true "unpinned-image named" '.message | contains("unpinned-image")'
fill "$REQ/pod.json" "$T/r.json" uid-b2 team-a "$R/app/clean@$CLEAN_DIGEST" "$R/app/clean@$CLEAN_DIGEST"
send "mTLS: pinned allowed" allow "$B/validate" "$T/r.json" $CC
# (a digest never scanned: a known digest is answered from the cache wherever it is hosted)
fill "$REQ/pod.json" "$T/r.json" uid-b3 team-a "127.0.0.1:$P_DOWN/app/x@sha256:$(printf '%064d' 7)" \
    "$R/app/clean@$CLEAN_DIGEST"
send "scan-error as warn: allowed" allow "$B/validate" "$T/r.json" $CC
jq_true "scan-error warning" '[.warnings[] | test("scan-error")] | any'

# --- webhook/deploy: gen-certs.sh, the manifests' promises, the
# Deployment's own arguments starting the real binary
DEP="$PC_ROOT/webhook/deploy"
SVCNAME=portcullis-webhook.portcullis-system.svc
sh "$DEP/gen-certs.sh" -d 2 -o "$T/gen" >"$T/gen.log" 2>&1 && pass "gen-certs.sh" || fail "gen-certs.sh" "$(cat "$T/gen.log")"
# (what kubectl apply -k would send; tests/integration/deploy.sh checks the
# other namespaces, modes and cert-manager, and the schemas)
if ! command -v kubectl >/dev/null 2>&1; then
    fail "deploy manifests" "kubectl is not installed: cannot render the kustomization"
elif ! kubectl kustomize "$T/gen" >"$T/rendered.yaml" 2>"$T/kz.err"; then
    fail "deploy manifests" "kubectl kustomize: $(head -c 600 "$T/kz.err")"
elif python3 -c 'import yaml' 2>/dev/null; then
    python3 "$PC_ROOT/tests/webhook/check_deploy.py" "$T/rendered.yaml" "$T/gen" --args-out "$T/args" ||
        fail "deploy manifests" "see above"
else
    fail "deploy manifests" "python3 cannot import yaml (python3-yaml, scripts/deps.sh)"
fi
mkdir -p "$T/cache"
set -- $(sed -e "s#=/etc/portcullis/tls/#=$T/gen/#" -e "s#^--listen=.*#--listen=127.0.0.1:0#" \
    -e "s#^--sign-key=.*#--sign-key=$T/gen/signing.key#" \
    -e "s#^--cache-dir=.*#--cache-dir=$T/cache#" -e "s#^--metrics-listen=.*#--metrics-listen=127.0.0.1:0#" "$T/args")
if webhook_start D "$@"; then
    curl -s --cacert "$T/gen/ca.crt" --resolve "$SVCNAME:$WH_PORT:127.0.0.1" \
        "https://$SVCNAME:$WH_PORT/readyz" >"$T/out"
    jq_true "the Deployment's arguments: ready, generated certificate valid for the Service" '.ready == true and .policy == "restricted"'
    webhook_stop "$WH_PID" && pass "deployment-args webhook: clean exit" || fail "deployment-args webhook: clean exit" "exit $?"
fi

# --- certificate rotation: A's files replaced (as a Secret update does), served without a restart
cp "$T/gen/tls.key" "$T/wh.key.new"
cp "$T/gen/tls.crt" "$T/wh.crt.new"
mv "$T/wh.key.new" "$T/wh.key"
mv "$T/wh.crt.new" "$T/wh.crt"
APORT=${A##*:}
NEW="--cacert $T/gen/ca.crt --resolve $SVCNAME:$APORT:127.0.0.1 https://$SVCNAME:$APORT"
# (the files are looked at once a second at most: ask until the new one verifies, 10 s)
rotated() { curl -s -o /dev/null $NEW/healthz; }
wait_until 10 rotated && pass "rotated certificate served" || fail "rotated certificate served" "never verified"
curl -s -o /dev/null --cacert "$C/ca.crt" "$A/healthz" && fail "old certificate retired" "still served" ||
    pass "old certificate retired"
curl -s $NEW/metrics >"$T/m"
grep_in "reload counted" '^portcullis_tls_reloads_total 1$' "$T/m"
grep_in "requests counted by verdict" '^portcullis_requests_total\{endpoint="validate",verdict="deny"\} [1-9]' "$T/m"
grep_in "errors counted" '^portcullis_errors_total\{kind="bad_request"\} [1-9]' "$T/m"
grep_in "scan durations observed" '^portcullis_scan_duration_seconds_count [1-9]' "$T/m"
# the short-lived certificate (gen-certs.sh -d 2) is the one served: its
# serial in a fresh handshake, its notAfter in the gauge (issue 20)
want_serial=$(openssl x509 -in "$T/gen/tls.crt" -noout -serial)
got_serial=$(openssl s_client -connect "127.0.0.1:$APORT" -servername "$SVCNAME" </dev/null 2>/dev/null |
    openssl x509 -noout -serial 2>&1)
[ -n "$want_serial" ] && [ "$got_serial" = "$want_serial" ] && pass "rotation: s_client sees the new serial" ||
    fail "rotation: s_client sees the new serial" "want $want_serial, got $got_serial"
want_na=$(date -d "$(openssl x509 -in "$T/gen/tls.crt" -noout -enddate | cut -d= -f2)" +%s)
[ "$(awk '$1 == "portcullis_tls_certificate_not_after_seconds" { print $2 }' "$T/m")" = "$want_na" ] &&
    pass "rotation: certificate not-after gauge is the new certificate's" ||
    fail "rotation: certificate not-after gauge is the new certificate's" "want $want_na: $(grep not_after "$T/m")"
[ $((want_na - $(date +%s))) -le $((2 * 86400 + 60)) ] && pass "rotation: the new certificate is short-lived" ||
    fail "rotation: the new certificate is short-lived" "notAfter $want_na"

# --- the plain-HTTP metrics port (--metrics-listen, issue 20): scraped
# without TLS, parsed strictly, the new families present with sane values
MA=http://127.0.0.1:$(metrics_port A)
MB=http://127.0.0.1:$(metrics_port B)
curl -s -f "$MA/metrics" >"$T/pm" && pass "metrics port: plain HTTP scrape" || fail "metrics port: plain HTTP scrape" "$MA"
grep '^portcullis_denials_total' "$T/pm" >"$T/pm.denials"
python3 "$PC_ROOT/tests/webhook/promcheck.py" "$T/pm" --json "$T/pm.json" \
    --want portcullis_admission_duration_seconds --want portcullis_denials_total \
    --want portcullis_cache_lookups_total --want portcullis_build_info \
    --want portcullis_tls_certificate_not_after_seconds --want process_cpu_seconds_total \
    --want process_resident_memory_bytes --want process_open_fds --want process_start_time_seconds \
    --want portcullis_requests_total --want portcullis_scan_duration_seconds
# pm SAMPLE: its value in the scrape (empty when absent); ge A B: A >= B (floats)
pm() { jq -r --arg k "$1" '.[$k] // empty' "$T/pm.json"; }
ge() { [ -n "$1" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
ADM=portcullis_admission_duration_seconds
ge "$(pm "${ADM}_count{endpoint=\"validate\",verdict=\"allow\"}")" 1 &&
    ge "$(pm "${ADM}_count{endpoint=\"validate\",verdict=\"deny\"}")" 1 &&
    ge "$(pm "${ADM}_sum{endpoint=\"validate\",verdict=\"deny\"}")" 0.000001 &&
    pass "metrics: validate latency observed for allow and deny" ||
    fail "metrics: validate latency observed for allow and deny" "$(grep "^${ADM}_count" "$T/pm")"
ge "$(pm "${ADM}_count{endpoint=\"imagereview\",verdict=\"allow\"}")" 1 &&
    ge "$(pm "${ADM}_count{endpoint=\"imagereview\",verdict=\"deny\"}")" 1 &&
    pass "metrics: imagereview latency observed" ||
    fail "metrics: imagereview latency observed" "$(grep "^${ADM}_count" "$T/pm")"
grep -Eq '^portcullis_denials_total\{check="[a-z-]+",namespace="team-a"\} [1-9]' "$T/pm" &&
    pass "metrics: denials by check in namespace team-a" ||
    fail "metrics: denials by check in namespace team-a" "$(grep denials "$T/pm")"
if [ -s "$T/pm.denials" ] &&
    ! grep -Evq '^portcullis_denials_total\{check="[A-Za-z0-9_.-]+",namespace="[a-z0-9-]*"\} [0-9]+$' "$T/pm.denials"; then
    pass "metrics: every denial label set well formed"
else
    fail "metrics: every denial label set well formed" "$(head -c 600 "$T/pm.denials")"
fi
FH=$(pm 'portcullis_cache_lookups_total{cache="facts",result="hit"}')
FM=$(pm 'portcullis_cache_lookups_total{cache="facts",result="miss"}')
ge "$(pm 'portcullis_cache_lookups_total{cache="verdict",result="hit"}')" 1 &&
    ge "$(pm 'portcullis_cache_lookups_total{cache="verdict",result="miss"}')" 1 &&
    ge "$(pm 'portcullis_cache_lookups_total{cache="tag",result="miss"}')" 1 &&
    ge "$((${FH:-0} + ${FM:-0}))" 1 &&
    pass "metrics: verdict, tag and facts cache lookups counted" ||
    fail "metrics: verdict, tag and facts cache lookups counted" "$(grep cache_lookups "$T/pm")"
curl -s $NEW/readyz >"$T/ready"
PD=$(jq -r .policy_digest "$T/ready")
RD=$(jq -r .rules_digest "$T/ready")
VER=$("$WH" --version | awk '{ print $2 }')
[ "$(pm "portcullis_build_info{version=\"$VER\",policy_digest=\"$PD\",rules_digest=\"$RD\"}")" = 1 ] &&
    pass "metrics: build_info names version, policy and rules digests" ||
    fail "metrics: build_info names version, policy and rules digests" "$(grep '^portcullis_build_info' "$T/pm"); readyz $(cat "$T/ready")"
NOW=$(date +%s)
jq_true "metrics: process metrics sane" \
    ".process_resident_memory_bytes > 1000000 and .process_open_fds >= 3 and .process_cpu_seconds_total > 0 and .process_start_time_seconds <= $NOW + 1 and .process_start_time_seconds > $NOW - 3600" "$T/pm.json"
jq_true "metrics: plain port and HTTPS port show the same certificate" \
    ".portcullis_tls_certificate_not_after_seconds == $want_na" "$T/pm.json"
code=$(curl -s -o /dev/null -w '%{http_code}' "$MA/validate")
[ "$code" = 404 ] && pass "metrics port: nothing but /metrics (404)" || fail "metrics port: nothing but /metrics" "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$MA/metrics")
[ "$code" = 405 ] && pass "metrics port: POST refused (405)" || fail "metrics port: POST refused" "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" "$B/metrics")
curl -s -f "$MB/metrics" >"$T/pmb"
[ "$code" = 401 ] && grep -q '^portcullis_build_info{' "$T/pmb" &&
    pass "metrics port: no client certificate needed where HTTPS /metrics asks one (mTLS)" ||
    fail "metrics port: no client certificate needed where HTTPS /metrics asks one (mTLS)" "HTTPS $code; plain: $(head -c 200 "$T/pmb")"

# --- shutdown: SIGTERM ends both cleanly
for p in $A_PID $B_PID; do kill -TERM "$p"; done
rcs=""
for p in $A_PID $B_PID; do wait "$p"; rcs="$rcs$?"; done
[ "$rcs" = 00 ] && pass "SIGTERM: clean exit" || fail "SIGTERM: clean exit" "exit codes $rcs"

# --- logs: one JSON line per decision, with what an auditor needs, no password
jq -s '[.[] | select(.msg == "decision")]' "$T/A.log" >"$T/decisions.json" 2>/dev/null ||
    fail "log is JSON lines" "$(head -c 500 "$T/A.log")"
jq_true "decision lines have the fields" 'length > 50 and ([.[] | has("uid") or .endpoint == "imagereview"] | all) and ([.[] | has("ts") and has("verdict") and has("images") and has("reasons") and has("duration_ms")] | all)' "$T/decisions.json"
jq_true "decision names kind, name, namespace" '[.[] | select(.uid == "uid-1-a")][0] | .kind == "Pod" and .name == "web" and .namespace == "team-a" and .verdict == "deny"' "$T/decisions.json"
jq_true "decision images carry digests" "[.[] | .images[] | select(.image == \"$CLEAN\") | .digest == \"$CLEAN_DIGEST\"] | all" "$T/decisions.json"
jq_true "dryRun logged" '[.[] | select(.uid == "uid-dry")][0].dry_run == true' "$T/decisions.json"
jq_true "exempt namespace logged" '[.[] | select(.uid == "uid-ns")][0].namespace_exempt == true' "$T/decisions.json"
jq_true "generateName logged as name" '[.[] | select(.uid == "uid-gen")][0].name == "web-"' "$T/decisions.json"
grep_none "no credentials in logs" -F "$PASS" "$T/A.log" "$T/B.log"
