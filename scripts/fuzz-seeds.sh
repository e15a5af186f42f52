#!/bin/sh
# Seed the fuzz corpora with real inputs: layer blobs of the fixture images
# (prefixed with the byte that selects their compression) for fuzz_layer,
# policies, index.json and configs for fuzz_json.
set -eu
B=${1:-build/fuzz}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FB="$ROOT/build/fixture-builder"
[ -x "$FB" ] || make -C "$ROOT" --no-print-directory build/fixture-builder >/dev/null
S="$B/seeds"
rm -rf "$S"
mkdir -p "$S/img" "$B/corpus/fuzz_layer" "$B/corpus/fuzz_json"
for spec in bad whiteout zstd; do "$FB" "$ROOT/fixtures/specs/$spec.json" "$S/img/$spec" >/dev/null; done
for f in "$S"/img/*/oci/blobs/sha256/*; do
    h=$(basename "$f")
    case $(head -c 4 "$f" | od -An -tx1 | tr -d ' ') in
    1f8b*) p='\001' ;;
    28b52ffd) p='\002' ;;
    7b*) cp "$f" "$B/corpus/fuzz_json/$h"; continue ;;
    *) p='\000' ;;
    esac
    { printf "$p"; cat "$f"; } >"$B/corpus/fuzz_layer/$h"
done
cp "$ROOT"/rules/policies/*.json "$B/corpus/fuzz_json/"
for d in "$S"/img/*/oci; do cp "$d/index.json" "$B/corpus/fuzz_json/index-$(basename "$(dirname "$d")").json"; done
