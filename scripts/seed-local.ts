// Creates the local stack's buckets and streams and uploads today's cleaned snapshot of every shipped
// dataset (datasets/*.yaml) and of DATASET to the feature store, one folder per contract:
// s3://churn-features/snapshots/<dataset>/<date>/churn.csv. Idempotent: existing buckets, streams and
// today's snapshots are left alone. Run by scripts/stack/up.sh: `ENV_FILE=.env.local npx tsx scripts/seed-local.ts`.
import { readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createKinesisClient, createS3Client, ensureBucket, ensureStream, listKeys, parseS3Uri, putObject } from '@churn/aws';
import { DatasetContract, DATASETS_DIR, loadCleanDataset, toCsv } from '@churn/churn-data';
import { env, loadConfig } from '@churn/config';
import { createLogger } from '@churn/logger';
import { z } from 'zod';

const envFile = process.env.ENV_FILE ?? '.env.local';
const config = loadConfig(
  z.object({
    ...env.aws,
    ...env.dataset,
    FEATURE_STORE_URI: z.string().startsWith('s3://', 'must be an s3:// URI').default('s3://churn-features/snapshots/'),
    ARTIFACTS_BUCKET: z.string().min(1).default('mlflow-artifacts'),
    REPORTS_BUCKET: z.string().min(1).default('churn-reports'),
  }),
  { envFiles: [envFile], exitOnError: true },
);
const log = createLogger('seed-local');
const STREAMS = ['predictions', 'results', 'predictions-dlq', 'outcomes'];

const s3 = createS3Client(config);
const kinesis = createKinesisClient(config);
const store = parseS3Uri(config.FEATURE_STORE_URI);
const prefix = store.key === '' || store.key.endsWith('/') ? store.key : `${store.key}/`;

await Promise.all([store.bucket, config.ARTIFACTS_BUCKET, config.REPORTS_BUCKET].map((bucket) => ensureBucket(s3, bucket)));
await Promise.all(STREAMS.map((stream) => ensureStream(kinesis, stream)));

const shipped = readdirSync(DATASETS_DIR).filter((f) => f.endsWith('.yaml')).map((f) => DatasetContract.load(resolve(DATASETS_DIR, f)));
const configured = DatasetContract.resolve(config.DATASET, dirname(resolve(envFile)));
const contracts = [configured, ...shipped.filter((c) => c.name !== configured.name)];
const today = new Date().toISOString().slice(0, 10);
for (const contract of contracts) {
  const key = `${prefix}${contract.name}/${today}/churn.csv`;
  const uri = `s3://${store.bucket}/${key}`;
  if ((await listKeys(s3, store.bucket, key)).some((entry) => entry.key === key)) {
    log.info({ uri }, 'snapshot already present');
  } else if (contract.sourceLocation.startsWith('s3://')) {
    log.info({ dataset: contract.name, source: contract.sourceLocation }, 'source is in S3: no local snapshot to upload');
  } else {
    const { rows } = loadCleanDataset(contract);
    await putObject(s3, store.bucket, key, toCsv(contract, rows), 'text/csv');
    log.info({ uri, rows: rows.length }, 'snapshot uploaded');
  }
}
s3.destroy();
kinesis.destroy();
