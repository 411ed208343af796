import { createServingMetrics, PredictionLogWriter, type PredictionLogDocument } from '@churn/serving';
import { parse } from 'csv-parse/sync';
import { Registry } from 'prom-client';
import { customer, startTestApp } from './test-support.js';

type TestApp = Awaited<ReturnType<typeof startTestApp>>;

const header = Object.keys(customer).join(',');
const csvOf = (rows: number, bad?: number) =>
  `${header}\n${Array.from({ length: rows }, (_, i) => Object.values({ ...customer, credit_limit: i === bad ? 'lots' : 1000 + i }).join(',')).join('\n')}\n`;
const post = (app: TestApp, path: string, body: string, type = 'text/csv') => fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

describe('large batches: streamed past the body limit, under a row limit', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ bodyLimit: '64kb', batchChunkRows: 500, maxBatchRows: 10_000 });
  });
  afterAll(() => app.close());

  it('when a CSV far over the body limit is posted to /invocations, then every row is scored in order and logged', async () => {
    // Given 8,000 rows (~600 KB, ten times the 64 KB JSON limit)
    const before = app.logged.length;
    // When posted as text/csv
    const response = await post(app, '/invocations', csvOf(8_000));
    // Then one prediction per row, as the formula model gives them, each logged once
    expect(response.status).toBe(200);
    const { predictions } = (await response.json()) as { predictions: number[] };
    expect(predictions).toHaveLength(8_000);
    expect(predictions[7_999]).toBeCloseTo((1000 + 7_999) / 100_000, 12);
    expect(app.logged.length - before).toBe(8_000);
  });

  it('when a bad row sits in a later chunk, then /invocations answers 400 naming its row in the whole file', async () => {
    const response = await post(app, '/invocations', csvOf(100_000, 1_234));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ field: 'rows[1234].credit_limit' });
  });

  it('when a CSV has more rows than the limit, then /invocations answers 413 naming PREDICTOR_API_MAX_BATCH_ROWS', async () => {
    const response = await post(app, '/invocations', csvOf(100_000));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/more than 10000 rows: PREDICTOR_API_MAX_BATCH_ROWS=10000/);
  });

  it('when a JSON body has more rows than the limit, then /invocations answers 413 too', async () => {
    const small = await startTestApp({ maxBatchRows: 2 });
    const response = await post(small, '/invocations', JSON.stringify({ dataframe_records: [customer, customer, customer] }), 'application/json');
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/PREDICTOR_API_MAX_BATCH_ROWS=2/);
    await small.close();
  });

  it('when /predict/batch gets far more rows than the limit, then the rows up to it are scored and a last row names the limit', async () => {
    // Given 100,000 rows (~7.5 MB) against a limit of 10,000: the answer ends while most of the upload is unread
    const response = await post(app, '/predict/batch', csvOf(100_000));
    expect(response.status).toBe(200);
    const out = parse(await response.text(), { columns: true }) as Record<string, string>[];
    expect(out).toHaveLength(10_001);
    expect(out.slice(0, 10_000).every((row) => row.error === '' && row['churn chance'] !== '')).toBe(true);
    expect(out[10_000]?.error).toMatch(/more than 10000 rows: PREDICTOR_API_MAX_BATCH_ROWS=10000 .*the rows above were scored/);
    // And the server still answers
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });
});

describe('large JSON bodies on /invocations: read as they arrive, under the row limit', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ bodyLimit: '64kb', batchChunkRows: 500, maxBatchRows: 100_000 });
  });
  afterAll(() => app.close());
  const columns = Object.keys(customer);
  const rowOf = (i: number, bad?: number) => Object.values({ ...customer, credit_limit: i === bad ? 'lots' : 1000 + i });
  const splitOf = (rows: number, bad?: number) => JSON.stringify({ dataframe_split: { columns, data: Array.from({ length: rows }, (_, i) => rowOf(i, bad)) } });
  const json = (body: string) => post(app, '/invocations', body, 'application/json');

  it('when a dataframe_split body over 5 MB (80 times the body limit) is posted, then every row is scored in order and logged', async () => {
    const body = splitOf(95_000);
    expect(Buffer.byteLength(body)).toBeGreaterThan(5 * 1024 * 1024);
    const before = app.logged.length;
    const response = await json(body);
    expect(response.status).toBe(200);
    const { predictions } = (await response.json()) as { predictions: number[] };
    expect(predictions).toHaveLength(95_000);
    expect(predictions[94_999]).toBeCloseTo((1000 + 94_999) / 100_000, 12);
    expect(app.logged.length - before).toBe(95_000);
  }, 60_000);

  it('when dataframe_records, positional instances and inputs over the body limit are posted, then each answers one prediction per row', async () => {
    const records = Array.from({ length: 2_000 }, (_, i) => ({ ...customer, credit_limit: 1000 + i }));
    const positional = records.map((r) => Object.values(r));
    for (const body of [{ dataframe_records: records }, { instances: positional }, { params: { x: 1 }, inputs: records }]) {
      const response = await json(JSON.stringify(body));
      expect(response.status).toBe(200);
      const { predictions } = (await response.json()) as { predictions: number[] };
      expect(predictions).toHaveLength(2_000);
      expect(predictions[1_999]).toBeCloseTo(2_999 / 100_000, 12);
    }
  });

  it('when a bad row sits in a later chunk, then it answers 400 naming the row in the whole body', async () => {
    const response = await json(splitOf(5_000, 4_321));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ field: 'dataframe_split.data[4321].credit_limit' });
  });

  it('when the body has more rows than PREDICTOR_API_MAX_BATCH_ROWS, then it answers 413 naming it', async () => {
    const response = await json(JSON.stringify({ dataframe_records: Array.from({ length: 100_001 }, () => customer) }));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/more than 100000 rows: PREDICTOR_API_MAX_BATCH_ROWS=100000/);
  }, 60_000);

  it('when columnar inputs are larger than the body limit, or the JSON is cut, then it answers 413 or 400 saying why', async () => {
    const columnar = Object.fromEntries(columns.map((c) => [c, Array.from({ length: 3_000 }, () => (customer as Record<string, unknown>)[c])]));
    const tooLarge = await json(JSON.stringify({ inputs: columnar }));
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: string }).error).toMatch(/inputs is larger than PREDICTOR_API_BODY_LIMIT/);
    const cut = await json(splitOf(2_000).slice(0, -10));
    expect(cut.status).toBe(400);
    expect(((await cut.json()) as { error: string }).error).toMatch(/malformed JSON body/);
  });
});

describe('large batches and the prediction log: backpressure, not drops', () => {
  it('when a batch five times the log buffer goes through a slow sink, then /predict/batch and /invocations log every row and the buffer stays bounded', async () => {
    // Given a prediction log of 2,000 predictions whose sink takes 5 ms per 200-prediction write
    const stored: PredictionLogDocument[] = [];
    const metrics = createServingMetrics(new Registry(), { defaultMetrics: false });
    const writer = new PredictionLogWriter(
      {
        async insertMany(docs) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          stored.push(...docs);
        },
      },
      { batchSize: 200, flushIntervalMs: 10, maxBuffered: 2_000 },
      metrics,
    );
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, writer.buffered)), 1);
    const app = await startTestApp({ batchChunkRows: 250, log: writer });
    // When 10,000 rows go through each batch route
    const batch = await post(app, '/predict/batch', csvOf(10_000));
    expect(parse(await batch.text(), { columns: true })).toHaveLength(10_000);
    const invocations = await post(app, '/invocations', csvOf(10_000));
    expect(((await invocations.json()) as { predictions: number[] }).predictions).toHaveLength(10_000);
    await writer.flush();
    clearInterval(sampler);
    // Then all 20,000 are stored, none dropped, and the last tenth of the buffer stayed free
    expect(writer.dropped).toBe(0);
    // ...as one columnar document per 250-row chunk
    expect(stored.reduce((n, doc) => n + ('rows' in doc ? doc.rows : 1), 0)).toBe(20_000);
    expect(stored).toHaveLength(80);
    expect(peak).toBeLessThanOrEqual(1_800);
    await app.close();
    await writer.close();
  }, 30_000);
});
