// Against the native stack (make up-local): FerretDB on 27017. The outcome store (a request's repeats
// not stored) and the join of outcomes to logged predictions (the first received labels), on the
// Mongo wire the predictors use.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { readEnvFiles } from '@churn/config';
import { MongoClient, type Db } from 'mongodb';
import { outcomeChunks } from './outcome-chunks.js';
import { mongoOutcomeStore, readLabelledWindow } from './outcomes.js';

const root = resolve(import.meta.dirname, '../../..');
const env = { ...readEnvFiles([resolve(root, '.env.local')]), ...process.env } as Record<string, string>;

describe('outcomes against FerretDB', () => {
  const runId = `int-${randomUUID().slice(0, 8)}`;
  const t0 = Date.now() - 3600_000;
  const at = (seconds: number) => new Date(t0 + seconds * 1000);
  const prediction = (seconds: number, chance: number, ids: { request_id?: string; customer_id?: string | number }, run = runId) => ({
    model_run_id: run,
    source: 'http',
    features: { card_category: chance > 0.5 ? 'gold' : 'blue' },
    churn_chance: chance,
    latency_ms: 1,
    created_at: at(seconds),
    ...ids,
  });
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    client = await MongoClient.connect(env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/?directConnection=true');
    db = client.db(`churn_outcomes_int_${randomUUID().slice(0, 8)}`);
  });

  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('given outcomes sent twice (in one request and in two), early, by customer and for a batch row, when stored and joined, then each labels exactly its prediction once, the first received', async () => {
    const store = mongoOutcomeStore(db);
    await store.ensureIndexes();
    await db.collection('predictions').insertMany([
      prediction(1, 0.9, { request_id: 'r1' }),
      prediction(2, 0.2, { request_id: 'r2', customer_id: 12 }),
      // A customer scored twice: the outcome judges the later score.
      prediction(3, 0.3, { customer_id: 'c3' }),
      prediction(4, 0.6, { customer_id: 'c3' }),
      // One /predict/batch chunk, logged as the predictors log it: one columnar document whose rows share the request id.
      { model_run_id: runId, source: 'http', rows: 2, features: { card_category: ['gold', 'blue'] }, churn_chance: [0.7, 0.1], customer_id: ['b1', 'b2'], request_id: 'rb', latency_ms: 1, created_at: at(5) },
      prediction(6, 0.8, { request_id: 'r-other' }, 'another-run'),
    ]);

    const first = await store.insert([
      { request_id: 'r1', churned: 1, observed_at: at(100) },
      { customer_id: '12', churned: 0, observed_at: at(100) },
      { customer_id: 'c3', churned: 1, observed_at: at(100) },
      { request_id: 'rb', customer_id: 'b1', churned: 1, observed_at: at(100) },
      { request_id: 'rb', customer_id: 'b2', churned: 0, observed_at: at(100) },
      { request_id: 'r-late', churned: 0, observed_at: at(100) },
      { request_id: 'r1', churned: 0, observed_at: at(200) },
    ]);
    // The second r1 of the batch is not stored.
    expect(first).toEqual({ stored: 6, duplicates: 1 });
    // Sent again (with the other label) in a later request: stored, and ignored when read, as the first received labels.
    expect(await store.insert([{ request_id: 'r1', churned: 0, observed_at: at(300) }])).toEqual({ stored: 1, duplicates: 0 });
    // One document per request, found by any outcome's key.
    expect(await db.collection('outcomes').countDocuments()).toBe(2);
    expect(await db.collection('outcomes').countDocuments({ key: 'r:r-late' })).toBe(1);

    const window = { runId, from: at(0), to: at(1000) };
    const before = await readLabelledWindow(db, window);
    expect(before.predictions).toBe(6);
    expect(before.unjoined).toBe(1);
    expect(before.duplicates).toBe(1);
    expect(before.rows.map((r) => [r.chance, r.label]).sort()).toEqual([
      [0.1, 0],
      [0.2, 0],
      [0.6, 1],
      [0.7, 1],
      [0.9, 1],
    ]);

    // The outcome for r-late arrived first; its prediction is logged now and joins at the next read.
    await db.collection('predictions').insertOne(prediction(7, 0.4, { request_id: 'r-late' }));
    const after = await readLabelledWindow(db, window);
    expect(after.rows).toHaveLength(6);
    expect(after.unjoined).toBe(0);
    expect(after.rows.find((r) => r.chance === 0.4)).toMatchObject({ label: 0, observed_at: at(100), created_at: at(7) });

    // A caller that needs at least N labelled rows (the promotion gate) does not read predictions that cannot give them.
    expect(await readLabelledWindow(db, { ...window, minOutcomes: 7 })).toEqual({ rows: [], predictions: 0, chances: [], unjoined: 6, duplicates: 1, skipped: 0 });
    expect((await readLabelledWindow(db, { ...window, minOutcomes: 6 })).rows).toHaveLength(6);
  });

  it('given single predictions logged as one chunk with per-row request ids and times, when joined, then each row is labelled by its own id, rows outside the window are left out, and the limit counts predictions', async () => {
    const store = mongoOutcomeStore(db);
    const run = `${runId}-chunk`;
    // As PredictionLogWriter stores /predict's predictions: request_id, customer_id and created_at per row.
    await db.collection('predictions').insertOne({
      model_run_id: run,
      source: 'http',
      rows: 4,
      features: { card_category: ['gold', 'blue', 'gold', 'blue'] },
      churn_chance: [0.81, 0.82, 0.83, 0.84],
      request_id: ['s1', null, 's3', 's4'],
      customer_id: [null, 'sc2', null, null],
      latency_ms: [1, 2, 3, 4],
      created_at: [at(10), at(11), at(12), at(2000)],
    });
    // The chunk is found by one row's request id, as an operator would look a prediction up.
    expect(await db.collection('predictions').countDocuments({ request_id: 's3' })).toBe(1);
    await store.insert([
      { request_id: 's1', churned: 1, observed_at: at(100) },
      { customer_id: 'sc2', churned: 0, observed_at: at(100) },
      { request_id: 's4', churned: 1, observed_at: at(100) },
    ]);
    const window = { runId: run, from: at(0), to: at(1000) };
    const read = await readLabelledWindow(db, window);
    expect(read.predictions).toBe(3);
    expect(read.rows.map((r) => [r.chance, r.label, r.created_at.getTime()]).sort()).toEqual([
      [0.81, 1, at(10).getTime()],
      [0.82, 0, at(11).getTime()],
    ]);
    expect((await readLabelledWindow(db, { ...window, limit: 2 })).predictions).toBe(2);
  });

  it('given outcomes stored out of arrival order (one as stored before the chunks) and a customer outcome observed days before a later score, when joined, then the first received labels, and the old outcome labels the score it can be the outcome of', async () => {
    const own = client.db(`${db.databaseName}_order`);
    try {
      const run = `${runId}-order`;
      const days = 2 * 86_400;
      await own.collection('predictions').insertMany([
        prediction(10, 0.31, { request_id: 'o1' }, run),
        prediction(11, 0.32, { request_id: 'o2' }, run),
        // Customer oc scored twice, two days apart.
        prediction(12, 0.33, { customer_id: 'oc' }, run),
        prediction(12 + days, 0.34, { customer_id: 'oc' }, run),
      ]);
      const outcomes = own.collection('outcomes');
      // Inserted later than received, so only the read's arrival order can put them right.
      await outcomes.insertMany(outcomeChunks([{ key: 'r:o1', churned: 0, observed_at: at(50) }, { key: 'r:o2', churned: 1, observed_at: at(50) }], at(500)));
      await outcomes.insertOne({ _id: 'r:o1' as unknown as never, request_id: 'o1', churned: 1, observed_at: at(40), received_at: at(400) });
      await outcomes.insertMany(outcomeChunks([{ key: 'r:o2', churned: 0, observed_at: at(40) }, { key: 'c:oc', churned: 1, observed_at: at(20) }], at(300)));
      const read = await readLabelledWindow(own, { runId: run, from: at(0), to: at(1 + 2 * days) });
      expect(read.predictions).toBe(4);
      expect(read.duplicates).toBe(2);
      expect(read.rows.map((r) => [r.chance, r.label]).sort()).toEqual([
        [0.31, 1],
        [0.32, 0],
        [0.33, 1],
      ]);
    } finally {
      await own.dropDatabase();
    }
  });
});
