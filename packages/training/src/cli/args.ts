import { parseArgs } from 'node:util';
import { z } from 'zod';

/**
 * Trials the CLI's search suggests ahead of the results, whatever trains them: the most that can
 * train at once. Three, not two: over eight seeds two threads waited less for an earlier trial's
 * result (busy 0.94 of the time against 0.91; 50 trials in 656 ms against 764 on average) and the
 * best trials' AUC was the same as with one or two ahead (validation 0.8296 / 0.8292 / 0.8300 for
 * 3 / 2 / 1; BENCHMARKS.md, issue 20).
 */
export const SUGGESTED_AHEAD = 3;

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
  parallel: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(SUGGESTED_AHEAD)]),
});

export type TrainArgs = z.infer<typeof argsSchema>;

export const USAGE = `usage: npm run train -- [--dataset bankchurners|contract.yaml] [--data file.csv] [--trials 50] [--seed 42]
                        [--engine native|wasm|auto] [--out model-dir] [--rounds 500] [--early-stopping 30] [--nthread 1] [--parallel auto|1|2|3] [--register]
  --dataset picks the dataset contract (default DATASET); --data reads another CSV with it
  --parallel trains that many trials at once on threads, native engine only (auto: one per core, up to 3, with 6+ trials)
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
