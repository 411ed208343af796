// Cross-checks our CBPE against NannyML's (python/nannyml_cbpe.py in the pinned nannyml venv, built
// by scripts/py-venv.sh on first use): the same calibration on a reference, the same chunks, the
// same estimated ROC AUC and accuracy. Needs python3.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seededRandom } from '@churn/churn-data';
import { estimateQuality, fitIsotonic } from './cbpe.js';
import { DECISION_THRESHOLD } from './classification.js';

const root = resolve(import.meta.dirname, '../../..');
const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython) console.warn('NannyML cross-check skipped: python3 is not installed');
const maybe = hasPython ? describe : describe.skip;
const CHUNK = 250;

/** An overconfident model: churn happens with P = chance / 2; chunks drift towards higher chances. */
function simulate(n: number, seed: number, drift = 0) {
  const random = seededRandom(seed);
  const chances = Array.from({ length: n }, (_, i) => Math.min(1, random() ** (1.6 - (drift * i) / n)));
  const labels = chances.map((p) => (random() < p / 2 ? 1 : 0) as 0 | 1);
  return { chances, labels };
}

maybe('NannyML cross-check', () => {
  const reference = simulate(3_000, 31);
  const analysis = simulate(CHUNK * 6, 32, 1);
  let dir: string;
  let theirs: { roc_auc: number; accuracy: number }[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cbpe-nannyml-'));
    const decision = (p: number) => (p >= DECISION_THRESHOLD ? 1 : 0);
    writeFileSync(join(dir, 'reference.csv'), `chance,decision,label\n${reference.chances.map((p, i) => `${p},${decision(p)},${reference.labels[i]}`).join('\n')}\n`);
    writeFileSync(join(dir, 'analysis.csv'), `chance,decision\n${analysis.chances.map((p) => `${p},${decision(p)}`).join('\n')}\n`);
    const python = execFileSync(resolve(root, 'scripts/py-venv.sh'), ['nannyml'], { encoding: 'utf8' }).trim();
    const out = execFileSync(python, [resolve(root, 'python/nannyml_cbpe.py'), join(dir, 'reference.csv'), join(dir, 'analysis.csv'), String(CHUNK)], {
      encoding: 'utf8',
      env: { ...process.env, NML_DISABLE_USAGE_LOGGING: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    theirs = (JSON.parse(out) as { chunks: typeof theirs }).chunks;
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('given a reference and six drifting chunks, when both estimate, then accuracy agrees within 1e-12 and ROC AUC within 1e-5 on every chunk', () => {
    const calibrate = fitIsotonic(reference.chances, reference.labels);
    expect(theirs).toHaveLength(6);
    theirs.forEach((chunk, k) => {
      const ours = estimateQuality(analysis.chances.slice(k * CHUNK, (k + 1) * CHUNK), calibrate);
      expect(Math.abs(ours.accuracy - chunk.accuracy)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs((ours.auc as number) - chunk.roc_auc)).toBeLessThanOrEqual(1e-5);
    });
  });
});
