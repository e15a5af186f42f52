#!/usr/bin/env python3
"""check_deploy.py - read the manifests exactly as `kubectl apply -k` would
send them (RENDERED: `kubectl kustomize` of what gen-certs.sh wrote in
GENERATED) and check the promises the README makes: the webhook configuration (versions, sideEffects, failure
policy, timeout, namespaces left out, every kind and the ephemeral
containers subresource, the caBundle), the Deployment (2 replicas, non-root,
read-only root filesystem, limits, HTTPS probes on /healthz and /readyz,
the TLS Secret mounted where the flags say) and that the names line up
across Namespace, Service, Secret and webhook; the MutatingWebhookConfiguration
(/mutate, reinvocationPolicy IfNeeded, the validating one's namespaces and
kinds) and the signing key (a Secret only an init container mounts, copied
0400 for the webhook container, --sign-key and --pin-digests in the args).
Issue 20: every namespaced object in the chosen namespace (--ns) and
nothing named after another, the Service name (--svc), the namespace mode
(--mode), cert-manager (--cert-manager: CA injection, no Secret of ours),
priorityClassName, matchConditions, the NetworkPolicy and the metrics port.
--redis (components/redis): the Redis Deployment, Service and NetworkPolicy
(only the webhook pods reach it), the portcullis-redis Secret (password,
--redis-key secret, redis.conf with the password) mounted where the
webhook's --redis-* flags point, and the password on no command line.
Prints "PASS name" / "FAIL name: why" lines; --args-out writes the container's args, one per
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


def check_vwc(vwc, ca_pem, ns, mode):
    w = vwc["webhooks"][0]
    check("admissionReviewVersions v1, v1beta1", w["admissionReviewVersions"] == ["v1", "v1beta1"])
    check("sideEffects None", w["sideEffects"] == "None")
    check("failurePolicy Fail", w["failurePolicy"] == "Fail")
    check("timeoutSeconds 10", w["timeoutSeconds"] == 10)
    svc = w["clientConfig"]["service"]
    check("calls /validate on the Service", svc["path"] == "/validate" and svc["namespace"] == ns)
    sel = w["namespaceSelector"]
    if mode == "opt-in":
        check("opt-in: only namespaces labelled portcullis.io/enforce=true",
              sel == {"matchLabels": {"portcullis.io/enforce": "true"}}, str(sel))
    else:
        exprs = sel.get("matchExpressions", [])
        left_out = [v for e in exprs if e["operator"] == "NotIn" and
                    e["key"] == "kubernetes.io/metadata.name" for v in e["values"]]
        check("own namespace and kube-system left out", sorted(left_out) ==
              sorted([ns, "kube-system"]), str(exprs))
    mc = w.get("matchConditions", [])
    check("matchConditions: UPDATEs with an unchanged pod spec are skipped",
          len(mc) == 1 and "request.operation != 'UPDATE'" in mc[0]["expression"] and
          "oldObject.spec.template.spec" in mc[0]["expression"], str(mc))
    res = {(g, r) for rule in w["rules"] for g in rule["apiGroups"] for r in rule["resources"]
           if set(rule["operations"]) >= {"CREATE", "UPDATE"}}
    want = {("", "pods"), ("", "pods/ephemeralcontainers"), ("", "replicationcontrollers"),
            ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"),
            ("apps", "daemonsets"), ("batch", "jobs"), ("batch", "cronjobs")}
    check("every kind on CREATE and UPDATE", want <= res, str(sorted(want - res)))
    check_ca(vwc, ca_pem, ns, "")


def check_ca(wc, ca_pem, ns, what):
    w = wc["webhooks"][0]
    if ca_pem is None:  # cert-manager
        ann = wc["metadata"].get("annotations", {})
        check(what + "cert-manager injects the CA", "caBundle" not in w["clientConfig"] and
              ann.get("cert-manager.io/inject-ca-from") == ns + "/portcullis-webhook-tls", str(ann))
        return
    bundle = base64.b64decode(w["clientConfig"]["caBundle"]).decode()
    check(what + "caBundle is the generated CA", bundle.strip() == ca_pem.strip())


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
    check("mutating: the validating webhook's matchConditions",
          m.get("matchConditions") == v.get("matchConditions"))
    check_ca(mwc, ca_pem, ns, "mutating: ")


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
    check("priorityClassName system-cluster-critical",
          pod.get("priorityClassName") == "system-cluster-critical")
    ml = [a.split("=", 1)[1] for a in args if a.startswith("--metrics-listen=")]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    check("--metrics-listen on the container's metrics port",
          len(ml) == 1 and ml[0].rsplit(":", 1)[1] == str(ports.get("metrics")), str(ml))
    return args


def check_netpol(np, dep):
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    sel = np["spec"]["podSelector"]["matchLabels"]
    check("NetworkPolicy selects the webhook pods",
          all(pod_labels.get(k) == v for k, v in sel.items()) and sel, str(sel))
    check("NetworkPolicy: ingress and egress", sorted(np["spec"]["policyTypes"]) ==
          ["Egress", "Ingress"])
    ing = np["spec"]["ingress"]
    open_ports = [p["port"] for r in ing if "from" not in r for p in r["ports"]]
    scrape = [(p["port"], r["from"]) for r in ing if "from" in r for p in r["ports"]]
    check("NetworkPolicy: the admission port open, nothing else unconditionally",
          open_ports == [8443], str(open_ports))
    check("NetworkPolicy: metrics from a labelled monitoring namespace", len(scrape) == 1 and
          scrape[0][0] == 9090 and scrape[0][1] == [{"namespaceSelector": {"matchLabels": {
              "portcullis.io/metrics-scraper": "true"}}}], str(scrape))
    eg = sorted((p.get("protocol", "TCP"), p["port"]) for r in np["spec"]["egress"]
                for p in r["ports"])
    check("NetworkPolicy: egress to DNS, registries and Redis only", eg == sorted(
        [("UDP", 53), ("TCP", 53), ("TCP", 443), ("TCP", 5000), ("TCP", 6379)]), str(eg))


def check_redis(one, dep, args, ns):
    rdep, rsvc, rnp = (one("Deployment", "portcullis-redis"), one("Service", "portcullis-redis"),
                       one("NetworkPolicy", "portcullis-redis"))
    secret = one("Secret", "portcullis-redis")
    data = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
    pw, key = data.get("password", ""), data.get("key", "")
    # redis.conf: the default user (the webhook's) with the password, its
    # own keys only and the commands it sends (tests/integration/redis.sh
    # runs Redis with it)
    acl = data.get("redis.conf", "").split()
    check("redis: Secret with password, --redis-key secret and redis.conf (the webhook's ACL user)",
          len(pw) >= 32 and 32 <= len(key) <= 64 and acl[:4] == ["user", "default", "on", ">" + pw]
          and "~portcullis:*" in acl and "-@all" in acl and "~*" not in acl and "+@all" not in acl,
          str(sorted(data)))
    pod = rdep.get("spec", {}).get("template", {}).get("spec", {})
    rlabels = rdep.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
    c = (pod.get("containers") or [{}])[0]
    sc = c.get("securityContext", {})
    check("redis: non-root, read-only root fs, no capabilities, limits",
          pod.get("securityContext", {}).get("runAsNonRoot") is True and
          sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False
          and sc.get("capabilities", {}).get("drop") == ["ALL"] and
          "memory" in c.get("resources", {}).get("limits", {}))
    cmd = c.get("command", []) + c.get("args", [])
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    conf = [m["mountPath"] for m in c.get("volumeMounts", [])
            if vols.get(m["name"], {}).get("secret", {}).get("secretName") == "portcullis-redis"]
    check("redis: started with redis.conf from the Secret, nothing saved",
          len(conf) == 1 and conf[0] + "/redis.conf" in cmd and cmd[cmd.index("--save") + 1] == ""
          and cmd[cmd.index("--appendonly") + 1] == "no" and "--maxmemory" in cmd, str(cmd))
    check("redis: the Service selects the Redis pods on 6379",
          rsvc.get("spec", {}).get("selector") == rlabels and
          rsvc["spec"]["ports"][0]["port"] == 6379, str(rsvc.get("spec")))
    wl = dep["spec"]["template"]["metadata"]["labels"]
    ing = rnp.get("spec", {}).get("ingress", [])
    check("redis: NetworkPolicy: only the webhook pods, on 6379, and no egress",
          rnp["spec"]["podSelector"]["matchLabels"] == rlabels and ing == [{
              "from": [{"podSelector": {"matchLabels": wl}}],
              "ports": [{"port": 6379, "protocol": "TCP"}]}] and
          rnp["spec"].get("egress") == [] and "Egress" in rnp["spec"]["policyTypes"], str(rnp))
    flags = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in args if a.startswith("--redis")}
    wpod = dep["spec"]["template"]["spec"]
    wc = wpod["containers"][0]
    wvols = {v["name"]: v for v in wpod["volumes"]}
    mounts = {m["mountPath"]: wvols[m["name"]] for m in wc["volumeMounts"]}
    sec = mounts.get(flags.get("--redis-key", "/").rsplit("/", 1)[0], {}).get("secret", {})
    items = {i["key"]: i["path"] for i in sec.get("items", [])}
    check("redis: the webhook's --redis-url names the Service",
          flags.get("--redis-url") == "redis://portcullis-redis:6379", str(flags))
    check("redis: --redis-key and --redis-password-file are the Secret's files",
          sec.get("secretName") == "portcullis-redis" and
          flags.get("--redis-key", "").endswith("/" + items.get("key", "?")) and
          flags.get("--redis-password-file", "").endswith("/" + items.get("password", "?")) and
          flags["--redis-key"].rsplit("/", 1)[0] == flags["--redis-password-file"].rsplit("/", 1)[0],
          str(flags))
    check("redis: the password is on no command line", pw and not any(
        pw in a for d in (pod, wpod) for ct in d.get("containers", []) + d.get("initContainers", [])
        for a in ct.get("command", []) + ct.get("args", [])))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("rendered")
    p.add_argument("generated")
    p.add_argument("--ns", default="portcullis-system")
    p.add_argument("--svc", default="portcullis-webhook")
    p.add_argument("--mode", default="enforce-everywhere")
    p.add_argument("--cert-manager", action="store_true")
    p.add_argument("--redis", action="store_true")
    p.add_argument("--args-out")
    a = p.parse_args()
    docs = load(a.rendered)
    by = {}
    for d in docs:
        by.setdefault(d["kind"], []).append(d)

    def one(kind, name=None):
        got = [d for d in by.get(kind, []) if name is None or d["metadata"]["name"] == name]
        check("one %s%s" % (kind, " " + name if name else ""), len(got) == 1, str(len(got)))
        return got[0] if got else {}

    ns = a.ns
    check("the Namespace is " + ns, [d["metadata"]["name"] for d in by.get("Namespace", [])] == [ns])
    cluster = {"Namespace", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}
    wrong = ["%s/%s in %s" % (d["kind"], d["metadata"]["name"], d["metadata"].get("namespace"))
             for d in docs if d["kind"] not in cluster and d["metadata"].get("namespace") != ns]
    check("every namespaced object in " + ns, not wrong, str(wrong))
    text = open(a.rendered).read()
    if ns != "portcullis-system":
        check("no object names portcullis-system any more", "portcullis-system" not in text)
    ca_pem = None if a.cert_manager else open(os.path.join(a.generated, "ca.crt")).read()
    if a.cert_manager:
        check("cert-manager: no TLS Secret of ours", not [
            d for d in by.get("Secret", []) if d["metadata"]["name"] == "portcullis-webhook-tls"])
        cert = one("Certificate", "portcullis-webhook-tls")
        names = [a.svc, a.svc + "." + ns, a.svc + "." + ns + ".svc",
                 a.svc + "." + ns + ".svc.cluster.local"]
        check("cert-manager: the Certificate names the Service in " + ns,
              cert.get("spec", {}).get("dnsNames") == names and
              cert["spec"]["secretName"] == "portcullis-webhook-tls", str(cert.get("spec")))
        check("cert-manager: renewed before it ends", cert.get("spec", {}).get("renewBefore") and
              cert["spec"].get("privateKey", {}).get("rotationPolicy") == "Always")
        secret_name = "portcullis-webhook-tls"
    else:
        secret = one("Secret", "portcullis-webhook-tls")
        check("TLS Secret", secret.get("type") == "kubernetes.io/tls" and
              "tls.key" in secret.get("data", {}))
        secret_name = secret["metadata"]["name"]
    vwc = one("ValidatingWebhookConfiguration")
    check_vwc(vwc, ca_pem, ns, a.mode)
    svc = one("Service", a.svc)
    check("Service is the one the webhook calls",
          svc["metadata"]["name"] == a.svc ==
          vwc["webhooks"][0]["clientConfig"]["service"]["name"] and
          svc["spec"]["ports"][0]["port"] == 443)
    dep = one("Deployment", "portcullis-webhook")
    args = check_deployment(dep, secret_name)
    check("PodDisruptionBudget keeps one", any(d["spec"]["minAvailable"] == 1
                                               for d in by.get("PodDisruptionBudget", [])))
    mwc = one("MutatingWebhookConfiguration")
    check_mwc(mwc, vwc, ca_pem, ns)
    signing = one("Secret", "portcullis-signing-key")
    check_signing(dep["spec"]["template"]["spec"], args, signing)
    sa = one("ServiceAccount")
    check("no API token mounted", sa["automountServiceAccountToken"] is False)
    check_netpol(one("NetworkPolicy", "portcullis-webhook"), dep)
    if a.redis:
        check_redis(one, dep, args, ns)
    else:
        check("no Redis without --redis",
              not [d for d in docs if d["metadata"]["name"] == "portcullis-redis"])
    if a.args_out:
        with open(a.args_out, "w") as f:
            f.write("\n".join(args) + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
