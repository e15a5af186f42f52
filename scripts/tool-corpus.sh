#!/bin/sh
# scripts/tool-corpus.sh — `make tool-corpus`: the two figures of issue 18,
# measured on real Debian packages.
#
#  1. False positives: every file of the packages of rules/corpus/negative.txt
#     (>= 1,000 ordinary bookworm packages), at its packaged path, with a
#     dpkg status file describing them, built into OCI images in chunks with
#     the fixture builder and scanned with a tools-only policy that scans
#     every file: each suspicious-tool finding is listed (path, package,
#     rule, category, signal). Expected: none.
#  2. Held-out recall: for each package of rules/corpus/held-out.txt (no
#     content rule was written for it), a "binary-only" image (its files,
#     no package database) and an "installed" image (the same plus its
#     dpkg status stanza): detected when a suspicious-tool finding falls
#     on it; per category and per signal (content, capability, package).
#  Plus a sanity line: the known-tool corpus of tests/tools/*.list (every
#  listed file at its path, found by the listed rule?).
#
# Usage: sh scripts/tool-corpus.sh [--update-readme] [BUILD_DIR]
#   BUILD_DIR defaults to build (the release build: `make`).
#   --update-readme writes the figures into rules/README.md between
#   <!-- tool-corpus:begin --> and <!-- tool-corpus:end -->.
# The markdown report goes to stdout, progress to stderr.
# Environment:
#   TOOL_CORPUS_MAX_DEB    skip a package whose .deb is larger (bytes;
#                          default 67108864, 64 MiB)
#   TOOL_CORPUS_CHUNK      unpacked bytes per negative image (default
#                          402653184, 384 MiB; the fixture builder holds a
#                          layer in memory)
#   TOOL_CORPUS_MIN        fewest negative packages that must be scanned
#                          (default 1000)
#   TOOL_CORPUS_LIST       another negative list (default rules/corpus/negative.txt)
# Cached (rerunnable quickly): .deb files in .cache/debs (shared with the
# tests), unpacked trees in .cache/tool-corpus/x. Images are built in a
# temporary directory under .cache/tool-corpus, removed chunk by chunk and
# at exit. Needs apt-get, dpkg-deb, python3, jq (scripts/deps.sh).
set -eu

UPDATE_README=0
B=build
for a in "$@"; do
    case $a in
    --update-readme) UPDATE_README=1 ;;
    -h | --help)
        sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "tool-corpus: unknown option $a" >&2
        exit 2
        ;;
    *) B=$a ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PC=$ROOT/$B/portcullis
FB=$ROOT/$B/fixture-builder
MAX_DEB=${TOOL_CORPUS_MAX_DEB:-67108864}
CHUNK=${TOOL_CORPUS_CHUNK:-402653184}
MIN=${TOOL_CORPUS_MIN:-1000}
DEBS=$ROOT/.cache/debs
CACHE=$ROOT/.cache/tool-corpus
NEGLIST=${TOOL_CORPUS_LIST:-rules/corpus/negative.txt}
HELDLIST=rules/corpus/held-out.txt

die() {
    echo "tool-corpus: $*" >&2
    exit 1
}
say() { echo "tool-corpus: $*" >&2; }

for t in apt-get apt-cache dpkg-deb python3 jq; do
    command -v "$t" >/dev/null 2>&1 || die "$t is not installed (scripts/deps.sh)"
done
[ -f "$NEGLIST" ] || die "no $NEGLIST"
[ -f "$HELDLIST" ] || die "no $HELDLIST"

mkdir -p "$DEBS" "$CACHE/x"
W=$(mktemp -d "$CACHE/work.XXXXXX")
[ "${TOOL_CORPUS_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP

# ---- the lists
grep -v '^#' "$NEGLIST" | awk 'NF {print $1}' >"$W/neg.txt"
grep -v '^#' "$HELDLIST" | awk 'NF {print $1, $2}' >"$W/held.txt"
cat tests/tools/*.list | grep -v '^#' | awk 'NF == 3' >"$W/tools.txt"
cut -d' ' -f1 "$W/held.txt" >"$W/held-pkgs.txt"
cut -d' ' -f1 "$W/tools.txt" | sort -u >"$W/tool-pkgs.txt"
dups=$(sort "$W/neg.txt" | uniq -d | tr '\n' ' ')
[ -z "$dups" ] || die "$NEGLIST lists twice: $dups"
bad=$(sort -u "$W/neg.txt" | comm -12 - "$W/tool-pkgs.txt" | tr '\n' ' ')
[ -z "$bad" ] || die "$NEGLIST holds packages of tests/tools/*.list: $bad"
sort -u "$W/held-pkgs.txt" >"$W/held-sorted.txt"
bad=$(sort -u "$W/neg.txt" | comm -12 - "$W/held-sorted.txt" | tr '\n' ' ')
[ -z "$bad" ] || die "$NEGLIST holds held-out packages: $bad"

# ---- downloads: .cache/debs/PKG_VERSION_ARCH.deb, as tests/harness/util.sh
# deb_of PKG: the cached .deb of PKG (the newest, if several), or nothing
deb_of() {
    for _d in "$DEBS"/"$1"_*.deb; do :; done
    if [ -f "$_d" ]; then echo "$_d"; fi
}
UPDATED=0
# fetch_one PKG: apt-get download PKG; after one apt-get update, again; then
# the newest version a configured archive has (the candidate may be a
# locally installed version no archive serves)
fetch_one() {
    [ -n "$(deb_of "$1")" ] && return 0
    (cd "$DEBS" && apt-get download "$1" </dev/null >/dev/null 2>&1) && return 0
    if [ $UPDATED = 0 ]; then
        apt-get update -q </dev/null >/dev/null 2>&1 || true
        UPDATED=1
        (cd "$DEBS" && apt-get download "$1" </dev/null >/dev/null 2>&1) && return 0
    fi
    v=$(apt-cache madison "$1" 2>/dev/null | awk -F'|' 'NR == 1 {gsub(/ /, "", $2); print $2}')
    [ -n "$v" ] && (cd "$DEBS" && apt-get download "$1=$v" </dev/null >"$W/dl.err" 2>&1) && return 0
    return 1
}
# fetch_all LISTFILE SKIPFILE: every package of LISTFILE, in batches of 40
# (one apt-get call each); a batch that fails goes one by one. Names that
# cannot be downloaded are appended to SKIPFILE.
# cached PKG names, one a line (from the .deb file names, PKG_VERSION_ARCH.deb)
cached() { ls "$DEBS" | sed -n 's/^\([^_]*\)_.*\.deb$/\1/p' | sort -u; }
fetch_all() {
    cached >"$W/cached.txt"
    sort -u "$1" | comm -23 - "$W/cached.txt" >"$W/missing"
    n=$(wc -l <"$W/missing")
    [ "$n" -eq 0 ] || say "downloading $n packages into $DEBS"
    split -l 40 "$W/missing" "$W/batch." 2>/dev/null || true
    for b in "$W"/batch.*; do
        [ -f "$b" ] || continue
        if ! (cd "$DEBS" && xargs apt-get download <"$b" >/dev/null 2>&1); then
            while read -r p; do
                fetch_one "$p" || {
                    say "apt-get download $p failed: skipped"
                    echo "$p" >>"$2"
                }
            done <"$b"
        fi
        rm -f "$b"
    done
}

# ---- size cap: the archive's Size field, known before downloading
xargs apt-cache show --no-all-versions <"$W/neg.txt" 2>/dev/null |
    awk '/^Package:/ {p = $2} /^Size:/ {print p, $2}' >"$W/sizes.txt" || true
awk -v max="$MAX_DEB" '$2 > max {print $1}' "$W/sizes.txt" | sort -u >"$W/toobig.txt"
grep -vxF -f "$W/toobig.txt" "$W/neg.txt" >"$W/neg-get.txt" || true
: >"$W/skipped.txt"
fetch_all "$W/neg-get.txt" "$W/skipped.txt"
# a .deb over the cap that the archive index did not announce (a local version)
sort -u "$W/neg-get.txt" >"$W/neg-get.sorted"
(cd "$DEBS" && ls -l -- *.deb) | awk -v max="$MAX_DEB" '$5 > max {n = $NF; sub(/_.*/, "", n); print n}' |
    sort -u | comm -12 - "$W/neg-get.sorted" >>"$W/toobig.txt"
sort -u -o "$W/toobig.txt" "$W/toobig.txt"
: >"$W/held-skipped.txt"
fetch_all "$W/held-pkgs.txt" "$W/held-skipped.txt"
: >"$W/tool-skipped.txt"
fetch_all "$W/tool-pkgs.txt" "$W/tool-skipped.txt"

# ---- unpacking, cached: .cache/tool-corpus/x/<deb name>/{root,ctl,control,.done},
# two at a time; each tree is made under a temporary name and renamed whole
# (mv -T), so an interrupted run leaves no half tree behind
export DEBS CACHE
UNPACK_ONE='for d in "$DEBS"/"$1"_*.deb; do :; done
[ -f "$d" ] || exit 0
t=$CACHE/x/$(basename "$d" .deb)
[ -f "$t/.done" ] && exit 0
rm -rf "$t" "$t.tmp.$$"
mkdir -p "$t.tmp.$$/root" "$t.tmp.$$/ctl"
if dpkg-deb -x "$d" "$t.tmp.$$/root" && dpkg-deb -e "$d" "$t.tmp.$$/ctl" &&
    dpkg-deb -f "$d" >"$t.tmp.$$/control"; then
    : >"$t.tmp.$$/.done"
    mv -T "$t.tmp.$$" "$t" 2>/dev/null || rm -rf "$t.tmp.$$"
else
    rm -rf "$t.tmp.$$"
    echo "tool-corpus: dpkg-deb could not unpack $d" >&2
fi
exit 0'
# trees LISTFILE OUT: "PKG TREE" lines for every package of LISTFILE that
# has a .deb (unpacked now if needed); the rest appended to $W/unpack-failed.txt
# (the .deb of each package from one listing of $DEBS: the last in name order)
trees() {
    ls "$DEBS" | sed -n 's/^\(\([^_]*\)_.*\)\.deb$/\2 \1/p' |
        awk -v x="$CACHE/x" 'NR == FNR { want[$1] = 1; next } ($1 in want) { t[$1] = x "/" $2 }
            END { for (p in t) print p, t[p] }' "$1" - >"$W/t.map"
    awk '{ print $2 "/.done", $1 }' "$W/t.map" | while read -r f p; do [ -f "$f" ] || echo "$p"; done >"$W/t.todo"
    xargs -P 2 -n 1 sh -c "$UNPACK_ONE" sh <"$W/t.todo"
    : >"$2"
    # in the order of LISTFILE
    awk 'NR == FNR { t[$1] = $2; next } ($1 in t) { print $1, t[$1] }' "$W/t.map" "$1" |
        while read -r p t; do
            if [ -f "$t/.done" ]; then echo "$p $t" >>"$2"; else echo "$p" >>"$W/unpack-failed.txt"; fi
        done
}
: >"$W/unpack-failed.txt"
cat "$W/skipped.txt" "$W/toobig.txt" | sort -u >"$W/notneg.txt"
grep -vxF -f "$W/notneg.txt" "$W/neg.txt" >"$W/neg-use.txt" || true
say "unpacking (cached in $CACHE/x)"
trees "$W/neg-use.txt" "$W/neg-trees.txt"
trees "$W/held-pkgs.txt" "$W/held-trees.txt"
trees "$W/tool-pkgs.txt" "$W/tool-trees.txt"
# trees of .deb files no longer cached (an older version) go
for t in "$CACHE"/x/*; do
    [ -d "$t" ] || continue
    case $t in *.tmp.*) rm -rf "$t"; continue ;; esac
    [ -f "$DEBS/$(basename "$t").deb" ] || rm -rf "$t"
done

# ---- image specs (python): files at their packaged paths, and for "db"
# images the dpkg database: /var/lib/dpkg/status (each package's control
# stanza with "Status: install ok installed" and its conffiles, as dpkg
# writes it), info/PKG.list, PKG.md5sums and the maintainer scripts.
# mkspec MODE OUT DB CHUNK LIST (a file of "PKG TREE" lines): MODE neg writes OUT.N.json and
# OUT.N.pkgs (one image per CHUNK unpacked bytes), MODE one writes OUT.json;
# OUT.paths maps every path to its package; OUT.stats: files, ELF files, bytes.
mkspec() {
    python3 - "$@" <<'PY'
import json, os, stat, sys
mode, out, db, chunk = sys.argv[1], sys.argv[2], sys.argv[3] == '1', int(sys.argv[4])
pkgs = [l.split(' ', 1) for l in open(sys.argv[5]).read().splitlines() if l.strip()]

def walk(root):
    files, dirs = [], []
    for d, dn, fn in os.walk(root):
        dn.sort()
        rel = os.path.relpath(d, root)
        if rel != '.':
            dirs.append('/' + rel)
        for n in sorted(fn):
            f = os.path.join(d, n)
            st = os.lstat(f)
            r = '/' + os.path.relpath(f, root)
            dirs.append(r)
            if stat.S_ISREG(st.st_mode):
                files.append((r, st, f))
    return files, dirs

def stanza(tree):
    ctl = open(os.path.join(tree, 'control'), encoding='utf-8', errors='replace').read().rstrip('\n')
    lines = ctl.split('\n')
    outl = [lines[0], 'Status: install ok installed'] + lines[1:]
    cf = os.path.join(tree, 'ctl', 'conffiles')
    if os.path.exists(cf):
        import hashlib
        conf = []
        for c in open(cf).read().split():
            if not c.startswith('/'):
                continue
            p = os.path.join(tree, 'root', c.lstrip('/'))
            h = hashlib.md5(open(p, 'rb').read()).hexdigest() if os.path.isfile(p) else 'newconffile'
            conf.append(' %s %s' % (c, h))
        if conf:
            # dpkg puts Conffiles before Description
            i = next((k for k, l in enumerate(outl) if l.startswith('Description:')), len(outl))
            outl[i:i] = ['Conffiles:'] + conf
    return '\n'.join(outl) + '\n'

def field(tree, name):
    for l in open(os.path.join(tree, 'control'), encoding='utf-8', errors='replace'):
        if l.startswith(name + ':'):
            return l.split(':', 1)[1].strip()
    return ''

images = []  # list of (pkgs, entries, paths)
cur, size = None, 0
stats = [0, 0, 0]
for pkg, tree in pkgs:
    files, listing = walk(os.path.join(tree, 'root'))
    psize = sum(st.st_size for _, st, _ in files)
    if cur is None or (mode == 'neg' and size + psize > chunk and cur[0]):
        cur = ([], [], {})
        images.append(cur)
        size = 0
    size += psize
    cur[0].append((pkg, tree, listing))
    for r, st, f in files:
        if r in cur[2]:
            continue
        try:
            r.encode('utf-8')
        except UnicodeEncodeError:  # a name that is not UTF-8: not expressible in a spec
            print('tool-corpus: %s: skipped a file whose name is not UTF-8: %r' % (pkg, r), file=sys.stderr)
            continue
        cur[2][r] = pkg
        cur[1].append({'path': r.lstrip('/'), 'type': 'file', 'mode': '0%o' % stat.S_IMODE(st.st_mode),
                       'from_file': f})
        with open(f, 'rb') as h:
            elf = h.read(4) == b'\x7fELF'
        stats[0] += 1
        stats[1] += elf
        stats[2] += st.st_size

with open(out + '.paths', 'w') as pm:
    for n, (ipkgs, entries, paths) in enumerate(images):
        if db:
            status, extra = [], []
            for pkg, tree, listing in ipkgs:
                status.append(stanza(tree))
                name = pkg + (':' + field(tree, 'Architecture') if field(tree, 'Multi-Arch') == 'same' else '')
                blobs = {name + '.list': '/.\n' + ''.join(l + '\n' for l in listing)}
                for s in ('md5sums', 'conffiles', 'preinst', 'postinst', 'prerm', 'postrm', 'config', 'triggers'):
                    p = os.path.join(tree, 'ctl', s)
                    if os.path.isfile(p):
                        blobs[name + '.' + s] = p
                for b, v in blobs.items():
                    path = 'var/lib/dpkg/info/' + b
                    e = {'path': path, 'type': 'file', 'mode': '0755' if b.endswith(('inst', 'rm', 'config')) else '0644'}
                    if v.startswith('/') and os.path.isfile(v):
                        e['from_file'] = v
                    else:
                        e['content'] = v
                    entries.append(e)
                    paths['/' + path] = pkg
            entries.append({'path': 'var/lib/dpkg/status', 'type': 'file', 'mode': '0644',
                            'content': '\n'.join(status)})
            paths['/var/lib/dpkg/status'] = '(dpkg status)'
        spec = {'tag': 'latest', 'images': [{'platform': 'linux/amd64',
                'config': {'User': '1000', 'Entrypoint': ['/bin/true']},
                'layers': [{'compression': 'zstd', 'entries': entries}]}]}
        base = out + ('.%03d' % n if mode == 'neg' else '')
        with open(base + '.json', 'w') as f:
            json.dump(spec, f)
        with open(base + '.pkgs', 'w') as f:
            f.write(''.join(p + '\n' for p, _, _ in ipkgs))
        for p, k in paths.items():
            pm.write('%s\t%s\n' % (p, k))
with open(out + '.stats', 'w') as f:
    f.write('%d %d %d %d\n' % (stats[0], stats[1], stats[2], len(images)))
PY
}

# ---- scanning: the tools-only policy of tests/integration/yara.sh (only
# suspicious-tool may deny, every regular file is scanned)
printf '{"name": "tools-only", "yara": {"scan_all_files": true}, "checks": {"root-user": {"action": "ignore"},
 "missing-entrypoint": {"action": "ignore"}, "entrypoint-unrunnable": {"action": "ignore"},
 "workdir-inaccessible": {"action": "ignore"}, "setuid-file": {"action": "ignore"},
 "setgid-file": {"action": "ignore"}, "file-capability": {"action": "ignore"},
 "device-file": {"action": "ignore"}, "privileged-port": {"action": "ignore"},
 "secret-in-env": {"action": "ignore"}, "world-writable": {"action": "ignore"},
 "unpinned-image": {"action": "ignore"}}}\n' >"$W/tools-only.json"
# category of each rule, from its meta (for reports without a category field)
awk '/^[ \t]*(private[ \t]+|global[ \t]+)*rule[ \t]/ {
        sub(/^[ \t]*(private[ \t]+|global[ \t]+)*rule[ \t]+/, ""); sub(/[ \t:{].*/, ""); r = $0 }
     /^[ \t]*category[ \t]*=/ { c = $0; sub(/^[^"]*"/, "", c); sub(/".*/, "", c); if (r != "") print r "\t" c }' \
    rules/tools/*.yar >"$W/rule-cats.tsv"
# build_scan SPEC NAME: builds the image, scans it; the suspicious-tool
# findings as "PATH<TAB>RULE<TAB>CATEGORY<TAB>SIGNAL" in $W/NAME.hits
build_scan() {
    rm -rf "$W/img"
    "$FB" "$1" "$W/img" </dev/null >"$W/fb.log" 2>&1 || die "fixture-builder $1: $(head -c 600 "$W/fb.log")"
    rc=0
    "$PC" scan --no-cache </dev/null --policy "$W/tools-only.json" --format json "oci:$W/img/oci:latest" \
        >"$W/$2.report.json" 2>"$W/scan.err" || rc=$?
    [ $rc -le 1 ] || die "scan of $2 failed (exit $rc): $(head -c 600 "$W/scan.err")"
    jq -e '.reports[0].scan_failed == false' "$W/$2.report.json" >/dev/null ||
        die "scan of $2 incomplete: $(jq -c '[.reports[0].findings[] | select(.check == "scan-error")] | .[0]' "$W/$2.report.json")"
    jq -r '.reports[0].findings[] | select(.check == "suspicious-tool") |
        [.path, .rule, (.category // ""), (.signal // "")] | @tsv' "$W/$2.report.json" |
        awk -F'\t' -v OFS='\t' 'NR == FNR { cat[$1] = $2; next }
            { if ($3 == "") $3 = ($2 in cat) ? cat[$2] : "?"
              if ($4 == "") $4 = ($2 ~ /^package:/) ? "package" : ($2 ~ /^(capability|signal)_/) ? "capability" : "content"
              print }' "$W/rule-cats.tsv" - >"$W/$2.hits"
    jq -r '.reports[0].stats.files // 0' "$W/$2.report.json" >"$W/$2.files"
    rm -rf "$W/img"
}

START=$(date +%s)
digest=$("$PC" rules check rules 2>/dev/null | sed -n 's/.*rules digest \(sha256:[0-9a-f]*\).*/\1/p')
[ -n "$digest" ] || die "portcullis rules check rules failed"

# ---- 1. negative corpus
say "negative corpus: building the image specs"
mkspec neg "$W/neg" 1 "$CHUNK" "$W/neg-trees.txt"
read -r nfiles nelf nbytes nimages <"$W/neg.stats"
nneg=$(wc -l <"$W/neg-trees.txt")
: >"$W/fp.tsv"
for s in "$W"/neg.[0-9]*.json; do
    n=$(basename "$s" .json)
    say "scanning $n ($(wc -l <"${s%.json}.pkgs") packages)"
    build_scan "$s" "$n"
    cat "$W/$n.hits" >>"$W/fp.tsv"
done
# owner of each finding's path
awk -F'\t' -v OFS='\t' 'NR == FNR { own[$1] = $2; next } { print $1, (($1 in own) ? own[$1] : "?"), $2, $3, $4 }' \
    "$W/neg.paths" "$W/fp.tsv" >"$W/fp-own.tsv"
nfp=$(wc -l <"$W/fp-own.tsv")
NEGSECS=$(($(date +%s) - START))

# ---- 2. held-out recall: binary-only and installed images per package
say "held-out packages: $(wc -l <"$W/held-trees.txt")"
: >"$W/held-res.tsv"
while read -r p t; do
    cat=$(awk -v p="$p" '$1 == p {print $2}' "$W/held.txt")
    for db in 0 1; do
        echo "$p $t" >"$W/one.txt"
        mkspec one "$W/h-$p-$db" $db 0 "$W/one.txt"
        build_scan "$W/h-$p-$db.json" "h-$p-$db"
    done
    # PKG CATEGORY HITS0 SIGNALS0 RULES0 HITS1 SIGNALS1 RULES1
    printf '%s\t%s' "$p" "$cat" >>"$W/held-res.tsv"
    for db in 0 1; do
        f=$W/h-$p-$db.hits
        printf '\t%s\t%s\t%s' "$(wc -l <"$f")" "$(cut -f4 "$f" | sort -u | paste -sd, -)" \
            "$(cut -f2 "$f" | sort -u | paste -sd, -)" >>"$W/held-res.tsv"
    done
    echo >>"$W/held-res.tsv"
done <"$W/held-trees.txt"

# ---- 3. the known-tool corpus of tests/tools/*.list (sanity)
say "known-tool corpus: $(wc -l <"$W/tools.txt") listed files"
python3 - "$W/tool-trees.txt" "$W/tools.txt" "$W/tools.json" "$W/tools-expect.txt" <<'PY'
import json, os, stat, sys
trees = dict(l.split() for l in open(sys.argv[1]) if l.strip())
entries, seen, expect = [], set(), []
for l in open(sys.argv[2]):
    pkg, path, rule = l.split()
    f = os.path.join(trees.get(pkg, '/nonexistent'), 'root', path)
    if not os.path.isfile(f):
        expect.append('%s /%s %s missing\n' % (pkg, path, rule))
        continue
    expect.append('%s /%s %s ok\n' % (pkg, path, rule))
    if path in seen:
        continue
    seen.add(path)
    entries.append({'path': path, 'type': 'file', 'mode': '0%o' % stat.S_IMODE(os.stat(f).st_mode), 'from_file': f})
spec = {'tag': 'latest', 'images': [{'platform': 'linux/amd64', 'config': {'User': '1000', 'Entrypoint': ['/bin/true']},
        'layers': [{'compression': 'gzip', 'entries': entries}]}]}
json.dump(spec, open(sys.argv[3], 'w'))
open(sys.argv[4], 'w').write(''.join(expect))
PY
build_scan "$W/tools.json" tools
ntools=$(wc -l <"$W/tools-expect.txt")
: >"$W/tools-missed.txt"
while read -r pkg path rule state; do
    if [ "$state" != ok ] || ! awk -F'\t' -v p="$path" -v r="$rule" '$1 == p && $2 == r {f = 1} END {exit !f}' "$W/tools.hits"; then
        echo "$pkg $path $rule" >>"$W/tools-missed.txt"
    fi
done <"$W/tools-expect.txt"
nmissed=$(wc -l <"$W/tools-missed.txt")
SECS=$(($(date +%s) - START))

# ---- the report (markdown)
nlisted=$(wc -l <"$W/neg.txt")
nskip=$(wc -l <"$W/skipped.txt")
nbig=$(wc -l <"$W/toobig.txt")
nunp=$(wc -l <"$W/unpack-failed.txt")
nheld=$(wc -l <"$W/held-trees.txt")
nheldlist=$(wc -l <"$W/held.txt")
words() { if [ -s "$1" ]; then sort -u "$1" | paste -sd' ' - | sed 's/ /, /g'; else echo none; fi; }
mib() { awk -v b="$1" 'BEGIN {printf "%.0f MiB", b / 1048576}'; }
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
report() {
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`make tool-corpus\` (scripts/tool-corpus.sh) at \`$commit\`,"
    echo "rules digest \`$digest\`; $SECS s (negative corpus $NEGSECS s)."
    echo
    echo "**False positives: $nfp suspicious-tool findings** in every file of **$nneg ordinary Debian"
    echo "bookworm packages** ($NEGLIST lists $nlisted; not downloadable: $nskip"
    echo "($(words "$W/skipped.txt")); over the $(mib "$MAX_DEB") .deb cap: $nbig ($(words "$W/toobig.txt"));"
    echo "not unpackable: $nunp): $nfiles files ($nelf ELF files), $(mib "$nbytes"), each at its packaged"
    echo "path, with a dpkg status file describing the packages, in $nimages images, scanned with"
    echo "\`scan_all_files\`."
    if [ "$nfp" -gt 0 ]; then
        echo
        echo "| path | package | rule | category | signal |"
        echo "| --- | --- | --- | --- | --- |"
        sort -u "$W/fp-own.tsv" | awk -F'\t' '{printf "| `%s` | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5}'
    fi
    echo
    echo "**Held-out recall** ($nheld of $nheldlist held-out packages, rules/corpus/held-out.txt; no content"
    echo "rule was written for them). Binary-only: every file of the package at its path, no package"
    echo "database; installed: the same plus its dpkg status stanza. Detected: at least one"
    echo "suspicious-tool finding on the image (signals: content = a YARA rule for a tool,"
    echo "capability = a rule on what a program can do, package = the package database)."
    echo
    echo "| category | held-out packages | detected binary-only (signal) | detected installed (signal) |"
    echo "| --- | --- | --- | --- |"
    awk -F'\t' '
        function sig(s, k,   n, a, i) { n = split(s, a, ","); for (i = 1; i <= n; i++) if (a[i] != "") cnt[k, a[i]]++ }
        function sigs(k,   out, i, s) { out = ""; for (i = 1; i <= 3; i++) { s = S[i]; if (cnt[k, s]) out = out (out == "" ? "" : ", ") s " " cnt[k, s] } return out == "" ? "" : " (" out ")" }
        BEGIN { S[1] = "content"; S[2] = "capability"; S[3] = "package" }
        { c = $2; if (!(c in n)) order[++nc] = c; n[c]++; pk[c] = pk[c] (pk[c] == "" ? "" : ", ") $1
          if ($3 > 0) { d0[c]++; D0++; sig($4, c SUBSEP 0); sig($4, "all" SUBSEP 0) }
          if ($6 > 0) { d1[c]++; D1++; sig($7, c SUBSEP 1); sig($7, "all" SUBSEP 1) }
          N++ }
        END { for (i = 1; i <= nc; i++) { c = order[i]
                printf "| %s | %s | %d of %d%s | %d of %d%s |\n", c, pk[c], d0[c], n[c], sigs(c SUBSEP 0), d1[c], n[c], sigs(c SUBSEP 1) }
              printf "| **all** | %d | **%d of %d**%s | **%d of %d**%s |\n", N, D0, N, sigs("all" SUBSEP 0), D1, N, sigs("all" SUBSEP 1) }' \
        "$W/held-res.tsv"
    if [ -s "$W/held-skipped.txt" ]; then
        echo
        echo "Held-out packages that could not be downloaded: $(words "$W/held-skipped.txt")."
    fi
    echo
    echo "Per package (rules that fired):"
    echo
    echo "| package | category | binary-only | installed |"
    echo "| --- | --- | --- | --- |"
    awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, ($3 > 0 ? $5 : "—"), ($6 > 0 ? $8 : "—") }' "$W/held-res.tsv"
    echo
    echo "**Known-tool corpus** (tests/tools/*.list, sanity): $((ntools - nmissed)) of $ntools listed files"
    echo "found by their rule at their packaged path."
    if [ "$nmissed" -gt 0 ]; then
        echo "Missed: $(awk '{printf "%s%s %s (%s)", (NR > 1 ? "; " : ""), $1, $2, $3}' "$W/tools-missed.txt")."
    fi
}
report >"$W/report.md"
cat "$W/report.md"

if [ "$nneg" -lt "$MIN" ]; then
    die "only $nneg negative packages scanned (at least $MIN needed): the figures are not valid; README not updated"
fi
if [ $UPDATE_README = 1 ]; then
    R=rules/README.md
    grep -q '^<!-- tool-corpus:begin -->$' "$R" && grep -q '^<!-- tool-corpus:end -->$' "$R" ||
        die "$R has no <!-- tool-corpus:begin --> / <!-- tool-corpus:end --> lines"
    awk -v f="$W/report.md" '
        $0 == "<!-- tool-corpus:begin -->" { print; while ((getline l < f) > 0) print l; skip = 1; next }
        $0 == "<!-- tool-corpus:end -->" { skip = 0 }
        !skip' "$R" >"$W/README.new"
    cat "$W/README.new" >"$R"
    say "figures written into $R"
fi
[ "$nfp" -eq 0 ] || die "$nfp false positives (listed above)"
say "done in $SECS s"
