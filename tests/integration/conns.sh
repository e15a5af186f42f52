# Integration: registry connections and Bearer tokens kept for the
# lifetime of a context (lib/registry/connpool.c, tokencache.c), against
# the real CNCF registry with token auth on 127.0.0.1 (TLS from a CA made
# here; tests/registry/tokenserver.py issues the tokens and logs every
# request), behind tests/registry/redirector.py where connections are
# counted (its "conn host=" lines) and blobs are redirected to another
# host. Checked: one CLI run scanning several images of one registry opens
# one connection to it and fetches one token per scope; a redirect to
# another host never carries the Authorization header while connections and
# tokens are reused; the webhook reuses connections and tokens across
# requests; a token the registry refuses is dropped and fetched again once;
# a token with a short expires_in is fetched again after it ends; and the
# password and tokens appear in no output.
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
need_tools docker-registry skopeo openssl python3 htpasswd jq curl strace
isolate
REG="$PC_ROOT/tests/registry"

pki_init && pki_issue signer "DNS:token-signer" rsa || { fail "pki" "openssl failed"; exit 1; }
CERTS="$T/certs.d"
pki_certdir "$CERTS"
registry_user

# --- registries on one storage: htpasswd (to push), token auth with tokens
# for 300 s, token auth with tokens for 4 s; the two token servers; the
# counting front on the first token registry
registry_start push --htpasswd "$T/htpasswd" || { fail "push registry up" "$(cat "$T/push.log")"; exit 1; }
R=$REG_HOST
P_AUTH=$(free_port)
P_AUTH2=$(free_port)
P_FRONT=$(free_port)
registry_start token --token "https://127.0.0.1:$P_AUTH/token" portcullis-registry portcullis-test-issuer ||
    { fail "token registry up" "$(cat "$T/token.log")"; exit 1; }
P_TOKEN=$REG_PORT
registry_start short --token "https://127.0.0.1:$P_AUTH2/token" portcullis-registry portcullis-test-issuer ||
    { fail "short-token registry up" "$(cat "$T/short.log")"; exit 1; }
P_SHORT=$REG_PORT
tokenserver() { # PORT LOG EXPIRES_IN
    spawn "$T/ts.$1.log" python3 "$REG/tokenserver.py" --port "$1" --tls-cert "$C/server.crt" \
        --tls-key "$C/server.key" --sign-key "$C/signer.key" --sign-cert "$C/signer.crt" \
        --issuer portcullis-test-issuer --service portcullis-registry --user "$USER_NAME" \
        --password "$PASS" --log "$2" --expires-in "$3"
    wait_up "$LAST_PID" 30 listens "$1" || { fail "token server $1 up" "$(cat "$T/ts.$1.log")"; exit 1; }
}
tokenserver "$P_AUTH" "$T/tokens.log" 300
tokenserver "$P_AUTH2" "$T/short-tokens.log" 4
spawn "$T/front.out" python3 "$REG/redirector.py" --port "$P_FRONT" --tls-cert "$C/server.crt" \
    --tls-key "$C/server.key" --cafile "$C/ca.crt" --upstream "https://127.0.0.1:$P_TOKEN" \
    --creds "$USER_NAME:$PASS" --log "$T/front.log" --refuse-once "$T/refuse"
wait_up "$LAST_PID" 30 answers "https://127.0.0.1:$P_FRONT/v2/" --cacert "$C/ca.crt" ||
    { fail "front up" "$(cat "$T/front.out")"; exit 1; }
pass "registries, token servers and front up"

# --- images: four in repository app/x, one in app/y
for f in clean bad whiteout zstd username-root multiplatform; do build_fixture "$f" || exit 1; done
registry_push clean app/x:clean && registry_push bad app/x:bad && registry_push whiteout app/x:whiteout &&
    registry_push username-root app/x:root && registry_push multiplatform app/x:multi --all &&
    registry_push zstd app/y:zstd && pass "fixtures pushed"
write_authfile "127.0.0.1:$P_TOKEN" "127.0.0.1:$P_SHORT" "localhost:$P_FRONT"
OPTS="--no-cache --format json --cert-dir $CERTS --authfile $T/auth.json"
TK="docker://127.0.0.1:$P_TOKEN"
FR="localhost:$P_FRONT"
# (token requests of portcullis: they name the account; the front's own,
# for the blobs it serves, do not)
ntok() { grep -c "^GET .* account=$USER_NAME\$" "${1:-$T/tokens.log}" 2>/dev/null || echo 0; }
nconn() { grep -c "^conn host=$1\$" "$T/front.log" 2>/dev/null || echo 0; }
said() { # NAME WANT GOT
    [ "$2" = "$3" ] && pass "$1" || fail "$1" "expected $2, got $3"
}

# --- the CLI: three images of one repository in one run ride one
# connection to the registry and one to the token server, with one token
# (connect(2) calls counted with strace; LeakSanitizer cannot run under
# ptrace, every other run here checks leaks)
traced() { # NAME EXIT ARGS...: a traced scan; $T/connect, $T/out
    _tn=$1 _tx=$2
    shift 2
    # shellcheck disable=SC2086 # options, no spaces in them
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -qq -e trace=connect -o "$T/connect" \
        "$PC" scan $OPTS --jobs 1 "$@" >"$T/out" 2>"$T/err"
    _tr=$?
    cat "$T/out" "$T/err" >>"$T/all-output"
    said "$_tn (exit)" "$_tx" "$_tr"
}
conns_to() { grep -c "sin_port=htons($1)" "$T/connect"; }
before=$(ntok)
traced "three images of one repository" 1 "$TK/app/x:clean" "$TK/app/x:bad" "$TK/app/x:whiteout"
jq_true "three images: three reports, none failed" '(.reports | length) == 3 and ([.reports[] | .scan_failed // false] | any | not)'
said "three images: one connection to the registry" 1 "$(conns_to "$P_TOKEN")"
said "three images: one connection to the token server" 1 "$(conns_to "$P_AUTH")"
said "three images: one token for the one scope" 1 $(($(ntok) - before))

before=$(ntok)
traced "two repositories" 1 "$TK/app/x:clean" "$TK/app/y:zstd" "$TK/app/x:bad"
said "two repositories: one connection to the registry" 1 "$(conns_to "$P_TOKEN")"
said "two repositories: one token per scope" 2 $(($(ntok) - before))
grep_in "two repositories: the second scope asked for" "scope=repository:app/y:pull" "$T/tokens.log"

# --- redirects with reuse on: blobs redirected to another host (the same
# server as 127.0.0.1) never get the Authorization header, the registry's
# own origin always does; one connection per origin for the whole run
: >"$T/front.log"
before=$(ntok)
run "via the front: three images, blobs redirected" 1 "$PC" scan $OPTS --jobs 1 \
    "docker://$FR/app/x:clean" "docker://$FR/app/x:bad" "docker://$FR/app/x:whiteout"
cat "$T/out" "$T/err" >>"$T/all-output"
jq_true "via the front: three reports, none failed" '(.reports | length) == 3 and ([.reports[] | .scan_failed // false] | any | not)'
said "via the front: the blobs went to storage, never with Authorization" "storage mode=host auth=no" \
    "$(grep '^storage ' "$T/front.log" | sort -u | tr '\n' ' ' | sed 's/ $//')"
said "via the front: every blob request to the registry's origin carried the token" "front-blob mode=host auth=yes" \
    "$(grep '^front-blob ' "$T/front.log" | sort -u | tr '\n' ' ' | sed 's/ $//')"
nblobs=$(grep -c '^storage ' "$T/front.log")
[ "$nblobs" -ge 6 ] && pass "via the front: $nblobs blobs redirected" || fail "via the front: blobs redirected" "$nblobs"
said "via the front: one connection to the registry's origin" 1 "$(nconn "$FR")"
said "via the front: one connection to the storage host" 1 "$(nconn "127.0.0.1:$P_FRONT")"
said "via the front: one token" 1 $(($(ntok) - before))

# --- the webhook keeps connections and tokens across requests
webhook_start W --tls-cert "$C/server.crt" --tls-key "$C/server.key" --jobs 1 || exit 1
review() { # NAME IMAGE: one pod review, answered (allowed or not); its answer in $T/out
    fill "$REQ/pod.json" "$T/r.json" "uid-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')" team-a "$2" ""
    if python3 "$CLIENT" --url "$WH_URL/validate?timeout=30s" --cacert "$C/ca.crt" --request "$T/r.json" \
        >"$T/out" 2>"$T/err" && jq -e '.allowed | type == "boolean"' "$T/out" >/dev/null; then
        pass "$1"
    else
        fail "$1" "$(head -c 800 "$T/out") $(head -c 300 "$T/err")"
    fi
    cat "$T/out" "$T/err" >>"$T/all-output"
}
: >"$T/front.log"
before=$(ntok)
review "webhook: first image" "$FR/app/x:clean"
jq_true "webhook: first image judged from the registry" '.allowed == true'
review "webhook: second image" "$FR/app/x:bad"
jq_true "webhook: second image judged (denied)" '.allowed == false and (.message | test("setuid"))'
review "webhook: third image" "$FR/app/x:whiteout"
said "webhook: three requests, one token" 1 $(($(ntok) - before))
said "webhook: three requests, one connection to the registry's origin" 1 "$(nconn "$FR")"
said "webhook: blobs never carried Authorization" "storage mode=host auth=no" \
    "$(grep '^storage ' "$T/front.log" | sort -u | tr '\n' ' ' | sed 's/ $//')"

# a token the registry refuses (as after a revocation) is dropped, and one
# new token is fetched and used; the next request reuses the new one
: >"$T/refuse"
before=$(ntok)
review "webhook: the kept token refused" "$FR/app/x:root"
grep_in "webhook: the front refused the kept token" "^refused bearer$" "$T/front.log"
[ ! -e "$T/refuse" ] && pass "webhook: the refusal was used up" || fail "webhook: the refusal was used up" "the file is still there"
jq_true "webhook: judged after the new token" '(.message // "" | test("scan-error|unauthorized") | not)'
said "webhook: one new token after the refusal" 1 $(($(ntok) - before))
before=$(ntok)
review "webhook: after the refusal" "$FR/app/y:zstd"
review "webhook: after the refusal, the new token kept" "$FR/app/x:multi"
said "webhook: app/y needed its own token, app/x none" 1 $(($(ntok) - before))

# a token whose expires_in (4 s) has passed is fetched again
before=$(ntok "$T/short-tokens.log")
review "webhook: short-lived token" "127.0.0.1:$P_SHORT/app/x:clean"
said "webhook: short-lived token fetched" 1 $(($(ntok "$T/short-tokens.log") - before))
sleep 5
review "webhook: after expires_in" "127.0.0.1:$P_SHORT/app/x:bad"
said "webhook: a new token after expires_in" 2 $(($(ntok "$T/short-tokens.log") - before))
webhook_stop "$WH_PID"
said "webhook: clean exit (no sanitizer report)" 0 $?
grep_none "webhook: no sanitizer report" "ERROR: AddressSanitizer|LeakSanitizer|runtime error" "$T/W.log"

# --- the password never shows, in any output
grep_none "password never printed" -F "$PASS" "$T/all-output" "$T/tokens.log" "$T/front.log" "$T/W.log"
