// Issue 15, "shows it works": a concept-drift run on the native stack. The real predictor API serves a
// registered model; the real simulator replays test customers and sends each one's true outcome a
// second later, flipping half of them after FLIP_AFTER_MS, when one input drifts too (why: see
// INPUT_DRIFT). The quality gauges on /metrics fall, a
// Prometheus of the test's own (port 7601) evaluates the repository's alert rules against them, and
// the drift-report workflow on the real Temporal starts one retrain and, in the cooldown, no second.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { classificationQuality } from '@churn/drift';
import { loadConfig } from '@churn/config';
import { createLogger } from '@churn/logger';
import { MlflowClient } from '@churn/mlflow-client';
import { datasetSplit, loadLocal, registerTestModel, trainTestModel, waitFor, writeEnvFile } from '@churn/serving/testing';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { loadPredictorApiConfig } from '../../services/predictor-api/src/config.js';
import { start, type RunningPredictor } from '../../services/predictor-api/src/server.js';
import { simulatorConfigSchema, withContract } from '../../services/simulator/src/config.js';
import { createSimulatorMetrics } from '../../services/simulator/src/metrics.js';
import { replayRows } from '../../services/simulator/src/rows.js';
import { Simulator } from '../../services/simulator/src/simulator.js';
import { workerConfigSchema } from '../../workflows/src/config.js';
import { quietRuntime } from '../../workflows/src/testing/test-env.js';
import { createChurnWorker, type ChurnWorker } from '../../workflows/src/worker.js';
import type { DriftReportResult } from '../../workflows/src/workflows/types.js';

const root = resolve(import.meta.dirname, '../..');
const id = `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
const TRACKING_URI = 'http://127.0.0.1:5051';
const dbName = `churn_concept_int_${id}`;
const mongoUri = `mongodb://127.0.0.1:27017/${dbName}?directConnection=true`;
const PROMETHEUS_PORT = 7601;
const PROMETHEUS = `http://127.0.0.1:${PROMETHEUS_PORT}`;
// Short enough that the window holds only flipped outcomes soon after the flip, long enough for the
// 500 predictions the estimated-drop alert asks for at RATE.
const QUALITY_WINDOW = '15s';
const RATE = 45;
const FLIP_AFTER_MS = 20_000;
const FLIP_SHARE = 0.5;
// CBPE estimates from the chances alone. Calibrated on the model's test split (as NannyML does), it
// cannot see flipped outcomes whose inputs look as before; only while no test calibration is at hand
// does it calibrate on the window's (flipped) outcomes and fall with them. So the inputs shift as well:
// a higher revolving balance moves the chances where the model separates worse (estimated AUC on the
// test split 0.83 -> 0.61 for this model), one feature of eleven, so the trigger stays the quality drop.
const INPUT_DRIFT = 'total_revolving_bal+2500';
// Each alert must hold this long (instead of the shipped 30m / 1h) in the test's copy of the rules.
const TEST_FOR = '4s';
const logger = createLogger('concept-drift-int', { level: 'warn' });

const alertsSchema = z.object({
  data: z.object({ alerts: z.array(z.object({ labels: z.record(z.string(), z.string()), state: z.string() })) }),
});
const rulesSchema = z.object({ groups: z.array(z.object({ name: z.string(), rules: z.array(z.object({ alert: z.string().optional(), for: z.string().optional() }).loose()) }).loose()) });

/**
 * The repository's rule file with the `for` of the quality alerts shortened: expressions, margins
 * and the 500-prediction floor are the shipped ones. Fails when the shipped durations change, so a
 * weakened rule cannot pass unnoticed.
 */
function testRules(): string {
  const rules = rulesSchema.parse(parse(readFileSync(join(root, 'prometheus/rules/churn.rules.yml'), 'utf8')));
  const quality = rules.groups.find((g) => g.name === 'churn-quality');
  expect(quality?.rules.map((r) => [r.alert, r.for])).toEqual([
    ['ChurnModelQualityDrop', '30m'],
    ['ChurnModelEstimatedQualityDrop', '1h'],
  ]);
  for (const rule of quality?.rules ?? []) rule.for = TEST_FOR;
  return stringify(rules);
}

function startPrometheus(predictorPort: number): { process: ChildProcess; dir: string; stderr: () => string } {
  const dir = mkdtempSync(join(tmpdir(), 'churn-concept-prom-'));
  writeFileSync(join(dir, 'churn.rules.yml'), testRules());
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['churn.rules.yml'],
      scrape_configs: [{ job_name: 'predictor-api', static_configs: [{ targets: [`127.0.0.1:${predictorPort}`] }] }],
    }),
  );
  const process = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  process.stderr?.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-2_000)));
  return { process, dir, stderr: () => stderr };
}

async function firingAlerts(): Promise<Map<string, Record<string, string>>> {
  const body = alertsSchema.parse(await (await fetch(`${PROMETHEUS}/api/v1/alerts`)).json());
  return new Map(body.data.alerts.filter((a) => a.state === 'firing').map((a) => [a.labels['alertname'] as string, a.labels]));
}

/** A series' value by its first labels (the rest, if any, are not looked at). */
const gauge = (text: string, name: string, labels: string) => {
  const start = `${name}{${labels}`;
  const line = text.split('\n').find((l) => l.startsWith(start) && (l[start.length] === '}' || l[start.length] === ','));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('a concept-drift run on the native stack', () => {
  const mongo = new MongoClient(mongoUri);
  let predictor: RunningPredictor | undefined;
  let prometheus: ReturnType<typeof startPrometheus> | undefined;
  let simulator: Simulator | undefined;
  let workerReady: Promise<ChurnWorker> | undefined;
  let churnWorker: ChurnWorker | undefined;
  let workerRunning: Promise<void> | undefined;
  let temporal: Client | undefined;
  const retrains: string[] = [];

  afterAll(async () => {
    await simulator?.stop(0);
    for (const workflowId of retrains) await temporal?.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
    await workerReady?.catch(() => undefined);
    churnWorker?.worker.shutdown();
    await workerRunning;
    await temporal?.connection.close();
    if (prometheus?.process.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.process.once('exit', resolve));
      prometheus.process.kill('SIGTERM');
      await exited;
    }
    await predictor?.close();
    if (prometheus) rmSync(prometheus.dir, { recursive: true, force: true });
    await mongo.db().dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  it('when the simulator flips half the outcomes and shifts one input, then the realised and estimated AUC fall, both quality alerts fire in Prometheus, and one retrain starts but a second does not in the cooldown', async () => {
    // The served model, with the test AUC the alerts and the retrain trigger compare against.
    const dir = await trainTestModel({ max_depth: 3 }, 20);
    const runId = await registerTestModel(TRACKING_URI, dir, `concept-drift-${id}`);
    const { test } = datasetSplit();
    const model = await loadLocal(dir);
    const testAuc = classificationQuality(
      test.map((r) => r.churned),
      Array.from(model.predict(test)),
    ).auc as number;
    model.dispose();
    await new MlflowClient({ trackingUri: TRACKING_URI }).logBatch(runId, { metrics: [{ key: 'test_auc', value: testAuc, timestamp: Date.now(), step: 0 }] });

    const envFile = await writeEnvFile(
      {
        RUN_ID: runId,
        MODEL_URI: '',
        MLFLOW_TRACKING_URI: TRACKING_URI,
        MODEL_CACHE_DIR: `${dir}-cache`,
        MONGODB_URI: mongoUri,
        PREDICTION_LOG_FLUSH_INTERVAL: '100ms',
        QUALITY_WINDOW,
        QUALITY_EVERY: '500ms',
        LOG_LEVEL: 'warn',
      },
      join(root, '.env.local'),
    );
    predictor = await start({ port: 0, envFile, config: loadPredictorApiConfig(envFile), logger });
    await predictor.runtime.firstLoad;
    const base = `http://127.0.0.1:${predictor.port}`;
    const ownPrometheus = startPrometheus(predictor.port);
    prometheus = ownPrometheus;
    await waitFor(async () => (await fetch(`${PROMETHEUS}/-/ready`).catch(() => undefined))?.ok === true, { timeoutMs: 20_000, what: 'Prometheus', intervalMs: 200 }).catch(
      (error: unknown) => {
        throw new Error(`Prometheus on ${PROMETHEUS_PORT} did not start: ${ownPrometheus.stderr()}`, { cause: error });
      },
    );

    // The drift report's worker, built while traffic flows (bundling its workflows takes seconds).
    quietRuntime();
    const workerConfig = loadConfig(workerConfigSchema, {
      envFiles: [join(root, '.env.local')],
      env: {
        ...process.env,
        TEMPORAL_TASK_QUEUE: `int-concept-${id}`,
        MLFLOW_EXPERIMENT: `int-concept-${id}`,
        REGISTERED_MODEL: `int-concept-model-${id}`,
        MONGODB_URI: mongoUri,
        REPORTS_DIR: mkdtempSync(join(tmpdir(), 'churn-concept-reports-')),
        REPORTS_BUCKET: '',
        QUALITY_WINDOW,
        LOG_LEVEL: 'warn',
      },
    });
    workerReady = createChurnWorker(workerConfig, { logger, metricsPort: 0 }).then((worker) => {
      churnWorker = worker;
      workerRunning = worker.run();
      return worker;
    });
    temporal = new Client({ connection: await Connection.connect({ address: workerConfig.TEMPORAL_ADDRESS }), namespace: workerConfig.TEMPORAL_NAMESPACE });
    const simulatorEnv = loadConfig(simulatorConfigSchema, { envFiles: [join(root, '.env.local')] });
    const { contract, SIMULATOR_DRIFT: drift } = withContract({ ...simulatorEnv, SIMULATOR_DRIFT: INPUT_DRIFT });
    const { rows, labels } = await replayRows(contract, 'test', simulatorEnv);
    simulator = new Simulator({
      rows,
      targets: ['http'],
      ratePerSec: RATE,
      predictorUrl: base,
      predictionsStream: 'unused',
      resultsStream: 'unused',
      drift,
      driftAfterMs: FLIP_AFTER_MS,
      maxRecords: 0,
      maxInFlight: 16,
      seed: 7,
      outcomes: { labels, share: 1, delayMs: 1_000, conceptDrift: { share: FLIP_SHARE, afterMs: FLIP_AFTER_MS }, outcomesStream: 'unused' },
      metrics: createSimulatorMetrics(new Registry()),
      logger,
    });
    const started = Date.now();
    await simulator.start();

    const auc = `run_id="${runId}",measure="auc"`;
    const read = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return {
        realised: gauge(text, 'churn_model_quality', auc),
        // Whatever it was calibrated on (the model's test split, or the window's outcomes).
        estimated: gauge(text, 'churn_model_quality_estimated', auc),
        labelled: gauge(text, 'churn_model_quality_labelled', `run_id="${runId}"`) ?? 0,
        predictions: gauge(text, 'churn_model_quality_predictions', `run_id="${runId}"`) ?? 0,
      };
    };

    // Before the flip: a full window of true outcomes, quality near the test AUC, no alert.
    let before = await read();
    await waitFor(async () => (before = await read()).predictions >= 450 && before.labelled >= 400, { timeoutMs: FLIP_AFTER_MS, what: 'a full window of labelled predictions', intervalMs: 250 });
    expect(Date.now() - started).toBeLessThan(FLIP_AFTER_MS);
    expect(Math.abs((before.realised as number) - testAuc)).toBeLessThan(0.05);
    expect(Math.abs((before.estimated as number) - testAuc)).toBeLessThan(0.05);
    expect([...(await firingAlerts()).keys()].filter((name) => name.startsWith('ChurnModel'))).toEqual([]);

    // After it: once the window holds flipped, drifted traffic only, both AUCs fall and both alerts fire.
    let after = before;
    await waitFor(
      async () => {
        after = await read();
        return Date.now() - started > FLIP_AFTER_MS + 16_000 && (after.realised as number) < testAuc - 0.15 && (after.estimated as number) < testAuc - 0.1;
      },
      { timeoutMs: 40_000, what: 'both AUCs falling after the flip', intervalMs: 500 },
    ).catch((error: unknown) => {
      throw new Error(`the AUCs did not fall: test AUC ${testAuc}, before ${JSON.stringify(before)}, now ${JSON.stringify(after)}`, { cause: error });
    });
    let firing = new Map<string, Record<string, string>>();
    await waitFor(async () => (firing = await firingAlerts()).has('ChurnModelQualityDrop') && firing.has('ChurnModelEstimatedQualityDrop'), {
      timeoutMs: 20_000,
      what: 'both quality alerts firing in Prometheus',
      intervalMs: 500,
    });
    expect(firing.get('ChurnModelQualityDrop')).toMatchObject({ run_id: runId, severity: 'warning' });
    expect(firing.get('ChurnModelEstimatedQualityDrop')).toMatchObject({ run_id: runId, severity: 'info' });

    // The scheduled report sees the same drop: one retrain, and none more in the cooldown.
    await workerReady;
    const input = { windowMs: 600_000, cooldownMs: 24 * 3_600_000, tuning: { trials: 1, batchSize: 1 }, retrainIdPrefix: `retrain-concept-${id}` };
    const report = (n: number) =>
      temporal?.workflow.execute('driftReportWorkflow', { taskQueue: workerConfig.TEMPORAL_TASK_QUEUE, workflowId: `int-concept-${n}-${id}`, args: [input] }) as Promise<DriftReportResult>;

    const first = await report(1);
    if (first.retrain.workflowId) retrains.push(first.retrain.workflowId);
    expect(first.report.runId).toBe(runId);
    expect(first.report.driftedShare).toBeLessThan(0.5);
    expect(first.retrain).toMatchObject({ started: true, workflowId: expect.stringMatching(new RegExp(`^retrain-concept-${id}-`)), reason: expect.stringMatching(/^realised AUC 0\.\d+ on \d+ outcomes is more than 0.05 below the test AUC/) });
    const second = await report(2);
    expect(second.retrain).toMatchObject({ started: false, workflowId: first.retrain.workflowId, reason: 'a retrain already ran in this cooldown period' });

    const tunings = `WorkflowType = 'tuningWorkflow' AND TaskQueue = '${workerConfig.TEMPORAL_TASK_QUEUE}'`;
    let count = 0;
    await waitFor(async () => (count = await temporal!.workflow.count(tunings).then((c) => c.count)) >= 1, { timeoutMs: 10_000, what: 'the retrain in visibility', intervalMs: 250 });
    expect(count).toBe(1);
    const description = await temporal.workflow.getHandle(first.retrain.workflowId as string).describe();
    expect(description.type).toBe('tuningWorkflow');
  }, 150_000);
});
