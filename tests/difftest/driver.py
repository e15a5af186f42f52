#!/usr/bin/env python3
"""driver.py - the differential test loop behind run.sh (see README.md).

    driver.py --portcullis BIN --oracle BIN --work DIR --keep DIR
              [--cases DIR] [--random N --seed S] [--jobs J] [--timeout SEC]

For every case spec and every random seed: build the image layout(s) with
gen.py, read each with the containerd oracle and with `portcullis inspect
--no-cache`, compare them with tests/oracle/compare.py, and print one
"PASS difftest/NAME" or "FAIL difftest/NAME: ..." line (DIFF lines follow,
indented). Case specs with "shared_cache" are also scanned through a shared
--cache-dir, one image after the other. Ends with the counts; exit status 1
when anything failed.
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GEN = os.path.join(HERE, "gen.py")
COMPARE = os.path.join(ROOT, "tests", "oracle", "compare.py")


def run(cmd, timeout, stdout_path=None):
    """(exit code or 'timeout', stdout text, stderr text)"""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", "", ""
    out = p.stdout.decode("utf-8", "surrogateescape")
    if stdout_path:
        with open(stdout_path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(out)
    return p.returncode, out, p.stderr.decode("utf-8", "replace")


def one_line(s, n=300):
    s = " ".join(s.split())
    return s if len(s) <= n else s[:n] + "..."


class Result:
    def __init__(self, name):
        self.name = name
        self.ok = True
        self.head = ""
        self.lines = []
        self.oracle_refused = False
        self.pc_refused = False
        self.compared = False
        self.oracle_broken = False
        self.skipped = False

    def fail(self, why, lines=()):
        self.ok = False
        self.head = why
        self.lines.extend(lines)

    def text(self):
        if self.skipped:
            return "SKIP difftest/%s: %s\n" % (self.name, self.head)
        s = "%s difftest/%s%s\n" % ("PASS" if self.ok else "FAIL", self.name,
                                     (": " + self.head if not self.ok else (" (%s)" % self.head if self.head else "")))
        for l in self.lines:
            s += "    " + l + "\n"
        return s


def check_image(name, layout, a, work):
    """Oracle vs portcullis inspect on one layout."""
    res = Result(name)
    o_json = os.path.join(work, "oracle.json")
    p_json = os.path.join(work, "portcullis.json")
    rc, out, err = run([a.oracle, layout], a.timeout, o_json)
    if rc != 0:
        res.oracle_broken = True
        res.fail("oracle failed (exit %s): %s" % (rc, one_line(err.strip().splitlines()[-1] if err.strip() else "")))
        return res
    try:
        oracle = json.loads(out)
    except ValueError:
        res.oracle_broken = True
        res.fail("oracle printed no JSON")
        return res
    res.oracle_refused = bool(oracle.get("error"))
    rc, out, err = run([a.portcullis, "inspect", "--no-cache", "oci:" + layout], a.timeout, p_json)
    if rc not in (0, 2):
        res.fail("portcullis inspect exited %s: %s" % (rc, one_line(err)))
        return res
    try:
        pc = json.loads(out)
    except ValueError:
        res.fail("portcullis inspect exited %s without JSON: %s" % (rc, one_line(err or out)))
        return res
    if rc == 2 and pc.get("refused") is not True:
        res.fail("portcullis inspect exited 2 but did not say refused: %s" % one_line(err or out))
        return res
    res.pc_refused = pc.get("refused") is True
    res.compared = not res.pc_refused and not res.oracle_refused
    rc, out, err = run([sys.executable, COMPARE, o_json, p_json], a.timeout)
    diffs = [l for l in out.splitlines() if l.startswith("DIFF")]
    if rc == 0:
        if res.pc_refused:
            res.head = "portcullis refused: " + one_line(pc.get("error") or "", 120)
            if res.oracle_refused:
                res.head += "; the runtime refuses it too: " + one_line(oracle["error"], 120)
            else:
                res.head += "; the runtime accepts it"
        elif res.oracle_refused:
            res.head = "runtime refuses, portcullis read it: " + one_line(oracle["error"], 120)
        else:
            res.head = "views agree"
    elif rc == 1 and diffs:
        res.fail("%d difference%s: %s" % (len(diffs), "" if len(diffs) == 1 else "s", diffs[0]), diffs)
    else:
        res.fail("compare.py exited %s: %s" % (rc, one_line(err or out)))
    return res


def scan_outcome(a, cache, layout):
    """What `portcullis scan` reports: ('refused', why) or ('report', verdict, findings)."""
    cmd = [a.portcullis, "scan", "--format", "json"]
    cmd += ["--no-cache"] if cache is None else ["--cache-dir", cache]
    rc, out, err = run(cmd + ["oci:" + layout], a.timeout)
    # 0 allowed, 1 denied, 3 could not be scanned (refused); 2 is a usage
    # error, which a generated image never is
    if rc not in (0, 1, 3):
        return ("crash", "exit %s: %s" % (rc, one_line(err)))
    try:
        rep = json.loads(out)["reports"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return ("refused", one_line(err or out, 200))
    if rep.get("error") or rep.get("scan_failed") or rc == 3:
        return ("refused", one_line(str(rep.get("error") or err), 200))
    findings = sorted({(f.get("check"), f.get("path") or "", f.get("action")) for f in rep.get("findings", [])})
    return ("report", rep.get("verdict"), findings)


def check_cache(name, dirs, order, a, work):
    """Scan dirs[order[0]] then dirs[order[1]] with one --cache-dir: the
    second answer must be the one a scan without the cache gives (or a
    refusal), never facts cached from the first image."""
    first, second = order
    label = "%s/cache-%d-then-%d" % (name, first, second)
    results = []
    # 1. inspect, compared with the oracle and with the uncached inspect
    res = Result(label + "/inspect")
    cache = os.path.join(work, "cache-inspect-%d-%d" % (first, second))
    shutil.rmtree(cache, ignore_errors=True)
    rc, out, err = run([a.portcullis, "inspect", "--cache-dir", cache, "oci:" + dirs[first]], a.timeout)
    if rc not in (0, 2):
        res.fail("first inspect exited %s: %s" % (rc, one_line(err)))
        results.append(res)
    else:
        p_json = os.path.join(work, "cached-%d-%d.json" % (first, second))
        rc, out, err = run([a.portcullis, "inspect", "--cache-dir", cache, "oci:" + dirs[second]], a.timeout, p_json)
        rc2, out2, _ = run([a.portcullis, "inspect", "--no-cache", "oci:" + dirs[second]], a.timeout)
        try:
            cached, fresh = json.loads(out), json.loads(out2)
        except ValueError:
            res.fail("second inspect exited %s without JSON: %s" % (rc, one_line(err or out)))
            cached = fresh = None
        if cached is not None:
            if cached.get("refused") is True:
                res.head = "refused with the cache: " + one_line(cached.get("error") or "", 120)
            elif cached != fresh:
                keys = sorted(k for k in set(cached) | set(fresh) if cached.get(k) != fresh.get(k))
                lines = []
                cf, ff = cached.get("files") or {}, fresh.get("files") or {}
                for p in sorted(set(cf) | set(ff)):
                    if cf.get(p) != ff.get(p):
                        lines.append("DIFF %s cached=%s uncached=%s" % (p, json.dumps(cf.get(p)), json.dumps(ff.get(p))))
                res.fail("the cached answer for image %d differs from the uncached one (%s)"
                         % (second, ", ".join(keys)), lines[:40])
            else:
                o_json = os.path.join(work, "oracle-%d.json" % second)
                rc, _, err = run([a.oracle, dirs[second]], a.timeout, o_json)
                if rc != 0:
                    res.oracle_broken = True
                    res.fail("oracle failed (exit %s)" % rc)
                else:
                    rc, out, err = run([sys.executable, COMPARE, o_json, p_json], a.timeout)
                    diffs = [l for l in out.splitlines() if l.startswith("DIFF")]
                    if rc == 1 and diffs:
                        res.fail("%d differences from the runtime: %s" % (len(diffs), diffs[0]), diffs)
                    elif rc != 0:
                        res.fail("compare.py exited %s: %s" % (rc, one_line(err or out)))
                    else:
                        res.head = "same as uncached; " + one_line(out.strip().splitlines()[0] if out.strip() else "agrees", 100)
        results.append(res)
    # 2. scan reports, as an admission check would see them
    res = Result(label + "/scan")
    cache = os.path.join(work, "cache-scan-%d-%d" % (first, second))
    shutil.rmtree(cache, ignore_errors=True)
    o1 = scan_outcome(a, cache, dirs[first])
    if o1[0] == "crash":
        res.fail("first scan: " + o1[1])
    else:
        cached = scan_outcome(a, cache, dirs[second])
        fresh = scan_outcome(a, None, dirs[second])
        if cached[0] == "crash" or fresh[0] == "crash":
            res.fail("second scan: " + (cached[1] if cached[0] == "crash" else fresh[1]))
        elif cached[0] == "refused":
            res.head = "refused with the cache"
        elif cached != fresh:
            lines = ["cached:   verdict=%s findings=%s" % (cached[1], json.dumps(cached[2])),
                     "uncached: %s" % (("verdict=%s findings=%s" % (fresh[1], json.dumps(fresh[2])))
                                       if fresh[0] == "report" else "refused: " + fresh[1])]
            res.fail("the scan of image %d through the cache differs from the scan without it" % second, lines)
        else:
            res.head = "same report as without the cache (verdict %s)" % cached[1]
    results.append(res)
    return results


def job(kind, arg, a):
    """One case file or one random seed: a list of Results."""
    if kind == "case":
        name = os.path.splitext(os.path.basename(arg))[0]
        with open(arg, encoding="utf-8", errors="surrogateescape") as f:
            spec = json.load(f)
        gen_cmd = [sys.executable, GEN, "case", arg]
    else:
        name = "random-%d" % arg
        spec = None
        gen_cmd = [sys.executable, GEN, "random", "--seed", str(arg)]
    work = os.path.join(a.work, name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    out = os.path.join(work, "image")
    spec_path = os.path.join(work, "spec.json")
    if kind == "random":
        gen_cmd += ["--dump-spec", spec_path]
    rc, stdout, err = run(gen_cmd + ["--out", out], a.timeout)
    if rc == 3:
        r = Result(name)
        r.skipped = True
        r.head = one_line(err)
        return [r]
    if rc != 0:
        r = Result(name)
        r.fail("gen.py exited %s: %s" % (rc, one_line(err)))
        return [r]
    dirs = [l for l in stdout.splitlines() if l.strip()]
    results = []
    for i, d in enumerate(dirs):
        n = name if len(dirs) == 1 else "%s/%d" % (name, i)
        w = os.path.join(work, "check-%d" % i)
        os.makedirs(w, exist_ok=True)
        results.append(check_image(n, d, a, w))
    if spec is not None and spec.get("shared_cache") and len(dirs) > 1:
        for order in spec.get("shared_cache_orders", [[0, 1], [1, 0]]):
            results.extend(check_cache(name, dirs, order, a, work))
    if kind == "random" and any(not r.ok for r in results):
        os.makedirs(a.keep, exist_ok=True)
        kept = os.path.join(a.keep, name + ".json")
        shutil.copyfile(spec_path, kept)
        for r in results:
            if not r.ok:
                r.lines.append("spec kept: %s (rebuild: tests/difftest/gen.py random --seed %d --out DIR)" % (kept, arg))
    if a.clean and all(r.ok for r in results):
        shutil.rmtree(work, ignore_errors=True)
    return results


def main(argv):
    ap = argparse.ArgumentParser(prog="driver.py")
    ap.add_argument("--portcullis", required=True)
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--keep", required=True)
    ap.add_argument("--cases")
    ap.add_argument("--random", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--keep-work", dest="clean", action="store_false")
    a = ap.parse_args(argv[1:])
    a.portcullis = os.path.abspath(a.portcullis)
    a.oracle = os.path.abspath(a.oracle)
    a.keep = os.path.abspath(a.keep)
    os.makedirs(a.work, exist_ok=True)

    jobs = []
    if a.cases:
        for f in sorted(os.listdir(a.cases)):
            if f.endswith(".json"):
                jobs.append(("case", os.path.join(a.cases, f)))
    for s in range(a.seed, a.seed + a.random):
        jobs.append(("random", s))

    t0 = time.time()
    counts = dict(images=0, oracle_refused=0, pc_refused=0, both_refused=0, compared=0, oracle_broken=0,
                  passed=0, failed=0, skipped=0, compared_failed=0)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futs = [ex.submit(job, k, x, a) for k, x in jobs]
        for fut in futs:  # in order, so the output is stable
            try:
                results = fut.result()
            except Exception as e:  # a bug here must not look like a pass
                r = Result("driver")
                r.fail("internal error: %r" % (e,))
                results = [r]
            for r in results:
                sys.stdout.write(r.text())
                sys.stdout.flush()
                if r.skipped:
                    counts["skipped"] += 1
                    continue
                counts["passed" if r.ok else "failed"] += 1
                if r.name.count("/cache-"):
                    continue
                counts["images"] += 1
                counts["oracle_refused"] += r.oracle_refused
                counts["pc_refused"] += r.pc_refused
                counts["both_refused"] += r.oracle_refused and r.pc_refused
                counts["compared"] += r.compared
                counts["compared_failed"] += r.compared and not r.ok
                counts["oracle_broken"] += r.oracle_broken
    print("difftest: %(images)d images: the runtime (oracle) refused %(oracle_refused)d, portcullis refused "
          "%(pc_refused)d (both: %(both_refused)d), compared %(compared)d (%(compared_failed)d disagree); "
          "oracle failures %(oracle_broken)d; skipped %(skipped)d" % counts)
    print("difftest: %d passed, %d failed in %.0fs" % (counts["passed"], counts["failed"], time.time() - t0))
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
