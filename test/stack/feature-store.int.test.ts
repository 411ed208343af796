import { createS3Client, getObjectBuffer, newestKey, parseS3Uri } from '@churn/aws';
import { cleanRecords, DatasetContract, DATASETS_DIR, loadCleanDataset, parseCsv } from '@churn/churn-data';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stackEnv } from './stack-env.js';

const contracts = readdirSync(DATASETS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => DatasetContract.load(join(DATASETS_DIR, f)));

describe('feature store seeded by make up-local', () => {
  it.each(contracts.map((c) => [c.name, c] as const))('when the newest %s snapshot is read, then it holds every cleaned row of its CSV', async (_name, contract) => {
    const s3 = createS3Client(stackEnv);
    const { bucket, key: prefix } = parseS3Uri(stackEnv.FEATURE_STORE_URI);
    const key = await newestKey(s3, bucket, `${prefix}${contract.name}/`);
    expect(key).toMatch(new RegExp(`${contract.name}/\\d{4}-\\d{2}-\\d{2}/churn\\.csv$`));

    const text = (await getObjectBuffer(s3, bucket, key ?? '')).toString();
    s3.destroy();
    expect(text.split('\n', 1)[0]).toBe(['churned', ...contract.featureNames].join(','));
    expect(cleanRecords(contract, parseCsv(text)).rows).toEqual(loadCleanDataset(contract).rows);
  });
});
