# Integration: `scan --manifest` reads YAML as Kubernetes does. Each line
# of tests/manifest/typing.txt goes through sigs.k8s.io/yaml itself
# (tests/manifest/y2j.go, built against Debian's packaged Go sources:
# golang-k8s-sigs-yaml-dev, golang-gopkg-yaml.v2-dev) and through
# src/cli_manifest.c (test_cli_manifest --to-json); the JSON must be the
# same (jq -cS), or both must refuse, or, where the corpus says
# "stricter", portcullis must refuse what Kubernetes would accept.
. "$PC_ROOT/tests/lib.sh"
gopath=${PC_GOPATH:-/usr/share/gocode}
for pkg in sigs.k8s.io/yaml gopkg.in/yaml.v2; do
    [ -d "$gopath/src/$pkg" ] || { fail "go sources" "$pkg missing under $gopath/src (scripts/deps.sh)"; exit 1; }
done
mkdir -p "$T/y2j" && cp "$PC_ROOT/tests/manifest/y2j.go" "$T/y2j/main.go"
if (cd "$T/y2j" && GO111MODULE=off GOPATH="$gopath" GOFLAGS= GOPROXY=off CGO_ENABLED=0 \
    GOCACHE="$T/gocache" go build -o "$T/y2j/y2j" .) >"$T/gobuild.log" 2>&1; then
    pass "build y2j (sigs.k8s.io/yaml)"
else
    fail "build y2j" "$(head -c 600 "$T/gobuild.log")"
    exit 1
fi
ours="$PC_BUILD/tests/test_cli_manifest"
[ -x "$ours" ] || { fail "test_cli_manifest" "not built"; exit 1; }
TAB=$(printf '\t')
n=0
while IFS="$TAB" read -r want yaml; do
    case $want in '' | '#'*) continue ;; esac
    n=$((n + 1))
    printf '%b\n' "$yaml" >"$T/in.yaml"
    go=$("$T/y2j/y2j" <"$T/in.yaml")
    pc=$("$ours" --to-json <"$T/in.yaml")
    name="typing $n: $(printf '%s' "$yaml" | cut -c1-50)"
    case $want:$go:$pc in
    same:ERR*:ERR* | stricter:ERR*:ERR*)
        if [ "$want" = same ]; then pass "$name (both refuse)"; else fail "$name" "sigs.k8s.io/yaml refuses too: drop 'stricter'"; fi ;;
    same:ERR*:* | same:*:ERR*)
        fail "$name" "sigs.k8s.io/yaml: $go | portcullis: $pc" ;;
    same:*)
        g=$(printf '%s' "$go" | jq -cS . 2>&1) p=$(printf '%s' "$pc" | jq -cS . 2>&1)
        if [ "$g" = "$p" ]; then pass "$name"; else fail "$name" "sigs.k8s.io/yaml: $g | portcullis: $p"; fi ;;
    stricter:*:ERR*)
        pass "$name (refused; Kubernetes: $(printf '%s' "$go" | cut -c1-60))" ;;
    *)
        fail "$name" "expected $want; sigs.k8s.io/yaml: $go | portcullis: $pc" ;;
    esac
done <"$PC_ROOT/tests/manifest/typing.txt"
[ "$n" -gt 100 ] && pass "corpus read ($n inputs)" || fail "corpus" "only $n inputs"
