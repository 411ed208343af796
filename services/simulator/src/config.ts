import { ContractError, DatasetContract } from '@churn/churn-data';
import { ConfigError, env, loadConfig } from '@churn/config';
import { envFilePath } from '@churn/serving';
import { z } from 'zod';
import { DriftSpecError, parseDriftSpec, type DriftRule } from './drift.js';
import { ConceptDriftSpecError, parseConceptDrift } from './outcomes.js';

const streamName = (fallback: string) => z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'must be a Kinesis stream name').default(fallback);

export const simulatorConfigSchema = z.object({
  ...env.profile,
  ...env.aws,
  ...env.dataset,
  SIMULATOR_PORT: env.port(9698),
  SIMULATOR_HOST: z.string().default('127.0.0.1'),
  SIMULATOR_TARGETS: z
    .string()
    .default('http,stream')
    .transform((value, ctx) => {
      const targets = value.split(',').map((t) => t.trim()).filter(Boolean);
      if (targets.length === 0 || targets.some((t) => t !== 'http' && t !== 'stream')) {
        ctx.addIssue({ code: 'custom', message: 'must be http, stream or http,stream' });
        return z.NEVER;
      }
      return [...new Set(targets)] as ('http' | 'stream')[];
    }),
  SIMULATOR_PREDICTOR_URL: env.url('http://127.0.0.1:9696'),
  // The reference sends one customer a minute.
  SIMULATOR_RATE_PER_SEC: z.coerce.number().positive().max(100_000).default(1 / 60),
  SIMULATOR_ROWS: z.enum(['test', 'all']).default('test'),
  /** Another CSV (a path or s3:// URI) to replay instead of the contract's source, cleaned with the same contract. */
  SIMULATOR_DATASET: z.string().optional(),
  /** Checked against the contract by withContract: the schema cannot see DATASET's contract. */
  SIMULATOR_DRIFT: z.string().default(''),
  SIMULATOR_DRIFT_AFTER: env.duration('0s'),
  SIMULATOR_MAX_RECORDS: z.coerce.number().int().min(0).default(0),
  SIMULATOR_MAX_IN_FLIGHT: env.positiveInt(64),
  SIMULATOR_SEED: z.coerce.number().int().default(42),
  /** Share of customers whose true outcome is sent back (0: none). */
  SIMULATOR_OUTCOME_SHARE: z.coerce.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(0),
  /** How long after its prediction an outcome is sent (churn is known weeks later; the demo shortens it). */
  SIMULATOR_OUTCOME_DELAY: env.duration('1m'),
  /** `share@after`, e.g. 0.3@10m: that share of the outcomes of customers scored after that time are flipped. */
  SIMULATOR_CONCEPT_DRIFT: z
    .string()
    .default('')
    .transform((value, ctx) => {
      try {
        return parseConceptDrift(value);
      } catch (error) {
        if (!(error instanceof ConceptDriftSpecError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    }),
  PREDICTIONS_STREAM: streamName('predictions'),
  RESULTS_STREAM: streamName('results'),
  OUTCOMES_STREAM: streamName('outcomes'),
  // The predictor API's key (the cloud predictor refuses requests without it).
  PREDICTOR_API_KEY: z.string().min(1).optional(),
  LOG_LEVEL: env.logLevel,
}).superRefine((config, ctx) => {
  if (config.SIMULATOR_TARGETS.includes('http')) env.requiredInCloud(['PREDICTOR_API_KEY'])(config, ctx);
  if (config.SIMULATOR_CONCEPT_DRIFT && config.SIMULATOR_OUTCOME_SHARE === 0) {
    ctx.addIssue({ code: 'custom', path: ['SIMULATOR_CONCEPT_DRIFT'], message: 'flips outcomes, so SIMULATOR_OUTCOME_SHARE must be above 0' });
  }
});

export type SimulatorEnv = z.infer<typeof simulatorConfigSchema>;

export interface SimulatorConfig extends Omit<SimulatorEnv, 'SIMULATOR_DRIFT'> {
  /** DATASET's contract, resolved once at start. */
  contract: DatasetContract;
  /** SIMULATOR_DRIFT parsed against the contract. */
  SIMULATOR_DRIFT: DriftRule[];
}

/** Resolves DATASET and parses SIMULATOR_DRIFT against it; a ConfigError names the variable at fault. */
export function withContract(config: SimulatorEnv): SimulatorConfig {
  let contract: DatasetContract;
  try {
    contract = DatasetContract.resolve(config.DATASET);
  } catch (error) {
    if (error instanceof ContractError) throw new ConfigError('DATASET', error.message);
    throw error;
  }
  try {
    return { ...config, contract, SIMULATOR_DRIFT: parseDriftSpec(contract, config.SIMULATOR_DRIFT) };
  } catch (error) {
    if (error instanceof DriftSpecError) throw new ConfigError('SIMULATOR_DRIFT', error.message);
    throw error;
  }
}

export function loadSimulatorConfig(envFile = envFilePath()): SimulatorConfig {
  const config = loadConfig(simulatorConfigSchema, { envFiles: [envFile], exitOnError: true });
  try {
    return withContract(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // As loadConfig does for the schema: one line naming the variable, before anything starts.
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
