# Integration: webhook replicas sharing layer facts, verdicts and tag
# resolutions on a real redis-server
# (issue 20): --redis-url with a password on 127.0.0.1, a real registry
# (TLS, htpasswd) whose access log shows every blob fetched, real
# AdmissionReviews over HTTPS.
#   - replica B answers from replica A's scan without fetching a layer blob
#   - single-flight: two fresh replicas asked about a new image at once
#     fetch each layer once in total
#   - a corrupt value in Redis is ignored (the layer is read again, the
#     verdict is right) and replaced
#   - with --redis-key, verdicts and tag resolutions too (db 3): a second
#     replica answers an image the first judged without asking the
#     registry anything (manifest nor blob), with the same verdict; six
#     requests at once over two replicas cost the registry what one
#     judgement does (layers once, the config as often, as many scans);
#     an allow or a tag moved onto another image's key (wrong MAC) and a
#     damaged verdict under a good MAC are misses, judged again; without
#     --redis-key no verdict is read
#   - Redis stopped: both keep answering correctly from their own scans,
#     portcullis_redis_up 0, /readyz says "redis": "down" and stays ready;
#     Redis back: used again
#   - the password is never logged; bad URLs are refused (rediss://:
#     tests/integration/redis_tls.sh)
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
for f in bad clean zstd whiteout; do build_fixture "$f" || exit 1; done
registry_push bad app/bad:v1 && registry_push clean app/clean:v1 && registry_push zstd app/sf:v1 &&
    registry_push whiteout app/down:v1 || exit 1
write_authfile "$R"

# GET requests for the layer blobs of image REPO:TAG so far
layer_gets() {
    _lg_n=0
    for _lg_d in $(registry_manifest "$R/$1" | jq -r '.layers[].digest'); do
        _lg_c=$(grep -c "\"GET /v2/${1%%:*}/blobs/$_lg_d " "$T/registry.log")
        _lg_n=$((_lg_n + _lg_c))
    done
    echo "$_lg_n"
}
nlayers() { registry_manifest "$R/$1" | jq '.layers | length'; }

# --- Redis with the password and ACL the deployment ships (gen-certs.sh
# --redis: the webhook's user may run only the commands it sends, on its
# own keys); this test inspects Redis as another user, "admin"
RP=$(free_port)
sh "$PC_ROOT/webhook/deploy/gen-certs.sh" -o "$T/gen" -n team-a --redis >"$T/gen.log" 2>&1 ||
    { fail "gen-certs.sh --redis" "$(tail -c 600 "$T/gen.log")"; exit 1; }
SECRET=$(cat "$T/gen/redis-password")
ADMIN="admin-pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
{ sed -n 's/^  redis.conf: //p' "$T/gen/secret-redis.yaml" | base64 -d && printf 'user admin on >%s ~* &* +@all\n' "$ADMIN"; } >"$T/redis.conf"
redis_up() {
    spawn "$T/redis.log" redis-server "$T/redis.conf" --port "$RP" --bind 127.0.0.1 --save '' --appendonly no
    REDIS_PID=$LAST_PID
    wait_up "$REDIS_PID" 30 sh -c "redis-cli -p $RP --user admin --pass '$ADMIN' --no-auth-warning PING 2>/dev/null | grep -q PONG" || { fail "redis up" "$(head -c 600 "$T/redis.log")"; exit 1; }
}
rcli() { redis-cli -p "$RP" --user admin --pass "$ADMIN" --no-auth-warning -n 2 "$@"; }
wcli() { redis-cli -p "$RP" -a "$SECRET" --no-auth-warning -n 2 "$@"; } # as the webhook
redis_up
pass "redis-server up (the deployment's redis.conf: password and ACL)"
for c in FLUSHALL "CONFIG GET dir" "GET other:key" "SET other:key x" "SCAN 0" "MODULE LIST" "SCRIPT FLUSH" "CLIENT LIST"; do
    # shellcheck disable=SC2086 # the command's words
    wcli $c 2>&1 | grep -q NOPERM || { fail "ACL: the webhook's user may not: $c" "$(wcli $c 2>&1 | head -c 200)"; continue; }
    pass "ACL: the webhook's user may not: $c"
done
URL="redis://:$SECRET@127.0.0.1:$RP/2"

review() { # review OUT UID IMAGE
    fill "$REQ/pod.json" "$T/$1.json" "$2" team-a "$3" "$3"
}
ready_field() { curl -s --cacert "$C/ca.crt" "$1/readyz" | jq -r ".$2"; }

webhook_start A --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" || exit 1
A=$WH_URL A_PID=$WH_PID
webhook_start B --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" || exit 1
B=$WH_URL B_PID=$WH_PID
jq_true "listening line names Redis without the password" "select(.msg == \"listening\") | .redis == \"127.0.0.1:$RP/2\"" "$T/A.log"

# --- B answers from A's scan
review bad1 uid-bad-1 "$R/app/bad:v1"
send "A scans bad" deny "$A/validate?timeout=30s" "$T/bad1.json"
n1=$(layer_gets app/bad:v1)
[ "$n1" -ge 1 ] && pass "A fetched the layers ($n1 GETs)" || fail "A fetched the layers" "$n1 GETs"
[ "$(rcli --scan --pattern 'portcullis:facts:*' | wc -l)" -ge "$(nlayers app/bad:v1)" ] &&
    pass "facts of every layer in Redis" || fail "facts in Redis" "$(rcli --scan --pattern 'portcullis:*')"
review bad2 uid-bad-2 "$R/app/bad:v1"
send "B judges bad too" deny "$B/validate?timeout=30s" "$T/bad2.json"
grep -q 'suspicious-tool\|setuid' "$T/out" && pass "B's answer names the findings" || fail "B's answer" "$(head -c 600 "$T/out")"
n2=$(layer_gets app/bad:v1)
[ "$n2" = "$n1" ] && pass "B fetched no layer blob (registry access log: $n1 GETs before and after)" ||
    fail "B fetched no layer blob" "$n1 GETs before, $n2 after"
[ "$(metric "$B" 'portcullis_redis_facts_lookups_total{result="hit"}')" -ge 1 ] &&
    pass "B counts Redis facts hits" || fail "B Redis hits" "$(curl -s --cacert "$C/ca.crt" "$B/metrics" | grep redis)"
[ "$(metric "$B" portcullis_redis_up)" = 1 ] && pass "portcullis_redis_up 1" || fail "redis_up" "not 1"
[ "$(ready_field "$B" redis)" = up ] && pass "/readyz: redis up" || fail "/readyz redis" "$(curl -s --cacert "$C/ca.crt" "$B/readyz")"

# --- single-flight: two fresh replicas, one new image, at once
webhook_start C --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" || exit 1
C1=$WH_URL C_PID=$WH_PID
webhook_start D --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" || exit 1
D1=$WH_URL D_PID=$WH_PID
review sf1 uid-sf-1 "$R/app/sf:v1"
review sf2 uid-sf-2 "$R/app/sf:v1"
python3 "$CLIENT" --url "$C1/validate?timeout=30s" --cacert "$C/ca.crt" --request "$T/sf1.json" >"$T/sf1.out" 2>&1 &
p1=$!
python3 "$CLIENT" --url "$D1/validate?timeout=30s" --cacert "$C/ca.crt" --request "$T/sf2.json" >"$T/sf2.out" 2>&1 &
p2=$!
wait $p1 && wait $p2 && pass "both replicas answered" || fail "both replicas answered" "$(cat "$T/sf1.out" "$T/sf2.out" | head -c 800)"
nsf=$(layer_gets app/sf:v1)
[ "$nsf" = "$(nlayers app/sf:v1)" ] && pass "single-flight: each layer fetched once across two replicas ($nsf GETs)" ||
    fail "single-flight" "$nsf GETs for $(nlayers app/sf:v1) layers"
[ "$(jq -r .allowed "$T/sf1.out")" = "$(jq -r .allowed "$T/sf2.out")" ] && [ "$(jq -r .allowed "$T/sf1.out")" != null ] &&
    pass "single-flight: both replicas gave the same verdict" || fail "single-flight verdicts" "differ"

# --- a corrupt value is ignored, and replaced
for k in $(rcli --scan --pattern 'portcullis:facts:*'); do rcli SET "$k" "not facts at all" >/dev/null; done
webhook_start E --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" || exit 1
E1=$WH_URL
n3=$(layer_gets app/bad:v1)
review bad3 uid-bad-3 "$R/app/bad:v1"
send "corrupt Redis value: still denied" deny "$E1/validate?timeout=30s" "$T/bad3.json"
n4=$(layer_gets app/bad:v1)
[ "$n4" -gt "$n3" ] && pass "corrupt value ignored: the layers were read again" || fail "corrupt value" "no new GETs ($n3 → $n4)"
bad_left=$(for k in $(rcli --scan --pattern 'portcullis:facts:*'); do rcli GET "$k"; done | grep -c '^not facts at all$')
[ "$bad_left" -lt "$(rcli --scan --pattern 'portcullis:facts:*' | wc -l)" ] && pass "corrupt values replaced by good facts" ||
    fail "corrupt values replaced" "$bad_left still corrupt"

# --- --redis-key: values carry an HMAC-SHA256; one written without the secret is a miss
printf '%s\n' "0123456789abcdef0123456789abcdef-$(printf %.16s "$SECRET")" >"$T/rkey" && chmod 0600 "$T/rkey"
grep -q 'without --redis-key' "$T/A.log" && pass "no --redis-key: a warning says Redis is trusted" || fail "no-key warning" "none in A.log"
webhook_start G --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" --redis-key "$T/rkey" || exit 1
G1=$WH_URL
n5=$(layer_gets app/bad:v1)
review key1 uid-key-1 "$R/app/bad:v1"
send "keyed replica denies bad" deny "$G1/validate?timeout=30s" "$T/key1.json"
n6=$(layer_gets app/bad:v1)
[ "$n6" -gt "$n5" ] && pass "--redis-key: values without its HMAC are not believed (layers read again)" ||
    fail "--redis-key unauthenticated values" "no new GETs ($n5 → $n6)"
keyed=0
for k in $(rcli --scan --pattern 'portcullis:facts:*'); do
    [ "$(rcli --raw GET "$k" | head -c 4)" = PCR2 ] && keyed=$((keyed + 1))
done
[ "$keyed" -ge 1 ] && pass "--redis-key: values are written with their MAC ($keyed)" || fail "keyed values" "none start with PCR2"
# the secret is in the key process pc-rediskey only: G made and checked
# MACs, and its memory holds no copy (pc-rediskey's does: the control)
G_PID=$WH_PID
GK=$(listened G key_processes.redis_key)
[ -n "$GK" ] && [ "$(cat "/proc/$GK/comm" 2>/dev/null)" = pc-rediskey ] && [ "$(awk '{print $4}' "/proc/$GK/stat")" = "$G_PID" ] &&
    pass "--redis-key: its key process pc-rediskey runs, a child of the webhook (pid $GK, logged)" ||
    fail "--redis-key key process" "log says '$GK': $(grep listening "$T/G.log" | head -c 400)"
printf 'rkey\t%s\n' "$(head -n 1 "$T/rkey")" >"$T/rkey.tsv"
python3 "$PC_ROOT/tests/webhook/memscan.py" --secrets "$T/rkey.tsv" "$G_PID" ${GK:+"$GK"} >"$T/rkey-ms.json" 2>"$T/rkey-ms.err" &&
    jq_true "--redis-key: the webhook's memory holds no copy of the secret, pc-rediskey's does" \
        ".\"$G_PID\" == [] and .\"$GK\" == [\"rkey\"]" "$T/rkey-ms.json" ||
    fail "--redis-key: memory scan" "$(cat "$T/rkey-ms.err")"
# the Redis password is in pc-redis only, which makes every connection:
# not in the webhook's memory, nor on its command line any more
GR=$(listened G redis_process)
[ -n "$GR" ] && [ "$(cat "/proc/$GR/comm" 2>/dev/null)" = pc-redis ] && [ "$(awk '{print $4}' "/proc/$GR/stat")" = "$G_PID" ] &&
    pass "the Redis connection process pc-redis runs, a child of the webhook (pid $GR, logged)" ||
    fail "pc-redis" "log says '$GR': $(grep listening "$T/G.log" | head -c 400)"
printf 'redis-password\t%s\n' "$SECRET" >"$T/rpass.tsv"
python3 "$PC_ROOT/tests/webhook/memscan.py" --secrets "$T/rpass.tsv" "$G_PID" ${GR:+"$GR"} >"$T/rpass-ms.json" 2>"$T/rpass-ms.err" &&
    jq_true "the webhook's memory holds no copy of the Redis password, pc-redis's does" \
        ".\"$G_PID\" == [] and .\"$GR\" == [\"redis-password\"]" "$T/rpass-ms.json" ||
    fail "Redis password: memory scan" "$(cat "$T/rpass-ms.err")"
tr '\0' ' ' <"/proc/$G_PID/cmdline" >"$T/G.cmdline"
! grep -qF "$SECRET" "$T/G.cmdline" && grep -qF "redis://:****" "$T/G.cmdline" &&
    pass "the password in --redis-url is starred on the webhook's command line (ps)" ||
    fail "--redis-url starred" "$(cut -c1-300 "$T/G.cmdline")"
webhook_start H --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" --redis-key "$T/rkey" || exit 1
H1=$WH_URL
review key2 uid-key-2 "$R/app/bad:v1"
send "second keyed replica denies bad" deny "$WH_URL/validate?timeout=30s" "$T/key2.json"
n7=$(layer_gets app/bad:v1)
[ "$n7" = "$n6" ] && pass "--redis-key: a replica with the same secret takes the facts (no layer fetched)" ||
    fail "--redis-key shared" "$n6 → $n7 GETs"
# pc-rediskey killed: /healthz says so (the kubelet restarts the pod);
# nothing MAC'd is believed any more: the layers G wrote MAC'd facts of
# are read again
review keyc1 uid-keyc-1 "$R/app/clean:v1"
send "keyed replica G allows clean" allow "$G1/validate?timeout=30s" "$T/keyc1.json"
nc0=$(layer_gets app/clean:v1)
HK=$(listened H key_processes.redis_key)
killed_unhealthy "--redis-key: its key process killed: /healthz 503 naming pc-rediskey" "$H1" "$HK" pc-rediskey
review keyc2 uid-keyc-2 "$R/app/clean:v1"
send "--redis-key killed: the replica still judges (clean allowed)" allow "$H1/validate?timeout=30s" "$T/keyc2.json"
nc1=$(layer_gets app/clean:v1)
[ "$nc1" -gt "$nc0" ] && grep -q '"--redis-key: ' "$T/H.log" &&
    pass "--redis-key killed: no value is believed (layers read again) and it is logged" ||
    fail "--redis-key killed: values" "$nc0 → $nc1 GETs; $(grep redis-key "$T/H.log" | head -c 300)"
# a MAC that does not hold is a miss, whatever the entry after it: G
# writes MAC'd facts, verdicts and tags of app/down:v1, one bit of every
# value's MAC is flipped, and a fresh keyed replica reads the layers again
review keyd1 uid-keyd-1 "$R/app/down:v1"
send "keyed replica G judges app/down" deny "$G1/validate?timeout=30s" "$T/keyd1.json"
nd0=$(layer_gets app/down:v1)
flipped=0
for k in $(rcli --scan --pattern 'portcullis:facts:*') $(rcli --scan --pattern 'portcullis:v1:*'); do
    rcli --raw GET "$k" | head -c -1 >"$T/fv.bin"
    [ "$(head -c 4 "$T/fv.bin")" = PCR2 ] || continue
    python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[10] ^= 1; sys.stdout.buffer.write(b)' "$T/fv.bin" |
        rcli -x SET "$k" >/dev/null && flipped=$((flipped + 1))
done
webhook_start I --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL" --redis-key "$T/rkey" || exit 1
review keyd2 uid-keyd-2 "$R/app/down:v1"
send "keyed replica I judges app/down" deny "$WH_URL/validate?timeout=30s" "$T/keyd2.json"
nd1=$(layer_gets app/down:v1)
[ "$flipped" -ge 1 ] && [ "$nd1" -gt "$nd0" ] && pass "--redis-key: a value whose MAC does not hold is not believed ($flipped flipped; layers read again, $nd0 → $nd1)" ||
    fail "--redis-key: a wrong MAC" "$flipped flipped, $nd0 → $nd1 GETs"
# pc-redis killed: /healthz says so; reviews are still judged, without Redis
I1=$WH_URL
IR=$(listened I redis_process)
killed_unhealthy "pc-redis killed: /healthz 503 naming it" "$I1" "$IR" pc-redis
review keyc3 uid-keyc-3 "$R/app/clean:v1"
send "pc-redis killed: the replica still judges (clean allowed, Redis down)" allow "$I1/validate?timeout=30s" "$T/keyc3.json"
[ "$(ready_field "$I1" redis)" = down ] && pass "pc-redis killed: /readyz says Redis is down" || fail "pc-redis killed: readyz" "$(ready_field "$I1" redis)"
printf 'tiny-secret-x\n' >"$T/shortkey"
"$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --listen 127.0.0.1:0 --redis-url "$URL" \
    --redis-key "$T/shortkey" >"$T/sk.out" 2>"$T/sk.err"
[ $? -ne 0 ] && grep -q -- '--redis-key' "$T/sk.err" && ! grep -q tiny-secret-x "$T/sk.err" &&
    pass "--redis-key: a short secret is refused without being printed" || fail "short key" "$(cat "$T/sk.err")"

# --- verdicts and tag resolutions shared (only with --redis-key), in db 3
# fresh_image NAME SPEC REPO:TAG: fixture SPEC with a file of its own (new
# layer, new digest: no replica has judged it), pushed as REPO:TAG
fresh_image() {
    jq --arg s "$1" '.images[0].layers[0].entries += [{"path": ("fresh-" + $s), "type": "file", "content": $s}]' \
        "$PC_ROOT/fixtures/specs/$2.json" >"$T/spec-$1.json" &&
        "$FB" "$T/spec-$1.json" "$T/$1" >"$T/fb.log" 2>&1 && registry_push "$1" "$3" ||
        { fail "fresh image $1" "$(cat "$T/fb.log")"; exit 1; }
}
# send_pair NAME1 EXPECT1 URL1 FILE1 NAME2 EXPECT2 URL2 FILE2: two reviews at
# once (each sent again, twice at most, while its scan is still running:
# under ASan on two loaded cores a fresh replica's first scans can pass
# the 30 s a review may wait)
send_pair() {
    python3 "$CLIENT" --url "$3" --cacert "$C/ca.crt" --request "$4" --expect "$2" --retry-in-progress 2 \
        >"$T/pair1.out" 2>&1 &
    _sp1=$!
    python3 "$CLIENT" --url "$7" --cacert "$C/ca.crt" --request "$8" --expect "$6" --retry-in-progress 2 \
        >"$T/pair2.out" 2>&1 &
    _sp2=$!
    wait $_sp1 && pass "$1 ($2)" || fail "$1" "$(head -c 800 "$T/pair1.out")"
    wait $_sp2 && pass "$5 ($6)" || fail "$5" "$(head -c 800 "$T/pair2.out")"
}
# every request a webhook made for repository REPO so far (manifests, blobs)
repo_reqs() { grep "\"[A-Z]* /v2/$1/" "$T/registry.log" | grep -c '"portcullis/'; }
# the same without 401 challenges: each process learns a registry's
# challenge once, so a second replica's first request may be one more 401
repo_fetches() { grep "\"[A-Z]* /v2/$1/" "$T/registry.log" | grep '"portcullis/' | grep -vc '" 401 '; }
# GETs of REPO:TAG's config blob
config_gets() { grep -c "\"GET /v2/${1%%:*}/blobs/$(registry_manifest "$R/$1" | jq -r .config.digest) " "$T/registry.log"; }
r3() { redis-cli -p "$RP" --user admin --pass "$ADMIN" --no-auth-warning -n 3 "$@"; }
# the verdict keys whose value names IMAGE (the reference is in the payload)
verdict_keys() {
    for _vk in $(r3 --scan --pattern 'portcullis:v1:verdict:*'); do
        r3 --raw GET "$_vk" | grep -aq "$1" && echo "$_vk"
    done
}
URL3="redis://:$SECRET@127.0.0.1:$RP/3"
fresh_image k-bad bad fresh/kbad:v1
fresh_image k-base clean fresh/kbase:v1
fresh_image k-sf clean fresh/ksf:v1
webhook_start K1 --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL3" --redis-key "$T/rkey" || exit 1
K1=$WH_URL
webhook_start K2 --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL3" --redis-key "$T/rkey" || exit 1
K2=$WH_URL
review kb1 uid-kb-1 "$R/fresh/kbad:v1"
send "keyed: K1 judges a new bad image" deny "$K1/validate?timeout=30s" "$T/kb1.json"
cp "$T/out" "$T/kb1.out"
k0=$(repo_reqs fresh/kbad)
kbad_scans=$(metric "$K1" portcullis_scans_started_total)
[ "$k0" -ge 2 ] && pass "keyed: K1 read the image from the registry ($k0 requests)" || fail "keyed: K1 read" "$k0 requests"
review kb2 uid-kb-2 "$R/fresh/kbad:v1"
send "keyed: K2 judges it too" deny "$K2/validate?timeout=30s" "$T/kb2.json"
k1=$(repo_reqs fresh/kbad)
[ "$k1" = "$k0" ] && pass "keyed: K2 asked the registry nothing, neither manifest nor blob ($k0 requests before and after)" ||
    fail "keyed: K2 asked the registry nothing" "$k0 requests before, $k1 after: $(grep '/v2/fresh/kbad/' "$T/registry.log" | tail -3)"
[ "$(jq -r .message "$T/out")" = "$(jq -r .message "$T/kb1.out")" ] && [ "$(jq -r .allowed "$T/out")" = false ] &&
    pass "keyed: K2's verdict is K1's (same denial message)" || fail "keyed: same verdict" "$(jq -r .message "$T/kb1.out") / $(jq -r .message "$T/out")"
[ "$(metric "$K2" 'portcullis_cache_lookups_total{cache="verdict_redis",result="hit"}')" -ge 1 ] &&
    [ "$(metric "$K2" 'portcullis_cache_lookups_total{cache="tag_redis",result="hit"}')" -ge 1 ] &&
    [ "$(metric "$K2" portcullis_scans_started_total)" = 0 ] &&
    pass "keyed: K2 counts verdict_redis and tag_redis hits, and started no scan" ||
    fail "keyed: K2 metrics" "$(curl -s --cacert "$C/ca.crt" "$K2/metrics" | grep -e cache_lookups -e scans_started)"
nv=$(r3 --scan --pattern 'portcullis:v1:verdict:*' | wc -l)
nt=$(r3 --scan --pattern 'portcullis:v1:tag:*' | wc -l)
macd=0
for k in $(r3 --scan --pattern 'portcullis:v1:*'); do [ "$(r3 --raw GET "$k" | head -c 4)" = PCR2 ] && macd=$((macd + 1)); done
[ "$nv" -ge 1 ] && [ "$nt" -ge 1 ] && [ "$macd" = "$((nv + nt))" ] &&
    pass "keyed: verdicts ($nv) and tags ($nt) in Redis, every value with its MAC" || fail "keyed: values" "$nv verdicts, $nt tags, $macd MAC'd"
pttl=$(r3 PTTL "$(r3 --scan --pattern 'portcullis:v1:tag:*' | head -1)")
[ "$pttl" -gt 0 ] && [ "$pttl" -le 30000 ] && pass "keyed: a tag expires with --tag-ttl (PTTL $pttl ms)" || fail "keyed: tag ttl" "$pttl"
pttl=$(r3 PTTL "$(r3 --scan --pattern 'portcullis:v1:verdict:*' | head -1)")
[ "$pttl" -gt 3600000 ] && [ "$pttl" -le 86400000 ] && pass "keyed: a verdict expires with --cache-ttl (PTTL $pttl ms)" ||
    fail "keyed: verdict ttl" "$pttl"

# single-flight: one replica alone first (what one judgement costs the
# registry), then 6 requests at once over both replicas for another image
review kbase uid-kbase "$R/fresh/kbase:v1"
send "keyed: K1 alone allows a clean image" allow "$K1/validate?timeout=30s" "$T/kbase.json"
base_cfg=$(config_gets fresh/kbase:v1) base_all=$(repo_fetches fresh/kbase)
base_scans=$(metric "$K1" portcullis_scans_started_total)
review ksf uid-ksf "$R/fresh/ksf:v1"
python3 "$CLIENT" --url "$K1/validate?timeout=30s" --cacert "$C/ca.crt" --request "$T/ksf.json" --parallel 3 --expect allow >"$T/ksf1.out" 2>&1 &
p1=$!
python3 "$CLIENT" --url "$K2/validate?timeout=30s" --cacert "$C/ca.crt" --request "$T/ksf.json" --parallel 3 --expect allow >"$T/ksf2.out" 2>&1 &
p2=$!
wait $p1 && wait $p2 && pass "keyed single-flight: 6 requests over two replicas all allowed" ||
    fail "keyed single-flight answers" "$(cat "$T/ksf1.out" "$T/ksf2.out" | head -c 800)"
sf_layers=$(layer_gets fresh/ksf:v1) sf_cfg=$(config_gets fresh/ksf:v1) sf_all=$(repo_fetches fresh/ksf)
[ "$sf_layers" = "$(nlayers fresh/ksf:v1)" ] && [ "$sf_cfg" = "$base_cfg" ] &&
    pass "keyed single-flight: layers fetched once and the config as often as one replica alone ($sf_cfg)" ||
    fail "keyed single-flight fetches" "layers $sf_layers for $(nlayers fresh/ksf:v1); config $sf_cfg, alone $base_cfg"
[ "$sf_all" -le "$base_all" ] && pass "keyed single-flight: no more registry requests in all than one judgement, 401 challenges aside ($sf_all, alone $base_all)" ||
    fail "keyed single-flight requests" "$sf_all, alone $base_all: $(grep '/v2/fresh/ksf/' "$T/registry.log" | cut -c1-200)"
s1=$(metric "$K1" portcullis_scans_started_total) s2=$(metric "$K2" portcullis_scans_started_total)
[ "$((s1 + s2 - base_scans))" = "$((base_scans - kbad_scans))" ] &&
    pass "keyed single-flight: as many scans in all as one replica alone ($((base_scans - kbad_scans)): one per run of the pod)" ||
    fail "keyed single-flight scans" "K1 $s1, K2 $s2; alone $((base_scans - kbad_scans))"

# forged and damaged values are misses: judged again, never believed
vok=$(verdict_keys fresh/ksf | head -1)
[ -n "$(verdict_keys fresh/kbad)" ] && [ -n "$vok" ] || { fail "keyed: verdict keys" "none for kbad or ksf"; exit 1; }
r3 --raw GET "$vok" | head -c -1 >"$T/allow.bin"
for k in $(verdict_keys fresh/kbad); do # an allow moved onto the bad image's keys (its MAC names another key)
    r3 -x SET "$k" <"$T/allow.bin" >/dev/null
done
tkey() { echo "portcullis:v1:tag:$(printf 'tag|%s' "$R/$1" | sha256sum | cut -c1-64)"; }
r3 --raw GET "$(tkey fresh/ksf:v1)" | head -c -1 | r3 -x SET "$(tkey fresh/kbad:v1)" >/dev/null # the tag too
[ "$(r3 --raw GET "$(tkey fresh/kbad:v1)" | head -c 4)" = PCR2 ] && pass "keyed: the tag's key is sha256(tag|REFERENCE)" ||
    fail "keyed: tag key" "$(r3 --scan --pattern 'portcullis:v1:tag:*')"
for k in $(verdict_keys fresh/ksf); do # a damaged verdict under a MAC that holds: the codec refuses it
    python3 - "$T/rkey" "$k" >"$T/forged.bin" <<'PY'
import hashlib, hmac, sys
key = open(sys.argv[1], "rb").read().rstrip(b"\r\n")
body = b"PCVD\x01\x00\x00\x00\x04\x00\x00\x00junk" + b"\x00" * 32
digest = hashlib.sha256(sys.argv[2].encode() + b"\0" + body).digest()
sys.stdout.buffer.write(b"PCR2" + hmac.new(key, digest, hashlib.sha256).digest() + body)
PY
    r3 -x SET "$k" <"$T/forged.bin" >/dev/null
done
webhook_start K3 --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL3" --redis-key "$T/rkey" || exit 1
K3=$WH_URL
review kb3 uid-kb-3 "$R/fresh/kbad:v1"
review ksf3 uid-ksf-3 "$R/fresh/ksf:v1"
send_pair "keyed: an allow and a tag moved onto the bad image's keys are not believed" deny "$K3/validate?timeout=30s" "$T/kb3.json" \
    "keyed: a damaged verdict under a good MAC is judged again" allow "$K3/validate?timeout=30s" "$T/ksf3.json"
[ "$(metric "$K3" portcullis_scans_started_total)" = 4 ] &&
    [ "$(metric "$K3" 'portcullis_cache_lookups_total{cache="verdict_redis",result="hit"}')" = 0 ] &&
    pass "keyed: all recomputed (2 images x 2 runs: 4 scans, no verdict_redis hit)" ||
    fail "keyed: recomputed" "$(curl -s --cacert "$C/ca.crt" "$K3/metrics" | grep -e cache_lookups -e scans_started)"
r3 --raw GET "$vok" | head -c -1 >"$T/now.bin"
[ "$(head -c 4 "$T/now.bin")" = PCR2 ] && ! cmp -s "$T/forged.bin" "$T/now.bin" && grep -aq fresh/ksf "$T/now.bin" &&
    pass "keyed: the damaged value was replaced by a good verdict" || fail "keyed: replaced" "still the forged bytes"

# without --redis-key nothing of the verdicts is read, even from the same db
u0=$(repo_reqs fresh/kbase)
webhook_start U1 --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL3" || exit 1
U1=$WH_URL
review ku1 uid-ku-1 "$R/fresh/kbase:v1"
send "no key: U1 judges the clean image" allow "$U1/validate?timeout=30s" "$T/ku1.json"
u1=$(repo_reqs fresh/kbase)
[ "$u1" -gt "$u0" ] && [ "$(metric "$U1" portcullis_scans_started_total)" = 2 ] &&
    pass "no key: no verdict nor tag read from Redis (U1 asked the registry, $u0 → $u1, and scanned)" ||
    fail "no key: nothing read" "$u0 → $u1 requests, $(metric "$U1" portcullis_scans_started_total) scans"
curl -s --cacert "$C/ca.crt" "$U1/metrics" | grep -q 'cache="verdict_redis",result="hit"} 0' &&
    pass "no key: verdict_redis hits 0" || fail "no key: verdict_redis" "$(curl -s --cacert "$C/ca.crt" "$U1/metrics" | grep verdict_redis)"
grep -q 'verdicts and tag resolutions need --redis-key' "$T/U1.log" && pass "no key: the warning says only facts are shared" ||
    fail "no key warning" "$(grep warn "$T/U1.log" | head -3)"

# an exception that ends: the verdict it waived a finding of is not kept
# past its end (the end of its day, UTC), here or on Redis, though
# --cache-ttl (24h, the most it takes) would keep it longer. (Within a
# minute of midnight, wait for the new day: the exception must outlive
# the scan, and end well before 24h.)
sod=$(($(date -u +%s) % 86400))
if [ "$sod" -gt 86340 ]; then sleep $((86400 - sod + 15)); elif [ "$sod" -lt 15 ]; then sleep $((15 - sod)); fi
fresh_image k-ex bad fresh/kex:v1
today=$(date -u +%Y-%m-%d)
printf '{"exceptions": [{"images": ["%s/fresh/kex"], "checks": ["setuid-file"], "reason": "T-9", "expires": "%s"}]}\n' "$R" "$today" >"$T/ex.json"
webhook_start E1 --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$URL3" --redis-key "$T/rkey" \
    --cache-ttl 24h --exceptions "$T/ex.json" || exit 1
E1=$WH_URL
review kex uid-kex "$R/fresh/kex:v1"
send "expiring exception: E1 judges the image (denied still, for its other findings)" deny "$E1/validate?timeout=30s" "$T/kex.json"
left=$((($(date -u -d "$today + 1 day" +%s) - $(date -u +%s)) * 1000))
kx=$(verdict_keys fresh/kex | head -1)
pttl=$([ -n "$kx" ] && r3 PTTL "$kx")
[ -n "$pttl" ] && [ "$pttl" -gt 0 ] && [ "$pttl" -le $((left + 2000)) ] && [ $((left + 2000)) -lt 86390000 ] &&
    pass "expiring exception: the verdict expires with the exception (end of $today UTC), not after --cache-ttl 24h (PTTL $pttl ms, $left ms left)" ||
    fail "expiring exception: verdict ttl" "PTTL '$pttl', the exception ends in $left ms, key '$kx'"

# --- Redis down: each replica scans on its own; back: used again
fresh_image k-dn bad fresh/kdn:v1
fresh_image k-up clean fresh/kup:v1
stop_pid "$REDIS_PID" KILL >/dev/null 2>&1
wait_until 10 sh -c "! redis-cli -p $RP PING >/dev/null 2>&1" || true
review dn1 uid-dn-1 "$R/app/clean:v1"
send "Redis down: A still judges (clean allowed)" allow "$A/validate?timeout=30s" "$T/dn1.json"
review dn2 uid-dn-2 "$R/app/bad:v1"
fill "$REQ/pod.json" "$T/dn2.json" uid-dn-2 team-a "$R/app/down:v1" "$R/app/bad:v1"
send "Redis down: B still denies bad" deny "$B/validate?timeout=30s" "$T/dn2.json"
review kdn1 uid-kdn-1 "$R/fresh/kdn:v1"
review kdn2 uid-kdn-2 "$R/fresh/kdn:v1"
send_pair "Redis down: keyed K1 denies a new bad image" deny "$K1/validate?timeout=30s" "$T/kdn1.json" \
    "Redis down: keyed K2 denies it too, on its own" deny "$K2/validate?timeout=30s" "$T/kdn2.json"
[ "$(metric "$A" portcullis_redis_up)" = 0 ] && pass "Redis down: portcullis_redis_up 0" || fail "redis_up 0" "$(metric "$A" portcullis_redis_up)"
[ "$(metric "$A" 'portcullis_errors_total{kind="redis"}')" -ge 1 ] && pass "Redis down: errors_total{kind=redis}" ||
    fail "errors_total redis" "$(curl -s --cacert "$C/ca.crt" "$A/metrics" | grep errors_total)"
[ "$(ready_field "$A" redis)" = down ] && [ "$(ready_field "$A" ready)" = true ] &&
    pass "Redis down: /readyz says so and stays ready" || fail "/readyz redis down" "$(curl -s --cacert "$C/ca.crt" "$A/readyz")"
redis_up
sleep 1.2 # (the one-second back-off after a failure)
fill "$REQ/pod.json" "$T/up1.json" uid-up-1 team-a "$R/app/down:v1" "$R/app/down:v1"
send "Redis back: A judges a new image" deny "$A/validate?timeout=30s" "$T/up1.json"
wait_until 10 sh -c "[ \"\$(curl -s --cacert '$C/ca.crt' '$A/metrics' | awk '\$1 == \"portcullis_redis_up\" {print \$2}')\" = 1 ]" &&
    pass "Redis back: portcullis_redis_up 1 again" || fail "redis back" "$(metric "$A" portcullis_redis_up)"
[ "$(rcli --scan --pattern 'portcullis:facts:*' | wc -l)" -ge 1 ] && pass "Redis back: facts written again" ||
    fail "facts after recovery" "none"
review kup1 uid-kup-1 "$R/fresh/kup:v1"
send "Redis back: keyed K1 allows a new image" allow "$K1/validate?timeout=30s" "$T/kup1.json"
[ -n "$(verdict_keys fresh/kup)" ] && pass "Redis back: K1's verdict written again" || fail "Redis back: verdict" "none in db 3"
up0=$(repo_reqs fresh/kup)
review kup2 uid-kup-2 "$R/fresh/kup:v1"
send "Redis back: keyed K2 allows it" allow "$K2/validate?timeout=30s" "$T/kup2.json"
[ "$(repo_reqs fresh/kup)" = "$up0" ] && pass "Redis back: K2 answers from K1's verdict (no registry request)" ||
    fail "Redis back: K2 from Redis" "$up0 → $(repo_reqs fresh/kup) requests"

# --- secrets and bad URLs
grep -l -e "$SECRET" -e 0123456789abcdef0123456789abcdef "$T"/*.log "$T"/*.out 2>/dev/null | grep -v redis.log >"$T/leak" || true
[ -s "$T/leak" ] && fail "password never logged" "in $(cat "$T/leak")" || pass "password never logged"
for u in "redis://127.0.0.1" "redis://127.0.0.1:0" "http://x:1" "redis://h:1/x"; do
    "$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --listen 127.0.0.1:0 --redis-url "$u" >"$T/bad.out" 2>"$T/bad.err" &
    bp=$!
    wait_until 20 exited "$bp"
    wait "$bp"
    rc=$?
    [ "$rc" -ne 0 ] && grep -q -- '--redis-url' "$T/bad.err" && pass "refused: $u" || fail "refused: $u" "rc $rc $(head -c 300 "$T/bad.err")"
done
"$WH" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --listen 127.0.0.1:0 --redis-url "redis://user:$SECRET@127.0.0.1:0" >"$T/bad.out" 2>"$T/bad.err"
grep -q "$SECRET" "$T/bad.err" && fail "bad URL message hides the password" "$(cat "$T/bad.err")" || pass "bad URL message hides the password"
