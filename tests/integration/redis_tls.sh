# Integration: the webhook's Redis over TLS (rediss://, issue 20) and the
# bounds of its Redis connection (webhook/redisconn.c), against real
# redis-server 7 processes with TLS on 127.0.0.1 (certificates made here
# with openssl), a real registry (TLS, htpasswd) whose access log shows
# every blob fetched, real AdmissionReviews over HTTPS.
#   - two replicas share facts over rediss:// with a password (the
#     second's from --redis-password-file): the second fetches no layer
#     blob; SELECT, and AUTH with USER:PASSWORD (an ACL user), over TLS
#   - refused, each counted as Redis down while scans stay right (the bad
#     image denied, its layers read again, nothing written to that Redis):
#     a server certificate from another CA, a certificate for another
#     host name, a server that wants a client certificate when none is
#     given (and with --redis-cert/--redis-cert-key it works), a wrong
#     password
#   - a server that never answers (TLS handshake, plain command) times
#     out; one that answers an array of 99,999,999 elements, or more bytes
#     than it was asked for, is dropped before anything is allocated for
#     it; the same verdicts
#   - refused at start with a clear message: --redis-ca with no
#     certificate in it or missing, TLS flags with redis://, --redis-cert
#     without its key, a key that is not the certificate's, a password
#     both in the URL and in --redis-password-file, an empty one
#   - the passwords are in no log and no error message
. "$PC_ROOT/tests/lib.sh"
harness pki registry webhook
need_tools redis-server redis-cli docker-registry skopeo openssl python3 htpasswd jq curl
isolate
pki_init || { fail "pki" "openssl failed"; exit 1; }
CERTS="$T/certs.d"
pki_certdir "$CERTS"
registry_user
registry_start registry --htpasswd "$T/htpasswd" --accesslog ||
    { fail "registry up" "$(head -c 2000 "$T/registry.log")"; exit 1; }
R=$REG_HOST
build_fixture bad || exit 1
registry_push bad app/bad:v1 || exit 1
write_authfile "$R"

LAYERS=$(registry_manifest "$R/app/bad:v1" | jq -r '.layers[].digest')
[ -n "$LAYERS" ] || { fail "layers of app/bad:v1" "none in its manifest"; exit 1; }
layer_gets() { # GET requests for the layer blobs of app/bad:v1 so far
    _lg_n=0
    for _lg_d in $LAYERS; do
        _lg_n=$((_lg_n + $(grep -c "\"GET /v2/app/bad/blobs/$_lg_d " "$T/registry.log")))
    done
    echo "$_lg_n"
}
ready_field() { curl -s --cacert "$C/ca.crt" "$1/readyz" | jq -r ".$2"; }

# --- certificates: Redis' (for 127.0.0.1 only), a client's, and another CA's
pki_issue redis "IP:127.0.0.1" && pki_issue client "DNS:portcullis-webhook" ||
    { fail "pki" "openssl failed"; exit 1; }
MAIN=$C
pki_init "$T/other-pki" || { fail "other pki" "openssl failed"; exit 1; }
OTHER=$C
C=$MAIN
pass "certificates made (test CA, Redis for IP 127.0.0.1, a client, another CA)"

SECRET="redis-tls-pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
SECRET2="acl-pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
# tls_redis NAME CERTDIR [redis-server args]: redis-server with TLS only,
# the certificate $CERTDIR/redis.crt (or server.crt) and a password; sets
# its port in ${NAME}_PORT
tls_redis() {
    _tr_name=$1 _tr_dir=$2
    shift 2
    _tr_port=$(free_port)
    _tr_crt=$_tr_dir/redis.crt _tr_key=$_tr_dir/redis.key
    [ -s "$_tr_crt" ] || _tr_crt=$_tr_dir/server.crt _tr_key=$_tr_dir/server.key
    spawn "$T/$_tr_name.log" redis-server --port 0 --tls-port "$_tr_port" --bind 127.0.0.1 \
        --tls-cert-file "$_tr_crt" --tls-key-file "$_tr_key" --tls-ca-cert-file "$MAIN/ca.crt" \
        --save '' --appendonly no --requirepass "$SECRET" "$@"
    wait_up "$LAST_PID" 30 sh -c "redis-cli --tls --cacert '$_tr_dir/ca.crt' --cert '$MAIN/client.crt' --key '$MAIN/client.key' -p $_tr_port -a '$SECRET' --no-auth-warning PING 2>/dev/null | grep -q PONG" ||
        { fail "$_tr_name up" "$(head -c 600 "$T/$_tr_name.log")"; exit 1; }
    eval "${_tr_name}_PORT=$_tr_port"
}
rcli() { # rcli PORT CA ARGS...: redis-cli over TLS with the password
    _rc_p=$1 _rc_ca=$2
    shift 2
    redis-cli --tls --cacert "$_rc_ca" --cert "$MAIN/client.crt" --key "$MAIN/client.key" -p "$_rc_p" \
        -a "$SECRET" --no-auth-warning "$@"
}
tls_redis main "$MAIN" --tls-auth-clients no
tls_redis other "$OTHER" --tls-auth-clients no
tls_redis mtls "$MAIN" --tls-auth-clients yes
pass "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') with TLS: three servers up"
[ "$(rcli "$main_PORT" "$MAIN/ca.crt" ACL SETUSER pcacl on ">$SECRET2" '~portcullis:*' +@all)" = OK ] &&
    pass "ACL user for USER:PASSWORD" || fail "ACL user" "ACL SETUSER failed"
nkeys() { rcli "$1" "$2" --scan --pattern 'portcullis:*' | wc -l; }

N=0
review() { # review: a fresh review of app/bad:v1 in $T/rv$N.json
    N=$((N + 1))
    fill "$REQ/pod.json" "$T/rv$N.json" "uid-tls-$N" team-a "$R/app/bad:v1" "$R/app/bad:v1"
}
start() { # start NAME ARGS...: a webhook with the serving certificate
    _st_n=$1
    shift
    webhook_start "$_st_n" --tls-cert "$C/server.crt" --tls-key "$C/server.key" "$@" || exit 1
}

# --- two replicas share facts over rediss://
URL="rediss://:$SECRET@127.0.0.1:$main_PORT"
start A --redis-url "$URL" --redis-ca "$MAIN/ca.crt"
A=$WH_URL
start B --redis-url "$URL/3" --redis-ca "$MAIN/ca.crt"
B0=$WH_URL
printf '%s\n' "$SECRET" >"$T/redis-pw" && chmod 0600 "$T/redis-pw"
start B2 --redis-url "rediss://127.0.0.1:$main_PORT" --redis-password-file "$T/redis-pw" --redis-ca "$MAIN/ca.crt"
B=$WH_URL
jq_true "listening line names rediss:// without the password" \
    "select(.msg == \"listening\") | .redis == \"rediss://127.0.0.1:$main_PORT/0\"" "$T/A.log"
review
send "A scans bad over rediss://" deny "$A/validate?timeout=30s" "$T/rv$N.json"
n1=$(layer_gets)
[ "$n1" -ge 1 ] && pass "A fetched the layers ($n1 GETs)" || fail "A fetched the layers" "$n1 GETs"
[ "$(rcli "$main_PORT" "$MAIN/ca.crt" --scan --pattern 'portcullis:facts:*' | wc -l)" -ge "$(echo $LAYERS | wc -w)" ] &&
    pass "A wrote the facts of every layer to Redis over TLS" ||
    fail "facts over TLS" "$(rcli "$main_PORT" "$MAIN/ca.crt" --scan)"
review
send "B (password from --redis-password-file) judges bad too" deny "$B/validate?timeout=30s" "$T/rv$N.json"
n2=$(layer_gets)
[ "$n2" = "$n1" ] && pass "B fetched no layer blob over rediss:// (registry access log: $n1 GETs before and after)" ||
    fail "B fetched no layer blob" "$n1 GETs before, $n2 after"
[ "$(metric "$B" 'portcullis_redis_facts_lookups_total{result="hit"}')" -ge 1 ] &&
    [ "$(metric "$B" portcullis_redis_up)" = 1 ] && [ "$(ready_field "$B" redis)" = up ] &&
    pass "B: Redis facts hits, portcullis_redis_up 1, /readyz redis up" ||
    fail "B metrics" "$(curl -s --cacert "$C/ca.crt" "$B/metrics" | grep redis)"
review
send "a replica on database 3 (SELECT over TLS) judges bad" deny "$B0/validate?timeout=30s" "$T/rv$N.json"
[ "$(rcli "$main_PORT" "$MAIN/ca.crt" -n 3 --scan --pattern 'portcullis:facts:*' | wc -l)" -ge 1 ] &&
    pass "SELECT 3 over TLS: facts in database 3" || fail "SELECT over TLS" "no facts in database 3"

# --- AUTH USER PASSWORD (an ACL user) over TLS
start U --redis-url "rediss://pcacl:$SECRET2@127.0.0.1:$main_PORT" --redis-ca "$MAIN/ca.crt"
UA=$WH_URL
printf '%s\n' "$SECRET2" >"$T/acl-pw" && chmod 0600 "$T/acl-pw"
start U2 --redis-url "rediss://pcacl:@127.0.0.1:$main_PORT" --redis-password-file "$T/acl-pw" --redis-ca "$MAIN/ca.crt"
UB=$WH_URL
n3=$(layer_gets)
review
send "ACL user: judges bad" deny "$UA/validate?timeout=30s" "$T/rv$N.json"
review
send "ACL user, password from --redis-password-file: judges bad" deny "$UB/validate?timeout=30s" "$T/rv$N.json"
[ "$(layer_gets)" = "$n3" ] && [ "$(metric "$UA" portcullis_redis_up)" = 1 ] &&
    [ "$(metric "$UB" 'portcullis_redis_facts_lookups_total{result="hit"}')" -ge 1 ] &&
    pass "AUTH USER PASSWORD over TLS (URL, and USER:@ with the file): the facts taken from Redis (no layer fetched)" ||
    fail "ACL user" "$n3 → $(layer_gets) GETs, redis_up $(metric "$UA" portcullis_redis_up)"

# refused NAME LOGPAT REDIS_PORT REDIS_CA ARGS...: a replica started with
# ARGS finds Redis unusable: the bad image still denied with its layers
# read, Redis counted down with a log line matching LOGPAT, and nothing
# written to that Redis (REDIS_PORT: - for none to look at)
refused() {
    _rf_name=$1 _rf_pat=$2 _rf_port=$3 _rf_ca=$4
    shift 4
    _rf_before=""
    [ "$_rf_port" = - ] || _rf_before=$(nkeys "$_rf_port" "$_rf_ca")
    start "$_rf_name" "$@"
    _rf_url=$WH_URL
    _rf_g=$(layer_gets)
    review
    send "$_rf_name: bad still denied" deny "$_rf_url/validate?timeout=30s" "$T/rv$N.json"
    [ "$(layer_gets)" -gt "$_rf_g" ] && pass "$_rf_name: the layers were read here (no facts believed)" ||
        fail "$_rf_name: layers read" "$_rf_g → $(layer_gets) GETs"
    [ "$(metric "$_rf_url" portcullis_redis_up)" = 0 ] &&
        [ "$(metric "$_rf_url" 'portcullis_errors_total{kind="redis"}')" -ge 1 ] &&
        [ "$(ready_field "$_rf_url" redis)" = down ] && [ "$(ready_field "$_rf_url" ready)" = true ] &&
        pass "$_rf_name: Redis counted down (redis_up 0, errors_total, /readyz), still ready" ||
        fail "$_rf_name: Redis down" "$(curl -s --cacert "$C/ca.crt" "$_rf_url/metrics" | grep -e redis -e errors_total)"
    grep_in "$_rf_name: the log says why" "\"msg\":\"Redis [^\"]* down: [^\"]*$_rf_pat" "$T/$_rf_name.log"
    if [ "$_rf_port" != - ]; then
        [ "$(nkeys "$_rf_port" "$_rf_ca")" = "$_rf_before" ] && pass "$_rf_name: nothing written to that Redis" ||
            fail "$_rf_name: nothing written" "$_rf_before → $(nkeys "$_rf_port" "$_rf_ca") keys"
    fi
}

# --- a server certificate from another CA
refused otherca "certificate is refused[^\"]*NOT trusted" "$other_PORT" "$OTHER/ca.crt" \
    --redis-url "rediss://:$SECRET@127.0.0.1:$other_PORT" --redis-ca "$MAIN/ca.crt"
# --- the system store does not know the test CA either
refused sysca "certificate is refused" - - --redis-url "rediss://:$SECRET@127.0.0.1:$main_PORT"
# --- a certificate for 127.0.0.1, asked for as localhost
refused wrongname "certificate is refused for localhost.*name" - - \
    --redis-url "rediss://:$SECRET@localhost:$main_PORT" --redis-ca "$MAIN/ca.crt"
# --- the server wants a client certificate
refused nocert "(TLS|closed)" "$mtls_PORT" "$MAIN/ca.crt" \
    --redis-url "rediss://:$SECRET@127.0.0.1:$mtls_PORT" --redis-ca "$MAIN/ca.crt"
start M --redis-url "rediss://:$SECRET@127.0.0.1:$mtls_PORT" --redis-ca "$MAIN/ca.crt" \
    --redis-cert "$MAIN/client.crt" --redis-cert-key "$MAIN/client.key"
review
send "client certificate: bad denied" deny "$WH_URL/validate?timeout=30s" "$T/rv$N.json"
[ "$(metric "$WH_URL" portcullis_redis_up)" = 1 ] && [ "$(nkeys "$mtls_PORT" "$MAIN/ca.crt")" -ge 1 ] &&
    pass "--redis-cert/--redis-cert-key: Redis with --tls-auth-clients yes takes the facts" ||
    fail "client certificate" "redis_up $(metric "$WH_URL" portcullis_redis_up), $(nkeys "$mtls_PORT" "$MAIN/ca.crt") keys"
# the client key and the password are pc-redis's (which makes the TLS
# connection): none of their forms in the webhook's memory
MR=$(listened M redis_process)
printf 'redis-password\t%s\n' "$SECRET" >"$T/rpass.tsv"
python3 "$PC_ROOT/tests/webhook/memscan.py" "$MAIN/client.key" "$WH_PID" ${MR:+"$MR"} >"$T/ck-ms.json" 2>"$T/ck-ms.err" &&
    python3 "$PC_ROOT/tests/webhook/memscan.py" --secrets "$T/rpass.tsv" "$WH_PID" ${MR:+"$MR"} >"$T/pw-ms.json" 2>>"$T/ck-ms.err" &&
    jq_true "--redis-cert-key and the password: in pc-redis's memory, in none of the webhook's" \
        ".\"$WH_PID\" == [] and (.\"$MR\" | length) > 0" "$T/ck-ms.json" &&
    jq_true "the password over TLS: in pc-redis's memory only" ".\"$WH_PID\" == [] and .\"$MR\" == [\"redis-password\"]" "$T/pw-ms.json" ||
    fail "redis TLS secrets: memory scan" "$(cat "$T/ck-ms.err")"
# --- a wrong password over TLS
refused wrongpw "an error reply .WRONGPASS" - - \
    --redis-url "rediss://:not-the-$SECRET2@127.0.0.1:$main_PORT" --redis-ca "$MAIN/ca.crt"

# --- servers that do not behave: python on 127.0.0.1 (tests/webhook/badredis.py)
BAD="$PC_ROOT/tests/webhook/badredis.py"
badredis() { # badredis MODE: sets BR_PORT
    BR_PORT=$(free_port)
    spawn "$T/badredis-$1.log" python3 "$BAD" "$1" "$BR_PORT"
    wait_up "$LAST_PID" 10 listens "$BR_PORT" || { fail "badredis $1" "$(cat "$T/badredis-$1.log")"; exit 1; }
}
badredis silent
refused handshake "handshake: timed out" - - --redis-url "rediss://127.0.0.1:$BR_PORT" --redis-ca "$MAIN/ca.crt"
refused silent "read: timed out" - - --redis-url "redis://127.0.0.1:$BR_PORT"
badredis array
refused array "bad reply: more elements" - - --redis-url "redis://127.0.0.1:$BR_PORT"
grep -q "accepted" "$T/badredis-array.log" && pass "array: the server was asked (its log)" ||
    fail "array server asked" "$(cat "$T/badredis-array.log")"
badredis extra
refused extra "bytes after the reply" - - --redis-url "redis://127.0.0.1:$BR_PORT"

# --- refused at start
: >"$T/empty.pem"
startfail() { # startfail NAME PATTERN ARGS...
    _sf_n=$1 _sf_pat=$2
    shift 2
    "$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --listen 127.0.0.1:0 "$@" \
        >"$T/sf.out" 2>"$T/sf.err" &
    _sf_p=$!
    wait_until 20 exited "$_sf_p"
    wait "$_sf_p"
    _sf_rc=$?
    cat "$T/sf.err" >>"$T/sf-all.err"
    [ "$_sf_rc" -ne 0 ] && grep -q -e "$_sf_pat" "$T/sf.err" &&
        pass "refused at start: $_sf_n (exit $_sf_rc)" || fail "refused at start: $_sf_n" "rc $_sf_rc $(head -c 400 "$T/sf.err")"
}
U1="rediss://:$SECRET@127.0.0.1:$main_PORT"
startfail "--redis-ca with no certificate" "--redis-ca $T/empty.pem: no CA certificate" --redis-url "$U1" --redis-ca "$T/empty.pem"
startfail "--redis-ca a key" "--redis-ca $MAIN/client.key: no CA certificate" --redis-url "$U1" --redis-ca "$MAIN/client.key"
startfail "--redis-ca missing" "--redis-ca $T/nope.pem" --redis-url "$U1" --redis-ca "$T/nope.pem"
startfail "--redis-ca with redis://" "need a rediss://" --redis-url "redis://:$SECRET@127.0.0.1:$main_PORT" --redis-ca "$MAIN/ca.crt"
startfail "--redis-cert without its key" "go together" --redis-url "$U1" --redis-ca "$MAIN/ca.crt" --redis-cert "$MAIN/client.crt"
startfail "--redis-cert-key not the certificate's" "--redis-cert $MAIN/client.crt" --redis-url "$U1" \
    --redis-ca "$MAIN/ca.crt" --redis-cert "$MAIN/client.crt" --redis-cert-key "$MAIN/redis.key"
startfail "--redis-ca without --redis-url" "need --redis-url" --redis-ca "$MAIN/ca.crt"
startfail "a password in the URL and --redis-password-file" "has a password already" --redis-url "$U1" \
    --redis-ca "$MAIN/ca.crt" --redis-password-file "$T/redis-pw"
startfail "an empty --redis-password-file" "expected one line of password" \
    --redis-url "rediss://127.0.0.1:$main_PORT" --redis-ca "$MAIN/ca.crt" --redis-password-file "$T/empty.pem"

# --- no password anywhere we write
cat "$T"/*.log "$T"/*.out "$T"/sf-all.err >"$T/all-output" 2>/dev/null
grep_none "the passwords are in no log, output or error message" -F "$SECRET" "$T/all-output"
grep_none "the ACL password is in no log either" -F "$SECRET2" "$T/all-output"
