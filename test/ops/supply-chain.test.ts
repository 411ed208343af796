import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from './service-variables.js';

// The licence gate (scripts/licences.mjs, allow list licences.json) and the SBOM
// (scripts/supply-chain.sh) run against real node_modules trees: a fixture one and this repository's.
const run = (command: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
const licences = (...args: string[]) => run('node', [join(repoRoot, 'scripts', 'licences.mjs'), ...args]);

function writeJson(file: string, value: unknown) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** A project as npm installs it: a root with a private workspace, production and dev dependencies. */
function fixtureProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'licences-'));
  writeJson(join(dir, 'package.json'), {
    name: 'fixture',
    version: '1.0.0',
    private: true,
    workspaces: ['packages/*'],
    dependencies: { 'agpl-lib': '1.0.0', 'mit-lib': '2.0.0', 'either-lib': '1.0.0' },
    devDependencies: { 'sspl-tool': '1.0.0', 'isc-tool': '1.0.0' },
  });
  const packages: Record<string, string> = {
    'agpl-lib@1.0.0': 'AGPL-3.0-only',
    'mit-lib@2.0.0': 'MIT',
    // An OR expression passes when one branch is allowed.
    'either-lib@1.0.0': '(MIT OR GPL-3.0-or-later)',
    'sspl-tool@1.0.0': 'SSPL-1.0',
    'isc-tool@1.0.0': 'ISC',
  };
  for (const [id, license] of Object.entries(packages)) {
    const [name, version] = id.split('@');
    writeJson(join(dir, 'node_modules', name ?? '', 'package.json'), { name, version, license });
  }
  // Ours: private and unlicensed, linked into node_modules as npm does.
  writeJson(join(dir, 'packages', 'mine', 'package.json'), { name: '@fixture/mine', version: '0.1.0', private: true });
  mkdirSync(join(dir, 'node_modules', '@fixture'));
  symlinkSync(join('..', '..', 'packages', 'mine'), join(dir, 'node_modules', '@fixture', 'mine'));
  return dir;
}

const offending = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('licence not allowed: '));

describe('licence gate', () => {
  it('when a tree holds an AGPL production dependency and an SSPL dev dependency, then it fails naming each with its licence', () => {
    const result = licences('--dir', fixtureProject());
    expect(result.status).toBe(1);
    expect(offending(result.stderr)).toEqual([
      'licence not allowed: agpl-lib@1.0.0 AGPL-3.0-only (production, node_modules/agpl-lib)',
      'licence not allowed: sspl-tool@1.0.0 SSPL-1.0 (dev, node_modules/sspl-tool)',
    ]);
    expect(result.stdout).toMatch(/^licences: 5 packages \(3 production\), 1 private workspaces skipped/m);
  }, 60_000);

  it('when only production dependencies are checked, then the dev-only SSPL tool is not named', () => {
    const result = licences('--dir', fixtureProject(), '--production');
    expect(result.status).toBe(1);
    expect(offending(result.stderr)).toEqual(['licence not allowed: agpl-lib@1.0.0 AGPL-3.0-only (production, node_modules/agpl-lib)']);
  }, 60_000);

  it('when a workspace of ours is not private, then its missing licence fails it', () => {
    const dir = fixtureProject();
    writeJson(join(dir, 'packages', 'mine', 'package.json'), { name: '@fixture/mine', version: '0.1.0' });
    expect(offending(licences('--dir', dir).stderr)).toContain('licence not allowed: @fixture/mine@0.1.0 UNLICENSED (no licence field) (production, packages/mine)');
  }, 60_000);

  it('when an allow list names AGPL, then the gate refuses the allow list itself', () => {
    const allow = join(mkdtempSync(join(tmpdir(), 'allow-')), 'licences.json');
    writeJson(allow, { allowed: ['MIT', 'AGPL-3.0-only'] });
    const result = licences('--dir', fixtureProject(), '--allow', allow);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/never allowed: AGPL-3.0-only/);
  }, 60_000);

  it('when the allow list is read, then it names no copyleft or source-available licence and every correction is of an exact version', () => {
    const config = JSON.parse(readFileSync(join(repoRoot, 'licences.json'), 'utf8')) as { allowed: string[]; corrections: Record<string, { licence: string; why: string }> };
    expect(config.allowed.filter((id) => /GPL|SSPL|BUSL|EUPL/i.test(id))).toEqual([]);
    for (const [id, correction] of Object.entries(config.corrections)) {
      expect({ id, ok: /^(@[^/]+\/)?[^@]+@\d+\.\d+\.\d+$/.test(id) && config.allowed.includes(correction.licence) && correction.why.length > 0 }).toEqual({ id, ok: true });
    }
  });
});

describe('supply chain of this repository', () => {
  const sbomFile = join(mkdtempSync(join(tmpdir(), 'sbom-')), 'sbom.cdx.json');
  let result: ReturnType<typeof run>;
  beforeAll(() => {
    result = run(join(repoRoot, 'scripts', 'supply-chain.sh'), [], { SBOM_FILE: sbomFile });
  }, 120_000);

  it('when the installed tree is checked, then every licence is allowed', () => {
    expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^licences: \d+ packages \(\d+ production\), 16 private workspaces skipped/m);
  });

  it('when the SBOM is written, then it is CycloneDX JSON of the production dependencies only', () => {
    type Component = { name: string; group?: string; version: string; purl?: string; components?: Component[] };
    const bom = JSON.parse(readFileSync(sbomFile, 'utf8')) as { bomFormat: string; specVersion: string; metadata: { component: { name: string } }; components: Component[] };
    expect({ bomFormat: bom.bomFormat, specVersion: bom.specVersion, root: bom.metadata.component.name }).toEqual({ bomFormat: 'CycloneDX', specVersion: '1.6', root: 'churn-mlops' });
    const flat = (components: Component[] = []): Component[] => components.flatMap((c) => [c, ...flat(c.components)]);
    const names = new Set(flat(bom.components).map((c) => (c.group ? `${c.group}/${c.name}` : c.name)));
    // Production: zod (config), express (predictor API), tsx (the root's runtime) and our services.
    for (const name of ['zod', 'express', 'tsx', '@churn/registry']) expect({ name, listed: names.has(name) }).toEqual({ name, listed: true });
    // Dev only: test, lint and supply-chain tools.
    for (const name of ['jest', 'eslint', 'typescript', 'licensee', '@cyclonedx/cyclonedx-npm']) expect({ name, listed: names.has(name) }).toEqual({ name, listed: false });
    const zod = flat(bom.components).find((c) => c.name === 'zod' && !c.group);
    expect(zod?.purl).toMatch(/^pkg:npm\/zod@\d+\.\d+\.\d+/);
  });
});

describe('supply chain in CI and make test', () => {
  const ci = readFileSync(join(repoRoot, '.github', 'workflows', 'ci.yml'), 'utf8');
  const testScript = readFileSync(join(repoRoot, 'scripts', 'test.sh'), 'utf8');

  it('when the CI workflow is read, then it runs the licence gate, audits production dependencies at high and attaches the SBOM', () => {
    expect(ci).toMatch(/^\s+run: make supply-chain$/m);
    expect(ci).toMatch(/^\s+run: npm audit --omit=dev --audit-level=high$/m);
    expect(ci).toMatch(/uses: actions\/upload-artifact@v\d+\.\d+\.\d+\n(\s+with:\n)(?:\s+\w[\w-]*: .*\n)*?\s+path: \.stack\/sbom\/sbom\.cdx\.json$/m);
  });

  it('when make test runs, then the supply chain is a step of it and npm audit is not (its endpoint is CI-only)', () => {
    expect(testScript).toMatch(/^step "supply chain" scripts\/supply-chain\.sh \|\| true$/m);
    expect(testScript).not.toMatch(/^[^#]*npm audit/m);
  });
});
