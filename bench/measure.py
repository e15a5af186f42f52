#!/usr/bin/env python3
"""bench/measure.py — runs every row of `make bench`, prints the table and
checks the targets of issue 10; writes build/bench.json.

Each row runs its command N times (--runs, at least 3) and keeps the
median, min and max wall time and the peak RSS: os.wait4 returns the
child's rusage, whose ru_maxrss (KiB) is the largest resident set of the
child and every descendant it waited for, so a shell pipeline reports its
biggest process (umoci, yara, ...). Inputs come from bench/run.sh: the
OCI layout from bench/inputs.sh and, when it is up, the local registry
from bench/registry.sh. Only the standard library is used.

Exit status: 0 when the bench ran (whatever the figures say), 2 when the
bench itself broke (an input missing, a tool failing).
"""
import argparse
import collections
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MIB = 1024


class BenchError(Exception):
    """The bench itself broke (not a slow or failing portcullis)."""


Run = collections.namedtuple("Run", "ms cpu_ms rss_kib code err")


def run_timed(argv, stdout_path=None, env=None):
    """Run argv once and return a Run: wall time, CPU time (user + system
    of the child and its descendants), peak RSS, exit code, stderr."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    err = tempfile.TemporaryFile()
    try:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = (time.monotonic() - t0) * 1000.0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    finally:
        if stdout_path:
            out.close()
        err.close()
    return Run(wall, (ru.ru_utime + ru.ru_stime) * 1000.0, ru.ru_maxrss, p.returncode, text)


class Row:
    """One line of the table: a name, the timings of its runs, notes."""

    def __init__(self, name, group):
        self.name = name
        self.group = group
        self.ms = []
        self.cpu = []
        self.rss = []
        self.notes = []
        self.na = None  # reason when the row could not be measured
        self.extra = {}

    def add(self, run):
        self.ms.append(run.ms)
        self.cpu.append(run.cpu_ms)
        self.rss.append(run.rss_kib)

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def median(self):
        return statistics.median(self.ms) if self.ms and not self.na else None

    def cpu_median(self):
        return statistics.median(self.cpu) if self.cpu and not self.na else None

    def peak(self):
        return max(self.rss) if self.rss and not self.na else None

    def to_json(self):
        ok = self.ms and not self.na
        return {
            "name": self.name,
            "median_ms": round(statistics.median(self.ms), 1) if ok else None,
            "min_ms": round(min(self.ms), 1) if ok else None,
            "max_ms": round(max(self.ms), 1) if ok else None,
            "peak_rss_kib": max(self.rss) if ok else None,
            "median_cpu_ms": round(statistics.median(self.cpu), 1) if ok else None,
            "runs_ms": [round(x, 1) for x in self.ms] if ok else [],
            "notes": "; ".join(([self.na] if self.na else []) + self.notes),
            **self.extra,
        }


class Bench:
    def __init__(self, a):
        self.a = a
        self.rows = []
        self.targets = []
        self.parity = None
        self.docker_na = None  # reason docker:// scans are not measured
        self.findings = {}  # transport -> findings of the large image (cold scan)
        self.all_findings = {}  # transport -> every finding of that scan (prefilter parity)
        self.beyond = {}  # transport -> tool findings the pipeline has no way to find
        self.prefilter_parity = None
        self.env = dict(os.environ, PORTCULLIS_DATADIR=a.root)
        for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            self.env.pop(k, None)
        self.env["no_proxy"] = self.env["NO_PROXY"] = "127.0.0.1,localhost"
        self.work = tempfile.mkdtemp(prefix="portcullis-bench.", dir=a.work)
        self.layout = json.load(open(os.path.join(a.layout, "index.json")))
        self.manifests = {}
        for m in self.layout["manifests"]:
            tag = m.get("annotations", {}).get("org.opencontainers.image.ref.name")
            self.manifests[tag] = self.blob_json(m["digest"])
        for tag in ("large", "second", "small"):
            if tag not in self.manifests:
                raise BenchError(f"image {tag} missing from {a.layout}")

    # --- inputs ---------------------------------------------------------
    def blob_path(self, digest):
        return os.path.join(self.a.layout, "blobs", "sha256", digest.split(":", 1)[1])

    def blob_json(self, digest):
        with open(self.blob_path(digest)) as f:
            return json.load(f)

    def layers(self, tag):
        return [l["digest"] for l in self.manifests[tag]["layers"]]

    def ref(self, transport, tag):
        if transport == "oci":
            return f"oci:{self.a.layout}:{tag}"
        return f"docker://{self.a.registry}/bench/{tag}:v1"

    def row(self, name, group):
        r = Row(name, group)
        self.rows.append(r)
        return r

    # --- portcullis -----------------------------------------------------
    def scan_argv(self, transport, tag, cache_dir, extra=()):
        argv = [self.a.pc, "scan", "--format", "json", "--rules", self.a.rules, *extra]
        argv += ["--cache-dir", cache_dir] if cache_dir else ["--no-cache"]
        if transport == "docker":
            argv += ["--cert-dir", self.a.cert_dir]
        return argv + [self.ref(transport, tag)]

    def scan(self, transport, tag, cache_dir, out_name="scan.json", extra=()):
        """One scan: (Run, report dict or None, error text or None, layer
        blobs the registry served during it or None)."""
        out = os.path.join(self.work, out_name)
        reg_mark = self.reg_offset()
        run = run_timed(self.scan_argv(transport, tag, cache_dir, extra), out, env=self.env)
        code, err = run.code, run.err
        rep = None
        try:
            with open(out) as f:
                rep = json.load(f)
        except (OSError, ValueError):
            pass
        problem = None
        if code not in (0, 1) or rep is None:
            problem = scan_error_text(rep, err) or f"exit {code}"
        elif rep["reports"][0].get("scan_failed"):
            problem = scan_error_text(rep, err) or "scan_failed"
        fetched = self.layer_fetches(reg_mark, tag) if transport == "docker" else None
        return run, rep, problem, fetched

    def reg_offset(self):
        if not self.a.reg_log or not os.path.exists(self.a.reg_log):
            return 0
        return os.path.getsize(self.a.reg_log)

    def layer_fetches(self, mark, tag):
        """Layer blobs of TAG the registry served (GET) since offset MARK."""
        if not self.a.reg_log:
            return None
        with open(self.a.reg_log, "rb") as f:
            f.seek(mark)
            log = f.read().decode("utf-8", "replace")
        want = set(self.layers(tag))
        n = 0
        for m in re.finditer(r'"GET /v2/[^ ]*/blobs/(sha256:[0-9a-f]{64}) HTTP[^"]*" (\d{3})', log):
            if m.group(1) in want and m.group(2).startswith("2"):
                n += 1
        return n

    def connections(self, transport, tag, cache_dir):
        """TCP connections one scan opens to the registry: connect(2) calls
        to its port, from one extra (untimed) run under strace; None when
        strace is missing or the run fails."""
        if transport != "docker" or not shutil.which("strace") or not self.a.registry:
            return None
        port = self.a.registry.rsplit(":", 1)[-1]
        trace = os.path.join(self.work, "connect.trace")
        argv = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", trace] + \
            self.scan_argv(transport, tag, cache_dir)
        run = run_timed(argv, os.path.join(self.work, "traced.json"), env=self.env)
        if run.code not in (0, 1):
            return None
        with open(trace, errors="replace") as f:
            return sum(1 for line in f if f"sin_port=htons({port})" in line)

    def fresh_cache(self, name):
        d = os.path.join(self.work, "cache-" + name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d, mode=0o700)
        return d

    def check_docker(self):
        if not self.a.registry:
            self.docker_na = "n/a (docker:// unavailable: no local registry)"
            return
        _, _, problem, _ = self.scan("docker", "small", None, "probe.json")
        if problem:
            first = problem.strip().splitlines()[0][:120] if problem.strip() else "failed"
            self.docker_na = f"n/a (docker:// unavailable: {first})"

    def transports(self):
        return ["docker", "oci"]

    def scan_rows(self):
        """Cold, second-after-first and warm rows for each transport.

        Per run i: a fresh cache dir C_i; the cold scan of the large image
        fills it; the second image is then scanned with C_i (only its new
        layer should be read). The warm runs reuse C_0, filled by the
        first cold run (the second image's layer in it does no harm)."""
        n = self.a.runs
        for t in self.transports():
            label = "docker://" if t == "docker" else "oci:"
            small = self.row(f"portcullis cold  {label} small", "cold-small-" + t)
            cold = self.row(f"portcullis cold  {label} large", "cold-" + t)
            second = self.row(f"portcullis second {label} (after large)", "second-" + t)
            warm = self.row(f"portcullis warm  {label} large", "warm-" + t)
            rows = (small, cold, second, warm)
            if t == "docker" and self.docker_na:
                for r in rows:
                    r.na = self.docker_na
                continue
            for i in range(n):
                self.measure_scan(small, t, "small", self.fresh_cache(f"{t}-small-{i}"))
            caches = []
            for i in range(n):
                c = self.fresh_cache(f"{t}-{i}")
                caches.append(c)
                rep = self.measure_scan(cold, t, "large", c)
                if rep and i == 0:
                    st = rep["reports"][0]["stats"]
                    cold.extra["stats"] = st
                    self.beyond[t] = set()
                    self.findings[t] = findings_of(rep, self.beyond[t])
                    self.all_findings[t] = all_findings_of(rep)
                    self.large_stats = st
                self.measure_scan(second, t, "second", c, second_row=True)
            for i in range(n):
                self.measure_scan(warm, t, "large", caches[0], warm_row=True)
            if not self.a.keep_caches:
                for c in caches:
                    shutil.rmtree(c, ignore_errors=True)

    def measure_scan(self, row, t, tag, cache, second_row=False, warm_row=False):
        run, rep, problem, fetched = self.scan(t, tag, cache)
        if problem:
            row.na = f"failed: {problem.strip().splitlines()[0][:160] if problem.strip() else problem}"
            return None
        row.add(run)
        st = rep["reports"][0].get("stats", {})
        nl = st.get("layers")
        if second_row:
            cached = st.get("cached_layers")
            read = (nl - cached) if isinstance(cached, int) and isinstance(nl, int) else None
            row.extra.setdefault("layers_read", []).append(read)
            row.extra.setdefault("cached_layers", []).append(cached)
            row.extra.setdefault("layer_blobs_fetched", []).append(fetched)
            row.extra["layers"] = nl
            if isinstance(cached, int):
                row.note(f"layers read {read} of {nl}, {cached} from cache")
            else:
                row.note(f"layers read n/a of {nl} (no stats.cached_layers)")
            if fetched is not None:
                row.note(f"layer blobs fetched {fetched} of {nl}")
        elif warm_row:
            cached = st.get("cached_layers")
            row.extra.setdefault("cached_layers", []).append(cached)
            row.extra.setdefault("layer_blobs_fetched", []).append(fetched)
            row.note(f"{cached} of {nl} layers from cache" if isinstance(cached, int)
                     else "cached_layers n/a")
            if fetched is not None:
                row.note(f"layer blobs fetched per run: {fetched}")
            if t == "docker" and "connections" not in row.extra:
                conns = self.connections(t, tag, cache)
                row.extra["connections"] = conns
                row.note(f"connections to the registry per run: {conns if conns is not None else 'n/a'}")
        return rep

    def prefilter_row(self):
        """The cold oci: scan of the large image with the YARA prefilter
        off (--no-prefilter), next to the cold row (prefilter on): the CPU
        the prefilter saves, and every finding the same either way."""
        r = self.row("portcullis cold  oci: large, --no-prefilter", "cold-noprefilter-oci")
        off = None
        for i in range(self.a.runs):
            c = self.fresh_cache(f"nopf-{i}")
            run, rep, problem, _ = self.scan("oci", "large", c, extra=["--no-prefilter"])
            shutil.rmtree(c, ignore_errors=True)
            if problem:
                r.na = f"failed: {problem.strip().splitlines()[0][:160] if problem.strip() else problem}"
                return
            r.add(run)
            if off is None:
                off = all_findings_of(rep)
        on = self.all_findings.get("oci")
        if on is None:
            self.prefilter_parity = {"result": "n/a"}
        else:
            self.prefilter_parity = {
                "result": "MATCH" if on == off else "DIFFER",
                "count": len(on),
                "only_with_prefilter": sorted(on - off),
                "only_without_prefilter": sorted(off - on),
            }
        r.note(f"findings vs prefilter on: {self.prefilter_parity['result']}")

    # --- the scripted pipeline ------------------------------------------
    def pipeline_row(self):
        t = "oci" if self.a.registry is None else "docker"
        label = "docker://" if t == "docker" else "oci:"
        r = self.row(f"pipeline {label} large (skopeo+umoci+find+getcap+yara)", "pipeline-" + t)
        src = self.ref(t, "large")
        out = os.path.join(self.work, "pipeline.out")
        steps = {}
        for i in range(self.a.runs):
            w = os.path.join(self.work, "pipeline")
            shutil.rmtree(w, ignore_errors=True)
            argv = ["sh", os.path.join(self.a.root, "bench", "pipeline.sh"), src, w, out, self.a.rules]
            if t == "docker":
                argv.append(self.a.cert_dir)
            run = run_timed(argv, env=self.env)
            shutil.rmtree(w, ignore_errors=True)
            if run.code != 0:
                raise BenchError(f"pipeline failed (exit {run.code}): {run.err.strip()[:400]}")
            r.add(run)
            for line in open(out + ".steps"):
                k, v = line.split()
                steps.setdefault(k, []).append(int(v))
        self.findings_pipeline = set(l.rstrip("\n") for l in open(out) if l.strip())
        med = {k: statistics.median(v) for k, v in steps.items()}
        r.extra["steps_median_ms"] = med
        r.note("steps: " + ", ".join(f"{k} {fmt_ms(v)}" for k, v in med.items()))
        return r

    def compare_findings(self):
        """The pipeline's findings against portcullis' (from the transport
        the pipeline used, else the other), and docker:// against oci:."""
        pipe_t = "docker" if self.a.registry else "oci"
        mine = self.findings.get(pipe_t, self.findings.get("oci"))
        theirs = getattr(self, "findings_pipeline", None)
        if mine is None or theirs is None:
            self.parity = {"result": "n/a", "only_portcullis": [], "only_pipeline": []}
            return
        only_p = sorted(mine - theirs)
        only_s = sorted(theirs - mine)
        self.parity = {
            "result": "MATCH" if not only_p and not only_s else "DIFFER",
            "count": len(mine),
            "only_portcullis": only_p,
            "only_pipeline": only_s,
            "beyond_pipeline": sorted(self.beyond.get(pipe_t, self.beyond.get("oci", set()))),
        }
        if "docker" in self.findings and "oci" in self.findings:
            self.parity["docker_vs_oci"] = "MATCH" if self.findings["docker"] == self.findings["oci"] else "DIFFER"

    # --- the floor ------------------------------------------------------
    def floor_rows(self):
        blobs = [self.blob_path(d) for d in self.layers("large")]
        for name, cmd in (("gzip -dc", "gzip -dc"), ("sha256sum", "sha256sum")):
            r = self.row(f"floor: {name} over large's {len(blobs)} layer blobs", "floor-" + name.split()[0])
            for _ in range(self.a.runs):
                argv = ["sh", "-c", f'{cmd} "$@" >/dev/null', "sh"] + blobs
                run = run_timed(argv)
                if run.code != 0:
                    raise BenchError(f"{cmd} failed: {run.err.strip()[:300]}")
                r.add(run)
            comp = sum(os.path.getsize(b) for b in blobs)
            r.note(f"{comp / 1e6:.0f} MB compressed")

    def warm_page_cache(self):
        """Read every blob once so no row pays for the first disk read."""
        for root in (os.path.join(self.a.layout, "blobs"), self.a.reg_store):
            if not root or not os.path.isdir(root):
                continue
            for d, _, files in os.walk(root):
                for fn in files:
                    with open(os.path.join(d, fn), "rb") as f:
                        while f.read(1 << 20):
                            pass

    # --- targets --------------------------------------------------------
    def by_group(self, g):
        for r in self.rows:
            if r.group == g:
                return r
        return None

    def target(self, name, met, value, goal, distance):
        self.targets.append({"target": name, "met": met, "value": value, "goal": goal, "distance": distance})

    def check_targets(self):
        self.target_speed()
        self.target_memory()
        self.target_warm()
        for t in ("oci", "docker"):
            self.target_second(t)

    def target_speed(self):
        """Issue 21: cold >= 20x faster than the pipeline with the same
        findings (same transport as the pipeline when docker:// works), and
        cold oci: <= 0.25x gzip -dc over the same blobs."""
        pipe = next((r for r in self.rows if r.group.startswith("pipeline")), None)
        cold_d, cold_o = self.by_group("cold-docker"), self.by_group("cold-oci")
        cold = cold_d if pipe and pipe.group == "pipeline-docker" and cold_d.median() else cold_o
        name = "cold scan >= 20x faster than the scripted pipeline (same findings)"
        if pipe and pipe.median() and cold.median():
            x = pipe.median() / cold.median()
            xc = pipe.cpu_median() / cold.cpu_median()
            same = self.parity["result"] if self.parity else "n/a"
            gaps = ([] if x >= 20 else [f"needs {20 / x:.1f}x more speed"]) + \
                ([] if same == "MATCH" else ["findings differ"])
            self.target(name, not gaps,
                        f"{x:.1f}x ({'docker://' if cold is cold_d else 'oci:'} cold {fmt_ms(cold.median())} vs "
                        f"pipeline {fmt_ms(pipe.median())}; CPU time {xc:.1f}x); findings {same}",
                        ">= 20x, MATCH", "; ".join(gaps) or "met")
        else:
            self.target(name, None, "n/a", ">= 20x, MATCH", "n/a")
        gz = self.by_group("floor-gzip")
        name = "cold scan (oci:) <= 0.25x gzip -dc over the same layers"
        if gz and gz.median() and cold_o.median():
            x = cold_o.median() / gz.median()
            xc = cold_o.cpu_median() / gz.cpu_median()
            self.target(name, x <= 0.25,
                        f"{x:.2f}x ({fmt_ms(cold_o.median())} vs {fmt_ms(gz.median())}; CPU time {xc:.2f}x)",
                        "<= 0.25x",
                        "met" if x <= 0.25 else
                        f"{fmt_ms(cold_o.median() - 0.25 * gz.median())} over ({x / 0.25:.2f}x the goal)")
        else:
            self.target(name, None, "n/a", "<= 0.25x", "n/a")

    def target_memory(self):
        """Peak RSS <= 64 MiB on the large image; no growth small -> large."""
        large = [self.by_group(g) for g in ("cold-docker", "cold-oci", "warm-docker", "warm-oci")]
        peaks = [r.peak() for r in large if r and r.peak()]
        name = "peak RSS <= 64 MiB on the large image"
        if peaks:
            p = max(peaks)
            self.target(name, p <= 64 * MIB, f"{p / MIB:.1f} MiB", "<= 64 MiB",
                        "met" if p <= 64 * MIB else f"{(p - 64 * MIB) / MIB:.1f} MiB over")
        else:
            self.target(name, None, "n/a", "<= 64 MiB", "n/a")
        small, cold = self.by_group("cold-small-oci"), self.by_group("cold-oci")
        name = "peak RSS on the large image <= the small image's + 4 MiB (oci: cold)"
        if small.peak() and cold.peak():
            s, l = small.peak(), cold.peak()
            slack = 4 * MIB
            self.target(name, l <= s + slack,
                        f"small {s / MIB:.1f} MiB -> large {l / MIB:.1f} MiB ({(l - s) / MIB:+.1f} MiB)",
                        "large <= small + 4 MiB",
                        "met" if l <= s + slack else f"{(l - s - slack) / MIB:.1f} MiB over")
        else:
            self.target(name, None, "n/a", "large <= small + 4 MiB", "n/a")

    def target_warm(self):
        """Warm <= 50 ms from oci:; from docker:// no layer blob fetched."""
        warm_o = self.by_group("warm-oci")
        name = "warm scan (oci:) <= 50 ms end to end"
        if warm_o.median():
            m = warm_o.median()
            self.target(name, m <= 50, fmt_ms(m), "<= 50 ms",
                        "met" if m <= 50 else f"{fmt_ms(m - 50)} over ({m / 50:.2f}x the goal)")
        else:
            self.target(name, None, warm_o.na or "n/a", "<= 50 ms", "n/a")
        warm_d = self.by_group("warm-docker")
        f = [x for x in warm_d.extra.get("layer_blobs_fetched", []) if x is not None]
        name = "warm scan (docker://): manifest requests only, no layer blob fetched"
        if warm_d.median() and f:
            self.target(name, max(f) == 0, f"{max(f)} layer blobs fetched per run ({fmt_ms(warm_d.median())})",
                        "0 layer blobs", "met" if max(f) == 0 else f"{max(f)} layer blobs too many")
        else:
            self.target(name, None, warm_d.na or "n/a", "0 layer blobs", "n/a")
        # warm against cold from docker://: the ratio, the blobs, the connections
        cold_d = self.by_group("cold-docker")
        conns = warm_d.extra.get("connections")
        name = "warm scan (docker://) <= 0.02x the cold one (no layer fetched, one connection)"
        goal = "<= 0.02x, 0 layer blobs, 1 connection"
        if warm_d.median() and cold_d.median() and f:
            x = warm_d.median() / cold_d.median()
            gaps = ([] if x <= 0.02 else [f"{x / 0.02:.1f}x the goal ratio ({fmt_ms(warm_d.median() - 0.02 * cold_d.median())} too slow)"]) + \
                ([] if max(f) == 0 else [f"{max(f)} layer blobs too many"]) + \
                ([] if conns == 1 else [f"{conns if conns is not None else 'n/a'} connections"])
            value = (f"{x:.3f}x ({fmt_ms(warm_d.median())} / {fmt_ms(cold_d.median())}), "
                     f"{max(f)} layer blobs, {conns if conns is not None else 'n/a'} connection(s)")
            self.target(name, (not gaps) if conns is not None else None, value, goal,
                        "met" if not gaps else "; ".join(gaps))
        else:
            self.target(name, None, warm_d.na or cold_d.na or "n/a", goal, "n/a")

    def target_second(self, t):
        """Second image: only its new layer is read (stats.cached_layers;
        from docker:// also the layer blobs the registry served)."""
        r = self.by_group("second-" + t)
        nl = r.extra.get("layers")
        reads = [x for x in r.extra.get("layers_read", []) if x is not None]
        fetched = [x for x in r.extra.get("layer_blobs_fetched", []) if x is not None]
        name = f"second image ({'docker://' if t == 'docker' else 'oci:'}): only its new layer is read"
        if r.na or not r.ms:
            self.target(name, None, r.na or "n/a", "1 layer", "n/a")
        elif reads:
            n = max(reads + fetched)
            self.target(name, n <= 1,
                        f"{max(reads)} of {nl} layers read" + (f", {max(fetched)} blobs fetched" if fetched else ""),
                        "1 layer", "met" if n <= 1 else f"{n - 1} layers too many")
        elif fetched:
            self.target(name, max(fetched) <= 1,
                        f"{max(fetched)} of {nl} layer blobs fetched (no stats.cached_layers)", "1 layer",
                        "met" if max(fetched) <= 1 else f"{max(fetched) - 1} layers too many")
        else:
            self.target(name, None, f"n/a (no stats.cached_layers; {fmt_ms(r.median())})", "1 layer", "n/a")

    # --- output ---------------------------------------------------------
    def print_table(self):
        w = max(len(r.name) for r in self.rows)
        print(f"{'row':<{w}}  {'median':>9} {'min':>9} {'max':>9} {'CPU':>9} {'peak RSS':>10}  notes")
        for r in self.rows:
            if r.na or not r.ms:
                print(f"{r.name:<{w}}  {r.na or 'n/a'}")
                continue
            print(f"{r.name:<{w}}  {fmt_ms(r.median()):>9} {fmt_ms(min(r.ms)):>9} {fmt_ms(max(r.ms)):>9} "
                  f"{fmt_ms(r.cpu_median()):>9} {r.peak() / MIB:>7.1f} MiB  {'; '.join(r.notes)}")
        print()
        if self.parity:
            p = self.parity
            print(f"findings, portcullis vs pipeline (setuid/setgid/capability/tool paths, large image): {p['result']}"
                  + (f" ({p['count']} findings)" if "count" in p else ""))
            for x in p["only_portcullis"]:
                print(f"  only portcullis: {x}")
            for x in p["only_pipeline"]:
                print(f"  only pipeline:   {x}")
            for x in p.get("beyond_pipeline", []):
                print(f"  also found by portcullis, by a signal the pipeline has no equivalent for: {x}")
            if "docker_vs_oci" in p:
                print(f"findings, portcullis docker:// vs oci: {p['docker_vs_oci']}")
            print()
        if self.prefilter_parity:
            p = self.prefilter_parity
            print(f"findings, prefilter on vs off (every finding, large image, oci:): {p['result']}"
                  + (f" ({p['count']} findings)" if "count" in p else ""))
            for x in p.get("only_with_prefilter", []):
                print(f"  only with the prefilter:    {x}")
            for x in p.get("only_without_prefilter", []):
                print(f"  only without the prefilter: {x}")
            print()
        m = machine()
        print(f"machine: {m.get('nproc')} cores, {m.get('cpu')}, {m.get('ram_gib')} GiB RAM; "
              f"load average {self.load_start[0]:.2f} at the start, {self.load_end[0]:.2f} at the end")
        if max(self.load_start[0], self.load_end[0]) > 0.5 * (os.cpu_count() or 1):
            print("  (other processes competed for the CPUs: wall times are noisy, the CPU column is steadier)")
        v = version(self.a.pc, self.a.rules)
        print(f"measured: {v.get('version')}, binary sha256 {v.get('sha256', '?')[:12]}, "
              f"linked with {' '.join(v.get('libs', []))}")
        print()
        print("targets (issue 10; information only):")
        for t in self.targets:
            state = "n/a" if t["met"] is None else ("MET" if t["met"] else "NOT MET")
            print(f"  {state:<7}  {t['target']}: {t['value']}" + ("" if t["met"] in (True, None) else f"  [{t['distance']}]"))

    def write_json(self, started):
        doc = {
            "schema": "portcullis.bench/v1",
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "duration_s": round(time.time() - started, 1),
            "runs": self.a.runs,
            "machine": dict(machine(), loadavg_start=list(self.load_start), loadavg_end=list(self.load_end)),
            "portcullis": version(self.a.pc, self.a.rules),
            "inputs": self.inputs_json(),
            "rows": [r.to_json() for r in self.rows],
            "findings_parity": self.parity,
            "prefilter_parity": self.prefilter_parity,
            "targets": self.targets,
        }
        os.makedirs(os.path.dirname(os.path.abspath(self.a.json)), exist_ok=True)
        tmp = self.a.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.replace(tmp, self.a.json)

    def inputs_json(self):
        d = {}
        for tag in ("large", "second", "small"):
            ls = self.manifests[tag]["layers"]
            d[tag] = {"layers": len(ls), "compressed_bytes": sum(l["size"] for l in ls),
                      "digest_layers": [l["digest"] for l in ls]}
        st = getattr(self, "large_stats", None)
        if st:
            d["large"]["uncompressed_bytes"] = st.get("bytes")
            d["large"]["files"] = st.get("files")
        return d

    def profile(self):
        """--profile: perf record (self time, all threads) of one cold oci:
        scan of the large image. The report has the time per library
        (Debian's libz and libyara are stripped: their addresses do not
        resolve to names) and per symbol above 0.5%."""
        if not shutil.which("perf"):
            print("bench: --profile: perf not installed", file=sys.stderr)
            return
        data = os.path.join(self.work, "perf.data")
        argv = ["perf", "record", "-q", "-F", "999", "-o", data, "--"] + self.scan_argv("oci", "large", None)
        r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env, text=True)
        views = {}
        for key in ("dso", "dso,sym"):
            rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", key,
                                  "--percent-limit", "0.5", "-q"], capture_output=True, text=True)
            views[key] = [l.strip() for l in rep.stdout.splitlines() if l.strip()]
        if not views["dso"]:
            print(f"bench: --profile: perf failed: {r.stderr.strip()[:300]}", file=sys.stderr)
            return
        named = [l for l in views["dso,sym"] if not re.search(r"\] 0x[0-9a-f]+$", l)]
        with open(self.a.profile, "w") as f:
            f.write("# perf record -F 999 (self time, all threads): " + " ".join(argv[8:]) + "\n")
            f.write("\n## by library\n" + "\n".join(views["dso"]) + "\n")
            f.write("\n## by symbol (>= 0.5%)\n" + "\n".join(views["dso,sym"]) + "\n")
        print(f"\nprofile of a cold oci: scan of the large image (self time; full report in {self.a.profile}):")
        print("  by library:  " + "; ".join(" ".join(l.split()[:2]) for l in views["dso"][:8]))
        print("  top named symbols:")
        for l in named[:12]:
            print("    " + l)

    def cleanup(self):
        shutil.rmtree(self.work, ignore_errors=True)


def pipeline_can_find(f):
    """Whether the scripted pipeline has a way to find this suspicious-tool
    finding: its YARA run does for a rule's match on a file; it has no
    equivalent for the DT_NEEDED signals (rules capability_*), the package
    database (package:NAME) or a match on the run's command line (no path)."""
    rule = f.get("rule") or ""
    return f.get("path") is not None and not rule.startswith(("capability_", "package:"))


def findings_of(rep, extra=None):
    """The setuid/setgid/capability/tool findings of a report, in the
    pipeline's form ("CHECK PATH" or "suspicious-tool PATH RULE"); the
    tool findings the pipeline has no way to find go to extra (a set)."""
    s = set()
    for f in rep["reports"][0].get("findings", []):
        c = f.get("check")
        if c in ("setuid-file", "setgid-file", "file-capability"):
            s.add(f"{c} {f.get('path')}")
        elif c == "suspicious-tool":
            x = f"{c} {f.get('path')} {f.get('rule')}"
            if pipeline_can_find(f):
                s.add(x)
            elif extra is not None:
                extra.add(x)
    return s


def all_findings_of(rep):
    """Every finding of a report as "CHECK PATH RULE" (rule "-" if none)."""
    return set(f"{f.get('check')} {f.get('path')} {f.get('rule') or '-'}"
               for f in rep["reports"][0].get("findings", []))


def scan_error_text(rep, err):
    if rep:
        for r in rep.get("reports", []):
            for f in r.get("findings", []):
                if f.get("check") == "scan-error":
                    return f.get("message", "scan-error")
    return err.strip() or None


def fmt_ms(ms):
    if ms is None:
        return "n/a"
    if ms >= 10000:
        return f"{ms / 1000:.1f} s"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    return f"{ms:.0f} ms"


def machine():
    m = {"nproc": os.cpu_count(), "kernel": platform.release()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                m["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                m["ram_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return m


def version(pc, rules=None):
    """What was measured: `portcullis version`, the binary's sha256 and the
    libraries it links that decide its speed."""
    v = {}
    try:
        argv = [pc, "version"] + (["--rules", rules] if rules else [])
        v["version"] = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
        with open(pc, "rb") as f:
            v["sha256"] = hashlib.sha256(f.read()).hexdigest()
        ldd = subprocess.run(["ldd", pc], capture_output=True, text=True, timeout=10).stdout
        v["libs"] = sorted(set(re.findall(r"\b(lib(?:z|isal|yara|crypto|archive|zstd)\.so[.0-9]*)", ldd)))
    except (OSError, subprocess.SubprocessError):
        pass
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True, help="source tree")
    ap.add_argument("--pc", required=True, help="portcullis binary")
    ap.add_argument("--layout", required=True, help="OCI layout from bench/inputs.sh")
    ap.add_argument("--rules", required=True, help="YARA rules directory")
    ap.add_argument("--registry", help="HOST:PORT of the local registry (bench/large:v1, ...)")
    ap.add_argument("--cert-dir", help="certs.d directory with the registry's CA")
    ap.add_argument("--reg-log", help="the registry's access log")
    ap.add_argument("--reg-store", help="the registry's storage (its blobs are pre-read)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default=None, help="where temporary files go")
    ap.add_argument("--json", required=True, help="where bench.json goes")
    ap.add_argument("--keep-caches", action="store_true")
    ap.add_argument("--profile", help="also perf-record one cold scan; the report goes to this file")
    a = ap.parse_args()
    a.runs = max(3, a.runs)
    started = time.time()
    b = None
    try:
        b = Bench(a)
        b.load_start = os.getloadavg()
        v = version(a.pc, a.rules)
        print(f"bench: {v.get('version')} ({' '.join(v.get('libs', []))}); {a.runs} runs per row; "
              f"load average {b.load_start[0]:.2f}", file=sys.stderr)
        b.warm_page_cache()
        b.check_docker()
        if b.docker_na:
            print(f"bench: docker:// rows: {b.docker_na}", file=sys.stderr)
        print("bench: portcullis rows", file=sys.stderr)
        b.scan_rows()
        print("bench: cold scan without the prefilter", file=sys.stderr)
        b.prefilter_row()
        print("bench: scripted pipeline", file=sys.stderr)
        b.pipeline_row()
        b.compare_findings()
        print("bench: floor (gzip -dc, sha256sum)", file=sys.stderr)
        b.floor_rows()
        b.check_targets()
        b.load_end = os.getloadavg()
        b.print_table()
        b.write_json(started)
        if a.profile:
            b.profile()
        print(f"\nwrote {a.json} ({time.time() - started:.0f} s)")
        return 0
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 2
    finally:
        if b:
            b.cleanup()


if __name__ == "__main__":
    sys.exit(main())
