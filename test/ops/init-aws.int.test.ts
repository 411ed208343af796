import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient, createS3Client, listKeys } from '@churn/aws';
import { DatasetContract } from '@churn/churn-data';
import { readEnvFiles } from '@churn/config';
import { repoRoot } from './service-variables.js';

// Runs compose's init step (compose/localstack/init-aws.sh) with the AWS CLI against the native
// stack's real S3 and Kinesis, under names of its own, and checks what it created.
const stack = readEnvFiles([join(repoRoot, '.env.local')]);
const prefix = `ops-init-${process.pid}-${Date.now() % 100_000}`;
const names = {
  FEATURE_STORE_URI: `s3://${prefix}-features/snapshots/`,
  ARTIFACTS_BUCKET: `${prefix}-artifacts`,
  REPORTS_BUCKET: `${prefix}-reports`,
  PREDICTIONS_STREAM: `${prefix}-predictions`,
  RESULTS_STREAM: `${prefix}-results`,
  DLQ_STREAM: `${prefix}-dlq`,
  OUTCOMES_STREAM: `${prefix}-outcomes`,
};
const awsCli = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
if (!awsCli) console.warn('SKIPPED init-aws: the aws CLI is not installed (pip install awscli)');

const env = { ...process.env, ...stack, ...names, DATASETS_DIR: join(repoRoot, 'datasets'), HOME: mkdtempSync(join(tmpdir(), 'aws-home-')) };
const initAws = () => spawnSync('bash', [join(repoRoot, 'compose', 'localstack', 'init-aws.sh')], { cwd: repoRoot, encoding: 'utf8', env, timeout: 240_000 });
const cli = (...args: string[]) => spawnSync('aws', args, { encoding: 'utf8', env: { ...env, AWS_DEFAULT_REGION: stack.AWS_REGION ?? 'us-east-1' } });

const config = {
  AWS_REGION: stack.AWS_REGION ?? 'us-east-1',
  AWS_ACCESS_KEY_ID: stack.AWS_ACCESS_KEY_ID ?? '',
  AWS_SECRET_ACCESS_KEY: stack.AWS_SECRET_ACCESS_KEY ?? '',
  AWS_ENDPOINT_URL_S3: stack.AWS_ENDPOINT_URL_S3,
  AWS_ENDPOINT_URL_KINESIS: stack.AWS_ENDPOINT_URL_KINESIS,
};

afterAll(() => {
  if (!awsCli) return;
  for (const stream of [names.PREDICTIONS_STREAM, names.RESULTS_STREAM, names.DLQ_STREAM, names.OUTCOMES_STREAM]) cli('--endpoint-url', config.AWS_ENDPOINT_URL_KINESIS ?? '', 'kinesis', 'delete-stream', '--stream-name', stream);
  for (const bucket of [`${prefix}-features`, names.ARTIFACTS_BUCKET, names.REPORTS_BUCKET]) cli('--endpoint-url', config.AWS_ENDPOINT_URL_S3 ?? '', 's3', 'rb', '--force', `s3://${bucket}`);
}, 120_000);

(awsCli ? describe : describe.skip)('compose init step (init-aws.sh)', () => {
  it('when run twice, then buckets, streams and one dated snapshot per dataset contract exist and the second run changes nothing', async () => {
    const first = initAws();
    expect({ status: first.status, stderr: first.status === 0 ? '' : first.stderr }).toEqual({ status: 0, stderr: '' });
    const today = new Date().toISOString().slice(0, 10);
    expect(first.stdout).toContain(`bucket ${names.ARTIFACTS_BUCKET}: created`);
    expect(first.stdout).toContain(`stream ${names.DLQ_STREAM}: created`);
    expect(first.stdout).toContain(`snapshot s3://${prefix}-features/snapshots/bankchurners/${today}/churn.csv: uploaded`);

    const second = initAws();
    expect(second.status).toBe(0);
    expect(second.stdout).not.toMatch(/created|uploaded/);

    const snapshots = await listKeys(createS3Client(config), `${prefix}-features`, 'snapshots/');
    const contracts = readdirSync(env.DATASETS_DIR).filter((f) => f.endsWith('.yaml')).map((f) => DatasetContract.load(join(env.DATASETS_DIR, f)));
    const expected = contracts.map((c) => [`snapshots/${c.name}/${today}/churn.csv`, statSync(c.sourceLocation).size]).sort();
    expect(snapshots.map((o) => [o.key, o.size]).sort()).toEqual(expected);
    for (const bucket of [names.ARTIFACTS_BUCKET, names.REPORTS_BUCKET]) expect(await listKeys(createS3Client(config), bucket)).toEqual([]);
    const kinesis = createKinesisClient(config);
    for (const stream of [names.PREDICTIONS_STREAM, names.RESULTS_STREAM, names.DLQ_STREAM, names.OUTCOMES_STREAM]) {
      const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
      expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
    }
  }, 300_000);
});
