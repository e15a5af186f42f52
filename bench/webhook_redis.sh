#!/bin/sh
# bench/webhook_redis.sh — `make bench-redis`: two portcullis-webhook
# replicas sharing one redis-server, a burst of admissions for 20 images
# neither has seen, spread over both; how many times each image was
# scanned in all (see bench/README.md, "Replicas sharing Redis").
#
# Two rounds, each with 20 images of its own: facts only (--redis-url, no
# --redis-key: layer facts shared, verdicts per replica) and everything
# shared (--redis-key: facts, tag resolutions and verdicts). Each image is
# asked for 4 times at once (2 ImageReviews on each replica). Printed:
# scans started (portcullis_scans_started_total over both replicas),
# per-image config and layer blob GETs (the registry's access log), the
# burst's wall time. Measured, never asserted: exit 0 unless the bench
# itself broke.
#
# usage: sh bench/webhook_redis.sh [BUILD]   (BUILD: build/, release binaries)
# env:   BENCH_IMAGES=N  images per round (default 20)
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $B in /*) BUILD=$B ;; *) BUILD="$ROOT/$B" ;; esac
[ -x "$BUILD/portcullis-webhook" ] || { echo "bench-redis: $BUILD/portcullis-webhook missing (make all)" >&2; exit 2; }
N=${BENCH_IMAGES:-20}
export PC_BUILD="$BUILD" PC_ROOT="$ROOT" PC_WORK="${TMPDIR:-/tmp}"
export PORTCULLIS_DATADIR="$ROOT"
# the tests' harness: PKI, a TLS registry with auth and its access log, webhooks
. "$ROOT/tests/lib.sh"
harness pki registry webhook
for tool in redis-server redis-cli docker-registry skopeo openssl python3 htpasswd jq curl; do
    command -v $tool >/dev/null 2>&1 || { echo "bench-redis: $tool not installed (scripts/deps.sh)" >&2; exit 2; }
done
isolate
pki_init >/dev/null || { echo "bench-redis: openssl failed" >&2; exit 2; }
CERTS="$T/certs.d"
pki_certdir "$CERTS"
registry_user
registry_start registry --htpasswd "$T/htpasswd" --accesslog || { echo "bench-redis: no registry" >&2; exit 2; }
R=$REG_HOST
write_authfile "$R"
RP=$(free_port)
spawn "$T/redis.log" redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no
wait_up "$LAST_PID" 30 sh -c "redis-cli -p $RP PING 2>/dev/null | grep -q PONG" || { echo "bench-redis: no redis" >&2; exit 2; }
od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$T/rkey"
chmod 0600 "$T/rkey"

# image ROUND I: the clean fixture with a file of its own, as bench/ROUND-I:v1
image() {
    jq --arg s "$1-$2" '.images[0].layers[0].entries += [{"path": ("bench-" + $s), "type": "file", "content": $s}]' \
        "$ROOT/fixtures/specs/clean.json" >"$T/spec.json" &&
        "$FB" "$T/spec.json" "$T/img-$1-$2" >"$T/fb.log" 2>&1 &&
        registry_push "img-$1-$2" "bench/$1-$2:v1" || { echo "bench-redis: image $1-$2: $(cat "$T/fb.log" "$T/push.log")" >&2; exit 2; }
}

gets() { grep -c "\"GET /v2/bench/$1/blobs/$2 " "$T/registry.log"; }

# round NAME DB [webhook flags]: start two replicas on db DB, the burst, the figures
round() {
    _name=$1 _db=$2
    shift 2
    _i=1
    while [ $_i -le "$N" ]; do image "$_name" $_i; _i=$((_i + 1)); done
    _url="redis://127.0.0.1:$RP/$_db"
    set -- --max-conns-per-ip 0 --max-connections 256 "$@"
    webhook_start "$_name-1" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$_url" "$@" || exit 2
    _w1=$WH_URL
    webhook_start "$_name-2" --tls-cert "$C/server.crt" --tls-key "$C/server.key" --redis-url "$_url" "$@" || exit 2
    _w2=$WH_URL
    _pids="" _t0=$(now_ms) _i=1
    while [ $_i -le "$N" ]; do
        _img="$R/bench/$_name-$_i:v1"
        fill "$REQ/imagereview.json" "$T/req-$_name-$_i.json" "" team-a "$_img" "$_img"
        for _w in "$_w1" "$_w2"; do
            python3 "$CLIENT" --url "$_w/imagereview?timeout=30s" --cacert "$C/ca.crt" \
                --request "$T/req-$_name-$_i.json" --parallel 2 --expect allow >"$T/out-$_name-$_i-${_w##*:}" 2>&1 &
            _pids="$_pids $!"
        done
        _i=$((_i + 1))
    done
    _bad=0
    for _p in $_pids; do wait "$_p" || _bad=$((_bad + 1)); done
    _ms=$(($(now_ms) - _t0))
    _s1=$(metric "$_w1" portcullis_scans_started_total) _s2=$(metric "$_w2" portcullis_scans_started_total)
    _cfg=0 _lay=0 _once=0 _i=1
    while [ $_i -le "$N" ]; do
        _m=$(registry_manifest "$R/bench/$_name-$_i:v1")
        _c=$(gets "$_name-$_i" "$(echo "$_m" | jq -r .config.digest)")
        _l=0
        for _d in $(echo "$_m" | jq -r '.layers[].digest'); do _l=$((_l + $(gets "$_name-$_i" "$_d"))); done
        _cfg=$((_cfg + _c)) _lay=$((_lay + _l))
        [ "$_l" = 1 ] && _once=$((_once + 1))
        _i=$((_i + 1))
    done
    _vh=$(metric "$_w1" 'portcullis_cache_lookups_total{cache="verdict_redis",result="hit"}')
    _vh2=$(metric "$_w2" 'portcullis_cache_lookups_total{cache="verdict_redis",result="hit"}')
    printf '%-22s %6s %9s %9s %11s %11s %10s %8s\n' "$_name" "$N" "$((_s1 + _s2))" \
        "$(echo "$_s1 $_s2 $N" | awk '{printf "%.2f", ($1 + $2) / $3}')" "$_cfg" "$_lay ($_once)" \
        "$((${_vh:-0} + ${_vh2:-0}))" "$_ms"
    [ "$_bad" = 0 ] || echo "bench-redis: $_bad clients did not get an allow (see $T)" >&2
}

echo "bench-redis: $N new images per round, 4 ImageReviews each at once (2 per replica), $(nproc) cores"
printf '%-22s %6s %9s %9s %11s %11s %10s %8s\n' round images scans per-image config-GETs "layer-GETs (once)" verdict-hits burst-ms
round facts-only 4
round verdicts 5 --redis-key "$T/rkey"
