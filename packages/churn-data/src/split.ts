/** mulberry32: a small, fast, seeded PRNG so splits and samples are reproducible across runs. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fisher-Yates on a copy, driven by the seeded generator. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

export interface DatasetSplit<T> {
  train: T[];
  validation: T[];
  test: T[];
}

export const DEFAULT_SPLIT_SEED = 42;

export interface SplitRatios {
  train: number;
  test: number;
}

/** A fixed-seed split: shuffle once, then cut (the reference's 60/20/20 by default; a contract's `split` otherwise). */
export function splitDataset<T>(rows: readonly T[], seed = DEFAULT_SPLIT_SEED, ratios: SplitRatios = { train: 0.6, test: 0.2 }): DatasetSplit<T> {
  const order = shuffled(rows, seed);
  const trainEnd = Math.round(order.length * ratios.train);
  const validationEnd = Math.round(order.length * (1 - ratios.test));
  return { train: order.slice(0, trainEnd), validation: order.slice(trainEnd, validationEnd), test: order.slice(validationEnd) };
}
