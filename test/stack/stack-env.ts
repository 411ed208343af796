import { join } from 'node:path';
import { env, loadConfig } from '@churn/config';
import { z } from 'zod';

export const ROOT = join(import.meta.dirname, '..', '..');

/** The native stack's addresses, as every service reads them (.env.local, or ENV_FILE). */
export const stackEnv = loadConfig(
  z.object({
    ...env.aws,
    REGISTRY_DATABASE_URL: z.string().startsWith('postgres://'),
    MONGODB_URI: z.string().startsWith('mongodb://'),
    TEMPORAL_ADDRESS: z.string().min(1),
    TEMPORAL_NAMESPACE: z.string().min(1),
    FEATURE_STORE_URI: z.string().startsWith('s3://'),
    REPORTS_DIR: z.string().min(1),
    PROMETHEUS_URL: env.url('http://127.0.0.1:9090'),
    REPORTS_URL: env.url('http://127.0.0.1:8888'),
  }),
  { envFiles: [process.env.ENV_FILE ?? join(ROOT, '.env.local')] },
);

/** A name no parallel run shares, so tests never collide on the shared stack. */
export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
