#!/usr/bin/env node
// Licence gate: every installed npm package (production and dev) must carry a licence of the allow
// list in licences.json, checked by licensee (SPDX expressions: `MIT OR GPL-3.0` passes on MIT,
// `MIT AND GPL-3.0` does not). Prints one line per offending package, naming it, its licence and
// whether production code depends on it, and exits 1. Our own workspaces (@churn/*) are private and
// carry no licence: they are skipped only when package.json says `"private": true`.
//
// Usage: node scripts/licences.mjs [--production] [--dir DIR] [--allow FILE]
//   --production  check only the packages production code depends on (npm's --omit=dev tree)
//   --dir         the project whose node_modules is checked (default: this repository)
//   --allow       the allow list (default: licences.json of this repository)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const { values: options } = parseArgs({
  options: {
    production: { type: 'boolean', default: false },
    dir: { type: 'string', default: root },
    allow: { type: 'string', default: join(root, 'licences.json') },
  },
});
const dir = resolve(options.dir);
const allowName = relative(root, resolve(options.allow)).startsWith('..') ? resolve(options.allow) : relative(root, resolve(options.allow));
const licensee = createRequire(join(root, 'package.json'))('licensee');

/** Licences no allow list may name: the network and strong copyleft families. */
const NEVER = /^(AGPL|GPL|LGPL|SSPL|EUPL|OSL|BUSL|CPAL|RPL|Commons-Clause)/i;

const config = JSON.parse(readFileSync(options.allow, 'utf8'));
const allowed = config.allowed;
if (!Array.isArray(allowed) || allowed.length === 0) fail(2, `${allowName}: "allowed" must list SPDX licence identifiers`);
const forbidden = allowed.filter((id) => NEVER.test(id));
if (forbidden.length > 0) fail(2, `${allowName}: never allowed: ${forbidden.join(', ')}`);
/** name@version → licence read from the package's licence file, where package.json says nothing usable. */
const corrections = config.corrections ?? {};

let workspaces = 0;
const corrected = new Set();
const dev = new Map();
licensee(
  {
    licenses: { spdx: allowed },
    corrections: false,
    filterPackages(nodes) {
      return nodes.filter((node) => {
        if (options.production && node.dev) return false;
        const ours = node.isWorkspace || (node.isLink && node.target?.isWorkspace);
        if (ours && node.package.private === true) {
          if (!node.isLink) workspaces += 1;
          return false;
        }
        const id = `${node.package.name}@${node.package.version}`;
        const correction = corrections[id];
        if (correction !== undefined) {
          // Checked against the allow list like any other licence: a correction explains, never exempts.
          node.package.license = correction.licence;
          corrected.add(id);
        }
        // A version installed twice counts as production when any copy is.
        dev.set(id, (dev.get(id) ?? true) && node.dev);
        return true;
      });
    },
  },
  dir,
  (error, results) => {
    if (error) fail(2, `licences: ${error.message}`);
    const offending = results.filter((result) => !result.approved);
    for (const result of offending) {
      const id = `${result.name}@${result.version}`;
      const where = dev.get(id) ? 'dev' : 'production';
      console.error(`licence not allowed: ${id} ${describe(result.license)} (${where}, ${relative(dir, result.path) || '.'})`);
    }
    const counts = new Map();
    for (const result of results) counts.set(describe(result.license), (counts.get(describe(result.license)) ?? 0) + 1);
    const production = [...dev.values()].filter((isDev) => !isDev).length;
    const scope = options.production ? `${results.length} production packages` : `${results.length} packages (${production} production)`;
    const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([licence, n]) => `${licence} ${n}`).join(', ');
    console.log(`licences: ${scope}, ${workspaces} private workspaces skipped, ${corrected.size} corrected by ${allowName}`);
    console.log(`  ${summary}`);
    if (offending.length > 0) fail(1, `licences: ${offending.length} package(s) with a licence outside ${allowName}`);
  },
);

function describe(license) {
  if (license === undefined || license === null || license === '') return 'UNLICENSED (no licence field)';
  return typeof license === 'string' ? license : JSON.stringify(license);
}

function fail(code, message) {
  console.error(message);
  process.exit(code);
}
