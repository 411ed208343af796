// Cross-checks the statistics against scipy on fixed data. Needs python3 (the pinned scipy venv is
// built by scripts/py-venv.sh on first use); skipped with a message only where python3 is absent.
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { seededRandom } from '@churn/churn-data';
import { chiSquare, ks2, wasserstein } from './stats.js';
import { kolmogorovSf } from './special.js';

const root = resolve(import.meta.dirname, '../../..');
const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython) console.warn('scipy cross-check skipped: python3 is not installed');
const maybe = hasPython ? describe : describe.skip;

function sample(n: number, seed: number, f: (r: () => number) => number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => f(random));
}

const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

const cases = {
  ks: [
    { a: sample(300, 1, (r) => Math.round(r() * 100) / 10), b: sample(170, 2, (r) => Math.round(r() * 100 + 8) / 10), method: 'auto' },
    { a: sample(300, 1, (r) => Math.round(r() * 100) / 10), b: sample(170, 2, (r) => Math.round(r() * 100 + 8) / 10), method: 'asymp' },
    { a: sample(500, 3, normal), b: sample(500, 4, (r) => normal(r) + 0.1), method: 'auto' },
    { a: sample(5000, 5, normal), b: sample(800, 6, (r) => normal(r) * 1.3), method: 'auto' },
    { a: sample(6000, 7, (r) => Math.floor(r() * 6)), b: sample(400, 8, (r) => Math.floor(r() * 6)), method: 'auto' },
    { a: sample(12_000, 9, normal), b: sample(3000, 10, (r) => normal(r) + 0.03), method: 'auto' },
    { a: sample(40, 11, normal), b: sample(10_500, 12, normal), method: 'auto' },
    { a: sample(2000, 13, normal), b: sample(1000, 14, (r) => normal(r) + 0.5), method: 'auto' },
  ] as { a: number[]; b: number[]; method: 'auto' | 'asymp' }[],
  chisquare: [
    { observed: [10, 20, 30], expected: [15, 15, 30] },
    { observed: [480, 15, 5], expected: [466.5, 25.2, 8.3] },
    { observed: [100, 300, 350, 250], expected: [250, 250, 250, 250] },
    { observed: [52, 48], expected: [50, 50] },
  ],
  wasserstein: [
    { a: sample(1000, 21, normal), b: sample(700, 22, (r) => normal(r) * 2 + 1) },
    { a: sample(50, 23, (r) => Math.floor(r() * 5)), b: sample(80, 24, (r) => Math.floor(r() * 7)) },
  ],
  kstwo: [
    [1000, 0.02], [1000, 0.05], [5000, 0.01], [5000, 0.005], [5000, 0.03], [200, 0.6], [50, 0.1], [50, 0.3],
    [100, 0.008], [300, 0.002], [20, 0.9], [400, 0.07], [2500, 0.001],
  ].map(([n, x]) => ({ n: n as number, x: x as number })),
};

interface ScipyAnswer {
  ks: { statistic: number; pvalue: number }[];
  chisquare: { statistic: number; pvalue: number }[];
  wasserstein: number[];
  kstwo: number[];
}

function expectClose(ours: number, theirs: number, relative = 1e-9) {
  if (theirs === 0 || Math.abs(theirs) < 1e-300) expect(Math.abs(ours)).toBeLessThan(1e-290);
  else expect(Math.abs(ours - theirs) / Math.abs(theirs)).toBeLessThan(relative);
}

maybe('scipy cross-check', () => {
  let scipy: ScipyAnswer;

  beforeAll(() => {
    const python = execFileSync(resolve(root, 'scripts/py-venv.sh'), ['scipy'], { encoding: 'utf8' }).trim();
    scipy = JSON.parse(execFileSync(python, [resolve(root, 'python/drift_crosscheck.py')], { input: JSON.stringify(cases), encoding: 'utf8' })) as ScipyAnswer;
  }, 300_000);

  it('when KS runs on fixed samples (exact, asymptotic, ties, >10,000), then statistic and p-value match ks_2samp', () => {
    cases.ks.forEach((c, i) => {
      const ours = ks2(c.a, c.b, c.method);
      const theirs = scipy.ks[i] as { statistic: number; pvalue: number };
      expect(ours.statistic).toBeCloseTo(theirs.statistic, 12);
      expectClose(ours.pValue, theirs.pvalue);
    });
  });

  it('when chi-square runs on fixed counts, then statistic and p-value match scipy.stats.chisquare', () => {
    cases.chisquare.forEach((c, i) => {
      const ours = chiSquare(c.observed, c.expected);
      const theirs = scipy.chisquare[i] as { statistic: number; pvalue: number };
      expectClose(ours.statistic, theirs.statistic, 1e-12);
      expectClose(ours.pValue, theirs.pvalue);
    });
  });

  it('when Wasserstein runs on fixed samples, then it matches scipy.stats.wasserstein_distance', () => {
    cases.wasserstein.forEach((c, i) => expectClose(wasserstein(c.a, c.b), scipy.wasserstein[i] as number, 1e-12));
  });

  it('when the Kolmogorov tail is evaluated across its algorithm regions, then it matches kstwo.sf', () => {
    cases.kstwo.forEach((c, i) => expectClose(kolmogorovSf(c.n, c.x), scipy.kstwo[i] as number, 1e-9));
  });
});
