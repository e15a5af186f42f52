#!/bin/sh
# The case runner: runs tests/cases/*.case (format: tests/cases/README.md)
# and prints one "PASS name" / "FAIL name: why" line per check, as the
# integration scripts do (tests/lib.sh); exits 1 if any check failed.
#
#   sh tests/cases/run.sh [-D NAME=VALUE]... [CASE...]
#
# CASE is a case name (scan-bad-json, sandbox/py), a .case file or a
# directory of them; without any, every tests/cases/*.case runs. -D
# defines the placeholder @NAME@ (a script that builds images itself
# passes where they are). Under tests/run.sh (integration/cases) the
# build is $PC_BUILD; run alone, it is $PC_BUILD or build/asan.
# PC_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
set -u
CASES=$(cd "$(dirname "$0")" && pwd)
: "${PC_ROOT:=$(cd "$CASES/../.." && pwd)}"
: "${PC_BUILD:=$PC_ROOT/build/asan}"
PC_BUILD=$(cd "$PC_BUILD" && pwd) || exit 2
OWN_WORK=
if [ -z "${PC_WORK:-}" ]; then # run alone, not from tests/run.sh
    PC_WORK=$(mktemp -d /tmp/portcullis-cases.XXXXXX) || exit 2
    OWN_WORK=$PC_WORK
    : "${XDG_CACHE_HOME:=$PC_WORK/xdg-cache}"
    : "${PORTCULLIS_DATADIR:=$PC_ROOT}"
    : "${LSAN_OPTIONS:=suppressions=$PC_ROOT/tests/lsan.supp}"
    export XDG_CACHE_HOME PORTCULLIS_DATADIR LSAN_OPTIONS
fi
export PC_ROOT PC_BUILD PC_WORK
. "$PC_ROOT/tests/lib.sh"
TAB=$(printf '\t')
failed=0
# "PASS name" / "FAIL name: why", as tests/lib.sh's pass and fail print
# them, but with printf: names and reasons hold jq text and backslashes
PASS() { printf 'PASS %s\n' "$1"; }
FAIL() {
    failed=1
    printf 'FAIL %s: %s\n' "$1" "$2"
}

# Placeholders: PCV_NAME holds @NAME@'s value; $PLACEHOLDERS lists names.
PLACEHOLDERS=
define() { # define NAME VALUE
    case $1 in
    '' | *[!A-Z0-9_]* | [!A-Z]*) echo "run.sh: bad placeholder name '$1'" >&2; exit 2 ;;
    esac
    eval "PCV_$1=\$2"
    case " $PLACEHOLDERS " in *" $1 "*) ;; *) PLACEHOLDERS="$PLACEHOLDERS $1" ;; esac
}
define PC "$PC"
define FB "$FB"
define BUILD "$PC_BUILD"
define ROOT "$PC_ROOT"
define WORK "$PC_WORK"
define DATA "$CASES/data"
define FIX "$T"
define TMP "$T/case" # each case's own scratch directory, made empty before it runs

while [ $# -gt 0 ]; do
    case $1 in
    -D) [ $# -ge 2 ] || { echo "run.sh: -D needs NAME=VALUE" >&2; exit 2; }
        define "${2%%=*}" "${2#*=}"; shift 2 ;;
    -D*) v=${1#-D}; define "${v%%=*}" "${v#*=}"; shift ;;
    --) shift; break ;;
    -*) echo "usage: sh tests/cases/run.sh [-D NAME=VALUE]... [CASE...]" >&2; exit 2 ;;
    *) break ;;
    esac
done

value() { eval "printf '%s' \"\${PCV_$1}\""; }
defined() { eval "[ \"\${PCV_$1+set}\" = set ]"; }

# subst TEXT MODE: @NAME@ replaced by its value (MODE plain) or by
# "${PCV_NAME}" (MODE shell: for eval, so a value is always one word);
# for an unknown placeholder, prints its name and fails
subst() {
    s=$1 out=
    while :; do
        case $s in
        *@[A-Z]*@*) ;;
        *) break ;;
        esac
        pre=${s%%@[A-Z]*} rest=${s#"$pre"@}
        n=${rest%%@*}
        case $n in
        *[!A-Z0-9_]* | '') out="$out$pre@" s=$rest; continue ;; # not a placeholder
        esac
        defined "$n" || { printf '%s' "$n"; return 1; }
        if [ "$2" = shell ]; then out="$out$pre\"\${PCV_$n}\""; else out="$out$pre$(value "$n")"; fi
        s=${rest#"$n"@}
    done
    printf '%s' "$out$s"
}

# normalise FILE: prints FILE with volatile parts made stable: every
# placeholder's value (longest first) becomes @NAME@, then normalize.sed
normalise() {
    for n in $PLACEHOLDERS; do
        v=$(value "$n")
        [ ${#v} -ge 2 ] || continue
        printf '%s\t%s\t%s\n' ${#v} "$n" "$v"
    done | sort -t "$TAB" -k1,1nr | while IFS="$TAB" read -r _ n v; do
        printf 's/%s/@%s@/g\n' "$(printf '%s' "$v" | sed 's/[][\/.*^$]/\\&/g')" "$n"
    done >"$T/paths.sed"
    LC_ALL=C sed -f "$T/paths.sed" "$1" | LC_ALL=C sed -f "$CASES/normalize.sed"
}

short() { # the first 70 characters of a one-line text, for check names
    if [ ${#1} -le 70 ]; then printf '%s' "$1"; else printf '%s...' "$(printf '%s' "$1" | cut -c1-67)"; fi
}

# fixture NAME: builds fixtures/specs/NAME.json into @FIX@/NAME once per run
fixture() {
    [ -f "$T/$1.built" ] && return 0
    [ -f "$T/$1.broken" ] && return 1
    [ -f "$PC_ROOT/fixtures/specs/$1.json" ] || { : >"$T/$1.broken"; return 1; }
    if build_fixture "$1"; then : >"$T/$1.built"; else : >"$T/$1.broken"; failed=1; return 1; fi
}

# run_case FILE
run_case() {
    f=$1
    c=$(basename "$f" .case)
    cmd='' want='' golden='' output='' maxsec='' maxrss='' fixtures='' bad='' lineno=0
    : >"$T/checks"
    while IFS= read -r line || [ -n "$line" ]; do
        lineno=$((lineno + 1))
        case $line in '' | '#'*) continue ;; esac
        key=${line%%:*}
        case $line in *:*) ;; *) bad="line $lineno: no 'key:'"; break ;; esac
        val=${line#*:}
        val=${val#"${val%%[! ]*}"}
        once=
        case $key in
        fixture) fixtures="$fixtures $val" ;;
        command) once=$cmd cmd=$val ;;
        exit) once=$want want=$val ;;
        golden) once=$golden golden=$val ;;
        output) once=$output output=$val ;;
        max-seconds) once=$maxsec maxsec=$val ;;
        max-rss-kib) once=$maxrss maxrss=$val ;;
        json | stdout-contains | stdout-matches | stdout-lacks | stderr-contains | stderr-matches | stderr-lacks)
            printf '%s\t%s\n' "$key" "$val" >>"$T/checks" ;;
        *) bad="line $lineno: unknown key '$key'"; break ;;
        esac
        [ -n "$once" ] && { bad="line $lineno: '$key' given twice"; break; }
    done <"$f"
    [ -z "$bad" ] && [ -z "$cmd" ] && bad="no 'command:'"
    [ -z "$bad" ] && case /$golden/ in */../* | *//*) [ -n "$golden" ] && bad="'golden:' is a file name under tests/cases/golden/" ;; esac
    [ -z "$bad" ] && case $want in '' | *[!0-9]*) bad="'exit:' must be a number" ;; esac
    for v in "$maxsec" "$maxrss"; do
        [ -z "$bad" ] && case $v in *[!0-9]*) bad="max-seconds and max-rss-kib take a number" ;; esac
    done
    if [ -n "$bad" ]; then FAIL "$c" "$f: $bad"; return; fi
    for fx in $fixtures; do
        fixture "$fx" || { FAIL "$c" "fixture $fx did not build (fixtures/specs/$fx.json)"; return; }
    done
    xcmd=$(subst "$cmd" shell) || { FAIL "$c" "unknown placeholder @$xcmd@ (tests/cases/README.md)"; return; }
    output=$(subst "$output" plain) || { FAIL "$c" "unknown placeholder @$output@ (tests/cases/README.md)"; return; }
    rm -rf "$T/case" && mkdir "$T/case"
    out="$T/case.out" err="$T/case.err"

    # the command: one line of sh, placeholders one word each
    timed=
    [ -n "$maxrss" ] && timed="/usr/bin/time -f %M -o \"\$T/case.rss\""
    start=$(date +%s)
    (
        set -f
        eval "$timed $xcmd" </dev/null >"$out" 2>"$err"
    )
    got=$?
    secs=$(($(date +%s) - start))
    if [ "$got" = "$want" ]; then
        PASS "$c (exit $want)"
    else
        FAIL "$c (exit $want)" "exit $got; stderr: $(head -c 600 "$err"); stdout: $(head -c 600 "$out")"
    fi
    [ -n "$output" ] && out=$output
    if [ -n "$maxsec" ]; then
        if [ "$secs" -le "$maxsec" ]; then PASS "$c took at most ${maxsec}s"; else FAIL "$c took at most ${maxsec}s" "took ${secs}s"; fi
    fi
    if [ -n "$maxrss" ]; then
        rss=$(tail -1 "$T/case.rss" 2>/dev/null)
        case $rss in '' | *[!0-9]*) rss=999999999 ;; esac
        if [ "$rss" -le "$maxrss" ]; then PASS "$c RSS at most $maxrss KiB"; else FAIL "$c RSS at most $maxrss KiB" "$rss KiB"; fi
    fi

    while IFS="$TAB" read -r key val; do
        what="$c $key $(short "$val")"
        case $key in
        stdout-*) file=$out ;;
        *) file=$err ;;
        esac
        case $key in
        json)
            if [ "$(jq -L "$CASES" -e "include \"cases\"; $val" "$out" 2>"$T/jq.err")" = true ]; then
                PASS "$what"
            else
                FAIL "$what" "jq '$val' is not true: $(head -c 300 "$T/jq.err") on: $(head -c 1500 "$out")"
            fi
            ;;
        *-contains | *-lacks)
            text=$(printf '%b' "$val")
            if grep -qF -- "$text" "$file" 2>/dev/null; then found=1; else found=0; fi
            case $key:$found in
            *-contains:1 | *-lacks:0) PASS "$what" ;;
            *-contains:0) FAIL "$what" "not in ${key%%-*}: $(head -c 800 "$file")" ;;
            *) FAIL "$what" "found: $(grep -F -- "$text" "$file" | head -3)" ;;
            esac
            ;;
        *-matches)
            if grep -qE -- "$val" "$file" 2>/dev/null; then
                PASS "$what"
            else
                FAIL "$what" "/$val/ matches no line of ${key%%-*}: $(head -c 800 "$file")"
            fi
            ;;
        esac
    done <"$T/checks"

    if [ -n "$golden" ]; then
        g="$CASES/golden/$golden"
        normalise "$out" >"$T/case.norm"
        if [ "${PC_UPDATE_GOLDEN:-}" = 1 ] && [ "$got" != "$want" ]; then
            FAIL "$c golden $golden" "not rewritten: the command exited $got, not $want"
        elif [ "${PC_UPDATE_GOLDEN:-}" = 1 ]; then
            mkdir -p "$CASES/golden"
            if cmp -s "$T/case.norm" "$g"; then
                PASS "$c golden $golden"
            else
                cp "$T/case.norm" "$g" && PASS "$c golden $golden (rewritten)"
            fi
        elif [ ! -f "$g" ]; then
            FAIL "$c golden $golden" "tests/cases/golden/$golden does not exist (PC_UPDATE_GOLDEN=1 writes it)"
        elif cmp -s "$g" "$T/case.norm"; then
            PASS "$c golden $golden"
        else
            FAIL "$c golden $golden" "normalised output differs (PC_UPDATE_GOLDEN=1 rewrites it; review the diff):"
            diff -u "$g" "$T/case.norm" | head -60 | sed 's/^/    /'
        fi
    fi
}

# the case files to run
list() {
    if [ $# -eq 0 ]; then
        set -- "$CASES"
    fi
    for a in "$@"; do
        if [ -d "$a" ]; then
            for x in "$a"/*.case; do [ -f "$x" ] && echo "$x"; done
        elif [ -f "$a" ]; then
            echo "$a"
        elif [ -f "$CASES/${a%.case}.case" ]; then
            echo "$CASES/${a%.case}.case"
        else
            echo "/nonexistent/$a.case"
        fi
    done
}
list "$@" >"$T/list"
[ -s "$T/list" ] || FAIL cases "no case files"
while IFS= read -r f <&3; do
    if [ -f "$f" ]; then run_case "$f" 3<&-; else FAIL "$(basename "$f" .case)" "no such case"; fi
done 3<"$T/list"
[ -n "$OWN_WORK" ] && rm -rf "$OWN_WORK"
exit $failed
