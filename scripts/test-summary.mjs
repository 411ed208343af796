#!/usr/bin/env node
// Prints one plain closing line over every jest run of `make test` (their --json outputs): a
// suite that failed to run at all counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const step of ['unit', 'int', 'e2e']) {
  const file = `.stack/logs/jest-${step}.json`;
  if (!existsSync(file)) continue;
  const run = JSON.parse(readFileSync(file, 'utf8'));
  passed += run.numPassedTests;
  failed += run.numFailedTests + run.numRuntimeErrorTestSuites;
  skipped += run.numPendingTests;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
