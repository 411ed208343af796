import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCleanDataset } from '@churn/churn-data';
import { loadModelDir, MODEL_FILES } from '@churn/model';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
// As a user runs it: the bundled CLI (built when a source is newer), started by npm.
const train = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync('npm', ['run', '--silent', 'train', '--', ...args], { cwd: root, encoding: 'utf8', env, timeout: 120_000 });

test('when the CLI tunes a few trials on two threads with --out, then it prints the best-trials table and writes a loadable model directory', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'train-cli-')), 'model');
  try {
    // The bundle starts its bundled training threads (dist/trial-thread.js).
    const run = train(['--trials', '3', '--rounds', '60', '--early-stopping', '10', '--parallel', '2', '--out', out], { ...process.env, XGBOOST_ENGINE: 'native' });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/tuning 3 trials with TPE on the native engine .*, 2 trials at a time on 2 threads/);
    expect(run.stdout).toMatch(/trial 3\/3: val AUC 0\.\d{4}/);
    expect(run.stdout).toMatch(/rank\s+trial\s+val AUC\s+test AUC/);
    for (const file of MODEL_FILES) expect(existsSync(join(out, file))).toBe(true);
    const model = await loadModelDir(out);
    const [chance] = model.predict(loadCleanDataset().rows.slice(0, 1));
    expect(chance).toBeGreaterThan(0);
    expect(chance).toBeLessThan(1);
    model.dispose();
  } finally {
    rmSync(join(out, '..'), { recursive: true, force: true });
  }
}, 150_000);

test('when a flag is invalid, then the CLI exits 2 naming the flag', () => {
  const run = train(['--trials', '0']);
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/--trials/);
  const parallel = train(['--parallel', '4']);
  expect(parallel.status).toBe(2);
  expect(parallel.stderr).toMatch(/--parallel/);
});
