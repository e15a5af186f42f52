# Integration: the docker:// transport against the real CNCF registry
# (docker-registry) on 127.0.0.1, with TLS from a CA made here: one
# registry with htpasswd Basic auth that also requires client certificates,
# one with token auth (tests/registry/tokenserver.py signs the JWTs), one
# in plain HTTP, all on one storage directory, and a redirecting front
# (tests/registry/redirector.py). Fixture images are pushed unchanged with
# skopeo; every one must give the same report from both authenticated
# registries as from its OCI layout. Then: references (digest, tag+digest,
# bare), an index, auth failures and credential sources (auths, helpers,
# identity token, default files), token caching, TLS and --cert-dir,
# progress output, redirects (the Authorization header never reaches
# another host, port or scheme, nor the first origin again after leaving
# it; http:// refused when TLS is verified; at most 5 redirects), 503
# retries, manifests whose bytes are not the pinned digest or not their
# Docker-Content-Digest, blobs longer than declared, size limits, the
# deadline, memory on a big layer, corrupted blobs and a stopped
# registry; and the password appears in no output.
# The PKI and the registries come from tests/harness/. No traffic leaves
# 127.0.0.1; every server started here is killed on exit.
. "$PC_ROOT/tests/lib.sh"
harness pki registry
need_tools docker-registry skopeo openssl python3 htpasswd jq curl
isolate
REG="$PC_ROOT/tests/registry"

# --- certificates (tests/harness/pki.sh): the CA and the server
# certificate for 127.0.0.1/localhost, a client certificate, and an RSA
# token-signing certificate (the token server signs RS256)
pki_init && pki_issue client "DNS:client" && pki_issue signer "DNS:token-signer" rsa ||
    { fail "pki" "openssl failed"; exit 1; }
# certs.d layouts: the CA and a client certificate pair; the CA only
CERTS="$T/certs.d"
pki_certdir "$CERTS" client
CAONLY="$T/ca-only"
pki_certdir "$CAONLY"

# --- registries (tests/harness/registry.sh): one storage ($T/storage),
# two front doors: htpasswd Basic auth that also requires client
# certificates, and token auth
STORE="$T/storage"
registry_user
P_AUTH=$(free_port)
P_REDIR=$(free_port)
P_REDIR2=$(free_port)
registry_start basic --htpasswd "$T/htpasswd" --client-ca "$C/ca.crt" ||
    { fail "basic registry up" "$(cat "$T/basic.log")"; exit 1; }
P_BASIC=$REG_PORT
BASIC_PID=$REG_PID
registry_start token --token "https://127.0.0.1:$P_AUTH/token" portcullis-registry portcullis-test-issuer ||
    { fail "token registry up" "$(cat "$T/token.log")"; exit 1; }
P_TOKEN=$REG_PORT
# (the token server logs every request it gets: it is waited for by its port)
spawn "$T/tokenserver.log" python3 "$REG/tokenserver.py" --port "$P_AUTH" --tls-cert "$C/server.crt" \
    --tls-key "$C/server.key" --sign-key "$C/signer.key" --sign-cert "$C/signer.crt" \
    --issuer portcullis-test-issuer --service portcullis-registry --user "$USER_NAME" --password "$PASS" \
    --refresh-token "refresh-$PASS" --log "$T/tokens.log"
wait_up "$LAST_PID" 30 listens "$P_AUTH" ||
    { fail "token server up" "$(cat "$T/tokenserver.log")"; exit 1; }
pass "registries up"

# --- credentials: authfiles of every kind, and a credential helper on PATH
GOOD=$(b64 "$USER_NAME:$PASS")
BAD=$(b64 "$USER_NAME:wrong-$PASS")
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}, "localhost:%s": {"auth": "%s"}}}\n' \
    "$P_BASIC" "$GOOD" "$P_REDIR" "$GOOD" >"$T/basic.json"
printf '{"auths": {"https://127.0.0.1:%s/v1/": {"username": "%s", "password": "%s"}}}\n' \
    "$P_TOKEN" "$USER_NAME" "$PASS" >"$T/token.json"
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}, "127.0.0.1:%s": {"auth": "%s"}}}\n' \
    "$P_BASIC" "$BAD" "$P_TOKEN" "$BAD" >"$T/wrong.json"
printf '{"auths": {"127.0.0.1:%s": {"identitytoken": "refresh-%s"}}}\n' "$P_TOKEN" "$PASS" >"$T/ident.json"
printf '{"auths": {"127.0.0.1:%s": {}}, "credHelpers": {"127.0.0.1:%s": "test"}}\n' \
    "$P_BASIC" "$P_BASIC" >"$T/helper.json"
printf '{"auths": {}, "credsStore": "test"}\n' >"$T/store.json"
export PC_CRED_DIR="$T/cred"
mkdir -p "$PC_CRED_DIR"
printf '%s' "$USER_NAME" >"$PC_CRED_DIR/user"
printf '%s' "$PASS" >"$PC_CRED_DIR/pass"
export PATH="$REG:$PATH"

# Every scan's output is kept: the password must never appear in any of it.
scan() { # NAME EXIT ARGS... (a JSON report)
    n=$1 x=$2
    shift 2
    run "$n" "$x" "$PC" scan --cache-dir "$(fresh_cache)" --format json "$@"
    cat "$T/out" "$T/err" >>"$T/all-output"
}
err_has() { # NAME REGEX: the scan-error message of the last scan
    jq_true "$1" "[.reports[0].findings[] | select(.check == \"scan-error\") | .message | test(\"$2\")] | any"
}
B="docker://127.0.0.1:$P_BASIC/fixtures"
TK="docker://127.0.0.1:$P_TOKEN/fixtures"
BASIC_OPTS="--cert-dir $CERTS --authfile $T/basic.json"
TOKEN_OPTS="--cert-dir $CAONLY --authfile $T/token.json"

# --- push every fixture unchanged (--preserve-digests: skopeo would
# otherwise compress the plain tar layer and rewrite the manifest)
R="127.0.0.1:$P_BASIC" # registry_push and registry_manifest go there
FIXTURES="clean bad multiplatform whiteout zstd username-root noentry traversal truncated"
for f in $FIXTURES; do
    build_fixture "$f" || exit 1
    registry_push "$f" "fixtures/$f:latest" --all && pass "push $f"
done
registry_manifest "$R/fixtures/zstd:latest" >"$T/zstd.manifest" 2>/dev/null
jq_true "zstd layer arrived as zstd" '[.layers[].mediaType | test("zstd")] | any' "$T/zstd.manifest"

# --- parity: the same findings from the registry (both auth modes) as
# from the OCI layout, for every fixture
# (a scan that fails: how many bytes and entries it had read, and which
# entry it was in when the truncated stream ended, depend on how the bytes
# arrived; the layer and the cause must be the same)
norm='{verdict, reports: [.reports[] | {digest, platform, verdict, findings, sandbox,
       manifest_digest, config_digest, stats: (.stats | del(.duration_ms))}
       + (if .scan_failed then {stats: (.stats | del(.duration_ms, .bytes, .files)),
          findings: [.findings[] | if .check == "scan-error"
                     then .message |= (split(": ") | [.[0], .[-1]] | join(": ")) else . end]}
          else {} end)]}'
for f in $FIXTURES; do
    "$PC" scan --cache-dir "$(fresh_cache)" --format json "oci:$T/$f/oci:latest" >"$T/local.json" 2>/dev/null
    want=$?
    jq -S "$norm" "$T/local.json" >"$T/local.norm"
    for mode in basic token; do
        if [ $mode = basic ]; then ref="$B/$f:latest" opts=$BASIC_OPTS; else ref="$TK/$f:latest" opts="$TOKEN_OPTS --jobs 4"; fi
        scan "$mode $f" "$want" $opts "$ref"
        jq -S "$norm" "$T/out" >"$T/reg.norm"
        if cmp -s "$T/local.norm" "$T/reg.norm"; then
            pass "$mode $f same findings as oci:"
        else
            fail "$mode $f same findings as oci:" "$(diff "$T/local.norm" "$T/reg.norm" | head -20 | tr "\n" " ")"
        fi
    done
done

# --- connection reuse: the ping, manifest, config and layer requests of
# one scan (and the Basic retry after a 401) ride one kept-alive TLS
# connection to the registry (counted with strace: connect(2) calls to its
# port). Every redirect and credential test below runs with reuse on.
for mode in basic token; do
    if [ $mode = basic ]; then ref="$B/bad:latest" opts=$BASIC_OPTS port=$P_BASIC; else ref="$TK/bad:latest" opts=$TOKEN_OPTS port=$P_TOKEN; fi
    # (LeakSanitizer cannot run under ptrace: leaks are checked by every other scan)
    # shellcheck disable=SC2086 # options, no spaces in them
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
        strace -f -qq -e trace=connect -o "$T/connect.$mode" "$PC" scan --cache-dir "$(fresh_cache)" --jobs 1 --format json $opts "$ref" >"$T/out" 2>"$T/err"
    rc=$?
    nreq=$(jq '.reports[0].stats.layers + 3' "$T/out" 2>/dev/null)
    nconn=$(grep -c "sin_port=htons($port)" "$T/connect.$mode")
    [ "$rc" = 1 ] && [ "$nconn" = 1 ] && pass "$mode: one connection for the whole scan (at least $nreq requests)" ||
        fail "$mode: one connection for the whole scan" "rc $rc, $nconn connections: $(grep -c . "$T/connect.$mode") connect calls"
done

# --- references: by digest, tag+digest, a wrong digest, bare-host forms
DIG=$(jq -r '.reports[0].digest' "$T/local.json")
"$PC" scan --cache-dir "$(fresh_cache)" --format json "oci:$T/clean/oci:latest" >"$T/clean-local.json" 2>/dev/null
CLEAN_DIG=$(jq -r '.reports[0].digest' "$T/clean-local.json")
scan "pull by digest" 0 $BASIC_OPTS "$B/clean@$CLEAN_DIG"
jq_true "by digest: digest kept" ".reports[0].digest == \"$CLEAN_DIG\""
scan "tag+digest (digest wins)" 0 $TOKEN_OPTS "docker://127.0.0.1:$P_TOKEN/fixtures/clean:nosuchtag@$CLEAN_DIG"
scan "digest not in repo" 3 $BASIC_OPTS "$B/clean@sha256:$(printf '%064d' 0)"
err_has "unknown digest message" "manifest unknown: sha256:0{64} not found in 127.0.0.1:$P_BASIC/fixtures/clean"
scan "bare reference (no docker://)" 0 $BASIC_OPTS "127.0.0.1:$P_BASIC/fixtures/clean"
scan "invalid reference" 3 $BASIC_OPTS "docker://127.0.0.1:$P_BASIC/Fixtures/Clean:latest"
err_has "invalid reference message" "repository name must be lowercase"

# --- multi-platform index
scan "index arm64" 1 $TOKEN_OPTS --platform linux/arm64 "$TK/multiplatform:latest"
jq_true "index arm64 picked" '(.reports[0].platform | startswith("linux/arm64")) and ([.reports[0].findings[].path] | index("/usr/bin/arm-only-suid") != null)'
scan "index no such platform" 3 $BASIC_OPTS --platform linux/s390x "$B/multiplatform:latest"
err_has "index lists platforms" "linux/arm64"

# --- auth failures
for mode in basic token; do
    if [ $mode = basic ]; then ref="$B/clean:latest" host="127.0.0.1:$P_BASIC" ca=$CERTS; else ref="$TK/clean:latest" host="127.0.0.1:$P_TOKEN" ca=$CAONLY; fi
    scan "$mode anonymous denied" 3 --cert-dir "$ca" "$ref"
    err_has "$mode anonymous: unauthorized" "^unauthorized: check credentials for $host"
    scan "$mode wrong password" 3 --cert-dir "$ca" --authfile "$T/wrong.json" "$ref"
    err_has "$mode wrong password: unauthorized" "^unauthorized: check credentials for $host"
    scan "$mode unknown tag" 3 --cert-dir "$ca" --authfile "$T/$mode.json" "${ref%:latest}:nosuchtag"
    err_has "$mode unknown tag message" "^manifest unknown: nosuchtag not found in $host/fixtures/clean"
    scan "$mode unknown repo" 3 --cert-dir "$ca" --authfile "$T/$mode.json" "docker://$host/nosuch/repo:latest"
    err_has "$mode unknown repo message" "not found"
done
grep_in "token server saw the wrong password" "GET auth=yes" "$T/tokens.log"
scan "missing --authfile is an error" 3 --cert-dir "$CERTS" --authfile "$T/nope.json" "$B/clean:latest"
err_has "missing authfile named" "nope.json"

# --- credentials from a helper (credHelpers, credsStore), an identity token,
# and $REGISTRY_AUTH_FILE
printf '127.0.0.1:%s' "$P_BASIC" >"$PC_CRED_DIR/server"
scan "credHelpers helper" 0 --cert-dir "$CERTS" --authfile "$T/helper.json" "$B/clean:latest"
grep_in "helper asked for the host" "^127.0.0.1:$P_BASIC\$" "$PC_CRED_DIR/queries"
printf '127.0.0.1:%s' "$P_TOKEN" >"$PC_CRED_DIR/server"
scan "credsStore helper" 0 --cert-dir "$CAONLY" --authfile "$T/store.json" "$TK/clean:latest"
scan "helper without creds" 3 --cert-dir "$CERTS" --authfile "$T/store.json" "$B/clean:latest"
err_has "helper without creds: unauthorized" "^unauthorized"
scan "identity token (refresh grant)" 0 --cert-dir "$CAONLY" --authfile "$T/ident.json" "$TK/clean:latest"
grep_in "refresh grant used" "POST grant=refresh_token" "$T/tokens.log"
REGISTRY_AUTH_FILE="$T/basic.json" scan "REGISTRY_AUTH_FILE" 0 --cert-dir "$CERTS" "$B/clean:latest"
mkdir -p "$HOME/.docker"
cp "$T/token.json" "$HOME/.docker/config.json"
scan "~/.docker/config.json" 0 --cert-dir "$CAONLY" "$TK/clean:latest"
rm -f "$HOME/.docker/config.json"

# --- a certs.d CA adds to the system's roots: a --cert-dir holding another
# CA still lets a registry signed by a root the system trusts through. The
# system's roots are libcurl's CA directory (/etc/ssl/certs), bound here,
# in a mount namespace of the scan's own, to a directory holding the test
# CA (hashed as OpenSSL looks roots up).
# (another name than the test CA's: OpenSSL finds an issuer by its name,
# and two roots of one name would shadow each other, as they would anywhere)
mkdir -p "$T/other-certsd" "$T/sysroots"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/other-ca.key" \
    -out "$T/other-certsd/ca.crt" -days 2 -subj "/CN=portcullis other test CA" >/dev/null 2>&1 ||
    fail "another CA" "openssl failed"
cp "$CERTS/client.cert" "$CERTS/client.key" "$T/other-certsd/" # (the registry asks for one)
cp "$C/ca.crt" "$T/sysroots/portcullis-test-root.pem" && openssl rehash "$T/sysroots" >/dev/null 2>&1 ||
    fail "hashed system roots" "openssl rehash failed"
scan "another CA's --cert-dir alone: the registry is not trusted" 3 --cert-dir "$T/other-certsd" --authfile "$T/basic.json" "$B/clean:latest"
err_has "another CA's --cert-dir alone: a certificate error" "[Cc]ertificate"
run "another CA's --cert-dir, the registry's CA among the system's roots: trusted" 0 \
    unshare -m sh -c 'mount --bind "$1" /etc/ssl/certs && shift && exec "$@"' sh "$T/sysroots" \
    "$PC" scan --cache-dir "$(fresh_cache)" --format json --cert-dir "$T/other-certsd" --authfile "$T/basic.json" "$B/clean:latest"
cat "$T/out" "$T/err" >>"$T/all-output"
jq_true "system root and certs.d CA: the image was read" '.reports[0].stats.layers >= 1 and .reports[0].verdict == "allow"'
# a CA directory without hash links finds no root: then the system's
# bundle (libcurl's CA file, here in the same bound directory) is read
mkdir -p "$T/sysbundle"
cat "$C/ca.crt" >"$T/sysbundle/ca-certificates.crt"
run "another CA's --cert-dir, the registry's CA in the system's bundle only: trusted" 0 \
    unshare -m sh -c 'mount --bind "$1" /etc/ssl/certs && shift && exec "$@"' sh "$T/sysbundle" \
    "$PC" scan --cache-dir "$(fresh_cache)" --format json --cert-dir "$T/other-certsd" --authfile "$T/basic.json" "$B/clean:latest"
cat "$T/out" "$T/err" >>"$T/all-output"

# --- --creds USER[:PASSWORD] and --registry-token TOKEN (skopeo's and
# Trivy's names): instead of an authfile (HOME has none), never printed
scan "--creds USER:PASSWORD (Basic)" 0 --cert-dir "$CERTS" --creds "$USER_NAME:$PASS" -o "$T/creds-report.json" "$B/clean:latest"
cat "$T/creds-report.json" >>"$T/all-output"
jq_true "--creds: the image was read" '.reports[0].verdict == "allow" and .reports[0].stats.layers > 0' "$T/creds-report.json"
scan "--creds USER:PASSWORD (token server)" 0 --cert-dir "$CAONLY" --creds "$USER_NAME:$PASS" "$TK/clean:latest"
scan "--creds=USER:PASSWORD over a wrong authfile" 0 --cert-dir "$CERTS" --authfile "$T/wrong.json" "--creds=$USER_NAME:$PASS" "$B/clean:latest"
scan "--creds with a wrong password" 3 --cert-dir "$CERTS" --creds "$USER_NAME:wrong-$PASS" "$B/clean:latest"
err_has "--creds wrong: unauthorized" "^unauthorized: check credentials for 127.0.0.1:$P_BASIC\$"
printf '%s\n' "$PASS" | "$PC" scan --cache-dir "$(fresh_cache)" --format json --cert-dir "$CERTS" --creds "$USER_NAME" "$B/clean:latest" >"$T/out" 2>"$T/err"
[ $? = 0 ] && pass "--creds USER: the password from standard input" || fail "--creds USER: the password from standard input" "$(head -c 300 "$T/err")"
cat "$T/out" "$T/err" >>"$T/all-output"
printf '%s\n' "$PASS" | "$PC" scan --cache-dir "$(fresh_cache)" --cert-dir "$CERTS" --creds "$USER_NAME" -f - >"$T/out" 2>"$T/err"
[ $? = 2 ] && grep -q 'which --manifest - reads too' "$T/err" && pass "--creds USER with --manifest -: usage error" ||
    fail "--creds USER with --manifest -: usage error" "$(head -c 300 "$T/err")"
# --manifest: pc-fetch is bound to the repositories of the manifests'
# containers (read before any image), and they are read
cat >"$T/pod.yaml" <<YEND
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod}
spec:
  containers:
  - {name: app, image: "127.0.0.1:$P_BASIC/fixtures/clean:latest"}
  - {name: side, image: "127.0.0.1:$P_BASIC/fixtures/zstd:latest"}
YEND
scan "--manifest: the containers' registry images are read" 0 --cert-dir "$CERTS" --authfile "$T/basic.json" --manifest "$T/pod.yaml"
jq_true "--manifest: both containers' images read, no scan-error" '[.reports[] | .stats.layers > 0 and ([.findings[] | select(.check == "scan-error")] | length) == 0] == [true, true]'
# one registry only: the secret never goes to a second one
scan "--creds: a second registry in the run is refused" 3 --cert-dir "$CERTS" --creds "$USER_NAME:$PASS" "$B/clean:latest" "docker://localhost:$P_BASIC/fixtures/clean:latest"
jq_true "--creds: the first registry was read" '.reports[0].verdict == "allow"'
jq_true "--creds: the second registry was refused" "[.reports[1].findings[] | select(.check == \"scan-error\") | .message | test(\"--creds apply to one registry: they went to 127.0.0.1:$P_BASIC, and localhost:$P_BASIC is another\")] | any"
# a token from the token server, sent as is
RTOKEN=$(curl -s --cacert "$C/ca.crt" -u "$USER_NAME:$PASS" \
    "https://127.0.0.1:$P_AUTH/token?service=portcullis-registry&scope=repository:fixtures/clean:pull" | jq -r .token)
[ -n "$RTOKEN" ] && [ "$RTOKEN" != null ] && pass "a registry token from the token server" || fail "a registry token from the token server" "none"
before=$(grep -c '^GET' "$T/tokens.log")
scan "--registry-token" 0 --cert-dir "$CAONLY" --registry-token "$RTOKEN" "$TK/clean:latest"
after=$(grep -c '^GET' "$T/tokens.log")
[ "$after" = "$before" ] && pass "--registry-token: no token request" || fail "--registry-token: no token request" "$((after - before)) requests"
PORTCULLIS_REGISTRY_TOKEN="$RTOKEN" scan "PORTCULLIS_REGISTRY_TOKEN" 0 --cert-dir "$CAONLY" "$TK/clean:latest"
scan "--registry-token refused by the registry" 3 --cert-dir "$CAONLY" --registry-token "x$RTOKEN" "$TK/clean:latest"
err_has "--registry-token refused: reason" "^unauthorized: check credentials for 127.0.0.1:$P_TOKEN: the registry token was refused"
# usage errors name what is wrong, never the value
scan "--creds :PASSWORD: no user" 2 --creds ":$PASS" "$B/clean:latest"
grep_in "--creds :PASSWORD: reason" 'the user name is empty' "$T/err"
scan "--creds USER: (empty password)" 2 --creds "$USER_NAME:" "$B/clean:latest"
grep_in "--creds USER:: reason" 'the password is empty' "$T/err"
scan "--registry-token with a space" 2 --registry-token "$PASS x" "$B/clean:latest"
scan "--creds and --registry-token" 2 --creds "$USER_NAME:$PASS" --registry-token "$RTOKEN" "$B/clean:latest"
grep_in "--creds and --registry-token: reason" 'give one of them' "$T/err"
# the secret is wiped from the command line while the scan runs (a
# registry that is not there: retried for about 2 s)
P_NONE=$(free_port)
"$PC" scan --cache-dir "$(fresh_cache)" --creds "$USER_NAME:$PASS" --progress never "docker://127.0.0.1:$P_NONE/x:latest" >/dev/null 2>&1 &
SPID=$!
sleep 0.5
CMDLINE=$(tr '\0' ' ' <"/proc/$SPID/cmdline" 2>/dev/null)
wait "$SPID"
case $CMDLINE in
*"$PASS"*) fail "--creds: wiped from /proc/PID/cmdline" "still there: $CMDLINE" ;;
*--creds*) pass "--creds: wiped from /proc/PID/cmdline" ;;
*) fail "--creds: wiped from /proc/PID/cmdline" "the scan ended before it was looked at: '$CMDLINE'" ;;
esac

# --- one token per scope per scan, shared by concurrent layer fetches
before=$(grep -c '^GET' "$T/tokens.log")
scan "token cached" 1 $TOKEN_OPTS --jobs 4 "$TK/whiteout:latest"
after=$(grep -c '^GET' "$T/tokens.log")
[ $((after - before)) -eq 1 ] && pass "one token request per scan" || fail "one token request per scan" "$((after - before)) requests"

# --- TLS
scan "TLS without the CA" 3 --authfile "$T/token.json" "$TK/clean:latest"
err_has "TLS unknown authority message" "^TLS: certificate signed by unknown authority \\\\(use --cert-dir\\\\)"
scan "TLS CA via --cert-dir" 0 --cert-dir "$CAONLY" --authfile "$T/token.json" "$TK/clean:latest"
scan "--tls-verify=false" 0 --tls-verify=false --authfile "$T/token.json" "$TK/clean:latest"
scan "client cert required" 3 --cert-dir "$CAONLY" --authfile "$T/basic.json" "$B/clean:latest"
err_has "client cert refusal is a TLS error" "^TLS: .*client certificate"
mkdir -p "$T/halfpair"
cp "$C/ca.crt" "$T/halfpair/ca.crt"
cp "$C/client.crt" "$T/halfpair/client.cert"
scan "client.cert without client.key" 3 --cert-dir "$T/halfpair" --authfile "$T/basic.json" "$B/clean:latest"
err_has "half pair named" "client.cert has no matching .key"

# --- progress: quiet unless asked or on a terminal; JSON unaffected (the
# terminal is a pty from python3; stdin stays /dev/null so no real one is touched)
scan "progress default (not a TTY)" 1 $TOKEN_OPTS "$TK/bad:latest"
[ -s "$T/err" ] && fail "no progress when stderr is not a TTY" "$(head -c 300 "$T/err")" || pass "no progress when stderr is not a TTY"
scan "progress always" 1 $TOKEN_OPTS --progress always "$TK/whiteout:latest"
grep_in "progress always prints layers" "fixtures/whiteout:latest: layer [0-9a-f]{12} +done" "$T/err"
jq_true "progress always: JSON intact" '.schema == "portcullis.scan/v1"'
python3 -c 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)' "$PC" scan --cache-dir "$(fresh_cache)" --format json -o "$T/tty.json" \
    $TOKEN_OPTS "$TK/whiteout:latest" </dev/null >"$T/tty.out" 2>&1
grep_in "progress on a TTY redraws" "$(printf '\033')\\[K.*layers" "$T/tty.out"
jq_true "progress on a TTY: JSON report intact" '.reports[0].verdict == "deny"' "$T/tty.json"
rm -f "$T/tty.json"
python3 -c 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)' "$PC" scan --cache-dir "$(fresh_cache)" --progress never --format json \
    -o "$T/tty.json" $TOKEN_OPTS "$TK/whiteout:latest" </dev/null >"$T/tty.out" 2>&1
[ -s "$T/tty.out" ] && fail "--progress never on a TTY" "$(head -c 300 "$T/tty.out")" || pass "--progress never on a TTY"
jq_true "--progress never on a TTY: the scan ran" '.reports[0].verdict == "deny"' "$T/tty.json"
cat "$T/tty.out" >>"$T/all-output"

# --- redirects to another origin: the Authorization header must not follow;
# the first manifest request gets 503 + Retry-After (retried)
spawn "$T/redirector.log" python3 "$REG/redirector.py" --port "$P_REDIR" --port2 "$P_REDIR2" \
    --tls-cert "$C/server.crt" --tls-key "$C/server.key" --cafile "$C/ca.crt" --client-cert "$C/client.crt" \
    --client-key "$C/client.key" --upstream "https://127.0.0.1:$P_BASIC" --creds "$USER_NAME:$PASS" \
    --log "$T/redir.log" --fail-first 1 --pad-length fixtures/noentry --pad-chunked fixtures/username-root
wait_up "$LAST_PID" 30 answers "https://127.0.0.1:$P_REDIR/v2/" --cacert "$C/ca.crt" ||
    { fail "redirector up" "$(cat "$T/redirector.log")"; exit 1; }
wait_up "$LAST_PID" 30 answers "https://127.0.0.1:$P_REDIR2/v2/" --cacert "$C/ca.crt" ||
    { fail "redirector second port up" "$(cat "$T/redirector.log")"; exit 1; }
scan "redirected blobs" 1 $BASIC_OPTS "docker://localhost:$P_REDIR/fixtures/bad:latest"
jq -S "$norm" "$T/out" >"$T/reg.norm"
"$PC" scan --cache-dir "$(fresh_cache)" --format json "oci:$T/bad/oci:latest" 2>/dev/null | jq -S "$norm" >"$T/local.norm"
cmp -s "$T/local.norm" "$T/reg.norm" && pass "redirected: same findings" || fail "redirected: same findings" "$(diff "$T/local.norm" "$T/reg.norm" | head)"
grep_in "blob requests were redirected" "^front-blob mode=host auth=yes" "$T/redir.log"
# storage_auth MODE WANT NAME: every storage request of MODE came with
# (WANT=yes) or without (no) an Authorization header, and there was one
storage_auth() {
    got=$(grep "^storage mode=$1 " "$T/redir.log" | sort -u | tr '\n' ' ')
    if [ "$got" = "storage mode=$1 auth=$2 " ]; then
        pass "$3"
    else
        fail "$3" "storage requests: '${got:-none}'; log: $(tail -c 600 "$T/redir.log")"
    fi
}
storage_auth host no "no Authorization after a redirect to another host"
grep_in "503 was answered and retried" "^manifest 503" "$T/redir.log"

# --- the origin is scheme, host and port: a redirect that changes any one
# of them drops the Authorization header, and a later hop back to the
# first origin does not bring it back; hops on the first origin keep it
# (blob storage behind the registry's own name still needs it)
RD="docker://localhost:$P_REDIR"
scan "redirect to another port of the same host" 0 $BASIC_OPTS "$RD/port/fixtures/clean:latest"
storage_auth port no "no Authorization after a redirect to another port"
scan "redirect to plain http on the same host and port (--tls-verify=false)" 0 $BASIC_OPTS \
    --tls-verify=false "$RD/scheme/fixtures/clean:latest"
storage_auth scheme no "no Authorization after a redirect to another scheme"
scan "redirect away and back to the first origin" 0 $BASIC_OPTS "$RD/return/fixtures/clean:latest"
grep_in "the hop away was taken" "^bounce auth=no" "$T/redir.log"
storage_auth return no "no Authorization back on the first origin after leaving it"
scan "5 redirects on the first origin" 0 $BASIC_OPTS "$RD/chain5/fixtures/clean:latest"
storage_auth chain5 yes "Authorization kept on hops that stay on the first origin"
# more than 5 redirects: refused (the chain would otherwise end at the blob)
scan "6 redirects refused" 3 $BASIC_OPTS "$RD/chain6/fixtures/clean:latest"
err_has "6 redirects: the limit named" "more than 5 redirects"
if grep -q "^storage mode=chain6 " "$T/redir.log"; then
    fail "6 redirects: the blob was never fetched" "$(grep "^storage mode=chain6" "$T/redir.log" | head -3)"
else
    pass "6 redirects: the blob was never fetched"
fi
# with TLS verified, a redirect to http:// is refused where it is followed
scan "redirect to http:// refused (TLS verified)" 3 $BASIC_OPTS "$RD/downgrade/fixtures/clean:latest"
err_has "downgrade: refused at the redirect" "redirect to a non-https URL refused"
if grep -q "^storage mode=downgrade " "$T/redir.log"; then
    fail "downgrade: nothing sent over http" "$(grep "^storage mode=downgrade" "$T/redir.log" | head -3)"
else
    pass "downgrade: nothing sent over http"
fi

# --- manifests that are not what they claim: a pull by digest needs bytes
# that hash to it; a Docker-Content-Digest naming other bytes is refused.
# The front adds one newline to the manifest (still valid JSON): by tag,
# without the header, that is simply another manifest and is read.
scan "changed manifest by tag, no Docker-Content-Digest: read" 0 $BASIC_OPTS "$RD/tamper/fixtures/clean:latest"
jq_true "changed manifest: its digest is that of the bytes received" \
    ".reports[0].digest != \"$CLEAN_DIG\" and (.reports[0].digest | test(\"^sha256:[0-9a-f]{64}\$\"))"
scan "pull by digest, manifest bytes changed: refused" 3 $BASIC_OPTS "$RD/tamper/fixtures/clean@$CLEAN_DIG"
err_has "pinned digest mismatch named" "manifest $CLEAN_DIG digest mismatch: the registry sent sha256:[0-9a-f]{64}"
scan "Docker-Content-Digest naming other bytes: refused" 3 $BASIC_OPTS "$RD/lying/fixtures/clean:latest"
err_has "Docker-Content-Digest mismatch named" "the registry names it $CLEAN_DIG, its bytes hash to sha256:[0-9a-f]{64}"

# a blob longer than its descriptor: refused by its Content-Length, or
# stopped at the first byte too many when there is none
scan "blob longer than declared (Content-Length)" 3 $BASIC_OPTS "docker://localhost:$P_REDIR/fixtures/noentry:latest"
err_has "Content-Length refused" "the registry announces [0-9]+ bytes, the manifest says [0-9]+"
scan "blob longer than declared (no length)" 3 $BASIC_OPTS "docker://localhost:$P_REDIR/fixtures/username-root:latest"
err_has "extra bytes refused" "larger than the [0-9]+ bytes its descriptor declares"

# --- size caps on manifests and configs come from the policy's limits
printf '{"name": "tiny-manifest", "limits": {"max_manifest_bytes": 64}}\n' >"$T/tinym.json"
scan "manifest over the limit" 3 --policy "$T/tinym.json" $TOKEN_OPTS "$TK/clean:latest"
err_has "manifest limit named" "exceeds the limit of 64"
printf '{"name": "tiny-config", "limits": {"max_config_bytes": 64}}\n' >"$T/tinyc.json"
scan "config over the limit" 3 --policy "$T/tinyc.json" $TOKEN_OPTS "$TK/clean:latest"
err_has "config limit named" "config sha256:[0-9a-f]+ is [0-9]+ bytes; the limit is 64"

# --- the overall deadline ends a request that never gets an answer
P_HANG=$(free_port)
spawn "$T/hang.log" python3 -c 'import signal, socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); signal.pause()' "$P_HANG"
wait_up "$LAST_PID" 30 listens "$P_HANG" || { fail "silent server up" "$(cat "$T/hang.log")"; exit 1; }
printf '{"name": "quick", "limits": {"timeout_seconds": 2}}\n' >"$T/quick.json"
start=$(date +%s)
scan "deadline" 3 --policy "$T/quick.json" --cert-dir "$CAONLY" "docker://127.0.0.1:$P_HANG/x/y:latest"
secs=$(($(date +%s) - start))
err_has "deadline message" "deadline"
[ $secs -le 8 ] && pass "deadline honoured (${secs}s)" || fail "deadline honoured" "${secs}s"

# --- a big layer is streamed, not buffered: peak memory stays far below
# the blob's size (64 MiB of uncompressed tar). ASan's quarantine keeps
# freed memory around by design, so it is kept small for this run.
cat >"$T/big.spec.json" <<'J'
{"images": [{"config": {"User": "app", "Entrypoint": ["/app/run"]},
  "layers": [{"compression": "none", "entries": [
    {"path": "app", "type": "dir"}, {"path": "app/run", "type": "file", "mode": "0755", "content": "#!/bin/sh\n"},
    {"path": "big", "type": "file", "size": 67108864}]}]}]}
J
if "$FB" "$T/big.spec.json" "$T/big" >"$T/fb.log" 2>&1 &&
    skopeo copy -q --preserve-digests --dest-cert-dir "$CAONLY" --dest-creds "$USER_NAME:$PASS" \
        "oci:$T/big/oci:latest" "$TK/big:latest" >"$T/push.log" 2>&1; then
    rss_of() { # REF: peak KiB of a scan of REF; the JSON report in $T/out
        ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=4" \
            /usr/bin/time -f "%M" -o "$T/rss" "$PC" scan --cache-dir "$(fresh_cache)" --format json $TOKEN_OPTS "$1" >"$T/out" 2>"$T/err"
        cat "$T/out" "$T/err" >>"$T/all-output"
        tail -1 "$T/rss"
    }
    small=$(rss_of "$TK/clean:latest")
    big=$(rss_of "$TK/big:latest")
    jq_true "big layer scanned" '.reports[0].stats.bytes > 67108864 and (.reports[0].scan_failed | not)'
    # buffering the blob would add 64 MiB; streaming adds (almost) nothing
    [ "$big" -lt $((small + 32768)) ] && pass "big layer: bounded memory (${big} KiB, small image ${small} KiB)" ||
        fail "big layer: bounded memory" "${big} KiB, small image ${small} KiB"
    rm -rf "$T/big"
else
    fail "big layer pushed" "$(cat "$T/fb.log" "$T/push.log" | head -c 600)"
fi

# --- --tls-verify=false also allows a registry that speaks plain HTTP
registry_start plain --no-tls || { fail "plain registry up" "$(cat "$T/plain.log")"; exit 1; }
P_PLAIN=$REG_PORT
scan "plain HTTP refused by default" 3 "docker://127.0.0.1:$P_PLAIN/fixtures/clean:latest"
err_has "plain HTTP: TLS error" "^TLS: "
scan "plain HTTP with --tls-verify=false" 0 --tls-verify=false "docker://127.0.0.1:$P_PLAIN/fixtures/clean:latest"

# --- blobs corrupted on the registry's disk. A flipped byte in the zero
# trailer of a plain tar layer still reads as a tar: only the digest can
# tell (scan-error "digest mismatch"); garbage in a gzip layer fails sooner.
blob_file() { # DIGEST
    hex=${1#sha256:}
    echo "$STORE/docker/registry/v2/blobs/sha256/$(echo "$hex" | cut -c1-2)/$hex/data"
}
TARL=$(jq -r '[.layers[] | select(.mediaType == "application/vnd.oci.image.layer.v1.tar")][0].digest' "$T/zstd.manifest")
DATA=$(blob_file "$TARL")
if [ -f "$DATA" ]; then
    size=$(wc -c <"$DATA")
    printf 'X' | dd of="$DATA" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
    scan "corrupted tar blob" 3 $TOKEN_OPTS "$TK/zstd:latest"
    err_has "corrupted blob: digest mismatch" "$TARL.*digest mismatch"
else
    fail "corrupted tar blob" "no blob file at $DATA"
fi
GZL=$(jq -r '.reports[0].findings[] | .layer // empty' "$T/clean-local.json" | head -1)
[ -n "$GZL" ] || GZL=$(jq -r '.layers[0].digest' "$T/clean/oci/blobs/sha256/${CLEAN_DIG#sha256:}")
DATA=$(blob_file "$GZL")
if [ -f "$DATA" ]; then
    head -c "$(wc -c <"$DATA")" /dev/urandom >"$DATA"
    scan "corrupted gzip blob" 3 $TOKEN_OPTS "$TK/clean:latest"
    err_has "corrupted gzip blob: scan-error" "$GZL"
else
    fail "corrupted gzip blob" "no blob file at $DATA"
fi

# --- the registry stopped: unreachable
stop_pid "$BASIC_PID" 2>/dev/null
scan "registry stopped" 3 $BASIC_OPTS "$B/clean:latest"
err_has "unreachable message" "^registry 127.0.0.1:$P_BASIC unreachable"

# --- the password never shows, in any output of any run
if ! [ -s "$T/all-output" ] || ! [ -s "$T/tokens.log" ] || ! [ -s "$T/redir.log" ]; then
    fail "password never printed" "an output file is missing or empty: nothing to check"
elif grep -qF "$PASS" "$T/all-output" "$T/tokens.log" "$T/redir.log"; then
    fail "password never printed" "found in $(grep -lF "$PASS" "$T/all-output" "$T/tokens.log" "$T/redir.log")"
elif [ -n "$RTOKEN" ] && grep -qF "$RTOKEN" "$T/all-output"; then
    fail "password never printed" "the --registry-token token is in the output"
else
    pass "password and registry token never printed ($(wc -l <"$T/all-output") lines checked)"
fi
