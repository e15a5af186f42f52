// validate_k8s.mjs - every object of a JSON array (FILE, e.g. a rendered
// kustomization converted from YAML) against the schema of its apiVersion
// and kind, as the Kubernetes OpenAPI document (kubernetes-models) and the
// CRDs of cert-manager and the Prometheus operator
// (@kubernetes-models/cert-manager, .../prometheus-operator) define it;
// the validators are ajv's, compiled from those schemas. An object of a
// kind with no known schema fails (nothing is skipped).
//
//   NODE_PATH is not used: run with the packages installed under the
//   directory given as the first argument (npm install --prefix DIR).
//   node validate_k8s.mjs NPM_PREFIX FILE
// Prints "PASS schema: Kind/name" or "FAIL schema: Kind/name: errors";
// exits 1 when anything failed.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [prefix, file] = process.argv.slice(2);
const mods = path.join(prefix, "node_modules");
const packages = {
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function modelFor(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const pkg = packages[group] || "kubernetes-models";
  const dir = group === "" ? version : `${group}/${version}`;
  const f = path.join(mods, pkg, dir, `${kind}.js`);
  const m = await import(pathToFileURL(f).href);
  if (!m[kind]) throw new Error(`${f} exports no ${kind}`);
  return m[kind];
}

let failed = 0;
const objs = JSON.parse(readFileSync(file, "utf8"));
if (!Array.isArray(objs) || objs.length === 0) {
  console.log(`FAIL schema: ${file} holds no objects`);
  process.exit(1);
}
for (const o of objs) {
  const id = `${o.kind}/${o.metadata && o.metadata.name}`;
  try {
    const Model = await modelFor(o.apiVersion, o.kind);
    new Model(o).validate(); // throws with ajv's errors
    console.log(`PASS schema: ${id} (${o.apiVersion})`);
  } catch (e) {
    failed++;
    const why = e.errors ? JSON.stringify(e.errors).slice(0, 600) : String(e.message || e).slice(0, 600);
    console.log(`FAIL schema: ${id} (${o.apiVersion}): ${why}`);
  }
}
process.exit(failed ? 1 : 0);
