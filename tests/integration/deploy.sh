# Integration: webhook/deploy as a cluster admin installs it, rendered
# offline with `kubectl kustomize` (issue 20). gen-certs.sh in a copy of
# webhook/deploy (the tree is never written): the default namespace, a
# chosen one with a chosen Service name (-n, -s: every object, Secret,
# webhook configuration Service reference, left-out namespace and the
# certificate's names follow), the opt-in namespace mode, cert-manager
# (CA injection, Certificate names), components/redis (--redis: Redis,
# its Service, NetworkPolicy and Secret, the webhook's --redis-* flags;
# the Secret made once and kept); every rendered object validated
# against its Kubernetes OpenAPI (or CRD) schema with ajv's validators
# from the npm packages kubernetes-models, @kubernetes-models/cert-manager
# and @kubernetes-models/prometheus-operator (installed into .cache/npm
# on first use), including a deliberately broken copy that must fail; the
# monitoring PrometheusRule's expressions checked by promtool (Debian
# prometheus, apt-get download); the matchConditions evaluated with a CEL
# implementation (npm @marcbachmann/cel-js) on reviews from
# fixtures/requests: what they skip and what they must send. No cluster
# is needed; nothing is skipped: a missing tool is a FAIL.
. "$PC_ROOT/tests/lib.sh"
need_tools kubectl python3 openssl node npm
DEP="$PC_ROOT/webhook/deploy"
cp -r "$DEP" "$T/deploy"
rm -rf "$T/deploy/generated"
CHECK="$PC_ROOT/tests/webhook/check_deploy.py"
python3 -c 'import yaml' 2>/dev/null || { fail "python3-yaml" "python3 cannot import yaml"; exit 1; }
tojson() { python3 -c 'import sys, yaml, json; json.dump([d for d in yaml.safe_load_all(open(sys.argv[1])) if d], open(sys.argv[2], "w"))' "$1" "$2"; }

# the base alone renders (no generated files needed)
kubectl kustomize "$T/deploy/base" >"$T/base.yaml" 2>"$T/err" && pass "base renders offline" ||
    fail "base renders offline" "$(head -c 600 "$T/err")"

# render NAME GEN-CERTS-ARGS...: gen-certs.sh -o $T/NAME ARGS, then kubectl kustomize
render() {
    _r=$1
    shift
    if sh "$T/deploy/gen-certs.sh" -o "$T/$_r" "$@" >"$T/$_r.log" 2>&1 &&
        kubectl kustomize "$T/$_r" >"$T/$_r.yaml" 2>"$T/$_r.err"; then
        pass "$_r: gen-certs.sh $* renders"
        tojson "$T/$_r.yaml" "$T/$_r.json"
    else
        fail "$_r: gen-certs.sh $* renders" "$(cat "$T/$_r.log" "$T/$_r.err" | head -c 800)"
        : >"$T/$_r.yaml"
        echo '[]' >"$T/$_r.json"
    fi
}

# --- default: portcullis-system, enforce everywhere, our own CA
render default
python3 "$CHECK" "$T/default.yaml" "$T/default" || fail "default install" "see above"

# --- -n team-sec -s pc-hook: everything follows (the bug of issue 20)
render other -n team-sec -s pc-hook -d 30
python3 "$CHECK" "$T/other.yaml" "$T/other" --ns team-sec --svc pc-hook | sed 's/^\(PASS\|FAIL\) deploy:/\1 -n team-sec:/'
san=$(openssl x509 -in "$T/other/tls.crt" -noout -ext subjectAltName 2>/dev/null | tail -1 | tr -d ' ')
[ "$san" = "DNS:pc-hook,DNS:pc-hook.team-sec,DNS:pc-hook.team-sec.svc,DNS:pc-hook.team-sec.svc.cluster.local" ] &&
    pass "-n team-sec: certificate names the Service in team-sec" ||
    fail "-n team-sec: certificate names the Service in team-sec" "$san"
openssl verify -CAfile "$T/other/ca.crt" "$T/other/tls.crt" >/dev/null 2>&1 &&
    pass "-n team-sec: certificate verifies against the caBundle's CA" ||
    fail "-n team-sec: certificate verifies against the caBundle's CA" "openssl verify failed"
jq_true "-n team-sec: the Secrets are in team-sec" \
    '[.[] | select(.kind == "Secret") | .metadata.namespace] | length == 2 and all(. == "team-sec")' "$T/other.json"

# --- opt-in by label, certificates from cert-manager
render optin -n team-sec --mode opt-in --cert-manager
python3 "$CHECK" "$T/optin.yaml" "$T/optin" --ns team-sec --mode opt-in --cert-manager |
    sed 's/^\(PASS\|FAIL\) deploy:/\1 opt-in, cert-manager:/'
jq_true "cert-manager: self-signed CA, CA issuer, serving certificate from it" \
    '([.[] | select(.kind == "Issuer") | .metadata.name] | sort) == ["portcullis-ca", "portcullis-selfsigned"] and ([.[] | select(.kind == "Certificate" and .metadata.name == "portcullis-webhook-tls")][0].spec.issuerRef.name == "portcullis-ca") and ([.[] | select(.kind == "Certificate" and .spec.isCA == true)] | length == 1)' "$T/optin.json"
[ ! -e "$T/optin/ca.key" ] && [ ! -e "$T/optin/secret-tls.yaml" ] &&
    pass "cert-manager: gen-certs.sh makes no CA and no TLS Secret" ||
    fail "cert-manager: gen-certs.sh makes no CA and no TLS Secret" "$(ls "$T/optin")"
# a mode check must be able to fail: opt-in rendered, checked as enforce-everywhere
python3 "$CHECK" "$T/optin.yaml" "$T/optin" --ns team-sec --cert-manager >"$T/neg" 2>&1 &&
    fail "the checker tells the modes apart" "opt-in passed as enforce-everywhere" ||
    { grep -q "FAIL deploy: own namespace and kube-system left out" "$T/neg" &&
        pass "the checker tells the modes apart" || fail "the checker tells the modes apart" "$(head -c 400 "$T/neg")"; }

# --- components/redis: a Redis the replicas share layer facts on
render redis -n team-sec --redis
python3 "$CHECK" "$T/redis.yaml" "$T/redis" --ns team-sec --redis | sed 's/^\(PASS\|FAIL\) deploy:/\1 --redis:/'
python3 "$CHECK" "$T/redis.yaml" "$T/redis" --ns team-sec >"$T/neg" 2>&1 &&
    fail "the checker tells a Redis install apart" "--redis passed as without" ||
    { grep -q "FAIL deploy: no Redis without --redis" "$T/neg" &&
        pass "the checker tells a Redis install apart" || fail "the checker tells a Redis install apart" "$(head -c 400 "$T/neg")"; }
pw1=$(cat "$T/redis/redis-password")
sh "$T/deploy/gen-certs.sh" -o "$T/redis" -n team-sec --redis >"$T/redis2.log" 2>&1 &&
    [ "$(cat "$T/redis/redis-password")" = "$pw1" ] && grep -q secret-redis.yaml "$T/redis/kustomization.yaml" &&
    pass "--redis: a second run keeps the password (running replicas keep working)" ||
    fail "--redis: a second run keeps the password" "$(cat "$T/redis2.log")"
grep -q -F "$pw1" "$T/redis.log" "$T/redis2.log" && fail "--redis: gen-certs.sh prints no password" "printed" ||
    pass "--redis: gen-certs.sh prints no password"
[ "$(stat -c %a "$T/redis/secret-redis.yaml")" = 600 ] && [ "$(stat -c %a "$T/redis/redis-password")" = 600 ] &&
    pass "--redis: the Secret and password files are the owner's only" ||
    fail "--redis: Secret file modes" "$(stat -c '%a %n' "$T/redis/"*redis*)"

# --- gen-certs.sh refuses what it cannot make valid
sh "$T/deploy/gen-certs.sh" -o "$T/bad" -n 'Team_Sec' >"$T/bad.log" 2>&1 &&
    fail "gen-certs.sh: a namespace that is not a DNS label is refused" "exit 0" ||
    { grep -q "DNS label" "$T/bad.log" && pass "gen-certs.sh: a namespace that is not a DNS label is refused" ||
        fail "gen-certs.sh: a namespace that is not a DNS label is refused" "$(cat "$T/bad.log")"; }
sh "$T/deploy/gen-certs.sh" -o "$T/bad" --mode sometimes >"$T/bad.log" 2>&1 &&
    fail "gen-certs.sh: an unknown mode is refused" "exit 0" || pass "gen-certs.sh: an unknown mode is refused"

# --- the OpenAPI schemas (ajv validators of kubernetes-models)
NPM="$PC_ROOT/.cache/npm"
PKGS="kubernetes-models@5.1.0 @kubernetes-models/cert-manager@6.0.0 @kubernetes-models/prometheus-operator@6.0.0 @marcbachmann/cel-js@8.0.0"
if [ ! -f "$NPM/node_modules/kubernetes-models/package.json" ] ||
    [ ! -f "$NPM/node_modules/@kubernetes-models/prometheus-operator/package.json" ] ||
    [ ! -f "$NPM/node_modules/@kubernetes-models/cert-manager/package.json" ] ||
    [ ! -f "$NPM/node_modules/@marcbachmann/cel-js/package.json" ]; then
    mkdir -p "$NPM"
    (cd "$NPM" && npm install --no-audit --no-fund --loglevel=error --prefix . $PKGS) >"$T/npm.log" 2>&1 ||
        { fail "npm install $PKGS" "$(tail -c 800 "$T/npm.log")"; exit 1; }
fi
pass "schema packages in .cache/npm"
V="$PC_ROOT/tests/webhook/validate_k8s.mjs"
kubectl kustomize "$T/deploy/monitoring" >"$T/mon.yaml" 2>"$T/err" || fail "monitoring renders" "$(cat "$T/err")"
tojson "$T/mon.yaml" "$T/mon.json"
for r in default other optin redis mon; do
    node "$V" "$NPM" "$T/$r.json" | sed "s/^\(PASS\|FAIL\) schema:/\1 schema $r:/"
done
kinds=$(cat "$T/default.json" "$T/optin.json" "$T/mon.json" | jq -rs '[.[][].kind] | unique | join(",")')
[ "$kinds" = "Certificate,Deployment,Issuer,MutatingWebhookConfiguration,Namespace,NetworkPolicy,PodDisruptionBudget,PodMonitor,PrometheusRule,Secret,Service,ServiceAccount,ValidatingWebhookConfiguration" ] &&
    pass "schema: every kind of the install validated" || fail "schema: every kind of the install validated" "$kinds"
# and the validation can fail: a broken copy must be refused where it is broken
jq '[.[] | if .kind == "Deployment" then .spec.replicas = "two"
          elif .kind == "ValidatingWebhookConfiguration" then .webhooks[0].failurePolicy = "Sometimes" | .webhooks[0].matchConditions[0] |= del(.expression)
          elif .kind == "NetworkPolicy" then .spec.ingress[0].ports[0].port = {"no": 1}
          else . end]' "$T/default.json" >"$T/broken.json"
node "$V" "$NPM" "$T/broken.json" >"$T/broken.out" 2>&1
n=$(grep -c '^FAIL schema' "$T/broken.out")
grep -q '^FAIL schema: Deployment/.*spec/replicas' "$T/broken.out" &&
    grep -q '^FAIL schema: ValidatingWebhookConfiguration/.*failurePolicy' "$T/broken.out" &&
    grep -q '^FAIL schema: ValidatingWebhookConfiguration/.*expression' "$T/broken.out" &&
    grep -q '^FAIL schema: NetworkPolicy/' "$T/broken.out" && [ "$n" = 3 ] &&
    pass "schema: a broken copy is refused where it is broken" ||
    fail "schema: a broken copy is refused where it is broken" "$(head -c 1200 "$T/broken.out")"

# --- what matchConditions skip (CEL, on reviews from fixtures/requests):
# UPDATEs with an unchanged pod spec; never a new image or a new run
node "$PC_ROOT/tests/webhook/matchcond.mjs" "$NPM" "$T/default.json" "$PC_ROOT/fixtures/requests"

# --- the alert rules parse and type-check (promtool from Debian's prometheus)
if fetch prometheus; then
    mkdir -p "$T/prom"
    dpkg-deb -x "$(ls "$DEBS"/prometheus_*.deb | head -1)" "$T/prom"
    jq '{groups: [.[] | select(.kind == "PrometheusRule") | .spec.groups[]]}' "$T/mon.json" >"$T/rules.json"
    python3 -c 'import sys, json, yaml; yaml.safe_dump(json.load(open(sys.argv[1])), open(sys.argv[2], "w"))' "$T/rules.json" "$T/rules.yaml"
    "$T/prom/usr/bin/promtool" check rules "$T/rules.yaml" >"$T/promtool.out" 2>&1 &&
        pass "promtool check rules: $(grep -o 'SUCCESS: [0-9]* rules found' "$T/promtool.out")" ||
        fail "promtool check rules" "$(head -c 800 "$T/promtool.out")"
    for a in PortcullisWebhookErrors PortcullisAdmissionLatencyHigh PortcullisCertificateExpiringSoon \
        PortcullisScansFailing PortcullisPolicyReloadFailed; do
        jq -e --arg a "$a" '[.groups[].rules[] | select(.alert == $a)] | length >= 1' "$T/rules.json" >/dev/null &&
            pass "alert $a" || fail "alert $a" "not in monitoring/prometheusrule.yaml"
    done
    jq -e '[.groups[].rules[] | select(.alert == "PortcullisCertificateExpiringSoon") | .expr | test("portcullis_tls_certificate_not_after_seconds.*14 \\* 86400")] | any' "$T/rules.json" >/dev/null &&
        pass "alert: certificate expiring within 14 days, from the not-after gauge" ||
        fail "alert: certificate expiring within 14 days, from the not-after gauge" "$(jq -c . "$T/rules.json" | head -c 400)"
else
    fail "promtool" "apt-get download prometheus failed"
fi
