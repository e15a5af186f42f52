#!/usr/bin/env python3
"""check_deploy.py - read webhook/deploy/ (and what gen-certs.sh wrote) the
way a cluster admin's apply would use it, and check the promises the
README makes: the webhook configuration (versions, sideEffects, failure
policy, timeout, namespaces left out, every kind and the ephemeral
containers subresource, the caBundle), the Deployment (2 replicas, non-root,
read-only root filesystem, limits, HTTPS probes on /healthz and /readyz,
the TLS Secret mounted where the flags say) and that the names line up
across Namespace, Service, Secret and webhook; the MutatingWebhookConfiguration
(/mutate, reinvocationPolicy IfNeeded, the validating one's namespaces and
kinds) and the signing key (a Secret only an init container mounts, copied
0400 for the webhook container, --sign-key and --pin-digests in the args).
Prints "PASS name" /
"FAIL name: why" lines; --args-out writes the container's args, one per
line, so the test can start the real binary with them.
"""
import argparse
import base64
import os
import sys

import yaml

ok = True


def check(name, cond, why=""):
    global ok
    print(("PASS deploy: %s" % name) if cond else ("FAIL deploy: %s: %s" % (name, why)))
    ok = ok and bool(cond)


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def check_vwc(vwc, ca_pem, ns):
    w = vwc["webhooks"][0]
    check("admissionReviewVersions v1, v1beta1", w["admissionReviewVersions"] == ["v1", "v1beta1"])
    check("sideEffects None", w["sideEffects"] == "None")
    check("failurePolicy Fail", w["failurePolicy"] == "Fail")
    check("timeoutSeconds 10", w["timeoutSeconds"] == 10)
    svc = w["clientConfig"]["service"]
    check("calls /validate on the Service", svc["path"] == "/validate" and svc["namespace"] == ns)
    exprs = w["namespaceSelector"]["matchExpressions"]
    left_out = [v for e in exprs if e["operator"] == "NotIn" and
                e["key"] == "kubernetes.io/metadata.name" for v in e["values"]]
    check("own namespace and kube-system left out", ns in left_out and "kube-system" in left_out,
          str(exprs))
    res = {(g, r) for rule in w["rules"] for g in rule["apiGroups"] for r in rule["resources"]
           if set(rule["operations"]) >= {"CREATE", "UPDATE"}}
    want = {("", "pods"), ("", "pods/ephemeralcontainers"), ("", "replicationcontrollers"),
            ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"),
            ("apps", "daemonsets"), ("batch", "jobs"), ("batch", "cronjobs")}
    check("every kind on CREATE and UPDATE", want <= res, str(sorted(want - res)))
    bundle = base64.b64decode(w["clientConfig"]["caBundle"]).decode()
    check("caBundle is the generated CA", bundle.strip() == ca_pem.strip())


def check_mwc(mwc, vwc, ca_pem, ns):
    m, v = mwc["webhooks"][0], vwc["webhooks"][0]
    check("mutating: admissionReviewVersions v1, v1beta1",
          m["admissionReviewVersions"] == ["v1", "v1beta1"])
    check("mutating: sideEffects None, failurePolicy Fail, reinvocationPolicy IfNeeded",
          m["sideEffects"] == "None" and m["failurePolicy"] == "Fail" and
          m["reinvocationPolicy"] == "IfNeeded")
    svc = m["clientConfig"]["service"]
    check("mutating: calls /mutate on the Service", svc["path"] == "/mutate" and
          svc["namespace"] == ns and svc["name"] == v["clientConfig"]["service"]["name"])
    check("mutating: the validating webhook's namespaceSelector",
          m["namespaceSelector"] == v["namespaceSelector"])
    check("mutating: the validating webhook's kinds", m["rules"] == v["rules"])
    bundle = base64.b64decode(m["clientConfig"]["caBundle"]).decode()
    check("mutating: caBundle is the generated CA", bundle.strip() == ca_pem.strip())


def check_signing(pod, args, signing_secret):
    vols = {v["name"]: v for v in pod["volumes"]}
    sec = [n for n, v in vols.items()
           if v.get("secret", {}).get("secretName") == signing_secret["metadata"]["name"]]
    check("signing Secret volume, defaultMode 0400", len(sec) == 1 and
          vols[sec[0]]["secret"].get("defaultMode") == 0o400, str(sec))
    if len(sec) != 1:
        return
    inits, conts = pod.get("initContainers", []), pod["containers"]
    in_init = [c for c in inits if any(m["name"] == sec[0] for m in c["volumeMounts"])]
    in_main = [c for c in conts if any(m["name"] == sec[0] for m in c["volumeMounts"])]
    check("signing Secret mounted by the init container only", len(in_init) == 1 and not in_main)
    key = [a.split("=", 1)[1] for a in args if a.startswith("--sign-key=")]
    mounts = {m["name"]: m for m in conts[0]["volumeMounts"]}
    copy = [m for m in mounts.values() if key and key[0].startswith(m["mountPath"] + "/")]
    check("--sign-key points at the copy, mounted read-only from a memory emptyDir",
          len(copy) == 1 and copy[0].get("readOnly") is True and
          vols[copy[0]["name"]].get("emptyDir", {}).get("medium") == "Memory", str(key))
    cmd = in_init[0].get("command", []) if in_init else []
    check("init container copies the key with mode 0400",
          "0400" in cmd and key and cmd[-1] == key[0], str(cmd))
    check("--pin-digests in the args", "--pin-digests" in args)
    check("signing Secret holds key.pem", signing_secret["type"] == "Opaque" and
          "key.pem" in signing_secret["data"])


def check_deployment(dep, secret_name):
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    c = pod["containers"][0]
    check("2 replicas", spec["replicas"] == 2)
    check("runs as non-root", pod["securityContext"]["runAsNonRoot"] is True and
          pod["securityContext"]["runAsUser"] != 0)
    sc = c["securityContext"]
    check("read-only root fs, no privilege escalation, no capabilities",
          sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False and
          sc["capabilities"]["drop"] == ["ALL"])
    lim = c["resources"]["limits"]
    check("resource limits", "cpu" in lim and "memory" in lim and "requests" in c["resources"])
    lp, rp = c["livenessProbe"]["httpGet"], c["readinessProbe"]["httpGet"]
    check("probes: HTTPS /healthz and /readyz", lp["path"] == "/healthz" and
          rp["path"] == "/readyz" and lp["scheme"] == rp["scheme"] == "HTTPS")
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    vols = {v["name"]: v for v in pod["volumes"]}
    args = c["args"]
    cert = [a.split("=", 1)[1] for a in args if a.startswith("--tls-cert=")]
    check("TLS Secret mounted where --tls-cert points",
          vols["tls"]["secret"]["secretName"] == secret_name and cert and
          cert[0].startswith(mounts["tls"] + "/"), str(args))
    return args


def main():
    p = argparse.ArgumentParser()
    p.add_argument("deploy")
    p.add_argument("generated")
    p.add_argument("--args-out")
    a = p.parse_args()
    ns = load(os.path.join(a.deploy, "namespace.yaml"))[0]["metadata"]["name"]
    secret = load(os.path.join(a.generated, "secret-tls.yaml"))[0]
    check("TLS Secret", secret["type"] == "kubernetes.io/tls" and
          secret["metadata"]["namespace"] == ns and "tls.key" in secret["data"])
    vwc = load(os.path.join(a.generated, "validatingwebhookconfiguration.yaml"))[0]
    check_vwc(vwc, open(os.path.join(a.generated, "ca.crt")).read(), ns)
    svc = load(os.path.join(a.deploy, "service.yaml"))[0]
    check("Service is the one the webhook calls",
          svc["metadata"]["name"] == vwc["webhooks"][0]["clientConfig"]["service"]["name"] and
          svc["spec"]["ports"][0]["port"] == 443)
    docs = load(os.path.join(a.deploy, "deployment.yaml"))
    dep = [d for d in docs if d["kind"] == "Deployment"][0]
    args = check_deployment(dep, secret["metadata"]["name"])
    check("PodDisruptionBudget keeps one", any(d["kind"] == "PodDisruptionBudget" and
                                               d["spec"]["minAvailable"] == 1 for d in docs))
    mwc = load(os.path.join(a.generated, "mutatingwebhookconfiguration.yaml"))[0]
    check_mwc(mwc, vwc, open(os.path.join(a.generated, "ca.crt")).read(), ns)
    signing = load(os.path.join(a.generated, "secret-signing.yaml"))[0]
    check("signing Secret in the webhook's namespace", signing["metadata"]["namespace"] == ns)
    check_signing(dep["spec"]["template"]["spec"], args, signing)
    sa = load(os.path.join(a.deploy, "serviceaccount.yaml"))[0]
    check("no API token mounted", sa["automountServiceAccountToken"] is False)
    kust = load(os.path.join(a.deploy, "kustomization.yaml"))[0]
    check("kustomization lists every manifest", all(
        os.path.exists(os.path.join(a.deploy, r)) or r.startswith("generated/")
        for r in kust["resources"]) and len(kust["resources"]) == 8)
    if a.args_out:
        with open(a.args_out, "w") as f:
            f.write("\n".join(args) + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
