import { parseArgs } from 'node:util';
import { z } from 'zod';

/** Trials in flight at most: the search suggests this many ahead, whatever trains them. */
export const PARALLEL_MAX = 2;

const argsSchema = z.object({
  trials: z.coerce.number().int().min(1).max(10_000),
  seed: z.coerce.number().int().min(0),
  engine: z.enum(['native', 'wasm', 'auto']),
  dataset: z.string().min(1),
  data: z.string().optional(),
  out: z.string().optional(),
  rounds: z.coerce.number().int().min(1),
  'early-stopping': z.coerce.number().int().min(1),
  nthread: z.coerce.number().int().min(1).max(256),
  register: z.boolean(),
  parallel: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(PARALLEL_MAX)]),
});

export type TrainArgs = z.infer<typeof argsSchema>;

export const USAGE = `usage: npm run train -- [--dataset bankchurners|contract.yaml] [--data file.csv] [--trials 50] [--seed 42]
                        [--engine native|wasm|auto] [--out model-dir] [--rounds 500] [--early-stopping 30] [--nthread 1] [--parallel auto|1|2] [--register]
  --dataset picks the dataset contract (default DATASET); --data reads another CSV with it
  --parallel trains that many trials at once on threads, native engine only (auto: 2 with 2+ cores and 6+ trials)
  --register logs the best trial to the registry at MLFLOW_TRACKING_URI and registers a model version`;

/** Parses the CLI flags; the engine defaults to XGBOOST_ENGINE (from the caller's config). */
export function parseTrainArgs(argv: string[], defaults: { engine: 'native' | 'wasm' | 'auto'; dataset: string }): TrainArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      trials: { type: 'string', default: '50' },
      seed: { type: 'string', default: '42' },
      engine: { type: 'string', default: defaults.engine },
      dataset: { type: 'string', default: defaults.dataset },
      data: { type: 'string' },
      out: { type: 'string' },
      rounds: { type: 'string', default: '500' },
      'early-stopping': { type: 'string', default: '30' },
      nthread: { type: 'string', default: '1' },
      register: { type: 'boolean', default: false },
      parallel: { type: 'string', default: 'auto' },
    },
    strict: true,
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--${issue?.path.join('.')}: ${issue?.message}\n${USAGE}`);
  }
  return parsed.data;
}
