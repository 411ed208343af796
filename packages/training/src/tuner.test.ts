import { SEARCH_SPACE, type TrialParams } from './search-space.js';
import { createTuner, Tuner, TunerError } from './tuner.js';

// A smooth toy objective with its optimum inside the space (on the log scale where the space is).
const target: TrialParams = { max_depth: 6, eta: 0.08, subsample: 0.8, colsample_bytree: 0.7, min_child_weight: 3, lambda: 0.1 };
function toyLoss(p: TrialParams): number {
  return SEARCH_SPACE.reduce((sum, d) => {
    const scale = (v: number) => (d.log ? Math.log(v) : v);
    const span = scale(d.high) - scale(d.low);
    return sum + ((scale(p[d.name]) - scale(target[d.name])) / span) ** 2;
  }, 0);
}

function bestAfter(tuner: Tuner, trials: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < trials; i++) {
    const [params] = tuner.suggest(1);
    if (!params) break;
    const loss = toyLoss(params);
    tuner.observe(params, loss);
    best = Math.min(best, loss);
  }
  return best;
}

test('when two tuners share a seed and observations, then they suggest the same parameters', () => {
  const a = createTuner({ seed: 7, trials: 30 });
  const b = createTuner({ seed: 7, trials: 30 });
  expect(bestAfter(a, 30)).toBe(bestAfter(b, 30));
  expect(a.observations).toEqual(b.observations);
  expect(createTuner({ seed: 8, trials: 5 }).suggest(5)).not.toEqual(createTuner({ seed: 7, trials: 5 }).suggest(5));
});

test('when the state is serialized between batches, then the search continues exactly as if uninterrupted', () => {
  const straight = createTuner({ seed: 3, trials: 40 });
  const batched = createTuner({ seed: 3, trials: 40 });
  let state: unknown = batched.state;
  for (let batch = 0; batch < 4; batch++) {
    const fromStraight = straight.suggest(10);
    const resumed = Tuner.fromState(JSON.parse(JSON.stringify(state)));
    const fromBatched = resumed.suggest(10);
    expect(fromBatched).toEqual(fromStraight);
    for (const p of fromStraight) {
      straight.observe(p, toyLoss(p));
      resumed.observe(p, toyLoss(p));
    }
    state = resumed.state;
  }
  expect(Tuner.fromState(state).remaining).toBe(0);
  expect(Tuner.fromState(state).suggest(5)).toEqual([]);
});

test('when suggesting, then every parameter lies in the search space and max_depth is an integer', () => {
  const tuner = createTuner({ seed: 1, trials: 60 });
  bestAfter(tuner, 60);
  for (const { params } of tuner.observations) {
    for (const d of SEARCH_SPACE) {
      expect(params[d.name]).toBeGreaterThanOrEqual(d.low);
      expect(params[d.name]).toBeLessThanOrEqual(d.high);
    }
    expect(Number.isInteger(params.max_depth)).toBe(true);
  }
});

test('when TPE and random search get the same 50-trial budget on a toy objective, then TPE finds better optima', () => {
  const seeds = Array.from({ length: 12 }, (_, i) => i + 1);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const tpe = seeds.map((seed) => bestAfter(createTuner({ seed, trials: 50 }), 50));
  const random = seeds.map((seed) => bestAfter(createTuner({ seed, trials: 50, startupTrials: 50 }), 50));
  expect(mean(tpe)).toBeLessThan(mean(random) * 0.6);
  expect(tpe.filter((t, i) => t < (random[i] ?? 0)).length).toBeGreaterThanOrEqual(9);
});

test('when a state or an observation is malformed, then the tuner says which field', () => {
  expect(() => Tuner.fromState({ version: 1, seed: 1 })).toThrow(TunerError);
  expect(() => Tuner.fromState({ ...createTuner({ seed: 1, trials: 3 }).state, trials: 0 })).toThrow(/trials/);
  expect(() => createTuner({ seed: 1, trials: 3 }).observe({ eta: 0.1 } as TrialParams, 0.2)).toThrow(/max_depth/);
});

test('when a trial fails with a NaN loss, then it is kept as the worst and the state stays valid JSON', () => {
  const tuner = createTuner({ seed: 2, trials: 3 });
  const [a, b] = tuner.suggest(2);
  tuner.observe(a as TrialParams, Number.NaN);
  tuner.observe(b as TrialParams, 0.3);
  expect(tuner.best?.loss).toBe(0.3);
  expect(Tuner.fromState(JSON.parse(JSON.stringify(tuner.state))).observations).toHaveLength(2);
});
