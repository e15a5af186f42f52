#!/bin/sh
# Differential test: portcullis's reading of images against containerd's.
#
#   tests/difftest/run.sh BUILD_DIR [--cases DIR] [--random N --seed S]
#                         [--keep DIR] [--jobs J] [--no-cases] [--keep-work]
#
# Builds the containerd oracle (tests/oracle/build.sh) into a work dir, then
# for every case spec (default: tests/difftest/cases) and N random seeds
# from S on: generates the image layout (gen.py), reads it with the oracle
# and with `BUILD_DIR/portcullis inspect --no-cache`, and compares the two
# with tests/oracle/compare.py. Prints "PASS difftest/NAME" or
# "FAIL difftest/NAME: ..." per image (DIFF lines indented below), keeps the
# spec of every failing random image under --keep (default
# $PC_WORK/difftest-failures, else BUILD_DIR/difftest-failures), and ends
# with counts. Needs root: the oracle mounts overlayfs. Exit 1 if anything
# failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
    sed -n '3,5p' "$0" | sed 's/^# *//' >&2
    exit 2
fi
build=$(cd "$1" 2>/dev/null && pwd) || { echo "FAIL difftest/setup: no build directory $1"; exit 1; }
shift
cases="$here/cases"
random=0
seed=1
keep=
jobs=$(nproc 2>/dev/null || echo 2)
extra=
keepwork=
while [ $# -gt 0 ]; do
    case $1 in
    --cases) cases=$2; shift 2 ;;
    --no-cases) cases=; shift ;;
    --random) random=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --keep-work) extra="$extra --keep-work"; keepwork=1; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ -z "$keep" ]; then
    if [ -n "${PC_WORK:-}" ]; then keep=$PC_WORK/difftest-failures; else keep=$build/difftest-failures; fi
fi

if [ "$(id -u)" != 0 ]; then
    echo "FAIL difftest/setup: needs root (the containerd oracle mounts overlayfs)"
    exit 1
fi
if [ ! -x "$build/portcullis" ]; then
    echo "FAIL difftest/setup: $build/portcullis not built"
    exit 1
fi
if "$build/portcullis" inspect 2>&1 | grep -q 'unknown command'; then
    echo "FAIL difftest/setup: $build/portcullis has no inspect command"
    exit 1
fi

# portcullis finds its policies through PORTCULLIS_DATADIR (as tests/run.sh sets it)
export PORTCULLIS_DATADIR="${PORTCULLIS_DATADIR:-$root}"
work=$(mktemp -d "${PC_WORK:-${TMPDIR:-/tmp}}/difftest.XXXXXX")
if [ -n "$keepwork" ]; then
    echo "difftest: work directory $work is kept"
else
    trap 'rm -rf "$work"' EXIT INT TERM
fi
if ! sh "$root/tests/oracle/build.sh" "$work/oracle" >"$work/oracle-build.log" 2>&1; then
    echo "FAIL difftest/oracle-build: $(tail -5 "$work/oracle-build.log" | tr '\n' ' ')"
    exit 1
fi

set -- --portcullis "$build/portcullis" --oracle "$work/oracle/pcoracle" --work "$work/images" \
    --keep "$keep" --random "$random" --seed "$seed" --jobs "$jobs"
[ -n "$cases" ] && set -- "$@" --cases "$cases"
# Sanitizer reports of the build under test land where the caller's
# ASAN_OPTIONS say (tests/run.sh counts them); keep its settings.
python3 "$here/driver.py" "$@" $extra
