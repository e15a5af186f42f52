#!/bin/sh
# bench/webhook.sh — `make bench-webhook` (and the last part of `make
# bench`): portcullis-webhook answering cached verdicts over keep-alive TLS,
# next to nginx answering the same POST with a fixed body of the same
# bytes, on the same certificate, in the same run (issue 20).
#
#   1. a PKI, a TLS registry with auth and the `clean` fixture pushed (the
#      tests' harness, tests/harness/), pinned by digest;
#   2. the webhook (BUILD/portcullis-webhook, --threads default: online
#      CPUs) scans it once: every later review of it is a cached verdict;
#      its answer to the review is kept, byte for byte;
#   3. nginx (worker_processes auto: online CPUs) on the same certificate
#      and key, `return 200` of those bytes for the same POST path;
#   4. wrk (bench/webhook.lua: the AdmissionReview, compact as the
#      apiserver writes it, POSTed over keep-alive
#      connections) against each in turn, BENCH_WH_ROUNDS times; the
#      median round of each is reported with the ratios to the goals
#      (webhook requests/s at least 0.5x nginx's, p99 at most 2x).
#
# Figures only: nothing here fails on a slow result (exit 0 unless the
# bench itself broke). Measured, never asserted in the tests.
#
# usage: sh bench/webhook.sh [BUILD]        (BUILD: build/)
# env:   BENCH_WH_THREADS=N   wrk threads (default 2)
#        BENCH_WH_CONNS=N     wrk connections (default 32)
#        BENCH_WH_SECS=N      seconds per wrk run (default 10)
#        BENCH_WH_ROUNDS=N    rounds, each webhook then nginx (default 5)
#        BENCH_WH_ARGS="..."  more webhook flags (e.g. --threads 1)
#        BENCH_KEEP=1         keep the temporary directory (logs, configs)
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $B in /*) BUILD=$B ;; *) BUILD="$ROOT/$B" ;; esac
for f in portcullis-webhook fixture-builder; do
    [ -x "$BUILD/$f" ] || { echo "bench-webhook: $BUILD/$f missing (make all)" >&2; exit 2; }
done
for tool in nginx wrk docker-registry skopeo openssl htpasswd jq curl python3; do
    command -v $tool >/dev/null 2>&1 || { echo "bench-webhook: $tool not installed (scripts/deps.sh)" >&2; exit 2; }
done
WRK_T=${BENCH_WH_THREADS:-2}
WRK_C=${BENCH_WH_CONNS:-32}
SECS=${BENCH_WH_SECS:-10}
ROUNDS=${BENCH_WH_ROUNDS:-5}

T=$(mktemp -d "${TMPDIR:-/tmp}/portcullis-bench-wh.XXXXXX")
PC_ROOT=$ROOT
PC_BUILD=$BUILD
# the harness's assertion helpers print; here a failure is a broken bench
pass() { :; }
fail() { echo "bench-webhook: $1: $2" >&2; }
. "$ROOT/tests/harness/util.sh"
. "$ROOT/tests/harness/pki.sh"
. "$ROOT/tests/harness/registry.sh"
. "$ROOT/tests/harness/webhook.sh"
FB="$BUILD/fixture-builder"
build_fixture() {
    "$FB" "$ROOT/fixtures/specs/$1.json" "$T/$1" >"$T/fb.log" 2>&1 ||
        { fail "fixture $1" "$(head -c 600 "$T/fb.log")"; return 1; }
}
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    harness_cleanup
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench-webhook: kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

registry_up
build_fixture clean && registry_push clean bench/clean:v1 || exit 2
write_authfile "$R"
IMG="$R/bench/clean@sha256:$(registry_digest "$R/bench/clean:v1")"
fill "$ROOT/fixtures/requests/pod.json" "$T/review.pretty.json" bench-uid default "$IMG" "$IMG"
# compact, as the apiserver sends it (Go's encoding/json writes no
# whitespace); both servers are sent these bytes
jq -c . "$T/review.pretty.json" | tr -d '\n' >"$T/review.json" || exit 2

# shellcheck disable=SC2086 # BENCH_WH_ARGS: flags, split on purpose
webhook_start wh --tls-cert "$C/server.crt" --tls-key "$C/server.key" --max-connections 256 \
    --max-conns-per-ip 0 ${BENCH_WH_ARGS:-} || exit 2
WH_BENCH_PID=$WH_PID
URL="https://127.0.0.1:$WH_PORT/validate?timeout=10s"
# the scan, once; then its cached answer, kept as nginx's fixed body
code=$(curl -s -o "$T/first.json" -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
    --data-binary "@$T/review.json" "$URL")
[ "$code" = 200 ] && jq -e '.response.allowed == true' "$T/first.json" >/dev/null ||
    { echo "bench-webhook: the first review was not allowed ($code): $(head -c 600 "$T/first.json")" >&2; exit 2; }
curl -s -o "$T/body" --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
    --data-binary "@$T/review.json" "$URL"
hits=$(metric "https://127.0.0.1:$WH_PORT" portcullis_cache_hits_total)
[ "${hits:-0}" -ge 1 ] || { echo "bench-webhook: the second review was not a cache hit" >&2; exit 2; }
# nginx's `return` text: no quote, backslash or $ (a variable) may be in it
if grep -q "[\\\\'\$]" "$T/body"; then
    echo "bench-webhook: the answer holds a character nginx's return text cannot: $(cat "$T/body")" >&2
    exit 2
fi
BODY_LEN=$(wc -c <"$T/body")
scans0=$(metric "https://127.0.0.1:$WH_PORT" portcullis_scans_started_total)

P_NGX=$(free_port)
mkdir -p "$T/nginx"
cat >"$T/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $T/nginx/body;
    proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi;
    uwsgi_temp_path $T/nginx/uwsgi;
    scgi_temp_path $T/nginx/scgi;
    keepalive_requests 1000000;
    client_max_body_size 4m;
    client_body_buffer_size 64k;
    server {
        listen 127.0.0.1:$P_NGX ssl;
        ssl_certificate $C/server.crt;
        ssl_certificate_key $C/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location = /validate {
            default_type application/json;
            add_header Cache-Control no-store;
            return 200 '$(cat "$T/body")';
        }
    }
}
EOF
spawn "$T/nginx/out" nginx -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log"
NGX_PID=$LAST_PID
wait_up "$NGX_PID" 30 answers "https://127.0.0.1:$P_NGX/validate" --cacert "$C/ca.crt" ||
    { echo "bench-webhook: nginx did not start: $(cat "$T/nginx/out" "$T/nginx/error.log")" >&2; exit 2; }
curl -s -o "$T/ngx_body" --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
    --data-binary "@$T/review.json" "https://127.0.0.1:$P_NGX/validate?timeout=10s"
cmp -s "$T/body" "$T/ngx_body" || { echo "bench-webhook: nginx does not answer the same bytes" >&2; exit 2; }

# cpu_ticks PID: user + system clock ticks of PID and of its children
# (nginx's workers), from /proc/PID/stat
cpu_ticks() {
    for _ct_p in $1 $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
        # fields after the ")" that ends the command: utime is the 12th, stime the 13th
        sed 's/.*) //' "/proc/$_ct_p/stat" 2>/dev/null | awk '{ print $12 + $13 }'
    done | awk '{ s += $1 } END { print s + 0 }'
}
TCK=$(getconf CLK_TCK)
# one wrk run: NAME URL PID -> a JSON line, with the server's CPU time per
# request (µs: PID's and its children's user + system time over the run,
# divided by the requests wrk completed; steadier than requests/s on a
# shared machine, though in 1/CLK_TCK steps)
bench_one() {
    _bo_c0=$(cpu_ticks "$3")
    BENCH_BODY="$T/review.json" wrk -t"$WRK_T" -c"$WRK_C" -d"${SECS}s" --timeout 10s \
        -s "$ROOT/bench/webhook.lua" "$2" >"$T/$1.txt" 2>&1
    _bo_c1=$(cpu_ticks "$3")
    sed -n 's/^BENCH_JSON //p' "$T/$1.txt" | tail -1 |
        jq -c --argjson t $((_bo_c1 - _bo_c0)) --argjson hz "$TCK" \
            '. + {cpu_us_per_req: (if .requests > 0 then $t * 1e6 / $hz / .requests else null end)}'
}
: >"$T/runs"
r=1
while [ $r -le "$ROUNDS" ]; do
    bench_one "wh.$r" "$URL" "$WH_BENCH_PID" | jq -c --argjson r $r '. + {server: "webhook", round: $r}' >>"$T/runs"
    bench_one "ngx.$r" "https://127.0.0.1:$P_NGX/validate?timeout=10s" "$NGX_PID" |
        jq -c --argjson r $r '. + {server: "nginx", round: $r}' >>"$T/runs"
    r=$((r + 1))
done
threads=$(jq -r 'select(.msg == "listening") | .threads // "n/a"' "$T/wh.log" | head -1)

scans=$(metric "https://127.0.0.1:$WH_PORT" portcullis_scans_started_total)
stop_pid "$WH_BENCH_PID" TERM >/dev/null 2>&1
stop_pid "$NGX_PID" TERM >/dev/null 2>&1

# the median round of each (by requests/s), the table, the goals
jq -rs --arg cpus "$(nproc)" --arg model "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" \
    --arg threads "$threads" --arg len "$BODY_LEN" --arg wrk "wrk -t$WRK_T -c$WRK_C -d${SECS}s" \
    --arg scans "${scans:-?}" '
  def med(s): [.[] | select(.server == s)] | sort_by(.rps) | .[(length - 1) / 2 | floor];
  def f(x; n): (x * pow(10; n) | round) / pow(10; n);
  (med("webhook")) as $w | (med("nginx")) as $n |
  ($w.rps / $n.rps) as $rr | ($w.p99_ms / $n.p99_ms) as $pr |
  ([group_by(.round)[] | select(length == 2) | (map(select(.server == "webhook"))[0].rps / map(select(.server == "nginx"))[0].rps)]
   | sort | .[(length - 1) / 2 | floor]) as $paired |
  "webhook bench: cached verdicts over keep-alive TLS (\($wrk), \(length / 2) rounds, medians)",
  "machine: \($cpus) online CPUs, \($model); webhook threads \($threads); answer \($len) bytes; scans (warm-up, one per run of the image) \($scans)",
  "",
  "| server | requests/s | p50 ms | p99 ms | errors | CPU µs/request |",
  "| --- | ---: | ---: | ---: | ---: | ---: |",
  "| portcullis-webhook | \(f($w.rps; 0)) | \(f($w.p50_ms; 2)) | \(f($w.p99_ms; 2)) | \($w.errors) | \(f($w.cpu_us_per_req // 0; 1)) |",
  "| nginx | \(f($n.rps; 0)) | \(f($n.p50_ms; 2)) | \(f($n.p99_ms; 2)) | \($n.errors) | \(f($n.cpu_us_per_req // 0; 1)) |",
  "",
  "requests/s ratio \(f($rr; 2))x nginx (goal >= 0.5x): \(if $rr >= 0.5 then "met" else "NOT met" end)",
  "  (each round against the nginx run right after it, the median: \(f($paired; 2))x)",
  "p99 ratio \(f($pr; 2))x nginx (goal <= 2x): \(if $pr <= 2 then "met" else "NOT met" end)",
  "",
  "every round:",
  (.[] | "  \(.server) round \(.round): \(f(.rps; 0)) req/s, p50 \(f(.p50_ms; 2)) ms, p99 \(f(.p99_ms; 2)) ms, errors \(.errors), CPU \(f(.cpu_us_per_req // 0; 1)) µs/request")
' "$T/runs" | tee "$BUILD/bench-webhook.txt"
[ "${scans:-x}" = "${scans0:-y}" ] ||
    echo "bench-webhook: warning: scans started during the runs ($scans0 before, $scans after): not every answer was cached" >&2
jq -s . "$T/runs" >"$BUILD/bench-webhook.json"
