import { env } from '@churn/config';
import { z } from 'zod';

/**
 * Every variable the registry reads, parsed once at start. Auth is on when credentials are set, and
 * the cloud profile refuses to start without them: basic (username and password) or bearer (token).
 */
export const registryConfigSchema = z.object({
  ...env.profile,
  REGISTRY_PORT: env.port(5051),
  REGISTRY_HOST: z.string().min(1).default('127.0.0.1'),
  REGISTRY_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').default('postgres://postgres@127.0.0.1:5432/registry'),
  ARTIFACTS_BUCKET: z.string().min(3).default('mlflow-artifacts'),
  ...env.aws,
  MLFLOW_TRACKING_USERNAME: z.string().min(1).optional(),
  MLFLOW_TRACKING_PASSWORD: z.string().min(1).optional(),
  MLFLOW_TRACKING_TOKEN: z.string().min(1).optional(),
  REGISTRY_MAX_BODY: z.string().regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 20mb').default('20mb'),
  // The UI's model page shows which run each predictor serves now, read from these /health probes.
  PREDICTOR_HEALTH_URLS: z
    .string()
    .default('http://127.0.0.1:9696/health,http://127.0.0.1:9697/health')
    .transform((v) => v.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(z.url())),
  LOG_LEVEL: env.logLevel,
}).superRefine((config, ctx) => {
  if (config.CHURN_PROFILE !== 'cloud' || config.MLFLOW_TRACKING_TOKEN) return;
  env.requiredInCloud(['MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD'])(config, ctx);
});

export type RegistryConfig = z.infer<typeof registryConfigSchema>;
