# bench/registry.sh — a local TLS registry for the bench (sourced by
# bench/run.sh). The same set-up as tests/integration/registry.sh, cut down
# to what the bench needs: the CNCF registry (docker-registry) on
# 127.0.0.1, TLS from a CA made here, no auth, access log on (the bench
# counts layer blob fetches in it). The storage lives in
# .cache/bench/registry so a second run pushes nothing new.
#
#   reg_start WORKDIR STORAGE   sets REG_HOST, REG_CERTS (certs.d: ca.crt),
#                               REG_LOG, REG_PID; returns 1 if it is not up
#   reg_push SRC NAME           skopeo copy SRC docker://$REG_HOST/NAME
#   reg_stop                    kills the registry started here

reg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

reg_start() {
    _w=$1 _store=$2
    mkdir -p "$_w/pki" "$_w/certs.d" "$_store"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$_w/pki/ca.key" -out "$_w/pki/ca.crt" \
        -days 2 -subj "/CN=portcullis bench CA" >/dev/null 2>&1 || return 1
    openssl req -newkey rsa:2048 -nodes -keyout "$_w/pki/server.key" -out "$_w/pki/server.csr" \
        -subj "/CN=127.0.0.1" >/dev/null 2>&1 || return 1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$_w/pki/server.ext"
    openssl x509 -req -in "$_w/pki/server.csr" -CA "$_w/pki/ca.crt" -CAkey "$_w/pki/ca.key" \
        -CAcreateserial -out "$_w/pki/server.crt" -days 2 -extfile "$_w/pki/server.ext" >/dev/null 2>&1 ||
        return 1
    cp "$_w/pki/ca.crt" "$_w/certs.d/ca.crt"
    _port=$(reg_free_port)
    cat >"$_w/registry.yml" <<Y
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $_store
http:
  addr: 127.0.0.1:$_port
  secret: portcullis-bench-secret
  tls:
    certificate: $_w/pki/server.crt
    key: $_w/pki/server.key
Y
    REG_HOST="127.0.0.1:$_port"
    REG_CERTS="$_w/certs.d"
    REG_LOG="$_w/registry.log"
    docker-registry serve "$_w/registry.yml" >"$REG_LOG" 2>&1 &
    REG_PID=$!
    _i=0
    while [ $_i -lt 100 ]; do
        _code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$_w/pki/ca.crt" "https://$REG_HOST/v2/" 2>/dev/null)
        [ "$_code" = 200 ] && return 0
        kill -0 "$REG_PID" 2>/dev/null || break
        _i=$((_i + 1))
        sleep 0.1
    done
    return 1
}

reg_push() {
    skopeo copy -q --preserve-digests --dest-cert-dir "$REG_CERTS" "$1" "docker://$REG_HOST/$2"
}

reg_stop() {
    [ -n "${REG_PID:-}" ] || return 0
    kill "$REG_PID" 2>/dev/null
    wait "$REG_PID" 2>/dev/null
    REG_PID=""
}
