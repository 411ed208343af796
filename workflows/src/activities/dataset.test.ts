import { readFileSync } from 'node:fs';
import { BUNDLED_DATASET } from '@churn/churn-data';
import { createLogger } from '@churn/logger';
import { ApplicationFailure } from '@temporalio/common';
import { memoryStore, quietActivityEnv, runIn } from '../testing/fakes.js';
import { createDatasetActivities } from './dataset.js';

const logger = createLogger('test', { level: 'silent' });
const config = { FEATURE_STORE_URI: 's3://churn-features/snapshots/', SPLITS_URI: 's3://churn-features/splits/' };
const csv = readFileSync(BUNDLED_DATASET);

function setup() {
  const store = memoryStore();
  return { store, activities: createDatasetActivities({ store, config, logger }) };
}

describe('prepareDataset', () => {
  it('when the newest snapshot is prepared twice, then both give the same hash and the split is stored under it', async () => {
    const { store, activities } = setup();
    await store.put('churn-features', 'snapshots/2026-01-01/old.csv', 'customer_age\n1\n');
    await store.put('churn-features', 'snapshots/2026-02-01/churn.csv', csv);
    const env = quietActivityEnv();
    const first = await runIn(env, activities.prepareDataset, {});
    const second = await runIn(env, createDatasetActivities({ store, config, logger }).prepareDataset, {});

    expect(second.datasetHash).toBe(first.datasetHash);
    expect(first.datasetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(first).toMatchObject({ sourceUri: 's3://churn-features/snapshots/2026-02-01/churn.csv', splitUri: `s3://churn-features/splits/${first.datasetHash}/split.json` });
    expect(first.train + first.validation + first.test).toBe(first.rows);
    expect(first.train).toBe(Math.round(first.rows * 0.6));
    expect(store.objects.has(`churn-features/splits/${first.datasetHash}/split.json`)).toBe(true);
  }, 30_000);

  it('when another worker loads the split by hash, then it gets exactly the prepared rows', async () => {
    const { store, activities } = setup();
    await store.put('churn-features', 'snapshots/a.csv', csv);
    const ref = await runIn(quietActivityEnv(), activities.prepareDataset, {});
    const fresh = createDatasetActivities({ store, config, logger });
    const split = await fresh.loadSplit(ref.datasetHash);
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([ref.train, ref.validation, ref.test]);
    expect(await fresh.loadSplit(ref.datasetHash)).toBe(split);
  }, 30_000);

  it('when the stored split was altered, then loading it fails for good naming the hash mismatch', async () => {
    const { store, activities } = setup();
    await store.put('churn-features', 'snapshots/a.csv', csv);
    const ref = await runIn(quietActivityEnv(), activities.prepareDataset, {});
    const key = `splits/${ref.datasetHash}/split.json`;
    await store.put('churn-features', key, `${(await store.get('churn-features', key))?.toString()} `);
    const error = await createDatasetActivities({ store, config, logger }).loadSplit(ref.datasetHash).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'DatasetError', nonRetryable: true, message: expect.stringMatching(/does not match its hash/) });
  }, 30_000);

  it.each([
    ['there is no snapshot', undefined, /no CSV snapshot under s3:\/\/churn-features\/snapshots\//],
    ['the snapshot has too few clean rows', 'attrition_flag,customer_age\nExisting Customer,40\n', /has 0 clean rows/],
  ])('when %s, then the activity fails for good with a DatasetError', async (_case, body, message) => {
    const { store, activities } = setup();
    if (body) await store.put('churn-features', 'snapshots/bad.csv', body);
    await expect(runIn(quietActivityEnv(), activities.prepareDataset, {})).rejects.toMatchObject({ type: 'DatasetError', nonRetryable: true, message: expect.stringMatching(message) });
  });
});
