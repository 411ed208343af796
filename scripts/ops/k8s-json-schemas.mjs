#!/usr/bin/env node
// Turns Kubernetes' own OpenAPI v2 spec (api/openapi-spec/swagger.json of the k8s.io/kubernetes Go
// module, fetched through the Go module proxy) into the standalone strict JSON schemas kubeconform
// reads, named as its schema-location template expects: <kind>-<group>-<version>.json.
// Why: kubeconform downloads them from GitHub by default, which CI and this machine cannot reach.
// Same rules as kubeconform's openapi2jsonschema.py: $refs inlined, int-or-string as string|integer,
// every object with properties closed (additionalProperties: false, which is what -strict checks).
// Usage: k8s-json-schemas.mjs <swagger.json> <output dir>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [swaggerPath, outDir] = process.argv.slice(2);
if (!swaggerPath || !outDir) {
  console.error('usage: k8s-json-schemas.mjs <swagger.json> <output dir>');
  process.exit(2);
}
const definitions = JSON.parse(readFileSync(swaggerPath, 'utf8')).definitions;

function convert(schema, seen) {
  if (Array.isArray(schema)) return schema.map((item) => convert(item, seen));
  if (typeof schema !== 'object' || schema === null) return schema;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/definitions/', '');
    // Recursive types (only JSONSchemaProps, in CRDs) stay open below their first level.
    if (seen.has(name)) return {};
    return convert(definitions[name], new Set(seen).add(name));
  }
  if (schema.format === 'int-or-string') return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, seen)])) : convert(value, seen);
  }
  if (out.properties && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

mkdirSync(outDir, { recursive: true });
let written = 0;
for (const [name, definition] of Object.entries(definitions)) {
  for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
    // kubeconform: lower-case kind, then the group's first label (none for the core group), then version.
    const group = gvk.group ? `-${gvk.group.split('.')[0].toLowerCase()}` : '';
    const file = `${gvk.kind.toLowerCase()}${group}-${gvk.version.toLowerCase()}.json`;
    writeFileSync(join(outDir, file), JSON.stringify(convert(definition, new Set([name]))));
    written += 1;
  }
}
console.log(`${written} schemas in ${outDir}`);
