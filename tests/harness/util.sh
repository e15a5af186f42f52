# tests/harness/util.sh — the small helpers the integration tests share
# (sourced by tests/lib.sh, so every suite has them; the other
# tests/harness/ modules build on them). POSIX sh. Only need_tools prints
# (a FAIL line): the suites judge.
#
# Processes: spawn, track, stop_pid, harness_cleanup (tests/lib.sh runs it
# on exit: everything spawned or tracked is killed).
# Waiting, always on the event, in bounded polls (never a fixed sleep):
# wait_until, wait_up, answers, listens, exited, now_ms.
# Odds and ends: free_port, b64, status_of, need_tools, isolate, fetch (Debian
# packages into .cache/debs), fill and fill_task (fixtures/requests
# placeholders), metric (one series of a webhook's /metrics), scans_idle.

# --- processes: every one started here is killed when the suite exits
PIDS=${PIDS:-}

# spawn LOG CMD...: CMD in the background, stdout and stderr into LOG;
# sets LAST_PID
spawn() {
    _sp_log=$1
    shift
    "$@" >"$_sp_log" 2>&1 &
    LAST_PID=$!
    PIDS="$PIDS $LAST_PID"
}

# track PID: kill PID on exit too (a process started some other way)
track() { PIDS="$PIDS $1"; }

# stop_pid PID [SIGNAL]: sends SIGNAL (TERM) and waits; returns PID's exit status
stop_pid() {
    PIDS=$(echo " $PIDS " | sed "s/ $1 / /g")
    kill -"${2:-TERM}" "$1" 2>/dev/null
    wait "$1"
}

harness_cleanup() {
    for _hc_p in $PIDS; do kill "$_hc_p" 2>/dev/null; done
    for _hc_p in $PIDS; do wait "$_hc_p" 2>/dev/null; done
    PIDS=""
    # UndefinedBehaviorSanitizer writes its reports to stderr whatever
    # log_path says (gcc's ASan+UBSan runtime): a process whose exit
    # status no check reads (a webhook, its helper processes) leaves them
    # in its log only
    for _hc_f in "$T"/*.log "$T"/*.err "$T"/err; do
        [ -f "$_hc_f" ] && grep -q ': runtime error: ' "$_hc_f" &&
            fail "sanitizer: an UndefinedBehaviorSanitizer report in $(basename "$_hc_f")" \
                "$(grep -m 3 -A 4 ': runtime error: ' "$_hc_f" | head -c 1500)"
    done
}

# --- waiting
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_until SECONDS CMD...: runs CMD every 0.1 s until it succeeds; 1 if
# it has not within SECONDS
wait_until() {
    _wu_end=$(($(now_ms) + $1 * 1000))
    shift
    while :; do
        "$@" && return 0
        [ "$(now_ms)" -lt "$_wu_end" ] || return 1
        sleep 0.1
    done
}

# wait_up PID SECONDS CMD...: as wait_until, and gives up at once when the
# process PID (the one that should make CMD succeed) has exited
wait_up() {
    _wp_pid=$1
    _wp_end=$(($(now_ms) + $2 * 1000))
    shift 2
    while :; do
        "$@" && return 0
        kill -0 "$_wp_pid" 2>/dev/null || return 1
        [ "$(now_ms)" -lt "$_wp_end" ] || return 1
        sleep 0.1
    done
}

# exited PID: the process PID is gone
exited() { ! kill -0 "$1" 2>/dev/null; }

# answers URL [curl args...]: an HTTP answer (any status) comes from URL
answers() {
    _an_url=$1
    shift
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$@" "$_an_url" 2>/dev/null)" != 000 ]
}

# listens PORT: something accepts TCP connections on 127.0.0.1:PORT
listens() {
    python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
        "$1" 2>/dev/null
}

# --- odds and ends
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

b64() { printf '%s' "$1" | base64 | tr -d '\n'; }

# status_of PID FIELD: a field of /proc/PID/status ("Seccomp", "PPid", ...)
status_of() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# need_tools TOOL...: each on PATH, or a FAIL line and exit
need_tools() {
    for _nt in "$@"; do
        command -v "$_nt" >/dev/null 2>&1 || { fail "tool $_nt" "not installed (scripts/deps.sh)"; exit 1; }
    done
}

# isolate: no proxies (nothing may leave 127.0.0.1), none of the user's
# registry credentials, a HOME of the test's own
isolate() {
    unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY REGISTRY_AUTH_FILE
    export no_proxy='*' NO_PROXY='*'
    export HOME="$T/home"
    mkdir -p "$HOME"
}

# fetch_all PKG...: the .debs of every PKG not yet in $DEBS (.cache/debs,
# kept between runs), with one `apt-get download` (a start of apt-get
# costs about a second: 170 packages one by one were most of a clean
# run's download time), apt-get update at most once per run, when needed.
# Under a lock: suites in other lanes may fetch the same package, and
# apt-get update takes apt's own lock. Best effort: fetch PKG says
# whether PKG is there.
DEBS=${DEBS:-${PC_ROOT:-.}/.cache/debs}
fetch_all() {
    mkdir -p "$DEBS"
    (
        flock 9
        _miss=
        for _p in "$@"; do
            ls "$DEBS"/"$_p"_*.deb >/dev/null 2>&1 || _miss="$_miss $_p"
        done
        [ -n "$_miss" ] || exit 0
        # shellcheck disable=SC2086 # package names: split on purpose
        (cd "$DEBS" && apt-get download $_miss >/dev/null 2>&1) && exit 0
        _fu="${PC_WORK:-$DEBS}/.apt-updated"
        [ -f "$_fu" ] || { apt-get update -q >/dev/null 2>&1; : >"$_fu"; }
        # shellcheck disable=SC2086
        (cd "$DEBS" && apt-get download $_miss >/dev/null 2>&1)
    ) 9>"$DEBS/.lock"
    return 0
}

# fetch PKG: PKG's .deb in $DEBS (fetch_all); non-zero when it is not there
fetch() {
    fetch_all "$1"
    ls "$DEBS"/"$1"_*.deb >/dev/null 2>&1
}

# fill TEMPLATE OUT UID NAMESPACE IMAGE INIT_IMAGE [OLD_IMAGE]: a review
# from fixtures/requests (placeholders @UID@ @NAMESPACE@ @IMAGE@
# @INIT_IMAGE@ @OLD_IMAGE@)
fill() {
    sed -e "s#@UID@#$3#g" -e "s#@NAMESPACE@#$4#g" -e "s#@IMAGE@#$5#g" -e "s#@INIT_IMAGE@#$6#g" \
        -e "s#@OLD_IMAGE@#${7:-}#g" "$1" >"$2"
}

# fill_task TEMPLATE OUT IMAGE [IMAGE2]: a TES task from
# fixtures/requests/tes (placeholders @IMAGE@ @IMAGE2@)
fill_task() {
    LC_ALL=C sed -e "s#@IMAGE@#$3#g" -e "s#@IMAGE2@#${4:-}#g" "$1" >"$2"
}

# metric URL SERIES [curl args...]: the value of the exact SERIES in
# URL/metrics (a webhook, served with a certificate from the test CA $C)
metric() {
    _mt_url=$1 _mt_s=$2
    shift 2
    curl -s --cacert "$C/ca.crt" "$@" "$_mt_url/metrics" | awk -v s="$_mt_s" '$1 == s { print $2 }'
}

# scans_idle URL: the webhook at URL has no scan in flight
scans_idle() { [ "$(metric "$1" portcullis_scans_in_flight)" = 0 ]; }
