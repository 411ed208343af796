// Against the native stack (make up-local): the registry on 5051, FerretDB on 27017. Predictions
// through the real predictor, then outcomes over POST /outcomes (duplicated, for unknown requests,
// arriving before their prediction, as JSON and CSV), give the AUC scikit-learn gives on the same
// pairs, and the live gauge on /metrics shows it.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { defaultContract, type ChurnRow } from '@churn/churn-data';
import { classificationQuality, estimateQuality, fitIsotonic } from '@churn/drift';
import { createLogger } from '@churn/logger';
import { datasetSplit, findLoggedPredictions, loadLocal, registerTestModel, trainTestModel, waitFor, writeEnvFile } from '@churn/serving/testing';
import { MongoClient } from 'mongodb';
import { loadPredictorApiConfig } from './config.js';
import { start, type RunningPredictor } from './server.js';

const root = resolve(import.meta.dirname, '../../..');
const TRACKING_URI = 'http://127.0.0.1:5051';
const MONGO = 'mongodb://127.0.0.1:27017';
const FEATURE_NAMES = defaultContract().featureNames;
const logger = createLogger('predictor-api-quality-int', { level: 'warn' });
const dbName = `churn_quality_int_${randomUUID().slice(0, 8)}`;
const mongo = new MongoClient(`${MONGO}/?directConnection=true`);
const rows = datasetSplit().test.slice(0, 240);
const tag = randomUUID().slice(0, 8);
const requestIdOf = (i: number) => `${tag}-${i}`;

const postJson = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** scikit-learn's roc_auc_score on the pairs, in the pinned evidently venv. */
function sklearnAuc(labels: number[], chances: number[]): number {
  const python = execFileSync(resolve(root, 'scripts/py-venv.sh'), ['evidently'], { encoding: 'utf8' }).trim();
  const script = 'import json,sys\nfrom sklearn.metrics import roc_auc_score\nd=json.load(sys.stdin)\nprint(repr(float(roc_auc_score(d["y"], d["p"]))))';
  return Number(execFileSync(python, ['-c', script], { input: JSON.stringify({ y: labels, p: chances }), encoding: 'utf8' }).trim());
}

const gauge = (text: string, name: string, labels: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

let predictor: RunningPredictor;
let runId: string;
let dir: string;

beforeAll(async () => {
  dir = await trainTestModel({ max_depth: 3 }, 20);
  runId = await registerTestModel(TRACKING_URI, dir, 'quality-int');
  const envFile = await writeEnvFile({
    RUN_ID: runId,
    MODEL_URI: '',
    MLFLOW_TRACKING_URI: TRACKING_URI,
    MODEL_CACHE_DIR: `${dir}-cache`,
    MONGODB_URI: `${MONGO}/${dbName}?directConnection=true`,
    PREDICTION_LOG_FLUSH_INTERVAL: '100ms',
    QUALITY_EVERY: '300ms',
  });
  predictor = await start({ port: 0, envFile, config: loadPredictorApiConfig(envFile), logger });
  await predictor.runtime.firstLoad;
}, 180_000);

afterAll(async () => {
  await predictor?.close();
  await mongo.db(dbName).dropDatabase().catch(() => undefined);
  await mongo.close();
});

describe('realised model quality through the predictor API', () => {
  it('given predictions, then duplicated, unknown, early and CSV outcomes, when quality is read, then the AUC is scikit-learn’s on the same pairs and the gauge shows it', async () => {
    const base = `http://127.0.0.1:${predictor.port}`;
    const chances: number[] = [];
    const predict = async (i: number) => {
      const row = rows[i] as ChurnRow;
      const body: Record<string, unknown> = { customer_id: `c-${tag}-${i}` };
      for (const name of FEATURE_NAMES) body[name] = row[name];
      const response = await postJson(base, '/predict', body, { 'x-request-id': requestIdOf(i) });
      expect(response.status).toBe(200);
      chances[i] = ((await response.json()) as { 'churn chance': number })['churn chance'];
    };
    const label = (i: number) => (rows[i] as ChurnRow).churned;
    const byRequest = (i: number) => ({ request_id: requestIdOf(i), churned: label(i) === 1 });
    const logged = async () => (await findLoggedPredictions(mongo.db(dbName).collection('predictions'), { model_run_id: runId })).length;

    // Outcomes for 200-239 arrive before their predictions are made.
    const early = await postJson(base, '/outcomes', { outcomes: rows.slice(200).map((_r, k) => byRequest(200 + k)) });
    expect(await early.json()).toMatchObject({ stored: 40 });
    for (let i = 0; i < rows.length; i++) await predict(i);
    await waitFor(async () => (await logged()) === rows.length, { timeoutMs: 20_000, what: 'the prediction log', intervalMs: 50 });

    // 0-149 by request id, with 30 of them sent again in the same request (with the opposite label: the first one stands), two invalid and ten for requests never made.
    const batch = [
      ...rows.slice(0, 150).map((_r, i) => byRequest(i)),
      ...rows.slice(0, 30).map((_r, i) => ({ ...byRequest(i), churned: label(i) === 0 })),
      { request_id: requestIdOf(0), churned: 'perhaps' },
      { churned: true },
      ...Array.from({ length: 10 }, (_v, k) => ({ request_id: `${tag}-unknown-${k}`, churned: true })),
    ];
    const answer = (await (await postJson(base, '/outcomes', batch)).json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ received: 192, stored: 160, duplicates: 30, invalid: 2 });
    // 0-4 again in a later request (a client's retry, with the opposite label): stored, and ignored when read.
    const again = await postJson(base, '/outcomes', rows.slice(0, 5).map((_r, i) => ({ ...byRequest(i), churned: label(i) === 0 })));
    expect(await again.json()).toMatchObject({ received: 5, stored: 5, duplicates: 0 });
    // 150-199 as a CSV export: the contract's id column and target words.
    const csv = ['CLIENTNUM,Attrition_Flag', ...rows.slice(150, 200).map((_r, k) => `c-${tag}-${150 + k},${label(150 + k) === 1 ? 'Attrited Customer' : 'Existing Customer'}`)].join('\n');
    const uploaded = await fetch(`${base}/outcomes`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(await uploaded.json()).toMatchObject({ received: 50, stored: 50, invalid: 0 });

    const labels = rows.map((_r, i) => label(i));
    const expectedAuc = sklearnAuc(labels, chances);
    const ours = classificationQuality(labels, chances);
    expect(Math.abs((ours.auc as number) - expectedAuc)).toBeLessThanOrEqual(1e-12);

    const quality = `run_id="${runId}",measure="auc"`;
    let metrics = '';
    await waitFor(
      async () => {
        metrics = await (await fetch(`${base}/metrics`)).text();
        return gauge(metrics, 'churn_model_quality_labelled', `run_id="${runId}"`) === rows.length;
      },
      { timeoutMs: 10_000, what: 'the quality gauges', intervalMs: 100 },
    );
    expect(Math.abs((gauge(metrics, 'churn_model_quality', quality) as number) - expectedAuc)).toBeLessThanOrEqual(1e-12);
    expect(gauge(metrics, 'churn_model_quality', `run_id="${runId}",measure="log_loss"`)).toBeCloseTo(ours.logLoss, 12);
    expect(gauge(metrics, 'churn_model_quality', `run_id="${runId}",measure="f1"`)).toBeCloseTo(ours.f1, 12);
    expect(gauge(metrics, 'churn_model_quality', `run_id="${runId}",measure="deviated_share"`)).toBeCloseTo(ours.deviatedShare, 12);
    // Per level of each categorical feature: the blue cards' own AUC and count.
    const blue = rows.flatMap((row, i) => (row['card_category'] === 'blue' ? [i] : []));
    const blueQuality = classificationQuality(blue.map(label), blue.map((i) => chances[i] as number));
    const segment = `run_id="${runId}",feature="card_category",value="blue"`;
    expect(gauge(metrics, 'churn_model_quality_segment', `${segment},measure="labelled"`)).toBe(blue.length);
    expect(gauge(metrics, 'churn_model_quality_segment', `${segment},measure="auc"`)).toBeCloseTo(blueQuality.auc as number, 12);
    expect(gauge(metrics, 'churn_model_quality_segment', `${segment},measure="deviated_share"`)).toBeCloseTo(blueQuality.deviatedShare, 12);
    expect(gauge(metrics, 'churn_model_quality_predictions', `run_id="${runId}"`)).toBe(rows.length);
    const counter = (name: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
    expect([counter('churn_outcomes_received_total'), counter('churn_outcomes_duplicate_total'), counter('churn_outcomes_invalid_total')]).toEqual([287, 30, 2]);
    expect(counter('churn_outcomes_stored_total')).toBe(255);
    expect(gauge(metrics, 'churn_model_quality_duplicate_outcomes', `run_id="${runId}"`)).toBe(5);
    // The ten for requests never made are stored but label nothing.
    expect(gauge(metrics, 'churn_model_quality_unjoined_outcomes', `run_id="${runId}"`)).toBe(10);
    // Calibrated on the model's test split (its test-predictions.json), not on the window's labels.
    const local = await loadLocal(dir);
    const { testPredictions } = local;
    local.dispose();
    const estimated = estimateQuality(chances, fitIsotonic(testPredictions?.chances ?? [], testPredictions?.labels ?? []));
    expect(gauge(metrics, 'churn_model_quality_estimated', `run_id="${runId}",measure="auc",calibration="test"`)).toBeCloseTo(estimated.auc as number, 10);
    expect(gauge(metrics, 'churn_model_quality_estimated', `run_id="${runId}",measure="accuracy",calibration="test"`)).toBeCloseTo(estimated.accuracy, 10);
    expect(gauge(metrics, 'churn_model_quality_estimated', `run_id="${runId}",measure="deviated_share",calibration="test"`)).toBeCloseTo(estimated.deviatedShare, 10);
  });

  it('given a calibration on the validation split, when the test split is scored without labels, then the estimated AUC and accuracy are near the realised ones', async () => {
    const model = await loadLocal(dir);
    try {
      const { validation, test } = datasetSplit();
      const calibrate = fitIsotonic(Array.from(model.predict(validation)), validation.map((r) => r.churned));
      const chances = Array.from(model.predict(test));
      const estimated = estimateQuality(chances, calibrate);
      const realised = classificationQuality(test.map((r) => r.churned), chances);
      expect(Math.abs((estimated.auc as number) - (realised.auc as number))).toBeLessThan(0.02);
      expect(Math.abs(estimated.accuracy - realised.accuracy)).toBeLessThan(0.02);
    } finally {
      model.dispose();
    }
  });
});
