#!/usr/bin/env node
// Runs every benchmark of the workspace (files named bench/*.bench.ts), one after another so they
// don't compete for the 2 cores, and prints each one's table. `npm run bench -- drift` runs those
// whose path contains "drift".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const workspaces = ['packages', 'services'].flatMap((dir) =>
  readdirSync(join(root, dir), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(root, dir, d.name)),
);
workspaces.push(join(root, 'workflows'));

const benches = workspaces
  .map((ws) => join(ws, 'bench'))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).map((f) => join(dir, f)))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));

if (benches.length === 0) {
  console.error(`no benchmark matches ${filters.join(' ') || '(any)'}`);
  process.exit(1);
}
const failed = [];
for (const file of benches) {
  const name = relative(root, file);
  console.log(`\n## ${name}\n`);
  const started = Date.now();
  const run = spawnSync(join(root, 'node_modules/.bin/tsx'), [file], { cwd: root, stdio: 'inherit', env: process.env });
  console.log(`\n(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${run.status})`);
  if (run.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`\nbenchmarks that failed to run: ${failed.join(', ')}`);
  process.exit(1);
}
