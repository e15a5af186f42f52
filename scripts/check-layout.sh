#!/usr/bin/env python3
# check-layout.sh — the layout of docs/architecture.md as a fact, checked
# over the quoted #include lines of the tree (python3; run from anywhere):
#
#   sh scripts/check-layout.sh [BUILD]     (or: make check-layout)
#
# Each include is resolved the way the compiler resolves it: first the
# including file's own directory, then the -I directories the Makefile
# gives that part of the tree (TREES below mirrors the Makefile's rules).
# Three rules; one "PASS rule" or "FAIL rule" line each, the offending
# includes listed under a FAIL; exit status 1 when any rule fails.
#
#  boundary  a file in src/ or webhook/ includes only include/ headers and
#            files of its own tree (never a lib/ header, nothing unresolved)
#  cycles    no circle of includes among the project's headers and sources
#  stages    no lib/ stage includes a header of a stage after it in the
#            data flow (STAGES below); the driver (lib/*.c: scan.c and the
#            context it runs with) may include every stage
#  calls     (with BUILD, e.g. build: its objects must be built) no circle
#            of calls between object files: A uses a symbol B defines and
#            B, through any chain, one of A's (nm); a dispatcher and the
#            writers it calls must not call each other both ways
#
# Allowed exceptions to "stages" are listed in EXCEPTIONS with a reason.
""":"
exec python3 "$0" "$@"
":"""
import os
import re
import subprocess
import sys

# PC_LAYOUT_ROOT: check another tree (tests/integration/layout.sh plants
# violations in a scratch tree to see each rule fail).
ROOT = os.environ.get("PC_LAYOUT_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (tree prefix, -I directories) in the Makefile's order; the first prefix
# that matches a file decides. lib/ folders are found, as the Makefile's
# LIB_DIRS and WH_DIRS are.
def lib_dirs():
    dirs = ["lib"]
    for d in sorted(os.listdir(os.path.join(ROOT, "lib"))):
        if os.path.isdir(os.path.join(ROOT, "lib", d)):
            dirs.append("lib/" + d)
    return dirs


def wh_dirs():
    base = os.path.join(ROOT, "webhook")
    if not os.path.isdir(base):
        return []
    return ["webhook"] + ["webhook/" + d for d in sorted(os.listdir(base))
                          if os.path.isdir(os.path.join(base, d))]


TEST_INC = ["include"] + lib_dirs() + wh_dirs()
TREES = [
    ("lib/", ["lib", "include"]),
    ("src/", ["include"]),
    ("webhook/", ["include"]),
    ("tests/", TEST_INC),
    ("fixtures/", []),
    ("include/", ["include"]),
]

# The data flow, upstream first; a stage may include its own headers and
# those of stages before it (equal rank: neither is upstream of the other).
# The scan profile is the input of every stage, so it comes first.
# image comes before source/registry: it is the model every transport
# resolves a reference into (pc_image, the manifest/index/config/layout
# parsers), bytes in, structures out, no I/O; the transports fetch the
# bytes and call it.
STAGES = [
    ["pcx"],
    ["profile"],  # what a scan runs with (limits, YARA knobs) and how the image will run
    ["image"],
    ["source", "registry"],
    ["layer"],
    ["cache"],  # looked up before a layer is read; yara keeps its compiled rules there too
    ["yara"],
    ["fs"],
    ["check"],
    ["policy", "verdict"],
    ["report"],
    ["attest"],
]
RANK = {s: i for i, names in enumerate(STAGES) for s in names}

# (from, to, reason): allowed "stages" exceptions.
EXCEPTIONS = [
    ("lib/source/source_tar.c", "lib/layer/tarread.h",
     "the archive transports index their tar with the reader the layer walk "
     "uses (Go archive/tar's rules), so both see the same members; tarread "
     "is a leaf parser that depends on pcx only"),
]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def project_files():
    out = []
    for top in ("include", "lib", "src", "webhook", "tests", "fixtures"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames.sort()
            for f in sorted(filenames):
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, f), ROOT))
    return out


def search_path(rel):
    for prefix, dirs in TREES:
        if rel.startswith(prefix):
            return dirs
    return []


def resolve(rel, name):
    for d in [os.path.dirname(rel)] + search_path(rel):
        cand = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(ROOT, cand)):
            return cand
    return None


def includes(rel):
    out = []
    with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                out.append((n, m.group(1), resolve(rel, m.group(1))))
    return out


def stage_of(rel):
    """The stage of a lib/ file, "" for the driver (lib/*.c, lib/*.h)."""
    parts = rel.split("/")
    if parts[0] != "lib":
        return None
    return parts[1] if len(parts) > 2 else ""


def check_boundary(graph):
    bad = []
    for rel, incs in graph.items():
        top = rel.split("/")[0]
        if top not in ("src", "webhook"):
            continue
        for n, name, target in incs:
            if target is None:
                bad.append('%s:%d: "%s" is not a project header (not found in include/ or %s/)'
                           % (rel, n, name, top))
            elif not (target.startswith("include/") or target.startswith(top + "/")):
                bad.append('%s:%d: "%s" is %s, outside include/ and %s/'
                           % (rel, n, name, target, top))
    return bad


def check_cycles(graph):
    edges = {rel: sorted({t for _, _, t in incs if t}) for rel, incs in graph.items()}
    state, stack, cycles, seen = {}, [], [], set()

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in edges.get(v, []):
            if state.get(w) == 1:
                cyc = stack[stack.index(w):] + [w]
                key = frozenset(cyc)
                if key not in seen:
                    seen.add(key)
                    cycles.append(" -> ".join(cyc))
            elif w not in state:
                visit(w)
        stack.pop()
        state[v] = 2

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in state:
            visit(v)
    return cycles


def check_stages(graph):
    bad = []
    for rel, incs in graph.items():
        src = stage_of(rel)
        if not src:
            continue  # not lib/, or the driver
        for n, name, target in incs:
            dst = stage_of(target) if target else None
            if dst is None or dst == src:
                continue
            if any(rel == a and target == b for a, b, _ in EXCEPTIONS):
                continue
            if dst == "":
                bad.append("%s:%d: stage %s includes the driver's %s" % (rel, n, src, target))
            elif src not in RANK or dst not in RANK:
                bad.append("%s:%d: %s -> %s: stage not in STAGES of %s"
                           % (rel, n, src, dst, "scripts/check-layout.sh"))
            elif RANK[dst] > RANK[src]:
                bad.append("%s:%d: stage %s includes %s of the later stage %s"
                           % (rel, n, src, target, dst))
    return bad


def symbols(obj):
    """(defined, undefined) external symbols of an object file."""
    out = subprocess.run(["nm", "-P", "-g", obj], capture_output=True, text=True, check=True)
    defined, undefined = set(), set()
    for line in out.stdout.splitlines():
        f = line.split()
        if len(f) >= 2:
            (undefined if f[1] in "Uw" else defined).add(f[0])
    return defined, undefined


def check_calls(build):
    objs = []
    for top in ("lib", "src", "webhook"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(build, "obj", top)):
            dirnames.sort()
            objs += [os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".o")]
    if not objs:
        return ["%s/obj has no objects: build first (make all B=%s)" % (build, build)]
    owner, needs = {}, {}
    for o in objs:
        rel = os.path.relpath(o, os.path.join(build, "obj"))[:-2] + ".c"
        if not os.path.isfile(os.path.join(ROOT, rel)):
            continue  # left over from a source file that is gone
        defined, needs[rel] = symbols(o)
        for sym in defined:
            owner.setdefault(sym, rel)
    edges = {rel: sorted({owner[s] for s in syms if s in owner and owner[s] != rel})
             for rel, syms in needs.items()}
    return check_cycles({rel: [(0, "", t) for t in ts] for rel, ts in edges.items()})


def main():
    graph = {rel: includes(rel) for rel in project_files()}
    rules = [
        ("boundary", "src/ and webhook/ include only include/ and their own tree",
         check_boundary(graph)),
        ("cycles", "no circle of includes", check_cycles(graph)),
        ("stages", "no lib/ stage includes a later stage's header", check_stages(graph)),
    ]
    if len(sys.argv) > 1:
        rules.append(("calls", "no circle of calls between object files of %s" % sys.argv[1],
                      check_calls(sys.argv[1])))
    failed = 0
    for rule, what, bad in rules:
        if bad:
            failed += 1
            print("FAIL %s: %s (%d)" % (rule, what, len(bad)))
            for b in sorted(bad):
                print("    " + b)
        else:
            print("PASS %s: %s" % (rule, what))
    if failed:
        print("check-layout: %d of %d rules failed (see docs/architecture.md)"
              % (failed, len(rules)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
