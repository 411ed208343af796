import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultContract } from '@churn/churn-data';
import { createLogger } from '@churn/logger';
import { ApplicationFailure } from '@temporalio/common';
import { memoryStore, quietActivityEnv, runIn } from '../testing/fakes.js';
import { createDatasetActivities } from './dataset.js';

const logger = createLogger('test', { level: 'silent' });
const config = { FEATURE_STORE_URI: 's3://churn-features/snapshots/', SPLITS_URI: 's3://churn-features/splits/', DATASET: 'bankchurners' };
const csv = readFileSync(defaultContract().sourceLocation);

function setup() {
  const store = memoryStore();
  return { store, activities: createDatasetActivities({ store, config, logger }) };
}

describe('prepareDataset', () => {
  it('when the newest snapshot is prepared twice, then both give the same hash and the split is stored under it', async () => {
    const { store, activities } = setup();
    await store.put('churn-features', 'snapshots/bankchurners/2026-01-01/old.csv', 'customer_age\n1\n');
    await store.put('churn-features', 'snapshots/bankchurners/2026-02-01/churn.csv', csv);
    await store.put('churn-features', 'snapshots/other/2026-03-01/churn.csv', 'x\n1\n');
    const env = quietActivityEnv();
    const first = await runIn(env, activities.prepareDataset, {});
    const second = await runIn(env, createDatasetActivities({ store, config, logger }).prepareDataset, {});

    expect(second.datasetHash).toBe(first.datasetHash);
    expect(first.datasetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(first).toMatchObject({ dataset: 'bankchurners', rows: 7_081, droppedMissing: 3_046, sourceUri: 's3://churn-features/snapshots/bankchurners/2026-02-01/churn.csv', splitUri: `s3://churn-features/splits/${first.datasetHash}/split.json` });
    expect(first.train + first.validation + first.test).toBe(first.rows);
    expect(first.train).toBe(Math.round(first.rows * 0.6));
    expect(store.objects.has(`churn-features/splits/${first.datasetHash}/split.json`)).toBe(true);
  }, 30_000);

  it('when another worker loads the dataset by hash, then it gets exactly the prepared rows and the contract they were cleaned with', async () => {
    const { store, activities } = setup();
    await store.put('churn-features', 'snapshots/bankchurners/a.csv', csv);
    const ref = await runIn(quietActivityEnv(), activities.prepareDataset, {});
    const fresh = createDatasetActivities({ store, config, logger });
    const loaded = await fresh.loadDataset(ref.datasetHash);
    const { split } = loaded;
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([ref.train, ref.validation, ref.test]);
    expect(loaded.contract.spec).toEqual(defaultContract().spec);
    expect(await fresh.loadDataset(ref.datasetHash)).toBe(loaded);
  }, 30_000);

  it('when the run names another contract, then its own snapshot folder, columns and split are used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-'));
    const file = join(dir, 'tiny.yaml');
    writeFileSync(
      file,
      `version: 1\nname: tiny\nsource: tiny.csv\ntarget: {column: churn, positive: ["1"], negative: ["0"]}\nfeatures:\n  - {name: usage, kind: numeric}\nsplit: {train: 0.5, validation: 0.25, test: 0.25}\n`,
    );
    const { store, activities } = setup();
    const rows = Array.from({ length: 200 }, (_, i) => `${i},${i % 2}`);
    await store.put('churn-features', 'snapshots/tiny/2026-02-01/churn.csv', `usage,churn\n${rows.join('\n')}\n`);
    const ref = await runIn(quietActivityEnv(), activities.prepareDataset, { dataset: file });
    expect(ref).toMatchObject({ dataset: 'tiny', rows: 200, train: 100, validation: 50, test: 50, sourceUri: 's3://churn-features/snapshots/tiny/2026-02-01/churn.csv' });
    expect((await activities.loadDataset(ref.datasetHash)).contract.featureNames).toEqual(['usage']);
  }, 30_000);

  it('when more of the snapshot breaks the contract than it allows, then the run is refused naming the lines and the rule', async () => {
    const { store, activities } = setup();
    const lines = csv.toString('utf8').split('\n');
    // Every tenth customer gets an impossible age: 10% rejected, over BankChurners' 5% limit.
    const broken = lines.map((line, i) => (i > 0 && i % 10 === 0 ? line.replace(/^(\d+,"[^"]+",)\d+/, '$1999') : line)).join('\n');
    await store.put('churn-features', 'snapshots/bankchurners/2026-02-01/churn.csv', broken);
    await expect(runIn(quietActivityEnv(), activities.prepareDataset, {})).rejects.toMatchObject({
      type: 'DatasetError',
      nonRetryable: true,
      message: expect.stringMatching(/break the bankchurners contract, over its max_rejected_share 0\.05; line 11: customer_age: must be at most 120/),
    });
  }, 30_000);

  it('when the stored split was altered, then loading it fails for good naming the hash mismatch', async () => {
    const { store, activities } = setup();
    await store.put('churn-features', 'snapshots/bankchurners/a.csv', csv);
    const ref = await runIn(quietActivityEnv(), activities.prepareDataset, {});
    const key = `splits/${ref.datasetHash}/split.json`;
    await store.put('churn-features', key, `${(await store.get('churn-features', key))?.toString()} `);
    const error = await createDatasetActivities({ store, config, logger }).loadDataset(ref.datasetHash).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'DatasetError', nonRetryable: true, message: expect.stringMatching(/does not match its hash/) });
  }, 30_000);

  it.each([
    ['there is no snapshot', undefined, /no CSV snapshot under s3:\/\/churn-features\/snapshots\/bankchurners\//],
    ['the snapshot has too few clean rows', 'attrition_flag,customer_age\nExisting Customer,40\n', /has 0 clean rows/],
  ])('when %s, then the activity fails for good with a DatasetError', async (_case, body, message) => {
    const { store, activities } = setup();
    if (body) await store.put('churn-features', 'snapshots/bankchurners/bad.csv', body);
    await expect(runIn(quietActivityEnv(), activities.prepareDataset, {})).rejects.toMatchObject({ type: 'DatasetError', nonRetryable: true, message: expect.stringMatching(message) });
  });
});
