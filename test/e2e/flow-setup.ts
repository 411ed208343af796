import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ChurnFlow } from '../../scripts/demo/flow.js';
import { promQuery, waitUntil } from '../../scripts/demo/processes.js';
import { ROOT, STATE_FILE, type E2eState } from './e2e-state.js';

const TRIALS = 4;
/** A second real churn dataset with other columns (datasets/telco.yaml): the whole flow runs on it too. */
const SECOND_DATASET = 'telco';
const PROMETHEUS = 'http://127.0.0.1:9090';

// Overrides of .env.local for the run: an own task queue, nothing served yet, live drift and quality
// computed often enough to move within the test, and drifted simulated traffic from the start whose
// outcomes come back two seconds after each prediction.
const OVERRIDES: Record<string, string> = {
  RUN_ID: '',
  MODEL_URI: '',
  TEMPORAL_TASK_QUEUE: `e2e-${Date.now()}`,
  LIVE_DRIFT_WINDOW: '300',
  LIVE_DRIFT_EVERY: '50',
  QUALITY_EVERY: '5s',
};

const SIMULATOR = {
  SIMULATOR_TARGETS: 'http,stream',
  SIMULATOR_RATE_PER_SEC: '20',
  SIMULATOR_DRIFT: 'credit_limit*1.8,card_category=gold:0.5',
  SIMULATOR_DRIFT_AFTER: '0s',
  SIMULATOR_OUTCOME_SHARE: '1',
  SIMULATOR_OUTCOME_DELAY: '2s',
};

function writeEnvFile(path: string): void {
  const lines = readFileSync(join(ROOT, '.env.local'), 'utf8')
    .split('\n')
    .filter((line) => !Object.keys(OVERRIDES).some((name) => line.startsWith(`${name}=`)));
  writeFileSync(path, [...lines, ...Object.entries(OVERRIDES).map(([k, v]) => `${k}=${v}`), ''].join('\n'));
}

const waitForSeries = (query: string, timeoutMs: number) =>
  waitUntil(`Prometheus series ${query}`, timeoutMs, async () => (await promQuery(PROMETHEUS, query)).length > 0 || 'no series yet');

export async function setup(): Promise<void> {
  const envFile = join(ROOT, '.stack/e2e/.env.e2e');
  mkdirSync(dirname(envFile), { recursive: true });
  writeEnvFile(envFile);
  const flow = new ChurnFlow(ROOT, envFile);
  (globalThis as { __churnFlow?: ChurnFlow }).__churnFlow = flow;
  const log = (message: string) => process.stderr.write(`[e2e] ${message}\n`);

  log('starting the worker');
  await flow.startWorker();
  log(`tuning ${TRIALS} trials through Temporal`);
  const runId = await flow.tune(TRIALS, false);
  log(`promoting ${runId}, starting predictors and the simulator`);
  flow.promote(runId);
  await flow.startServing(SIMULATOR);
  log('waiting for live drift gauges in Prometheus');
  await waitForSeries('churn_feature_drift_score{job="predictor-api"}', 180_000);
  await waitForSeries('churn_feature_drift_score{job="predictor-stream"}', 180_000);
  log('building a drift report');
  const { report } = await flow.driftReport(30 * 60_000);
  log(`tuning ${TRIALS} trials on the second dataset (${SECOND_DATASET}: only its contract file differs)`);
  const secondRunId = await flow.tune(TRIALS, false, SECOND_DATASET);
  const state: E2eState = { envFile, runId, secondDataset: SECOND_DATASET, secondRunId, trials: TRIALS, report, startedAt: new Date().toISOString() };
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
  log('flow is up');
}

/** Stops what setup started (Jest runs global setup and teardown in the same process). */
export async function teardown(): Promise<void> {
  await (globalThis as { __churnFlow?: ChurnFlow }).__churnFlow?.stop();
}
