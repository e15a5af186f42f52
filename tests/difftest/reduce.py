#!/usr/bin/env python3
"""reduce.py - shrink a failing difftest spec to what still disagrees.

    reduce.py SPEC.json --portcullis BIN --oracle BIN [--image I] [--out MIN.json]

Greedily drops layers, entries, PAX records, encodings and config keys
from the spec while the oracle and `portcullis inspect --no-cache` still
disagree on at least one (path, field) they disagreed on at first. Writes
the smallest spec found (default: SPEC.min.json). Needs root, like run.sh;
PORTCULLIS_DATADIR must let portcullis find its policies.
"""

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import gen  # noqa: E402

COMPARE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "oracle", "compare.py")


def diffs(spec, a, work):
    """The (path, field) pairs the two readers disagree on; None if not comparable."""
    lay = os.path.join(work, "img")
    try:
        gen.build(spec, lay)
    except (gen.SpecError, gen.CannotBuild, ValueError, OSError, EOFError):
        return None
    o = os.path.join(work, "o.json")
    p = os.path.join(work, "p.json")
    with open(o, "w") as f:
        if subprocess.run([a.oracle, lay], stdout=f, stderr=subprocess.DEVNULL, timeout=120).returncode != 0:
            return None
    with open(p, "w") as f:
        rc = subprocess.run([a.portcullis, "inspect", "--no-cache", "oci:" + lay], stdout=f,
                            stderr=subprocess.DEVNULL, timeout=120).returncode
    if rc not in (0, 2):
        return {("portcullis-exit", str(rc))}
    r = subprocess.run([sys.executable, COMPARE, o, p], stdout=subprocess.PIPE, timeout=60)
    out = set()
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("DIFF "):
            parts = line.split(" ")
            out.add((parts[1], parts[2]))
    return out


def candidates(spec):
    """Smaller variants of spec, biggest cuts first."""
    layers = spec.get("layers", [])
    for i in range(len(layers)):
        s = copy.deepcopy(spec)
        del s["layers"][i]
        yield "drop layer %d" % i, s
    for i, l in enumerate(layers):
        n = len(l.get("entries", []))
        chunk = n // 2
        while chunk >= 1:
            for start in range(0, n, chunk):
                s = copy.deepcopy(spec)
                del s["layers"][i]["entries"][start:start + chunk]
                yield "drop layer %d entries %d..%d" % (i, start, start + chunk - 1), s
            chunk //= 2
        if l.get("base"):
            s = copy.deepcopy(spec)
            del s["layers"][i]["base"]
            yield "drop layer %d base" % i, s
        for k in ("gzip_members", "end", "record_size", "trailing", "media_type"):
            if k in l:
                s = copy.deepcopy(spec)
                del s["layers"][i][k]
                yield "drop layer %d %s" % (i, k), s
        if l.get("compression", "gzip") not in ("raw", "polyglot", "polyglot-zstd"):
            s = copy.deepcopy(spec)
            s["layers"][i]["compression"] = "raw"
            s["layers"][i].pop("media_type", None)
            yield "layer %d uncompressed" % i, s
        for j, e in enumerate(l.get("entries", [])):
            for k in ("numeric", "checksum", "format", "uname", "gname", "pax", "longname", "name_field",
                      "ext_order", "v7_regtype", "cap", "xattrs", "body_records"):
                if k in e:
                    s = copy.deepcopy(spec)
                    del s["layers"][i]["entries"][j][k]
                    if k == "longname":
                        s["layers"][i]["entries"][j].pop("ext_order", None)
                    yield "layer %d entry %d: drop %s" % (i, j, k), s
            if isinstance(e.get("body"), str) and len(e["body"]) > 1:
                s = copy.deepcopy(spec)
                s["layers"][i]["entries"][j]["body"] = e["body"][:len(e["body"]) // 2]
                yield "layer %d entry %d: halve body" % (i, j), s
    cfg = spec.get("config")
    if isinstance(cfg, dict):
        for k in list(cfg):
            s = copy.deepcopy(spec)
            del s["config"][k]
            yield "drop config %s" % k, s


def main(argv):
    ap = argparse.ArgumentParser(prog="reduce.py")
    ap.add_argument("spec")
    ap.add_argument("--portcullis", required=True)
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--image", type=int)
    ap.add_argument("--out")
    a = ap.parse_args(argv[1:])
    with open(a.spec, encoding="utf-8", errors="surrogateescape") as f:
        spec = json.load(f)
    if "images" in spec:
        if a.image is None:
            print("reduce.py: the spec has %d images; say which with --image" % len(spec["images"]), file=sys.stderr)
            return 2
        spec = gen.resolve_refs(spec)["images"][a.image]
    with tempfile.TemporaryDirectory(prefix="difftest-reduce.") as work:
        want = diffs(spec, a, work)
        if not want:
            print("reduce.py: the spec does not disagree (or cannot be compared); nothing to reduce", file=sys.stderr)
            return 1
        print("disagreement: %s" % ", ".join("%s %s" % d for d in sorted(want)), file=sys.stderr)
        changed = True
        while changed:
            changed = False
            for what, s in candidates(spec):
                got = diffs(s, a, work)
                if got and got & want:
                    print("  kept: %s" % what, file=sys.stderr)
                    spec = s
                    want = got & want
                    changed = True
                    break
    spec["description"] = "reduced from %s: %s" % (os.path.basename(a.spec), ", ".join("%s %s" % d for d in sorted(want)))
    out = a.out or os.path.splitext(a.spec)[0] + ".min.json"
    with open(out, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(json.dumps(spec, indent=1, ensure_ascii=False) + "\n")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
