// matchcond.mjs - the webhook configurations' matchConditions evaluated
// with a CEL implementation (@marcbachmann/cel-js) on reviews built from
// fixtures/requests, to prove what they skip and what they never skip:
//   CREATE of every kind                                  sent
//   UPDATE changing only metadata (a label)               skipped
//   UPDATE of a Deployment changing only replicas         skipped
//   UPDATE changing a container's image                   sent
//   UPDATE changing only a container's securityContext    sent (a new run)
//   UPDATE adding an init container                       sent
//   pods/ephemeralcontainers adding an ephemeral one      sent
//   node matchcond.mjs NPM_PREFIX RENDERED_JSON FIXTURES_DIR
// Prints PASS/FAIL lines; a CEL error is a FAIL (the apiserver would apply
// failurePolicy Fail to it: every such UPDATE denied).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [prefix, rendered, fixtures] = process.argv.slice(2);
const cel = await import(
  pathToFileURL(path.join(prefix, "node_modules/@marcbachmann/cel-js/lib/index.js")).href);
const objs = JSON.parse(readFileSync(rendered, "utf8"));
const conds = [];
for (const o of objs)
  if (o.kind.endsWith("WebhookConfiguration"))
    for (const w of o.webhooks)
      for (const m of w.matchConditions || []) conds.push({ who: `${o.kind} ${m.name}`, expr: m.expression });

let failed = 0;
const say = (ok, name, why) => {
  console.log(ok ? `PASS matchConditions: ${name}` : `FAIL matchConditions: ${name}: ${why}`);
  if (!ok) failed++;
};
say(conds.length === 2, "one on each webhook configuration", `found ${conds.length}`);

function review(file) {
  const t = readFileSync(path.join(fixtures, file), "utf8")
    .replaceAll("@UID@", "u1").replaceAll("@NAMESPACE@", "team-a")
    .replaceAll("@IMAGE@", "registry.example/app:v1").replaceAll("@INIT_IMAGE@", "registry.example/init:v1")
    .replaceAll("@OLD_IMAGE@", "registry.example/app:v0");
  return JSON.parse(t).request;
}
const podSpec = (o, kind) =>
  kind === "Pod" ? o.spec : kind === "CronJob" ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
const clone = (x) => JSON.parse(JSON.stringify(x));

// want: true = sent to the webhook, false = skipped
function expect(name, request, object, oldObject, want) {
  for (const c of conds) {
    let got;
    try {
      got = cel.evaluate(c.expr, { request, object, oldObject });
    } catch (e) {
      say(false, `${name} (${c.who})`, `CEL error: ${e.message}`);
      continue;
    }
    say(got === want, `${name}: ${want ? "sent" : "skipped"} (${c.who})`, `evaluated to ${got}`);
  }
}

const kinds = ["pod.json", "deployment.json", "replicaset.json", "statefulset.json", "daemonset.json",
               "job.json", "cronjob.json", "replicationcontroller.json"];
for (const f of kinds) {
  const rq = review(f);
  const kind = rq.kind.kind;
  const obj = rq.object;
  expect(`${kind} CREATE`, { ...rq, operation: "CREATE" }, obj, null, true);
  const upd = { ...rq, operation: "UPDATE" };
  const labelled = clone(obj);
  labelled.metadata.labels = { ...(labelled.metadata.labels || {}), touched: "yes" };
  expect(`${kind} UPDATE of a label only`, upd, labelled, obj, false);
  const image = clone(obj);
  podSpec(image, kind).containers[0].image = "registry.example/app:v2";
  expect(`${kind} UPDATE of an image`, upd, image, obj, true);
  const sc = clone(obj);
  podSpec(sc, kind).containers[0].securityContext = { privileged: true };
  expect(`${kind} UPDATE of a securityContext only`, upd, sc, obj, true);
  const init = clone(obj);
  const ps = podSpec(init, kind);
  ps.initContainers = [...(ps.initContainers || []), { name: "extra", image: "registry.example/extra:v1" }];
  expect(`${kind} UPDATE adding an init container`, upd, init, obj, true);
  if (kind === "Deployment") {
    const scaled = clone(obj);
    scaled.spec.replicas = (scaled.spec.replicas || 1) + 3;
    expect("Deployment UPDATE of replicas only", upd, scaled, obj, false);
  }
}
const eph = review("pod-ephemeralcontainers.json");
expect("pods/ephemeralcontainers adding one", eph, eph.object, eph.oldObject, true);
process.exit(failed ? 1 : 0);
