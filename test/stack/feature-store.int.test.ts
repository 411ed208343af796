import { createS3Client, getObjectBuffer, newestKey, parseS3Uri } from '@churn/aws';
import { FEATURE_NAMES, featureRowSchema, loadCleanDataset, parseCsv, toFeatures } from '@churn/churn-data';
import { stackEnv } from './stack-env.js';

describe('feature store seeded by make up-local', () => {
  it('when the newest snapshot is read, then it holds every cleaned row of the bundled dataset', async () => {
    const s3 = createS3Client(stackEnv);
    const { bucket, key: prefix } = parseS3Uri(stackEnv.FEATURE_STORE_URI);
    const key = await newestKey(s3, bucket, prefix);
    expect(key).toMatch(/\d{4}-\d{2}-\d{2}\/churn\.csv$/);

    const text = (await getObjectBuffer(s3, bucket, key ?? '')).toString();
    s3.destroy();
    expect(text.split('\n', 1)[0]).toBe(['churned', ...FEATURE_NAMES].join(','));
    const snapshot = parseCsv(text).map((record) => toFeatures(featureRowSchema.parse(record)));
    const expected = loadCleanDataset().rows;
    expect(snapshot.length).toBe(expected.length);
    expect(snapshot[0]).toEqual(toFeatures({ ...expected[0]! }));
  });
});
