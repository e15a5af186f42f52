# Shared set-up of the webhook integration tests (tests/integration/webhook.sh,
# tests/integration/tes.sh), sourced after tests/lib.sh. It checks the tools,
# keeps the test away from the user's proxies and credentials, makes a PKI
# (a CA, a serving certificate for 127.0.0.1, a client certificate), starts
# a registry with TLS and htpasswd auth, and defines the helpers both
# scripts use: free_port, wait_https, push, digest_of, b64, write_authfile,
# start_webhook. Every process started through PIDS is killed on exit.
#
# Sets: WH REQ CLIENT PIDS C CERTS P_REG R USER_NAME PASS.

for tool in docker-registry skopeo openssl python3 htpasswd jq curl; do
    command -v $tool >/dev/null 2>&1 || { fail "tool $tool" "not installed (scripts/deps.sh)"; exit 1; }
done
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY REGISTRY_AUTH_FILE
export no_proxy='*' NO_PROXY='*'
export HOME="$T/home"
mkdir -p "$HOME"
WH="$PC_BUILD/portcullis-webhook"
REQ="$PC_ROOT/fixtures/requests"
CLIENT="$PC_ROOT/tests/webhook/client.py"
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- PKI: a CA, a serving certificate for 127.0.0.1 (registry, proxy and
# webhook), a client certificate (webhook/deploy/gen-certs.sh makes the
# certificate the rotation test switches to)
C="$T/pki"
mkdir -p "$C"
mkca() { # NAME
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/$1.key" \
        -out "$C/$1.crt" -days 2 -subj "/CN=portcullis $1" >/dev/null 2>&1
}
issue() { # CA NAME SAN
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/$2.key" \
        -out "$C/$2.csr" -subj "/CN=$2" >/dev/null 2>&1
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" >"$C/$2.ext"
    openssl x509 -req -in "$C/$2.csr" -CA "$C/$1.crt" -CAkey "$C/$1.key" -CAcreateserial \
        -out "$C/$2.crt" -days 2 -extfile "$C/$2.ext" >/dev/null 2>&1
}
mkca ca
issue ca server "IP:127.0.0.1,DNS:localhost"
issue ca client "DNS:apiserver"
[ -s "$C/server.crt" ] && [ -s "$C/client.crt" ] || { fail "pki" "openssl failed"; exit 1; }
CERTS="$T/certs.d"
mkdir -p "$CERTS"
cp "$C/ca.crt" "$CERTS/ca.crt"

# --- the registry (TLS + htpasswd)
P_REG=$(free_port)
USER_NAME=pcuser
PASS="Wh-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')-s3cret"
htpasswd -Bbn "$USER_NAME" "$PASS" >"$T/htpasswd" 2>/dev/null
cat >"$T/registry.yml" <<Y
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $T/storage
http:
  addr: 127.0.0.1:$P_REG
  secret: portcullis-webhook-test
  tls:
    certificate: $C/server.crt
    key: $C/server.key
auth:
  htpasswd:
    realm: portcullis-test
    path: $T/htpasswd
Y
docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
PIDS="$PIDS $!"
wait_https() { # PORT PATH: until anything answers
    i=0
    while [ $i -lt 100 ]; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" "https://127.0.0.1:$1$2" 2>/dev/null)
        [ "$code" != 000 ] && return 0
        i=$((i + 1))
        sleep 0.1
    done
    return 1
}
wait_https "$P_REG" /v2/ || { fail "registry up" "$(cat "$T/registry.log")"; exit 1; }
R="127.0.0.1:$P_REG"

# push FIXTURE REPO:TAG: a fixture built with build_fixture into the registry
push() {
    skopeo copy -q --preserve-digests --dest-cert-dir "$CERTS" --dest-creds "$USER_NAME:$PASS" \
        "oci:$T/$1/oci:latest" "docker://$R/$2" >"$T/push.log" 2>&1 ||
        { fail "push $1 as $2" "$(head -c 600 "$T/push.log")"; return 1; }
}
digest_of() { skopeo inspect --raw --cert-dir "$CERTS" --creds "$USER_NAME:$PASS" "docker://$1" | sha256sum | cut -c1-64; }
b64() { printf '%s' "$1" | base64 | tr -d '\n'; }
# write_authfile HOST:PORT...: $T/auth.json with the registry user for each
write_authfile() {
    printf '{"auths": {' >"$T/auth.json"
    sep=""
    for h in "$@"; do
        printf '%s"%s": {"auth": "%s"}' "$sep" "$h" "$(b64 "$USER_NAME:$PASS")" >>"$T/auth.json"
        sep=", "
    done
    printf '}}\n' >>"$T/auth.json"
}

# start_webhook NAME ARGS...: port 0, the "listening" log line says which;
# sets LAST_PID and LAST_PORT, the log is $T/NAME.log
start_webhook() {
    name=$1
    shift
    "$WH" --listen 127.0.0.1:0 --cert-dir "$CERTS" --authfile "$T/auth.json" "$@" 2>"$T/$name.log" &
    LAST_PID=$!
    PIDS="$PIDS $LAST_PID"
    i=0
    while [ $i -lt 100 ]; do
        port=$(jq -r 'select(.msg == "listening") | .port' "$T/$name.log" 2>/dev/null | head -1)
        [ -n "$port" ] && { LAST_PORT=$port; return 0; }
        kill -0 "$LAST_PID" 2>/dev/null || break
        i=$((i + 1))
        sleep 0.1
    done
    fail "start $name" "$(head -c 800 "$T/$name.log")"
    return 1
}
