import { z } from 'zod';
import { Random } from './random.js';
import { SEARCH_SPACE, type Dimension, type TrialParams } from './search-space.js';

/*
 * Tree-structured Parzen Estimator (Bergstra et al. 2011, hyperopt's default sampler).
 * Why TPE over random search: after a few random start-up trials it models where good trials were
 * (l(x)) against where bad ones were (g(x)) and proposes points that maximize l(x)/g(x), so with
 * a budget of ~50 trials it spends most of them near the good region instead of uniformly. It is
 * also cheap (no Gaussian-process fit), handles log-scaled and integer parameters, and its whole
 * state is the list of observations plus the random stream, which is what lets a Temporal
 * workflow carry it between activity batches as plain JSON.
 */

export interface TunerOptions {
  seed: number;
  trials: number;
  /** Random trials before the model kicks in (hyperopt uses 20; a 50-trial budget wants fewer). */
  startupTrials?: number;
  /** Candidates drawn from l(x) per suggestion; the best by l/g wins. */
  candidates?: number;
  /** Share of observations counted as good. */
  gamma?: number;
}

export interface Observation {
  params: TrialParams;
  loss: number;
}

const paramsSchema = z.object({
  max_depth: z.number(),
  eta: z.number(),
  subsample: z.number(),
  colsample_bytree: z.number(),
  min_child_weight: z.number(),
  lambda: z.number(),
});

const stateSchema = z.object({
  version: z.literal(1),
  seed: z.number().int(),
  trials: z.number().int().positive(),
  startupTrials: z.number().int().nonnegative(),
  candidates: z.number().int().positive(),
  gamma: z.number().positive().max(1),
  random: z.number().int().nonnegative(),
  suggested: z.number().int().nonnegative(),
  observations: z.array(z.object({ params: paramsSchema, loss: z.number() })),
});

export type TunerState = z.infer<typeof stateSchema>;

/** Thrown for a malformed serialized state or observation. */
export class TunerError extends Error {
  override readonly name = 'TunerError';
}

// Work in a unit interval per dimension (after the log transform), so one bandwidth rule fits all.
const toUnit = (d: Dimension, value: number) => {
  const [lo, hi, v] = d.log ? [Math.log(d.low), Math.log(d.high), Math.log(value)] : [d.low, d.high, value];
  return Math.min(Math.max((v - lo) / (hi - lo), 0), 1);
};
const fromUnit = (d: Dimension, u: number) => {
  const v = d.log ? Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low))) : d.low + u * (d.high - d.low);
  return d.integer ? Math.round(v) : v;
};

/** Abramowitz-Stegun 7.1.26: erf to 1.5e-7, plenty for kernel truncation weights. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}
const normalCdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

/** A 1-D Parzen mixture on [0, 1]: a uniform prior component plus one truncated Gaussian per point. */
class Parzen {
  private readonly sigmas: number[];
  private readonly masses: number[];
  constructor(private readonly points: number[]) {
    const sorted = [...points].sort((a, b) => a - b);
    // hyperopt's adaptive bandwidth: the larger gap to a neighbour, clipped to a sane range.
    const minimum = 1 / Math.min(100, 1 + points.length);
    this.sigmas = points.map((p) => {
      const i = sorted.indexOf(p);
      const left = i > 0 ? p - (sorted[i - 1] ?? 0) : p;
      const right = i < sorted.length - 1 ? (sorted[i + 1] ?? 1) - p : 1 - p;
      return Math.min(Math.max(left, right, minimum), 1);
    });
    this.masses = points.map((p, i) => {
      const s = this.sigmas[i] ?? 1;
      return normalCdf((1 - p) / s) - normalCdf((0 - p) / s);
    });
  }
  sample(random: Random): number {
    const k = Math.floor(random.next() * (this.points.length + 1));
    if (k === this.points.length) return random.next();
    const mu = this.points[k] ?? 0.5;
    const sigma = this.sigmas[k] ?? 1;
    for (let attempt = 0; attempt < 100; attempt++) {
      const x = mu + sigma * random.normal();
      if (x >= 0 && x <= 1) return x;
    }
    return Math.min(Math.max(mu, 0), 1);
  }
  logDensity(x: number): number {
    let density = 1;
    this.points.forEach((mu, i) => {
      const s = this.sigmas[i] ?? 1;
      density += Math.exp(-0.5 * ((x - mu) / s) ** 2) / (s * Math.sqrt(2 * Math.PI) * (this.masses[i] || 1e-12));
    });
    return Math.log(density / (this.points.length + 1));
  }
}

export class Tuner {
  private readonly random: Random;
  private constructor(private readonly s: TunerState) {
    this.random = new Random(s.random);
  }

  static create(options: TunerOptions): Tuner {
    if (!Number.isInteger(options.trials) || options.trials < 1) throw new TunerError(`trials must be a positive integer, got ${options.trials}`);
    return new Tuner({
      version: 1,
      seed: options.seed,
      trials: options.trials,
      startupTrials: options.startupTrials ?? Math.min(10, Math.max(1, Math.floor(options.trials / 4))),
      candidates: options.candidates ?? 24,
      gamma: options.gamma ?? 0.25,
      random: options.seed >>> 0,
      suggested: 0,
      observations: [],
    });
  }

  static fromState(json: unknown): Tuner {
    const parsed = stateSchema.safeParse(typeof json === 'string' ? JSON.parse(json) : json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TunerError(`invalid tuner state: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    return new Tuner(structuredClone(parsed.data));
  }

  /** Plain JSON: pass it to Tuner.fromState to continue the same search. */
  get state(): TunerState {
    return structuredClone({ ...this.s, random: this.random.state });
  }

  get observations(): readonly Observation[] {
    return this.s.observations;
  }

  /** Trials still to suggest within the budget. */
  get remaining(): number {
    return Math.max(0, this.s.trials - this.s.suggested);
  }

  get best(): Observation | undefined {
    return this.s.observations.reduce<Observation | undefined>((b, o) => (!b || o.loss < b.loss ? o : b), undefined);
  }

  observe(params: TrialParams, loss: number): void {
    const parsed = paramsSchema.safeParse(params);
    if (!parsed.success) throw new TunerError(`invalid observation: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    // A failed trial (NaN) counts as the worst so the sampler steers away from it; JSON has no Infinity.
    this.s.observations.push({ params: parsed.data, loss: Number.isFinite(loss) ? loss : Number.MAX_VALUE });
  }

  /** Up to `n` new parameter sets (fewer when the budget is nearly spent). */
  suggest(n = 1): TrialParams[] {
    const count = Math.min(n, this.remaining);
    const out: TrialParams[] = [];
    for (let i = 0; i < count; i++) {
      out.push(this.s.observations.length < this.s.startupTrials ? this.randomParams() : this.tpeParams());
      this.s.suggested++;
    }
    return out;
  }

  private randomParams(): TrialParams {
    const params = {} as TrialParams;
    for (const d of SEARCH_SPACE) params[d.name] = fromUnit(d, this.random.next());
    return params;
  }

  private tpeParams(): TrialParams {
    const sorted = [...this.s.observations].sort((a, b) => a.loss - b.loss);
    const nGood = Math.max(1, Math.min(25, Math.ceil(this.s.gamma * sorted.length)));
    const good = sorted.slice(0, nGood);
    const bad = sorted.slice(nGood);
    const params = {} as TrialParams;
    // Independent per dimension, as in hyperopt's TPE.
    for (const d of SEARCH_SPACE) {
      const l = new Parzen(good.map((o) => toUnit(d, o.params[d.name])));
      const g = new Parzen(bad.map((o) => toUnit(d, o.params[d.name])));
      let best = { u: 0.5, score: Number.NEGATIVE_INFINITY };
      for (let c = 0; c < this.s.candidates; c++) {
        const u = l.sample(this.random);
        const score = l.logDensity(u) - g.logDensity(u);
        if (score > best.score) best = { u, score };
      }
      params[d.name] = fromUnit(d, best.u);
    }
    return params;
  }
}

export function createTuner(options: TunerOptions): Tuner {
  return Tuner.create(options);
}
