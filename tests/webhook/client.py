#!/usr/bin/env python3
"""client.py - send a review to portcullis-webhook over HTTPS and check the
answer the way the Kubernetes apiserver does.

For an AdmissionReview: HTTP 200, a JSON body with the request's apiVersion,
kind AdmissionReview, a response whose uid equals the request's uid, a
boolean allowed, on denial a status with code 403 and a message, warnings
(if any) a list of one-line strings, and no patch (a validating webhook).
For an ImageReview: HTTP 200, apiVersion imagepolicy.k8s.io/v1alpha1, kind
ImageReview, a boolean status.allowed, a string reason, string-valued
auditAnnotations. With --expect-http CODE only the status code and a
Kubernetes Status body with a message are checked (for refused requests).

Prints one JSON object per request on stdout ({"ok", "why", "http",
"allowed", "message", "warnings", "ms", "body"}); exits 0 when every answer
passed every check (and --expect, when given), else 1.

--parallel N sends N copies at once (uids suffixed -0..-N-1), each on its
own connection, after a barrier so they really overlap.

--batch LIST sends many requests in one run (a Python start per request
costs more than the request): LIST has one "NAME<TAB>EXPECT<TAB>URL<TAB>FILE"
line per request, EXPECT being allow, deny or an HTTP status. Each prints
"PASS NAME (EXPECT)" or "FAIL NAME: why" (the tests' convention) and
--results gets a JSON array of the answers, each with its "name".
"""
import argparse
import http.client
import json
import ssl
import sys
import threading
import time
import urllib.parse


def send(args, body, ctype):
    u = urllib.parse.urlsplit(args.url)
    ctx = ssl.create_default_context(cafile=args.cacert)
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=args.timeout)
    path = u.path + ("?" + u.query if u.query else "")
    t0 = time.monotonic()
    headers = {"Content-Type": ctype} if ctype else {}
    conn.request(args.method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    ms = int((time.monotonic() - t0) * 1000)
    ct = resp.getheader("Content-Type", "")
    conn.close()
    return resp.status, ct, data, ms


def check_admission(req, doc):
    if doc.get("apiVersion") != req.get("apiVersion"):
        return "apiVersion %r, request had %r" % (doc.get("apiVersion"), req.get("apiVersion"))
    if doc.get("kind") != "AdmissionReview":
        return "kind %r" % doc.get("kind")
    r = doc.get("response")
    if not isinstance(r, dict):
        return "no response object"
    if r.get("uid") != req["request"]["uid"]:
        return "uid %r does not match %r" % (r.get("uid"), req["request"]["uid"])
    if not isinstance(r.get("allowed"), bool):
        return "allowed is not a boolean"
    if "patch" in r or "patchType" in r:
        return "a validating webhook must not patch"
    if not r["allowed"]:
        st = r.get("status")
        if not isinstance(st, dict) or st.get("code") != 403 or not st.get("message"):
            return "denial without status.code 403 and a message: %r" % st
    w = r.get("warnings", [])
    if not isinstance(w, list) or not all(isinstance(x, str) and "\n" not in x for x in w):
        return "warnings must be one-line strings"
    if any(len(x) > 256 for x in w):
        return "a warning longer than 256 characters would be truncated"
    return None


def check_imagereview(doc):
    if doc.get("apiVersion") != "imagepolicy.k8s.io/v1alpha1" or doc.get("kind") != "ImageReview":
        return "apiVersion/kind %r/%r" % (doc.get("apiVersion"), doc.get("kind"))
    st = doc.get("status")
    if not isinstance(st, dict) or not isinstance(st.get("allowed"), bool):
        return "status.allowed is not a boolean"
    if not isinstance(st.get("reason", ""), str):
        return "status.reason is not a string"
    aa = st.get("auditAnnotations", {})
    if not isinstance(aa, dict) or not all(isinstance(v, str) for v in aa.values()):
        return "auditAnnotations must map strings to strings"
    return None


def judge(args, req, status, ct, data, ms):
    out = {"ok": False, "why": "", "http": status, "ms": ms, "allowed": None, "message": None,
           "warnings": []}
    try:
        doc = json.loads(data)
        out["body"] = doc
    except (ValueError, RecursionError):
        doc = None
        out["body"] = data[:500].decode("utf-8", "replace")
    if args.expect_http:
        if status != args.expect_http:
            out["why"] = "HTTP %d, expected %d" % (status, args.expect_http)
        elif not isinstance(doc, dict) or doc.get("kind") != "Status" or not doc.get("message"):
            out["why"] = "refusal without a Status message"
        else:
            out["ok"], out["message"] = True, doc["message"]
        return out
    if status != 200 or not ct.startswith("application/json") or not isinstance(doc, dict):
        out["why"] = "HTTP %d %s" % (status, ct)
        return out
    if req.get("kind") == "ImageReview":
        why = check_imagereview(doc)
        st = doc.get("status", {}) if not why else {}
        out["allowed"], out["message"] = st.get("allowed"), st.get("reason")
    else:
        why = check_admission(req, doc)
        r = doc.get("response", {}) if not why else {}
        out["allowed"] = r.get("allowed")
        out["message"] = (r.get("status") or {}).get("message")
        out["warnings"] = r.get("warnings", [])
    if why:
        out["why"] = why
    elif args.expect and (out["allowed"] is True) != (args.expect == "allow"):
        out["why"] = "expected %s, got allowed=%s: %s" % (args.expect, out["allowed"], out["message"])
    else:
        out["ok"] = True
    return out


def one(args, raw, req, results, i, barrier):
    body = raw
    if args.parallel > 1 and isinstance(req, dict) and isinstance(req.get("request"), dict):
        r = json.loads(raw)
        r["request"]["uid"] = "%s-%d" % (r["request"]["uid"], i)
        req = r
        body = json.dumps(r).encode()
    if barrier:
        barrier.wait()
    try:
        # --retry-in-progress N: a denial that says the scan is still running
        # is sent again, as a controller re-creating the pod would, N times;
        # it is never the answer judged (not even when a deny is expected)
        n = max(0, args.retry_in_progress)
        for attempt in range(1 + n):
            status, ct, data, ms = send(args, body, args.content_type)
            results[i] = judge(args, req, status, ct, data, ms)
            results[i]["retries"] = attempt
            if "in progress, retry" not in (results[i].get("message") or ""):
                break
        if n and "in progress, retry" in (results[i].get("message") or ""):
            results[i]["ok"] = False
            results[i]["why"] = "still in progress after %d retries: %s" % (n, results[i].get("message"))
    except Exception as e:  # connection refused, reset, TLS failure: reported, not raised
        results[i] = {"ok": False, "why": "%s: %s" % (type(e).__name__, e), "http": 0}


def batch(args):
    results = []
    for line in open(args.batch):
        if not line.strip():
            continue
        name, want, url, path = line.rstrip("\n").split("\t")
        a = argparse.Namespace(**vars(args))
        a.url = url
        a.expect, a.expect_http = (want, None) if want in ("allow", "deny") else (None, int(want))
        raw = open(path, "rb").read()
        try:
            req = json.loads(raw)
        except (ValueError, RecursionError):
            req = None
        out = [None]
        one(a, raw, req, out, 0, None)
        r = out[0]
        r["name"] = name
        results.append(r)
        print("PASS %s (%s)" % (name, want) if r["ok"] else "FAIL %s: %s %s" % (
            name, r["why"], json.dumps(r.get("body"))[:600]))
    with open(args.results, "w") as f:
        json.dump(results, f)
    sys.exit(0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url")
    p.add_argument("--cacert", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--request", help="file with the body ('-': stdin)")
    p.add_argument("--batch", help="a list of requests (see above)")
    p.add_argument("--results", default="/dev/null", help="--batch: where the answers go")
    p.add_argument("--method", default="POST")
    p.add_argument("--content-type", default="application/json")
    p.add_argument("--expect", choices=["allow", "deny"])
    p.add_argument("--expect-http", type=int)
    p.add_argument("--parallel", type=int, default=1)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--retry-in-progress", type=int, default=0,
                   help="send again (N times) when denied with 'scan ... in progress, retry'")
    args = p.parse_args()
    if args.batch:
        batch(args)
    if not args.url or not args.request:
        p.error("--url and --request (or --batch) are required")
    raw = sys.stdin.buffer.read() if args.request == "-" else open(args.request, "rb").read()
    try:
        req = json.loads(raw)
    except (ValueError, RecursionError):
        req = None
    n = max(1, args.parallel)
    results = [None] * n
    barrier = threading.Barrier(n) if n > 1 else None
    threads = [threading.Thread(target=one, args=(args, raw, req, results, i, barrier)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        print(json.dumps(r))
    sys.exit(0 if all(r and r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
