# tests/harness/registry.sh — the CNCF registry (docker-registry) on
# 127.0.0.1 for the tests (sourced after tests/harness/pki.sh). POSIX sh.
#
#   registry_user             USER_NAME, a random PASS, and $T/htpasswd
#   registry_config PORT [OPTION...]
#                             the one registry configuration, on stdout:
#       --storage DIR           storage directory (default $T/storage)
#       --no-tls                plain HTTP (default: TLS with $C/server.crt)
#       --htpasswd FILE         Basic auth from FILE
#       --token REALM SERVICE ISSUER
#                               token auth: tokens from REALM, signed by a
#                               certificate the CA ($C/ca.crt) issued
#       --client-ca FILE        TLS client certificates required (from FILE)
#       --accesslog             an access log line per request (default off)
#   registry_start NAME [OPTION...]
#                             docker-registry serve on a free port, with
#                             $T/NAME.yml (registry_config OPTIONs) and
#                             its log in $T/NAME.log; returns when /v2/
#                             answers (with --client-ca, through $C/client.crt),
#                             1 if it does not within 30 s or exits;
#                             sets REG_PORT, REG_PID, REG_HOST
#   registry_up               the usual set-up, for suites that need one
#                             registry: isolate, PKI ($C), certs.d with the
#                             CA ($CERTS), a user, a registry with TLS and
#                             htpasswd auth ($R = 127.0.0.1:PORT, $P_REG);
#                             a FAIL line and exit when anything fails
#   registry_push FIXTURE REPO:TAG [skopeo args]
#                             build_fixture's $T/FIXTURE into $R as is
#                             (--preserve-digests); a FAIL line when it fails
#   registry_manifest REF     the manifest's bytes (REF: HOST/REPO:TAG)
#   registry_digest REF       the manifest's sha256, hex
#   write_authfile HOST...    $T/auth.json with the registry user for each
#   blocking_helper           $T/bin/docker-credential-pcblock, a credential
#                             helper that touches $T/helper.started and
#                             answers the registry user only once
#                             $T/helper.go exists (30 s at most), and
#                             $T/blocking-auth.json naming it (credsStore):
#                             a scan held up at a known point
#   slowproxy_start PORT DIGESTS
#                             tests/webhook/slowproxy.py on PORT in front of
#                             $R, holding the blobs DIGESTS (comma-
#                             separated) 3 s each, its log in $T/proxy.log;
#                             a FAIL line and exit unless it comes up
#   registry_fixtures PORT    the images the webhook suites review: fixtures
#                             clean, bad, zstd and whiteout pushed as
#                             app/clean:v1, app/bad:v1, app/slow:v1 and
#                             app/shared:v1; CLEAN, BAD (their references)
#                             and CLEAN_DIGEST; $T/auth.json for $R and for
#                             the slow front on 127.0.0.1:PORT, which holds
#                             the layer blobs of app/slow and app/shared;
#                             a FAIL line and 1 when a fixture fails

registry_user() {
    USER_NAME=pcuser
    PASS="Pa55-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')-s3cret"
    htpasswd -Bbn "$USER_NAME" "$PASS" >"$T/htpasswd" 2>/dev/null
}

registry_config() {
    _rc_port=$1
    shift
    _rc_store=$T/storage _rc_tls=1 _rc_auth="" _rc_cas="" _rc_access=true
    while [ $# -gt 0 ]; do
        case $1 in
        --storage) _rc_store=$2; shift ;;
        --no-tls) _rc_tls=0 ;;
        --htpasswd)
            _rc_auth="auth:
  htpasswd:
    realm: portcullis-test
    path: $2"
            shift
            ;;
        --token)
            _rc_auth="auth:
  token:
    realm: $2
    service: $3
    issuer: $4
    rootcertbundle: $C/ca.crt"
            shift 3
            ;;
        --client-ca)
            _rc_cas="    clientcas:
      - $2"
            shift
            ;;
        --accesslog) _rc_access=false ;;
        *) echo "registry_config: unknown option $1" >&2; return 2 ;;
        esac
        shift
    done
    cat <<Y
version: 0.1
log:
  level: error
  accesslog:
    disabled: $_rc_access
storage:
  filesystem:
    rootdirectory: $_rc_store
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$_rc_port
  secret: portcullis-test-secret
Y
    if [ $_rc_tls = 1 ]; then
        printf '  tls:\n    certificate: %s\n    key: %s\n' "$C/server.crt" "$C/server.key"
        [ -z "$_rc_cas" ] || printf '%s\n' "$_rc_cas"
    fi
    [ -z "$_rc_auth" ] || printf '%s\n' "$_rc_auth"
}

registry_start() {
    _rs_name=$1
    shift
    REG_PORT=$(free_port)
    registry_config "$REG_PORT" "$@" >"$T/$_rs_name.yml" || return 1
    REG_HOST="127.0.0.1:$REG_PORT"
    spawn "$T/$_rs_name.log" docker-registry serve "$T/$_rs_name.yml"
    REG_PID=$LAST_PID
    # how to reach it: plain HTTP, or TLS with the CA (and a client certificate)
    set -- "$@" --end
    _rs_url="https://$REG_HOST/v2/" _rs_curl="--cacert $C/ca.crt"
    while [ "$1" != --end ]; do
        case $1 in
        --no-tls) _rs_url="http://$REG_HOST/v2/" _rs_curl="" ;;
        --client-ca) _rs_cas=1 ;;
        esac
        shift
    done
    [ "${_rs_cas:-0}" = 1 ] && [ -n "$_rs_curl" ] && _rs_curl="$_rs_curl --cert $C/client.crt --key $C/client.key"
    _rs_cas=0
    # shellcheck disable=SC2086 # curl arguments, no spaces in them
    wait_up "$REG_PID" 30 answers "$_rs_url" $_rs_curl
}

registry_up() {
    need_tools docker-registry skopeo openssl python3 htpasswd jq curl
    isolate
    pki_init || { fail "pki" "openssl failed"; exit 1; }
    CERTS="$T/certs.d"
    pki_certdir "$CERTS"
    registry_user
    registry_start registry --htpasswd "$T/htpasswd" ||
        { fail "registry up" "$(head -c 2000 "$T/registry.log")"; exit 1; }
    P_REG=$REG_PORT
    R=$REG_HOST
}

registry_push() {
    _rp_f=$1 _rp_to=$2
    shift 2
    skopeo copy -q --preserve-digests "$@" --dest-cert-dir "$CERTS" --dest-creds "$USER_NAME:$PASS" \
        "oci:$T/$_rp_f/oci:latest" "docker://$R/$_rp_to" >"$T/push.log" 2>&1 ||
        { fail "push $_rp_f as $_rp_to" "$(head -c 600 "$T/push.log")"; return 1; }
}

registry_manifest() {
    skopeo inspect --raw --cert-dir "$CERTS" --creds "$USER_NAME:$PASS" "docker://$1"
}

registry_digest() { registry_manifest "$1" | sha256sum | cut -c1-64; }

write_authfile() {
    printf '{"auths": {' >"$T/auth.json"
    _wa_sep=""
    for _wa_h in "$@"; do
        printf '%s"%s": {"auth": "%s"}' "$_wa_sep" "$_wa_h" "$(b64 "$USER_NAME:$PASS")" >>"$T/auth.json"
        _wa_sep=", "
    done
    printf '}}\n' >>"$T/auth.json"
}

blocking_helper() {
    mkdir -p "$T/bin"
    cat >"$T/bin/docker-credential-pcblock" <<EOF
#!/bin/sh
cat >/dev/null
: >"$T/helper.started"
i=0
while [ ! -e "$T/helper.go" ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
printf '{"ServerURL": "$R", "Username": "$USER_NAME", "Secret": "$PASS"}\n'
EOF
    chmod 755 "$T/bin/docker-credential-pcblock"
    printf '{"credsStore": "pcblock"}\n' >"$T/blocking-auth.json"
}

slowproxy_start() {
    spawn "$T/proxy.out" python3 "$PC_ROOT/tests/webhook/slowproxy.py" --port "$1" \
        --tls-cert "$C/server.crt" --tls-key "$C/server.key" --upstream "https://$R" \
        --cafile "$C/ca.crt" --slow "$2" --delay 3 --log "$T/proxy.log"
    wait_up "$LAST_PID" 30 answers "https://127.0.0.1:$1/v2/" --cacert "$C/ca.crt" ||
        { fail "slow proxy up" "$(cat "$T/proxy.out")"; exit 1; }
}

registry_fixtures() {
    for _rf in clean bad zstd whiteout; do build_fixture "$_rf" || return 1; done
    registry_push clean app/clean:v1 && registry_push bad app/bad:v1 && registry_push zstd app/slow:v1 &&
        registry_push whiteout app/shared:v1 || return 1
    CLEAN="$R/app/clean:v1"
    BAD="$R/app/bad:v1"
    CLEAN_DIGEST="sha256:$(registry_digest "$CLEAN")"
    write_authfile "$R" "127.0.0.1:$1"
    slowproxy_start "$1" "$(for _rf in slow shared; do
        registry_manifest "$R/app/$_rf:v1" | jq -r '.layers[].digest'
    done | paste -sd, -)"
}
