# Integration: TES executors judged as their backend starts them
# (--tes-start kubernetes|shell|docker, else the policy's sandbox.start),
# over real HTTPS, on images built from real Debian packages (libc6,
# coreutils, dash; fetched into .cache/debs, layered with umoci, pushed to
# the test registry), under the built-in tes-k8s policy (uid/gid 1001
# forced, start shell):
#   kubernetes  the command replaces ENTRYPOINT: an image without
#               ENTRYPOINT or CMD runs a command that exists (allowed, no
#               missing-entrypoint); a command[0] missing from the image is
#               denied naming it; two executors of one image with different
#               commands get their own verdicts;
#   shell       /bin/sh -c COMMAND: an image without /bin/sh is denied even
#               though command[0] exists; command[0] is judged too (missing:
#               denied naming it; a builtin: not judged); the gate judges
#               the same way;
#   docker      the command goes after the ENTRYPOINT: the same executor is
#               denied on an image whose ENTRYPOINT the sandbox user cannot
#               execute, allowed where ENTRYPOINT is /usr/bin/env.
# Each prediction is then proven with Debian's runc: the argv and user of
# the answer, run in the image's umoci bundle.
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
registry_up
need_tools umoci jq dpkg-deb
write_authfile "$R"

# --- images: nosh (libc, coreutils, no shell, no ENTRYPOINT or CMD),
# withsh (nosh + dash as /bin/sh), toolep (withsh + ENTRYPOINT /app/tool,
# mode 0700 owner root), envep (withsh + ENTRYPOINT /usr/bin/env)
fetch_all libc6 coreutils dash # one apt-get for all (each fetch below then finds its .deb)
for p in libc6 coreutils dash; do
    fetch "$p" || { fail "apt-get download $p" "no package"; exit 1; }
done
L="$T/img"
B="$T/bundle"
RF="$B/rootfs"
PATHENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
deb() { for p in "$@"; do dpkg-deb -x "$DEBS"/"$p"_*.deb "$RF" || return 1; done; }
cfg() { from=$1 tag=$2 && shift 2 && umoci config --image "$L:$from" --tag "$tag" "$@"; }
umoci init --layout "$L" && umoci new --image "$L:nosh0" && umoci unpack --image "$L:nosh0" "$B" >/dev/null &&
    deb libc6 coreutils && mkdir -p "$RF/etc" && printf 'root:x:0:0:root:/root:/bin/sh\n' >"$RF/etc/passwd" &&
    printf 'root:x:0:\n' >"$RF/etc/group" && umoci repack --image "$L:nosh0" "$B" && rm -rf "$B" &&
    cfg nosh0 nosh --config.env="$PATHENV" &&
    umoci unpack --image "$L:nosh" "$B" >/dev/null && deb dash && ln -sf dash "$RF/bin/sh" &&
    umoci repack --image "$L:withsh" "$B" && rm -rf "$B" &&
    umoci unpack --image "$L:withsh" "$B" >/dev/null && mkdir -p "$RF/app" && cp "$RF/bin/true" "$RF/app/tool" &&
    chmod 0700 "$RF/app/tool" && umoci repack --image "$L:toolep0" "$B" && rm -rf "$B" &&
    cfg toolep0 toolep --config.entrypoint=/app/tool && cfg withsh envep --config.entrypoint=/usr/bin/env ||
    { fail "images" "umoci failed"; exit 1; }
for i in nosh withsh toolep envep; do
    skopeo copy -q --dest-cert-dir "$CERTS" --dest-creds "$USER_NAME:$PASS" "oci:$L:$i" "docker://$R/tes/$i:v1" \
        >"$T/push.log" 2>&1 || { fail "push $i" "$(head -c 600 "$T/push.log")"; exit 1; }
done
NOSH="$R/tes/nosh:v1" WITHSH="$R/tes/withsh:v1" TOOLEP="$R/tes/toolep:v1" ENVEP="$R/tes/envep:v1"
pass "images from libc6, coreutils and dash pushed"

# --- the recording upstream behind the shell webhook's gate; one webhook per semantics
P_TES=$(free_port)
REC="$T/upstream.jsonl"
: >"$REC"
tes_upstream_start "$P_TES" "$REC" || exit 1
webhook_start S --tls-cert "$C/server.crt" --tls-key "$C/server.key" --policy tes-k8s --cache-dir "$T/cache" --tes-upstream "http://127.0.0.1:$P_TES" || exit 1
S=$WH_URL
webhook_start K --tls-cert "$C/server.crt" --tls-key "$C/server.key" --policy tes-k8s --cache-dir "$T/cache" --tes-start kubernetes || exit 1
K=$WH_URL
webhook_start D --tls-cert "$C/server.crt" --tls-key "$C/server.key" --policy tes-k8s --cache-dir "$T/cache" --tes-start docker || exit 1
D=$WH_URL
ls_s=$(listened S tes_start)
ls_k=$(listened K tes_start)
[ "$ls_s" = shell ] && [ "$ls_k" = kubernetes ] && pass "listening lines: tes_start shell (tes-k8s's) and kubernetes (--tes-start)" ||
    fail "listening lines name tes_start" "S: $ls_s, K: $ls_k"
"$WH" --listen 127.0.0.1:0 --tls-cert "$C/server.crt" --tls-key "$C/server.key" --tes-start podman >"$T/bad.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q -- '--tes-start "podman": expected kubernetes, shell or docker' "$T/bad.out" &&
    pass "--tes-start podman refused (exit 2)" || fail "--tes-start podman refused" "exit $rc: $(head -c 300 "$T/bad.out")"

# task IMAGE COMMAND-JSON [IMAGE COMMAND-JSON]...: a tesTask in $T/task.json
task() {
    jq -n '[$ARGS.positional | _nwise(2) | {image: .[0], command: (.[1] | fromjson)}] | {name: "start", executors: .}' \
        --args "$@" >"$T/task.json"
}
# ask URL NAME: POST $T/task.json to URL/tes/validate, answer in $T/out (and $T/NAME.json)
ask() {
    code=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
        --data-binary @"$T/task.json" "$1/tes/validate?timeout=25s")
    cp "$T/out" "$T/$2.json"
    [ "$code" = 200 ] || fail "$2: HTTP 200" "HTTP $code: $(head -c 500 "$T/out")"
}

# --- kubernetes: the command replaces ENTRYPOINT (issue 17, case 6)
task "$NOSH" '["cat", "/etc/passwd"]'
ask "$K" k-cat
jq_true "kubernetes: no ENTRYPOINT or CMD, a command that runs: allowed" '.allowed == true and .executors[0].verdict == "allow" and ([.executors[0].findings[] | select(.check == "missing-entrypoint" or .check == "entrypoint-unrunnable")] == [])'
jq_true "kubernetes: the answer says what was judged" '.executors[0] | .start == "kubernetes" and .argv == ["cat", "/etc/passwd"] and .program == "/bin/cat" and .user == "1001:1001" and .command == null and .sandbox.argv == .argv'
task "$NOSH" 'null'
ask "$K" k-none
jq_true "kubernetes: no command, no ENTRYPOINT or CMD: missing-entrypoint" '.allowed == false and ([.executors[0].findings[] | select(.check == "missing-entrypoint")] | length == 1) and .executors[0].program == null'
task "$NOSH" '["/usr/bin/missing-tool", "x"]'
ask "$K" k-missing
jq_true "kubernetes: command[0] missing from the image: denied naming it" ".allowed == false and (.message | contains(\"executor 0 (image \\\"$NOSH\\\", program \\\"/usr/bin/missing-tool\\\"): entrypoint-unrunnable /usr/bin/missing-tool\")) and ([.executors[0].findings[] | select(.check == \"entrypoint-unrunnable\") | .message] == [\"entrypoint /usr/bin/missing-tool: does not exist in the image\"])"
task "$NOSH" '["cat", "/etc/passwd"]' "$NOSH" '["missing-tool"]' "$NOSH" '["cat", "/etc/passwd"]'
ask "$K" k-mixed
jq_true "kubernetes: one image, two commands: each executor its own verdict" '([.executors[].verdict] == ["allow", "deny", "allow"]) and ([.executors[].program] == ["/bin/cat", "missing-tool", "/bin/cat"]) and (.message | contains("executor 1 (") and (contains("executor 0") or contains("executor 2") | not))'

# --- a program the task's inputs put into the container (not the
# image's): not judged as missing, named as the input it is; a workdir on
# a task volume is not judged either
task "$NOSH" '["/data/run.sh", "x"]'
jq '.inputs = [{path: "/data/run.sh", url: "s3://bucket/run.sh"}] | .volumes = ["/scratch"] |
    .executors += [{image: .executors[0].image, command: ["cat", "/etc/passwd"], workdir: "/scratch/job"}]' \
    "$T/task.json" >"$T/task2.json" && mv "$T/task2.json" "$T/task.json"
ask "$K" k-input
jq_true "kubernetes: command[0] is a task input: denied as not judged, naming the input" '.allowed == false and ([.executors[0].findings[] | select(.check == "entrypoint-unrunnable") | .message] == ["entrypoint \"/data/run.sh\": /data/run.sh is on TES inputs[0] mounted at /data/run.sh, which the image does not hold: what runs there is not judged"])'
jq_true "kubernetes: a workdir on a task volume is not judged" '.executors[1].verdict == "allow" and ([.executors[1].findings[] | select(.check == "workdir-inaccessible")] == [])'

# --- shell: /bin/sh -c COMMAND (issue 17, case 7), the tes-k8s default
task "$NOSH" '["cat", "/etc/passwd"]'
ask "$S" s-nosh
jq_true "shell: no /bin/sh in the image: denied although command[0] exists" ".allowed == false and .executors[0].verdict == \"deny\" and .executors[0].command.verdict == \"allow\" and .executors[0].command.program == \"/bin/cat\" and (.message | contains(\"program \\\"/bin/sh\\\"\") and contains(\"entrypoint-unrunnable /bin/sh\"))"
jq_true "shell: the answer says what was judged" '.executors[0] | .start == "shell" and .argv == ["/bin/sh", "-c", "cat /etc/passwd"] and .program == "/bin/sh" and .user == "1001:1001" and .command.argv == ["cat", "/etc/passwd"]'
task "$WITHSH" '["cat", "/etc/passwd"]'
ask "$S" s-cat
jq_true "shell: /bin/sh and command[0] both run: allowed" '.allowed == true and .executors[0].program == "/bin/dash" and .executors[0].command.program == "/bin/cat" and .executors[0].command.verdict == "allow"'
task "$WITHSH" '["missing-tool", "x"]'
ask "$S" s-missing
jq_true "shell: command[0] missing: denied naming it" '.allowed == false and .executors[0].verdict == "deny" and .executors[0].command.verdict == "deny" and .executors[0].command.program == "missing-tool" and (.message | contains("program \"/bin/dash\", command program \"missing-tool\"): entrypoint-unrunnable")) and ([.executors[0].findings[] | select(.check == "entrypoint-unrunnable") | .message] == ["entrypoint \"missing-tool\": not found in PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])'
task "$WITHSH" '["printf", "%s|", "a b", "it'"'"'s", "$HOME"]'
ask "$S" s-printf
jq_true "shell: a builtin is not judged as a program; arguments quoted for sh" ".allowed == true and .executors[0].command == null and .executors[0].argv == [\"/bin/sh\", \"-c\", \"printf '%s|' 'a b' 'it'\\\\''s' '\$HOME'\"]"

# --- docker: the command goes after the ENTRYPOINT
task "$TOOLEP" '["cat", "/etc/passwd"]'
ask "$D" d-toolep
jq_true "docker: ENTRYPOINT + command, ENTRYPOINT not executable by the sandbox user: denied naming it" ".allowed == false and .executors[0].argv == [\"/app/tool\", \"cat\", \"/etc/passwd\"] and .executors[0].program == \"/app/tool\" and (.message | contains(\"program \\\"/app/tool\\\"): entrypoint-unrunnable /app/tool\"))"
ask "$K" k-toolep
jq_true "kubernetes: the same executor, its command replacing that ENTRYPOINT: allowed" '.allowed == true and .executors[0].argv == ["cat", "/etc/passwd"]'
task "$ENVEP" '["cat", "/etc/passwd"]'
ask "$D" d-envep
jq_true "docker: ENTRYPOINT /usr/bin/env + command: allowed, env judged" '.allowed == true and .executors[0].start == "docker" and .executors[0].argv == ["/usr/bin/env", "cat", "/etc/passwd"] and .executors[0].program == "/usr/bin/env"'

# --- workdir, env and stdout are part of the run; relative paths refused
jq -n --arg i "$WITHSH" '{executors: [{image: $i, command: ["cat", "passwd"], workdir: "/etc", env: {LC_ALL: "C"}, stdout: "/tmp/out"}]}' >"$T/task.json"
ask "$S" s-workdir
jq_true "shell: workdir and env carried into the run" '.allowed == true and .executors[0].verdict == "allow"'
jq -n --arg i "$WITHSH" '{executors: [{image: $i, command: ["cat"], stdout: "out.txt"}]}' >"$T/task.json"
code=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary @"$T/task.json" "$S/tes/validate")
[ "$code" = 400 ] && jq -e '.message | contains("executors[0].stdout: \"out.txt\": expected an absolute path")' "$T/out" >/dev/null &&
    pass "relative stdout: 400 naming the field" || fail "relative stdout: 400" "HTTP $code: $(head -c 300 "$T/out")"

# --- the gate judges with the same semantics
task "$WITHSH" '["missing-tool", "x"]'
cp "$T/task.json" "$T/gate-bad.json"
code=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary @"$T/gate-bad.json" "$S/ga4gh/tes/v1/tasks")
posts() { jq -s '[.[] | select(.method == "POST")] | length' "$REC"; }
[ "$code" = 403 ] && jq -e '.executors[0].command.verdict == "deny"' "$T/out" >/dev/null && [ "$(posts)" = 0 ] &&
    pass "gate (shell): command[0] missing: 403, not relayed" || fail "gate (shell): 403, not relayed" "HTTP $code, upstream got $(posts)"
task "$WITHSH" '["cat", "/etc/passwd"]'
code=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary @"$T/task.json" "$S/ga4gh/tes/v1/tasks")
[ "$code" = 200 ] && [ "$(posts)" = 1 ] &&
    pass "gate (shell): an allowed task relayed" || fail "gate (shell): allowed task relayed" "HTTP $code: $(head -c 300 "$T/out")"

# --- the predictions, proven: runc runs the answer's argv as the answer's user
# proof NAME ANSWER TAG WANT(runs|fails) [OUTPUT-PATTERN]
proof() {
    argv=$(jq -c '.executors[0].argv' "$T/$2.json")
    user=$(jq -r '.executors[0].user' "$T/$2.json")
    rm -rf "$T/rb"
    umoci unpack --image "$L:$3" "$T/rb" >/dev/null 2>&1 &&
        jq --argjson a "$argv" --argjson u "${user%%:*}" --argjson g "${user#*:}" \
            '.process.terminal = false | .process.args = $a | .process.user = {uid: $u, gid: $g} | .process.cwd = "/"' \
            "$T/rb/config.json" >"$T/rb/c.json" && mv "$T/rb/c.json" "$T/rb/config.json" ||
        { fail "runc $1" "bundle failed"; return; }
    timeout 30 runc run -b "$T/rb" "pc-tes-$$-$2" </dev/null >"$T/runc.out" 2>&1
    rc=$?
    runc delete -f "pc-tes-$$-$2" >/dev/null 2>&1
    said=$(jq -r '.executors[0].verdict' "$T/$2.json")
    if [ "$4" = runs ]; then
        [ "$rc" = 0 ] && [ "$said" = allow ] && grep -q -- "${5:-.}" "$T/runc.out" &&
            pass "runc $1: runs as $user, and portcullis allowed it" ||
            fail "runc $1" "runc rc=$rc ($(head -c 300 "$T/runc.out")), portcullis said $said"
    else
        [ "$rc" != 0 ] && [ "$said" = deny ] && grep -q -- "$5" "$T/runc.out" &&
            pass "runc $1: fails ($(head -c 160 "$T/runc.out" | tr '\n' ' ')), and portcullis denied it" ||
            fail "runc $1" "runc rc=$rc ($(head -c 300 "$T/runc.out")), portcullis said $said"
    fi
}
if command -v runc >/dev/null 2>&1; then
    proof "kubernetes cat, no ENTRYPOINT" k-cat nosh runs '^root:x:0:0'
    proof "kubernetes missing command[0]" k-missing nosh fails 'missing-tool.*no such file or directory'
    proof "shell without /bin/sh" s-nosh nosh fails '/bin/sh.*no such file or directory'
    proof "shell cat" s-cat withsh runs '^root:x:0:0'
    proof "shell missing command[0]" s-missing withsh fails 'missing-tool: not found'
    proof "shell quoting" s-printf withsh runs "a b|it's|\$HOME|"
    proof "docker ENTRYPOINT 0700" d-toolep toolep fails 'permission denied'
    proof "docker ENTRYPOINT env" d-envep envep runs '^root:x:0:0'
else
    fail "runc" "not installed (scripts/deps.sh)"
fi

# --- decision log lines say how executors were started
jq -s '[.[] | select(.msg == "decision" and .endpoint == "tes-validate")]' "$T/S.log" "$T/K.log" "$T/D.log" >"$T/decisions.json"
jq_true "decision lines carry start" '([.[] | .start] | unique) == ["docker", "kubernetes", "shell"]' "$T/decisions.json"
