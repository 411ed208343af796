import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './service-variables.js';

const make = (...args: string[]) => spawnSync('make', ['--no-print-directory', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
// eslint-disable-next-line no-control-regex
const stripColors = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

function helpTargets(): string[] {
  const result = make('help');
  expect(result.status).toBe(0);
  return stripColors(result.stdout)
    .split('\n')
    .map((line) => /^\s+([a-zA-Z0-9_-]+)\s+\S/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** Targets defined in make/*.mk and the Makefile, with whether their rule line carries a `## ` help text. */
function definedTargets(): { target: string; file: string; hasHelp: boolean }[] {
  const files = ['Makefile', ...readdirSync(join(repoRoot, 'make')).filter((f) => f.endsWith('.mk')).map((f) => join('make', f))];
  return files.flatMap((file) =>
    readFileSync(join(repoRoot, file), 'utf8')
      .split('\n')
      // A rule, not a variable (`x := y`, `x ?= y`), a special target (.PHONY) or a file target.
      .map((line) => ({ line, match: /^([a-zA-Z0-9][a-zA-Z0-9_-]*)\s*:(?!=)/.exec(line) }))
      .filter(({ match }) => match !== null)
      .map(({ line, match }) => ({ target: match?.[1] ?? '', file, hasHelp: /##\s+\S/.test(line) })),
  );
}

describe('make', () => {
  it('when run without a target, then it prints the help', () => {
    const plain = make();
    expect(plain.status).toBe(0);
    expect(stripColors(plain.stdout)).toBe(stripColors(make('help').stdout));
  });

  it('when the help is printed, then it lists the operations targets, each once', () => {
    const targets = helpTargets();
    expect(targets).toEqual(expect.arrayContaining(['run_tests', 'reset_all', 'setup-model-registry', 'init_aws', 'apply-model-train-flow', 'setup-model-serve', 'apply-prediction-reporting', 'stop-serve', 'start-serve', 'promote', 'train', 'lint-ops']));
    expect(targets.filter((t, i) => targets.indexOf(t) !== i)).toEqual([]);
  });

  it('when every target in the help is dry-run, then make knows how to build it', () => {
    const failures = helpTargets()
      .map((target) => ({ target, result: make('-n', target, 'env=local', 'RUN_ID=0123456789abcdef0123456789abcdef') }))
      .filter(({ result }) => result.status !== 0)
      .map(({ target, result }) => `${target}: ${result.stderr.trim()}`);
    expect(failures).toEqual([]);
  }, 120_000);

  it('when a target is defined in make/*.mk, then it has a help line', () => {
    const undocumented = definedTargets()
      .filter(({ hasHelp }) => !hasHelp)
      .map(({ target, file }) => `${file}: ${target}`);
    expect(undocumented).toEqual([]);
  });

  it('when targets are collected across the Makefile and make/*.mk, then none is defined twice', () => {
    const targets = definedTargets().map(({ target }) => target);
    expect(targets.filter((t, i) => targets.indexOf(t) !== i)).toEqual([]);
  });
});
