# Integration: the CI examples of docs/ci.md run as written. Every line of
# docs/ci.md that runs `portcullis scan` is taken as is (a YAML list's
# "- " dropped), with the variables the CI would set (GitHub's IMAGE,
# REGISTRY_USER, REGISTRY_PASSWORD; GitLab's CI_REGISTRY_USER,
# CI_REGISTRY_PASSWORD) and one flag added, --cert-dir for the test CA,
# and run against a local registry with TLS and a password: an allowed
# image exits 0, a denied one 1 (or the line's --exit-code), a missing
# one 3; each writes the SARIF file the line names, with a run for the
# image; the password is printed nowhere. Lines are also checked for what
# the doc promises: SARIF to a file, the password on standard input.
. "$PC_ROOT/tests/lib.sh"
harness pki registry
registry_up
DOC="$PC_ROOT/docs/ci.md"
build_fixture clean && build_fixture bad || exit 1
registry_push clean ci/app:clean && registry_push bad ci/app:bad || exit 1

# the command lines, one per line of $T/lines
grep -E 'portcullis scan ' "$DOC" | grep -vE '^\s*#|`' | sed -E 's/^[[:space:]]*(- )?//' >"$T/lines"
n=$(wc -l <"$T/lines")
[ "$n" -ge 3 ] && pass "docs/ci.md: $n portcullis scan command lines" ||
    fail "docs/ci.md: portcullis scan command lines" "found $n: $(cat "$T/lines")"
grep -q 'actions/upload-sarif\|codeql-action/upload-sarif' "$DOC" && pass "docs/ci.md: GitHub uploads with codeql-action/upload-sarif" ||
    fail "docs/ci.md: GitHub uploads with codeql-action/upload-sarif" "not found"
grep -q 'security-events: write' "$DOC" && pass "docs/ci.md: upload-sarif's permission" ||
    fail "docs/ci.md: upload-sarif's permission" "security-events: write missing"

export REGISTRY_USER="$USER_NAME" REGISTRY_PASSWORD="$PASS" CI_REGISTRY_USER="$USER_NAME" CI_REGISTRY_PASSWORD="$PASS"
mkdir -p "$T/work" "$T/bin"
# `portcullis` on PATH is the binary under test, with the test's CA added
# after the subcommand
cat >"$T/bin/portcullis" <<EOF
#!/bin/sh
sub=\$1
shift
exec "$PC" "\$sub" --cert-dir "$CERTS" "\$@"
EOF
chmod +x "$T/bin/portcullis"
i=0
while IFS= read -r line; do
    i=$((i + 1))
    case $line in
    *'portcullis scan'*'--format sarif -o '*) pass "line $i: SARIF to a file" ;;
    *) fail "line $i: SARIF to a file" "$line" ;;
    esac
    case $line in
    *"printf '%s\\n' \"\$"*PASSWORD'" | portcullis scan --creds "$'*) pass "line $i: the password on standard input, not in the command line" ;;
    *) fail "line $i: the password on standard input, not in the command line" "$line" ;;
    esac
    out=$(printf '%s\n' "$line" | sed -E 's/.* -o ([^ ]+) .*/\1/')
    deny=1
    case $line in *'--exit-code '*) deny=$(printf '%s\n' "$line" | sed -E 's/.*--exit-code ([0-9]+).*/\1/') ;; esac
    for img in clean:0 bad:$deny nosuch:3; do
        tag=${img%%:*} want=${img#*:}
        rm -f "$T/work/$out"
        (cd "$T/work" && IMAGE="$R/ci/app:$tag" PATH="$T/bin:$PATH" sh -c "$line") >"$T/out" 2>"$T/err"
        got=$?
        cat "$T/out" "$T/err" >>"$T/all-output"
        if [ "$got" = "$want" ]; then
            pass "line $i, $tag image: exit $want"
        else
            fail "line $i, $tag image: exit $want" "exit $got: $(head -c 400 "$T/err")"
        fi
        jq_true "line $i, $tag image: $out is SARIF 2.1.0 with a run for the image" \
            "(.version == \"2.1.0\") and ([.runs[].automationDetails.id | test(\"ci/app\")] | any)" "$T/work/$out"
        cat "$T/work/$out" >>"$T/all-output" 2>/dev/null
    done
done <"$T/lines"
grep_none "the password is printed nowhere" -F "$PASS" "$T/all-output"
