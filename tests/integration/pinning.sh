# Integration: digest pinning (POST /mutate) and signed verdicts over the
# webhook, over real HTTPS against the test registry (PKI, registry and
# webhooks from tests/harness/). Every /mutate answer is applied
# with python3-jsonpatch (tests/webhook/mutate_check.py) and compared with
# an object built independently, for every object kind and version,
# CronJob's nested template, images already pinned, an index (the index
# digest is pinned), UPDATE, the ephemeralcontainers subresource, metadata
# or annotations absent or present. Then: a tag moved after admission (the
# patched pod still names the clean digest and is allowed, the unpatched
# one is denied), one scan for mutate + validate, --pin-digests, images
# that fail or do not resolve, a scan outliving the mutate deadline, the
# annotation's envelopes verified with `portcullis verify` against GET
# /verdict-key, only envelopes signed for the request in the annotation
# (stale ones in the object or oldObject dropped, an edited one replaced,
# one that cannot be re-signed removed), a world-readable key refused at start, a key replaced on
# disk picked up (and a bad replacement kept out), no key in the logs.
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
registry_up

python3 -c 'import jsonpatch' 2>/dev/null ||
    { fail "python3-jsonpatch" "not installed (scripts/deps.sh)"; exit 1; }
MC="$PC_ROOT/tests/webhook/mutate_check.py"

# --- images: clean, bad, an index (multiplatform), a moving tag, a slowed one
for f in clean bad multiplatform zstd; do build_fixture "$f" || exit 1; done
registry_push clean app/clean:v1 && registry_push bad app/bad:v1 && registry_push clean app/moving:v1 &&
    registry_push zstd app/slow:v1 && registry_push multiplatform app/multi:v1 --all || exit 1
CLEAN="$R/app/clean:v1"
BAD="$R/app/bad:v1"
MULTI="$R/app/multi:v1"
MOVING="$R/app/moving:v1"
CLEAN_D="sha256:$(registry_digest "$CLEAN")"
BAD_D="sha256:$(registry_digest "$BAD")"
MULTI_D="sha256:$(registry_digest "$MULTI")"
registry_manifest "$MULTI" >"$T/index.json"
jq_true "app/multi:v1 is an index" '.manifests | length == 2' "$T/index.json"
MULTI_AMD64=$(jq -r '.manifests[] | select(.platform.architecture == "amd64") | .digest' "$T/index.json")
P_PROXY=$(free_port)
P_DOWN=$(free_port) # nothing listens here
SLOW=$(registry_manifest "$R/app/slow:v1" | jq -r '.layers[].digest' | paste -sd, -)
slowproxy_start "$P_PROXY" "$SLOW"
write_authfile "$R" "127.0.0.1:$P_PROXY"
pass "registry up, fixtures pushed"

# --- keys, and the webhooks: M pins and signs, N does neither
openssl genpkey -algorithm ed25519 -out "$T/sign.pem" 2>/dev/null && chmod 600 "$T/sign.pem"
openssl pkey -in "$T/sign.pem" -pubout -out "$T/sign.pub"
webhook_start M --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --pin-digests \
    --sign-key "$T/sign.pem" --verdict-ttl 1h --tag-ttl 1s --deadline-margin 1s || exit 1
M_PID=$WH_PID
M=$WH_URL
webhook_start N --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" || exit 1
N=$WH_URL
jq_true "listening line says pinning and signing" 'select(.msg == "listening") | .pin_digests and .signing' "$T/M.log"

# case NAME URL FILE PINS-JSON ANNOTATE [EXPECT] [REVIEW_OUT] [ANNOTATION_OUT] [ENVELOPE-IMAGES-JSON]:
# one line of $T/cases; ANNOTATE is true, false or '"removed"'
case_() {
    jq -cn --arg n "$1" --arg u "$2" --arg f "$3" --argjson p "$4" --argjson a "$5" \
        --arg e "${6:-allow}" --arg ro "${7:-}" --arg ao "${8:-}" --arg ei "${9:-}" \
        '{name: $n, url: $u, request: $f, pins: $p, annotate: $a, expect: $e}
         + (if $ro != "" then {review_out: $ro} else {} end)
         + (if $ao != "" then {annotation_out: $ao} else {} end)
         + (if $ei != "" then {envelope_images: ($ei | fromjson)} else {} end)' >>"$T/cases.jsonl"
}
run_cases() { # RESULTS
    jq -s . "$T/cases.jsonl" >"$T/cases.json"
    python3 "$MC" --cacert "$C/ca.crt" --cases "$T/cases.json" --results "$1" ||
        fail "mutate_check.py" "exited $?"
    : >"$T/cases.jsonl"
}
pins() { # IMAGE PINNED [IMAGE PINNED]: a JSON object
    if [ $# -eq 2 ]; then jq -cn --arg a "$1" --arg b "$2" '{($a): $b}'; else
        jq -cn --arg a "$1" --arg b "$2" --arg c "$3" --arg d "$4" '{($a): $b, ($c): $d}'; fi
}

# --- every kind in v1 and v1beta1: the container by tag (pinned), the init
# container already pinned (left alone), the annotation on the pod
# (template) metadata; patches applied with jsonpatch and compared
: >"$T/cases.jsonl"
PINNED_CLEAN="$R/app/clean@$CLEAN_D"
PC_PINS=$(pins "$CLEAN" "$CLEAN@$CLEAN_D")
for kind in pod deployment replicaset statefulset daemonset job cronjob replicationcontroller; do
    for ver in v1 v1beta1; do
        sed "s#\"admission.k8s.io/v1\"#\"admission.k8s.io/$ver\"#" "$REQ/$kind.json" >"$T/tmpl.json"
        fill "$T/tmpl.json" "$T/k-$kind-$ver.json" "uid-$kind-$ver" team-a "$CLEAN" "$PINNED_CLEAN"
        case_ "mutate $kind $ver: tag pinned, pinned image kept, annotated" "$M/mutate" \
            "$T/k-$kind-$ver.json" "$PC_PINS" true allow "" "$T/ann-$kind-$ver.json"
    done
done
fill "$REQ/cronjob-v1beta1.json" "$T/k-cj-beta.json" uid-cj-beta team-a "$CLEAN" "$CLEAN"
case_ "mutate batch/v1beta1 CronJob" "$M/mutate" "$T/k-cj-beta.json" "$PC_PINS" true
fill "$REQ/pod.json" "$T/k-multi.json" uid-multi team-a "$MULTI" "$MULTI"
case_ "mutate index: pinned to the index digest" "$M/mutate" "$T/k-multi.json" \
    "$(pins "$MULTI" "$MULTI@$MULTI_D")" true allow "" "$T/ann-multi.json"
fill "$REQ/pod.json" "$T/k-allpinned.json" uid-allpinned team-a "$PINNED_CLEAN" "$PINNED_CLEAN"
case_ "mutate all pinned: only the annotation" "$M/mutate" "$T/k-allpinned.json" '{}' true
jq '.request.object.metadata.annotations = {"team": "a", "portcullis.io/verdicts": "forged"}' \
    "$T/k-pod-v1.json" >"$T/k-annotated.json"
case_ "mutate pod with annotations: one key added (~1), forged value replaced" "$M/mutate" \
    "$T/k-annotated.json" "$PC_PINS" true
jq 'del(.request.object.spec.template.metadata)' "$T/k-job-v1.json" >"$T/k-nometa.json"
case_ "mutate job without template metadata: metadata added" "$M/mutate" "$T/k-nometa.json" \
    "$PC_PINS" true
jq '.request.object.spec.template.metadata.annotations = null' "$T/k-deployment-v1.json" >"$T/k-nullann.json"
case_ "mutate deployment with annotations null" "$M/mutate" "$T/k-nullann.json" "$PC_PINS" true
fill "$REQ/deployment-update.json" "$T/k-update.json" uid-update team-a "$CLEAN" "" "$PINNED_CLEAN"
case_ "mutate UPDATE: only the new image pinned, every image's verdict signed now" "$M/mutate" \
    "$T/k-update.json" "$PC_PINS" true allow "" "" "$(jq -cn --arg a "$CLEAN@$CLEAN_D" --arg b "$PINNED_CLEAN" '[$a, $b]')"
fill "$REQ/deployment-update.json" "$T/k-update-bad.json" uid-update-bad team-a "$CLEAN" "" "$BAD"
case_ "mutate UPDATE keeping a denied image: new image pinned, no verdicts" "$M/mutate" \
    "$T/k-update-bad.json" "$PC_PINS" false
# envelopes that came in (signed with the webhook's own key, but not for
# this request: a deny and an allow of other images, and junk) never
# leave /mutate, whether in the object or the stored object (oldObject)
"$PC" scan --cache-dir "$(fresh_cache)" --sign-key "$T/sign.pem" --format json -o "$T/stale-bad.json" "oci:$T/bad/oci:latest" >/dev/null 2>&1
"$PC" scan --cache-dir "$(fresh_cache)" --sign-key "$T/sign.pem" --format json -o "$T/stale-clean.json" "oci:$T/clean/oci:latest" >/dev/null 2>&1
STALE=$(jq -rn --slurpfile b "$T/stale-bad.json" --slurpfile c "$T/stale-clean.json" \
    '[$b[0].reports[0].attestation, $c[0].reports[0].attestation, {"payloadType": "x", "forged": true}] | tojson')
[ "$(printf '%s' "$STALE" | jq -r 'if type == "array" and length == 3 then [.[0:2][].signatures | length] | add else 0 end')" = 2 ] &&
    printf '%s' "$STALE" | jq -c '.[0]' | "$PC" verify --key "$T/sign.pub" --accept-deny - >/dev/null 2>&1 &&
    pass "stale envelopes: an annotation value of 3, two signed with the webhook's key" ||
    fail "stale envelopes: an annotation value of 3, two signed with the webhook's key" "$(printf '%s' "$STALE" | head -c 300)"
stale() { # FILE OUT WHERE...: the review with the stale annotation on the pod template of WHERE (object, oldObject)
    f=$1 out=$2
    shift 2
    cp "$f" "$out"
    for w in "$@"; do
        jq --arg v "$STALE" --arg w "$w" '.request[$w].spec.template.metadata.annotations["portcullis.io/verdicts"] = $v' \
            "$out" >"$out.tmp" && mv "$out.tmp" "$out"
    done
}
stale "$T/k-update.json" "$T/k-stale-update.json" object oldObject
case_ "mutate UPDATE: stale envelopes of the stored object dropped, fresh ones only" "$M/mutate" \
    "$T/k-stale-update.json" "$PC_PINS" true allow "" "" "$(jq -cn --arg a "$CLEAN@$CLEAN_D" --arg b "$PINNED_CLEAN" '[$a, $b]')"
fill "$REQ/deployment-update.json" "$T/k-noimg.json" uid-noimg team-a "$PINNED_CLEAN" "" "$PINNED_CLEAN"
stale "$T/k-noimg.json" "$T/k-noimg-edited.json" object
case_ "mutate UPDATE adding no image, annotation edited: replaced by fresh envelopes" "$M/mutate" \
    "$T/k-noimg-edited.json" '{}' true allow "" "" "$(jq -cn --arg b "$PINNED_CLEAN" '[$b]')"
stale "$T/k-noimg.json" "$T/k-noimg-stored.json" object oldObject
case_ "mutate UPDATE adding no image, annotation as stored: no patch" "$M/mutate" \
    "$T/k-noimg-stored.json" '{}' false
stale "$T/k-update-bad.json" "$T/k-stale-bad.json" object oldObject
case_ "mutate UPDATE keeping a denied image: stale annotation removed" "$M/mutate" \
    "$T/k-stale-bad.json" "$PC_PINS" '"removed"'
fill "$REQ/pod-ephemeralcontainers.json" "$T/k-eph.json" uid-eph team-a "$CLEAN" "" "$BAD"
case_ "mutate pods/ephemeralcontainers: pinned, no annotation" "$M/mutate" "$T/k-eph.json" \
    "$PC_PINS" false
fill "$REQ/pod.json" "$T/k-bad.json" uid-bad team-a "$BAD" "$CLEAN"
case_ "mutate bad image: pinned, not annotated, still allowed (validate denies)" "$M/mutate" \
    "$T/k-bad.json" "$(pins "$BAD" "$BAD@$BAD_D" "$CLEAN" "$CLEAN@$CLEAN_D")" false allow \
    "$T/bad-patched.json"
fill "$REQ/pod.json" "$T/k-down.json" uid-down team-a "127.0.0.1:$P_DOWN/app/x:v1" "$CLEAN"
case_ "mutate unresolvable image: left unpatched" "$M/mutate" "$T/k-down.json" "$PC_PINS" false \
    allow "$T/down-patched.json"
fill "$REQ/pod.json" "$T/k-local.json" uid-local team-a "oci:$T/clean/oci:latest" "$CLEAN"
case_ "mutate local transport: left unpatched" "$M/mutate" "$T/k-local.json" "$PC_PINS" false
fill "$REQ/pod.json" "$T/k-n.json" uid-n team-a "$CLEAN" "$PINNED_CLEAN"
case_ "mutate without --sign-key: pinned, no annotation" "$N/mutate" "$T/k-n.json" "$PC_PINS" false
jq --arg v "$STALE" '.request.object.metadata.annotations = {"portcullis.io/verdicts": $v}' "$T/k-bad.json" >"$T/k-bad-stale.json"
case_ "mutate CREATE, bad image, annotation that came in: removed" "$M/mutate" "$T/k-bad-stale.json" \
    "$(pins "$BAD" "$BAD@$BAD_D" "$CLEAN" "$CLEAN@$CLEAN_D")" '"removed"'
jq --arg v "$STALE" '.request.object.metadata.annotations = {"portcullis.io/verdicts": $v}' "$T/k-n.json" >"$T/k-n-stale.json"
case_ "mutate without --sign-key, annotation that came in: removed" "$N/mutate" "$T/k-n-stale.json" \
    "$PC_PINS" '"removed"'
run_cases "$T/kinds.json"
fill "$REQ/pod.json" "$T/r.json" uid-delete team-a "$CLEAN" "$CLEAN"
jq '.request.operation = "DELETE"' "$T/r.json" >"$T/k-delete.json"
case_ "mutate DELETE: allowed, no patch" "$M/mutate" "$T/k-delete.json" '{}' false
run_cases "$T/delete.json"

# --- the patched reviews through /validate
send "validate patched bad image" deny "$M/validate" "$T/bad-patched.json"
jq_true "patched bad image denied for its content" '.message | contains("setuid-file /usr/bin/passwd")'
send "validate unresolvable image left unpinned" deny "$M/validate" "$T/down-patched.json"
jq_true "unresolvable: scan-error" '.message | contains("scan-error")'

# --- a tag moved after admission
: >"$T/cases.jsonl"
fill "$REQ/pod.json" "$T/moving.json" uid-moving team-a "$MOVING" "$MOVING"
case_ "mutate moving tag: pinned to the clean digest" "$M/mutate" "$T/moving.json" \
    "$(pins "$MOVING" "$MOVING@$CLEAN_D")" true allow "$T/moving-patched.json"
run_cases "$T/moving-results.json"
started=$(metric "$M" portcullis_scans_started_total)
hits=$(metric "$M" portcullis_cache_hits_total)
send "validate right after mutate" allow "$M/validate" "$T/moving-patched.json"
d_started=$(($(metric "$M" portcullis_scans_started_total) - started))
d_hits=$(($(metric "$M" portcullis_cache_hits_total) - hits))
[ "$d_started" = 0 ] && [ "$d_hits" -ge 1 ] && pass "validate after mutate: no new scan, answered from cache (hits +$d_hits)" ||
    fail "validate after mutate: no new scan" "started +$d_started, hits +$d_hits"
registry_push bad app/moving:v1 || exit 1
# M trusts a tag for --tag-ttl (1s): ask until it has resolved the moved
# tag (the unpatched pod denied for the bad image's content, not only for
# being unpinned), at most 10 s
moved() {
    python3 "$CLIENT" --url "$M/validate" --cacert "$C/ca.crt" --request "$T/moving.json" \
        --expect deny 2>/dev/null | jq -e '.message | contains("setuid-file /usr/bin/passwd")' >/dev/null 2>&1
}
wait_until 10 moved
send "tag moved: unpatched pod denied" deny "$M/validate" "$T/moving.json"
jq_true "unpatched pod denied for what the tag names now" '.message | contains("setuid-file /usr/bin/passwd")'
jq_true "patched pod still names the clean digest" "[.request.object.spec.containers[0].image, .request.object.spec.initContainers[0].image] == [\"$MOVING@$CLEAN_D\", \"$MOVING@$CLEAN_D\"]" "$T/moving-patched.json"
send "tag moved: patched pod allowed" allow "$M/validate" "$T/moving-patched.json"

# --- --pin-digests: an unpinned clean image is denied by M, a warning on N
fill "$REQ/pod.json" "$T/r.json" uid-unpinned team-a "$CLEAN" "$PINNED_CLEAN"
send "--pin-digests: unpinned image denied" deny "$M/validate" "$T/r.json"
jq_true "denial names unpinned-image" '.message | contains("unpinned-image")'
send "without --pin-digests: unpinned image allowed" allow "$N/validate" "$T/r.json"
jq_true "... with an unpinned-image warning" '[.warnings[] | test("unpinned-image")] | any'
fill "$REQ/imagereview.json" "$T/r.json" - team-a "$CLEAN" "$CLEAN"
send "--pin-digests on /imagereview" deny "$M/imagereview" "$T/r.json"

# --- a scan outliving the mutate deadline: denied "retry", then pinned and signed
SLOWIMG="127.0.0.1:$P_PROXY/app/slow:v1"
fill "$REQ/pod.json" "$T/slow.json" uid-slow team-a "$SLOWIMG" "$SLOWIMG"
case_ "mutate: scan outlives the deadline, denied" "$M/mutate?timeout=2s" "$T/slow.json" '{}' false deny
run_cases "$T/slow1.json"
jq_true "deadline denial says retry" "[.[0].answer.status.message | contains(\"scan of $SLOWIMG in progress, retry\")] == [true]" "$T/slow1.json"
wait_until 20 scans_idle "$M"
SLOW_D="sha256:$(registry_digest "$R/app/slow:v1")"
# (the retry resolves the tag again, --tag-ttl 1s, once per run: pod.json's
# init and app containers run differently; 4s leaves the asan build time)
case_ "mutate: the retry is pinned and signed" "$M/mutate?timeout=4s" "$T/slow.json" \
    "$(pins "$SLOWIMG" "$SLOWIMG@$SLOW_D")" true
run_cases "$T/slow2.json"

# --- the annotation's envelopes verify against GET /verdict-key
code=$(curl -s -o "$T/vk.pem" -w '%{http_code}' --cacert "$C/ca.crt" "$M/verdict-key")
[ "$code" = 200 ] && cmp -s "$T/vk.pem" "$T/sign.pub" && pass "GET /verdict-key: the public key" ||
    fail "GET /verdict-key" "HTTP $code: $(head -c 300 "$T/vk.pem")"
code=$(curl -s -o "$T/vk404" -w '%{http_code}' --cacert "$C/ca.crt" "$N/verdict-key")
[ "$code" = 404 ] && grep -q "without --sign-key" "$T/vk404" && pass "GET /verdict-key without a key: 404 says why" ||
    fail "GET /verdict-key without a key" "HTTP $code: $(head -c 300 "$T/vk404")"
POLICY_D=$(curl -s --cacert "$C/ca.crt" "$M/readyz" | jq -r .policy_digest)
# (verify_all, tests/harness/webhook.sh, verifies with --policy-digest $POLICY_D)
# each envelope judged its container's run (pod.json's init container has
# its own command): a verifier that asks about no run context is refused
verify_all "pod annotation: bound to the containers' runs" "$T/ann-pod-v1.json" "$T/vk.pem" "$CLEAN_D" 1 "run key"
VERIFY_RUN=--any-run
verify_all "pod annotation verifies (portcullis verify --key from /verdict-key)" "$T/ann-pod-v1.json" "$T/vk.pem" "$CLEAN_D" 0
verify_all "cronjob annotation verifies" "$T/ann-cronjob-v1beta1.json" "$T/vk.pem" "$CLEAN_D" 0
verify_all "index: verifies with the index digest" "$T/ann-multi.json" "$T/vk.pem" "$MULTI_D" 0
verify_all "index: verifies with the platform manifest digest" "$T/ann-multi.json" "$T/vk.pem" "$MULTI_AMD64" 0
verify_all "another digest is refused" "$T/ann-pod-v1.json" "$T/vk.pem" "$BAD_D" 1 "does not match"
for p in $(jq -r '.[].payload' "$T/ann-pod-v1.json"); do printf '%s' "$p" | base64 -d; echo; done |
    jq -s . >"$T/statements.json"
jq_true "annotation: in-toto statements whose subject is the repository and the pinned digest" \
    "[.[] | ._type == \"https://in-toto.io/Statement/v1\" and .predicateType == \"https://portcullis.io/verdict/v1\" and .subject[0] == {name: \"$R/app/clean\", digest: {sha256: \"${CLEAN_D#sha256:}\"}}] | all" "$T/statements.json"
jq '[.[].predicate]' "$T/statements.json" >"$T/payloads.json"
jq_true "one envelope per image, naming the reference that runs" "[.[].image] == [\"$PINNED_CLEAN\", \"$CLEAN@$CLEAN_D\"]" "$T/payloads.json"
jq_true "payloads bind verdict, digest and policy" "[.[] | .verdict == \"allow\" and .digest == \"$CLEAN_D\" and .policy_digest == \"$POLICY_D\"] | all" "$T/payloads.json"
jq_true "payloads bind each container's run (init and app run differently)" '[.[].run_key | select(type == "string" and startswith("sha256:"))] | length == 2 and .[0] != .[1]' "$T/payloads.json"
jq_true "payloads valid for --verdict-ttl (1h)" '[.[] | ((.expires_at | fromdateiso8601) - (.issued_at | fromdateiso8601)) == 3600] | all' "$T/payloads.json"

VERIFY_RUN=""

# --- TES: /tes/validate and the gate give each scanned executor's signed verdict
TREQ="$PC_ROOT/fixtures/requests/tes"
fill_task "$TREQ/mixed.json" "$T/tes-mixed.json" "$CLEAN" "$BAD"
fill_task "$TREQ/one-executor.json" "$T/tes-one.json" "$CLEAN"
tes_post() { # URL FILE: the answer in $T/out, the status in $code
    code=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$C/ca.crt" \
        -H 'Content-Type: application/json' --data-binary @"$2" "$1")
}
tes_post "$M/tes/validate" "$T/tes-mixed.json"
jq_true "/tes/validate: an attestation per executor" '[.executors[].attestation.payloadType] == ["application/vnd.in-toto+json", "application/vnd.in-toto+json"]'
cp "$T/out" "$T/tes-answer.json"
jq '.executors[0].attestation' "$T/tes-answer.json" >"$T/tes-env0.json"
run "/tes/validate: executor 0's verdict verifies for its run" 0 "$PC" verify --key "$T/vk.pem" \
    --image-digest "$(jq -r '.executors[0].digest' "$T/tes-answer.json")" \
    --run-key "$(jq -r '.executors[0].run_key' "$T/tes-answer.json")" "$T/tes-env0.json"
run "/tes/validate: executor 0's verdict is not one for another run" 1 "$PC" verify --key "$T/vk.pem" \
    --image-digest "$(jq -r '.executors[0].digest' "$T/tes-answer.json")" "$T/tes-env0.json"
jq '.executors[1].attestation' "$T/tes-answer.json" >"$T/tes-env1.json"
RK1=$(jq -r '.executors[1].run_key' "$T/tes-answer.json")
run "/tes/validate: the denied executor's verdict verifies, and says deny (exit 3)" 3 "$PC" verify \
    --key "$T/vk.pem" --image-digest "$BAD_D" --run-key "$RK1" "$T/tes-env1.json"
grep_in "... valid: deny" '^valid: deny$' "$T/out"
run "/tes/validate: the denied executor's verdict, --accept-deny" 0 "$PC" verify --key "$T/vk.pem" \
    --image-digest "$BAD_D" --run-key "$RK1" --accept-deny "$T/tes-env1.json"
jq -r '.executors[1].attestation.payload' "$T/tes-answer.json" | base64 -d | jq .predicate >"$T/out"
jq_true "... and says deny" '.verdict == "deny" and (.checks | map(.check) | index("setuid-file") != null)'
tes_post "$N/tes/validate" "$T/tes-one.json"
jq_true "/tes/validate without a key: attestation null" '.executors[0] | has("attestation") and .attestation == null'
P_TES=$(free_port)
tes_upstream_start "$P_TES" "$T/up.jsonl"
if webhook_start G --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --sign-key "$T/sign.pem" \
    --tes-upstream "http://127.0.0.1:$P_TES/"; then
    G=$WH_URL
    tes_post "$G/ga4gh/tes/v1/tasks" "$T/tes-mixed.json"
    [ "$code" = 403 ] && jq -e '.executors[1].attestation.payloadType' "$T/out" >/dev/null &&
        pass "gate: a denied task's 403 carries the attestations" ||
        fail "gate: a denied task's 403 carries the attestations" "HTTP $code $(head -c 300 "$T/out")"
    : >"$T/up.jsonl"
    tes_post "$G/ga4gh/tes/v1/tasks" "$T/tes-one.json"
    jq -s '.[-1].headers | map(select(.[0] | ascii_downcase == "portcullis-verdicts")) | .[0][1] | fromjson' \
        "$T/up.jsonl" >"$T/up-verdicts.json" 2>/dev/null
    jq_true "gate: the allowed task reached the TES server with Portcullis-Verdicts" 'length == 1 and .[0].payloadType == "application/vnd.in-toto+json"' "$T/up-verdicts.json"
    verify_all "gate: forwarded verdicts are bound to the executor's run" "$T/up-verdicts.json" "$T/vk.pem" "$CLEAN_D" 1 "run key"
    VERIFY_RUN=--any-run
    verify_all "gate: the forwarded verdicts verify" "$T/up-verdicts.json" "$T/vk.pem" "$CLEAN_D" 0
    VERIFY_RUN=""
    : >"$T/up.jsonl"
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
        -H 'Portcullis-Verdicts: [{"forged": true}]' --data-binary @"$T/tes-one.json" "$G/ga4gh/tes/v1/tasks")
    jq -s '[.[-1].headers[] | select(.[0] | ascii_downcase == "portcullis-verdicts")] | length == 1 and (.[0][1] | contains("forged") | not)' \
        "$T/up.jsonl" >"$T/out" 2>/dev/null
    [ "$(cat "$T/out")" = true ] && pass "gate: a client's own Portcullis-Verdicts header is not relayed" ||
        fail "gate: a client's own Portcullis-Verdicts header is not relayed" "HTTP $code $(tail -c 600 "$T/up.jsonl")"
fi

# --- a world-readable key is refused at start, and says so without the key
cp "$T/sign.pem" "$T/open.pem"
chmod 644 "$T/open.pem"
timeout 30 "$WH" --listen 127.0.0.1:0 --tls-cert "$C/server.crt" --tls-key "$C/server.key" \
    --sign-key "$T/open.pem" 2>"$T/open.log"
rc=$?
[ "$rc" = 1 ] && grep -q "accessible by other users" "$T/open.log" && pass "world-readable key refused at start (exit 1)" ||
    fail "world-readable key refused at start" "exit $rc: $(head -c 500 "$T/open.log")"

# --- a key replaced on disk is picked up; a bad replacement is kept out
openssl genpkey -algorithm ed25519 -out "$T/sign2.pem" 2>/dev/null && chmod 600 "$T/sign2.pem"
openssl pkey -in "$T/sign2.pem" -pubout -out "$T/sign2.pub"
cp "$T/sign.pem" "$T/sign1.pem"
mv "$T/sign2.pem" "$T/sign.pem"
# the key file is looked at once a second at most: ask until it shows (10 s)
new_key_served() {
    curl -s --cacert "$C/ca.crt" "$M/verdict-key" >"$T/vk2.pem"
    cmp -s "$T/vk2.pem" "$T/sign2.pub"
}
wait_until 10 new_key_served && pass "replaced key served by /verdict-key" ||
    fail "replaced key served" "$(cat "$T/vk2.pem")"
[ "$(metric "$M" portcullis_sign_key_reloads_total)" = 1 ] && pass "key reload counted" ||
    fail "key reload counted" "$(metric "$M" portcullis_sign_key_reloads_total)"
fill "$REQ/pod.json" "$T/k-after.json" uid-after team-a "$CLEAN" "$PINNED_CLEAN"
case_ "mutate after the key changed" "$M/mutate" "$T/k-after.json" "$PC_PINS" true allow "" "$T/ann-after.json"
run_cases "$T/after.json"
VERIFY_RUN=--any-run
verify_all "new verdicts verify with the new key" "$T/ann-after.json" "$T/sign2.pub" "$CLEAN_D" 0
verify_all "new verdicts fail with the old key" "$T/ann-after.json" "$T/sign.pub" "$CLEAN_D" 1 "signature"
VERIFY_RUN=""
cp "$T/sign1.pem" "$T/sign3.pem"
chmod 644 "$T/sign3.pem"
mv "$T/sign3.pem" "$T/sign.pem"
# ask until the refusal is counted (10 s); then keep asking for 1.5 s,
# past the next look at the file (once a second), which must not log
# again: that look has no outward sign to wait for, so this is a window
refused() {
    curl -s --cacert "$C/ca.crt" "$M/verdict-key" >"$T/vk3.pem"
    [ "$(metric "$M" 'portcullis_errors_total{kind="sign_key_reload"}')" = 1 ]
}
wait_until 10 refused
end=$(($(now_ms) + 1500))
while [ "$(now_ms)" -lt $end ]; do
    curl -s --cacert "$C/ca.crt" "$M/verdict-key" >"$T/vk3.pem"
    sleep 0.1
done
cmp -s "$T/vk3.pem" "$T/sign2.pub" && pass "world-readable replacement not loaded" ||
    fail "world-readable replacement not loaded" "$(cat "$T/vk3.pem")"
[ "$(grep -c 'signing key not loaded' "$T/M.log")" = 1 ] && pass "refused replacement logged once" ||
    fail "refused replacement logged once" "$(grep -c 'signing key not loaded' "$T/M.log") lines"
[ "$(metric "$M" 'portcullis_errors_total{kind="sign_key_reload"}')" = 1 ] && pass "refused replacement counted" ||
    fail "refused replacement counted" "$(metric "$M" 'portcullis_errors_total{kind="sign_key_reload"}')"

# --- logs: mutate decisions logged, no key material, no registry password
jq -s '[.[] | select(.msg == "decision" and .endpoint == "mutate")]' "$T/M.log" >"$T/mdec.json" 2>/dev/null ||
    fail "log is JSON lines" "$(head -c 500 "$T/M.log")"
jq_true "mutate decisions logged with pins and annotation" '[.[] | select(.uid == "uid-pod-v1")][0] | .pinned == 1 and .annotated == true and .verdict == "allow"' "$T/mdec.json"
leak=""
[ -s "$T/M.log" ] && [ -s "$T/N.log" ] && [ -s "$T/open.log" ] || leak="a log is missing or empty: nothing to check"
for k in "$T/sign1.pem" "$T/sign.pem" "$T/open.pem"; do
    body=$(sed -n 2p "$k")
    grep -qF "$body" "$T/M.log" "$T/N.log" "$T/open.log" && leak="$leak $k"
done
grep -qF "$PASS" "$T/M.log" "$T/N.log" && leak="$leak registry-password"
[ -z "$leak" ] && pass "no key or password in the logs" || fail "no key or password in the logs" "$leak"
webhook_stop "$M_PID" && pass "SIGTERM: clean exit" || fail "SIGTERM: clean exit" "exit $?"
