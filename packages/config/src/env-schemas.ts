import { z } from 'zod';

// Building blocks for service schemas: each parses one kind of variable with a message that says
// what a good value looks like.

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const url = (fallback?: string) =>
  fallback === undefined ? z.url({ message: 'must be a URL' }) : z.url({ message: 'must be a URL' }).default(fallback);

export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Durations such as `90s`, `15m`, `3h`, `1d`, parsed to milliseconds. */
export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
      if (!match) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30s, 15m, 3h or 1d' });
        return z.NEVER;
      }
      const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
      return Number(match[1]) * unit;
    });

export const logLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info');

/** The AWS variables every S3 or Kinesis user reads (the SDK's own names). */
export const aws = {
  AWS_REGION: z.string().min(1).default('us-east-1'),
  AWS_ACCESS_KEY_ID: z.string().min(1, 'must be set'),
  AWS_SECRET_ACCESS_KEY: z.string().min(1, 'must be set'),
  AWS_ENDPOINT_URL_S3: z.url({ message: 'must be a URL' }).optional(),
  AWS_ENDPOINT_URL_KINESIS: z.url({ message: 'must be a URL' }).optional(),
};

/** How a client reaches the registry (MLflow's own variable names); auth is optional. */
export const mlflowClient = {
  MLFLOW_TRACKING_URI: z.url({ message: 'must be a URL' }).default('http://127.0.0.1:5051'),
  MLFLOW_TRACKING_USERNAME: z.string().optional(),
  MLFLOW_TRACKING_PASSWORD: z.string().optional(),
  MLFLOW_TRACKING_TOKEN: z.string().optional(),
};

/** DATASET: the dataset contract for the whole suite, a shipped contract's name (datasets/<name>.yaml) or a path to one. */
export const dataset = {
  DATASET: z.string().trim().min(1, 'must name a contract (e.g. bankchurners) or a path to a contract YAML').default('bankchurners'),
};

/**
 * CHURN_PROFILE: `local` (loopback, open) or `cloud` (reachable from outside, so every API needs
 * credentials). .env.local and .env.cloud set it; unset means local, so a fresh clone stays open.
 */
export const profile = {
  CHURN_PROFILE: z.enum(['local', 'cloud'], { message: 'must be local or cloud' }).default('local'),
};

/**
 * A check for a config object: in the cloud profile each named secret must be set. Empty values are
 * already unset (loadConfig), so one message covers missing and empty; it names the variable.
 */
export function requiredInCloud<K extends string>(names: readonly K[]) {
  return (config: { CHURN_PROFILE: 'local' | 'cloud' } & Partial<Record<K, unknown>>, ctx: z.core.$RefinementCtx) => {
    if (config.CHURN_PROFILE !== 'cloud') return;
    for (const name of names) {
      if (config[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'must be set in the cloud profile (in .env.secrets or the environment)' });
    }
  };
}
