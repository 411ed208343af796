import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateChurnCsv } from '../testing/generated-csv.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const workspace = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('./dataset.ts', import.meta.url));

describe('the dataset CLI as a process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dataset-cli-'));
    writeFileSync(join(dir, 'customers.csv'), generateChurnCsv({ rows: 200 }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when npm runs it in the workspace folder, then paths resolve from INIT_CWD and infer then check exit 0', () => {
    const run = (args: string[]) => spawnSync(join(root, 'node_modules/.bin/tsx'), [cli, ...args], { cwd: workspace, encoding: 'utf8', env: { ...process.env, INIT_CWD: dir }, timeout: 60_000 });
    const infer = run(['infer', 'customers.csv', '--target', 'Churn', '--out', 'customers.yaml']);
    expect(infer.stderr).toBe('');
    expect(infer.status).toBe(0);
    const check = run(['check', 'customers.yaml']);
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(/^contract {2}customers\.yaml \(customers, 9 features\)\n/);
  }, 60_000);

  it('when the root npm script gets a bad command line, then it exits 2 with the usage', () => {
    const run = spawnSync('npm', ['run', '--silent', 'dataset', '--', 'check'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/check takes one argument, the contract file; got 0\nusage: npm run dataset -- infer/);
  }, 60_000);
});
