// Creates the local stack's buckets and streams and uploads today's cleaned dataset snapshot to
// the feature store. Idempotent: existing buckets, streams and today's snapshot are left alone.
// Run by scripts/stack/up.sh: `ENV_FILE=.env.local npx tsx scripts/seed-local.ts`.
import { createKinesisClient, createS3Client, ensureBucket, ensureStream, listKeys, parseS3Uri, putObject } from '@churn/aws';
import { loadCleanDataset, toCsv } from '@churn/churn-data';
import { env, loadConfig } from '@churn/config';
import { createLogger } from '@churn/logger';
import { z } from 'zod';

const config = loadConfig(
  z.object({
    ...env.aws,
    FEATURE_STORE_URI: z.string().startsWith('s3://', 'must be an s3:// URI').default('s3://churn-features/snapshots/'),
    ARTIFACTS_BUCKET: z.string().min(1).default('mlflow-artifacts'),
    REPORTS_BUCKET: z.string().min(1).default('churn-reports'),
  }),
  { envFiles: [process.env.ENV_FILE ?? '.env.local'], exitOnError: true },
);
const log = createLogger('seed-local');
const STREAMS = ['predictions', 'results', 'predictions-dlq'];

const s3 = createS3Client(config);
const kinesis = createKinesisClient(config);
const store = parseS3Uri(config.FEATURE_STORE_URI);
const prefix = store.key === '' || store.key.endsWith('/') ? store.key : `${store.key}/`;

await Promise.all([store.bucket, config.ARTIFACTS_BUCKET, config.REPORTS_BUCKET].map((bucket) => ensureBucket(s3, bucket)));
await Promise.all(STREAMS.map((stream) => ensureStream(kinesis, stream)));

const key = `${prefix}${new Date().toISOString().slice(0, 10)}/churn.csv`;
const existing = await listKeys(s3, store.bucket, key);
if (existing.some((entry) => entry.key === key)) {
  log.info({ uri: `s3://${store.bucket}/${key}` }, 'snapshot already present');
} else {
  const { rows } = loadCleanDataset();
  await putObject(s3, store.bucket, key, toCsv(rows), 'text/csv');
  log.info({ uri: `s3://${store.bucket}/${key}`, rows: rows.length }, 'snapshot uploaded');
}
s3.destroy();
kinesis.destroy();
