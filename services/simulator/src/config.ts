import { env, loadConfig } from '@churn/config';
import { envFilePath } from '@churn/serving';
import { z } from 'zod';
import { parseDriftSpec } from './drift.js';

const streamName = (fallback: string) => z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'must be a Kinesis stream name').default(fallback);

export const simulatorConfigSchema = z.object({
  ...env.aws,
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
  SIMULATOR_DATASET: z.string().optional(),
  SIMULATOR_DRIFT: z
    .string()
    .default('')
    .transform((spec, ctx) => {
      try {
        return parseDriftSpec(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  SIMULATOR_DRIFT_AFTER: env.duration('0s'),
  SIMULATOR_MAX_RECORDS: z.coerce.number().int().min(0).default(0),
  SIMULATOR_MAX_IN_FLIGHT: env.positiveInt(64),
  SIMULATOR_SEED: z.coerce.number().int().default(42),
  PREDICTIONS_STREAM: streamName('predictions'),
  RESULTS_STREAM: streamName('results'),
  LOG_LEVEL: env.logLevel,
});

export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;

export function loadSimulatorConfig(envFile = envFilePath()): SimulatorConfig {
  return loadConfig(simulatorConfigSchema, { envFiles: [envFile], exitOnError: true });
}
