#!/bin/sh
# make mutate: every protection must have a test that fails without it.
#
#   sh tests/mutate/run.sh [-k] [-l] [NAME...]
#
# tests/mutate/mutants.txt lists mutants: a source file, a snippet that
# must occur in it exactly once, the replacement that removes or weakens
# one protection, and the suites (tests/run.sh names) that must fail once
# it is in. The tree as it is now (tracked and untracked files, not
# ignored ones; uncommitted edits included) is copied to a scratch
# directory, never touched in place, and built twice (release builds): an
# unmutated one, against which each suite runs once, the first time a
# mutant needs it (a suite must pass there to judge mutants), and one that
# each mutant changes: its snippet is replaced, only what depends on that
# file is rebuilt, and its suites run in table order until one fails:
#   KILLED name (by SUITE)     a suite failed: the protection is tested
#   SURVIVED name              every suite passed without the protection
#   SURVIVED name (no suite)   a named suite does not exist (yet)
#   STALE name                 the snippet is not in the file exactly once
#                              (the code moved on: update the table)
#   BROKEN name                the mutant does not compile
#   UNKNOWN name               its suites fail without any mutant
# Exit 0 only when every mutant is KILLED.
#
# -l lists the mutants; -k keeps the scratch tree ($PC_MUTATE_DIR, default
# a new /tmp/portcullis-mutate.XXXXXX); NAMEs (shell patterns) pick
# mutants. PC_MUTATE_TIMEOUT (seconds, default 900) bounds each suite run;
# a suite that hangs counts as failing (KILLED ... timeout).
set -u
unset PC_UPDATE_COUNTS
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TABLE="$ROOT/tests/mutate/mutants.txt"
keep=0
list=0
while [ $# -gt 0 ]; do
    case $1 in
    -k) keep=1 ;;
    -l) list=1 ;;
    --) shift; break ;;
    -*) echo "usage: $0 [-k] [-l] [NAME...]" >&2; exit 2 ;;
    *) break ;;
    esac
    shift
done
PICK="$*"
TIMEOUT=${PC_MUTATE_TIMEOUT:-900}

# The table as records: one "N<TAB>name<TAB>file<TAB>suites" line per
# mutant in $W/index, its snippets and replacements in $W/m/N.K.find and
# N.K.repl (K counts the pairs of one mutant).
parse() { # TABLE DIR
    python3 - "$1" "$2" <<'PY'
import os, sys
table, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "m"), exist_ok=True)
recs, cur, last = [], None, None
def done():
    if cur:
        for k in ("file", "kill"):
            if k not in cur:
                sys.exit("mutants.txt: mutant %r has no %s" % (cur["mutant"], k))
        if not cur["pairs"]:
            sys.exit("mutants.txt: mutant %r has no find" % cur["mutant"])
        recs.append(cur)
for n, line in enumerate(open(table, encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    key, _, rest = line.partition(" ")
    if key == "mutant":
        done()
        cur, last = {"mutant": rest.strip(), "pairs": []}, None
        continue
    if cur is None:
        sys.exit("mutants.txt:%d: %r before any mutant" % (n, key))
    if key in ("find", "repl"):
        rest = rest.lstrip(" ")
        if not rest.startswith("|"):
            sys.exit("mutants.txt:%d: the %s text starts after a '|'" % (n, key))
        text = rest[1:]
        if key == "find" and last != "find":
            cur["pairs"].append([None, None])
        if not cur["pairs"]:
            sys.exit("mutants.txt:%d: repl before find" % n)
        pair = cur["pairs"][-1]
        i = 0 if key == "find" else 1
        pair[i] = text if pair[i] is None else pair[i] + "\n" + text
        last = key
    elif key in ("file", "kill", "why"):
        cur[key] = (cur.get(key, "") + " " + rest.strip()).strip()
        last = key
    else:
        sys.exit("mutants.txt:%d: unknown key %r" % (n, key))
done()
names = set()
with open(os.path.join(out, "index"), "w") as idx:
    for i, r in enumerate(recs):
        if r["mutant"] in names:
            sys.exit("mutants.txt: mutant %r twice" % r["mutant"])
        names.add(r["mutant"])
        for k, (f, rp) in enumerate(r["pairs"]):
            open(os.path.join(out, "m", "%d.%d.find" % (i, k)), "w").write(f)
            open(os.path.join(out, "m", "%d.%d.repl" % (i, k)), "w").write(rp or "")
        idx.write("%d\t%s\t%s\t%s\n" % (i, r["mutant"], r["file"], r["kill"]))
PY
}

# apply FILE N: every pair of mutant N applied; 0 done, 3 a snippet is
# not there exactly once (the file is then left as it was)
apply() {
    python3 - "$1" "$2" <<'PY'
import sys
path, base = sys.argv[1], sys.argv[2]
src = open(path, encoding="utf-8").read()
k = 0
while True:
    try:
        find = open("%s.%d.find" % (base, k)).read()
    except FileNotFoundError:
        break
    repl = open("%s.%d.repl" % (base, k)).read()
    if src.count(find) != 1:
        print("%d found %d times" % (k + 1, src.count(find)))
        sys.exit(3)
    src = src.replace(find, repl)
    k += 1
open(path, "w", encoding="utf-8").write(src)
PY
}

W=${PC_MUTATE_DIR:-}
if [ -z "$W" ]; then
    W=$(mktemp -d /tmp/portcullis-mutate.XXXXXX)
else
    mkdir -p "$W"
fi
parse "$TABLE" "$W" || exit 2
picked() { # NAME: 0 when chosen by the command line
    [ -z "$PICK" ] && return 0
    for p in $PICK; do
        # shellcheck disable=SC2254
        case $1 in $p) return 0 ;; esac
    done
    return 1
}
if [ $list = 1 ]; then
    while IFS="$(printf '\t')" read -r i name file suites; do
        picked "$name" && printf '%-34s %-26s %s\n' "$name" "$file" "$suites"
    done <"$W/index"
    [ $keep = 1 ] || rm -rf "$W"
    exit 0
fi

start=$(date +%s)
# --- the copy: the working tree as it is, build outputs and .git left out
T="$W/tree"
rm -rf "$T"
mkdir -p "$T"
# (files deleted but not yet committed are left out)
(cd "$ROOT" && git ls-files -z -c -o --exclude-standard |
    xargs -0 sh -c 'for f; do if [ -e "$f" ] || [ -L "$f" ]; then printf "%s\0" "$f"; fi; done' sh |
    tar --null -T - -cf -) | tar -C "$T" -xf - || { echo "copying the tree failed"; exit 2; }
[ -f "$T/Makefile" ] || { echo "copying the tree failed (no Makefile)"; exit 2; }
B="$T/build/mutate"  # rebuilt for each mutant
BASE="$T/build/base" # the unmutated build, for the baseline
build() { # DIR LOG: a release build of $T in DIR (only what changed)
    make -C "$T" --no-print-directory -j"${PC_MUTATE_JOBS:-2}" B="$1" all >"$2" 2>&1
}
echo "== building the unmutated copy ($T)"
build build/base "$W/build.log" && build build/mutate "$W/build.log" ||
    { tail -30 "$W/build.log"; echo "the unmutated tree does not build"; exit 2; }

# run_suite SUITE BUILD LOG: 0 passed, 1 failed, 2 timed out, 3 no such suite
run_suite() {
    case $1 in
    unit/*) [ -f "$T/tests/unit/${1#unit/}.c" ] || return 3 ;;
    integration/*) [ -f "$T/tests/integration/${1#integration/}.sh" ] || return 3 ;;
    esac
    : >"$3"
    # the fuzz targets without libFuzzer, only for the suite that runs them
    if [ "$1" = integration/fuzzreplay ]; then
        make -C "$T" --no-print-directory -j"${PC_MUTATE_JOBS:-2}" B="$2" replay >>"$3" 2>&1 ||
            return 1
    fi
    timeout -k 10 "$TIMEOUT" sh "$T/tests/run.sh" "$2" "$1" >>"$3" 2>&1
    rc=$?
    [ $rc = 0 ] && return 0
    [ $rc = 124 ] || [ $rc = 137 ] && return 2
    return 1
}

# baseline SUITE: ok, fails or missing: the suite run once against the
# unmutated build, the first time a mutant needs it (a suite that fails
# without any mutant cannot judge one)
: >"$W/baseline"
baseline() {
    st=$(awk -v s="$1" '$1 == s { print $2 }' "$W/baseline")
    if [ -z "$st" ]; then
        t0=$(date +%s)
        log="$W/base-$(echo "$1" | tr / _).log"
        run_suite "$1" "$BASE" "$log"
        case $? in
        0) st=ok ;;
        3) st=missing ;;
        *) st=fails ;;
        esac
        echo "$1 $st" >>"$W/baseline"
        if [ $st = fails ]; then
            echo "baseline $1: FAILS without any mutant ($(($(date +%s) - t0))s); it cannot judge mutants:" >&2
            grep -E '^FAIL' "$log" | head -10 | sed 's/^/    /' >&2
        fi
    fi
    echo "$st"
}

# --- the mutants
killed=0 survived=0 other=0
: >"$W/results"
while IFS="$(printf '\t')" read -r i name file suites; do
    picked "$name" || continue
    t0=$(date +%s)
    src="$T/$file"
    cp -p "$src" "$W/orig" 2>/dev/null || { echo "STALE $name ($file does not exist)" | tee -a "$W/results"; other=$((other + 1)); continue; }
    # the suites' baselines run before the mutant is applied: a data file
    # (rules) is read by the unmutated build too, and a suite may read the
    # tree's sources (cache_sign: the reader id is their digest)
    for s in $suites; do baseline "$s" >/dev/null; done
    if ! why=$(apply "$src" "$W/m/$i"); then
        echo "STALE $name (snippet $why in $file)" | tee -a "$W/results"
        other=$((other + 1))
        continue
    fi
    if ! build build/mutate "$W/mbuild.log"; then
        echo "BROKEN $name (does not compile: $(grep -m1 'error:' "$W/mbuild.log"))" | tee -a "$W/results"
        other=$((other + 1))
    else
        verdict=""
        missing=""
        judged=0
        for s in $suites; do
            case $(baseline "$s") in
            missing) missing="$missing $s"; continue ;;
            fails) continue ;;
            esac
            judged=1
            run_suite "$s" "$B" "$W/run.log"
            rc=$?
            if [ $rc = 1 ]; then
                first=$(grep -m1 -E '^FAIL' "$W/run.log" | cut -c1-150)
                verdict="KILLED $name (by $s: ${first:-failed})"
                break
            elif [ $rc = 2 ]; then
                verdict="KILLED $name (by $s: timeout after ${TIMEOUT}s)"
                break
            fi
        done
        secs=$(($(date +%s) - t0))
        if [ -n "$verdict" ]; then
            killed=$((killed + 1))
        elif [ -n "$missing" ]; then
            verdict="SURVIVED $name (no suite:$missing does not exist yet)"
            survived=$((survived + 1))
        elif [ $judged = 0 ]; then
            verdict="UNKNOWN $name (every suite fails unmutated: $suites)"
            other=$((other + 1))
        else
            verdict="SURVIVED $name (passed: $suites)"
            survived=$((survived + 1))
        fi
        echo "$verdict [${secs}s]" | tee -a "$W/results"
    fi
    # back to the original; a fresh mtime makes make rebuild what the mutant built
    cp "$W/orig" "$src"
    touch "$src"
done <"$W/index"

secs=$(($(date +%s) - start))
echo "== mutate: $killed killed, $survived survived, $other stale/broken/unknown ($((secs / 60))m$((secs % 60))s)"
if [ $keep = 1 ]; then
    echo "scratch tree kept: $W"
else
    rm -rf "$W"
fi
[ $survived = 0 ] && [ $other = 0 ]
