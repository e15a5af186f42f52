#!/usr/bin/env python3
"""promcheck.py - a strict check of a Prometheus text exposition (format
0.0.4) read from a file, then assertions on the families found.

Every line must be "# HELP name text", "# TYPE name type" or a sample
"name{label="value",...} value" (labels optional); a family's TYPE comes
before its samples and once only; every sample belongs to a declared
family (histograms: _bucket, _sum, _count); label values are properly
escaped; no sample (name and labels) appears twice; values are floats.
For each histogram series: buckets are in increasing le order, their
counts never decrease, the last is le="+Inf" and equals _count.

  promcheck.py FILE [--want NAME]... [--json OUT]

--want NAME: the family must be present with at least one sample.
--json OUT: writes {"name{labels}": value, ...} for the test's own
assertions. Prints "PASS promcheck: ..." / "FAIL promcheck: ..." lines.
"""
import argparse
import json
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(\{(?:%s)(?:,%s)*,?\}|\{\})? (\S+)( -?\d+)?$" % (NAME, LABEL, LABEL))
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}

errors = []


def err(msg):
    if len(errors) < 20:
        errors.append(msg)


def value(s):
    if s in ("+Inf", "-Inf", "NaN"):
        return float(s.replace("Inf", "inf").replace("NaN", "nan"))
    return float(s)


def family_of(name, types):
    if name in types:
        return name
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf) and types.get(name[: -len(suf)]) in ("histogram", "summary"):
            return name[: -len(suf)]
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--want", action="append", default=[])
    p.add_argument("--json")
    a = p.parse_args()
    text = open(a.file, encoding="utf-8").read()
    if not text.endswith("\n"):
        err("the exposition does not end with a newline")
    types, helps, seen, samples = {}, set(), set(), {}
    hist = {}  # (family, labels without le) -> [(le, count)], and counts
    counts = {}
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not re.fullmatch(NAME, parts[2]) or parts[2] in helps:
                err("line %d: bad or repeated HELP: %r" % (n, line))
            helps.add(parts[2])
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or not re.fullmatch(NAME, parts[2]) or parts[3] not in TYPES:
                err("line %d: bad TYPE: %r" % (n, line))
            elif parts[2] in types:
                err("line %d: TYPE of %s repeated" % (n, parts[2]))
            else:
                types[parts[2]] = parts[3]
            continue
        if line.startswith("#") or not line:
            err("line %d: neither HELP, TYPE nor a sample: %r" % (n, line))
            continue
        m = SAMPLE.match(line)
        if not m:
            err("line %d: not a sample: %r" % (n, line))
            continue
        name, labels, v = m.group(1), m.group(2) or "", m.group(3)
        fam = family_of(name, types)
        if fam is None:
            err("line %d: sample %s before (or without) its TYPE" % (n, name))
            continue
        try:
            val = value(v)
        except ValueError:
            err("line %d: value %r is not a number" % (n, v))
            continue
        key = name + labels
        if key in seen:
            err("line %d: sample %s repeated" % (n, key))
        seen.add(key)
        samples[key] = val
        lab = LABEL_RE.findall(labels)
        names = [k for k, _ in lab]
        if len(names) != len(set(names)):
            err("line %d: a label repeated: %s" % (n, key))
        if types[fam] in ("counter",) and (val < 0 or math.isnan(val)):
            err("line %d: counter %s is %s" % (n, key, v))
        if types[fam] == "histogram":
            rest = tuple((k, x) for k, x in lab if k != "le")
            if name.endswith("_bucket"):
                le = [x for k, x in lab if k == "le"]
                if len(le) != 1:
                    err("line %d: bucket without le: %s" % (n, key))
                    continue
                hist.setdefault((fam, rest), []).append((value(le[0]), val))
            elif name.endswith("_count"):
                counts[(fam, rest)] = val
    for (fam, rest), buckets in hist.items():
        les = [b[0] for b in buckets]
        cs = [b[1] for b in buckets]
        where = "%s%s" % (fam, dict(rest))
        if les != sorted(les) or len(set(les)) != len(les):
            err("%s: buckets not in increasing le order" % where)
        if any(y < x for x, y in zip(cs, cs[1:])):
            err("%s: bucket counts decrease: %s" % (where, cs))
        if not les or les[-1] != float("inf"):
            err("%s: no le=\"+Inf\" bucket last" % where)
        elif counts.get((fam, rest)) != cs[-1]:
            err("%s: +Inf bucket %s != _count %s" % (where, cs[-1], counts.get((fam, rest))))
    for fam in types:
        if fam not in helps:
            err("%s has a TYPE and no HELP" % fam)
    ok = not errors
    print(("PASS promcheck: strict text format (%d samples, %d families)" % (len(samples), len(types)))
          if ok else ("FAIL promcheck: strict text format: %s" % "; ".join(errors)))
    for w in a.want:
        have = w in types and any(family_of(k.split("{")[0], types) == w for k in samples)
        print(("PASS promcheck: family %s present" % w) if have else
              ("FAIL promcheck: family %s present: not found" % w))
        ok = ok and have
    if a.json:
        with open(a.json, "w") as f:
            json.dump(samples, f)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
