#!/bin/sh
# bench/pipeline.sh — the pipeline a user would script without portcullis,
# timed by bench/measure.py as one command: copy the image to an OCI
# directory, unpack it, then look for setuid/setgid files, file
# capabilities and tools (YARA) in the unpacked root.
#
# usage: bench/pipeline.sh SRC WORKDIR OUT RULESDIR [CERTDIR]
#   SRC      skopeo source (docker://HOST/NAME:TAG or oci:DIR:TAG)
#   WORKDIR  created; holds the copy and the unpacked bundle (removed by the caller)
#   OUT      findings, one per line, in the bench's common form:
#            "setuid-file PATH", "setgid-file PATH", "file-capability PATH",
#            "suspicious-tool PATH RULE"
#            OUT.steps gets "STEP SECONDS" per step
set -eu
SRC=$1 W=$2 OUT=$3 RULES=$4 CERTS=${5:-}
mkdir -p "$W"
: >"$OUT"
: >"$OUT.steps"
last=$(date +%s%N)
step() {
    now=$(date +%s%N)
    echo "$1 $(((now - last) / 1000000))" >>"$OUT.steps"
    last=$now
}

if [ -n "$CERTS" ]; then
    skopeo copy -q --src-cert-dir "$CERTS" "$SRC" "oci:$W/oci:img"
else
    skopeo copy -q "$SRC" "oci:$W/oci:img"
fi
step skopeo-copy
umoci unpack --image "$W/oci:img" "$W/bundle" >/dev/null
step umoci-unpack
R="$W/bundle/rootfs"
find "$R" -type f -perm -4000 | sed "s|^$R|setuid-file |" >>"$OUT"
find "$R" -type f -perm -2000 | sed "s|^$R|setgid-file |" >>"$OUT"
step find-perm
getcap -r "$R" 2>/dev/null | sed -e "s|^$R|file-capability |" -e 's| [^ ]*$||' >>"$OUT"
step getcap
rules=$(find "$RULES" -name '*.yar' | sort)
if [ -n "$rules" ]; then
    # "RULE PATH" -> "suspicious-tool PATH RULE"
    # shellcheck disable=SC2086
    yara -r -N $rules "$R" 2>/dev/null | sed "s|^\([^ ]*\) $R\(.*\)$|suspicious-tool \2 \1|" >>"$OUT"
fi
step yara
