// Against the native stack (make up-local): FerretDB on 27017, rclone S3 on 9000, nginx on 8888
// serving REPORTS_DIR. Publishes a real report there and reads it back through nginx and S3.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createS3Client, ensureBucket, getObjectBuffer } from '@churn/aws';
import { readEnvFiles } from '@churn/config';
import { MongoClient, type Db } from 'mongodb';
import { classificationQuality } from './classification.js';
import { formatNumber } from './html.js';
import { mongoOutcomeStore } from './outcomes.js';
import { fetchPredictionWindow, readPredictionWindow } from './prediction-window.js';
import { runDriftReport } from './run-report.js';
import { datasetFixture, drifted, fakeScore } from './testing/fixtures.js';

const root = resolve(import.meta.dirname, '../../..');
const env = { ...readEnvFiles([resolve(root, '.env.local')]), ...process.env } as Record<string, string>;
const reportsDir = resolve(root, env.REPORTS_DIR ?? '.stack/reports');
const nginx = `http://127.0.0.1:${env.NGINX_PORT ?? '8888'}`;
const bucket = env.REPORTS_BUCKET ?? 'churn-reports';

describe('drift report against FerretDB, S3 and nginx', () => {
  const { contract, reference, holdout } = datasetFixture(3000);
  const runId = `int-${randomUUID().slice(0, 8)}`;
  const window = { from: new Date(Date.now() - 3 * 3600_000), to: new Date() };
  const s3 = createS3Client({ AWS_REGION: env.AWS_REGION ?? 'us-east-1', AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? '', AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? '', AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3 });
  const labelled = Array.from({ length: 150 }, (_, i) => ({ i, label: (i % 3 === 0 ? 1 : 0) as 0 | 1 }));
  let client: MongoClient;
  let db: Db;

  beforeAll(async () => {
    client = await MongoClient.connect(env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/?directConnection=true');
    db = client.db(`churn_drift_int_${randomUUID().slice(0, 8)}`);
    const inWindow = (i: number) => new Date(window.from.getTime() + 60_000 + i * 1000);
    const docs: Record<string, unknown>[] = drifted(holdout.slice(400, 800)).map((features, i) => ({ model_run_id: runId, source: 'http', features, churn_chance: fakeScore(features), latency_ms: 2, created_at: inWindow(i), request_id: `q-${i}` }));
    docs.push(...holdout.slice(800, 850).map((features, i) => ({ model_run_id: 'another-run', source: 'http', features, churn_chance: 0.1, latency_ms: 2, created_at: inWindow(i) })));
    docs.push(...holdout.slice(850, 880).map((features, i) => ({ model_run_id: runId, source: 'stream', features, churn_chance: 0.1, latency_ms: 2, created_at: new Date(window.from.getTime() - 1000 * (i + 1)) })));
    await db.collection('predictions').insertMany([...docs, { model_run_id: runId, source: 'http', features: { customer_age: 'old' }, churn_chance: 0.2, latency_ms: 1, created_at: inWindow(1) }]);
    // Outcomes for the first 150 of the run's predictions, and one for a prediction never made.
    await mongoOutcomeStore(db).insert([...labelled.map(({ i, label }) => ({ request_id: `q-${i}`, churned: label, observed_at: new Date() })), { request_id: 'q-unknown', churned: 1, observed_at: new Date() }]);
    await ensureBucket(s3, bucket);
  });

  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('when the window is read, then only this run inside [from, to) comes back, newest first, documents the contract refuses skipped with the field named', async () => {
    const window_ = await readPredictionWindow(db, contract, { from: window.from, to: window.to, runId, limit: 1000 });
    expect(window_.rows).toHaveLength(400);
    expect(window_.skipped).toBe(1);
    expect(window_.firstSkipReason).toMatch(/^features\.customer_age/);
    const rows = window_.rows;
    expect(rows[0]?.created_at.getTime()).toBeGreaterThan(rows[399]?.created_at.getTime() ?? Infinity);
    expect(await fetchPredictionWindow(db, contract, { from: window.from, to: window.to, limit: 100 })).toHaveLength(100);
  });

  it('when the report runs, then it flags the drifted features and nginx serves it and the index as text/html', async () => {
    const outcome = await runDriftReport({ db, s3, bucket, reportsDir, contract, reference, runId, window });
    expect(outcome).toMatchObject({ dataset: 'bankchurners', runId, datasetDrift: true, currentRows: 400, skippedDocuments: 1 });
    expect([...outcome.driftedFeatures].sort()).toEqual(['card_category', 'credit_limit', 'customer_age', 'marital_status', 'months_on_book', 'total_revolving_bal']);

    const report = await fetch(`${nginx}/${outcome.file}`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await report.text();
    expect(html).toContain(runId);
    expect(html).toContain('Dataset drift detected');

    const index = await fetch(`${nginx}/`);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    const indexHtml = await index.text();
    expect(indexHtml).toContain(runId);
    expect(indexHtml).toContain(`href="${outcome.file}"`);

    expect((await getObjectBuffer(s3, bucket, outcome.key as string)).toString('utf8')).toBe(html);
  });

  it('given outcomes for 150 of the run\'s predictions, when the report runs, then its model quality section shows the realised AUC of those pairs beside the estimate over all of them', async () => {
    const outcome = await runDriftReport({ db, reportsDir, contract, reference, runId, window });
    const rows = drifted(holdout.slice(400, 800));
    const expected = classificationQuality(
      labelled.map((l) => l.label),
      labelled.map((l) => fakeScore(rows[l.i] as (typeof rows)[number])),
    );
    expect(outcome.quality).toEqual({ labelled: 150, predictions: 401, auc: expected.auc, estimatedAuc: expect.any(Number) });
    const html = await (await fetch(`${nginx}/${outcome.file}`)).text();
    // 401: the join counts the document the contract refuses among the run's predictions read.
    expect(html).toContain('<p id="labelled">150 of the model run\'s 401 predictions of the last 3 hours');
    expect(html).toContain('1 outcomes received label none of them');
    expect(html).toContain(`<tr data-measure="ROC AUC"><td>ROC AUC</td><td class="num">${formatNumber(expected.auc)}</td><td class="num">${formatNumber(outcome.quality.estimatedAuc)}</td></tr>`);
    expect(html).toContain('<div class="chart" id="reliability"><svg');
  });
});
