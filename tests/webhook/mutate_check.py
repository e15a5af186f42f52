#!/usr/bin/env python3
"""mutate_check.py - send AdmissionReviews to portcullis-webhook's /mutate
over HTTPS and check each answer the way the apiserver uses it.

The answer must be HTTP 200 with the request's apiVersion, kind
AdmissionReview, the request's uid and a boolean allowed. When a patch is
expected it must have patchType JSONPatch and a base64 JSON Patch, which
is applied to request.object with python3-jsonpatch (a real RFC 6902
implementation: a path that does not exist, or an "add" under a missing
parent, raises). The result is compared with an expected object built
independently here: the object with every image field (containers,
initContainers, ephemeralContainers of the kind's pod spec, CronJob's three
templates deep) whose image is in PINS set to its pinned form, and, when
the annotation is expected, the pod metadata (the template's for
workloads) holding portcullis.io/verdicts - a JSON array of DSSE envelopes
(its value is taken from the result, then checked for shape); when it is
expected removed, the same metadata without that key; otherwise the
annotation as it came in. Nothing else may differ, and every operation
must touch an image field or that annotation.

Whatever the case, no envelope of the answer may be one that came in (in
request.object's or request.oldObject's annotation, compared by
signature): the webhook only hands out what it signed for this request.

A case is a JSON object: {"name", "url", "request" (file), "pins" {image:
pinned}, "annotate" (true: set; false: no annotation operation;
"removed": the key removed), "expect" ("allow"|"deny", default allow),
"envelope_images" (optional: the payloads' "image" values, in order),
"review_out" (file: the review with request.object patched, for
/validate), "annotation_out" (file: the annotation's value)}. --cases FILE
holds a JSON array of them. Prints "PASS name" / "FAIL name: why" per
case; --results gets the answers. Exit 0 unless a request could not be
made.
"""
import argparse
import base64
import copy
import http.client
import json
import ssl
import sys
import urllib.parse

import jsonpatch

ANNOTATION = "portcullis.io/verdicts"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
TEMPLATE = ["spec", "template"]
POD_PATHS = {  # kind -> keys from the object to the object holding metadata and spec
    "Pod": [],
    "Deployment": TEMPLATE, "ReplicaSet": TEMPLATE, "StatefulSet": TEMPLATE,
    "DaemonSet": TEMPLATE, "Job": TEMPLATE, "ReplicationController": TEMPLATE,
    "CronJob": ["spec", "jobTemplate", "spec", "template"],
}
LISTS = ("initContainers", "containers", "ephemeralContainers")


def post(url, cacert, body):
    u = urllib.parse.urlsplit(url)
    ctx = ssl.create_default_context(cafile=cacert)
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=60)
    conn.request("POST", u.path + ("?" + u.query if u.query else ""), body=body,
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def pod_holder(obj, kind):
    """The object holding the pod's metadata and spec (or None)."""
    cur = obj
    for k in POD_PATHS[kind]:
        cur = cur.get(k) if isinstance(cur, dict) else None
    return cur if isinstance(cur, dict) else None


def expected_object(obj, kind, pins, annotation, subresource, removed=False):
    exp = copy.deepcopy(obj)
    holder = pod_holder(exp, kind)
    spec = holder.get("spec", {}) if holder else {}
    for lst in LISTS:
        for c in spec.get(lst) or []:
            if isinstance(c, dict) and c.get("image") in pins:
                c["image"] = pins[c["image"]]
    if annotation is not None and not subresource:
        md = holder.setdefault("metadata", {})
        if not isinstance(md.get("annotations"), dict):
            md["annotations"] = {}
        md["annotations"][ANNOTATION] = annotation
    if removed:
        del holder["metadata"]["annotations"][ANNOTATION]
    return exp


def signatures_in(value):
    """Every signature of every envelope in an annotation value (any shape)."""
    try:
        envs = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return set()
    out = set()
    for e in envs if isinstance(envs, list) else []:
        for sig in (e.get("signatures") or []) if isinstance(e, dict) else []:
            if isinstance(sig, dict) and isinstance(sig.get("sig"), str):
                out.add(sig["sig"])
    return out


def annotation_of(obj, kind):
    holder = pod_holder(obj, kind)
    md = (holder or {}).get("metadata") or {}
    return (md.get("annotations") or {}).get(ANNOTATION)


def touches_only_allowed(ops, kind):
    prefix = "".join("/" + k for k in POD_PATHS[kind])
    for op in ops:
        p = op.get("path", "")
        image = op.get("op") == "replace" and p.startswith(prefix + "/spec/") and p.endswith("/image")
        meta = op.get("op") == "add" and p in (
            prefix + "/metadata", prefix + "/metadata/annotations",
            prefix + "/metadata/annotations/portcullis.io~1verdicts")
        removal = op.get("op") == "remove" and p == prefix + "/metadata/annotations/portcullis.io~1verdicts"
        if not (image or meta or removal):
            return "operation touches more than images and the annotation: %r" % op
    return None


def check_envelopes(value):
    try:
        envs = json.loads(value)
    except ValueError as e:
        return "annotation is not JSON: %s" % e
    if not isinstance(envs, list) or not envs:
        return "annotation is not a non-empty JSON array"
    for e in envs:
        if not isinstance(e, dict) or e.get("payloadType") != PAYLOAD_TYPE or not e.get("signatures"):
            return "annotation entry is not a verdict envelope: %r" % e
        st = json.loads(base64.b64decode(e["payload"]))
        if st.get("_type") != "https://in-toto.io/Statement/v1" or not isinstance(st.get("predicate"), dict):
            return "annotation entry is not an in-toto statement: %r" % st
    return None


def judge(case, req, status, data):
    if status != 200:
        return "HTTP %d: %s" % (status, data[:300])
    doc = json.loads(data)
    r = doc.get("response") or {}
    if doc.get("apiVersion") != req["apiVersion"] or doc.get("kind") != "AdmissionReview":
        return "apiVersion/kind %r/%r" % (doc.get("apiVersion"), doc.get("kind"))
    if r.get("uid") != req["request"]["uid"] or not isinstance(r.get("allowed"), bool):
        return "uid or allowed wrong: %r" % r
    case["answer"] = r
    if r["allowed"] != (case.get("expect", "allow") == "allow"):
        return "allowed=%s: %r" % (r["allowed"], (r.get("status") or {}).get("message"))
    if not r["allowed"]:
        return None if "patch" not in r else "a denial with a patch"
    annotate = case.get("annotate")
    removed = annotate == "removed"
    want_patch = bool(case.get("pins")) or bool(annotate)
    if not want_patch:
        return None if "patch" not in r and "patchType" not in r else "unexpected patch"
    if r.get("patchType") != "JSONPatch" or not isinstance(r.get("patch"), str):
        return "no JSONPatch: %r" % r
    ops = json.loads(base64.b64decode(r["patch"], validate=True))
    kind = req["request"]["kind"]["kind"]
    why = touches_only_allowed(ops, kind)
    if why:
        return why
    obj = req["request"]["object"]
    got = jsonpatch.JsonPatch(ops).apply(obj)  # raises on an invalid operation
    ann = annotation_of(got, kind) if annotate is True else None
    if annotate is True:
        if not isinstance(ann, str):
            return "annotation missing from the patched object"
        why = check_envelopes(ann)
        if why:
            return why
        came_in = signatures_in(annotation_of(obj, kind))
        old = req["request"].get("oldObject")
        if isinstance(old, dict):
            came_in |= signatures_in(annotation_of(old, kind))
        kept = signatures_in(ann) & came_in
        if kept:
            return "%d envelope(s) of the annotation came in with the request" % len(kept)
        if "envelope_images" in case:
            imgs = [json.loads(base64.b64decode(e["payload"]))["predicate"].get("image") for e in json.loads(ann)]
            if imgs != case["envelope_images"]:
                return "envelopes for %r, expected %r" % (imgs, case["envelope_images"])
    if removed and annotation_of(got, kind) is not None:
        return "annotation not removed"
    exp = expected_object(obj, kind, case.get("pins") or {}, ann, req["request"].get("subResource"),
                          removed)
    if got != exp:
        return "patched object differs from the expected one: got %s" % json.dumps(got)[:1500]
    if case.get("review_out"):
        out = copy.deepcopy(req)
        out["request"]["object"] = got
        with open(case["review_out"], "w") as f:
            json.dump(out, f)
    if case.get("annotation_out") and ann is not None:
        with open(case["annotation_out"], "w") as f:
            f.write(ann)
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cacert", required=True)
    p.add_argument("--cases", required=True)
    p.add_argument("--results", default="/dev/null")
    a = p.parse_args()
    cases = json.load(open(a.cases))
    for case in cases:
        raw = open(case["request"], "rb").read()
        req = json.loads(raw)
        try:
            status, data = post(case["url"], a.cacert, raw)
            why = judge(case, req, status, data)
        except Exception as e:  # an invalid patch (jsonpatch raises), TLS, HTTP
            why = "%s: %s" % (type(e).__name__, e)
        case["ok"] = why is None
        print("PASS %s" % case["name"] if why is None else "FAIL %s: %s" % (case["name"], why))
    with open(a.results, "w") as f:
        json.dump(cases, f)


if __name__ == "__main__":
    main()
