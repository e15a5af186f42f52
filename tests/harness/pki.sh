# tests/harness/pki.sh — the tests' one PKI (sourced). POSIX sh, openssl.
#
#   pki_init [DIR]            a CA (ca.crt, ca.key) and a serving certificate
#                             for 127.0.0.1 and localhost (server.crt,
#                             server.key) in DIR (default $T/pki); sets C
#   pki_issue NAME SAN [rsa]  $C/NAME.crt and NAME.key signed by the CA, for
#                             server and client auth, subjectAltName SAN
#                             (e.g. "DNS:client"); EC P-256 keys, RSA 2048
#                             with "rsa" (the token server signs RS256)
#   pki_certdir DIR [NAME]    a certs.d directory (--cert-dir, skopeo's
#                             --cert-dir): the CA, and NAME's certificate
#                             as a client pair (client.cert, client.key)
#
# Every function returns non-zero when openssl failed.

pki_init() {
    C=${1:-$T/pki}
    mkdir -p "$C"
    # each CA its own subject: OpenSSL finds an issuer by subject name
    # (hash links, stores), so two CAs of one name would shadow each other
    _pk_id=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/ca.key" \
        -out "$C/ca.crt" -days 2 -subj "/CN=portcullis test CA $_pk_id" >/dev/null 2>&1 &&
        pki_issue server "IP:127.0.0.1,DNS:localhost"
}

pki_issue() {
    if [ "${3:-}" = rsa ]; then
        set -- "$1" "$2" -newkey rsa:2048
    else
        set -- "$1" "$2" -newkey ec -pkeyopt ec_paramgen_curve:P-256
    fi
    _pk_name=$1 _pk_san=$2
    shift 2
    openssl req "$@" -nodes -keyout "$C/$_pk_name.key" -out "$C/$_pk_name.csr" \
        -subj "/CN=$_pk_name" >/dev/null 2>&1 || return 1
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$_pk_san" >"$C/$_pk_name.ext"
    openssl x509 -req -in "$C/$_pk_name.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial \
        -out "$C/$_pk_name.crt" -days 2 -extfile "$C/$_pk_name.ext" >/dev/null 2>&1 &&
        [ -s "$C/$_pk_name.crt" ]
}

pki_certdir() {
    mkdir -p "$1" && cp "$C/ca.crt" "$1/ca.crt" || return 1
    [ -z "${2:-}" ] || { cp "$C/$2.crt" "$1/client.cert" && cp "$C/$2.key" "$1/client.key"; }
}
