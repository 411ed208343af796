// Issue 14, "shows it works": a third contract, written by `dataset infer` from a CSV the tests
// generate (mixed kinds, missing tokens, a BOM, CRLF line ends, quoted commas), trains and serves.
// Everything below is the real code path: the CLI's infer command, the contract loader, cleaning,
// one XGBoost trial, the model directory, the HTTP predictor and the stream predictor's record parser.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import {
  assertAcceptable,
  buildReferenceProfile,
  contractSplit,
  DatasetContract,
  loadCleanDataset,
  normaliseRecords,
  parseCsv,
  type CleanResult,
} from '@churn/churn-data';
import { createLogger } from '@churn/logger';
import { loadModelDir, writeModelDir, type LoadedModel } from '@churn/model';
import { createServingMetrics, ModelHolder, type PredictionLogEntry } from '@churn/serving';
import { runTrial, type TrialResult } from '@churn/training';
import { createEngine } from '@churn/xgboost';
import { Registry } from 'prom-client';
import { runDataset } from '../../packages/churn-data/src/cli/run.js';
import { captureIo } from '../../packages/churn-data/src/testing/capture-io.js';
import { GENERATED_HEADER, writeGeneratedCsv } from '../../packages/churn-data/src/testing/generated-csv.js';
import { createPredictor } from '../../services/predictor-api/src/app.js';
import { parseRecord, resultOf, type InvalidRecord, type ValidRecord } from '../../services/predictor-stream/src/records.js';

const RUN_ID = 'run-inferred';
const CSV_NAME = 'Churn Export.csv';
const params = { max_depth: 4, eta: 0.2, subsample: 0.9, colsample_bytree: 0.9, min_child_weight: 1, lambda: 1 };

/** A raw CSV record (contract column names) as a JSON request: numbers as numbers, missing tokens and text as written. */
function jsonRequestOf(contract: DatasetContract, record: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...record };
  for (const feature of contract.features) {
    const raw = record[feature.name];
    if (raw === undefined || feature.missingTokens.has(contract.normaliseValue(raw))) continue;
    if (feature.kind === 'numeric' || feature.kind === 'integer') body[feature.name] = Number(raw);
  }
  return body;
}

describe('a contract written by `dataset infer` from a generated CSV', () => {
  let dir: string;
  let csvText: string;
  let contract: DatasetContract;
  let cleaned: CleanResult;
  let trial: TrialResult;
  let model: LoadedModel;
  let holder: ModelHolder;
  let server: Server;
  let url: string;
  const logged: PredictionLogEntry[] = [];
  /** The generated CSV's records keyed by the contract's column names (what a client sends). */
  let records: Record<string, string>[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inferred-contract-'));
    writeGeneratedCsv(join(dir, CSV_NAME), { rows: 2_000, seed: 11 });
    csvText = readFileSync(join(dir, CSV_NAME), 'utf8');

    const io = captureIo(dir);
    const code = runDataset(['infer', CSV_NAME, '--target', 'Churn', '--out', 'contracts/generated.yaml', '--name', 'generated'], io);
    if (code !== 0) throw new Error(`dataset infer exited ${code}: ${io.stderr}`);
    contract = DatasetContract.load(join(dir, 'contracts', 'generated.yaml'));

    cleaned = loadCleanDataset(contract);
    assertAcceptable(contract, cleaned, contract.sourceLocation);
    const split = contractSplit(contract, cleaned.rows);
    const engine = await createEngine('auto');
    trial = runTrial({ contract, split, params, engine, seed: 3, numBoostRound: 60, earlyStoppingRounds: 10, nthread: 1 });

    const train = trial.preprocessor.transform(split.train);
    const predictions = Array.from(trial.booster.predict(train.data, train.rows, train.cols));
    const modelDir = join(dir, 'model');
    await writeModelDir(modelDir, {
      booster: trial.booster,
      contract,
      preprocessor: trial.preprocessor,
      reference: buildReferenceProfile(contract, split.train, { seed: 3, predictions }),
      params: { ...params },
      metrics: trial.metrics,
      runId: RUN_ID,
    });
    model = await loadModelDir(modelDir, engine);

    // The HTTP predictor as main.ts builds it, serving the loaded model.
    const registry = new Registry();
    const metrics = createServingMetrics(registry, { defaultMetrics: false });
    holder = new ModelHolder(async () => model);
    holder.onSwap(({ runId }) => metrics.setModel(runId));
    await holder.load(RUN_ID);
    const handler = createPredictor({
      holder,
      log: { log: (entry) => logged.push(entry) },
      metrics,
      registry,
      logger: createLogger('inferred-contract-test', { level: 'silent' }),
      contract,
    });
    server = createServer(handler).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    records = normaliseRecords(contract, parseCsv(csvText));
  }, 60_000);

  afterAll(async () => {
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    holder?.close();
    trial?.booster.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const predict = async (body: unknown) => {
    const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const kinesisRecord = (body: unknown, i = 0) => ({ sequenceNumber: String(1000 + i), partitionKey: `pk${i}`, data: Buffer.from(JSON.stringify(body)) });

  it('when the CSV has a BOM, CRLF line ends, quoted commas and missing tokens, then infer writes a contract of mixed kinds that cleans it', () => {
    expect(csvText.startsWith('\uFEFF')).toBe(true);
    expect(csvText).toContain('\r\n');
    expect(csvText).toMatch(/"Called about [^"]*, ticket \d+/);
    expect(csvText).toMatch(/,N\/A,/);

    expect(contract.spec).toMatchObject({ name: 'generated', source: `../${CSV_NAME}`, id: 'customerid', target: { column: 'churn', positive: ['yes'], negative: ['no'] } });
    expect(contract.spec.missing_tokens).toEqual(expect.arrayContaining(['', 'n/a']));
    expect(contract.spec.ignore).toContain('last_note');
    const kinds = Object.fromEntries(contract.features.map((f) => [f.name, f.kind]));
    expect(kinds).toEqual({
      age: 'integer',
      tenure_months: 'integer',
      monthly_charges: 'numeric',
      has_partner: 'boolean',
      contract: 'categorical',
      payment_method: 'categorical',
      region: 'categorical',
      support_calls: 'integer',
      satisfaction: 'integer',
    });
    expect(contract.feature('satisfaction')?.missing).toBe('impute');

    // Rows with a blank region are dropped by the inferred policy; none is rejected; N/A satisfaction is imputed (null).
    expect(cleaned.invalid).toEqual([]);
    expect(cleaned.droppedMissing).toBeGreaterThan(0);
    expect(cleaned.rows.length + cleaned.droppedMissing).toBe(2_000);
    expect(cleaned.rows.some((r) => r['satisfaction'] === null)).toBe(true);
  });

  it('when one trial trains on it, then the model learns the label and its directory carries the inferred contract', () => {
    expect(trial.metrics.test.auc).toBeGreaterThan(0.7);
    expect(model.contract.name).toBe('generated');
    expect(model.contract.featureNames).toEqual(contract.featureNames);
    expect(model.runId).toBe(RUN_ID);
  });

  it('when a row of the generated CSV is sent to /predict, /predict/batch and the stream parser, then all three score it alike', async () => {
    // A row whose satisfaction is the N/A token (imputed) and whose note holds a quoted comma.
    const index = records.findIndex((r) => r['satisfaction'] === 'N/A' && r['region'] !== '' && r['last_note']?.includes(','));
    expect(index).toBeGreaterThanOrEqual(0);
    const body = jsonRequestOf(contract, records[index] as Record<string, string>);

    logged.length = 0;
    const http = await predict(body);
    expect(http.status).toBe(200);
    const chance = http.body['churn chance'];
    expect(typeof chance).toBe('number');
    expect(chance as number).toBeGreaterThanOrEqual(0);
    expect(chance as number).toBeLessThanOrEqual(1);
    expect(http.body).toMatchObject({ model_run_id: RUN_ID, customer_id: records[index]?.['customerid'] });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.features).toMatchObject({ satisfaction: null, has_partner: expect.any(Number) as number });

    // The stream predictor: the record parser with the served model's contract, then the model.
    const parsed = parseRecord(model.contract, kinesisRecord(body));
    expect(parsed.ok).toBe(true);
    const valid = parsed as ValidRecord;
    expect(valid.features).toEqual(logged[0]?.features);
    const streamChance = holder.use(({ model: served }) => served.predict([valid.features])[0] as number);
    expect(resultOf(valid, streamChance, RUN_ID, 'shardId-0', new Date(0), model.contract.response)).toMatchObject({
      'churn chance': chance,
      model_run_id: RUN_ID,
      customer_id: records[index]?.['customerid'],
    });

    // The same row in the batch: the generated CSV itself (BOM, CRLF, quoted commas, N/A) with the contract's column names.
    const [, ...lines] = csvText.replace(/^\uFEFF/, '').split('\r\n');
    const header = GENERATED_HEADER.map((h) => contract.normaliseColumn(h)).join(',');
    const batchCsv = `\uFEFF${[header, lines[index]].join('\r\n')}\r\n`;
    const response = await fetch(`${url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: batchCsv });
    expect(response.status).toBe(200);
    const [row] = parse(await response.text(), { columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({ customerid: records[index]?.['customerid'], last_note: records[index]?.['last_note'], model_run_id: RUN_ID, error: '' });
    expect(Number(row?.['churn chance'])).toBe(chance);
  });

  it('when many CSV rows are posted to /predict/batch, then each gets a chance in [0,1] or, with a blank region (drop policy), an error naming region', async () => {
    const rows = 300;
    const [, ...lines] = csvText.replace(/^\uFEFF/, '').split('\r\n');
    const header = GENERATED_HEADER.map((h) => contract.normaliseColumn(h)).join(',');
    const batchCsv = `\uFEFF${[header, ...lines.slice(0, rows)].join('\r\n')}\r\n`;
    const response = await fetch(`${url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: batchCsv });
    expect(response.status).toBe(200);
    const out = parse(await response.text(), { columns: true }) as Record<string, string>[];
    expect(out.map((r) => r['customerid'])).toEqual(records.slice(0, rows).map((r) => r['customerid']));
    const blankRegion = records.slice(0, rows).map((r) => r['region'] === '');
    expect(blankRegion.some(Boolean)).toBe(true);
    out.forEach((row, i) => {
      if (blankRegion[i]) {
        expect(row['error']).toMatch(/^region: is required/);
        expect(row['churn chance']).toBe('');
      } else {
        expect(row['error']).toBe('');
        const chance = Number(row['churn chance']);
        expect(chance).toBeGreaterThanOrEqual(0);
        expect(chance).toBeLessThanOrEqual(1);
      }
    });
  });

  it('when a categorical column has a value outside its levels, then /predict answers 400 naming it, as the batch and the stream parser do', async () => {
    const index = records.findIndex((r) => r['region'] !== '');
    const body: Record<string, unknown> = { ...jsonRequestOf(contract, records[index] as Record<string, string>), contract: 'Three year' };

    const http = await predict(body);
    expect(http.status).toBe(400);
    expect(http.body['field']).toBe('contract');
    expect(http.body['error']).toMatch(/^contract: must be one of month-to-month, one year, two year$/);

    const parsed = parseRecord(model.contract, kinesisRecord(body));
    expect(parsed.ok).toBe(false);
    expect((parsed as InvalidRecord).field).toBe('contract');
    expect((parsed as InvalidRecord).reason).toBe(http.body['error']);

    const columns = contract.featureNames;
    const quote = (value: unknown) => `"${String(value).replaceAll('"', '""')}"`;
    const csv = `${columns.join(',')}\n${columns.map((c) => quote(body[c])).join(',')}\n`;
    const response = await fetch(`${url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    const [row] = parse(await response.text(), { columns: true }) as Record<string, string>[];
    expect(row?.['error']).toBe(http.body['error']);
  });
});
