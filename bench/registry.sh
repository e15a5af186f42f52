# bench/registry.sh — a local TLS registry for the bench (sourced by
# bench/run.sh, which sets ROOT). The tests' own harness
# (tests/harness/pki.sh and registry.sh: the CNCF registry, docker-registry,
# on 127.0.0.1 with TLS from a CA made here), without auth and with the
# access log on (the bench counts layer blob fetches in it). The storage
# lives in .cache/bench/registry so a second run pushes nothing new.
#
#   reg_start WORKDIR STORAGE   sets REG_HOST, REG_CERTS (certs.d: ca.crt),
#                               REG_LOG, REG_PID; returns 1 if it is not up
#   reg_push SRC NAME           skopeo copy SRC docker://$REG_HOST/NAME
#   reg_stop                    kills the registry started here

. "$ROOT/tests/harness/util.sh"
. "$ROOT/tests/harness/pki.sh"
. "$ROOT/tests/harness/registry.sh"

reg_start() {
    T=$1 # the harness's working directory: certificates, configuration, log
    mkdir -p "$T" "$2"
    REG_LOG="$T/registry.log"
    REG_CERTS="$T/certs.d"
    pki_init "$T/pki" && pki_certdir "$REG_CERTS" || return 1
    registry_start registry --storage "$2" --accesslog
}

reg_push() {
    skopeo copy -q --preserve-digests --dest-cert-dir "$REG_CERTS" "$1" "docker://$REG_HOST/$2"
}

reg_stop() {
    [ -n "${REG_PID:-}" ] || return 0
    stop_pid "$REG_PID" 2>/dev/null
    REG_PID=""
}
