// Against the native stack (make up-local): FerretDB on 27017. A batch chunk stored packed by the
// predictors' sink reads back through the log's readers exactly, and stays findable by its ids.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { defaultContract, type FeatureRow, type FeatureValue } from '@churn/churn-data';
import { readEnvFiles } from '@churn/config';
import { readPredictionWindow } from '@churn/drift';
import { loggedRows } from '@churn/drift/logged-rows';
import { mongoOutcomeStore, readLabelledWindow } from '@churn/drift/outcomes';
import { Binary, MongoClient, ObjectId, type Db } from 'mongodb';
import { mongoPredictionSink, type PredictionBatchEntry } from './prediction-log.js';
import { datasetSplit } from './testing.js';

const root = resolve(import.meta.dirname, '../../..');
const env = { ...readEnvFiles([resolve(root, '.env.local')]), ...process.env } as Record<string, string>;

describe('packed prediction chunks in FerretDB', () => {
  const contract = defaultContract();
  const runId = `int-${randomUUID().slice(0, 8)}`;
  const createdAt = new Date(Date.now() - 60_000);
  const rows: FeatureRow[] = datasetSplit(contract).test.slice(0, 300).map((row) => Object.fromEntries(contract.featureNames.map((name) => [name, row[name] ?? null])));
  const features: Record<string, FeatureValue[]> = Object.fromEntries(contract.featureNames.map((name) => [name, rows.map((row) => row[name] ?? null)]));
  const chunk: PredictionBatchEntry = {
    _id: new ObjectId(),
    model_run_id: runId,
    source: 'http',
    rows: rows.length,
    features,
    churn_chance: rows.map((_, i) => ((i * 7919) % 1000) / 999),
    predicted_class: rows.map((_, i) => i % 3),
    class_probabilities: rows.map((_, i) => [0.2, 0.3, 0.5].map((p) => p + i * 1e-9)),
    latency_ms: 12.5,
    created_at: createdAt,
    customer_id: rows.map((_, i) => (i % 10 === 9 ? null : i % 2 === 0 ? `c${i}` : i)),
    request_id: `req-${runId}`,
  };
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    client = await MongoClient.connect(env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/?directConnection=true');
    db = client.db(`churn_packed_int_${randomUUID().slice(0, 8)}`);
    await mongoPredictionSink(db).insertMany([chunk]);
  });

  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('when a chunk is stored by the sink, then it is stored packed and every row reads back through loggedRows exactly', async () => {
    const stored = await db.collection('predictions').findOne({ _id: chunk._id });
    expect(stored?.['churn_chance']).toBeInstanceOf(Binary);
    expect(stored?.['features']?.['customer_age']).toBeInstanceOf(Binary);
    expect(stored?.['features']?.['card_category']).toBeInstanceOf(Binary);
    expect([...loggedRows(stored as Record<string, unknown>)]).toEqual([...loggedRows(chunk as unknown as Record<string, unknown>)]);
  });

  it('when the log is queried by a row\'s customer id or the request id, then the chunk holding it is found', async () => {
    expect(await db.collection('predictions').countDocuments({ customer_id: 'c4' })).toBe(1);
    expect(await db.collection('predictions').countDocuments({ customer_id: 5 })).toBe(1);
    expect(await db.collection('predictions').countDocuments({ customer_id: 'c5' })).toBe(0);
    expect(await db.collection('predictions').countDocuments({ request_id: chunk.request_id })).toBe(1);
  });

  it('when the drift window and the outcome join read the log, then they see every packed row with its features and chance', async () => {
    const window = await readPredictionWindow(db, contract, { runId, from: new Date(createdAt.getTime() - 1), to: new Date(createdAt.getTime() + 1) });
    expect(window.skipped).toBe(0);
    expect(window.rows).toHaveLength(rows.length);
    expect(window.rows.at(-1)).toMatchObject({ churn_chance: chunk.churn_chance[0], created_at: createdAt });

    await mongoOutcomeStore(db).insert([{ customer_id: 'c4', churned: 1, observed_at: new Date() }]);
    const labelled = await readLabelledWindow(db, { runId, from: new Date(createdAt.getTime() - 1), to: new Date(createdAt.getTime() + 1) });
    expect(labelled.predictions).toBe(rows.length);
    expect(labelled.rows).toEqual([expect.objectContaining({ chance: chunk.churn_chance[4], label: 1, created_at: createdAt })]);
    expect(labelled.rows[0]?.features).toMatchObject(Object.fromEntries(Object.entries(rows[4] as FeatureRow).filter(([, value]) => value !== null)));
  });
});
